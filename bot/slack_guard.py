"""The door of ``/slack/events``: a request Bolt could not read is refused here, with a 4xx and one log
line, before Bolt parses it.

Bolt parses the body before it verifies the signature and assumes Slack's shapes everywhere after
that, so a body that is not UTF-8, not JSON, an ``event`` that is a string, a ``payload`` that is not
an object, a click with no ``actions``, or a timestamp header that is not a number, each raised inside
Bolt (a 500 and a traceback in the log). The guard checks, in order:

1. the timestamp header, when present, is a number (else 401, as Bolt answers a stale one);
2. the signature headers and the signature, when a signing secret is configured (else 401, without
   logging the body: an unsigned request is anyone's, and its body is theirs to fill);
3. the body is UTF-8 and has the shape COCO reads (else 400 ``{"error": "malformed request"}``).

Without a signing secret (Socket Mode, where no request comes over HTTP) only the shape is checked.
Only ``POST`` to the events path is looked at."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web
    from aiohttp.typedefs import Middleware

log = logging.getLogger("coco.slack.guard")

Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]
_TS = "X-Slack-Request-Timestamp"
_SIG = "X-Slack-Signature"
MAX_AGE_S = 300  # Slack's replay window, as Bolt applies it
# Interactions COCO reads, and the fields of each that must be objects (or absent).
_OBJECT_FIELDS = ("team", "user", "container", "channel", "message", "view", "enterprise")


class Malformed(ValueError):
    """The body is not what Slack sends; the message names what is wrong (never the body itself)."""


def check_body(raw: bytes, content_type: str) -> None:
    """Raise :class:`Malformed` unless ``raw`` has the shape of a Slack event, command or interaction."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("body is not UTF-8") from None
    if content_type == "application/json":
        _check_json_body(_json_object(text, "body"))
        return
    try:
        form = urllib.parse.parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise Malformed("form body does not parse") from None
    if "payload" in form:
        (payload,) = form["payload"][:1]
        _check_interaction(_json_object(payload, "payload"))


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise Malformed(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not a JSON object")
    return value


def _check_json_body(body: Mapping[str, Any]) -> None:
    kind = body.get("type")
    if kind is not None and not isinstance(kind, str):
        raise Malformed("type is not a string")
    if kind == "event_callback" or "event" in body:
        event = body.get("event")
        if not isinstance(event, dict):
            raise Malformed("event is not an object")
        if not isinstance(event.get("type"), str):
            raise Malformed("event has no type")
        for name in ("message", "previous_message"):
            if name in event and not isinstance(event[name], dict):
                raise Malformed(f"event.{name} is not an object")
        for name in ("text", "user", "channel", "ts", "thread_ts", "subtype", "channel_type"):
            if event.get(name) is not None and not isinstance(event[name], str):
                raise Malformed(f"event.{name} is not a string")
        auths = body.get("authorizations")
        if auths is not None and not (isinstance(auths, list) and all(isinstance(a, dict) for a in auths)):
            raise Malformed("authorizations is not a list of objects")
    for name in ("team_id", "event_id", "api_app_id", "enterprise_id"):
        if body.get(name) is not None and not isinstance(body[name], str):
            raise Malformed(f"{name} is not a string")


def _check_interaction(payload: Mapping[str, Any]) -> None:
    if not isinstance(payload.get("type"), str):
        raise Malformed("payload has no type")
    for name in _OBJECT_FIELDS:
        if payload.get(name) is not None and not isinstance(payload[name], dict):
            raise Malformed(f"payload.{name} is not an object")
    kind = payload["type"]
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
            raise Malformed("payload.actions is not a non-empty list of objects")
        for action in actions:
            if not isinstance(action.get("action_id"), str):
                raise Malformed("an action has no action_id")
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict):
            raise Malformed("payload.view is not an object")
        state = view.get("state")
        if state is not None and not (isinstance(state, dict) and isinstance(state.get("values", {}), dict)):
            raise Malformed("payload.view.state is not an object")
        for block in ((state or {}).get("values") or {}).values():
            if not isinstance(block, dict) or not all(isinstance(v, dict) for v in block.values()):
                raise Malformed("payload.view.state.values is not a map of objects")
        if view.get("private_metadata") is not None and not isinstance(view["private_metadata"], str):
            raise Malformed("payload.view.private_metadata is not a string")


def signed(raw: bytes, *, timestamp: str, signature: str, key: bytes, now: float | None = None) -> bool:
    """Slack's request signature over the raw bytes (slack_sdk's verifier decodes them as UTF-8 first,
    and raises on a body that is not), within Slack's five minutes."""
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE_S:
        return False
    digest = hmac.new(key, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest("v0=" + digest, signature)


def _refuse(status: int, error: str) -> web.Response:
    from aiohttp import web

    return web.json_response({"error": error}, status=status)


def guard_middleware(*, path: str, signing_secret: str | None) -> Middleware:
    """An aiohttp middleware for the Bolt app's ``web_app`` (``application.middlewares.append(...)``)."""
    from aiohttp import web

    key = signing_secret.encode() if signing_secret else None

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method != "POST" or request.path != path:
            return await handler(request)
        timestamp = request.headers.get(_TS)
        signature = request.headers.get(_SIG)
        if timestamp is not None and not timestamp.strip().isdigit():
            log.warning("refused a Slack request: its timestamp header is not a number")
            return _refuse(401, "invalid request")
        raw = await request.read()  # aiohttp keeps it: Bolt reads the same bytes again
        if key is not None and (timestamp is None or signature is None):
            log.warning("refused a Slack request: no signature headers (%d bytes)", len(raw))
            return _refuse(401, "invalid request")
        if key is not None and not signed(raw, timestamp=timestamp or "", signature=signature or "", key=key):
            log.warning("refused a Slack request: bad signature or stale timestamp (%d bytes)", len(raw))
            return _refuse(401, "invalid request")
        try:
            check_body(raw, request.content_type)
        except Malformed as problem:
            log.warning("refused a malformed Slack request: %s (%d bytes)", problem, len(raw))
            return _refuse(400, "malformed request")
        return await handler(request)

    return guard
