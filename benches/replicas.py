"""Replicas on one PostgreSQL: events lost, duplicated, replies posted once, a digest posted once, while
one replica is killed with SIGKILL half-way.

    .venv/bin/python benches/replicas.py [--events 1000] [--concurrency 50] [--retries 100] [--replicas 2]
                                         [--postgres postgresql://postgres@127.0.0.1:5432/test]

Builds a real setup: a throwaway PostgreSQL database (created for the run on the server of
``--postgres`` / ``COCO_TEST_POSTGRES_URL``, dropped after it), a sqlite MLflow store with a few runs, a
project in the Slack team's workspace with a weekly digest due during the run (the next minute
boundary at least ``--digest-lead`` seconds ahead), and the project's fake Slack
(``tests/bot/slack_fake.py``: it records every post and answers ``conversations.replies`` with message
metadata, as Slack does). Then it starts ``--replicas`` real ``coco serve slack`` processes (HTTP mode)
on that one database and sends the DMs, signed exactly as Slack signs them, spread over the replicas
(event ``n`` to replica ``n % replicas``), ``--concurrency`` at a time. Like Slack, a delivery that
gets no 200 (its replica is dead) is sent again (``X-Slack-Retry-Num``) to a live replica; and
``--retries`` DMs already acked are delivered a second time, as Slack's retries, to another replica.
When half the DMs are acked, replica 0 is killed (SIGKILL, its whole process group). It then waits
until every acked DM has a structured entry and a reply (or ``--settle`` seconds) and prints:

* events acked; entries stored, lost (acked, no entry) and duplicated (one DM, two entries);
* replies posted once, twice, never (per DM thread); the scheduled digest's posts (target 1);
* ack latency p50/p99 per replica, and how long the others took to finish the dead one's work.

Everything stays on the loopback interface; every wait is bounded. ``tests/bot/test_slack_replicas.py``
runs :func:`run` at a small scale.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project's fake Slack lives in tests/
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import ThreadedFake, dm_events, free_port, pct, seed_churn_runs  # noqa: E402

from tests.bot.slack_fake import BOT_TOKEN, SIGNING_SECRET, TEAM, FakeSlack, signed_headers  # noqa: E402

COCO = str(Path(sys.executable).with_name("coco"))
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
CHANNEL = "C1"


@dataclass
class Outcome:
    """What a run measured."""

    events: int = 0
    acked: int = 0
    failovers: int = 0  # deliveries sent again to another replica after no 200 (a dead replica)
    retries_sent: int = 0
    retries_acked: int = 0
    stored: int = 0
    structured: int = 0
    lost: int = 0
    duplicated: int = 0
    replied_once: int = 0
    replied_twice: int = 0
    replied_never: int = 0
    digest_posts: int = 0
    digest_due: str = ""
    killed_at_s: float = 0.0
    settled_s: float = 0.0
    latencies: dict[int, list[float]] = field(default_factory=dict)
    logs: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.acked == self.events and self.lost == 0 and self.duplicated == 0 and self.replied_twice == 0
                and self.replied_never == 0 and self.structured == self.acked and self.digest_posts == 1)

    def lines(self) -> list[str]:
        out = [f"events: {self.events} DMs (+{self.retries_sent} Slack retries of acked DMs, "
               f"{self.failovers} re-sent after a dead replica); acked {self.acked}",
               f"entries: stored {self.stored} (structured {self.structured}); lost {self.lost}, "
               f"duplicated {self.duplicated} (target 0 and 0)",
               f"replies: once {self.replied_once}, twice {self.replied_twice}, never {self.replied_never} "
               f"(target: all once)",
               f"scheduled digest (due {self.digest_due}): posted {self.digest_posts} time(s) (target 1)",
               f"replica 0 killed (SIGKILL) {self.killed_at_s:.1f} s into the burst; all settled "
               f"{self.settled_s:.1f} s after the burst"]
        for replica, values in sorted(self.latencies.items()):
            if values:
                out.append(f"replica {replica}: {len(values)} acks, p50 {pct(values, 0.5) * 1000:.1f} ms, "
                           f"p99 {pct(values, 0.99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms")
        return out


# -- the database -----------------------------------------------------------------------------------


def _admin_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _create_database(server: str) -> str:
    """A fresh database on ``server`` for this run (tests and other runs never see it)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    name = f"coco_replicas_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_admin_dsn(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


