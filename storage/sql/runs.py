"""``SqlRunCache``: the ``storage.ports.RunCache`` over SQL.

The tracker's runs as last seen, so answers stay fast and survive a tracker outage. Three columns
are named apart from their record fields (``user``, ``start`` and ``end`` are reserved words in
PostgreSQL): ``username``, ``start_time``, ``end_time``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_
from sqlmodel import col, select

from storage.records import RunSnapshot
from storage.sql.base import IN_CHUNK, SqlStore, chunks, decode_token, encode_token, new_id, utc
from storage.tables import RunSnapshotRow, table_of


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
    async def upsert_runs(self, workspace_id: str, runs: Sequence[RunSnapshot]) -> None:
        """Insert or refresh snapshots in bulk: one ``INSERT ... ON CONFLICT (project_id, run_id) DO
        UPDATE`` executed over all rows (the driver's executemany), a few ms per thousand runs."""
        if not runs:
            return
        latest: dict[tuple[str, str], RunSnapshot] = {}
        for run in runs:  # the last snapshot of a run wins, as if upserted one by one
            latest[(run.project_id, run.run_id)] = run
        rows = [_run_values(workspace_id, run) for run in latest.values()]
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
            for chunk in chunks(rows, 1000):
                await session.exec(stmt, params=chunk)

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
        if page_token:
            last_start, last_run = decode_token(page_token)
            stmt = stmt.where(start >= last_start, or_(start > last_start, run_id > last_run))
        stmt = stmt.order_by(start, run_id).limit(limit + 1)
        async with self._session() as session:
            rows = list((await session.exec(stmt)).all())
        token = (
            encode_token(rows[limit - 1].start_time, rows[limit - 1].run_id) if len(rows) > limit else None
        )
        return [_run_record(r) for r in rows[:limit]], token


if TYPE_CHECKING:
    from storage.ports import RunCache

    def _implements_the_port(store: SqlRunCache) -> RunCache:
        return store  # mypy checks the class against the Protocol here
