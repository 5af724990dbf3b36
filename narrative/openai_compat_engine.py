"""A self-hosted writer: any server speaking the OpenAI chat-completions API (Ollama, vLLM,
llama.cpp server, LM Studio), for teams whose data may not leave their network.

Same prompts, schemas, redaction, retries, fallback and grounding as the Claude engine
(``narrative.llm_engine``); only the wire differs: ``POST {base}/chat/completions`` with
``response_format: {"type": "json_schema", "json_schema": {..., "strict": true}}``, through
``httpx2`` (the HTTP client the ``anthropic`` SDK already brings; no ``openai`` package). The
schema is sent fully inlined (no ``$ref``) because several local servers' grammar compilers do not
follow references.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx2
from pydantic import BaseModel

from core.errors import EngineUnavailableError, SpendLimitError, TransientEngineError
from narrative.engine import Engine
from narrative.llm_engine import (
    M,
    ModelEngine,
    Prompt,
    Usage,
    is_spend_limit,
    validate_json,
)
from narrative.usage import UsageRecorder

log = logging.getLogger("coco.engine.openai_compat")


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema in the strict subset: refs inlined, every property required, no extras."""
    raw = model.model_json_schema()
    defs: dict[str, Any] = raw.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
        out = {k: walk(v) for k, v in node.items() if k not in ("title", "default")}
        if out.get("type") == "object" and "properties" in out:
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
        return out

    schema: dict[str, Any] = walk(raw)
    return schema


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


class OpenAICompatEngine(ModelEngine):
    name = "openai-compatible"

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        max_tokens: int = 4096,
        timeout: float = 120.0,
        fallback: Engine | None = None,
        usage: UsageRecorder | None = None,
        monthly_budget_usd: float | None = None,
        redact: bool = True,
        max_attempts: int = 4,
        total_deadline: float = 180.0,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
    ) -> None:
        super().__init__(
            model=model, max_tokens=max_tokens, fallback=fallback, usage=usage,
            monthly_budget_usd=monthly_budget_usd, redact=redact, max_attempts=max_attempts,
            total_deadline=total_deadline, backoff_base=backoff_base, backoff_max=backoff_max,
        )
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout

    @property
    def provider(self) -> str:
        return f"The model server at {self.base_url}"

    @property
    def usage_model_name(self) -> str:
        return f"openai-compatible:{self.model}"  # self-hosted: priced at zero by narrative.usage

    def request_body(self, *, prompt: Prompt, schema: type[BaseModel], max_tokens: int) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": [
                # One system message: instructions first, then the project context (a stable prefix,
                # which servers with prefix caching - vLLM, llama.cpp - reuse across calls).
                {"role": "system", "content": f"{prompt.instructions}\n\n{prompt.context}"},
                {"role": "user", "content": prompt.user},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": strict_json_schema(schema), "strict": True},
            },
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": False,
        }

    async def _complete(self, *, job: str, prompt: Prompt, schema: type[M], max_tokens: int) -> tuple[M, Usage]:
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        body = self.request_body(prompt=prompt, schema=schema, max_tokens=max_tokens)
        try:
            # ``timeout`` bounds the whole exchange, not each read; a client per call: calls are seconds
            # apart and this leaves nothing open to close. The server is named by its URL alone: no proxy
            # from the environment (a self-hosted model is on the team's own network).
            async with asyncio.timeout(self.timeout), httpx2.AsyncClient(
                timeout=self.timeout, trust_env=False
            ) as client:
                response = await client.post(f"{self.base_url}/chat/completions", json=body, headers=headers)
                text = response.text
                status = response.status_code
                reply_headers = response.headers
        except (TimeoutError, httpx2.TimeoutException) as error:
            raise TransientEngineError(f"no answer within {self.timeout:g} s") from error
        except httpx2.RequestError as error:
            raise TransientEngineError("could not connect") from error
        if status >= 400:
            raise _classify(status, text, reply_headers)
        try:
            data = json.loads(text)
            choice = data["choices"][0]
            content = choice["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise EngineUnavailableError("the server's reply was not a chat completion") from error
        usage = data.get("usage") or {}
        details = usage.get("prompt_tokens_details") or {}
        cached = int(details.get("cached_tokens") or 0)
        used = Usage(
            input_tokens=max(int(usage.get("prompt_tokens") or 0) - cached, 0),
            output_tokens=int(usage.get("completion_tokens") or 0),
            cache_read_tokens=cached,
        )
        if choice.get("finish_reason") == "length":
            raise EngineUnavailableError(f"the reply was longer than {max_tokens} tokens")
        if not isinstance(content, str) or not content.strip():
            raise EngineUnavailableError("the reply was empty")
        return validate_json(schema, content), used


def _classify(status: int, text: str, headers: Any) -> EngineUnavailableError:
    message, code = text[:500], None
    try:
        error = json.loads(text).get("error")
        if isinstance(error, dict):
            message = str(error.get("message") or message)
            code = error.get("code") or error.get("type")
        elif isinstance(error, str):
            message = error
    except (ValueError, AttributeError):
        pass
    request_id = headers.get("x-request-id") if headers is not None else None
    if is_spend_limit(status, message, code if isinstance(code, str) else None):
        return SpendLimitError("the account's spend limit or quota is exhausted", request_id=request_id)
    if status in (408, 409, 429) or status >= 500:
        what = "rate limited" if status == 429 else "overloaded" if status in (503, 529) else f"server error {status}"
        return TransientEngineError(what, retry_after=_retry_after(headers), request_id=request_id)
    if status in (401, 403):
        return EngineUnavailableError(f"the API key was refused ({status})", request_id=request_id)
    return EngineUnavailableError(f"request refused ({status})", request_id=request_id)


__all__ = ["OpenAICompatEngine", "strict_json_schema"]
