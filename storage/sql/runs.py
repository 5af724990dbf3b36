"""``SqlRunCache``: the ``storage.ports.RunCache`` over SQL.

The tracker's runs as last seen, so answers stay fast and survive a tracker outage. Three columns
are named apart from their record fields (``user``, ``start`` and ``end`` are reserved words in
PostgreSQL): ``username``, ``start_time``, ``end_time``.

A snapshot that did not change is not written again: its ``fetched_at`` stays, so the history stamp
(``storage.sql.history``), which counts run rows and takes their newest ``fetched_at``, moves only
when a run did change, and a re-sync that found nothing new rebuilds no index.

One sync of a project at a time (:meth:`SqlRunCache.sync_turn`): on PostgreSQL a transaction-scoped
advisory lock, held by a connection of its own for the length of the sync (released by the database
however the holder ends, a crashed replica's included); on SQLite, one process writes, and an
in-process lock is enough.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import math
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from core.errors import StorageError
from storage.records import RunSnapshot
from storage.sql.base import IN_CHUNK, SqlStore, _describe, chunks, keyset_page, new_id, next_token, utc
from storage.tables import RunSnapshotRow, table_of

# The first of PostgreSQL's two advisory-lock keys for COCO's project syncs ("coco" in ASCII); the
# second is drawn from the project id. Other users of advisory locks on a shared server keep theirs.
SYNC_LOCK_SPACE = 0x636F636F
_POLL = 0.05  # seconds between tries while waiting for another replica's sync to end
# The columns that hold what the tracker said; the others are COCO's (ids, fetched_at).
_SNAPSHOT_COLUMNS = ("run_id", "run_name", "experiment_id", "username", "status", "start_time", "end_time",
                     "params", "metrics", "tags", "url")


def _sync_lock_key(project_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(project_id.encode(), digest_size=4).digest(), "big", signed=True)


async def _end(conn: AsyncConnection) -> None:
    """Roll back and close; a connection that died already took its transaction's lock along."""
    with contextlib.suppress(SQLAlchemyError, OSError):
        await conn.rollback()
    with contextlib.suppress(SQLAlchemyError, OSError):
        await conn.close()


def _metric_form(metrics: Mapping[str, Any]) -> dict[str, object]:
    # As stored: a non-finite value is written as its JSON spelling (storage.db.json_dumps).
    out: dict[str, object] = {}
    for key, value in metrics.items():
        if isinstance(value, float) and not math.isfinite(value):
            out[key] = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        else:
            out[key] = value
    return out


def _unchanged(stored: Any, run: RunSnapshot) -> bool:
    """Whether the stored row already says what ``run`` says (``stored`` has ``_SNAPSHOT_COLUMNS``)."""
    return (
        stored.run_name == run.run_name
        and stored.experiment_id == run.experiment_id
        and stored.username == run.user
        and stored.status == run.status
        and stored.url == run.url
        and stored.start_time == run.start
        and stored.end_time == run.end
        and stored.params == run.params
        and stored.tags == run.tags
        and _metric_form(stored.metrics) == _metric_form(run.metrics)
    )


def _run_record(row: RunSnapshotRow) -> RunSnapshot:
    # Non-finite metrics come back from their JSON spelling ("NaN") through the record's validation.
    return RunSnapshot.model_validate(
        {**row.model_dump(), "user": row.username, "start": row.start_time, "end": row.end_time}
    )


def _run_values(workspace_id: str, run: RunSnapshot) -> dict[str, Any]:
    return {
        **run.model_dump(exclude={"user", "start", "end"}),
        "id": new_id(),
        "workspace_id": workspace_id,
        "username": run.user,
        "start_time": utc(run.start, "run.start"),
        "end_time": utc(run.end, "run.end") if run.end is not None else None,
        "fetched_at": utc(run.fetched_at, "run.fetched_at"),
    }


