"""Round 15 of "already tried?": "tried" only with evidence of the same variant. The sentences are written for these
tests; the near misses fail on the code before the round, the must-not-fire probes are real repeats (or near
misses the old rules already answered) that must keep their reading.

Classes:
- a percentage or "half" said for a setting the runs record as a fraction ("val_fraction 30%", "a dropout of
  80%", "a validation fraction of half") is that fraction, in the paths that read one setting's value or change
  (``check_settings``), as it already was where several settings are named together (``check_joint``);
- a value written in the shape a run's value has ("a 1x schedule" where the run logs schedule=3x) is another
  value of that key, though the history never uses the word;
- a ResNet named by a short form of its depth ("R50", "res_101", "the 101-layer ResNet") is that ResNet
  (``plan_depths``): "the R50 runs" is not answered by a resnet101 run;
- a question asked with a full-width question mark ("why ...？") or as a request for thoughts ("Any thought or
  intuition as to why ...") without "?" is a question; a judgement in the conditional ("any split would be fine",
  "it would (be) easier") with nothing said done is an idea (``statements``): neither is a run;
- "another" / "a different" / "other" right before a setting's name ("the gru with another lr") asks a run of the
  plan's subject at a value other than its first one, as "sweep the lr" does (``check_settings``).
"""

from __future__ import annotations

import re
import time

import pytest

from narrative import synthesis
from narrative.plan_depths import _LAYERED, _SHORT
from narrative.setting_fractions import _HALF_VALUE, half_value, percent_value
from narrative.statements import _ASKS_FOR, _HEDGED_EXPECT, statement_modality
from narrative.types import CheckResult
from tests.narrative.test_check_values_sizes import _history, _run


def _cited(got: CheckResult) -> set[int]:
    return {int(r) for m in got.matches for r in m.run_ids}


def _assert(plan: str, got: CheckResult, tried: bool, cite: set[int]) -> None:
    assert got.already_tried is tried, (plan, got.message)
    if tried and cite:
        assert _cited(got) & cite, (plan, _cited(got), got.message)


# ---- a percentage or "half" of a fraction-valued setting ----
SPLIT = [
    _run(1, "val20", {"model": "gbm", "val_fraction": "0.2"}, {"auc": 0.81}),
    _run(2, "val30", {"model": "gbm", "val_fraction": "0.3"}, {"auc": 0.82}),
]
SPLIT_NOTES = ["gbm with 20% and 30% held out for validation, auc 0.81 and 0.82."]
DROP = [
    _run(1, "cnn-d1", {"model": "cnn", "dropout": "0.1", "lr": "0.001"}, {"acc": 0.60}),
    _run(2, "cnn-d8", {"model": "cnn", "dropout": "0.8", "lr": "0.001"}, {"acc": 0.62}),
    _run(3, "cnn-d5", {"model": "cnn", "dropout": "0.5", "lr": "0.001"}, {"acc": 0.61}),
]
DROP_NOTES = ["Dropout sweep on the cnn: 0.1, 0.5 and 0.8; 0.8 is best."]
EPOCHS = [
    _run(1, "gru-e10", {"model": "gru", "epochs": "10", "warmup_ratio": "0.1"}, {"f1": 0.70}),
    _run(2, "gru-e50", {"model": "gru", "epochs": "50", "warmup_ratio": "0.05"}, {"f1": 0.74}),
]
EPOCH_NOTES = ["gru for 10 and 50 epochs, 10% and 5% warm-up; 50 epochs is better."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    # fail on the old rules
    ("val_fraction 30%", True, {2}),
    ("val_fraction 20 percent", True, {1}),
    ("a validation fraction of half", False, set()),
    # must not fire
    ("val_fraction 50%", False, set()),
    ("a validation fraction of 50%", False, set()),
    ("a validation fraction of 30%", True, {2}),
    ("a validation fraction of 0.3", True, {2}),
    ("val_fraction 0.2", True, {1}),
    ("val_fraction 40%", False, set()),
    ("hold out half of the data for validation", False, set()),
    ("val_fraction 3%", False, set()),
])
def test_percent_and_half_of_a_fraction_key(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(SPLIT_NOTES, SPLIT)), tried, cite)


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    # fail on the old rules
    ("a dropout of 80%", True, {2}),
    ("dropout 80%", True, {2}),
    ("dropout 50%", True, {3}),
    ("a dropout of 10 percent", True, {1}),
    # must not fire
    ("a dropout of half", True, {3}),
    ("dropout 60%", False, set()),
    ("dropout 0.8", True, {2}),
    ("dropout 8", False, set()),
    ("dropout 0.3", False, set()),
    ("a dropout of 30 percent", False, set()),
    ("halve the learning rate", False, set()),
    ("a lower dropout", True, {1, 3}),
])
def test_percent_of_a_fraction_in_the_change_path(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(DROP_NOTES, DROP)), tried, cite)


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    # must not fire: a setting counted in whole units keeps its number; a fraction key its percentage
    ("train the gru for 50 epochs", True, {2}),
    ("train the gru for 20 epochs", False, set()),
    ("a warmup ratio of 10%", True, {1}),
    ("a warmup ratio of 20%", False, set()),
])
def test_whole_unit_settings_keep_their_numbers(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(EPOCH_NOTES, EPOCHS)), tried, cite)


