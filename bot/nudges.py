"""The end-of-day nudge (issue 15), platform-neutral: ``/coco nudge``, its buttons and form, App Home's
part, and the scheduled pass that sends nudges.

How a nudge is sent, exactly once:

* Each pass (the runtime's background loop, every ``worker_interval``) looks at the people who opted
  in. For one whose local nudge time has come today (``narrative.today.timing``), it queues a durable
  job (kind ``nudge``, dedupe key ``nudge:<workspace>:<person>:<local date>``): a second pass, a
  restart or another replica finds the same job, never a second one.
* Claimed jobs (row-locked) are run: the person's chat status (away, on holiday: no nudge), who they
  are in the tracker (unknown: no nudge, App Home says how to connect), their runs since the later of
  their last entry and the start of their day (none: no nudge), an entry already logged today (no
  nudge). Right before posting, the store's event key ``nudge-sent:<workspace>:<person>:<date>`` is
  claimed: a job reclaimed after a crash mid-post finds it taken and does not post again.
* The nudge is a DM through the front end's ``deliver`` (paced per channel like every post); the
  runs it listed, in order, are kept with the person's preferences, so their reply in that DM links
  "the second one" to the second listed run (``narrative.link_explicit``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.messages import ActionPayload, Form, FormField, Reply, ReplyAction
from core.errors import CocoError, UserInputError
from narrative import jobs
from narrative import today as days
from narrative.today import TodayTable
from storage.records import JobRecord, NudgePrefRecord, ProjectRecord, UserRecord

if TYPE_CHECKING:
    from bot.runtime import Posted
    from bot.surfaces.commands import CommandArgs
    from bot.surfaces.context import Context, WorkspaceSteps
    from narrative.service import Narrator

log = logging.getLogger("coco.nudges")

NUDGE_JOB = "nudge"
NUDGE_LOG = "coco_nudge_log"
NUDGE_SKIP = "coco_nudge_skip"
NUDGE_SNOOZE = "coco_nudge_snooze"
NUDGE_ON = "coco_nudge_on"
NUDGE_OFF = "coco_nudge_off"
NUDGE_FORM = "coco_nudge_form"
ACTIONS = (NUDGE_LOG, NUDGE_SKIP, NUDGE_SNOOZE, NUDGE_ON, NUDGE_OFF)
LEASE_SECONDS = 300
MAX_PER_PASS = 200
CONNECT_HINT = ("I do not know who you are in the tracker yet, so I cannot see your runs: say "
                "`/coco me TRACKER_USER` once (the user name your runs are logged under).")
ABOUT = ("At the end of a day you ran experiments, I DM you those runs (failed first, with the primary "
         "metric and the params that changed) and ask what you tried, what did not work and what is next. "
         "Reply in the DM or press *Log it*. Never on a day without runs, or once you logged; at most once "
         "a day; not while your Slack status says you are away.")


# -- what a front end gives the nudges ----------------------------------------------------------------


@dataclass(frozen=True)
class PersonInfo:
    """What the chat platform says about a person now (Slack: users.info)."""

    timezone: str = ""
    away: bool = False
    is_admin: bool = False
    name: str = ""
    email: str = ""


@runtime_checkable
class PeopleDirectory(Protocol):
    async def person_info(self, *, workspace_key: str, user_id: str) -> PersonInfo | None:
        """None when the platform cannot say (the nudge then uses what is stored)."""
        ...


class NudgeFront(Protocol):
    async def deliver(self, reply: Reply) -> Posted | None: ...


@dataclass
class NudgeView:
    """A nudge's body: the day's tables and the three prompts (the renderer's payload)."""

    tables: list[TodayTable]
    prompts: tuple[str, ...] = days.PROMPTS
    day: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class NudgeHome:
    """App Home's nudge section."""

    enabled: bool
    at: str
    days: str
    timezone: str
    workspace_on: bool
    identity: str | None  # the tracker user, None when unknown
    snoozed_until: dt.datetime | None = None
    about: str = ABOUT
    connect: str = CONNECT_HINT


# -- preferences ----------------------------------------------------------------------------------------


async def pref_of(narrator: Narrator, user_id: str) -> NudgePrefRecord:
    return await days.nudge_pref(narrator, user_id)


async def _timezone(narrator: Narrator, pref: NudgePrefRecord) -> str:
    return pref.timezone or await jobs.workspace_timezone(narrator)


def describe_pref(pref: NudgePrefRecord, *, timezone: str, now: dt.datetime) -> str:
    if not pref.enabled:
        return (f"End-of-day nudges are off for you ({days.describe_days(pref.days)} at {pref.at}, {timezone}, "
                "once on). `/coco nudge on` turns them on.")
    text = f"End-of-day nudges are on: {days.describe_days(pref.days)} at {pref.at} ({timezone})."
    if pref.snoozed_until is not None and pref.snoozed_until > now:
        text += f" Snoozed until {pref.snoozed_until:%a %Y-%m-%d} (UTC)."
    return text


async def people(ctx: WorkspaceSteps) -> PeopleDirectory | None:
    directory = getattr(ctx.hub, "people", None)
    return directory if isinstance(directory, PeopleDirectory) else None


async def _info(ctx: Context) -> PersonInfo | None:
    directory = await people(ctx)
    if directory is None:
        return None
    return await directory.person_info(workspace_key=ctx.msg.workspace_key, user_id=ctx.msg.user_id)


async def nudge_command(ctx: Context, args: CommandArgs) -> list[Reply]:
    """``/coco nudge [on|off] [at 18:00] [days mon-fri]``, and ``/coco nudge everyone on|off`` (admins)."""
    narrator, msg = ctx.narrator, ctx.msg
    words = [w for w in str(args["words"] or "").split() if w]
    lowered = [w.lower() for w in words]
    if lowered[:1] == ["everyone"] or lowered[:1] == ["all"]:
        return await _switch(ctx, lowered[1:])
    pref = await pref_of(narrator, msg.user_id)
    changes: dict[str, object] = {}
    info: PersonInfo | None = None
    i = 0
    while i < len(lowered):
        word = lowered[i]
        if word in ("on", "yes", "enable", "start"):
            changes["enabled"] = True
            changes["snoozed_until"] = None
        elif word in ("off", "no", "disable", "stop"):
            changes["enabled"] = False
        elif word == "at":
            if i + 1 >= len(words):
                raise UserInputError("Say the time: `/coco nudge at 18:00`.")
            # "at 6 pm": the time may be two words.
            both = " ".join(words[i + 1:i + 3])
            if i + 2 < len(words) and lowered[i + 2] in ("am", "pm"):
                changes["at"], i = days.parse_at(both), i + 1
            else:
                changes["at"] = days.parse_at(words[i + 1])
            i += 1
        elif word == "days":
            stop = [j for j, w in enumerate(lowered[i + 1:], i + 1) if w in ("at", "on", "off")]
            end = stop[0] if stop else len(words)
            rest = " ".join(words[i + 1:end])
            if not rest:
                raise UserInputError("Say the days: `/coco nudge days mon-fri`.")
            changes["days"] = days.parse_days(rest)
            i = end - 1
        else:
            raise UserInputError(f"I did not understand {words[i]!r}: "
                                 "`/coco nudge on|off`, `/coco nudge at 18:00`, `/coco nudge days mon-fri`.")
        i += 1
    if not changes:
        tz = await _timezone(narrator, pref)
        return [Reply(kind="notice", target="ephemeral", text=describe_pref(pref, timezone=tz, now=narrator.clock()))]
    if changes.get("enabled") or "at" in changes or "days" in changes:
        info = await _info(ctx)
        if info is not None and info.timezone:
            changes["timezone"] = info.timezone
    saved = await days.save_nudge_pref(narrator, pref.model_copy(update=changes))
    tz = await _timezone(narrator, saved)
    lines = [describe_pref(saved, timezone=tz, now=narrator.clock())]
    if saved.enabled:
        lines.append("Only on days with runs of yours, and never twice a day. `/coco nudge off` stops them.")
        if not await days.nudges_on(narrator):
            lines.append("A workspace admin has turned nudges off for everyone for now; your choice is kept.")
        if await identity(ctx, await ctx.person()) is None:
            lines.append(CONNECT_HINT)
    return [Reply(kind="notice", target="ephemeral", text=" ".join(lines))]


async def _switch(ctx: Context, rest: list[str]) -> list[Reply]:
    narrator = ctx.narrator
    if rest not in (["on"], ["off"]):
        state = "on" if await days.nudges_on(narrator) else "off"
        return [Reply(kind="notice", target="ephemeral",
                      text=f"Nudges are {state} in this workspace; an admin changes it with "
                           "`/coco nudge everyone off`.")]
    info = await _info(ctx)
    if info is None or not info.is_admin:
        raise UserInputError("Only a workspace admin can switch nudges on or off for everyone.")
    on = rest == ["on"]
    await days.set_nudges_on(narrator, enabled=on, changed_by=ctx.msg.user_id)
    text = ("Nudges are on again in this workspace (for the people who opted in)." if on else
            "Nudges are off for everyone in this workspace; each person's choice is kept for when they come back.")
    return [Reply(kind="notice", target="ephemeral", text=text)]


async def identity(steps: WorkspaceSteps, person: UserRecord) -> str | None:
    """Who the person is in the tracker, when known (``/coco me``, or their e-mail or name matching a
    tracker user of a project's runs); None otherwise: a nudge never guesses."""
    if person.tracker_user:
        return person.tracker_user
    for project in await steps.narrator.projects():
        found = days.known_tracker_user(person, await steps.tracker_users.of(steps.narrator, project))
        if found:
            return found
    return None


async def nudged_project(ctx: Context) -> ProjectRecord | None:
    """The project of the nudge a DM answers (its runs are what the DM is about), if it answers one."""
    msg = ctx.msg
    pref = await days.answered_nudge(ctx.narrator, channel=msg.channel_id, user_id=msg.user_id,
                                     at=msg.at or ctx.narrator.clock())
    if pref is None or pref.nudge_project_id is None:
        return None
    try:
        return await ctx.narrator.project_by_id(pref.nudge_project_id)
    except CocoError:  # the project was deleted since
        return None


async def home_section(ctx: Context, person: UserRecord) -> NudgeHome:
    narrator = ctx.narrator
    pref = await pref_of(narrator, person.platform_user_id)
    return NudgeHome(enabled=pref.enabled, at=pref.at, days=days.describe_days(pref.days),
                     timezone=await _timezone(narrator, pref),
                     workspace_on=await days.nudges_on(narrator),
                     identity=await identity(ctx, person), snoozed_until=pref.snoozed_until)


# -- the nudge's buttons and form -------------------------------------------------------------------------


async def nudge_action(ctx: Context, clicked: ActionPayload) -> list[Reply]:
    """Log it / Not today / Snooze a week on a nudge, and App Home's switch: the clicker's own only."""
    narrator, msg = ctx.narrator, ctx.msg
    owner, _, day = clicked.value.partition("|")
    if clicked.action_id in (NUDGE_ON, NUDGE_OFF):
        owner = owner or msg.user_id
    if owner != msg.user_id:
        raise UserInputError("Only the person this nudge is for can use its buttons.")
    pref = await pref_of(narrator, msg.user_id)
    channel = clicked.channel_id or msg.channel_id
    if clicked.action_id in (NUDGE_ON, NUDGE_OFF):
        on = clicked.action_id == NUDGE_ON
        changes: dict[str, object] = {"enabled": on}
        if on:
            changes["snoozed_until"] = None
            info = await _info(ctx)
            if info is not None and info.timezone:
                changes["timezone"] = info.timezone
        await days.save_nudge_pref(narrator, pref.model_copy(update=changes))
        from bot.surfaces.home import home

        return await home(ctx)
    if clicked.action_id == NUDGE_SNOOZE:
        until = narrator.clock() + days.SNOOZE
        await days.save_nudge_pref(narrator, pref.model_copy(update={"snoozed_until": until}))
        return [_done(clicked, channel, f"Snoozed: no nudge until {until:%a %Y-%m-%d}. "
                                        "`/coco nudge on` brings them back sooner.")]
    if clicked.action_id == NUDGE_SKIP:
        return [_done(clicked, channel, "Not today, then. Your runs stay in the tracker; a DM to me any time "
                                        "turns your notes into an entry.")]
    if clicked.action_id == NUDGE_LOG:
        if pref.nudge_message and clicked.message_id and pref.nudge_message != clicked.message_id:
            raise UserInputError("That is an older nudge; the newest one has your latest runs.")
        return [Reply(kind="form", target="modal", text="Log today",
                      form=await log_form(narrator, pref, channel=channel, message=clicked.message_id, day=day))]
    return []


def _done(clicked: ActionPayload, channel: str, text: str) -> Reply:
    return Reply(kind="notice", target="update", update_message_id=clicked.message_id, channel_id=channel,
                 thread_id=clicked.thread_id, text=text)


def run_lines(tables: list[TodayTable]) -> list[str]:
    """The runs as a person would list them, each with its short id (which links it when the text is
    filed), in the nudge's order."""
    lines: list[str] = []
    n = 0
    for table in tables:
        for row in table.rows:
            n += 1
            metric = f" {table.primary_metric} {days.format_metric(row.metric)}" if table.primary_metric else ""
            params = " ".join(f"{k}={v}" for k, v in row.params.items())
            lines.append(f"{n}. {row.name} ({row.run_id[:8]}) {row.status}{metric}{' ' + params if params else ''}")
    return lines


async def log_form(narrator: Narrator, pref: NudgePrefRecord, *, channel: str, message: str, day: str) -> Form:
    tables = await _listed_tables(narrator, pref)
    tried = "\n".join(run_lines(tables))
    project = pref.nudge_project_id or ""
    return Form(
        form_id=NUDGE_FORM, title="Log today", submit_label="Log it",
        metadata={"user": pref.platform_user_id, "channel": channel, "message": message, "day": day,
                  "project": project},
        fields=[
            FormField("tried", days.PROMPTS[0], tried, multiline=True, optional=False,
                      hint="Your runs of the day are listed; say what each was for."),
            FormField("not_worked", days.PROMPTS[1], multiline=True),
            FormField("next", days.PROMPTS[2], multiline=True),
        ],
    )


async def _listed_tables(narrator: Narrator, pref: NudgePrefRecord) -> list[TodayTable]:
    """The nudge's runs again, from the run cache, in the order the nudge listed them."""
    if not pref.nudge_project_id or not pref.nudge_runs:
        return []
    project = await narrator.project_by_id(pref.nudge_project_id)
    runs = await days.cached_runs(narrator, project, pref.nudge_runs)
    if not runs:
        return []
    table = days.build_table(project, runs, author=runs[0].user, since=pref.nudge_at or runs[0].start)
    order = {rid: i for i, rid in enumerate(pref.nudge_runs)}
    table.rows.sort(key=lambda r: order.get(r.run_id, 0))
    return [table]


async def nudge_form(ctx: Context) -> list[Reply]:
    """The submitted "Log it" form: an entry of the nudge's project, by its person, linked to the runs."""
    narrator, msg = ctx.narrator, ctx.msg
    submitted = msg.form
    if submitted is None:
        return []
    meta, values = submitted.metadata, submitted.values
    if meta.get("user") != msg.user_id:
        raise UserInputError("Only the person this nudge is for can log it.")
    parts = [("What I did", values.get("tried", "")), ("What didn't work", values.get("not_worked", "")),
             ("Next", values.get("next", ""))]
    text = "\n\n".join(f"{label}:\n{body.strip()}" for label, body in parts if body.strip())
    if not text:
        raise UserInputError("The form is empty: say what you tried.")
    person = await ctx.person()
    project: ProjectRecord | None = None
    if meta.get("project"):
        project = await narrator.project_by_id(meta["project"])
    project = project or await ctx.project_for(person)
    author = await identity(ctx, person) or await ctx.tracker_user(person, project)
    outcome = await narrator.log(project=project.name, text=text, author=author, source="dm",
                                 channel=meta.get("channel") or None, thread_ts=meta.get("message") or None)
    reply = await ctx.entry_reply(project, outcome)
    reply.target, reply.channel_id, reply.user_id = "dm", meta.get("channel", ""), msg.user_id
    done = Reply(kind="notice", target="update", update_message_id=meta.get("message") or None,
                 channel_id=meta.get("channel", ""),
                 text=f"Logged as entry {outcome.entry.id} ({len(outcome.structure.runs)} run(s) linked). Thanks!")
    return [reply, done] if done.update_message_id else [reply]


# -- the scheduled pass --------------------------------------------------------------------------------


def _dedupe_key(workspace_id: str, user_id: str, day: str) -> str:
    return f"nudge:{workspace_id}:{user_id}:{day}"


def _sent_key(workspace_id: str, user_id: str, day: str) -> str:
    return f"nudge-sent:{workspace_id}:{user_id}:{day}"


async def run_due_nudges(
    steps: WorkspaceSteps, front: NudgeFront, *, now: dt.datetime | None = None, worker: str = "nudges",
    directory: PeopleDirectory | None = None,
) -> list[str]:
    """Queue today's nudge of everyone whose time has come, then claim and send the due ones; returns
    what happened to each (for the log and the tests)."""
    narrator = steps.narrator
    when = now or narrator.clock()
    done: list[str] = []
    if await days.nudges_on(narrator):
        workspace = await narrator.workspace()
        for pref in await days.opted_in(narrator):
            tz = pref.timezone or workspace.timezone or "UTC"
            decision = days.timing(pref, now=when, timezone=tz, workspace_on=True)
            if not decision.send:
                continue
            due = days.due_today(pref, now=when, timezone=tz)
            day = days.local_day(when, tz)
            await jobs.enqueue_job(narrator, kind=NUDGE_JOB, payload={"user": pref.platform_user_id, "day": day},
                                   run_after=due, dedupe_key=_dedupe_key(narrator.workspace_id,
                                                                         pref.platform_user_id, day))
    for _ in range(MAX_PER_PASS):
        claimed = await jobs.claim_jobs(narrator, kinds=[NUDGE_JOB], now=when, limit=1, worker=worker,
                                        lease_seconds=LEASE_SECONDS)
        if not claimed:
            break
        job = claimed[0]
        try:
            outcome = await _run_job(steps, front, job, now=when, directory=directory)
        except CocoError as error:
            outcome = f"not sent: {error.user_message}"
        except Exception as error:  # one person's failure must not stop the others
            log.exception("nudge job %s failed", job.id)
            outcome = f"failed: {type(error).__name__}"
        await jobs.finish_job(narrator, job)
        done.append(outcome)
    return done


async def _run_job(steps: WorkspaceSteps, front: NudgeFront, job: JobRecord, *, now: dt.datetime,
                   directory: PeopleDirectory | None) -> str:
    narrator = steps.narrator
    user_id, day = str(job.payload.get("user", "")), str(job.payload.get("day", ""))
    who = f"{user_id} on {day}"
    if not await days.nudges_on(narrator):
        return f"skipped {who}: nudges are off in this workspace"
    pref = await pref_of(narrator, user_id)
    workspace = await narrator.workspace()
    info = await directory.person_info(workspace_key=workspace.key, user_id=user_id) if directory else None
    if info is not None and info.timezone and info.timezone != pref.timezone:
        pref = await days.save_nudge_pref(narrator, pref.model_copy(update={"timezone": info.timezone}))
    tz = pref.timezone or workspace.timezone or "UTC"
    decision = days.timing(pref, now=now, timezone=tz, workspace_on=True)
    if not decision.send or days.local_day(now, tz) != day:
        return f"skipped {who}: {decision.reason if not decision.send else 'another day'}"
    if info is not None and info.away:
        return f"skipped {who}: their status says they are away"
    person = await narrator.meet(user_id, name=info.name if info else "", email=info.email if info else "")
    for project in await narrator.projects():
        await narrator.sync_runs(project)
        steps.tracker_users.forget(project.id)
    author = await identity(steps, person)
    if author is None:
        return f"skipped {who}: who they are in the tracker is unknown"
    if await days.logged_since(narrator, author=author, since=days.local_day_start(now, tz)):
        return f"skipped {who}: already logged today"
    tables = await days.day_tables(narrator, author=author, now=now, timezone=tz)
    if not tables:
        return f"skipped {who}: no runs today"
    # The store decides, right before posting: a retried or reclaimed job stops here.
    if not await narrator.claim_event(_sent_key(narrator.workspace_id, user_id, day)):
        return f"already sent {who}"
    reply = nudge_reply(tables, user_id=user_id, day=day, workspace_id=narrator.workspace_id)
    posted = await front.deliver(reply)
    first = tables[0]
    projects = {p.name: p.id for p in await narrator.projects()}
    await days.save_nudge_pref(narrator, pref.model_copy(update={
        "last_nudged_day": day, "nudge_channel": posted.channel_id if posted else "",
        "nudge_message": posted.message_id if posted else "", "nudge_project_id": projects.get(first.project),
        "nudge_runs": first.run_ids, "nudge_at": now,
    }))
    runs = sum(len(t.rows) for t in tables)
    return f"sent {who}: {runs} run(s)" if posted else f"not delivered {who}"


def nudge_reply(tables: list[TodayTable], *, user_id: str, day: str, workspace_id: str) -> Reply:
    runs = sum(len(t.rows) for t in tables)
    value = f"{user_id}|{day}"
    text = (f"End of day: {runs} run{'s' if runs != 1 else ''} of yours today. "
            f"{' '.join(days.PROMPTS)} Reply here, or press Log it.\n{days.describe(tables)}")
    return Reply(kind="nudge", target="dm", user_id=user_id, workspace_id=workspace_id, text=text,
                 payload=NudgeView(tables=tables, day=day), project=tables[0].project,
                 actions=[ReplyAction(NUDGE_LOG, "Log it", value=value, style="primary"),
                          ReplyAction(NUDGE_SKIP, "Not today", value=value),
                          ReplyAction(NUDGE_SNOOZE, "Snooze a week", value=value)])
