"""A plan in the log that was never run is shown as a plan, in the terminal, in Slack and in JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot import render_slack, render_terminal
from bot.messages import Reply
from narrative.types import CheckResult, PlannedItem

AT = dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.UTC)
PLANNED = CheckResult(
    already_tried=False, message="Not tried: planned on 2026-03-03 by noor, not run yet: \"try a DCN-v2 ranker\"",
    planned=[PlannedItem(entry_id="e2abcdef99", author="noor", at=AT, text="try a DCN-v2 ranker on top")],
)


def test_terminal_shows_the_plan_with_date_and_person(capsys: pytest.CaptureFixture[str]) -> None:
    render_terminal.check(PLANNED)
    out = capsys.readouterr().out
    assert "planned" in out.lower() and "You already tried" not in out
    assert "planned on 2026-03-03 by noor, not run yet" in out


def test_slack_shows_the_plan_not_a_warning() -> None:
    blocks = render_slack.blocks_for(Reply(kind="check", text=PLANNED.message, payload=PLANNED))
    text = json.dumps(blocks)
    assert "Planned, not run yet" in text and "already tried" not in text.lower()
    assert "e2abcdef99" in text and "2026-03-03" in text


def test_json_carries_the_planned_list() -> None:
    dumped = PLANNED.model_dump(mode="json")
    assert dumped["already_tried"] is False
    assert dumped["planned"] == [{"entry_id": "e2abcdef99", "author": "noor", "at": "2026-03-03T18:00:00Z",
                                  "text": "try a DCN-v2 ranker on top"}]
