"""Reliability through the real Bolt app: "already tried" warnings once, the weekly digest once (also
across a restart), pending entries finished and their message updated, 429s honoured, channel pacing,
Socket Mode."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import NarratorHub
from bot.logs import TokenRedactor
from bot.runtime import ChannelPacer
from core.errors import TrackerUnavailableError
from storage.repository import SqlRepository
from tests.bot.conftest import SlackWorld, open_world
from tests.bot.slack_fake import APP_TOKEN, BOT_TOKEN, command_form, message_event, post_form, post_json

DUMP = ("End of day. xgb-d4 beat logreg-baseline clearly. SMOTE oversampling (xgb-smote) did not help, "
        "worse auc, dropping smote.\nnext: tune max_depth on xgb\nq: is the split time-based?")


async def _log_dump(slack: SlackWorld) -> None:
    await post_json(slack.client, message_event(text=DUMP))
    await slack.bot.drain()


async def test_a_planned_repeat_in_a_linked_channel_is_warned_once(slack: SlackWorld) -> None:
    await _log_dump(slack)
    plan = message_event(text="going to try SMOTE oversampling on xgb tomorrow", user="U2", channel="C1",
                         channel_type="channel")
    await post_json(slack.client, plan)
    await slack.bot.drain()
    warnings = [p.args for p in slack.fake.posts() if p.args["channel"] == "C1"]
    assert len(warnings) == 1
    assert warnings[0]["thread_ts"] == plan["event"]["ts"]
    rendered = json.dumps(warnings[0]["blocks"], ensure_ascii=False)
    assert f"runs/{slack.runs['smote']}|" in rendered and "ana" in rendered  # what, by whom, with links
    again = message_event(text="let's try smote oversampling again on xgb", user="U2", channel="C1",
                          channel_type="channel", thread_ts=plan["event"]["ts"])
    await post_json(slack.client, again)
    chatter = message_event(text="nice work everyone", user="U2", channel="C1", channel_type="channel")
    await post_json(slack.client, chatter)
    novel = message_event(text="thinking of trying a transformer on the raw event logs", user="U2", channel="C1",
                          channel_type="channel")
    await post_json(slack.client, novel)
    await slack.bot.drain()
    assert len([p for p in slack.fake.posts() if p.args["channel"] == "C1"]) == 1
    unlinked = message_event(text="going to try SMOTE oversampling", channel="C99", channel_type="channel")
    await post_json(slack.client, unlinked)
    await slack.bot.drain()
    assert not [p for p in slack.fake.posts() if p.args["channel"] == "C99"]


async def test_scheduled_digest_posts_once_with_its_chart_also_across_a_restart(
    slack: SlackWorld, tmp_path: Path
) -> None:
    await _log_dump(slack)
    status, _, _ = await post_form(slack.client, command_form(text="digest schedule mon 09:00", fake=slack.fake,
                                                             channel="C1"))
    assert status == 200
    await slack.bot.drain()
    assert "Mondays at 09:00" in slack.fake.posts()[-1].args["text"]

    async def due_of(hub: NarratorHub) -> dt.datetime:
        narrator = await hub.narrator("slack:T1", platform="slack")
        (due,) = await _queued_digests(hub, narrator.workspace_id)
        return dt.datetime.fromisoformat(due)

    due = await slack.db(due_of)
    assert due.weekday() == 0 and (due.hour, due.minute) == (9, 0)
    before = len(slack.fake.posts())
    await slack.bot.runtime.run_digests(now=due + dt.timedelta(minutes=1))
    posted = [p.args for p in slack.fake.posts()[before:]]
    assert [p["channel"] for p in posted] == ["C1"]
    assert "digest of" in json.dumps(posted[0]["blocks"])
    assert len(slack.fake.of("files.getUploadURLExternal")) == 1
    assert len(slack.fake.of("upload")) == 1
    (complete,) = slack.fake.of("files.completeUploadExternal")
    assert complete.args["channel_id"] == "C1"
    (png,) = slack.fake.uploads.values()
    assert png.startswith(b"\x89PNG")
    await slack.bot.runtime.run_digests(now=due + dt.timedelta(minutes=2))
    assert len(slack.fake.posts()) == before + 1

    # A restart: new app objects on the same database neither repeat nor skip.
    await slack.bot.stop()
    bot, client, _ = await open_world(tmp_path, slack.store, slack.fake, slack.runs)
    try:
        await bot.runtime.run_digests(now=due + dt.timedelta(minutes=3))
        assert len(slack.fake.posts()) == before + 1
        await bot.runtime.run_digests(now=due + dt.timedelta(days=7, minutes=1))
        assert len(slack.fake.posts()) == before + 2
        assert len(slack.fake.of("files.completeUploadExternal")) == 2
    finally:
        await client.close()
        await bot.stop()


async def _queued_digests(hub: NarratorHub, workspace_id: str) -> list[str]:
    store = hub.for_workspace_id(workspace_id).repo
    assert isinstance(store, SqlRepository)
    async with store.engine.connect() as connection:
        rows = (await connection.execute(
            text("SELECT payload FROM coco_job WHERE kind = 'digest' AND status = 'queued' AND workspace_id = :w"),
            {"w": workspace_id},
        )).all()
    payloads = [json.loads(r[0]) if isinstance(r[0], str) else r[0] for r in rows]
    return sorted(p["due"] for p in payloads)


class DownTracker:
    """The project's tracker, unreachable: every read fails as an outage does."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    async def search_runs(self, *args: Any, **kwargs: Any) -> Any:
        raise TrackerUnavailableError(self._real.uri, "connection refused")

    async def get_run(self, *args: Any, **kwargs: Any) -> Any:
        raise TrackerUnavailableError(self._real.uri, "connection refused")


