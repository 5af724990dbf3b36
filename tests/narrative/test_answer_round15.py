"""What a line's own lines say: an emphasised question's answer, a change's labelled outcome (issue 8, h/answers15).

Seen on new real notes (see data/real_answers/README.md, round h/answers15): a research handover that keeps a
"Research Questions Matrix" of bold questions, each with its "- Answer: ..." under it, and a work log that lists
each commit as "**Commit abc1234**: <the change>" with bullets under it, two of them labelled "**Result**:" and
"**Conclusion**:". Two classes, each failing on the code before it:

- a question set in bold or italics ("**What causes X?**") is a note's own question: the lines after it answer it,
  and are quoted with it (the closing "**" hid its "?", so the question was quoted alone);
- a did-it-help question whose best line is a change heading a list is answered by the items under it that its
  author labelled as the outcome ("Result:", "Conclusion:"), number or not; they come before an item that only
  states a number (the line is found in its note with its emphasis marks set aside).

The runs and notes below are written for the tests.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from narrative import synthesis
from narrative.answer_follow import results_under
from narrative.answer_quotes import asks
from narrative.answer_rank import _MOTIVE, _STOPPED_Q
from narrative.answer_recommend import _AGAINST, RECOMMEND_Q, RECOMMENDS
from narrative.answer_sections import finding_of
from narrative.history_index import HistoryIndexCache
from narrative.types import ProjectHistory
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import history, run

PROJECT = ProjectRecord(id="p", workspace_id="w", name="det", primary_metric="val_map", goal="max",
                        experiment_ids=["1"])


def _run(key: str, name: str, hours: float, params: dict[str, str], value: float) -> RunSnapshot:
    return run(key, name, hours, params, "val_map", value, 50, user="ines")


RUNS = [
    _run("a", "focal_base", 1, {"loss": "focal", "warmup_steps": "500", "batch_size": "2048"}, 0.412),
    _run("b", "bce_swap", 5, {"loss": "bce", "warmup_steps": "500", "batch_size": "2048"}, 0.398),
    _run("c", "focal_long_warmup", 9, {"loss": "focal", "warmup_steps": "3000", "batch_size": "2048"}, 0.431),
]
CHANGES = """### Loss work (week 2)

**Change 3**: swap the focal loss for plain BCE on the detector head
- same schedule and batch as change 2
- **Result**: no better, recall dropped on the rare classes
- **Conclusion**: the focal loss stays

**Change 4**: longer warmup (3000 steps) with the focal loss
- **Result**: the early loss spike is gone
"""
MATRIX = """## Open questions, answered

**What made the early loss spike?**
Answer: the warmup was too short for batch 2048.

