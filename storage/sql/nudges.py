"""``SqlNudgeStore``: the ``storage.ports.NudgeStore`` over SQL: each person's end-of-day nudge
preferences and last nudge, and the workspace-wide switch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from storage.records import NudgePrefRecord, NudgeSwitchRecord, utcnow
from storage.sql.base import SqlStore, new_id, utc
from storage.tables import NudgePrefRow, NudgeSwitchRow


class SqlNudgeStore(SqlStore):
    async def get_nudge_pref(self, workspace_id: str, platform_user_id: str) -> NudgePrefRecord | None:
        async with self._session() as session:
            row = (
                await session.exec(
                    select(NudgePrefRow).where(
                        col(NudgePrefRow.workspace_id) == workspace_id,
                        col(NudgePrefRow.platform_user_id) == platform_user_id,
                    )
                )
            ).first()
            return None if row is None else NudgePrefRecord.model_validate(row, from_attributes=True)

    async def save_nudge_pref(self, record: NudgePrefRecord) -> NudgePrefRecord:
        values: dict[str, Any] = {**record.model_dump(), "updated_at": utcnow()}
        for name in ("snoozed_until", "nudge_at"):
            if values[name] is not None:
                values[name] = utc(values[name], name)
        async with self._session(write=True) as session:
            await self._require_workspace(session, record.workspace_id)
            stmt = self._insert(NudgePrefRow).values(id=new_id(), **values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["workspace_id", "platform_user_id"],
                set_={k: stmt.excluded[k] for k in values if k not in ("workspace_id", "platform_user_id")},
            )
            await session.exec(stmt)
        found = await self.get_nudge_pref(record.workspace_id, record.platform_user_id)
        assert found is not None  # written just above, in this workspace
        return found

    async def nudge_pref_by_channel(self, workspace_id: str, channel: str) -> NudgePrefRecord | None:
        """The person whose last nudge went to this conversation (their DM with COCO)."""
        if not channel:
            return None
        async with self._session() as session:
            row = (
                await session.exec(
                    select(NudgePrefRow)
                    .where(col(NudgePrefRow.workspace_id) == workspace_id, col(NudgePrefRow.nudge_channel) == channel)
                    .order_by(col(NudgePrefRow.nudge_at).desc())
                )
            ).first()
            return None if row is None else NudgePrefRecord.model_validate(row, from_attributes=True)

    async def list_nudge_prefs(self, workspace_id: str, *, enabled_only: bool = True) -> list[NudgePrefRecord]:
        async with self._session() as session:
            stmt = select(NudgePrefRow).where(col(NudgePrefRow.workspace_id) == workspace_id)
            if enabled_only:
                stmt = stmt.where(col(NudgePrefRow.enabled).is_(True))
            rows = (await session.exec(stmt.order_by(col(NudgePrefRow.platform_user_id)))).all()
            return [NudgePrefRecord.model_validate(r, from_attributes=True) for r in rows]

    async def get_nudge_switch(self, workspace_id: str) -> NudgeSwitchRecord:
        async with self._session() as session:
            row = (
                await session.exec(select(NudgeSwitchRow).where(col(NudgeSwitchRow.workspace_id) == workspace_id))
            ).first()
            if row is None:  # nobody turned it: on (each person still opts in)
                return NudgeSwitchRecord(workspace_id=workspace_id)
            return NudgeSwitchRecord.model_validate(row, from_attributes=True)

    async def set_nudge_switch(self, workspace_id: str, *, enabled: bool, changed_by: str) -> NudgeSwitchRecord:
        values: dict[str, Any] = {"workspace_id": workspace_id, "enabled": enabled, "changed_by": changed_by,
                                  "updated_at": utcnow()}
        async with self._session(write=True) as session:
            await self._require_workspace(session, workspace_id)
            stmt = self._insert(NudgeSwitchRow).values(id=new_id(), **values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["workspace_id"],
                set_={k: stmt.excluded[k] for k in ("enabled", "changed_by", "updated_at")},
            )
            await session.exec(stmt)
        return await self.get_nudge_switch(workspace_id)


if TYPE_CHECKING:
    from storage.ports import NudgeStore

    def _implements_the_port(store: SqlNudgeStore) -> NudgeStore:
        return store  # mypy checks the class against the Protocol here
