"""`/coco project add --wandb-project` and `/coco link --wandb-project` through the real Bolt app: a chat
project on W&B (real ``wandb`` client, the W&B fake), whose DMs link W&B runs and write their notes."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator

import pytest

from tests.adapters.wandb_fake import WandbFake
from tests.adapters.wandb_seed import KEY
from tests.bot.conftest import SlackWorld
from tests.bot.slack_fake import command_form, message_event, post_form, post_json


@pytest.fixture
def wandb_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[WandbFake]:
    runs = [{"id": "7kq9x0ab", "name": "gru-w-dropout", "user": "ana", "state": "finished",
             "created_at": "2026-03-02T09:00:00Z", "duration": 600, "config": {"model": "gru", "dropout": 0.3},
             "summary": {"val_auc": 0.83}, "tags": [], "notes": None, "commit": "abc1234"}]
    with WandbFake(runs=runs, entity="team", project="intent", api_key=KEY) as fake:
        monkeypatch.setenv("WANDB_BASE_URL", str(fake.base_url))
        monkeypatch.setenv("WANDB_API_KEY", KEY)
        monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")
        monkeypatch.setenv("WANDB_SILENT", "true")
        yield fake


async def _command(slack: SlackWorld, text: str, *, channel: str) -> str:
    before = (len(slack.fake.responses), len(slack.fake.calls))
    status, body, _elapsed = await post_form(slack.client, command_form(text=text, fake=slack.fake, channel=channel))
    assert status == 200, body
    await slack.bot.drain()
    said = [*slack.fake.responses[before[0]:], *[c.args for c in slack.fake.calls[before[1]:]
                                                 if c.method in ("chat.postMessage", "chat.postEphemeral")]]
    # What a person reads: Slack's text is encoded once (&, <, >), so decode it to compare.
    return html.unescape(json.dumps(said, ensure_ascii=False))


async def test_a_chat_project_on_w_and_b(slack: SlackWorld, wandb_server: WandbFake) -> None:
    said = await _command(slack, "project add intent --wandb-project team/intent --primary-metric val_auc",
                          channel="D1")
    assert "Project intent reads its runs from team/intent" in said
    said = await _command(slack, "project add nowhere --wandb-project team/nope", channel="D1")
    assert "No W&B project 'team/nope'" in said
    said = await _command(slack, "link intent2 --wandb-project team/intent", channel="C9")
    assert "linked to project intent2 (team/intent)" in said

    await _command(slack, "project intent", channel="D1")  # DMs go to the W&B project
    await post_json(slack.client, message_event(text="The GRU with dropout (7kq9x0ab) is our best at .83."))
    await slack.bot.drain()
    assert [run_id for run_id, _ in wandb_server.notes_written] == ["7kq9x0ab"]
    assert "coco" in wandb_server.run("7kq9x0ab")["tags"]
