"""``SqlRepository``: the ``storage.ports.Repository`` over SQLModel, on SQLite or PostgreSQL.

Rules every method follows:

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

import base64
import binascii
import datetime as dt
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import uuid4

from sqlalchemy import and_, delete, func, or_
from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import EmptyTextError, ProjectNotFoundError, StorageError, UserInputError
from storage.records import (
    ApproachRecord,
    DecisionRecord,
    EntryRecord,
    EntrySource,
    EntryStatus,
    EntryStructure,
    Goal,
    JobRecord,
    MetricChange,
    ProjectRecord,
    ReplyRecord,
    RunSnapshot,
    UsageRecord,
    UserRecord,
    WorkspaceRecord,
    utcnow,
)
from storage.tables import (
    ApproachRow,
    DecisionRow,
    EntryRow,
    JobRow,
    MetricChangeRow,
    ModelUsageRow,
    ProcessedEventRow,
    ProjectRow,
    ReplyRow,
    RunSnapshotRow,
    UserRow,
    WorkspaceRow,
    table_of,
)

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PgInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

# Execution option read by the SQLite "begin" hook in ``storage.db``: the BEGIN mode to emit.
SQLITE_BEGIN = "coco_sqlite_begin"

# SQLite accepts 32,766 bound parameters per statement; PostgreSQL 32,767. Lookups by id list stay
# far below both.
_IN_CHUNK = 500
_MAX_ERROR_CHARS = 20_000
_GOALS = ("max", "min")


def _new_id() -> str:
    return uuid4().hex


def _new_entry_id() -> str:
    # People type entry ids ("coco show 3f9a1c2b7d4e"); 48 random bits keep collisions negligible
    # per workspace, and add_entry retries on the rare clash anyway.
    return uuid4().hex[:12]


def _utc(value: dt.datetime, what: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware; got naive {value.isoformat()}")
    return value.astimezone(dt.UTC)


def _check_goal(goal: str | None) -> None:
    if goal is not None and goal not in _GOALS:
        raise UserInputError(f"The goal must be 'max' or 'min', not {goal!r}.")


_T = TypeVar("_T")


def _chunks(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- page tokens -----------------------------------------------------------------------------------
# Keyset paging: the token is the sort key of the last item returned, so pages stay stable while
# rows are added, and each page is an index range scan rather than an OFFSET.


def _encode_token(at: dt.datetime, key: str) -> str:
    raw = json.dumps([at.astimezone(dt.UTC).isoformat(), key], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_token(token: str) -> tuple[dt.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        at_text, key = json.loads(raw)
        if not isinstance(at_text, str) or not isinstance(key, str):
            raise ValueError("wrong types")
        at = dt.datetime.fromisoformat(at_text)
        return _utc(at, "page token"), key
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


# -- rows -> records -------------------------------------------------------------------------------


def _workspace_record(row: WorkspaceRow) -> WorkspaceRecord:
    return WorkspaceRecord(
        id=row.id,
        key=row.key,
        platform=row.platform,
        name=row.name,
        timezone=row.timezone,
        created_at=row.created_at,
    )


def _project_record(row: ProjectRow, changes: Iterable[MetricChangeRow]) -> ProjectRecord:
    return ProjectRecord(
        id=row.id,
        workspace_id=row.workspace_id,
        name=row.name,
        tracker_kind=row.tracker_kind,
        tracker_uri=row.tracker_uri,
        experiment_ids=list(row.experiment_ids),
        experiment_names=list(row.experiment_names),
        channels=list(row.channels),
        primary_metric=row.primary_metric,
        goal=row.goal,
        metric_history=[
            MetricChange(at=c.at, metric=c.metric, goal=c.goal, reason=c.reason, entry_id=c.entry_id)
            for c in sorted(changes, key=lambda c: (c.at, c.created_at, c.id))
        ],
        settings=dict(row.settings),
        created_at=row.created_at,
    )


def _entry_record(row: EntryRow) -> EntryRecord:
    return EntryRecord(
        id=row.id,
        workspace_id=row.workspace_id,
        project_id=row.project_id,
        author=row.author,
        at=row.at,
        source=row.source,
        raw_text=row.raw_text,
        status=row.status,
        structure=EntryStructure.model_validate(row.structure) if row.structure is not None else None,
        error=row.error,
        channel=row.channel,
        thread_ts=row.thread_ts,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _run_record(row: RunSnapshotRow) -> RunSnapshot:
    return RunSnapshot(
        project_id=row.project_id,
        run_id=row.run_id,
        run_name=row.run_name,
        experiment_id=row.experiment_id,
        user=row.username,
        status=row.status,
        start=row.start_time,
        end=row.end_time,
        params=row.params,
        metrics=row.metrics,  # non-finite values come back from their JSON spelling ("NaN")
        tags=row.tags,
        url=row.url,
        fetched_at=row.fetched_at,
    )


def _approach_record(row: ApproachRow) -> ApproachRecord:
    return ApproachRecord(
        id=row.id,
        project_id=row.project_id,
        name=row.name,
        status=row.status,
        reason=row.reason,
        run_ids=list(row.run_ids),
        entry_ids=list(row.entry_ids),
        updated_at=row.updated_at,
    )


def _decision_record(row: DecisionRow) -> DecisionRecord:
    return DecisionRecord(
        id=row.id,
        project_id=row.project_id,
        kind=row.kind,
        at=row.at,
        text=row.text,
        rationale=row.rationale,
        metric=row.metric,
        goal=row.goal,
        run_ids=list(row.run_ids),
        entry_id=row.entry_id,
        author=row.author,
    )


def _job_record(row: JobRow) -> JobRecord:
    return JobRecord(
        id=row.id,
        workspace_id=row.workspace_id,
        kind=row.kind,
        payload=dict(row.payload),
        status=row.status,
        attempts=row.attempts,
        run_after=row.run_after,
        dedupe_key=row.dedupe_key,
        last_error=row.last_error,
        created_at=row.created_at,
    )


def _user_record(row: UserRow) -> UserRecord:
    return UserRecord(
        workspace_id=row.workspace_id,
        platform_user_id=row.platform_user_id,
        tracker_user=row.tracker_user,
        default_project_id=row.default_project_id,
        display_name=row.display_name,
        email=row.email,
        updated_at=row.updated_at,
    )


def _reply_record(row: ReplyRow) -> ReplyRecord:
    return ReplyRecord(
        workspace_id=row.workspace_id,
        channel=row.channel,
        message_ts=row.message_ts,
        thread_ts=row.thread_ts,
        entry_id=row.entry_id,
        kind=row.kind,
        pending=row.pending,
        author=row.author,
        held_text=row.held_text,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlRepository:
    """The repository over one async engine; build it with ``storage.db.open_repository``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    @property
    def engine(self) -> AsyncEngine:
        return self._engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    async def aclose(self) -> None:
        await self._engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- plumbing --------------------------------------------------------------------------------

    @asynccontextmanager
    async def _session(self, *, write: bool = False) -> AsyncIterator[AsyncSession]:
        """One transaction, committed on success, rolled back on any exception."""
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

    async def _project_records(self, session: AsyncSession, rows: Sequence[ProjectRow]) -> list[ProjectRecord]:
        if not rows:
            return []
        workspace_id = rows[0].workspace_id
        ids = [r.id for r in rows]
        history: dict[str, list[MetricChangeRow]] = {pid: [] for pid in ids}
        for chunk in _chunks(ids, _IN_CHUNK):
            result = await session.exec(
                select(MetricChangeRow).where(
                    col(MetricChangeRow.workspace_id) == workspace_id,
                    col(MetricChangeRow.project_id).in_(chunk),
                )
            )
            for change in result:
                history[change.project_id].append(change)
        return [_project_record(r, history[r.id]) for r in rows]

    async def _one_project_record(self, session: AsyncSession, row: ProjectRow) -> ProjectRecord:
        return (await self._project_records(session, [row]))[0]

    async def _unlink_channels(
        self, session: AsyncSession, workspace_id: str, channels: Sequence[str], *, keep: str
    ) -> None:
        """A channel maps to one project: linking it here unlinks it from any other project."""
        if not channels:
            return
        wanted = set(channels)
        result = await session.exec(
            select(ProjectRow).where(col(ProjectRow.workspace_id) == workspace_id, col(ProjectRow.id) != keep)
        )
        for other in result:
            if wanted.intersection(other.channels):
                other.channels = [c for c in other.channels if c not in wanted]
                other.updated_at = utcnow()

    async def _require_entry(self, session: AsyncSession, workspace_id: str, entry_id: str) -> EntryRow:
        result = await session.exec(
            select(EntryRow).where(col(EntryRow.workspace_id) == workspace_id, col(EntryRow.id) == entry_id)
        )
        row = result.first()
        if row is None:
            raise UserInputError(f"No entry {entry_id!r} in this workspace.")
        return row

    # -- workspaces ------------------------------------------------------------------------------

    async def ensure_workspace(self, key: str, *, platform: str, name: str = "") -> WorkspaceRecord:
        # Called for every inbound message: answer from a read when nothing changes, so the common
        # case never takes SQLite's write lock.
        async with self._session() as session:
            row = (await session.exec(select(WorkspaceRow).where(col(WorkspaceRow.key) == key))).first()
            if row is not None and (not name or row.name == name):
                return _workspace_record(row)
        async with self._session(write=True) as session:
            await session.exec(
                self._insert(WorkspaceRow)
                .values(id=_new_id(), key=key, platform=platform, name=name, timezone="UTC",
                        created_at=utcnow())
                .on_conflict_do_nothing(index_elements=["key"])
            )
            row = (await session.exec(select(WorkspaceRow).where(col(WorkspaceRow.key) == key))).one()
            if name and row.name != name:
                row.name = name
            return _workspace_record(row)

    async def get_workspace(self, workspace_id: str) -> WorkspaceRecord:
        async with self._session() as session:
            return _workspace_record(await self._require_workspace(session, workspace_id))

    async def list_workspaces(self, *, platform: str | None = None) -> list[WorkspaceRecord]:
        async with self._session() as session:
            stmt = select(WorkspaceRow)
            if platform is not None:
                stmt = stmt.where(col(WorkspaceRow.platform) == platform)
            rows = (await session.exec(stmt.order_by(col(WorkspaceRow.created_at), col(WorkspaceRow.id)))).all()
            return [_workspace_record(r) for r in rows]

    # -- projects --------------------------------------------------------------------------------

    async def create_project(
        self,
        workspace_id: str,
        *,
        name: str,
        tracker_kind: str,
        tracker_uri: str,
        experiment_ids: Sequence[str],
        experiment_names: Sequence[str],
        primary_metric: str | None,
        goal: Goal,
        channels: Sequence[str] = (),
    ) -> ProjectRecord:
        """Create the project, or update the one of that name in place.

        On an existing project: tracker kind is replaced, tracker URI and experiment lists are
        replaced when given (non-empty), channels are added (never removed: bots link channels
        too), and a primary metric that differs from the one in force is recorded as a dated
        metric switch (the history is never rewritten), unless the project had no metric yet.
        """
        if not name.strip():
            raise UserInputError("A project needs a name.")
        _check_goal(goal)
        channels = list(dict.fromkeys(channels))
        now = utcnow()
        async with self._session(write=True) as session:
            # Locked: channels move between projects of the workspace (see _unlink_channels).
            await self._require_workspace(session, workspace_id, lock=True)
            inserted = await session.exec(
                self._insert(ProjectRow)
                .values(
                    id=_new_id(),
                    workspace_id=workspace_id,
                    name=name,
                    tracker_kind=tracker_kind,
                    tracker_uri=tracker_uri,
                    experiment_ids=list(experiment_ids),
                    experiment_names=list(experiment_names),
                    channels=channels,
                    primary_metric=primary_metric,
                    goal=goal,
                    settings={},
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["workspace_id", "name"])
            )
            row = (
                await session.exec(
                    select(ProjectRow).where(
                        col(ProjectRow.workspace_id) == workspace_id, col(ProjectRow.name) == name
                    )
                )
            ).one()
            if inserted.rowcount != 1:
                await self._update_existing_project(
                    session,
                    row,
                    tracker_kind=tracker_kind,
                    tracker_uri=tracker_uri,
                    experiment_ids=experiment_ids,
                    experiment_names=experiment_names,
                    primary_metric=primary_metric,
                    goal=goal,
                    channels=channels,
                    now=now,
                )
            await self._unlink_channels(session, workspace_id, channels, keep=row.id)
            await session.flush()
            return await self._one_project_record(session, row)

    async def _update_existing_project(
        self,
        session: AsyncSession,
        row: ProjectRow,
        *,
        tracker_kind: str,
        tracker_uri: str,
        experiment_ids: Sequence[str],
        experiment_names: Sequence[str],
        primary_metric: str | None,
        goal: Goal,
        channels: Sequence[str],
        now: dt.datetime,
    ) -> None:
        row.tracker_kind = tracker_kind
        if tracker_uri:
            row.tracker_uri = tracker_uri
        if experiment_ids:
            row.experiment_ids = list(experiment_ids)
        if experiment_names:
            row.experiment_names = list(experiment_names)
        missing = [c for c in channels if c not in row.channels]
        if missing:
            row.channels = [*row.channels, *missing]
        row.updated_at = now
        if primary_metric is None:
            return
        current = await self._one_project_record(session, row)
        if current.primary_metric is None and not current.metric_history:
            row.primary_metric, row.goal = primary_metric, goal
        elif current.metric_now() != (primary_metric, goal):
            session.add(
                MetricChangeRow(
                    id=_new_id(),
                    workspace_id=row.workspace_id,
                    project_id=row.id,
                    at=now,
                    metric=primary_metric,
                    goal=goal,
                    reason="set with `coco project add`",
                    entry_id=None,
                    created_at=now,
                )
            )

    async def get_project(self, workspace_id: str, name: str) -> ProjectRecord:
        async with self._session() as session:
            row = (
                await session.exec(
                    select(ProjectRow).where(
                        col(ProjectRow.workspace_id) == workspace_id, col(ProjectRow.name) == name
                    )
                )
            ).first()
            if row is None:
                raise ProjectNotFoundError(name, await self._project_names(session, workspace_id))
            return await self._one_project_record(session, row)

    async def get_project_by_id(self, workspace_id: str, project_id: str) -> ProjectRecord:
        async with self._session() as session:
            row = await self._require_project(session, workspace_id, project_id)
            return await self._one_project_record(session, row)

    async def list_projects(self, workspace_id: str) -> list[ProjectRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ProjectRow)
                    .where(col(ProjectRow.workspace_id) == workspace_id)
                    .order_by(col(ProjectRow.name))
                )
            ).all()
            return await self._project_records(session, rows)

    async def find_project_by_channel(self, workspace_id: str, channel: str) -> ProjectRecord | None:
        # A workspace has tens of projects: filtering their channel lists here keeps the JSON column
        # portable (no dialect-specific JSON containment operators).
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ProjectRow)
                    .where(col(ProjectRow.workspace_id) == workspace_id)
                    .order_by(col(ProjectRow.created_at), col(ProjectRow.id))
                )
            ).all()
            for row in rows:
                if channel in row.channels:
                    return await self._one_project_record(session, row)
            return None

    async def link_channel(self, workspace_id: str, project_id: str, channel: str) -> ProjectRecord:
        async with self._session(write=True) as session:
            await self._require_workspace(session, workspace_id, lock=True)
            row = await self._require_project(session, workspace_id, project_id)
            await self._unlink_channels(session, workspace_id, [channel], keep=row.id)
            if channel not in row.channels:
                row.channels = [*row.channels, channel]
                row.updated_at = utcnow()
            await session.flush()
            return await self._one_project_record(session, row)

    async def record_metric_change(
        self, workspace_id: str, project_id: str, change: MetricChange
    ) -> ProjectRecord:
        """Append a dated metric switch.

        Idempotent for the same (entry, metric); a change without an entry is idempotent for the
        same (time, metric, goal), so a retried command does not record it twice.
        """
        at = _utc(change.at, "change.at")
        _check_goal(change.goal)
        async with self._session(write=True) as session:
            row = await self._require_project(session, workspace_id, project_id, lock=True)
            values: dict[str, Any] = {
                "id": _new_id(),
                "workspace_id": workspace_id,
                "project_id": project_id,
                "at": at,
                "metric": change.metric,
                "goal": change.goal,
                "reason": change.reason,
                "entry_id": change.entry_id,
                "created_at": utcnow(),
            }
            if change.entry_id is not None:
                await session.exec(
                    self._insert(MetricChangeRow)
                    .values(**values)
                    .on_conflict_do_nothing(index_elements=["project_id", "entry_id", "metric"])
                )
            else:
                same = await session.exec(
                    select(MetricChangeRow.id).where(
                        col(MetricChangeRow.workspace_id) == workspace_id,
                        col(MetricChangeRow.project_id) == project_id,
                        col(MetricChangeRow.entry_id).is_(None),
                        col(MetricChangeRow.at) == at,
                        col(MetricChangeRow.metric) == change.metric,
                        col(MetricChangeRow.goal) == change.goal,
                    )
                )
                if same.first() is None:
                    session.add(MetricChangeRow(**values))
                    await session.flush()
            return await self._one_project_record(session, row)

    async def update_project_settings(
        self, workspace_id: str, project_id: str, settings: dict[str, object]
    ) -> ProjectRecord:
        """Merge ``settings`` into the project's (shallow: a given key replaces the stored value)."""
        async with self._session(write=True) as session:
            row = await self._require_project(session, workspace_id, project_id, lock=True)
            row.settings = {**row.settings, **settings}
            row.updated_at = utcnow()
            await session.flush()
            return await self._one_project_record(session, row)

    # -- entries ---------------------------------------------------------------------------------

    async def add_entry(
        self,
        workspace_id: str,
        *,
        project_id: str,
        author: str,
        at: dt.datetime,
        raw_text: str,
        source: EntrySource,
        channel: str | None = None,
        thread_ts: str | None = None,
    ) -> EntryRecord:
        """Store the raw text at once, status ``pending``.

        Text the databases cannot hold byte-for-byte is refused up front, on both backends alike,
        rather than stored altered: a NUL character (PostgreSQL text cannot contain one) or a lone
        surrogate (not encodable as UTF-8).
        """
        if not raw_text.strip():
            raise EmptyTextError("entry text")
        if "\x00" in raw_text:
            raise UserInputError("The text contains a NUL character (\\x00), which cannot be stored.")
        try:
            raw_text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise UserInputError("The text contains characters that are not valid Unicode.") from exc
        at = _utc(at, "at")
        now = utcnow()
        for _attempt in range(5):
            entry_id = _new_entry_id()
            values: dict[str, Any] = {
                "id": entry_id,
                "workspace_id": workspace_id,
                "project_id": project_id,
                "author": author,
                "at": at,
                "source": source,
                "raw_text": raw_text,
                "status": "pending",
                "structure": None,
                "error": None,
                "channel": channel,
                "thread_ts": thread_ts,
                "created_at": now,
                "updated_at": now,
            }
            async with self._session(write=True) as session:
                await self._require_project(session, workspace_id, project_id)
                result = await session.exec(
                    self._insert(EntryRow).values(**values).on_conflict_do_nothing(index_elements=["id"])
                )
                if result.rowcount == 1:
                    return _entry_record(EntryRow(**values))
        raise StorageError("COCO's database failed: no free entry id after 5 tries.")

    async def save_structure(
        self,
        workspace_id: str,
        entry_id: str,
        structure: EntryStructure,
        *,
        status: EntryStatus = "structured",
        error: str | None = None,
    ) -> EntryRecord:
        async with self._session(write=True) as session:
            row = await self._require_entry(session, workspace_id, entry_id)
            # Python mode, not JSON mode: pydantic's JSON mode turns NaN metrics into null, which
            # would not validate back; the engine's serializer spells them "NaN" instead.
            row.structure = structure.model_dump()
            row.status = status
            row.error = error[:_MAX_ERROR_CHARS] if error is not None else None
            row.updated_at = utcnow()
            await session.flush()
            return _entry_record(row)

    async def mark_entry_error(self, workspace_id: str, entry_id: str, error: str) -> EntryRecord:
        """Record why structuring failed; the status is left as it was (normally ``pending``)."""
        async with self._session(write=True) as session:
            row = await self._require_entry(session, workspace_id, entry_id)
            row.error = error[:_MAX_ERROR_CHARS]
            row.updated_at = utcnow()
            await session.flush()
            return _entry_record(row)

    async def get_entry(self, workspace_id: str, entry_id: str) -> EntryRecord:
        async with self._session() as session:
            return _entry_record(await self._require_entry(session, workspace_id, entry_id))

    async def list_entries(
        self,
        workspace_id: str,
        *,
        project_id: str | None = None,
        author: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        status: EntryStatus | None = None,
        limit: int = 1000,
        page_token: str | None = None,
    ) -> tuple[list[EntryRecord], str | None]:
        """Entries ordered by (``at``, id) ascending; ``since`` inclusive, ``until`` exclusive."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        at, entry_id = col(EntryRow.at), col(EntryRow.id)
        stmt = select(EntryRow).where(col(EntryRow.workspace_id) == workspace_id)
        if project_id is not None:
            stmt = stmt.where(col(EntryRow.project_id) == project_id)
        if author is not None:
            stmt = stmt.where(col(EntryRow.author) == author)
        if since is not None:
            stmt = stmt.where(at >= _utc(since, "since"))
        if until is not None:
            stmt = stmt.where(at < _utc(until, "until"))
        if status is not None:
            stmt = stmt.where(col(EntryRow.status) == status)
        if page_token:
            last_at, last_id = _decode_token(page_token)
            # The redundant ``at >= last_at`` lets SQLite use the index range despite the OR.
            stmt = stmt.where(at >= last_at, or_(at > last_at, entry_id > last_id))
        stmt = stmt.order_by(at, entry_id).limit(limit + 1)
        async with self._session() as session:
            rows = list((await session.exec(stmt)).all())
        token = _encode_token(rows[limit - 1].at, rows[limit - 1].id) if len(rows) > limit else None
        return [_entry_record(r) for r in rows[:limit]], token

    async def delete_entry(self, workspace_id: str, entry_id: str) -> None:
        async with self._session(write=True) as session:
            result = await session.exec(
                delete(EntryRow).where(
                    col(EntryRow.workspace_id) == workspace_id, col(EntryRow.id) == entry_id
                )
            )
            if result.rowcount == 0:
                raise UserInputError(f"No entry {entry_id!r} in this workspace.")

    async def append_entry_text(self, workspace_id: str, entry_id: str, addition: str) -> EntryRecord:
        if not addition.strip():
            raise EmptyTextError("correction")
        if "\x00" in addition:
            raise UserInputError("The text contains a NUL character (\\x00), which cannot be stored.")
        async with self._session(write=True) as session:
            row = await self._require_entry(session, workspace_id, entry_id)
            row.raw_text = row.raw_text + addition
            row.status = "pending"
            row.updated_at = utcnow()
            await session.flush()
            return _entry_record(row)

    async def move_entry(self, workspace_id: str, entry_id: str, project_id: str) -> EntryRecord:
        async with self._session(write=True) as session:
            await self._require_project(session, workspace_id, project_id)
            row = await self._require_entry(session, workspace_id, entry_id)
            if row.project_id != project_id:
                row.project_id = project_id
                row.status = "pending"
                row.updated_at = utcnow()
                await session.flush()
            return _entry_record(row)

    # -- chat people and COCO's posted messages ----------------------------------------------------

    async def get_user(self, workspace_id: str, platform_user_id: str) -> UserRecord | None:
        async with self._session() as session:
            row = (
                await session.exec(
                    select(UserRow).where(
                        col(UserRow.workspace_id) == workspace_id,
                        col(UserRow.platform_user_id) == platform_user_id,
                    )
                )
            ).first()
            return _user_record(row) if row is not None else None

    async def save_user(self, user: UserRecord) -> UserRecord:
        values: dict[str, Any] = {
            "workspace_id": user.workspace_id,
            "platform_user_id": user.platform_user_id,
            "tracker_user": user.tracker_user,
            "default_project_id": user.default_project_id,
            "display_name": user.display_name,
            "email": user.email,
            "updated_at": utcnow(),
        }
        async with self._session(write=True) as session:
            await self._require_workspace(session, user.workspace_id)
            stmt = self._insert(UserRow).values(id=_new_id(), **values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["workspace_id", "platform_user_id"],
                set_={k: stmt.excluded[k] for k in values if k not in ("workspace_id", "platform_user_id")},
            )
            await session.exec(stmt)
            row = (
                await session.exec(
                    select(UserRow).where(
                        col(UserRow.workspace_id) == user.workspace_id,
                        col(UserRow.platform_user_id) == user.platform_user_id,
                    )
                )
            ).one()
            return _user_record(row)

    async def list_users(self, workspace_id: str) -> list[UserRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(UserRow)
                    .where(col(UserRow.workspace_id) == workspace_id)
                    .order_by(col(UserRow.platform_user_id))
                )
            ).all()
            return [_user_record(r) for r in rows]

    async def save_reply(self, reply: ReplyRecord) -> ReplyRecord:
        now = utcnow()
        values: dict[str, Any] = {
            "workspace_id": reply.workspace_id,
            "channel": reply.channel,
            "message_ts": reply.message_ts,
            "thread_ts": reply.thread_ts,
            "entry_id": reply.entry_id,
            "kind": reply.kind,
            "pending": reply.pending,
            "author": reply.author,
            "held_text": reply.held_text,
            "updated_at": now,
        }
        async with self._session(write=True) as session:
            await self._require_workspace(session, reply.workspace_id)
            stmt = self._insert(ReplyRow).values(id=_new_id(), created_at=now, **values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["workspace_id", "channel", "message_ts"],
                set_={k: stmt.excluded[k] for k in values if k not in ("workspace_id", "channel", "message_ts")},
            )
            await session.exec(stmt)
            row = (
                await session.exec(
                    select(ReplyRow).where(
                        col(ReplyRow.workspace_id) == reply.workspace_id,
                        col(ReplyRow.channel) == reply.channel,
                        col(ReplyRow.message_ts) == reply.message_ts,
                    )
                )
            ).one()
            return _reply_record(row)

    async def get_reply(self, workspace_id: str, channel: str, message_ts: str) -> ReplyRecord | None:
        async with self._session() as session:
            row = (
                await session.exec(
                    select(ReplyRow).where(
                        col(ReplyRow.workspace_id) == workspace_id,
                        col(ReplyRow.channel) == channel,
                        col(ReplyRow.message_ts) == message_ts,
                    )
                )
            ).first()
            return _reply_record(row) if row is not None else None

    async def thread_replies(self, workspace_id: str, channel: str, thread_ts: str) -> list[ReplyRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ReplyRow)
                    .where(
                        col(ReplyRow.workspace_id) == workspace_id,
                        col(ReplyRow.channel) == channel,
                        or_(col(ReplyRow.thread_ts) == thread_ts, col(ReplyRow.message_ts) == thread_ts),
                    )
                    .order_by(col(ReplyRow.created_at), col(ReplyRow.id))
                )
            ).all()
            return [_reply_record(r) for r in rows]

    async def entry_replies(self, workspace_id: str, entry_id: str) -> list[ReplyRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ReplyRow)
                    .where(col(ReplyRow.workspace_id) == workspace_id, col(ReplyRow.entry_id) == entry_id)
                    .order_by(col(ReplyRow.created_at), col(ReplyRow.id))
                )
            ).all()
            return [_reply_record(r) for r in rows]

    async def pending_replies(self, workspace_id: str, *, limit: int = 100) -> list[ReplyRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ReplyRow)
                    .where(col(ReplyRow.workspace_id) == workspace_id, col(ReplyRow.pending).is_(True))
                    .order_by(col(ReplyRow.created_at), col(ReplyRow.id))
                    .limit(limit)
                )
            ).all()
            return [_reply_record(r) for r in rows]

    # -- run snapshots ---------------------------------------------------------------------------

    async def upsert_runs(self, workspace_id: str, runs: Sequence[RunSnapshot]) -> None:
        """Insert or refresh snapshots in bulk: one ``INSERT ... ON CONFLICT (project_id, run_id) DO
        UPDATE`` executed over all rows (the driver's executemany), a few ms per thousand runs."""
        if not runs:
            return
        latest: dict[tuple[str, str], RunSnapshot] = {}
        for run in runs:  # the last snapshot of a run wins, as if upserted one by one
            latest[(run.project_id, run.run_id)] = run
        rows = [
            {
                "id": _new_id(),
                "workspace_id": workspace_id,
                "project_id": run.project_id,
                "run_id": run.run_id,
                "run_name": run.run_name,
                "experiment_id": run.experiment_id,
                "username": run.user,
                "status": run.status,
                "start_time": _utc(run.start, "run.start"),
                "end_time": _utc(run.end, "run.end") if run.end is not None else None,
                "params": dict(run.params),
                "metrics": dict(run.metrics),
                "tags": dict(run.tags),
                "url": run.url,
                "fetched_at": _utc(run.fetched_at, "run.fetched_at"),
            }
            for run in latest.values()
        ]
        project_ids = sorted({run.project_id for run in latest.values()})
        stmt = self._insert(RunSnapshotRow)
        refreshed = [c.name for c in table_of(RunSnapshotRow).columns if c.name not in ("id", "project_id", "run_id")]
        stmt = stmt.on_conflict_do_update(
            index_elements=["project_id", "run_id"],
            set_={name: stmt.excluded[name] for name in refreshed},
        )
        async with self._session(write=True) as session:
            for project_id in project_ids:
                await self._require_project(session, workspace_id, project_id)
            for chunk in _chunks(rows, 1000):
                await session.exec(stmt, params=chunk)

    async def get_runs(
        self, workspace_id: str, project_id: str, run_ids: Sequence[str]
    ) -> dict[str, RunSnapshot]:
        """The stored snapshots among ``run_ids`` (unknown ids are simply absent)."""
        wanted = list(dict.fromkeys(run_ids))
        found: dict[str, RunSnapshot] = {}
        async with self._session() as session:
            for chunk in _chunks(wanted, _IN_CHUNK):
                result = await session.exec(
                    select(RunSnapshotRow).where(
                        col(RunSnapshotRow.workspace_id) == workspace_id,
                        col(RunSnapshotRow.project_id) == project_id,
                        col(RunSnapshotRow.run_id).in_(chunk),
                    )
                )
                for row in result:
                    found[row.run_id] = _run_record(row)
        return found

    async def list_runs(
        self,
        workspace_id: str,
        project_id: str,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 10000,
        page_token: str | None = None,
    ) -> tuple[list[RunSnapshot], str | None]:
        """Snapshots ordered by (start, run id); ``since`` inclusive, ``until`` exclusive on start."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        start, run_id = col(RunSnapshotRow.start_time), col(RunSnapshotRow.run_id)
        stmt = select(RunSnapshotRow).where(
            col(RunSnapshotRow.workspace_id) == workspace_id, col(RunSnapshotRow.project_id) == project_id
        )
        if since is not None:
            stmt = stmt.where(start >= _utc(since, "since"))
        if until is not None:
            stmt = stmt.where(start < _utc(until, "until"))
        if page_token:
            last_start, last_run = _decode_token(page_token)
            stmt = stmt.where(start >= last_start, or_(start > last_start, run_id > last_run))
        stmt = stmt.order_by(start, run_id).limit(limit + 1)
        async with self._session() as session:
            rows = list((await session.exec(stmt)).all())
        token = (
            _encode_token(rows[limit - 1].start_time, rows[limit - 1].run_id) if len(rows) > limit else None
        )
        return [_run_record(r) for r in rows[:limit]], token

    # -- approaches and decisions ----------------------------------------------------------------

    async def replace_approaches(
        self, workspace_id: str, project_id: str, approaches: Sequence[ApproachRecord]
    ) -> None:
        """Make ``approaches`` (in this order) the project's whole set, in one transaction: a reader
        sees the old set or the new one, never a mix. Empty or clashing ids get fresh ones."""
        async with self._session(write=True) as session:
            await self._require_project(session, workspace_id, project_id, lock=True)
            await session.exec(
                delete(ApproachRow).where(
                    col(ApproachRow.workspace_id) == workspace_id, col(ApproachRow.project_id) == project_id
                )
            )
            given = [a.id for a in approaches if a.id]
            taken: set[str] = set()
            for chunk in _chunks(given, _IN_CHUNK):  # ids still used by another project's approaches
                taken.update((await session.exec(select(ApproachRow.id).where(col(ApproachRow.id).in_(chunk)))).all())
            rows: list[dict[str, Any]] = []
            for position, approach in enumerate(approaches):
                approach_id = approach.id if approach.id and approach.id not in taken else _new_id()
                taken.add(approach_id)
                rows.append(
                    {
                        "id": approach_id,
                        "workspace_id": workspace_id,
                        "project_id": project_id,
                        "position": position,
                        "name": approach.name,
                        "status": approach.status,
                        "reason": approach.reason,
                        "run_ids": list(approach.run_ids),
                        "entry_ids": list(approach.entry_ids),
                        "updated_at": _utc(approach.updated_at, "approach.updated_at"),
                    }
                )
            if rows:
                await session.exec(self._insert(ApproachRow), params=rows)

    async def list_approaches(self, workspace_id: str, project_id: str) -> list[ApproachRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ApproachRow)
                    .where(
                        col(ApproachRow.workspace_id) == workspace_id,
                        col(ApproachRow.project_id) == project_id,
                    )
                    .order_by(col(ApproachRow.position))
                )
            ).all()
            return [_approach_record(r) for r in rows]

    async def add_decision(self, workspace_id: str, decision: DecisionRecord) -> DecisionRecord:
        """Store a decision; an empty id gets a fresh one, and a retry with the same id is a no-op
        that returns the stored decision."""
        _check_goal(decision.goal)
        decision_id = decision.id or _new_id()
        async with self._session(write=True) as session:
            await self._require_project(session, workspace_id, decision.project_id)
            await session.exec(
                self._insert(DecisionRow)
                .values(
                    id=decision_id,
                    workspace_id=workspace_id,
                    project_id=decision.project_id,
                    kind=decision.kind,
                    at=_utc(decision.at, "decision.at"),
                    text=decision.text,
                    rationale=decision.rationale,
                    metric=decision.metric,
                    goal=decision.goal,
                    run_ids=list(decision.run_ids),
                    entry_id=decision.entry_id,
                    author=decision.author,
                    created_at=utcnow(),
                )
                .on_conflict_do_nothing(index_elements=["id"])
            )
            row = (
                await session.exec(
                    select(DecisionRow).where(
                        col(DecisionRow.workspace_id) == workspace_id, col(DecisionRow.id) == decision_id
                    )
                )
            ).first()
            if row is None:  # the id belongs to another workspace's decision
                raise UserInputError(f"The decision id {decision_id!r} is already in use.")
            return _decision_record(row)

    async def list_decisions(self, workspace_id: str, project_id: str) -> list[DecisionRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(DecisionRow)
                    .where(
                        col(DecisionRow.workspace_id) == workspace_id,
                        col(DecisionRow.project_id) == project_id,
                    )
                    .order_by(col(DecisionRow.at), col(DecisionRow.created_at), col(DecisionRow.id))
                )
            ).all()
            return [_decision_record(r) for r in rows]

    # -- change stamps ----------------------------------------------------------------------------

    async def history_stamp(self, workspace_id: str, project_id: str) -> str:
        """A short value that changes whenever the project's narrative does (entries, run snapshots,
        decisions or metric history; not settings such as a digest schedule): four aggregate queries,
        so a long-lived bot can keep its indexed history until the stamp moves."""
        async with self._session() as session:
            parts: list[object] = []
            for row, when in ((EntryRow, EntryRow.updated_at), (RunSnapshotRow, RunSnapshotRow.fetched_at),
                              (DecisionRow, DecisionRow.at), (MetricChangeRow, MetricChangeRow.created_at)):
                counted = (
                    await session.exec(
                        select(func.count(), func.max(col(when))).where(
                            col(row.workspace_id) == workspace_id, col(row.project_id) == project_id
                        )
                    )
                ).one()
                parts += [counted[0], counted[1]]
            return "|".join(str(p) for p in parts)

    # -- model usage ----------------------------------------------------------------------------

    async def record_usage(self, usage: UsageRecord) -> None:
        async with self._session(write=True) as session:
            session.add(
                ModelUsageRow(
                    id=_new_id(),
                    workspace_id=usage.workspace_id,
                    job=usage.job,
                    model=usage.model,
                    input_tokens=usage.input_tokens,
                    output_tokens=usage.output_tokens,
                    cache_write_tokens=usage.cache_write_tokens,
                    cache_read_tokens=usage.cache_read_tokens,
                    cost_usd=usage.cost_usd,
                    at=_utc(usage.at, "usage.at"),
                )
            )

    async def list_usage(self, workspace_id: str, *, since: dt.datetime | None = None) -> list[UsageRecord]:
        async with self._session() as session:
            query = select(ModelUsageRow).where(col(ModelUsageRow.workspace_id) == workspace_id)
            if since is not None:
                query = query.where(col(ModelUsageRow.at) >= _utc(since, "since"))
            rows = (await session.exec(query.order_by(col(ModelUsageRow.at), col(ModelUsageRow.id)))).all()
            return [
                UsageRecord(
                    workspace_id=r.workspace_id, job=r.job, model=r.model, input_tokens=r.input_tokens,
                    output_tokens=r.output_tokens, cache_write_tokens=r.cache_write_tokens,
                    cache_read_tokens=r.cache_read_tokens, cost_usd=r.cost_usd, at=r.at,
                )
                for r in rows
            ]

    # -- idempotency and durable jobs ------------------------------------------------------------

    async def claim_event(self, workspace_id: str, event_key: str) -> bool:
        """True the first time ``(workspace, event_key)`` is seen, False for every repeat.

        The unique key decides, inside the database, so concurrent deliveries of one event (Slack
        retries reaching two replicas) get exactly one True. ``ON CONFLICT DO NOTHING`` rather than
        catching the violation: same guarantee, without an error in PostgreSQL's log per retry.
        """
        async with self._session(write=True) as session:
            result = await session.exec(
                self._insert(ProcessedEventRow)
                .values(id=_new_id(), workspace_id=workspace_id, event_key=event_key, created_at=utcnow())
                .on_conflict_do_nothing(index_elements=["workspace_id", "event_key"])
            )
            return result.rowcount == 1

    async def enqueue_job(
        self,
        workspace_id: str,
        *,
        kind: str,
        payload: dict[str, object],
        run_after: dt.datetime | None = None,
        dedupe_key: str | None = None,
    ) -> JobRecord:
        """Queue work. A job with the same ``dedupe_key`` in the workspace, whatever its status, is
        returned instead of creating a second one (so "digest for week 12" is posted once)."""
        now = utcnow()
        job_id = _new_id()
        async with self._session(write=True) as session:
            await self._require_workspace(session, workspace_id)
            stmt = self._insert(JobRow).values(
                id=job_id,
                workspace_id=workspace_id,
                kind=kind,
                payload=dict(payload),
                status="queued",
                attempts=0,
                run_after=_utc(run_after, "run_after") if run_after is not None else now,
                dedupe_key=dedupe_key,
                created_at=now,
                updated_at=now,
            )
            if dedupe_key is not None:
                stmt = stmt.on_conflict_do_nothing(index_elements=["workspace_id", "dedupe_key"])
            await session.exec(stmt)
            lookup = select(JobRow).where(col(JobRow.workspace_id) == workspace_id)
            if dedupe_key is not None:
                lookup = lookup.where(col(JobRow.dedupe_key) == dedupe_key)
            else:
                lookup = lookup.where(col(JobRow.id) == job_id)
            return _job_record((await session.exec(lookup)).one())

    async def claim_jobs(
        self,
        *,
        kinds: Sequence[str] | None = None,
        now: dt.datetime | None = None,
        limit: int = 10,
        worker: str = "",
        lease_seconds: int = 300,
        workspace_id: str | None = None,
    ) -> list[JobRecord]:
        """Claim due jobs across workspaces, oldest first, marking them ``running`` under a lease.

        ``workspace_id`` (an extension of the port) restricts the claim to one workspace, for a
        worker that serves a single workspace, such as the CLI's.

        Due: queued with ``run_after <= now``, or running with a lease that has passed (its worker
        died); reclaiming such a job counts the lost attempt. PostgreSQL locks the chosen rows with
        ``FOR UPDATE SKIP LOCKED`` so concurrent claimers take disjoint jobs without waiting; SQLite
        runs the whole claim under its write lock (``BEGIN IMMEDIATE``), which serialises claimers
        across processes.
        """
        if limit < 1 or (kinds is not None and not kinds):
            return []
        now = _utc(now, "now") if now is not None else utcnow()
        due = or_(
            and_(col(JobRow.status) == "queued", col(JobRow.run_after) <= now),
            and_(col(JobRow.status) == "running", col(JobRow.locked_until) < now),
        )
        stmt = select(JobRow).where(due)
        if kinds is not None:
            stmt = stmt.where(col(JobRow.kind).in_(list(kinds)))
        if workspace_id is not None:
            stmt = stmt.where(col(JobRow.workspace_id) == workspace_id)
        stmt = stmt.order_by(col(JobRow.run_after), col(JobRow.created_at), col(JobRow.id)).limit(limit)
        if not self._sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        lease_until = now + dt.timedelta(seconds=lease_seconds)
        async with self._session(write=True) as session:
            rows = list((await session.exec(stmt)).all())
            stamp = utcnow()
            for row in rows:
                if row.status == "running":
                    row.attempts += 1
                    row.last_error = f"lease expired (worker {row.locked_by or 'unknown'})"
                row.status = "running"
                row.locked_by = worker
                row.locked_until = lease_until
                row.updated_at = stamp
            await session.flush()
            return [_job_record(r) for r in rows]

    async def finish_job(
        self, job_id: str, *, error: str | None = None, retry_at: dt.datetime | None = None
    ) -> None:
        """Done when ``error`` is None; otherwise failed, or queued again at ``retry_at``.

        Every finish counts one attempt, so a worker deciding whether to retry compares
        ``job.attempts + 1`` (this attempt) with its limit.
        """
        retry = _utc(retry_at, "retry_at") if retry_at is not None else None
        async with self._session(write=True) as session:
            row = (
                await session.exec(select(JobRow).where(col(JobRow.id) == job_id).with_for_update())
            ).first()
            if row is None:
                raise UserInputError(f"No job {job_id!r}.")
            now = utcnow()
            row.attempts += 1
            row.locked_by = None
            row.locked_until = None
            row.updated_at = now
            if error is None:
                row.status = "done"
                row.finished_at = now
            else:
                row.last_error = error[:_MAX_ERROR_CHARS]
                if retry is not None:
                    row.status = "queued"
                    row.run_after = retry
                else:
                    row.status = "failed"
                    row.finished_at = now


if TYPE_CHECKING:
    from storage.ports import Repository

    def _implements_the_port(repository: SqlRepository) -> Repository:
        return repository  # mypy checks SqlRepository against the Protocol here
