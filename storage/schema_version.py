"""The schema revision this code expects, readable without importing Alembic.

``storage.db.open_repository`` compares the database's version row with ``HEAD_REVISION`` in one
plain query and only imports Alembic (~0.4 s) when they differ. A test asserts that this constant
equals the head of ``storage/migrations/versions`` so the two cannot drift: bump it in the same
change that adds a migration.
"""

from __future__ import annotations

HEAD_REVISION = "0009"

# Not Alembic's default ``alembic_version``: at scale COCO may share a PostgreSQL database with
# MLflow's own backend store, which keeps its revision in ``alembic_version``.
VERSION_TABLE = "coco_alembic_version"
