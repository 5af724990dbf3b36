"""Runs durable jobs: pending entries to structure, tracker write-backs that failed."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from adapters.errors import CocoError
from narrative.service import STRUCTURE_JOB, WRITE_BACK_JOB, Narrator, note_section

log = logging.getLogger("coco.worker")
RETRY_DELAY = dt.timedelta(minutes=5)


async def run_due_jobs(narrator: Narrator, *, limit: int = 50) -> list[dict[str, Any]]:
    repo = narrator.repo
    done: list[dict[str, Any]] = []
    jobs = await repo.claim_jobs(kinds=[STRUCTURE_JOB, WRITE_BACK_JOB], limit=limit, worker="cli")
    for job in jobs:
        if job.workspace_id != narrator.workspace_id:
            # Another workspace's work: give it back untouched for its own worker.
            await repo.finish_job(job.id, error="other workspace", retry_at=narrator.clock())
            continue
        try:
            project = await repo.get_project_by_id(job.workspace_id, str(job.payload["project_id"]))
            entry = await repo.get_entry(job.workspace_id, str(job.payload["entry_id"]))
            if job.kind == STRUCTURE_JOB:
                if entry.status == "pending":
                    outcome = await narrator._structure(project, entry)
                    result = "still pending" if outcome.pending else "structured"
                else:
                    result = "already structured"
            else:
                run_id = str(job.payload["run_id"])
                await narrator.tracker(project).write_note(run_id, entry_id=entry.id, section=note_section(entry, run_id))
                result = "note written"
        except CocoError as error:
            await repo.finish_job(job.id, error=error.user_message, retry_at=narrator.clock() + RETRY_DELAY)
            done.append({"id": job.id, "kind": job.kind, "result": f"retry later: {error.user_message}"})
            continue
        await repo.finish_job(job.id)
        done.append({"id": job.id, "kind": job.kind, "result": result})
    return done
