"""The storage ports: every read and write of COCO's state, scoped to one workspace.

One narrow protocol per aggregate (``WorkspaceStore``, ``ProjectStore``, ``EntryStore``,
``RunCache``, ``HistoryStore``, ``ChatStore``, ``JobQueue``, ``UsageStore``), so that a function can
ask for just the part it uses, and ``Repository``, their union, for code that uses them all.
``storage.repository.SqlRepository`` implements the union over SQLModel (SQLite or PostgreSQL), one
``storage.sql`` module per port. Other layers depend on these protocols only, so a test can hand them
any object with these methods. Paging is explicit: list methods that can grow take ``limit`` and
``page_token`` and return ``(items, next_page_token)``.

This module imports no SQLAlchemy: layers that only type against the ports stay quick to import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from storage.records import (
    ApproachRecord,
    DecisionRecord,
    EntryRecord,
    EntrySource,
    EntryStatus,
    EntryStructure,
    Goal,
    HistoryMarks,
    InboxRecord,
    JobRecord,
    MetricChange,
    NudgePrefRecord,
    NudgeSwitchRecord,
    ProjectRecord,
    ReplyRecord,
    RunSnapshot,
    TeamsConversationRecord,
    UsageRecord,
    UserRecord,
    WorkspaceRecord,
)

__all__ = [
    "ChatStore",
    "EntryStore",
    "HistoryStore",
    "InboxQueue",
    "InboxStore",
    "JobQueue",
    "NudgeStore",
    "ProjectStore",
    "Repository",
    "RunCache",
    "TeamsStore",
    "UsageStore",
    "WorkspaceStore",
]


class WorkspaceStore(Protocol):
    """A tenant: one chat workspace (Slack team, Teams tenant) or the local CLI."""

    async def ensure_workspace(self, key: str, *, platform: str, name: str = "") -> WorkspaceRecord: ...

    async def get_workspace(self, workspace_id: str) -> WorkspaceRecord: ...

    async def list_workspaces(self, *, platform: str | None = None) -> list[WorkspaceRecord]:
        """Every workspace (of one platform): a bot's background loops serve each of them."""
        ...


class ProjectStore(Protocol):
    """Projects, their tracker scope, linked channels, settings and dated metric switches."""

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
        """Create, or update in place when a project of that name exists (idempotent)."""
        ...

    async def get_project(self, workspace_id: str, name: str) -> ProjectRecord:
        """Raises ``ProjectNotFoundError`` (with the known names)."""
        ...

    async def get_project_by_id(self, workspace_id: str, project_id: str) -> ProjectRecord: ...

    async def list_projects(self, workspace_id: str) -> list[ProjectRecord]: ...

    async def find_project_by_channel(self, workspace_id: str, channel: str) -> ProjectRecord | None: ...

    async def link_channel(self, workspace_id: str, project_id: str, channel: str) -> ProjectRecord: ...

    async def record_metric_change(
        self, workspace_id: str, project_id: str, change: MetricChange
    ) -> ProjectRecord:
        """Append a dated metric switch (idempotent for the same entry and metric)."""
        ...

    async def update_project_settings(
        self, workspace_id: str, project_id: str, settings: dict[str, object]
    ) -> ProjectRecord: ...


class EntryStore(Protocol):
    """Entries: a person's raw text, kept verbatim, and the structure an engine made of it."""

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
        """Store the raw text at once, status ``pending``. Never fails silently."""
        ...

    async def save_structure(
        self,
        workspace_id: str,
        entry_id: str,
        structure: EntryStructure,
        *,
        status: EntryStatus = "structured",
        error: str | None = None,
        features: str | None = None,
    ) -> EntryRecord: ...

    async def store_features(self, workspace_id: str, features: Sequence[tuple[str, dt.datetime, str]]) -> None:
        """Store features the history index computed again (entry id, the entry's ``updated_at`` they were read
        from, features) where the entry is unchanged since; its ``updated_at`` is left as it is (this is no
        change to the history)."""
        ...

    async def mark_entry_error(self, workspace_id: str, entry_id: str, error: str) -> EntryRecord: ...

    async def get_entry(self, workspace_id: str, entry_id: str) -> EntryRecord: ...

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
        """Entries ordered by ``at`` ascending."""
        ...

    async def list_entries_changed(
        self,
        workspace_id: str,
        *,
        project_id: str,
        since: dt.datetime,
        limit: int = 1000,
        page_token: str | None = None,
    ) -> tuple[list[EntryRecord], str | None]:
        """The project's entries written or changed at or after ``since`` (``updated_at``), ordered by
        (``updated_at``, id): what a reader holding the project's history as of ``since`` must take in."""
        ...

    async def delete_entry(self, workspace_id: str, entry_id: str) -> None: ...

    async def append_entry_text(self, workspace_id: str, entry_id: str, addition: str) -> EntryRecord:
        """Append a correction to an entry's raw text (the original text stays, verbatim, in front)
        and mark it ``pending`` so that it is structured again."""
        ...

    async def move_entry(self, workspace_id: str, entry_id: str, project_id: str) -> EntryRecord:
        """Move an entry to another project of the workspace; it becomes ``pending`` (its runs are
        the other project's to link)."""
        ...


