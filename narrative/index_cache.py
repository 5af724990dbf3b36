"""``HistoryIndexCache``: the last few history indexes built, by history object, kept up to date in place
when runs and entries arrive (``narrative.index_updates``). Imported as ``narrative.history_index.
HistoryIndexCache`` by the rest of COCO."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from narrative.types import ProjectHistory
from storage.records import EntryRecord, RunSnapshot

if TYPE_CHECKING:
    from narrative.history_index import HistoryIndex


_CacheKey = tuple[int, int, int, int, str, str, str]


def _entry_mark(e: EntryRecord | None) -> str:
    return f"{e.id}|{e.status}|{e.updated_at.isoformat()}" if e is not None else ""


def _run_mark(r: RunSnapshot | None) -> str:
    return f"{r.run_id}|{r.status}|{r.fetched_at.isoformat()}" if r is not None else ""


def _cache_key(history: ProjectHistory) -> _CacheKey:
    """Identity plus cheap change markers: sizes, the last entry (id, status, updated_at), the last run."""
    last_entry = history.entries[-1] if history.entries else None
    last_run = next(reversed(history.runs.values()), None) if history.runs else None
    entry_mark, run_mark = _entry_mark(last_entry), _run_mark(last_run)
    proj = history.project
    return (id(history), len(history.entries), len(history.runs), len(proj.metric_history), entry_mark,
            run_mark, f"{proj.primary_metric}|{proj.goal}")


def add_to_history(history: ProjectHistory, *, runs: Sequence[RunSnapshot] = (),
                   entries: Sequence[EntryRecord] = ()) -> None:
    """Put ``runs`` and ``entries`` in ``history``: a known one replaced where it is, a new one added last (in
    the order given). What ``HistoryIndexCache.update`` does to the history before it updates the index."""
    for r in runs:
        history.runs[r.run_id] = r
    if entries:
        at = {e.id: i for i, e in enumerate(history.entries)}
        for e in entries:
            i = at.get(e.id)
            if i is None:
                at[e.id] = len(history.entries)
                history.entries.append(e)
            else:
                history.entries[i] = e


class HistoryIndexCache:
    """The last few indexes built, by history object (its identity and cheap change markers), newest last.

    Owned by whoever runs the engine (the app builds one per process). Safe to share between threads:
    the LRU is locked; two threads asking for the same new history may each build it once, and the
    last one stored wins.

    A history that changes in place keeps its index: ``update(history, runs=..., entries=...)`` adds the
    runs and entries to the history and to its index (no rebuild), and a history object changed by its
    owner (runs or entries added or replaced in it) is brought up to date the same way when next asked
    for, by comparing what the index holds with what the history holds.
    """

    FREEZE_AT = 50_000
    MAX_COMPUTED = 200_000

    def __init__(self, *, size: int = 4, freeze_large: bool = False) -> None:
        self.size = size
        # Only an application may move objects out of the cyclic GC's sight: it is process-wide.
        self.freeze_large = freeze_large
        self._lru: OrderedDict[_CacheKey, HistoryIndex] = OrderedDict()
        self._lock = threading.Lock()
        # one lock per index being updated in place (queries on other indexes go on)
        self._updating = threading.Lock()
        # entry id -> (its workspace, its updated_at, features a build computed again), until ``take_computed``
        self._computed: dict[str, tuple[str, dt.datetime, str]] = {}

    def index(self, history: ProjectHistory) -> HistoryIndex:
        """The index of ``history``: the cached one while the history is unchanged, else a new one."""
        key = _cache_key(history)
        with self._lock:
            idx = self._lru.get(key)
            if idx is not None and idx.history is history:
                self._lru.move_to_end(key)
                return idx
            stale = next(((k, i) for k, i in self._lru.items() if i.history is history), None)
        if stale is not None:
            got = self._catch_up(stale[0], stale[1], history)
            if got is not None:
                return got
        from narrative.history_index import HistoryIndex  # (that module imports this one)

        if not self.freeze_large:
            idx = HistoryIndex(history)
            self._store(key, idx)
            self._keep_computed(idx)
            return idx
        # Only the young generations, and before the build: afterwards they hold every object the build
        # made (it runs with the cyclic GC off), ~0.1 s to rescan at 100k runs; now they hold a few.
        gc.collect(1)
        paused = gc.isenabled()
        gc.disable()  # kept off until a large index is frozen (the build leaves it off: see HistoryIndex)
        try:
            idx = HistoryIndex(history)
            self._store(key, idx)
            self._keep_computed(idx)
            if len(idx.runs) + len(idx.facts) >= self.FREEZE_AT:
                # A large index is a few million long-lived objects: move them out of the cyclic GC's sight
                # so that later collections (during warm queries) do not rescan them. The index holds no
                # reference cycles, so evicting it still frees it by reference counting.
                # Not a full collection first: it rescans the whole heap (~0.5 s at 100k runs); the build
                # itself leaves no cycles behind, and with in-place updates a large index is built about
                # once per process. Frozen before the GC is on again: else the first allocation after the
                # build rescans everything it made as the youngest generation (~0.1 s at 100k runs), only
                # to move it along.
                gc.freeze()
        finally:
            if paused:
                gc.enable()
        return idx

    def update(self, history: ProjectHistory, *, runs: Sequence[RunSnapshot] = (),
               entries: Sequence[EntryRecord] = ()) -> HistoryIndex | None:
        """Add ``runs`` and ``entries`` (new, or new versions of known ones) to ``history`` and to its cached
        index, in place. Returns the index, or None when none was cached (the next ``index`` builds it)
        or when the change needs a rebuild (then it is dropped, and the next ``index`` builds it)."""
        add_to_history(history, runs=runs, entries=entries)
        with self._lock:
            stale = next(((k, i) for k, i in self._lru.items() if i.history is history), None)
        if stale is None:
            return None
        return self._catch_up(stale[0], stale[1], history, runs=runs, entries=entries)

    def _catch_up(self, key: _CacheKey, idx: HistoryIndex, history: ProjectHistory, *,
                  runs: Sequence[RunSnapshot] | None = None,
                  entries: Sequence[EntryRecord] | None = None) -> HistoryIndex | None:
        with self._updating:
            with self._lock:
                if self._lru.get(key) is not idx:
                    return None  # another thread got there first (and re-keyed it, or dropped it)
                del self._lru[key]
            if runs is None or entries is None:
                # what changed, by identity: the history's owner replaced or added these. A record changed in
                # place cannot be seen that way: the markers of the key the index was stored under tell.
                if _entry_mark(idx.entry_by_id.get(key[4].split("|")[0])) != key[4] or _run_mark(
                        idx.run_by_id.get(key[5].split("|")[0])) != key[5]:
                    return None
                runs = [r for rid, r in history.runs.items() if idx.run_by_id.get(rid) is not r]
                entries = [e for e in history.entries if idx.entry_by_id.get(e.id) is not e]
                if not runs and not entries:
                    return None  # the key moved, yet no record was replaced or added: changed in place
            gone = len(history.runs) != len(idx.runs) + sum(1 for r in runs if r.run_id not in idx.run_by_id)
            gone = gone or len(history.entries) != len(idx.entries) + sum(
                1 for e in entries if e.id not in idx.entry_by_id)
            if gone or not idx.apply(runs=runs, entries=entries):
                return None  # something was removed, or changed where an in-place update cannot follow
            self._store(_cache_key(history), idx)
            return idx

    def _keep_computed(self, idx: HistoryIndex) -> None:
        """Keep the features the build read again from entries' texts (theirs were missing or of another
        analysis version), for their owner to store (``take_computed``): else every cold build after an upgrade
        reads every entry again (~1 ms an entry)."""
        if not idx.computed_features:
            return
        by_id = idx.entry_by_id
        with self._lock:
            if len(self._computed) > self.MAX_COMPUTED:  # nobody takes them (a script, a bench): not kept forever
                self._computed.clear()
            for eid, text in idx.computed_features:
                e = by_id[eid]
                self._computed[eid] = (e.workspace_id, e.updated_at, text)

    def take_computed(self) -> dict[str, list[tuple[str, dt.datetime, str]]]:
        """The features builds read again since the last call, by workspace: (entry id, the entry's
        ``updated_at`` they were read from, features), handed over once for ``EntryStore.store_features``."""
        with self._lock:
            got, self._computed = self._computed, {}
        out: dict[str, list[tuple[str, dt.datetime, str]]] = {}
        for eid, (workspace_id, at, text) in got.items():
            out.setdefault(workspace_id, []).append((eid, at, text))
        return out

    def _store(self, key: _CacheKey, idx: HistoryIndex) -> None:
        with self._lock:
            self._lru[key] = idx
            self._lru.move_to_end(key)
            while len(self._lru) > self.size:
                self._lru.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._lru)
