"""A fake Slack on 127.0.0.1: the Web API (recording every call), the file upload URL, response URLs,
``apps.connections.open`` with a Socket Mode websocket, and helpers that sign requests exactly as
Slack signs them (``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{raw body}``).

A plain module (not a conftest): test files import it by name."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token-123"
APP_TOKEN = "xapp-test-token-456"
TEAM = "T1"
BOT_USER = "UCOCO"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret"
APP_ID = "A1"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float


@dataclass
class FakeSlack:
    """The Web API as COCO uses it. ``people`` answers users.info; ``rate_limit`` makes the next N
    calls of a method answer 429 with ``Retry-After``."""

    people: dict[str, dict[str, str]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    responses: list[dict[str, Any]] = field(default_factory=list)  # posts to response_url
    rate_limit: dict[str, int] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)  # channels COCO is not a member of
    retry_after: int = 1
    socket_acks: list[dict[str, Any]] = field(default_factory=list)
    # Messages posted, per channel, as conversations.history/replies return them (with metadata).
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # OAuth installs (issue 14): oauth.v2.access answers by ``code`` (once each), auth.test by token;
    # a token not in ``tokens`` answers as the single-token setup's workspace (TEAM, BOT_USER).
    grants: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    # A person's DM with COCO (user id -> "D..." channel id), as Slack answers a post addressed to a
    # user id; people not listed keep their user id as the channel.
    dm_channels: dict[str, str] = field(default_factory=dict)
    server: TestServer | None = None
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _outbox: asyncio.Queue[dict[str, Any]] | None = None
    _socket_open: asyncio.Event | None = None

    # -- the server ------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{n}", self._respond)
        app.router.add_get("/ws", self._socket)
        self._outbox = asyncio.Queue()
        self._socket_open = asyncio.Event()
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, n: int | str) -> str:
        return f"{self.base}/respond/{n}"

    # -- recorded calls ---------------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posts(self) -> list[Call]:
        return self.of("chat.postMessage")

    # -- OAuth installs ----------------------------------------------------------------------------
    def grant(self, *, code: str, team: str, team_name: str, installer: str = "U1") -> str:
        """Slack's side of an install approved in the browser: the bot token ``code`` will be exchanged
        for (oauth.v2.access), and what auth.test answers for it."""
        token = f"xoxb-{team}-{next(self._ts)}-{code}"
        bot_user = f"UCOCO{team}"
        self.grants[code] = {
            "ok": True, "access_token": token, "token_type": "bot", "scope": "chat:write,commands,im:history",
            "bot_user_id": bot_user, "app_id": APP_ID, "team": {"id": team, "name": team_name}, "enterprise": None,
            "authed_user": {"id": installer}, "is_enterprise_install": False,
        }
        self.tokens[token] = {"url": f"https://{team_name.lower()}.slack.com/", "team": team_name, "user": "coco",
                              "team_id": team, "user_id": bot_user, "bot_id": f"B{team}",
                              "is_enterprise_install": False}
        return token

    def uninstall(self, team: str) -> dict[str, Any]:
        """Slack revokes the workspace's tokens and sends ``app_uninstalled``: the event body returned."""
        self.revoked |= {t for t, who in self.tokens.items() if who["team_id"] == team}
        return {"token": "legacy", "team_id": team, "api_app_id": APP_ID, "type": "event_callback",
                "event_id": f"Ev{next(_events):08d}", "event_time": int(time.time()),
                "event": {"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"}}

    def _exchange(self, request: web.Request, args: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: the app's credentials (HTTP Basic, as slack_sdk sends them, or form fields)
        and a code issued by :meth:`grant`, used once."""
        client_id, secret = str(args.get("client_id") or ""), str(args.get("client_secret") or "")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        if client_id != CLIENT_ID:
            return {"ok": False, "error": "invalid_client_id"}
        if secret != CLIENT_SECRET:
            return {"ok": False, "error": "bad_client_secret"}
        grant = self.grants.pop(str(args.get("code") or ""), None)
        return grant if grant is not None else {"ok": False, "error": "invalid_code"}

    # -- handlers ---------------------------------------------------------------------------------
    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST":
            raw = await request.read()
            if raw:
                if request.content_type == "application/json":
                    args.update(json.loads(raw))
                else:
                    args.update({k: v for k, v in urllib.parse.parse_qsl(raw.decode())})
        for key in ("blocks", "view", "files"):
            if isinstance(args.get(key), str):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        args["_token"] = auth.removeprefix("Bearer ")
        self.calls.append(Call(method, args, time.monotonic()))
        if self.rate_limit.get(method, 0) > 0:
            self.rate_limit[method] -= 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(self.retry_after)})
        if method == "oauth.v2.access":
            return web.json_response(self._exchange(request, args))
        if args["_token"] in self.revoked:
            return web.json_response({"ok": False, "error": "token_revoked"})
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test" and args["_token"] in self.tokens:
            return {"ok": True, **self.tokens[args["_token"]]}
        if method == "auth.test":
            return {"ok": True, "url": "https://acme.slack.com/", "team": "Acme", "user": "coco", "team_id": TEAM,
                    "user_id": BOT_USER, "bot_id": "BCOCO", "is_enterprise_install": False}
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update") and args.get("channel") in self.absent:
            # What Slack answers an app without chat:write.public outside its channels (HTTP 200).
            return {"ok": False, "error": "not_in_channel" if method == "chat.postMessage" else "channel_not_found"}
        if method == "chat.postMessage":
            channel = self.dm_channels.get(str(args.get("channel")), args.get("channel"))
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            message: dict[str, Any] = {"type": "message", "ts": ts, "text": args.get("text", ""), "user": BOT_USER,
                                       "bot_id": "BCOCO"}
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            metadata = args.get("metadata")
            if isinstance(metadata, str):  # form-encoded calls send it as JSON text
                with contextlib.suppress(ValueError):
                    metadata = json.loads(metadata)
            if isinstance(metadata, dict):
                message["metadata"] = metadata
            self.messages.setdefault(str(channel), []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method in ("conversations.history", "conversations.replies"):
            return self._read_back(method, args)
        if method == "conversations.open":
            # A DM is addressed by the person's id here; the fake files it under that id.
            return {"ok": True, "channel": {"id": args.get("users")}}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{int(time.time())}.{next(self._ts):06d}"}
        if method in ("views.open", "views.publish"):
            return {"ok": True, "view": {"id": f"V{next(self._ts)}", **(args.get("view") or {})}}
        if method == "users.info":
            person = self.people.get(str(args.get("user")), {})
            user: dict[str, Any] = {"id": args.get("user"), "name": person.get("name", "someone"),
                                    "profile": {"email": person.get("email", ""),
                                                "display_name": person.get("display_name", ""),
                                                "real_name": person.get("real_name", ""),
                                                "status_text": person.get("status_text", ""),
                                                "status_emoji": person.get("status_emoji", "")}}
            if person.get("tz"):  # Slack's IANA zone of the person, as users.info has it
                user["tz"] = person["tz"]
            if person.get("is_admin"):
                user["is_admin"] = person["is_admin"] == "true"
            return {"ok": True, "user": user}
        if method == "conversations.info":
            return {"ok": True, "channel": {"id": args.get("channel"), "name": "ml-churn", "is_channel": True}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files") or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title", "")} for f in files]}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.server.port if self.server else 0}/ws"}
        return {"ok": False, "error": "unknown_method"}

    def _read_back(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.history (top-level messages, newest first) and conversations.replies (a
        thread, oldest first) as Slack answers them: metadata only with ``include_all_metadata``."""
        channel = self.messages.get(str(args.get("channel")), [])
        limit = int(args.get("limit") or 100)
        if method == "conversations.replies":
            ts = str(args.get("ts") or "")
            found = [m for m in channel if m["ts"] == ts or m.get("thread_ts") == ts][:limit]
        else:
            found = [m for m in reversed(channel) if m.get("thread_ts") in (None, m["ts"])][:limit]
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        return {"ok": True, "has_more": False,
                "messages": [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in found]}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        self.calls.append(Call("upload", {"file_id": request.match_info["file_id"]}, time.monotonic()))
        return web.Response(text=f"OK - {len(self.uploads[request.match_info['file_id']])}")

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append({"n": request.match_info["n"], **body})
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        assert self._outbox is not None and self._socket_open is not None
        self._socket_open.set()

        async def pump() -> None:
            assert self._outbox is not None
            while not ws.closed:
                envelope = await self._outbox.get()
                await ws.send_json(envelope)

        pumping = asyncio.create_task(pump())
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self.socket_acks.append(json.loads(message.data))
        finally:
            pumping.cancel()
        return ws

    async def push_envelope(self, envelope: dict[str, Any]) -> None:
        assert self._outbox is not None and self._socket_open is not None
        await asyncio.wait_for(self._socket_open.wait(), timeout=10)
        await self._outbox.put(envelope)


# -- signed requests, as Slack sends them ------------------------------------------------------------


def signature(body: bytes, timestamp: str, secret: str = SIGNING_SECRET) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, *, content_type: str, timestamp: int | None = None, secret: str = SIGNING_SECRET,
                   retry: int | None = None) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature(body, ts, secret),
               "Content-Type": content_type}
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers


