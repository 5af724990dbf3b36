"""``SqlJobQueue``: the ``storage.ports.JobQueue`` over SQL: durable work (structuring an entry,
posting a digest) that survives a restart and runs once however many workers poll."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_
from sqlmodel import col, select

from core.errors import UserInputError
from storage.records import JobRecord, utcnow
from storage.sql.base import MAX_ERROR_CHARS, SqlStore, new_id, utc
from storage.tables import JobRow


class SqlJobQueue(SqlStore):
    async def enqueue_job(
        self,
        workspace_id: str,
        *,
        kind: str,
        payload: dict[str, object],
        run_after: dt.datetime | None = None,
        dedupe_key: str | None = None,
    ) -> JobRecord:
        """Queue work. A job with the same ``dedupe_key`` in the workspace, whatever its status, is
        returned instead of creating a second one (so "digest for week 12" is posted once)."""
        now = utcnow()
        job_id = new_id()
        async with self._session(write=True) as session:
            await self._require_workspace(session, workspace_id)
            stmt = self._insert(JobRow).values(
                id=job_id,
                workspace_id=workspace_id,
                kind=kind,
                payload=dict(payload),
                status="queued",
                attempts=0,
                run_after=utc(run_after, "run_after") if run_after is not None else now,
                dedupe_key=dedupe_key,
                created_at=now,
                updated_at=now,
            )
            if dedupe_key is not None:
                stmt = stmt.on_conflict_do_nothing(index_elements=["workspace_id", "dedupe_key"])
            await session.exec(stmt)
            lookup = select(JobRow).where(col(JobRow.workspace_id) == workspace_id)
            if dedupe_key is not None:
                lookup = lookup.where(col(JobRow.dedupe_key) == dedupe_key)
            else:
                lookup = lookup.where(col(JobRow.id) == job_id)
            return JobRecord.model_validate((await session.exec(lookup)).one(), from_attributes=True)

    async def claim_jobs(
        self,
        *,
        kinds: Sequence[str] | None = None,
        now: dt.datetime | None = None,
        limit: int = 10,
        worker: str = "",
        lease_seconds: int = 300,
        workspace_id: str | None = None,
    ) -> list[JobRecord]:
        """Claim due jobs across workspaces, oldest first, marking them ``running`` under a lease.

        ``workspace_id`` (an extension of the port) restricts the claim to one workspace, for a
        worker that serves a single workspace, such as the CLI's.

        Due: queued with ``run_after <= now``, or running with a lease that has passed (its worker
        died); reclaiming such a job counts the lost attempt. PostgreSQL locks the chosen rows with
        ``FOR UPDATE SKIP LOCKED`` so concurrent claimers take disjoint jobs without waiting; SQLite
        runs the whole claim under its write lock (``BEGIN IMMEDIATE``), which serialises claimers
        across processes.
        """
        if limit < 1 or (kinds is not None and not kinds):
            return []
        now = utc(now, "now") if now is not None else utcnow()
        due = or_(
            and_(col(JobRow.status) == "queued", col(JobRow.run_after) <= now),
            and_(col(JobRow.status) == "running", col(JobRow.locked_until) < now),
        )
        stmt = select(JobRow).where(due)
        if kinds is not None:
            stmt = stmt.where(col(JobRow.kind).in_(list(kinds)))
        if workspace_id is not None:
            stmt = stmt.where(col(JobRow.workspace_id) == workspace_id)
        # Most polls find nothing: look first without the write lock (on SQLite a writing transaction
        # holds the whole database, and the bot's acks are waiting to write).
        async with self._session() as session:
            probe = select(JobRow.id).where(due)
            if kinds is not None:
                probe = probe.where(col(JobRow.kind).in_(list(kinds)))
            if workspace_id is not None:
                probe = probe.where(col(JobRow.workspace_id) == workspace_id)
            if (await session.exec(probe.limit(1))).first() is None:
                return []
        stmt = stmt.order_by(col(JobRow.run_after), col(JobRow.created_at), col(JobRow.id)).limit(limit)
        if not self._sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        lease_until = now + dt.timedelta(seconds=lease_seconds)
        async with self._session(write=True) as session:
            rows = list((await session.exec(stmt)).all())
            stamp = utcnow()
            for row in rows:
                if row.status == "running":
                    row.attempts += 1
                    row.last_error = f"lease expired (worker {row.locked_by or 'unknown'})"
                row.status = "running"
                row.locked_by = worker
                row.locked_until = lease_until
                row.updated_at = stamp
            await session.flush()
            return [JobRecord.model_validate(r, from_attributes=True) for r in rows]

    async def finish_job(
        self, job_id: str, *, error: str | None = None, retry_at: dt.datetime | None = None
    ) -> None:
        """Done when ``error`` is None; otherwise failed, or queued again at ``retry_at``.

        Every finish counts one attempt, so a worker deciding whether to retry compares
        ``job.attempts + 1`` (this attempt) with its limit.
        """
        retry = utc(retry_at, "retry_at") if retry_at is not None else None
        async with self._session(write=True) as session:
            row = (
                await session.exec(select(JobRow).where(col(JobRow.id) == job_id).with_for_update())
            ).first()
            if row is None:
                raise UserInputError(f"No job {job_id!r}.")
            now = utcnow()
            row.attempts += 1
            row.locked_by = None
            row.locked_until = None
            row.updated_at = now
            if error is None:
                row.status = "done"
                row.finished_at = now
            else:
                row.last_error = error[:MAX_ERROR_CHARS]
                if retry is not None:
                    row.status = "queued"
                    row.run_after = retry
                else:
                    row.status = "failed"
                    row.finished_at = now


if TYPE_CHECKING:
    from storage.ports import JobQueue

    def _implements_the_port(store: SqlJobQueue) -> JobQueue:
        return store  # mypy checks the class against the Protocol here
