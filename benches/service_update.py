"""The first `check` after the narrative changed, through the real service over a real SQLite database: a
project of 100,000 runs and 10,000 entries (issue 14).

    .venv/bin/python benches/service_update.py [--runs 100000] [--entries 10000] [--reps 5]

Stores the synthetic project of ``check_latency.py`` (runs with ``upsert_runs``; entries, with the
features their writer stores, in one bulk insert; all written over the day before), warms the service (first
`check`: whole load and index build), then, ``--reps`` times and back to back, in each of two modes:
  * a run sync stores 100 new runs, and the next `check` is timed;
  * an entry linking them is logged (stored, then structured, as ``coco log`` does), and the next `check`
    is timed.
Modes: "before" drops the held history first, which is what the service did before (the stamp moved: the
whole history loaded again into a new object, so a new index built); "after" is the service as it is
(only the changes read, applied in place to the held history and its index). Each time is split into
the history (``cached_history``) and the engine's `check` on it. Medians are quoted. The "after" reads
also re-read the previous batch (written seconds before, inside ``history_delta.OVERLAP``), which a
service syncing at most once a minute does less.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import shutil
import statistics
import tempfile
import time
from typing import Any

from check_latency import PLANS, build  # a sibling script (benches run from this folder)

from adapters.tracker import Tracker
from narrative.history_index import HistoryIndexCache
from narrative.index_features import features_for_storage
from narrative.local_engine import LocalEngine
from narrative.service import Narrator
from storage.db import open_repository
from storage.records import ProjectRecord, utcnow
from storage.repository import SqlRepository

NOW = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)


def _no_tracker(_project: ProjectRecord) -> Tracker:
    raise SystemExit("a check reads no tracker")


async def _store(repo: SqlRepository, workspace_id: str, project_id: str, n_runs: int, n_entries: int) -> None:
    from sqlalchemy import insert

    from storage.tables import EntryRow

    history = build(n_runs, n_entries, features=True)
    # synced and written over the day before (not all at one instant: the last minute holds a few)
    day_ago = utcnow() - dt.timedelta(days=1)
    step = dt.timedelta(days=1) / (n_runs + n_entries + 1)
    runs = [r.model_copy(update={"project_id": project_id, "fetched_at": day_ago + i * step})
            for i, r in enumerate(history.runs.values())]
    for start in range(0, len(runs), 5000):
        await repo.upsert_runs(workspace_id, runs[start:start + 5000])
    rows: list[dict[str, Any]] = [
        {"id": e.id, "workspace_id": workspace_id, "project_id": project_id, "author": e.author, "at": e.at,
         "source": "cli", "raw_text": e.raw_text, "status": "structured",
         "structure": e.structure.model_dump() if e.structure else None, "created_at": day_ago + i * step,
         "updated_at": day_ago + i * step, "features": e.features} for i, e in enumerate(history.entries)]
    async with repo.engine.begin() as conn:
        for start in range(0, len(rows), 1000):
            await conn.execute(insert(EntryRow), rows[start:start + 1000])


async def _timed_check(narrator: Narrator, repo: SqlRepository, project_id: str, plan: str,
                       *, before: bool) -> tuple[float, float]:
    if before:
        narrator._histories.clear()  # the service before: a moved stamp loaded the history whole, anew
    record = await repo.get_project_by_id(narrator.workspace_id, project_id)
    t0 = time.perf_counter()
    await narrator.cached_history(record)
    t1 = time.perf_counter()
    await narrator.check(project="bench", text=plan)
    return t1 - t0, time.perf_counter() - t1


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--entries", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    folder = tempfile.mkdtemp(prefix=f"svcupd_bench_{os.getpid()}_")
    repo = await open_repository(f"sqlite:///{folder}/coco.db")
    try:
        workspace = await repo.ensure_workspace("cli:bench", platform="cli")
        project = await repo.create_project(workspace.id, name="bench", tracker_kind="mlflow", tracker_uri="x",
                                            experiment_ids=["1"], experiment_names=["bench"],
                                            primary_metric="val_auc", goal="max")
        t0 = time.perf_counter()
        await _store(repo, workspace.id, project.id, args.runs, args.entries)
        print(f"stored {args.runs:,} runs and {args.entries:,} entries in SQLite in {time.perf_counter() - t0:.0f} s")
        narrator = Narrator(repo=repo, workspace_id=workspace.id, tracker_for=_no_tracker, clock=lambda: NOW,
                            engine=LocalEngine(index_cache=HistoryIndexCache(freeze_large=True)))
        load, engine = await _timed_check(narrator, repo, project.id, PLANS[0], before=False)
        print(f"first check (whole load {load * 1000:.0f} ms, index build and check {engine * 1000:.0f} ms)")
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for rep in range(args.reps):
            for mode in ("after", "before"):
                batch = build(100, 10, seed=100 + 2 * rep + (mode == "before"), features=True,
                              first=args.runs + (2 * rep + (mode == "before")) * 100)
                await repo.upsert_runs(workspace.id, [r.model_copy(update={"project_id": project.id})
                                                      for r in batch.runs.values()])
                times.setdefault((mode, "run sync"), []).append(
                    await _timed_check(narrator, repo, project.id, PLANS[2 + rep % 4], before=mode == "before"))
                like = max(batch.entries, key=lambda e: e.at)
                made = await repo.add_entry(workspace.id, project_id=project.id, author=like.author, at=like.at,
                                            raw_text=like.raw_text, source="cli")
                assert like.structure is not None
                await repo.save_structure(workspace.id, made.id, like.structure, features=features_for_storage(
                    made.model_copy(update={"structure": like.structure})))
                times.setdefault((mode, "new entry"), []).append(
                    await _timed_check(narrator, repo, project.id, PLANS[3 + rep % 4], before=mode == "before"))
        print(f"first check after a change, median of {args.reps} (history + engine check = total):")
        for what in ("run sync", "new entry"):
            medians = {}
            for mode in ("before", "after"):
                got = times[(mode, what)]
                load_ms = statistics.median(t[0] for t in got) * 1000
                engine_ms = statistics.median(t[1] for t in got) * 1000
                medians[mode] = statistics.median(t[0] + t[1] for t in got) * 1000
                print(f"  {what:9s} {mode:6s}: {load_ms:6.0f} + {engine_ms:5.0f} = {medians[mode]:6.0f} ms")
            print(f"  {what:9s} before/after: {medians['before'] / medians['after']:.1f}x")
    finally:
        await repo.aclose()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