class RunCache(Protocol):
    """The tracker's runs as last seen, per project."""

    async def upsert_runs(self, workspace_id: str, runs: Sequence[RunSnapshot]) -> int:
        """Store new and changed snapshots (an unchanged one is not written: the history stamp stays);
        how many were written."""
        ...

    async def list_run_ids(self, workspace_id: str, project_id: str, *, statuses: Sequence[str]) -> list[str]:
        """The ids of the project's cached runs whose status is one of ``statuses``."""
        ...

    def sync_turn(
        self, workspace_id: str, project_id: str, *, wait: float = 0.0
    ) -> AbstractAsyncContextManager[bool]:
        """``async with repo.sync_turn(...) as mine``: ``mine`` is True for the one caller (across
        replicas) that may sync the project's runs until the block ends; False when another held the
        turn for all of ``wait`` seconds."""
        ...

    async def get_runs(
        self, workspace_id: str, project_id: str, run_ids: Sequence[str]
    ) -> dict[str, RunSnapshot]: ...

    async def list_runs(
        self,
        workspace_id: str,
        project_id: str,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 10000,
        page_token: str | None = None,
    ) -> tuple[list[RunSnapshot], str | None]: ...

    async def list_runs_changed(
        self,
        workspace_id: str,
        project_id: str,
        *,
        since: dt.datetime,
        limit: int = 10000,
        page_token: str | None = None,
    ) -> tuple[list[RunSnapshot], str | None]:
        """The project's snapshots stored or refreshed with ``fetched_at`` at or after ``since``, ordered
        by (``fetched_at``, run id)."""
        ...


class HistoryStore(Protocol):
    """A project's approaches and decisions, and the stamp of its whole history."""

    async def replace_approaches(
        self, workspace_id: str, project_id: str, approaches: Sequence[ApproachRecord]
    ) -> None: ...

    async def list_approaches(self, workspace_id: str, project_id: str) -> list[ApproachRecord]: ...

    async def add_decision(self, workspace_id: str, decision: DecisionRecord) -> DecisionRecord: ...

    async def list_decisions(self, workspace_id: str, project_id: str) -> list[DecisionRecord]: ...

    async def history_stamp(self, workspace_id: str, project_id: str) -> str:
        """Changes whenever the project's entries, run snapshots, decisions or metric history change."""
        ...

    async def history_marks(self, workspace_id: str, project_id: str) -> HistoryMarks:
        """The stamp in parts (``history_stamp`` is ``history_marks(...).stamp``)."""
        ...


class ChatStore(Protocol):
    """Chat people, the messages COCO posted, and inbound events already handled."""

    async def get_user(self, workspace_id: str, platform_user_id: str) -> UserRecord | None: ...

    async def save_user(self, user: UserRecord) -> UserRecord:
        """Insert or replace the person's row (keyed by workspace and platform user id)."""
        ...

    async def list_users(self, workspace_id: str) -> list[UserRecord]: ...

    async def save_reply(self, reply: ReplyRecord) -> ReplyRecord:
        """Insert or replace the row of one posted message (keyed by workspace, channel, ts)."""
        ...

    async def get_reply(self, workspace_id: str, channel: str, message_ts: str) -> ReplyRecord | None: ...

    async def thread_replies(self, workspace_id: str, channel: str, thread_ts: str) -> list[ReplyRecord]:
        """COCO's messages in a thread (and the thread's root, when COCO posted it), oldest first."""
        ...

    async def entry_replies(self, workspace_id: str, entry_id: str) -> list[ReplyRecord]: ...

    async def pending_replies(self, workspace_id: str, *, limit: int = 100) -> list[ReplyRecord]:
        """Messages that show a pending entry, oldest first: to update once the entry is finished."""
        ...

    async def claim_event(self, workspace_id: str, event_key: str) -> bool:
        """True the first time an inbound event key is seen, False for every repeat."""
        ...


class JobQueue(Protocol):
    """Durable jobs, claimed by any number of workers, each run once."""

    async def enqueue_job(
        self,
        workspace_id: str,
        *,
        kind: str,
        payload: dict[str, object],
        run_after: dt.datetime | None = None,
        dedupe_key: str | None = None,
    ) -> JobRecord:
        """Queue work; a second job with the same ``dedupe_key`` is not created (the first is returned)."""
        ...

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
        """Claim due jobs (of one workspace when ``workspace_id`` is given) with ``FOR UPDATE SKIP
        LOCKED`` on PostgreSQL, so that one job runs once however many replicas poll; an expired
        lease makes a job claimable again."""
        ...

    async def finish_job(self, job_id: str, *, error: str | None = None, retry_at: dt.datetime | None = None) -> None:
        """Done when ``error`` is None; otherwise failed, or queued again at ``retry_at``."""
        ...


