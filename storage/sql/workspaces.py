"""``SqlWorkspaceStore``: the ``storage.ports.WorkspaceStore`` over SQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select

from storage.records import WorkspaceRecord, utcnow
from storage.sql.base import SqlStore, new_id
from storage.tables import WorkspaceRow


class SqlWorkspaceStore(SqlStore):
    async def ensure_workspace(self, key: str, *, platform: str, name: str = "") -> WorkspaceRecord:
        # Called for every inbound message: answer from a read when nothing changes, so the common
        # case never takes SQLite's write lock.
        async with self._session() as session:
            row = (await session.exec(select(WorkspaceRow).where(col(WorkspaceRow.key) == key))).first()
            if row is not None and (not name or row.name == name):
                return WorkspaceRecord.model_validate(row, from_attributes=True)
        async with self._session(write=True) as session:
            await session.exec(
                self._insert(WorkspaceRow)
                .values(id=new_id(), key=key, platform=platform, name=name, timezone="UTC",
                        created_at=utcnow())
                .on_conflict_do_nothing(index_elements=["key"])
            )
            row = (await session.exec(select(WorkspaceRow).where(col(WorkspaceRow.key) == key))).one()
            if name and row.name != name:
                row.name = name
            return WorkspaceRecord.model_validate(row, from_attributes=True)

    async def get_workspace(self, workspace_id: str) -> WorkspaceRecord:
        async with self._session() as session:
            row = await self._require_workspace(session, workspace_id)
            return WorkspaceRecord.model_validate(row, from_attributes=True)

    async def list_workspaces(self, *, platform: str | None = None) -> list[WorkspaceRecord]:
        async with self._session() as session:
            stmt = select(WorkspaceRow)
            if platform is not None:
                stmt = stmt.where(col(WorkspaceRow.platform) == platform)
            rows = (await session.exec(stmt.order_by(col(WorkspaceRow.created_at), col(WorkspaceRow.id)))).all()
            return [WorkspaceRecord.model_validate(r, from_attributes=True) for r in rows]


if TYPE_CHECKING:
    from storage.ports import WorkspaceStore

    def _implements_the_port(store: SqlWorkspaceStore) -> WorkspaceStore:
        return store  # mypy checks the class against the Protocol here
