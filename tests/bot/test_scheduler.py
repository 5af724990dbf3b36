"""The weekly digest's durable scheduler, on a real store (SQLite, and PostgreSQL when
``COCO_TEST_POSTGRES_URL`` is set), a real MLflow store and the local engine. Time is injected, never
slept: ``now`` for the scheduler and a settable clock for the narrator."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import struct
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from adapters import open_tracker
from bot.scheduler import (
    DIGEST_JOB,
    LEASE_SECONDS,
    RETRY_DELAY,
    DigestNotPostedError,
    DigestSchedule,
    clear_schedule,
    next_due,
    parse_schedule,
    run_due_digests,
    scheduler_loop,
    set_schedule,
    stored_schedule,
)
from core.errors import UserInputError
from narrative.local_engine import LocalEngine
from narrative.service import Narrator
from narrative.types import Digest
from storage.db import open_repository
from tests.conftest import CocoCli, MlflowStore, RunSpec

BERLIN = "Europe/Berlin"
UTC = dt.UTC
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# -- parse_schedule ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "weekday", "at"),
    [
        ("mon 09:00", 0, dt.time(9, 0)),
        ("Monday 9am", 0, dt.time(9, 0)),
        ("fri 16:30", 4, dt.time(16, 30)),
        ("tue 9", 1, dt.time(9, 0)),
        ("every Wednesday at 5:15pm", 2, dt.time(17, 15)),
        ("thurs 12am", 3, dt.time(0, 0)),
        ("sat 12 pm", 5, dt.time(12, 0)),
        ("Sundays, 0730", 6, dt.time(7, 30)),
        ("weds 16h30", 2, dt.time(16, 30)),
        ("TU noon", 1, dt.time(12, 0)),
        ("friday", 4, dt.time(9, 0)),  # no time: 09:00, and describe() says so
        ("9:45 on thu", 3, dt.time(9, 45)),
    ],
)
def test_parse_schedule_reads_what_people_type(text: str, weekday: int, at: dt.time) -> None:
    schedule = parse_schedule(text, timezone=BERLIN)
    assert schedule == DigestSchedule(weekday=weekday, at=at, timezone=BERLIN)


def test_parse_schedule_describes_itself_and_takes_a_zone_from_the_text() -> None:
    assert parse_schedule("mon 09:00", timezone=BERLIN).describe() == "Mondays at 09:00 (Europe/Berlin)"
    assert parse_schedule("fri 4:30pm America/New_York", timezone=BERLIN).describe() == (
        "Fridays at 16:30 (America/New_York)"
    )
    assert parse_schedule("sun 8 UTC", timezone=BERLIN).timezone == "UTC"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "9:00", "someday 9", "mon tue 9", "mon 25:00", "mon 13pm", "mon 9:75", "mon 9 10",
     "m 9", "t 9", "mon 9 Mars/Olympus_Mons"],
)
def test_parse_schedule_refuses_other_input_with_one_sentence(text: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_schedule(text, timezone=BERLIN)
    message = caught.value.user_message
    assert message.endswith(".") and "\n" not in message and "Traceback" not in message


def test_parse_schedule_refuses_an_unknown_workspace_timezone() -> None:
    with pytest.raises(UserInputError, match="timezone"):
        parse_schedule("mon 9", timezone="Nowhere/Special")


# -- next_due ------------------------------------------------------------------------------------

MONDAY_9 = DigestSchedule(weekday=0, at=dt.time(9, 0), timezone=BERLIN)


def test_next_due_follows_the_wall_clock_across_the_spring_change() -> None:
    # Monday 24 March 2025, 09:00 CET is 08:00 UTC; DST starts Sunday 30 March; 31 March 09:00 CEST is 07:00 UTC.
    assert next_due(MONDAY_9, after=utc(2025, 3, 20, 12)) == utc(2025, 3, 24, 8)
    assert next_due(MONDAY_9, after=utc(2025, 3, 24, 8)) == utc(2025, 3, 31, 7)  # strictly after
    assert next_due(MONDAY_9, after=utc(2025, 3, 24, 7, 59, 59)) == utc(2025, 3, 24, 8)


def test_next_due_follows_the_wall_clock_across_the_autumn_change() -> None:
    # 20 October 2025 09:00 CEST = 07:00 UTC; DST ends Sunday 26 October; 27 October 09:00 CET = 08:00 UTC.
    assert next_due(MONDAY_9, after=utc(2025, 10, 20, 7)) == utc(2025, 10, 27, 8)
    assert next_due(MONDAY_9, after=utc(2025, 10, 27, 7, 30)) == utc(2025, 10, 27, 8)


def test_next_due_on_the_change_days_themselves() -> None:
    sunday_0230 = DigestSchedule(weekday=6, at=dt.time(2, 30), timezone=BERLIN)
    # 02:30 does not exist on 30 March 2025 (02:00 -> 03:00): it falls at 03:30 CEST = 01:30 UTC.
    assert next_due(sunday_0230, after=utc(2025, 3, 29)) == utc(2025, 3, 30, 1, 30)
    # 02:30 happens twice on 26 October 2025: the first one (CEST, 00:30 UTC), once.
    assert next_due(sunday_0230, after=utc(2025, 10, 25)) == utc(2025, 10, 26, 0, 30)
    assert next_due(sunday_0230, after=utc(2025, 10, 26, 0, 30)) == utc(2025, 11, 2, 1, 30)


def test_next_due_wraps_the_week_in_local_time() -> None:
    # Sunday 23:00 in Berlin -> the next morning.
    assert next_due(MONDAY_9, after=utc(2025, 1, 12, 22)) == utc(2025, 1, 13, 8)
    # Friday schedule asked on Saturday -> six days later.
    friday = DigestSchedule(weekday=4, at=dt.time(16, 30), timezone=BERLIN)
    assert next_due(friday, after=utc(2025, 1, 11, 10)) == utc(2025, 1, 17, 15, 30)
    # Tokyo's Monday 00:30 is Sunday 15:30 UTC: the UTC weekday is not the schedule's.
    tokyo = DigestSchedule(weekday=0, at=dt.time(0, 30), timezone="Asia/Tokyo")
    assert next_due(tokyo, after=utc(2025, 1, 12, 15)) == utc(2025, 1, 12, 15, 30)
    assert next_due(tokyo, after=utc(2025, 1, 12, 16)) == utc(2025, 1, 19, 15, 30)


def test_next_due_accepts_any_aware_time_and_refuses_a_naive_one() -> None:
    berlin_time = dt.datetime(2025, 3, 24, 9, 0, tzinfo=ZoneInfo(BERLIN))
    assert next_due(MONDAY_9, after=berlin_time) == utc(2025, 3, 31, 7)
    assert next_due(MONDAY_9, after=berlin_time).tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        next_due(MONDAY_9, after=dt.datetime(2025, 3, 24, 9))


def test_next_due_is_always_the_nearest_matching_wall_clock_time() -> None:
    rng = random.Random(4)
    zone = ZoneInfo(BERLIN)
    for _ in range(2000):
        schedule = DigestSchedule(weekday=rng.randrange(7), at=dt.time(rng.randrange(24), rng.choice([0, 15, 30, 59])),
                                  timezone=BERLIN)
        after = utc(2024, 1, 1) + dt.timedelta(seconds=rng.randrange(3 * 365 * 86400))
        due = next_due(schedule, after=after)
        assert due > after and due - after <= dt.timedelta(days=7, hours=1)
        local = due.astimezone(zone)
        if (local.hour, local.minute) != (schedule.at.hour, schedule.at.minute):
            # Only a time inside the spring-forward gap may move (by the hour that does not exist).
            assert local.month == 3 and schedule.at.hour == 2
        assert local.weekday() == schedule.weekday
        # Nothing earlier would do: the previous minute's answer is the same occurrence or this one.
        assert next_due(schedule, after=due - dt.timedelta(seconds=1)) == due


# -- the store, the tracker and a narrator per "process" ------------------------------------------

@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Posted:
    workspace_id: str
    channel: str
    digest: Digest
    chart_png: bytes | None


@dataclass
class RecordingPoster:
    """Stands in for Slack's Web API (an external service): it records what would have been posted."""

    posts: list[Posted] = field(default_factory=list)
    fail_with: list[BaseException] = field(default_factory=list)  # raised by the next calls, in order

    async def post_digest(self, *, workspace_id: str, channel: str, digest: Digest, chart_png: bytes | None) -> None:
        if self.fail_with:
            error = self.fail_with.pop(0)
            if not isinstance(error, DigestNotPostedError):
                self.posts.append(Posted(workspace_id, channel, digest, chart_png))  # it got out, then died
            raise error
        self.posts.append(Posted(workspace_id, channel, digest, chart_png))


