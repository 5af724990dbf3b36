"""Issue 11 point 11: a DM edited after it became an entry re-structures the entry (its history kept);
a DM deleted discards the entry and takes its lines out of the runs' notes in the tracker. Through the
real Bolt app, with ``message_changed`` / ``message_deleted`` events shaped as Slack sends them."""

from __future__ import annotations

import json

from mlflow.tracking import MlflowClient

from tests.bot.conftest import SlackWorld
from tests.bot.slack_fake import deleted_event, edited_event, message_event, post_interaction, post_json

FIRST = ("xgb-d4 beat logreg-baseline clearly, auc .803. SMOTE oversampling (xgb-smote) did not help, "
         "dropping smote.\nnext: tune max_depth on xgb")
EDITED = "xgb-d4 beat logreg-baseline clearly, auc .803 -> keeping xgb-d4.\nnext: tune max_depth on xgb"


def _note(slack: SlackWorld, run: str) -> str:
    return str(MlflowClient(tracking_uri=slack.store.uri).get_run(slack.runs[run]).data.tags.get(
        "mlflow.note.content", ""))


async def test_an_edited_dm_restructures_its_entry_and_keeps_the_history(slack: SlackWorld) -> None:
    original = message_event(text=FIRST)
    await post_json(slack.client, original)
    await slack.bot.drain()
    (entry,) = await slack.entries()
    assert entry.structure is not None
    assert slack.runs["smote"] in {r.run_id for r in entry.structure.runs}

    assert (await post_json(slack.client, edited_event(original, text=EDITED)))[0] == 200
    await slack.bot.drain()
    (entry,) = await slack.entries()
    assert entry.raw_text.startswith(FIRST)  # the history: the first version stays, verbatim
    assert entry.raw_text.endswith(EDITED) and "[edited" in entry.raw_text
    assert entry.status == "structured" and entry.structure is not None
    linked = {r.run_id for r in entry.structure.runs}
    assert slack.runs["xgb"] in linked and slack.runs["smote"] not in linked  # the new version only
    (update,) = slack.fake.of("chat.update")
    assert update.args["channel"] == "D1"
    rendered = json.dumps(update.args["blocks"], ensure_ascii=False)
    assert "&amp;gt;" not in rendered and "-&gt; keeping" in rendered, rendered  # encoded exactly once
    notes = [p.args for p in slack.fake.posts() if "edited message" in str(p.args.get("text"))]
    assert len(notes) == 1 and notes[0]["thread_ts"] == original["event"]["ts"]

    # Slack also sends message_changed when it adds a link preview: the words did not change.
    await post_json(slack.client, edited_event(original, text=EDITED))
    await slack.bot.drain()
    assert len(slack.fake.of("chat.update")) == 1
    (again,) = await slack.entries()
    assert again.raw_text == entry.raw_text


async def test_a_deleted_dm_discards_its_entry_and_its_run_notes(slack: SlackWorld) -> None:
    original = message_event(text=FIRST)
    await post_json(slack.client, original)
    await slack.bot.drain()
    (entry,) = await slack.entries()
    assert entry.id in _note(slack, "xgb") and entry.id in _note(slack, "smote")

    assert (await post_json(slack.client, deleted_event(original)))[0] == 200
    await slack.bot.drain()
    assert await slack.entries() == []
    assert entry.id not in _note(slack, "xgb") and entry.id not in _note(slack, "smote")
    tags = MlflowClient(tracking_uri=slack.store.uri).get_run(slack.runs["xgb"]).data.tags
    assert tags.get("coco.entry_id", "") != entry.id
    (update,) = slack.fake.of("chat.update")
    assert "discarded" in update.args["text"]


async def test_other_edits_and_deletions_change_nothing(slack: SlackWorld) -> None:
    original = message_event(text=FIRST)
    await post_json(slack.client, original)
    await slack.bot.drain()
    reply = message_event(text="also tried depth 6, same auc", thread_ts=original["event"]["ts"])
    await post_json(slack.client, reply)
    await slack.bot.drain()
    (before,) = await slack.entries()
    # A thread reply edited or deleted, and someone else's message of the same ts in another DM.
    await post_json(slack.client, deleted_event(reply))
    other = {**original, "event": {**original["event"], "channel": "D2", "user": "U2"}}
    await post_json(slack.client, deleted_event(other))
    await post_json(slack.client, edited_event(other, text="nothing"))
    await slack.bot.drain()
    (after,) = await slack.entries()
    assert after.id == before.id and after.raw_text == before.raw_text


async def test_a_held_note_takes_its_edit_and_goes_with_its_deletion(slack: SlackWorld) -> None:
    from bot.app import NarratorHub

    async def second(hub: NarratorHub) -> None:
        narrator = await hub.narrator("slack:T1", platform="slack")
        tracker = hub.trackers.for_uri(slack.settings.resolved_tracking_uri())
        await narrator.add_project(name="fraud", tracker=tracker, experiments=["churn-model"],
                                   primary_metric="val_auc", goal="max")

    await slack.db(second)
    kept, dropped = message_event(text="first draft about xgb-d4"), message_event(text="a note I take back")
    for event in (kept, dropped):
        await post_json(slack.client, event)
    await slack.bot.drain()
    await post_json(slack.client, edited_event(kept, text="xgb-d4 -> auc .803, final words"))
    await post_json(slack.client, deleted_event(dropped))
    await slack.bot.drain()
    routes = []
    for post in slack.fake.posts():
        for block in post.args["blocks"]:
            routes += [e for e in block.get("elements", []) if e.get("text", {}).get("text") == "churn"]
    assert len(routes) == 2
    for n, button in enumerate(routes):
        click = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U1"}, "api_app_id": "A1",
                 "trigger_id": f"t-route-{n}", "response_url": slack.fake.response_url(f"r{n}"),
                 "container": {"type": "message", "message_ts": f"9.{n}", "channel_id": "D1"},
                 "channel": {"id": "D1"}, "message": {"ts": f"9.{n}"},
                 "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button",
                              "action_ts": "3"}]}
        await post_interaction(slack.client, click)
        await slack.bot.drain()
    (entry,) = await slack.entries()
    assert entry.raw_text == "xgb-d4 -> auc .803, final words"
