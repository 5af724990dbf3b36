"""Classes of false "tried" from runs: a technique put on another part of the model, a combination never run
together, a setting's value with a thing the run logged off (or held where the plan goes without it), and a bound
written after the setting ("lr below 1e-3").

"dropout on the embeddings" is not the note or the run with dropout on the output layer; "mixup with label
smoothing" is not one run of each that logged the other at 0; "dropout at lr 2.048" is not the lr-2.048 run that
logged dropout off; "lr 0.8 without dropout" is not the lr-0.8 run with dropout. The sentences are written for
these tests.
"""

from __future__ import annotations

import pytest

from narrative import synthesis
from tests.narrative.test_check_values_sizes import _history, _run

PLACE = [
    _run(1, "drop-out", {"model": "lstm", "dropout": "0.3", "dropout_on": "output"}, {"val_ppl": 91.0}),
    _run(2, "base", {"model": "lstm", "dropout": "0.0"}, {"val_ppl": 95.0}),
]
PLACE_NOTES = ["Dropout 0.3 on the output layer of the LSTM: ppl 95 -> 91."]
PLACE_RUNS_ONLY = [
    _run(1, "drop-out", {"model": "gru", "dropout": "0.3", "dropout_on": "output"}, {"val_ppl": 91.0}),
]


@pytest.mark.parametrize(("plan", "tried"), [
    ("dropout on the embeddings", False),
    ("dropout on the input embeddings", False),
    ("apply dropout to the embedding layer", False),
    ("dropout on the output layer", True),
    ("add dropout to the LSTM", True),
])
def test_a_technique_on_another_part(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(PLACE_NOTES, PLACE))
    assert got.already_tried is tried, (plan, got.message)


@pytest.mark.parametrize(("plan", "tried"), [
    ("dropout on the embeddings", False),
    ("dropout on the output layer", True),
])
def test_a_run_placing_it_elsewhere(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(["GRU baseline again."], PLACE_RUNS_ONLY))
    assert got.already_tried is tried, (plan, got.message)


COMBO = [
    _run(1, "mixup", {"model": "resnet18", "mixup": "0.2", "label_smoothing": "0.0"}, {"val_acc": 0.81}),
    _run(2, "ls", {"model": "resnet18", "mixup": "0.0", "label_smoothing": "0.1"}, {"val_acc": 0.82}),
]
COMBO_NOTES = ["Mixup alone gave 0.81; label smoothing alone 0.82."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("mixup together with label smoothing", False),
    ("combine mixup and label smoothing", False),
    ("mixup + label smoothing", False),
    ("mixup", True),
    ("label smoothing", True),
])
def test_two_things_never_run_together(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(COMBO_NOTES, COMBO))
    assert got.already_tried is tried, (plan, got.message)


VALUE = [
    _run(1, "nodrop-lr0.1", {"model": "mlp", "dropout": "off", "lr": "0.1"}, {"wer": 20.0}),
    _run(2, "drop-lr1", {"model": "mlp", "dropout": "on", "lr": "1.0"}, {"wer": 19.0}),
    _run(3, "nodrop-lr3", {"model": "mlp", "dropout": "off", "lr": "3.0"}, {"wer": 18.5}),
]
VALUE_NOTES = ["No dropout at lr 0.1 and 3, dropout at lr 1: 3 without dropout is best."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    ("dropout with lr 3", False, set()),
    ("use dropout at a learning rate of 0.1", False, set()),
    ("lr 1 without dropout", False, set()),
    ("dropout at lr 1", True, {2}),
    ("lr 3 without dropout", True, {3}),
    ("no dropout at lr 0.1", True, {1}),
    ("a learning rate below 0.1", False, set()),
    ("lr under 0.1", False, set()),
])
def test_a_value_with_a_thing_logged_off(plan: str, tried: bool, cite: set[int]) -> None:
    got = synthesis.check(plan, _history(VALUE_NOTES, VALUE))
    assert got.already_tried is tried, (plan, got.message)
    if tried:
        cited = {int(r) for m in got.matches for r in m.run_ids}
        assert cited & cite, (plan, cited, got.message)


FAMILY = [
    _run(1, "aug", {"model": "resnet18", "augment": "flip,crop"}, {"val_acc": 0.81}),
    _run(2, "sched", {"model": "resnet18", "lr_scheduler": "step"}, {"val_acc": 0.82}),
]
FAMILY_NOTES = ["Augmentation (random flips and crops) helped: 0.81.", "A step scheduler gave 0.82, the optimizer "
                "stayed the same."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("cutout augmentation", False),
    ("try mosaic augmentation", False),
    ("a polynomial scheduler", False),
    ("a lookahead optimizer", False),
    ("data augmentation", True),
    ("stronger augmentation", True),
    ("image augmentation", True),
    ("flip augmentation", True),
])
def test_a_member_named_only_by_its_family(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(FAMILY_NOTES, FAMILY))
    assert got.already_tried is tried, (plan, got.message)


SETTING = [
    _run(1, "lr1e-3", {"model": "resnet18", "lr": "0.001", "batch_size": "64", "epochs": "30"}, {"val_acc": 0.81}),
    _run(2, "lr3e-3", {"model": "resnet18", "lr": "0.003", "batch_size": "128", "epochs": "30"}, {"val_acc": 0.82}),
]
SETTING_NOTES = ["Learning rate 1e-3 then 3e-3 (batch 64 then 128): 0.81 and 0.82."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("a learning rate finder", False),
    ("run the lr finder before training", False),
    ("a batch size ramp", False),
    ("learning rate 3e-3", True),
    ("a higher learning rate", True),
    ("a learning rate sweep", True),
    ("batch size 128", True),
])
def test_a_setting_name_used_as_a_modifier(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(SETTING_NOTES, SETTING))
    assert got.already_tried is tried, (plan, got.message)


LEAVES = [
    _run(1, "lgbm-63", {"model": "lightgbm", "num_leaves": "63", "dropout": "0.1"}, {"rmse": 0.52}),
    _run(2, "lgbm-15", {"model": "lightgbm", "num_leaves": "15", "dropout": "0.05"}, {"rmse": 0.50}),
]


@pytest.mark.parametrize("plan", ["drop the number of leaves to 15", "drop the number of leaves from 63 to 15",
                                  "drop dropout to 0.05"])
def test_dropping_a_setting_to_a_value_lowers_it(plan: str) -> None:
    # "drop X to 15" lowers X; it does not take X away (only "to 0" does), so the runs holding X are no "without X"
    got = synthesis.check(plan, _history(["LightGBM with fewer leaves was better."], LEAVES))
    assert got.already_tried is True, (plan, got.message)
