"""A value named in a role ("train on KITTI") is not a run holding it in another role (``test_dataset=kitti``
beside ``train_dataset=cityscapes``). The sentences are written for these tests."""

from __future__ import annotations

import pytest

from narrative import synthesis
from tests.narrative.test_check_values_sizes import _history, _run

RUNS = [
    _run(1, "cs2kitti", {"model": "unet", "train_dataset": "cityscapes", "test_dataset": "kitti",
                         "optimizer": "adam"}, {"miou": 0.52}),
    _run(2, "gta2cs", {"model": "unet", "train_dataset": "gta5", "test_dataset": "cityscapes",
                       "optimizer": "adam"}, {"miou": 0.44}),
]
NOTES = ["UNet trained on Cityscapes and tested on KITTI: 0.52 mIoU. Trained on GTA5, tested on Cityscapes: 0.44."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("train on KITTI", False),
    ("training on the KITTI data", False),
    ("test on GTA5", False),
    ("train on Cityscapes", True),
    ("test on Cityscapes", True),
    ("training with GTA5", True),
    # no role key for the word, or not a dataset: the rule stays out
    ("train with adam", True),
    ("a UNet on KITTI", True),
])
def test_a_value_in_another_role(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(NOTES, RUNS))
    assert got.already_tried is tried, (plan, got.message)
