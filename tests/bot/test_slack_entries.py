"""`/coco entries` and `/coco entry` through the real Bolt app (issue 9 point 4), and WHEN in chat
(point 6): a bad time is one sentence back, never a crash."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.bot.conftest import SlackWorld
from tests.bot.slack_fake import command_form, message_event, post_form, post_json

DUMP = ("End of day. xgb-d4 beat logreg-baseline clearly. SMOTE oversampling (xgb-smote) did not help, "
        "worse auc, dropping smote.\nnext: tune max_depth on xgb")


async def _command(slack: SlackWorld, text: str) -> dict[str, Any]:
    before = len(slack.fake.responses)
    status, body, _ = await post_form(slack.client, command_form(text=text, fake=slack.fake, channel="D1"))
    assert status == 200, body
    await slack.bot.drain()
    said = slack.fake.responses[before:]
    assert len(said) == 1, said
    return dict(said[0])


@pytest.fixture
async def logged(slack: SlackWorld) -> SlackWorld:
    await post_json(slack.client, message_event(text=DUMP))
    await slack.bot.drain()
    return slack


async def test_entries_lists_and_entry_shows_one(logged: SlackWorld) -> None:
    listed = json.dumps(await _command(logged, "entries 7d"), ensure_ascii=False)
    ids = sorted(set(re.findall(r"• (\w+) · \d{4}-\d\d-\d\d", listed)))  # in the text and in the blocks
    assert len(ids) == 1, listed
    assert "1 entry of every project" in listed
    assert "of every project" in listed and "/coco entry ENTRY_ID" in listed
    shown = json.dumps(await _command(logged, f"entry {ids[0]}"), ensure_ascii=False)
    assert ids[0] in shown and "Runs (values from the tracker)" in shown and "xgb-d4" in shown
    assert "No entries of churn" in json.dumps(await _command(logged, "entries churn by nobody"))
    assert "No entry 'zzz'" in json.dumps(await _command(logged, "entry zzz"))


@pytest.mark.parametrize("when", ["0001-01-01", "99999999d", "2026-02-30"])
async def test_absurd_times_in_chat_are_one_sentence(logged: SlackWorld, when: str) -> None:
    for verb in ("phase", "entries"):
        said = json.dumps(await _command(logged, f"{verb} {when}"), ensure_ascii=False)
        assert when in said and ("1970" in said or "not a date" in said), said
