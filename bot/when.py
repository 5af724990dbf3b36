"""``WHEN``: the one way a person gives a time, on the command line and in chat.

A date (``2026-03-01``), a date-time (``2026-03-01T18:00``, ``2026-03-01 18:00Z``, with an offset or
not: without one it is UTC), or relative to now: ``14d``, ``2w``, ``36h``, ``yesterday``, ``today``.
Relative days start at midnight UTC (``yesterday`` is the whole of yesterday), so ``--since 2d`` and
``--since yesterday`` mean what a person reading a calendar means.

Times far outside a tracker's life (before 1970, more than a day ahead) are refused: they are typos
(``0001-01-01``, ``99999999d``) and would otherwise overflow the date arithmetic further on.
"""

from __future__ import annotations

import datetime as dt
import re

_RELATIVE = re.compile(r"^(\d{1,9})\s*(h|d|w|hours?|days?|weeks?)(\s+ago)?$", re.IGNORECASE)
_DATE_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
FORMS = "a date (2026-03-01), a date-time (2026-03-01T18:00) or relative (14d, 2w, yesterday, today)"


class WhenError(ValueError):
    """A value that is not a WHEN; its message is one plain sentence for the person."""


def _midnight(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def looks_like_when(token: str) -> bool:
    """Whether a chat word is meant as a time (so ``/coco phase churn 14d`` splits into project and time)."""
    word = token.strip().lower()
    return bool(_RELATIVE.match(word) or _DATE_START.match(word) or word in ("today", "yesterday"))


def parse_when(value: str, *, now: dt.datetime) -> dt.datetime:
    """The moment ``value`` names, timezone-aware (UTC unless it carries an offset)."""
    text = value.strip()
    word = text.lower()
    if not text:
        raise WhenError(f"An empty time: give {FORMS}.")
    if word == "today":
        moment = _midnight(now)
    elif word == "yesterday":
        moment = _midnight(now) - dt.timedelta(days=1)
    elif relative := _RELATIVE.match(word):
        amount, unit = int(relative.group(1)), relative.group(2)[0]
        hours = amount * {"h": 1, "d": 24, "w": 24 * 7}[unit]
        # Bounded before any arithmetic: a huge offset is a typo, not an overflow.
        if hours > (now - EARLIEST).total_seconds() / 3600:
            raise WhenError(f"{value!r} reaches back before 1970; give {FORMS}.")
        moment = now - dt.timedelta(hours=hours) if unit == "h" else _midnight(now) - dt.timedelta(hours=hours)
    elif _DATE_START.match(text):
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise WhenError(f"{value!r} is not a date or time; give {FORMS}.") from None
        try:
            moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
            moment.astimezone(dt.UTC)  # year 1 with a positive offset overflows here, not later
        except OverflowError:
            raise WhenError(f"{value!r} is out of range; give a date after 1970.") from None
    else:
        raise WhenError(f"{value!r} is not a time COCO understands; give {FORMS}.")
    if moment < EARLIEST:
        raise WhenError(f"{value!r} is before 1970: no tracker holds runs that old.")
    if moment > now + dt.timedelta(days=1):
        raise WhenError(f"{value!r} is in the future.")
    return moment
