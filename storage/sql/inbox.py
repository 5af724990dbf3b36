"""``SqlInbox``: the ``storage.ports.InboxStore`` over SQL: inbound chat events stored before their
ack, claimed under a lease by whichever worker (replica) is alive, and handed off as reply jobs.

The table is ``coco_processed_event`` (the dedupe log it grew from): the unique key
``(workspace_id, event_key)`` decides, in the very ``INSERT`` that stores the payload, whether a
delivery is new, so storing and deduplicating are one statement of one transaction.

States: ``running`` (claimed by ``locked_by`` until ``locked_until``; a row is born claimed by the
worker that accepted it), ``queued`` (released at shutdown, or waiting for a retry at ``run_after``),
``handled`` (its replies are ``coco_job`` rows now: the event is done, the posting is not), ``done``
(nothing to post, or a row written only to dedupe) and ``failed`` (gave up after its attempts).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import StorageError
from storage.records import InboxRecord, JobRecord, utcnow
from storage.sql.base import MAX_ERROR_CHARS, SQLITE_BEGIN, SqlStore, new_id, utc
from storage.sql.base import _describe as describe_failure
from storage.tables import JobRow, ProcessedEventRow, table_of

_Inbox = ProcessedEventRow

# Execution option read by the SQLite "begin" hook in ``storage.db``: this transaction's commit must
# survive a power loss (``PRAGMA synchronous = FULL``; other transactions run at NORMAL).
SQLITE_DURABLE = "coco_sqlite_durable"


def _record(row: ProcessedEventRow) -> InboxRecord:
    return InboxRecord.model_validate(row, from_attributes=True)


class _GroupCommit:
    """Events arriving together are stored in one transaction: one commit (one WAL sync on SQLite,
    one round trip on PostgreSQL) for a burst, instead of one per event that every later ack waits
    behind. An event's ack still waits for the commit that holds it: nothing is acked unstored."""

    def __init__(self, store: SqlInbox) -> None:
        self._store = store
        self._queue: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def store(self, values: dict[str, Any]) -> bool:
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((values, waiter))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        return await asyncio.shield(waiter)

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                stored = await self._store._insert_events([values for values, _ in batch])
            except Exception as error:  # every ack of the batch fails: the platform sends them again
                for _, waiter in batch:
                    if not waiter.done():
                        waiter.set_exception(error)
                continue
            for (_, waiter), new in zip(batch, stored, strict=True):
                if not waiter.done():
                    waiter.set_result(new)


@functools.cache
def _intake_statement(sqlite: bool) -> Any:
    """``INSERT ... ON CONFLICT (workspace_id, event_key) DO NOTHING RETURNING id`` for the dialect."""
    table = table_of(_Inbox)
    if sqlite:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=["workspace_id", "event_key"]) \
            .returning(table.c.id)
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    return pg_insert(table).on_conflict_do_nothing(index_elements=["workspace_id", "event_key"]).returning(table.c.id)


