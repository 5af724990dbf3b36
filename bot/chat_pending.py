"""``/coco pending [project]``: the entries not finished yet (the tracker was down, the engine failed),
and why — of the named project, else the channel's, else every project. The command line's twin is
``coco pending`` (bot/cli.py); both are declared in bot/verbs.py.

The chat dispatcher's table maps the verb ``pending`` to :func:`pending_reply`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.conversation import Reply
    from bot.verbs import ChatCommand
    from narrative.service import Narrator
    from storage.records import ProjectRecord

SHOWN = 20  # one chat message: a Slack section holds about 3,000 characters


async def pending_reply(narrator: Narrator, command: ChatCommand, *, channel_id: str | None) -> Reply:
    """``channel_id``: the channel the command was typed in, None in a DM (a DM names no project)."""
    from bot.conversation import Reply
    from bot.render_entries import PENDING_WITHOUT_REASON

    projects = {p.id: p.name for p in await narrator.projects()}
    project: ProjectRecord | None = None
    if command["project"]:
        project = await narrator.project(command["project"])
    elif channel_id:
        project = await narrator.project_for_channel(channel_id)
    found, _ = await narrator.entries(project=project, status="pending")
    found.reverse()  # newest first: a chat shows the top of a list
    scope = f"in {project.name}" if project else "in any project"
    name = project.name if project else None
    if not found:
        return Reply(kind="entries", payload=[], text=f"No entry is pending {scope}.", target="ephemeral",
                     project=name)
    lines = [f"{len(found)} {'entry' if len(found) == 1 else 'entries'} pending {scope}, newest first:"]
    for e in found[:SHOWN]:
        title = e.structure.title if e.structure and e.structure.title else e.raw_text.strip().splitlines()[0][:80]
        lines.append(f"• {e.id} · {e.at:%Y-%m-%d %H:%M} · {e.author} · {projects.get(e.project_id, '?')} — "
                     f"{title}: {e.error or PENDING_WITHOUT_REASON}")
    if len(found) > SHOWN:
        lines.append(f"… and {len(found) - SHOWN} earlier.")
    lines.append("COCO finishes them on its own a few minutes apart; `/coco entry ENTRY_ID` shows one.")
    return Reply(kind="entries", payload=[(e, projects.get(e.project_id, "?")) for e in found],
                 text="\n".join(lines), target="ephemeral", project=name)
