"""Model usage: tokens per workspace and job, an estimated cost, and the monthly budget check.

The engines record every model call through the small ``UsageRecorder`` port; the SQL-backed
recorder lives with storage. Costs are estimates from a static price table (USD per million tokens):
the provider's invoice is the truth, this is for "how much is COCO costing us" and for the budget
switch, which must err on the side of stopping early. A recorded call keeps the cost estimated when
it was made, so a later price change does not rewrite a past month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from storage.records import UsageRecord


class UsageRecorder(Protocol):
    async def record(
        self,
        *,
        workspace_id: str,
        job: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cache_write_tokens: int,
        cache_read_tokens: int,
    ) -> None: ...

    async def month_to_date_cost(self, workspace_id: str) -> float: ...


class UsageStore(Protocol):
    """The part of the repository the SQL-backed recorder needs."""

    async def record_usage(self, usage: UsageRecord) -> None: ...

    async def list_usage(self, workspace_id: str, *, since: dt.datetime | None = None) -> list[UsageRecord]: ...


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float

    @property
    def cache_write(self) -> float:
        return self.input * 1.25  # 5-minute ephemeral cache writes cost 1.25x base input

    @property
    def cache_read(self) -> float:
        return self.input * 0.1  # cache hits cost 0.1x base input


# Matched by substring of the model id, first hit wins: the more specific names come first.
PRICES: list[tuple[str, Price]] = [
    ("opus-4-5", Price(5.0, 25.0)),
    ("opus-4-6", Price(5.0, 25.0)),
    ("opus-4-7", Price(5.0, 25.0)),
    ("opus-4-8", Price(5.0, 25.0)),
    ("opus-5", Price(5.0, 25.0)),
    ("opus", Price(15.0, 75.0)),  # Claude 3 Opus, Opus 4 and 4.1
    ("haiku-3-5", Price(0.8, 4.0)),
    ("3-5-haiku", Price(0.8, 4.0)),
    ("3-haiku", Price(0.25, 1.25)),
    ("haiku", Price(1.0, 5.0)),  # Haiku 4.5 and later
    ("sonnet", Price(3.0, 15.0)),
]
# An unknown Claude model is priced like Sonnet so that the budget still bites; a self-hosted model
# (``openai-compatible``) costs nothing per token.
DEFAULT_CLAUDE_PRICE = Price(3.0, 15.0)
FREE = Price(0.0, 0.0)


def price_of(model: str) -> Price:
    name = model.lower()
    if name.startswith("local:") or name.startswith("openai-compatible:"):
        return FREE
    for key, price in PRICES:
        if key in name:
            return price
    return DEFAULT_CLAUDE_PRICE if "claude" in name else FREE


def estimate_cost(
    *, model: str, input_tokens: int, output_tokens: int, cache_write_tokens: int = 0, cache_read_tokens: int = 0
) -> float:
    """USD. ``input_tokens`` is the uncached input, as the Messages API reports it."""
    p = price_of(model)
    return (
        input_tokens * p.input
        + output_tokens * p.output
        + cache_write_tokens * p.cache_write
        + cache_read_tokens * p.cache_read
    ) / 1_000_000


@dataclass(frozen=True)
class UsageRow:
    """One recorded model call (what the ``model_usage`` table holds)."""

    workspace_id: str
    job: str
    model: str
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    recorded_cost: float | None = None  # the estimate frozen when the call was recorded

    @property
    def cost(self) -> float:
        if self.recorded_cost is not None:
            return self.recorded_cost
        return estimate_cost(
            model=self.model,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cache_write_tokens=self.cache_write_tokens,
            cache_read_tokens=self.cache_read_tokens,
        )


def month_start(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


class InMemoryUsageRecorder:
    """The recorder for tests and for a process without storage."""

    def __init__(self, *, clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.rows: list[UsageRow] = []
        self._clock = clock

    async def record(
        self,
        *,
        workspace_id: str,
        job: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cache_write_tokens: int,
        cache_read_tokens: int,
    ) -> None:
        self.rows.append(
            UsageRow(
                workspace_id=workspace_id,
                job=job,
                model=model,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cache_write_tokens=cache_write_tokens,
                cache_read_tokens=cache_read_tokens,
                at=self._clock(),
            )
        )

    async def month_to_date_cost(self, workspace_id: str) -> float:
        start = month_start(self._clock())
        return sum(r.cost for r in self.rows if r.workspace_id == workspace_id and r.at >= start)


@dataclass
class UsageSummary:
    """Tokens and estimated cost of one (job, model) pair."""

    job: str
    model: str
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "job": self.job, "model": self.model, "calls": self.calls, "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens, "cache_write_tokens": self.cache_write_tokens,
            "cache_read_tokens": self.cache_read_tokens, "cost_usd": round(self.cost_usd, 6),
        }


def summarize_usage(rows: Iterable[UsageRow]) -> list[UsageSummary]:
    by_key: dict[tuple[str, str], UsageSummary] = {}
    for row in rows:
        s = by_key.setdefault((row.job, row.model), UsageSummary(job=row.job, model=row.model))
        s.calls += 1
        s.input_tokens += row.input_tokens
        s.output_tokens += row.output_tokens
        s.cache_write_tokens += row.cache_write_tokens
        s.cache_read_tokens += row.cache_read_tokens
        s.cost_usd += row.cost
    return sorted(by_key.values(), key=lambda s: (s.job, s.model))


def usage_report(rows: Iterable[UsageRow]) -> str:
    """The text ``coco usage`` prints: per job and model, tokens and estimated cost, and a total."""
    summaries = summarize_usage(rows)
    if not summaries:
        return "No model usage recorded (the local engine costs nothing)."
    header = ("job", "model", "calls", "input", "output", "cache write", "cache read", "est. cost")
    table = [header] + [
        (s.job, s.model, str(s.calls), f"{s.input_tokens:,}", f"{s.output_tokens:,}",
         f"{s.cache_write_tokens:,}", f"{s.cache_read_tokens:,}", f"${s.cost_usd:,.4f}")
        for s in summaries
    ]
    total = sum(s.cost_usd for s in summaries)
    table.append(("total", "", str(sum(s.calls for s in summaries)),
                  f"{sum(s.input_tokens for s in summaries):,}", f"{sum(s.output_tokens for s in summaries):,}",
                  f"{sum(s.cache_write_tokens for s in summaries):,}",
                  f"{sum(s.cache_read_tokens for s in summaries):,}", f"${total:,.4f}"))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for n, row in enumerate(table):
        cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if n == 0 or n == len(table) - 2:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("Costs are estimates from list prices (USD per million tokens); the provider's invoice is the truth.")
    return "\n".join(lines)


__all__ = [
    "DEFAULT_CLAUDE_PRICE", "PRICES", "InMemoryUsageRecorder", "Price", "UsageRecorder", "UsageRow",
    "UsageSummary", "estimate_cost", "month_start", "price_of", "summarize_usage", "usage_report",
]


class RepositoryUsageRecorder:
    """Usage kept in COCO's own database (``coco_model_usage``), cost frozen at the time of the call."""

    def __init__(
        self, repo: UsageStore, *, clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    ) -> None:
        self._repo = repo
        self._clock = clock

    async def record(
        self,
        *,
        workspace_id: str,
        job: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cache_write_tokens: int,
        cache_read_tokens: int,
    ) -> None:
        from storage.records import UsageRecord

        cost = estimate_cost(model=model, input_tokens=input_tokens, output_tokens=output_tokens,
                             cache_write_tokens=cache_write_tokens, cache_read_tokens=cache_read_tokens)
        await self._repo.record_usage(
            UsageRecord(workspace_id=workspace_id, job=job, model=model, input_tokens=input_tokens,
                        output_tokens=output_tokens, cache_write_tokens=cache_write_tokens,
                        cache_read_tokens=cache_read_tokens, cost_usd=cost, at=self._clock())
        )

    async def month_to_date_cost(self, workspace_id: str) -> float:
        rows = await self._repo.list_usage(workspace_id, since=month_start(self._clock()))
        return sum(r.cost_usd for r in rows)

    async def rows(self, workspace_id: str, *, since: dt.datetime | None = None) -> list[UsageRow]:
        return [
            UsageRow(workspace_id=r.workspace_id, job=r.job, model=r.model, input_tokens=r.input_tokens,
                     output_tokens=r.output_tokens, cache_write_tokens=r.cache_write_tokens,
                     cache_read_tokens=r.cache_read_tokens, at=r.at, recorded_cost=r.cost_usd)
            for r in await self._repo.list_usage(workspace_id, since=since)
        ]
