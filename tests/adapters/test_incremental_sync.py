"""Incremental sync of a project's run cache (``Narrator.sync_runs``) against every tracker: MLflow on
a local store, MLflow through a real ``mlflow server``, and W&B through the real ``wandb`` client on
the W&B fake. COCO's own database is a real SQLite file (PostgreSQL too for the concurrency test).

A re-sync asks only for what may have changed: runs started since the last sync, and runs that were
still running then, however old. The narrator's clock is a test clock, so "a week ago" does not
depend on today's date; the tracker's runs carry start times chosen relative to it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from adapters.tracker import Tracker
from narrative.local_engine import LocalEngine
from narrative.run_sync import RESYNC_MIN_INTERVAL
from narrative.service import Narrator
from storage.db import open_repository
from storage.records import ProjectRecord, RunSnapshot
from storage.repository import SqlRepository
from tests.adapters.tracker_seed import Backend
from tests.adapters.wandb_fake import WandbFake
from tests.adapters.wandb_seed import ENTITY, ProjectsFake, WandbBackend, make_wandb_tracker

NOW = dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC)
_SERIAL = itertools.count()


def _ms(when: dt.datetime) -> int:
    return int(when.timestamp() * 1000)


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Runs:
    """Runs of a fresh experiment (MLflow) or project (W&B) of one backend, made and changed the way
    the tracker's own client does it."""

    def __init__(self, backend: Backend | WandbBackend) -> None:
        self.backend = backend
        name = f"sync{next(_SERIAL)}x{id(self) % 10_000}"
        if isinstance(backend, WandbBackend):
            fake: ProjectsFake = backend.fake
            part = WandbFake(runs=(), entity=ENTITY, project=name)
            part.requests, part.log, part.errors = fake.requests, fake.log, fake.errors
            part.base_url = fake.base_url
            fake.parts[name] = part
            self.part: WandbFake | None = part
            self.scope = f"{ENTITY}/{name}"
        else:
            self.part = None
            self.scope = str(backend.client.create_experiment(name))
        self._specs: dict[str, dict[str, Any]] = {}

    def add(self, name: str, *, start: dt.datetime, status: str, metrics: dict[str, float]) -> str:
        if self.part is not None:
            run_id = f"r{next(_SERIAL):07d}"
            spec = {"id": run_id, "name": name, "user": "ana", "created_at": _iso(start), "config": {"lr": "0.1"},
                    "state": status.lower(), "summary": dict(metrics), "duration": 0 if status == "RUNNING" else 600}
            self._specs[run_id] = spec
            self.part.add_run(spec)
            return run_id
        from mlflow.entities import Metric, Param

        client = self.backend.client  # type: ignore[union-attr]
        run = client.create_run(self.scope, start_time=_ms(start), tags={"mlflow.user": "ana"}, run_name=name)
        run_id = str(run.info.run_id)
        client.log_batch(run_id, params=[Param("lr", "0.1")],
                         metrics=[Metric(k, v, _ms(start), 0) for k, v in metrics.items()])
        if status != "RUNNING":
            client.set_terminated(run_id, status, _ms(start + dt.timedelta(minutes=10)))
        return run_id

    def change(self, run_id: str, *, step: int, metrics: dict[str, float], status: str | None = None,
               end: dt.datetime | None = None) -> None:
        """Log newer metric values (at ``step``); with ``status``, the run also ends (at ``end``)."""
        if self.part is not None:
            spec = self._specs[run_id]
            spec["summary"] = {**spec["summary"], **metrics}
            if status is not None:
                spec["state"] = status.lower()
                spec["duration"] = ((end or NOW) - dt.datetime.fromisoformat(spec["created_at"])).total_seconds()
            self.part.add_run(spec)  # the same id again: the stored run is replaced
            return
        client = self.backend.client  # type: ignore[union-attr]
        for key, value in metrics.items():
            client.log_metric(run_id, key, value, timestamp=_ms(NOW), step=step)
        if status is not None:
            client.set_terminated(run_id, status, _ms(end or NOW))


@dataclass
class Setup:
    narrator: Narrator
    repo: SqlRepository
    project: ProjectRecord
    now: list[dt.datetime] = field(default_factory=lambda: [NOW])

    async def sync(self, *, after: dt.timedelta = RESYNC_MIN_INTERVAL) -> None:
        self.now[0] += after
        record = await self.repo.get_project_by_id(self.narrator.workspace_id, self.project.id)
        await self.narrator.sync_runs(record)

    async def cached(self, run_id: str) -> RunSnapshot | None:
        return (await self.repo.get_runs(self.narrator.workspace_id, self.project.id, [run_id])).get(run_id)

    async def stamp(self) -> str:
        return await self.repo.history_stamp(self.narrator.workspace_id, self.project.id)


