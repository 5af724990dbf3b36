"""Issue 14, replicas: several `coco serve slack` processes (HTTP mode) on one PostgreSQL.

Through real processes, the real PostgreSQL (a database created for the test and dropped after it)
and the project's fake Slack: 60 DMs spread over 2 replicas, some delivered twice as Slack's retries to
the other replica, one replica killed with SIGKILL half-way (its deliveries then go to the other, as
Slack retries them), and a weekly digest due during the run. Every acked DM must end as exactly one
structured entry with exactly one reply, and the digest must be posted exactly once. The scenario is
``benches/replicas.py``'s, at a small scale.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import PG_ENV

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

BENCHES = Path(__file__).resolve().parents[2] / "benches"


def _bench() -> ModuleType:
    sys.path.insert(0, str(BENCHES))  # the bench imports its _harness as a script would
    spec = importlib.util.spec_from_file_location("coco_bench_replicas", BENCHES / "replicas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


async def test_two_replicas_one_killed_lose_nothing_and_post_everything_once(tmp_path: Path) -> None:
    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip(f"set {PG_ENV} to run replicas on PostgreSQL")
    bench = _bench()
    outcome = await bench.run(postgres=server, events=60, concurrency=10, retries=12, replicas=2, people=10,
                              kill=True, digest_lead=20.0, settle=240.0, work=tmp_path)
    report = "\n".join(outcome.lines())
    tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in outcome.logs
                      if log.exists())
    assert outcome.killed_at_s > 0, report  # the kill did happen, during the burst
    assert outcome.failovers > 0, report  # and deliveries to the dead replica went to the live one
    assert outcome.acked == 60, report
    assert outcome.lost == 0 and outcome.duplicated == 0, f"{report}\n{tails}"
    assert outcome.structured == 60, f"{report}\n{tails}"
    assert outcome.replied_never == 0 and outcome.replied_twice == 0, f"{report}\n{tails}"
    assert outcome.digest_posts == 1, f"{report}\n{tails}"
