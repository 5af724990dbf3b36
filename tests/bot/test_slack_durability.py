"""Issue 11 point 1: nothing acknowledged is lost when the bot dies, and no reply is posted twice.

Through the real `coco serve slack` process, against the project's fake Slack (on 127.0.0.1, in a
thread of this test process) and a real MLflow store: 100 DMs signed as Slack signs them, each
answered 200, then the server is killed (`kill -9`, or SIGTERM) and started again. The 100 DMs must
end as 100 entries, all structured, each answered by exactly one reply in its thread; SIGTERM must
end the process within 10 s and leave the rest for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.bot.slack_fake import BOT_TOKEN, SIGNING_SECRET, TEAM, FakeSlack, message_event, signed_headers
from tests.conftest import MlflowStore, RunSpec
from tests.processes import free_port

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

COCO = str(Path(sys.executable).with_name("coco"))
DMS = 100
PEOPLE = 20
SETTLE_TIMEOUT_S = 300.0


class ThreadedSlack:
    """The fake Slack served from its own event loop in a thread, so the test can drive processes."""

    def __init__(self) -> None:
        self.fake = FakeSlack(people={f"U{n:03d}": {"name": f"person{n}", "display_name": f"P{n}"}
                                      for n in range(PEOPLE)})
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.fake.start())
        self._ready.set()
        self.loop.run_forever()

    def __enter__(self) -> FakeSlack:
        self._thread.start()
        assert self._ready.wait(timeout=30), "the fake Slack did not start"
        return self.fake

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.close(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=30)


@dataclass
class Bot:
    """One `coco serve slack` setup: its environment, database and the process of the moment."""

    env: dict[str, str]
    database: Path
    log: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        out = self.log.open("ab")
        self.proc = subprocess.Popen([COCO, "serve", "slack", "--port", str(self.port), "--host", "127.0.0.1"],
                                     env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"coco serve slack exited ({self.proc.returncode}):\n{self.tail()}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
            time.sleep(0.2)
        pytest.fail(f"coco serve slack not healthy after 90 s:\n{self.tail()}")

    def tail(self) -> str:
        """The end of the process's output and of its log file (where shutdown says what it waits for)."""
        parts = [path.read_text(errors="replace")[-4000:] for path in (self.log, self.coco_log) if path.exists()]
        return "\n".join(parts)

    @property
    def coco_log(self) -> Path:
        return Path(self.env["COCO_HOME"]) / "coco.log"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(self.database, timeout=30)) as db:
            found = list(db.execute(sql, args))
            db.commit()
            return found


