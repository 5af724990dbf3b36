"""Idempotency keys and the durable job queue, including concurrent callers on separate connection
pools (as separate processes or bot replicas would be)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from storage.records import JobRecord, utcnow
from storage.repository import SqlRepository
from tests.storage.storage_testkit import World, make_world


async def test_an_event_key_is_claimed_once_per_workspace(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    assert await repo.claim_event(ws, "Ev01") is True
    assert await repo.claim_event(ws, "Ev01") is False
    assert await repo.claim_event(ws, "Ev01") is False
    assert await repo.claim_event(ws, "Ev02") is True
    other = await make_world(repo, "slack:T2")
    assert await repo.claim_event(other.workspace.id, "Ev01") is True


async def test_concurrent_claims_of_one_event_yield_exactly_one_true(
    repo: SqlRepository, other_repo: SqlRepository, world: World
) -> None:
    ws = world.workspace.id
    results = await asyncio.gather(*(repo.claim_event(ws, "retry-storm") for _ in range(20)))
    assert sorted(results) == [False] * 19 + [True]
    # Two pools (two processes) racing on fresh keys.
    for key in ("k1", "k2", "k3"):
        racing = [r.claim_event(ws, key) for r in (repo, other_repo) for _ in range(10)]
        assert Counter(await asyncio.gather(*racing)) == {True: 1, False: 19}


async def _queued(repo: SqlRepository, ws: str, key: str) -> JobRecord:
    """The job's current state, read back through its dedupe key (enqueue returns the existing one)."""
    return await repo.enqueue_job(ws, kind="probe", payload={}, dedupe_key=key)


