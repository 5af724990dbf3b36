"""``SqlChatStore``: the ``storage.ports.ChatStore`` over SQL: the people of a chat workspace, the
messages COCO posted (and the entries behind them), and the inbound events already handled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import or_
from sqlmodel import col, select

from storage.records import ReplyRecord, UserRecord, utcnow
from storage.sql.base import SqlStore, new_id
from storage.tables import ProcessedEventRow, ReplyRow, UserRow


class SqlChatStore(SqlStore):
    async def get_user(self, workspace_id: str, platform_user_id: str) -> UserRecord | None:
        async with self._session() as session:
            row = (
                await session.exec(
                    select(UserRow).where(
                        col(UserRow.workspace_id) == workspace_id,
                        col(UserRow.platform_user_id) == platform_user_id,
                    )
                )
            ).first()
            return UserRecord.model_validate(row, from_attributes=True) if row is not None else None

    async def save_user(self, user: UserRecord) -> UserRecord:
        values: dict[str, Any] = {**user.model_dump(), "updated_at": utcnow()}
        async with self._session(write=True) as session:
            await self._require_workspace(session, user.workspace_id)
            stmt = self._insert(UserRow).values(id=new_id(), **values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["workspace_id", "platform_user_id"],
                set_={k: stmt.excluded[k] for k in values if k not in ("workspace_id", "platform_user_id")},
            )
            await session.exec(stmt)
            row = (
                await session.exec(
                    select(UserRow).where(
                        col(UserRow.workspace_id) == user.workspace_id,
                        col(UserRow.platform_user_id) == user.platform_user_id,
                    )
                )
            ).one()
            return UserRecord.model_validate(row, from_attributes=True)

    async def list_users(self, workspace_id: str) -> list[UserRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(UserRow)
                    .where(col(UserRow.workspace_id) == workspace_id)
                    .order_by(col(UserRow.platform_user_id))
                )
            ).all()
            return [UserRecord.model_validate(r, from_attributes=True) for r in rows]

    async def save_reply(self, reply: ReplyRecord) -> ReplyRecord:
        now = utcnow()
        # created_at is the first save's: an upsert of the same message keeps it.
        values: dict[str, Any] = {**reply.model_dump(exclude={"created_at"}), "updated_at": now}
        async with self._session(write=True) as session:
            await self._require_workspace(session, reply.workspace_id)
            stmt = self._insert(ReplyRow).values(id=new_id(), created_at=now, **values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["workspace_id", "channel", "message_ts"],
                set_={k: stmt.excluded[k] for k in values if k not in ("workspace_id", "channel", "message_ts")},
            )
            await session.exec(stmt)
            row = (
                await session.exec(
                    select(ReplyRow).where(
                        col(ReplyRow.workspace_id) == reply.workspace_id,
                        col(ReplyRow.channel) == reply.channel,
                        col(ReplyRow.message_ts) == reply.message_ts,
                    )
                )
            ).one()
            return ReplyRecord.model_validate(row, from_attributes=True)

    async def get_reply(self, workspace_id: str, channel: str, message_ts: str) -> ReplyRecord | None:
        async with self._session() as session:
            row = (
                await session.exec(
                    select(ReplyRow).where(
                        col(ReplyRow.workspace_id) == workspace_id,
                        col(ReplyRow.channel) == channel,
                        col(ReplyRow.message_ts) == message_ts,
                    )
                )
            ).first()
            return ReplyRecord.model_validate(row, from_attributes=True) if row is not None else None

    async def thread_replies(self, workspace_id: str, channel: str, thread_ts: str) -> list[ReplyRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ReplyRow)
                    .where(
                        col(ReplyRow.workspace_id) == workspace_id,
                        col(ReplyRow.channel) == channel,
                        or_(col(ReplyRow.thread_ts) == thread_ts, col(ReplyRow.message_ts) == thread_ts),
                    )
                    .order_by(col(ReplyRow.created_at), col(ReplyRow.id))
                )
            ).all()
            return [ReplyRecord.model_validate(r, from_attributes=True) for r in rows]

    async def entry_replies(self, workspace_id: str, entry_id: str) -> list[ReplyRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ReplyRow)
                    .where(col(ReplyRow.workspace_id) == workspace_id, col(ReplyRow.entry_id) == entry_id)
                    .order_by(col(ReplyRow.created_at), col(ReplyRow.id))
                )
            ).all()
            return [ReplyRecord.model_validate(r, from_attributes=True) for r in rows]

    async def pending_replies(self, workspace_id: str, *, limit: int = 100) -> list[ReplyRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ReplyRow)
                    .where(col(ReplyRow.workspace_id) == workspace_id, col(ReplyRow.pending).is_(True))
                    .order_by(col(ReplyRow.created_at), col(ReplyRow.id))
                    .limit(limit)
                )
            ).all()
            return [ReplyRecord.model_validate(r, from_attributes=True) for r in rows]

    async def claim_event(self, workspace_id: str, event_key: str) -> bool:
        """True the first time ``(workspace, event_key)`` is seen, False for every repeat.

        The unique key decides, inside the database, so concurrent deliveries of one event (Slack
        retries reaching two replicas) get exactly one True. ``ON CONFLICT DO NOTHING`` rather than
        catching the violation: same guarantee, without an error in PostgreSQL's log per retry.
        """
        async with self._session(write=True) as session:
            result = await session.exec(
                self._insert(ProcessedEventRow)
                .values(id=new_id(), workspace_id=workspace_id, event_key=event_key, created_at=utcnow())
                .on_conflict_do_nothing(index_elements=["workspace_id", "event_key"])
            )
            return result.rowcount == 1


if TYPE_CHECKING:
    from storage.ports import ChatStore

    def _implements_the_port(store: SqlChatStore) -> ChatStore:
        return store  # mypy checks the class against the Protocol here
