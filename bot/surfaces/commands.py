"""``/coco ...``: bot/verbs.py declares every verb and parses the command; this module holds one
handler per verb, found in :data:`HANDLERS`. Anything unknown gets the help, never silence. Every
handler is ``async (ctx, args) -> list[Reply]`` over the shared :class:`Context`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.messages import DECIDE_FORM, EntryList, Form, FormField, HelpLines, Reply, Target
from bot.nudges import nudge_command
from bot.surfaces.context import Context, outcome_of
from bot.verbs import ChatCommand, chat_help, chat_help_lines, parse_chat
from storage.records import EntryRecord, ProjectRecord, UserRecord

ENTRIES_SHOWN = 20  # one chat message: a Slack section holds about 3,000 characters


def help_reply(*, target: Target, intro: str = "") -> Reply:
    return Reply(kind="help", text=chat_help(intro), payload=HelpLines(chat_help_lines()), target=target)


@dataclass
class CommandArgs:
    """The sender and the parsed command (its values by the names bot/verbs.py declares)."""

    person: UserRecord
    command: ChatCommand

    def __getitem__(self, name: str) -> Any:
        return self.command[name]


CommandHandler = Callable[[Context, CommandArgs], Awaitable[list[Reply]]]


async def run_command(ctx: Context) -> list[Reply]:
    msg = ctx.msg
    command = parse_chat(msg.command_args, now=ctx.narrator.clock(), in_channel=msg.channel_kind == "channel")
    if command.verb == "help" and not command.unknown:
        return [help_reply(target="ephemeral")]
    person = await ctx.person()
    if command.verb == "help":
        return [help_reply(target="ephemeral", intro=command.help_intro)]
    return await HANDLERS[command.key](ctx, CommandArgs(person=person, command=command))


def entry_line(entry: EntryRecord, project_names: dict[str, str]) -> str:
    """One entry in a chat list: id, time, author, project and its title (else its first line)."""
    title = entry.structure.title if entry.structure and entry.structure.title else \
        entry.raw_text.strip().splitlines()[0][:80]
    return (f"• {entry.id} · {entry.at:%Y-%m-%d %H:%M} · {entry.author} · "
            f"{project_names.get(entry.project_id, '?')} — {title}")


def lines_of(text: str) -> list[str]:
    """A form's or a command's text as its items: one per line, bullets dropped."""
    return [line.strip().lstrip("•-*→?").strip() for line in text.splitlines() if line.strip().lstrip("•-*→?").strip()]


# -- the verbs ------------------------------------------------------------------------------------


async def phase(ctx: Context, args: CommandArgs) -> list[Reply]:
    project = await ctx.project_for(args.person, named=args["project"] or None)
    report = await ctx.narrator.phase(project=project.name, since=args["since"])
    runs, entries = await ctx.cite_all(
        project, report.citations, extra_runs=[r for a in report.approaches for r in a.run_ids[:4]]
    )
    return [Reply(kind="phase", payload=report, text=report.summary or f"Phase summary of {project.name}",
                  target="ephemeral", runs=runs, entries=entries, project=project.name)]


async def entry(ctx: Context, args: CommandArgs) -> list[Reply]:
    """``/coco entry ID``: shown as its brain dump's reply was."""
    projects = {p.id: p.name for p in await ctx.narrator.projects()}
    found = await ctx.narrator.entry(args["entry_id"])
    name = projects.get(found.project_id, found.project_id)
    return [Reply(kind="entry", payload=outcome_of(found), text=f"Entry {found.id} of {name}",
                  target="ephemeral", project=name)]


async def entries(ctx: Context, args: CommandArgs) -> list[Reply]:
    """``/coco entries [project] [since] [by AUTHOR]``: newest first, of the named project, else the
    channel's, else every project."""
    msg, narrator = ctx.msg, ctx.narrator
    projects = {p.id: p.name for p in await narrator.projects()}
    since, author = args["since"], args["author"]
    project: ProjectRecord | None = None
    if args["project"]:
        project = await narrator.project(args["project"])
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
        return [Reply(kind="entries", payload=EntryList([]), text=f"No entries {scope}.", target="ephemeral",
                      project=project.name if project else None)]
    lines = [f"{len(found)} {'entry' if len(found) == 1 else 'entries'} {scope}, newest first:"]
    for e in found[:ENTRIES_SHOWN]:
        runs = f" · {len(e.run_ids)} run(s)" if e.run_ids else ""
        state = " · pending" if e.status == "pending" else ""
        lines.append(f"{entry_line(e, projects)}{runs}{state}")
    if len(found) > ENTRIES_SHOWN:
        lines.append(f"… and {len(found) - ENTRIES_SHOWN} earlier: narrow with a time (`/coco entries 7d`).")
    lines.append("`/coco entry ENTRY_ID` shows one.")
    return [Reply(kind="entries", payload=EntryList([(e, projects.get(e.project_id, "?")) for e in found]),
                  text="\n".join(lines), target="ephemeral", project=project.name if project else None)]


