"""Fixtures for the tracker adapters: a real MLflow sqlite store with a known history
(``tracker_seed``), and a real ``mlflow server`` on a copy of it (session-scoped: it takes 10-20 s
to answer ``/health``). Tests that write create their own runs in a ``scratch`` experiment, so the
seeded history stays as built.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

# Before MLflow is imported anywhere: nothing may reach the internet.
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"
# Before wandb starts wandb-core: no error telemetry, nothing printed.
os.environ["WANDB_ERROR_REPORTING"] = "false"
os.environ["WANDB_SILENT"] = "true"

import pytest

from tests.adapters.tracker_seed import BY_KEY, Backend, Dataset, build_store, copy_store, make_tracker
from tests.adapters.wandb_seed import ProjectsFake, WandbBackend, make_wandb_tracker, start_fake
from tests.processes import free_port, stop_group, wait_healthy


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    db = tmp_path_factory.mktemp("mlflow-seed") / "pristine.db"
    return Dataset(db=db, experiments=build_store(db), runs=BY_KEY)


@pytest.fixture(scope="session")
def mlflow_server(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``mlflow server`` on a copy of the seeded store; yields its base URL."""
    where = tmp_path_factory.mktemp("mlflow-server")
    db = copy_store(dataset.db, where / "server.db")
    port = free_port()
    mlflow_bin = Path(sys.executable).with_name("mlflow")
    cmd = [str(mlflow_bin)] if mlflow_bin.exists() else [sys.executable, "-m", "mlflow"]
    cmd += [
        "server",
        "--backend-store-uri", f"sqlite:///{db}",
        "--default-artifact-root", str(where / "artifacts"),
        "--host", "127.0.0.1",
        "--port", str(port),
        "-w", "1",
    ]
    log = (where / "server.log").open("wb")
    env = {
        **os.environ,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        # Without this the server also starts a job runner and seven huey consumers, each importing
        # MLflow: slower to start, heavier on a shared machine, and none of it is needed here.
        "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    }
    # Own process group: the server forks workers, and the whole group is stopped at the end.
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, url, log=where / "server.log", timeout=60)
        yield url
    finally:
        stop_group(proc)
        log.close()


@pytest.fixture(scope="session")
def local_store(dataset: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_store(dataset.db, tmp_path_factory.mktemp("mlflow-local") / "local.db")


@pytest.fixture(scope="session")
def wandb_fake() -> Iterator[ProjectsFake]:
    """The seeded history on the W&B fake (alpha, beta, scratch projects of entity ``team``)."""
    fake = start_fake()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(params=["local", "local-client", "rest", "wandb"])
async def backend(request: pytest.FixtureRequest, dataset: Dataset, local_store: Path) -> AsyncIterator[Any]:
    """Each tracker under test: MLflow on a local store, MLflow through a real server, W&B through
    the real ``wandb`` client and the fake GraphQL server."""
    if request.param == "wandb":
        fake = request.getfixturevalue("wandb_fake")
        wandb_tracker = make_wandb_tracker(fake)
        try:
            yield WandbBackend(fake, wandb_tracker)
        finally:
            await wandb_tracker.aclose()
        return
    from mlflow.tracking import MlflowClient

    if request.param.startswith("local"):
        # "local" reads the SQLite store with sqlite3 (adapters/mlflow_sqlite.py); "local-client" goes
        # through MlflowClient, as file stores and other databases do (create_store=True chooses it).
        tracker = make_tracker("local", local_store=local_store, create_store=request.param == "local-client")
        client = MlflowClient(tracking_uri=f"sqlite:///{local_store}")
    else:
        server = request.getfixturevalue("mlflow_server")  # started only when a REST test runs
        tracker = make_tracker("rest", server=server)
        client = MlflowClient(tracking_uri=server)
    try:
        yield Backend(request.param, tracker, client, dataset.experiments)
    finally:
        await tracker.aclose()
