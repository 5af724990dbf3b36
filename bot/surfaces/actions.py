"""Buttons and forms: Edit, Change project and Discard on an entry's message (its author only), the
project chosen for a held DM, and the submitted Edit, Change project and Decision record forms."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.messages import (
    AS_COMMAND,
    AS_NOTE,
    CHANGE_PROJECT,
    DECIDE_FORM,
    DISCARD,
    EDIT,
    EDIT_FORM,
    MOVE_FORM,
    ROUTE,
    ActionPayload,
    Form,
    FormField,
    Reply,
)
from bot.nudges import ACTIONS as NUDGE_ACTIONS
from bot.nudges import NUDGE_FORM, nudge_action, nudge_form
from bot.surfaces.commands import lines_of, run_command
from bot.surfaces.context import Context, outcome_of
from bot.surfaces.direct import as_command, project_choice
from core.errors import UserInputError
from storage.records import Conclusion, EntryRecord, EntryStructure, ProjectRecord, Verdict

_VERDICT_MARKS: tuple[tuple[str, Verdict], ...] = (
    ("✅", "worked"), ("[worked]", "worked"), ("❌", "did_not_work"), ("[did_not_work]", "did_not_work"),
    ("•", "inconclusive"),
)
VERDICT_MARK = {"worked": "✅", "did_not_work": "❌", "inconclusive": "•"}
# The longest text one form input takes on every front end (Slack's plain_text_input: 3,000), and how
# many inputs one section may use (a Slack modal holds 100 blocks; six sections fit at ten each).
FIELD_CHARS = 3000
MAX_PARTS = 10
PART = "~"  # "hypotheses~2": the second input of a section


# -- buttons ----------------------------------------------------------------------------------------


async def action(ctx: Context) -> list[Reply]:
    msg, narrator = ctx.msg, ctx.narrator
    clicked = msg.action
    if clicked is None:
        return []
    where = {"channel": clicked.channel_id or msg.channel_id, "message": clicked.message_id}
    if clicked.action_id == EDIT:
        entry = await narrator.check_author(clicked.value, user_id=msg.user_id)
        return [Reply(kind="form", target="modal", text="Edit entry", form=_edit_form(entry, **where))]
    if clicked.action_id == CHANGE_PROJECT:
        entry = await narrator.check_author(clicked.value, user_id=msg.user_id)
        projects = await narrator.projects()
        return [Reply(kind="form", target="modal", text="Change project", form=_move_form(entry, projects, **where))]
    if clicked.action_id == DISCARD:
        entry = await narrator.check_author(clicked.value, user_id=msg.user_id)
        await narrator.discard_entry(entry)
        return [Reply(kind="discarded", target="update", update_message_id=clicked.message_id,
                      channel_id=where["channel"], thread_id=clicked.thread_id,
                      text=f"Discarded entry {entry.id}: it is gone from COCO (the tracker's runs are untouched).")]
    if clicked.action_id == ROUTE:
        return await route(ctx, clicked)
    if clicked.action_id in (AS_COMMAND, AS_NOTE):
        return await command_or_note(ctx, clicked)
    if clicked.action_id in NUDGE_ACTIONS:
        return await nudge_action(ctx, clicked)
    return []


async def command_or_note(ctx: Context, clicked: ActionPayload) -> list[Reply]:
    """The author's answer to "command or note?" for a held DM: run it, or log it."""
    msg, narrator = ctx.msg, ctx.narrator
    channel = clicked.channel_id or msg.channel_id
    await _check_holder(ctx, channel, clicked.value)
    if clicked.action_id == AS_NOTE:
        project = await ctx.default_project(await ctx.person())
        if project is None:
            # Still held: the project buttons file it (under their own claim).
            choice = await project_choice(ctx, held_id=clicked.value)
            choice.target, choice.update_message_id = "update", clicked.message_id
            choice.channel_id, choice.thread_id = channel, clicked.value
            return [choice]
        return await _file(ctx, clicked, project=project, channel=channel)
    held = await narrator.take_held_note(channel, clicked.value)
    if held is None:
        return []  # a double click: the first one ran it
    await narrator.mark_routed(held, entry_id=None)
    done = Reply(kind="notice", target="update", update_message_id=clicked.message_id, channel_id=channel,
                 thread_id=clicked.value, text="Ran it as a command.")
    return [done, *await run_command(ctx.with_message(as_command(msg, held.held_text or "")))]