class Crash(BaseException):
    """The process dies (not an Exception: nothing in the scheduler may catch it)."""


@dataclass
class World:
    db_url: str
    mlflow: MlflowStore
    clock: Clock
    project_name: str = "churn"
    channel: str = "C0CHURN"

    @asynccontextmanager
    async def process(self, clock: Clock | None = None) -> AsyncIterator[Narrator]:
        """What one bot process (or replica) holds: its own repository, tracker and narrator."""
        repo = await open_repository(self.db_url)
        tracker = open_tracker(self.mlflow.uri)
        try:
            workspace = await repo.ensure_workspace("slack:T0TEAM", platform="slack")
            yield Narrator(repo=repo, workspace_id=workspace.id, engine=LocalEngine(),
                           tracker_for=lambda _p: tracker, clock=clock or self.clock)
        finally:
            await tracker.aclose()
            await repo.aclose()


WEDNESDAY = utc(2025, 3, 26, 12)  # the Monday after is 31 March: 09:00 Berlin = 07:00 UTC (summer time)
FIRST_DUE = utc(2025, 3, 31, 7)
SECOND_DUE = utc(2025, 4, 7, 7)


def _seed_runs(store: MlflowStore) -> list[str]:
    start = utc(2025, 3, 17, 9)
    specs = [
        RunSpec("logreg-baseline", "ana", start, metrics={"val_auc": 0.71}),
        RunSpec("catboost-depth6", "ana", start + dt.timedelta(days=2), metrics={"val_auc": 0.78}),
        RunSpec("catboost-smote", "ben", start + dt.timedelta(days=6), metrics={"val_auc": 0.76}),
        RunSpec("catboost-depth8", "ben", start + dt.timedelta(days=8), metrics={"val_auc": 0.81}),
    ]
    return [store.add(spec) for spec in specs]


