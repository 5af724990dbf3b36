"""Direct messages: a brain dump becomes an entry of the person's default project (or is held until
they choose one), a short question is answered from the history, and a reply in an entry's thread is
a question about it or its author's correction. A DM stays private until it becomes an entry."""

from __future__ import annotations

from bot.intents import looks_like_correction, looks_like_question
from bot.messages import ROUTE, InboundMessage, Reply, ReplyAction
from bot.surfaces.commands import help_reply, run_command
from bot.surfaces.context import Context
from core.errors import UserInputError

# A DM shorter than this that ends with "?" is a question, not a brain dump.
QUESTION_MAX_CHARS = 300


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
        return await run_command(ctx.with_message(_as_command(msg, text[5:])))
    project = await ctx.default_project(person)
    if len(text) <= QUESTION_MAX_CHARS and "\n" not in text and looks_like_question(text):
        if project is None:
            raise UserInputError("Which project is that about? Set one with `/coco project NAME`.")
        return [await ctx.ask(project, text, target="thread")]
    if project is None:
        return [await hold(ctx, text)]
    return [await ctx.log(person, project, text)]


async def hold(ctx: Context, text: str) -> Reply:
    """Keep a DM (in the store: it is never lost) until its author says which project it is for."""
    msg = ctx.msg
    projects = await ctx.narrator.projects()
    door = await ctx.narrator.hold_note(msg.channel_id, msg.message_id, author=msg.user_id, text=text)
    removed = f" {door.sentence}" if door.removed else ""
    if not projects:
        return Reply(kind="notice", text=f"I saved your note, but there is no project to file it under yet.{removed} "
                     "Link a channel with `/coco link PROJECT --mlflow-experiment EXP`, then come back here.")
    return Reply(
        kind="held",
        text=f"I saved your note.{removed} Which project is it for? (It stays private to you until you choose.)",
        actions=[ReplyAction(ROUTE, p.name, value=f"{msg.message_id}|{p.id}") for p in projects[:5]],
    )


def _as_command(msg: InboundMessage, args: str) -> InboundMessage:
    return InboundMessage(
        workspace_key=msg.workspace_key, platform=msg.platform, user_id=msg.user_id, kind="command",
        user_name=msg.user_name, user_email=msg.user_email, channel_id=msg.channel_id, channel_kind=msg.channel_kind,
        command_args=args.strip(), at=msg.at,
    )