async def make_setup(database: str, tracker: Tracker, scope: str, *, key: str = "ws") -> AsyncIterator[Setup]:
    repo = await open_repository(database)
    try:
        workspace = await repo.ensure_workspace(key, platform="cli")
        project = await repo.create_project(
            workspace.id, name="sync", tracker_kind=tracker.kind, tracker_uri=tracker.uri, experiment_ids=[scope],
            experiment_names=[scope], primary_metric=None, goal="max")
        now = [NOW]
        narrator = Narrator(repo=repo, workspace_id=workspace.id, engine=LocalEngine(),
                            tracker_for=lambda _p: tracker, clock=lambda: now[0])
        yield Setup(narrator=narrator, repo=repo, project=project, now=now)
    finally:
        await repo.aclose()


@pytest.fixture
async def runs(backend: Backend | WandbBackend) -> Runs:
    return Runs(backend)


@pytest.fixture
async def sync_setup(backend: Backend | WandbBackend, runs: Runs, tmp_path: Path) -> AsyncIterator[Setup]:
    async for made in make_setup(f"sqlite:///{tmp_path / 'coco.db'}", backend.tracker, runs.scope):
        yield made


async def test_a_run_running_at_one_sync_is_refreshed_at_the_next_however_old(sync_setup: Setup, runs: Runs) -> None:
    long = runs.add("long-train", start=NOW - dt.timedelta(days=7), status="RUNNING", metrics={"loss": 1.0})
    done = runs.add("old-done", start=NOW - dt.timedelta(days=30), status="FINISHED", metrics={"auc": 0.7})
    await sync_setup.sync(after=dt.timedelta(0))  # the first sync reads every run
    first = await sync_setup.cached(long)
    assert first is not None and first.status == "RUNNING" and first.metrics == {"loss": 1.0}
    assert (await sync_setup.cached(done)) is not None

    runs.change(long, step=1, metrics={"loss": 0.5})  # still training, a week after it started
    await sync_setup.sync()
    again = await sync_setup.cached(long)
    assert again is not None and again.status == "RUNNING" and again.metrics == {"loss": 0.5}

    ended_at = sync_setup.now[0] + dt.timedelta(seconds=30)
    runs.change(long, step=2, metrics={"loss": 0.4}, status="FINISHED", end=ended_at)
    await sync_setup.sync()
    last = await sync_setup.cached(long)
    assert last is not None and last.status == "FINISHED" and last.metrics == {"loss": 0.4}
    assert last.end is not None and abs((last.end - ended_at).total_seconds()) <= 1

    # Now it has ended, a re-sync no longer asks for it: a value changed later in the tracker (by
    # hand, months after) stays as last synced. That is what "only what may have changed" means.
    runs.change(long, step=3, metrics={"loss": 0.1})
    await sync_setup.sync()
    kept = await sync_setup.cached(long)
    assert kept is not None and kept.metrics == {"loss": 0.4}


async def test_new_runs_appear_and_an_unchanged_resync_keeps_the_history(sync_setup: Setup, runs: Runs) -> None:
    for i in range(3):
        runs.add(f"base-{i}", start=NOW - dt.timedelta(hours=5 - i), status="FINISHED", metrics={"auc": 0.7 + i / 100})
    await sync_setup.sync(after=dt.timedelta(0))
    history = await sync_setup.narrator.cached_history(sync_setup.project)
    assert len(history.runs) == 3
    stamp = await sync_setup.stamp()

    for _ in range(2):  # nothing changed in the tracker: nothing is written, the stamp stays
        await sync_setup.sync()
        assert await sync_setup.stamp() == stamp
        # ...so the indexed history (and the index the engines keep on it) is the same object.
        assert await sync_setup.narrator.cached_history(sync_setup.project) is history

    at = sync_setup.now[0]
    fresh = runs.add("new-1", start=at + dt.timedelta(seconds=20), status="FINISHED", metrics={"auc": 0.8})
    # Logged from a machine whose clock is 3 minutes behind (or reaching the tracker late): still read.
    late = runs.add("new-late", start=at - dt.timedelta(minutes=3), status="FINISHED", metrics={"auc": 0.6})
    await sync_setup.sync()
    assert await sync_setup.stamp() != stamp
    grown = await sync_setup.narrator.cached_history(sync_setup.project)
    # the held history takes the new runs in place (issue 14: its index is updated, not rebuilt)
    assert grown is history and {fresh, late} <= set(grown.runs) and len(grown.runs) == 5
    whole = await sync_setup.narrator.history(sync_setup.project, sync=False)
    assert list(grown.runs.values()) == list(whole.runs.values())


