"""Builders for narrative tests: runs and requests without a tracker."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from narrative.types import StructureRequest
from storage.records import ProjectRecord, RunSnapshot

AT = dt.datetime(2030, 4, 10, 18, 0, tzinfo=dt.UTC)


def run_id(key: str) -> str:
    return hashlib.md5(key.encode()).hexdigest()


def make_run(key: str, *, user: str = "ada", hours_ago: float = 5, status: str = "FINISHED",
             name: str | None = None, params: dict[str, str] | None = None,
             metrics: dict[str, float] | None = None) -> RunSnapshot:
    return RunSnapshot(project_id="p", run_id=run_id(key), run_name=name or f"{key}-run", user=user,
                       status=status, start=AT - dt.timedelta(hours=hours_ago),
                       params=params or {}, metrics=metrics or {})


def make_request(text: str, runs: list[RunSnapshot], *, author: str = "ada", metric: str = "val_auc",
                 goal: Any = "max", window_start: dt.datetime | None = None) -> StructureRequest:
    refs = {}
    lowered = text.lower()
    for run in runs:
        for size in (32, 8, 6):
            if run.run_id[:size] in lowered:
                refs[run.run_id[:size]] = run
                break
    project = ProjectRecord(id="p", workspace_id="w", name="proj", primary_metric=metric, goal=goal)
    return StructureRequest(text=text, author=author, at=AT, project=project, window_runs=runs,
                            known_runs=runs, resolved_refs=refs, window_start=window_start)
