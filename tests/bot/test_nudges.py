"""The end-of-day nudge (issue 15) through the real Bolt app, the fake Slack Web API and a real MLflow
store: once per person per day at their local time, with the day's runs and three buttons; none
without runs, once logged, or when opted out; "Log it" files an entry linked to the runs; "Snooze a
week" holds; a restart or a second replica at the nudge minute does not send twice; a reply to the
nudge links "the second one" to the second listed run. Time is the scheduler's ``now``."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app import NarratorHub
from bot.slack_app import SlackBot
from bot.surfaces.context import TrackerUsers, WorkspaceSteps
from narrative import today
from tests.bot.conftest import SlackWorld, add_project, open_world
from tests.bot.slack_fake import (
    TEAM,
    FakeSlack,
    command_form,
    message_event,
    post_form,
    post_interaction,
    post_json,
)
from tests.conftest import MlflowStore, RunSpec

BERLIN, TOKYO, NEW_YORK = "Europe/Berlin", "Asia/Tokyo", "America/New_York"


def day_of(tz: str) -> dt.date:
    """Yesterday where the person lives: a whole local day in the past, whatever time the test runs."""
    return dt.datetime.now(ZoneInfo(tz)).date() - dt.timedelta(days=1)


def local(tz: str, day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


def day_runs(store: MlflowStore, user: str, tz: str, day: dt.date) -> list[str]:
    """Three runs of ``user`` that local day; the second one (in time) failed."""
    return [
        store.add(RunSpec(f"{user}-lr3e4", user, local(tz, day, 9), params={"lr": "3e-4", "model": "gru"},
                          metrics={"val_auc": 0.781})),
        store.add(RunSpec(f"{user}-lr1e2", user, local(tz, day, 10, 30), status="FAILED",
                          params={"lr": "1e-2", "model": "gru"}, metrics={"val_auc": 0.502})),
        store.add(RunSpec(f"{user}-lr1e4", user, local(tz, day, 13), params={"lr": "1e-4", "model": "gru"},
                          metrics={"val_auc": 0.774})),
    ]


@dataclass
class Nudges:
    world: SlackWorld
    ana: list[str]
    kenji: list[str]
    ana_day: dt.date
    kenji_day: dt.date

    @property
    def fake(self) -> FakeSlack:
        return self.world.fake

    async def opt_in(self, user: str, text: str = "nudge on") -> str:
        before = len(self.fake.responses)
        status, body, _ = await post_form(self.world.client, command_form(text=text, fake=self.fake, user=user,
                                                                          channel=f"D{user[1:]}"))
        assert status == 200, body
        await self.world.bot.drain()
        return json.dumps(self.fake.responses[before:], ensure_ascii=False)

    async def run(self, now: dt.datetime, bot: SlackBot | None = None) -> list[str]:
        return await (bot or self.world.bot).runtime.run_nudges(now=now)

    def nudges(self, user: str | None = None) -> list[dict[str, Any]]:
        return [c.args for c in self.fake.posts() if str(c.args.get("text", "")).startswith("End of day")
                and (user is None or c.args["channel"] == user)]

    async def click(self, action: str, user: str, nudge: dict[str, Any], *, trigger: str) -> None:
        button = next(e for b in nudge["blocks"] if b["type"] == "actions" for e in b["elements"]
                      if e["action_id"] == action)
        channel = self.fake.dm_channels.get(nudge["channel"], nudge["channel"])  # where the nudge is
        ts = self.fake.messages[channel][-1]["ts"]
        payload = {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": user}, "api_app_id": "A1",
                   "trigger_id": trigger, "response_url": self.fake.response_url(trigger),
                   "container": {"type": "message", "message_ts": ts, "channel_id": channel},
                   "channel": {"id": channel}, "message": {"ts": ts},
                   "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button",
                                "action_ts": "1.1"}]}
        status, _, _ = await post_interaction(self.world.client, payload)
        assert status == 200
        await self.world.bot.drain()


PEOPLE = {
    "U1": {"name": "ana.s", "email": "ana@example.com", "display_name": "Ana", "tz": BERLIN},
    "U2": {"name": "bob", "email": "bob@example.com", "display_name": "Bob", "tz": NEW_YORK},
    "U3": {"name": "kenji", "email": "kenji@example.com", "display_name": "Kenji", "tz": TOKYO},
    "U4": {"name": "ops", "email": "ops@example.com", "display_name": "Ops", "tz": BERLIN, "is_admin": "true"},
}


@asynccontextmanager
async def nudge_world(tmp_path: Path, store: MlflowStore, **extra: Any) -> AsyncIterator[Nudges]:
    fake = FakeSlack(people={k: dict(v) for k, v in PEOPLE.items()},
                     dm_channels={"U1": "D1", "U2": "D2", "U3": "D3", "U4": "D4"})
    await fake.start()
    ana_day, kenji_day = day_of(BERLIN), day_of(TOKYO)
    ana = day_runs(store, "ana", BERLIN, ana_day)
    kenji = day_runs(store, "kenji", TOKYO, kenji_day)
    # An older run of ana's (two days before) is not part of her day.
    store.add(RunSpec("ana-old", "ana", local(BERLIN, ana_day - dt.timedelta(days=2), 11),
                      params={"lr": "1e-3", "model": "gru"}, metrics={"val_auc": 0.7}))
    bot, client, settings = await open_world(tmp_path, store, fake, {}, **extra)
    await add_project(bot, settings)
    world = SlackWorld(fake=fake, bot=bot, client=client, settings=settings, runs={}, store=store)
    try:
        yield Nudges(world=world, ana=ana, kenji=kenji, ana_day=ana_day, kenji_day=kenji_day)
    finally:
        await client.close()
        await world.bot.stop()
        await fake.close()


@pytest.fixture
async def nudges(tmp_path: Path, mlflow_store: MlflowStore) -> AsyncIterator[Nudges]:
    async with nudge_world(tmp_path, mlflow_store) as found:
        yield found


def texts(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def test_one_nudge_at_each_person_s_local_time_with_the_table_and_buttons(nudges: Nudges) -> None:
    said = await nudges.opt_in("U1")
    assert "17:30 (Europe/Berlin)" in said and "mon-fri" in said
    await nudges.opt_in("U3", "nudge on days every day")
    await nudges.opt_in("U1", "nudge days every day")
    tokyo_due = local(TOKYO, nudges.kenji_day, 17, 30)
    assert await nudges.run(tokyo_due - dt.timedelta(minutes=1)) == []
    assert nudges.nudges() == []
    done = await nudges.run(tokyo_due + dt.timedelta(seconds=5))
    assert any(line.startswith("sent U3") for line in done), done
    (kenji,) = nudges.nudges()
    assert kenji["channel"] == "U3"
    body = texts(kenji["blocks"])
    assert "End of day: 3 runs of yours today" in body
    assert "val_auc" in body and "lr" in body and "model" not in body.split("```")[1]  # only params that differ
    table = body.split("```")[1]
    assert table.index("kenji-lr1e2") < table.index("kenji-lr3e4") < table.index("kenji-lr1e4")  # FAILED first
    assert "FAILED" in table and "0.502" in table
    for prompt in today.PROMPTS:
        assert prompt in body
    buttons = [e["text"]["text"] for b in kenji["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Log it", "Not today", "Snooze a week"]
    # The same minute again, and later that evening: nothing more.
    assert not [line for line in await nudges.run(tokyo_due + dt.timedelta(seconds=40)) if "sent" in line]
    await nudges.run(tokyo_due + dt.timedelta(hours=2))
    assert len(nudges.nudges()) == 1
    # Berlin's 17:30 is eight hours later: ana's nudge then, with her runs only.
    berlin_due = local(BERLIN, nudges.ana_day, 17, 30)
    assert not nudges.nudges("U1")
    await nudges.run(berlin_due - dt.timedelta(minutes=1))
    assert not nudges.nudges("U1")
    await nudges.run(berlin_due)
    (ana,) = nudges.nudges("U1")
    assert "ana-lr1e2" in texts(ana["blocks"]) and "kenji" not in texts(ana["blocks"])
    assert "ana-old" not in texts(ana["blocks"])
    assert len(nudges.nudges()) == 2


async def test_no_nudge_without_runs_once_logged_or_when_opted_out(nudges: Nudges) -> None:
    await nudges.opt_in("U2")  # bob: no runs at all
    await nudges.opt_in("U1", "nudge on days every day")
    await nudges.opt_in("U3", "nudge on days every day")
    await nudges.opt_in("U3", "nudge off")

    async def log_for_ana(hub: NarratorHub) -> None:
        narrator = await hub.narrator(f"slack:{TEAM}", platform="slack")
        await narrator.log(project="churn", text="lr sweep on the gru; the big lr failed", author="ana",
                           at=local(BERLIN, nudges.ana_day, 14), source="dm")

    await nudges.world.db(log_for_ana)
    for tz, day in ((NEW_YORK, day_of(NEW_YORK)), (BERLIN, nudges.ana_day), (TOKYO, nudges.kenji_day)):
        done = await nudges.run(local(tz, day, 17, 31))
        assert not [line for line in done if line.startswith("sent")], done
    assert nudges.nudges() == []
    done = await nudges.run(local(NEW_YORK, day_of(NEW_YORK), 17, 45))
    assert nudges.nudges() == []


async def test_no_nudge_while_the_status_says_away_or_for_an_unknown_tracker_user(nudges: Nudges) -> None:
    nudges.fake.people["U1"].update(status_text="On holiday until Monday", status_emoji=":palm_tree:")
    nudges.fake.people["U3"]["email"] = "k.tanaka@example.com"  # matches no tracker user: never guessed
    nudges.fake.people["U3"]["display_name"] = "K T"
    await nudges.opt_in("U1", "nudge on days every day")
    said = await nudges.opt_in("U3", "nudge on days every day")
    assert "/coco me" in said
    away = await nudges.run(local(BERLIN, nudges.ana_day, 17, 30))
    unknown = await nudges.run(local(TOKYO, nudges.kenji_day, 17, 30))
    assert nudges.nudges() == []
    assert any("away" in line for line in away) and any("unknown" in line for line in unknown)
    # App Home tells the unknown person how to connect.
    await post_json(nudges.world.client, {"token": "legacy", "team_id": TEAM, "api_app_id": "A1",
                                          "type": "event_callback", "event_id": "EvHome3", "event_time": 1,
                                          "event": {"type": "app_home_opened", "user": "U3", "tab": "home"}})
    await nudges.world.bot.drain()
    home = texts(nudges.fake.of("views.publish")[-1].args["view"]["blocks"])
    assert "End-of-day nudge" in home and "/coco me TRACKER_USER" in home


async def test_log_it_opens_the_filled_modal_and_files_an_entry_linked_to_the_runs(nudges: Nudges) -> None:
    await nudges.opt_in("U1", "nudge on days every day")
    await nudges.run(local(BERLIN, nudges.ana_day, 17, 30))
    (nudge,) = nudges.nudges("U1")
    await nudges.click("coco_nudge_log", "U2", nudge, trigger="t-bob")  # not bob's nudge
    assert nudges.fake.of("views.open") == []
    assert "Only the person" in json.dumps(nudges.fake.responses[-1])
    await nudges.click("coco_nudge_log", "U1", nudge, trigger="t-ana")
    (opened,) = nudges.fake.of("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "coco_nudge_form"
    tried = next(b for b in view["blocks"] if b["block_id"] == "tried")
    filled = tried["element"]["initial_value"]
    for run_id in nudges.ana:
        assert run_id[:8] in filled
    assert filled.index("ana-lr1e2") < filled.index("ana-lr3e4")
    submission = {
        "type": "view_submission", "team": {"id": TEAM}, "user": {"id": "U1"}, "api_app_id": "A1",
        "view": {"type": "modal", "id": "VN1", "hash": "h1", "callback_id": "coco_nudge_form",
                 "private_metadata": view["private_metadata"],
                 "state": {"values": {
                     "tried": {"value": {"type": "plain_text_input", "value": filled + "\nlr sweep on the gru"}},
                     "not_worked": {"value": {"type": "plain_text_input", "value": "lr 1e-2 blew up"}},
                     "next": {"value": {"type": "plain_text_input", "value": "try 2e-4 with warmup"}}}}},
    }
    forged = {**submission, "user": {"id": "U2"}, "view": {**submission["view"], "id": "VN0"}}
    await post_interaction(nudges.world.client, forged)
    await nudges.world.bot.drain()
    assert await nudges.world.entries() == []
    status, _, _ = await post_interaction(nudges.world.client, submission)
    assert status == 200
    await nudges.world.bot.drain()
    (entry,) = await nudges.world.entries()
    assert entry.author == "ana" and entry.source == "dm"
    assert set(entry.run_ids) == set(nudges.ana)
    assert "lr 1e-2 blew up" in entry.raw_text and "try 2e-4 with warmup" in entry.raw_text
    (update,) = nudges.fake.of("chat.update")
    assert "Logged as entry" in update.args["text"]
    # Logged today: no second nudge however often the pass runs.
    await nudges.run(local(BERLIN, nudges.ana_day, 18))
    assert len(nudges.nudges("U1")) == 1


async def test_snooze_a_week_holds_then_nudges_come_back(nudges: Nudges) -> None:
    await nudges.opt_in("U1", "nudge on days every day")
    await nudges.run(local(BERLIN, nudges.ana_day, 17, 30))
    (nudge,) = nudges.nudges("U1")
    await nudges.click("coco_nudge_snooze", "U1", nudge, trigger="t-snooze")
    (update,) = nudges.fake.of("chat.update")
    assert "Snoozed" in update.args["text"]
    for later in (1, 3, 6):
        day = nudges.ana_day + dt.timedelta(days=later)
        day_runs(nudges.world.store, "ana", BERLIN, day)
        await nudges.run(local(BERLIN, day, 17, 30))
    assert len(nudges.nudges("U1")) == 1
    back = nudges.ana_day + dt.timedelta(days=9)
    day_runs(nudges.world.store, "ana", BERLIN, back)
    await nudges.run(local(BERLIN, back, 17, 30))
    assert len(nudges.nudges("U1")) == 2


async def test_not_today_says_so_and_the_app_home_switch_turns_nudges_off(nudges: Nudges) -> None:
    await nudges.opt_in("U1", "nudge on days every day")
    await nudges.run(local(BERLIN, nudges.ana_day, 17, 30))
    (nudge,) = nudges.nudges("U1")
    await nudges.click("coco_nudge_skip", "U1", nudge, trigger="t-skip")
    assert "Not today" in nudges.fake.of("chat.update")[-1].args["text"]
    await post_json(nudges.world.client, {"token": "legacy", "team_id": TEAM, "api_app_id": "A1",
                                          "type": "event_callback", "event_id": "EvHome1", "event_time": 1,
                                          "event": {"type": "app_home_opened", "user": "U1", "tab": "home"}})
    await nudges.world.bot.drain()
    home = nudges.fake.of("views.publish")[-1].args["view"]
    shown = texts(home["blocks"])
    assert "End-of-day nudge" in shown and "*On*" in shown and "Europe/Berlin" in shown
    switch = next(e for b in home["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"].startswith("coco_nudge_"))
    assert switch["action_id"] == "coco_nudge_off"
    click = {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": "U1"}, "api_app_id": "A1",
             "trigger_id": "t-home", "view": {"id": "VH", "type": "home"},
             "actions": [{"action_id": "coco_nudge_off", "value": switch["value"], "type": "button",
                          "action_ts": "3.3"}]}
    assert (await post_interaction(nudges.world.client, click))[0] == 200
    await nudges.world.bot.drain()
    assert "*Off*" in texts(nudges.fake.of("views.publish")[-1].args["view"]["blocks"])
    next_day = nudges.ana_day + dt.timedelta(days=1)
    day_runs(nudges.world.store, "ana", BERLIN, next_day)
    await nudges.run(local(BERLIN, next_day, 17, 30))
    assert len(nudges.nudges("U1")) == 1


async def test_an_admin_switches_nudges_off_for_everyone(nudges: Nudges) -> None:
    said = await nudges.opt_in("U1", "nudge at 6 pm days mon,wed")
    assert "off for you (mon, wed at 18:00, Europe/Berlin" in said, said
    assert "I did not understand 'soon'" in await nudges.opt_in("U1", "nudge soon")
    assert "18:00" in await nudges.opt_in("U1", "nudge")
    await nudges.opt_in("U1", "nudge on days every day")
    assert "Only a workspace admin" in await nudges.opt_in("U1", "nudge everyone off")
    assert "off for everyone" in await nudges.opt_in("U4", "nudge everyone off")
    await nudges.run(local(BERLIN, nudges.ana_day, 17, 30))
    assert nudges.nudges() == []


async def test_a_restart_or_a_second_replica_at_the_nudge_minute_does_not_send_twice(
    nudges: Nudges, tmp_path: Path
) -> None:
    await nudges.opt_in("U1", "nudge on days every day")
    due = local(BERLIN, nudges.ana_day, 17, 30)
    await nudges.run(due)
    assert len(nudges.nudges("U1")) == 1
    # The bot restarts within the same minute: a new process over the same store.
    world = nudges.world
    await world.bot.stop()
    restarted, client, _ = await open_world(tmp_path, world.store, nudges.fake, {})
    world.bot = restarted  # the fixture stops it
    await client.close()
    replica, client2, _ = await open_world(tmp_path, world.store, nudges.fake, {})
    try:
        await asyncio.gather(nudges.run(due + dt.timedelta(seconds=20), restarted),
                             nudges.run(due + dt.timedelta(seconds=20), replica))
        await nudges.run(due + dt.timedelta(minutes=5), restarted)
        assert len(nudges.nudges("U1")) == 1
    finally:
        await client2.close()
        await replica.stop()


async def test_two_replicas_send_a_first_nudge_once(tmp_path: Path, mlflow_store: MlflowStore,
                                                     db_url: str) -> None:
    """On SQLite and on PostgreSQL (row locks): two bots over one store, polling the same minute."""
    async with nudge_world(tmp_path, mlflow_store, database_url=db_url) as nudges:
        await nudges.opt_in("U1", "nudge on days every day")
        replica, client, _ = await open_world(tmp_path, mlflow_store, nudges.fake, {}, database_url=db_url)
        try:
            due = local(BERLIN, nudges.ana_day, 17, 30, 10)
            for _ in range(2):
                await asyncio.gather(nudges.run(due), nudges.run(due, replica))
            assert len(nudges.nudges("U1")) == 1
        finally:
            await client.close()
            await replica.stop()


async def test_a_reply_to_the_nudge_links_the_run_it_names_by_its_position(nudges: Nudges) -> None:
    await nudges.opt_in("U1", "nudge on days every day")
    await nudges.run(local(BERLIN, nudges.ana_day, 17, 30))
    (nudge,) = nudges.nudges("U1")
    table = texts(nudge["blocks"]).split("```")[1]
    order = sorted(nudges.ana, key=lambda rid: table.index(_name_of(nudges, rid)))
    status, _, _ = await post_json(nudges.world.client, message_event(
        text="the second one diverged at step 4k, the other two are fine", user="U1", channel="D1"))
    assert status == 200
    await nudges.world.bot.drain()
    (entry,) = await nudges.world.entries()
    assert entry.structure is not None
    second = order[1]
    assert second in entry.run_ids
    failed = [c for c in entry.structure.conclusions if c.verdict == "did_not_work"]
    assert failed and any(second in c.run_ids for c in failed), entry.structure.conclusions
    assert all(set(c.run_ids) == {second} for c in failed), entry.structure.conclusions


async def test_the_reply_to_a_nudge_goes_to_the_nudge_s_project_with_several_projects(nudges: Nudges) -> None:
    await add_project(nudges.world.bot, nudges.world.settings, name="fraud", channels=("C9",))
    await nudges.opt_in("U1", "nudge on days every day")
    await nudges.run(local(BERLIN, nudges.ana_day, 17, 30))
    assert len(nudges.nudges("U1")) == 1
    await post_json(nudges.world.client, message_event(text="the last one was the keeper, it converged nicely",
                                                       user="U1", channel="D1"))
    await nudges.world.bot.drain()
    (entry,) = await nudges.world.entries()  # filed, not held for a project choice

    async def project_name(hub: NarratorHub) -> str:
        narrator = await hub.narrator(f"slack:{TEAM}", platform="slack")
        return (await narrator.project_by_id(entry.project_id)).name

    assert await nudges.world.db(project_name) == "churn"
    assert nudges.ana[2] in entry.run_ids  # the last listed (FAILED first, then by start): ana-lr1e4


def _name_of(nudges: Nudges, run_id: str) -> str:
    return ["ana-lr3e4", "ana-lr1e2", "ana-lr1e4"][nudges.ana.index(run_id)]


async def test_steps_identity_is_known_only_from_me_or_a_matching_tracker_user(nudges: Nudges) -> None:
    from bot.nudges import identity

    async def check(hub: NarratorHub) -> None:
        narrator = await hub.narrator(f"slack:{TEAM}", platform="slack")
        for project in await narrator.projects():
            await narrator.sync_runs(project, force=True)
        steps = WorkspaceSteps(hub=hub, narrator=narrator, tracker_users=TrackerUsers())
        ana = await narrator.meet("U1", name="Ana", email="ana@example.com")
        stranger = await narrator.meet("U9", name="Zed", email="zed@example.com")
        assert await identity(steps, ana) == "ana"
        assert await identity(steps, stranger) is None
        assert await identity(steps, await narrator.set_tracker_user(stranger, "kenji")) == "kenji"

    await nudges.world.db(check)
