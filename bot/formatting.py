"""Small presentation helpers shared by every renderer (terminal, Slack, Teams)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable


def short_id(run_id: str) -> str:
    """The 8 characters people paste and recognise (MLflow's UI shows the same prefix)."""
    return run_id[:8]


def fmt_value(value: float | None) -> str:
    """A metric as a person reads it: 4 significant digits, thousands separated when large."""
    if value is None:
        return "—"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"


# Metrics an autologger writes about the training set or the machine: shown only after the ones a
# person chose (the project's primary metric, a metric they quoted) and the run's own metrics.
_AUTOLOGGED = ("training_", "system/", "system_", "epoch", "step")


def metric_columns(names: Iterable[str], *, primary: str | None = None, text: str = "", limit: int = 4) -> list[str]:
    """Which metrics a table shows, in order: the project's primary metric, the metrics the person
    quoted in ``text``, then the rest; autologged ``training_*`` / system metrics only when the runs
    logged nothing else."""
    ordered = list(dict.fromkeys(names))
    low = text.lower()

    def quoted(name: str) -> bool:
        return bool(low) and re.search(rf"(?<![\w/.-]){re.escape(name.lower())}(?![\w/-])", low) is not None

    def rank(item: tuple[int, str]) -> tuple[int, int]:
        index, name = item
        if primary and name == primary:
            return (0, index)
        if quoted(name):
            return (1, index)
        if name.lower().startswith(_AUTOLOGGED):
            return (3, index)
        return (2, index)

    ranked = sorted(enumerate(ordered), key=rank)
    if any(rank(item)[0] < 3 for item in ranked):
        # Autologged columns only when the runs have nothing else: they would crowd out what matters.
        ranked = [item for item in ranked if rank(item)[0] < 3]
    return [name for _, name in ranked][:limit]


_SECTION_TITLES = {
    "best": "Best so far",
    "entries": "Entries",
    "approaches": "Approaches",
    "open_questions": "Open questions",
    "next_steps": "Next steps",
}


def section_title(key: str) -> str:
    """A digest section's key as words for people: ``open_questions`` -> "Open questions"."""
    if key in _SECTION_TITLES:
        return _SECTION_TITLES[key]
    words = key.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else key


def date_span(first: dt.date, last: dt.date) -> str:
    """``2026-12-01`` for one day, ``2026-11-28 – 2026-12-01`` for several."""
    return f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"


def removed_secrets_line(outcome: object) -> str:
    """What a reply says about the secrets taken out of a person's text before it was saved
    ("Removed 2 secrets before saving: a Slack token, an AWS secret key."), "" when there were none.
    Takes anything with a ``removed_sentence`` (a ``LogOutcome``, a ``DoorText``), so every renderer
    says it the same way."""
    return str(getattr(outcome, "removed_sentence", "") or getattr(outcome, "sentence", "") or "")