@pytest.fixture
async def world(db_url: str, mlflow_store: MlflowStore) -> World:
    run_ids = _seed_runs(mlflow_store)
    w = World(db_url=db_url, mlflow=mlflow_store, clock=Clock(WEDNESDAY))
    tracker = open_tracker(mlflow_store.uri)
    async with w.process() as narrator:
        await narrator.add_project(name=w.project_name, tracker=tracker, experiments=[mlflow_store.experiment_name],
                                   primary_metric="val_auc", goal="max", channels=[w.channel])
        await narrator.log(project=w.project_name, author="ana", at=utc(2025, 3, 25, 17),
                           text=f"catboost depth 8 ({run_ids[3][:8]}) beat depth 6; next: try lr 0.05. "
                                "Open question: is SMOTE worth keeping?")
    await tracker.aclose()
    return w


async def _schedule(
    narrator: Narrator, world: World, text: str = "mon 09:00", *, channel: str | None = None
) -> dt.datetime:
    project = await narrator.project(world.project_name)
    return await set_schedule(narrator, project=project, channel=channel or world.channel,
                              schedule=parse_schedule(text, timezone=BERLIN))


def _outcomes(done: list[str]) -> list[str]:
    """The first word of each thing run_due_digests did ("posted", "superseded", ...), sorted."""
    return sorted(d.split(":")[0].split(" ")[0] for d in done)


def _assert_png(data: bytes | None) -> None:
    assert data is not None and data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (900, 450)


# -- set_schedule + run_due_digests --------------------------------------------------------------

