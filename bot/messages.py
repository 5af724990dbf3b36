"""The conversation's messages, shared by every front end: what comes in (:class:`InboundMessage`)
and what goes out (:class:`Reply`, with its buttons and forms), and the action and form ids that tie
a click or a submitted form back to the conversation.

Nothing here knows a platform: Slack, Teams and ``coco chat`` each translate to and from these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias

from narrative.types import CheckMatch
from storage.records import EntryRecord, ProjectRecord

if TYPE_CHECKING:
    from bot.nudges import NudgeHome, NudgeView
    from narrative.service import LogOutcome
    from narrative.types import Answer, CheckResult, DecisionDoc, Digest, NextPlan, PhaseReport, ReproReport

# edited / deleted: a DM the person changed or deleted after sending it (``message_id`` is its id).
InboundKind = Literal["message", "mention", "command", "action", "form", "home", "edited", "deleted"]
ChannelKind = Literal["dm", "channel"]
ReplyKind = Literal[
    "entry", "check", "answer", "phase", "reproduce", "digest", "next", "decision", "help", "notice",
    "error", "warning", "form", "home", "held", "discarded", "entries", "nudge",
]
# thread: in the inbound's thread (or starting one on the inbound message); ephemeral: only the person
# sees it; dm: the person's direct conversation with COCO; channel: top level of the inbound channel;
# update: replace the message ``update_message_id``; modal: open ``form``; home: the person's App Home.
Target = Literal["thread", "ephemeral", "dm", "channel", "update", "modal", "home"]

# Actions (buttons) and forms (modals): ids shared by every front end.
EDIT = "coco_edit"
CHANGE_PROJECT = "coco_change_project"
DISCARD = "coco_discard"
ROUTE = "coco_route"
# A DM that may be a command or a note ("check the split on ..."): its author says which.
AS_COMMAND = "coco_as_command"
AS_NOTE = "coco_as_note"
EDIT_FORM = "coco_edit_entry"
MOVE_FORM = "coco_move_entry"
DECIDE_FORM = "coco_decide"


# -- inbound -------------------------------------------------------------------------------------


@dataclass
class ActionPayload:
    """A button click: which button, its value, and the message it sits on."""

    action_id: str
    value: str = ""
    message_id: str = ""
    channel_id: str = ""
    thread_id: str | None = None


@dataclass
class FormSubmission:
    form_id: str
    values: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class InboundMessage:
    workspace_key: str  # "slack:T0123", "teams:<tenant>", "cli:local"
    platform: str
    user_id: str
    kind: InboundKind = "message"
    user_name: str = ""
    user_email: str = ""
    channel_id: str = ""
    channel_kind: ChannelKind = "dm"
    thread_id: str | None = None  # the thread's root message id, when the message is in a thread
    message_id: str = ""
    text: str = ""
    event_id: str = ""  # dedupe key; empty means "do not deduplicate"
    command_args: str = ""  # the text after `/coco`
    action: ActionPayload | None = None
    form: FormSubmission | None = None
    at: dt.datetime | None = None


# -- replies -------------------------------------------------------------------------------------


@dataclass
class ReplyAction:
    action_id: str
    label: str
    value: str = ""
    style: Literal["", "primary", "danger"] = ""
    confirm: str = ""  # a question to confirm before the action runs


@dataclass
class FormField:
    name: str
    label: str
    initial: str = ""
    multiline: bool = False
    optional: bool = True
    hint: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label): a choice, not text


@dataclass
class Form:
    form_id: str
    title: str
    submit_label: str
    fields: list[FormField]
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class CitedRun:
    run_id: str
    name: str = ""
    url: str = ""


@dataclass
class CitedEntry:
    entry_id: str
    title: str = ""
    author: str = ""
    at: dt.datetime | None = None


@dataclass
class TriedNote:
    """A planned next step that the history says was already tried."""

    step: str
    match: CheckMatch


@dataclass
class HomeView:
    person: str
    tracker_user: str
    default_project: str | None
    entries: list[tuple[EntryRecord, str]]  # (entry, project name), newest first
    open_questions: list[tuple[str, EntryRecord]]
    projects: list[ProjectRecord]
    nudge: NudgeHome | None = None  # the end-of-day nudge's switch and what it does (bot/nudges.py)


@dataclass
class HelpLines:
    """The help: what to type, and what it does, one line each."""

    lines: list[tuple[str, str]]


@dataclass
class EntryList:
    """``/coco entries``: each entry with its project's name, newest first."""

    items: list[tuple[EntryRecord, str]]


if TYPE_CHECKING:
    # What a reply shows, beside its text: one of these domain objects (None for a notice, an error,
    # a form, a held note). A renderer narrows it by type (``isinstance``) before it reads a field,
    # and each of its builders takes one of these types, so handing one the wrong payload fails mypy.
    # ``entry`` -> LogOutcome; ``check``/``warning`` -> CheckResult; ``answer`` -> Answer; ``phase``
    # -> PhaseReport; ``reproduce`` -> ReproReport; ``digest`` -> Digest; ``next`` -> NextPlan;
    # ``decision`` -> DecisionDoc; ``help`` -> HelpLines; ``entries`` -> EntryList; ``home`` -> HomeView;
    # ``nudge`` -> NudgeView.
    ReplyPayload: TypeAlias = (
        LogOutcome | CheckResult | Answer | PhaseReport | ReproReport | Digest | NextPlan | DecisionDoc | HelpLines
        | EntryList | HomeView | NudgeView | None
    )


@dataclass
class Reply:
    kind: ReplyKind
    text: str  # plain-text fallback: notifications, screen readers, the terminal
    payload: ReplyPayload = None  # the domain object the reply shows (see ReplyPayload)
    target: Target = "thread"
    channel_id: str = ""
    thread_id: str | None = None
    update_message_id: str | None = None
    user_id: str = ""
    actions: list[ReplyAction] = field(default_factory=list)
    tried: list[TriedNote] = field(default_factory=list)
    runs: dict[str, CitedRun] = field(default_factory=dict)
    entries: dict[str, CitedEntry] = field(default_factory=dict)
    project: str | None = None
    feeds_channels: list[str] = field(default_factory=list)
    form: Form | None = None
    # What to remember about the posted message (coco_reply), so clicks and thread replies find it.
    memo_kind: str | None = None
    entry_id: str | None = None
    pending: bool = False
    workspace_id: str = ""