async def next_plan(ctx: Context, args: CommandArgs) -> list[Reply]:
    project = await ctx.project_for(args.person)
    plan = await ctx.narrator.next_plan(project=project.name, context=args["context"])
    runs, entries = await ctx.cite_all(project, [c for x in plan.experiments for c in x.citations])
    first = plan.experiments[0].title if plan.experiments else "nothing obvious"
    return [Reply(kind="next", payload=plan, text=f"Run next: {first}", target="ephemeral", runs=runs,
                  entries=entries, project=project.name)]


async def decide(ctx: Context, args: CommandArgs) -> list[Reply]:
    project = await ctx.project_for(args.person)
    tracker = ctx.narrator.tracker(project)
    words: list[str] = args["words"]
    finalists = [t for t in words if tracker.looks_like_run_ref(t.lower())]
    if finalists:
        criteria = [c.strip() for c in " ".join(t for t in words if t not in finalists).split(",") if c.strip()]
        return [await ctx.decide(project, finalists, criteria, "")]
    return [Reply(kind="form", target="modal", text="Decision record: finalists and criteria",
                  form=decide_form(project, channel=ctx.msg.channel_id))]


async def reproduce(ctx: Context, args: CommandArgs) -> list[Reply]:
    project = await ctx.project_for(args.person)
    repro = await ctx.narrator.reproduce(project=project.name, run_ref=args["run_id"])
    missing = ", ".join(repro.missing) or "nothing"
    return [Reply(kind="reproduce", payload=repro, text=f"Reproducing {repro.run_name or repro.run_id}: "
                  f"missing {missing}", target="ephemeral", project=project.name)]


async def check(ctx: Context, args: CommandArgs) -> list[Reply]:
    project = await ctx.project_for(args.person)
    result = await ctx.narrator.check(project=project.name, text=args["text"])
    runs, entries = await ctx.cite(
        project, run_ids=[r for m in result.matches for r in m.run_ids],
        entry_ids=[m.entry_id for m in result.matches if m.entry_id],
    )
    verdict = "You already tried this." if result.already_tried else "Not tried as such."
    return [Reply(kind="check", payload=result, text=f"{verdict} {result.message}".strip(),
                  target="ephemeral", runs=runs, entries=entries, project=project.name)]


async def ask(ctx: Context, args: CommandArgs) -> list[Reply]:
    project = await ctx.project_for(args.person)
    return [await ctx.ask(project, args["question"], target="ephemeral")]


async def digest(ctx: Context, args: CommandArgs) -> list[Reply]:
    project = await ctx.project_for(args.person)
    found = await ctx.narrator.digest(project=project.name)
    citations = [c for lines in found.sections.values() for line in lines for c in line.citations]
    runs, entries = await ctx.cite_all(project, citations)
    return [Reply(kind="digest", payload=found, text=f"Digest of {project.name} (preview)", target="ephemeral",
                  runs=runs, entries=entries, project=project.name)]


async def digest_schedule(ctx: Context, args: CommandArgs) -> list[Reply]:
    """Channel-only: bot/verbs.py refuses it elsewhere before this runs."""
    from bot.scheduler import parse_schedule, set_schedule, workspace_timezone

    project = await ctx.project_for(args.person)
    schedule = parse_schedule(args["when"], timezone=await workspace_timezone(ctx.narrator))
    due = await set_schedule(ctx.narrator, project=project, channel=ctx.msg.channel_id, schedule=schedule,
                             by=ctx.msg.user_id)
    return [Reply(kind="notice", target="channel", project=project.name,
                  text=f"The weekly digest of {project.name} will be posted here {schedule.describe()}; "
                       f"next on {due:%a %Y-%m-%d %H:%M} UTC.")]


async def link(ctx: Context, args: CommandArgs) -> list[Reply]:
    """Channel-only: bot/verbs.py refuses it elsewhere and checks its flags before this runs."""
    msg, narrator, name = ctx.msg, ctx.narrator, args["name"]
    experiments: list[str] = [e for e in args["experiments"] if e]
    if experiments or args["wandb_projects"]:
        tracker, experiments = ctx.hub.trackers.for_new_project(mlflow=experiments, wandb=args["wandb_projects"])
        record = await narrator.add_project(
            name=name, tracker=tracker, experiments=experiments, primary_metric=args["primary_metric"],
            goal="min" if args["goal"] == "min" else "max", channels=[msg.channel_id],
        )
    else:
        existing = await narrator.project(name)
        record = await narrator.link_channel(existing, msg.channel_id)
    ctx.tracker_users.forget(record.id)
    exps = ", ".join(record.experiment_names) or "its experiments"
    return [Reply(kind="notice", target="channel", project=record.name,
                  text=f"This channel is now linked to project {record.name} ({exps}). Plans announced here are "
                       "checked against its history, and entries of the project feed this channel.")]


