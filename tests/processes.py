"""Server processes that tests start for real (``mlflow server``, ``make mlflow-ui``): wait until one
answers ``/health``, and stop its whole process group so that no worker outlives the test."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(proc: subprocess.Popen[bytes], url: str, *, log: Path | None, timeout: float) -> None:
    """Poll ``{url}/health`` until it answers 200; fail with the server's log tail if it dies or stalls."""

    def tail() -> str:
        return log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"server exited ({proc.returncode}):\n{tail()}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/health", timeout=1) as resp:
            if resp.status == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"server not healthy after {timeout:.0f} s:\n{tail()}")
        time.sleep(0.25)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left (MLflow's workers are slow to stop)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=5)
