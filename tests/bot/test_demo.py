"""``coco demo`` end to end, as a person runs it: twice, in a fresh COCO_HOME, offline."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

COCO = Path(sys.executable).with_name("coco")
ENTRY_RULE = re.compile(r"entry (\S+) · nines · (maya|sam) · ")
TABLE_RUN = re.compile(r"│ ([0-9a-f]{8}) │")  # the entries' run tables
LOGGED_RUN = re.compile(r"^ ?\w{3} \d\d:\d\d\s+(?:maya|sam)\s+([0-9a-f]{8})\s", re.MULTILINE)  # the demo's own
CITED_RUN = re.compile(r"\brun ([0-9a-f]{8})\b")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COCO_", "MLFLOW_", "ANTHROPIC_", "SLACK_"))}
    env.update({
        "COCO_HOME": str(home),
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "COLUMNS": "200",  # wide enough that rich does not cut the entry headings
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _run_demo(home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(COCO), "demo"], cwd=cwd, env=_env(home), capture_output=True, text=True,
                          timeout=240, check=False)


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    """Read a store with sqlite3: an MLflow or SQLAlchemy client in this process would cache the engine
    of the first demo's (deleted) database file."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql).fetchall()


def _store_run_ids(demo_home: Path) -> set[str]:
    return {str(row[0]) for row in _query(demo_home / "mlflow.db", "SELECT run_uuid FROM runs")}


def _stored_entries(demo_home: Path) -> int:
    return int(str(_query(demo_home / "coco.db", "SELECT count(*) FROM coco_entry")[0][0]))


def _check_output(out: str, run_ids: set[str]) -> int:
    prefixes = {r[:8] for r in run_ids}
    assert set(LOGGED_RUN.findall(out)) == prefixes, "the demo's table of runs is not the MLflow store's"
    shown = set(TABLE_RUN.findall(out))
    assert len(shown) >= 12, f"expected the linked runs in the entries' tables, got {sorted(shown)}"
    assert shown <= prefixes, f"run ids shown that are not in the demo's MLflow store: {shown - prefixes}"
    cited = set(CITED_RUN.findall(out))
    assert cited, "phase/ask/digest cite no run"
    assert cited <= prefixes, f"cited run ids that are not in the store: {cited - prefixes}"
    # the messages carry pasted run-id prefixes, and the entries link them
    for message_prefix in re.findall(r"│ - logreg baseline \(([0-9a-f]{8})\)", out):
        assert message_prefix in prefixes
    entries = ENTRY_RULE.findall(out)
    assert [a for _, a in entries] == ["maya", "sam", "maya"], entries
    assert len({e for e, _ in entries}) == 3
    for section in ("Runs (values from the tracker)", "Conclusions", "Next steps", "Open questions",
                    "Phase summary", "You already tried this", "Sources:", "Try it yourself",
                    "make mlflow-ui STORE="):
        assert section in out, f"{section!r} missing from the demo's output"
    # nobody switched the primary metric: Sam only asked whether to (an open question is not a decision)
    assert re.search(r"Phase summary.* primary metric val_auc \(max\)", out), "the phase summary's metric moved"
    return len(entries)


def test_demo_runs_twice_with_real_runs_and_no_duplicates(tmp_path: Path) -> None:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    cwd.mkdir()
    demo_home = home / "demo"
    counts: list[int] = []
    for attempt in (1, 2):
        result = _run_demo(home, cwd)
        assert result.returncode == 0, f"run {attempt}: exit {result.returncode}\n{result.stderr[-3000:]}"
        assert "Traceback" not in result.stderr
        run_ids = _store_run_ids(demo_home)
        assert 18 <= len(run_ids) <= 24
        counts.append(_check_output(result.stdout, run_ids))
        assert _stored_entries(demo_home) == 3, f"run {attempt}: the demo's store has duplicate entries"
    assert counts == [3, 3]
    # the demo keeps to its own folder: no COCO or MLflow store of the user's, nothing in the working dir
    assert not (home / "coco.db").exists()
    assert not (home / "mlflow.db").exists()
    assert list(cwd.iterdir()) == []


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "demo").mkdir(parents=True)
    (home / "demo" / "thesis.tex").write_text("precious", encoding="utf-8")
    result = _run_demo(home, tmp_path)
    assert result.returncode == 2
    assert "was not made by `coco demo`" in result.stderr
    assert (home / "demo" / "thesis.tex").read_text(encoding="utf-8") == "precious"


@pytest.mark.parametrize("today", ["2026-03-09", "2026-03-11", "2026-03-14"])
def test_three_working_days_before_today(today: str) -> None:
    import datetime as dt

    from bot.demo_runs import last_working_days

    days = last_working_days(dt.date.fromisoformat(today))
    assert len(days) == 3 and days == sorted(days)
    assert all(d.weekday() < 5 and d < dt.date.fromisoformat(today) for d in days)


def test_messages_say_what_the_numbers_say() -> None:
    """The wording is computed from the results: flip a comparison and the message flips with it."""
    import datetime as dt

    from bot import demo, demo_runs

    def result(key: str, **metrics: float) -> demo_runs.RunResult:
        spec = next((s for s in demo_runs.PLAN if s.key == key), None) or demo_runs.RunSpec(
            key, key, "maya", 2, "10:00", "hgb", dict(demo_runs.HGB_BASE))
        base = {"val_auc": 0.95, "val_pr_auc": 0.7, "val_f1": 0.6, "train_auc": 0.99, "fit_seconds": 0.2}
        return demo_runs.RunResult(spec, f"{abs(hash(key)):032x}"[:32], "FINISHED",
                                   dt.datetime(2026, 3, 2, tzinfo=dt.UTC), metrics={**base, **metrics}, rows=200)

    runs = {k: result(k) for k in ("lr", "lr_bal", "rf", "rf_bal")}
    runs["lr_us"] = result("lr_us", val_auc=0.90)
    history = demo_runs.DemoHistory("sqlite://", "1", [dt.date(2026, 3, 2)] * 3, runs, "hgb_d3", 0.1, 1000, 1.0)
    assert "worse than both" in demo.message_day1(history)
    runs["lr_us"] = result("lr_us", val_auc=0.97)
    assert "better than weighting" in demo.message_day1(history)