class SqlRunCache(SqlStore):
    # Per event loop (an asyncio lock belongs to one), "workspace:project" -> the project's sync lock,
    # shared by every repository of the process (on SQLite, two repositories of one file are one writer).
    _sync_locks: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]]] = (
        weakref.WeakKeyDictionary())

    async def upsert_runs(self, workspace_id: str, runs: Sequence[RunSnapshot]) -> int:
        """Insert new snapshots and refresh changed ones in bulk: one ``INSERT ... ON CONFLICT
        (project_id, run_id) DO UPDATE`` executed over those rows (the driver's executemany), a few
        ms per thousand runs. A snapshot equal to the stored one is left alone, ``fetched_at``
        included. Returns how many rows were written."""
        if not runs:
            return 0
        latest: dict[tuple[str, str], RunSnapshot] = {}
        for run in runs:  # the last snapshot of a run wins, as if upserted one by one
            latest[(run.project_id, run.run_id)] = run
        project_ids = sorted({run.project_id for run in latest.values()})
        stmt = self._insert(RunSnapshotRow)
        refreshed = [c.name for c in table_of(RunSnapshotRow).columns if c.name not in ("id", "project_id", "run_id")]
        stmt = stmt.on_conflict_do_update(
            index_elements=["project_id", "run_id"],
            set_={name: stmt.excluded[name] for name in refreshed},
        )
        async with self._session(write=True) as session:
            for project_id in project_ids:
                await self._require_project(session, workspace_id, project_id)
                ids = [run_id for (pid, run_id) in latest if pid == project_id]
                for part in chunks(ids, IN_CHUNK):
                    stored = await session.exec(
                        select(*[col(getattr(RunSnapshotRow, c)) for c in _SNAPSHOT_COLUMNS]).where(
                            col(RunSnapshotRow.workspace_id) == workspace_id,
                            col(RunSnapshotRow.project_id) == project_id,
                            col(RunSnapshotRow.run_id).in_(part),
                        )
                    )
                    for row in stored:
                        if _unchanged(row, latest[(project_id, row.run_id)]):
                            del latest[(project_id, row.run_id)]
            rows = [_run_values(workspace_id, run) for run in latest.values()]
            for chunk in chunks(rows, 1000):
                await session.exec(stmt, params=chunk)
        return len(rows)

    async def list_run_ids(self, workspace_id: str, project_id: str, *, statuses: Sequence[str]) -> list[str]:
        """The ids of the project's cached runs whose status is one of ``statuses``."""
        if not statuses:
            return []
        async with self._session() as session:
            result = await session.exec(
                select(RunSnapshotRow.run_id).where(
                    col(RunSnapshotRow.workspace_id) == workspace_id,
                    col(RunSnapshotRow.project_id) == project_id,
                    col(RunSnapshotRow.status).in_(list(statuses)),
                )
            )
            return sorted(result.all())

    @contextlib.asynccontextmanager
    async def sync_turn(self, workspace_id: str, project_id: str, *, wait: float = 0.0) -> AsyncIterator[bool]:
        """Whether this caller may sync the project's runs now: ``True`` for the one holder of the
        project's sync turn (until the block ends), ``False`` when another task or replica held it
        for all of ``wait`` seconds (then the cache serves as it is).

        Tasks of this process queue on an in-process lock first, so only one of them at a time asks
        PostgreSQL (and holds a connection) for the advisory lock."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(wait, 0.0)
        locks = self._sync_locks.setdefault(loop, {})
        lock = locks.setdefault(f"{workspace_id}:{project_id}", asyncio.Lock())
        if lock.locked() and wait <= 0:
            yield False
            return
        try:  # a free lock is taken at once; a held one is waited for up to ``wait`` seconds
            await asyncio.wait_for(lock.acquire(), timeout=wait if lock.locked() else None)
        except TimeoutError:
            yield False
            return
        try:
            if self._sqlite:  # one process writes an SQLite file: the in-process lock is the turn
                yield True
                return
            async with self._advisory_turn(project_id, deadline=deadline) as mine:
                yield mine
        finally:
            lock.release()

    @contextlib.asynccontextmanager
    async def _advisory_turn(self, project_id: str, *, deadline: float) -> AsyncIterator[bool]:
        # pg_try_ (never blocking), one short transaction a try: a waiter holds no connection and
        # queues no lock request between tries. The lock is the transaction's, so it ends with it
        # (the rollback below, or the connection dropped when a replica dies).
        loop = asyncio.get_running_loop()
        query = text("SELECT pg_try_advisory_xact_lock(:space, :key)")
        params = {"space": SYNC_LOCK_SPACE, "key": _sync_lock_key(project_id)}
        while True:
            try:
                conn = await self._engine.connect()
            except (SQLAlchemyError, OSError) as exc:
                raise StorageError(_describe(exc)) from exc
            try:
                await conn.begin()
                got = bool((await conn.execute(query, params)).scalar())
            except (SQLAlchemyError, OSError) as exc:
                await _end(conn)
                raise StorageError(_describe(exc)) from exc
            if got:
                break
            await _end(conn)
            if loop.time() >= deadline:
                yield False
                return
            await asyncio.sleep(min(_POLL, max(deadline - loop.time(), 0.0)))
        try:
            yield True
        finally:
            await _end(conn)

    async def get_runs(
        self, workspace_id: str, project_id: str, run_ids: Sequence[str]
    ) -> dict[str, RunSnapshot]:
        """The stored snapshots among ``run_ids`` (unknown ids are simply absent)."""
        wanted = list(dict.fromkeys(run_ids))
        found: dict[str, RunSnapshot] = {}
        async with self._session() as session:
            for chunk in chunks(wanted, IN_CHUNK):
                result = await session.exec(
                    select(RunSnapshotRow).where(
                        col(RunSnapshotRow.workspace_id) == workspace_id,
                        col(RunSnapshotRow.project_id) == project_id,
                        col(RunSnapshotRow.run_id).in_(chunk),
                    )
                )
                for row in result:
                    found[row.run_id] = _run_record(row)
        return found

    async def list_runs(
        self,
        workspace_id: str,
        project_id: str,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 10000,
        page_token: str | None = None,
    ) -> tuple[list[RunSnapshot], str | None]:
        """Snapshots ordered by (start, run id); ``since`` inclusive, ``until`` exclusive on start."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        start, run_id = col(RunSnapshotRow.start_time), col(RunSnapshotRow.run_id)
        stmt = select(RunSnapshotRow).where(
            col(RunSnapshotRow.workspace_id) == workspace_id, col(RunSnapshotRow.project_id) == project_id
        )
        if since is not None:
            stmt = stmt.where(start >= utc(since, "since"))
        if until is not None:
            stmt = stmt.where(start < utc(until, "until"))
        stmt = keyset_page(stmt, at=start, key=run_id, page_token=page_token, limit=limit)
        async with self._session() as session:
            rows = list((await session.exec(stmt)).all())
        return [_run_record(r) for r in rows[:limit]], next_token(rows, limit, at="start_time", key="run_id")


    async def list_runs_changed(
        self,
        workspace_id: str,
        project_id: str,
        *,
        since: dt.datetime,
        limit: int = 10000,
        page_token: str | None = None,
    ) -> tuple[list[RunSnapshot], str | None]:
        """Snapshots with ``fetched_at >= since``, ordered by (``fetched_at``, run id); keyset pages on that key."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        fetched, run_id = col(RunSnapshotRow.fetched_at), col(RunSnapshotRow.run_id)
        stmt = select(RunSnapshotRow).where(
            col(RunSnapshotRow.workspace_id) == workspace_id, col(RunSnapshotRow.project_id) == project_id,
            fetched >= utc(since, "since"),
        )
        stmt = keyset_page(stmt, at=fetched, key=run_id, page_token=page_token, limit=limit)
        async with self._session() as session:
            rows = list((await session.exec(stmt)).all())
        return [_run_record(r) for r in rows[:limit]], next_token(rows, limit, at="fetched_at", key="run_id")

if TYPE_CHECKING:
    from storage.ports import RunCache

    def _implements_the_port(store: SqlRunCache) -> RunCache:
        return store  # mypy checks the class against the Protocol here
