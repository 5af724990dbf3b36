"""Issue 11 points 3 and 4 against a real `coco serve slack` process (HTTP mode) and a fake Slack Web API
on 127.0.0.1: badly signed 1 MB requests cost one short log line each (never their body), coco.log is
rotated and private, and secrets pasted into a DM never reach the database, the reply or the log."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sqlite3
import stat
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.logs import LOG_BACKUPS, PrivateRotatingFileHandler, RequestBodyGuard
from tests.bot.slack_fake import BOT_TOKEN, SIGNING_SECRET, FakeSlack, message_event, signed_headers
from tests.conftest import COCO, MlflowStore
from tests.processes import free_port

# Each a realistic shape, none real: what people paste from a terminal.
SECRETS = {
    "slack": "xoxb-2718281828-3141592653-AbCdEfGhIjKlMnOpQrStUvWx",
    "aws id": "AKIAQ3EGRK7SEXAMPLE7",
    "aws secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCY9EXAMPLEKE",
    "github": "ghp_R4nd0mL00k1ngT0k3nF0rT3st1ngAbCdEf12",
}


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    url: str
    home: Path
    db: Path
    fake: FakeSlack


@pytest.fixture
async def served(tmp_path: Path, mlflow_store: MlflowStore) -> AsyncIterator[Served]:
    fake = FakeSlack()
    await fake.start()
    port = free_port()
    home = tmp_path / "home"
    env = dict(os.environ)
    env.update({"COCO_HOME": str(home), "MLFLOW_TRACKING_URI": mlflow_store.uri, "COCO_ENGINE": "local",
                "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "COCO_SLACK_API_URL": fake.api_url})
    env.pop("SLACK_APP_TOKEN", None)
    env.pop("ANTHROPIC_API_KEY", None)
    err = (tmp_path / "serve.err").open("wb")
    proc = subprocess.Popen([COCO, "serve", "slack", "--port", str(port), "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while b"serving Slack" not in (tmp_path / "serve.err").read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail((tmp_path / "serve.err").read_text())
            await asyncio.sleep(0.2)
        yield Served(proc=proc, url=f"http://127.0.0.1:{port}/slack/events", home=home, db=home / "coco.db",
                     fake=fake)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        err.close()
        await fake.close()


async def test_twenty_unsigned_megabyte_requests_add_under_100_kb_of_log(served: Served) -> None:
    log = served.home / "coco.log"
    before = log.stat().st_size
    body = json.dumps(message_event(text="why " * 249_850)).encode()  # a valid event of ~1 MB
    assert 990_000 < len(body) <= 1_000_000
    async with aiohttp.ClientSession() as session:
        for i in range(20):
            headers = {"Content-Type": "application/json"}
            if i % 2:  # half carry a signature that does not match, half none at all
                headers.update(signed_headers(body, content_type="application/json", secret="not-the-secret"))
            async with session.post(served.url, data=body, headers=headers) as resp:
                assert resp.status in (401, 413), resp.status
    await asyncio.sleep(0.5)
    grown = log.stat().st_size - before
    assert grown < 100_000, grown
    assert "why why why" not in log.read_text()


async def test_secrets_in_a_dm_never_reach_the_database_the_reply_or_the_log(served: Served) -> None:
    pasted = (f"tried focal loss, auc .81. my slack token {SECRETS['slack']}, aws {SECRETS['aws id']} "
              f"{SECRETS['aws secret']}, and ghp: {SECRETS['github']}")
    body = json.dumps(message_event(text=pasted)).encode()
    async with aiohttp.ClientSession() as session, session.post(
        served.url, data=body, headers=signed_headers(body, content_type="application/json")
    ) as resp:
        assert resp.status == 200
    deadline = time.monotonic() + 60
    while not served.fake.posts() and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    replies = json.dumps([c.args for c in served.fake.calls])
    said = " ".join(str(c.args.get("text", "")) for c in served.fake.posts())
    assert "Removed 4 secrets before saving" in said, said
    with sqlite3.connect(served.db) as conn:
        rows = json.dumps([list(map(str, r)) for t in ("coco_reply", "coco_entry")
                           for r in conn.execute(f"SELECT * FROM {t}")])
    assert "focal loss" in rows  # the note itself is kept
    log = (served.home / "coco.log").read_text()
    for name, secret in SECRETS.items():
        for where, text in (("database", rows), ("reply", replies), ("log", log)):
            assert secret not in text, (name, where)


def test_the_log_file_rotates_and_every_generation_is_private(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        handler = PrivateRotatingFileHandler(tmp_path / "coco.log")
        handler.maxBytes = 20_000  # the real bound is 10 MB; the mechanism is the same
        logger = logging.getLogger("coco.test.rotation")
        logger.propagate = False
        logger.addHandler(handler)
        try:
            for i in range(2_000):
                logger.warning("line %d %s", i, "x" * 80)
        finally:
            logger.removeHandler(handler)
            handler.close()
    finally:
        os.umask(previous)
    files = sorted(tmp_path.glob("coco.log*"))
    assert len(files) == 1 + LOG_BACKUPS
    assert sum(f.stat().st_size for f in files) < 5 * 20_000
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)


def test_a_library_record_keeps_one_short_line() -> None:
    guard = RequestBodyGuard()
    record = logging.LogRecord("slack_bolt.AsyncRequestVerification", logging.INFO, __file__, 1,
                               "Invalid request signature detected (signature: v0=x, timestamp: 1, body: %s)",
                               ("secret text " * 10_000,), None)
    assert guard.filter(record)
    assert "secret text" not in record.getMessage() and len(record.getMessage()) < 200
    debug = logging.LogRecord("slack_bolt.App", logging.DEBUG, __file__, 1, "body: %s", ("kept at debug",), None)
    guard.filter(debug)
    assert debug.getMessage() == "body: kept at debug"