async def _check_holder(ctx: Context, channel: str, held_id: str) -> None:
    # The note is its author's alone: checked before the note is claimed, so a click by anyone else
    # (a forged payload: only the author sees this DM) neither files it nor uses up the author's click.
    waiting = await ctx.narrator.posted_reply(channel, held_id)
    if waiting is not None and waiting.author and waiting.author != ctx.msg.user_id:
        raise UserInputError("Only the person who sent this note can choose what it is.")


async def route(ctx: Context, clicked: ActionPayload) -> list[Reply]:
    """The project chosen for a held DM: the note is filed there, and DMs go there from now on."""
    msg, narrator = ctx.msg, ctx.narrator
    held_ts, _, project_id = clicked.value.partition("|")
    channel = clicked.channel_id or msg.channel_id
    await _check_holder(ctx, channel, held_ts)
    project = await narrator.project_by_id(project_id)
    await narrator.set_default_project(await ctx.person(), project)
    replies = await _file(ctx, clicked, project=project, channel=channel, held_id=held_ts)
    if replies:
        replies.append(Reply(kind="notice", target="thread", thread_id=held_ts,
                             text=f"Filed under {project.name}; your DMs go there from now on "
                                  "(`/coco project NAME` to change)."))
    return replies


async def _file(ctx: Context, clicked: ActionPayload, *, project: ProjectRecord, channel: str,
                held_id: str | None = None) -> list[Reply]:
    """File a held DM under ``project`` and turn the message that asked into the entry's reply."""
    held_id = held_id or clicked.value
    held = await ctx.narrator.take_held_note(channel, held_id)
    if held is None:
        return []  # a double click: the first one filed it
    author = await ctx.tracker_user(await ctx.person(), project)
    outcome = await ctx.narrator.file_held_note(held, project, author=author)
    reply = await ctx.entry_reply(project, outcome)
    reply.target, reply.update_message_id = "update", clicked.message_id
    reply.channel_id, reply.thread_id = channel, held_id
    return [reply]


# -- forms ------------------------------------------------------------------------------------------


async def form(ctx: Context) -> list[Reply]:
    msg, narrator = ctx.msg, ctx.narrator
    submitted = msg.form
    if submitted is None:
        return []
    meta, values = submitted.metadata, submitted.values
    if submitted.form_id == EDIT_FORM:
        entry = await narrator.check_author(meta.get("entry_id", ""), user_id=msg.user_id)
        before = entry.structure or EntryStructure()
        kept = set(filter(None, meta.get("kept", "").split(",")))
        changes: dict[str, object] = {}
        if "title" not in kept:
            changes["title"] = _joined(values, "title").strip() or before.title
        for name in ("hypotheses", "observations", "next_steps", "open_questions"):
            if name not in kept:
                changes[name] = lines_of(_joined(values, name))
        if "conclusions" not in kept:
            changes["conclusions"] = _conclusions(_joined(values, "conclusions"), before=before.conclusions)
        edited = before.model_copy(update=changes)
        saved = await narrator.edit_entry(entry, edited)
        project = await narrator.project_by_id(saved.project_id)
        reply = await ctx.entry_reply(project, outcome_of(saved))
        return [_as_update(reply, meta)]
    if submitted.form_id == MOVE_FORM:
        entry = await narrator.check_author(meta.get("entry_id", ""), user_id=msg.user_id)
        target = await narrator.project_by_id(values.get("project", ""))
        outcome = await narrator.refile_entry(entry, target)
        reply = await ctx.entry_reply(target, outcome)
        return [_as_update(reply, meta)]
    if submitted.form_id == DECIDE_FORM:
        project = await narrator.project(meta.get("project", ""))
        finalists = [t for t in re.split(r"[\s,]+", values.get("finalists", "")) if t]
        criteria = lines_of(values.get("criteria", "").replace(",", "\n"))
        reply = await ctx.decide(project, finalists, criteria, values.get("context", ""))
        reply.target = "dm"
        return [reply]
    if submitted.form_id == NUDGE_FORM:
        return await nudge_form(ctx)
    return []


