"""Issue 11 points 9 and 10 through the real Bolt app, every request signed as Slack signs it and every
text encoded as Slack encodes it: who may click Route, text decoded once on the way in and encoded
once on the way out (blocks and the ``text`` fallback), the Edit modal losing nothing, and replies
into channels COCO has not joined reaching the person."""

from __future__ import annotations

import json
from typing import Any

from bot.app import NarratorHub
from tests.bot.conftest import SlackWorld
from tests.bot.slack_fake import command_form, message_event, post_form, post_interaction, post_json, slack_encoded

TYPED = "xgb-d4 -> auc .781 & lr < 1e-3, better than logreg-baseline\nnext: try depth > 6"


def _said(slack: SlackWorld) -> list[dict[str, Any]]:
    """Every text COCO sent: posts, updates, ephemerals and response_url answers."""
    calls = [c.args for c in slack.fake.calls if c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")]
    return [*calls, *slack.fake.responses]


def _no_raw_markup(said: list[dict[str, Any]]) -> None:
    for message in said:
        text = str(message.get("text") or "")
        for markup in ("<!", "<@", "<http", "<#"):
            assert markup not in text, text


async def test_event_text_is_decoded_once_and_encoded_once(slack: SlackWorld) -> None:
    event = message_event(text=TYPED)
    assert "-&gt; auc .781 &amp; lr &lt; 1e-3" in event["event"]["text"]  # as Slack sends it
    await post_json(slack.client, event)
    await slack.bot.drain()
    (entry,) = await slack.entries()
    assert entry.raw_text == TYPED  # the person's words, not Slack's encoding of them
    (post,) = slack.fake.posts()
    rendered = json.dumps(post.args["blocks"], ensure_ascii=False)
    assert "&amp;gt;" not in rendered and "&amp;amp;" not in rendered and "&amp;lt;" not in rendered
    assert "&gt;" in rendered or "→" in rendered


async def test_a_40000_character_dm_is_stored_at_its_length(slack: SlackWorld) -> None:
    typed = ("a -> b & c < d " * 3000)[:40_000]
    await post_json(slack.client, message_event(text=typed))
    await slack.bot.drain()
    (entry,) = await slack.entries()
    assert len(entry.raw_text) == 40_000 and entry.raw_text == typed


async def test_fallback_text_carries_no_live_markup(slack: SlackWorld) -> None:
    # A person who typed the characters "<!channel>" and "<@U2>" (Slack delivers them encoded) ...
    await post_json(slack.client, message_event(text="<!channel> <@U2> xgb-d4 beat logreg-baseline, auc .803",
                                                literal=True))
    await slack.bot.drain()
    (entry,) = await slack.entries()
    assert entry.raw_text.startswith("<!channel> <@U2>")
    # ... and a project name that is markup, answered through the command's response_url.
    form = command_form(text="project x", fake=slack.fake)
    form["text"] = slack_encoded("project <!channel><https://evil.example|click>", literal=True)
    assert (await post_form(slack.client, form))[0] == 200
    await slack.bot.drain()
    said = _said(slack)
    assert len(said) >= 2
    _no_raw_markup(said)
    assert any("&lt;!channel&gt;" in str(m.get("text")) for m in said)


async def test_route_checks_who_clicked(slack: SlackWorld) -> None:
    async def second(hub: NarratorHub) -> None:
        narrator = await hub.narrator("slack:T1", platform="slack")
        tracker = hub.trackers.for_uri(slack.settings.resolved_tracking_uri())
        await narrator.add_project(name="fraud", tracker=tracker, experiments=["churn-model"],
                                   primary_metric="val_auc", goal="max")

    await slack.db(second)
    private = "my private idea: leak-free split for xgb-d4, auc .803"
    await post_json(slack.client, message_event(text=private, user="U1", channel="D1"))
    await slack.bot.drain()
    assert await slack.entries() == []  # held: two projects and no default
    buttons = [e for b in slack.fake.posts()[-1].args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    fraud = next(b for b in buttons if b["text"]["text"] == "fraud")

    def click(user: str, trigger: str) -> dict[str, Any]:
        return {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
                "trigger_id": trigger, "response_url": slack.fake.response_url(trigger),
                "container": {"type": "message", "message_ts": "9.9", "channel_id": "D1"},
                "channel": {"id": "D1"}, "message": {"ts": "9.9"},
                "actions": [{"action_id": fraud["action_id"], "value": fraud["value"], "type": "button",
                             "action_ts": "3"}]}

    await post_interaction(slack.client, click("U2", "t-forged"))  # bob forges ana's click
    await slack.bot.drain()
    assert await slack.entries() == []
    assert "Only the person who sent this note" in json.dumps(slack.fake.responses[-1])
    await post_interaction(slack.client, click("U1", "t-ana"))  # ana's own click still files it
    await slack.bot.drain()
    (entry,) = await slack.entries()
    assert entry.raw_text == private and entry.author == "ana"
