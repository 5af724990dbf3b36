"""Classes of language an entry's fields read (round roles15): things tried and verdicts that were read as nothing in
the eleventh corpus batch (forum posts, issue threads in non-native English, a pull request's tables). A bare "I try
to X" told with the outcome it met is one attempt, not a habit; a gain named and then denied its size did not work; a
target met (the reported numbers reproduced, the result sought obtained) worked; a results table's decision column
(Keep / Drop / Defer) settles its rows; work said to be needed is a step still to take; a decimal value between a
measure and its failure ends nothing. Sentences are written for the classes, not copied from the corpus; each class
has near misses that must keep their old reading, and every new pattern is timed on long adversarial text."""

from __future__ import annotations

import re
import time

import pytest

from narrative import acts, lexicon, progress, row_decisions, suggestions
from narrative.reading import modality, verdict_of
from narrative.segmenting import split_segments
from tests.narrative.entry_helpers import structure_text


def _verdicts(text: str) -> set[str]:
    return {c.verdict for c in structure_text(text).conclusions}


# --- a bare "I try to X" told with its outcome is an attempt, not a habit ------------------------------------------

@pytest.mark.parametrize(("text", "verdict"), [
    ("I try to finetune the base model on my own data and get 0.64 top-1.", None),
    ("We try to train the detector from scratch and got a map of 12.3.", None),
    ("I try to run the provided script, but the loss goes to nan after the first epoch.", "did_not_work"),
    ("I try to train on 4 gpus and I see the val loss doesn't decrease below 2.1.", "did_not_work"),
    ("I try to reproduce table 2 with the default config and obtain 71.2 accuracy.", None),
    ("I try to use a smaller lr, and only get 40% on the dev set.", None),
    ("We try to distill the teacher into a 6-layer student and end up with a large gap.", None),
    ("I try to add dropout to the decoder but it is still overfitting.", "did_not_work"),
])
def test_a_bare_try_with_its_outcome_is_an_attempt(text: str, verdict: str | None) -> None:
    assert not acts.states_habit(text), text
    structure = structure_text(text)
    assert structure.hypotheses or structure.conclusions or structure.observations, structure
    if verdict is not None:
        assert verdict in _verdicts(text), structure


@pytest.mark.parametrize("text", [
    "I try to keep the val split fixed.",
    "I try to keep the seed fixed and get the data from the same bucket.",
    "We try to log every run to the same project.",
    "I usually try to rerun the baseline and get 0.71 each time.",
    "We always try to evaluate on the full test set and get the numbers into the sheet.",
    "I try to avoid changing two things at once.",
    "I tend to use adamw and see how it goes.",
    "I try to write down the config before each launch, and check it twice.",
    "We like to start from the public checkpoint.",
])
def test_practices_kept_stay_habits(text: str) -> None:
    assert acts.states_habit(text), text


# --- a gain named, then denied its size, did not work ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "The boost from the auxiliary loss itself is not significant.",
    "the gain was negligible on the dev set",
    "Improvements from the larger vocab are marginal.",
    "no boost from ema this time",
    "The benefit of the extra head seems insignificant.",
    "no uplift from the new tokenizer",
    "The gain from label smoothing is not statistically significant.",
    "The lift remains marginal after three seeds.",
])
def test_a_gain_denied_its_size_did_not_work(text: str) -> None:
    assert verdict_of(text) == "did_not_work", text


@pytest.mark.parametrize(("text", "verdict"), [
    ("The gain is significant.", "worked"),
    ("The gain from warmup is very significant.", "worked"),
    ("mixup gave a small boost", "worked"),
    ("The latency cost is not significant.", None),
    ("The boost in accuracy is huge.", "worked"),
    ("a gain of 0.4 on the dev set", "worked"),
    ("The boost is within noise.", "inconclusive"),
    ("The difference in memory is not significant.", None),
    ("boost_rounds is not significant for speed", "worked"),
])
def test_gains_not_denied_keep_their_reading(text: str, verdict: str | None) -> None:
    assert verdict_of(text) == verdict, text


