"""How fast COCO's MLflow trackers read a whole experiment, against MLflow's own client.

    .venv/bin/python benches/tracker_read.py [--runs 5000] [--reps 5] [--rest] [--wandb [--no-mlflow]]
    .venv/bin/python benches/tracker_read.py --resync [--runs 5000] [--reps 5] [--database URL]

Builds (once; cached in the temp dir, keyed by the number of runs) an SQLite MLflow store with N
runs of one experiment, each with params, a metric history, tags and an end time, then reads every
run of the experiment, page by page (1,000 a page), several times:

  (a) raw ``MlflowClient.search_runs`` paging, on the sqlite store;
  (b) ``MlflowLocalTracker`` through ``iter_runs`` (same store, same order, same page size);
  (c) with ``--rest``: a real ``mlflow server`` on the same store, read by ``MlflowRestTracker`` and
      by ``MlflowClient`` pointed at the server;
  (d) with ``--wandb``: N runs (config, summary, tags, user) served by the W&B fake
      (tests/adapters/wandb_fake.py, W&B's GraphQL wire format on 127.0.0.1), read by the raw
      ``wandb.Api().runs(..., per_page=1000, lazy=False)`` loop touching the same fields, and by
      ``WandbTracker`` through ``iter_runs``; the GraphQL requests each read sent are counted.

It prints the median seconds of the repetitions, runs/s, and ours/raw as a throughput ratio (raw
median seconds / our median seconds; the target is >= 0.8, i.e. at most 25 % slower than MLflow's
own client). Repetitions alternate raw and ours so drift in the machine affects both alike.

``--resync`` times what a busy bot does instead: a re-sync of a project's run cache
(``Narrator.sync_runs``, COCO's own database: SQLite in a temp folder, or ``--database``) after a
first full sync of the experiment, on a copy of the store whose N runs all started within the last
day: (e) nothing changed since the last sync (target < 0.2 s; the history stamp must not move),
(f) 10 new runs logged since (target < 0.5 s; they must be in the cache), on the local store and
through a real ``mlflow server``. Medians of ``--reps`` repetitions. It uses only what COCO had
before incremental sync, so the same file measures the old code too (copy it into an old tree).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Before MLflow is imported: nothing may reach the internet.
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"
os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")  # no "View run ..." per new run
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.mlflow_local import MlflowLocalTracker
from adapters.mlflow_rest import MlflowRestTracker
from adapters.tracker import Tracker, iter_runs

EXPERIMENT = "bench"
PARAMS = 10
METRICS = 8
STEPS = 3  # each metric logged at 3 steps: the store keeps history, the read returns the latest
USERS = ("alice", "bob", "carol", "dora")
ORDER_BY = ["attributes.start_time DESC"]
PAGE = 1000
LAYOUT_VERSION = 1  # bump when the generated data changes, so old caches are not reused


def cache_dir(runs: int) -> Path:
    return Path(tempfile.gettempdir()) / "coco-bench-tracker" / f"v{LAYOUT_VERSION}-runs-{runs}"


def build_store(runs: int) -> Path:
    """The cached store for ``runs`` runs, built on first use (atomically: a half-built one is discarded)."""
    where = cache_dir(runs)
    db = where / "mlflow.db"
    if (where / "complete").exists() and db.exists():
        print(f"store: {db} (cached)")
        return db
    shutil.rmtree(where, ignore_errors=True)
    building = where.with_name(where.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)

    import sqlalchemy
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    # Building only: MLflow commits several times per run and each SQLite commit waits for the
    # disk (~100 ms a run here). The store's content is the same; only durability while building
    # is given up, and a half-built store is thrown away anyway.
    @sqlalchemy.event.listens_for(sqlalchemy.engine.Engine, "connect")
    def _fast_writes(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    started = time.perf_counter()
    client = MlflowClient(tracking_uri=f"sqlite:///{building / 'mlflow.db'}")
    exp = client.create_experiment(EXPERIMENT, artifact_location=(building / "artifacts").as_uri())
    t0 = 1_767_225_600_000  # 2026-01-01 UTC, in ms
    for i in range(runs):
        start = t0 + i * 600_000  # one run every 10 minutes
        run = client.create_run(
            exp,
            start_time=start,
            tags={"mlflow.user": USERS[i % len(USERS)], "mlflow.source.name": "train.py"},
            run_name=f"run-{i:05d}",
        )
        run_id = run.info.run_id
        client.log_batch(
            run_id,
            params=[Param(f"param_{k}", str(i * 0.001 + k)) for k in range(PARAMS)],
            metrics=[
                Metric(f"metric_{k}", (i % 97) / 97 + k + step / 10, start + step * 1000, step)
                for k in range(METRICS)
                for step in range(STEPS)
            ],
            tags=[RunTag("mlflow.source.git.commit", f"{i:040x}"), RunTag("phase", f"p{i // 500}")],
            synchronous=True,
        )
        client.set_terminated(run_id, "FINISHED" if i % 10 else "FAILED", start + 300_000)
        if (i + 1) % 1000 == 0:
            print(f"  built {i + 1}/{runs} runs ({time.perf_counter() - started:.0f} s)", flush=True)
    del client
    sqlalchemy.event.remove(sqlalchemy.engine.Engine, "connect", _fast_writes)
    building.rename(where)
    (where / "complete").write_text(f"{runs}\n")
    print(f"store: {db} (built in {time.perf_counter() - started:.1f} s)")
    return db


# -- readers ---------------------------------------------------------------------------------------
def raw_read(client: Any, experiment_id: str) -> int:
    count = 0
    token: str | None = None
    while True:
        page = client.search_runs([experiment_id], max_results=PAGE, order_by=ORDER_BY, page_token=token)
        count += len(page)
        token = page.token
        if not token:
            return count


async def ours_read(tracker: Tracker, experiment_id: str) -> int:
    count = 0
    async for _ in iter_runs(tracker, scope=[experiment_id], page_size=PAGE):
        count += 1
    return count


def timed(fn: Callable[[], int], expected: int) -> float:
    started = time.perf_counter()
    got = fn()
    took = time.perf_counter() - started
    if got != expected:
        raise SystemExit(f"read {got} runs, expected {expected}")
    return took


def compare(
    label: str, *, raw: Callable[[], int], ours: Callable[[], int], runs: int, reps: int,
    raw_label: str = "raw MlflowClient.search_runs",
) -> float:
    # One untimed round each: imports, connection pools, SQLite page cache.
    timed(raw, runs)
    timed(ours, runs)
    raw_times: list[float] = []
    our_times: list[float] = []
    for _ in range(reps):
        raw_times.append(timed(raw, runs))
        our_times.append(timed(ours, runs))
    raw_med = statistics.median(raw_times)
    our_med = statistics.median(our_times)
    ratio = raw_med / our_med
    print(f"\n{label}  ({runs} runs, {reps} repetitions, medians)")
    print(f"  {raw_label:<29} {raw_med:7.3f} s  {runs / raw_med:8.0f} runs/s"
          f"   [{', '.join(f'{t:.2f}' for t in raw_times)}]")
    print(f"  COCO tracker (iter_runs)      {our_med:7.3f} s  {runs / our_med:8.0f} runs/s"
          f"   [{', '.join(f'{t:.2f}' for t in our_times)}]")
    print(f"  ours/raw throughput ratio     {ratio:7.3f}   (target >= 0.8: {'met' if ratio >= 0.8 else 'NOT met'})")
    return ratio


# -- W&B ------------------------------------------------------------------------------------------------
WANDB_KEY = "k" * 40


def wandb_fake(runs: int) -> Any:
    os.environ.setdefault("WANDB_ERROR_REPORTING", "false")  # before wandb starts wandb-core
    os.environ.setdefault("WANDB_SILENT", "true")
    from tests.adapters.wandb_fake import WandbFake

    t0 = 1_767_225_600  # 2026-01-01 UTC
    specs = [{
        "id": f"b{i:07d}", "name": f"run-{i:05d}", "user": USERS[i % len(USERS)],
        "state": "finished" if i % 10 else "failed",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + i * 600)), "duration": 300,
        "config": {f"param_{k}": i * 0.001 + k for k in range(PARAMS)},
        "summary": {f"metric_{k}": (i % 97) / 97 + k + 0.2 for k in range(METRICS)},
        "tags": [f"p{i // 500}"], "notes": None, "commit": f"{i:040x}", "program": "train.py",
    } for i in range(runs)]
    fake = WandbFake(runs=specs, entity="bench", project=EXPERIMENT, api_key=WANDB_KEY)
    fake.start()
    return fake


def raw_wandb_read(api: Any, path: str) -> int:
    """What a script does with the public API: every run, the fields COCO reads."""
    api.flush()  # results are cached until flush(): each repetition reads the server again
    count = 0
    for run in api.runs(path, order="-created_at", per_page=PAGE, lazy=False):
        _ = (run.id, run.name, run.state, run.created_at, run.config, run.summary_metrics, run.tags, run.notes,
             run.user.username, run.commit, run.url)
        count += 1
    return count


def compare_wandb(runs: int, reps: int, loop: asyncio.AbstractEventLoop) -> float:
    from adapters.wandb_api import WandbTracker

    fake = wandb_fake(runs)
    try:
        import wandb

        api = wandb.Api(overrides={"base_url": fake.base_url}, api_key=WANDB_KEY)
        tracker = WandbTracker(f"wandb+{fake.base_url}", api_key=WANDB_KEY)
        path = f"bench/{EXPERIMENT}"
        ratio = compare(
            f"W&B fake {fake.base_url}",
            raw=lambda: raw_wandb_read(api, path),
            ours=lambda: loop.run_until_complete(ours_read(tracker, path)),
            runs=runs,
            reps=reps,
            raw_label="raw wandb.Api().runs loop",
        )
        for label, read in (("raw wandb.Api().runs", lambda: raw_wandb_read(api, path)),
                            ("COCO WandbTracker", lambda: loop.run_until_complete(ours_read(tracker, path)))):
            before = len(fake.requests)
            read()
            sent = fake.requests[before:]
            print(f"  requests for one read, {label}: {len(sent)} ({', '.join(sorted(set(sent)))})")
        loop.run_until_complete(tracker.aclose())
        return ratio
    finally:
        fake.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def mlflow_server(db: Path) -> Iterator[str]:
    port = free_port()
    exe = Path(sys.executable).with_name("mlflow")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "mlflow"]
    cmd += ["server", "--backend-store-uri", f"sqlite:///{db}", "--host", "127.0.0.1", "--port", str(port), "-w", "1"]
    with tempfile.TemporaryFile() as log:
        # No job runner (seven huey consumers importing MLflow): reads do not need it.
        env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
        try:
            yield _wait_healthy(f"http://127.0.0.1:{port}", proc, log)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=15)
            with contextlib.suppress(ProcessLookupError):  # whatever of the group is left
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Any) -> str:
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"mlflow server exited:\n{log.read().decode(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/health", timeout=1):
            return url
        if time.monotonic() > deadline:
            raise SystemExit("mlflow server did not become healthy in 90 s")
        time.sleep(0.25)


# -- re-sync -----------------------------------------------------------------------------------------
def recent_store(runs: int, where: Path) -> Path:
    """A copy of the cached store with its runs moved into the last day (one every ~17 s at 5,000),
    as a busy experiment's are: the bench data, shifted in MLflow's own ``runs`` table (times in ms)."""
    import sqlite3

    db = where / "recent.db"
    with contextlib.closing(sqlite3.connect(build_store(runs))) as src, contextlib.closing(sqlite3.connect(db)) as dst:
        src.backup(dst)
    now = int(time.time() * 1000)
    step = (86_400_000 - 3_600_000) // max(runs, 1)  # all inside the last day, the newest an hour ago
    base = now - 86_400_000
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        t0 = conn.execute("SELECT MIN(start_time) FROM runs").fetchone()[0]
        conn.execute(
            "UPDATE runs SET start_time = ? + ((start_time - ?) / 600000) * ?, "
            "end_time = ? + ((start_time - ?) / 600000) * ? + 300000",
            (base, t0, step, base, t0, step),
        )
    return db


def add_runs(client: Any, experiment_id: str, count: int, serial: int) -> None:
    """``count`` new finished runs, started now, like the bench's others (params, metrics, tags)."""
    from mlflow.entities import Metric, Param, RunTag

    for i in range(count):
        start = int(time.time() * 1000)
        run = client.create_run(experiment_id, start_time=start, tags={"mlflow.user": USERS[i % len(USERS)]},
                                run_name=f"new-{serial:03d}-{i:02d}")
        client.log_batch(
            run.info.run_id,
            params=[Param(f"param_{k}", str(k)) for k in range(PARAMS)],
            metrics=[Metric(f"metric_{k}", k + 0.5, start, 0) for k in range(METRICS)],
            tags=[RunTag("phase", "new")],
            synchronous=True,
        )
        client.set_terminated(run.info.run_id, "FINISHED", start + 1000)


