"""Runs durable jobs: pending entries to structure, entries to re-structure after an engine
fallback, and tracker write-backs that failed."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from core.errors import CocoError
from narrative.service import RESTRUCTURE_JOB, STRUCTURE_JOB, WRITE_BACK_JOB, Narrator, note_section
from storage.records import JobRecord

log = logging.getLogger("coco.worker")
RETRY_DELAY = dt.timedelta(minutes=5)
JOB_KINDS = (STRUCTURE_JOB, RESTRUCTURE_JOB, WRITE_BACK_JOB)


async def run_due_jobs(narrator: Narrator, *, limit: int = 50, worker: str = "cli") -> list[dict[str, Any]]:
    """Claim and run this workspace's due jobs once; each failure is re-queued with a delay."""
    repo = narrator.repo
    done: list[dict[str, Any]] = []
    jobs = await repo.claim_jobs(kinds=JOB_KINDS, limit=limit, worker=worker, workspace_id=narrator.workspace_id)
    for job in jobs:
        try:
            result = await _run_job(narrator, job)
        except CocoError as error:
            await repo.finish_job(job.id, error=error.user_message, retry_at=narrator.clock() + RETRY_DELAY)
            done.append({"id": job.id, "kind": job.kind, "result": f"retry later: {error.user_message}"})
            continue
        if result.startswith("retry"):
            await repo.finish_job(job.id, error=result, retry_at=narrator.clock() + RETRY_DELAY)
        else:
            await repo.finish_job(job.id)
        done.append({"id": job.id, "kind": job.kind, "result": result})
    return done


async def _run_job(narrator: Narrator, job: JobRecord) -> str:
    repo = narrator.repo
    project = await repo.get_project_by_id(job.workspace_id, str(job.payload["project_id"]))
    entry = await repo.get_entry(job.workspace_id, str(job.payload["entry_id"]))
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
