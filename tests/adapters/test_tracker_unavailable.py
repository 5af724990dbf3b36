"""A tracker that cannot be reached fails fast with ``TrackerUnavailableError`` (and recovers)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from adapters import open_tracker
from adapters.mlflow_local import MlflowLocalTracker
from adapters.mlflow_rest import MlflowRestTracker
from adapters.tracker import Tracker
from core.errors import OutsideFailure, TrackerUnavailableError
from tests.adapters.tracker_seed import Dataset, copy_store
from tests.processes import free_port

FULL_ID = "0123456789abcdef0123456789abcdef"


def calls(tracker: Tracker) -> dict[str, Callable[[], Awaitable[object]]]:
    return {
        "search_runs": lambda: tracker.search_runs(scope=["1"]),
        "get_run(full id)": lambda: tracker.get_run(FULL_ID),
        "get_run(prefix)": lambda: tracker.get_run("012345", scope=["1"]),
        "get_run(prefix, all experiments)": lambda: tracker.get_run("012345"),
        "get_experiment": lambda: tracker.get_experiment("alpha"),
        "write_note": lambda: tracker.write_note(FULL_ID, entry_id="e", section="s"),
    }


async def assert_every_call_unavailable(tracker: Tracker, *, within: float) -> list[TrackerUnavailableError]:
    errors = []
    for name, call in calls(tracker).items():
        started = time.monotonic()
        with pytest.raises(TrackerUnavailableError) as caught:
            await call()
        took = time.monotonic() - started
        assert took < within, f"{name} took {took:.2f} s"
        errors.append(caught.value)
    return errors


async def test_rest_server_at_a_closed_port() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    tracker = MlflowRestTracker(url, retries=2, backoff=0.01)
    try:
        errors = await assert_every_call_unavailable(tracker, within=2.0)
    finally:
        await tracker.aclose()
    for err in errors:
        assert isinstance(err, OutsideFailure)
        assert err.uri == url and "after 3 attempts" in err.user_message


async def test_rest_credentials_never_appear_in_errors() -> None:
    port = free_port()
    tracker = open_tracker(f"http://ann:s3cret@127.0.0.1:{port}")
    assert isinstance(tracker, MlflowRestTracker)
    fast = MlflowRestTracker(f"http://ann:s3cret@127.0.0.1:{port}", retries=0)
    try:
        with pytest.raises(TrackerUnavailableError) as caught:
            await fast.search_runs(scope=["1"])
    finally:
        await fast.aclose()
        await tracker.aclose()
    assert "s3cret" not in caught.value.user_message and "s3cret" not in caught.value.uri


def _garbage(path: Path) -> Path:
    path.write_bytes(b"this is not a database\x00" * 200)
    return path


def _foreign_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
    return path


@pytest.mark.parametrize(
    ("case", "make_uri", "says"),
    [
        ("garbage file", lambda d: f"sqlite:///{_garbage(d / 'mlflow.db')}", "not an SQLite database"),
        ("garbage plain path", lambda d: str(_garbage(d / "mlflow.db")), "not an SQLite database"),
        ("directory", lambda d: f"sqlite:///{d}", "is not a file"),
        ("missing file", lambda d: f"sqlite:///{d / 'nope' / 'mlflow.db'}", "does not exist"),
        ("not an MLflow store", lambda d: f"sqlite:///{_foreign_sqlite(d / 'other.db')}", "not an MLflow store"),
        ("missing file store", lambda d: (d / "no-mlruns").as_uri(), "no MLflow file store"),
    ],
)
async def test_local_store_that_cannot_be_opened(
    tmp_path: Path, case: str, make_uri: Callable[[Path], str], says: str
) -> None:
    uri = make_uri(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    tracker = open_tracker(uri)
    assert isinstance(tracker, MlflowLocalTracker)
    errors = await assert_every_call_unavailable(tracker, within=2.0)
    assert all(says in e.user_message for e in errors), errors[0].user_message
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing was created or written


async def test_local_tracker_recovers_when_the_store_appears(tmp_path: Path, dataset: Dataset) -> None:
    db = tmp_path / "later.db"
    tracker = MlflowLocalTracker(f"sqlite:///{db}")
    with pytest.raises(TrackerUnavailableError):
        await tracker.get_experiment("alpha")
    copy_store(dataset.db, db)
    assert (await tracker.get_experiment("alpha")).name == "alpha"
    await tracker.aclose()


async def test_create_store_lets_mlflow_create_it(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "mlflow.db"
    tracker = MlflowLocalTracker(f"sqlite:///{db}", create_store=True)
    assert (await tracker.get_experiment("Default")).experiment_id == "0"
    assert db.is_file()