async def _drop_database(server: str, url: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = await asyncpg.connect(_admin_dsn(server))  # the server's own database: not the one dropped
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _entries(url: str) -> list[tuple[str, str]]:
    import asyncpg

    db = await asyncpg.connect(_admin_dsn(url))
    try:
        rows = await db.fetch("SELECT thread_ts, status FROM coco_entry")
        return [(str(r["thread_ts"]), str(r["status"])) for r in rows]
    finally:
        await db.close()


# -- the setup --------------------------------------------------------------------------------------


def _coco(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([COCO, *args], env=env, capture_output=True, timeout=180)
    if done.returncode != 0:
        raise SystemExit(f"coco {' '.join(args)} failed: {done.stderr.decode(errors='replace')[-2000:]}")
    return done.stdout.decode()


def _schedule_digest(env: dict[str, str], *, lead: float) -> dt.datetime:
    """A weekly digest of the project whose next occurrence is the first minute boundary at least
    ``lead`` seconds ahead (a schedule has minute resolution), in UTC."""
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lead)).replace(second=0, microsecond=0)
    due += dt.timedelta(minutes=1)
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[due.weekday()]
    _coco(env, "--workspace", f"slack:{TEAM}", "digest", "schedule", "--project", "churn", "--channel", CHANNEL,
          "--timezone", "UTC", day, f"{due:%H:%M}")
    return due


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([COCO, "serve", "slack", "--port", str(port), "--host", "127.0.0.1"], env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_healthy(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"coco serve slack exited: {log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            if r.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"coco serve slack did not become healthy within 120 s: {log.read_text(errors='replace')[-3000:]}")


# -- the burst --------------------------------------------------------------------------------------


async def _burst(ports: list[int], procs: list[subprocess.Popen[bytes]], events: list[dict[str, Any]], *,
                 concurrency: int, retries: int, kill: bool, outcome: Outcome) -> set[str]:
    """Send every event to its replica (another live one when that gives no 200), re-send ``retries``
    acked ones as Slack retries to another replica, and SIGKILL replica 0 when half are acked. The ts of
    every acked DM."""
    import aiohttp

    acked: set[str] = set()
    dead: set[int] = set()
    gate = asyncio.Semaphore(concurrency)
    started = time.perf_counter()
    # Evenly spread over the burst, so some retries meet the dead replica's events.
    retry_every = max(1, len(events) // retries) if retries else 0
    for replica in range(len(ports)):
        outcome.latencies[replica] = []

    def kill_now() -> None:
        dead.add(0)
        outcome.killed_at_s = time.perf_counter() - started
        with contextlib.suppress(ProcessLookupError):
            os.killpg(procs[0].pid, signal.SIGKILL)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:

        async def deliver(event: dict[str, Any], first: int, *, retry: int | None) -> bool:
            """Deliver once to ``first``, then as Slack would, again to each other live replica."""
            body = json.dumps(event).encode()
            order = [first] + [r for r in range(len(ports)) if r != first]
            attempt = retry
            for replica in order:
                if replica in dead and replica != first:
                    continue
                headers = signed_headers(body, content_type="application/json", retry=attempt)
                sent = time.perf_counter()
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.post(f"http://127.0.0.1:{ports[replica]}/slack/events", data=body,
                                            headers=headers) as reply:
                        await reply.read()
                        if reply.status == 200:
                            outcome.latencies[replica].append(time.perf_counter() - sent)
                            return True
                if replica == first and retry is None:
                    outcome.failovers += 1
                attempt = (attempt or 0) + 1
            return False

        async def one(n: int, event: dict[str, Any]) -> None:
            async with gate:
                if await deliver(event, n % len(ports), retry=None):
                    acked.add(event["event"]["ts"])
                if kill and not dead and len(acked) >= len(events) // 2:
                    kill_now()
                if retry_every and n % retry_every == 0 and outcome.retries_sent < retries:
                    outcome.retries_sent += 1
                    # Slack's retry of a delivery it thinks failed, to whichever replica takes it.
                    if await deliver(event, (n + 1) % len(ports), retry=1):
                        outcome.retries_acked += 1

        await asyncio.gather(*(one(n, e) for n, e in enumerate(events)))
    return acked


def _digest_posts(fake: FakeSlack) -> int:
    return sum(1 for c in list(fake.posts()) if c.args.get("channel") == CHANNEL and not c.args.get("thread_ts")
               and "digest" in str(c.args.get("text") or "").lower())


def _tally(entries: list[tuple[str, str]], fake: FakeSlack, acked: set[str], outcome: Outcome) -> None:
    by_ts = Counter(ts for ts, _ in entries if ts in acked)
    structured = {ts for ts, status in entries if ts in acked and status == "structured"}
    replies = Counter(str(c.args.get("thread_ts")) for c in list(fake.posts()))
    outcome.stored = len(by_ts)
    outcome.structured = len(structured)
    outcome.lost = sum(1 for ts in acked if by_ts[ts] == 0)
    outcome.duplicated = sum(1 for ts in acked if by_ts[ts] > 1)
    outcome.replied_once = sum(1 for ts in acked if replies[ts] == 1)
    outcome.replied_twice = sum(1 for ts in acked if replies[ts] > 1)
    outcome.replied_never = sum(1 for ts in acked if replies[ts] == 0)
    outcome.digest_posts = _digest_posts(fake)


async def run(*, postgres: str, events: int, concurrency: int, retries: int, replicas: int = 2, people: int = 50,
              kill: bool = True, digest_lead: float = 30.0, settle: float = 600.0, work: Path | None = None,
              keep: bool = False, progress: bool = False) -> Outcome:
    """The whole scenario (see the module's docstring); what it measured."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    work = work or Path(tempfile.mkdtemp(prefix="coco-replicas-bench-"))
    outcome = Outcome(events=events)
    database = await _create_database(postgres)
    slack = ThreadedFake(FakeSlack(people={f"U{n:03d}": {"name": f"person{n}", "display_name": f"P{n}"}
                                           for n in range(people)}))
    fake: FakeSlack = slack.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("COCO_", "ANTHROPIC_", "SLACK_"))}
        env.update({"COCO_HOME": str(work / "cli-home"), "COCO_DATABASE_URL": database,
                    "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}", "COCO_ENGINE": "local",
                    "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                    "COCO_SLACK_API_URL": fake.api_url, "COCO_SLACK_CHANNEL_INTERVAL": "0",
                    # The job worker and the digest scheduler look every 2 s (the digest is due soon).
                    "COCO_WORKER_INTERVAL": "2"})
        seed_churn_runs(env["MLFLOW_TRACKING_URI"])
        _coco(env, "project", "add", "churn", "--mlflow-experiment", "churn-model", "--primary-metric", "val_auc",
              "--slack-channel", CHANNEL, "--slack-team", TEAM)
        due = _schedule_digest(env, lead=digest_lead)
        outcome.digest_due = f"{due:%H:%M:%S} UTC"
        ports = [free_port() for _ in range(replicas)]
        for n, port in enumerate(ports):
            log = work / f"replica{n}.log"
            outcome.logs.append(log)
            procs.append(_start({**env, "COCO_HOME": str(work / f"home{n}")}, port, log))
        for proc, port, log in zip(procs, ports, outcome.logs, strict=True):
            _wait_healthy(proc, port, log)

        dms = dm_events(events, people=people, label="replica note", event_prefix="EvReplica", team=TEAM)
        acked = await _burst(ports, procs, dms, concurrency=concurrency, retries=retries, kill=kill,
                             outcome=outcome)
        outcome.acked = len(acked)
        if progress:
            print(f"  burst done: acked {len(acked)}; replica 0 killed {outcome.killed_at_s:.1f} s in", flush=True)
        burst_done = time.monotonic()
        said = burst_done
        while True:
            _tally(await _entries(database), fake, acked, outcome)
            if progress and time.monotonic() - said >= 30:
                said = time.monotonic()
                print(f"  +{said - burst_done:.0f} s: stored {outcome.stored}, structured {outcome.structured}, "
                      f"replied once {outcome.replied_once}, twice {outcome.replied_twice}, digest "
                      f"{outcome.digest_posts}", flush=True)
            done = (outcome.structured == len(acked) and outcome.replied_never == 0
                    and (outcome.digest_posts >= 1 or dt.datetime.now(dt.UTC) > due + dt.timedelta(seconds=settle)))
            if done or time.monotonic() - burst_done > settle:
                outcome.settled_s = time.monotonic() - burst_done
                await asyncio.sleep(3.0)  # a late duplicate (entry, reply, digest) would show up now
                _tally(await _entries(database), fake, acked, outcome)
                break
            await asyncio.sleep(0.5)
        return outcome
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        slack.close()
        if not keep:
            await _drop_database(postgres, database)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--retries", type=int, default=100, help="acked DMs delivered again as Slack retries")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--people", type=int, default=50, help="distinct people (and DM channels) sending")
    parser.add_argument("--no-kill", action="store_true", help="do not kill a replica")
    parser.add_argument("--digest-lead", type=float, default=30.0,
                        help="the digest is due at the first minute boundary this many seconds ahead")
    parser.add_argument("--settle", type=float, default=600.0, help="seconds to wait for the work to finish")
    parser.add_argument("--postgres", default=os.environ.get("COCO_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
                        help="a PostgreSQL server; a database is created on it for the run and dropped after")
    parser.add_argument("--keep", action="store_true", help="keep the run's database and logs")
    args = parser.parse_args()
    started = time.perf_counter()
    outcome = asyncio.run(run(postgres=args.postgres, events=args.events, concurrency=args.concurrency,
                              retries=args.retries, replicas=args.replicas, people=args.people,
                              kill=not args.no_kill, digest_lead=args.digest_lead, settle=args.settle,
                              keep=args.keep, progress=True))
    print(f"{args.replicas} replicas of `coco serve slack` on one PostgreSQL; {os.cpu_count()} CPUs; "
          f"concurrency {args.concurrency}")
    for line in outcome.lines():
        print(line)
    print(f"logs: {', '.join(str(p) for p in outcome.logs)}; whole run {time.perf_counter() - started:.0f} s")
    print("OK" if outcome.ok else "NOT OK")
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
