"""The end-of-day nudge in a Teams personal chat (issue 15), through the same neutral logic as Slack:
sent once at the person's time to the personal chat COCO stored, as a card with the day's runs and
the three buttons; the person's reply there links "the second one". Real SDK hosting, the fake
Entra and Bot Connector, real SQLite and MLflow."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.teams.app import TeamsBot
from narrative import today
from tests.bot.teams.conftest import ANA, PERSONAL, TENANT, activity
from tests.bot.teams.connector_fake import FakeConnector
from tests.bot.teams.entra_fake import FakeMicrosoft
from tests.bot.teams.test_teams_digest import _send, _settings
from tests.conftest import MlflowStore, RunSpec


async def test_a_nudge_in_the_personal_chat_once_and_the_reply_links_the_second_run(
        tmp_path: Path, mlflow_store: MlflowStore, monkeypatch: pytest.MonkeyPatch) -> None:
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)

    def at(hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)

    ids = [mlflow_store.add(RunSpec("ana-a", "ana", at(9), params={"lr": "3e-4"}, metrics={"val_auc": 0.78})),
           mlflow_store.add(RunSpec("ana-b", "ana", at(10), params={"lr": "1e-2"}, metrics={"val_auc": 0.61})),
           mlflow_store.add(RunSpec("ana-c", "ana", at(11), params={"lr": "1e-4"}, metrics={"val_auc": 0.77}))]
    with FakeMicrosoft.start(tmp_path / "ca") as microsoft, FakeConnector.start() as connector:
        for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
            monkeypatch.setenv(name, microsoft.env()[name])
        bot = TeamsBot(_settings(tmp_path, mlflow_store, microsoft, f"sqlite:///{tmp_path / 'coco.db'}"))
        await bot.start(background=False)
        client = TestClient(TestServer(bot.web_app(), host="127.0.0.1"))
        await client.start_server()
        try:
            hub = bot.runtime.hub
            narrator = await hub.narrator(f"teams:{TENANT}", platform="teams")
            await narrator.add_project(name="churn", tracker=hub.trackers.for_uri(mlflow_store.uri),
                                       experiments=["churn-model"], primary_metric="val_auc", goal="max")
            # Ana writes to COCO once (that stores her personal chat), says who she is, and opts in.
            assert await _send(client, microsoft, connector, activity(connector, text="me ana")) == 202
            await bot.drain()
            pref = await today.nudge_pref(narrator, ANA)
            await today.save_nudge_pref(narrator, pref.model_copy(update={
                "enabled": True, "timezone": "UTC", "days": ",".join(today.DAY_NAMES)}))
            before = len(connector.posted(conversation=PERSONAL))
            assert not [x for x in await bot.runtime.run_nudges(now=at(17)) if x.startswith("sent")]
            done = await bot.runtime.run_nudges(now=at(17) + dt.timedelta(minutes=31))
            assert any(x.startswith("sent") for x in done), done
            await bot.runtime.run_nudges(now=at(17) + dt.timedelta(minutes=32))
            nudges = [c for c in connector.posted(conversation=PERSONAL)[before:] if "End of day" in c.text]
            assert len(nudges) == 1
            shown = nudges[0].text
            assert "ana-b" in shown and "val_auc" in shown and "Log it" in shown and "Snooze a week" in shown
            assert await _send(client, microsoft, connector, activity(
                connector, text="the second one diverged at step 4k, the other two are fine")) == 202
            await bot.drain()
            entries, _ = await narrator.entries()
            (entry,) = entries
            assert entry.structure is not None and ids[1] in entry.run_ids
            (failed,) = [c for c in entry.structure.conclusions if c.verdict == "did_not_work"]
            assert failed.run_ids == [ids[1]]
        finally:
            await client.close()
            await bot.stop()
