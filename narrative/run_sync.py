"""Keeping a project's run cache in step with its tracker: the cache in COCO's database is what every
history, answer and index is built from; this module is the one place that refreshes it in bulk.

The first sync (or the first after the project's experiments changed) reads every run. Later ones ask
the tracker only for what may have changed since the last sync:

* runs started since it began (less ``RESYNC_OVERLAP``, for the clocks of the machines that log runs);
* runs running now (``ACTIVE_STATUSES``): a run resumed after it ended, or one the cache never saw
  running;
* by id, the runs that were running at the last sync (the cache says which) and are not any more:
  their last metrics and their end, however long ago they started.

Only snapshots that changed are written (the repository compares), so a re-sync that found nothing
new leaves the history stamp, and with it the indexed history, as they were. One sync of a project
at a time across replicas (:meth:`storage.ports.RunCache.sync_turn`); a request that meets another's
sync waits for it, up to ``SYNC_WAIT_SECONDS``, then answers from the cache.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from adapters.tracker import ACTIVE_STATUSES, TrackedRun, Tracker, iter_runs
from core.errors import TrackerUnavailableError
from storage.ports import Repository
from storage.records import ProjectRecord, RunSnapshot

log = logging.getLogger("coco.service")

# A re-sync asks for the runs started since the last sync began, less this margin: a run's start time
# is the clock of the machine that logged it, which may lag ours, or reach the tracker late.
RESYNC_OVERLAP = dt.timedelta(minutes=10)
# Runs read this recently are fresh enough for a thread answer; a busy bot syncs at most this often.
RESYNC_MIN_INTERVAL = dt.timedelta(seconds=60)
# How long a request waits for another replica's (or task's) sync of the same project to end, so it
# answers from the fresh cache; after that it answers from the cache as it is.
SYNC_WAIT_SECONDS = 5.0
SYNC_BATCH = 1000  # snapshots written a transaction during a full sync


def snapshot_of(run: TrackedRun, *, project_id: str) -> RunSnapshot:
    return RunSnapshot(
        project_id=project_id,
        run_id=run.run_id,
        run_name=run.run_name,
        experiment_id=run.experiment_id,
        user=run.user,
        status=run.status,
        start=run.start,
        end=run.end,
        params=dict(run.params),
        metrics=dict(run.metrics),
        tags=dict(run.recorded_tags),
        url=run.url,
    )


def synced_recently(project: ProjectRecord, *, now: dt.datetime) -> bool:
    last = project.settings.get("synced_until")
    return isinstance(last, str) and now - dt.datetime.fromisoformat(last) < RESYNC_MIN_INTERVAL


async def sync_project_runs(
    repo: Repository,
    workspace_id: str,
    project: ProjectRecord,
    *,
    tracker_for: Callable[[ProjectRecord], Tracker],
    clock: Callable[[], dt.datetime],
    force: bool = False,
) -> None:
    """Refresh the project's run snapshots from its tracker, unless it was synced within
    ``RESYNC_MIN_INTERVAL`` (``force``: even then); a tracker outage keeps the cache as it is."""
    if not force and synced_recently(project, now=clock()):
        return
    async with repo.sync_turn(workspace_id, project.id, wait=SYNC_WAIT_SECONDS) as mine:
        if not mine:
            log.info("runs of %s are being synced elsewhere; using the cache", project.name)
            return
        if not force:  # a sync that ended while this one waited for its turn is fresh enough
            project = await repo.get_project_by_id(workspace_id, project.id)
            if synced_recently(project, now=clock()):
                return
        await _sync(repo, workspace_id, project, tracker_for(project), started=clock())


async def _sync(
    repo: Repository, workspace_id: str, project: ProjectRecord, tracker: Tracker, *, started: dt.datetime
) -> None:
    last = project.settings.get("synced_until")
    scope = sorted(project.experiment_ids)
    # The first sync, or one after the project's experiments changed, reads every run.
    since = dt.datetime.fromisoformat(last) - RESYNC_OVERLAP \
        if isinstance(last, str) and project.settings.get("synced_scope") == scope else None
    batch: dict[str, RunSnapshot] = {}
    written = 0
    try:
        if since is None:
            async for run in iter_runs(tracker, scope=project.experiment_ids):
                batch[run.run_id] = snapshot_of(run, project_id=project.id)
                if len(batch) >= SYNC_BATCH:
                    written += await repo.upsert_runs(workspace_id, list(batch.values()))
                    batch = {}
        else:
            were_running = await repo.list_run_ids(workspace_id, project.id, statuses=ACTIVE_STATUSES)

            async def read(**narrow: Any) -> list[TrackedRun]:
                return [run async for run in iter_runs(tracker, scope=project.experiment_ids, **narrow)]

            # Two independent questions, asked at once.
            for found in await asyncio.gather(read(since=since), read(statuses=ACTIVE_STATUSES)):
                batch.update((run.run_id, snapshot_of(run, project_id=project.id)) for run in found)
            ended = [run_id for run_id in were_running if run_id not in batch]
            for run in await read(run_ids=ended) if ended else []:
                batch[run.run_id] = snapshot_of(run, project_id=project.id)
        written += await repo.upsert_runs(workspace_id, list(batch.values()))
    except TrackerUnavailableError as outage:
        log.warning("using cached runs for %s: %s", project.name, outage.user_message)
        return
    log.debug("synced runs of %s (%s): %d written", project.name, "incremental" if since else "full", written)
    await repo.update_project_settings(
        workspace_id, project.id, {"synced_until": started.isoformat(), "synced_scope": scope}
    )