async def add_project(ctx: Context, args: CommandArgs) -> list[Reply]:
    """``/coco project add NAME --mlflow-experiment EXP | --wandb-project ENTITY/PROJECT``: as the command
    line's; it links no channel (``/coco link`` does, in the channel)."""
    tracker, experiments = ctx.hub.trackers.for_new_project(mlflow=args["experiments"], wandb=args["wandb_projects"])
    notices: list[str] = []
    record = await ctx.narrator.add_project(
        name=args["name"], tracker=tracker, experiments=experiments, primary_metric=args["primary_metric"],
        goal="min" if args["goal"] == "min" else "max", notices=notices,
    )
    exps = ", ".join(record.experiment_names) or "its experiments"
    text = " ".join([f"Project {record.name} reads its runs from {exps}.", *notices])
    return [Reply(kind="notice", target="ephemeral", project=record.name, text=text)]


async def set_project(ctx: Context, args: CommandArgs) -> list[Reply]:
    name, person = args["name"], args.person
    if not name:
        current = await ctx.default_project(person)
        names = ", ".join(p.name for p in await ctx.narrator.projects()) or "none yet"
        chosen = current.name if current else "(no project chosen)"
        return [Reply(kind="notice", target="ephemeral", text=f"Your DMs go to {chosen}. Projects: {names}.")]
    project = await ctx.narrator.project(name)
    await ctx.narrator.set_default_project(person, project)
    where = f" Its entries feed {', '.join(project.channels)}." if project.channels else ""
    return [Reply(kind="notice", target="ephemeral", project=project.name,
                  text=f"Your DMs now go to project {project.name}.{where}")]


async def set_me(ctx: Context, args: CommandArgs) -> list[Reply]:
    tracker_user, person = args["tracker_user"], args.person
    if not tracker_user:
        project = await ctx.default_project(person)
        me = await ctx.tracker_user(person, project)
        how = "you said so" if person.tracker_user else "guessed from your e-mail or name"
        return [Reply(kind="notice", target="ephemeral",
                      text=f"In the tracker you are {me!r} ({how}). Change it with `/coco me TRACKER_USER`.")]
    await ctx.narrator.set_tracker_user(person, tracker_user)
    return [Reply(kind="notice", target="ephemeral",
                  text=f"Got it: in the tracker you are {tracker_user.strip()!r}; \"my runs\" now means theirs.")]


async def pending(ctx: Context, args: CommandArgs) -> list[Reply]:
    """``/coco pending [project]``: the entries not finished yet (the tracker was down, the engine
    failed) and why, of the named project, else the channel's, else every project."""
    from bot.render_entries import PENDING_WITHOUT_REASON

    narrator, msg = ctx.narrator, ctx.msg
    projects = {p.id: p.name for p in await narrator.projects()}
    project: ProjectRecord | None = None
    if args["project"]:
        project = await narrator.project(args["project"])
    elif msg.channel_kind == "channel" and msg.channel_id:
        project = await narrator.project_for_channel(msg.channel_id)
    found, _ = await narrator.entries(project=project, status="pending")
    found.reverse()  # newest first: a chat shows the top of a list
    scope = f"in {project.name}" if project else "in any project"
    name = project.name if project else None
    if not found:
        return [Reply(kind="entries", payload=EntryList([]), text=f"No entry is pending {scope}.",
                      target="ephemeral", project=name)]
    lines = [f"{len(found)} {'entry' if len(found) == 1 else 'entries'} pending {scope}, newest first:"]
    for e in found[:ENTRIES_SHOWN]:
        lines.append(f"{entry_line(e, projects)}: {e.error or PENDING_WITHOUT_REASON}")
    if len(found) > ENTRIES_SHOWN:
        lines.append(f"… and {len(found) - ENTRIES_SHOWN} earlier.")
    lines.append("COCO finishes them on its own a few minutes apart; `/coco entry ENTRY_ID` shows one.")
    return [Reply(kind="entries", payload=EntryList([(e, projects.get(e.project_id, "?")) for e in found]),
                  text="\n".join(lines), target="ephemeral", project=name)]


# The handler of every chat verb bot/verbs.py declares, by ``ChatCommand.key`` (``help`` is answered
# before this table; a test holds the two to the same verbs).
HANDLERS: dict[str, CommandHandler] = {
    "phase": phase,
    "entries": entries,
    "entry": entry,
    "pending": pending,
    "next": next_plan,
    "decide": decide,
    "reproduce": reproduce,
    "check": check,
    "ask": ask,
    "digest": digest,
    "digest schedule": digest_schedule,
    "link": link,
    "project": set_project,
    "project add": add_project,
    "me": set_me,
    "nudge": nudge_command,
}


def decide_form(project: ProjectRecord, *, channel: str) -> Form:
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
