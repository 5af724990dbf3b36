"""``adapters.open_tracker``: the implementation by URI scheme, and a light ``import adapters``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from adapters import TRACKERS, TrackerRegistry, open_tracker, run_ref_pattern
from adapters.mlflow_local import MlflowLocalTracker, store_uri_for
from adapters.mlflow_rest import MlflowRestTracker
from adapters.tracker import TrackedRun, Tracker, utc
from core.errors import UserInputError


def test_import_adapters_stays_light() -> None:
    code = (
        "import sys, adapters\n"
        "t = adapters.open_tracker('sqlite:///nowhere.db')\n"
        "heavy = [m for m in ('mlflow', 'sqlalchemy', 'aiohttp') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""  # MLflow is imported on the tracker's first call, not before


@pytest.mark.parametrize(
    "uri",
    ["sqlite:///mlflow.db", "sqlite:////abs/mlflow.db", "file:///tmp/mlruns", "./mlruns", "mlflow.db",
     "postgresql://u@db/mlflow", "postgresql+psycopg2://u@db/mlflow", "mysql://u@db/mlflow"],
)
def test_local_stores(uri: str) -> None:
    tracker = open_tracker(uri)
    assert isinstance(tracker, MlflowLocalTracker)
    assert isinstance(tracker, Tracker)
    assert tracker.uri == uri and tracker.kind == "mlflow"


@pytest.mark.parametrize("uri", ["http://127.0.0.1:5000", "https://mlflow.example.org/prefix/"])
def test_servers(uri: str) -> None:
    tracker = open_tracker(uri)
    assert isinstance(tracker, MlflowRestTracker)
    assert isinstance(tracker, Tracker)


@pytest.mark.parametrize(
    ("uri", "kind", "says"),
    [
        ("wandb://", "mlflow", "is wandb's, but the tracker kind given is 'mlflow'"),
        ("sqlite:///x.db", "wandb", "is mlflow's, but the tracker kind given is 'wandb'"),
        ("databricks", "mlflow", "Databricks"),
        ("databricks://profile", "mlflow", "Databricks"),
        ("ftp://host/x", "mlflow", "Unsupported tracker URI scheme 'ftp': the known schemes are file, http, https"),
        ("   ", "mlflow", "No tracker URI"),
        ("sqlite:///x.db", "comet", "Unknown tracker kind"),
    ],
)
def test_refused(uri: str, kind: str, says: str) -> None:
    with pytest.raises(UserInputError, match=says):
        open_tracker(uri, kind=kind)


def _run(experiment_id: str = "3", run_id: str = "ab" * 16) -> TrackedRun:
    start = utc(0)
    assert start is not None
    return TrackedRun(run_id, "n", experiment_id, "u", "FINISHED", start, None)


def test_run_urls() -> None:
    run = _run()
    local = open_tracker("sqlite:///x.db")
    assert local.run_url(run) == f"http://127.0.0.1:5000/#/experiments/3/runs/{run.run_id}"
    assert open_tracker("sqlite:///x.db", ui_url="http://ui:8080/").run_url(run) == (
        f"http://ui:8080/#/experiments/3/runs/{run.run_id}"
    )
    assert open_tracker("https://ml.example.org/mlflow/").run_url(run) == (
        f"https://ml.example.org/mlflow/#/experiments/3/runs/{run.run_id}"
    )
    assert open_tracker("https://ann:pw@ml.example.org").run_url(run) == (
        f"https://ml.example.org/#/experiments/3/runs/{run.run_id}"
    )
    assert open_tracker("http://server:5000", ui_url="https://ui.example.org").run_url(run).startswith(
        "https://ui.example.org/#/"
    )


def test_plain_paths_become_explicit_store_uris(tmp_path: Path) -> None:
    assert store_uri_for(str(tmp_path / "mlflow.db")) == f"sqlite:///{tmp_path / 'mlflow.db'}"
    existing = tmp_path / "store"
    existing.write_bytes(b"")
    assert store_uri_for(str(existing)) == f"sqlite:///{existing}"
    assert store_uri_for(str(tmp_path / "mlruns")) == (tmp_path / "mlruns").as_uri()
    assert store_uri_for("sqlite:///rel.db") == "sqlite:///rel.db"


def test_unknown_scheme_lists_the_registered_ones() -> None:
    with pytest.raises(UserInputError) as refused:
        open_tracker("comet://ws/project")
    message = str(refused.value)
    for scheme in TRACKERS.schemes():
        assert scheme in message
    assert {"sqlite", "file", "http", "https", "postgresql"} <= set(TRACKERS.schemes())


def test_a_registered_scheme_is_served_by_its_factory() -> None:
    registry = TrackerRegistry()
    made: list[tuple[str, str | None]] = []

    def factory(uri: str, ui_url: str | None) -> Tracker:
        made.append((uri, ui_url))
        return open_tracker("sqlite:///x.db")

    registry.register("Demo", factory, kind="mlflow")
    found = registry.lookup("demo")
    assert found is not None and found.kind == "mlflow" and registry.schemes() == ["demo"]
    found.factory("demo://x", "http://ui")
    assert made == [("demo://x", "http://ui")]
    assert registry.lookup("other") is None


@pytest.mark.parametrize(
    ("uri", "base"),
    [("wandb://", None), ("wandb+http://127.0.0.1:8080", "http://127.0.0.1:8080"),
     ("wandb+https://wandb.example.org/", "https://wandb.example.org"), ("wandb://wandb.example.org", "https://wandb.example.org")],
)
def test_wandb_uris(uri: str, base: str | None) -> None:
    from adapters._wandb_names import base_url_of, uri_for
    from adapters.wandb_api import WandbTracker

    tracker = open_tracker(uri, kind="wandb")
    assert isinstance(tracker, WandbTracker) and isinstance(tracker, Tracker)
    assert tracker.kind == "wandb" and tracker.uri == uri.strip()
    assert base_url_of(uri) == base
    assert base_url_of(uri_for(base)) == base


def test_import_adapters_stays_light_with_wandb() -> None:
    code = (
        "import sys, adapters\n"
        "t = adapters.open_tracker('wandb+http://127.0.0.1:9', kind='wandb')\n"
        "t.run_ref_pattern.findall('x0a1b2c3 baseline')\n"
        "print(','.join(m for m in ('wandb', 'mlflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""  # wandb is imported on the tracker's first call, not before


def test_composite_uri_opens_both_members() -> None:
    from adapters.composite import CompositeTracker, composite_uri

    uri = composite_uri([("mlflow", "sqlite:///x.db"), ("wandb", "wandb+http://127.0.0.1:9")])
    tracker = open_tracker(uri, kind="multi")
    assert isinstance(tracker, CompositeTracker) and isinstance(tracker, Tracker)
    assert tracker.uri == uri and tracker.kind == "multi"
    assert sorted(tracker.members) == ["mlflow", "wandb"]
    assert tracker.looks_like_run_ref("ab" * 16) and tracker.looks_like_run_ref("x0a1b2c3")
    found = tracker.run_ref_pattern.findall(f"{'ab' * 16} and x0a1b2c3, not baseline")
    assert found == ["ab" * 16, "x0a1b2c3"]


def test_run_ref_pattern_by_kind() -> None:
    tracker = open_tracker("sqlite:///x.db")
    assert run_ref_pattern("mlflow") is tracker.run_ref_pattern
    with pytest.raises(UserInputError, match="Unknown tracker kind"):
        run_ref_pattern("comet")
