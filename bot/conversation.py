"""The conversation, written once: an inbound message in, neutral replies out.

Slack, Teams (later) and ``coco chat`` all drive :class:`Conversation`. A front end only translates:
its payloads into an :class:`InboundMessage`, and each :class:`Reply` into its own format (Block Kit,
Adaptive Cards, rich text). Nothing here knows Slack.

What a person can do, and where the answer goes:

* **DM a brain dump** -> an entry of their default project (or, with several projects and no default,
  the text is held and they are asked which one), answered in the DM thread with the structure,
  "you already tried this" notes for its next steps, Edit / Change project / Discard buttons and the
  channel the entry will feed. A DM stays private until it becomes an entry.
* **Reply in a thread COCO is part of** -> a question is answered from the project's history (cited);
  on an entry's thread the author's correction ("actually that was lr 1e-4") is appended to the raw
  text (the original stays) and the entry is structured again.
* **Announce a plan in a linked channel** ("going to try SMOTE tomorrow") -> if it was already tried,
  with a confident match, one warning in that thread, never twice for the same match.
* **``/coco ...``** subcommands; anything unknown gets the help, never silence.
* **App Home** -> my recent entries, my open questions, my projects.

Every inbound carries a dedupe key (``event_id``): a platform retry or a duplicate delivery claims it
in the store first and, finding it taken, does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from core.errors import CocoError, OutsideFailure, ProjectNotFoundError, UserInputError
from narrative.types import Answer, CheckMatch, CheckResult, Citation, Digest
from storage.records import (
    Conclusion,
    EntryRecord,
    EntryStructure,
    ProjectRecord,
    ReplyRecord,
    UserRecord,
    Verdict,
    utcnow,
)

if TYPE_CHECKING:
    from bot.app import NarratorHub
    from narrative.service import LogOutcome, Narrator

log = logging.getLogger("coco.conversation")

InboundKind = Literal["message", "mention", "command", "action", "form", "home"]
ChannelKind = Literal["dm", "channel"]
ReplyKind = Literal[
    "entry", "check", "answer", "phase", "reproduce", "digest", "next", "decision", "help", "notice",
    "error", "warning", "form", "home", "held", "discarded", "entries",
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
EDIT_FORM = "coco_edit_entry"
MOVE_FORM = "coco_move_entry"
DECIDE_FORM = "coco_decide"

# "You already tried this" is said only above this score (the local engine's own threshold is 0.62).
CONFIDENT_SCORE = 0.62
# Next steps checked against the history per entry: each check reads the whole history.
MAX_STEPS_CHECKED = 3
TRACKER_USERS_TTL_S = 300.0
# A DM shorter than this that ends with "?" is a question, not a brain dump.
QUESTION_MAX_CHARS = 300

_PLAN = re.compile(
    r"\b(going to try|gonna try|thinking of|thinking about|tomorrow i'?ll|let'?s try|i'?ll try|i will try|"
    r"planning to|plan to|we should try|next i'?ll|about to try|want to try)\b",
    re.IGNORECASE,
)
_CORRECTION = re.compile(
    r"^\s*(actually|correction|typo|sorry,? (it|that) was|i meant|to be precise|small fix|fix:|erratum)\b"
    r"|\bshould (have been|be)\b|\bnot .{1,40} but\b|\bwas actually\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^\s*(why|what|which|who|when|where|how|did|do|does|is|are|was|were|have|has|can|could|should)\b",
    re.IGNORECASE,
)
_MENTION = re.compile(r"<@[A-Z0-9]+(\|[^>]*)?>")
_HEX = re.compile(r"^[0-9a-fA-F]{6,32}$")
ENTRIES_SHOWN = 20  # one chat message: a Slack section holds about 3,000 characters

HELP_LINES = (
    ("(DM me)", "an end-of-day brain dump: I structure it into an entry linked to your runs"),
    ("/coco phase [project] [since]", "a phase summary (since a date like 2026-03-01, or 14d / 2w / yesterday)"),
    ("/coco entries [project] [since] [by AUTHOR]", "the log entries, newest first (since 14d, 2w, a date...)"),
    ("/coco entry ENTRY_ID", "one entry, as it was filed"),
    ("/coco next", "what to run next, from the history"),
    ("/coco decide", "a model-selection decision record (asks for finalists and criteria)"),
    ("/coco reproduce RUN_ID", "what reproducing a run needs, and what is missing"),
    ("/coco check TEXT", "has this been tried already?"),
    ("/coco ask QUESTION", "a short answer from the project's history, with citations"),
    ("/coco digest", "preview this project's weekly digest"),
    ("/coco digest schedule mon 09:00", "post the digest in this channel every week"),
    ("/coco link PROJECT --mlflow-experiment EXP", "link this channel to a project (and its experiment)"),
    ("/coco project NAME", "the project your DMs go to"),
    ("/coco me TRACKER_USER", "who you are in the tracker (so \"my runs\" means yours)"),
    ("/coco help", "this list"),
)


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


@dataclass
class Reply:
    kind: ReplyKind
    text: str  # plain-text fallback: notifications, screen readers, the terminal
    payload: Any = None  # the domain object (LogOutcome, CheckResult, Answer, PhaseReport, ...)
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


# -- helpers -------------------------------------------------------------------------------------


def strip_mentions(text: str) -> str:
    return _MENTION.sub("", text).strip()


def looks_like_plan(text: str) -> bool:
    return bool(_PLAN.search(text))


def looks_like_correction(text: str) -> bool:
    return bool(_CORRECTION.search(text))


def looks_like_question(text: str) -> bool:
    stripped = text.strip()
    return stripped.endswith("?") or bool(_QUESTION_START.match(stripped))


def _split_args(text: str) -> list[str]:
    # Slack clients turn "--" into an em dash as people type; read it back as the flag it was.
    text = text.replace("\u2014", "--").replace("\u2013", "--").replace("\u201c", '"').replace("\u201d", '"')
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: plain words are better than an error
        return text.split()


def _since(token: str, *, now: dt.datetime) -> dt.datetime | None:
    """A chat word meant as a time (bot/when.py), None for any other word; a time that cannot be
    (``0001-01-01``, ``2026-13-45``, ``99999999d``) is the person's mistake, said in one sentence."""
    from bot.when import WhenError, looks_like_when, parse_when

    if not looks_like_when(token):
        return None
    try:
        return parse_when(token, now=now)
    except WhenError as error:
        raise UserInputError(str(error)) from None


