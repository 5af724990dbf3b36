"""The durable inbox of a chat front end: nothing acknowledged is lost, no reply is posted twice.

What the platform is told, and when:

1. **Before the ack**, the front end hands the raw event to :meth:`Inbox.accept`, which stores it
   (payload, dedupe key) in the database in the one ``INSERT`` that also dedupes it. Only then does
   the platform get its 2xx; if the database refuses, the front end answers 5xx and the platform
   retries. The row is born claimed, under a lease, by this process's worker, which handles it at
   once on the event loop (the ack does not wait for that).
2. **Handling** runs the conversation with the row's id as the entry origin
   (``storage.origin``): if a worker dies half-way and another handles the event again, the entry
   stored the first time is found, not added twice. The replies the conversation returns are not
   posted from memory: they are stored as jobs (``{platform}_reply``) in the transaction that marks
   the event handled, then posted one by one, each job finished after its post.
3. **A reply job whose earlier attempt may have posted** (its lease ran out, its worker died or was
   stopped) is looked for on the platform before it is posted again: the front end marks each post
   with the job's key and finds it by that key (Slack: message metadata, read back with
   ``conversations.replies``/``history``).
4. **Any live worker of any replica** claims what nobody holds: events and reply jobs queued for a
   retry or released at shutdown, and those whose lease has passed. Leases are short and renewed
   while a worker lives; at start and every few seconds, a worker also ends at once the leases of
   workers of its own host whose process is gone (a restart after ``kill -9``, or a replica on the
   same host killed, does not wait for the lease; other hosts' dead replicas wait for it).
5. **At shutdown** intake stops first (the front end's job), work in hand gets a few seconds, and
   the rest is released, due at once, for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from bot.messages import Reply
from storage.origin import ENTRY_ORIGIN

if TYPE_CHECKING:
    from bot.runtime import Posted, Runtime
    from storage.ports import InboxQueue
    from storage.records import InboxRecord, JobRecord

log = logging.getLogger("coco.inbox")

# A claim lasts this long unless renewed; a live worker renews every RENEW_S. A dead worker's events
# are claimable after at most LEASE_S (at once on its own host, see ``reap_dead``).
LEASE_S = 30
RENEW_S = 10.0
# How often a worker looks for events and replies nobody holds.
POLL_S = 1.0
# How often a worker looks for workers of its own host that died (``reap_dead``).
REAP_S = 5.0
# A handling or a post that raised is tried again after RETRY_S, up to MAX_ATTEMPTS attempts in all.
RETRY_S = 15.0
MAX_ATTEMPTS = 5
# Per claim: how many events or reply jobs one poll takes.
CLAIM_BATCH = 20
# Acks first: handling waits until no request has been in intake for QUIET_S, for at most DEFER_MAX_S.
# A quarter second: shorter gaps happen inside a burst (the sender is busy too), and each let a
# handful of conversations start between acks.
QUIET_S = 0.25
DEFER_MAX_S = 5.0


@dataclass(frozen=True)
class Owed:
    """One reply the conversation owes, as the front end will send it: ``call`` is the platform
    call, JSON only (it is stored in a job), and ``reply`` what to remember once it is posted."""

    reply: Reply
    call: dict[str, Any]


class DurableFrontEnd(Protocol):
    """What a front end adds to :class:`bot.runtime.FrontEnd` for the durable inbox."""

    async def handle_inbound(self, item: InboxRecord) -> list[Owed]:
        """Translate a stored event, run the conversation and render each reply as a platform call."""
        ...

    async def send_owed(self, call: dict[str, Any], *, key: str, look_first: bool) -> Posted | None:
        """Make one stored call. ``key`` marks the post so it can be found again; with ``look_first``
        (an earlier attempt may have posted) find it before posting, and post only if absent."""
        ...


def _memo(reply: Reply) -> dict[str, Any]:
    return {"kind": reply.kind, "memo_kind": reply.memo_kind, "entry_id": reply.entry_id,
            "pending": reply.pending, "workspace_id": reply.workspace_id, "thread_id": reply.thread_id,
            "user_id": reply.user_id}


def _reply_of(memo: dict[str, Any]) -> Reply:
    return Reply(kind=memo.get("kind") or "notice", text="", memo_kind=memo.get("memo_kind"),
                 entry_id=memo.get("entry_id"), pending=bool(memo.get("pending")),
                 workspace_id=str(memo.get("workspace_id") or ""), thread_id=memo.get("thread_id"),
                 user_id=str(memo.get("user_id") or ""))


def host_id() -> str:
    """This host as worker names spell it: its name and its PID namespace. A pid only means something
    within its namespace: two containers may share a host name (host networking) while their pids
    are unrelated, and a replica must never take a live replica's claims for a dead one's."""
    try:
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:[").removesuffix("]")
    except OSError:  # no /proc (macOS): the host name alone
        return socket.gethostname().replace(":", "_")
    return f"{socket.gethostname().replace(':', '_')}~{namespace}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class Inbox:
    """The inbox worker of one front end in one process."""

    def __init__(self, runtime: Runtime, front: DurableFrontEnd) -> None:
        self.runtime = runtime
        self.front = front
        self.platform = runtime.platform
        self.job_kind = f"{runtime.platform}_reply"
        # host:pid:boot: a restarted container may reuse the pid; the boot token tells it apart.
        self.host = host_id()
        self.boot = uuid.uuid4().hex[:8]
        self.worker = f"{self.platform}-inbox:{self.host}:{os.getpid()}:{self.boot}"
        self._held: set[asyncio.Task[None]] = set()
        # Ids of the events and reply jobs this worker is working on: the leases it renews.
        self._holding: set[str] = set()
        self._intake_open = True
        # Requests being acked right now, and "no request for QUIET_S": handling waits for it.
        self._acking = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._quiet_timer: asyncio.TimerHandle | None = None

    @property
    def store(self) -> InboxQueue:
        return self.runtime.hub.inbox

    # -- intake (before the ack) ---------------------------------------------------------------
    async def accept(self, *, workspace_key: str, event_key: str, kind: str, payload: dict[str, Any]) -> bool:
        """Store one inbound event before the platform is answered; True when it is new. Raises
        (and the front end answers 5xx, so the platform retries) when it could not be stored."""
        if not self._intake_open:
            raise RuntimeError("COCO is shutting down")
        narrator = await self.runtime.hub.narrator(workspace_key, platform=self.platform)
        item = await self.store.accept_event(
            narrator.workspace_id, platform=self.platform, event_key=event_key or f"anon:{uuid.uuid4().hex}",
            kind=kind, payload=payload, worker=self.worker, lease_seconds=LEASE_S,
        )
        if item is None:
            log.info("duplicate delivery %s ignored", event_key)
            return False
        self._spawn(self.handle(item))
        return True

    def close_intake(self) -> None:
        self._intake_open = False

    # Acks first. One event loop acks and handles; handling an event is many small steps of Python on
    # that loop (the conversation, the ORM) and engine work in threads that compete for the GIL, so in
    # a burst every ack queued behind the handling of the events acked just before it (p99 near 1 s
    # at 25 requests at a time). The front end marks each request's intake (``intake_begins`` /
    # ``intake_ends``); a handling starts once intake has been quiet for QUIET_S, or after DEFER_MAX_S
    # (a steady stream of requests must not starve the work). Handling already under way goes on.
    def intake_begins(self) -> None:
        self._acking += 1
        self._quiet.clear()
        if self._quiet_timer is not None:
            self._quiet_timer.cancel()
            self._quiet_timer = None

    def intake_ends(self) -> None:
        self._acking = max(0, self._acking - 1)
        if self._acking == 0:
            if self._quiet_timer is not None:
                self._quiet_timer.cancel()
            self._quiet_timer = asyncio.get_running_loop().call_later(QUIET_S, self._quiet.set)

    async def _after_intake(self) -> None:
        if not self._quiet.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._quiet.wait(), timeout=DEFER_MAX_S)

    def _spawn(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            await work

        task = asyncio.get_running_loop().create_task(run())
        self._held.add(task)
        task.add_done_callback(self._held.discard)
        self.runtime.track(task)

    # -- handling ------------------------------------------------------------------------------------
    async def handle(self, item: InboxRecord) -> None:
        """Handle one claimed event: the conversation, then its replies stored as jobs and posted."""
        self._holding.add(item.id)
        try:
            await self._after_intake()
            await self._handle(item)
        finally:
            self._holding.discard(item.id)

    async def _handle(self, item: InboxRecord) -> None:
        token = ENTRY_ORIGIN.set(item.id)
        try:
            owed = await self.front.handle_inbound(item)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the traceback goes to the log; the event is tried again later
            log.exception("handling a %s %s failed", self.platform, item.kind)
            retry_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=RETRY_S)
            await self.store.retry_inbound(item.id, error=f"{type(error).__name__}: {error}"[:500],
                                           retry_at=retry_at, max_attempts=MAX_ATTEMPTS)
            return
        finally:
            ENTRY_ORIGIN.reset(token)
        payloads = [{"call": o.call, "memo": _memo(o.reply), "key": f"{item.id}:{n}"} for n, o in enumerate(owed)]
        jobs = await self.store.hand_off_inbound(item.id, worker=self.worker, job_kind=self.job_kind,
                                                 replies=payloads, lease_seconds=LEASE_S)
        await self.post_in_order(jobs)

    async def post_in_order(self, jobs: Iterable[JobRecord]) -> None:
        waiting = list(jobs)
        self._holding.update(job.id for job in waiting)
        try:
            for job in waiting:
                await self.post(job)
                self._holding.discard(job.id)
        finally:
            self._holding.difference_update(job.id for job in waiting)

    async def post(self, job: JobRecord) -> None:
        """Post one owed reply (looking first when an earlier attempt may have posted), remember
        where it landed, and finish its job."""
        call = dict(job.payload.get("call") or {})
        key = str(job.payload.get("key") or job.id)
        try:
            posted = await self.front.send_owed(call, key=key, look_first=job.attempts > 0)
            if posted is not None:
                await self.runtime.conversation.remember(_reply_of(dict(job.payload.get("memo") or {})),
                                                         channel_id=posted.channel_id, message_id=posted.message_id)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("posting a %s reply failed (%s: %s); it is tried again later", self.platform,
                        type(error).__name__, error)
            retry = job.attempts + 1 < MAX_ATTEMPTS
            await self.store.finish_job(job.id, error=f"{type(error).__name__}: {error}"[:500],
                                        retry_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=RETRY_S) if retry
                                        else None)
            return
        await self.store.finish_job(job.id)

    # -- recovery and leases -------------------------------------------------------------------------
    async def reap_dead(self) -> int:
        """End the leases of this host's workers whose process is gone (a restart after kill -9)."""
        dead: list[str] = []
        for holder in await self.store.claim_holders():
            parts = holder.split(":")
            if len(parts) < 3 or parts[1] != self.host or not parts[2].isdigit():
                continue
            pid = int(parts[2])
            same_pid_other_boot = pid == os.getpid() and holder != self.worker and holder.count(":") >= 3
            if same_pid_other_boot or (pid != os.getpid() and not _pid_alive(pid)):
                dead.append(holder)
        if dead:
            count = await self.store.expire_claims(workers=dead)
            log.info("took over %d claims of %d stopped workers", count, len(dead))
            return count
        return 0

    async def recover_once(self) -> int:
        """Claim what nobody holds (events, then reply jobs) and start it; how many were taken."""
        items = await self.store.claim_inbound(platform=self.platform, worker=self.worker, lease_seconds=LEASE_S,
                                               limit=CLAIM_BATCH)
        for item in items:
            self._spawn(self.handle(item))
        jobs = await self.store.claim_jobs(kinds=[self.job_kind], worker=self.worker, lease_seconds=LEASE_S,
                                           limit=CLAIM_BATCH)
        # One event's replies go out in order: one task per event, posting its jobs in turn.
        by_event: dict[str, list[JobRecord]] = {}
        for job in jobs:
            by_event.setdefault(str(job.payload.get("key") or job.id).split(":")[0], []).append(job)
        for group in by_event.values():
            self._spawn(self.post_in_order(group))
        return len(items) + len(jobs)

    async def loop(self, stop: asyncio.Event) -> None:
        """Renew this worker's leases and take over what nobody holds, until ``stop``."""
        try:
            await self.reap_dead()
        except Exception:
            log.exception("looking for stopped workers failed")
        loop = asyncio.get_running_loop()
        renewed = reaped = loop.time()
        while not stop.is_set():
            try:
                if loop.time() - renewed >= RENEW_S:
                    await self.store.renew_leases(worker=self.worker, ids=sorted(self._holding),
                                                  lease_seconds=LEASE_S)
                    renewed = loop.time()
                if loop.time() - reaped >= REAP_S:
                    # Not only at start: a replica on this host killed while this one runs leaves its
                    # events, replies and digests to this one now, not when their leases run out.
                    await self.reap_dead()
                    reaped = loop.time()
                await self.recover_once()
            except Exception:
                log.exception("the inbox pass failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=POLL_S)

    async def shutdown(self, *, grace: float) -> None:
        """Stop taking events, give work in hand ``grace`` seconds, then release the rest (due at
        once) for the next worker."""
        self.close_intake()
        if self._held:
            await asyncio.wait(list(self._held), timeout=grace)
        left = list(self._held)
        for task in left:
            task.cancel()
        if left:
            await asyncio.wait(left, timeout=1.0)
        try:
            released = await self.store.release_claims(worker=self.worker)
        except Exception:
            log.exception("releasing the inbox's claims failed; they return when their lease ends")
            return
        if released:
            log.info("left %d events and replies for the next start", released)

