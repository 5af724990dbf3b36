"""Fixtures for the Slack tests: a fake Slack on 127.0.0.1, the real Bolt app served over HTTP, a real
MLflow sqlite store with a few runs, and a real SQLite COCO database."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import NarratorHub
from bot.settings import Settings
from bot.slack_app import SlackBot, build_slack_app
from storage.records import EntryRecord
from tests.bot.slack_fake import BOT_TOKEN, SIGNING_SECRET, TEAM, FakeSlack
from tests.conftest import MlflowStore, RunSpec

T = TypeVar("T")


def slack_settings(tmp_path: Path, store: MlflowStore, fake: FakeSlack, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "home": tmp_path / "home", "database_url": f"sqlite:///{tmp_path / 'coco.db'}",
        "mlflow_tracking_uri": store.uri, "engine": "local", "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET, "slack_api_url": fake.api_url, "slack_channel_interval": 0.0,
        "worker_interval": 3600.0, "author": "nobody", **extra,
    }
    return Settings(**values)


def seed_runs(store: MlflowStore) -> dict[str, str]:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    return {
        "base": store.add(RunSpec("logreg-baseline", "ana", start, params={"model": "logreg", "seed": "1"},
                                  metrics={"val_auc": 0.741})),
        "xgb": store.add(RunSpec("xgb-d4", "ana", start + dt.timedelta(hours=1),
                                 params={"model": "xgboost", "max_depth": "4"}, metrics={"val_auc": 0.803})),
        "smote": store.add(RunSpec("xgb-smote", "ana", start + dt.timedelta(hours=2),
                                   params={"model": "xgboost", "sampler": "smote"}, metrics={"val_auc": 0.781})),
        "bob": store.add(RunSpec("rf-bob", "bob", start + dt.timedelta(hours=3), params={"model": "random_forest"},
                                 metrics={"val_auc": 0.79})),
    }


@dataclass
class SlackWorld:
    fake: FakeSlack
    bot: SlackBot
    client: TestClient[Any, Any]
    settings: Settings
    runs: dict[str, str]
    store: MlflowStore

    async def db(self, work: Callable[[NarratorHub], Coroutine[Any, Any, T]]) -> T:
        """Run ``work`` against the bot's store (opened by its runtime)."""
        return await work(self.bot.runtime.hub)

    async def entries(self, team: str = TEAM) -> list[EntryRecord]:
        async def read(hub: NarratorHub) -> list[EntryRecord]:
            narrator = await hub.narrator(f"slack:{team}", platform="slack")
            found, _ = await narrator.repo.list_entries(narrator.workspace_id)
            return found

        return await self.db(read)


async def open_world(tmp_path: Path, store: MlflowStore, fake: FakeSlack, runs: dict[str, str],
                     **extra: Any) -> tuple[SlackBot, TestClient[Any, Any], Settings]:
    settings = slack_settings(tmp_path, store, fake, **extra)
    bot = build_slack_app(settings)
    await bot.start(background=False)
    client = TestClient(TestServer(bot.web_app(), host="127.0.0.1"))
    await client.start_server()
    return bot, client, settings


async def add_project(bot: SlackBot, settings: Settings, *, name: str = "churn", channels: tuple[str, ...] = ("C1",),
                      team: str = TEAM) -> None:
    async def work(hub: NarratorHub) -> None:
        narrator = await hub.narrator(f"slack:{team}", platform="slack")
        await narrator.add_project(name=name, tracker=hub.trackers.for_uri(settings.resolved_tracking_uri()),
                                   experiments=["churn-model"], primary_metric="val_auc", goal="max",
                                   channels=list(channels))

    await work(bot.runtime.hub)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(people={"U1": {"name": "ana.s", "email": "ana@example.com", "display_name": "Ana"},
                             "U2": {"name": "bob", "email": "bob@example.com", "display_name": "Bob"}})
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
async def slack(tmp_path: Path, mlflow_store: MlflowStore, fake_slack: FakeSlack) -> AsyncIterator[SlackWorld]:
    runs = seed_runs(mlflow_store)
    bot, client, settings = await open_world(tmp_path, mlflow_store, fake_slack, runs)
    await add_project(bot, settings)
    try:
        yield SlackWorld(fake=fake_slack, bot=bot, client=client, settings=settings, runs=runs, store=mlflow_store)
    finally:
        await client.close()
        await bot.stop()