def _lines(text: str) -> list[str]:
    return [line.strip().lstrip("•-*→?").strip() for line in text.splitlines() if line.strip().lstrip("•-*→?").strip()]


_VERDICT_MARKS: tuple[tuple[str, Verdict], ...] = (
    ("✅", "worked"), ("[worked]", "worked"), ("❌", "did_not_work"), ("[did_not_work]", "did_not_work"),
    ("•", "inconclusive"),
)
VERDICT_MARK = {"worked": "✅", "did_not_work": "❌", "inconclusive": "•"}


def _conclusions(text: str, *, before: Sequence[Conclusion]) -> list[Conclusion]:
    runs_of = {c.text: c.run_ids for c in before}
    found: list[Conclusion] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        verdict: Verdict = "inconclusive"
        for mark, meaning in _VERDICT_MARKS:
            if line.startswith(mark):
                verdict, line = meaning, line[len(mark):].strip()
                break
        if line:
            found.append(Conclusion(text=line, verdict=verdict, run_ids=runs_of.get(line, [])))
    return found


def help_reply(*, target: Target, intro: str = "") -> Reply:
    text = (intro + "\n" if intro else "") + "\n".join(f"{cmd} — {what}" for cmd, what in HELP_LINES)
    return Reply(kind="help", text=text, payload=list(HELP_LINES), target=target)


# -- the conversation ----------------------------------------------------------------------------


