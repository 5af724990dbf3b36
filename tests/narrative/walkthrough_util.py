"""Shared helper of the walkthrough tests: a project's notes structured as the service does, one after another."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from narrative.structuring import structure_entry
from narrative.types import ProjectHistory, StructureRequest
from storage.records import EntryRecord, ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def run(key: str, name: str, hours: float, params: dict[str, str], metric: str, value: float,
        minutes: int = 40) -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user="mia", status="FINISHED", start=start,
                       end=start + dt.timedelta(minutes=minutes), params=params, metrics={metric: value})


def history(project: ProjectRecord, runs: list[RunSnapshot], notes: Sequence[tuple[float, str]],
            days: int = 15, *, author: str = "mia", t0: dt.datetime = T0) -> ProjectHistory:
    entries: list[EntryRecord] = []
    for i, (hours, text) in enumerate(notes):
        at = t0 + dt.timedelta(hours=hours)
        request = StructureRequest(text=text, author=author, at=at, project=project,
                                   window_runs=[r for r in runs if r.start < at], known_runs=runs, resolved_refs={},
                                   window_start=entries[-1].at if entries else None)
        entries.append(EntryRecord(id=f"e{i}", workspace_id="w", project_id="p", author=author, at=at, raw_text=text,
                                   status="structured", structure=structure_entry(request)))
    return ProjectHistory(project=project, entries=entries, runs={r.run_id: r for r in runs},
                          now=t0 + dt.timedelta(days=days))
