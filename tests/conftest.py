"""Shared fixtures: a private COCO home, a real MLflow sqlite store, and a way to run `coco`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PG_ENV = "COCO_TEST_POSTGRES_URL"

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

COCO = str(Path(sys.executable).with_name("coco"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: end-to-end tests that take tens of seconds")


@dataclass
class RunSpec:
    name: str
    user: str
    start: dt.datetime
    minutes: int = 10
    status: str = "FINISHED"
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass
class MlflowStore:
    uri: str
    experiment_id: str
    experiment_name: str

    def add(self, spec: RunSpec) -> str:
        from mlflow.entities import Metric, Param
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=self.uri)
        start = int(spec.start.timestamp() * 1000)
        end = start + spec.minutes * 60_000
        run = client.create_run(
            self.experiment_id, start_time=start, tags={"mlflow.user": spec.user, **spec.tags}, run_name=spec.name
        )
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, float(v), end, 0) for k, v in spec.metrics.items()],
            params=[Param(k, str(v)) for k, v in spec.params.items()],
        )
        client.set_terminated(run.info.run_id, status=spec.status, end_time=end)
        return str(run.info.run_id)


@pytest.fixture
def mlflow_store(tmp_path: Path) -> MlflowStore:
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    exp_id = MlflowClient(tracking_uri=uri).create_experiment("churn-model")
    return MlflowStore(uri=uri, experiment_id=str(exp_id), experiment_name="churn-model")


@dataclass
class CocoCli:
    env: dict[str, str]
    cwd: Path

    def __call__(
        self, *args: str, stdin: str | bytes | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[Any]:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        return subprocess.run([COCO, *args], input=data, capture_output=True, env=self.env, cwd=self.cwd,
                              timeout=timeout, check=False)


@pytest.fixture
def coco(tmp_path: Path, mlflow_store: MlflowStore) -> Iterator[CocoCli]:
    env = dict(os.environ)
    env.update({
        "COCO_HOME": str(tmp_path / "home"),
        "COCO_DATABASE_URL": f"sqlite:///{tmp_path / 'coco.db'}",
        "MLFLOW_TRACKING_URI": mlflow_store.uri,
        "COCO_ENGINE": "local",
    })
    env.pop("ANTHROPIC_API_KEY", None)
    yield CocoCli(env=env, cwd=tmp_path)


def _admin_dsn(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty COCO database (nothing migrated yet), as a user would write it: SQLite in a
    folder that does not exist yet, and a throwaway PostgreSQL database when COCO_TEST_POSTGRES_URL is
    set (created for the test, dropped after it)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'coco.db'}"
        return
    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip(f"set {PG_ENV} to run the PostgreSQL backend")
    import asyncpg
    from sqlalchemy.engine import make_url

    name = f"coco_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_admin_dsn(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(_admin_dsn(server))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
