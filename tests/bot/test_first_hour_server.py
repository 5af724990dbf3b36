"""Issue 9 points 1 and 9 against a real `mlflow server` on 127.0.0.1, through the real `coco` binary:
run links point at the server COCO reads (not at port 5000) unless COCO_MLFLOW_UI_URL says otherwise,
and a tracking URI without its scheme gets a hint instead of becoming a file store in the folder."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CocoCli, MlflowStore, RunSpec
from tests.processes import free_port, stop_group, wait_healthy

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")


@dataclass
class Server:
    url: str
    port: int
    run_id: str
    experiment_id: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from mlflow.tracking import MlflowClient

    where = tmp_path_factory.mktemp("first-hour-server")
    uri = f"sqlite:///{where / 'server.db'}"
    exp_id = str(MlflowClient(tracking_uri=uri).create_experiment("churn-model"))
    store = MlflowStore(uri=uri, experiment_id=exp_id, experiment_name="churn-model")
    run_id = store.add(RunSpec("xgb-d4", "ana", dt.datetime.now(dt.UTC) - dt.timedelta(hours=3),
                               metrics={"val_auc": 0.803}))
    port = free_port()
    mlflow_bin = Path(sys.executable).with_name("mlflow")
    cmd = [str(mlflow_bin), "server", "--backend-store-uri", uri, "--default-artifact-root", str(where / "art"),
           "--host", "127.0.0.1", "--port", str(port), "-w", "1"]
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    log = (where / "server.log").open("wb")
    # Own process group: the server forks workers; the whole group is stopped at the end.
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, url, log=where / "server.log", timeout=90)
        yield Server(url=url, port=port, run_id=run_id, experiment_id=exp_id)
    finally:
        stop_group(proc)
        log.close()


@pytest.fixture
def cli(tmp_path: Path, server: Server) -> CocoCli:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COCO_", "ANTHROPIC_", "MLFLOW_TRACKING"))}
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env.update({"HOME": str(tmp_path / "home"), "COCO_ENGINE": "local", "MLFLOW_TRACKING_URI": server.url})
    return CocoCli(env=env, cwd=cwd)


def test_run_links_point_at_the_server_coco_reads(cli: CocoCli, server: Server) -> None:
    out = cli("project", "add", "churn", "--mlflow-experiment", "churn-model", "--primary-metric", "val_auc")
    assert out.returncode == 0, out.stderr.decode()
    logged = cli("log", "--json", stdin=f"xgb {server.run_id} reached .80 auc")
    assert logged.returncode == 0, logged.stderr.decode()
    run = json.loads(logged.stdout)["runs"][0]
    assert run["run_id"] == server.run_id
    assert run["url"] == f"{server.url}/#/experiments/{server.experiment_id}/runs/{server.run_id}"
    assert ":5000" not in logged.stdout.decode()
    # the link opens the run on that server (its UI route is served from the same origin)
    with urllib.request.urlopen(f"{server.url}/api/2.0/mlflow/runs/get?run_id={server.run_id}", timeout=10) as r:
        assert json.load(r)["run"]["info"]["run_id"] == server.run_id

    cli.env["COCO_MLFLOW_UI_URL"] = "https://mlflow.example.org"  # set: it wins
    again = cli("log", "--json", stdin=f"re-read {server.run_id}: still .80")
    assert again.returncode == 0, again.stderr.decode()
    url = json.loads(again.stdout)["runs"][0]["url"]
    assert url == f"https://mlflow.example.org/#/experiments/{server.experiment_id}/runs/{server.run_id}"


@pytest.mark.parametrize("bare", ["127.0.0.1:{port}", "localhost:{port}"])
def test_tracking_uri_without_scheme_gets_a_hint(cli: CocoCli, server: Server, bare: str) -> None:
    uri = bare.format(port=server.port)
    cli.env["MLFLOW_TRACKING_URI"] = uri
    out = cli("project", "add", "churn", "--mlflow-experiment", "churn-model")
    assert out.returncode == 2
    err = out.stderr.decode()
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert f"did you mean http://{uri}?" in err
    assert list(cli.cwd.iterdir()) == []  # no file store was made in the current folder
    cli.env["MLFLOW_TRACKING_URI"] = f"http://{uri}"  # the hint, followed, works
    fixed = cli("project", "add", "churn", "--mlflow-experiment", "churn-model")
    assert fixed.returncode == 0, fixed.stderr.decode()
