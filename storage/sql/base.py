"""``SqlStore``: what every SQL store shares, and the rules every method follows.

* Every query is filtered by ``workspace_id``; a project, entry or run of another workspace behaves
  exactly like one that does not exist. Only the job queue (``claim_jobs``/``finish_job``) works
  across workspaces, by design: one worker pool serves every tenant.
* Each method is one transaction. On SQLite, writing transactions start with ``BEGIN IMMEDIATE`` so
  that a read-then-write never fails half-way with "database is locked" when another process (the
  bot, the CLI) wrote in between; the busy timeout then makes writers queue instead of fail.
* Races between processes are settled by the database, not by checks in Python: ``INSERT ... ON
  CONFLICT DO NOTHING`` on a unique key for event dedupe, job dedupe, workspace and project
  creation; ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL) or the SQLite write lock for claims.
* Datetimes must be timezone-aware (a naive one raises ``ValueError``: it is a programming error,
  not a person's); they are stored in UTC and come back aware in UTC.
* Database failures surface as ``StorageError`` with the driver's one-line reason, never the SQL
  and its parameters (which would echo a person's text into logs).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import json
from collections import deque
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import uuid4

from sqlalchemy import or_
from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from core.errors import ProjectNotFoundError, StorageError, UserInputError
from storage.tables import ProjectRow, WorkspaceRow, table_of

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PgInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

# Execution option read by the SQLite "begin" hook in ``storage.db``: the BEGIN mode to emit.
SQLITE_BEGIN = "coco_sqlite_begin"

# SQLite accepts 32,766 bound parameters per statement; PostgreSQL 32,767. Lookups by id list stay
# far below both.
IN_CHUNK = 500
_Select = TypeVar("_Select", bound=SelectOfScalar[Any])
_Row = TypeVar("_Row")
MAX_ERROR_CHARS = 20_000
_GOALS = ("max", "min")


def new_id() -> str:
    return uuid4().hex


def utc(value: dt.datetime, what: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware; got naive {value.isoformat()}")
    return value.astimezone(dt.UTC)


def check_goal(goal: str | None) -> None:
    if goal is not None and goal not in _GOALS:
        raise UserInputError(f"The goal must be 'max' or 'min', not {goal!r}.")


_T = TypeVar("_T")


def chunks(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- page tokens -----------------------------------------------------------------------------------
# Keyset paging: the token is the sort key of the last item returned, so pages stay stable while
# rows are added, and each page is an index range scan rather than an OFFSET.


def encode_token(at: dt.datetime, key: str) -> str:
    raw = json.dumps([at.astimezone(dt.UTC).isoformat(), key], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def keyset_page(stmt: _Select, *, at: Any, key: Any, page_token: str | None, limit: int) -> _Select:
    """``stmt`` ordered by (``at``, ``key``), from just after the token's position, one row past ``limit``
    (that row only tells whether another page follows)."""
    if page_token:
        last_at, last_key = decode_token(page_token)
        # The redundant ``at >= last_at`` lets SQLite use the index range despite the OR.
        stmt = stmt.where(at >= last_at, or_(at > last_at, key > last_key))
    return stmt.order_by(at, key).limit(limit + 1)


def next_token(rows: Sequence[_Row], limit: int, *, at: str, key: str) -> str | None:
    """The token of the page after ``rows`` (as ``keyset_page`` fetched them), None on the last page."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_token(getattr(last, at), getattr(last, key))


