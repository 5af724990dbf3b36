"""``SqlEntryStore``: the ``storage.ports.EntryStore`` over SQL.

An entry's raw text is stored at once, verbatim, and never rewritten (a correction is appended);
its structure, once an engine made it, is a JSON column read back into ``EntryStructure``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING
from uuid import uuid4

from sqlalchemy import bindparam, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.errors import EmptyTextError, StorageError, UserInputError
from storage.origin import ENTRY_ORIGIN
from storage.records import EntryRecord, EntrySource, EntryStatus, EntryStructure, utcnow
from storage.sql.base import MAX_ERROR_CHARS, SqlStore, keyset_page, new_id, next_token, utc
from storage.tables import EntryRow, JobRow, ProcessedEventRow, table_of

# The job that finishes a pending entry (``narrative.service.STRUCTURE_JOB``; a test holds them
# equal). ``add_entry`` queues it with the entry, in one transaction, so no pending entry is ever
# without the job that finishes it, whatever dies when. It is due only after a grace period: the
# writer normally structures the entry at once, and the job then finds it structured and stops.
PENDING_ENTRY_JOB = "structure_entry"
PENDING_ENTRY_GRACE = dt.timedelta(minutes=5)


def _new_entry_id() -> str:
    # People type entry ids ("coco show 3f9a1c2b7d4e"); 48 random bits keep collisions negligible
    # per workspace, and add_entry retries on the rare clash anyway.
    return uuid4().hex[:12]


def _entry_record(row: EntryRow) -> EntryRecord:
    return EntryRecord.model_validate(row, from_attributes=True)


class SqlEntryStore(SqlStore):
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
        at = utc(at, "at")
        now = utcnow()
        origin = ENTRY_ORIGIN.get()
        for _attempt in range(5):
            entry = EntryRecord(
                id=_new_entry_id(),
                workspace_id=workspace_id,
                project_id=project_id,
                author=author,
                at=at,
                source=source,
                raw_text=raw_text,
                status="pending",
                channel=channel,
                thread_ts=thread_ts,
                created_at=now,
                updated_at=now,
            )
            async with self._session(write=True) as session:
                await self._require_project(session, workspace_id, project_id)
                if origin is not None:
                    # A replayed inbound (its first worker died) finds the entry it already stored.
                    earlier = (
                        await session.exec(
                            select(EntryRow).where(
                                col(EntryRow.workspace_id) == workspace_id, col(EntryRow.origin) == origin
                            )
                        )
                    ).first()
                    if earlier is not None:
                        return _entry_record(earlier)
                result = await session.exec(
                    self._insert(EntryRow)
                    .values(**entry.model_dump(), origin=origin)
                    .on_conflict_do_nothing(index_elements=["id"])
                )
                if result.rowcount == 1:
                    await session.exec(
                        self._insert(JobRow)
                        .values(
                            id=new_id(), workspace_id=workspace_id, kind=PENDING_ENTRY_JOB,
                            payload={"entry_id": entry.id, "project_id": project_id}, status="queued",
                            attempts=0, run_after=now + PENDING_ENTRY_GRACE,
                            dedupe_key=f"{PENDING_ENTRY_JOB}:{entry.id}", created_at=now, updated_at=now,
                        )
                        .on_conflict_do_nothing(index_elements=["workspace_id", "dedupe_key"])
                    )
                    return entry
        raise StorageError("COCO's database failed: no free entry id after 5 tries.")

    async def save_structure(
        self,
        workspace_id: str,
        entry_id: str,
        structure: EntryStructure,
        *,
        status: EntryStatus = "structured",
        error: str | None = None,
        features: str | None = None,
    ) -> EntryRecord:
        """Store the entry's structure; ``features``: what the history index reads from the entry with this
        structure (``narrative.index_features``), else the stored ones are cleared (they would be stale)."""
        async with self._session(write=True) as session:
            row = await self._require_entry(session, workspace_id, entry_id)
            # Python mode, not JSON mode: pydantic's JSON mode turns NaN metrics into null, which
            # would not validate back; the engine's serializer spells them "NaN" instead.
            row.structure = structure.model_dump()
            row.features = features
            row.status = status
            row.error = error[:MAX_ERROR_CHARS] if error is not None else None
            row.updated_at = utcnow()
            await session.flush()
            return _entry_record(row)

    async def store_features(self, workspace_id: str, features: Sequence[tuple[str, dt.datetime, str]]) -> None:
        if not features:
            return
        table = table_of(EntryRow)
        stmt = (update(table)
                .where(table.c.workspace_id == workspace_id, table.c.id == bindparam("entry_id"),
                       table.c.updated_at == bindparam("read_at"))  # an entry changed since keeps its own
                .values(features=bindparam("new_features")))
        rows = [{"entry_id": eid, "read_at": at, "new_features": text} for eid, at, text in features]
        async with self._session(write=True) as session:
            connection = await session.connection()
            await connection.execute(stmt, rows)

    async def mark_entry_error(self, workspace_id: str, entry_id: str, error: str) -> EntryRecord:
        """Record why structuring failed; the status is left as it was (normally ``pending``)."""
        async with self._session(write=True) as session:
            row = await self._require_entry(session, workspace_id, entry_id)
            row.error = error[:MAX_ERROR_CHARS]
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
            stmt = stmt.where(at >= utc(since, "since"))
        if until is not None:
            stmt = stmt.where(at < utc(until, "until"))
        if status is not None:
            stmt = stmt.where(col(EntryRow.status) == status)
        stmt = keyset_page(stmt, at=at, key=entry_id, page_token=page_token, limit=limit)
        async with self._session() as session:
            rows = list((await session.exec(stmt)).all())
        return [_entry_record(r) for r in rows[:limit]], next_token(rows, limit, at="at", key="id")

    async def list_entries_changed(
        self,
        workspace_id: str,
        *,
        project_id: str,
        since: dt.datetime,
        limit: int = 1000,
        page_token: str | None = None,
    ) -> tuple[list[EntryRecord], str | None]:
        """Entries with ``updated_at >= since``, ordered by (``updated_at``, id); keyset pages on that key."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        updated, entry_id = col(EntryRow.updated_at), col(EntryRow.id)
        stmt = select(EntryRow).where(
            col(EntryRow.workspace_id) == workspace_id, col(EntryRow.project_id) == project_id,
            updated >= utc(since, "since"),
        )
        stmt = keyset_page(stmt, at=updated, key=entry_id, page_token=page_token, limit=limit)
        async with self._session() as session:
            rows = list((await session.exec(stmt)).all())
        return [_entry_record(r) for r in rows[:limit]], next_token(rows, limit, at="updated_at", key="id")

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
        origin = ENTRY_ORIGIN.get()
        async with self._session(write=True) as session:
            row = await self._require_entry(session, workspace_id, entry_id)
            if origin is not None:
                # A replayed inbound (its first worker died after appending a correction or an edit) must not
                # append again: the event is marked in the transaction that appends, so one append wins.
                marked = await session.exec(
                    self._insert(ProcessedEventRow)
                    .values(id=new_id(), workspace_id=workspace_id, event_key=f"appended:{origin}:{entry_id}",
                            created_at=utcnow())
                    .on_conflict_do_nothing(index_elements=["workspace_id", "event_key"])
                )
                if marked.rowcount == 0:
                    return _entry_record(row)
            row.raw_text = row.raw_text + addition
            row.features = None  # read from the old text
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

    async def _require_entry(self, session: AsyncSession, workspace_id: str, entry_id: str) -> EntryRow:
        result = await session.exec(
            select(EntryRow).where(col(EntryRow.workspace_id) == workspace_id, col(EntryRow.id) == entry_id)
        )
        row = result.first()
        if row is None:
            raise UserInputError(f"No entry {entry_id!r} in this workspace.")
        return row


if TYPE_CHECKING:
    from storage.ports import EntryStore

    def _implements_the_port(store: SqlEntryStore) -> EntryStore:
        return store  # mypy checks the class against the Protocol here
