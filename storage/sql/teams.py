"""``SqlTeamsStore``: the ``storage.ports.TeamsStore`` over SQL: Teams conversation references."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from storage.records import TeamsConversationRecord, utcnow
from storage.sql.base import SqlStore, new_id
from storage.tables import TeamsConversationRow


class SqlTeamsStore(SqlStore):
    async def save_teams_conversation(self, record: TeamsConversationRecord) -> None:
        values: dict[str, Any] = {**record.model_dump(), "updated_at": utcnow()}
        async with self._session(write=True) as session:
            await self._require_workspace(session, record.workspace_id)
            stmt = self._insert(TeamsConversationRow).values(id=new_id(), **values)
            # Replicas and restarts store the same conversation again: the newest description wins.
            stmt = stmt.on_conflict_do_update(
                index_elements=["workspace_id", "conversation_key"],
                set_={k: stmt.excluded[k] for k in values if k not in ("workspace_id", "conversation_key")},
            )
            await session.exec(stmt)

    async def get_teams_conversation(self, workspace_id: str, conversation_key: str) -> TeamsConversationRecord | None:
        async with self._session() as session:
            row = (
                await session.exec(
                    select(TeamsConversationRow).where(
                        col(TeamsConversationRow.workspace_id) == workspace_id,
                        col(TeamsConversationRow.conversation_key) == conversation_key,
                    )
                )
            ).first()
            return None if row is None else TeamsConversationRecord.model_validate(row, from_attributes=True)

    async def personal_teams_conversation(self, workspace_id: str, user_id: str) -> TeamsConversationRecord | None:
        async with self._session() as session:
            row = (
                await session.exec(
                    select(TeamsConversationRow)
                    .where(
                        col(TeamsConversationRow.workspace_id) == workspace_id,
                        col(TeamsConversationRow.user_id) == user_id,
                        col(TeamsConversationRow.kind) == "personal",
                    )
                    .order_by(col(TeamsConversationRow.updated_at).desc())
                )
            ).first()
            return None if row is None else TeamsConversationRecord.model_validate(row, from_attributes=True)


if TYPE_CHECKING:
    from storage.ports import TeamsStore

    def _implements_the_port(store: SqlTeamsStore) -> TeamsStore:
        return store  # mypy checks the class against the Protocol here