class Conversation:
    """The platform-neutral conversation over a :class:`bot.app.NarratorHub`."""

    def __init__(self, hub: NarratorHub) -> None:
        self.hub = hub
        self._users_seen: dict[str, tuple[float, set[str]]] = {}

    # -- entry point --------------------------------------------------------------------------
    async def handle(self, msg: InboundMessage) -> list[Reply]:
        narrator = await self.hub.narrator(msg.workspace_key, platform=msg.platform)
        if msg.event_id and not await narrator.claim_event(msg.event_id):
            log.info("duplicate delivery %s ignored", msg.event_id)
            return []
        fallback: Target = "ephemeral" if msg.kind in ("command", "action", "form") else "thread"
        try:
            replies = await self._dispatch(narrator, msg)
        except (UserInputError, ProjectNotFoundError) as mistake:
            replies = [Reply(kind="error", text=mistake.user_message, target=fallback)]
        except OutsideFailure as failure:
            replies = [Reply(kind="error", text=f"{failure.user_message} Try again in a while.", target=fallback)]
        except CocoError as error:
            replies = [Reply(kind="error", text=error.user_message, target=fallback)]
        for reply in replies:
            reply.workspace_id = narrator.workspace_id
            reply.channel_id = reply.channel_id or msg.channel_id
            reply.user_id = reply.user_id or msg.user_id
            if reply.target == "thread" and reply.thread_id is None:
                reply.thread_id = msg.thread_id or msg.message_id or None
        return replies

    async def remember(self, reply: Reply, *, channel_id: str, message_id: str) -> None:
        """Record where a reply was posted (call after posting), so clicks and replies find it."""
        if not reply.memo_kind or not reply.workspace_id or not message_id:
            return
        narrator = self.hub.for_workspace_id(reply.workspace_id)
        await narrator.remember_reply(
            ReplyRecord(
                workspace_id=reply.workspace_id,
                channel=channel_id,
                message_ts=message_id,
                thread_ts=reply.thread_id,
                entry_id=reply.entry_id,
                kind=reply.memo_kind,
                pending=reply.pending,
                author=reply.user_id,
            )
        )

    async def finished_updates(self, narrator: Narrator) -> list[Reply]:
        """Messages showing a pending entry that has since been finished (by the job worker or the
        CLI): updates that replace them with the entry. Call after ``bot.worker.run_due_jobs``."""
        updates: list[Reply] = []
        for memo, project, entry in await narrator.finished_entries():
            reply = await self._entry_reply(narrator, project, _outcome_of(entry))
            reply.target, reply.update_message_id = "update", memo.message_ts
            reply.channel_id, reply.thread_id, reply.user_id = memo.channel, memo.thread_ts, memo.author
            reply.workspace_id = narrator.workspace_id
            updates.append(reply)
        return updates

    async def digest_reply(self, narrator: Narrator, digest: Digest) -> Reply:
        """A scheduled digest as a channel post, its citations resolved to links."""
        project = await narrator.project(digest.project)
        citations = [c for lines in digest.sections.values() for line in lines for c in line.citations]
        runs, entries = await self._cite_all(narrator, project, citations)
        return Reply(kind="digest", payload=digest, text=f"Weekly digest of {project.name}", target="channel",
                     runs=runs, entries=entries, project=project.name, workspace_id=narrator.workspace_id)

    async def _dispatch(self, narrator: Narrator, msg: InboundMessage) -> list[Reply]:
        if msg.kind == "home":
            return [await self._home(narrator, msg)]
        if msg.kind == "command":
            return await self._command(narrator, msg)
        if msg.kind == "action":
            return await self._action(narrator, msg)
        if msg.kind == "form":
            return await self._form(narrator, msg)
        if msg.channel_kind == "dm":
            return await self._direct(narrator, msg)
        return await self._channel(narrator, msg)

    # -- people -------------------------------------------------------------------------------
    async def _person(self, narrator: Narrator, msg: InboundMessage) -> UserRecord:
        return await narrator.meet(msg.user_id, name=msg.user_name, email=msg.user_email)

    async def _tracker_users(self, narrator: Narrator, project: ProjectRecord) -> set[str]:
        cached = self._users_seen.get(project.id)
        if cached is not None and time.monotonic() - cached[0] < TRACKER_USERS_TTL_S:
            return cached[1]
        users = await narrator.tracker_users(project)
        self._users_seen[project.id] = (time.monotonic(), users)
        return users

    async def tracker_user(self, narrator: Narrator, person: UserRecord, project: ProjectRecord | None) -> str:
        """Who the person is in the tracker: ``/coco me`` if they said, else their e-mail's local part
        or display name as the tracker knows it (matched against the users of the project's runs),
        else the local part, the display name, or the platform id."""
        if person.tracker_user:
            return person.tracker_user
        local = person.email.split("@")[0] if person.email else ""
        if project is not None:
            users = await self._tracker_users(narrator, project)

            def squash(name: str) -> str:
                return re.sub(r"[^a-z0-9]", "", name.lower())

            by_squash = {squash(u): u for u in users}
            by_lower = {u.lower(): u for u in users}
            for candidate in (person.email, local, person.display_name):
                if candidate and candidate.lower() in by_lower:
                    return by_lower[candidate.lower()]
            for candidate in (local, person.display_name):
                if candidate and squash(candidate) in by_squash:
                    return by_squash[squash(candidate)]
        return local or person.display_name or person.platform_user_id

    # -- projects -----------------------------------------------------------------------------
    async def _default_project(self, narrator: Narrator, person: UserRecord) -> ProjectRecord | None:
        if person.default_project_id:
            try:
                return await narrator.project_by_id(person.default_project_id)
            except ProjectNotFoundError:
                pass
        projects = await narrator.projects()
        return projects[0] if len(projects) == 1 else None

    async def _project_for(
        self, narrator: Narrator, msg: InboundMessage, person: UserRecord, *, named: str | None = None
    ) -> ProjectRecord:
        if named:
            return await narrator.project(named)
        if msg.channel_kind == "channel" and msg.channel_id:
            linked = await narrator.project_for_channel(msg.channel_id)
            if linked is not None:
                return linked
        default = await self._default_project(narrator, person)
        if default is not None:
            return default
        names = [p.name for p in await narrator.projects()]
        if not names:
            raise UserInputError(
                "There is no project yet: link a channel with `/coco link PROJECT --mlflow-experiment EXP`."
            )
        raise UserInputError(
            f"Which project? Say `/coco project NAME` once (known: {', '.join(names)}), or use a linked channel."
        )

    # -- citations ----------------------------------------------------------------------------
    async def _cite(
        self, narrator: Narrator, project: ProjectRecord, *, run_ids: Sequence[str], entry_ids: Sequence[str]
    ) -> tuple[dict[str, CitedRun], dict[str, CitedEntry]]:
        found = await narrator.cached_runs(project, run_ids)
        runs = {rid: CitedRun(run_id=rid, name=r.run_name, url=r.url) for rid, r in found.items()}
        entries: dict[str, CitedEntry] = {}
        for entry_id in dict.fromkeys(entry_ids):
            try:
                e = await narrator.entry(entry_id)
            except UserInputError:
                continue
            entries[entry_id] = CitedEntry(entry_id=entry_id, title=(e.structure.title if e.structure else ""),
                                           author=e.author, at=e.at)
        return runs, entries

    async def _cite_all(
        self,
        narrator: Narrator,
        project: ProjectRecord,
        citations: Sequence[Citation],
        *,
        extra_runs: Sequence[str] = (),
    ) -> tuple[dict[str, CitedRun], dict[str, CitedEntry]]:
        return await self._cite(
            narrator, project,
            run_ids=[*extra_runs, *(r for c in citations for r in c.run_ids)],
            entry_ids=[c.entry_id for c in citations if c.entry_id],
        )

    # -- direct messages ----------------------------------------------------------------------
    async def _direct(self, narrator: Narrator, msg: InboundMessage) -> list[Reply]:
        text = strip_mentions(msg.text)
        if not text:
            return []
        person = await self._person(narrator, msg)
        if msg.thread_id and msg.thread_id != msg.message_id:
            in_thread = await self._entry_thread(narrator, msg)
            if in_thread is not None:
                memo, entry = in_thread
                if looks_like_question(text) and not looks_like_correction(text):
                    about = await narrator.project_by_id(entry.project_id)
                    return [await self._ask(narrator, about, text, target="thread")]
                # A reply on one's own entry, in one's own DM, is about that entry.
                return await self._correct(narrator, msg, person, memo, entry, text)
        if text.lower() in ("help", "?", "hi", "hello"):
            return [help_reply(target="thread", intro="Hi! DM me your end-of-day notes and I will log them.")]
        if text.lower().startswith("/coco"):
            return await self._command(narrator, _as_command(msg, text[5:]))
        project = await self._default_project(narrator, person)
        if len(text) <= QUESTION_MAX_CHARS and "\n" not in text and looks_like_question(text):
            if project is None:
                raise UserInputError("Which project is that about? Set one with `/coco project NAME`.")
            return [await self._ask(narrator, project, text, target="thread")]
        if project is None:
            return [await self._hold(narrator, msg, text)]
        return [await self._log(narrator, msg, person, project, text)]

    async def _hold(self, narrator: Narrator, msg: InboundMessage, text: str) -> Reply:
        """Keep a DM (in the store: it is never lost) until its author says which project it is for."""
        projects = await narrator.projects()
        await narrator.hold_note(msg.channel_id, msg.message_id, author=msg.user_id, text=text)
        if not projects:
            return Reply(kind="notice", text="I saved your note, but there is no project to file it under yet. "
                         "Link a channel with `/coco link PROJECT --mlflow-experiment EXP`, then come back here.")
        return Reply(
            kind="held",
            text="I saved your note. Which project is it for? (It stays private to you until you choose.)",
            actions=[ReplyAction(ROUTE, p.name, value=f"{msg.message_id}|{p.id}") for p in projects[:5]],
        )

    async def _log(
        self, narrator: Narrator, msg: InboundMessage, person: UserRecord, project: ProjectRecord, text: str
    ) -> Reply:
        author = await self.tracker_user(narrator, person, project)
        outcome = await narrator.log(
            project=project.name, text=text, author=author, at=msg.at, source="dm" if msg.channel_kind == "dm"
            else "thread", channel=msg.channel_id, thread_ts=msg.thread_id or msg.message_id,
        )
        return await self._entry_reply(narrator, project, outcome)

    async def _entry_reply(self, narrator: Narrator, project: ProjectRecord, outcome: LogOutcome) -> Reply:
        entry = outcome.entry
        several = len(await narrator.projects()) > 1
        actions = [ReplyAction(EDIT, "Edit", value=entry.id, style="primary")]
        if several:
            actions.append(ReplyAction(CHANGE_PROJECT, "Change project", value=entry.id))
        actions.append(ReplyAction(DISCARD, "Discard", value=entry.id, style="danger",
                                   confirm="Delete this entry? Your text will be removed from COCO."))
        if outcome.pending:
            return Reply(
                kind="entry", payload=outcome, project=project.name, feeds_channels=list(project.channels),
                text=f"Saved your text as entry {entry.id} (project {project.name}). {outcome.reason} "
                     "I will finish it as soon as I can and update this message.",
                actions=actions, memo_kind="entry", entry_id=entry.id, pending=True,
            )
        tried = await self._tried_notes(narrator, project, entry)
        runs, entries = await self._cite(
            narrator, project, run_ids=[r for note in tried for r in note.match.run_ids],
            entry_ids=[note.match.entry_id for note in tried if note.match.entry_id],
        )
        title = outcome.structure.title or "Experiment log"
        return Reply(
            kind="entry", payload=outcome, project=project.name, feeds_channels=list(project.channels),
            text=f"Entry {entry.id}: {title} ({len(outcome.structure.runs)} run(s) linked, project {project.name})",
            actions=actions, tried=tried, runs=runs, entries=entries, memo_kind="entry", entry_id=entry.id,
        )

    async def _tried_notes(self, narrator: Narrator, project: ProjectRecord, entry: EntryRecord) -> list[TriedNote]:
        notes: list[TriedNote] = []
        steps = entry.structure.next_steps if entry.structure else []
        for step in steps[:MAX_STEPS_CHECKED]:
            try:
                result = await narrator.check(project=project.name, text=step)
            except CocoError:
                continue
            confident = [m for m in result.matches if m.score >= CONFIDENT_SCORE and m.entry_id != entry.id]
            if result.already_tried and confident:
                notes.append(TriedNote(step=step, match=confident[0]))
        return notes

    async def _entry_thread(self, narrator: Narrator, msg: InboundMessage) -> tuple[ReplyRecord, EntryRecord] | None:
        """The entry a thread is about, when COCO posted an entry in it."""
        if not msg.thread_id:
            return None
        return await narrator.thread_entry(msg.channel_id, msg.thread_id)

    async def _correct(
        self, narrator: Narrator, msg: InboundMessage, person: UserRecord, memo: ReplyRecord, entry: EntryRecord,
        text: str,
    ) -> list[Reply]:
        if memo.author and memo.author != msg.user_id:
            return []  # only the author corrects an entry; others' remarks are theirs
        when = msg.at or utcnow()
        who = person.display_name or msg.user_id
        project, outcome = await narrator.correct_entry(entry, text, who=who, at=when)
        updated = await self._entry_reply(narrator, project, outcome)
        updated.target, updated.update_message_id = "update", memo.message_ts
        updated.channel_id, updated.thread_id, updated.user_id = memo.channel, memo.thread_ts, memo.author
        note = Reply(kind="notice", text=f"Updated entry {entry.id} with your correction (your original text is kept).")
        return [updated, note]

    # -- channels -----------------------------------------------------------------------------
    async def _channel(self, narrator: Narrator, msg: InboundMessage) -> list[Reply]:
        text = strip_mentions(msg.text)
        project = await narrator.project_for_channel(msg.channel_id)
        in_thread = await self._entry_thread(narrator, msg) if msg.thread_id else None
        if msg.kind == "mention":
            if not text or text.lower() in ("help", "hi", "hello"):
                return [help_reply(target="thread")]
            if in_thread is not None and looks_like_correction(text):
                person = await self._person(narrator, msg)
                return await self._correct(narrator, msg, person, in_thread[0], in_thread[1], text)
            if project is None:
                raise UserInputError(
                    "This channel is not linked to a project yet: `/coco link PROJECT --mlflow-experiment EXP`."
                )
            return [await self._ask(narrator, project, text, target="thread")]
        if project is None:
            return []
        if msg.thread_id and msg.thread_id != msg.message_id:
            coco_here = in_thread is not None or bool(
                await narrator.thread_replies(msg.channel_id, msg.thread_id)
            )
            if coco_here and in_thread is not None and looks_like_correction(text):
                person = await self._person(narrator, msg)
                return await self._correct(narrator, msg, person, in_thread[0], in_thread[1], text)
            if coco_here and looks_like_question(text) and not looks_like_plan(text):
                return [await self._ask(narrator, project, text, target="thread")]
        if looks_like_plan(text):
            return await self._warn(narrator, msg, project, text)
        return []

    async def _warn(self, narrator: Narrator, msg: InboundMessage, project: ProjectRecord, text: str) -> list[Reply]:
        result = await narrator.check(project=project.name, text=text)
        confident = [m for m in result.matches if m.score >= CONFIDENT_SCORE]
        if not result.already_tried or not confident:
            return []
        top = confident[0]
        match_key = top.entry_id or ",".join(sorted(top.run_ids)) or top.summary[:40]
        thread = msg.thread_id or msg.message_id
        if not await narrator.claim_event(f"warn:{msg.channel_id}:{thread}:{match_key}"):
            return []  # this thread was already told about this match
        runs, entries = await self._cite(
            narrator, project, run_ids=[r for m in confident for r in m.run_ids],
            entry_ids=[m.entry_id for m in confident if m.entry_id],
        )
        return [Reply(
            kind="warning", payload=CheckResult(already_tried=True, matches=confident[:3], message=result.message),
            text=f"You already tried this: {top.summary}", target="thread", thread_id=thread, runs=runs,
            entries=entries, project=project.name, memo_kind="warning",
        )]

    async def _ask(self, narrator: Narrator, project: ProjectRecord, question: str, *, target: Target) -> Reply:
        answer: Answer = await narrator.ask(project=project.name, question=question)
        runs, entries = await self._cite_all(narrator, project, answer.citations)
        return Reply(kind="answer", payload=answer, text=answer.answer, target=target, runs=runs, entries=entries,
                     project=project.name, memo_kind="answer")

    # -- /coco ----------------------------------------------------------------------------------
    async def _command(self, narrator: Narrator, msg: InboundMessage) -> list[Reply]:
        args = _split_args(msg.command_args)
        if not args or args[0].lower() in ("help", "-h", "--help"):
            return [help_reply(target="ephemeral")]
        verb, rest = args[0].lower(), args[1:]
        person = await self._person(narrator, msg)
        rest_text = msg.command_args.strip()[len(args[0]):].strip()
        if verb == "phase":
            now = narrator.clock()
            since = None
            named: list[str] = []
            for token in rest:
                when = _since(token, now=now)
                if when is not None:
                    since = when
                else:
                    named.append(token)
            project = await self._project_for(narrator, msg, person, named=" ".join(named) or None)
            report = await narrator.phase(project=project.name, since=since)
            runs, entries = await self._cite_all(
                narrator, project, report.citations, extra_runs=[r for a in report.approaches for r in a.run_ids[:4]]
            )
            return [Reply(kind="phase", payload=report, text=report.summary or f"Phase summary of {project.name}",
                          target="ephemeral", runs=runs, entries=entries, project=project.name)]
        if verb in ("entries", "entry"):
            return [await self._entries(narrator, msg, person, verb, rest)]
        if verb == "next":
            project = await self._project_for(narrator, msg, person)
            plan = await narrator.next_plan(project=project.name, context=rest_text)
            runs, entries = await self._cite_all(narrator, project, [c for x in plan.experiments for c in x.citations])
            first = plan.experiments[0].title if plan.experiments else "nothing obvious"
            return [Reply(kind="next", payload=plan, text=f"Run next: {first}", target="ephemeral", runs=runs,
                          entries=entries, project=project.name)]
        if verb == "decide":
            project = await self._project_for(narrator, msg, person)
            finalists = [t for t in rest if _HEX.match(t)]
            if finalists:
                criteria = [c.strip() for c in " ".join(t for t in rest if t not in finalists).split(",") if c.strip()]
                return [await self._decide(narrator, project, finalists, criteria, "")]
            return [Reply(kind="form", target="modal", text="Decision record: finalists and criteria",
                          form=_decide_form(project, channel=msg.channel_id))]
        if verb == "reproduce":
            if not rest:
                raise UserInputError("Give the run: `/coco reproduce RUN_ID` (the full id or its first 6+ characters).")
            project = await self._project_for(narrator, msg, person)
            repro = await narrator.reproduce(project=project.name, run_ref=rest[0])
            missing = ", ".join(repro.missing) or "nothing"
            return [Reply(kind="reproduce", payload=repro, text=f"Reproducing {repro.run_name or repro.run_id}: "
                          f"missing {missing}", target="ephemeral", project=project.name)]
        if verb == "check":
            if not rest_text:
                raise UserInputError("Say what you plan to try: `/coco check SMOTE on the GRU`.")
            project = await self._project_for(narrator, msg, person)
            result = await narrator.check(project=project.name, text=rest_text)
            runs, entries = await self._cite(
                narrator, project, run_ids=[r for m in result.matches for r in m.run_ids],
                entry_ids=[m.entry_id for m in result.matches if m.entry_id],
            )
            verdict = "You already tried this." if result.already_tried else "Not tried as such."
            return [Reply(kind="check", payload=result, text=f"{verdict} {result.message}".strip(),
                          target="ephemeral", runs=runs, entries=entries, project=project.name)]
        if verb == "ask":
            if not rest_text:
                raise UserInputError("Ask a question: `/coco ask why did we drop xlnet?`.")
            project = await self._project_for(narrator, msg, person)
            return [await self._ask(narrator, project, rest_text, target="ephemeral")]
        if verb == "digest":
            return await self._digest_command(narrator, msg, person, rest)
        if verb == "link":
            return [await self._link(narrator, msg, rest)]
        if verb in ("project", "projects"):
            return [await self._set_project(narrator, person, " ".join(rest))]
        if verb == "me":
            return [await self._set_me(narrator, person, " ".join(rest))]
        return [help_reply(target="ephemeral", intro=f"I don't know `{args[0]}`. Here is what I can do:")]

    async def _entries(
        self, narrator: Narrator, msg: InboundMessage, person: UserRecord, verb: str, rest: list[str]
    ) -> Reply:
        """``/coco entry ID`` (shown as its brain dump's reply was) and ``/coco entries [project] [since]
        [by AUTHOR]``: newest first, of the named project, else the channel's, else every project."""
        projects = {p.id: p.name for p in await narrator.projects()}
        if verb == "entry":
            if len(rest) != 1:
                raise UserInputError("Give one entry id: `/coco entry ENTRY_ID`.")
            entry = await narrator.entry(rest[0])
            name = projects.get(entry.project_id, entry.project_id)
            return Reply(kind="entry", payload=_outcome_of(entry), text=f"Entry {entry.id} of {name}",
                         target="ephemeral", project=name)
        now, since, author, named = narrator.clock(), None, None, []
        tokens = iter(rest)
        for token in tokens:
            low = token.lower()
            if low in ("by", "--author"):
                author = next(tokens, "") or None
            elif low == "--since":
                since = _since(next(tokens, ""), now=now)
                if since is None:
                    raise UserInputError("Give a time after --since: a date, 14d, 2w or yesterday.")
            elif (when := _since(token, now=now)) is not None:
                since = when
            elif low != "--project":
                named.append(token)
        project: ProjectRecord | None = None
        if named:
            project = await narrator.project(" ".join(named))
        elif msg.channel_kind == "channel" and msg.channel_id:
            project = await narrator.project_for_channel(msg.channel_id)
        found: list[EntryRecord] = []
        token_: str | None = None
        while True:
            page, token_ = await narrator.entries(project=project, author=author, since=since, page_token=token_)
            found += page
            if token_ is None:
                break
        found.reverse()  # newest first: a chat shows the top of a list
        scope = " ".join(filter(None, (
            f"of {project.name}" if project else "of every project",
            f"by {author}" if author else "",
            f"since {since:%Y-%m-%d %H:%M} UTC" if since else "",
        )))
        if not found:
            return Reply(kind="entries", payload=[], text=f"No entries {scope}.", target="ephemeral",
                         project=project.name if project else None)
        lines = [f"{len(found)} {'entry' if len(found) == 1 else 'entries'} {scope}, newest first:"]
        for e in found[:ENTRIES_SHOWN]:
            title = e.structure.title if e.structure and e.structure.title else e.raw_text.strip().splitlines()[0][:80]
            runs = f" · {len(e.run_ids)} run(s)" if e.run_ids else ""
            state = " · pending" if e.status == "pending" else ""
            lines.append(f"• {e.id} · {e.at:%Y-%m-%d %H:%M} · {e.author} · "
                         f"{projects.get(e.project_id, '?')} — {title}{runs}{state}")
        if len(found) > ENTRIES_SHOWN:
            lines.append(f"… and {len(found) - ENTRIES_SHOWN} earlier: narrow with a time (`/coco entries 7d`).")
        lines.append("`/coco entry ENTRY_ID` shows one.")
        return Reply(kind="entries", payload=[(e, projects.get(e.project_id, "?")) for e in found],
                     text="\n".join(lines), target="ephemeral", project=project.name if project else None)

    async def _digest_command(
        self, narrator: Narrator, msg: InboundMessage, person: UserRecord, rest: list[str]
    ) -> list[Reply]:
        from bot.scheduler import parse_schedule, set_schedule, workspace_timezone

        if rest and rest[0].lower() == "schedule":
            if msg.channel_kind != "channel":
                raise UserInputError("Set the digest schedule in the project's channel: it is posted there.")
            project = await self._project_for(narrator, msg, person)
            schedule = parse_schedule(" ".join(rest[1:]), timezone=await workspace_timezone(narrator))
            due = await set_schedule(narrator, project=project, channel=msg.channel_id, schedule=schedule)
            return [Reply(kind="notice", target="channel", project=project.name,
                          text=f"The weekly digest of {project.name} will be posted here {schedule.describe()}; "
                               f"next on {due:%a %Y-%m-%d %H:%M} UTC.")]
        project = await self._project_for(narrator, msg, person)
        digest = await narrator.digest(project=project.name)
        citations = [c for lines in digest.sections.values() for line in lines for c in line.citations]
        runs, entries = await self._cite_all(narrator, project, citations)
        return [Reply(kind="digest", payload=digest, text=f"Digest of {project.name} (preview)", target="ephemeral",
                      runs=runs, entries=entries, project=project.name)]

    async def _link(self, narrator: Narrator, msg: InboundMessage, rest: list[str]) -> Reply:
        if msg.channel_kind != "channel":
            raise UserInputError("Run `/coco link PROJECT --mlflow-experiment EXP` in the project's channel.")
        name, experiments, metric, goal = None, [], None, "max"
        tokens = iter(rest)
        for token in tokens:
            if token in ("--mlflow-experiment", "--experiment"):
                experiments.append(next(tokens, ""))
            elif token == "--primary-metric":
                metric = next(tokens, None)
            elif token == "--goal":
                goal = next(tokens, "max")
            elif name is None and not token.startswith("--"):
                name = token
            else:
                raise UserInputError(f"I did not understand {token!r}: `/coco link PROJECT --mlflow-experiment EXP`.")
        if not name:
            raise UserInputError("Name the project: `/coco link PROJECT --mlflow-experiment EXP`.")
        if goal not in ("max", "min"):
            raise UserInputError("The goal is `max` or `min`.")
        experiments = [e for e in experiments if e]
        if experiments:
            tracker = self.hub.trackers.for_uri(self.hub.settings.resolved_tracking_uri())
            record = await narrator.add_project(
                name=name, tracker=tracker, experiments=experiments, primary_metric=metric,
                goal="min" if goal == "min" else "max", channels=[msg.channel_id],
            )
        else:
            existing = await narrator.project(name)
            record = await narrator.link_channel(existing, msg.channel_id)
        self._users_seen.pop(record.id, None)
        exps = ", ".join(record.experiment_names) or "its experiments"
        return Reply(kind="notice", target="channel", project=record.name,
                     text=f"This channel is now linked to project {record.name} ({exps}). Plans announced here are "
                          "checked against its history, and entries of the project feed this channel.")

    async def _set_project(self, narrator: Narrator, person: UserRecord, name: str) -> Reply:
        if not name:
            current = await self._default_project(narrator, person)
            names = ", ".join(p.name for p in await narrator.projects()) or "none yet"
            chosen = current.name if current else "(no project chosen)"
            return Reply(kind="notice", target="ephemeral", text=f"Your DMs go to {chosen}. Projects: {names}.")
        project = await narrator.project(name)
        await narrator.set_default_project(person, project)
        where = f" Its entries feed {', '.join(project.channels)}." if project.channels else ""
        return Reply(kind="notice", target="ephemeral", project=project.name,
                     text=f"Your DMs now go to project {project.name}.{where}")

    async def _set_me(self, narrator: Narrator, person: UserRecord, tracker_user: str) -> Reply:
        if not tracker_user:
            project = await self._default_project(narrator, person)
            me = await self.tracker_user(narrator, person, project)
            how = "you said so" if person.tracker_user else "guessed from your e-mail or name"
            return Reply(kind="notice", target="ephemeral",
                         text=f"In the tracker you are {me!r} ({how}). Change it with `/coco me TRACKER_USER`.")
        await narrator.set_tracker_user(person, tracker_user)
        return Reply(kind="notice", target="ephemeral",
                     text=f"Got it: in the tracker you are {tracker_user.strip()!r}; \"my runs\" now means theirs.")

    async def _decide(
        self, narrator: Narrator, project: ProjectRecord, finalists: list[str], criteria: list[str], context: str
    ) -> Reply:
        if len(finalists) < 1:
            raise UserInputError("Give at least one finalist run id.")
        doc = await narrator.decide(project=project.name, finalists=finalists, criteria=criteria, context=context)
        runs, entries = await self._cite_all(narrator, project, doc.citations,
                                             extra_runs=[f.run_id for f in doc.finalists])
        return Reply(kind="decision", payload=doc, text=doc.title, target="ephemeral", runs=runs, entries=entries,
                     project=project.name)

    # -- buttons ------------------------------------------------------------------------------
    async def _owned_entry(self, narrator: Narrator, msg: InboundMessage, entry_id: str) -> EntryRecord:
        return await narrator.check_author(entry_id, user_id=msg.user_id)

    async def _action(self, narrator: Narrator, msg: InboundMessage) -> list[Reply]:
        action = msg.action
        if action is None:
            return []
        where = {"channel": action.channel_id or msg.channel_id, "message": action.message_id}
        if action.action_id == EDIT:
            entry = await self._owned_entry(narrator, msg, action.value)
            return [Reply(kind="form", target="modal", text="Edit entry", form=_edit_form(entry, **where))]
        if action.action_id == CHANGE_PROJECT:
            entry = await self._owned_entry(narrator, msg, action.value)
            projects = await narrator.projects()
            return [Reply(kind="form", target="modal", text="Change project",
                          form=_move_form(entry, projects, **where))]
        if action.action_id == DISCARD:
            entry = await self._owned_entry(narrator, msg, action.value)
            await narrator.discard_entry(entry)
            return [Reply(kind="discarded", target="update", update_message_id=action.message_id,
                          channel_id=where["channel"], thread_id=action.thread_id,
                          text=f"Discarded entry {entry.id}: it is gone from COCO (the tracker's runs are untouched).")]
        if action.action_id == ROUTE:
            return await self._route(narrator, msg, action)
        return []

    async def _route(self, narrator: Narrator, msg: InboundMessage, action: ActionPayload) -> list[Reply]:
        held_ts, _, project_id = action.value.partition("|")
        channel = action.channel_id or msg.channel_id
        held = await narrator.take_held_note(channel, held_ts)
        if held is None:
            return []  # a double click: the first one filed it
        project = await narrator.project_by_id(project_id)
        person = await self._person(narrator, msg)
        person = await narrator.set_default_project(person, project)
        author = await self.tracker_user(narrator, person, project)
        outcome = await narrator.file_held_note(held, project, author=author)
        reply = await self._entry_reply(narrator, project, outcome)
        reply.target, reply.update_message_id = "update", action.message_id
        reply.channel_id, reply.thread_id = channel, held_ts
        note = Reply(kind="notice", target="thread", thread_id=held_ts,
                     text=f"Filed under {project.name}; your DMs go there from now on "
                          "(`/coco project NAME` to change).")
        return [reply, note]

    # -- forms --------------------------------------------------------------------------------
    async def _form(self, narrator: Narrator, msg: InboundMessage) -> list[Reply]:
        form = msg.form
        if form is None:
            return []
        meta, values = form.metadata, form.values
        if form.form_id == EDIT_FORM:
            entry = await self._owned_entry(narrator, msg, meta.get("entry_id", ""))
            before = entry.structure or EntryStructure()
            edited = before.model_copy(update={
                "title": values.get("title", before.title).strip(),
                "hypotheses": _lines(values.get("hypotheses", "")),
                "observations": _lines(values.get("observations", "")),
                "conclusions": _conclusions(values.get("conclusions", ""), before=before.conclusions),
                "next_steps": _lines(values.get("next_steps", "")),
                "open_questions": _lines(values.get("open_questions", "")),
            })
            saved = await narrator.edit_entry(entry, edited)
            project = await narrator.project_by_id(saved.project_id)
            reply = await self._entry_reply(narrator, project, _outcome_of(saved))
            return [self._as_update(reply, meta)]
        if form.form_id == MOVE_FORM:
            entry = await self._owned_entry(narrator, msg, meta.get("entry_id", ""))
            target = await narrator.project_by_id(values.get("project", ""))
            outcome = await narrator.refile_entry(entry, target)
            reply = await self._entry_reply(narrator, target, outcome)
            return [self._as_update(reply, meta)]
        if form.form_id == DECIDE_FORM:
            project = await narrator.project(meta.get("project", ""))
            finalists = [t for t in re.split(r"[\s,]+", values.get("finalists", "")) if t]
            criteria = _lines(values.get("criteria", "").replace(",", "\n"))
            reply = await self._decide(narrator, project, finalists, criteria, values.get("context", ""))
            reply.target = "dm"
            return [reply]
        return []

    @staticmethod
    def _as_update(reply: Reply, meta: dict[str, str]) -> Reply:
        reply.target = "update"
        reply.channel_id = meta.get("channel", "")
        reply.update_message_id = meta.get("message") or None
        return reply

    # -- App Home -----------------------------------------------------------------------------
    async def _home(self, narrator: Narrator, msg: InboundMessage) -> Reply:
        person = await self._person(narrator, msg)
        projects = await narrator.projects()
        default = await self._default_project(narrator, person)
        me = await self.tracker_user(narrator, person, default)
        names = {p.id: p.name for p in projects}
        since = narrator.clock() - dt.timedelta(days=60)
        mine, _ = await narrator.entries(author=me, since=since, limit=1000)
        recent = [(e, names.get(e.project_id, "?")) for e in reversed(mine[-10:])]
        questions = [(q, e) for e in reversed(mine) for q in (e.structure.open_questions if e.structure else [])][:10]
        view = HomeView(person=person.display_name or msg.user_id, tracker_user=me,
                        default_project=default.name if default else None, entries=recent,
                        open_questions=questions, projects=projects)
        return Reply(kind="home", target="home", payload=view, text=f"COCO — {len(recent)} recent entries")


