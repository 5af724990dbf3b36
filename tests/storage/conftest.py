"""Fixtures for the storage tests: every repository test runs on each backend.

* ``sqlite``: a file in ``tmp_path`` (in a folder that does not exist yet: opening creates it).
* ``postgresql``: when ``COCO_TEST_POSTGRES_URL`` names a server (e.g.
  ``postgresql://postgres@127.0.0.1:5432/test``), each test gets a freshly created database, dropped
  afterwards, so tests never see each other's rows, start from an empty schema, and can run again
  and again. Without the variable those cases are skipped, visibly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.db import open_repository
from storage.repository import SqlRepository
from tests.storage.storage_testkit import World, make_world

# ``db_url`` (an empty SQLite or throwaway PostgreSQL database) comes from tests/conftest.py.


@pytest.fixture
async def repo(db_url: str) -> AsyncIterator[SqlRepository]:
    repository = await open_repository(db_url)
    try:
        yield repository
    finally:
        await repository.aclose()


@pytest.fixture
async def other_repo(db_url: str, repo: SqlRepository) -> AsyncIterator[SqlRepository]:
    """A second repository on the same database: its own engine and connection pool, as another
    process (a second bot replica, the CLI next to the bot) would have."""
    repository = await open_repository(db_url)
    try:
        yield repository
    finally:
        await repository.aclose()


@pytest.fixture
async def world(repo: SqlRepository) -> World:
    return await make_world(repo)

