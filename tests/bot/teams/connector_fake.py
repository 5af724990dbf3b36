"""A fake Bot Connector (the ``serviceUrl`` of Teams activities) on 127.0.0.1, speaking its REST API:
``POST /v3/conversations/{id}/activities`` (and ``/activities/{replyToId}``), ``PUT`` to update one,
``GET /v3/conversations/{id}/members/{userId}``. It records every request with its ``Authorization``
header, and can answer the next sends with given statuses (429 with ``Retry-After``, 502...).

It runs on its own thread and loop, so a test can drive a ``coco serve teams`` process synchronously.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Call:
    method: str
    path: str
    conversation: str
    authorization: str
    body: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    id: str = ""  # the message id the fake answered with (what Teams puts in replyToId on a click)

    @property
    def text(self) -> str:
        """Everything the activity shows, flattened (its summary and its card's texts)."""
        out: list[str] = [str(self.body.get("summary") or ""), str(self.body.get("text") or "")]

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key in ("text", "title", "label", "value"):
                    if isinstance(node.get(key), str):
                        out.append(node[key])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.body.get("attachments") or [])
        return "\n".join(t for t in out if t)

    @property
    def card(self) -> dict[str, Any]:
        attachments = self.body.get("attachments") or [{}]
        return dict(attachments[0].get("content") or {})


class FakeConnector:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: list[tuple[int, dict[str, str]]] = []  # answered to the next sends, in order
        self.members: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-connector", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @classmethod
    @contextmanager
    def start(cls) -> Iterator[FakeConnector]:
        fake = cls()
        fake._thread.start()
        fake._ready.wait(10)
        try:
            yield fake
        finally:
            fake._loop.call_soon_threadsafe(fake._loop.stop)
            fake._thread.join(5)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())

    def _record(self, request: web.Request, body: dict[str, Any], status: int) -> Call:
        call = Call(request.method, request.path, request.match_info["cid"],
                    request.headers.get("Authorization", ""), body, status)
        with self._lock:
            self.calls.append(call)
        return call

    def _failure(self) -> tuple[int, dict[str, str]] | None:
        with self._lock:
            return self.failures.pop(0) if self.failures else None

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        failure = self._failure()
        if failure is not None:
            self._record(request, body, failure[0])
            return web.json_response({"error": {"code": "Throttled"}}, status=failure[0], headers=failure[1])
        call = self._record(request, body, 201)
        call.id = f"1{next(self._ids)}"
        return web.json_response({"id": call.id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body, 200)
        return web.json_response({"id": request.match_info["aid"]})

    async def _member(self, request: web.Request) -> web.Response:
        self._record(request, {}, 200)
        uid = request.match_info["uid"]
        return web.json_response(self.members.get(uid, {"id": uid, "name": uid}))

    # -- what tests read ---------------------------------------------------------------------------
    def posted(self, *, conversation: str | None = None, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls
                    if c.status < 300 and "/activities" in c.path and c.method in ("POST", "PUT")
                    and (conversation is None or c.conversation == conversation)
                    and (method is None or c.method == method)]

    def wait_for(self, check: Callable[[list[Call]], bool], *, timeout: float = 30.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.posted()
            if check(calls):
                return calls
            time.sleep(0.05)
        raise AssertionError(f"the connector never saw what was expected; it saw {[c.path for c in self.posted()]}")