class SqlInbox(SqlStore):
    async def accept_event(
        self,
        workspace_id: str,
        *,
        platform: str,
        event_key: str,
        kind: str,
        payload: dict[str, Any],
        worker: str,
        lease_seconds: int,
    ) -> InboxRecord | None:
        """Store an inbound event, claimed by ``worker``, in the transaction that dedupes it; None
        when ``(workspace, event_key)`` was seen before (a platform retry, a duplicate delivery)."""
        now = utcnow()
        values: dict[str, Any] = {
            "id": new_id(), "workspace_id": workspace_id, "event_key": event_key, "created_at": now,
            "platform": platform, "kind": kind, "payload": payload, "status": "running", "attempts": 0,
            "run_after": now, "locked_by": worker, "locked_until": now + dt.timedelta(seconds=lease_seconds),
            "updated_at": now,
        }
        if not await self._intake().store(values):
            return None
        return InboxRecord.model_validate({k: v for k, v in values.items() if k in InboxRecord.model_fields})

    def _intake(self) -> _GroupCommit:
        group: _GroupCommit | None = getattr(self, "_group_commit", None)
        if group is None:
            group = _GroupCommit(self)
            self._group_commit = group
        return group

    async def _insert_events(self, batch: Sequence[dict[str, Any]]) -> list[bool]:
        """Insert a batch of inbound events in one transaction; per event, whether it was new."""
        # One statement, executed for many rows: SQLAlchemy sends it as multi-row VALUES batches
        # ("insertmanyvalues"), so every round trip to SQLite's thread (each waits for the GIL while
        # an engine structures an entry in another thread) carries a burst. The statement is the same
        # whatever the batch's size, so it is compiled once: ``.values(rows)`` compiled a new one per
        # size, and compiling was a seventh of an ack's time in a burst. RETURNING names the rows
        # that were new (SQLite 3.35+, PostgreSQL).
        statement = _intake_statement(self._sqlite)
        async with self._intake_transaction() as session:  # acks are waiting for it
            result = await session.execute(statement, list(batch))
            new = {str(row_id) for row_id in result.scalars().all()}
        return [values["id"] in new for values in batch]

    @asynccontextmanager
    async def _intake_transaction(self) -> AsyncIterator[AsyncSession]:
        """The write transaction of intake: first through this process's write gate, and on SQLite
        synced to disk at commit (``SQLITE_DURABLE``): an acked event survives a power loss too."""
        if not self._sqlite:
            async with self._session(write=True) as session:
                yield session
            return
        async with self._write_gate.hold(urgent=True):
            try:
                async with AsyncSession(self._engine, expire_on_commit=False) as session:
                    await session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE", SQLITE_DURABLE: True})
                    yield session
                    await session.commit()
            except (SQLAlchemyError, OSError) as exc:
                raise StorageError(describe_failure(exc)) from exc

    async def claim_inbound(
        self,
        *,
        platform: str,
        worker: str,
        lease_seconds: int,
        limit: int = 20,
        now: dt.datetime | None = None,
    ) -> list[InboxRecord]:
        """Claim inbound events nobody is handling, oldest first: queued and due, or running under a
        lease that has passed (their worker died; the lost attempt is counted). Row locks as in
        ``claim_jobs``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite."""
        if limit < 1:
            return []
        now = utc(now, "now") if now is not None else utcnow()
        due = or_(
            and_(col(_Inbox.status) == "queued", col(_Inbox.run_after) <= now),
            and_(col(_Inbox.status) == "running", col(_Inbox.locked_until) < now),
        )
        stmt = (
            select(_Inbox)
            .where(due, col(_Inbox.platform) == platform)
            .order_by(col(_Inbox.created_at), col(_Inbox.id))
            .limit(limit)
        )
        # Most polls find nothing: look first without the write lock (on SQLite a writing
        # transaction holds the whole database, and acks are waiting to write).
        async with self._session() as session:
            if (await session.exec(select(_Inbox.id).where(due, col(_Inbox.platform) == platform).limit(1))).first() \
                    is None:
                return []
        if not self._sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        async with self._session(write=True) as session:
            rows = list((await session.exec(stmt)).all())
            for row in rows:
                if row.status == "running":
                    row.attempts += 1
                    row.last_error = f"lease expired (worker {row.locked_by or 'unknown'})"
                row.status = "running"
                row.locked_by = worker
                row.locked_until = now + dt.timedelta(seconds=lease_seconds)
                row.updated_at = utcnow()
            await session.flush()
            return [_record(r) for r in rows]

    async def hand_off_inbound(
        self,
        inbox_id: str,
        *,
        worker: str,
        job_kind: str,
        replies: Sequence[dict[str, Any]],
        lease_seconds: int,
    ) -> list[JobRecord]:
        """The event is handled: its replies become jobs (claimed by ``worker``, who posts them next)
        and the event is marked ``handled``, in one transaction. Each job's dedupe key is the
        event's id and the reply's place, so a second hand-off of the same event adds nothing."""
        now = utcnow()
        async with self._session(write=True) as session:
            row = (await session.exec(select(_Inbox).where(col(_Inbox.id) == inbox_id).with_for_update())).first()
            if row is None:
                return []
            keys = [f"{job_kind}:{inbox_id}:{n}" for n in range(len(replies))]
            for n, (key, reply) in enumerate(zip(keys, replies, strict=True)):
                await session.exec(
                    self._insert(JobRow)
                    .values(
                        id=new_id(), workspace_id=row.workspace_id, kind=job_kind, payload=dict(reply),
                        status="running", attempts=0,
                        # A microsecond apart: a later claim takes one event's replies in their order.
                        run_after=now + dt.timedelta(microseconds=n), dedupe_key=key, locked_by=worker,
                        locked_until=now + dt.timedelta(seconds=lease_seconds), created_at=now, updated_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["workspace_id", "dedupe_key"])
                )
            row.status = "handled" if replies else "done"
            row.locked_by = None
            row.locked_until = None
            row.updated_at = now
            row.finished_at = now
            if not keys:
                return []
            jobs = (
                await session.exec(
                    select(JobRow)
                    .where(col(JobRow.workspace_id) == row.workspace_id, col(JobRow.dedupe_key).in_(keys),
                           col(JobRow.locked_by) == worker, col(JobRow.status) == "running")
                    .order_by(col(JobRow.run_after))
                )
            ).all()
            return [JobRecord.model_validate(j, from_attributes=True) for j in jobs]

    async def retry_inbound(
        self, inbox_id: str, *, error: str, retry_at: dt.datetime | None, max_attempts: int
    ) -> bool:
        """Handling failed: queue the event again at ``retry_at`` while it has attempts left, else
        mark it ``failed``. True when it will be retried."""
        now = utcnow()
        async with self._session(write=True) as session:
            row = (await session.exec(select(_Inbox).where(col(_Inbox.id) == inbox_id).with_for_update())).first()
            if row is None:
                return False
            row.attempts += 1
            row.last_error = error[:MAX_ERROR_CHARS]
            row.locked_by = None
            row.locked_until = None
            row.updated_at = now
            if retry_at is not None and row.attempts < max_attempts:
                row.status = "queued"
                row.run_after = utc(retry_at, "retry_at")
                return True
            row.status = "failed"
            row.finished_at = now
            return False

    async def renew_leases(self, *, worker: str, ids: Sequence[str], lease_seconds: int) -> int:
        """Extend the leases ``worker`` holds on these events and jobs (those it is working on)."""
        if not ids:
            return 0
        now = utcnow()
        until = now + dt.timedelta(seconds=lease_seconds)
        renewed = 0
        async with self._session(write=True) as session:
            for table in (_Inbox, JobRow):
                result = await session.exec(
                    update(table)
                    .where(col(table.locked_by) == worker, col(table.status) == "running",
                           col(table.id).in_(list(ids)))
                    .values(locked_until=until, updated_at=now)
                )
                renewed += int(result.rowcount or 0)
        return renewed

    async def release_claims(self, *, worker: str) -> int:
        """At shutdown: hand back what ``worker`` holds, due at once for the next worker to start. The
        attempt counts, so a reply whose post may have gone out is looked for before it is posted."""
        now = utcnow()
        released = 0
        async with self._session(write=True) as session:
            for table in (_Inbox, JobRow):
                result = await session.exec(
                    update(table)
                    .where(col(table.locked_by) == worker, col(table.status) == "running")
                    # ``run_after`` is kept (it is past already): one event's replies keep their order.
                    .values(status="queued", locked_by=None, locked_until=None, updated_at=now,
                            attempts=col(table.attempts) + 1, last_error=f"released at shutdown by {worker}")
                )
                released += int(result.rowcount or 0)
        return released

    async def claim_holders(self) -> list[str]:
        """Every worker holding a claim (inbound events or jobs), for spotting ones that died."""
        async with self._session() as session:
            holders: set[str] = set()
            for table in (_Inbox, JobRow):
                found = await session.exec(
                    select(table.locked_by).where(col(table.status) == "running",
                                                  col(table.locked_by).is_not(None)).distinct()
                )
                holders.update(str(h) for h in found.all() if h)
            return sorted(holders)

    async def expire_claims(self, *, workers: Sequence[str]) -> int:
        """End the leases of workers known to be dead (their process is gone), so their events and
        jobs are claimable now rather than when the lease would have run out."""
        if not workers:
            return 0
        now = utcnow()
        expired = 0
        async with self._session(write=True) as session:
            for table in (_Inbox, JobRow):
                result = await session.exec(
                    update(table)
                    .where(col(table.locked_by).in_(list(workers)), col(table.status) == "running")
                    .values(locked_until=now - dt.timedelta(seconds=1), updated_at=now)
                )
                expired += int(result.rowcount or 0)
        return expired

    async def inbound_counts(self, *, platform: str) -> dict[str, int]:
        """How many inbound events are in each state (health, benches, tests)."""
        from sqlalchemy import func

        async with self._session() as session:
            rows = await session.exec(
                select(_Inbox.status, func.count()).where(col(_Inbox.platform) == platform).group_by(_Inbox.status)
            )
            return {str(status): int(n) for status, n in rows.all()}


if TYPE_CHECKING:
    from storage.ports import InboxStore

    def _implements_the_port(store: SqlInbox) -> InboxStore:
        return store  # mypy checks the class against the Protocol here
