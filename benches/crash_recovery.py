"""Events acked, stored and replied after `kill -9` at a random moment, round after round.

    .venv/bin/python benches/crash_recovery.py [--rounds 10] [--events 50] [--seed N]

Builds a real setup in a temporary folder: a sqlite MLflow store with a few runs, a COCO SQLite with a
project, and the project's fake Slack (``tests/bot/slack_fake.py``: it records every post and answers
``conversations.replies`` with message metadata, as Slack does). Each round starts a real
`coco serve slack`, sends a burst of DMs signed exactly as Slack signs them, kills the server with
SIGKILL at a random moment (during the burst or while it works), starts it again and waits for it to
finish. It prints, per round and in total:

* **acked**: DMs answered 200 (Slack does not send those again);
* **stored**: acked DMs with an entry (target: all), and how many are structured;
* **replied**: acked DMs with a reply in their thread, and those with more than one (target: all, 0).

Everything stays on the loopback interface; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project's fake Slack lives in tests/

from _harness import ThreadedFake, dm_events, free_port, seed_churn_runs  # noqa: E402

from tests.bot.slack_fake import BOT_TOKEN, SIGNING_SECRET, TEAM, FakeSlack, signed_headers  # noqa: E402

COCO = str(Path(sys.executable).with_name("coco"))
SETTLE_TIMEOUT_S = 300.0




def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        proc = subprocess.Popen([COCO, "serve", "slack", "--port", str(port), "--host", "127.0.0.1"], env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"coco serve slack exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            if r.status == 200:
                return proc
        time.sleep(0.2)
    raise SystemExit("coco serve slack did not become healthy within 90 s")


async def _burst(url: str, events: list[dict[str, Any]], kill_after: float,
                 proc: subprocess.Popen[bytes]) -> set[str]:
    """Send the events 10 at a time; SIGKILL the server ``kill_after`` seconds in. The ts of every
    event answered 200."""
    import aiohttp

    acked: set[str] = set()
    gate = asyncio.Semaphore(10)

    async def killer() -> None:
        await asyncio.sleep(kill_after)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:

        async def one(event: dict[str, Any]) -> None:
            body = json.dumps(event).encode()
            async with gate:
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.post(url, data=body, headers=signed_headers(
                            body, content_type="application/json")) as reply:
                        await reply.read()
                        if reply.status == 200:
                            acked.add(event["event"]["ts"])

        kill = asyncio.create_task(killer())
        await asyncio.gather(*(one(e) for e in events))
        await kill
    return acked


def _state(database: Path, fake: FakeSlack, acked: set[str]) -> tuple[int, int, int, int]:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        rows = list(db.execute("SELECT thread_ts, status FROM coco_entry"))
    stored = {ts for ts, _ in rows if ts in acked}
    structured = {ts for ts, status in rows if ts in acked and status == "structured"}
    replies = Counter(str(c.args.get("thread_ts")) for c in list(fake.posts()))
    replied = {ts for ts in acked if replies[ts] >= 1}
    twice = {ts for ts in acked if replies[ts] > 1}
    return len(stored), len(structured), len(replied), len(twice)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--events", type=int, default=50, help="DMs per round")
    parser.add_argument("--people", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    work = Path(tempfile.mkdtemp(prefix="coco-crash-bench-"))
    slack = ThreadedFake(FakeSlack())
    fake = slack.start()
    database = work / "coco.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COCO_", "ANTHROPIC_", "SLACK_"))}
    env.update({"COCO_HOME": str(work / "home"), "COCO_DATABASE_URL": f"sqlite:///{database}",
                "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}", "COCO_ENGINE": "local",
                "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "COCO_SLACK_API_URL": fake.api_url, "COCO_SLACK_CHANNEL_INTERVAL": "0",
                "COCO_WORKER_INTERVAL": "3600"})
    seed_churn_runs(env["MLFLOW_TRACKING_URI"])
    subprocess.run([COCO, "project", "add", "churn", "--mlflow-experiment", "churn-model", "--primary-metric",
                    "val_auc", "--slack-channel", "C1", "--slack-team", TEAM], env=env, check=True,
                   capture_output=True)
    log = work / "serve.log"
    totals = Counter[str]()
    proc: subprocess.Popen[bytes] | None = None
    print(f"{args.rounds} rounds of {args.events} DMs from {args.people} people; kill -9 at a random moment; "
          f"{os.cpu_count()} CPUs")
    try:
        for round_no in range(1, args.rounds + 1):
            port = free_port()
            proc = _start(env, port, log)
            events = dm_events(args.events, people=args.people, label=f"round {round_no} note",
                               event_prefix=f"EvCrash{round_no:02d}", team=TEAM)
            kill_after = rng.uniform(0.05, 15.0)  # during the burst, or while it structures and replies
            acked = asyncio.run(_burst(f"http://127.0.0.1:{port}/slack/events", events, kill_after, proc))
            proc.wait(timeout=30)
            at_kill = _state(database, fake, acked)
            proc = _start(env, port, log)  # the next start finishes what the killed one left
            started = time.monotonic()
            state = at_kill
            while time.monotonic() - started < SETTLE_TIMEOUT_S:
                state = _state(database, fake, acked)
                if state[1] == len(acked) and state[2] == len(acked):
                    time.sleep(2.0)  # a late duplicate would show up now
                    state = _state(database, fake, acked)
                    break
                time.sleep(0.5)
            recovered_s = time.monotonic() - started
            stored, structured, replied, twice = state
            print(f"round {round_no:2d}: kill -9 after {kill_after:.2f} s; acked {len(acked):3d}; at the kill "
                  f"stored {at_kill[0]:3d}, replied {at_kill[2]:3d}; after restart stored {stored:3d} "
                  f"(structured {structured:3d}), replied {replied:3d}, replied twice {twice}; "
                  f"finished in {recovered_s:.1f} s")
            totals.update({"acked": len(acked), "stored": stored, "structured": structured, "replied": replied,
                           "twice": twice})
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
            proc = None
        print(f"total: acked {totals['acked']}, stored {totals['stored']} (structured {totals['structured']}), "
              f"replied {totals['replied']}, replied twice {totals['twice']}; lost "
              f"{totals['acked'] - totals['stored']} (target: stored = replied = acked, twice 0)")
        ok = totals["acked"] == totals["stored"] == totals["structured"] == totals["replied"] and not totals["twice"]
        return 0 if ok else 1
    finally:
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        slack.close()


if __name__ == "__main__":
    sys.exit(main())
