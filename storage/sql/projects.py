"""``SqlProjectStore``: the ``storage.ports.ProjectStore`` over SQL.

A project's metric history lives in its own table (``coco_metric_change``): the metric in force when
the project was created stays on the project row, and every later switch is appended, dated, never
rewritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import ProjectNotFoundError, UserInputError
from storage.records import Goal, MetricChange, ProjectRecord, utcnow
from storage.sql.base import IN_CHUNK, SqlStore, check_goal, chunks, new_id, utc
from storage.tables import MetricChangeRow, ProjectRow


def _project_record(row: ProjectRow, changes: Iterable[MetricChangeRow]) -> ProjectRecord:
    record = ProjectRecord.model_validate(row, from_attributes=True)  # the row has no metric_history
    record.metric_history = [
        MetricChange.model_validate(c, from_attributes=True)
        for c in sorted(changes, key=lambda c: (c.at, c.created_at, c.id))
    ]
    return record


class SqlProjectStore(SqlStore):
    async def create_project(
        self,
        workspace_id: str,
        *,
        name: str,
        tracker_kind: str,
        tracker_uri: str,
        experiment_ids: Sequence[str],
        experiment_names: Sequence[str],
        primary_metric: str | None,
        goal: Goal,
        channels: Sequence[str] = (),
    ) -> ProjectRecord:
        """Create the project, or update the one of that name in place.

        On an existing project: tracker kind is replaced, tracker URI and experiment lists are
        replaced when given (non-empty), channels are added (never removed: bots link channels
        too), and a primary metric that differs from the one in force is recorded as a dated
        metric switch (the history is never rewritten), unless the project had no metric yet.
        """
        if not name.strip():
            raise UserInputError("A project needs a name.")
        check_goal(goal)
        channels = list(dict.fromkeys(channels))
        now = utcnow()
        async with self._session(write=True) as session:
            # Locked: channels move between projects of the workspace (see _unlink_channels).
            await self._require_workspace(session, workspace_id, lock=True)
            inserted = await session.exec(
                self._insert(ProjectRow)
                .values(
                    id=new_id(),
                    workspace_id=workspace_id,
                    name=name,
                    tracker_kind=tracker_kind,
                    tracker_uri=tracker_uri,
                    experiment_ids=list(experiment_ids),
                    experiment_names=list(experiment_names),
                    channels=channels,
                    primary_metric=primary_metric,
                    goal=goal,
                    settings={},
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["workspace_id", "name"])
            )
            row = (
                await session.exec(
                    select(ProjectRow).where(
                        col(ProjectRow.workspace_id) == workspace_id, col(ProjectRow.name) == name
                    )
                )
            ).one()
            if inserted.rowcount != 1:
                await self._update_existing_project(
                    session,
                    row,
                    tracker_kind=tracker_kind,
                    tracker_uri=tracker_uri,
                    experiment_ids=experiment_ids,
                    experiment_names=experiment_names,
                    primary_metric=primary_metric,
                    goal=goal,
                    channels=channels,
                    now=now,
                )
            await self._unlink_channels(session, workspace_id, channels, keep=row.id)
            await session.flush()
            return await self._one_project_record(session, row)

    async def _update_existing_project(
        self,
        session: AsyncSession,
        row: ProjectRow,
        *,
        tracker_kind: str,
        tracker_uri: str,
        experiment_ids: Sequence[str],
        experiment_names: Sequence[str],
        primary_metric: str | None,
        goal: Goal,
        channels: Sequence[str],
        now: dt.datetime,
    ) -> None:
        row.tracker_kind = tracker_kind
        if tracker_uri:
            row.tracker_uri = tracker_uri
        if experiment_ids:
            row.experiment_ids = list(experiment_ids)
        if experiment_names:
            row.experiment_names = list(experiment_names)
        missing = [c for c in channels if c not in row.channels]
        if missing:
            row.channels = [*row.channels, *missing]
        row.updated_at = now
        if primary_metric is None:
            return
        current = await self._one_project_record(session, row)
        if current.primary_metric is None and not current.metric_history:
            row.primary_metric, row.goal = primary_metric, goal
        elif current.metric_now() != (primary_metric, goal):
            session.add(
                MetricChangeRow(
                    id=new_id(),
                    workspace_id=row.workspace_id,
                    project_id=row.id,
                    at=now,
                    metric=primary_metric,
                    goal=goal,
                    reason="set with `coco project add`",
                    entry_id=None,
                    created_at=now,
                )
            )

    async def get_project(self, workspace_id: str, name: str) -> ProjectRecord:
        async with self._session() as session:
            row = (
                await session.exec(
                    select(ProjectRow).where(
                        col(ProjectRow.workspace_id) == workspace_id, col(ProjectRow.name) == name
                    )
                )
            ).first()
            if row is None:
                raise ProjectNotFoundError(name, await self._project_names(session, workspace_id))
            return await self._one_project_record(session, row)

    async def get_project_by_id(self, workspace_id: str, project_id: str) -> ProjectRecord:
        async with self._session() as session:
            row = await self._require_project(session, workspace_id, project_id)
            return await self._one_project_record(session, row)

    async def list_projects(self, workspace_id: str) -> list[ProjectRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ProjectRow)
                    .where(col(ProjectRow.workspace_id) == workspace_id)
                    .order_by(col(ProjectRow.name))
                )
            ).all()
            return await self._project_records(session, rows)

    async def find_project_by_channel(self, workspace_id: str, channel: str) -> ProjectRecord | None:
        # A workspace has tens of projects: filtering their channel lists here keeps the JSON column
        # portable (no dialect-specific JSON containment operators).
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ProjectRow)
                    .where(col(ProjectRow.workspace_id) == workspace_id)
                    .order_by(col(ProjectRow.created_at), col(ProjectRow.id))
                )
            ).all()
            for row in rows:
                if channel in row.channels:
                    return await self._one_project_record(session, row)
            return None

    async def link_channel(self, workspace_id: str, project_id: str, channel: str) -> ProjectRecord:
        async with self._session(write=True) as session:
            await self._require_workspace(session, workspace_id, lock=True)
            row = await self._require_project(session, workspace_id, project_id)
            await self._unlink_channels(session, workspace_id, [channel], keep=row.id)
            if channel not in row.channels:
                row.channels = [*row.channels, channel]
                row.updated_at = utcnow()
            await session.flush()
            return await self._one_project_record(session, row)

    async def record_metric_change(
        self, workspace_id: str, project_id: str, change: MetricChange
    ) -> ProjectRecord:
        """Append a dated metric switch.

        Idempotent for the same (entry, metric); a change without an entry is idempotent for the
        same (time, metric, goal), so a retried command does not record it twice.
        """
        at = utc(change.at, "change.at")
        check_goal(change.goal)
        async with self._session(write=True) as session:
            row = await self._require_project(session, workspace_id, project_id, lock=True)
            values: dict[str, Any] = {
                "id": new_id(),
                "workspace_id": workspace_id,
                "project_id": project_id,
                "at": at,
                "metric": change.metric,
                "goal": change.goal,
                "reason": change.reason,
                "entry_id": change.entry_id,
                "created_at": utcnow(),
            }
            if change.entry_id is not None:
                await session.exec(
                    self._insert(MetricChangeRow)
                    .values(**values)
                    .on_conflict_do_nothing(index_elements=["project_id", "entry_id", "metric"])
                )
            else:
                same = await session.exec(
                    select(MetricChangeRow.id).where(
                        col(MetricChangeRow.workspace_id) == workspace_id,
                        col(MetricChangeRow.project_id) == project_id,
                        col(MetricChangeRow.entry_id).is_(None),
                        col(MetricChangeRow.at) == at,
                        col(MetricChangeRow.metric) == change.metric,
                        col(MetricChangeRow.goal) == change.goal,
                    )
                )
                if same.first() is None:
                    session.add(MetricChangeRow(**values))
                    await session.flush()
            return await self._one_project_record(session, row)

    async def update_project_settings(
        self, workspace_id: str, project_id: str, settings: dict[str, object]
    ) -> ProjectRecord:
        """Merge ``settings`` into the project's (shallow: a given key replaces the stored value)."""
        async with self._session(write=True) as session:
            row = await self._require_project(session, workspace_id, project_id, lock=True)
            row.settings = {**row.settings, **settings}
            row.updated_at = utcnow()
            await session.flush()
            return await self._one_project_record(session, row)

    async def _project_records(self, session: AsyncSession, rows: Sequence[ProjectRow]) -> list[ProjectRecord]:
        if not rows:
            return []
        workspace_id = rows[0].workspace_id
        ids = [r.id for r in rows]
        history: dict[str, list[MetricChangeRow]] = {pid: [] for pid in ids}
        for chunk in chunks(ids, IN_CHUNK):
            result = await session.exec(
                select(MetricChangeRow).where(
                    col(MetricChangeRow.workspace_id) == workspace_id,
                    col(MetricChangeRow.project_id).in_(chunk),
                )
            )
            for change in result:
                history[change.project_id].append(change)
        return [_project_record(r, history[r.id]) for r in rows]

    async def _one_project_record(self, session: AsyncSession, row: ProjectRow) -> ProjectRecord:
        return (await self._project_records(session, [row]))[0]

    async def _unlink_channels(
        self, session: AsyncSession, workspace_id: str, channels: Sequence[str], *, keep: str
    ) -> None:
        """A channel maps to one project: linking it here unlinks it from any other project."""
        if not channels:
            return
        wanted = set(channels)
        result = await session.exec(
            select(ProjectRow).where(col(ProjectRow.workspace_id) == workspace_id, col(ProjectRow.id) != keep)
        )
        for other in result:
            if wanted.intersection(other.channels):
                other.channels = [c for c in other.channels if c not in wanted]
                other.updated_at = utcnow()


if TYPE_CHECKING:
    from storage.ports import ProjectStore

    def _implements_the_port(store: SqlProjectStore) -> ProjectStore:
        return store  # mypy checks the class against the Protocol here
