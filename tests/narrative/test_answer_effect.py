"""A question about a setting's effect gets the setting's values against the metric; a closed line of work says
why in words."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import EntryRecord, EntryStructure, ProjectRecord, RunSnapshot
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


def test_a_setting_read_off_its_sweep_says_so_and_names_a_better_run_outside_it() -> None:
    # the lr sweep ran at one entropy beta; the best run of the project holds another config and another lr
    project = ProjectRecord(id="p", workspace_id="w", name="kungfu", primary_metric="reward", goal="max")
    spec = [("a", "1e-4", "0.1", 3050.0), ("b", "5e-5", "0.1", 4010.0), ("c", "1e-5", "0.01", 12480.0)]
    runs = [RunSnapshot(project_id="p", run_id=(k * 32)[:32], run_name=f"a2c-{k}", user="sam", status="FINISHED",
                        start=T0 + dt.timedelta(hours=i), params={"lr": lr, "entropy_beta": beta},
                        metrics={"reward": v}) for i, (k, lr, beta, v) in enumerate(spec)]
    note = EntryRecord(id="e1", workspace_id="w", project_id="p", author="sam", at=T0 + dt.timedelta(hours=4),
                       raw_text="Swept the learning rate at beta 0.1, then lowered beta and the lr.",
                       status="structured",
                       structure=EntryStructure(hypotheses=["lower learning rate"]))
    h = ProjectHistory(project=project, entries=[note], runs={r.run_id: r for r in runs},
                       now=T0 + dt.timedelta(days=1))
    got = synthesis.answer("which learning rate worked best?", h)
    assert "among runs that differ only in it: lr=5e-5" in got.answer, got.answer
    assert "Best run overall: a2c-c" in got.answer and "lr=1e-5" in got.answer, got.answer
    assert runs[2].run_id in {r for c in got.citations for r in c.run_ids}
