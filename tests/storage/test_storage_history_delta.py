"""What changed in a project's history since a time, in keyset pages (issue 14), and the stamp in parts,
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from storage.records import EntryStructure, RunSnapshot, utcnow
from storage.repository import SqlRepository
from tests.storage.storage_testkit import T0, World


def _run(world: World, i: int, *, fetched: dt.datetime, auc: float = 0.7) -> RunSnapshot:
    return RunSnapshot(project_id=world.project.id, run_id=f"{i:032x}", run_name=f"r{i}", start=T0 + dt.timedelta(
        minutes=i), metrics={"auc": auc}, fetched_at=fetched)


async def test_runs_changed_since_a_time_come_in_pages_by_fetch_time(repo: SqlRepository, world: World) -> None:
    ws, pid = world.workspace.id, world.project.id
    old, new = T0, T0 + dt.timedelta(days=1)
    await repo.upsert_runs(ws, [_run(world, i, fetched=old) for i in range(5)])
    await repo.upsert_runs(ws, [_run(world, i, fetched=new + dt.timedelta(seconds=i)) for i in range(5, 12)])
    await repo.upsert_runs(ws, [_run(world, 1, fetched=new + dt.timedelta(seconds=30), auc=0.9)])  # refreshed
    got: list[RunSnapshot] = []
    token: str | None = None
    pages = 0
    while True:
        page, token = await repo.list_runs_changed(ws, pid, since=new, limit=3, page_token=token)
        got += page
        pages += 1
        if not token:
            break
    assert [r.run_name for r in got] == [f"r{i}" for i in range(5, 12)] + ["r1"]
    assert pages == 3 and got[-1].metrics == {"auc": 0.9}
    assert (await repo.list_runs_changed(ws, pid, since=new + dt.timedelta(minutes=1)))[0] == []
    other = await repo.ensure_workspace("cli:other", platform="cli")
    assert (await repo.list_runs_changed(other.id, pid, since=old))[0] == []  # never across workspaces


async def test_entries_changed_since_a_time_include_new_and_restructured_ones(repo: SqlRepository,
                                                                                world: World) -> None:
    ws, pid = world.workspace.id, world.project.id
    first = await repo.add_entry(ws, project_id=pid, author="ana", at=T0, raw_text="xgb baseline", source="cli")
    since = utcnow()
    made = [await repo.add_entry(ws, project_id=pid, author="ana", at=T0 + dt.timedelta(hours=i),
                                 raw_text=f"note {i}", source="cli") for i in range(1, 4)]
    assert (await repo.list_entries_changed(ws, project_id=pid, since=since))[0] == made
    again = await repo.save_structure(ws, first.id, EntryStructure(title="baseline"))
    got: list[str] = []
    token: str | None = None
    while True:
        page, token = await repo.list_entries_changed(ws, project_id=pid, since=since, limit=2, page_token=token)
        got += [e.id for e in page]
        if not token:
            break
    assert got == [*(e.id for e in made), first.id]  # by update time: the restructured one last
    assert (await repo.get_entry(ws, first.id)) == again


async def test_the_stamp_in_parts_counts_and_dates_each_kind(repo: SqlRepository, world: World) -> None:
    ws, pid = world.workspace.id, world.project.id
    empty = await repo.history_marks(ws, pid)
    assert (empty.entries, empty.runs, empty.decisions, empty.entries_updated) == (0, 0, 0, None)
    assert await repo.history_stamp(ws, pid) == empty.stamp
    await repo.upsert_runs(ws, [_run(world, i, fetched=T0 + dt.timedelta(seconds=i)) for i in range(3)])
    entry = await repo.add_entry(ws, project_id=pid, author="ana", at=T0, raw_text="note", source="cli")
    marks = await repo.history_marks(ws, pid)
    assert (marks.runs, marks.runs_fetched, marks.entries, marks.entries_updated) == (
        3, T0 + dt.timedelta(seconds=2), 1, entry.updated_at)
    assert await repo.history_stamp(ws, pid) == marks.stamp != empty.stamp
