"""Issue 11 point 8: malformed bodies, correctly signed, get a 4xx (never a 500) and no traceback in
the log; an unsigned request with a timestamp header that is not a number gets 401. Through the real
Bolt app over HTTP, each request signed as Slack signs it."""

from __future__ import annotations

import json
import logging
import urllib.parse

import pytest

from tests.bot.conftest import SlackWorld
from tests.bot.slack_fake import message_event, post_json, signed_headers

_CLICK = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"}, "api_app_id": "A1",
          "trigger_id": "t-1", "container": {"type": "message", "message_ts": "1.0", "channel_id": "D1"}}

MALFORMED: list[tuple[str, bytes, str]] = [
    ("bad json", b'{"type": "event_callback", "event": ', "application/json"),
    ("json array", b"[1, 2, 3]", "application/json"),
    ("event a string", json.dumps({"type": "event_callback", "team_id": "T1", "event_id": "Ev1",
                                   "event": "message"}).encode(), "application/json"),
    ("event text a number", json.dumps({**message_event(text="x"), "event": {
        **message_event(text="x")["event"], "text": 5}}).encode(), "application/json"),
    ("invalid utf-8", b'{"type": "event_callback", "event": {"type": "message", "text": "\xff\xfe"}}',
     "application/json"),
    ("payload not json", urllib.parse.urlencode({"payload": "{not json"}).encode(),
     "application/x-www-form-urlencoded"),
    ("payload a list", urllib.parse.urlencode({"payload": "[]"}).encode(), "application/x-www-form-urlencoded"),
    ("empty actions", urllib.parse.urlencode({"payload": json.dumps({**_CLICK, "actions": []})}).encode(),
     "application/x-www-form-urlencoded"),
    ("user a string", urllib.parse.urlencode({"payload": json.dumps(
        {**_CLICK, "user": "U1", "actions": [{"action_id": "coco_edit", "value": "e"}]})}).encode(),
     "application/x-www-form-urlencoded"),
    ("view state not an object", urllib.parse.urlencode({"payload": json.dumps(
        {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"},
         "view": {"id": "V1", "callback_id": "coco_edit_entry", "state": "x"}})}).encode(),
     "application/x-www-form-urlencoded"),
    ("form not utf-8", b"payload=%FF%FE", "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize(("name", "body", "content_type"), MALFORMED, ids=[m[0] for m in MALFORMED])
async def test_malformed_signed_bodies_get_a_4xx_and_no_traceback(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, name: str, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await slack.client.post("/slack/events", data=body,
                                       headers=signed_headers(body, content_type=content_type))
    assert 400 <= response.status < 500, (name, response.status, await response.text())
    await slack.bot.drain()
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()], name
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], name
    assert slack.fake.posts() == [] and await slack.entries() == []


@pytest.mark.parametrize("timestamp", ["abc", "1e9", "", "12.5"])
async def test_a_non_numeric_timestamp_header_is_401(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    caplog.set_level(logging.DEBUG)
    body = json.dumps(message_event(text="hello")).encode()
    response = await slack.client.post("/slack/events", data=body, headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=00"})
    assert response.status == 401
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_bad_signature_is_logged_in_one_line_without_the_body(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_words = "my private note nobody should log " * 100
    status, _, _ = await post_json(slack.client, message_event(text=secret_words), secret="wrong")
    assert status == 401
    assert not [r for r in caplog.records if "private note" in r.getMessage()]


async def test_well_formed_requests_still_pass(slack: SlackWorld) -> None:
    status, _, _ = await post_json(slack.client, message_event(text="tried xgb-d4, auc .803"))
    assert status == 200
    await slack.bot.drain()
    assert len(await slack.entries()) == 1


async def test_unsigned_requests_are_refused_before_bolt_logs_them(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body = json.dumps(message_event(text="unsigned words " * 1000)).encode()
    response = await slack.client.post("/slack/events", data=body, headers={"Content-Type": "application/json"})
    assert response.status == 401
    assert not [r for r in caplog.records if "unsigned words" in r.getMessage()]
    assert sum("no signature headers" in r.getMessage() for r in caplog.records) == 1
