"""A defect classifier's three days, written as issue-thread notes are (round fields13), read end to end: a prediction
and a cause named outright are what the notes claim, a model stuck on one class and a held-out failure after a
training-side gain are what did not work, the fix told after a failure is judged by its own outcome, and options
offered with "either ... or" are a plan, not a question."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import ProjectRecord
from tests.narrative.walkthrough_util import history, run

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="defects", primary_metric="val_f1", goal="max",  # type: ignore[arg-type]
                        experiment_ids=["1"])
RUNS = [
    run("a", "base-r18", 1, {"backbone": "resnet18", "lr": "0.01"}, "val_f1", 0.61, t0=T0),
    run("b", "r18-lr1e-2-ls", 20, {"backbone": "resnet18", "lr": "0.01", "label_smoothing": "0.1"}, "val_f1", 0.58,
        t0=T0),
    run("c", "r18-lr1e-3", 44, {"backbone": "resnet18", "lr": "0.001"}, "val_f1", 0.66, t0=T0),
]
NOTES = [
    (6, "Baseline r18 at lr 1e-2 gets .61. The model keeps on predicting only one of the classes for the small "
        "defects.\nLabel smoothing should be very helpful here, the labels are noisy."),
    (26, "Label smoothing improved the train loss but it did worse on the val set (.58)。\n"
         "Too high a learning rate was the issue, I think the loss explodes after epoch 3."),
    (50, "The loss diverged at lr 1e-2, so I lowered lr to 1e-3 and it converges now: .66 val f1.\n"
         "You can either add mixup or a focal loss next."),
]


def _history() -> ProjectHistory:
    return history(PROJECT, RUNS, NOTES, days=3, t0=T0)


def test_a_stuck_model_failed_and_a_prediction_is_a_claim() -> None:
    first = _history().entries[0].structure
    assert [c.verdict for c in first.conclusions] == ["did_not_work"], first
    assert "only one of the classes" in first.conclusions[0].text
    assert any(h.startswith("Label smoothing should be very helpful") for h in first.hypotheses), first


def test_a_training_side_gain_does_not_hide_the_held_out_failure() -> None:
    second = _history().entries[1].structure
    assert {c.verdict for c in second.conclusions} == {"did_not_work"}, second
    assert any(h.startswith("Too high a learning rate was the issue") for h in second.hypotheses), second
    assert "Label smoothing" in second.hypotheses
    checked = synthesis.check("label smoothing", _history())
    assert checked.already_tried and "no gain" in checked.message, checked.message


def test_the_fix_after_a_failure_is_judged_by_its_own_outcome() -> None:
    third = _history().entries[2].structure
    verdicts = [(c.verdict, c.text) for c in third.conclusions]
    assert verdicts[0] == ("did_not_work", "The loss diverged at lr 1e-2"), verdicts
    assert any(v == "worked" and "lowered lr to 1e-3" in t for v, t in verdicts), verdicts
    assert not third.open_questions, third


def test_options_offered_are_a_plan_not_yet_run() -> None:
    checked = synthesis.check("mixup", _history())
    assert not checked.already_tried, checked.message
    assert [p.text for p in checked.planned] == ["You can either add mixup or a focal loss next."], checked.planned
