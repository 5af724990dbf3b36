"""Plain records that cross the storage boundary.

The tables (``storage.tables``) are an implementation detail of the repository; every other layer
sees these pydantic models. All times are timezone-aware UTC.

A stored record's fields are declared here only: the SQL stores read a row with
``Record.model_validate(row, from_attributes=True)`` and write one from ``record.model_dump()``, so
a field added here needs a column of the same name in its table (``tests/storage`` checks it). This
module imports no SQLAlchemy, so that every layer can use the records cheaply.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any, Literal

from pydantic import BaseModel, Field

Goal = Literal["max", "min"]
Verdict = Literal["worked", "did_not_work", "inconclusive"]
LinkHow = Literal["id", "prefix", "name", "inferred"]
EntrySource = Literal["dm", "thread", "channel", "cli"]
EntryStatus = Literal["structured", "pending"]
ApproachStatus = Literal["open", "adopted", "exhausted", "abandoned"]
DecisionKind = Literal["metric_switch", "model_selection", "abandon", "adopt", "other"]
JobStatus = Literal["queued", "running", "done", "failed"]
# An inbound event: queued or running (being handled), handled (its replies are queued as jobs), done, failed.
InboxStatus = Literal["queued", "running", "handled", "done", "failed"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


class _KeyHolder:
    """Stands for a record's class when its field values move into a key-sharing dict (see below)."""


_HOLDERS: dict[type, type[_KeyHolder]] = {}


def _key_sharing_dict(values: dict[str, Any], cls: type) -> dict[str, Any]:
    """``values`` in a dict that shares its keys with every other such dict of ``cls``'s records.

    Pydantic gives each record its own combined dict of field values (464 bytes for a run snapshot's 13
    fields, a third of its memory); an instance dict of an ordinary class, filled in one key order, keeps
    only the values and shares the key table with its siblings (~230 bytes; issue 14). The dict stays a
    plain dict: assigning an existing field keeps it shared, anything else turns it into a combined one.
    """
    holder = _HOLDERS.get(cls)
    if holder is None:
        holder = _HOLDERS[cls] = type(f"_{cls.__name__}Values", (_KeyHolder,), {})
    shared: dict[str, Any] = holder().__dict__
    for k, v in values.items():
        shared[k] = v
    return shared


class _SharesFieldsSet(BaseModel):
    """A record held by the hundred thousand (runs, and entries with their structure): when every field was
    given (as a record read from the database is), its instances share one "fields set" object instead of
    one each (pydantic keeps the set per instance: 0.7 KB, a third of a run snapshot's memory; issue 14),
    and their field values live in key-sharing dicts (``_key_sharing_dict``).

    Sharing is safe only then: assigning a field adds its name to the set, a no-op when all are in it.
    """

    def model_post_init(self, context: Any, /) -> None:
        fields_set = self.__pydantic_fields_set__
        if len(fields_set) == len(type(self).model_fields):
            shared = _FIELDS_SETS.setdefault(frozenset(fields_set), fields_set)
            object.__setattr__(self, "__pydantic_fields_set__", shared)
        object.__setattr__(self, "__dict__", _key_sharing_dict(self.__dict__, type(self)))


class Conclusion(BaseModel):
    text: str
    verdict: Verdict
    run_ids: list[str] = Field(default_factory=list)


class LinkedRun(_SharesFieldsSet):
    run_id: str
    run_name: str = ""
    how: LinkHow
    metrics: dict[str, float] = Field(default_factory=dict)
    url: str = ""
    status: str = ""
    user: str = ""


class DecisionNote(BaseModel):
    """A decision stated in an entry (e.g. "primary metric is PR-AUC from now on")."""

    kind: DecisionKind
    text: str
    metric: str | None = None
    goal: Goal | None = None
    run_ids: list[str] = Field(default_factory=list)


class EntryStructure(_SharesFieldsSet):
    """What an engine makes of a brain dump, after grounding."""

    title: str = ""
    hypotheses: list[str] = Field(default_factory=list)
    runs: list[LinkedRun] = Field(default_factory=list)
    observations: list[str] = Field(default_factory=list)
    conclusions: list[Conclusion] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)
    decisions: list[DecisionNote] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    engine: str = ""


