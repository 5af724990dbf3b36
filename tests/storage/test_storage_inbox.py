"""The durable inbox (issue 11): an inbound event stored and deduplicated in one statement, claimed
under a lease by one worker of many, handed off as reply jobs once; entries tied to the event they
came from; every pending entry with the job that finishes it. On SQLite and PostgreSQL, with
concurrent callers on separate connection pools (as separate replicas would be)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from narrative.service import STRUCTURE_JOB
from storage.origin import ENTRY_ORIGIN
from storage.records import utcnow
from storage.repository import SqlRepository
from storage.sql.entries import PENDING_ENTRY_JOB
from tests.storage.storage_testkit import World, make_world


async def _accept(repo: SqlRepository, ws: str, key: str, *, worker: str = "w1", lease: int = 30) -> bool:
    stored = await repo.accept_event(ws, platform="slack", event_key=key, kind="message",
                                     payload={"body": {"event_id": key, "text": "x" * 10}}, worker=worker,
                                     lease_seconds=lease)
    return stored is not None


async def test_an_event_is_stored_once_with_its_payload(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    first = await repo.accept_event(ws, platform="slack", event_key="Ev1", kind="message",
                                    payload={"body": {"event_id": "Ev1"}}, worker="w1", lease_seconds=30)
    assert first is not None and first.status == "running" and first.payload == {"body": {"event_id": "Ev1"}}
    assert await _accept(repo, ws, "Ev1") is False  # a retry: nothing stored twice
    # the old dedupe log and the inbox are one: a key claimed either way is taken for both
    assert await repo.claim_event(ws, "Ev1") is False
    assert await repo.claim_event(ws, "Ev2") is True
    assert await _accept(repo, ws, "Ev2") is False
    other = await make_world(repo, "slack:T2")
    assert await _accept(repo, other.workspace.id, "Ev1") is True  # per workspace
    assert await repo.inbound_counts(platform="slack") == {"running": 2}


async def test_concurrent_deliveries_store_exactly_one(
    repo: SqlRepository, other_repo: SqlRepository, world: World
) -> None:
    ws = world.workspace.id
    racing = [r_.accept_event(ws, platform="slack", event_key="storm", kind="message", payload={}, worker="w",
                              lease_seconds=30) for r_ in (repo, other_repo) for _ in range(10)]
    stored = [x for x in await asyncio.gather(*racing) if x is not None]
    assert len(stored) == 1


async def test_a_burst_with_repeats_is_stored_once_each_in_one_group_commit(repo: SqlRepository, world: World) -> None:
    """Deliveries arriving together share one transaction; a key repeated inside the burst (a Slack
    retry racing its original) is stored once and the repeat is told it is a duplicate."""
    ws = world.workspace.id
    keys = [f"EvBurst{n % 7}" for n in range(20)]
    stored = await asyncio.gather(*(_accept(repo, ws, key) for key in keys))
    assert sum(stored) == 7
    assert {key for key, new in zip(keys, stored, strict=True) if new} == set(keys)
    again = await asyncio.gather(*(_accept(repo, ws, key) for key in keys[:7]))
    assert not any(again)


async def test_a_dead_workers_events_are_claimed_once_by_the_live_ones(
    repo: SqlRepository, other_repo: SqlRepository, world: World
) -> None:
    ws = world.workspace.id
    for n in range(12):
        assert await _accept(repo, ws, f"Ev{n}", worker="dead", lease=30)
    # held under a live lease: nobody else takes them
    assert await repo.claim_inbound(platform="slack", worker="w2", lease_seconds=30) == []
    assert "dead" in await repo.claim_holders()
    assert await repo.expire_claims(workers=["dead"]) == 12
    claims = await asyncio.gather(
        repo.claim_inbound(platform="slack", worker="a", lease_seconds=30, limit=5),
        other_repo.claim_inbound(platform="slack", worker="b", lease_seconds=30, limit=5),
        repo.claim_inbound(platform="slack", worker="c", lease_seconds=30, limit=5),
    )
    taken = Counter(item.event_key for batch in claims for item in batch)
    assert sorted(taken) == sorted(f"Ev{n}" for n in range(12)) and set(taken.values()) == {1}
    assert all(item.attempts == 1 for batch in claims for item in batch)  # the lost attempt is counted
    # a lease that passes without renewal frees them too; renewal keeps them
    later = utcnow() + dt.timedelta(seconds=60)
    assert await repo.renew_leases(worker="a", ids=[i.id for i in claims[0]], lease_seconds=300) == len(claims[0])
    assert await repo.renew_leases(worker="a", ids=[i.id for i in claims[1]], lease_seconds=300) == 0  # not a's
    again = await repo.claim_inbound(platform="slack", worker="d", lease_seconds=30, now=later, limit=50)
    assert {i.event_key for i in again} == {i.event_key for i in (*claims[1], *claims[2])}


async def test_hand_off_queues_replies_once_and_release_leaves_them_due(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    item = await repo.accept_event(ws, platform="slack", event_key="Ev1", kind="message", payload={},
                                   worker="w1", lease_seconds=30)
    assert item is not None
    replies = [{"call": {"method": "chat.postMessage"}, "key": f"{item.id}:{n}"} for n in range(3)]
    jobs = await repo.hand_off_inbound(item.id, worker="w1", job_kind="slack_reply", replies=replies,
                                       lease_seconds=30)
    assert [j.payload["key"] for j in jobs] == [r["key"] for r in replies]  # in order
    assert all(j.status == "running" and j.attempts == 0 for j in jobs)
    assert await repo.inbound_counts(platform="slack") == {"handled": 1}
    # a second hand-off of the same event (a replay) adds no reply
    assert await repo.hand_off_inbound(item.id, worker="w2", job_kind="slack_reply", replies=replies,
                                       lease_seconds=30) == []
    await repo.finish_job(jobs[0].id)
    # shutdown: what w1 holds is due at once for the next worker, its attempt counted (look first)
    assert await repo.release_claims(worker="w1") == 2
    left = await repo.claim_jobs(kinds=["slack_reply"], worker="w3", lease_seconds=30)
    assert [j.payload["key"] for j in left] == [r["key"] for r in replies[1:]]
    assert all(j.attempts == 1 for j in left)


async def test_a_failed_event_is_retried_then_failed(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    item = await repo.accept_event(ws, platform="slack", event_key="Ev1", kind="message", payload={},
                                   worker="w1", lease_seconds=30)
    assert item is not None
    soon = utcnow()
    assert await repo.retry_inbound(item.id, error="boom", retry_at=soon, max_attempts=2) is True
    claimed = await repo.claim_inbound(platform="slack", worker="w1", lease_seconds=30,
                                       now=soon + dt.timedelta(seconds=1))
    assert [c.id for c in claimed] == [item.id] and claimed[0].last_error == "boom"
    assert await repo.retry_inbound(item.id, error="boom", retry_at=soon, max_attempts=2) is False
    assert await repo.inbound_counts(platform="slack") == {"failed": 1}


async def test_an_entry_of_a_replayed_event_is_found_not_added(repo: SqlRepository, world: World) -> None:
    ws, project = world.workspace.id, world.project.id
    at = utcnow()
    token = ENTRY_ORIGIN.set("inbox-row-1")
    try:
        first = await repo.add_entry(ws, project_id=project, author="ana", at=at, raw_text="tried smote", source="dm")
        again = await repo.add_entry(ws, project_id=project, author="ana", at=at, raw_text="tried smote",
                                     source="dm")
    finally:
        ENTRY_ORIGIN.reset(token)
    assert again.id == first.id
    plain = await repo.add_entry(ws, project_id=project, author="ana", at=at, raw_text="tried smote", source="cli")
    assert plain.id != first.id  # without an origin (the CLI), every call is a new entry
    entries, _ = await repo.list_entries(ws)
    assert len(entries) == 2


async def test_a_correction_of_a_replayed_event_is_appended_once(
    repo: SqlRepository, other_repo: SqlRepository, world: World
) -> None:
    """A correction (or an edit) half-handled when its worker died is handled again by another: the
    text it appended the first time must not be appended a second time, even when both race."""
    ws, project = world.workspace.id, world.project.id
    entry = await repo.add_entry(ws, project_id=project, author="ana", at=utcnow(), raw_text="lr 1e-3", source="dm")
    token = ENTRY_ORIGIN.set("inbox-row-7")
    try:
        first = await repo.append_entry_text(ws, entry.id, "\n\n[correction] lr was 1e-4")
        again = await repo.append_entry_text(ws, entry.id, "\n\n[correction] lr was 1e-4")
        racing = await asyncio.gather(*(r_.append_entry_text(ws, entry.id, "\n\n[correction] lr was 1e-4")
                                        for r_ in (repo, other_repo)))
    finally:
        ENTRY_ORIGIN.reset(token)
    assert first.raw_text == again.raw_text == "lr 1e-3\n\n[correction] lr was 1e-4"
    assert all(r_.raw_text == first.raw_text for r_ in racing)
    # another event's correction is appended; and without an origin (the CLI) every call appends
    token = ENTRY_ORIGIN.set("inbox-row-8")
    try:
        second = await repo.append_entry_text(ws, entry.id, "\n\n[correction] seed 7")
    finally:
        ENTRY_ORIGIN.reset(token)
    assert second.raw_text.endswith("lr was 1e-4\n\n[correction] seed 7")
    plain = await repo.append_entry_text(ws, entry.id, " and more")
    assert (await repo.get_entry(ws, entry.id)).raw_text == plain.raw_text == second.raw_text + " and more"


async def test_every_pending_entry_has_the_job_that_finishes_it(repo: SqlRepository, world: World) -> None:
    assert PENDING_ENTRY_JOB == STRUCTURE_JOB
    ws, project = world.workspace.id, world.project.id
    entry = await repo.add_entry(ws, project_id=project, author="ana", at=utcnow(), raw_text="notes", source="cli")
    job = await repo.enqueue_job(ws, kind=STRUCTURE_JOB, payload={}, dedupe_key=f"{STRUCTURE_JOB}:{entry.id}")
    assert job.payload == {"entry_id": entry.id, "project_id": project}  # queued with the entry, not now
    # not due at once (the writer structures it right away), but due after the grace period
    assert await repo.claim_jobs(kinds=[STRUCTURE_JOB], worker="w") == []
    later = utcnow() + dt.timedelta(minutes=6)
    assert [j.id for j in await repo.claim_jobs(kinds=[STRUCTURE_JOB], worker="w", now=later)] == [job.id]


async def test_on_sqlite_intake_commits_are_synced_and_other_commits_are_not(
    repo: SqlRepository, world: World
) -> None:
    """WAL at synchronous=NORMAL (a commit survives the process's death, not a power loss) for the
    ordinary writes; storing an event before its ack commits at FULL (an fsync), so an acked event
    survives a power loss too."""
    import pytest
    from sqlalchemy import event

    if repo.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's safety level")
    said: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith(("PRAGMA synchronous", "BEGIN")):
            said.append(statement)

    event.listen(repo.engine.sync_engine, "before_cursor_execute", record)
    try:
        assert await _accept(repo, world.workspace.id, "EvSync")
        intake = list(said)
        said.clear()
        await repo.claim_event(world.workspace.id, "EvOther")
        ordinary = list(said)
    finally:
        event.remove(repo.engine.sync_engine, "before_cursor_execute", record)
    assert intake[-2:] == ["PRAGMA synchronous = FULL", "BEGIN IMMEDIATE"]
    assert ordinary[-1] == "BEGIN IMMEDIATE" and "PRAGMA synchronous = FULL" not in ordinary
    async with repo.engine.connect() as connection:
        from sqlalchemy import text

        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
