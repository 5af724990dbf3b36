"""A question about a setting's effect gets the setting's values against the metric; a closed line of work says
why in words."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.test_synthesis import ENTRIES, RUNS, T0


def _depth_history() -> ProjectHistory:
    runs = [RunSnapshot(project_id="p", run_id=(k * 32)[:32], run_name=f"hgb-d{d}", user="sam", status="FINISHED",
                        start=T0 + dt.timedelta(hours=i), end=T0 + dt.timedelta(hours=i, minutes=3),
                        params={"model": "hgb", "max_depth": str(d), "learning_rate": "0.1"}, metrics={"val_auc": v})
            for i, (k, d, v) in enumerate([("a", 3, 0.971), ("b", 4, 0.979), ("c", 6, 0.976), ("d", 3, 0.970)])]
    project = ProjectRecord(id="p", workspace_id="w", name="nines", primary_metric="val_auc", goal="max")
    return ProjectHistory(project=project, runs={r.run_id: r for r in runs}, now=T0 + dt.timedelta(days=1))


def test_how_a_setting_affects_the_metric_is_its_values_against_the_metric() -> None:
    for question in ("how does depth affect auc?", "what was the effect of tree depth?", "does max depth matter?"):
        got = synthesis.answer(question, _depth_history())
        assert "max_depth=4" in got.answer and "max_depth=6: 0.976" in got.answer, (question, got.answer)


def test_a_closed_line_of_work_says_why_in_words() -> None:
    project = ProjectRecord(id="p", workspace_id="w", name="sentiment", primary_metric="val_acc", goal="max")
    h = ProjectHistory(project=project, entries=list(ENTRIES), runs={r.run_id: r for r in RUNS},
                       now=T0 + dt.timedelta(days=3))
    got = synthesis.answer("why did we drop undersampling?", h).answer
    assert got.startswith("undersampling was closed (no gain on the metric)."), got