class SilentServer:
    """A TCP server that accepts connections and never answers: a tracker that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                self.held.append(self.sock.accept()[0])

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture
def slack_fake() -> Iterator[FakeSlack]:
    with ThreadedSlack() as fake:
        yield fake


@pytest.fixture
def bot(tmp_path: Path, mlflow_store: MlflowStore, slack_fake: FakeSlack) -> Iterator[Bot]:
    import datetime as dt

    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    mlflow_store.add(RunSpec("xgb-d4", "person1", start, params={"model": "xgboost"}, metrics={"val_auc": 0.803}))
    mlflow_store.add(RunSpec("logreg-baseline", "person2", start, metrics={"val_auc": 0.741}))
    database = tmp_path / "coco.db"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COCO_", "ANTHROPIC_", "MLFLOW_TRACKING", "SLACK_"))}
    env.update({"HOME": str(tmp_path / "home"), "COCO_HOME": str(tmp_path / "coco-home"),
                "COCO_DATABASE_URL": f"sqlite:///{database}", "MLFLOW_TRACKING_URI": mlflow_store.uri,
                "COCO_ENGINE": "local", "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "COCO_SLACK_API_URL": slack_fake.api_url, "COCO_SLACK_CHANNEL_INTERVAL": "0",
                "COCO_WORKER_INTERVAL": "3600"})
    added = subprocess.run([COCO, "project", "add", "churn", "--mlflow-experiment", "churn-model",
                            "--primary-metric", "val_auc", "--slack-channel", "C1", "--slack-team", TEAM],
                           env=env, capture_output=True, timeout=120)
    assert added.returncode == 0, added.stderr.decode()
    running = Bot(env=env, database=database, log=tmp_path / "serve.log", port=free_port())
    try:
        yield running
    finally:
        running.stop()


def _dms() -> list[dict[str, Any]]:
    base = time.time()
    events = []
    for n in range(DMS):
        person = n % PEOPLE
        text = (f"durability note {n}: reran xgb-d4 with seed {n}, val_auc about .80 again.\n"
                f"logreg-baseline is still the floor.\nnext: try max_depth 6")
        events.append(message_event(text=text, user=f"U{person:03d}", channel=f"D{person:03d}",
                                    ts=f"{base + n / 1000:.6f}", event_id=f"EvDurable{n:04d}"))
    return events


def _send_all(url: str, events: list[dict[str, Any]]) -> list[int]:
    """POST every event, signed, 20 at a time; the HTTP statuses in order."""
    import aiohttp

    async def burst() -> list[int]:
        gate = asyncio.Semaphore(20)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:

            async def one(event: dict[str, Any]) -> int:
                body = json.dumps(event).encode()
                async with gate, session.post(f"{url}/slack/events", data=body, headers=signed_headers(
                        body, content_type="application/json")) as reply:
                    await reply.read()
                    return reply.status

            return list(await asyncio.gather(*(one(e) for e in events)))

    return asyncio.run(burst())


def _settle(bot: Bot, fake: FakeSlack, events: list[dict[str, Any]]) -> tuple[list[tuple[Any, ...]], Counter[str]]:
    """Wait until every DM has a structured entry and a reply (or the timeout); what is there then."""
    wanted = {e["event"]["ts"] for e in events}
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        entries = bot.rows("SELECT thread_ts, status FROM coco_entry")
        replies = Counter(str(c.args.get("thread_ts")) for c in list(fake.posts()))
        structured = {ts for ts, status in entries if status == "structured"}
        if (wanted <= structured and all(replies[ts] >= 1 for ts in wanted)) or time.monotonic() > deadline:
            time.sleep(2.0)  # a late duplicate would show up now
            entries = bot.rows("SELECT thread_ts, status FROM coco_entry")
            return entries, Counter(str(c.args.get("thread_ts")) for c in list(fake.posts()))
        time.sleep(0.5)


def _assert_all_there(bot: Bot, fake: FakeSlack, events: list[dict[str, Any]]) -> None:
    entries, replies = _settle(bot, fake, events)
    wanted = sorted(e["event"]["ts"] for e in events)
    by_ts = Counter(ts for ts, _ in entries)
    missing = [ts for ts in wanted if by_ts[ts] == 0]
    assert not missing, f"{len(missing)} of {DMS} acknowledged DMs have no entry\n{bot.tail()}"
    assert all(by_ts[ts] == 1 for ts in wanted), f"duplicated entries: {[t for t in wanted if by_ts[t] > 1]}"
    assert len(entries) == DMS
    not_structured = [ts for ts, status in entries if status != "structured"]
    assert not not_structured, f"{len(not_structured)} entries are not structured"
    unanswered = [ts for ts in wanted if replies[ts] == 0]
    twice = [ts for ts in wanted if replies[ts] > 1]
    assert not unanswered, f"{len(unanswered)} DMs never got a reply\n{bot.tail()}"
    assert not twice, f"{len(twice)} DMs got more than one reply"
    # Every entry still pending would have its job; and nothing acknowledged is left unfinished.
    orphans = bot.rows("SELECT e.id FROM coco_entry e WHERE e.status = 'pending' AND NOT EXISTS "
                       "(SELECT 1 FROM coco_job j WHERE j.dedupe_key = 'structure_entry:' || e.id)")
    assert orphans == []


def test_acknowledged_dms_survive_kill_9_and_a_restart(bot: Bot, slack_fake: FakeSlack) -> None:
    bot.start()
    events = _dms()
    statuses = _send_all(bot.url, events)
    assert statuses == [200] * DMS  # all 100 acknowledged: Slack will not send them again
    assert bot.proc is not None
    os.killpg(bot.proc.pid, signal.SIGKILL)  # at once: most of the work has not happened yet
    bot.proc.wait(timeout=10)
    acked_before = len(slack_fake.posts())
    assert acked_before < DMS  # the kill did land before the work was done

    bot.start()
    _assert_all_there(bot, slack_fake, events)


def _sigterm(bot: Bot) -> tuple[int | None, float]:
    """SIGTERM to the server; its exit code (None if it still ran after 40 s) and how long it took."""
    assert bot.proc is not None
    started = time.monotonic()
    bot.proc.send_signal(signal.SIGTERM)
    try:
        code: int | None = bot.proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        code = None
    return code, time.monotonic() - started


def test_sigterm_exits_within_10_s_and_the_next_start_finishes_the_rest(bot: Bot, slack_fake: FakeSlack) -> None:
    bot.start()
    events = _dms()
    assert _send_all(bot.url, events) == [200] * DMS
    code, took = _sigterm(bot)
    assert code is not None and took < 10.0, f"SIGTERM took {took:.1f} s (exit {code})\n{bot.tail()}"
    assert code == 0, bot.tail()

    bot.start()
    _assert_all_there(bot, slack_fake, events)


async def test_a_reply_posted_before_a_crash_is_not_posted_again(slack: Any) -> None:
    """The instant between posting a reply and recording it: the retry finds the post by the key in
    its message metadata (read back with conversations.replies, as from Slack) and posts nothing."""
    bot, fake = slack.bot, slack.fake
    call = {"method": "chat.postMessage", "pace": "D1",
            "args": {"channel": "D1", "thread_ts": "1700000000.000100", "text": "Logged.", "blocks": [],
                     "unfurl_links": False, "unfurl_media": False}}
    first = await bot.send_owed(call, key="row1:0", look_first=False)
    assert first is not None and len(fake.posts()) == 1
    assert fake.posts()[0].args["metadata"] == {"event_type": "coco_reply", "event_payload": {"key": "row1:0"}}
    again = await bot.send_owed(call, key="row1:0", look_first=True)  # the crashed attempt had posted it
    assert again == first and len(fake.posts()) == 1
    assert [c.args.get("include_all_metadata") for c in fake.of("conversations.replies")] == ["1"]
    never = await bot.send_owed(call, key="row1:1", look_first=True)  # its attempt died before posting
    assert never is not None and never != first and len(fake.posts()) == 2


def test_sigterm_is_bounded_while_the_tracker_hangs(bot: Bot, slack_fake: FakeSlack) -> None:
    """A W&B server that accepts and never answers: the ``wandb`` client waits in worker threads,
    which cannot be cancelled, and Python waits for pool threads at exit. The stop is bounded anyway,
    and what it cut off is finished at the next start (on the real MLflow store again)."""
    silent = SilentServer()
    (original,) = bot.rows("SELECT tracker_uri, tracker_kind, experiment_names FROM coco_project")
    try:
        bot.rows("UPDATE coco_project SET tracker_uri = ?, tracker_kind = 'wandb', experiment_names = ?",
                 f"wandb+{silent.url}", json.dumps(["team/churn"]))
        bot.env.update({"WANDB_API_KEY": "k" * 40, "WANDB_SILENT": "true", "WANDB_ERROR_REPORTING": "false"})
        bot.start()
        events = _dms()
        assert _send_all(bot.url, events) == [200] * DMS
        time.sleep(2.0)  # work reaches the tracker and waits on it
        code, took = _sigterm(bot)
        assert code == 0 and took < 10.0, f"SIGTERM took {took:.1f} s (exit {code})\n{bot.tail()}"
    finally:
        silent.close()
    bot.rows("UPDATE coco_project SET tracker_uri = ?, tracker_kind = ?, experiment_names = ?", *original)
    bot.start()
    _assert_all_there(bot, slack_fake, events)


async def test_a_digest_its_channel_refuses_is_told_to_whoever_scheduled_it(slack: Any) -> None:
    """COCO scheduled in #C1, then removed from it (no chat:write.public): the digest cannot go there,
    and the person who scheduled it hears so privately, once, not at every retry."""
    import datetime as dt
    import urllib.parse

    from tests.bot.slack_fake import command_form

    form = command_form(text="digest schedule mon 09:00", fake=slack.fake, channel="C1", user="U2")
    body = urllib.parse.urlencode(form).encode()
    async with slack.client.post("/slack/events", data=body, headers=signed_headers(
            body, content_type="application/x-www-form-urlencoded")) as answered:
        assert answered.status == 200
    await slack.bot.drain()
    assert "Mondays at 09:00" in slack.fake.posts()[-1].args["text"]
    slack.fake.absent.add("C1")
    before = len(slack.fake.posts())
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    await slack.bot.runtime.run_digests(now=later)
    said = [p.args for p in slack.fake.posts()[before:]]
    assert [p["channel"] for p in said] == ["C1", "U2"]  # refused in the channel, then told in the DM
    assert "could not be posted" in said[1]["text"] and "/invite @COCO" in said[1]["text"]
    # the retry five minutes later is refused again: no second message to the person
    await slack.bot.runtime.run_digests(now=later + dt.timedelta(minutes=6))
    assert [p.args["channel"] for p in slack.fake.posts()[before:]] == ["C1", "U2", "C1"]
