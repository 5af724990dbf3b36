"""The app factory: settings in, a ready ``Narrator`` out. Front ends (CLI, Slack, Teams) share it."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from adapters.tracker import Tracker
from bot.settings import Settings
from core.errors import UserInputError
from narrative.engine import Engine
from narrative.service import Narrator
from narrative.usage import RepositoryUsageRecorder, UsageRecorder
from narrative.workspace import enter_workspace, workspace_ids
from storage.ports import InboxQueue, Repository
from storage.records import ProjectRecord

if TYPE_CHECKING:
    from bot.nudges import PeopleDirectory

log = logging.getLogger("coco")


# A log record carrying this attribute was already written to stderr: the CLI's -v handler skips it.
SHOWN_ON_STDERR = "coco_shown_on_stderr"


def engine_notice(settings: Settings) -> str | None:
    """Why an engine chosen explicitly cannot be used (its variable is missing), or None."""
    name = settings.engine_name()
    if name == "anthropic" and settings.anthropic_api_key is None:
        return "COCO_ENGINE=anthropic but ANTHROPIC_API_KEY is not set; using the local engine."
    if name == "openai-compatible" and not settings.llm_base_url:
        return "COCO_ENGINE=openai-compatible but COCO_LLM_BASE_URL is not set; using the local engine."
    return None


def _say_engine_notice(notice: str) -> None:
    # Said on stderr (once: the engine is built once per command or bot), not only in coco.log: a
    # person who chose the engine explicitly must know their notes were not written by it.
    sys.stderr.write(f"coco: {notice}\n")
    sys.stderr.flush()
    log.warning(notice, extra={SHOWN_ON_STDERR: True})


def build_engine(settings: Settings, *, usage: UsageRecorder | None = None) -> Engine:
    """The configured writer; model engines fall back to the local one call by call."""
    from narrative.history_index import HistoryIndexCache
    from narrative.local_engine import LocalEngine

    # One index cache per app; freezing a large index out of the GC's sight is the app's call (process-wide).
    local = LocalEngine(index_cache=HistoryIndexCache(freeze_large=True))
    name = settings.engine_name()
    notice = engine_notice(settings)
    if notice is not None:
        _say_engine_notice(notice)
        return local
    if name == "anthropic":
        assert settings.anthropic_api_key is not None  # engine_notice covers the missing key
        from narrative.anthropic_engine import AnthropicEngine  # imports no SDK until the first call

        return AnthropicEngine(
            api_key=settings.anthropic_api_key.get_secret_value(),
            base_url=settings.anthropic_base_url,
            model=settings.anthropic_model,
            max_tokens=settings.anthropic_max_tokens,
            timeout=settings.anthropic_timeout,
            total_deadline=settings.llm_deadline,
            fallback=local,
            usage=usage,
            monthly_budget_usd=settings.monthly_budget_usd,
            redact=settings.redact,
        )
    if name == "openai-compatible":
        assert settings.llm_base_url  # engine_notice covers the missing URL
        from narrative.openai_compat_engine import OpenAICompatEngine

        return OpenAICompatEngine(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
            max_tokens=settings.anthropic_max_tokens,
            timeout=max(settings.anthropic_timeout, 120.0),  # local models are slower than the API
            total_deadline=max(settings.llm_deadline, 180.0),
            fallback=local,
            usage=usage,
            monthly_budget_usd=settings.monthly_budget_usd,
            redact=settings.redact,
        )
    return local


class TrackerPool:
    """One tracker client per URI, opened on first use (importing MLflow is slow: only when needed)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._open: dict[str, Tracker] = {}

    def for_uri(self, uri: str, *, kind: str = "mlflow") -> Tracker:
        if uri not in self._open:
            from adapters import open_tracker

            tracker = open_tracker(uri, kind=kind, ui_url=self._settings.mlflow_ui_url)
            log.info("tracker %s: %s", type(tracker).__name__, uri.split("@")[-1])
            self._open[uri] = tracker
        return self._open[uri]

    def for_new_project(
        self, *, mlflow: Sequence[str] | None, wandb: Sequence[str] | None
    ) -> tuple[Tracker, list[str]]:
        """The tracker a ``project add`` (or ``/coco link``) names, and the experiments to look up in it.

        ``--mlflow-experiment`` reads MLflow at ``MLFLOW_TRACKING_URI``; ``--wandb-project`` reads W&B at
        ``WANDB_BASE_URL`` (else the wandb client's configured server); both make one project whose runs
        are in the two trackers (a team moving from one to the other)."""
        from adapters import wandb_uri_from_env
        from adapters.composite import composite_uri, scoped

        experiments = [e for e in (mlflow or []) if e and e.strip()]
        projects = [p for p in (wandb or []) if p and p.strip()]
        if not experiments and not projects:
            raise UserInputError(
                "Say where the runs are: --mlflow-experiment EXPERIMENT or --wandb-project ENTITY/PROJECT.")
        if experiments and projects:
            mlflow_uri = self._settings.resolved_tracking_uri()
            uri = composite_uri([("mlflow", mlflow_uri), ("wandb", wandb_uri_from_env())])
            names = [scoped("mlflow", e) for e in experiments] + [scoped("wandb", p) for p in projects]
            return self.for_uri(uri, kind="multi"), names
        if projects:
            return self.for_uri(wandb_uri_from_env(), kind="wandb"), projects
        return self.for_uri(self._settings.resolved_tracking_uri()), experiments

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

    settings.home_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    repo = await open_repository(settings.resolved_database_url())
    trackers = TrackerPool(settings)
    engine = build_engine(settings, usage=RepositoryUsageRecorder(repo))
    try:
        workspace = await repo.ensure_workspace(workspace_key or settings.workspace, platform=platform)
        narrator = Narrator(
            repo=repo,
            workspace_id=workspace.id,
            engine=engine,
            tracker_for=trackers.for_project,
            lookback_days=settings.lookback_days,
        )
        yield narrator, trackers
    finally:
        closer = getattr(engine, "aclose", None)
        if closer is not None:
            await closer()
        await trackers.aclose()
        await repo.aclose()


