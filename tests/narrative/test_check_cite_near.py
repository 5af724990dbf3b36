"""A "tried" decided by a statement with no runs of its own ("Now I align the conv initializer with the reference")
cites the writer's runs of that day that carry a word of the plan the statement also says (``conv_init=...``,
a run named ``continual_test``), before or after the statement; not another writer's, nor a run days away. The
sentences are written for these tests."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import RunSnapshot
from tests.narrative.test_check_values_sizes import _history, _run

NOTE = "I aligned the kernel initializer with the PyTorch one."


PLAN = "align the kernel initializer with PyTorch's"


def _later(runs: list[RunSnapshot], hours: float) -> ProjectHistory:
    """The note written first; the runs moved to ``hours`` after it (no run in its window to link)."""
    hist = _history([NOTE], [])
    at = hist.entries[0].at
    moved = {r.run_id: RunSnapshot(**{**r.__dict__, "start": at + dt.timedelta(hours=hours),
                                      "end": at + dt.timedelta(hours=hours + 1)}) for r in runs}
    return ProjectHistory(project=hist.project, entries=hist.entries, runs=moved, now=hist.now + dt.timedelta(days=9))


RUNS = [_run(1, "a0-oneflow", {"arch": "RepVGG-A0", "framework": "oneflow", "init": "pytorch", "lr": "0.1"},
             {"top1": 0.71})]


def test_cites_the_writers_run_of_that_day() -> None:
    got = synthesis.check(PLAN, _later(RUNS, 3))
    assert got.already_tried, got.message
    assert {r for m in got.matches for r in m.run_ids} == {RUNS[0].run_id}, got.message


def test_not_a_run_days_away_nor_another_writers() -> None:
    got = synthesis.check(PLAN, _later(RUNS, 60))
    assert got.already_tried and not any(m.run_ids for m in got.matches), got.message
    other = [RunSnapshot(**{**RUNS[0].__dict__, "user": "lee"})]
    got = synthesis.check(PLAN, _later(other, 3))
    assert got.already_tried and not any(m.run_ids for m in got.matches), got.message