**Is the sampler balanced per class?**
Answer: yes, checked on the rare classes.
"""
NOTES = [(6, CHANGES), (10, MATRIX)]


def _history() -> ProjectHistory:
    return history(PROJECT, RUNS, NOTES, author="ines")


def _ask(q: str) -> str:
    return synthesis.answer(q, _history(), indexes=HistoryIndexCache()).answer


# --- an emphasised question is answered by the lines after it ----------------------------------------------------


def test_a_question_in_bold_or_italics_is_a_question() -> None:
    for text in ("**What causes divergence?**", "_is the sampler balanced?_", "*Why Adam?* ", "`does it fit?`",
                 "What broke it?", "***Why did it stop?***"):
        assert asks(text), text


def test_lines_that_do_not_end_as_questions_are_not_questions() -> None:
    # must not fire: a "?" inside the line, emphasis around a statement, a label, empty or mark-only lines
    for text in ("**Result**: 0.81", "Answer: yes", "why? no idea, moving on", "**Why Adam** worked",
                 "the loader (why?) got fixed", "**Done**", "a ? in the middle of it", "", "***", "`?param=1` set",
                 "Q: who knows", "**What causes divergence?** Answer: momentum"):
        assert not asks(text), text


def test_an_emphasised_question_in_the_notes_is_quoted_with_its_answer() -> None:
    text = _ask("what made the early loss spike?")
    assert "warmup was too short" in text, text


# --- a change's labelled outcome items are its result ------------------------------------------------------------


def _under(note: str, line: str) -> list[str]:
    idx = SimpleNamespace(entry_by_id={"e": SimpleNamespace(raw_text=note)})
    return results_under(cast(Any, idx), cast(Any, SimpleNamespace(text=line, entry_id="e")))


def test_outcome_labelled_items_under_a_change_are_its_result() -> None:
    got = _under(CHANGES, "Change 3: swap the focal loss for plain BCE on the detector head")
    assert got == ["**Result**: no better, recall dropped on the rare classes", "**Conclusion**: the focal loss stays"]
    # a labelled outcome comes before an item that only states a number
    note = "**Tried EMA** on the student weights\n- val mAP 0.41 at epoch 9\n- **Verdict**: no change, dropping it\n"
    assert _under(note, "Tried EMA on the student weights")[0] == "**Verdict**: no change, dropping it"


def test_items_that_are_not_labelled_outcomes_or_not_under_the_line_are_not_its_result() -> None:
    # must not fire: other labels, a label with its content on the lines under it, a blank line before the list,
    # a line that is itself an item (its next item is a sibling), a prose line between, a line not in the note,
    # a label that only starts like an outcome word
    cases = [
        ("**Change 5**: bigger anchors\n- **Setup**: anchors x1.5\n- **Goal**: fewer misses on small boxes\n",
         "Change 5: bigger anchors"),
        ("**Change 6**: mosaic off\n- **Command**: `python train.py --no-mosaic`\n- **Notes**: same seed\n",
         "Change 6: mosaic off"),
        ("**Change 7**: new sampler\n- **Result**:\n  - recall up on rare classes\n", "Change 7: new sampler"),
        ("**Change 8**: lr 3e-4 for the head\n\n- **Result**: better on all classes\n",
         "Change 8: lr 3e-4 for the head"),
        ("- **Change 9**: freeze the backbone\n- **Result**: worse on rare classes\n", "Change 9: freeze the backbone"),
        ("**Change 10**: drop the aux head\nsome prose in between\n- **Result**: same as before\n",
         "Change 10: drop the aux head"),
        (CHANGES, "A line that is nowhere in this note at all"),
        ("**Change 11**: resize to 800\n- **Resulting file**: out/resized_800.csv\n- **Statuses**: logged\n",
         "Change 11: resize to 800"),
    ]
    for note, line in cases:
        assert _under(note, line) == [], line


def test_did_a_change_help_quotes_its_labelled_result() -> None:
    text = _ask("did swapping the focal loss for BCE help?")
    assert "recall dropped" in text, text


# --- why a line of work ended is not why it began ----------------------------------------------------------------

KD_RUNS = [
    _run("k", "reweight_x1", 20, {"class_weight": "1", "loss": "focal"}, 0.425),
    _run("m", "reweight_x5", 30, {"class_weight": "5", "loss": "focal"}, 0.419),
]
KD_START = """### Rare-class reweighting

**Reasoning:**
- rare-class reweighting should lift recall on the rare classes, as in the paper
- Hypothesis: reweighting the rare classes by 5x matches the paper's rare-class recall
"""
KD_END = """## Archived: the 5x weights

**Outcome:** the reweighting was never validated; the baseline recall was already within noise of the paper's.

**Decision:** archived, the production sampler stays.
"""


def _kd_history() -> ProjectHistory:
    return history(PROJECT, RUNS + KD_RUNS, [*NOTES, (25, KD_START), (40, KD_END)], author="ines")


def test_why_we_stopped_is_answered_by_the_later_note_not_the_hypothesis() -> None:
    text = synthesis.answer("why did we abandon the rare-class reweighting?", _kd_history(),
                            indexes=HistoryIndexCache()).answer
    assert "within noise" in text or "never validated" in text, text
    assert "Hypothesis" not in text.split('"')[1], text  # the first quote is not the hypothesis


def test_why_we_began_still_quotes_the_hypothesis() -> None:
    # must not fire: a question of why it began keeps the reasoning
    text = synthesis.answer("why did we try the rare-class reweighting?", _kd_history(),
                            indexes=HistoryIndexCache()).answer
    assert "lift recall" in text or "Hypothesis" in text, text


def test_stop_questions_and_motive_labels() -> None:
    for q in ("why did we abandon the strict QC?", "why did we drop SAM?", "why did we stop the sweep?",
              "why was the 852 set archived?", "why did we revert to 2acdc355?", "why did we give up on mixup?"):
        assert _STOPPED_Q.search(q), q
    # must not fire: dropout is a technique, other verbs ask why something began or how it went
    for q in ("why did we add dropout?", "why did we try strict QC?", "why did the loss diverge?",
              "why did we start with SGD?", "why did we keep the focal loss?", "why did recall drop?",
              "why is the sweep still running?", "why did we switch to AdamW?", "why did the loss drop after warmup?",
              "why did we use dropout 0.3?"):
        assert not _STOPPED_Q.search(q), q
    for line in ("Hypothesis: Novo used stricter QC", "**Reasoning:** the logits look noisy", "Prediction: ~71%",
                 "- Motivation: faster epochs"):
        assert _MOTIVE.match(line.strip()), line
    # must not fire: outcome labels, prose that only mentions a hypothesis, a label later in the line
    for line in ("Result: no gain", "Conclusion: hypothesis disproven", "The hypothesis was never validated.",
                 "Outcome: archived", "**Decision:** archived", "Why This Hypothesis Failed", "We predicted 71%",
                 "Finding: reasoning about the gap was wrong", "Status: ARCHIVED"):
        assert not _MOTIVE.match(line.strip()), line


# --- a later sentence of a labelled finding is quoted from the label on --------------------------------------------

MIX_RUNS = [
    _run("p", "crop_heavy", 50, {"crop": "heavy", "mixup": "0"}, 0.436),
    _run("q", "crop_heavy_mixup", 52, {"crop": "heavy", "mixup": "0.2"}, 0.436),
]
MIX = """## Mixup retest