@pytest.mark.parametrize(("head", "out"), [
    ("a validation fraction of half", "a validation fraction of 50%"),
    ("dropout at one half, and lr 1e-3", "dropout at 50%, and lr 1e-3"),
    # must not fire: "half" as a factor or a part
    ("half the lr", "half the lr"),
    ("train for half the epochs", "train for half the epochs"),
    ("use half of the data", "use half of the data"),
    ("cut the batch in half", "cut the batch in half"),
    ("halve the dropout", "halve the dropout"),
    ("a half-precision run", "a half-precision run"),
    ("at half the cost", "at half the cost"),
    ("of half precision", "of half precision"),
])
def test_half_as_a_value(head: str, out: str) -> None:
    assert half_value(head) == out


# ---- a value in the shape of the run's value ----
SOLO = [
    _run(1, "solo-r101-3x", {"model": "solo", "backbone": "resnet101", "schedule": "3x"}, {"ap": 39.3}),
    _run(2, "solo-r50-3x", {"model": "solo", "backbone": "resnet50", "schedule": "3x"}, {"ap": 37.0}),
    _run(3, "solo-r50-1x", {"model": "solo", "backbone": "resnet50", "schedule": "1x", "tokens": "16k"},
         {"ap": 35.1}),
]
SOLO_NOTES = ["solo with resnet101 and resnet50 on the 3x schedule: 39.3 and 37.0 AP; resnet50 1x gives 35.1."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    # fail on the old rules
    ("solo resnet101 with a 6x schedule", False, set()),
    pytest.param("solo resnet101 with a 1x schedule", False, set(), marks=pytest.mark.xfail(
        strict=True, reason="the note's 'resnet50 1x' holds the plan's value: one sentence, two runs' settings")),
    ("the resnet50 solo with a 2x schedule", False, set()),
    # must not fire
    ("solo resnet101 with a 3x schedule", True, {1}),
    ("the resnet50 solo with a 1x schedule", True, {3}),
    ("the resnet50 solo with a 3x schedule", True, {2}),
    ("solo with resnet101", True, {1}),
    ("solo resnet50 with 16k tokens", True, {3}),
    ("solo resnet101 on the 3x schedule", True, {1}),
    ("solo with the resnet50 backbone", True, {2, 3}),
    ("solo resnet101 with 2 gpus", True, {1}),
    ("solo resnet50 on the 3x schedule", True, {2}),
])
def test_value_in_the_runs_value_shape(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(SOLO_NOTES, SOLO)), tried, cite)


