"""The real Bolt app over HTTP, requests signed as Slack signs them, against a fake Slack Web API."""

from __future__ import annotations

import json
import time

from bot.slack_text import from_slack
from tests.bot.conftest import SlackWorld
from tests.bot.slack_fake import BOT_TOKEN, message_event, post_json

DUMP = ("End of day. xgb-d4 beat logreg-baseline clearly. SMOTE oversampling (xgb-smote) did not help, "
        "worse auc, dropping smote.\nnext: tune max_depth on xgb\nq: is the split time-based?")


def blocks_text(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def test_dm_brain_dump_yields_one_entry_and_one_threaded_reply_with_run_links(slack: SlackWorld) -> None:
    event = message_event(text=DUMP)
    status, _, elapsed = await post_json(slack.client, event)
    assert status == 200
    assert elapsed < 1.0  # acked before the work
    await slack.bot.drain()
    entries = await slack.entries()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.raw_text == DUMP and entry.source == "dm"
    assert entry.author == "ana"  # e-mail local part matched against the tracker's users
    posts = slack.fake.posts()
    assert len(posts) == 1
    post = posts[0].args
    assert post["channel"] == "D1" and post["thread_ts"] == event["event"]["ts"]
    assert posts[0].args["_token"] == BOT_TOKEN
    rendered = blocks_text(post["blocks"])
    for key in ("xgb", "base", "smote"):
        run_id = slack.runs[key]
        assert f"#/experiments/{slack.store.experiment_id}/runs/{run_id}|" in rendered
    assert slack.runs["bob"] not in rendered  # bob's run, same window, never named
    assert "coco_edit" in rendered and "coco_discard" in rendered
    assert "<#C1>" in rendered  # which channel the entry feeds
    assert "❌" in rendered
    assert len(post["blocks"]) <= 50


def test_slack_markup_becomes_plain_text() -> None:
    assert from_slack("<@UCOCO> which run is best?", bot_user="UCOCO") == "which run is best?"
    assert from_slack("<@U2|bob> and I reran xgb-d4 <@UCOCO>", bot_user="UCOCO") == "@bob and I reran xgb-d4"
    assert from_slack("<@U2> too", names={"U2": "Bob"}) == "@Bob too"
    assert from_slack("see <#C1|ml-churn> and <#C2>") == "see #ml-churn and #C2"
    assert from_slack("<!channel> <!subteam^S1|@ml> <!date^1392734382^{date}|Feb 18, 2014>") == \
        "@channel @ml Feb 18, 2014"
    assert from_slack("run <http://mlflow:5000/#/runs/abc|abc> and <https://x.io/a?b=1&amp;c=2>") == \
        "run abc (http://mlflow:5000/#/runs/abc) and https://x.io/a?b=1&c=2"
    assert from_slack("<mailto:ana@x.io|ana@x.io> -&gt; auc .781 &amp;&amp; lr &lt; 1e-3") == \
        "ana@x.io -> auc .781 && lr < 1e-3"
    assert from_slack("&amp;lt; stays an entity someone typed") == "&lt; stays an entity someone typed"


async def test_the_conversation_gets_plain_text_without_cocos_mention(slack: SlackWorld) -> None:
    await post_json(slack.client, message_event(text=f"<@U2|bob> {DUMP} <@UCOCO>"))
    await slack.bot.drain()
    (entry,) = await slack.entries()
    assert entry.raw_text == f"@bob {DUMP}"


async def test_retried_and_duplicate_events_create_nothing_new(slack: SlackWorld) -> None:
    event = message_event(text=DUMP)
    assert (await post_json(slack.client, event))[0] == 200
    await slack.bot.drain()
    for retry in (1, 2):
        status, _, _ = await post_json(slack.client, event, retry=retry)
        assert status == 200
    # A duplicate delivery without the retry header (two replicas, a replayed request) too.
    assert (await post_json(slack.client, event))[0] == 200
    await slack.bot.drain()
    assert len(await slack.entries()) == 1
    assert len(slack.fake.posts()) == 1


async def test_bad_signature_and_stale_timestamp_are_refused(slack: SlackWorld) -> None:
    event = message_event(text=DUMP)
    status, _, _ = await post_json(slack.client, event, secret="not-the-secret")
    assert status == 401
    status, _, _ = await post_json(slack.client, event, timestamp=int(time.time()) - 600)
    assert status == 401
    response = await slack.client.post("/slack/events", data=json.dumps(event).encode(),
                                       headers={"Content-Type": "application/json"})
    assert response.status == 401
    await slack.bot.drain()
    assert await slack.entries() == []
    assert slack.fake.posts() == []


async def test_url_verification_challenge(slack: SlackWorld) -> None:
    status, text, _ = await post_json(slack.client, {"type": "url_verification", "challenge": "abc123",
                                                     "token": "legacy"})
    assert status == 200 and "abc123" in text


async def test_thread_question_is_answered_with_citations(slack: SlackWorld) -> None:
    root = message_event(text=DUMP)
    await post_json(slack.client, root)
    await slack.bot.drain()
    question = message_event(text="why did we drop smote?", thread_ts=root["event"]["ts"])
    await post_json(slack.client, question)
    await slack.bot.drain()
    posts = slack.fake.posts()
    assert len(posts) == 2
    answer = posts[1].args
    assert answer["thread_ts"] == root["event"]["ts"]
    rendered = blocks_text(answer["blocks"])
    assert "Sources" in rendered
    assert f"runs/{slack.runs['smote']}|" in rendered  # the run cited, linked to the tracker
    assert "smote" in answer["text"].lower()
    assert len(await slack.entries()) == 1  # a question is not an entry


async def test_thread_correction_updates_the_entry_and_keeps_the_original(slack: SlackWorld) -> None:
    root = message_event(text="tried lr 1e-3 on xgb-d4, auc .803. next: longer training")
    await post_json(slack.client, root)
    await slack.bot.drain()
    first_reply_ts = slack.fake.posts()[0]
    fix = message_event(text="actually that was lr 1e-4", thread_ts=root["event"]["ts"])
    await post_json(slack.client, fix)
    await slack.bot.drain()
    (entry,) = await slack.entries()
    assert entry.raw_text.startswith("tried lr 1e-3 on xgb-d4")
    assert entry.raw_text.endswith("actually that was lr 1e-4")
    assert entry.status == "structured"
    updates = slack.fake.of("chat.update")
    assert len(updates) == 1
    assert updates[0].args["channel"] == "D1"
    assert updates[0].args["ts"]  # the entry's message, updated in place
    assert first_reply_ts.args["thread_ts"] == root["event"]["ts"]


async def test_mention_in_a_linked_channel_is_answered_in_thread(slack: SlackWorld) -> None:
    await post_json(slack.client, message_event(text=DUMP))
    await slack.bot.drain()
    mention = message_event(text="<@UCOCO> which run is best?", channel="C1", channel_type="channel",
                            kind="app_mention")
    await post_json(slack.client, mention)
    # The same message also arrives as a channel message event: it must not be answered twice.
    echo = message_event(text="<@UCOCO> which run is best?", channel="C1", channel_type="channel",
                         ts=mention["event"]["ts"])
    await post_json(slack.client, echo)
    await slack.bot.drain()
    posts = [p for p in slack.fake.posts() if p.args["channel"] == "C1"]
    assert len(posts) == 1
    assert posts[0].args["thread_ts"] == mention["event"]["ts"]


async def test_workspaces_are_isolated(slack: SlackWorld) -> None:
    await post_json(slack.client, message_event(text=DUMP))
    await slack.bot.drain()
    other = message_event(text="why did we drop smote?", team="T2", channel="D9", user="U1")
    await post_json(slack.client, other)
    await slack.bot.drain()
    reply = slack.fake.posts()[-1].args
    assert reply["channel"] == "D9"
    assert "smote" not in blocks_text(reply["blocks"]).lower() or "project" in reply["text"].lower()
    assert await slack.entries(team="T2") == []


async def test_app_home_lists_my_entries_questions_and_projects(slack: SlackWorld) -> None:
    await post_json(slack.client, message_event(text=DUMP))
    await slack.bot.drain()
    home = {"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": "EvHome1",
            "event_time": int(time.time()), "event": {"type": "app_home_opened", "user": "U1", "channel": "D1",
                                                      "tab": "home", "event_ts": f"{time.time():.6f}"}}
    assert (await post_json(slack.client, home))[0] == 200
    await slack.bot.drain()
    (published,) = slack.fake.of("views.publish")
    assert published.args["user_id"] == "U1"
    rendered = blocks_text(published.args["view"]["blocks"])
    assert "My recent entries" in rendered and "My open questions" in rendered and "churn" in rendered
    assert "split time-based" in rendered
