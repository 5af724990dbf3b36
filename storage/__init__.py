"""COCO's own state: SQLModel tables, the async repository, Alembic migrations.

SQLite (aiosqlite) is the embedded default; PostgreSQL (asyncpg) at scale. Every query is scoped to
one workspace.
"""
