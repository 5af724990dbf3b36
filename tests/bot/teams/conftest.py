"""Fixtures for the Teams tests: Microsoft's side faked on 127.0.0.1 (an Entra authority and JWKS over
HTTPS with a test CA, a Bot Connector over HTTP), a real MLflow sqlite store with a few runs, a real
COCO database, and helpers that speak to ``/api/messages`` as the Bot Connector does."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import urllib.error
import urllib.request
from typing import Any

from tests.bot.teams.connector_fake import FakeConnector
from tests.bot.teams.entra_fake import FakeMicrosoft

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CHANNEL = "19:c0c0channel@thread.tacv2"
PERSONAL = "a:1personal-chat-ana"
ANA = "29:1ana"
BOT = "28:coco-bot"
_ids = itertools.count(1)


def activity(connector: FakeConnector, *, text: str = "", conversation: str = PERSONAL, kind: str = "personal",
             user: str = ANA, user_name: str = "Ana", mention: bool = False, reply_to: str | None = None,
             type_: str = "message", **extra: Any) -> dict[str, Any]:
    """An activity as the Bot Connector posts it to a Teams bot."""
    number = next(_ids)
    body: dict[str, Any] = {
        "type": type_, "id": f"act-{number}-{dt.datetime.now(dt.UTC).timestamp()}",
        "timestamp": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
        "serviceUrl": connector.url, "channelId": "msteams",
        "from": {"id": user, "name": user_name, "aadObjectId": f"aad-{user}"},
        "recipient": {"id": BOT, "name": "COCO"},
        "conversation": {"id": conversation, "conversationType": kind, "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
        "text": text,
    }
    if kind == "channel":
        body["channelData"].update({"channel": {"id": CHANNEL}, "team": {"id": "19:team@thread.tacv2"}})
    if mention:
        body["text"] = f"<at>COCO</at> {text}"
        body["entities"] = [{"type": "mention", "text": "<at>COCO</at>", "mentioned": {"id": BOT, "name": "COCO"}}]
    if reply_to:
        body["replyToId"] = reply_to
    body.update(extra)
    return body


def invoke(connector: FakeConnector, *, verb: str, data: dict[str, Any], card_id: str,
           conversation: str = PERSONAL, kind: str = "personal", user: str = ANA) -> dict[str, Any]:
    """A Universal Action click (``adaptiveCard/action``) on the card ``card_id``."""
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    return activity(connector, conversation=conversation, kind=kind, user=user, type_="invoke",
                    **{"name": "adaptiveCard/action", "replyToId": card_id, "value": value})


def post(url: str, body: dict[str, Any], *, token: str | None, timeout: float = 20.0) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else {})
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, json.loads(raw) if raw else {}
        except ValueError:
            return error.code, {"raw": raw.decode(errors="replace")}


__all__ = ["FakeConnector", "FakeMicrosoft"]
