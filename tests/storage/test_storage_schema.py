"""Opening a database: URLs, migrations (from empty, again, concurrently, from a newer COCO), the
fast path that keeps Alembic out of the CLI's start-up, and what the distribution ships."""

from __future__ import annotations

import asyncio
import os
import sys
import tomllib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from core.errors import StorageError
from storage.db import alembic_config, normalise_url, open_repository, stored_revision
from storage.repository import SqlRepository
from storage.schema_version import HEAD_REVISION, VERSION_TABLE
from storage.tables import ALL_ROWS, coco_metadata, table_of
from tests.storage.storage_testkit import REPO_ROOT, make_world

STORAGE = REPO_ROOT / "storage"


def test_head_revision_constant_matches_alembic_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD_REVISION]


def test_migration_files_ship_in_the_distribution() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["storage"]
    as_data = {p.relative_to(STORAGE) for pattern in patterns for p in STORAGE.glob(pattern)}
    # Modules of a package (a folder with __init__.py) ship without any package-data entry.
    as_modules = {p.relative_to(STORAGE) for p in STORAGE.rglob("*.py") if (p.parent / "__init__.py").exists()}
    needed = [
        Path("migrations/env.py"),
        Path("migrations/script.py.mako"),
        *(p.relative_to(STORAGE) for p in (STORAGE / "migrations" / "versions").glob("*.py")),
    ]
    assert Path("migrations/versions/0001_initial.py") in needed
    assert [n for n in needed if n not in as_data | as_modules] == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:////tmp/x/coco.db", "sqlite+aiosqlite:////tmp/x/coco.db"),
        ("sqlite:///relative.db", "sqlite+aiosqlite:///relative.db"),
        ("sqlite+aiosqlite:////tmp/c.db", "sqlite+aiosqlite:////tmp/c.db"),
        ("postgresql://u:pw@db:5432/coco", "postgresql+asyncpg://u:pw@db:5432/coco"),
        ("postgres://u@db/coco", "postgresql+asyncpg://u@db/coco"),
        ("postgresql+psycopg2://u@db/coco", "postgresql+asyncpg://u@db/coco"),
        ("postgresql+asyncpg://u@db/coco", "postgresql+asyncpg://u@db/coco"),
    ],
)
def test_urls_are_normalised_to_async_drivers(given: str, expected: str) -> None:
    assert normalise_url(given).render_as_string(hide_password=False) == expected


def test_sqlite_home_is_expanded() -> None:
    assert normalise_url("sqlite:///~/.coco/coco.db").database == str(Path.home() / ".coco" / "coco.db")


def test_unsupported_url_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(StorageError) as caught:
        normalise_url("mysql://root:hunter2@db/coco")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(StorageError):
        normalise_url("not a url")


async def test_unreachable_database_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="could not open"):
        await open_repository("postgresql://nobody:secret@127.0.0.1:1/coco")


async def test_unusable_sqlite_path_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        await open_repository(f"sqlite:///{tmp_path}")  # a folder, not a file


async def test_migrates_an_empty_database_to_head(repo: SqlRepository) -> None:
    assert await stored_revision(repo.engine) == HEAD_REVISION

    def tables(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    async with repo.engine.connect() as connection:
        found = await connection.run_sync(tables)
    assert {table_of(row).name for row in ALL_ROWS} | {VERSION_TABLE} <= found


async def test_migrated_schema_matches_the_models(repo: SqlRepository) -> None:
    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        return list(compare_metadata(context, coco_metadata()))

    async with repo.engine.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_reopening_is_idempotent_and_keeps_data(db_url: str) -> None:
    first = await open_repository(db_url)
    world = await make_world(first)
    await first.aclose()
    for _ in range(2):
        again = await open_repository(db_url)
        try:
            assert await stored_revision(again.engine) == HEAD_REVISION
            assert (await again.get_project(world.workspace.id, "fraud")).id == world.project.id
        finally:
            await again.aclose()


def _child_env() -> dict[str, str]:
    return {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


async def _run_python(code: str, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, *args,
        cwd=REPO_ROOT, env=_child_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode().strip()


_OPEN = """
import asyncio, sys
from storage.db import open_repository
async def main():
    repo = await open_repository(sys.argv[1])
    await repo.aclose()
asyncio.run(main())
print("alembic" in sys.modules)
"""


async def test_up_to_date_database_opens_without_importing_alembic(repo: SqlRepository, db_url: str) -> None:
    assert await _run_python(_OPEN, db_url) == "False"


async def test_importing_storage_does_not_import_sqlalchemy() -> None:
    code = "import sys, storage, storage.records, storage.ports; print('sqlalchemy' in sys.modules)"
    assert await _run_python(code) == "False"


async def test_processes_starting_together_migrate_once(db_url: str) -> None:
    # Each process either ran the upgrade, waited on the lock and found it done, or (if it started
    # late) took the fast path; every one must succeed.
    outputs = await asyncio.gather(*(_run_python(_OPEN, db_url) for _ in range(4)))
    assert set(outputs) <= {"True", "False"}
    repo = await open_repository(db_url)
    try:
        assert await stored_revision(repo.engine) == HEAD_REVISION
        async with repo.engine.connect() as connection:
            rows = (await connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))).all()
        assert [r[0] for r in rows] == [HEAD_REVISION]
        await make_world(repo)
    finally:
        await repo.aclose()


async def test_database_from_a_newer_coco_is_refused_clearly(repo: SqlRepository, db_url: str) -> None:
    async with repo.engine.begin() as connection:
        await connection.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    with pytest.raises(StorageError, match="newer version of COCO"):
        await open_repository(db_url)
