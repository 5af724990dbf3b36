"""COCO's own state: the ports (``storage.ports``, one per aggregate), their SQL implementation
(``storage.sql``, combined by ``storage.repository.SqlRepository``), SQLModel tables, Alembic
migrations.

SQLite (aiosqlite) is the embedded default; PostgreSQL (asyncpg) at scale. Every query is scoped to
one workspace.

``open_repository`` and ``SqlRepository`` are exported lazily: importing ``storage`` (or
``storage.records`` / ``storage.ports``) must not pull in SQLAlchemy, so layers that only need the
record types stay quick to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.db import open_repository
    from storage.repository import SqlRepository

__all__ = ["SqlRepository", "open_repository"]


def __getattr__(name: str) -> Any:
    if name == "open_repository":
        from storage.db import open_repository

        return open_repository
    if name == "SqlRepository":
        from storage.repository import SqlRepository

        return SqlRepository
    raise AttributeError(f"module 'storage' has no attribute {name!r}")
