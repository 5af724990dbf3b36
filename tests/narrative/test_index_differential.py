"""The faster index says exactly what the old one said: every recorded output (``index_golden``,
generated on main before the index changed) is recomputed and compared.

Runs in a child process because the recording fixes Python's hash seed (see ``index_golden``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_index_outputs_equal_the_recording() -> None:
    env = {**os.environ, "PYTHONHASHSEED": "0", "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    done = subprocess.run([sys.executable, "-m", "tests.narrative.index_golden"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "0 outputs differ" in done.stderr
