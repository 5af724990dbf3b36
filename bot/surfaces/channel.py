"""Channel messages: a mention is answered (or corrects the entry of its thread), a question in a
thread COCO is part of is answered from the project's history, and a plan announced in a linked
channel that was already tried gets one warning in its thread, never twice for the same match."""

from __future__ import annotations

from bot.intents import looks_like_correction, looks_like_plan, looks_like_question
from bot.messages import Reply
from bot.surfaces.commands import help_reply
from bot.surfaces.context import CONFIDENT_SCORE, Context
from core.errors import UserInputError
from narrative.types import CheckResult
from storage.records import ProjectRecord


async def channel(ctx: Context) -> list[Reply]:
    msg, narrator = ctx.msg, ctx.narrator
    text = msg.text.strip()  # the front end took out any mention of COCO
    project = await narrator.project_for_channel(msg.channel_id)
    in_thread = await ctx.entry_thread() if msg.thread_id else None
    if msg.kind == "mention":
        if not text or text.lower() in ("help", "hi", "hello"):
            return [help_reply(target="thread")]
        if in_thread is not None and looks_like_correction(text):
            person = await ctx.person()
            return await ctx.correct(person, in_thread[0], in_thread[1], text)
        if project is None:
            raise UserInputError(
                "This channel is not linked to a project yet: `/coco link PROJECT --mlflow-experiment EXP`."
            )
        return [await ctx.ask(project, text, target="thread")]
    if project is None:
        return []
    if msg.thread_id and msg.thread_id != msg.message_id:
        coco_here = in_thread is not None or bool(await narrator.thread_replies(msg.channel_id, msg.thread_id))
        if coco_here and in_thread is not None and looks_like_correction(text):
            person = await ctx.person()
            return await ctx.correct(person, in_thread[0], in_thread[1], text)
        if coco_here and looks_like_question(text) and not looks_like_plan(text):
            return [await ctx.ask(project, text, target="thread")]
    if looks_like_plan(text):
        return await warn(ctx, project, text)
    return []


async def warn(ctx: Context, project: ProjectRecord, text: str) -> list[Reply]:
    """One warning in the plan's thread ("you already tried this") when the history confidently says so."""
    msg, narrator = ctx.msg, ctx.narrator
    result = await narrator.check(project=project.name, text=text)
    confident = [m for m in result.matches if m.score >= CONFIDENT_SCORE]
    if not result.already_tried or not confident:
        return []
    top = confident[0]
    match_key = top.entry_id or ",".join(sorted(top.run_ids)) or top.summary[:40]
    thread = msg.thread_id or msg.message_id
    if not await narrator.claim_event(f"warn:{msg.channel_id}:{thread}:{match_key}"):
        return []  # this thread was already told about this match
    runs, entries = await ctx.cite(
        project, run_ids=[r for m in confident for r in m.run_ids],
        entry_ids=[m.entry_id for m in confident if m.entry_id],
    )
    return [Reply(
        kind="warning", payload=CheckResult(already_tried=True, matches=confident[:3], message=result.message),
        text=f"You already tried this: {top.summary}", target="thread", thread_id=thread, runs=runs,
        entries=entries, project=project.name, memo_kind="warning",
    )]