async def test_dedupe_key_returns_the_existing_job(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    first = await repo.enqueue_job(ws, kind="digest", payload={"week": 12}, dedupe_key="digest:2024-W12")
    again = await repo.enqueue_job(ws, kind="digest", payload={"week": 99}, dedupe_key="digest:2024-W12")
    assert again.id == first.id and again.payload == {"week": 12}
    racing = await asyncio.gather(
        *(repo.enqueue_job(ws, kind="digest", payload={}, dedupe_key="digest:2024-W13") for _ in range(10))
    )
    assert len({j.id for j in racing}) == 1
    other = await make_world(repo, "teams:T")
    elsewhere = await repo.enqueue_job(other.workspace.id, kind="digest", payload={}, dedupe_key="digest:2024-W12")
    assert elsewhere.id != first.id
    # Jobs without a key are never merged.
    plain = [await repo.enqueue_job(ws, kind="sync", payload={}) for _ in range(3)]
    assert len({j.id for j in plain}) == 3

    claimed = await repo.claim_jobs(kinds=["digest"], limit=10)
    assert sorted(j.id for j in claimed) == sorted([first.id, racing[0].id, elsewhere.id])
    await repo.finish_job(first.id)
    # Once done, the key still answers with the finished job: the digest is not posted twice.
    done = await repo.enqueue_job(ws, kind="digest", payload={}, dedupe_key="digest:2024-W12")
    assert (done.id, done.status) == (first.id, "done")


async def test_jobs_round_trip_their_fields(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    job = await repo.enqueue_job(
        ws, kind="structure_entry", payload={"entry_id": "abc", "n": [1, 2.5, None], "ü": "✓"},
        run_after=when, dedupe_key="structure:abc",
    )
    assert (job.status, job.attempts, job.run_after, job.dedupe_key) == ("queued", 0, when, "structure:abc")
    assert job.run_after.utcoffset() == dt.timedelta(0)
    [claimed] = await repo.claim_jobs(now=when, worker="w1")
    assert claimed.payload == {"entry_id": "abc", "n": [1, 2.5, None], "ü": "✓"}
    assert (claimed.status, claimed.workspace_id, claimed.kind) == ("running", ws, "structure_entry")


async def test_due_time_kinds_and_limit(repo: SqlRepository, world: World) -> None:
    ws, now = world.workspace.id, utcnow()
    later = await repo.enqueue_job(ws, kind="digest", payload={}, run_after=now + dt.timedelta(hours=1))
    for i in range(5):
        await repo.enqueue_job(ws, kind="sync", payload={"i": i}, run_after=now - dt.timedelta(minutes=10 - i))
    assert await repo.claim_jobs(kinds=["digest"], now=now) == []
    assert await repo.claim_jobs(kinds=[], now=now) == []
    first_two = await repo.claim_jobs(kinds=["sync"], now=now, limit=2)
    assert [j.payload["i"] for j in first_two] == [0, 1]  # oldest due first
    rest = await repo.claim_jobs(now=now, limit=10)
    assert [j.payload["i"] for j in rest] == [2, 3, 4]
    [digest] = await repo.claim_jobs(kinds=["digest"], now=now + dt.timedelta(hours=1))
    assert digest.id == later.id


async def test_concurrent_claimers_never_share_a_job(
    repo: SqlRepository, other_repo: SqlRepository, world: World
) -> None:
    ws = world.workspace.id
    enqueued = {(await repo.enqueue_job(ws, kind="sync", payload={"i": i})).id for i in range(60)}
    claims: list[str] = []

    async def claimer(r: SqlRepository, name: str) -> None:
        while batch := await r.claim_jobs(limit=3, worker=name):
            claims.extend(j.id for j in batch)
            await asyncio.sleep(0)

    await asyncio.gather(*(claimer(r, f"{i}") for i, r in enumerate([repo, other_repo] * 3)))
    duplicates = [job for job, n in Counter(claims).items() if n > 1]
    assert duplicates == []
    assert set(claims) == enqueued


async def test_an_expired_lease_makes_a_job_claimable_again(repo: SqlRepository, world: World) -> None:
    ws, t0 = world.workspace.id, utcnow()
    job = await repo.enqueue_job(ws, kind="sync", payload={}, run_after=t0, dedupe_key="sync-1")
    [first] = await repo.claim_jobs(now=t0, worker="a", lease_seconds=60)
    assert first.id == job.id and first.attempts == 0
    assert await repo.claim_jobs(now=t0 + dt.timedelta(seconds=30), worker="b") == []
    [second] = await repo.claim_jobs(now=t0 + dt.timedelta(seconds=61), worker="b", lease_seconds=60)
    assert second.id == job.id
    assert second.attempts == 1  # the attempt lost with worker a counts
    assert second.last_error is not None and "lease expired" in second.last_error
    assert await repo.claim_jobs(now=t0 + dt.timedelta(seconds=90), worker="c") == []
    await repo.finish_job(job.id)
    assert await repo.claim_jobs(now=t0 + dt.timedelta(days=1)) == []
    assert (await _queued(repo, ws, "sync-1")).status == "done"


async def test_finish_job_done_failed_or_retried(repo: SqlRepository, world: World) -> None:
    ws, t0 = world.workspace.id, utcnow()
    retried = await repo.enqueue_job(ws, kind="sync", payload={}, run_after=t0, dedupe_key="retry")
    failed = await repo.enqueue_job(ws, kind="sync", payload={}, run_after=t0, dedupe_key="fail")
    assert len(await repo.claim_jobs(now=t0)) == 2

    retry_at = t0 + dt.timedelta(minutes=5)
    await repo.finish_job(retried.id, error="tracker down", retry_at=retry_at)
    await repo.finish_job(failed.id, error="bad payload")

    state = await _queued(repo, ws, "retry")
    assert (state.status, state.attempts, state.last_error, state.run_after) == (
        "queued", 1, "tracker down", retry_at,
    )
    state = await _queued(repo, ws, "fail")
    assert (state.status, state.attempts, state.last_error) == ("failed", 1, "bad payload")

    assert await repo.claim_jobs(now=retry_at - dt.timedelta(seconds=1)) == []
    [again] = await repo.claim_jobs(now=retry_at)
    assert (again.id, again.attempts) == (retried.id, 1)
    await repo.finish_job(again.id)
    state = await _queued(repo, ws, "retry")
    assert (state.status, state.attempts) == ("done", 2)
    assert await repo.claim_jobs(now=t0 + dt.timedelta(days=1)) == []  # failed stays failed


async def test_a_claim_can_be_restricted_to_one_workspace(repo: SqlRepository, world: World) -> None:
    other = await make_world(repo, "slack:T2")
    mine = await repo.enqueue_job(world.workspace.id, kind="sync", payload={})
    theirs = await repo.enqueue_job(other.workspace.id, kind="sync", payload={})
    assert [j.id for j in await repo.claim_jobs(workspace_id=world.workspace.id)] == [mine.id]
    assert [j.id for j in await repo.claim_jobs()] == [theirs.id]