async def resync_case(
    label: str, *, tracker: Tracker, client: Any, experiment_id: str, database: str, reps: int
) -> dict[str, float]:
    from narrative.local_engine import LocalEngine
    from narrative.service import Narrator
    from storage.db import open_repository

    repo = await open_repository(database)
    try:
        workspace = await repo.ensure_workspace(f"bench-{time.time_ns()}", platform="cli")
        project = await repo.create_project(
            workspace.id, name="bench", tracker_kind=tracker.kind, tracker_uri=tracker.uri,
            experiment_ids=[experiment_id], experiment_names=[EXPERIMENT], primary_metric=None, goal="max")
        narrator = Narrator(repo=repo, workspace_id=workspace.id, engine=LocalEngine(), tracker_for=lambda _p: tracker)

        async def cached() -> int:
            count, token = 0, None
            while True:
                page, token = await repo.list_runs(workspace.id, project.id, page_token=token)
                count += len(page)
                if not token:
                    return count

        async def sync() -> float:
            record = await repo.get_project_by_id(workspace.id, project.id)
            started = time.perf_counter()
            await narrator.sync_runs(record, force=True)
            return time.perf_counter() - started

        first = await sync()
        total = await cached()
        print(f"\n{label}  (re-sync; {total} runs cached by a first full sync in {first:.2f} s)")
        unchanged: list[float] = []
        moved = 0
        for _ in range(reps):
            stamp = await repo.history_stamp(workspace.id, project.id)
            unchanged.append(await sync())
            moved += stamp != await repo.history_stamp(workspace.id, project.id)
        if await cached() != total:
            raise SystemExit("an unchanged re-sync changed the number of cached runs")
        fresh: list[float] = []
        for rep in range(reps):
            await asyncio.to_thread(add_runs, client, experiment_id, 10, rep)
            fresh.append(await sync())
            total += 10
            if await cached() != total:
                raise SystemExit(f"after 10 new runs the cache holds {await cached()} runs, expected {total}")
        results = {"unchanged": statistics.median(unchanged), "ten_new": statistics.median(fresh)}
        for name, times, target in (("unchanged", unchanged, 0.2), ("ten_new", fresh, 0.5)):
            med = results[name]
            print(f"  re-sync, {'nothing changed' if name == 'unchanged' else '10 new runs':<16} {med:7.3f} s  "
                  f"(target < {target} s: {'met' if med < target else 'NOT met'})   "
                  f"[{', '.join(f'{t:.3f}' for t in times)}]")
        print(f"  history stamp moved by {moved} of {reps} unchanged re-syncs (each move rebuilds the index)")
        return results
    finally:
        await repo.aclose()


