"""What an incremental sync asks of a composite tracker (MLflow and W&B as one): a search narrowed
by status and by run id goes to both members, and each member's ids match only its own runs. The
fixtures of test_composite.py: a real MLflow sqlite store and the W&B fake."""

from __future__ import annotations

from adapters.tracker import iter_runs
from tests.adapters.test_composite import Both, both, fake  # noqa: F401  (the fixtures)


async def test_run_ids_and_statuses_reach_both_members(both: Both) -> None:  # noqa: F811
    wanted = [both.mlflow_ids[1], "w2a2b3c4", both.mlflow_ids[3], "no such run"]
    found = [r async for r in iter_runs(both.tracker, scope=both.scope, run_ids=wanted)]
    assert [r.run_name for r in found] == ["ml-3", "wb-1", "ml-1"]
    assert [r.run_name async for r in iter_runs(both.tracker, scope=both.scope, statuses=["RUNNING"])] == []

    both.client.set_terminated(both.mlflow_ids[2], status="RUNNING")  # resumed: running again
    both.fake.add_run({"id": "w9running", "name": "wb-live", "user": "maya", "state": "running",
                       "created_at": "2026-10-01T20:00:00Z", "duration": 0})
    running = [r async for r in iter_runs(both.tracker, scope=both.scope, statuses=["RUNNING", "SCHEDULED"])]
    assert [(r.run_name, r.status) for r in running] == [("wb-live", "RUNNING"), ("ml-2", "RUNNING")]
