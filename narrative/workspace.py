"""The workspace's own records as service operations: people, projects, entries and COCO's posted
messages, each scoped to the narrator's workspace.

Front ends (``bot/``) call these instead of the repository, so that what an edit, a discard, a move, a
correction or a routing *means* (which rows change together, what becomes ``pending``) is written once,
here, for every platform. ``Narrator`` inherits this mixin; it needs only ``repo`` and ``workspace_id``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.errors import UserInputError
from narrative.redact import DoorText, redact_at_door
from storage.ports import Repository
from storage.records import (
    EntryRecord,
    EntryStatus,
    EntryStructure,
    ProjectRecord,
    ReplyRecord,
    RunSnapshot,
    TeamsConversationRecord,
    UserRecord,
    WorkspaceRecord,
)

if TYPE_CHECKING:
    from narrative.usage import UsageRow


# A project name is a short label people type and read in one line (CLI, chat, digests).
MAX_PROJECT_NAME = 80
# Entries are dated inside a tracker's life: before 1970 or more than a day ahead is a typo, and year 1
# or 9999 would overflow the date arithmetic of every later read (windows, digests, retries).
EARLIEST_ENTRY = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def check_project_name(name: str) -> str:
    """The name as stored (trimmed), or a one-line ``UserInputError``: one line, printable, short.

    Shared by the CLI and chat (both create projects through the narrator), so a name with a newline
    or 100,000 characters is refused the same way everywhere; the refusal never echoes the name."""
    cleaned = name.strip()
    if not cleaned:
        raise UserInputError("A project needs a name.")
    if len(cleaned) > MAX_PROJECT_NAME:
        raise UserInputError(f"A project name is at most {MAX_PROJECT_NAME} characters "
                             f"(that one has {len(cleaned):,}).")
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in cleaned):
        raise UserInputError("A project name is one line of text, without tabs, line breaks or control characters.")
    return cleaned


def check_entry_time(at: dt.datetime | None, *, now: dt.datetime) -> None:
    """Refuse an entry time outside 1970 .. a day from now (a typo, and an overflow further on)."""
    if at is None:
        return
    moment = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    try:
        late = moment > now + dt.timedelta(days=1)
    except OverflowError:
        late = True
    if moment < EARLIEST_ENTRY:
        raise UserInputError(f"An entry cannot be dated {at:%Y-%m-%d}: give a time after 1970.")
    if late:
        raise UserInputError(f"An entry cannot be dated {at:%Y-%m-%d}: that is in the future.")


# -- the workspaces a bot serves (before any narrator exists) ---------------------------------------
async def enter_workspace(store: Repository, workspace_key: str, *, platform: str) -> str:
    """The id of the workspace with this key (``slack:T0123``), created on its first message."""
    return (await store.ensure_workspace(workspace_key, platform=platform)).id


async def workspace_ids(store: Repository, *, platform: str | None = None) -> list[str]:
    """Every workspace's id (of one platform): what a bot's background loops serve."""
    return [w.id for w in await store.list_workspaces(platform=platform)]


class WorkspaceOperations:
    """People, projects, entries and posted messages of one workspace (mixed into ``Narrator``)."""

    repo: Repository
    workspace_id: str

    async def usage_rows(self, *, since: dt.datetime) -> list[UsageRow]:
        """The workspace's model usage from ``since`` on, each row with the cost recorded at the time."""
        from narrative.usage import RepositoryUsageRecorder

        return await RepositoryUsageRecorder(self.repo).rows(self.workspace_id, since=since)

    # -- the workspace and its people --------------------------------------------------------
    async def workspace(self) -> WorkspaceRecord:
        return await self.repo.get_workspace(self.workspace_id)

    async def person(self, platform_user_id: str) -> UserRecord | None:
        return await self.repo.get_user(self.workspace_id, platform_user_id)

    async def meet(self, platform_user_id: str, *, name: str = "", email: str = "") -> UserRecord:
        """The person's row, created on first contact and refreshed when their name or e-mail changed."""
        known = await self.repo.get_user(self.workspace_id, platform_user_id)
        if known is None:
            known = UserRecord(workspace_id=self.workspace_id, platform_user_id=platform_user_id)
        elif (not name or name == known.display_name) and (not email or email == known.email):
            return known
        return await self.repo.save_user(
            known.model_copy(update={"display_name": name or known.display_name, "email": email or known.email})
        )

    async def set_default_project(self, person: UserRecord, project: ProjectRecord) -> UserRecord:
        return await self.repo.save_user(person.model_copy(update={"default_project_id": project.id}))

    async def set_tracker_user(self, person: UserRecord, tracker_user: str) -> UserRecord:
        return await self.repo.save_user(person.model_copy(update={"tracker_user": tracker_user.strip()}))

    # -- projects -------------------------------------------------------------------------------
    async def projects(self) -> list[ProjectRecord]:
        return await self.repo.list_projects(self.workspace_id)

    async def project_by_id(self, project_id: str) -> ProjectRecord:
        return await self.repo.get_project_by_id(self.workspace_id, project_id)

    async def project_for_channel(self, channel: str) -> ProjectRecord | None:
        return await self.repo.find_project_by_channel(self.workspace_id, channel)

    async def link_channel(self, project: ProjectRecord, channel: str) -> ProjectRecord:
        return await self.repo.link_channel(self.workspace_id, project.id, channel)

    async def update_project_settings(self, project: ProjectRecord, settings: dict[str, object]) -> ProjectRecord:
        return await self.repo.update_project_settings(self.workspace_id, project.id, settings)

    # -- cached runs ------------------------------------------------------------------------------
    async def cached_runs(self, project: ProjectRecord, run_ids: Sequence[str]) -> dict[str, RunSnapshot]:
        """The stored snapshots of these runs (those COCO has seen), by id."""
        return await self.repo.get_runs(self.workspace_id, project.id, list(dict.fromkeys(run_ids)))

    async def tracker_users(self, project: ProjectRecord) -> set[str]:
        """The tracker user names that own the project's stored runs."""
        runs, _ = await self.repo.list_runs(self.workspace_id, project.id)
        return {r.user for r in runs if r.user}

    # -- entries ----------------------------------------------------------------------------------
    async def entry(self, entry_id: str) -> EntryRecord:
        """Raises ``UserInputError`` when there is no such entry (never was, or was discarded)."""
        return await self.repo.get_entry(self.workspace_id, entry_id)

    async def entries(
        self,
        *,
        project: ProjectRecord | None = None,
        author: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        status: EntryStatus | None = None,
        limit: int = 1000,
        page_token: str | None = None,
    ) -> tuple[list[EntryRecord], str | None]:
        """Entries oldest first, one page at a time (``page_token`` from the previous page)."""
        return await self.repo.list_entries(
            self.workspace_id, project_id=project.id if project else None, author=author, since=since,
            until=until, status=status, limit=limit, page_token=page_token,
        )

    async def check_author(self, entry_id: str, *, user_id: str) -> EntryRecord:
        """The entry, when ``user_id`` may change it: only the person who posted it may."""
        entry = await self.repo.get_entry(self.workspace_id, entry_id)
        for memo in await self.repo.entry_replies(self.workspace_id, entry_id):
            if memo.author and memo.author != user_id:
                raise UserInputError("Only the author of this entry can change it.")
        return entry

    async def edit_entry(self, entry: EntryRecord, structure: EntryStructure) -> EntryRecord:
        """Replace the entry's structure with a person's edit (it is then no longer pending)."""
        return await self.repo.save_structure(self.workspace_id, entry.id, structure, status="structured")

    async def discard_entry(self, entry: EntryRecord) -> None:
        """Delete the entry; the messages that showed it are marked discarded (the tracker is untouched)."""
        await self.repo.delete_entry(self.workspace_id, entry.id)
        for memo in await self.repo.entry_replies(self.workspace_id, entry.id):
            await self.repo.save_reply(memo.model_copy(update={"kind": "discarded", "pending": False}))

    async def move_entry(self, entry: EntryRecord, target: ProjectRecord) -> EntryRecord:
        """Move the entry to another project; it becomes pending (its runs are the target's to link)."""
        return await self.repo.move_entry(self.workspace_id, entry.id, target.id)

    async def add_correction(self, entry: EntryRecord, text: str, *, who: str, at: dt.datetime) -> EntryRecord:
        """Append a dated correction to the entry's text (the original stays in front); it becomes pending.
        Secrets are taken out first (a no-op for text that already came through ``redact_at_door``)."""
        text = redact_at_door(text).text
        return await self.repo.append_entry_text(
            self.workspace_id, entry.id, f"\n\n[correction, {at:%Y-%m-%d %H:%M} UTC, {who}] {text}"
        )

    async def finished_entries(self) -> list[tuple[ReplyRecord, ProjectRecord, EntryRecord]]:
        """Posted messages that show an entry as pending though it has since been finished (by a job
        or the CLI), with the entry and its project: each message is due an update. A message whose
        entry was discarded meanwhile stops waiting (nothing is left to show)."""
        finished: list[tuple[ReplyRecord, ProjectRecord, EntryRecord]] = []
        for memo in await self.repo.pending_replies(self.workspace_id):
            try:
                entry = await self.repo.get_entry(self.workspace_id, memo.entry_id or "")
            except UserInputError:
                await self.repo.save_reply(memo.model_copy(update={"pending": False}))
                continue
            if entry.status == "pending":
                continue
            finished.append((memo, await self.project_by_id(entry.project_id), entry))
        return finished

    # -- COCO's posted messages and the events it has seen ---------------------------------------
    async def claim_event(self, event_key: str) -> bool:
        """True the first time an event key is seen in this workspace, False for every repeat."""
        return await self.repo.claim_event(self.workspace_id, event_key)

    async def remember_reply(self, reply: ReplyRecord) -> ReplyRecord:
        return await self.repo.save_reply(reply)

    async def posted_reply(self, channel: str, message_id: str) -> ReplyRecord | None:
        return await self.repo.get_reply(self.workspace_id, channel, message_id)

    async def thread_replies(self, channel: str, thread_id: str) -> list[ReplyRecord]:
        return await self.repo.thread_replies(self.workspace_id, channel, thread_id)

    async def pending_replies(self) -> list[ReplyRecord]:
        return await self.repo.pending_replies(self.workspace_id)

    async def remember_teams_conversation(self, record: TeamsConversationRecord) -> None:
        """Keep where COCO may post later in Teams (digests, updates): the conversation reference."""
        await self.repo.save_teams_conversation(record.model_copy(update={"workspace_id": self.workspace_id}))

    async def teams_conversation(self, conversation_key: str) -> TeamsConversationRecord | None:
        return await self.repo.get_teams_conversation(self.workspace_id, conversation_key)

    async def personal_teams_conversation(self, user_id: str) -> TeamsConversationRecord | None:
        return await self.repo.personal_teams_conversation(self.workspace_id, user_id)

    async def thread_entry(self, channel: str, thread_id: str) -> tuple[ReplyRecord, EntryRecord] | None:
        """The entry a thread is about, when COCO posted an entry in it (and it still exists)."""
        for memo in await self.repo.thread_replies(self.workspace_id, channel, thread_id):
            if memo.entry_id and memo.kind == "entry":
                try:
                    return memo, await self.repo.get_entry(self.workspace_id, memo.entry_id)
                except UserInputError:
                    return None
        return None

    async def take_held_note(self, channel: str, message_id: str) -> ReplyRecord | None:
        """The note held for routing (a DM sent before the person had a default project), claimed
        once: ``None`` for a double click or a retry, which the first click already files."""
        if not await self.repo.claim_event(self.workspace_id, f"route:{channel}:{message_id}"):
            return None
        held = await self.repo.get_reply(self.workspace_id, channel, message_id)
        if held is None or not held.held_text:
            raise UserInputError("That note was already filed.")
        return held

    async def mark_routed(self, held: ReplyRecord, *, entry_id: str | None) -> None:
        await self.repo.save_reply(held.model_copy(update={"held_text": None, "kind": "routed", "entry_id": entry_id}))

    async def hold_note(self, channel: str, message_id: str, *, author: str, text: str) -> DoorText:
        """Keep a DM (stored: it is never lost) until its author says which project it is for; its
        secrets are taken out first, and what was removed is returned for the reply to say."""
        door = redact_at_door(text)
        await self.repo.save_reply(
            ReplyRecord(workspace_id=self.workspace_id, channel=channel, message_ts=message_id, kind="held",
                        author=author, held_text=door.text)
        )
        return door
