"""A held project history brought up to date with what changed in storage, instead of reloaded whole
(issue 14: "new runs and entries update the index in place instead of rebuilding it").

The service keeps one history per project with the storage marks read before it was loaded. When the
marks move, :func:`changes_since` reads only the entries written or changed and the run snapshots stored
or refreshed since then (keyset pages over ``updated_at`` / ``fetched_at``), and :func:`apply_changes`
puts them in the held history and its cached index (``HistoryIndexCache.update``: no rebuild).

Decisions recorded since (an entry that abandons or adopts something) are read again whole: a short list
that no index reads. Only a change that leaves the history exactly as a full load would make it is
applied; anything else is ``None`` from :func:`changes_since`, and the caller loads the whole history
again, as before:
  * a metric switch recorded (the project's metric history, which the index reads, is loaded whole),
  * the project itself changed (experiments, metric, goal, channels; not its sync bookkeeping),
  * an entry or run removed or moved to another project (the counts then disagree),
  * a change that would move a record in the load order: a new entry dated before the newest held one
    (a back-dated ``coco log --at``), a new run started before the newest held one, an entry whose time or
    a run whose start changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from narrative.index_cache import HistoryIndexCache, add_to_history
from narrative.types import ProjectHistory
from storage.ports import Repository
from storage.records import DecisionRecord, EntryRecord, HistoryMarks, ProjectRecord, RunSnapshot

log = logging.getLogger("coco.service")

# Rows are read again from this long before the held marks: a writer's time is taken before its
# transaction commits (a run snapshot's ``fetched_at`` when the tracker was read), so a row committed
# just after the marks were read may carry an older time. Rows read again unchanged are skipped.
OVERLAP = dt.timedelta(seconds=60)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
ENTRY_PAGE = 1000
RUN_PAGE = 5000


def _idle() -> asyncio.Event:
    event = asyncio.Event()
    event.set()
    return event


@dataclass
class HeldHistory:
    """A project's whole history and the storage marks read just before it was loaded (or last updated).

    Engines read it in worker threads; it is changed in place only while none does (``reading`` counts
    them), and one caller at a time brings it up to date (``turn``)."""

    marks: HistoryMarks
    history: ProjectHistory
    readers: int = 0
    idle: asyncio.Event = field(default_factory=_idle)
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)

    @contextlib.contextmanager
    def reading(self) -> Iterator[ProjectHistory]:
        """The history, held unchanged while the block runs (an engine's job over it)."""
        self.readers += 1
        self.idle.clear()
        try:
            yield self.history
        finally:
            self.readers -= 1
            if not self.readers:
                self.idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """Whether no engine reads the history any more within ``timeout`` seconds (new readers wait for
        ``turn``, which the caller holds)."""
        if not self.readers:
            return True
        try:
            await asyncio.wait_for(self.idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass
class HistoryChanges:
    runs: list[RunSnapshot]  # refreshed ones first, then new ones in load order (start, run id)
    entries: list[EntryRecord]  # changed ones first, then new ones in load order (at, id)
    decisions: list[DecisionRecord] | None = None  # the project's whole list, when it changed


def same_project(a: ProjectRecord, b: ProjectRecord) -> bool:
    """Whether two versions of a project tell the narrative the same (its ``settings`` hold the run sync's
    bookkeeping and schedules, which move at every sync and which no synthesis reads)."""
    return a.model_dump(exclude={"settings"}) == b.model_dump(exclude={"settings"})


def _since(when: dt.datetime | None) -> dt.datetime:
    return when - OVERLAP if when is not None else _EPOCH


async def changes_since(
    repo: Repository, workspace_id: str, *, project: ProjectRecord, held: HeldHistory, marks: HistoryMarks
) -> HistoryChanges | None:
    """What changed in the project's history since ``held`` (whose marks were read before it was loaded),
    given the ``marks`` read now; ``None`` when the change cannot be applied exactly (see the module)."""
    old, history = held.marks, held.history
    if (old.metric_changes, old.metric_changed) != (marks.metric_changes, marks.metric_changed):
        _reload("a metric switch was recorded")
        return None
    if not same_project(history.project, project):
        _reload("the project changed")
        return None
    entries = await _changed_entries(repo, workspace_id, project.id, history, since=_since(old.entries_updated))
    if entries is None:
        return None
    runs = await _changed_runs(repo, workspace_id, project.id, history, since=_since(old.runs_fetched))
    if runs is None:
        return None
    known = _entry_ids(history, entries)
    if len(history.entries) + sum(1 for e in entries if e.id not in known) != marks.entries:
        _reload("entries were removed or moved (or written while reading)")
        return None
    if len(history.runs) + sum(1 for r in runs if r.run_id not in history.runs) != marks.runs:
        _reload("run snapshots were removed (or written while reading)")
        return None
    decisions = None
    if (old.decisions, old.decisions_at) != (marks.decisions, marks.decisions_at):
        decisions = await repo.list_decisions(workspace_id, project.id)
    return HistoryChanges(runs=runs, entries=entries, decisions=decisions)


def _entry_ids(history: ProjectHistory, changed: list[EntryRecord]) -> set[str]:
    wanted = {e.id for e in changed}
    return {e.id for e in history.entries if e.id in wanted}


async def _changed_entries(
    repo: Repository, workspace_id: str, project_id: str, history: ProjectHistory, *, since: dt.datetime
) -> list[EntryRecord] | None:
    found: list[EntryRecord] = []
    token: str | None = None
    while True:
        page, token = await repo.list_entries_changed(
            workspace_id, project_id=project_id, since=since, limit=ENTRY_PAGE, page_token=token)
        found += page
        if not token:
            break
    if not found:
        return []
    wanted = {e.id for e in found}
    held = {e.id: e for e in history.entries if e.id in wanted}
    changed: list[EntryRecord] = []
    new: list[EntryRecord] = []
    for e in found:
        old = held.get(e.id)
        if old is None:
            new.append(e)
        elif old != e:
            if old.at != e.at:
                _reload(f"entry {e.id} changed its time")
                return None
            changed.append(e)
    new.sort(key=lambda e: (e.at, e.id))
    if new and history.entries and (new[0].at, new[0].id) <= (history.entries[-1].at, history.entries[-1].id):
        _reload(f"entry {new[0].id} is dated before the newest one held")
        return None
    return changed + new


async def _changed_runs(
    repo: Repository, workspace_id: str, project_id: str, history: ProjectHistory, *, since: dt.datetime
) -> list[RunSnapshot] | None:
    changed: list[RunSnapshot] = []
    new: list[RunSnapshot] = []
    token: str | None = None
    while True:
        page, token = await repo.list_runs_changed(
            workspace_id, project_id, since=since, limit=RUN_PAGE, page_token=token)
        for r in page:
            old = history.runs.get(r.run_id)
            if old is None:
                new.append(r)
            elif old != r:
                if old.start != r.start:
                    _reload(f"run {r.run_id} changed its start")
                    return None
                changed.append(r)
        if not token:
            break
    new.sort(key=lambda r: (r.start, r.run_id))
    last = next(reversed(history.runs.values()), None)
    if new and last is not None and (new[0].start, new[0].run_id) <= (last.start, last.run_id):
        _reload(f"run {new[0].run_id} started before the newest one held")
        return None
    return changed + new


def _reload(why: str) -> None:
    log.debug("history reloaded whole: %s", why)


def apply_changes(held: HeldHistory, changes: HistoryChanges, *, marks: HistoryMarks,
                  indexes: HistoryIndexCache | None) -> None:
    """Put the changes in the held history and, through ``indexes``, in its cached index (in place; the
    cache itself rebuilds an index it cannot update exactly). Without a known cache the history is
    changed alone: a cache that holds its index catches up when next asked for it."""
    if changes.runs or changes.entries:
        if indexes is not None:
            indexes.update(held.history, runs=changes.runs, entries=changes.entries)
        else:
            add_to_history(held.history, runs=changes.runs, entries=changes.entries)
    if changes.decisions is not None:
        held.history.decisions = changes.decisions
    held.marks = marks
