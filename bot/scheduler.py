"""The weekly digest, scheduled durably: platform-neutral, so Slack, Teams and the CLI share it.

How a schedule lives in the store:

* The schedule itself is a project setting, ``{"digest_schedule": {"weekday", "at", "timezone",
  "channel"}}`` (one schedule per project: setting it again from another channel moves it there).
* Each occurrence is one durable job (kind ``digest``, payload ``{"project_id", "channel", "due"}``,
  ``run_after=due``, dedupe key ``digest:<project>:<channel>:<due>``). Running it queues the next
  occurrence, so the chain of jobs *is* the schedule's future; a restart finds the chain in the
  database and nothing is skipped.
* A job whose occurrence no longer matches the stored schedule (changed, moved, removed) is finished
  as superseded without posting, so changing a schedule never needs to find and delete old jobs.

Exactly once: job claims are row-locked (``FOR UPDATE SKIP LOCKED`` / SQLite's write lock), and right
before posting the worker claims the event ``digest-posted:<project>:<channel>:<due>`` in the store.
A job that is retried or reclaimed after a crash finds that key taken and does not post again: a crash
in the middle of a post loses that digest rather than sending it twice. A poster that knows nothing
went out raises ``DigestNotPostedError``; the occurrence is then retried under a fresh key.

A bot that was down when a digest was due posts it when it comes back (late, not skipped), once:
the next occurrence is computed from *now*, so the weeks it missed are not replayed one by one.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import CocoError, DigestNotPostedError, ProjectNotFoundError, UserInputError
from narrative import jobs
from narrative.service import Narrator
from narrative.types import Digest
from storage.records import JobRecord, ProjectRecord

log = logging.getLogger("coco.scheduler")

DIGEST_JOB = "digest"
SETTINGS_KEY = "digest_schedule"
DIGEST_DAYS = 7
# A digest is built (tracker sync, maybe a model call) and posted under one lease; a model engine's
# deadline is 90-180 s, so ten minutes leaves room without letting a dead worker hold it for long.
LEASE_SECONDS = 600
RETRY_DELAY = dt.timedelta(minutes=5)
# Attempts to build one occurrence before giving up on it (the next occurrence is already queued).
MAX_ATTEMPTS = 6
# Fresh posting keys for one occurrence after posters said "nothing went out".
MAX_POST_GENERATIONS = 4
# One pass claims at most this many digests per workspace; the rest wait for the next pass.
MAX_PER_PASS = 50

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_TIME = dt.time(9, 0)
_FILLER = frozenset({"every", "each", "on", "at", "weekly", "week", "a", "the", "@", "-", "and"})
_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?h?(?P<ampm>am|pm|a\.m\.|p\.m\.)?$")
_FOUR_DIGITS = re.compile(r"^(?P<h>\d{2})(?P<m>\d{2})$")
_EXAMPLES = "`mon 09:00`, `Friday 4:30pm` or `tue 9`"




@dataclass(frozen=True)
class DigestSchedule:
    weekday: int  # 0 = Monday, as ``datetime.weekday()``
    at: dt.time  # local wall-clock time in ``timezone``
    timezone: str  # IANA name, e.g. "Europe/Berlin"

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, not {self.weekday}")
        if self.at.tzinfo is not None:
            raise ValueError("the schedule's time is a local wall-clock time; give it without tzinfo")
        _zone(self.timezone)

    def describe(self) -> str:
        return f"{WEEKDAYS[self.weekday].capitalize()}s at {self.at:%H:%M} ({self.timezone})"

    def as_setting(self, *, channel: str, by: str = "") -> dict[str, Any]:
        setting: dict[str, Any] = {"weekday": self.weekday, "at": f"{self.at:%H:%M}", "timezone": self.timezone,
                                   "channel": channel}
        if by:
            setting["by"] = by  # who to tell when the channel refuses the digest
        return setting


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # ValueError: names like "../x" that zoneinfo refuses outright.
        raise UserInputError(
            f"{name!r} is not a timezone I know; use an IANA name such as Europe/Berlin."
        ) from None


def parse_schedule(text: str, *, timezone: str) -> DigestSchedule:
    """A weekday and a time, as people type them: "mon 09:00", "Monday 9am", "fri 16:30", "tue 9",
    "every Wednesday at 5:15pm". No time means 09:00. An IANA zone in the text ("mon 9 Europe/London")
    overrides ``timezone`` (the workspace's)."""
    zone_name = timezone
    weekday: int | None = None
    at: dt.time | None = None
    # "9 am" -> "9am", so a time is one token.
    cleaned = re.sub(r"(\d)\s+(am|pm|a\.m\.|p\.m\.)(?=\s|$)", r"\1\2", text.strip(), flags=re.IGNORECASE)
    for raw in cleaned.replace(",", " ").split():
        token = raw.lower()
        if token in _FILLER:
            continue
        if "/" in raw or raw.upper() == "UTC":
            zone_name = "UTC" if raw.upper() == "UTC" else raw
            continue
        day = _weekday(token)
        if day is not None:
            if weekday is not None and weekday != day:
                raise UserInputError(f"A digest goes out once a week; give one weekday, e.g. {_EXAMPLES}.")
            weekday = day
            continue
        time = _time(token)
        if time is not None and at is None:
            at = time
            continue
        raise UserInputError(f"I could not read {text.strip()!r} as a weekly time; try {_EXAMPLES}.")
    if weekday is None:
        raise UserInputError(f"Say which day the digest goes out, e.g. {_EXAMPLES}.")
    return DigestSchedule(weekday=weekday, at=at or DEFAULT_TIME, timezone=_zone(zone_name).key)


def _weekday(token: str) -> int | None:
    # Unique prefixes of two letters or more ("tu", "thurs", "wed"), and plurals ("mondays", "weds").
    for candidate in (token, token[:-1] if token.endswith("s") else token):
        if len(candidate) >= 2 and candidate.isalpha():
            found = [i for i, name in enumerate(WEEKDAYS) if name.startswith(candidate)]
            if len(found) == 1:
                return found[0]
    return None


def _time(token: str) -> dt.time | None:
    if token == "noon":
        return dt.time(12, 0)
    if token == "midnight":
        return dt.time(0, 0)
    match = _TIME.match(token) or _FOUR_DIGITS.match(token)
    if match is None:
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = (match.groupdict().get("ampm") or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def next_due(schedule: DigestSchedule, *, after: dt.datetime) -> dt.datetime:
    """The first occurrence strictly after ``after``, as an aware UTC datetime.

    Wall-clock semantics through zoneinfo: "Mondays 09:00 Europe/Berlin" is 08:00 UTC in winter and
    07:00 UTC in summer. A time that does not exist on a spring-forward day (02:30) is read with the
    offset before the change (so it falls at 03:30 local); one that happens twice on a fall-back day
    is the first of the two (``fold=0``)."""
    if after.tzinfo is None:
        raise ValueError(f"`after` must be timezone-aware; got naive {after.isoformat()}")
    zone = _zone(schedule.timezone)
    after_utc = after.astimezone(dt.UTC)
    local_day = after_utc.astimezone(zone).date()
    ahead = (schedule.weekday - local_day.weekday()) % 7
    # At most two candidates: this week's (if still ahead) or next week's; one more for safety
    # around offsets that move the UTC instant across ``after``.
    for week in range(3):
        day = local_day + dt.timedelta(days=ahead + 7 * week)
        candidate = dt.datetime.combine(day, schedule.at, tzinfo=zone).astimezone(dt.UTC)
        if candidate > after_utc:
            return candidate
    raise AssertionError("unreachable: a weekly occurrence always lies within three weeks")


def _is_occurrence(schedule: DigestSchedule, due: dt.datetime) -> bool:
    return next_due(schedule, after=due - dt.timedelta(microseconds=1)) == due


def stored_schedule(project: ProjectRecord) -> tuple[DigestSchedule, str] | None:
    """The project's schedule and the channel it posts to, or None (unset, removed, or unreadable)."""
    value = project.settings.get(SETTINGS_KEY)
    if not isinstance(value, dict):
        return None
    try:
        hour, minute = (int(part) for part in str(value["at"]).split(":"))
        schedule = DigestSchedule(
            weekday=int(value["weekday"]), at=dt.time(hour, minute), timezone=str(value["timezone"])
        )
        return schedule, str(value["channel"])
    except (KeyError, ValueError, TypeError, UserInputError):
        log.warning("project %s has an unreadable digest schedule: %r", project.id, value)
        return None


async def workspace_timezone(narrator: Narrator) -> str:
    """The workspace's IANA timezone (what ``parse_schedule`` should be given)."""
    return await jobs.workspace_timezone(narrator)


def _dedupe_key(project_id: str, channel: str, due: dt.datetime, generation: int = 0) -> str:
    base = f"digest:{project_id}:{channel}:{due.isoformat()}"
    return base if generation == 0 else f"{base}:retry{generation}"


def _posted_key(project_id: str, channel: str, due: dt.datetime, generation: int = 0) -> str:
    base = f"digest-posted:{project_id}:{channel}:{due.isoformat()}"
    return base if generation == 0 else f"{base}:retry{generation}"


async def _enqueue(
    narrator: Narrator,
    *,
    project_id: str,
    channel: str,
    due: dt.datetime,
    generation: int = 0,
    run_after: dt.datetime | None = None,
) -> JobRecord:
    payload: dict[str, object] = {"project_id": project_id, "channel": channel, "due": due.isoformat()}
    if generation:
        payload["generation"] = generation
    return await jobs.enqueue_job(
        narrator,
        kind=DIGEST_JOB,
        payload=payload,
        run_after=run_after or due,
        dedupe_key=_dedupe_key(project_id, channel, due, generation),
    )


async def set_schedule(
    narrator: Narrator, *, project: ProjectRecord, channel: str, schedule: DigestSchedule, by: str = ""
) -> dt.datetime:
    """Store the project's schedule and queue its next occurrence; returns when that is (UTC).

    The job is queued before the setting is written: if the second write fails the caller sees the
    error and the orphan job finds no matching schedule when it runs (a no-op), whereas the other
    order could leave a schedule with nothing queued behind it."""
    if not channel.strip():
        raise UserInputError("Say which channel the digest goes to.")
    due = next_due(schedule, after=narrator.clock())
    await _enqueue(narrator, project_id=project.id, channel=channel, due=due)
    await narrator.update_project_settings(project, {SETTINGS_KEY: schedule.as_setting(channel=channel, by=by)})
    log.info("digest of %s scheduled %s to %s; next %s", project.name, schedule.describe(), channel, due.isoformat())
    return due


async def clear_schedule(narrator: Narrator, *, project: ProjectRecord) -> bool:
    """Remove the project's schedule (queued occurrences become no-ops); False if there was none."""
    had = stored_schedule(project) is not None
    await narrator.update_project_settings(project, {SETTINGS_KEY: None})
    return had


class DigestPoster(Protocol):
    async def post_digest(
        self, *, workspace_id: str, channel: str, digest: Digest, chart_png: bytes | None
    ) -> None: ...


async def run_due_digests(
    narrator: Narrator, poster: DigestPoster, *, now: dt.datetime | None = None, worker: str = "scheduler"
) -> list[str]:
    """Claim this workspace's due digest jobs, one at a time, and run each; returns what happened.

    One claim at a time so that replicas share a burst of digests and no claimed job waits behind a
    slow one until its lease runs out."""
    when = now or narrator.clock()
    done: list[str] = []
    for _ in range(MAX_PER_PASS):
        claimed = await jobs.claim_jobs(
            narrator, kinds=[DIGEST_JOB], now=when, limit=1, worker=worker, lease_seconds=LEASE_SECONDS
        )
        if not claimed:
            break
        job = claimed[0]
        try:
            done.append(await _run_job(narrator, poster, job, now=when))
        except Exception as error:  # one broken job must not stop the others or the loop
            log.exception("digest job %s failed", job.id)
            done.append(await _retry_or_fail(narrator, job, f"{type(error).__name__}: {error}", now=when))
    return done


async def _run_job(narrator: Narrator, poster: DigestPoster, job: JobRecord, *, now: dt.datetime) -> str:
    try:
        project_id = str(job.payload["project_id"])
        channel = str(job.payload["channel"])
        due = dt.datetime.fromisoformat(str(job.payload["due"])).astimezone(dt.UTC)
        generation = int(job.payload.get("generation", 0))
    except (KeyError, ValueError, TypeError):
        await jobs.finish_job(narrator, job, error="malformed digest job payload")
        return f"dropped malformed digest job {job.id}"
    try:
        project = await narrator.project_by_id(project_id)
    except ProjectNotFoundError:
        await jobs.finish_job(narrator, job)
        return f"dropped digest for a deleted project ({project_id}) due {due.isoformat()}"
    stored = stored_schedule(project)
    if stored is None or stored[1] != channel or not _is_occurrence(stored[0], due):
        await jobs.finish_job(narrator, job)
        return f"superseded: digest of {project.name} to {channel} due {due.isoformat()} (schedule changed)"
    schedule = stored[0]

    # Queue the next occurrence first, so a digest that cannot be built or posted never ends the
    # weekly series. Counting from now (not from `due`) skips the weeks a stopped bot missed: one late
    # digest, not one per missed week. Idempotent on a retry thanks to the dedupe key.
    upcoming = next_due(schedule, after=max(now, due))
    await _enqueue(narrator, project_id=project.id, channel=channel, due=upcoming)

    try:
        digest = await narrator.digest(project=project.name, days=DIGEST_DAYS)
    except CocoError as error:
        return await _retry_or_fail(narrator, job, error.user_message, now=now)
    chart = await _chart_or_none(digest)

    # The store decides who posts, right before posting: a retried or reclaimed job stops here.
    if not await narrator.claim_event(_posted_key(project.id, channel, due, generation)):
        await jobs.finish_job(narrator, job)
        return f"already posted: digest of {project.name} to {channel} due {due.isoformat()}"
    try:
        await poster.post_digest(workspace_id=narrator.workspace_id, channel=channel, digest=digest, chart_png=chart)
    except DigestNotPostedError as error:
        outcome = await _post_again_later(narrator, job, project=project, channel=channel, due=due,
                                          generation=generation, reason=error.user_message, now=now)
        await _tell_scheduler(narrator, poster, project=project, reason=error.user_message,
                              gave_up=outcome.startswith("gave up"), generation=generation)
        return outcome
    except Exception as error:
        # Perhaps half-posted (the text went out, the chart did not): never risk a second copy.
        log.exception("posting the digest of %s to %s failed; not retried", project.name, channel)
        await jobs.finish_job(narrator, job, error=f"post failed, not retried: {type(error).__name__}: {error}")
        return f"post failed: digest of {project.name} to {channel} due {due.isoformat()} ({type(error).__name__})"
    await jobs.finish_job(narrator, job)
    late = " (late)" if now - due > dt.timedelta(minutes=5) else ""
    log.info("posted digest of %s to %s due %s%s", project.name, channel, due.isoformat(), late)
    return f"posted{late}: digest of {project.name} to {channel} due {due.isoformat()}; next {upcoming.isoformat()}"


async def _retry_or_fail(narrator: Narrator, job: JobRecord, reason: str, *, now: dt.datetime) -> str:
    if await jobs.retry_or_fail(narrator, job, reason, retry_at=now + RETRY_DELAY, max_attempts=MAX_ATTEMPTS):
        return f"retry later: digest job {job.id} ({reason})"
    return f"gave up: digest job {job.id} after {MAX_ATTEMPTS} attempts ({reason})"


async def _post_again_later(
    narrator: Narrator,
    job: JobRecord,
    *,
    project: ProjectRecord,
    channel: str,
    due: dt.datetime,
    generation: int,
    reason: str,
    now: dt.datetime,
) -> str:
    # The posting key of this generation is spent; a new job carries the next one. Its generation is
    # part of its payload, so a crash while it posts is still caught by its own key.
    await jobs.finish_job(narrator, job, error=f"not posted: {reason}")
    if generation + 1 >= MAX_POST_GENERATIONS:
        return f"gave up: digest of {project.name} to {channel} due {due.isoformat()} was refused ({reason})"
    await _enqueue(narrator, project_id=project.id, channel=channel, due=due,
                   generation=generation + 1, run_after=now + RETRY_DELAY)
    return f"retry later: digest of {project.name} to {channel} due {due.isoformat()} was not posted ({reason})"


async def _tell_scheduler(narrator: Narrator, poster: DigestPoster, *, project: ProjectRecord, reason: str,
                          gave_up: bool, generation: int) -> None:
    """The channel refused the digest (COCO is not in it, say): nobody there sees anything, so the
    person who scheduled it is told privately, at the first refusal and when COCO gives up."""
    value = project.settings.get(SETTINGS_KEY)
    by = str(value.get("by") or "") if isinstance(value, dict) else ""
    # A poster that can tell a person privately has ``tell(workspace_id=, user=, text=)`` (the chat
    # runtimes); the CLI's terminal poster has no one to tell.
    tell = getattr(poster, "tell", None)
    if not by or tell is None or not (generation == 0 or gave_up):
        return
    minutes = int(RETRY_DELAY.total_seconds() // 60)
    then = ("I gave up on this week's digest." if gave_up
            else f"I will try again in {minutes} minutes, {MAX_POST_GENERATIONS - 1} more times.")
    text = f"The weekly digest of {project.name} could not be posted: {reason} {then}"
    try:
        await tell(workspace_id=narrator.workspace_id, user=by, text=text)
    except Exception:  # telling is a courtesy; the digest job's outcome stands
        log.exception("could not tell %s that the digest of %s was refused", by, project.name)


async def _chart_or_none(digest: Digest) -> bytes | None:
    from bot.chart import render_chart

    try:
        # matplotlib is CPU-bound for a few hundred ms: off the event loop, which must keep acking.
        return await asyncio.to_thread(render_chart, digest)
    except Exception:  # a digest without its chart beats no digest
        log.exception("rendering the chart of %s failed; posting without it", digest.project)
        return None


NarratorSource = Callable[[], AsyncIterator[Narrator] | Awaitable[Iterable[Narrator]] | Iterable[Narrator]]


async def scheduler_loop(
    open_workspace_narrators: NarratorSource,
    poster: DigestPoster,
    *,
    interval: float = 30.0,
    stop: asyncio.Event,
    worker: str | None = None,
) -> None:
    """Every ``interval`` seconds, run the due digests of every workspace the source yields, until
    ``stop`` is set. An error is logged and the loop carries on: it is the only thing that posts.

    ``open_workspace_narrators`` is called once per pass. It may be an async generator (that opens
    and closes narrators around its ``yield``), a coroutine function returning narrators (such as
    ``lambda: hub.narrators(platform="slack")``), or return a plain iterable of narrators."""
    name = worker or f"scheduler:{socket.gethostname()}:{os.getpid()}"
    while not stop.is_set():
        try:
            source = open_workspace_narrators()
            if isinstance(source, AsyncIterator):
                async for narrator in source:
                    await _one_workspace(narrator, poster, worker=name)
            else:
                narrators = await source if isinstance(source, Awaitable) else source
                for narrator in narrators:
                    await _one_workspace(narrator, poster, worker=name)
        except Exception:
            log.exception("digest scheduler pass failed; trying again in %.0f s", interval)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def _one_workspace(narrator: Narrator, poster: DigestPoster, *, worker: str) -> None:
    try:
        for line in await run_due_digests(narrator, poster, worker=worker):
            log.info("workspace %s: %s", narrator.workspace_id, line)
    except Exception:
        log.exception("digests of workspace %s failed this pass", narrator.workspace_id)
