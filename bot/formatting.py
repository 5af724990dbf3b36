"""Small presentation helpers shared by every renderer (terminal, Slack, Teams)."""

from __future__ import annotations


def short_id(run_id: str) -> str:
    """The 8 characters people paste and recognise (MLflow's UI shows the same prefix)."""
    return run_id[:8]


def fmt_value(value: float | None) -> str:
    """A metric as a person reads it: 4 significant digits, thousands separated when large."""
    if value is None:
        return "—"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
