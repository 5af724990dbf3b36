"""Claude as COCO's writer: the ``Engine`` port on the ``anthropic`` SDK.

Structured output uses ``messages.parse(output_format=<pydantic model>)`` (the SDK turns the model
into a strict JSON schema and parses the reply back). The system prompt is two blocks, both marked
``cache_control: ephemeral`` so that the fixed instructions and the project context are read from
the prompt cache on every call after the first; the person's text goes only into the user turn.

Retries are COCO's own (``ModelEngine._call``), not the SDK's: the SDK retries every 429, and a
429 that means "spend limit reached" must not be retried. So the client is built with
``max_retries=0`` and each error is classified here.

``anthropic`` is imported on first use only: the CLI's cold start matters and most commands never
call a model.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from core.errors import EngineUnavailableError, SpendLimitError, TransientEngineError
from narrative.engine import Engine
from narrative.llm_engine import (
    M,
    ModelEngine,
    Prompt,
    Usage,
    is_spend_limit,
)
from narrative.usage import UsageRecorder

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

log = logging.getLogger("coco.engine.anthropic")

DEFAULT_MODEL = "claude-sonnet-4-5"
CACHE = {"type": "ephemeral"}


class AnthropicEngine(ModelEngine):
    name = "anthropic"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        model: str = DEFAULT_MODEL,
        max_tokens: int = 4096,
        timeout: float = 60.0,
        fallback: Engine | None = None,
        usage: UsageRecorder | None = None,
        monthly_budget_usd: float | None = None,
        redact: bool = True,
        max_attempts: int = 4,
        total_deadline: float = 90.0,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        client: AsyncAnthropic | None = None,
    ) -> None:
        super().__init__(
            model=model, max_tokens=max_tokens, fallback=fallback, usage=usage,
            monthly_budget_usd=monthly_budget_usd, redact=redact, max_attempts=max_attempts,
            total_deadline=total_deadline, backoff_base=backoff_base, backoff_max=backoff_max,
        )
        self._api_key = api_key
        self._base_url = base_url  # None: the SDK reads ANTHROPIC_BASE_URL, else the public API
        self.timeout = timeout
        self._client = client

    @property
    def provider(self) -> str:
        return "Claude"

    def client(self) -> AsyncAnthropic:
        if self._client is None:
            from anthropic import AsyncAnthropic

            self._client = AsyncAnthropic(
                api_key=self._api_key, base_url=self._base_url, timeout=self.timeout, max_retries=0
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def request_params(self, *, prompt: Prompt, max_tokens: int) -> dict[str, Any]:
        """Everything but the output format: the cache breakpoints sit on the stable system blocks."""
        return {
            "model": self.model,
            "max_tokens": max_tokens,
            "system": [
                {"type": "text", "text": prompt.instructions, "cache_control": CACHE},
                {"type": "text", "text": prompt.context, "cache_control": CACHE},
            ],
            "messages": [{"role": "user", "content": prompt.user}],
        }

    async def _complete(self, *, job: str, prompt: Prompt, schema: type[M], max_tokens: int) -> tuple[M, Usage]:
        import anthropic

        try:
            message = await self.client().messages.parse(
                **self.request_params(prompt=prompt, max_tokens=max_tokens), output_format=schema
            )
        except anthropic.APIStatusError as error:
            raise classify_status(error) from error
        except anthropic.APITimeoutError as error:
            raise TransientEngineError(f"no answer within {self.timeout:g} s") from error
        except anthropic.APIConnectionError as error:
            raise TransientEngineError("could not connect") from error
        except (ValidationError, anthropic.APIResponseValidationError) as error:
            raise EngineUnavailableError(f"the reply did not match the {schema.__name__} schema") from error
        used = Usage(
            input_tokens=message.usage.input_tokens,
            output_tokens=message.usage.output_tokens,
            cache_write_tokens=message.usage.cache_creation_input_tokens or 0,
            cache_read_tokens=message.usage.cache_read_input_tokens or 0,
        )
        if message.stop_reason == "max_tokens":
            raise EngineUnavailableError(f"the reply was longer than {max_tokens} tokens")
        if message.stop_reason == "refusal":
            raise EngineUnavailableError("Claude declined to answer")
        parsed = message.parsed_output
        if parsed is None:
            raise EngineUnavailableError("the reply held no structured output")
        return parsed, used


def _error_details(body: object) -> tuple[str, str | None]:
    """(error type, error code) of an Anthropic error body ``{"error": {"type", "message", "details"}}``."""
    if not isinstance(body, dict):
        return "", None
    error = body.get("error", body)
    if not isinstance(error, dict):
        return "", None
    details = error.get("details")
    code = details.get("error_code") if isinstance(details, dict) else None
    return str(error.get("type") or ""), code if isinstance(code, str) else None


def _retry_after(headers: Any) -> float | None:
    """Seconds to wait as the server asks (``retry-after-ms`` first, then ``retry-after`` seconds)."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name) if headers is not None else None
        if value is None:
            continue
        try:
            return max(float(value) / scale, 0.0)
        except ValueError:
            continue  # an HTTP date: rare here; fall back to our own backoff
    return None


def classify_status(error: Any) -> EngineUnavailableError:
    """Map an ``anthropic.APIStatusError`` to retry-worthy, spend-limit or final."""
    status = int(error.status_code)
    kind, code = _error_details(error.body)
    message = str(getattr(error, "message", "") or "")
    request_id = getattr(error, "request_id", None)
    if is_spend_limit(status, message, code):
        return SpendLimitError("the account's spend limit or credit is exhausted", request_id=request_id)
    retry_after = _retry_after(error.response.headers)
    if status == 529 or kind == "overloaded_error":
        return TransientEngineError("overloaded", retry_after=retry_after, request_id=request_id)
    if status == 429:
        return TransientEngineError("rate limited", retry_after=retry_after, request_id=request_id)
    if status in (408, 409) or status >= 500:
        return TransientEngineError(f"server error {status}", retry_after=retry_after, request_id=request_id)
    if status in (401, 403):
        return EngineUnavailableError(f"the API key was refused ({status})", request_id=request_id)
    return EngineUnavailableError(f"request refused ({status} {kind or 'error'})", request_id=request_id)


__all__ = ["DEFAULT_MODEL", "AnthropicEngine", "classify_status"]