def _as_update(reply: Reply, meta: dict[str, str]) -> Reply:
    reply.target = "update"
    reply.channel_id = meta.get("channel", "")
    reply.update_message_id = meta.get("message") or None
    return reply


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


def _edit_form(entry: EntryRecord, *, channel: str, message: str) -> Form:
    """One text input per section, or several ("part 2 of 3") when a section is longer than an input
    takes (Slack's 3,000 characters): saving the form unchanged gives back exactly what it showed. A
    section that cannot be split on line boundaries within ``MAX_PARTS`` inputs is not offered for
    editing at all (a note says so, and saving keeps it as it is), rather than cut."""
    s = entry.structure or EntryStructure()
    sections: list[tuple[str, str, list[str], bool]] = [
        ("title", "Title", [s.title] if s.title else [], False),
        ("hypotheses", "Hypotheses (one per line)", list(s.hypotheses), True),
        ("observations", "Observations (one per line)", list(s.observations), True),
        ("conclusions", "Conclusions (one per line; start with ✅, ❌ or •)",
         [f"{VERDICT_MARK[c.verdict]} {c.text}" for c in s.conclusions], True),
        ("next_steps", "Next steps (one per line)", list(s.next_steps), True),
        ("open_questions", "Open questions (one per line)", list(s.open_questions), True),
    ]
    fields: list[FormField] = []
    kept: list[str] = []
    for name, label, lines, multiline in sections:
        parts = _parts(lines)
        if parts is None:
            kept.append(name)
            fields.append(FormField(f"{name}{PART}kept", f"{label.split(' (')[0]}: kept as it is",
                                    hint=f"Too long to edit here ({sum(map(len, lines)):,} characters); saving keeps "
                                         "it unchanged. Reply in the entry's thread to correct it.",
                                    multiline=True))
            continue
        for i, part in enumerate(parts or [""]):
            several = len(parts) > 1
            fields.append(FormField(name if i == 0 else f"{name}{PART}{i + 1}",
                                    f"{label} — part {i + 1} of {len(parts)}" if several else label,
                                    part, multiline=multiline or several, optional=name != "title" or i > 0))
    return Form(
        form_id=EDIT_FORM, title="Edit entry", submit_label="Save",
        metadata={"entry_id": entry.id, "channel": channel, "message": message, "kept": ",".join(kept)},
        fields=fields,
    )


def _parts(lines: Sequence[str]) -> list[str] | None:
    """Lines packed into inputs of at most ``FIELD_CHARS`` each, never splitting a line; ``None`` when
    a line alone is longer, or more than ``MAX_PARTS`` inputs would be needed."""
    parts: list[str] = []
    current = ""
    for line in lines:
        if len(line) > FIELD_CHARS:
            return None
        if current and len(current) + 1 + len(line) > FIELD_CHARS:
            parts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        parts.append(current)
    return parts if len(parts) <= MAX_PARTS else None


def _joined(values: dict[str, str], name: str) -> str:
    """A section's text back from its inputs: ``name``, then ``name~2``, ``name~3``… in order."""
    numbered = sorted((int(key.rsplit(PART, 1)[1]), text) for key, text in values.items()
                      if key.startswith(f"{name}{PART}") and key.rsplit(PART, 1)[1].isdigit())
    return "\n".join([values.get(name, ""), *(text for _, text in numbered)]).strip("\n")


def _move_form(entry: EntryRecord, projects: Sequence[ProjectRecord], *, channel: str, message: str) -> Form:
    return Form(
        form_id=MOVE_FORM, title="Change project", submit_label="Move",
        metadata={"entry_id": entry.id, "channel": channel, "message": message},
        fields=[FormField("project", "Project", entry.project_id, optional=False,
                          options=[(p.id, p.name) for p in projects])],
    )
