"""Chat people and COCO's posted messages (issue #4), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from core.errors import EmptyTextError
from storage.records import EntryStructure, ReplyRecord, UserRecord
from storage.repository import SqlRepository
from tests.storage.storage_testkit import T0, World, make_world


async def test_users_are_upserted_and_workspace_scoped(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    assert await repo.get_user(ws, "U1") is None
    saved = await repo.save_user(UserRecord(workspace_id=ws, platform_user_id="U1", display_name="Ana",
                                            email="ana@example.com"))
    assert saved.tracker_user is None
    again = await repo.save_user(
        saved.model_copy(update={"tracker_user": "ana", "default_project_id": world.project.id})
    )
    assert (again.tracker_user, again.default_project_id) == ("ana", world.project.id)
    assert [u.platform_user_id for u in await repo.list_users(ws)] == ["U1"]
    other = await make_world(repo, key="slack:T2")
    assert await repo.get_user(other.workspace.id, "U1") is None


async def test_replies_map_messages_threads_and_pending_entries(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    entry = await repo.add_entry(ws, project_id=world.project.id, author="ana", at=T0, raw_text="tried x",
                                 source="dm")
    root = await repo.save_reply(ReplyRecord(workspace_id=ws, channel="D1", message_ts="1.1", thread_ts="1.0",
                                             entry_id=entry.id, kind="entry", pending=True, author="U1"))
    await repo.save_reply(ReplyRecord(workspace_id=ws, channel="D1", message_ts="1.2", thread_ts="1.0",
                                      kind="answer"))
    assert [r.message_ts for r in await repo.thread_replies(ws, "D1", "1.0")] == ["1.1", "1.2"]
    assert [r.message_ts for r in await repo.pending_replies(ws)] == ["1.1"]
    await repo.save_reply(root.model_copy(update={"pending": False}))
    assert await repo.pending_replies(ws) == []
    assert [r.message_ts for r in await repo.entry_replies(ws, entry.id)] == ["1.1"]
    got = await repo.get_reply(ws, "D1", "1.1")
    assert got is not None and got.entry_id == entry.id
    other = await make_world(repo, key="slack:T2")
    assert await repo.get_reply(other.workspace.id, "D1", "1.1") is None


async def test_held_text_and_corrections_keep_the_original(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    held = await repo.save_reply(ReplyRecord(workspace_id=ws, channel="D1", message_ts="2.0", kind="held",
                                             author="U1", held_text="a long brain dump ✅"))
    assert held.held_text == "a long brain dump ✅"
    entry = await repo.add_entry(ws, project_id=world.project.id, author="ana", at=T0, raw_text="lr 1e-3",
                                 source="dm")
    await repo.save_structure(ws, entry.id, EntryStructure(title="lr sweep"))
    fixed = await repo.append_entry_text(ws, entry.id, "\n\n[correction] actually lr 1e-4")
    assert fixed.raw_text.startswith("lr 1e-3") and fixed.raw_text.endswith("actually lr 1e-4")
    assert fixed.status == "pending"
    with pytest.raises(EmptyTextError):
        await repo.append_entry_text(ws, entry.id, "  ")


async def test_move_entry_and_list_workspaces(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    second = await repo.create_project(ws, name="churn", tracker_kind="mlflow", tracker_uri="", experiment_ids=["2"],
                                       experiment_names=["churn"], primary_metric=None, goal="max")
    entry = await repo.add_entry(ws, project_id=world.project.id, author="ana", at=T0, raw_text="x", source="dm")
    moved = await repo.move_entry(ws, entry.id, second.id)
    assert moved.project_id == second.id and moved.status == "pending"
    await make_world(repo, key="slack:T9")
    assert {w.key for w in await repo.list_workspaces(platform="slack")} == {"slack:T9"}
    assert len(await repo.list_workspaces()) == 2
