"""An SQLite MLflow store is read and tagged without importing MLflow (adapters/mlflow_sqlite.py);
the behaviour suite runs it as the ``local`` backend and ``MlflowClient`` as ``local-client``."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

from adapters.mlflow_local import MlflowLocalTracker
from tests.adapters.tracker_seed import Dataset, copy_store


def test_reading_and_tagging_an_sqlite_store_never_imports_mlflow(dataset: Dataset, tmp_path: Path) -> None:
    store = copy_store(dataset.db, tmp_path / "store.db")
    ids = sorted(dataset.experiments.values())
    code = (
        "import asyncio, sys\n"
        "from adapters import open_tracker\n"
        "async def main():\n"
        f"    t = open_tracker('sqlite:///{store}')\n"
        f"    exp = await t.get_experiment({next(iter(dataset.experiments))!r})\n"
        f"    page = await t.search_runs(scope={ids!r}, user='nobody')\n"
        f"    page = await t.search_runs(scope={ids!r})\n"
        "    run = page.runs[0]\n"
        "    await t.write_note(run.run_id[:8], entry_id='e1', section='a line')\n"
        "    again = await t.get_run(run.run_id)\n"
        "    assert 'e1' in again.note, again.note\n"
        "    print(exp.experiment_id, len(page.runs), 'mlflow' in sys.modules)\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-1] == "False", out.stdout


async def test_a_filter_it_does_not_know_goes_to_mlflow(local_store: Path) -> None:
    tracker = MlflowLocalTracker(f"sqlite:///{local_store}")
    try:
        ids = await tracker._active_experiment_ids()
        everything = await tracker._search(ids, "", 1000, None)
        # Not a filter adapters._mlflow writes: MlflowClient answers it (MLflow's own parser).
        by_metric = await tracker._search(ids, "metrics.val_auc > -1", 1000, None)
    finally:
        await tracker.aclose()
    assert {r.run_id for r in by_metric.runs} == {r.run_id for r in everything.runs if "val_auc" in r.metrics}


def test_the_schema_head_is_read_as_mlflow_knows_it() -> None:
    from mlflow.store.db.utils import _get_latest_schema_revision

    from adapters.mlflow_sqlite import installed_schema_head

    assert installed_schema_head() == _get_latest_schema_revision()


async def test_a_store_of_another_schema_is_left_to_mlflow(dataset: Dataset, tmp_path: Path) -> None:
    # The reader's queries are MLflow's for its own schema only: an older store is MLflow's to refuse
    # (or migrate), never read as if its columns were where the reader expects them.
    import sqlite3

    from core.errors import CocoError

    store = copy_store(dataset.db, tmp_path / "store.db")
    with sqlite3.connect(store) as db:
        db.execute("UPDATE alembic_version SET version_num = '0c779009ac13'")
    tracker = MlflowLocalTracker(f"sqlite:///{store}")
    try:
        with contextlib.suppress(CocoError):  # MLflow refusing an out-of-date schema, as before the reader
            await tracker.get_experiment(next(iter(dataset.experiments)))
        assert tracker._sqlite is None
    finally:
        await tracker.aclose()
