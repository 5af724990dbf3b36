"""Builders for narrative tests: runs and requests without a tracker, and a narrator over real stores."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrative.types import StructureRequest
from storage.records import ProjectRecord, RunSnapshot
from tests.conftest import MlflowStore, RunSpec

if TYPE_CHECKING:
    from narrative.service import Narrator

AT = dt.datetime(2030, 4, 10, 18, 0, tzinfo=dt.UTC)


def run_id(key: str) -> str:
    return hashlib.md5(key.encode()).hexdigest()


def make_run(key: str, *, user: str = "ada", hours_ago: float = 5, status: str = "FINISHED",
             name: str | None = None, params: dict[str, str] | None = None,
             metrics: dict[str, float] | None = None) -> RunSnapshot:
    return RunSnapshot(project_id="p", run_id=run_id(key), run_name=name or f"{key}-run", user=user,
                       status=status, start=AT - dt.timedelta(hours=hours_ago),
                       params=params or {}, metrics=metrics or {})


def make_request(text: str, runs: list[RunSnapshot], *, author: str = "ada", metric: str = "val_auc",
                 goal: Any = "max", window_start: dt.datetime | None = None) -> StructureRequest:
    refs = {}
    lowered = text.lower()
    for run in runs:
        for size in (32, 8, 6):
            if run.run_id[:size] in lowered:
                refs[run.run_id[:size]] = run
                break
    project = ProjectRecord(id="p", workspace_id="w", name="proj", primary_metric=metric, goal=goal)
    return StructureRequest(text=text, author=author, at=AT, project=project, window_runs=runs,
                            known_runs=runs, resolved_refs=refs, window_start=window_start)


@dataclass
class ChurnNarrator:
    """A narrator over a real SQLite store and MLflow store with a "churn" project and one run."""

    narrator: Narrator
    repo: Any
    workspace_id: str
    project: Any
    run_id: str


@contextlib.asynccontextmanager
async def churn_narrator(tmp_path: Path, mlflow_store: MlflowStore, *, now: dt.datetime
                         ) -> AsyncIterator[ChurnNarrator]:
    """Ana's "churn" project on val_auc, with her xgb-d4 run of three hours before ``now``."""
    from adapters import open_tracker
    from narrative.local_engine import LocalEngine
    from narrative.service import Narrator
    from storage.db import open_repository

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
        yield ChurnNarrator(narrator=narrator, repo=repo, workspace_id=workspace.id, project=project, run_id=run_id)
    finally:
        await tracker.aclose()
        await repo.aclose()
