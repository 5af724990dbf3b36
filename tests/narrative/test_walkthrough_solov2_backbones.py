"""A SOLOv2 reproduction thread (YuqingWang1029/SOLOv2 #12, the round 15 tune source), read end to end through the
history the `coco` flow builds: one person's resnet50 run and the maintainer's resnet101 run on a 3x schedule. The
depths are asked by their short names ("R50", "res_101", "the 101-layer ResNet"), and schedules, an evaluation set
and a SOLOv1 model that nobody ran are near misses that must stay "not tried"."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import ProjectRecord
from tests.narrative.walkthrough_util import history, run

T0 = dt.datetime(2020, 5, 1, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="solov2", primary_metric="mask_ap", goal="max",  # type: ignore[arg-type]
                        experiment_ids=["1"])
RUNS = [
    run("a", "solov2-r101-3x", 1, {"model": "solov2", "backbone": "resnet101", "schedule": "3x"}, "mask_ap", 39.3,
        user="Epiphqny", t0=T0),
    run("b", "solov2-r50-3x", 30, {"model": "solov2", "backbone": "resnet50", "schedule": "3x",
                                   "eval_set": "val2017"}, "mask_ap", 37.0, user="twangnh", t0=T0),
]
NOTES = [
    (120, "twangnh", "Hi! thanks for your implementation, I tried to change the backbone to resnet50 with other "
                     "settings not change, but only get 37.0 AP on val 2017 set, I'm wondering if you also encounter "
                     "the problem, so only res101 model is released ?"),
    (144, "Epiphqny", "@twangnh I only tried resnet101, and the AP on test-dev is higher than val, you can test your "
                      "model on test-dev to see the result. Also, the result of solov1_r50 is 35.8  in "
                      "https://github.com/WXinlong/SOLO , so the result of 37.0 is higher than the solov1, i think it "
                      "is normal."),
    (150, "twangnh", "thanks for reply, yes there is large improvement over solov1, but the solov2 paper report 37.8 "
                     "val AP with resnet50, so there is a ~0.8 gap between that"),
]


def _history() -> ProjectHistory:
    return history(PROJECT, RUNS, NOTES, days=8, t0=T0)


@pytest.mark.parametrize(("plan", "run_name"), [
    ("SOLOv2 with an R50 backbone", "solov2-r50-3x"),
    ("SOLOv2 with res_101", "solov2-r101-3x"),
    ("SOLOv2 on the 101-layer ResNet", "solov2-r101-3x"),
    ("the R50 SOLOv2 on the 3x schedule", "solov2-r50-3x"),
])
def test_short_depth_names_are_the_runs(plan: str, run_name: str) -> None:
    h = _history()
    got = synthesis.check(plan, h)
    assert got.already_tried, got.message
    names = {r.run_name for r in RUNS for m in got.matches if r.run_id in m.run_ids}
    assert run_name in names, (plan, got.message)


@pytest.mark.parametrize("plan", [
    "the R50 SOLOv2 with a 1x schedule",
    "SOLOv2 R101 with a 6x schedule",
    "SOLOv2 with a ResNet-152 backbone",
    "the R50 model with deformable convolutions",
])
def test_near_misses_stay_not_tried(plan: str) -> None:
    got = synthesis.check(plan, _history())
    assert not got.already_tried, (plan, got.message)
