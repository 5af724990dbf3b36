"""``SqlUsageStore``: the ``storage.ports.UsageStore`` over SQL: each model call's tokens and cost."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlmodel import col, select

from storage.records import UsageRecord
from storage.sql.base import SqlStore, new_id, utc
from storage.tables import ModelUsageRow


class SqlUsageStore(SqlStore):
    async def record_usage(self, usage: UsageRecord) -> None:
        async with self._session(write=True) as session:
            session.add(ModelUsageRow(**{**usage.model_dump(), "id": new_id(), "at": utc(usage.at, "usage.at")}))

    async def list_usage(self, workspace_id: str, *, since: dt.datetime | None = None) -> list[UsageRecord]:
        async with self._session() as session:
            query = select(ModelUsageRow).where(col(ModelUsageRow.workspace_id) == workspace_id)
            if since is not None:
                query = query.where(col(ModelUsageRow.at) >= utc(since, "since"))
            rows = (await session.exec(query.order_by(col(ModelUsageRow.at), col(ModelUsageRow.id)))).all()
            return [UsageRecord.model_validate(r, from_attributes=True) for r in rows]


if TYPE_CHECKING:
    from storage.ports import UsageStore

    def _implements_the_port(store: SqlUsageStore) -> UsageStore:
        return store  # mypy checks the class against the Protocol here
