"""Shared helper of the walkthrough tests: a project's notes structured as the service does, one after another."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from narrative.structuring import structure_entry
from narrative.types import ProjectHistory, StructureRequest
from storage.records import EntryRecord, EntryStructure, ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)

# A note is (hours after t0, text) by the default author, or (hours after t0, author, text) in a shared project.
Note = tuple[float, str] | tuple[float, str, str]


def run(key: str, name: str, hours: float, params: dict[str, str], metric: str, value: float,
        minutes: int = 40, *, user: str = "mia", project_id: str = "p", t0: dt.datetime = T0) -> RunSnapshot:
    start = t0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id=project_id, run_id=key * 32, run_name=name, user=user, status="FINISHED",
                       start=start, end=start + dt.timedelta(minutes=minutes), params=params, metrics={metric: value})


def history(project: ProjectRecord, runs: list[RunSnapshot], notes: Sequence[Note], days: int = 15, *,
            author: str = "mia", t0: dt.datetime = T0, own_window: bool = False) -> ProjectHistory:
    """The project's history once every note is structured in turn.

    A note's window is every run started before it, as a shared project's service sees it; `own_window` narrows
    it to the author's runs since the previous note, as a one-person project with regular notes sees it.
    """
    entries: list[EntryRecord] = []
    for i, note in enumerate(notes):
        hours, who, text = (note[0], author, note[1]) if len(note) == 2 else note
        at = t0 + dt.timedelta(hours=hours)
        since = entries[-1].at if entries else None
        window = [r for r in runs if r.start < at
                  and (not own_window or (r.user == who and (since is None or r.start >= since)))]
        request = StructureRequest(text=text, author=who, at=at, project=project, window_runs=window,
                                   known_runs=runs, resolved_refs={}, window_start=since)
        entries.append(EntryRecord(id=f"e{i}", workspace_id="w", project_id=project.id, author=who, at=at,
                                   raw_text=text, status="structured", structure=structure_entry(request)))
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


def structures(h: ProjectHistory) -> list[EntryStructure]:
    """The entries' structures, each one there (every note of a walkthrough is structured)."""
    out = [entry.structure for entry in h.entries]
    assert all(s is not None for s in out)
    return [s for s in out if s is not None]


def false_none_linked(entry: EntryStructure) -> list[str]:
    """The entry's "none linked" warnings that name a run it did link (a warning that is not true)."""
    linked = {r.run_name for r in entry.runs if r.run_name}
    return [w for w in entry.warnings if "none linked" in w and any(name in w for name in linked)]



def fixture_time(iso: str) -> dt.datetime:
    return dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def fixture_run(run: dict[str, Any]) -> RunSnapshot:
    """A run of a data fixture (``tests/narrative/data``) as the tracker would give it."""
    start = fixture_time(run["start"])
    return RunSnapshot(project_id="p", run_id=run["key"] * 16, run_name=run["run_name"], user=run["user"],
                       status=run["status"], start=start, end=start + dt.timedelta(minutes=run["minutes"]),
                       params=run["params"], metrics=run["metrics"])
