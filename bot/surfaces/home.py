"""App Home: the person's recent entries, their open questions, and the workspace's projects."""

from __future__ import annotations

import datetime as dt

from bot.messages import HomeView, Reply
from bot.nudges import home_section
from bot.surfaces.context import Context


async def home(ctx: Context) -> list[Reply]:
    narrator = ctx.narrator
    person = await ctx.person()
    projects = await narrator.projects()
    default = await ctx.default_project(person)
    me = await ctx.tracker_user(person, default)
    names = {p.id: p.name for p in projects}
    since = narrator.clock() - dt.timedelta(days=60)
    mine, _ = await narrator.entries(author=me, since=since, limit=1000)
    recent = [(e, names.get(e.project_id, "?")) for e in reversed(mine[-10:])]
    questions = [(q, e) for e in reversed(mine) for q in (e.structure.open_questions if e.structure else [])][:10]
    view = HomeView(person=person.display_name or ctx.msg.user_id, tracker_user=me,
                    default_project=default.name if default else None, entries=recent,
                    open_questions=questions, projects=projects, nudge=await home_section(ctx, person))
    noun = "entry" if len(recent) == 1 else "entries"
    return [Reply(kind="home", target="home", payload=view, text=f"COCO — {len(recent)} recent {noun}")]
