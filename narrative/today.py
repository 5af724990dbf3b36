"""The day's runs of one person, and when their end-of-day nudge is due (issue 15).

Platform-neutral: the Slack nudge, App Home, ``coco today`` and (later) Teams all show the same
:class:`TodayTable`. A table holds the runs a person started since the later of their last entry
and the start of their local day, read from the tracker (and kept in the run cache; the cache
answers when the tracker is down): name, status, the project's primary metric, and only the params
whose values differ between those runs (what a person changed is what they will want to explain).
FAILED runs come first: they are what most needs a word before it is forgotten.

The rules of *whether* to nudge live here too (:func:`nudge_decision`), so they are one function,
tested without a chat platform: opted in, the workspace's switch on, a nudge day, the local time
reached, not snoozed, not nudged today, not away, identity known, runs today, nothing logged today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.tracker import iter_runs
from core.errors import TrackerUnavailableError, UserInputError
from storage.records import EntryRecord, NudgePrefRecord, ProjectRecord, RunSnapshot, UserRecord

if TYPE_CHECKING:
    from narrative.service import Narrator
    from storage.ports import Repository

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_AT = "17:30"
DEFAULT_DAYS = "mon,tue,wed,thu,fri"
SNOOZE = dt.timedelta(days=7)
# A bot that was down at the nudge time still nudges when it is back, but not at night: after this
# long the day's nudge is skipped (the runs are then tomorrow's "since your last entry").
LATE_LIMIT = dt.timedelta(hours=3)
# The three prompts of the seed's end-of-day template ("Today's work", "What didn't work", "Plan for
# tomorrow"), as questions.
PROMPTS = ("What did you try?", "What did not work?", "What next?")
# A reply to a nudge is read against its runs for this long (a reply the next morning still counts).
LISTED_FOR = dt.timedelta(days=3)
MAX_ROWS = 20  # one chat message; the rest is counted, never silently dropped
MAX_PARAMS = 4
_AT = re.compile(r"^(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$", re.IGNORECASE)
_STATUS_ORDER = {"FAILED": 0, "KILLED": 1, "RUNNING": 2, "SCHEDULED": 3}


# -- the table ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayRun:
    run_id: str
    name: str
    status: str
    metric: float | None
    params: dict[str, str]  # only the params that differ between the day's runs
    start: dt.datetime
    url: str = ""


@dataclass
class TodayTable:
    """One project's runs of the day, in the order shown (and referred to: "the second one")."""

    project: str
    author: str
    since: dt.datetime
    primary_metric: str | None
    goal: str
    differing: list[str]
    rows: list[DayRun] = field(default_factory=list)

    @property
    def run_ids(self) -> list[str]:
        return [r.run_id for r in self.rows]

    def as_json(self) -> dict[str, Any]:
        return {
            "project": self.project, "author": self.author, "since": self.since.isoformat(),
            "primary_metric": self.primary_metric, "goal": self.goal, "differing_params": list(self.differing),
            "runs": [{"run_id": r.run_id, "run_name": r.name, "status": r.status, "metric": r.metric,
                      "params": dict(r.params), "start": r.start.isoformat(), "url": r.url} for r in self.rows],
        }


def ordered(runs: Iterable[RunSnapshot]) -> list[RunSnapshot]:
    """FAILED (then KILLED, RUNNING) first, each group in the order the runs started."""
    return sorted(runs, key=lambda r: (_STATUS_ORDER.get(r.status.upper(), 9), r.start, r.run_name, r.run_id))


def differing_params(runs: Sequence[RunSnapshot]) -> list[str]:
    """The param keys whose value is not the same in every run (absent counts as a value)."""
    if len(runs) < 2:
        return []
    keys = sorted({k for r in runs for k in r.params})
    return [k for k in keys if len({r.params.get(k) for r in runs}) > 1]


def build_table(project: ProjectRecord, runs: Sequence[RunSnapshot], *, author: str,
                since: dt.datetime) -> TodayTable:
    metric, goal = project.metric_now()
    shown = ordered(runs)
    keys = differing_params(shown)
    rows = [DayRun(run_id=r.run_id, name=r.run_name or r.run_id[:8], status=r.status.upper() or "?",
                   metric=r.metrics.get(metric) if metric else None, params={k: r.params.get(k, "—") for k in keys},
                   start=r.start, url=r.url) for r in shown]
    return TodayTable(project=project.name, author=author, since=since, primary_metric=metric, goal=goal,
                      differing=keys, rows=rows)


