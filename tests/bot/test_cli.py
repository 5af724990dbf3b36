"""The `coco` command end to end: a real MLflow sqlite store, a real COCO SQLite, the real binary."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import CocoCli, MlflowStore, RunSpec

DAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _seed(store: MlflowStore) -> dict[str, str]:
    return {
        "base": store.add(RunSpec("logreg-baseline", "ana", DAY, params={"model": "logreg", "seed": "1"},
                                  metrics={"val_auc": 0.741}, tags={"mlflow.source.git.commit": "abc123"})),
        "xgb": store.add(RunSpec("xgb-d4", "ana", DAY + dt.timedelta(hours=2),
                                 params={"model": "xgboost", "max_depth": "4"}, metrics={"val_auc": 0.803})),
        "other": store.add(RunSpec("rf-bob", "bob", DAY + dt.timedelta(hours=3),
                                   params={"model": "random_forest"}, metrics={"val_auc": 0.79})),
    }


def _add_project(coco: CocoCli) -> None:
    out = coco("project", "add", "churn", "--mlflow-experiment", "churn-model", "--primary-metric", "val_auc",
               "--goal", "max")
    assert out.returncode == 0, out.stderr.decode()


def _one_line_error(proc: object) -> str:
    err = proc.stderr.decode()  # type: ignore[attr-defined]
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("coco: "), err
    return err


def test_log_links_pasted_id_with_tracker_metrics_and_writes_back(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    from mlflow.tracking import MlflowClient

    ids = _seed(mlflow_store)
    _add_project(coco)
    text = f"- baseline {ids['base']} is the floor at .74\n- next: tune depth on xgb\n- q: is the split time-based?"
    out = coco("log", "--project", "churn", "--author", "ana", "--at", "2026-03-02T18:00:00Z", "--json", stdin=text)
    assert out.returncode == 0, out.stderr.decode()
    entry = json.loads(out.stdout)
    for key in ("entry_id", "project", "author", "at", "title", "hypotheses", "runs", "observations",
                "conclusions", "next_steps", "open_questions", "decisions", "warnings"):
        assert key in entry
    by_id = {r["run_id"]: r for r in entry["runs"]}
    assert ids["base"] in by_id
    assert by_id[ids["base"]]["how"] == "id"
    assert by_id[ids["base"]]["metrics"]["val_auc"] == pytest.approx(0.741)
    assert ids["other"] not in by_id  # bob's run, same window, never named
    run = MlflowClient(tracking_uri=mlflow_store.uri).get_run(ids["base"])
    assert run.data.tags["coco.entry_id"] == entry["entry_id"]
    assert entry["entry_id"] in run.data.tags["mlflow.note.content"]


def test_empty_text_is_a_one_line_error(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    _add_project(coco)
    out = coco("log", "--project", "churn", stdin="   \n\t")
    assert out.returncode == 2
    _one_line_error(out)


def test_unknown_project_is_a_one_line_error(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    _add_project(coco)
    out = coco("check", "--project", "nope", "--json", "try smote")
    assert out.returncode == 2
    assert "nope" in _one_line_error(out)


def test_large_paste_and_binary_junk_are_kept(coco: CocoCli, mlflow_store: MlflowStore, tmp_path: Path) -> None:
    _seed(mlflow_store)
    _add_project(coco)
    big = ("tried xgb depth 4, it was ok. " * 35_000)[:1_000_000]
    out = coco("log", "--project", "churn", "--author", "ana", "--json", stdin=big)
    assert out.returncode == 0, out.stderr.decode()
    assert any("saved" in w for w in json.loads(out.stdout)["warnings"])
    junk = bytes(range(256)) * 50
    out = coco("log", "--project", "churn", "--author", "ana", "--json", stdin=junk)
    assert out.returncode == 0, out.stderr.decode()
    assert json.loads(out.stdout)["entry_id"]


def test_reproduce_prefix_errors(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    ids = _seed(mlflow_store)
    _add_project(coco)
    out = coco("reproduce", "--project", "churn", "--json", ids["base"][:8])
    assert out.returncode == 0, out.stderr.decode()
    report = json.loads(out.stdout)
    assert report["run_id"] == ids["base"]
    assert any("dataset" in m for m in report["missing"])
    assert not any("git" in m or "seed" in m for m in report["missing"])
    unknown = "ffffff" if not any(i.startswith("ffffff") for i in ids.values()) else "eeeeee"
    out = coco("reproduce", "--project", "churn", unknown)
    assert out.returncode == 2
    _one_line_error(out)
    out = coco("reproduce", "--project", "churn", "abc")
    assert out.returncode == 2
    _one_line_error(out)


def test_tracker_outage_leaves_pending_then_retry_finishes(
    coco: CocoCli, mlflow_store: MlflowStore, tmp_path: Path
) -> None:
    ids = _seed(mlflow_store)
    _add_project(coco)
    db = tmp_path / "mlflow.db"
    hidden = tmp_path / "mlflow.db.away"
    shutil.move(db, hidden)
    db.mkdir()  # the store path now cannot be opened as a database
    text = f"baseline {ids['base']} at .74, next: depth tuning"
    out = coco("log", "--project", "churn", "--author", "ana", "--json", stdin=text)
    assert out.returncode == 1
    err = _one_line_error(out)
    assert "pending" in err
    pending = json.loads(out.stdout)
    assert pending["status"] == "pending"
    # `coco pending` (the verb added to show that a verb is declared once) lists it, and why.
    listed = coco("pending")
    assert listed.returncode == 0, listed.stderr.decode()
    said = listed.stdout.decode()
    assert pending["entry_id"] in said and "Pending:" in said and "coco log --retry-pending" in said
    assert coco("entries").returncode == 0  # listing entries is a success, however many there are
    shown = json.loads(coco("pending", "--project", "churn", "--json").stdout)
    assert [e["entry_id"] for e in shown["entries"]] == [pending["entry_id"]]
    assert shown["entries"][0]["status"] == "pending" and shown["entries"][0]["text"] == text
    db.rmdir()
    shutil.move(hidden, db)
    out = coco("log", "--retry-pending", "--json")
    assert out.returncode == 0, out.stderr.decode()
    finished = json.loads(out.stdout)
    assert [e["entry_id"] for e in finished] == [pending["entry_id"]]
    assert finished[0]["status"] == "structured"
    assert ids["base"] in [r["run_id"] for r in finished[0]["runs"]]
    assert coco("pending").stdout.decode() == "No entry is pending.\n"