class UsageStore(Protocol):
    """Tokens and cost of model calls."""

    async def record_usage(self, usage: UsageRecord) -> None: ...

    async def list_usage(self, workspace_id: str, *, since: dt.datetime | None = None) -> list[UsageRecord]: ...


class TeamsStore(Protocol):
    """Microsoft Teams conversation references: where COCO may post unprompted (digests, updates)."""

    async def save_teams_conversation(self, record: TeamsConversationRecord) -> None:
        """Insert or replace the reference (keyed by workspace and conversation key)."""
        ...

    async def get_teams_conversation(
        self, workspace_id: str, conversation_key: str
    ) -> TeamsConversationRecord | None: ...

    async def personal_teams_conversation(self, workspace_id: str, user_id: str) -> TeamsConversationRecord | None:
        """The person's personal chat with COCO, when they ever wrote there."""
        ...


class NudgeStore(Protocol):
    """End-of-day nudges: each person's preferences and last nudge, and the workspace-wide switch."""

    async def get_nudge_pref(self, workspace_id: str, platform_user_id: str) -> NudgePrefRecord | None: ...

    async def save_nudge_pref(self, record: NudgePrefRecord) -> NudgePrefRecord:
        """Insert or replace the person's row (keyed by workspace and platform user id)."""
        ...

    async def list_nudge_prefs(self, workspace_id: str, *, enabled_only: bool = True) -> list[NudgePrefRecord]: ...

    async def nudge_pref_by_channel(self, workspace_id: str, channel: str) -> NudgePrefRecord | None:
        """The person whose last nudge went to this conversation (their DM with COCO)."""
        ...

    async def get_nudge_switch(self, workspace_id: str) -> NudgeSwitchRecord:
        """The workspace's switch; on when nobody ever turned it."""
        ...

    async def set_nudge_switch(self, workspace_id: str, *, enabled: bool, changed_by: str) -> NudgeSwitchRecord: ...


class InboxStore(Protocol):
    """The durable inbox of chat events: stored (raw payload, dedupe key) before the platform's ack,
    claimed under a lease by a live worker of any replica, and handed off as reply jobs. Like the
    job queue it works across workspaces: one worker pool serves every tenant."""

    async def accept_event(
        self,
        workspace_id: str,
        *,
        platform: str,
        event_key: str,
        kind: str,
        payload: dict[str, Any],
        worker: str,
        lease_seconds: int,
    ) -> InboxRecord | None:
        """Store the event claimed by ``worker``, in the transaction that dedupes it; None if seen before."""
        ...

    async def claim_inbound(
        self, *, platform: str, worker: str, lease_seconds: int, limit: int = 20, now: dt.datetime | None = None
    ) -> list[InboxRecord]:
        """Claim events nobody handles: queued and due, or running under a lease that has passed."""
        ...

    async def hand_off_inbound(
        self, inbox_id: str, *, worker: str, job_kind: str, replies: Sequence[dict[str, Any]], lease_seconds: int
    ) -> list[JobRecord]:
        """Mark the event handled and queue its replies as jobs claimed by ``worker``, in one transaction."""
        ...

    async def retry_inbound(self, inbox_id: str, *, error: str, retry_at: dt.datetime | None,
                            max_attempts: int) -> bool:
        """Queue a failed event again while it has attempts left, else fail it; True when retried."""
        ...

    async def renew_leases(self, *, worker: str, ids: Sequence[str], lease_seconds: int) -> int:
        """Extend the leases ``worker`` holds on these events and jobs."""
        ...

    async def release_claims(self, *, worker: str) -> int:
        """Hand back, due at once, what ``worker`` holds (shutdown)."""
        ...

    async def claim_holders(self) -> list[str]:
        """Every worker holding a claim on an event or a job."""
        ...

    async def expire_claims(self, *, workers: Sequence[str]) -> int:
        """End the leases of workers known to be dead."""
        ...

    async def inbound_counts(self, *, platform: str) -> dict[str, int]:
        """How many events are in each state."""
        ...


class InboxQueue(InboxStore, JobQueue, Protocol):
    """What an inbox worker uses: the inbox and the job queue its replies go through."""


class Repository(
    WorkspaceStore, ProjectStore, EntryStore, RunCache, HistoryStore, ChatStore, JobQueue, UsageStore, InboxStore,
    TeamsStore, NudgeStore, Protocol,
):
    """Every port at once, over one connection pool."""

    async def aclose(self) -> None: ...
