"""Opening COCO's database: URL normalisation, engine set-up, and automatic migrations.

``open_repository`` is on the CLI's start-up path, so the common case (an up-to-date database) costs
one connection and one plain query: the stored revision is compared with
``storage.schema_version.HEAD_REVISION``. Alembic (~0.4 s to import) is only imported when the
database is new or behind, and the upgrade then runs under a lock (a PostgreSQL advisory lock, or
SQLite's write lock) so several replicas or processes starting at once migrate exactly once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from core.errors import CocoError, StorageError
from storage.repository import SqlRepository
from storage.schema_version import HEAD_REVISION, VERSION_TABLE
from storage.sql.base import SQLITE_BEGIN
from storage.sql.inbox import SQLITE_DURABLE

# Seconds a SQLite writer waits for another process's write lock before giving up. Writes are short
# (one entry, one claim), so a long wait only ever happens behind a big run sync.
SQLITE_BUSY_TIMEOUT_S = 30

# The SQLite safety level a pooled connection has now (its ``info``), so the begin hook changes it only
# when a transaction needs another.
_SYNC_INFO = "coco_sqlite_synchronous"

# Key of the PostgreSQL advisory lock held while migrating ("cocomigr" in ASCII).
MIGRATION_LOCK_KEY = int.from_bytes(b"cocomigr", "big")


# -- URLs ------------------------------------------------------------------------------------------


def normalise_url(url: str) -> URL:
    """The async-driver form of a COCO database URL.

    ``sqlite:///path`` -> ``sqlite+aiosqlite:///path`` (``~`` expanded); ``postgres://``,
    ``postgresql://`` and ``postgresql+<any driver>://`` -> ``postgresql+asyncpg://``.
    """
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise StorageError(
            "The database URL is not valid; use sqlite:///PATH or postgresql://USER@HOST/DB."
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
        database = parsed.database or ""
        if _is_sqlite_file(database):
            parsed = parsed.set(database=str(Path(database).expanduser()))
        return parsed
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise StorageError(
        f"COCO cannot use the database {parsed.render_as_string(hide_password=True)}: "
        "use sqlite:///PATH or postgresql://USER@HOST/DB."
    )


def _is_sqlite_file(database: str) -> bool:
    return bool(database) and database != ":memory:" and not database.startswith("file:")


# -- JSON ------------------------------------------------------------------------------------------


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_dumps(value: object) -> str:
    """The engines' JSON serializer.

    A diverged run's loss is a real metric value (NaN or inf), but bare ``NaN`` is not JSON and
    PostgreSQL's ``json`` type rejects it; such floats are written as the strings "NaN",
    "Infinity", "-Infinity", which pydantic reads back into ``float`` fields.
    """
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_json_default)
    except ValueError:  # only the rare non-finite float pays for the walk
        return json.dumps(_finite(value), ensure_ascii=False, allow_nan=False, default=_json_default)


# -- engines ---------------------------------------------------------------------------------------


def create_engine_for(url: str) -> AsyncEngine:
    """An async engine for a COCO database URL, with COCO's connection settings (no I/O yet,
    except creating the folder of a SQLite file)."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if _is_sqlite_file(database):
            _private_sqlite_file(Path(database))
        engine = create_async_engine(parsed, json_serializer=json_dumps)
        _install_sqlite_hooks(engine)
        return engine
    # pool_pre_ping: a long-running bot must survive a PostgreSQL restart or failover.
    return create_async_engine(parsed, json_serializer=json_dumps, pool_pre_ping=True)