class NarratorHub:
    """One store, tracker pool and engine shared by every workspace a bot serves.

    A ``Narrator`` is cheap (it only holds references), so the hub keeps one per workspace; the
    costly parts (database pool, MLflow clients, the engine's HTTP client) are opened once. The store
    stays private: front ends read and change the workspace through the narrators' operations."""

    def __init__(self, *, settings: Settings, store: Repository, engine: Engine, trackers: TrackerPool) -> None:
        self.settings = settings
        self._store = store
        self.engine = engine
        self.trackers = trackers
        self._by_key: dict[str, Narrator] = {}
        self._by_id: dict[str, Narrator] = {}
        # The chat platform's directory of people (time zone, status, admin), when the front end has
        # one: the end-of-day nudges read it (bot/nudges.py). Set by the runtime that serves the hub.
        self.people: PeopleDirectory | None = None

    def _make(self, workspace_id: str) -> Narrator:
        narrator = self._by_id.get(workspace_id)
        if narrator is None:
            narrator = Narrator(
                repo=self._store,
                workspace_id=workspace_id,
                engine=self.engine,
                tracker_for=self.trackers.for_project,
                lookback_days=self.settings.lookback_days,
            )
            self._by_id[workspace_id] = narrator
        return narrator

    async def narrator(self, workspace_key: str, *, platform: str) -> Narrator:
        """The narrator of a workspace, creating the workspace on its first message."""
        cached = self._by_key.get(workspace_key)
        if cached is not None:
            return cached
        narrator = self._make(await enter_workspace(self._store, workspace_key, platform=platform))
        self._by_key[workspace_key] = narrator
        return narrator

    @property
    def inbox(self) -> InboxQueue:
        """The durable inbox and the job queue behind it (``bot.inbox``): cross-workspace by design,
        like the job worker, so it is the store itself, seen through that port only."""
        return self._store

    def for_workspace_id(self, workspace_id: str) -> Narrator:
        return self._make(workspace_id)

    async def narrators(self, *, platform: str | None = None) -> list[Narrator]:
        """Every workspace's narrator (of one platform): what the background loops serve."""
        return [self._make(workspace_id) for workspace_id in await workspace_ids(self._store, platform=platform)]


@asynccontextmanager
async def open_hub(settings: Settings) -> AsyncIterator[NarratorHub]:
    from storage.db import open_repository

    settings.home_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = await open_repository(settings.resolved_database_url())
    trackers = TrackerPool(settings)
    engine = build_engine(settings, usage=RepositoryUsageRecorder(store))
    try:
        yield NarratorHub(settings=settings, store=store, engine=engine, trackers=trackers)
    finally:
        closer = getattr(engine, "aclose", None)
        if closer is not None:
            await closer()
        await trackers.aclose()
        await store.aclose()