_events = itertools.count(1)
# What Slack's client turns into markup when a person picks it (a mention, a channel, a link): kept as
# markup by :func:`slack_encoded`; every other <, > and & is encoded.
_MARKUP = re.compile(r"<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|![a-z]+|https?://|mailto:)[^<>]*>")


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_encoded(text: str, *, literal: bool = False) -> str:
    """Text as Slack delivers it in events and commands ("Escaping text"): ``&``, ``<``, ``>`` become
    ``&amp;``, ``&lt;``, ``&gt;``. Markup tokens in ``text`` (``<@U2>``, ``<#C1|x>``, ``<https://…|l>``)
    stand for what the person picked in the client and stay markup, unless ``literal``: then the
    person typed those characters themselves and everything is encoded."""
    if literal:
        return _entities(text)
    out: list[str] = []
    last = 0
    for m in _MARKUP.finditer(text):
        out += [_entities(text[last:m.start()]), m.group(0)]
        last = m.end()
    out.append(_entities(text[last:]))
    return "".join(out)


def message_event(*, text: str, user: str = "U1", channel: str = "D1", ts: str | None = None,
                  thread_ts: str | None = None, channel_type: str = "im", event_id: str | None = None,
                  team: str = TEAM, kind: str = "message", literal: bool = False) -> dict[str, Any]:
    """A message event as Slack sends it; ``text`` is what the person typed (see :func:`slack_encoded`)."""
    ts = ts or f"{time.time():.6f}"
    event: dict[str, Any] = {"type": kind, "channel": channel, "user": user,
                             "text": slack_encoded(text, literal=literal), "ts": ts, "event_ts": ts,
                             "channel_type": channel_type}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return {"token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id or f"Ev{next(_events):08d}", "event_time": int(time.time()), "event": event}


def command_form(*, text: str, fake: FakeSlack, user: str = "U1", channel: str = "D1", team: str = TEAM,
                 trigger: str | None = None) -> dict[str, str]:
    n = next(_events)
    return {"token": "legacy", "team_id": team, "team_domain": "acme", "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "ml-churn", "user_id": user,
            "user_name": "ana", "command": "/coco", "text": slack_encoded(text), "api_app_id": "A1",
            "response_url": fake.response_url(n), "trigger_id": trigger or f"trigger-{n}"}


def edited_event(original: dict[str, Any], *, text: str, event_id: str | None = None) -> dict[str, Any]:
    """The ``message_changed`` event Slack sends when the person edits ``original`` (a
    :func:`message_event`): the new message whole under ``message``, the old under ``previous_message``."""
    before = original["event"]
    now = f"{time.time():.6f}"
    message = {"type": "message", "user": before["user"], "text": slack_encoded(text), "ts": before["ts"],
               "edited": {"user": before["user"], "ts": now}}
    if before.get("thread_ts"):
        message["thread_ts"] = before["thread_ts"]
    event = {"type": "message", "subtype": "message_changed", "hidden": True, "channel": before["channel"],
             "channel_type": before.get("channel_type", "im"), "ts": now, "event_ts": now, "message": message,
             "previous_message": {k: v for k, v in before.items() if k not in ("channel", "channel_type")}}
    return {**original, "event_id": event_id or f"Ev{next(_events):08d}", "event_time": int(time.time()),
            "event": event}


def deleted_event(original: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    """The ``message_deleted`` event Slack sends when ``original`` is deleted (``deleted_ts`` is its ts)."""
    before = original["event"]
    now = f"{time.time():.6f}"
    event = {"type": "message", "subtype": "message_deleted", "hidden": True, "channel": before["channel"],
             "channel_type": before.get("channel_type", "im"), "ts": now, "event_ts": now,
             "deleted_ts": before["ts"],
             "previous_message": {k: v for k, v in before.items() if k not in ("channel", "channel_type")}}
    return {**original, "event_id": event_id or f"Ev{next(_events):08d}", "event_time": int(time.time()),
            "event": event}


async def post_json(client: TestClient[Any, Any], payload: dict[str, Any], *, retry: int | None = None,
                    timestamp: int | None = None, secret: str = SIGNING_SECRET) -> tuple[int, str, float]:
    body = json.dumps(payload).encode()
    headers = signed_headers(body, content_type="application/json", timestamp=timestamp, secret=secret, retry=retry)
    started = time.perf_counter()
    response = await client.post("/slack/events", data=body, headers=headers)
    text = await response.text()
    return response.status, text, time.perf_counter() - started


async def post_form(client: TestClient[Any, Any], form: dict[str, str]) -> tuple[int, str, float]:
    body = urllib.parse.urlencode(form).encode()
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
    started = time.perf_counter()
    response = await client.post("/slack/events", data=body, headers=headers)
    return response.status, await response.text(), time.perf_counter() - started


async def post_interaction(client: TestClient[Any, Any], payload: dict[str, Any]) -> tuple[int, str, float]:
    return await post_form(client, {"payload": json.dumps(payload)})
