"""``coco`` on W&B projects, end to end: ``project add --wandb-project``, a brain dump linked to W&B runs
with the note written back, W&B's failures as exit codes (never a traceback), and a project whose
runs are in both MLflow and W&B. The real ``coco`` command, the real ``wandb`` client, the W&B fake."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.tracker import COCO_SECTION_BEGIN
from tests.adapters.wandb_fake import WandbFake
from tests.adapters.wandb_seed import KEY
from tests.conftest import COCO
from tests.processes import free_port

pytestmark = pytest.mark.slow

DAY = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)
RUNS = [
    {"id": "3kq9x0ab", "name": "rf-baseline", "user": "maya", "state": "finished", "created_at": "2026-10-05T09:12:00Z",
     "duration": 840, "config": {"model": "random_forest", "seed": 1}, "summary": {"val_auc": 0.812}, "tags": [],
     "notes": "maya's own words", "commit": "3f2a9c1", "program": "train.py", "code_path": "src/train.py"},
    {"id": "llrclcqm", "name": "rf-smote", "user": "maya", "state": "crashed", "created_at": "2026-10-05T11:12:00Z",
     "duration": 300, "config": {"model": "random_forest", "sampler": "smote"}, "summary": {"val_auc": 0.79},
     "tags": [], "notes": None, "commit": None},
]


@pytest.fixture
def fake() -> Iterator[WandbFake]:
    with WandbFake(runs=RUNS, entity="team", project="churn", api_key=KEY) as served:
        yield served


def coco_env(tmp_path: Path, base_url: str, key: str = KEY) -> dict[str, str]:
    env = {**os.environ, "COCO_HOME": str(tmp_path / "home"), "HOME": str(tmp_path), "COCO_ENGINE": "local",
           "COCO_DATABASE_URL": f"sqlite:///{tmp_path / 'coco.db'}", "WANDB_BASE_URL": base_url,
           "WANDB_API_KEY": key, "WANDB_ERROR_REPORTING": "false", "WANDB_SILENT": "true",
           "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("WANDB_ENTITY", None)
    return env


def coco(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([COCO, *args], input=stdin, capture_output=True, text=True, env=env, cwd=env["HOME"],
                          timeout=180, check=False)


def test_a_w_and_b_project_end_to_end(fake: WandbFake, tmp_path: Path) -> None:
    env = coco_env(tmp_path, str(fake.base_url))
    added = coco(env, "project", "add", "churn", "--wandb-project", "team/churn", "--primary-metric", "val_auc",
                 "--json")
    assert added.returncode == 0, added.stderr
    project = json.loads(added.stdout)
    assert project["tracker_kind"] == "wandb" and project["tracker_uri"] == f"wandb+{fake.base_url}"
    assert project["experiment_ids"] == ["team/churn"]

    text = "RF baseline 3kq9x0ab hit .812. Tried SMOTE on it (llrclcqm) but it crashed. Next: lightgbm."
    logged = coco(env, "log", "--project", "churn", "--author", "maya", "--at", "2026-10-05T18:00:00Z", "--json",
                  stdin=text)
    assert logged.returncode == 0, logged.stderr
    entry = json.loads(logged.stdout)
    assert sorted(r["run_id"] for r in entry["runs"]) == ["3kq9x0ab", "llrclcqm"]
    assert all(r["url"].startswith(f"{fake.base_url}/team/churn/runs/") for r in entry["runs"])
    # Every linked run got its note (the person's words kept) and the coco label.
    assert {run_id for run_id, _ in fake.notes_written} == {"3kq9x0ab", "llrclcqm"}
    assert fake.run("3kq9x0ab")["notes"].startswith("maya's own words\n\n" + COCO_SECTION_BEGIN)
    assert entry["entry_id"] in fake.run("llrclcqm")["notes"] and "coco" in fake.run("llrclcqm")["tags"]

    repro = coco(env, "reproduce", "--project", "churn", "--json", "3kq9x0")
    assert repro.returncode == 0, repro.stderr
    report = json.loads(repro.stdout)
    assert report["present"]["git_commit"] == "3f2a9c1" and report["present"]["entry_point"] == "src/train.py"
    assert any("dataset" in m for m in report["missing"]) and not any("git commit" in m for m in report["missing"])
    assert not fake.errors


def test_w_and_b_failures_are_exit_codes_not_tracebacks(fake: WandbFake, tmp_path: Path) -> None:
    env = coco_env(tmp_path, str(fake.base_url))
    unknown = coco(env, "project", "add", "churn", "--wandb-project", "team/nope")
    assert unknown.returncode == 2 and "No W&B project 'team/nope'" in unknown.stderr
    neither = coco(env, "project", "add", "churn")
    assert neither.returncode == 2 and "--wandb-project" in neither.stderr
    assert coco(env, "project", "add", "churn", "--wandb-project", "team/churn").returncode == 0

    wrong_key = coco({**env, "WANDB_API_KEY": "z" * 40}, "log", "--project", "churn", "--json",
                     stdin="looked at 3kq9x0ab again")
    # As with MLflow: an outside failure (exit 1, one plain sentence), the entry kept as pending.
    assert wrong_key.returncode == 1 and "Traceback" not in wrong_key.stderr
    assert "saved as pending" in wrong_key.stderr and "not authorised" in wrong_key.stderr
    assert "WANDB_API_KEY" in wrong_key.stderr and "z" * 40 not in wrong_key.stderr

    down = coco({**env, "WANDB_BASE_URL": f"http://127.0.0.1:{free_port()}"}, "reproduce", "--project", "churn",
                "3kq9x0ab")
    # The project keeps pointing at its own server: the variable names where new projects are added.
    assert down.returncode == 0, down.stderr
    fake.stop()
    gone = coco(env, "reproduce", "--project", "churn", "llrclcqm")
    assert gone.returncode == 1 and "Traceback" not in gone.stderr
    assert "could not be reached: cannot connect" in gone.stderr
    retried = coco(env, "log", "--retry-pending", "--json")
    assert "Traceback" not in retried.stderr


def test_a_project_with_runs_in_both_trackers(fake: WandbFake, tmp_path: Path) -> None:
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    env = coco_env(tmp_path, str(fake.base_url))
    client = MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"])
    exp = client.create_experiment("churn-old")
    start = int(dt.datetime(2026, 10, 4, 15, tzinfo=dt.UTC).timestamp() * 1000)
    old = client.create_run(exp, start_time=start, tags={"mlflow.user": "maya"}, run_name="logreg-old")
    client.log_batch(old.info.run_id, metrics=[Metric("val_auc", 0.70, start + 1000, 0)],
                     params=[Param("model", "logreg")])
    client.set_terminated(old.info.run_id, end_time=start + 600_000)

    added = coco(env, "project", "add", "churn", "--mlflow-experiment", "churn-old", "--wandb-project", "team/churn",
                 "--primary-metric", "val_auc", "--json")
    assert added.returncode == 0, added.stderr
    project = json.loads(added.stdout)
    assert project["tracker_kind"] == "multi"
    assert project["experiment_ids"] == [f"mlflow:{exp}", "wandb:team/churn"]

    text = f"Moved from MLflow: the old logreg {old.info.run_id[:8]} got .70; the RF 3kq9x0ab gets .812 on W&B."
    logged = coco(env, "log", "--project", "churn", "--author", "maya", "--at", "2026-10-05T18:00:00Z", "--json",
                  stdin=text)
    assert logged.returncode == 0, logged.stderr
    runs = {r["run_id"]: r for r in json.loads(logged.stdout)["runs"]}
    assert set(runs) == {old.info.run_id, "3kq9x0ab"}
    # Each run is linked to its own tracker's UI, and each tracker got its note.
    assert "/#/experiments/" in runs[old.info.run_id]["url"]
    assert runs["3kq9x0ab"]["url"].startswith(f"{fake.base_url}/team/churn/runs/")
    assert COCO_SECTION_BEGIN in client.get_run(old.info.run_id).data.tags["mlflow.note.content"]
    assert [run_id for run_id, _ in fake.notes_written] == ["3kq9x0ab"]

    phase = coco(env, "phase", "--project", "churn", "--json")
    assert phase.returncode == 0, phase.stderr
    assert json.loads(phase.stdout)["best"]["run_id"] == "3kq9x0ab"  # one history across both trackers
