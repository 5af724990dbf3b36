"""Issue 9, a new user's first hour, through the real `coco` binary: settings by documented names only,
`coco entries` / `coco entry`, `--project` left out, WHEN everywhere, the engine notice, `jobs`, `-v`
and the `--help` texts. (Run links and the tracking-URI hint against a real `mlflow server`:
test_first_hour_server.py; the demo's and the README's commands: test_first_hour_readme.py.)"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.conftest import COCO, CocoCli, MlflowStore, RunSpec

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
LOG_KEYS = ("entry_id", "project", "author", "at", "title", "hypotheses", "runs", "observations", "conclusions",
            "next_steps", "open_questions", "decisions", "warnings")


def _one_line_error(proc: object) -> str:
    err = proc.stderr.decode()  # type: ignore[attr-defined]
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("coco: "), err
    return err


def _project(coco: CocoCli, name: str = "churn", experiment: str = "churn-model") -> None:
    out = coco("project", "add", name, "--mlflow-experiment", experiment, "--primary-metric", "val_auc")
    assert out.returncode == 0, out.stderr.decode()


def _log(coco: CocoCli, text: str, *args: str) -> dict[str, object]:
    out = coco("log", "--json", *args, stdin=text)
    assert out.returncode == 0, out.stderr.decode()
    return dict(json.loads(out.stdout))


# -- point 2: only documented names configure COCO -----------------------------------------------------


def test_every_setting_has_a_documented_name() -> None:
    # A field without an alias could be set by an environment variable of its bare name.
    assert all(f.validation_alias for f in Settings.model_fields.values())


def test_bare_home_engine_author_do_not_configure_coco(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COCO_", "MLFLOW_TRACKING", "ANTHROPIC_"))}
    env.update({"HOME": str(home), "ENGINE": "anthropic", "AUTHOR": "mallory", "WORKSPACE": "slack:T1",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'elsewhere.db'}"})
    out = CocoCli(env=env, cwd=tmp_path)("-v", "project", "list")
    assert out.returncode == 0, out.stderr.decode()
    err = out.stderr.decode()
    assert (home / ".coco" / "coco.db").is_file()  # COCO_HOME defaults to ~/.coco, not to $HOME
    assert not (home / "coco.db").exists() and not (tmp_path / "elsewhere.db").exists()
    assert "engine local" in err and "ANTHROPIC_API_KEY" not in err  # ENGINE is not COCO_ENGINE
    assert "mallory" not in err and "workspace cli:local" in err


# -- point 4: entries and entry ---------------------------------------------------------------------------


def test_entries_and_entry_show_what_was_filed(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    run = mlflow_store.add(RunSpec("xgb-d4", "ana", NOW - dt.timedelta(days=3), metrics={"val_auc": 0.803}))
    _project(coco)
    old = _log(coco, f"xgb {run} reached .80 auc, better than the baseline\nnext: tune depth", "--author", "ana",
               "--at", (NOW - dt.timedelta(days=3)).isoformat())
    new = _log(coco, "tried focal loss, it did not help. q: is the split time-based?", "--author", "bob",
               "--at", "yesterday")

    listed = json.loads(coco("entries", "--json").stdout)
    assert [e["entry_id"] for e in listed["entries"]] == [old["entry_id"], new["entry_id"]]
    for e in listed["entries"]:
        assert all(k in e for k in LOG_KEYS)
        assert e["project"] == "churn"
    assert listed["entries"][0]["runs"][0]["run_id"] == run
    assert listed["entries"][0]["runs"][0]["metrics"]["val_auc"] == pytest.approx(0.803)
    assert "xgb" in listed["entries"][0]["text"]  # the text exactly as sent comes along

    by_bob = json.loads(coco("entries", "--author", "bob", "--json").stdout)["entries"]
    assert [e["entry_id"] for e in by_bob] == [new["entry_id"]]
    recent = json.loads(coco("entries", "--since", "2d", "--project", "churn", "--json").stdout)["entries"]
    assert [e["entry_id"] for e in recent] == [new["entry_id"]]

    one = coco("entry", str(old["entry_id"]), "--json")
    assert one.returncode == 0
    shown = json.loads(one.stdout)
    assert {k: shown[k] for k in LOG_KEYS if k != "warnings"} == {k: old[k] for k in LOG_KEYS if k != "warnings"}

    coco.env["COLUMNS"] = "200"  # wide enough that rich does not cut the title out of the heading
    text = coco("entries").stdout.decode()
    assert str(old["entry_id"]) in text and str(new["entry_id"]) in text
    assert "Runs (values from the tracker)" in text and str(old["title"]) in text

    missing = coco("entry", "e_nope")
    assert missing.returncode == 2
    assert "e_nope" in _one_line_error(missing)


# -- point 5: --project may be left out -------------------------------------------------------------------


def test_project_is_optional_with_one_project_or_a_default(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    none_yet = coco("check", "try smote")
    assert none_yet.returncode == 2
    assert "coco project add" in _one_line_error(none_yet)
    _project(coco)
    assert coco("check", "--json", "try smote").returncode == 0
    _log(coco, "tried smote on the gbm, no gain")
    _project(coco, "fraud", "churn-model")
    which = coco("phase", "--json")
    assert which.returncode == 2
    err = _one_line_error(which)
    assert "churn" in err and "fraud" in err and "coco project use" in err
    use = coco("project", "use", "fraud")
    assert use.returncode == 0, use.stderr.decode()
    phase = coco("phase", "--json")
    assert phase.returncode == 0, phase.stderr.decode()
    entry = _log(coco, "tried class weights, a small gain")
    assert entry["project"] == "fraud"
    assert coco("project", "use", "nope").returncode == 2


# -- point 6: WHEN everywhere ------------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["14d", "2w", "yesterday", "today", "36h", "2026-03-01", "2026-03-01T18:00:00Z"])
def test_since_accepts_every_form(coco: CocoCli, mlflow_store: MlflowStore, when: str) -> None:
    _project(coco)
    out = coco("phase", "--since", when, "--json")
    assert out.returncode == 0, out.stderr.decode()
    assert coco("entries", "--since", when, "--json").returncode == 0


@pytest.mark.parametrize("when", ["0001-01-01", "99999999d", "2026-13-45", "soon", "9999-12-31T23:59:59+14:00"])
def test_bad_or_absurd_times_are_one_line_errors(coco: CocoCli, mlflow_store: MlflowStore, when: str) -> None:
    _project(coco)
    for args in (("phase", "--since", when), ("entries", "--since", when), ("usage", "--since", when)):
        out = coco(*args)
        assert out.returncode == 2, (args, out.stderr.decode())
        assert when in _one_line_error(out)
    out = coco("log", "--at", when, stdin="tried smote")
    assert out.returncode == 2
    _one_line_error(out)


def test_log_at_yesterday_is_dated_yesterday(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    _project(coco)
    # "yesterday" is read when the command runs, not when this module was imported: a suite that crosses
    # midnight must accept the day before either side of the call
    before = dt.datetime.now(dt.UTC)
    entry = _log(coco, "tried smote, no gain", "--at", "yesterday")
    after = dt.datetime.now(dt.UTC)
    at = dt.datetime.fromisoformat(str(entry["at"]))
    assert at.date() in {(before - dt.timedelta(days=1)).date(), (after - dt.timedelta(days=1)).date()}


def test_chat_takes_when_and_lists_entries(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    _project(coco)
    entry = _log(coco, "tried smote on the gbm, it did not help", "--at", "2d")
    script = "/coco phase 14d\n/coco phase 0001-01-01\n/coco entries 7d\n/coco entry " + str(entry["entry_id"]) + "\n"
    out = coco("chat", "--user", "ana", stdin=script)
    assert out.returncode == 0, out.stderr.decode()
    text, err = out.stdout.decode(), out.stderr.decode()
    assert "Traceback" not in err and "Traceback" not in text
    assert "before 1970" in text  # the absurd date is said in one sentence
    assert text.count(str(entry["entry_id"])) >= 2  # listed, then shown
    assert "smote" in text


# -- point 8: an engine chosen without its key -------------------------------------------------------------


@pytest.mark.parametrize("verbose", [False, True])
def test_engine_without_key_is_said_once_on_stderr(coco: CocoCli, mlflow_store: MlflowStore, verbose: bool) -> None:
    _project(coco)
    coco.env["COCO_ENGINE"] = "anthropic"
    out = coco(*(["-v"] if verbose else []), "check", "--json", "try smote")
    assert out.returncode == 0, out.stderr.decode()
    err = out.stderr.decode()
    assert err.count("ANTHROPIC_API_KEY") == 1, err
    assert "COCO_ENGINE=anthropic" in err
    coco.env["COCO_ENGINE"] = "auto"  # auto without a key is not a choice: nothing to say
    assert "ANTHROPIC_API_KEY" not in coco("check", "--json", "try smote").stderr.decode()


# -- point 16: help, jobs, -v ----------------------------------------------------------------------------------


def test_help_describes_project_json_and_the_text() -> None:
    import subprocess

    out = subprocess.run([COCO, "check", "--help"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(out.split())
    assert "--project PROJECT the project (may be left out" in flat
    assert "--json print the result as JSON" in flat
    assert "text what you plan to try" in flat
    out = subprocess.run([COCO, "entries", "--help"], capture_output=True, text=True, check=True).stdout
    assert "14d" in out and "--author" in out


def test_jobs_says_what_is_pending_and_verbose_logs(
    coco: CocoCli, mlflow_store: MlflowStore, tmp_path: Path
) -> None:
    _project(coco)
    db, hidden = tmp_path / "mlflow.db", tmp_path / "mlflow.db.away"
    shutil.move(db, hidden)
    db.mkdir()  # the store cannot be opened: the entry is kept pending
    out = coco("log", "--author", "ana", "--json", stdin="tried smote, no gain")
    assert out.returncode == 1
    pending_id = json.loads(out.stdout)["entry_id"]
    jobs = coco("-v", "jobs")
    assert jobs.returncode == 0, jobs.stderr.decode()
    said = jobs.stdout.decode()
    assert "No work was due" not in said
    assert pending_id in said and "pending" in said and "--retry-pending" in said
    assert "INFO coco.cli: coco jobs" in jobs.stderr.decode()  # -v logs to stderr
    report = json.loads(coco("jobs", "--json").stdout)
    assert [p["entry_id"] for p in report["pending"]] == [pending_id]
    db.rmdir()
    shutil.move(hidden, db)
    assert coco("log", "--retry-pending").returncode == 0
    assert "No work was due" in coco("jobs").stdout.decode()
