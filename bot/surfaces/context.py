"""What every surface of the conversation shares: who the person is (in the chat and in the tracker),
which project a message is about, citations resolved to links, and the replies that several surfaces
give alike (an entry, an answer, a correction, a decision record).

:class:`WorkspaceSteps` needs only a workspace's narrator (the background updates and digests use it);
:class:`Context` is one inbound message being answered, and is what every handler receives."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.messages import (
    CHANGE_PROJECT,
    DISCARD,
    EDIT,
    CitedEntry,
    CitedRun,
    InboundMessage,
    Reply,
    ReplyAction,
    Target,
    TriedNote,
)
from core.errors import CocoError, ProjectNotFoundError, UserInputError
from narrative.types import Answer, Citation
from storage.records import EntryRecord, ProjectRecord, ReplyRecord, UserRecord, utcnow

if TYPE_CHECKING:
    from bot.app import NarratorHub
    from narrative.service import LogOutcome, Narrator

# "You already tried this" is said only above this score (the local engine's own threshold is 0.62).
CONFIDENT_SCORE = 0.62
# Next steps checked against the history per entry: each check reads the whole history.
MAX_STEPS_CHECKED = 3
TRACKER_USERS_TTL_S = 300.0


def outcome_of(entry: EntryRecord) -> LogOutcome:
    from narrative.service import LogOutcome

    return LogOutcome(entry=entry, pending=entry.status == "pending", reason=entry.error or "")


class TrackerUsers:
    """The tracker user names of each project's runs, kept a few minutes: every message of a person
    without ``/coco me`` asks, and each read lists the project's stored runs."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[float, set[str]]] = {}

    async def of(self, narrator: Narrator, project: ProjectRecord) -> set[str]:
        cached = self._seen.get(project.id)
        if cached is not None and time.monotonic() - cached[0] < TRACKER_USERS_TTL_S:
            return cached[1]
        users = await narrator.tracker_users(project)
        self._seen[project.id] = (time.monotonic(), users)
        return users

    def forget(self, project_id: str) -> None:
        self._seen.pop(project_id, None)


class WorkspaceSteps:
    """The shared steps over one workspace's narrator."""

    def __init__(self, *, hub: NarratorHub, narrator: Narrator, tracker_users: TrackerUsers) -> None:
        self.hub = hub
        self.narrator = narrator
        self.tracker_users = tracker_users

    # -- people and projects ------------------------------------------------------------------
    async def tracker_user(self, person: UserRecord, project: ProjectRecord | None) -> str:
        """Who the person is in the tracker: ``/coco me`` if they said, else their e-mail's local part
        or display name as the tracker knows it (matched against the users of the project's runs),
        else the local part, the display name, or the platform id."""
        if person.tracker_user:
            return person.tracker_user
        local = person.email.split("@")[0] if person.email else ""
        if project is not None:
            users = await self.tracker_users.of(self.narrator, project)

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

    async def default_project(self, person: UserRecord) -> ProjectRecord | None:
        if person.default_project_id:
            try:
                return await self.narrator.project_by_id(person.default_project_id)
            except ProjectNotFoundError:
                pass
        projects = await self.narrator.projects()
        return projects[0] if len(projects) == 1 else None

    # -- citations ----------------------------------------------------------------------------
    async def cite(
        self, project: ProjectRecord, *, run_ids: Sequence[str], entry_ids: Sequence[str]
    ) -> tuple[dict[str, CitedRun], dict[str, CitedEntry]]:
        found = await self.narrator.cached_runs(project, run_ids)
        runs = {rid: CitedRun(run_id=rid, name=r.run_name, url=r.url) for rid, r in found.items()}
        entries: dict[str, CitedEntry] = {}
        for entry_id in dict.fromkeys(entry_ids):
            try:
                e = await self.narrator.entry(entry_id)
            except UserInputError:
                continue
            entries[entry_id] = CitedEntry(entry_id=entry_id, title=(e.structure.title if e.structure else ""),
                                           author=e.author, at=e.at)
        return runs, entries

    async def cite_all(
        self, project: ProjectRecord, citations: Sequence[Citation], *, extra_runs: Sequence[str] = ()
    ) -> tuple[dict[str, CitedRun], dict[str, CitedEntry]]:
        return await self.cite(
            project,
            run_ids=[*extra_runs, *(r for c in citations for r in c.run_ids)],
            entry_ids=[c.entry_id for c in citations if c.entry_id],
        )

    # -- replies several surfaces give --------------------------------------------------------
    async def ask(self, project: ProjectRecord, question: str, *, target: Target) -> Reply:
        answer: Answer = await self.narrator.ask(project=project.name, question=question)
        runs, entries = await self.cite_all(project, answer.citations)
        return Reply(kind="answer", payload=answer, text=answer.answer, target=target, runs=runs, entries=entries,
                     project=project.name, memo_kind="answer")

    async def entry_reply(self, project: ProjectRecord, outcome: LogOutcome) -> Reply:
        entry = outcome.entry
        several = len(await self.narrator.projects()) > 1
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
        tried = await self.tried_notes(project, entry)
        runs, entries = await self.cite(
            project, run_ids=[r for note in tried for r in note.match.run_ids],
            entry_ids=[note.match.entry_id for note in tried if note.match.entry_id],
        )
        title = outcome.structure.title or "Experiment log"
        return Reply(
            kind="entry", payload=outcome, project=project.name, feeds_channels=list(project.channels),
            text=f"Entry {entry.id}: {title} ({len(outcome.structure.runs)} run(s) linked, project {project.name})",
            actions=actions, tried=tried, runs=runs, entries=entries, memo_kind="entry", entry_id=entry.id,
        )

    async def tried_notes(self, project: ProjectRecord, entry: EntryRecord) -> list[TriedNote]:
        notes: list[TriedNote] = []
        steps = entry.structure.next_steps if entry.structure else []
        for step in steps[:MAX_STEPS_CHECKED]:
            try:
                result = await self.narrator.check(project=project.name, text=step)
            except CocoError:
                continue
            confident = [m for m in result.matches if m.score >= CONFIDENT_SCORE and m.entry_id != entry.id]
            if result.already_tried and confident:
                notes.append(TriedNote(step=step, match=confident[0]))
        return notes

    async def decide(
        self, project: ProjectRecord, finalists: list[str], criteria: list[str], context: str
    ) -> Reply:
        if len(finalists) < 1:
            raise UserInputError("Give at least one finalist run id.")
        doc = await self.narrator.decide(project=project.name, finalists=finalists, criteria=criteria, context=context)
        runs, entries = await self.cite_all(project, doc.citations, extra_runs=[f.run_id for f in doc.finalists])
        return Reply(kind="decision", payload=doc, text=doc.title, target="ephemeral", runs=runs, entries=entries,
                     project=project.name)


