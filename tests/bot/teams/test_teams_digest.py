"""The weekly digest in Teams: posted proactively to the bound channel, from the conversation reference
COCO stored in its own database, exactly once across two bots over the same database (a restart, or
a second replica); and the connector's throttling answered with a retry. Real SDK hosting (aiohttp
test server), real tokens from the fake Entra, the fake Bot Connector, real SQLite and MLflow."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.teams.app import TeamsBot
from tests.bot.conftest import seed_runs
from tests.bot.teams.conftest import CHANNEL, PERSONAL, TENANT, activity
from tests.bot.teams.connector_fake import FakeConnector
from tests.bot.teams.entra_fake import FakeMicrosoft
from tests.conftest import MlflowStore


def _settings(tmp_path: Path, store: MlflowStore, microsoft: FakeMicrosoft, database: str) -> Settings:
    env = microsoft.env()
    return Settings(
        home=tmp_path / "home", database_url=database, mlflow_tracking_uri=store.uri,
        engine="local", worker_interval=3600.0, author="nobody", teams_app_id=env["COCO_TEAMS_APP_ID"],
        teams_app_password=env["COCO_TEAMS_APP_PASSWORD"], teams_tenant_id=env["COCO_TEAMS_TENANT_ID"],
        teams_jwks_url=env["COCO_TEAMS_JWKS_URL"], teams_authority_url=env["COCO_TEAMS_AUTHORITY_URL"],
    )


async def _send(client: TestClient[Any, Any], microsoft: FakeMicrosoft, connector: FakeConnector,
                body: dict[str, Any]) -> int:
    token = microsoft.mint(service_url=connector.url)
    response = await client.post("/api/messages", json=body, headers={"Authorization": f"Bearer {token}"})
    return response.status


async def _wait(check: Any, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def test_digest_posted_once_to_the_bound_channel_across_two_bots(
        tmp_path: Path, mlflow_store: MlflowStore, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    from bot.scheduler import parse_schedule, set_schedule

    seed_runs(mlflow_store)
    with FakeMicrosoft.start(tmp_path / "ca") as microsoft, FakeConnector.start() as connector:
        for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
            monkeypatch.setenv(name, microsoft.env()[name])
        settings = _settings(tmp_path, mlflow_store, microsoft, db_url)
        first = TeamsBot(settings)
        await first.start(background=False)
        client = TestClient(TestServer(first.web_app(), host="127.0.0.1"))
        await client.start_server()
        try:
            hub = first.runtime.hub
            narrator = await hub.narrator(f"teams:{TENANT}", platform="teams")
            project = await narrator.add_project(
                name="churn", tracker=hub.trackers.for_uri(settings.resolved_tracking_uri()),
                experiments=["churn-model"], primary_metric="val_auc", goal="max", channels=[CHANNEL])
            # COCO hears from the channel once (a mention): that stores where the digest can go.
            status = await _send(client, microsoft, connector,
                                 activity(connector, text="help", conversation=CHANNEL, kind="channel", mention=True))
            assert status in (200, 202)
            await first.drain()
            await set_schedule(narrator, project=project, channel=CHANNEL,
                               schedule=parse_schedule("mon 09:00", timezone="UTC"))
            later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
            before = len(connector.posted())
            done = await first.runtime.run_digests(now=later)
            assert done, "the digest was due"
            assert await first.runtime.run_digests(now=later) == []  # claimed: not again
        finally:
            await client.close()
            await first.stop()

        # A restarted (or second) bot over the same database posts nothing again for that week.
        second = TeamsBot(settings)
        await second.start(background=False)
        try:
            await second.runtime.run_digests(now=later)
        finally:
            await second.stop()

        posted = connector.posted()[before:]
        tops = [c for c in posted if c.conversation == CHANNEL]
        assert len(tops) == 1, [c.conversation for c in posted]
        assert "churn" in tops[0].text
        assert tops[0].authorization.startswith("Bearer ") and tops[0].authorization != "Bearer "
        charts = [c for c in posted if c.conversation == f"{CHANNEL};messageid={tops[0].id}"]
        assert len(charts) <= 1
        if charts:
            assert "data:image/png;base64," in str(charts[0].card)


async def test_throttled_sends_are_retried(tmp_path: Path, mlflow_store: MlflowStore,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    database = f"sqlite:///{tmp_path / 'coco.db'}"
    seed_runs(mlflow_store)
    with FakeMicrosoft.start(tmp_path / "ca") as microsoft, FakeConnector.start() as connector:
        for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
            monkeypatch.setenv(name, microsoft.env()[name])
        bot = TeamsBot(_settings(tmp_path, mlflow_store, microsoft, database))
        await bot.start(background=False)
        client = TestClient(TestServer(bot.web_app(), host="127.0.0.1"))
        await client.start_server()
        try:
            connector.failures += [(429, {"Retry-After": "0"}), (502, {}), (412, {})]
            status = await _send(client, microsoft, connector, activity(connector, text="help"))
            assert status == 202
            await bot.drain()
            await _wait(lambda: connector.posted(conversation=PERSONAL))
            attempts = [c.status for c in connector.calls if c.conversation == PERSONAL and c.method == "POST"]
            assert attempts == [429, 502, 412, 201]
        finally:
            await client.close()
            await bot.stop()


async def test_a_pending_entry_card_is_updated_by_the_job_worker(
        tmp_path: Path, mlflow_store: MlflowStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tracker is down when the note arrives: a "saved" card; once it is back, the job worker
    finishes the entry and updates that card in place (from the stored reference, no inbound)."""
    from sqlalchemy import text

    from storage.repository import SqlRepository
    from tests.bot.test_slack_reliability import DUMP, DownTracker

    runs = seed_runs(mlflow_store)
    with FakeMicrosoft.start(tmp_path / "ca") as microsoft, FakeConnector.start() as connector:
        for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
            monkeypatch.setenv(name, microsoft.env()[name])
        settings = _settings(tmp_path, mlflow_store, microsoft, f"sqlite:///{tmp_path / 'coco.db'}")
        bot = TeamsBot(settings)
        await bot.start(background=False)
        client = TestClient(TestServer(bot.web_app(), host="127.0.0.1"))
        await client.start_server()
        try:
            hub = bot.runtime.hub
            narrator = await hub.narrator(f"teams:{TENANT}", platform="teams")
            await narrator.add_project(name="churn", tracker=hub.trackers.for_uri(settings.resolved_tracking_uri()),
                                       experiments=["churn-model"], primary_metric="val_auc", goal="max")
            uri = settings.resolved_tracking_uri()
            real = hub.trackers.for_uri(uri)
            hub.trackers._open[uri] = DownTracker(real)  # type: ignore[assignment]
            assert await _send(client, microsoft, connector, activity(connector, text=DUMP)) == 202
            await bot.drain()
            (saved,) = connector.posted(conversation=PERSONAL)
            assert "Saved your text" in saved.text
            hub.trackers._open[uri] = real  # the tracker is back
            store = narrator.repo
            assert isinstance(store, SqlRepository)
            async with store.engine.begin() as connection:
                await connection.execute(text("UPDATE coco_job SET run_after = :t"),
                                         {"t": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)})
            assert await bot.runtime.finish_pending() == 1
            updates = connector.posted(conversation=PERSONAL, method="PUT")
            assert len(updates) == 1 and updates[0].path.endswith(f"/{saved.id}")
            assert runs["xgb"][:8] in str(updates[0].card) and "Saved your text" not in updates[0].text
            assert await bot.runtime.finish_pending() == 0  # updated once
        finally:
            await client.close()
            await bot.stop()
