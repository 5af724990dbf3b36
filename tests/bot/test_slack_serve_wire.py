"""Issue 11 points 8 and 10 through the real ``coco serve slack`` process (HTTP mode) against the fake
Slack: malformed signed bodies and non-numeric timestamps get a 4xx and leave no traceback in
``coco.log``; a DM encoded as Slack encodes it is stored as the person typed it and answered encoded
exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.bot.conftest import seed_runs
from tests.bot.slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlack, message_event, signed_headers
from tests.conftest import COCO, CocoCli, MlflowStore
from tests.processes import free_port

TYPED = "xgb-d4 -> auc .803 & beat logreg-baseline (lr < 1e-3)"


@dataclass
class Served:
    url: str
    home: Path
    db: Path
    cli: CocoCli
    proc: subprocess.Popen[bytes]


@pytest.fixture
async def served(tmp_path: Path, mlflow_store: MlflowStore, fake_slack: FakeSlack) -> AsyncIterator[Served]:
    seed_runs(mlflow_store)
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COCO_", "ANTHROPIC_", "SLACK_"))}
    env.update({"COCO_HOME": str(home), "COCO_DATABASE_URL": f"sqlite:///{tmp_path / 'coco.db'}",
                "MLFLOW_TRACKING_URI": mlflow_store.uri, "COCO_ENGINE": "local", "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET, "COCO_SLACK_API_URL": fake_slack.api_url,
                "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"})
    cli = CocoCli(env=env, cwd=tmp_path)
    added = await asyncio.to_thread(cli, "project", "add", "churn", "--mlflow-experiment", "churn-model",
                                    "--slack-channel", "C1", "--slack-team", "T1")
    assert added.returncode == 0, added.stderr.decode()
    port = free_port()
    proc = subprocess.Popen([COCO, "serve", "slack", "--port", str(port), "--host", "127.0.0.1"], env=env,
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, "coco serve slack exited"
                try:
                    async with session.get(f"{url}/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                assert time.monotonic() < deadline, "coco serve slack did not answer /healthz"
                await asyncio.sleep(0.25)
        yield Served(url=url, home=home, db=tmp_path / "coco.db", cli=cli, proc=proc)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(proc.wait, 30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


async def test_coco_serve_slack_refuses_malformed_bodies_without_a_traceback(served: Served) -> None:
    click = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"}, "actions": []}
    bodies = [
        (b'{"type": "event_callback", "event": ', "application/json"),
        (json.dumps({"type": "event_callback", "team_id": "T1", "event": "message"}).encode(), "application/json"),
        (b'{"type": "event_callback", "event": {"type": "message", "text": "\xff"}}', "application/json"),
        (urllib.parse.urlencode({"payload": "{oops"}).encode(), "application/x-www-form-urlencoded"),
        (urllib.parse.urlencode({"payload": json.dumps(click)}).encode(), "application/x-www-form-urlencoded"),
    ]
    async with aiohttp.ClientSession() as session:
        for body, content_type in bodies:
            async with session.post(f"{served.url}/slack/events", data=body,
                                    headers=signed_headers(body, content_type=content_type)) as r:
                assert 400 <= r.status < 500, (body[:40], r.status)
        async with session.post(f"{served.url}/slack/events", data=b"{}", headers={
                "Content-Type": "application/json", "X-Slack-Request-Timestamp": "not-a-number",
                "X-Slack-Signature": "v0=00"}) as r:
            assert r.status == 401
    served.proc.send_signal(signal.SIGTERM)
    await asyncio.to_thread(served.proc.wait, 30)
    log = (served.home / "coco.log").read_text(encoding="utf-8")
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    assert log.count("refused a malformed Slack request") == len(bodies)


async def test_coco_serve_slack_stores_what_the_person_typed(served: Served, fake_slack: FakeSlack) -> None:
    event = message_event(text=TYPED)
    body = json.dumps(event).encode()
    async with aiohttp.ClientSession() as session, session.post(
            f"{served.url}/slack/events", data=body,
            headers=signed_headers(body, content_type="application/json")) as r:
        assert r.status == 200
    for _ in range(200):
        if fake_slack.posts():
            break
        await asyncio.sleep(0.1)
    (post,) = fake_slack.posts()
    rendered = json.dumps(post.args["blocks"], ensure_ascii=False)
    assert "&amp;gt;" not in rendered and "&amp;amp;" not in rendered
    served.proc.send_signal(signal.SIGTERM)
    await asyncio.to_thread(served.proc.wait, 30)
    with contextlib.closing(sqlite3.connect(served.db)) as db:  # the Slack workspace's rows, as stored
        rows = db.execute("SELECT raw_text FROM coco_entry").fetchall()
    assert rows == [(TYPED,)]
