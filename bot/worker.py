"""The job worker's entry point for front ends: one pass over a workspace's due jobs.

The jobs themselves (pending entries, re-structuring, tracker write-backs) are the service's:
``narrative.jobs``. This name stays for the CLI's ``coco jobs run``."""

from __future__ import annotations

from narrative.jobs import JOB_KINDS, RETRY_DELAY, run_due_jobs

__all__ = ["JOB_KINDS", "RETRY_DELAY", "run_due_jobs"]