def decode_token(token: str) -> tuple[dt.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        at_text, key = json.loads(raw)
        if not isinstance(at_text, str) or not isinstance(key, str):
            raise ValueError("wrong types")
        at = dt.datetime.fromisoformat(at_text)
        return utc(at, "page token"), key
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise UserInputError("That page token is not valid; list again without one.") from exc


def _describe(exc: BaseException) -> str:
    # str(StatementError) carries the SQL and its parameters (a person's whole text): keep only the
    # driver's own first line.
    cause: BaseException = exc
    if isinstance(exc, DBAPIError | StatementError) and exc.orig is not None:
        cause = exc.orig
    detail = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return f"COCO's database failed: {detail[:300]}"


class WriteGate:
    """One writing transaction at a time in this process, urgent ones first (SQLite only).

    SQLite lets one writer in at a time anyway; without this gate, the writers of one process wait
    for each other inside SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and
    serves nobody in order: under a burst an ack that must store its event waited seconds behind the
    workers' writes. Here they queue in the event loop instead, and an urgent writer (storing an
    inbound event before its ack) goes before every queued ordinary one. Re-entrant per task, so a
    write nested in another write of the same task does not deadlock. Other processes (the CLI next
    to the bot) still meet at SQLite's lock, with its busy timeout."""

    def __init__(self) -> None:
        self._busy = False
        self._owner: asyncio.Task[object] | None = None
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._ordinary: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def hold(self, *, urgent: bool) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None and self._owner is task:
            yield
            return
        if self._busy:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            (self._urgent if urgent else self._ordinary).append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._hand_on()  # it was handed to us just as we were cancelled: pass it on
                raise
        else:
            self._busy = True
        self._owner = task
        try:
            yield
        finally:
            self._owner = None
            self._hand_on()

    def _hand_on(self) -> None:
        for queue in (self._urgent, self._ordinary):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # ownership passes straight on: ``_busy`` stays True
                    return
        self._busy = False


class SqlStore:
    """One async engine and the plumbing on it; every per-aggregate store derives from this, so that
    ``SqlRepository`` can combine them over a single engine and connection pool."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._write_gate = WriteGate()

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    async def aclose(self) -> None:
        await self._engine.dispose()

    @asynccontextmanager
    async def _session(self, *, write: bool = False, urgent: bool = False) -> AsyncIterator[AsyncSession]:
        """One transaction, committed on success, rolled back on any exception. On SQLite a writing
        one first passes this process's ``WriteGate`` (``urgent``: ahead of the queue)."""
        if write and self._sqlite:
            async with self._write_gate.hold(urgent=urgent), self._transaction(write=True) as session:
                yield session
            return
        async with self._transaction(write=write) as session:
            yield session

    @asynccontextmanager
    async def _transaction(self, *, write: bool) -> AsyncIterator[AsyncSession]:
        try:
            async with AsyncSession(self._engine, expire_on_commit=False) as session:
                if write and self._sqlite:
                    await session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
                yield session
                await session.commit()
        except (SQLAlchemyError, OSError) as exc:
            raise StorageError(_describe(exc)) from exc

    def _insert(self, model: type[SQLModel]) -> SqliteInsert | PgInsert:
        """The dialect's INSERT, which knows ``ON CONFLICT`` (imported lazily: only one is needed)."""
        if self._sqlite:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            return sqlite_insert(table_of(model))
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table_of(model))

    # ``lock=True`` serialises read-modify-write cycles (a JSON list appended to, a set replaced)
    # that PostgreSQL's READ COMMITTED would otherwise interleave, losing one writer's change. It
    # takes ``FOR NO KEY UPDATE``, which does not block the ``FOR KEY SHARE`` locks taken by foreign
    # key checks, so entries and events keep flowing meanwhile. SQLite needs nothing more: a writing
    # transaction already holds the whole database (``BEGIN IMMEDIATE``), and FOR UPDATE is not
    # rendered there.
    async def _require_workspace(
        self, session: AsyncSession, workspace_id: str, *, lock: bool = False
    ) -> WorkspaceRow:
        stmt = select(WorkspaceRow).where(col(WorkspaceRow.id) == workspace_id)
        if lock:
            stmt = stmt.with_for_update(key_share=True)
        row = (await session.exec(stmt)).first()
        if row is None:
            raise UserInputError(f"No workspace {workspace_id!r}.")
        return row

    async def _project_names(self, session: AsyncSession, workspace_id: str) -> list[str]:
        result = await session.exec(
            select(ProjectRow.name).where(col(ProjectRow.workspace_id) == workspace_id)
        )
        return sorted(result.all())

    async def _require_project(
        self, session: AsyncSession, workspace_id: str, project_id: str, *, lock: bool = False
    ) -> ProjectRow:
        stmt = select(ProjectRow).where(
            col(ProjectRow.workspace_id) == workspace_id, col(ProjectRow.id) == project_id
        )
        if lock:
            stmt = stmt.with_for_update(key_share=True)
        row = (await session.exec(stmt)).first()
        if row is None:
            raise ProjectNotFoundError(project_id, await self._project_names(session, workspace_id))
        return row
