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

import logging
from typing import TYPE_CHECKING

from bot.messages import InboundMessage, Reply, Target
from bot.surfaces.actions import action, form
from bot.surfaces.channel import channel
from bot.surfaces.commands import run_command
from bot.surfaces.context import Context, TrackerUsers, WorkspaceSteps, outcome_of
from bot.surfaces.direct import direct, revised
from bot.surfaces.home import home
from core.errors import CocoError, OutsideFailure, ProjectNotFoundError, UserInputError
from narrative.types import Digest
from storage.records import ProjectRecord, ReplyRecord, UserRecord

if TYPE_CHECKING:
    from bot.app import NarratorHub
    from narrative.service import Narrator


log = logging.getLogger("coco.conversation")


class Conversation:
    """The platform-neutral conversation over a :class:`bot.app.NarratorHub`: it routes each inbound
    to the handler of its surface (``bot/surfaces/``) and turns the person's mistakes into replies."""

    def __init__(self, hub: NarratorHub) -> None:
        self.hub = hub
        self._tracker_users = TrackerUsers()

    # -- entry point --------------------------------------------------------------------------
    async def handle(self, msg: InboundMessage) -> list[Reply]:
        narrator = await self.hub.narrator(msg.workspace_key, platform=msg.platform)
        if msg.event_id and not await narrator.claim_event(msg.event_id):
            log.info("duplicate delivery %s ignored", msg.event_id)
            return []
        fallback: Target = "ephemeral" if msg.kind in ("command", "action", "form") else "thread"
        try:
            replies = await self._dispatch(Context(hub=self.hub, narrator=narrator,
                                                   tracker_users=self._tracker_users, msg=msg))
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

    @staticmethod
    async def _dispatch(ctx: Context) -> list[Reply]:
        msg = ctx.msg
        if msg.kind == "home":
            return await home(ctx)
        if msg.kind == "command":
            return await run_command(ctx)
        if msg.kind == "action":
            return await action(ctx)
        if msg.kind == "form":
            return await form(ctx)
        if msg.kind in ("edited", "deleted"):
            return await revised(ctx)
        if msg.channel_kind == "dm":
            return await direct(ctx)
        return await channel(ctx)

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

    # -- what the background loops post --------------------------------------------------------
    def _steps(self, narrator: Narrator) -> WorkspaceSteps:
        return WorkspaceSteps(hub=self.hub, narrator=narrator, tracker_users=self._tracker_users)

    def steps(self, narrator: Narrator) -> WorkspaceSteps:
        """The shared steps over one workspace (the nudges' scheduled pass uses them)."""
        return self._steps(narrator)

    async def finished_updates(self, narrator: Narrator) -> list[Reply]:
        """Messages showing a pending entry that has since been finished (by the job worker or the
        CLI): updates that replace them with the entry. Call after ``narrative.jobs.run_due_jobs``."""
        steps = self._steps(narrator)
        updates: list[Reply] = []
        for memo, project, entry in await narrator.finished_entries():
            reply = await steps.entry_reply(project, outcome_of(entry))
            reply.target, reply.update_message_id = "update", memo.message_ts
            reply.channel_id, reply.thread_id, reply.user_id = memo.channel, memo.thread_ts, memo.author
            reply.workspace_id = narrator.workspace_id
            updates.append(reply)
        return updates

    async def digest_reply(self, narrator: Narrator, digest: Digest) -> Reply:
        """A scheduled digest as a channel post, its citations resolved to links."""
        project = await narrator.project(digest.project)
        citations = [c for lines in digest.sections.values() for line in lines for c in line.citations]
        runs, entries = await self._steps(narrator).cite_all(project, citations)
        return Reply(kind="digest", payload=digest, text=f"Weekly digest of {project.name}", target="channel",
                     runs=runs, entries=entries, project=project.name, workspace_id=narrator.workspace_id)

    async def tracker_user(self, narrator: Narrator, person: UserRecord, project: ProjectRecord | None) -> str:
        """Who the person is in the tracker (see :meth:`WorkspaceSteps.tracker_user`)."""
        return await self._steps(narrator).tracker_user(person, project)
