"""What the benches that start a real ``coco serve`` share: a free port, waiting for it to be healthy,
the entries a server stored, its peak memory, and percentiles. Imported as ``_harness`` (benches run
as scripts from this folder)."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def entry_texts(database: str) -> list[str]:
    """The raw text of every entry in a COCO SQLite database (``sqlite:///PATH``)."""
    path = database.removeprefix("sqlite:///")
    with sqlite3.connect(path, timeout=30) as db:
        return [r[0] for r in db.execute("SELECT raw_text FROM coco_entry")]


def peak_rss_mb(pid: int) -> float | None:
    """A live process's peak resident memory (``VmHWM``), in MiB; None where /proc has no answer."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def wait_healthy(url: str, server: subprocess.Popen[bytes], *, what: str) -> None:
    """Wait up to 60 s for ``url`` to answer 200; exit with the server's last words if it died."""
    import aiohttp

    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                err = server.stderr.read().decode() if server.stderr else ""
                raise SystemExit(f"{what} exited: {err.strip()[-2000:]}")
            try:
                async with session.get(url) as reply:
                    if reply.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{what} did not become healthy within 60 s")


class ThreadedFake:
    """A fake server (``start()``/``close()`` coroutines, such as the project's fake Slack) on its own
    event loop in a thread, so a bench can drive processes and block meanwhile."""

    def __init__(self, fake: Any) -> None:
        import threading

        self.fake = fake
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.fake.start())
        self._ready.set()
        self.loop.run_forever()

    def start(self) -> Any:
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise SystemExit("the fake server did not start")
        return self.fake

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.close(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=30)


def seed_churn_runs(uri: str) -> None:
    """Three finished runs of one person in the "churn-model" experiment of the MLflow store at ``uri``
    (a day old, an hour apart), as the serve benches' project expects."""
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("churn-model")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    for i, (name, auc) in enumerate([("logreg-baseline", 0.741), ("xgb-d4", 0.803), ("xgb-smote", 0.781)]):
        t = int((start + dt.timedelta(hours=i)).timestamp() * 1000)
        run = client.create_run(exp, start_time=t, tags={"mlflow.user": "ana"}, run_name=name)
        client.log_batch(run.info.run_id, metrics=[Metric("val_auc", auc, t + 60_000, 0)])
        client.set_terminated(run.info.run_id, status="FINISHED", end_time=t + 600_000)


def dm_events(count: int, *, people: int, label: str, event_prefix: str, team: str) -> list[dict[str, Any]]:
    """``count`` signed-ready Slack DM events (``message.im``) from ``people`` people, each a short note about
    the seeded runs, with event ids ``{event_prefix}{n}`` (unique per call as the benches need)."""
    base = time.time()
    events = []
    for n in range(count):
        person = n % people
        ts = f"{base + n / 1000:.6f}"
        text = (f"{label} {n}: reran xgb-d4 with seed {n}, val_auc about .80 again.\n"
                f"logreg-baseline is still the floor.\nnext: try max_depth 6")
        events.append({"token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
                       "event_id": f"{event_prefix}{n:05d}", "event_time": int(base),
                       "event": {"type": "message", "channel": f"D{person:03d}", "user": f"U{person:03d}",
                                 "text": text, "ts": ts, "event_ts": ts, "channel_type": "im"}})
    return events
