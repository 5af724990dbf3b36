"""Issue 11 points 5, 6 and 7 through the real `coco` binary, a real MLflow sqlite store and a real SQLite:
a person's mistake is one line and exit 2 (never an internal error), one bad pending entry never blocks
the others, a database that refuses a brain dump says it was NOT saved and keeps it in a spool that
`--retry-pending` stores, and COCO's files are private (0700 folder, 0600 files)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.conftest import CocoCli, MlflowStore, RunSpec

DAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _project(coco: CocoCli, name: str = "churn") -> None:
    out = coco("project", "add", name, "--mlflow-experiment", "churn-model")
    assert out.returncode == 0, out.stderr.decode()


def _one_line(proc: object, status: int) -> str:
    err = proc.stderr.decode()  # type: ignore[attr-defined]
    assert proc.returncode == status, err  # type: ignore[attr-defined]
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.count("\n") == 1 and err.startswith("coco: "), err
    return err


# -- point 5: mistakes are one line and exit 2 ---------------------------------------------------------------


def test_digest_days_chart_and_markdown_mistakes_are_one_line(coco: CocoCli, mlflow_store: MlflowStore,
                                                                tmp_path: Path) -> None:
    mlflow_store.add(RunSpec("a", "ana", DAY, metrics={"val_auc": 0.7}))
    _project(coco)
    for days in ("1000000000000", "0", "-3"):
        _one_line(coco("digest", "--project", "churn", "--days", days), 2)
    folder = tmp_path / "out"
    folder.mkdir()
    _one_line(coco("digest", "--project", "churn", "--chart", str(folder)), 2)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    _one_line(coco("digest", "--project", "churn", "--chart", str(blocker / "chart.png")), 2)
    # a missing folder is created (the chart is written), not a traceback
    out = coco("digest", "--project", "churn", "--chart", str(tmp_path / "new" / "deeper" / "c.png"))
    assert out.returncode == 0, out.stderr.decode()
    assert (tmp_path / "new" / "deeper" / "c.png").stat().st_size > 0


def test_decision_markdown_onto_a_folder_is_one_line(coco: CocoCli, mlflow_store: MlflowStore,
                                                      tmp_path: Path) -> None:
    mlflow_store.add(RunSpec("logreg", "ana", DAY, metrics={"val_auc": 0.74}))
    mlflow_store.add(RunSpec("xgb", "ana", DAY + dt.timedelta(hours=1), metrics={"val_auc": 0.80}))
    out = coco("project", "add", "churn", "--mlflow-experiment", "churn-model", "--primary-metric", "val_auc")
    assert out.returncode == 0, out.stderr.decode()
    folder = tmp_path / "docs"
    folder.mkdir()
    _one_line(coco("decide", "--project", "churn", "--finalist", "logreg", "--finalist", "xgb",
                   "--markdown", str(folder)), 2)
    written = tmp_path / "docs" / "decision.md"
    out = coco("decide", "--project", "churn", "--finalist", "logreg", "--finalist", "xgb", "--markdown", str(written))
    assert out.returncode == 0, out.stderr.decode()
    assert written.read_text().strip()


@pytest.mark.parametrize("name", ["a\nb", "tab\there", "x" * 100_000, "  "])
def test_project_names_are_one_short_line(coco: CocoCli, mlflow_store: MlflowStore, name: str) -> None:
    err = _one_line(coco("project", "add", name, "--mlflow-experiment", "churn-model"), 2)
    assert len(err) < 300  # the refusal never echoes a 100,000-character name
    listed = coco("project", "list", "--json")
    assert json.loads(listed.stdout) == []


@pytest.mark.parametrize("at", ["0001-01-01", "9999-12-31T23:59-14:00", "0001-01-01T00:00+14:00", "99999999d"])
def test_impossible_entry_times_are_one_line(coco: CocoCli, mlflow_store: MlflowStore, at: str) -> None:
    _project(coco)
    _one_line(coco("log", "--project", "churn", "--at", at, stdin="tried xgb depth 4"), 2)
    assert coco("pending").stdout.decode() == "No entry is pending.\n"


def _plant_pending(db: Path, *, project: str, at: dt.datetime, text: str) -> str:
    """A pending entry as an older COCO (or another front end) could have left it, stored for real."""
    from storage.db import open_repository

    async def plant() -> str:
        repo = await open_repository(f"sqlite:///{db}")
        try:
            workspace = await repo.ensure_workspace("cli:local", platform="cli")
            record = await repo.get_project(workspace.id, project)
            entry = await repo.add_entry(workspace.id, project_id=record.id, author="ana", at=at, raw_text=text,
                                         source="cli", channel=None, thread_ts=None)
            return entry.id
        finally:
            await repo.aclose()

    return asyncio.run(plant())


def test_one_bad_pending_entry_never_blocks_the_others(coco: CocoCli, mlflow_store: MlflowStore,
                                                         tmp_path: Path) -> None:
    mlflow_store.add(RunSpec("xgb", "ana", DAY, metrics={"val_auc": 0.8}))
    _project(coco, "churn")
    _project(coco, "fraud")
    db = tmp_path / "coco.db"
    bad = _plant_pending(db, project="churn", at=dt.datetime(1, 1, 1, tzinfo=dt.UTC), text="year one")
    good = [_plant_pending(db, project=p, at=DAY, text=f"tried xgb on {p}") for p in ("churn", "fraud")]
    out = coco("log", "--retry-pending", "--json")
    err = out.stderr.decode()
    assert "Traceback" not in err and "internal error" not in err, err
    assert out.returncode == 1  # one entry is still pending
    done = {e["entry_id"]: e for e in json.loads(out.stdout)}
    assert all(done[g]["status"] == "structured" for g in good)
    assert done[bad]["status"] == "pending"
    # and the next retry still runs (the bad one does not poison it)
    again = coco("log", "--retry-pending", "--json")
    assert again.returncode == 1 and "Traceback" not in again.stderr.decode()
    assert [e["entry_id"] for e in json.loads(again.stdout)] == [bad]


# -- point 6: a database that refuses the text --------------------------------------------------------------


def test_a_read_only_database_says_not_saved_and_spools_the_text(coco: CocoCli, mlflow_store: MlflowStore,
                                                                  tmp_path: Path) -> None:
    _project(coco)
    db = tmp_path / "coco.db"
    text = "tried focal loss on the GRU, auc .81; AWS key AKIAIOSFODNN7EXAMPLE"
    read_only = dict(coco.env, COCO_DATABASE_URL=f"sqlite:///file:{db}?mode=ro&uri=true")
    out = CocoCli(env=read_only, cwd=coco.cwd)("log", "--project", "churn", "--author", "ana", stdin=text)
    err = _one_line(out, 1)
    assert "NOT saved" in err and "--retry-pending" in err
    spool = Path(coco.env["COCO_HOME"]) / "spool"
    files = list(spool.glob("*.json"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(spool.stat().st_mode) == 0o700
    kept = json.loads(files[0].read_text())
    assert "focal loss" in kept["text"] and "AKIAIOSFODNN7EXAMPLE" not in kept["text"]
    # nothing reached the database
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM coco_entry").fetchone()[0] == 0
    # the database works again: the retry stores the spooled text and empties the spool
    out = coco("log", "--retry-pending", "--json")
    assert out.returncode == 0, out.stderr.decode()
    stored = json.loads(out.stdout)
    assert len(stored) == 1 and stored[0]["author"] == "ana" and stored[0]["status"] == "structured"
    assert not list(spool.glob("*.json"))
    entry = json.loads(coco("entry", stored[0]["entry_id"], "--json").stdout)
    assert "focal loss" in entry["text"]


def test_the_readme_says_what_exit_1_from_log_means() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert "NOT saved" in readme and "spool" in readme


# -- point 7: private files -----------------------------------------------------------------------------------


def test_coco_home_database_wal_and_log_are_private(coco: CocoCli, mlflow_store: MlflowStore,
                                                    tmp_path: Path) -> None:
    home = tmp_path / "private-home"
    env = dict(coco.env, COCO_HOME=str(home))
    env.pop("COCO_DATABASE_URL")  # the default: SQLite in COCO_HOME
    cli = CocoCli(env=env, cwd=coco.cwd)
    previous = os.umask(0o022)  # the usual umask, whatever the test runner's is
    try:
        assert cli("project", "add", "churn", "--mlflow-experiment", "churn-model").returncode == 0
        assert cli("log", "--project", "churn", stdin="tried xgb depth 4").returncode == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    db = home / "coco.db"
    with sqlite3.connect(db) as conn:  # keeps the WAL and SHM files open, as a running bot does
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("SELECT count(*) FROM coco_entry").fetchone()
        for path in (db, home / "coco.db-wal", home / "coco.db-shm", home / "coco.log"):
            assert path.exists(), path
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))


def test_brackets_in_notes_and_run_names_print_as_written(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    # Notes and tracker values are shown through rich: "[/]" in a note was an internal error (MarkupError),
    # and a run's settings "[n_estimators=500, model=rf]" vanished from `coco ask` as if they were markup.
    mlflow_store.add(RunSpec("rf-[500]", "ana", DAY, params={"n_estimators": "500", "model": "rf"},
                             metrics={"val_auc": 0.71}))
    _project(coco)
    note = "tried rf-[500] with lr in [1e-4, 3e-4] [/] and it was worse than [bold]logreg[/bold]\n"
    logged = coco("log", "--project", "churn", "--author", "ana", "--at", (DAY + dt.timedelta(hours=1)).isoformat(),
                  stdin=note)
    assert logged.returncode == 0, logged.stderr.decode()
    shown = logged.stdout.decode()
    assert "[1e-4, 3e-4]" in shown and "[/]" in shown and "[bold]logreg[/bold]" in shown, shown
    asked = coco("ask", "--project", "churn", "what did ana try?")
    assert asked.returncode == 0, asked.stderr.decode()
    assert "[n_estimators=500, model=rf]" in asked.stdout.decode(), asked.stdout.decode()
    for verb in (("phase", "--project", "churn"), ("digest", "--project", "churn"),
                 ("check", "--project", "churn", "lr in [1e-4, 3e-4] [/]")):
        out = coco(*verb)
        assert out.returncode == 0 and "internal error" not in out.stderr.decode(), out.stderr.decode()