**Finding:** Mixup is redundant with the heavy crop. Both spread the class boundary. Before the crop, mixup hurt
(-1pp) because it blurred the rare-class edges.

**Setup:** heavy crop on. Mixup alpha 0.2 on top of it.

**Result:**
Same mAP with and without it. Nothing to keep.

Plain prose with no label. Mixup ran on both seeds.

- **Conclusion**: drop mixup. It costs 10% more time.
- it also needs a second loader.

**Outcome:** no change.
- **Status**: parked. Revisit with the new sampler.
"""


def _mix_history() -> ProjectHistory:
    return history(PROJECT, RUNS + MIX_RUNS, [*NOTES, (55, MIX)], author="ines")


def test_a_later_sentence_of_a_finding_is_quoted_with_the_finding() -> None:
    text = synthesis.answer("why doesn't mixup matter anymore?", _mix_history(), indexes=HistoryIndexCache()).answer
    assert "redundant" in text, text


def test_finding_of_fires_only_within_one_labelled_finding() -> None:
    hist = _mix_history()
    idx = synthesis._index(hist, HistoryIndexCache())
    facts = [f for fs in idx.entry_facts.values() for f in fs if f.kind == "sentence" and f.para >= 0]

    def of(start: str) -> str:
        f = next(f for f in facts if f.text.replace("**", "").startswith(start))
        return finding_of(idx, f)

    assert of("Both spread the class boundary").startswith("Finding: Mixup is redundant"), of("Both spread")
    assert "Mixup is redundant" in of("Before the crop, mixup hurt")
    assert "drop mixup" in of("It costs 10% more time")  # an item's own label, on its line
    # must not fire: the label's own sentence, a label that is no outcome, a bare label, prose with no label, an
    # item's next item, a sentence of an item, a labelled item under a label line, the label line's own item
    for start in ("Finding: Mixup is redundant", "Mixup alpha 0.2 on top", "Same mAP with and without",
                  "Nothing to keep", "Mixup ran on both seeds", "it also needs a second loader",
                  "Status: parked", "Revisit with the new sampler", "Plain prose with no label"):
        assert finding_of(idx, next(f for f in facts if f.text.replace("**", "").startswith(start))) == "", start


# --- what the notes recommend answers "what should we use?" -------------------------------------------------------

PICK = """## Sampler retest

The class-balanced sampler is the recommended baseline from here on (0.431, same cost).
"""


def test_what_should_we_use_is_answered_by_the_notes_recommendation() -> None:
    hist = history(PROJECT, RUNS, [*NOTES, (60, PICK)], author="ines")
    text = synthesis.answer("what should we use as the baseline now?", hist, indexes=HistoryIndexCache()).answer
    assert "recommended baseline" in text, text


def test_recommendation_questions_and_lines() -> None:
    for q in ("what should we use as the baseline now?", "which optimizer do we recommend?",
              "what would you pick for the warmup?", "which sampler should we go with?",
              "what is the recommended batch size?", "which N should I choose for 64x64?"):
        assert RECOMMEND_Q.search(q), q
    # must not fire: questions of record, of why, of how it went, or that only mention using something
    for q in ("what did we use as the baseline?", "why should we use the sampler?", "did the sampler help?",
              "what happened when we used mixup?", "which run used the sampler?", "how should we log runs?",
              "what should we try next?", "who recommended the sampler?", "what was recommended last week?"):
        assert not RECOMMEND_Q.search(q), q
    for line in ("Cosine without SAM is the recommended baseline", "N=60 recommended", "we should use the 914 set",
                 "Use this instead:", "sticking with xgb", "The production pipeline uses 914 sequences."):
        assert RECOMMENDS.search(line), line
    # must not fire: lines that use, produce or compare without picking
    for line in ("we used the 914 set", "the model produces 914 predictions", "production of the report",
                 "goes well with the sampler", "the loss went up", "use of mixup", "recommendations file saved",
                 "stuck at 0.41"):
        assert not RECOMMENDS.search(line), line
    for line in ("SAM is not recommended with cosine", "we don't recommend the 8k batch", "never recommend mixup"):
        assert _AGAINST.search(line), line
