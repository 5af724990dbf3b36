"""End-of-day nudge preferences and the workspace switch (issue 15), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from storage.records import NudgePrefRecord
from storage.repository import SqlRepository
from tests.storage.storage_testkit import World, make_world


async def test_a_person_s_nudge_is_off_until_saved_then_upserted_and_scoped(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    assert await repo.get_nudge_pref(ws, "U1") is None
    berlin = dt.datetime(2026, 3, 2, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    saved = await repo.save_nudge_pref(NudgePrefRecord(workspace_id=ws, platform_user_id="U1", enabled=True,
                                                       timezone="Europe/Berlin", snoozed_until=berlin))
    assert (saved.enabled, saved.at, saved.days, saved.timezone) == (True, "17:30", "mon,tue,wed,thu,fri",
                                                                     "Europe/Berlin")
    assert saved.snoozed_until == berlin and saved.snoozed_until.tzinfo is not None
    again = await repo.save_nudge_pref(saved.model_copy(update={
        "at": "18:00", "last_nudged_day": "2026-03-02", "nudge_runs": ["r2", "r1", "r3"], "nudge_channel": "D1"}))
    assert (again.at, again.last_nudged_day, again.nudge_runs) == ("18:00", "2026-03-02", ["r2", "r1", "r3"])
    await repo.save_nudge_pref(NudgePrefRecord(workspace_id=ws, platform_user_id="U2"))  # opted out
    assert [p.platform_user_id for p in await repo.list_nudge_prefs(ws)] == ["U1"]
    assert [p.platform_user_id for p in await repo.list_nudge_prefs(ws, enabled_only=False)] == ["U1", "U2"]
    other = await make_world(repo, key="slack:T2")
    assert await repo.get_nudge_pref(other.workspace.id, "U1") is None
    assert await repo.list_nudge_prefs(other.workspace.id) == []


async def test_the_workspace_switch_is_on_until_an_admin_turns_it(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    assert (await repo.get_nudge_switch(ws)).enabled is True
    off = await repo.set_nudge_switch(ws, enabled=False, changed_by="U9")
    assert (off.enabled, off.changed_by) == (False, "U9")
    assert (await repo.get_nudge_switch(ws)).enabled is False
    other = await make_world(repo, key="slack:T2")
    assert (await repo.get_nudge_switch(other.workspace.id)).enabled is True
    assert (await repo.set_nudge_switch(ws, enabled=True, changed_by="U8")).enabled is True


async def test_a_naive_snooze_time_is_a_programming_error(repo: SqlRepository, world: World) -> None:
    with pytest.raises(ValueError):
        await repo.save_nudge_pref(NudgePrefRecord(workspace_id=world.workspace.id, platform_user_id="U1",
                                                   snoozed_until=dt.datetime(2026, 3, 2, 18, 0)))
