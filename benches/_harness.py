"""What the benches that start a real ``coco serve`` share: a free port, waiting for it to be healthy,
the entries a server stored, its peak memory, and percentiles. Imported as ``_harness`` (benches run
as scripts from this folder)."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import subprocess
import time
from pathlib import Path


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