class WorkspaceRecord(BaseModel):
    id: str
    key: str  # "cli:local", "slack:T0123", "teams:<tenant>"
    platform: str
    name: str = ""
    timezone: str = "UTC"
    created_at: dt.datetime = Field(default_factory=utcnow)


class MetricChange(BaseModel):
    at: dt.datetime
    metric: str
    goal: Goal
    reason: str = ""
    entry_id: str | None = None


class ProjectRecord(BaseModel):
    id: str
    workspace_id: str
    name: str
    tracker_kind: str = "mlflow"
    tracker_uri: str = ""
    experiment_ids: list[str] = Field(default_factory=list)
    experiment_names: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    primary_metric: str | None = None
    goal: Goal = "max"
    metric_history: list[MetricChange] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)
    created_at: dt.datetime = Field(default_factory=utcnow)

    def metric_at(self, when: dt.datetime) -> tuple[str | None, Goal]:
        """The primary metric (and its direction) in force at ``when``."""
        metric, goal = self.primary_metric, self.goal
        for change in sorted(self.metric_history, key=lambda c: c.at):
            if change.at <= when:
                metric, goal = change.metric, change.goal
        return metric, goal

    def metric_now(self) -> tuple[str | None, Goal]:
        return self.metric_at(dt.datetime.max.replace(tzinfo=dt.UTC))


class EntryRecord(_SharesFieldsSet):
    id: str
    workspace_id: str
    project_id: str
    author: str
    at: dt.datetime
    source: EntrySource = "cli"
    raw_text: str
    status: EntryStatus = "pending"
    structure: EntryStructure | None = None
    error: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    # What the history index reads from the text (``narrative.index_features``: a versioned compact text),
    # computed when the entry is written or structured; None until then, or after the text changed.
    features: str | None = None

    @property
    def run_ids(self) -> list[str]:
        return [r.run_id for r in self.structure.runs] if self.structure else []


class RunSnapshot(_SharesFieldsSet):
    """The tracker's run as last seen, so answers stay fast and survive an outage."""

    project_id: str
    run_id: str
    run_name: str = ""
    experiment_id: str = ""
    user: str = ""
    status: str = ""
    start: dt.datetime
    end: dt.datetime | None = None
    params: dict[str, str] = Field(default_factory=dict)
    metrics: dict[str, float] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    url: str = ""
    fetched_at: dt.datetime = Field(default_factory=utcnow)

    def model_post_init(self, context: Any, /) -> None:
        # 100k runs read from the database hold 100k copies of a few hundred param keys, values and metric
        # names, users and statuses: one string each instead (issue 14).
        d = self.__dict__
        if d["params"]:
            d["params"] = {_intern(k): _intern(v) for k, v in d["params"].items()}
        if d["metrics"]:
            d["metrics"] = {_intern(k): v for k, v in d["metrics"].items()}
        for name in ("project_id", "experiment_id", "user", "status"):
            d[name] = _intern(d[name])
        super().model_post_init(context)


def _intern(s: str) -> str:
    return sys.intern(s) if type(s) is str else s


class HistoryMarks(BaseModel):
    """How many entries, run snapshots, decisions and metric changes a project has, and when each kind
    last changed (``None`` while there are none): the stamp of its history, in parts, so that a reader
    holding an older history can tell what kind of change happened (``stamp`` is its one-string form)."""

    entries: int = 0
    entries_updated: dt.datetime | None = None
    runs: int = 0
    runs_fetched: dt.datetime | None = None
    decisions: int = 0
    decisions_at: dt.datetime | None = None
    metric_changes: int = 0
    metric_changed: dt.datetime | None = None

    @property
    def stamp(self) -> str:
        return "|".join(str(p) for p in (
            self.entries, self.entries_updated, self.runs, self.runs_fetched, self.decisions, self.decisions_at,
            self.metric_changes, self.metric_changed))