async def test_tracker_outage_after_the_ack_leaves_a_pending_entry_whose_message_is_updated(
    slack: SlackWorld,
) -> None:
    uri = slack.settings.resolved_tracking_uri()
    pool = slack.bot.runtime.hub.trackers
    real = pool.for_uri(uri)
    pool._open[uri] = DownTracker(real)  # type: ignore[assignment]
    event = message_event(text=DUMP)
    status, _, elapsed = await post_json(slack.client, event)
    assert status == 200 and elapsed < 1.0
    await slack.bot.drain()
    (entry,) = await slack.entries()
    assert entry.status == "pending" and entry.raw_text == DUMP
    (pending_post,) = slack.fake.posts()
    assert "Saved your text" in json.dumps(pending_post.args["blocks"], ensure_ascii=False)
    assert pending_post.args["thread_ts"] == event["event"]["ts"]

    pool._open[uri] = real  # the tracker is back

    async def make_jobs_due(hub: NarratorHub) -> None:
        store = (await hub.narrator("slack:T1", platform="slack")).repo
        assert isinstance(store, SqlRepository)
        async with store.engine.begin() as connection:
            await connection.execute(text("UPDATE coco_job SET run_after = :t"),
                                     {"t": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)})

    await slack.db(make_jobs_due)
    updated = await slack.bot.runtime.finish_pending()
    assert updated == 1
    (entry,) = await slack.entries()
    assert entry.status == "structured"
    (update,) = slack.fake.of("chat.update")
    assert update.args["channel"] == "D1"
    rendered = json.dumps(update.args["blocks"], ensure_ascii=False)
    assert f"runs/{slack.runs['xgb']}|" in rendered and "Saved your text" not in rendered
    assert await slack.bot.runtime.finish_pending() == 0  # updated once


async def test_a_429_is_retried_after_retry_after(slack: SlackWorld) -> None:
    slack.fake.rate_limit["chat.postMessage"] = 1
    await _log_dump(slack)
    attempts = slack.fake.posts()
    assert len(attempts) == 2  # refused once, then posted
    assert attempts[1].at - attempts[0].at >= 1.0
    assert len(await slack.entries()) == 1


async def test_posts_to_one_channel_are_paced() -> None:
    pacer = ChannelPacer(0.2)
    started = time.monotonic()
    for _ in range(3):
        await pacer.turn("C1")
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    await asyncio.gather(pacer.turn("C2"), pacer.turn("C3"))
    assert time.monotonic() - started < 0.15


def test_tokens_are_redacted_from_logs() -> None:
    import logging

    record = logging.LogRecord("slack_sdk", logging.DEBUG, __file__, 1, "headers %s", (f"Bearer {BOT_TOKEN}",), None)
    TokenRedactor().filter(record)
    assert BOT_TOKEN not in record.getMessage() and "xoxb-***" in record.getMessage()


@pytest.fixture
async def socket_world(tmp_path: Path, slack: SlackWorld) -> AsyncIterator[Any]:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(slack.bot.app, APP_TOKEN)
    await handler.connect_async()
    try:
        yield handler
    finally:
        await handler.close_async()


async def test_socket_mode_receives_acks_and_processes_a_dm(slack: SlackWorld, socket_world: Any) -> None:
    body = message_event(text=DUMP)
    envelope = {"envelope_id": "env-1", "type": "events_api", "payload": body, "accepts_response_payload": False,
                "retry_attempt": 0, "retry_reason": ""}
    await slack.fake.push_envelope(envelope)
    for _ in range(100):
        if any(a.get("envelope_id") == "env-1" for a in slack.fake.socket_acks):
            break
        await asyncio.sleep(0.05)
    assert any(a.get("envelope_id") == "env-1" for a in slack.fake.socket_acks)
    assert slack.fake.of("apps.connections.open")[0].args["_token"] == APP_TOKEN
    await asyncio.sleep(0.2)
    await slack.bot.drain()
    await slack.fake.push_envelope({**envelope, "envelope_id": "env-2", "retry_attempt": 1,
                                    "retry_reason": "timeout"})
    for _ in range(100):
        if any(a.get("envelope_id") == "env-2" for a in slack.fake.socket_acks):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    await slack.bot.drain()
    assert len(await slack.entries()) == 1
    (post,) = slack.fake.posts()
    assert post.args["thread_ts"] == body["event"]["ts"] and post.args["_token"] == BOT_TOKEN
