"""``/coco ...``: one handler per verb, found in :data:`VERBS`; anything unknown gets the help, never
silence. Every handler is ``async (ctx, args) -> list[Reply]`` over the shared :class:`Context`."""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.messages import DECIDE_FORM, EntryList, Form, FormField, HelpLines, Reply, Target
from bot.surfaces.context import Context, outcome_of
from core.errors import UserInputError
from storage.records import EntryRecord, ProjectRecord, UserRecord

ENTRIES_SHOWN = 20  # one chat message: a Slack section holds about 3,000 characters

HELP_LINES = (
    ("(DM me)", "an end-of-day brain dump: I structure it into an entry linked to your runs"),
    ("/coco phase [project] [since]", "a phase summary (since a date like 2026-03-01, or 14d / 2w / yesterday)"),
    ("/coco entries [project] [since] [by AUTHOR]", "the log entries, newest first (since 14d, 2w, a date...)"),
    ("/coco entry ENTRY_ID", "one entry, as it was filed"),
    ("/coco next", "what to run next, from the history"),
    ("/coco decide", "a model-selection decision record (asks for finalists and criteria)"),
    ("/coco reproduce RUN_ID", "what reproducing a run needs, and what is missing"),
    ("/coco check TEXT", "has this been tried already?"),
    ("/coco ask QUESTION", "a short answer from the project's history, with citations"),
    ("/coco digest", "preview this project's weekly digest"),
    ("/coco digest schedule mon 09:00", "post the digest in this channel every week"),
    ("/coco link PROJECT --mlflow-experiment EXP", "link this channel to a project (and its experiment)"),
    ("/coco project NAME", "the project your DMs go to"),
    ("/coco me TRACKER_USER", "who you are in the tracker (so \"my runs\" means yours)"),
    ("/coco help", "this list"),
)


def help_reply(*, target: Target, intro: str = "") -> Reply:
    text = (intro + "\n" if intro else "") + "\n".join(f"{cmd} — {what}" for cmd, what in HELP_LINES)
    return Reply(kind="help", text=text, payload=HelpLines(list(HELP_LINES)), target=target)


@dataclass
class CommandArgs:
    """What followed the verb: its words (quotes honoured) and the text as typed."""

    person: UserRecord
    words: list[str]
    text: str


CommandHandler = Callable[[Context, CommandArgs], Awaitable[list[Reply]]]


async def run_command(ctx: Context) -> list[Reply]:
    args = split_args(ctx.msg.command_args)
    if not args or ALIASES.get(args[0].lower(), args[0].lower()) == "help":
        return [help_reply(target="ephemeral")]
    verb = args[0].lower()
    person = await ctx.person()
    handler = VERBS.get(ALIASES.get(verb, verb))
    if handler is None:
        return [help_reply(target="ephemeral", intro=f"I don't know `{args[0]}`. Here is what I can do:")]
    rest_text = ctx.msg.command_args.strip()[len(args[0]):].strip()
    return await handler(ctx, CommandArgs(person=person, words=args[1:], text=rest_text))


def split_args(text: str) -> list[str]:
    # Slack clients turn "--" into an em dash as people type; read it back as the flag it was.
    text = text.replace("\u2014", "--").replace("\u2013", "--").replace("\u201c", '"').replace("\u201d", '"')
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: plain words are better than an error
        return text.split()


def since_of(token: str, *, now: dt.datetime) -> dt.datetime | None:
    """A chat word meant as a time (bot/when.py), None for any other word; a time that cannot be
    (``0001-01-01``, ``2026-13-45``, ``99999999d``) is the person's mistake, said in one sentence."""
    from bot.when import WhenError, looks_like_when, parse_when

    if not looks_like_when(token):
        return None
    try:
        return parse_when(token, now=now)
    except WhenError as error:
        raise UserInputError(str(error)) from None


def lines_of(text: str) -> list[str]:
    """A form's or a command's text as its items: one per line, bullets dropped."""
    return [line.strip().lstrip("•-*→?").strip() for line in text.splitlines() if line.strip().lstrip("•-*→?").strip()]


# -- the verbs ------------------------------------------------------------------------------------


async def show_help(ctx: Context, args: CommandArgs) -> list[Reply]:
    return [help_reply(target="ephemeral")]


async def phase(ctx: Context, args: CommandArgs) -> list[Reply]:
    now = ctx.narrator.clock()
    since = None
    named: list[str] = []
    for token in args.words:
        when = since_of(token, now=now)
        if when is not None:
            since = when
        else:
            named.append(token)
    project = await ctx.project_for(args.person, named=" ".join(named) or None)
    report = await ctx.narrator.phase(project=project.name, since=since)
    runs, entries = await ctx.cite_all(
        project, report.citations, extra_runs=[r for a in report.approaches for r in a.run_ids[:4]]
    )
    return [Reply(kind="phase", payload=report, text=report.summary or f"Phase summary of {project.name}",
                  target="ephemeral", runs=runs, entries=entries, project=project.name)]