class ApproachRecord(BaseModel):
    id: str
    project_id: str
    name: str
    status: ApproachStatus = "open"
    reason: str = ""
    run_ids: list[str] = Field(default_factory=list)
    entry_ids: list[str] = Field(default_factory=list)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class DecisionRecord(BaseModel):
    id: str
    project_id: str
    kind: DecisionKind
    at: dt.datetime
    text: str
    rationale: str = ""
    metric: str | None = None
    goal: Goal | None = None
    run_ids: list[str] = Field(default_factory=list)
    entry_id: str | None = None
    author: str = ""


class UsageRecord(BaseModel):
    """One model call's tokens and its estimated cost, frozen when recorded (prices change)."""

    workspace_id: str
    job: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0
    at: dt.datetime = Field(default_factory=utcnow)


class JobRecord(BaseModel):
    id: str
    workspace_id: str
    kind: str  # "structure_entry", "digest", "tracker_sync", ...
    payload: dict[str, Any] = Field(default_factory=dict)
    status: JobStatus = "queued"
    attempts: int = 0
    run_after: dt.datetime = Field(default_factory=utcnow)
    dedupe_key: str | None = None
    last_error: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class InboxRecord(BaseModel):
    """One inbound chat event in the durable inbox: stored before its ack, finished by a worker."""

    id: str
    workspace_id: str
    platform: str = ""
    event_key: str
    kind: str = ""
    payload: dict[str, Any] | None = None
    status: InboxStatus = "queued"
    attempts: int = 0
    run_after: dt.datetime = Field(default_factory=utcnow)
    last_error: str | None = None
    locked_by: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class UserRecord(BaseModel):
    """A chat person: their tracker user name (when set explicitly) and default project for DMs."""

    workspace_id: str
    platform_user_id: str
    tracker_user: str | None = None
    default_project_id: str | None = None
    display_name: str = ""
    email: str = ""
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ReplyRecord(BaseModel):
    """A message COCO posted (or holds text for), and the entry behind it."""

    workspace_id: str
    channel: str
    message_ts: str
    thread_ts: str | None = None
    entry_id: str | None = None
    kind: str
    pending: bool = False
    author: str = ""
    held_text: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class TeamsConversationRecord(BaseModel):
    """Where COCO can post in Microsoft Teams without being spoken to: a personal chat, a channel or a
    group chat, as the Bot Connector last described it (its conversation reference, as JSON). The
    weekly digest and the job worker's updates post from it after the turn that stored it is over."""

    workspace_id: str
    conversation_key: str  # a personal or group chat's conversation id; a channel's id (channelData)
    kind: str  # "personal", "channel", "groupChat"
    user_id: str = ""  # a personal chat's person (their Teams user id): where "only you" replies go
    service_url: str
    reference: dict[str, Any] = Field(default_factory=dict)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class NudgePrefRecord(BaseModel):
    """A person's end-of-day nudge (issue 15): off until they opt in; when it goes out (local time,
    days, their chat time zone); a snooze; and the last nudge sent, whose runs a reply to it is about."""

    workspace_id: str
    platform_user_id: str
    enabled: bool = False
    at: str = "17:30"  # local wall-clock time, HH:MM
    days: str = "mon,tue,wed,thu,fri"
    timezone: str = ""  # IANA name from the chat platform (Slack users.info ``tz``); "" = the workspace's
    snoozed_until: dt.datetime | None = None
    last_nudged_day: str | None = None  # local date (YYYY-MM-DD) of the last nudge sent
    nudge_channel: str = ""
    nudge_message: str = ""
    nudge_project_id: str | None = None
    nudge_runs: list[str] = Field(default_factory=list)  # run ids, in the order the nudge listed them
    nudge_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(default_factory=utcnow)


class NudgeSwitchRecord(BaseModel):
    """The workspace-wide switch an admin turns: nudges off for everyone (each person's choice is kept)."""

    workspace_id: str
    enabled: bool = True
    changed_by: str = ""
    updated_at: dt.datetime = Field(default_factory=utcnow)