async def test_a_scheduled_digest_posts_once_at_its_time_with_its_chart_and_queues_the_next(world: World) -> None:
    poster = RecordingPoster()
    async with world.process() as narrator:
        due = await _schedule(narrator, world)
        assert due == FIRST_DUE
        project = await narrator.project(world.project_name)
        assert project.settings["digest_schedule"] == {
            "weekday": 0, "at": "09:00", "timezone": BERLIN, "channel": world.channel
        }
        assert stored_schedule(project) == (MONDAY_9, world.channel)

        assert await run_due_digests(narrator, poster, now=FIRST_DUE - dt.timedelta(minutes=1)) == []
        assert poster.posts == []

        world.clock.now = FIRST_DUE + dt.timedelta(seconds=20)
        done = await run_due_digests(narrator, poster, now=world.clock.now)
        assert len(done) == 1 and done[0].startswith("posted:"), done
        assert len(poster.posts) == 1
        post = poster.posts[0]
        assert (post.workspace_id, post.channel) == (narrator.workspace_id, world.channel)
        assert post.digest.project == world.project_name and post.digest.primary_metric == "val_auc"
        assert {p[2] for p in post.digest.series} == {0.71, 0.78, 0.76, 0.81}  # the tracker's values
        assert post.digest.best is not None and post.digest.best.value == 0.81
        _assert_png(post.chart_png)

        # Again at the same moment, and a minute later: nothing new.
        assert await run_due_digests(narrator, poster, now=world.clock.now) == []
        assert await run_due_digests(narrator, poster, now=world.clock.now + dt.timedelta(minutes=1)) == []
        # The next occurrence is queued for the following Monday, and posts then.
        assert await run_due_digests(narrator, poster, now=SECOND_DUE - dt.timedelta(seconds=1)) == []
        world.clock.now = SECOND_DUE
        done = await run_due_digests(narrator, poster, now=SECOND_DUE)
        assert len(done) == 1 and "2025-04-07T07:00:00+00:00" in done[0]
        assert len(poster.posts) == 2


async def test_concurrent_replicas_post_a_digest_exactly_once(world: World) -> None:
    poster = RecordingPoster()
    async with world.process() as first:
        await _schedule(first, world)
    at = FIRST_DUE + dt.timedelta(seconds=5)
    async with world.process() as a, world.process() as b, world.process() as c:
        results = await asyncio.gather(
            run_due_digests(a, poster, now=at, worker="replica-a"),
            run_due_digests(b, poster, now=at, worker="replica-b"),
            run_due_digests(c, poster, now=at, worker="replica-c"),
        )
        assert sum(len(r) for r in results) == 1, results
        assert len(poster.posts) == 1
        # And again, the next week, racing from the start.
        results = await asyncio.gather(*(run_due_digests(n, poster, now=SECOND_DUE) for n in (c, b, a)))
        assert sum(len(r) for r in results) == 1, results
        assert len(poster.posts) == 2


async def test_a_restart_after_the_due_time_posts_the_missed_digest_once_not_once_per_week(world: World) -> None:
    poster = RecordingPoster()
    async with world.process() as before:
        await _schedule(before, world)
    # The bot was down from Wednesday until 17 days after the first due time (three Mondays passed).
    back = FIRST_DUE + dt.timedelta(days=17, hours=3)
    restarted = Clock(back)
    async with world.process(restarted) as narrator:
        done = await run_due_digests(narrator, poster, now=back)
        assert len(done) == 1 and done[0].startswith("posted (late):"), done
        assert len(poster.posts) == 1
        assert await run_due_digests(narrator, poster, now=back + dt.timedelta(hours=1)) == []
    # Restarted once more, still before the next Monday: nothing.
    async with world.process(restarted) as narrator:
        next_monday = next_due(MONDAY_9, after=back)
        assert next_monday == utc(2025, 4, 21, 7)
        assert await run_due_digests(narrator, poster, now=next_monday - dt.timedelta(minutes=1)) == []
        assert len(poster.posts) == 1
        assert len(await run_due_digests(narrator, poster, now=next_monday)) == 1
        assert len(poster.posts) == 2


async def test_a_crash_while_posting_never_posts_twice(world: World) -> None:
    poster = RecordingPoster(fail_with=[Crash("killed mid-post")])
    async with world.process() as narrator:
        await _schedule(narrator, world)
        with pytest.raises(Crash):
            await run_due_digests(narrator, poster, now=FIRST_DUE)
    assert len(poster.posts) == 1  # it went out before the process died
    # A new process: the job is still leased to the dead one until the lease runs out, then reclaimed.
    async with world.process() as narrator:
        assert await run_due_digests(narrator, poster, now=FIRST_DUE + dt.timedelta(seconds=60)) == []
        done = await run_due_digests(narrator, poster, now=FIRST_DUE + dt.timedelta(seconds=LEASE_SECONDS + 1))
        assert len(done) == 1 and done[0].startswith("already posted"), done
        assert len(poster.posts) == 1
        # The weekly series goes on.
        assert len(await run_due_digests(narrator, poster, now=SECOND_DUE)) == 1
        assert len(poster.posts) == 2


