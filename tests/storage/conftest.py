"""Fixtures for the storage tests: every repository test runs on each backend.

* ``sqlite``: a file in ``tmp_path`` (in a folder that does not exist yet: opening creates it).
* ``postgresql``: when ``COCO_TEST_POSTGRES_URL`` names a server (e.g.
  ``postgresql://postgres@127.0.0.1:5432/test``), each test gets a freshly created database, dropped
  afterwards, so tests never see each other's rows, start from an empty schema, and can run again
  and again. Without the variable those cases are skipped, visibly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from storage.db import open_repository
from storage.repository import SqlRepository
from tests.storage.storage_testkit import World, make_world

PG_ENV = "COCO_TEST_POSTGRES_URL"


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database (nothing migrated yet), as a user would write it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'coco.db'}"
        return
    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip(f"set {PG_ENV} to run the PostgreSQL backend")
    name = f"coco_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_admin_dsn(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_admin_dsn(server))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


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

