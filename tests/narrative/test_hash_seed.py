"""Outputs do not depend on the process's hash seed: a set's iteration order once decided which
approach a `check` reported and the order of `phase`'s approaches."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "eval" / "scenarios"
SCENARIOS = sorted(str(p) for folder in (ROOT / "tests" / "scenarios" / "real", ROOT / "tests" / "scenarios", DEV)
                   for p in folder.glob("*.json"))


def _outputs(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-m", "tests.narrative.synthesis_dev", "-v", *SCENARIOS],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True)
    return re.sub(r"\(\d+ ms\)", "", done.stdout)


def test_check_ask_and_phase_are_the_same_under_any_hash_seed() -> None:
    first = _outputs("1")
    assert "phase best" in first and "check" in first
    for seed in ("2", "3"):
        assert _outputs(seed) == first, f"PYTHONHASHSEED={seed} changed the outputs"