def resync(args: argparse.Namespace) -> None:
    from mlflow.tracking import MlflowClient

    with tempfile.TemporaryDirectory(prefix="coco-resync-") as tmp:
        where = Path(tmp)
        loop = asyncio.new_event_loop()
        summary: dict[str, dict[str, float]] = {}
        try:
            for transport in ("local", "rest"):
                folder = where / transport
                folder.mkdir()
                db = recent_store(args.runs, folder)
                database = args.database or f"sqlite:///{folder / 'coco.db'}"
                with contextlib.ExitStack() as stack:
                    uri = f"sqlite:///{db}"
                    if transport == "rest":
                        uri = stack.enter_context(mlflow_server(db))
                    client = MlflowClient(tracking_uri=uri)
                    experiment = client.get_experiment_by_name(EXPERIMENT)
                    assert experiment is not None
                    tracker: Tracker = MlflowLocalTracker(uri) if transport == "local" else MlflowRestTracker(uri)
                    try:
                        summary[transport] = loop.run_until_complete(resync_case(
                            "sqlite store" if transport == "local" else f"mlflow server {uri}", tracker=tracker,
                            client=client, experiment_id=experiment.experiment_id, database=database,
                            reps=args.reps))
                    finally:
                        loop.run_until_complete(tracker.aclose())
        finally:
            loop.close()
    print("\nsummary: " + ", ".join(f"{k} unchanged {v['unchanged']:.3f} s / 10 new {v['ten_new']:.3f} s"
                                     for k, v in summary.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5000, help="runs in the experiment (default 5000)")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions of each reader (default 5)")
    parser.add_argument("--rest", action="store_true", help="also compare over a started mlflow server")
    parser.add_argument("--wandb", action="store_true", help="also compare over the W&B fake (wandb.Api)")
    parser.add_argument("--no-mlflow", action="store_true", help="skip the MLflow comparisons (with --wandb)")
    parser.add_argument("--resync", action="store_true", help="time re-syncs of COCO's run cache instead")
    parser.add_argument("--database", default="", help="COCO's database for --resync (default: SQLite, temp)")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() after start-up (MLflow's imports leave a large heap that full collections "
        "walk); to see whether a bot would gain from freezing its start-up heap",
    )
    args = parser.parse_args()

    if args.resync:
        resync(args)
        return
    if args.no_mlflow:
        loop = asyncio.new_event_loop()
        try:
            ratio = compare_wandb(args.runs, args.reps, loop)
        finally:
            loop.close()
        print(f"\nsummary: wandb ours/raw = {ratio:.2f}")
        return
    db = build_store(args.runs)
    from mlflow.tracking import MlflowClient

    if args.gc_freeze:
        gc.collect()
        gc.freeze()

    uri = f"sqlite:///{db}"
    raw_client = MlflowClient(tracking_uri=uri)
    experiment = raw_client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None
    exp_id = experiment.experiment_id

    loop = asyncio.new_event_loop()
    try:
        local = MlflowLocalTracker(uri)
        ratios = {
            "local": compare(
                "sqlite store",
                raw=lambda: raw_read(raw_client, exp_id),
                ours=lambda: loop.run_until_complete(ours_read(local, exp_id)),
                runs=args.runs,
                reps=args.reps,
            )
        }
        if args.rest:
            with mlflow_server(db) as url:
                rest = MlflowRestTracker(url)
                rest_client = MlflowClient(tracking_uri=url)
                ratios["rest"] = compare(
                    f"mlflow server {url}",
                    raw=lambda: raw_read(rest_client, exp_id),
                    ours=lambda: loop.run_until_complete(ours_read(rest, exp_id)),
                    runs=args.runs,
                    reps=args.reps,
                )
                loop.run_until_complete(rest.aclose())
        loop.run_until_complete(local.aclose())
        if args.wandb:
            ratios["wandb"] = compare_wandb(args.runs, args.reps, loop)
    finally:
        loop.close()
    gc_note = " (gc frozen)" if args.gc_freeze else ""
    print(f"\nsummary{gc_note}: " + ", ".join(f"{k} ours/raw = {v:.2f}" for k, v in ratios.items()))


if __name__ == "__main__":
    main()
