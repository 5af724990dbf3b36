"""Token accounting, cost estimates, the monthly window and the `coco usage` report."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative.usage import InMemoryUsageRecorder, UsageRow, estimate_cost, price_of, summarize_usage, usage_report


def test_prices_by_family() -> None:
    assert (price_of("claude-sonnet-4-5").input, price_of("claude-sonnet-4-5").output) == (3.0, 15.0)
    assert price_of("claude-haiku-4-5-20251001").input == 1.0
    assert price_of("claude-3-5-haiku-latest").input == 0.8
    assert price_of("claude-opus-4-1").input == 15.0
    assert price_of("claude-opus-4-5").input == 5.0
    assert price_of("claude-something-new").input == 3.0  # unknown Claude: priced, so the budget bites
    assert price_of("openai-compatible:llama3.1").input == 0.0


def test_cache_multipliers() -> None:
    cost = estimate_cost(model="claude-sonnet-4-5", input_tokens=0, output_tokens=0,
                         cache_write_tokens=1_000_000, cache_read_tokens=1_000_000)
    assert cost == pytest.approx(3.0 * 1.25 + 3.0 * 0.1)
    assert estimate_cost(model="claude-sonnet-4-5", input_tokens=1_000_000, output_tokens=1_000_000) == 18.0


async def test_month_to_date_is_per_workspace_and_month() -> None:
    now = dt.datetime(2030, 5, 20, tzinfo=dt.UTC)
    clock = [dt.datetime(2030, 4, 30, 23, tzinfo=dt.UTC)]
    recorder = InMemoryUsageRecorder(clock=lambda: clock[0])
    await recorder.record(workspace_id="w", job="structure", model="claude-sonnet-4-5", input_tokens=1_000_000,
                          output_tokens=0, cache_write_tokens=0, cache_read_tokens=0)  # last month
    clock[0] = now
    await recorder.record(workspace_id="w", job="phase", model="claude-sonnet-4-5", input_tokens=0,
                          output_tokens=100_000, cache_write_tokens=0, cache_read_tokens=0)
    await recorder.record(workspace_id="other", job="phase", model="claude-sonnet-4-5", input_tokens=1_000_000,
                          output_tokens=0, cache_write_tokens=0, cache_read_tokens=0)
    assert await recorder.month_to_date_cost("w") == pytest.approx(1.5)
    assert await recorder.month_to_date_cost("nobody") == 0.0


def test_report_per_job_with_total() -> None:
    rows = [
        UsageRow("w", "structure", "claude-sonnet-4-5", 1000, 500, 2000, 0),
        UsageRow("w", "structure", "claude-sonnet-4-5", 100, 400, 0, 2000),
        UsageRow("w", "phase", "claude-sonnet-4-5", 3000, 900, 0, 2000),
    ]
    (_phase, structure) = summarize_usage(rows)
    assert (structure.calls, structure.input_tokens, structure.cache_write_tokens, structure.cache_read_tokens) == (
        2, 1100, 2000, 2000)
    report = usage_report(rows)
    lines = report.splitlines()
    assert lines[0].split()[:3] == ["job", "model", "calls"]
    assert any(line.startswith("structure") and "2,000" in line for line in lines)
    total = next(line for line in lines if line.startswith("total"))
    assert f"${sum(r.cost for r in rows):,.4f}" in total
    assert structure.as_dict()["cost_usd"] == round(structure.cost_usd, 6)


def test_empty_report() -> None:
    assert "No model usage" in usage_report([])
