"""Direct messages: a brain dump becomes an entry of the person's default project (or is held until
they choose one), a short question is answered from the history, and a reply in an entry's thread is
a question about it or its author's correction. A DM stays private until it becomes an entry."""

from __future__ import annotations

from typing import Literal

from bot.intents import looks_like_correction, looks_like_question
from bot.messages import AS_COMMAND, AS_NOTE, ROUTE, InboundMessage, Reply, ReplyAction
from bot.nudges import nudged_project
from bot.surfaces.commands import help_reply, run_command
from bot.surfaces.context import Context
from bot.verbs import starts_with_verb
from core.errors import UserInputError
from narrative.revisions import retract_entry, revise_entry, same_text
from storage.records import utcnow

# A DM shorter than this that ends with "?" is a question, not a brain dump.
QUESTION_MAX_CHARS = 300
# A command is one short line; a DM past this, or of several lines, is a note whatever its first word.
COMMAND_MAX_CHARS = 200


async def direct(ctx: Context) -> list[Reply]:
    msg, narrator = ctx.msg, ctx.narrator
    text = msg.text.strip()
    if not text:
        return []
    person = await ctx.person()
    if msg.thread_id and msg.thread_id != msg.message_id:
        in_thread = await ctx.entry_thread()
        if in_thread is not None:
            memo, entry = in_thread
            if looks_like_question(text) and not looks_like_correction(text):
                about = await narrator.project_by_id(entry.project_id)
                return [await ctx.ask(about, text, target="thread")]
            # A reply on one's own entry, in one's own DM, is about that entry.
            return await ctx.correct(person, memo, entry, text)
    if text.lower() in ("help", "?", "hi", "hello"):
        return [help_reply(target="thread", intro="Hi! DM me your end-of-day notes and I will log them.")]
    if text.lower().startswith("/coco"):
        return await run_command(ctx.with_message(as_command(msg, text[5:])))
    reads_as = _reads_as(text)
    if reads_as == "command":
        return await run_command(ctx.with_message(as_command(msg, text)))
    if reads_as == "unsure":
        return [await ask_command_or_note(ctx, text)]
    # A reply to an end-of-day nudge belongs to the nudge's project (its runs are what it talks about).
    project = await nudged_project(ctx) or await ctx.default_project(person)
    if len(text) <= QUESTION_MAX_CHARS and "\n" not in text and looks_like_question(text):
        if project is None:
            raise UserInputError("Which project is that about? Set one with `/coco project NAME`.")
        return [await ctx.ask(project, text, target="thread")]
    if project is None:
        return [await hold(ctx, text)]
    return [await ctx.log(person, project, text)]


def _reads_as(text: str) -> Literal["command", "note", "unsure"]:
    """"phase" alone is a command, a long or several-line message a note whatever its first word, and
    "check the split on the new fold" could be either."""
    if not starts_with_verb(text) or "\n" in text.strip() or len(text) > COMMAND_MAX_CHARS:
        return "note"
    return "command" if len(text.split()) == 1 else "unsure"


async def ask_command_or_note(ctx: Context, text: str) -> Reply:
    """Hold the DM (stored: never lost) and ask its author whether it is a command or a note."""
    msg = ctx.msg
    door = await ctx.narrator.hold_note(msg.channel_id, msg.message_id, author=msg.user_id, text=text)
    verb = text.split(maxsplit=1)[0].lower()
    removed = f" {door.sentence}" if door.removed else ""
    return Reply(
        kind="held",
        text=f"Is this the `{verb}` command, or a note to log?{removed}",
        actions=[ReplyAction(AS_COMMAND, f"Run {verb}", value=msg.message_id, style="primary"),
                 ReplyAction(AS_NOTE, "Log it as a note", value=msg.message_id)],
    )


async def hold(ctx: Context, text: str) -> Reply:
    """Keep a DM (in the store: it is never lost) until its author says which project it is for."""
    msg = ctx.msg
    door = await ctx.narrator.hold_note(msg.channel_id, msg.message_id, author=msg.user_id, text=text)
    return await project_choice(ctx, held_id=msg.message_id, removed=door.sentence if door.removed else "")


async def project_choice(ctx: Context, *, held_id: str, removed: str = "") -> Reply:
    """Ask which project a held DM is for, one button per project (saying what secrets were removed)."""
    projects = await ctx.narrator.projects()
    removed = f" {removed}" if removed else ""
    if not projects:
        return Reply(kind="notice", text=f"I saved your note, but there is no project to file it under yet.{removed} "
                     "Link a channel with `/coco link PROJECT --mlflow-experiment EXP`, then come back here.")
    return Reply(
        kind="held",
        text=f"I saved your note.{removed} Which project is it for? (It stays private to you until you choose.)",
        actions=[ReplyAction(ROUTE, p.name, value=f"{held_id}|{p.id}") for p in projects[:5]],
    )


async def revised(ctx: Context) -> list[Reply]:
    """A DM edited or deleted after it was sent. The entry it became (the entry whose thread it
    starts, by its author) is structured again from the new version, its history kept, or discarded
    with its lines taken out of the runs' notes; a note still held for routing takes the new text or
    is dropped. Anything else (a question, a thread reply, chatter) changes nothing."""
    msg, narrator = ctx.msg, ctx.narrator
    found = await narrator.thread_entry(msg.channel_id, msg.message_id)
    if found is None:
        held = await narrator.posted_reply(msg.channel_id, msg.message_id)
        if held is None or not held.held_text or (msg.user_id and held.author != msg.user_id):
            return []
        if msg.kind == "deleted":
            await narrator.mark_routed(held, entry_id=None)  # nothing left to file
        elif msg.text.strip():
            await narrator.hold_note(msg.channel_id, msg.message_id, author=held.author or msg.user_id, text=msg.text)
        return []
    memo, entry = found
    if entry.thread_ts != msg.message_id or entry.channel != msg.channel_id:
        return []  # the message is a reply in the entry's thread, not the entry's own text
    if msg.user_id and memo.author and memo.author != msg.user_id:
        return []
    if msg.kind == "deleted":
        cleaned = await retract_entry(narrator, entry)
        notes = f" and its line was taken out of {cleaned} run note(s)" if cleaned else ""
        return [Reply(kind="discarded", target="update", update_message_id=memo.message_ts,
                      channel_id=memo.channel, thread_id=memo.thread_ts, user_id=memo.author or msg.user_id,
                      text=f"You deleted your message, so entry {entry.id} is discarded{notes}.")]
    if not msg.text.strip() or same_text(entry, msg.text):
        return []  # a link preview or a language tag added: the words did not change
    person = await ctx.person()
    project, outcome = await revise_entry(narrator, entry, msg.text, who=person.display_name or msg.user_id,
                                          at=msg.at or utcnow())
    updated = await ctx.entry_reply(project, outcome)
    updated.target, updated.update_message_id = "update", memo.message_ts
    updated.channel_id, updated.thread_id, updated.user_id = memo.channel, memo.thread_ts, memo.author
    note = Reply(kind="notice", target="thread", thread_id=memo.thread_ts,
                 text=f"Updated entry {entry.id} from your edited message (the earlier version is kept).")
    return [updated, note]


def as_command(msg: InboundMessage, args: str) -> InboundMessage:
    return InboundMessage(
        workspace_key=msg.workspace_key, platform=msg.platform, user_id=msg.user_id, kind="command",
        user_name=msg.user_name, user_email=msg.user_email, channel_id=msg.channel_id, channel_kind=msg.channel_kind,
        command_args=args.strip(), at=msg.at,
    )
