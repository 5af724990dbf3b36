"""Helpers shared by the storage tests (a plain module: test files import it by name, which is not
safe with ``conftest`` when several test folders have one)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from storage.records import ProjectRecord, WorkspaceRecord
from storage.repository import SqlRepository

REPO_ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC)


@dataclass
class World:
    workspace: WorkspaceRecord
    project: ProjectRecord


async def make_world(repo: SqlRepository, key: str = "cli:local", project: str = "fraud") -> World:
    workspace = await repo.ensure_workspace(key, platform=key.split(":")[0], name=key)
    record = await repo.create_project(
        workspace.id,
        name=project,
        tracker_kind="mlflow",
        tracker_uri="sqlite:///mlflow.db",
        experiment_ids=["1"],
        experiment_names=[project],
        primary_metric="roc_auc",
        goal="max",
    )
    return World(workspace, record)
