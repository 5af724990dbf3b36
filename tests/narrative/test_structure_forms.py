"""Forms of notes read by their structure, not their wording (issue 8, fields).

A thing done told in the first person or with the subject left out is what was tried, whatever the
verb; a task list's box says whether an item is still to do or done; older markdown's headings
without a space are headings; a bullet label holds for its own items; a trouble that went away
is a gain. The sentences here are made up for the classes (none is copied from a corpus or scenario).
"""

from __future__ import annotations

import pytest

from narrative import acts
from narrative.reading import verdict_of
from narrative.result_rows import row_verdicts
from narrative.segmenting import split_segments
from narrative.structuring import structure_entry
from storage.records import EntryStructure
from tests.narrative.conftest import make_request


def structure(text: str) -> EntryStructure:
    return structure_entry(make_request(text, []))  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    "I set the weight decay to 0.1.",
    "We moved the normalization before the attention.",
    "Then I had rewritten the collate function to pad on the left.",
    "Froze the backbone for the first two epochs",
    "- Normalized the inputs per channel",
])
def test_an_action_reported_in_the_past_is_one(text: str) -> None:
    assert acts.reports_action(text.lstrip("- "))
    entry = structure(f"## Day 4\n{text}")
    assert entry.hypotheses, entry


@pytest.mark.parametrize("text", [
    "I noticed the loss spiking at step 400.",
    "We realised the split was leaking.",
    "I focused on the write-up this week.",
    "Showed a spike around epoch 22.",
    "I will set the weight decay to 0.1 tomorrow.",
    "the weights were normalized by the loader",
])
def test_perceiving_a_system_or_a_plan_is_no_action(text: str) -> None:
    assert not acts.reports_action(text)


def test_a_task_list_box_says_what_the_item_is() -> None:
    entry = structure("# Things left\n"
                      "- [ ] warmup schedule of the second stage\n"
                      "- [ ] is the tokenizer lowercasing twice?\n"
                      "- [x] label smoothing on the classifier\n"
                      "- [ ] NOT WORKING YET, the old cuda build fails to compile\n")
    assert any("warmup schedule" in s for s in entry.next_steps)
    assert any("lowercasing" in q for q in entry.open_questions)
    assert any("label smoothing" in h for h in entry.hypotheses)
    assert not any("label smoothing" in s for s in entry.next_steps)
    # an unticked item that reports how it went keeps its verdict
    assert any(c.verdict == "did_not_work" and "cuda" in c.text for c in entry.conclusions)


def test_a_heading_without_its_space_is_a_heading() -> None:
    segments = split_segments("###Next steps\n* add mixup to the loader\n* rerun with seed 2")
    assert [s.section for s in segments] == ["next", "next"]
    assert not any(s.text.startswith("#") for s in segments)


@pytest.mark.parametrize("text", [
    "The overfitting we were seeing before went away.",
    "the loss spikes disappeared after that",
    "the NaNs are gone now",
    "it resulted in less overfitting",
])
def test_a_trouble_that_ended_is_a_gain(text: str) -> None:
    assert verdict_of(text) == "worked"


def test_a_trouble_that_stayed_is_still_a_failure() -> None:
    assert verdict_of("the overfitting problem is still there") == "did_not_work"
    assert verdict_of("the instability persists even with clipping") == "did_not_work"


def test_a_list_of_variants_is_judged_by_its_numbers() -> None:
    entry = structure_entry(make_request(
        "## variants\n"
        "v1: two conv blocks, no norm -> 64%\n"
        "v2: three conv blocks -> 61%\n"
        "v3: v1 plus batchnorm -> 70%\n"
        "v4: v3 but mean pooling -> 66%\n"
        "v5: v3 with a cosine schedule -> 71%\n", [], metric="val_acc", goal="max"))
    verdicts = {c.text.split(":")[0]: c.verdict for c in entry.conclusions}
    assert "v1" not in verdicts                   # the yardstick
    assert verdicts["v2"] == "did_not_work"       # below the best before it
    assert verdicts["v3"] == "worked"
    assert verdicts["v4"] == "did_not_work"       # against v3, which it names
    assert verdicts["v5"] == "worked"


def test_a_list_names_its_metric_or_says_nothing() -> None:
    lines = ["a: lr 1e-3 -> 0.41 loss", "b: lr 3e-4 -> 0.38 loss", "c: lr 1e-4 -> 0.44 loss"]
    assert row_verdicts(lines, project_metric=None, goal="max") == {1: "worked", 2: "did_not_work"}
    unnamed = ["a: lr 1e-3 -> 41", "b: lr 3e-4 -> 38", "c: lr 1e-4 -> 44"]
    assert row_verdicts(unnamed, project_metric=None, goal="max") == {}
    assert row_verdicts(unnamed[:2], project_metric="val_acc", goal="max") == {}   # two lines are no list


def test_a_bullet_label_holds_for_its_items_only() -> None:
    segments = split_segments("## Notes\n"
                              "- Things to try:\n"
                              "  - mixup on the small classes\n"
                              "- Got the loader working on the cluster\n")
    sections = {s.text: s.section for s in segments}
    assert sections["mixup on the small classes"] == "next"
    assert sections["Got the loader working on the cluster"] == ""
