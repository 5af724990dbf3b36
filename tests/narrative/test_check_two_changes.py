"""A plan that asks two settings to change at once ("batch 128 with a lower lr", "lr 0.1 with a bigger batch") is
answered by a run that holds both: the run at batch 128 that kept the usual lr is the closest, not the plan. A move
("lower", "bigger") is read against the runs as for a plan of one setting (the best run, then the first). The
sentences are written for these tests.
"""

from __future__ import annotations

import pytest

from narrative import synthesis
from tests.narrative.test_check_values_sizes import _history, _run

RUNS = [
    _run(1, "bs256", {"model": "resnet50", "lr": "0.1", "batch_size": "256", "weight_decay": "1e-4"},
         {"val_acc": 0.76}),
    _run(2, "bs128", {"model": "resnet50", "lr": "0.1", "batch_size": "128", "weight_decay": "1e-4"},
         {"val_acc": 0.75}),
    _run(3, "bs512-lr.05", {"model": "resnet50", "lr": "0.05", "batch_size": "512", "weight_decay": "5e-5"},
         {"val_acc": 0.77}),
    _run(4, "bs512-lr.4", {"model": "resnet50", "lr": "0.4", "batch_size": "512", "weight_decay": "1e-4"},
         {"val_acc": 0.74}),
]
NOTES = ["ResNet-50 sweep: bs 256 and 128 at lr 0.1; bs 512 at lr 0.05 (best so far, 0.77) and at lr 0.4."]


@pytest.mark.parametrize(("plan", "tried"), [
    # never run together: the first setting's runs hold the other at its usual value
    ("batch size 128 with a lower learning rate", False),
    ("a lower learning rate with batch size 128", False),
    ("bs 128 and a smaller lr", False),
    ("lr 0.1 with a bigger batch", False),
    ("a larger batch size at lr 0.1", False),
    ("batch 256 with a lower weight decay", False),
    # run together
    ("a lower lr at batch size 512", True),
    ("batch 512 with a higher weight decay", True),
    ("a smaller batch with a higher weight decay", True),
    # one setting alone stays as it was
    ("batch size 128", True),
    ("a lower learning rate", True),
    ("a bigger batch than 512", False),
])
def test_two_settings_change_together(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(NOTES, RUNS))
    assert got.already_tried is tried, (plan, got.message)


def test_not_together_names_the_closest_run() -> None:
    got = synthesis.check("batch size 128 with a lower learning rate", _history(NOTES, RUNS))
    assert not got.already_tried
    assert got.matches and got.matches[0].run_ids == [f"{2:032d}"], got.message


def test_together_cites_the_run_holding_both() -> None:
    got = synthesis.check("a lower lr at batch size 512", _history(NOTES, RUNS))
    assert got.already_tried
    assert {r for m in got.matches for r in m.run_ids} == {f"{3:032d}"}, got.message
