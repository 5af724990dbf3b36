"""The narrative service over a real SQLite store and a real MLflow store: the warm history cache."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from adapters import open_tracker
from narrative.local_engine import LocalEngine
from narrative.service import Narrator
from storage.db import open_repository
from tests.conftest import MlflowStore, RunSpec


async def test_history_is_reused_until_the_narrative_changes(tmp_path: Path, mlflow_store: MlflowStore) -> None:
    now = dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.UTC)
    run_id = mlflow_store.add(RunSpec("xgb-d4", "ana", now - dt.timedelta(hours=3),
                                      params={"model": "xgboost", "max_depth": "4"}, metrics={"val_auc": 0.81}))
    repo = await open_repository(f"sqlite:///{tmp_path / 'coco.db'}")
    tracker = open_tracker(mlflow_store.uri)
    try:
        workspace = await repo.ensure_workspace("cli:test", platform="cli")
        narrator = Narrator(repo=repo, workspace_id=workspace.id, engine=LocalEngine(),
                            tracker_for=lambda _project: tracker, clock=lambda: now)
        project = await narrator.add_project(name="churn", tracker=tracker, experiments=["churn-model"],
                                             primary_metric="val_auc", goal="max")
        await narrator.log(project="churn", text=f"xgb {run_id} undersampling didn't help", author="ana", at=now)
        first = await narrator.cached_history(project)
        assert await narrator.cached_history(project) is first  # nothing changed: the same indexed object
        await narrator.check(project="churn", text="try undersampling again")
        assert await narrator.cached_history(project) is first
        await narrator.log(project="churn", text="catboost was slow, parking it", author="ana", at=now)
        second = await narrator.cached_history(project)
        assert second is not first and len(second.entries) == 2
    finally:
        await tracker.aclose()
        await repo.aclose()