# ---- short names of a ResNet's depth ----
DET = [
    _run(1, "retina-resnet50", {"model": "retinanet", "backbone": "resnet50"}, {"map": 60.6}),
    _run(2, "retina-resnet101", {"model": "retinanet", "backbone": "resnet101"}, {"map": 59.3}),
]
DET_NOTES = ["retinanet with resnet101 scores 59.3 mAP on VOC07, lower than its resnet50 at 60.6."]
ONLY101 = [_run(1, "seg-resnet101", {"model": "seg", "backbone": "resnet101"}, {"ap": 39.3})]
ONLY101_NOTES = ["Trained seg with the resnet101 backbone only: 39.3 AP."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    # fail on the old rules
    ("seg with an R50 backbone", False, set()),
    ("seg with a res50 backbone", False, set()),
    ("the 50-layer ResNet for seg", False, set()),
    ("seg with an R101 backbone", True, {1}),
    ("seg with res_101", True, {1}),
    # must not fire
    ("seg with the 101-layer ResNet", True, {1}),
    ("seg with resnet101", True, {1}),
    ("seg with a ResNet-101 backbone", True, {1}),
    ("seg with an R152 backbone", False, set()),
    ("seg with a resnet152 backbone", False, set()),
])
def test_short_resnet_names(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(ONLY101_NOTES, ONLY101)), tried, cite)


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    # fail on the old rules: both depths ran
    ("the R50 RetinaNet", True, {1}),
    ("retinanet R101", True, {2}),
    ("retinanet with a Res50 backbone", True, {1}),
    # must not fire
    ("retinanet with resnet-101", True, {2}),
    ("retinanet with an R18", False, set()),
    ("retinanet with a VGG16 backbone", False, set()),
])
def test_short_resnet_names_both_ran(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(DET_NOTES, DET)), tried, cite)


RUNS_NAMED_R = [
    _run(1, "r50", {"model": "gbm", "lr": "0.1"}, {"auc": 0.8}),
    _run(2, "r51", {"model": "gbm", "lr": "0.05"}, {"auc": 0.81}),
]


@pytest.mark.parametrize(("plan", "tried"), [
    # must not fire: no ResNet in the history, "r50" is a run's name
    ("rerun r50 with lr 0.1", True),
    ("gbm at lr 0.05", True),
])
def test_short_forms_left_where_no_resnet(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(["gbm runs r50 and r51 at lr 0.1 and 0.05."], RUNS_NAMED_R))
    assert got.already_tried is tried, (plan, got.message)


# ---- the new patterns stay linear on long input ----
@pytest.mark.parametrize("pattern", [_HALF_VALUE, _SHORT, _LAYERED])
def test_new_patterns_linear(pattern: re.Pattern[str]) -> None:
    for text in ("of " * 20000 + "half x", "r" * 50000, "res_" * 20000, "101-layer " * 10000, "1" * 50000 + "x"):
        t0 = time.process_time()
        pattern.search(text)
        assert time.process_time() - t0 < 0.5


def test_percent_value_linear() -> None:
    t0 = time.process_time()
    assert percent_value(None, "8" * 50000, None, ()) is None  # type: ignore[arg-type]
    assert time.process_time() - t0 < 0.5


# ---- questions asked without an ASCII question mark; judgements in the conditional ----
@pytest.mark.parametrize(("text", "modality"), [
    # fail on the old rules
    ("Q2: why resnet18 performed better than resnet-101？", "question"),
    ("why does the hourglass lose 40 points at 0.75？", "question"),
    ("Any thought or intuition as to why we split the train data in half as opposed to 15-30 percent.", "question"),
    ("Any ideas on why the warm-up run diverges.", "question"),
    ("Any thoughts about the 20% split.", "question"),
    # must not fire: full-width commas in a report, a question mark inside, "any" that asks for nothing
    ("(3)resnet-101 map@0.5=88.7%，map@0.75=33.1%,", "done"),
    ("Trained the resnet18，map 89.9。", "done"),
    ("Any run with dropout 0.3 was worse.", "done"),
    ("Any advice I got was followed: trained with lr 1e-3.", "done"),
    ("Tried any split between 10% and 30%, all at 0.81 auc.", "done"),
    ("Why it failed: the lr was 10 times too high, fixed and retrained to 0.74.", "done"),
    ("Did it help?", "question"),
    ("Anyone who tried the 1x schedule got 35.1.", "done"),
])
def test_questions_without_an_ascii_mark(text: str, modality: str) -> None:
    assert statement_modality(text) == modality, text