# --- a target met is a success ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "We have reproduced the reported results with the new release.",
    "Finally reproduced the paper's mAP on a single gpu.",
    "After pinning the library version I got the desired result.",
    "We reached the expected accuracy after 90 epochs.",
    "With the fixed sampler we successfully reproduced their numbers.",
    "The rerun matched the reported bleu.",
    "Obtained the target f1 with half the data.",
    "I have now reproduced the original perplexity.",
])
def test_a_target_met_worked(text: str) -> None:
    assert verdict_of(text) == "worked", text
    assert "worked" in _verdicts(text), structure_text(text)


@pytest.mark.parametrize(("text", "verdict"), [
    ("I could not reproduce the reported results.", None),
    ("I haven't reproduced the results yet.", None),
    ("I have not yet reproduced the paper results.", None),
    ("Trying to get the desired result.", None),
    ("How to get the expected accuracy?", None),
    ("We reproduced the bug on a single gpu.", None),
    ("Has anyone reproduced the reported results?", None),
    ("To reproduce the results, run train.py with the default config.", None),
    ("I never got the desired result.", None),
    ("We got the expected error message.", None),
    ("I cannot get the expected accuracy.", "did_not_work"),
])
def test_a_target_not_met_or_still_sought_is_no_success(text: str, verdict: str | None) -> None:
    assert verdict_of(text) == verdict, text


# --- a results table's decision column settles its rows --------------------------------------------------------------

_TABLE = ("| variant | val acc | decision |\n|---|---|---|\n| mixup 0.2 | 0.812 | Keep |\n| cutmix | 0.801 | Drop |\n"
          "| ema | 0.805 | Defer |")


def test_a_decision_column_files_decisions_and_verdicts() -> None:
    structure = structure_text(_TABLE)
    kinds = {d.kind: d.text for d in structure.decisions}
    assert set(kinds) == {"adopt", "abandon", "other"}, structure.decisions
    assert "mixup" in kinds["adopt"] and "cutmix" in kinds["abandon"] and "ema" in kinds["other"]
    verdicts = {c.verdict: c.text for c in structure.conclusions}
    assert "mixup" in verdicts["worked"] and "cutmix" in verdicts["did_not_work"], structure.conclusions
    assert not any("ema" in c.text for c in structure.conclusions)   # deferred: not judged yet
    assert {"mixup 0.2", "cutmix", "ema"} <= set(structure.hypotheses)


@pytest.mark.parametrize(("header", "cell", "call"), [
    ("verdict", "ship", "keep"), ("call", "✅", "keep"), ("keep?", "yes", "keep"), ("status", "dropped", "drop"),
    ("action", "revert", "drop"), ("keep/drop", "drop", "drop"), ("decision", "on hold", "defer"),
    ("decision", "parked", "defer"),
])
def test_decision_words_under_a_decision_header(header: str, cell: str, call: str) -> None:
    text = f"| idea | f1 | {header} |\n|---|---|---|\n| focal loss | 0.41 | {cell} |"
    structure = structure_text(text)
    kind = {"keep": "adopt", "drop": "abandon", "defer": "other"}[call]
    assert [d.kind for d in structure.decisions] == [kind], structure.decisions


@pytest.mark.parametrize("text", [
    "| run | f1 | status |\n|---|---|---|\n| lr 3e-4 | 0.71 | done |",
    "| run | f1 | status |\n|---|---|---|\n| lr 1e-3 | 0.69 | running |",
    "| idea | notes |\n|---|---|\n| mixup | keep |",
    "| idea | comment |\n|---|---|\n| mixup | drop it if the loss spikes |",
    "| variant | acc | decision |\n|---|---|---|\n| mixup | 0.812 | keep an eye on the loss |",
    "| variant | keep |\n|---|---|\n| mixup | 3 |",
    "| experiment | result |\n|---|---|\n| cutmix | no |",
    "| run | status |\n|---|---|\n| r12 | failed |",
])
def test_no_decision_without_a_decision_column_and_word(text: str) -> None:
    rows = text.splitlines()[2:]
    segments = [s for s in split_segments(text) if s.kind == "row"]
    assert len(segments) == len(rows)
    assert all(row_decisions.call_of(s) is None for s in segments), text


# --- work said to be needed is a step still to take -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "More in-depth investigation is needed.",
    "This needs careful checking.",
    "Further tuning is required before we compare.",
    "this needs more investigation",
    "So more experiments are needed on the larger set.",
    "A closer look is warranted.",
    "But additional ablations are still necessary.",
    "It still needs some debugging.",
])
def test_work_said_to_be_needed_is_a_plan(text: str) -> None:
    assert suggestions.suggested(text.lower()), text
    assert modality(text) == "planned", text
    structure = structure_text(text)
    assert structure.next_steps, structure