def _as_command(msg: InboundMessage, args: str) -> InboundMessage:
    return InboundMessage(
        workspace_key=msg.workspace_key, platform=msg.platform, user_id=msg.user_id, kind="command",
        user_name=msg.user_name, user_email=msg.user_email, channel_id=msg.channel_id, channel_kind=msg.channel_kind,
        command_args=args.strip(), at=msg.at,
    )


def _outcome_of(entry: EntryRecord) -> LogOutcome:
    from narrative.service import LogOutcome

    return LogOutcome(entry=entry, pending=entry.status == "pending", reason=entry.error or "")


def _edit_form(entry: EntryRecord, *, channel: str, message: str) -> Form:
    s = entry.structure or EntryStructure()
    return Form(
        form_id=EDIT_FORM, title="Edit entry", submit_label="Save",
        metadata={"entry_id": entry.id, "channel": channel, "message": message},
        fields=[
            FormField("title", "Title", s.title, optional=False),
            FormField("hypotheses", "Hypotheses (one per line)", "\n".join(s.hypotheses), multiline=True),
            FormField("observations", "Observations (one per line)", "\n".join(s.observations), multiline=True),
            FormField("conclusions", "Conclusions (one per line; start with ✅, ❌ or •)",
                      "\n".join(f"{VERDICT_MARK[c.verdict]} {c.text}" for c in s.conclusions), multiline=True),
            FormField("next_steps", "Next steps (one per line)", "\n".join(s.next_steps), multiline=True),
            FormField("open_questions", "Open questions (one per line)", "\n".join(s.open_questions), multiline=True),
        ],
    )


def _move_form(entry: EntryRecord, projects: Sequence[ProjectRecord], *, channel: str, message: str) -> Form:
    return Form(
        form_id=MOVE_FORM, title="Change project", submit_label="Move",
        metadata={"entry_id": entry.id, "channel": channel, "message": message},
        fields=[FormField("project", "Project", entry.project_id, optional=False,
                          options=[(p.id, p.name) for p in projects])],
    )


def _decide_form(project: ProjectRecord, *, channel: str) -> Form:
    return Form(
        form_id=DECIDE_FORM, title="Decision record", submit_label="Decide",
        metadata={"project": project.name, "channel": channel},
        fields=[
            FormField("finalists", "Finalist runs (ids or 6+ character prefixes, one per line)", multiline=True,
                      optional=False),
            FormField("criteria", "Criteria (one per line, e.g. val_auc, latency)", multiline=True),
            FormField("context", "Context (deadline, constraints)", multiline=True),
        ],
    )
