"""The app factory: settings in, a ready ``Narrator`` out. Front ends (CLI, Slack, Teams) share it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from adapters.tracker import Tracker
from bot.settings import Settings
from narrative.engine import Engine
from narrative.service import Narrator
from storage.records import ProjectRecord

log = logging.getLogger("coco")


def build_engine(settings: Settings) -> Engine:
    from narrative.local_engine import LocalEngine

    name = settings.engine_name()
    if name != "local":
        log.warning("engine %r is not available in this build; using the local engine", name)
    return LocalEngine()


class TrackerPool:
    """One tracker client per URI, opened on first use (importing MLflow is slow: only when needed)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._open: dict[str, Tracker] = {}

    def for_uri(self, uri: str, *, kind: str = "mlflow") -> Tracker:
        if uri not in self._open:
            from adapters import open_tracker

            self._open[uri] = open_tracker(uri, kind=kind, ui_url=self._settings.mlflow_ui_url)
        return self._open[uri]

    def for_project(self, project: ProjectRecord) -> Tracker:
        return self.for_uri(project.tracker_uri or self._settings.resolved_tracking_uri(), kind=project.tracker_kind)

    async def aclose(self) -> None:
        for tracker in self._open.values():
            await tracker.aclose()
        self._open.clear()


@asynccontextmanager
async def open_narrator(
    settings: Settings, *, workspace_key: str | None = None, platform: str = "cli"
) -> AsyncIterator[tuple[Narrator, TrackerPool]]:
    from storage.db import open_repository

    settings.home_dir.mkdir(parents=True, exist_ok=True)
    repo = await open_repository(settings.resolved_database_url())
    trackers = TrackerPool(settings)
    try:
        workspace = await repo.ensure_workspace(workspace_key or settings.workspace, platform=platform)
        narrator = Narrator(
            repo=repo,
            workspace_id=workspace.id,
            engine=build_engine(settings),
            tracker_for=trackers.for_project,
            lookback_days=settings.lookback_days,
        )
        yield narrator, trackers
    finally:
        await trackers.aclose()
        await repo.aclose()
