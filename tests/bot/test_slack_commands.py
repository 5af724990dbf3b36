"""`/coco` subcommands, buttons and modals through the real Bolt app: every subcommand answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.app import NarratorHub
from tests.bot.conftest import SlackWorld
from tests.bot.slack_fake import command_form, message_event, post_form, post_interaction, post_json

DUMP = ("End of day. xgb-d4 beat logreg-baseline clearly. SMOTE oversampling (xgb-smote) did not help, "
        "worse auc, dropping smote.\nnext: tune max_depth on xgb\nq: is the split time-based?")


async def _command(slack: SlackWorld, text: str, *, channel: str = "D1") -> list[dict[str, Any]]:
    """Run `/coco TEXT`; returns what was said back (response URL posts, channel posts, modals)."""
    before = (len(slack.fake.responses), len(slack.fake.calls))
    status, body, elapsed = await post_form(slack.client, command_form(text=text, fake=slack.fake, channel=channel))
    assert status == 200, body
    assert elapsed < 1.0
    await slack.bot.drain()
    said: list[dict[str, Any]] = list(slack.fake.responses[before[0]:])
    said += [{"method": c.method, **c.args} for c in slack.fake.calls[before[1]:]
             if c.method in ("chat.postMessage", "views.open", "chat.postEphemeral")]
    return said


@pytest.fixture
async def logged(slack: SlackWorld) -> SlackWorld:
    await post_json(slack.client, message_event(text=DUMP))
    await slack.bot.drain()
    return slack


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("help", "What I can do"),
        ("", "What I can do"),
        ("frobnicate the thing", "I don't know"),
        ("phase", "Phase summary"),
        ("phase churn 7d", "Phase summary"),
        ("next", "Run next"),
        ("check SMOTE oversampling on xgb", "already tried"),
        ("ask why did we drop smote?", "Sources"),
        ("digest", "digest of"),
        ("project churn", "now go to project churn"),
        ("me ana", "you are 'ana'"),
        ("me", "In the tracker you are"),
        ("project nope", "No project named"),
    ],
)
async def test_every_subcommand_answers(logged: SlackWorld, text: str, expect: str) -> None:
    said = await _command(logged, text)
    assert len(said) == 1, said
    assert said[0].get("response_type") == "ephemeral"
    assert expect in json.dumps(said[0], ensure_ascii=False)


async def test_reproduce_answers_with_what_is_missing(logged: SlackWorld) -> None:
    said = await _command(logged, f"reproduce {logged.runs['xgb'][:8]}")
    assert len(said) == 1
    rendered = json.dumps(said[0])
    assert "Missing" in rendered and logged.runs["xgb"] in rendered
    said = await _command(logged, "reproduce")
    assert "Give the run" in json.dumps(said[0])


async def test_decide_opens_a_modal_and_the_submission_records_the_decision(logged: SlackWorld) -> None:
    said = await _command(logged, "decide")
    assert said[0]["method"] == "views.open"
    view = said[0]["view"]
    assert view["callback_id"] == "coco_decide" and view["type"] == "modal"
    submission = {
        "type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"}, "api_app_id": "A1",
        "trigger_id": "t-decide",
        "view": {"type": "modal", "id": "V1", "hash": "h1", "callback_id": "coco_decide",
                 "private_metadata": view["private_metadata"],
                 "state": {"values": {
                     "finalists": {"value": {"type": "plain_text_input",
                                             "value": f"{logged.runs['xgb']}\n{logged.runs['base'][:8]}"}},
                     "criteria": {"value": {"type": "plain_text_input", "value": "val_auc"}},
                     "context": {"value": {"type": "plain_text_input", "value": None}}}}},
    }
    status, _, _ = await post_interaction(logged.client, submission)
    assert status == 200
    await logged.bot.drain()
    dm = logged.fake.posts()[-1].args
    assert dm["channel"] == "U1"  # the decision record goes to the person's DM
    assert f"runs/{logged.runs['xgb']}|" in json.dumps(dm["blocks"])


async def test_link_and_digest_schedule_in_a_channel(logged: SlackWorld) -> None:
    said = await _command(logged, "link churn2 --mlflow-experiment churn-model --primary-metric val_auc",
                          channel="C7")
    assert said[0]["method"] == "chat.postMessage" and said[0]["channel"] == "C7"
    assert "linked to project churn2" in said[0]["text"]
    said = await _command(logged, "link churn", channel="C8")
    assert "linked to project churn" in said[0]["text"]
    said = await _command(logged, "digest schedule mon 09:00", channel="C8")
    assert said[0]["channel"] == "C8" and "Mondays at 09:00" in said[0]["text"]
    said = await _command(logged, "link churn --mlflow-experiment churn-model")  # in a DM: refused, told why
    assert "channel" in json.dumps(said[0])
    said = await _command(logged, "digest schedule someday")
    assert said and said[0].get("response_type") == "ephemeral"


async def test_edit_button_opens_the_sections_and_saving_updates_the_message(logged: SlackWorld) -> None:
    post = logged.fake.posts()[0]
    entry_id = (await logged.entries())[0].id
    click = {
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"}, "api_app_id": "A1",
        "trigger_id": "t-edit", "container": {"type": "message", "message_ts": "1.0", "channel_id": "D1"},
        "channel": {"id": "D1"}, "message": {"ts": "1.0", "thread_ts": post.args["thread_ts"]},
        "actions": [{"action_id": "coco_edit", "block_id": "coco_actions", "value": entry_id, "type": "button",
                     "action_ts": "1.1"}],
    }
    # The bot's reply ts as Slack gave it: the click carries it back.
    replies = [c for c in logged.fake.calls if c.method == "chat.postMessage"]
    assert replies
    status, _, _ = await post_interaction(logged.client, click)
    assert status == 200
    await logged.bot.drain()
    (opened,) = logged.fake.of("views.open")
    view = opened.args["view"]
    assert {b["block_id"] for b in view["blocks"]} >= {"title", "hypotheses", "conclusions", "next_steps"}
    submission = {
        "type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"}, "api_app_id": "A1",
        "view": {"type": "modal", "id": "V2", "hash": "h2", "callback_id": "coco_edit_entry",
                 "private_metadata": view["private_metadata"],
                 "state": {"values": {
                     "title": {"value": {"type": "plain_text_input", "value": "XGB beats the baseline"}},
                     "hypotheses": {"value": {"type": "plain_text_input", "value": ""}},
                     "observations": {"value": {"type": "plain_text_input", "value": "depth 4 is enough"}},
                     "conclusions": {"value": {"type": "plain_text_input", "value": "✅ xgb wins\n❌ smote"}},
                     "next_steps": {"value": {"type": "plain_text_input", "value": "tune depth"}},
                     "open_questions": {"value": {"type": "plain_text_input", "value": ""}}}}},
    }
    assert (await post_interaction(logged.client, submission))[0] == 200
    await logged.bot.drain()
    (entry,) = await logged.entries()
    assert entry.structure is not None and entry.structure.title == "XGB beats the baseline"
    assert [c.verdict for c in entry.structure.conclusions] == ["worked", "did_not_work"]
    assert entry.structure.runs  # the linked runs stay
    (update,) = logged.fake.of("chat.update")
    assert update.args["ts"] == "1.0" and "XGB beats the baseline" in json.dumps(update.args["blocks"])


async def test_discard_deletes_the_entry_and_only_the_author_may(logged: SlackWorld) -> None:
    entry_id = (await logged.entries())[0].id

    def click(user: str, trigger: str) -> dict[str, Any]:
        return {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": user}, "api_app_id": "A1",
                "trigger_id": trigger, "response_url": logged.fake.response_url(trigger),
                "container": {"type": "message", "message_ts": "1.0", "channel_id": "D1"},
                "channel": {"id": "D1"}, "message": {"ts": "1.0"},
                "actions": [{"action_id": "coco_discard", "value": entry_id, "type": "button", "action_ts": "2"}]}

    await post_interaction(logged.client, click("U2", "t-bob"))
    await logged.bot.drain()
    assert len(await logged.entries()) == 1
    assert "Only the author" in json.dumps(logged.fake.responses[-1])
    await post_interaction(logged.client, click("U1", "t-ana"))
    await logged.bot.drain()
    assert await logged.entries() == []
    (update,) = logged.fake.of("chat.update")
    assert "Discarded" in update.args["text"]


async def test_several_projects_hold_the_dm_until_the_person_chooses(logged: SlackWorld) -> None:
    async def second(hub: NarratorHub) -> None:
        narrator = await hub.narrator("slack:T1", platform="slack")
        tracker = hub.trackers.for_uri(logged.settings.resolved_tracking_uri())
        await narrator.add_project(name="fraud", tracker=tracker, experiments=["churn-model"],
                                   primary_metric="val_auc", goal="max")

    await logged.db(second)
    event = message_event(text="tried xgb-d4 again with more trees, same auc", user="U2", channel="D2")
    await post_json(logged.client, event)
    await logged.bot.drain()
    assert len(await logged.entries()) == 1  # held, not yet an entry: private to its author
    question = logged.fake.posts()[-1].args
    buttons = [e for b in question["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {b["text"]["text"] for b in buttons} == {"churn", "fraud"}
    fraud = next(b for b in buttons if b["text"]["text"] == "fraud")
    click = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U2"}, "api_app_id": "A1",
             "trigger_id": "t-route", "container": {"type": "message", "message_ts": "9.9", "channel_id": "D2"},
             "channel": {"id": "D2"}, "message": {"ts": "9.9"},
             "actions": [{"action_id": fraud["action_id"], "value": fraud["value"], "type": "button",
                          "action_ts": "3"}]}
    await post_interaction(logged.client, click)
    await post_interaction(logged.client, {**click, "trigger_id": "t-route-again"})  # a double click
    await logged.bot.drain()
    entries = await logged.entries()
    assert len(entries) == 2
    assert entries[-1].raw_text == event["event"]["text"] and entries[-1].author == "bob"
    assert [u.args["ts"] for u in logged.fake.of("chat.update")] == ["9.9"]