async def entry(ctx: Context, args: CommandArgs) -> list[Reply]:
    """``/coco entry ID``: shown as its brain dump's reply was."""
    projects = {p.id: p.name for p in await ctx.narrator.projects()}
    if len(args.words) != 1:
        raise UserInputError("Give one entry id: `/coco entry ENTRY_ID`.")
    found = await ctx.narrator.entry(args.words[0])
    name = projects.get(found.project_id, found.project_id)
    return [Reply(kind="entry", payload=outcome_of(found), text=f"Entry {found.id} of {name}",
                  target="ephemeral", project=name)]


async def entries(ctx: Context, args: CommandArgs) -> list[Reply]:
    """``/coco entries [project] [since] [by AUTHOR]``: newest first, of the named project, else the
    channel's, else every project."""
    msg, narrator = ctx.msg, ctx.narrator
    projects = {p.id: p.name for p in await narrator.projects()}
    now, since, author, named = narrator.clock(), None, None, []
    tokens = iter(args.words)
    for token in tokens:
        low = token.lower()
        if low in ("by", "--author"):
            author = next(tokens, "") or None
        elif low == "--since":
            since = since_of(next(tokens, ""), now=now)
            if since is None:
                raise UserInputError("Give a time after --since: a date, 14d, 2w or yesterday.")
        elif (when := since_of(token, now=now)) is not None:
            since = when
        elif low != "--project":
            named.append(token)
    project: ProjectRecord | None = None
    if named:
        project = await narrator.project(" ".join(named))
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
        title = e.structure.title if e.structure and e.structure.title else e.raw_text.strip().splitlines()[0][:80]
        runs = f" · {len(e.run_ids)} run(s)" if e.run_ids else ""
        state = " · pending" if e.status == "pending" else ""
        lines.append(f"• {e.id} · {e.at:%Y-%m-%d %H:%M} · {e.author} · "
                     f"{projects.get(e.project_id, '?')} — {title}{runs}{state}")
    if len(found) > ENTRIES_SHOWN:
        lines.append(f"… and {len(found) - ENTRIES_SHOWN} earlier: narrow with a time (`/coco entries 7d`).")
    lines.append("`/coco entry ENTRY_ID` shows one.")
    return [Reply(kind="entries", payload=EntryList([(e, projects.get(e.project_id, "?")) for e in found]),
                  text="\n".join(lines), target="ephemeral", project=project.name if project else None)]


async def next_plan(ctx: Context, args: CommandArgs) -> list[Reply]:
    project = await ctx.project_for(args.person)
    plan = await ctx.narrator.next_plan(project=project.name, context=args.text)
    runs, entries = await ctx.cite_all(project, [c for x in plan.experiments for c in x.citations])
    first = plan.experiments[0].title if plan.experiments else "nothing obvious"
    return [Reply(kind="next", payload=plan, text=f"Run next: {first}", target="ephemeral", runs=runs,
                  entries=entries, project=project.name)]


async def decide(ctx: Context, args: CommandArgs) -> list[Reply]:
    project = await ctx.project_for(args.person)
    tracker = ctx.narrator.tracker(project)
    finalists = [t for t in args.words if tracker.looks_like_run_ref(t.lower())]
    if finalists:
        criteria = [c.strip() for c in " ".join(t for t in args.words if t not in finalists).split(",") if c.strip()]
        return [await ctx.decide(project, finalists, criteria, "")]
    return [Reply(kind="form", target="modal", text="Decision record: finalists and criteria",
                  form=decide_form(project, channel=ctx.msg.channel_id))]


async def reproduce(ctx: Context, args: CommandArgs) -> list[Reply]:
    if not args.words:
        raise UserInputError("Give the run: `/coco reproduce RUN_ID` (the full id or its first 6+ characters).")
    project = await ctx.project_for(args.person)
    repro = await ctx.narrator.reproduce(project=project.name, run_ref=args.words[0])
    missing = ", ".join(repro.missing) or "nothing"
    return [Reply(kind="reproduce", payload=repro, text=f"Reproducing {repro.run_name or repro.run_id}: "
                  f"missing {missing}", target="ephemeral", project=project.name)]


async def check(ctx: Context, args: CommandArgs) -> list[Reply]:
    if not args.text:
        raise UserInputError("Say what you plan to try: `/coco check SMOTE on the GRU`.")
    project = await ctx.project_for(args.person)
    result = await ctx.narrator.check(project=project.name, text=args.text)
    runs, entries = await ctx.cite(
        project, run_ids=[r for m in result.matches for r in m.run_ids],
        entry_ids=[m.entry_id for m in result.matches if m.entry_id],
    )
    verdict = "You already tried this." if result.already_tried else "Not tried as such."
    return [Reply(kind="check", payload=result, text=f"{verdict} {result.message}".strip(),
                  target="ephemeral", runs=runs, entries=entries, project=project.name)]