@pytest.mark.parametrize("text", [
    "No tuning is needed with AdamW.",
    "Less tuning is needed with AdamW.",
    "The analysis is needed for the paper.",
    "It needs no tuning.",
    "The work is needed for the release.",
    "Checking is needed only when the loss spikes.",
    "More tuning is needed if we switch to SGD.",
    "I did more investigation and found the bug.",
    "The model needs more epochs to converge, I think.",
])
def test_needs_that_plan_nothing(text: str) -> None:
    assert not suggestions.suggested(text.lower()), text
    assert modality(text) != "planned", text


# --- a decimal value between a measure and its failure ends nothing ---------------------------------------------------

@pytest.mark.parametrize("text", [
    "the val loss (~130.0) doesn't decrease",
    "both losses (~1.25 and ~1.30) are high and don't decrease",
    "the train loss 2.31 never goes down",
    "error rate 0.45 is not dropping",
    "ppl 31.7 still not decreasing after 3 epochs",
    "the loss at 0.693 didn't fall at all",
    "wer ~0.42 is not going down",
    "the loss (about 4.6) does not decrease",
])
def test_a_decimal_value_before_the_failure_keeps_it(text: str) -> None:
    assert progress.FAILURE.search(text), text
    assert verdict_of(text) == "did_not_work", text


@pytest.mark.parametrize("text", [
    "loss 0.45. Not decreasing the lr yet",
    "loss 2.31 with lr 0.5, didn't reduce it further",
    "the loss is 0.3 and does not need a lower lr",
    "error 0.2; not reducing the batch",
    "the loss 1.2 decreases steadily",
    "loss 0.9 and not changing the schedule",
    "loss 0.5. never reducing the warmup again",
    "ppl 12.5 is fine, not dropping the dropout",
])
def test_a_full_stop_still_ends_the_measure(text: str) -> None:
    assert verdict_of(text) != "did_not_work" or not progress.FAILURE.search(text), text


# --- every new pattern is linear on long adversarial text -----------------------------------------------------------

_NEW_PATTERNS = [acts._BARE_TRY, acts._OUTCOME_MET, suggestions._WORK_NEEDED, progress.FAILURE, row_decisions._HEADER,
                 *(pattern for _call, pattern in row_decisions._CELL), *lexicon.POSITIVE_PATTERNS,
                 *[p for p in lexicon.NEGATIVE_PATTERNS if "insignificant" in p.pattern or "uplift" in p.pattern]]
_UNITS = ["and i get ", "i try to ", " " * 8, "loss 1.2.3.4 ", "the gain from the ", "is not ", "reproduced the ",
          "got the expected ", "more further ", "this needs ", "keep ", "| ", "1.1.1.1", "aaaa", "n't n't "]


def _cost(pattern: re.Pattern[str], text: str) -> float:
    """The best of five timings (the machine is shared: the least disturbed run measures the search)."""
    costs = []
    for _ in range(5):
        start = time.perf_counter()
        list(pattern.finditer(text))
        pattern.match(text)
        costs.append(time.perf_counter() - start)
    return min(costs)


@pytest.mark.parametrize("pattern", _NEW_PATTERNS, ids=lambda p: p.pattern[:40])
def test_the_new_patterns_are_linear_on_long_adversarial_text(pattern: re.Pattern[str]) -> None:
    assert len(_NEW_PATTERNS) >= 10
    for unit in _UNITS:
        small = (unit * (10_000 // len(unit) + 1))[:10_000]
        large = (unit * (100_000 // len(unit) + 1))[:100_000]
        # ten times the text: a linear search costs about ten times as much, a quadratic one a hundred times
        assert _cost(pattern, large) < 40 * _cost(pattern, small) + 0.2, (pattern.pattern, unit)


def test_the_readings_stay_fast_on_a_long_paste() -> None:
    text = "I try to run it and get 0.5 but the gain from it is not significant; reproduced the results. " * 400
    start = time.perf_counter()
    verdict_of(text)
    acts.states_habit(text)
    suggestions.suggested(text.lower())
    modality(text)
    assert time.perf_counter() - start < 2.0