def _private_sqlite_file(path: Path) -> None:
    """Create the SQLite file 0600 (in a 0700 folder when COCO makes the folder) before SQLite opens it.

    The database holds people's notes: no other account on the machine may read it. SQLite creates
    the ``-wal`` and ``-shm`` files with the database file's own permissions, so making the main
    file private first covers them; files an older COCO left readable are tightened (best effort:
    a read-only or foreign file is left to its owner, and opening it reports what is wrong)."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(OSError):
            if name.exists() and stat.S_IMODE(name.stat().st_mode) & 0o077:
                name.chmod(0o600)


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module (which would BEGIN lazily, in DEFERRED
        # mode) so the "begin" hook below decides how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
            # WAL: readers never block the writer and vice versa, across processes (bot + CLI).
            cursor.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit survives the
            # process's death (kill -9), and the database stays sound through a power loss, which may
            # undo the last commits. FULL (an fsync per commit, ~4 ms here, under the write lock)
            # is kept for what must survive a power loss too: storing an inbound event before its ack
            # (``SQLITE_DURABLE``, see the begin hook); its sync also hardens every commit before it.
            cursor.execute("PRAGMA synchronous = NORMAL")
            _record.info[_SYNC_INFO] = "NORMAL"
            # SQLite leaves foreign keys off unless asked, per connection.
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        # The safety level cannot change inside a transaction: set it before BEGIN, only when it
        # differs from the connection's (each PRAGMA is one more trip to the driver's thread).
        sync = "FULL" if options.get(SQLITE_DURABLE) else "NORMAL"
        if connection.info.get(_SYNC_INFO) != sync:
            connection.exec_driver_sql(f"PRAGMA synchronous = {sync}")
            connection.info[_SYNC_INFO] = sync
        # Writers start IMMEDIATE: they take the write lock up front (waiting up to the busy
        # timeout), instead of failing with SQLITE_BUSY when upgrading a read to a write.
        mode = options.get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


# -- migrations ------------------------------------------------------------------------------------


async def stored_revision(engine: AsyncEngine) -> str | None:
    """The schema revision recorded in the database, or None for a database COCO never migrated."""
    async with engine.connect() as connection:
        try:
            result = await connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
        except DBAPIError:
            return None  # no version table: a fresh database
        found = list(result.scalars())
    return found[0] if len(found) == 1 else None


def alembic_config() -> Any:
    """Alembic's config, built in code: the migrations ship inside the package, not next to an ini."""
    from alembic.config import Config

    from storage.migrations import SCRIPT_LOCATION

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    return config


async def upgrade_schema(engine: AsyncEngine) -> None:
    """Bring the schema to head under a lock; a no-op when another process already did."""
    from alembic import command
    from alembic.util.exc import CommandError

    config = alembic_config()

    def _upgrade(sync_connection: Connection) -> None:
        config.attributes["connection"] = sync_connection
        command.upgrade(config, "head")

    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # The whole upgrade, version check included, runs under SQLite's write lock.
            await connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        async with connection.begin():
            if engine.dialect.name == "postgresql":
                # Released at commit. Alembic re-reads the version inside the lock, so the replicas
                # that waited find the work done.
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            try:
                await connection.run_sync(_upgrade)
            except CommandError as exc:
                raise StorageError(
                    "COCO's database was created by a newer version of COCO "
                    f"(this one knows schema revisions up to {HEAD_REVISION}): {exc}"
                ) from exc


async def open_repository(url: str) -> SqlRepository:
    """Open (creating and migrating as needed) the database at ``url``.

    Raises ``StorageError`` with a one-line reason when the database cannot be reached or used.
    """
    engine = create_engine_for(url)
    try:
        if await stored_revision(engine) != HEAD_REVISION:
            await upgrade_schema(engine)
    except CocoError:
        await engine.dispose()
        raise
    except (SQLAlchemyError, OSError) as exc:
        await engine.dispose()
        cause: BaseException = exc
        if isinstance(exc, DBAPIError | StatementError) and exc.orig is not None:
            cause = exc.orig
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0][:300]
        where = engine.url.render_as_string(hide_password=True)
        raise StorageError(f"COCO could not open its database at {where}: {reason}") from exc
    return SqlRepository(engine)
