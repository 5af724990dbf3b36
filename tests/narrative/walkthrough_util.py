"""Shared helper of the walkthrough tests: a project's notes structured as the service does, one after another."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from narrative.structuring import structure_entry
from narrative.types import ProjectHistory, StructureRequest
from storage.records import EntryRecord, EntryStructure, ProjectRecord, RunSnapshot

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


def structured_by_author(project: ProjectRecord, runs: list[RunSnapshot], notes: Sequence[tuple[float, str, str]], *,
                         t0: dt.datetime = T0) -> list[EntryStructure]:
    """Notes of several authors structured as the service does: each author's window starts at their own previous
    note, and the tracker shows the runs started before the note (``known_runs``) and in the week before it."""
    last: dict[str, dt.datetime] = {}
    out: list[EntryStructure] = []
    for hours, author, text in notes:
        at = t0 + dt.timedelta(hours=hours)
        known = [r for r in runs if r.start < at]
        request = StructureRequest(text=text, author=author, at=at, project=project,
                                   window_runs=[r for r in known if r.start > at - dt.timedelta(days=7)],
                                   known_runs=known, resolved_refs={}, window_start=last.get(author))
        last[author] = at
        out.append(structure_entry(request))
    return out
