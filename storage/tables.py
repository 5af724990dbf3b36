"""SQLModel tables: the repository's private representation of ``storage.records``.

A table holds its record's fields under the same names (read back by attribute, written from
``record.model_dump()``, no mapper in between; only the run snapshot renames three reserved words)
plus what only storage needs: row ids, the owning workspace, ordering and locking columns.

Conventions, chosen so that one schema behaves the same on SQLite and PostgreSQL:

* Every table is prefixed ``coco_``: at scale COCO may share a PostgreSQL database with other tools
  (MLflow's backend store has ``runs``, ``experiments``, ``alembic_version``...).
* Every row that belongs to a project also carries ``workspace_id``, and a composite foreign key
  ``(workspace_id, project_id) -> coco_project(workspace_id, id)`` makes it impossible, at the
  database level, for a row to point at another workspace's project.
* Lists and dicts are ``JSON`` columns (text on SQLite, ``json`` on PostgreSQL). Nothing queries
  inside them, so the portable type is enough.
* Times are :class:`UTCDateTime`: always stored in UTC and always read back timezone-aware.
* Goals, statuses and kinds are plain strings; the pydantic records validate them on the way out.

Changing anything here needs a new migration in ``storage/migrations/versions`` (and a bump of
``storage.schema_version.HEAD_REVISION``); ``tests/storage`` compares the migrated database with
these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.records import utcnow


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and returned timezone-aware.

    SQLite has no time zone type: SQLAlchemy writes the wall-clock digits and drops ``tzinfo``, so a
    ``+02:00`` value would silently shift by two hours. Converting to UTC on the way in keeps the
    stored text fixed-width and sortable, and attaching UTC on the way out gives every layer aware
    values on both backends. Naive values are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: COCO stores aware UTC times")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# Every constraint is named: SQLite can only alter a table by copying it ("batch" migrations), and
# that needs names to address constraints.
def _project_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["workspace_id", "project_id"],
        ["coco_project.workspace_id", "coco_project.id"],
        name=f"fk_{table}_project",
    )


def _workspace_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["workspace_id"], ["coco_workspace.id"], name=f"fk_{table}_workspace")


class WorkspaceRow(SQLModel, table=True):
    __tablename__ = "coco_workspace"
    __table_args__ = (UniqueConstraint("key", name="uq_coco_workspace_key"),)

    id: str = Field(primary_key=True)
    key: str  # "cli:local", "slack:T0123", "teams:<tenant>"
    platform: str
    name: str = ""
    timezone: str = "UTC"
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProjectRow(SQLModel, table=True):
    __tablename__ = "coco_project"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_coco_project_workspace_name"),
        # Target of the composite foreign keys of every project-owned table.
        UniqueConstraint("workspace_id", "id", name="uq_coco_project_workspace_id"),
        _workspace_fk("coco_project"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    name: str
    tracker_kind: str = "mlflow"
    tracker_uri: str = ""
    experiment_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    experiment_names: list[str] = Field(default_factory=list, sa_type=JSON)
    channels: list[str] = Field(default_factory=list, sa_type=JSON)
    # The metric in force when the project was created; later switches live in coco_metric_change.
    primary_metric: str | None = None
    goal: str = "max"
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MetricChangeRow(SQLModel, table=True):
    __tablename__ = "coco_metric_change"
    __table_args__ = (
        _project_fk("coco_metric_change"),
        # NULL entry ids are distinct in a unique constraint on both backends, so changes made
        # without an entry are deduplicated by the repository instead.
        UniqueConstraint("project_id", "entry_id", "metric", name="uq_coco_metric_change_entry_metric"),
        Index("ix_coco_metric_change_project_at", "project_id", "at"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    project_id: str
    at: dt.datetime = Field(sa_type=UTCDateTime)
    metric: str
    goal: str
    reason: str = Field(default="", sa_type=Text)
    # Loose reference: a metric switch stays part of the history even if its entry is deleted.
    entry_id: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EntryRow(SQLModel, table=True):
    __tablename__ = "coco_entry"
    __table_args__ = (
        _project_fk("coco_entry"),
        # ``id`` closes both indexes so keyset paging on (at, id) is served by the index alone.
        Index("ix_coco_entry_workspace_project_at", "workspace_id", "project_id", "at", "id"),
        Index("ix_coco_entry_workspace_author_at", "workspace_id", "author", "at"),
        # What changed since a reader's copy (``list_entries_changed``, the stamp's max): a range scan.
        Index("ix_coco_entry_workspace_project_updated", "workspace_id", "project_id", "updated_at", "id"),
        # One entry per inbound event: a replayed event (after a crash) finds its entry instead of
        # adding a second. NULL origins (the CLI) never collide.
        UniqueConstraint("workspace_id", "origin", name="uq_coco_entry_workspace_origin"),
    )

    id: str = Field(primary_key=True)  # uuid4().hex[:12]: short enough to type
    workspace_id: str
    project_id: str
    author: str
    at: dt.datetime = Field(sa_type=UTCDateTime)
    source: str = "cli"
    raw_text: str = Field(sa_type=Text)  # exactly as typed, never rewritten
    status: str = "pending"
    structure: dict[str, Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    error: str | None = Field(default=None, sa_type=Text)
    channel: str | None = None
    thread_ts: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The inbound event the entry came from (``storage.origin``), storage's own: not in the record.
    origin: str | None = None
    # What the history index reads from the text (``EntryRecord.features``); cleared when the text or
    # structure changes without new features.
    features: str | None = Field(default=None, sa_type=Text)


class RunSnapshotRow(SQLModel, table=True):
    __tablename__ = "coco_run_snapshot"
    __table_args__ = (
        _project_fk("coco_run_snapshot"),
        # The conflict target of the bulk upsert.
        UniqueConstraint("project_id", "run_id", name="uq_coco_run_snapshot_project_run"),
        Index("ix_coco_run_snapshot_workspace_project_start", "workspace_id", "project_id", "start_time",
              "run_id"),
        # What was refreshed since a reader's copy (``list_runs_changed``, the stamp's max): a range scan.
        Index("ix_coco_run_snapshot_workspace_project_fetched", "workspace_id", "project_id", "fetched_at",
              "run_id"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    project_id: str
    run_id: str
    run_name: str = ""
    experiment_id: str = ""
    # ``user``, ``start`` and ``end`` are reserved words in PostgreSQL; avoid quoting surprises in
    # hand-written SQL.
    username: str = ""
    status: str = ""
    start_time: dt.datetime = Field(sa_type=UTCDateTime)
    end_time: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    params: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    metrics: dict[str, float] = Field(default_factory=dict, sa_type=JSON)
    tags: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    url: str = ""
    fetched_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApproachRow(SQLModel, table=True):
    __tablename__ = "coco_approach"
    __table_args__ = (
        _project_fk("coco_approach"),
        Index("ix_coco_approach_project_position", "project_id", "position"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    project_id: str
    position: int = Field(default=0, sa_type=Integer)  # keeps the order the caller gave
    name: str
    status: str = "open"
    reason: str = Field(default="", sa_type=Text)
    run_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    entry_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DecisionRow(SQLModel, table=True):
    __tablename__ = "coco_decision"
    __table_args__ = (
        _project_fk("coco_decision"),
        Index("ix_coco_decision_workspace_project_at", "workspace_id", "project_id", "at"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    project_id: str
    kind: str
    at: dt.datetime = Field(sa_type=UTCDateTime)
    text: str = Field(sa_type=Text)
    rationale: str = Field(default="", sa_type=Text)
    metric: str | None = None
    goal: str | None = None
    run_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    entry_id: str | None = None
    author: str = ""
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProcessedEventRow(SQLModel, table=True):
    """The inbox: every inbound chat event, stored (raw payload and dedupe key) before it is acked.

    It began as a dedupe log (``event_key`` only); since 0004 the same row is the durable inbox: the
    unique key dedupes a delivery and the insert stores its payload in one statement, and the worker
    claims rows under a lease as ``coco_job`` does, so an acked event is finished after any restart,
    on any replica. Rows written only to dedupe (``claim_event``) are born ``done``."""

    __tablename__ = "coco_processed_event"
    __table_args__ = (
        UniqueConstraint("workspace_id", "event_key", name="uq_coco_processed_event_workspace_key"),
        Index("ix_coco_processed_event_status_run_after", "status", "run_after"),
        _workspace_fk("coco_processed_event"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    event_key: str
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # for pruning
    platform: str = ""
    kind: str = ""
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    status: str = "done"  # queued | running | handled | done | failed
    attempts: int = Field(default=0, sa_type=Integer)
    run_after: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    locked_by: str | None = None
    locked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobRow(SQLModel, table=True):
    __tablename__ = "coco_job"
    __table_args__ = (
        # NULL dedupe keys never collide, so only keyed jobs are deduplicated.
        UniqueConstraint("workspace_id", "dedupe_key", name="uq_coco_job_workspace_dedupe"),
        Index("ix_coco_job_status_run_after", "status", "run_after"),
        _workspace_fk("coco_job"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    kind: str
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = "queued"
    attempts: int = Field(default=0, sa_type=Integer)
    run_after: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    dedupe_key: str | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    locked_by: str | None = None
    # A running job whose lease has passed is presumed abandoned (its worker died) and is claimable.
    locked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ModelUsageRow(SQLModel, table=True):
    __tablename__ = "coco_model_usage"
    __table_args__ = (
        Index("ix_coco_model_usage_workspace_at", "workspace_id", "at"),
        _workspace_fk("coco_model_usage"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    job: str
    model: str
    input_tokens: int = Field(default=0, sa_type=Integer)
    output_tokens: int = Field(default=0, sa_type=Integer)
    cache_write_tokens: int = Field(default=0, sa_type=Integer)
    cache_read_tokens: int = Field(default=0, sa_type=Integer)
    # Frozen at insert: a later price change must not rewrite what a month cost.
    cost_usd: float = 0.0
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserRow(SQLModel, table=True):
    """A chat person (Slack or Teams user) as COCO knows them: who they are in the tracker and
    which project their DMs go to. ``tracker_user`` is set only by an explicit ``/coco me``; the
    inferred mapping (e-mail local part, display name) is recomputed, as tracker users change."""

    __tablename__ = "coco_user"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform_user_id", name="uq_coco_user_workspace_platform_user"),
        _workspace_fk("coco_user"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    platform_user_id: str
    tracker_user: str | None = None
    # Loose reference (no foreign key): a deleted project simply stops being anyone's default.
    default_project_id: str | None = None
    display_name: str = ""
    email: str = ""
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReplyRow(SQLModel, table=True):
    """A message COCO posted (or a person's message COCO holds text for), so that button clicks,
    thread replies and the job worker find the entry behind it, and a pending entry's message can
    be updated once the entry is finished."""

    __tablename__ = "coco_reply"
    __table_args__ = (
        UniqueConstraint("workspace_id", "channel", "message_ts", name="uq_coco_reply_workspace_channel_ts"),
        Index("ix_coco_reply_workspace_channel_thread", "workspace_id", "channel", "thread_ts"),
        Index("ix_coco_reply_workspace_entry", "workspace_id", "entry_id"),
        Index("ix_coco_reply_workspace_pending", "workspace_id", "pending"),
        _workspace_fk("coco_reply"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    channel: str
    message_ts: str
    thread_ts: str | None = None
    # Loose reference: a discarded entry leaves its message (now saying so) behind.
    entry_id: str | None = None
    kind: str  # "entry", "answer", "warning", "held" (a DM waiting for its project), ...
    # True while the entry behind the message is pending: the worker updates the message when done.
    pending: bool = False
    # Who the message is for (platform user id): only they may edit or discard its entry.
    author: str = ""
    # A DM's text held until its author says which project it belongs to (never lost meanwhile).
    held_text: str | None = Field(default=None, sa_type=Text)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


ALL_ROWS: tuple[type[SQLModel], ...] = (
    WorkspaceRow,
    ProjectRow,
    MetricChangeRow,
    EntryRow,
    RunSnapshotRow,
    ApproachRow,
    DecisionRow,
    ProcessedEventRow,
    JobRow,
    ModelUsageRow,
    UserRow,
    ReplyRow,
)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a model, for bulk statements that bypass the ORM."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def coco_metadata() -> MetaData:
    """The metadata holding COCO's tables (SQLModel keeps one global ``MetaData``)."""
    return SQLModel.metadata


class TeamsConversationRow(SQLModel, table=True):
    """A Teams conversation reference (``storage.records.TeamsConversationRecord``): proactive posts
    (digests, finished entries) need the connector's service URL and the conversation as it sent them."""

    __tablename__ = "coco_teams_conversation"
    __table_args__ = (
        UniqueConstraint("workspace_id", "conversation_key", name="uq_coco_teams_conversation_workspace_key"),
        Index("ix_coco_teams_conversation_workspace_user", "workspace_id", "user_id"),
        _workspace_fk("coco_teams_conversation"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    conversation_key: str
    kind: str
    user_id: str = ""
    service_url: str
    reference: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# -- Slack OAuth installs (issue 14): slack_sdk's own SQLAlchemy stores keep these -------------------------
# The columns are those of ``slack_sdk.oauth.installation_store.sqlalchemy`` and ``...state_store.sqlalchemy``
# (copied, not imported: the CLI's start-up must not import slack_sdk; tests/bot/test_slack_oauth.py checks
# they stay equal), under COCO's prefix. Two deliberate differences: the token columns are ``Text``, because
# the tokens are stored encrypted (bot/slack_oauth.py) and a Fernet token is longer than String(200), and
# times are naive UTC, as the stores write them.
SLACK_TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


def _slack_columns(*specs: tuple[str, Any, bool]) -> list[Column[Any]]:
    return [Column(name, kind, nullable=nullable) for name, kind, nullable in specs]


slack_installations_table = Table(
    "coco_slack_installations", SQLModel.metadata,
    Column("id", Integer, autoincrement=True),
    PrimaryKeyConstraint("id", name="pk_coco_slack_installations"),
    *_slack_columns(
        ("client_id", String(32), False), ("app_id", String(32), False), ("enterprise_id", String(32), True),
        ("enterprise_name", String(200), True), ("enterprise_url", String(200), True), ("team_id", String(32), True),
        ("team_name", String(200), True), ("bot_token", Text, True), ("bot_id", String(32), True),
        ("bot_user_id", String(32), True), ("bot_scopes", String(1000), True), ("bot_refresh_token", Text, True),
        ("bot_token_expires_at", DateTime, True), ("user_id", String(32), False), ("user_token", Text, True),
        ("user_scopes", String(1000), True), ("user_refresh_token", Text, True),
        ("user_token_expires_at", DateTime, True), ("incoming_webhook_url", String(200), True),
        ("incoming_webhook_channel", String(200), True), ("incoming_webhook_channel_id", String(200), True),
        ("incoming_webhook_configuration_url", String(200), True), ("is_enterprise_install", Boolean, False),
        ("token_type", String(32), True), ("installed_at", DateTime, False),
    ),
    Index("coco_slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)

slack_bots_table = Table(
    "coco_slack_bots", SQLModel.metadata,
    Column("id", Integer, autoincrement=True),
    PrimaryKeyConstraint("id", name="pk_coco_slack_bots"),
    *_slack_columns(
        ("client_id", String(32), False), ("app_id", String(32), False), ("enterprise_id", String(32), True),
        ("enterprise_name", String(200), True), ("team_id", String(32), True), ("team_name", String(200), True),
        ("bot_token", Text, True), ("bot_id", String(32), True), ("bot_user_id", String(32), True),
        ("bot_scopes", String(1000), True), ("bot_refresh_token", Text, True), ("bot_token_expires_at", DateTime, True),
        ("is_enterprise_install", Boolean, False), ("installed_at", DateTime, False),
    ),
    Index("coco_slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states_table = Table(
    "coco_slack_oauth_states", SQLModel.metadata,
    Column("id", Integer, autoincrement=True),
    PrimaryKeyConstraint("id", name="pk_coco_slack_oauth_states"),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)

class NudgePrefRow(SQLModel, table=True):
    """A person's end-of-day nudge preferences and their last nudge (``storage.records.NudgePrefRecord``)."""

    __tablename__ = "coco_nudge_pref"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform_user_id", name="uq_coco_nudge_pref_workspace_user"),
        Index("ix_coco_nudge_pref_workspace_enabled", "workspace_id", "enabled"),
        _workspace_fk("coco_nudge_pref"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    platform_user_id: str
    enabled: bool = False
    at: str = "17:30"
    days: str = "mon,tue,wed,thu,fri"
    timezone: str = ""
    snoozed_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_nudged_day: str | None = None
    nudge_channel: str = ""
    nudge_message: str = ""
    nudge_project_id: str | None = None
    nudge_runs: list[str] = Field(default_factory=list, sa_type=JSON)
    nudge_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NudgeSwitchRow(SQLModel, table=True):
    """The workspace-wide nudge switch (``storage.records.NudgeSwitchRecord``): one row per workspace."""

    __tablename__ = "coco_nudge_switch"
    __table_args__ = (
        UniqueConstraint("workspace_id", name="uq_coco_nudge_switch_workspace"),
        _workspace_fk("coco_nudge_switch"),
    )

    id: str = Field(primary_key=True)
    workspace_id: str
    enabled: bool = True
    changed_by: str = ""
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
