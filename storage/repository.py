"""``SqlRepository``: the ``storage.ports.Repository`` over SQLModel, on SQLite or PostgreSQL.

It only combines the per-aggregate stores of ``storage.sql`` over one engine (one connection pool);
each store's module holds its methods, and ``storage.sql.base`` the rules they all follow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.sql.base import SQLITE_BEGIN
from storage.sql.chat import SqlChatStore
from storage.sql.entries import SqlEntryStore
from storage.sql.history import SqlHistoryStore
from storage.sql.inbox import SqlInbox
from storage.sql.jobs import SqlJobQueue
from storage.sql.nudges import SqlNudgeStore
from storage.sql.projects import SqlProjectStore
from storage.sql.runs import SqlRunCache
from storage.sql.teams import SqlTeamsStore
from storage.sql.usage import SqlUsageStore
from storage.sql.workspaces import SqlWorkspaceStore

__all__ = ["SQLITE_BEGIN", "SqlRepository"]


class SqlRepository(
    SqlWorkspaceStore,
    SqlProjectStore,
    SqlEntryStore,
    SqlRunCache,
    SqlHistoryStore,
    SqlChatStore,
    SqlJobQueue,
    SqlUsageStore,
    SqlTeamsStore,
    SqlInbox,
    SqlNudgeStore,
):
    """Every store over one async engine; build it with ``storage.db.open_repository``."""


if TYPE_CHECKING:
    from storage.ports import Repository

    def _implements_the_port(repository: SqlRepository) -> Repository:
        return repository  # mypy checks SqlRepository against the Protocol here