def format_metric(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def table_lines(table: TodayTable, *, max_rows: int = MAX_ROWS) -> list[str]:
    """The table as aligned text lines (terminal, and a chat's monospace block)."""
    keys = table.differing[:MAX_PARAMS]
    head = ["#", "run", "status", table.primary_metric or "metric", *keys]
    body = [[str(i), r.name, r.status, format_metric(r.metric), *(r.params.get(k, "—") for k in keys)]
            for i, r in enumerate(table.rows[:max_rows], 1)]
    widths = [min(28, max(len(row[c]) for row in [head, *body])) for c in range(len(head))]
    lines = ["  ".join(cell[:28].ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in [head, *body]]
    if len(table.rows) > max_rows:
        lines.append(f"… and {len(table.rows) - max_rows} more")
    return lines


def describe(tables: Sequence[TodayTable]) -> str:
    """Plain text of the day's tables (the terminal, and a chat message's fallback text)."""
    if not tables:
        return "No runs of yours today."
    parts: list[str] = []
    for t in tables:
        noun = "run" if len(t.rows) == 1 else "runs"
        parts.append(f"{t.project}: {len(t.rows)} {noun} since {t.since:%Y-%m-%d %H:%M} UTC")
        parts += table_lines(t)
    return "\n".join(parts)


# -- reading the day ------------------------------------------------------------------------------------


async def runs_of(narrator: Narrator, project: ProjectRecord, *, author: str, since: dt.datetime,
                  until: dt.datetime) -> list[RunSnapshot]:
    """The author's runs of the project started in ``[since, until]``: from the tracker (stored in the
    run cache on the way), else from the cache when the tracker is down."""
    try:
        found = [snapshot async for snapshot in _snapshots(narrator, project, author=author, since=since,
                                                           until=until)]
        await narrator.repo.upsert_runs(narrator.workspace_id, found)
    except TrackerUnavailableError:
        cached, _ = await narrator.repo.list_runs(narrator.workspace_id, project.id, since=since, until=until)
        found = [r for r in cached if r.user.strip().lower() == author.strip().lower()]
    # The tracker's user filter may be loose (W&B's username vs display name): keep exact owners only.
    return [r for r in found if r.user.strip().lower() == author.strip().lower() and since <= r.start <= until]


async def _snapshots(narrator: Narrator, project: ProjectRecord, *, author: str, since: dt.datetime,
                     until: dt.datetime) -> AsyncIterator[RunSnapshot]:
    from narrative.service import snapshot_of

    async for run in iter_runs(narrator.tracker(project), scope=project.experiment_ids, since=since, until=until,
                               user=author):
        yield snapshot_of(run, project_id=project.id)


async def last_entry_at(narrator: Narrator, *, author: str, before: dt.datetime) -> dt.datetime | None:
    found, _ = await narrator.repo.list_entries(narrator.workspace_id, author=author, until=before, limit=1000)
    return found[-1].at if found else None


async def day_tables(narrator: Narrator, *, author: str, now: dt.datetime, timezone: str,
                     projects: Sequence[ProjectRecord] | None = None) -> list[TodayTable]:
    """The author's runs since the later of their last entry and the start of their local day, one
    table per project that has any."""
    day_start = local_day_start(now, timezone)
    last = await last_entry_at(narrator, author=author, before=now)
    since = max(day_start, last) if last is not None else day_start
    tables: list[TodayTable] = []
    for project in projects if projects is not None else await narrator.projects():
        runs = await runs_of(narrator, project, author=author, since=since, until=now)
        if runs:
            tables.append(build_table(project, runs, author=author, since=since))
    return tables


async def logged_since(narrator: Narrator, *, author: str, since: dt.datetime) -> bool:
    found, _ = await narrator.repo.list_entries(narrator.workspace_id, author=author, since=since, limit=1)
    return bool(found)


async def listed_runs(repo: Repository, workspace_id: str, project: ProjectRecord,
                      entry: EntryRecord) -> list[RunSnapshot]:
    """The runs a nudge listed to the entry's author in the conversation the entry was written in, in
    the nudge's order, when the entry answers it (same project, written after it and soon enough):
    the entry's candidates first, and what "the second one" means."""
    if not entry.channel:
        return []
    pref = await repo.nudge_pref_by_channel(workspace_id, entry.channel)
    if pref is None or pref.nudge_project_id != project.id or pref.nudge_at is None or not pref.nudge_runs:
        return []
    if not pref.nudge_at <= entry.at <= pref.nudge_at + LISTED_FOR:
        return []
    found = await repo.get_runs(workspace_id, project.id, pref.nudge_runs)
    return [found[r] for r in pref.nudge_runs if r in found]


# -- the nudge's state, as service operations (front ends never touch the repository) --------------------


async def nudge_pref(narrator: Narrator, user_id: str) -> NudgePrefRecord:
    """The person's nudge preferences (off, 17:30, mon-fri, when they never chose)."""
    found = await narrator.repo.get_nudge_pref(narrator.workspace_id, user_id)
    return found or NudgePrefRecord(workspace_id=narrator.workspace_id, platform_user_id=user_id)


async def save_nudge_pref(narrator: Narrator, pref: NudgePrefRecord) -> NudgePrefRecord:
    return await narrator.repo.save_nudge_pref(pref.model_copy(update={"workspace_id": narrator.workspace_id}))


async def opted_in(narrator: Narrator) -> list[NudgePrefRecord]:
    return await narrator.repo.list_nudge_prefs(narrator.workspace_id)


async def nudges_on(narrator: Narrator) -> bool:
    """The workspace's switch (an admin's): on unless turned off."""
    return (await narrator.repo.get_nudge_switch(narrator.workspace_id)).enabled


async def set_nudges_on(narrator: Narrator, *, enabled: bool, changed_by: str) -> None:
    await narrator.repo.set_nudge_switch(narrator.workspace_id, enabled=enabled, changed_by=changed_by)


async def answered_nudge(narrator: Narrator, *, channel: str, user_id: str,
                         at: dt.datetime) -> NudgePrefRecord | None:
    """The person's nudge that a message in ``channel`` at ``at`` answers: their last one, sent to that
    conversation, not long before."""
    pref = await narrator.repo.nudge_pref_by_channel(narrator.workspace_id, channel)
    if pref is None or pref.platform_user_id != user_id or pref.nudge_at is None or not pref.nudge_project_id:
        return None
    return pref if pref.nudge_at <= at <= pref.nudge_at + LISTED_FOR else None


async def cached_runs(narrator: Narrator, project: ProjectRecord, run_ids: Sequence[str]) -> list[RunSnapshot]:
    """These runs as last seen, in the order given (the ones never seen are left out)."""
    found = await narrator.repo.get_runs(narrator.workspace_id, project.id, list(run_ids))
    return [found[r] for r in run_ids if r in found]


# -- who the person is in the tracker --------------------------------------------------------------------


def known_tracker_user(person: UserRecord, users: Iterable[str]) -> str | None:
    """The person's tracker user when it is known, never a guess: what they said with ``/coco me``, or a
    tracker user of the project's runs that is their e-mail, its local part or their display name."""
    if person.tracker_user:
        return person.tracker_user
    names = [u for u in users if u]
    local = person.email.split("@")[0] if person.email else ""
    by_lower = {u.lower(): u for u in names}
    for candidate in (person.email, local, person.display_name):
        if candidate and candidate.lower() in by_lower:
            return by_lower[candidate.lower()]

    def squash(name: str) -> str:
        return re.sub(r"[^a-z0-9]", "", name.lower())

    by_squash = {squash(u): u for u in names if squash(u)}
    for candidate in (local, person.display_name):
        if candidate and squash(candidate) in by_squash:
            return by_squash[squash(candidate)]
    return None


# -- preferences, as people type them ------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day_start(now: dt.datetime, timezone: str) -> dt.datetime:
    local = now.astimezone(zone(timezone))
    return dt.datetime.combine(local.date(), dt.time(0, 0), tzinfo=local.tzinfo).astimezone(dt.UTC)


def parse_at(text: str) -> str:
    """``18:00``, ``6pm``, ``18h``, ``6:30 pm`` -> ``HH:MM``."""
    match = _AT.match(text.strip())
    if match is None:
        raise UserInputError(f"I could not read {text.strip()!r} as a time; try `18:00` or `6pm`.")
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise UserInputError(f"{text.strip()!r} is not a time; try `18:00` or `6pm`.")
        hour = hour % 12 + (12 if match["ampm"].lower() == "pm" else 0)
    if hour > 23 or minute > 59:
        raise UserInputError(f"{text.strip()!r} is not a time; try `18:00` or `6pm`.")
    return f"{hour:02d}:{minute:02d}"


def _day(token: str) -> int:
    token = token.strip().lower()
    for i, name in enumerate(DAY_NAMES):
        full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[i]
        if token == name or (len(token) >= 2 and full.startswith(token.rstrip("s"))):
            return i
    raise UserInputError(f"I do not know the day {token!r}; use mon, tue, wed, thu, fri, sat, sun (e.g. `mon-fri`).")


def parse_days(text: str) -> str:
    """``mon-fri``, ``mon,wed,fri``, ``weekdays``, ``every day`` -> ``mon,tue,...`` in week order."""
    cleaned = text.strip().lower()
    if cleaned in ("weekdays", "workdays"):
        return DEFAULT_DAYS
    if cleaned in ("every day", "everyday", "daily", "all", "mon-sun"):
        return ",".join(DAY_NAMES)
    if cleaned in ("weekends", "weekend"):
        return "sat,sun"
    chosen: set[int] = set()
    for part in filter(None, re.split(r"[,\s]+", cleaned)):
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = _day(first), _day(last)
            span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
            chosen.update(span)
        else:
            chosen.add(_day(part))
    if not chosen:
        raise UserInputError("Say which days, e.g. `mon-fri` or `mon,wed,fri`.")
    return ",".join(DAY_NAMES[i] for i in sorted(chosen))


def describe_days(days: str) -> str:
    names = [d for d in days.split(",") if d]
    if names == DEFAULT_DAYS.split(","):
        return "mon-fri"
    if names == list(DAY_NAMES):
        return "every day"
    return ", ".join(names)


# -- when a nudge is due -------------------------------------------------------------------------------------


def due_today(pref: NudgePrefRecord, *, now: dt.datetime, timezone: str) -> dt.datetime | None:
    """Today's (local) nudge time, in UTC, if today is one of the person's days; else None."""
    tz = zone(timezone)
    local = now.astimezone(tz)
    if DAY_NAMES[local.weekday()] not in pref.days.split(","):
        return None
    hour, minute = (int(x) for x in (pref.at or DEFAULT_AT).split(":"))
    return dt.datetime.combine(local.date(), dt.time(hour, minute), tzinfo=tz).astimezone(dt.UTC)


def local_day(now: dt.datetime, timezone: str) -> str:
    return now.astimezone(zone(timezone)).date().isoformat()


@dataclass(frozen=True)
class NudgeDecision:
    send: bool
    reason: str  # why not (or "due"): logged, and shown by tests


def timing(pref: NudgePrefRecord, *, now: dt.datetime, timezone: str, workspace_on: bool) -> NudgeDecision:
    """The checks that need no tracker: opted in, switch, day, time, snooze, once a day."""
    if not workspace_on:
        return NudgeDecision(False, "nudges are off in this workspace")
    if not pref.enabled:
        return NudgeDecision(False, "opted out")
    if pref.snoozed_until is not None and now < pref.snoozed_until:
        return NudgeDecision(False, f"snoozed until {pref.snoozed_until.isoformat()}")
    due = due_today(pref, now=now, timezone=timezone)
    if due is None:
        return NudgeDecision(False, "not a nudge day")
    if now < due:
        return NudgeDecision(False, "not yet")
    if now - due > LATE_LIMIT:
        return NudgeDecision(False, "too late today")
    if pref.last_nudged_day == local_day(now, timezone):
        return NudgeDecision(False, "already nudged today")
    return NudgeDecision(True, "due")


_AWAY_EMOJI = (":palm_tree:", ":airplane:", ":face_with_thermometer:", ":sleeping:", ":beach_with_umbrella:",
               ":no_entry:", ":house_with_garden:", ":sick:", ":thermometer:", ":desert_island:", ":luggage:")
_AWAY_WORDS = re.compile(
    r"\b(?:away|vacation|vacationing|holidays?|on leave|out of (?:the )?office|ooo|pto|sick|off today|day off|"
    r"parental leave|travell?ing|offline)\b", re.IGNORECASE)


def status_says_away(*, status_text: str, status_emoji: str) -> bool:
    """Whether a chat status says the person is away (holiday, leave, sick, out of office)."""
    return status_emoji.strip().lower() in _AWAY_EMOJI or bool(_AWAY_WORDS.search(status_text or ""))
