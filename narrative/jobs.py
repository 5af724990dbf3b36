"""The durable job queue as service operations: claiming, finishing, retrying or failing a job, and
running the service's own jobs (pending entries to structure, entries to re-structure after an engine
fallback, tracker write-backs that failed).

Front ends (``bot/``) call these instead of the repository. The weekly digest's scheduling rules stay
in ``bot/scheduler.py`` (it decides *when* and posts through a front end); what it stores and claims
goes through here, scoped to the narrator's workspace.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from core.errors import CocoError
from narrative.service import RESTRUCTURE_JOB, STRUCTURE_JOB, WRITE_BACK_JOB, Narrator, note_section
from storage.records import JobRecord

RETRY_DELAY = dt.timedelta(minutes=5)
JOB_KINDS = (STRUCTURE_JOB, RESTRUCTURE_JOB, WRITE_BACK_JOB)


# -- the queue, scoped to one workspace ---------------------------------------------------------------
async def enqueue_job(
    narrator: Narrator,
    *,
    kind: str,
    payload: dict[str, object],
    run_after: dt.datetime | None = None,
    dedupe_key: str | None = None,
) -> JobRecord:
    """Queue work in the narrator's workspace; a second job with the same ``dedupe_key`` is not created."""
    return await narrator.repo.enqueue_job(
        narrator.workspace_id, kind=kind, payload=payload, run_after=run_after, dedupe_key=dedupe_key
    )


async def claim_jobs(
    narrator: Narrator,
    *,
    kinds: Sequence[str],
    worker: str,
    now: dt.datetime | None = None,
    limit: int = 10,
    lease_seconds: int | None = None,
) -> list[JobRecord]:
    """Claim the workspace's due jobs of these kinds (row-locked: one job runs once across replicas);
    without ``lease_seconds`` a claim lasts the store's default lease."""
    lease = {} if lease_seconds is None else {"lease_seconds": lease_seconds}
    return await narrator.repo.claim_jobs(
        kinds=kinds, now=now, limit=limit, worker=worker, workspace_id=narrator.workspace_id, **lease
    )


async def finish_job(
    narrator: Narrator, job: JobRecord, *, error: str | None = None, retry_at: dt.datetime | None = None
) -> None:
    """Done when ``error`` is None; otherwise failed, or queued again at ``retry_at``."""
    await narrator.repo.finish_job(job.id, error=error, retry_at=retry_at)


async def retry_or_fail(
    narrator: Narrator, job: JobRecord, reason: str, *, retry_at: dt.datetime, max_attempts: int
) -> bool:
    """Queue the job again at ``retry_at`` while it has attempts left, else fail it for good.
    True when it will be retried."""
    # ``attempts`` counts earlier finishes and expired leases; this one is attempts + 1.
    if job.attempts + 1 < max_attempts:
        await finish_job(narrator, job, error=reason, retry_at=retry_at)
        return True
    await finish_job(narrator, job, error=reason)
    return False


async def workspace_timezone(narrator: Narrator) -> str:
    """The workspace's IANA timezone (what a schedule typed without a zone is read in)."""
    return (await narrator.workspace()).timezone or "UTC"


# -- the service's own jobs ---------------------------------------------------------------------------
async def run_due_jobs(narrator: Narrator, *, limit: int = 50, worker: str = "cli") -> list[dict[str, Any]]:
    """Claim and run this workspace's due jobs once; each failure is re-queued with a delay."""
    done: list[dict[str, Any]] = []
    jobs = await claim_jobs(narrator, kinds=JOB_KINDS, limit=limit, worker=worker)
    for job in jobs:
        try:
            result = await _run_job(narrator, job)
        except CocoError as error:
            await finish_job(narrator, job, error=error.user_message, retry_at=narrator.clock() + RETRY_DELAY)
            done.append({"id": job.id, "kind": job.kind, "result": f"retry later: {error.user_message}"})
            continue
        if result.startswith("retry"):
            await finish_job(narrator, job, error=result, retry_at=narrator.clock() + RETRY_DELAY)
        else:
            await finish_job(narrator, job)
        done.append({"id": job.id, "kind": job.kind, "result": result})
    return done


async def _run_job(narrator: Narrator, job: JobRecord) -> str:
    # A job belongs to the workspace it was claimed in, which is the narrator's.
    project = await narrator.project_by_id(str(job.payload["project_id"]))
    entry = await narrator.entry(str(job.payload["entry_id"]))
    if job.kind == WRITE_BACK_JOB:
        run_id = str(job.payload["run_id"])
        await narrator.tracker(project).write_note(run_id, entry_id=entry.id, section=note_section(entry, run_id))
        return "note written"
    if job.kind == STRUCTURE_JOB and entry.status != "pending":
        return "already structured"
    outcome = await narrator.finish_entry(project, entry, requeue=False)
    if outcome.pending:
        return f"retry: still pending ({outcome.reason})"
    if outcome.structure.engine.endswith("fallback"):
        return "retry: the model engine is still unavailable"
    return "structured"