async def test_a_poster_that_posted_nothing_is_retried_and_one_that_may_have_is_not(world: World) -> None:
    poster = RecordingPoster(fail_with=[DigestNotPostedError("Slack said channel_not_found.")])
    async with world.process() as narrator:
        await _schedule(narrator, world)
        done = await run_due_digests(narrator, poster, now=FIRST_DUE)
        assert len(done) == 1 and done[0].startswith("retry later"), done
        assert poster.posts == []
        assert await run_due_digests(narrator, poster, now=FIRST_DUE + RETRY_DELAY / 2) == []
        done = await run_due_digests(narrator, poster, now=FIRST_DUE + RETRY_DELAY)
        assert len(done) == 1 and done[0].startswith("posted"), done
        assert len(poster.posts) == 1
        assert await run_due_digests(narrator, poster, now=FIRST_DUE + 3 * RETRY_DELAY) == []

        # Next week the poster fails in a way that may have half-posted: no second attempt.
        poster.fail_with.append(RuntimeError("upload of the chart failed"))
        done = await run_due_digests(narrator, poster, now=SECOND_DUE)
        assert len(done) == 1 and done[0].startswith("post failed"), done
        assert len(poster.posts) == 2
        assert await run_due_digests(narrator, poster, now=SECOND_DUE + 10 * RETRY_DELAY) == []
        assert len(poster.posts) == 2
        # ...and the week after posts as usual.
        assert len(await run_due_digests(narrator, poster, now=SECOND_DUE + dt.timedelta(days=7))) == 1
        assert len(poster.posts) == 3


async def test_a_changed_schedule_supersedes_the_queued_occurrence(world: World) -> None:
    poster = RecordingPoster()
    async with world.process() as narrator:
        assert await _schedule(narrator, world, "mon 09:00") == FIRST_DUE
        friday = await _schedule(narrator, world, "fri 16:30")
        assert friday == utc(2025, 3, 28, 15, 30)
        done = await run_due_digests(narrator, poster, now=friday)
        assert len(done) == 1 and done[0].startswith("posted"), done
        done = await run_due_digests(narrator, poster, now=FIRST_DUE + dt.timedelta(minutes=1))
        assert len(done) == 1 and done[0].startswith("superseded"), done
        assert len(poster.posts) == 1

        # Moving it to another channel supersedes the first channel's queued occurrence.
        world.clock.now = FIRST_DUE + dt.timedelta(minutes=1)
        moved = await _schedule(narrator, world, "fri 16:30", channel="C0OTHER")
        assert moved == utc(2025, 4, 4, 14, 30)  # 16:30 CEST
        done = await run_due_digests(narrator, poster, now=moved)
        assert _outcomes(done) == ["posted", "superseded"], done
        assert [p.channel for p in poster.posts] == [world.channel, "C0OTHER"]

        # Removed: the queued occurrence does nothing.
        assert await clear_schedule(narrator, project=await narrator.project(world.project_name)) is True
        assert stored_schedule(await narrator.project(world.project_name)) is None
        done = await run_due_digests(narrator, poster, now=moved + dt.timedelta(days=7))
        assert len(done) == 1 and done[0].startswith("superseded"), done
        assert len(poster.posts) == 2
        assert await run_due_digests(narrator, poster, now=moved + dt.timedelta(days=30)) == []


async def test_setting_the_same_schedule_twice_queues_one_occurrence(world: World) -> None:
    poster = RecordingPoster()
    async with world.process() as narrator:
        await _schedule(narrator, world, "mon 09:00")
        await _schedule(narrator, world, "Monday 9am")
        # Changed and changed back: the original occurrence is the schedule's again.
        await _schedule(narrator, world, "tue 10")
        await _schedule(narrator, world, "mon 9")
        done = await run_due_digests(narrator, poster, now=FIRST_DUE + dt.timedelta(days=1, hours=3))
        assert _outcomes(done) == ["posted", "superseded"], done
        assert len(poster.posts) == 1