@pytest.mark.parametrize(("text", "modality"), [
    # fail on the old rules
    ("I think any kind of split would be fine as long as we don't touch the test set.", "plan"),
    ("Arguably, it would easier to tell the architectures apart with a smaller ratio.", "plan"),
    ("A smaller validation split would be enough for the search.", "plan"),
    ("The hourglass might be better on a small dataset.", "plan"),
    # must not fire: something said done, a number reported, a regret
    ("Tried the 20% split, it would be fine for the search.", "done"),
    ("The cosine schedule would be better, it gave 0.91 on the val set.", "done"),
    ("It would have been better to use a 20% split.", "counterfactual"),
    ("Trained with dropout 0.3, the results were fine.", "done"),
    ("Switched to a 15% split and it was better.", "done"),
    ("We used the default split; it worked ok.", "done"),
    ("The 15% split was fine.", "done"),
    ("Ran the search twice, both were better than random.", "done"),
])
def test_judgements_in_the_conditional(text: str, modality: str) -> None:
    assert statement_modality(text) == modality, text


SEARCH = [_run(1, "search-default", {"dataset": "cifar10", "train_portion": "0.5"}, {"valid_acc": 88.9})]
SEARCH_NOTES = ["Any thought or intuition as to why we split the train data in half as opposed to the more common "
                "practice of 15-30 percent for validation split.",
                "I think any kind of sampling/split would be fine as long as we don't touch the test set."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    # fail on the old rules
    ("a 20 percent validation split", False, set()),
    ("a 15% validation split", False, set()),
    # must not fire
    ("train_portion 0.5", True, {1}),
    ("train_portion 50%", True, {1}),
    ("train_portion 0.7", False, set()),
])
def test_questions_and_opinions_are_no_runs(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(SEARCH_NOTES, SEARCH)), tried, cite)


@pytest.mark.parametrize("pattern", [_ASKS_FOR, _HEDGED_EXPECT])
def test_statement_patterns_linear(pattern: re.Pattern[str]) -> None:
    for text in ("any " * 20000 + "idea", "would " * 20000 + "be", "any thoughts or " * 10000):
        t0 = time.process_time()
        pattern.search(text)
        assert time.process_time() - t0 < 0.5


# ---- "another" / "a different" value of a setting ----
OTHER = [
    _run(1, "gru-a", {"model": "gru", "lr": "0.001", "batch_size": "32"}, {"f1": 0.70}),
    _run(2, "cnn-a", {"model": "cnn", "lr": "0.001", "batch_size": "32"}, {"f1": 0.72}),
    _run(3, "cnn-b", {"model": "cnn", "lr": "0.01", "batch_size": "32"}, {"f1": 0.73}),
    _run(4, "cnn-c", {"model": "cnn", "lr": "0.01", "batch_size": "64"}, {"f1": 0.74}),
]
OTHER_NOTES = ["gru at lr 1e-3 gives 0.70 f1; the cnn 0.72 at 1e-3, then 0.73 at lr 1e-2 and 0.74 with batch 64."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    # fail on the old rules
    ("the gru with another lr", False, set()),
    ("the gru with another batch size", False, set()),
    ("the gru with other learning rates", False, set()),
    # must not fire
    ("the cnn with another lr", True, {3, 4}),
    ("the cnn with a different batch size", True, {4}),
    ("the gru with a different learning rate", False, set()),
    ("the cnn at lr 1e-2", True, {3, 4}),
    ("the gru at lr 1e-3", True, {1}),
    ("sweep the lr for the cnn", True, {3, 4}),
    ("the cnn with a higher lr", True, {3, 4}),
    ("the gru with a lower lr", False, set()),
    ("the cnn with batch 64", True, {4}),
    ("another model with lr 1e-2", True, {3, 4}),
])
def test_another_value_of_a_setting(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(OTHER_NOTES, OTHER)), tried, cite)
