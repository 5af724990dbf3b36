"""The platform-neutral conversation, without any platform: routing, commands, people, threads; and
the Slack renderer's limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import render_slack
from bot.app import NarratorHub, open_hub
from bot.conversation import Conversation
from bot.intents import looks_like_correction, looks_like_plan, looks_like_question
from bot.messages import InboundMessage, Reply
from bot.settings import Settings
from bot.surfaces.commands import help_reply
from narrative.service import LogOutcome
from narrative.types import PhaseReport
from storage.records import Conclusion, EntryRecord, EntryStructure, LinkedRun
from tests.conftest import MlflowStore, RunSpec

WS = "slack:T1"


@pytest.fixture
async def hub(tmp_path: Path, mlflow_store: MlflowStore) -> AsyncIterator[NarratorHub]:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    mlflow_store.add(RunSpec("xgb-d4", "ana.lopez", start, metrics={"val_auc": 0.803}))
    mlflow_store.add(RunSpec("rf-bob", "bob", start, metrics={"val_auc": 0.79}))
    settings = Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'coco.db'}",
                        mlflow_tracking_uri=mlflow_store.uri, engine="local")
    async with open_hub(settings) as opened:
        narrator = await opened.narrator(WS, platform="slack")
        await narrator.add_project(name="churn", tracker=opened.trackers.for_uri(mlflow_store.uri),
                                   experiments=["churn-model"], primary_metric="val_auc", goal="max", channels=["C1"])
        await narrator.sync_runs(await narrator.project("churn"))
        yield opened


def dm(text: str, **extra: object) -> InboundMessage:
    fields: dict[str, object] = {"workspace_key": WS, "platform": "slack", "user_id": "U1", "channel_id": "D1",
                                 "message_id": f"{dt.datetime.now(dt.UTC).timestamp():.6f}", "text": text}
    fields.update(extra)
    return InboundMessage(**fields)  # type: ignore[arg-type]


def test_intent_heuristics() -> None:
    assert looks_like_plan("Tomorrow I'll try focal loss") and looks_like_plan("thinking of SMOTE again")
    assert not looks_like_plan("SMOTE did not help")
    assert looks_like_correction("actually that was lr 1e-4") and looks_like_correction("it should be depth 6")
    assert not looks_like_correction("great results today")
    assert looks_like_question("why did we abandon xlnet?") and looks_like_question("which run is best")
    assert not looks_like_question("ran xgb today, auc .80")


async def test_unknown_and_empty_commands_answer_with_help(hub: NarratorHub) -> None:
    conversation = Conversation(hub)
    for args in ("", "what is this", "help"):
        (reply,) = await conversation.handle(dm("", kind="command", command_args=args))
        assert reply.kind == "help" and reply.target == "ephemeral"


async def test_duplicate_event_ids_do_nothing(hub: NarratorHub) -> None:
    conversation = Conversation(hub)
    message = dm("ran xgb-d4 today, auc .803. next: depth 6", event_id="Ev1", user_email="ana.lopez@example.com")
    first = await conversation.handle(message)
    assert [r.kind for r in first] == ["entry"]
    assert await conversation.handle(message) == []


async def test_people_map_to_tracker_users(hub: NarratorHub) -> None:
    conversation = Conversation(hub)
    (reply,) = await conversation.handle(dm("ran xgb-d4, auc .803", user_email="Ana.Lopez@example.com"))
    assert isinstance(reply.payload, LogOutcome) and reply.payload.entry.author == "ana.lopez"
    (reply,) = await conversation.handle(dm("", kind="command", command_args="me bob"))
    assert "bob" in reply.text
    (reply,) = await conversation.handle(dm("rf-bob looked fine", user_email="ana.lopez@example.com"))
    assert isinstance(reply.payload, LogOutcome)
    assert reply.payload.entry.author == "bob"  # said explicitly: wins over the e-mail


async def test_link_refused_outside_a_channel_and_phase_since(hub: NarratorHub) -> None:
    conversation = Conversation(hub)
    (reply,) = await conversation.handle(dm("", kind="command", command_args="link churn --mlflow-experiment x"))
    assert reply.kind == "error" and "channel" in reply.text
    (reply,) = await conversation.handle(dm("", kind="command", command_args="phase 2w", channel_id="C1",
                                            channel_kind="channel"))
    assert reply.kind == "phase" and isinstance(reply.payload, PhaseReport) and reply.payload.since is not None
    em_dash = "link churn \u2014mlflow-experiment churn-model"
    (reply,) = await conversation.handle(dm("", kind="command", command_args=em_dash, channel_id="C5",
                                            channel_kind="channel"))
    assert reply.kind == "notice" and reply.target == "channel"  # Slack's em dash read back as "--"


def _long_entry_reply() -> Reply:
    runs = [LinkedRun(run_id=f"{i:032x}", run_name=f"run-{i}", how="name", metrics={"auc": 0.5 + i / 1000},
                      url=f"http://mlflow/#/experiments/1/runs/{i:032x}") for i in range(40)]
    structure = EntryStructure(
        title="T" * 400, hypotheses=["h <b>&" * 200] * 30, runs=runs, observations=["o" * 2900] * 30,
        conclusions=[Conclusion(text="c" * 100, verdict="worked")] * 30, next_steps=["n"] * 30,
        open_questions=["q?"] * 30,
    )
    entry = EntryRecord(id="e1", workspace_id="w", project_id="p", author="ana", at=dt.datetime.now(dt.UTC),
                        raw_text="x", status="structured", structure=structure)
    return Reply(kind="entry", text="x", payload=LogOutcome(entry=entry), project="churn", feeds_channels=["C1"],
                 actions=help_reply(target="thread").actions)


def test_slack_blocks_respect_block_kit_limits() -> None:
    blocks = render_slack.blocks_for(_long_entry_reply())
    assert len(blocks) <= render_slack.MAX_BLOCKS
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= render_slack.MAX_TEXT
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= render_slack.MAX_HEADER
    text = str(blocks)
    assert "<b>" not in text and "&lt;b&gt;" in text  # a person's text cannot inject links or mentions
    assert "more block(s) not shown" in text


def test_a_fallback_notice_is_shown_first_in_slack() -> None:
    from bot.messages import Reply
    from narrative.types import Answer

    answer = Answer(answer="Deeper trees overfit.", notices=["Claude was unavailable; the local engine answered."])
    blocks = render_slack.blocks_for(Reply(kind="answer", text=answer.answer, payload=answer))
    assert blocks[0]["type"] == "context"
    assert "Claude was unavailable" in blocks[0]["elements"][0]["text"]
    quiet = render_slack.blocks_for(Reply(kind="answer", text="x", payload=Answer(answer="x")))
    assert "Claude was unavailable" not in str(quiet)
