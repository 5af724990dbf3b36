"""What runs behind any chat front end (Slack today, Teams next), whatever the platform.

A front end translates: platform events in (as :class:`InboundMessage`), :class:`Reply` out (as
platform API calls). Everything else lives here, once:

* the store, trackers and engine (a :class:`NarratorHub`) and the :class:`Conversation` over them;
* inbound work after the platform's ack, as tasks on the **same event loop** (CPU-heavy engine work
  runs in a thread, so the loop stays free to ack), bounded by a number of slots;
* pacing per channel (about one post a second, Slack's guidance and a sane default elsewhere);
* the job worker (pending entries, tracker write-backs), whose finished entries update the message
  that showed them, through the front end's ``deliver``;
* the weekly digest scheduler, posting through the front end's ``post_digest``;
* the durable inbox (``bot.inbox``) when the front end offers one: events stored before their ack,
  finished after any restart, replies posted once as jobs;
* start, drain and stop (stop is bounded: intake first, a few seconds for work in hand, the rest is
  left stored for the next start).

The front end's side is :class:`FrontEnd`: ``deliver(reply)`` posts a reply and says where it went
(the runtime then remembers the message, so later clicks and thread replies find it), and
``post_digest`` posts a scheduled digest with its chart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from bot.conversation import Conversation
from bot.inbox import DurableFrontEnd, Inbox, host_id
from bot.messages import InboundMessage, Reply
from bot.settings import Settings

if TYPE_CHECKING:
    import datetime as dt

    from bot.app import NarratorHub
    from narrative.service import Narrator
    from narrative.types import Digest

log = logging.getLogger("coco.runtime")

# At stop, work in hand gets this long before what is left is released for the next start; with
# closing the store and the HTTP server the process exits well within 10 s of SIGTERM.
STOP_GRACE_S = 4.0
# From the stop signal to the process's end, whatever is stuck: a worker thread cannot be cancelled
# (an engine call, a tracker retrying, an import) and Python joins every pool thread at exit. What
# the bound cuts off is stored (the durable inbox) or retried (jobs), so ending it is safe.
STOP_BUDGET_S = 9.0
# Before serving, opening the trackers' clients may take this long (see ``Runtime.warm_trackers``).
WARM_TRACKERS_S = 30.0


def freeze_startup_heap() -> None:
    """Move everything alive after start-up (imports, MLflow's client, the engine) out of the garbage
    collector's reach. A full collection walks every object: with MLflow loaded that is ~340,000 and
    400-500 ms with the event loop stopped, and bursts of requests trigger one now and then (acks of
    a burst waited 220 ms at once). Frozen objects are never walked; what is made later still is."""
    import gc

    gc.collect()
    gc.freeze()


def stop_on_signals(*, budget: float = STOP_BUDGET_S) -> asyncio.Event:
    """An event set by SIGINT or SIGTERM; from that moment the process has ``budget`` seconds to
    stop in order before it is ended at once (exit 0, logged), so a stop is bounded."""
    import signal
    import threading

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def end_now() -> None:
        log.warning("stopping took over %.0f s; ending now (unfinished work stays stored for the next start)",
                    budget)
        logging.shutdown()
        os._exit(0)

    def begin_stop() -> None:
        if stop.is_set():
            return
        stop.set()
        timer = threading.Timer(budget, end_now)
        timer.daemon = True
        timer.start()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, begin_stop)
    return stop


@dataclass(frozen=True)
class Posted:
    """Where a delivered reply landed: the channel and the platform's id of the message."""

    channel_id: str
    message_id: str


class FrontEnd(Protocol):
    """What a chat platform gives the runtime: its two ways of saying something unprompted."""

    async def deliver(self, reply: Reply) -> Posted | None:
        """Post (or update) one reply; ``None`` when nothing was posted (refused, or nothing to point at)."""
        ...

    async def post_digest(self, *, channel: str, reply: Reply, digest: Digest, chart_png: bytes | None) -> None:
        """Post a scheduled digest (``reply`` is it rendered neutrally) and its chart. Raise
        ``bot.scheduler.DigestNotPostedError`` when it is certain nothing reached the channel."""
        ...


Deliver = Callable[[Reply], Awaitable[Posted | None]]


class ChannelPacer:
    """About one post a second per channel: each channel's posts queue behind its own lock."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    async def turn(self, channel: str) -> None:
        if self.interval <= 0:
            return
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            wait = self._last.get(channel, 0.0) + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last[channel] = time.monotonic()


class _DigestDelivery:
    """The scheduler's ``DigestPoster``: the digest as a neutral reply, posted by the front end."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def post_digest(self, *, workspace_id: str, channel: str, digest: Digest, chart_png: bytes | None) -> None:
        narrator = self.runtime.hub.for_workspace_id(workspace_id)
        reply = await self.runtime.conversation.digest_reply(narrator, digest)
        await self.runtime.front.post_digest(channel=channel, reply=reply, digest=digest, chart_png=chart_png)

    async def tell(self, *, workspace_id: str, user: str, text: str) -> None:
        """Tell the person privately (a direct message), e.g. that their scheduled digest was refused."""
        await self.runtime.front.deliver(Reply(kind="notice", text=text, target="dm", user_id=user,
                                               workspace_id=workspace_id))


class Runtime:
    """The hub, the conversation, inbound work, pacing and the background loops of one front end."""

    def __init__(
        self,
        settings: Settings,
        *,
        platform: str,
        front: FrontEnd,
        concurrency: int,
        channel_interval: float,
        hub: NarratorHub | None = None,
    ) -> None:
        self.settings = settings
        self.platform = platform
        self.front = front
        self.pacer = ChannelPacer(channel_interval)
        self._hub = hub
        self._conversation: Conversation | None = Conversation(hub) if hub is not None else None
        self._hub_exit: contextlib.AsyncExitStack | None = None
        # The slots bound the store and tracker work of inbound messages; posting (paced per channel)
        # happens outside them, so one channel's pacing never holds back another person's entry.
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._inflight: set[asyncio.Task[None]] = set()
        self._stop = asyncio.Event()
        self._background: list[asyncio.Task[None]] = []
        # The durable inbox, when the front end can translate stored events and send stored calls.
        durable = hasattr(front, "handle_inbound") and hasattr(front, "send_owed")
        self.inbox: Inbox | None = Inbox(self, cast(DurableFrontEnd, front)) if durable else None

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def hub(self) -> NarratorHub:
        if self._hub is None:
            raise RuntimeError("the runtime was not started (start())")
        return self._hub

    @property
    def conversation(self) -> Conversation:
        if self._conversation is None:
            raise RuntimeError("the runtime was not started (start())")
        return self._conversation

    async def start(self, *, background: bool = True) -> None:
        """Open the store (unless a hub was given) and, unless told not to, start the job worker and
        the digest scheduler."""
        from bot.app import open_hub

        if self._hub is None:
            self._hub_exit = contextlib.AsyncExitStack()
            self._hub = await self._hub_exit.enter_async_context(open_hub(self.settings))
            self._conversation = Conversation(self._hub)
        from bot.nudges import PeopleDirectory

        if isinstance(self.front, PeopleDirectory):  # nudges ask the platform for a person's zone and status
            self._hub.people = self.front
        if background:
            self._background = [
                asyncio.create_task(self._worker_loop(), name="coco-jobs"),
                asyncio.create_task(self._scheduler(), name="coco-digests"),
                asyncio.create_task(self._nudger(), name="coco-nudges"),
            ]
            if self.inbox is not None:
                self._background.append(asyncio.create_task(self.inbox.loop(self._stop), name="coco-inbox"))

    async def warm_trackers(self, *, timeout: float = WARM_TRACKERS_S) -> None:
        """Open every project's tracker client once, before serving. Opening MLflow's client imports
        MLflow (scipy, pyarrow, its store's migrations check): seconds of CPU under the GIL. Left to the
        first event, it ran while a burst was being acked and every ack of that burst waited behind it
        (p99 near 1 s). Bounded: a tracker that does not answer is left to the first event."""

        async def warm() -> None:
            for narrator in await self.hub.narrators(platform=self.platform):
                for project in await narrator.projects():
                    for name in project.experiment_names[:1]:
                        with contextlib.suppress(Exception):  # a bad tracker is the first event's to report
                            await narrator.tracker(project).get_experiment(name)

        started = time.monotonic()
        try:
            await asyncio.wait_for(warm(), timeout=timeout)
        except Exception as error:  # TimeoutError included: serving matters more than a warm cache
            log.info("warming the trackers stopped (%s: %s)", type(error).__name__, error)
        log.info("trackers warmed in %.1f s", time.monotonic() - started)

    def submit(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` after the ack, on this loop; ``drain`` waits for it."""
        self.track(asyncio.get_running_loop().create_task(work))

    def track(self, task: asyncio.Task[None]) -> None:
        """Count a task as inbound work: ``drain`` waits for it."""
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def drain(self, timeout: float = 60.0) -> None:
        """Wait until every submitted inbound is done (tests, benches, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._inflight and time.monotonic() < deadline:
            await asyncio.wait(list(self._inflight), timeout=min(1.0, max(0.0, deadline - time.monotonic())))

    async def stop(self, *, grace: float = STOP_GRACE_S) -> None:
        """Give inbound work ``grace`` seconds, stop the background loops, close the store (when the
        runtime opened it). With a durable inbox, what is not finished by then stays stored and is
        released for the next start; without one, inbound work is drained as before."""
        self._stop.set()
        if self.inbox is not None:
            await self.inbox.shutdown(grace=grace)
        await self.drain(timeout=grace if self.inbox is not None else 30.0)
        for task in list(self._inflight):
            task.cancel()
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._hub_exit is not None:
            await self._hub_exit.aclose()

    # -- inbound ----------------------------------------------------------------------------------
    async def converse(
        self, msg: InboundMessage, *, prepare: Callable[[InboundMessage], Awaitable[None]] | None = None
    ) -> list[Reply]:
        """The conversation's replies to one inbound, within a slot. ``prepare`` fills in what the
        platform must be asked for (the person's name and e-mail) inside the same slot."""
        async with self._slots:
            if prepare is not None:
                await prepare(msg)
            return await self.conversation.handle(msg)

    async def pace(self, channel: str) -> None:
        """Wait for this channel's turn to receive a post."""
        await self.pacer.turn(channel)

    async def deliver_all(self, replies: Iterable[Reply], deliver: Deliver | None = None) -> int:
        """Deliver replies in order, each remembered where it landed; returns how many were posted.
        ``deliver`` defaults to the front end's (a front end passes its own when a reply needs the
        inbound's context, such as Slack's ``response_url`` or ``trigger_id``)."""
        send = deliver or self.front.deliver
        posted_count = 0
        for reply in replies:
            posted = await send(reply)
            if posted is None:
                continue
            posted_count += 1
            await self.conversation.remember(reply, channel_id=posted.channel_id, message_id=posted.message_id)
        return posted_count

    # -- background work --------------------------------------------------------------------------
    def worker_name(self, role: str) -> str:
        # The inbox's host id: a replica that sees this worker's process gone takes its claims at once.
        return f"{self.platform}-{role}:{host_id()}:{os.getpid()}"

    async def finish_pending(self) -> int:
        """One pass of the job worker: finish pending entries, then update their messages."""
        from narrative.jobs import run_due_jobs

        updated = 0
        for narrator in await self.hub.narrators(platform=self.platform):
            await run_due_jobs(narrator, worker=self.worker_name("jobs"))
            updated += await self.deliver_all(await self.conversation.finished_updates(narrator))
        return updated

    async def _worker_loop(self) -> None:
        while not self._stop.is_set():
            try:
                await self.finish_pending()
            except Exception:
                log.exception("the job worker pass failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.settings.worker_interval)

    async def _narrators(self) -> AsyncIterator[Narrator]:
        for narrator in await self.hub.narrators(platform=self.platform):
            yield narrator

    async def _scheduler(self) -> None:
        from bot.scheduler import scheduler_loop

        await scheduler_loop(self._narrators, _DigestDelivery(self), interval=self.settings.worker_interval,
                             stop=self._stop, worker=self.worker_name("digests"))

    async def run_digests(self, *, now: dt.datetime | None = None) -> list[str]:
        """One pass of the digest scheduler (what the background loop does every interval)."""
        from bot.scheduler import run_due_digests

        done: list[str] = []
        for narrator in await self.hub.narrators(platform=self.platform):
            done += await run_due_digests(narrator, _DigestDelivery(self), now=now, worker=self.worker_name("digests"))
        return done

    # -- end-of-day nudges (bot/nudges.py) ----------------------------------------------------------------
    async def run_nudges(self, *, now: dt.datetime | None = None) -> list[str]:
        """One pass of the nudges: queue and send the due ones of every workspace of this platform."""
        from bot.nudges import PeopleDirectory, run_due_nudges

        directory = self.front if isinstance(self.front, PeopleDirectory) else None
        done: list[str] = []
        for narrator in await self.hub.narrators(platform=self.platform):
            done += await run_due_nudges(self.conversation.steps(narrator), self.front, now=now,
                                         worker=self.worker_name("nudges"), directory=directory)
        return done

    async def _nudger(self) -> None:
        while not self._stop.is_set():
            try:
                for line in await self.run_nudges():
                    log.info("nudges: %s", line)
            except Exception:
                log.exception("the nudge pass failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.settings.worker_interval)