async def ask(ctx: Context, args: CommandArgs) -> list[Reply]:
    if not args.text:
        raise UserInputError("Ask a question: `/coco ask why did we drop xlnet?`.")
    project = await ctx.project_for(args.person)
    return [await ctx.ask(project, args.text, target="ephemeral")]


async def digest(ctx: Context, args: CommandArgs) -> list[Reply]:
    from bot.scheduler import parse_schedule, set_schedule, workspace_timezone

    msg, narrator, rest = ctx.msg, ctx.narrator, args.words
    if rest and rest[0].lower() == "schedule":
        if msg.channel_kind != "channel":
            raise UserInputError("Set the digest schedule in the project's channel: it is posted there.")
        project = await ctx.project_for(args.person)
        schedule = parse_schedule(" ".join(rest[1:]), timezone=await workspace_timezone(narrator))
        due = await set_schedule(narrator, project=project, channel=msg.channel_id, schedule=schedule)
        return [Reply(kind="notice", target="channel", project=project.name,
                      text=f"The weekly digest of {project.name} will be posted here {schedule.describe()}; "
                           f"next on {due:%a %Y-%m-%d %H:%M} UTC.")]
    project = await ctx.project_for(args.person)
    found = await narrator.digest(project=project.name)
    citations = [c for lines in found.sections.values() for line in lines for c in line.citations]
    runs, entries = await ctx.cite_all(project, citations)
    return [Reply(kind="digest", payload=found, text=f"Digest of {project.name} (preview)", target="ephemeral",
                  runs=runs, entries=entries, project=project.name)]


async def link(ctx: Context, args: CommandArgs) -> list[Reply]:
    msg, narrator = ctx.msg, ctx.narrator
    if msg.channel_kind != "channel":
        raise UserInputError("Run `/coco link PROJECT --mlflow-experiment EXP` in the project's channel.")
    name, experiments, metric, goal = None, [], None, "max"
    tokens = iter(args.words)
    for token in tokens:
        if token in ("--mlflow-experiment", "--experiment"):
            experiments.append(next(tokens, ""))
        elif token == "--primary-metric":
            metric = next(tokens, None)
        elif token == "--goal":
            goal = next(tokens, "max")
        elif name is None and not token.startswith("--"):
            name = token
        else:
            raise UserInputError(f"I did not understand {token!r}: `/coco link PROJECT --mlflow-experiment EXP`.")
    if not name:
        raise UserInputError("Name the project: `/coco link PROJECT --mlflow-experiment EXP`.")
    if goal not in ("max", "min"):
        raise UserInputError("The goal is `max` or `min`.")
    experiments = [e for e in experiments if e]
    if experiments:
        tracker = ctx.hub.trackers.for_uri(ctx.hub.settings.resolved_tracking_uri())
        record = await narrator.add_project(
            name=name, tracker=tracker, experiments=experiments, primary_metric=metric,
            goal="min" if goal == "min" else "max", channels=[msg.channel_id],
        )
    else:
        existing = await narrator.project(name)
        record = await narrator.link_channel(existing, msg.channel_id)
    ctx.tracker_users.forget(record.id)
    exps = ", ".join(record.experiment_names) or "its experiments"
    return [Reply(kind="notice", target="channel", project=record.name,
                  text=f"This channel is now linked to project {record.name} ({exps}). Plans announced here are "
                       "checked against its history, and entries of the project feed this channel.")]


async def set_project(ctx: Context, args: CommandArgs) -> list[Reply]:
    name, person = " ".join(args.words), args.person
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
    tracker_user, person = " ".join(args.words), args.person
    if not tracker_user:
        project = await ctx.default_project(person)
        me = await ctx.tracker_user(person, project)
        how = "you said so" if person.tracker_user else "guessed from your e-mail or name"
        return [Reply(kind="notice", target="ephemeral",
                      text=f"In the tracker you are {me!r} ({how}). Change it with `/coco me TRACKER_USER`.")]
    await ctx.narrator.set_tracker_user(person, tracker_user)
    return [Reply(kind="notice", target="ephemeral",
                  text=f"Got it: in the tracker you are {tracker_user.strip()!r}; \"my runs\" now means theirs.")]


# Every verb `/coco` answers, by name; ALIASES maps the other spellings to a name. bot/verbs.py
# declares the same verbs (summary, usage) for the help and the CLI.
VERBS: dict[str, CommandHandler] = {
    "help": show_help,
    "phase": phase,
    "entries": entries,
    "entry": entry,
    "next": next_plan,
    "decide": decide,
    "reproduce": reproduce,
    "check": check,
    "ask": ask,
    "digest": digest,
    "link": link,
    "project": set_project,
    "me": set_me,
}
ALIASES: dict[str, str] = {"-h": "help", "--help": "help", "projects": "project"}


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
