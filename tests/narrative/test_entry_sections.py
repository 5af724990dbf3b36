"""An entry's sections read from the forms notes take (issue 8, fields round 3).

Labels in capitals inside a line, a count before a label with its items numbered on the same line,
``### key = value`` headings, a condition clause that names a trouble, and short reports with the
subject left out. The sentences here are made up for the classes (none is copied from a corpus or a
scenario); each test fails without its rule.
"""

from __future__ import annotations

import pytest

from narrative.reading import verdict_of
from narrative.segmenting import split_segments
from narrative.structuring import structure_entry
from storage.records import EntryStructure
from tests.narrative.conftest import make_request


def structure(text: str) -> EntryStructure:
    return structure_entry(make_request(text, []))  # type: ignore[arg-type]


def negatives(entry: EntryStructure) -> list[str]:
    return [c.text for c in entry.conclusions if c.verdict == "did_not_work"]


# --- labels in capitals inside a line -------------------------------------------------------------

def test_a_capital_label_inside_a_line_sets_the_role_of_what_follows() -> None:
    entry = structure("Reran the small config with the old tokenizer. IDEA: the tokenizer drops accents\n"
                      "Loss stuck near 2.1 QUESTION: is the warmup too short?\n"
                      "Val curve is noisy TODO: log the grad norm")
    assert "the tokenizer drops accents" in entry.hypotheses
    assert any(q.startswith("is the warmup too short") for q in entry.open_questions)
    assert "log the grad norm" in entry.next_steps
    assert not any("TODO" in s or "QUESTION" in s for s in (*entry.next_steps, *entry.open_questions))


def test_a_capitalised_word_inside_prose_is_no_label() -> None:
    # "Next:" and "Open:" written in a sentence's case are the prose's own words.
    sections = {s.text: s.section for s in split_segments("Kept seed 3. Open: the cache isn't versioned yet.")}
    assert all(section == "" for section in sections.values()), sections
    assert [s.section for s in split_segments("Kept seed 3. NEXT: version the cache")][-1] == "next"


# --- a count before a label, its items numbered on the line ----------------------------------------

@pytest.mark.parametrize(("text", "section"), [
    ("Three things to try: 1) mixup 2) cutout 3) longer warmup", "next"),
    ("Two questions: (1) is the split leaking, (2) why is fold 3 so low", "question"),
    ("A few ideas:\n- freeze the encoder\n- lower the lr", "next"),
])
def test_a_count_before_a_label_announces_its_items(text: str, section: str) -> None:
    segments = split_segments(text)
    assert len(segments) >= 2, segments
    assert all(s.section == section for s in segments), segments


def test_items_numbered_on_one_line_are_each_an_item() -> None:
    entry = structure("Next steps: (1) rerun with seed 2, (2) try mixup")
    assert entry.next_steps == ["rerun with seed 2", "try mixup"]
    # numbers that do not count from 1 are no list ("batch 2) ...")
    assert len(split_segments("Next: 2) try batch 64 3) try 128")) == 1


# --- "### key = value" headings ----------------------------------------------------------------------

def test_a_setting_heading_is_what_its_lines_judge() -> None:
    entry = structure("### lr = 0.01\nDiverged after 3 epochs.\n\n### lr = 0.003\nBest so far at 0.84.")
    assert {"lr = 0.01", "lr = 0.003"} <= set(entry.hypotheses)
    assert "lr = 0.01: Diverged after 3 epochs" in negatives(entry)
    assert any(c.text.startswith("lr = 0.003:") and c.verdict == "worked" for c in entry.conclusions)


def test_a_heading_of_prose_with_a_number_sets_nothing() -> None:
    entry = structure("### Week 12 notes\nDiverged after 3 epochs.")
    assert "Week 12 notes" not in entry.hypotheses
    assert negatives(entry) == ["Diverged after 3 epochs"]


# --- a condition clause naming a trouble is no verdict on the thing -------------------------------

@pytest.mark.parametrize("sentence", [
    "Useful for big nets that overfit.",
    "Mostly needed for runs that did not converge",
    "A cheap check for when GPU utilization fails to reach 100%",
    "Helps on runs that diverge early",
])
def test_a_condition_naming_a_trouble_is_no_failure(sentence: str) -> None:
    assert verdict_of(sentence) != "did_not_work"
    assert not negatives(structure(sentence))


def test_a_relative_clause_that_reports_still_counts() -> None:
    assert verdict_of("The run with the new sampler that went reasonably well") == "worked"
    assert verdict_of("Tried it on the model that overfit: still worse") == "did_not_work"


# --- short reports with the subject left out --------------------------------------------------------

@pytest.mark.parametrize(("sentence", "verdict"), [
    ("Overfits less with stronger augmentation", "worked"),
    ("Fail using a cyclic schedule", "did_not_work"),
    ("It can't even generate valid json!", "did_not_work"),
    ("Isn't that different from the baseline.", "did_not_work"),
    ("Not very different from v2", "did_not_work"),
])
def test_a_short_report_without_its_subject_is_read(sentence: str, verdict: str) -> None:
    assert verdict_of(sentence) == verdict


# --- an obligation is a plan ---------------------------------------------------------------------------

@pytest.mark.parametrize("sentence", ["Must find out if the small net overfits too.", "We must rerun it with seed 2"])
def test_what_must_be_done_is_a_next_step(sentence: str) -> None:
    entry = structure(sentence)
    assert entry.next_steps and not negatives(entry), entry


def test_must_be_is_a_belief_not_a_plan() -> None:
    assert not structure("It must be the learning rate").next_steps


# --- something not understood is an open question ----------------------------------------------------

@pytest.mark.parametrize("sentence", ["I don't understand.", "We still can't explain the gap between val and test"])
def test_what_is_not_understood_is_open(sentence: str) -> None:
    assert structure(sentence).open_questions == [sentence]
    assert not structure("I understand the gap now").open_questions


def test_a_question_its_writer_answered_is_no_longer_open() -> None:
    entry = structure("I was curious whether a wider head might change anything. It didn't.")
    assert negatives(entry) and not entry.open_questions, entry
    assert structure("I wonder whether a wider head changes anything.").open_questions


def test_a_measure_that_stayed_the_same_after_a_change_did_not_work() -> None:
    assert verdict_of("Loss goes down with the wider head, but accuracy staying about the same") == "did_not_work"
    assert verdict_of("accuracy remained unchanged") == "did_not_work"
    assert verdict_of("Both heads perform about the same") == "inconclusive"
