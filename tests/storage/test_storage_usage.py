"""Model usage rows: per workspace, cost frozen at insert, filtered by time."""

from __future__ import annotations

import datetime as dt

from narrative.usage import RepositoryUsageRecorder
from storage.records import UsageRecord
from storage.repository import SqlRepository
from tests.storage.storage_testkit import T0, World


async def test_usage_is_kept_per_workspace_and_filtered_by_time(repo: SqlRepository, world: World) -> None:
    other = await repo.ensure_workspace("slack:TOTHER", platform="slack")
    for at, ws, cost in ((T0, world.workspace.id, 0.5), (T0 + dt.timedelta(days=40), world.workspace.id, 0.25),
                         (T0, other.id, 9.0)):
        await repo.record_usage(UsageRecord(workspace_id=ws, job="structure", model="claude-sonnet-4-5",
                                            input_tokens=1000, output_tokens=200, cost_usd=cost, at=at))
    mine = await repo.list_usage(world.workspace.id)
    assert [u.cost_usd for u in mine] == [0.5, 0.25]
    assert all(u.at.tzinfo is not None for u in mine)
    recent = await repo.list_usage(world.workspace.id, since=T0 + dt.timedelta(days=1))
    assert [u.cost_usd for u in recent] == [0.25]


async def test_repository_recorder_freezes_cost_and_sums_the_month(repo: SqlRepository, world: World) -> None:
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    recorder = RepositoryUsageRecorder(repo, clock=lambda: now)
    await recorder.record(workspace_id=world.workspace.id, job="answer", model="claude-sonnet-4-5",
                          input_tokens=1_000_000, output_tokens=0, cache_write_tokens=0, cache_read_tokens=0)
    rows = await recorder.rows(world.workspace.id)
    assert len(rows) == 1 and rows[0].cost > 0
    assert await recorder.month_to_date_cost(world.workspace.id) == rows[0].cost
    later = RepositoryUsageRecorder(repo, clock=lambda: now + dt.timedelta(days=15))
    assert await later.month_to_date_cost(world.workspace.id) == 0.0