async def test_a_changed_experiment_list_reads_everything_again(sync_setup: Setup, runs: Runs, backend: Any) -> None:
    runs.add("a", start=NOW - dt.timedelta(days=3), status="FINISHED", metrics={"auc": 0.7})
    await sync_setup.sync(after=dt.timedelta(0))
    other = Runs(backend)
    old = other.add("b", start=NOW - dt.timedelta(days=40), status="FINISHED", metrics={"auc": 0.75})
    repo, ws = sync_setup.repo, sync_setup.narrator.workspace_id
    sync_setup.project = await repo.create_project(
        ws, name="sync", tracker_kind=sync_setup.project.tracker_kind, tracker_uri=sync_setup.project.tracker_uri,
        experiment_ids=[runs.scope, other.scope], experiment_names=[runs.scope, other.scope], primary_metric=None,
        goal="max")
    await sync_setup.sync()
    assert await sync_setup.cached(old) is not None  # 40 days old, but its experiment is new to the project


# -- one sync of a project at a time, across replicas --------------------------------------------------
async def _replica(database: str, fake: ProjectsFake, scope: str, clock: Callable[[], dt.datetime]) -> AsyncIterator[
        tuple[Narrator, SqlRepository, Tracker]]:
    repo = await open_repository(database)
    tracker = make_wandb_tracker(fake)
    try:
        await tracker.get_experiment(scope)  # the client's start-up requests, before anything is counted
        workspace = await repo.ensure_workspace("team", platform="cli")
        yield Narrator(repo=repo, workspace_id=workspace.id, engine=LocalEngine(), tracker_for=lambda _p: tracker,
                       clock=clock), repo, tracker
    finally:
        await tracker.aclose()
        await repo.aclose()


async def test_two_replicas_sync_a_project_once(db_url: str, wandb_fake: ProjectsFake) -> None:
    """Two replicas (each its own repository, connection pool and tracker client) asked for the same
    project's runs at the same moment: one reads the tracker, the other waits for it and uses the
    fresh cache. Counted on the W&B fake's own record of the Runs queries it answered."""
    runs = Runs(WandbBackend(wandb_fake, make_wandb_tracker(wandb_fake)))
    running = runs.add("long", start=NOW - dt.timedelta(days=9), status="RUNNING", metrics={"loss": 1.0})
    for i in range(30):
        runs.add(f"r{i}", start=NOW - dt.timedelta(hours=i), status="FINISHED", metrics={"auc": i / 100})
    now = [NOW]
    one = _replica(db_url, wandb_fake, runs.scope, lambda: now[0])
    two = _replica(db_url, wandb_fake, runs.scope, lambda: now[0])
    (a, repo, _t1), (b, _repo2, _t2) = await anext(one), await anext(two)
    try:
        project = await repo.create_project(
            a.workspace_id, name="shared", tracker_kind="wandb", tracker_uri=_t1.uri, experiment_ids=[runs.scope],
            experiment_names=[runs.scope], primary_metric=None, goal="max")

        def queries() -> int:
            return sum(1 for r in wandb_fake.log if r["op"] == "Runs")

        async def both() -> int:
            before = queries()
            await asyncio.gather(a.sync_runs(project), b.sync_runs(project))
            return queries() - before

        async def alone() -> int:
            before = queries()
            await a.sync_runs(await repo.get_project_by_id(a.workspace_id, project.id))
            return queries() - before

        full_together = await both()  # the first (full) sync
        assert full_together >= 1
        assert len((await repo.list_runs(a.workspace_id, project.id))[0]) == 31

        now[0] += RESYNC_MIN_INTERVAL
        runs.change(running, step=1, metrics={"loss": 0.2}, status="FINISHED")
        fresh = await repo.get_project_by_id(a.workspace_id, project.id)
        before = queries()
        await asyncio.gather(a.sync_runs(fresh), b.sync_runs(fresh))
        together = queries() - before
        cached = (await repo.get_runs(a.workspace_id, project.id, [running]))[running]
        assert cached.status == "FINISHED" and cached.metrics == {"loss": 0.2}

        now[0] += RESYNC_MIN_INTERVAL
        solo = await alone()
        # Two replicas at once cost the tracker what one sync costs: the other one waited.
        assert together == solo + 1  # the run that ended was asked for by id once, the time it ended
        assert full_together == 1
    finally:
        for gen in (one, two):
            await gen.aclose()
