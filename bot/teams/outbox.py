"""Everything COCO sends to the Bot Connector, through the Agents SDK, paced and retried.

Each send is a proactive turn of the SDK (``CloudAdapter.continue_conversation`` with the stored
conversation reference): the SDK builds the connector client with the bot's token (MSAL, cached), and
COCO calls the connector's conversation operations on it. So a reply never depends on the HTTP request
that brought the message in: ``POST /api/messages`` is answered before any of this runs.

Teams' limits, as Microsoft states them per bot and conversation: about 7 messages a second and 60 in
30 seconds. :class:`ConversationPacer` keeps each conversation under both (a sliding window), and a
429, 412, 502 or 504 from the connector is retried after ``Retry-After`` when given, else after an
exponential backoff with full jitter, a few times; anything else is the caller's to log.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from microsoft_agents.hosting.aiohttp import CloudAdapter
    from microsoft_agents.hosting.core import TurnContext
    from microsoft_agents.hosting.core.connector import ConnectorClientBase

log = logging.getLogger("coco.teams.outbox")
RETRIED_STATUSES = frozenset({412, 429, 502, 504})
T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """At most ``count`` sends in any ``seconds``."""

    count: int
    seconds: float


# Teams' per-conversation limits (about 7 a second, 60 in 30 seconds), kept with a little margin.
TEAMS_WINDOWS = (Window(7, 1.0), Window(60, 30.0))


class ConversationPacer:
    """Each conversation's sends queue behind its own lock and wait until every window has room."""

    def __init__(self, windows: tuple[Window, ...] = TEAMS_WINDOWS) -> None:
        self.windows = windows
        self._locks: dict[str, asyncio.Lock] = {}
        self._sent: dict[str, deque[float]] = {}

    async def turn(self, conversation: str) -> None:
        if not self.windows:
            return
        longest = max(w.count for w in self.windows)
        lock = self._locks.setdefault(conversation, asyncio.Lock())
        async with lock:
            sent = self._sent.setdefault(conversation, deque(maxlen=longest))
            while True:
                now = time.monotonic()
                wait = 0.0
                for window in self.windows:
                    if len(sent) >= window.count:
                        oldest = sent[-window.count]
                        wait = max(wait, oldest + window.seconds - now)
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            sent.append(time.monotonic())


@dataclass(frozen=True)
class Backoff:
    attempts: int = 4  # the first try and three retries
    base: float = 0.5
    cap: float = 8.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), 30.0) + random.uniform(0, self.base)
        return random.uniform(0, min(self.cap, self.base * 2**attempt))  # full jitter


def _retry_after(error: Exception) -> float | None:
    headers = getattr(error, "headers", None) or {}
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


async def with_retries(call: Callable[[], Awaitable[T]], *, backoff: Backoff, what: str) -> T:
    """``call()``, again after a throttling or gateway status, up to ``backoff.attempts`` times."""
    from aiohttp import ClientResponseError

    for attempt in range(backoff.attempts):
        try:
            return await call()
        except ClientResponseError as error:
            if error.status not in RETRIED_STATUSES or attempt == backoff.attempts - 1:
                raise
            delay = backoff.delay(attempt, _retry_after(error))
            log.info("the connector answered %s to %s; retrying in %.2f s", error.status, what, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


Operation = Callable[["ConnectorClientBase"], Awaitable[Any]]


class Outbox:
    """Sends through the SDK's proactive turn: paced per conversation, retried on throttling."""

    def __init__(self, adapter: CloudAdapter, *, app_id: str, pacer: ConversationPacer | None = None,
                 backoff: Backoff | None = None) -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.pacer = pacer or ConversationPacer()
        self.backoff = backoff or Backoff()

    async def run(self, reference: dict[str, Any], operation: Operation, *, pace_key: str | None, what: str) -> Any:
        """Run ``operation`` with a connector client for the conversation ``reference`` names; a send
        waits for its conversation's turn (``pace_key``), a read (None) does not."""
        from microsoft_agents.activity import ConversationReference
        from microsoft_agents.hosting.core.connector import ConnectorClientBase

        continuation = ConversationReference.model_validate(reference).get_continuation_activity()
        result: list[Any] = []

        async def callback(context: TurnContext) -> None:
            client = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
            if client is None:
                raise RuntimeError("the SDK gave no connector client for a proactive turn")

            async def once() -> Any:
                if pace_key is not None:
                    await self.pacer.turn(pace_key)
                return await operation(client)

            result.append(await with_retries(once, backoff=self.backoff, what=what))

        await self.adapter.continue_conversation(self.app_id, continuation, callback)
        return result[0] if result else None