class Context(WorkspaceSteps):
    """One inbound message being answered: the shared steps, the message, and its sender."""

    def __init__(
        self, *, hub: NarratorHub, narrator: Narrator, tracker_users: TrackerUsers, msg: InboundMessage
    ) -> None:
        super().__init__(hub=hub, narrator=narrator, tracker_users=tracker_users)
        self.msg = msg

    def with_message(self, msg: InboundMessage) -> Context:
        """The same workspace answering another message (a DM that was a ``/coco`` command)."""
        return Context(hub=self.hub, narrator=self.narrator, tracker_users=self.tracker_users, msg=msg)

    async def person(self) -> UserRecord:
        """The sender's row, created on first contact and refreshed when their name or e-mail changed."""
        msg = self.msg
        return await self.narrator.meet(msg.user_id, name=msg.user_name, email=msg.user_email)

    async def project_for(self, person: UserRecord, *, named: str | None = None) -> ProjectRecord:
        """The project a command is about: the one named, else the channel's, else the person's."""
        if named:
            return await self.narrator.project(named)
        msg = self.msg
        if msg.channel_kind == "channel" and msg.channel_id:
            linked = await self.narrator.project_for_channel(msg.channel_id)
            if linked is not None:
                return linked
        default = await self.default_project(person)
        if default is not None:
            return default
        names = [p.name for p in await self.narrator.projects()]
        if not names:
            raise UserInputError(
                "There is no project yet: link a channel with `/coco link PROJECT --mlflow-experiment EXP`."
            )
        raise UserInputError(
            f"Which project? Say `/coco project NAME` once (known: {', '.join(names)}), or use a linked channel."
        )

    async def log(self, person: UserRecord, project: ProjectRecord, text: str) -> Reply:
        msg = self.msg
        author = await self.tracker_user(person, project)
        outcome = await self.narrator.log(
            project=project.name, text=text, author=author, at=msg.at, source="dm" if msg.channel_kind == "dm"
            else "thread", channel=msg.channel_id, thread_ts=msg.thread_id or msg.message_id,
        )
        return await self.entry_reply(project, outcome)

    async def entry_thread(self) -> tuple[ReplyRecord, EntryRecord] | None:
        """The entry the message's thread is about, when COCO posted an entry in it."""
        if not self.msg.thread_id:
            return None
        return await self.narrator.thread_entry(self.msg.channel_id, self.msg.thread_id)

    async def correct(self, person: UserRecord, memo: ReplyRecord, entry: EntryRecord, text: str) -> list[Reply]:
        """The author's correction, in the entry's thread: the entry's message updated, and a note."""
        msg = self.msg
        if memo.author and memo.author != msg.user_id:
            return []  # only the author corrects an entry; others' remarks are theirs
        when = msg.at or utcnow()
        who = person.display_name or msg.user_id
        project, outcome = await self.narrator.correct_entry(entry, text, who=who, at=when)
        updated = await self.entry_reply(project, outcome)
        updated.target, updated.update_message_id = "update", memo.message_ts
        updated.channel_id, updated.thread_id, updated.user_id = memo.channel, memo.thread_ts, memo.author
        note = Reply(kind="notice", text=f"Updated entry {entry.id} with your correction (your original text is kept).")
        return [updated, note]
