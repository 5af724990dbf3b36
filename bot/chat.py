"""``coco chat``: the very same conversation as the Slack bot, in a terminal.

Lines are read from stdin:

* ``/coco ...`` is a command, exactly as in Slack (``/coco help``, ``/coco phase``, ``/coco ask ...``);
* ``> text`` replies in the thread of the last entry (a question, or a correction such as
  ``> actually that was lr 1e-4``);
* anything else is a DM: a brain dump that may span several lines, ended by a blank line or a line
  with a single ``.`` (or the end of input);
* ``/quit`` (or end of input) leaves.

A modal (``/coco decide``, Edit) becomes questions asked one by one; buttons that choose a project
become a numbered choice. Replies are printed with the terminal renderer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from bot import render_terminal as view
from bot.conversation import Conversation
from bot.messages import (
    ROUTE,
    ActionPayload,
    EntryList,
    FormSubmission,
    HelpLines,
    HomeView,
    InboundMessage,
    Reply,
    ReplyAction,
)
from bot.render_terminal import esc as shown
from bot.settings import Settings
from narrative.types import Answer, CheckResult, DecisionDoc, Digest, NextPlan, PhaseReport, ReproReport

if TYPE_CHECKING:
    from rich.console import Console

CHAT_CHANNEL = "terminal"
PLATFORM = "cli"


class TerminalChat:
    def __init__(self, conversation: Conversation, *, workspace: str, user: str, stdin: TextIO, console: Console,
                 now: Callable[[], dt.datetime] | None = None) -> None:
        self.conversation = conversation
        self.workspace = workspace
        self.user = user
        self.stdin = stdin
        self.console = console
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._counter = 0
        self._last_thread: str | None = None

    def _next_id(self) -> str:
        # Message ids must be unique per conversation (and across runs on one database): a time stamp.
        self._counter += 1
        return f"{self._now().timestamp():.6f}.{self._counter}"

    async def _readline(self) -> str | None:
        line = await asyncio.to_thread(self.stdin.readline)
        return None if line == "" else line.rstrip("\n")

    def _message(self, **fields: object) -> InboundMessage:
        message_id = self._next_id()
        base: dict[str, object] = {
            "workspace_key": self.workspace, "platform": PLATFORM, "user_id": self.user, "user_name": self.user,
            "channel_id": CHAT_CHANNEL, "channel_kind": "dm", "message_id": message_id,
            "event_id": f"chat:{message_id}", "at": self._now(),
        }
        base.update(fields)
        return InboundMessage(**base)  # type: ignore[arg-type]

    async def run(self) -> int:
        if self.stdin.isatty():
            self.console.print("[bold]COCO chat[/] — DM me your notes (end with a blank line), "
                               "`/coco help` for commands, `/quit` to leave.")
        while True:
            line = await self._readline()
            if line is None:
                return 0
            stripped = line.strip()
            if not stripped:
                continue
            if stripped in ("/quit", "/exit"):
                return 0
            if stripped.startswith("/coco"):
                await self.send(self._message(kind="command", command_args=stripped[5:].strip(), message_id=""))
            elif stripped.startswith(">"):
                if self._last_thread is None:
                    self.console.print("[yellow]No entry to reply to yet.[/]")
                    continue
                await self.send(self._message(text=stripped[1:].strip(), thread_id=self._last_thread))
            else:
                lines = [line]
                while True:
                    more = await self._readline()
                    if more is None or not more.strip() or more.strip() == ".":
                        break
                    lines.append(more)
                await self.send(self._message(text="\n".join(lines)))

    async def send(self, msg: InboundMessage) -> None:
        for reply in await self.conversation.handle(msg):
            await self.show(reply, msg)

    async def show(self, reply: Reply, msg: InboundMessage) -> None:
        if reply.target == "modal" and reply.form is not None:
            await self._fill(reply)
            return
        print_reply(reply, self.console)
        message_id = reply.update_message_id or self._next_id()
        await self.conversation.remember(reply, channel_id=CHAT_CHANNEL, message_id=message_id)
        if reply.kind == "entry" and reply.thread_id:  # `/coco entry ID` shows one without a thread
            self._last_thread = reply.thread_id
        routes = [a for a in reply.actions if a.action_id == ROUTE]
        if routes:
            await self._choose(routes, message_id=message_id, msg=msg)

    async def _fill(self, reply: Reply) -> None:
        form = reply.form
        assert form is not None
        self.console.print(f"[bold]{shown(form.title)}[/] — answer each question (end a multi-line answer with `.`)")
        values: dict[str, str] = {}
        for field in form.fields:
            hint = f" {shown(f'[{field.initial}]')}" if field.initial and not field.multiline else ""
            self.console.print(f"{shown(field.label)}{hint}:")
            if field.multiline:
                lines: list[str] = []
                while True:
                    line = await self._readline()
                    if line is None or line.strip() == ".":
                        break
                    lines.append(line)
                values[field.name] = "\n".join(lines) or field.initial
            else:
                line = await self._readline()
                values[field.name] = (line or "").strip() or field.initial
        await self.send(self._message(kind="form", form=FormSubmission(form.form_id, values, dict(form.metadata))))

    async def _choose(self, choices: list[ReplyAction], *, message_id: str, msg: InboundMessage) -> None:
        for i, action in enumerate(choices, 1):
            self.console.print(f"  {shown(f'[{i}]')} {shown(action.label)}")
        line = await self._readline()
        try:
            picked = choices[int((line or "").strip()) - 1]
        except (ValueError, IndexError):
            self.console.print("[yellow]Not filed; your note stays saved. Set a project with `/coco project NAME`.[/]")
            return
        await self.send(self._message(kind="action", action=ActionPayload(
            action_id=picked.action_id, value=picked.value, message_id=message_id, channel_id=CHAT_CHANNEL)))


def print_reply(reply: Reply, console: Console) -> None:
    """A neutral reply with the terminal renderer (the same one `coco log`, `coco phase`... use), chosen
    by the type of what the reply shows."""
    from narrative.service import LogOutcome

    payload = reply.payload
    if isinstance(payload, LogOutcome):
        view.entry(payload, project=reply.project or "")
        for note in reply.tried:
            m = note.match
            who = f" — {m.author}, {m.at:%Y-%m-%d}" if m.at else ""
            console.print(f"[bold yellow]⚠ You already tried this:[/] “{shown(note.step)}”: "
                          f"{shown(m.summary)}{shown(who)}")
            if m.outcome:
                console.print(f"    what happened: {shown(m.outcome)}")
        where = ", ".join(f"#{c}" for c in reply.feeds_channels) or "no channel linked yet"
        console.print(f"[dim]Project {shown(reply.project)} ({shown(where)}). Reply with `> ...` to correct or ask.[/]")
    elif isinstance(payload, CheckResult):  # a check, or a channel's "already tried" warning
        view.check(payload)
    elif isinstance(payload, Answer):
        view.answer(payload)
        for run in reply.runs.values():
            console.print(f"[dim]  run {run.run_id[:8]} {shown(run.name)}: {shown(run.url)}[/]")
    elif isinstance(payload, PhaseReport):
        view.phase(payload)
    elif isinstance(payload, ReproReport):
        view.reproduce(payload)
    elif isinstance(payload, Digest):
        view.digest(payload)
    elif isinstance(payload, NextPlan):
        view.next_plan(payload)
    elif isinstance(payload, DecisionDoc):
        view.decision(payload)
    elif isinstance(payload, EntryList):
        from bot.render_entries import print_entries

        # A terminal has room: every entry in full, oldest first (the newest ends next to the prompt).
        if payload.items:
            print_entries([e for e, _ in reversed(payload.items)], names={e.project_id: p for e, p in payload.items},
                          detail=False)
        else:
            console.print(reply.text, markup=False)
    elif isinstance(payload, HelpLines):
        console.print(reply.text, markup=False)
    elif isinstance(payload, HomeView):
        for entry, project in payload.entries:
            console.print(f"• {entry.id} {entry.structure.title if entry.structure else ''} — {project}", markup=False)
    elif reply.kind == "error":
        console.print(f"[red]{shown(reply.text)}[/]")
    else:
        console.print(reply.text, markup=False)


async def run_chat(settings: Settings, *, workspace: str | None = None, user: str | None = None,
                   stdin: TextIO | None = None) -> int:
    from rich.console import Console

    from bot.app import open_hub

    async with open_hub(settings) as hub:
        chat = TerminalChat(Conversation(hub), workspace=workspace or settings.workspace,
                            user=user or settings.author, stdin=stdin or sys.stdin,
                            console=Console(highlight=False, soft_wrap=False))
        return await chat.run()