async def test_digest_jobs_of_another_workspace_are_left_alone(world: World) -> None:
    poster = RecordingPoster()
    async with world.process() as narrator:
        await _schedule(narrator, world)
        other = await narrator.repo.ensure_workspace("slack:T0OTHER", platform="slack")
        stranger = Narrator(repo=narrator.repo, workspace_id=other.id, engine=LocalEngine(),
                            tracker_for=narrator.tracker, clock=world.clock)
        assert await run_due_digests(stranger, poster, now=FIRST_DUE) == []
        assert len(await run_due_digests(narrator, poster, now=FIRST_DUE)) == 1
        jobs = await narrator.repo.claim_jobs(kinds=[DIGEST_JOB], now=SECOND_DUE, workspace_id=other.id)
        assert jobs == []


async def test_the_loop_posts_due_digests_and_survives_errors(world: World) -> None:
    stop = asyncio.Event()
    posted = asyncio.Event()

    class StoppingPoster(RecordingPoster):
        async def post_digest(self, *, workspace_id: str, channel: str, digest: Digest,
                              chart_png: bytes | None) -> None:
            await super().post_digest(workspace_id=workspace_id, channel=channel, digest=digest, chart_png=chart_png)
            posted.set()

    poster = StoppingPoster()
    passes = 0
    async with world.process() as narrator:
        await _schedule(narrator, world)
        world.clock.now = FIRST_DUE + dt.timedelta(minutes=2)

        async def narrators() -> AsyncIterator[Narrator]:
            nonlocal passes
            passes += 1
            if passes == 1:
                raise RuntimeError("the database blinked")
            yield narrator

        task = asyncio.create_task(scheduler_loop(narrators, poster, interval=0.01, stop=stop))
        await asyncio.wait_for(posted.wait(), timeout=30)
        for _ in range(5):  # a few more passes: still one post
            await asyncio.sleep(0.02)
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert passes >= 3 and len(poster.posts) == 1


async def test_the_loop_takes_a_plain_list_and_stops_promptly(world: World) -> None:
    stop = asyncio.Event()
    poster = RecordingPoster()
    async with world.process() as narrator:
        def narrators() -> Iterator[Narrator]:
            stop.set()  # one pass, then stop: the loop must not sleep out its interval first
            return iter([narrator])

        await asyncio.wait_for(scheduler_loop(narrators, poster, interval=3600, stop=stop), timeout=10)
    assert poster.posts == []


async def test_the_loop_takes_a_coroutine_returning_narrators(world: World) -> None:
    stop = asyncio.Event()
    poster = RecordingPoster()
    async with world.process() as narrator:
        await _schedule(narrator, world)
        world.clock.now = FIRST_DUE

        async def narrators() -> list[Narrator]:  # the shape of NarratorHub.narrators()
            stop.set()
            return [narrator]

        await asyncio.wait_for(scheduler_loop(narrators, poster, interval=3600, stop=stop), timeout=30)
    assert len(poster.posts) == 1


# -- the CLI -------------------------------------------------------------------------------------

def test_cli_schedules_and_runs_due_digests_and_writes_the_chart(
    coco: CocoCli, mlflow_store: MlflowStore, tmp_path: Path
) -> None:
    _seed_runs(mlflow_store)
    added = coco("project", "add", "churn", "--mlflow-experiment", mlflow_store.experiment_name,
                 "--primary-metric", "val_auc")
    assert added.returncode == 0, added.stderr
    chart = tmp_path / "out" / "digest.png"
    shown = coco("digest", "--project", "churn", "--chart", str(chart))
    assert shown.returncode == 0, shown.stderr
    _assert_png(chart.read_bytes())

    scheduled = coco("digest", "schedule", "--project", "churn", "--timezone", BERLIN, "mon", "9am")
    assert scheduled.returncode == 0, scheduled.stderr
    assert b"Mondays at 09:00 (Europe/Berlin)" in scheduled.stdout
    shown = coco("digest", "schedule", "--project", "churn", "--show")
    assert b"Mondays at 09:00 (Europe/Berlin)" in shown.stdout
    bad = coco("digest", "schedule", "--project", "churn", "someday")
    assert bad.returncode == 2 and bad.stderr.count(b"\n") == 1 and b"Traceback" not in bad.stderr
    # Nothing is due yet (the next Monday is in the future), so run-due does nothing.
    ran = coco("digest", "run-due", "--json")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == b"[]"
    cleared = coco("digest", "schedule", "--project", "churn", "--clear")
    assert cleared.returncode == 0 and b"no longer" in cleared.stdout
