"""A new user's week on a fraud model (own notes, runs logged as scikit-learn class names), read end to end: a
decision that reports results is no step still to take, and an answer does not say "no note says why" when a
quote puts a cause forward."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import history as walkthrough_history

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
HGB = "HistGradientBoostingClassifier"
PROJECT = ProjectRecord(id="p", workspace_id="w", name="fraud", primary_metric="val_pr_auc", goal="max",  # type: ignore[arg-type]
                        experiment_ids=["1"])


def _run(key: str, name: str, hours: float, params: dict[str, str], value: float) -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user="mia", status="FINISHED", start=start,
                       end=start + dt.timedelta(minutes=40), params=params, metrics={"val_pr_auc": value})


RUNS = [
    _run("g", "gentle-owl-3", 1, {"model": "RandomForestClassifier", "class_weight": "balanced"}, 0.52),
    _run("s", "sincere-ray-77", 3, {"model": HGB, "learning_rate": "0.1"}, 0.58),
    _run("r", "rare-elk-41", 27, {"model": HGB, "learning_rate": "0.05", "sampler": "SMOTE"}, 0.55),
]
NOTES = [
    (8, "RF w/ balanced class weights gets to .52, hist gbm .58 out of the box. so trees it is.\n"
        "todo: tune the gbm a bit (lower lr, more iters), then look at resampling."),
    (33, "gbm tuning:\n* deeper trees (depth 10) overfit, .57 on val even though train went way up\n"
         "* SMOTE made things worse (.55). not surprised tbh, synthetic fraud rows probably look nothing like "
         "real ones"),
]


def _history() -> ProjectHistory:
    return walkthrough_history(PROJECT, RUNS, NOTES, days=3, t0=T0)


def test_a_decision_that_reports_results_is_no_next_step() -> None:
    first = _history().entries[0].structure
    assert first.next_steps == ["tune the gbm a bit (lower lr, more iters), then look at resampling."]
    assert any(d.kind == "adopt" for d in first.decisions)
    assert not synthesis.check("class weights on the gbm", _history()).planned


def test_no_note_says_why_is_not_said_beside_a_cause_put_forward() -> None:
    answer = synthesis.answer("why did we drop SMOTE?", _history()).answer
    assert "synthetic fraud rows" in answer, answer
    assert "No note says why" not in answer, answer
