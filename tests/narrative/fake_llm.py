"""Fake model APIs on 127.0.0.1 for the engine tests: the Anthropic Messages API and an OpenAI-style
chat-completions server. Each checks ``Authorization: Bearer <key>``, records every request and
answers from a script of replies (the last one repeats when the script runs out)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (client timeouts)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    raw: str
    body: dict[str, Any]


class FakeServer:
    def __init__(self, *, key: str, path: str) -> None:
        self.key = key
        self.path = path
        self.requests: list[Recorded] = []
        self.script: list[Reply] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def then(self, *replies: Reply) -> Self:
        self.script.extend(replies)
        return self

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.text()
        if request.headers.get("Authorization") != f"Bearer {self.key}":
            return web.json_response(self.unauthorized(), status=401)
        self.requests.append(Recorded(path=request.path, headers=dict(request.headers), raw=raw, body=json.loads(raw)))
        reply = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    def unauthorized(self) -> dict[str, Any]:
        return {"error": "unauthorized"}

    async def start(self) -> Self:
        app = web.Application()
        app.router.add_post(self.path, self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


# -- Anthropic Messages API -------------------------------------------------------------------------
class FakeMessagesAPI(FakeServer):
    def __init__(self, *, key: str) -> None:
        super().__init__(key=key, path="/v1/messages")

    def unauthorized(self) -> dict[str, Any]:
        return anthropic_error("authentication_error", "invalid x-api-key")


def message(payload: dict[str, Any], *, input_tokens: int = 900, output_tokens: int = 300,
            cache_write: int = 2100, cache_read: int = 0, stop_reason: str = "end_turn") -> Reply:
    return Reply(200, {
        "id": "msg_01Fake", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": json.dumps(payload)}],
        "stop_reason": stop_reason, "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                  "cache_creation_input_tokens": cache_write, "cache_read_input_tokens": cache_read},
    })


def anthropic_error(kind: str, text: str, *, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": kind, "message": text}
    if code:
        error["details"] = {"error_code": code}
    return {"type": "error", "error": error, "request_id": "req_fake"}


OVERLOADED = Reply(529, anthropic_error("overloaded_error", "Overloaded"))
RATE_LIMITED = Reply(429, anthropic_error("rate_limit_error", "Number of request tokens has exceeded your limit"),
                     {"retry-after": "0.01"})
SPEND_LIMIT_429 = Reply(429, anthropic_error(
    "rate_limit_error", "You have reached your specified workspace API usage limits (spend limit).",
    code="enforced_spend_limit_reached"))
CREDIT_400 = Reply(400, anthropic_error(
    "invalid_request_error",
    "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade."))
SERVER_ERROR = Reply(500, anthropic_error("api_error", "Internal server error"))


# -- OpenAI-compatible chat completions -------------------------------------------------------------
class FakeChatAPI(FakeServer):
    def __init__(self, *, key: str) -> None:
        super().__init__(key=key, path="/v1/chat/completions")


def chat(payload: dict[str, Any], *, prompt_tokens: int = 800, completion_tokens: int = 200,
         finish_reason: str = "stop") -> Reply:
    return Reply(200, {
        "id": "chatcmpl-fake", "object": "chat.completion", "model": "llama3.1",
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": json.dumps(payload)}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    })


def openai_error(status: int, text: str, *, code: str | None = None, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"error": {"message": text, "type": "error", "code": code}}, headers or {})


CHAT_OVERLOADED = openai_error(503, "server overloaded")
CHAT_RATE_LIMITED = openai_error(429, "slow down", headers={"Retry-After": "0.01"})
CHAT_QUOTA = openai_error(429, "You exceeded your current quota, please check your plan and billing details.",
                          code="insufficient_quota")
