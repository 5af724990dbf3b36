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


async def test_emoji_names_arrive_as_the_pictures_the_person_saw(slack: SlackWorld) -> None:
    """Slack sends ✅ as ``:white_check_mark:``; a note's ✅ / ❌ are verdicts, so the entry keeps the pictures."""
    typed = (":white_check_mark: mixup alpha 0.2\n:x: cutmix, val acc down to .79 :-1::skin-tone-3:\n"
             "at 10:30:45 ratio 3:x:5")
    await post_json(slack.client, message_event(text=typed))
    await slack.bot.drain()
    (entry,) = await slack.entries()
    assert entry.raw_text == "✅ mixup alpha 0.2\n❌ cutmix, val acc down to .79 👎\nat 10:30:45 ratio 3:x:5"
    assert entry.structure is not None
    verdicts = {c.verdict for c in entry.structure.conclusions if "cutmix" in c.text}
    assert verdicts == {"did_not_work"}


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


async def test_saving_the_edit_modal_unchanged_loses_nothing(slack: SlackWorld) -> None:
    await post_json(slack.client, message_event(text="tried xgb-d4, auc .803, beat logreg-baseline"))
    await slack.bot.drain()
    (entry,) = await slack.entries()
    hypotheses = [f"hypothesis {i}: deeper trees help the tail of segment {i} " + "x" * 40 for i in range(91)]
    observations = ["one observation longer than any input: " + "y" * 3200]

    async def grow(hub: NarratorHub) -> None:
        narrator = await hub.narrator("slack:T1", platform="slack")
        assert entry.structure is not None
        await narrator.edit_entry(entry, entry.structure.model_copy(
            update={"hypotheses": hypotheses, "observations": observations}))

    await slack.db(grow)
    click = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"}, "api_app_id": "A1",
             "trigger_id": "t-edit-long", "container": {"type": "message", "message_ts": "1.0", "channel_id": "D1"},
             "channel": {"id": "D1"}, "message": {"ts": "1.0"},
             "actions": [{"action_id": "coco_edit", "value": entry.id, "type": "button", "action_ts": "1.1"}]}
    assert (await post_interaction(slack.client, click))[0] == 200
    await slack.bot.drain()
    (opened,) = slack.fake.of("views.open")
    view = opened.args["view"]
    assert len(view["blocks"]) <= 100
    for block in view["blocks"]:
        element = block["element"]
        assert len(element.get("initial_value", "")) <= element.get("max_length", 3000) <= 3000
    rendered = json.dumps(view, ensure_ascii=False)
    assert "kept as it is" in rendered  # the observation no input can hold is said, not cut
    # The person saves without touching anything: Slack sends back each input's value.
    state = {b["block_id"]: {"value": {"type": "plain_text_input", "value": b["element"].get("initial_value")}}
             for b in view["blocks"]}
    submission = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"}, "api_app_id": "A1",
                  "view": {"type": "modal", "id": "V9", "hash": "h9", "callback_id": view["callback_id"],
                           "private_metadata": view["private_metadata"], "state": {"values": state}}}
    assert (await post_interaction(slack.client, submission))[0] == 200
    await slack.bot.drain()
    (saved,) = await slack.entries()
    assert saved.structure is not None and entry.structure is not None
    assert saved.structure.hypotheses == hypotheses  # all 91, not the 26 that fit in one input
    assert saved.structure.observations == observations
    assert saved.structure.title == entry.structure.title
    assert saved.structure.conclusions == entry.structure.conclusions


async def test_replies_for_channels_coco_is_not_in_reach_the_person(slack: SlackWorld) -> None:
    slack.fake.absent.add("C7")  # COCO was never invited to #C7 (and has no chat:write.public)
    for text, expect in (("link churn2 --mlflow-experiment churn-model", "linked to project churn2"),
                         ("digest schedule mon 09:00", "Mondays at 09:00")):
        before = len(slack.fake.responses)
        form = command_form(text=text, fake=slack.fake, channel="C7")
        assert (await post_form(slack.client, form))[0] == 200
        await slack.bot.drain()
        told = slack.fake.responses[before:]
        assert len(told) == 1, told
        said = json.dumps(told[0], ensure_ascii=False)
        assert told[0]["response_type"] == "ephemeral" and expect in said and "/invite @COCO" in said
    # A modal submitted from that channel, whose error would go there: it reaches the person's DM.
    submission = {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"}, "api_app_id": "A1",
                  "view": {"type": "modal", "id": "V7", "hash": "h7", "callback_id": "coco_decide",
                           "private_metadata": json.dumps({"project": "churn", "channel": "C7"}),
                           "state": {"values": {
                               "finalists": {"value": {"type": "plain_text_input", "value": ""}},
                               "criteria": {"value": {"type": "plain_text_input", "value": "val_auc"}},
                               "context": {"value": {"type": "plain_text_input", "value": None}}}}}}
    assert (await post_interaction(slack.client, submission))[0] == 200
    await slack.bot.drain()
    dm = [c.args for c in slack.fake.posts() if c.args["channel"] == "U1"]
    assert len(dm) == 1 and "finalist" in json.dumps(dm[0], ensure_ascii=False)
    assert "/invite @COCO" in json.dumps(dm[0], ensure_ascii=False)
