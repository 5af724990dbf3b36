"""A percentage, or "half", said for a setting the runs record as a fraction.

Runs log a share as a fraction (``val_fraction=0.3``, ``dropout_rate=0.8``, ``train_portion=0.5``); people say
it as a percentage ("30%", "80 percent") or as "half". Read against such a setting, the spoken number is its
fraction: "val_fraction 30%" asks for 0.3, not 30. Only where every number the runs hold for the setting lies
between 0 and 1 -- a setting counted in whole units ("warm up 10% of the 50 epochs" is no epochs=0.1) keeps
the number as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from narrative import lexicon
from narrative.history_index import HistoryIndex

# "95%", "95 percent" right after a number
PERCENT = re.compile(r"\s?(?:%|per\s?cent\b)")
# "half of the encoder" is 50% of it
HALF_OF = re.compile(r"\bhalf\s+of\b")
# "a validation fraction of half", "dropout at one half": "half" as the setting's value, the clause's last word
# or before a joining word -- "half the lr", "half the epochs" and "half of the data" say a factor or a part
_HALF_VALUE = re.compile(r"\b(of|at|to|=)\s{1,3}(?:one[\s-]|a\s)?half\b(?=\s*(?:$|[,;:.)]|and\b|with\b|on\b|for\b))")


def half_value(head: str) -> str:
    """``head`` (lowercased) with "half" as a setting's value written 50%, read by the percentage rule ("half the
    lr" stays a factor)."""
    return _HALF_VALUE.sub(r"\1 50%", head)


def halves(head: str) -> str:
    """``half_value``, and "half of X" as 50% of X (for plans read only as values, never as moves)."""
    return half_value(HALF_OF.sub("50% of", head))


def percent_value(value: str | None, head: str, idx: HistoryIndex, keys: Iterable[str]) -> str | None:
    """A change's value said as a percentage ("dropout 80%") of a fraction-valued setting: the fraction."""
    num = lexicon.parse_number(value) if value else None
    if num is None or ("%" not in head and "per" not in head):
        return value  # no percentage said: the runs' values are not scanned (most plans)
    said = re.search(rf"(?<![\w.]){re.escape(value or '')}(?=\s?(?:%|per\s?cent\b))", head)
    return f"{num / 100:g}" if said and fractions(idx, keys) else value


def percent_after(head: str, end: int) -> bool:
    """Whether a percent sign or "percent" follows the number that ends at ``end``."""
    return PERCENT.match(head, end) is not None


def fractions(idx: HistoryIndex, keys: Iterable[str]) -> bool:
    """Whether the runs record ``keys`` as fractions (every number between 0 and 1, and some number), so that a
    percentage the plan names is read as its fraction."""
    wanted = frozenset(keys)
    vals = [v for sig in idx.sigs for k, raw in sig.items if k in wanted
            for v in [lexicon.parse_number(raw)] if v is not None]
    return bool(vals) and all(0.0 <= v <= 1.0 for v in vals)


def as_fraction(num: float, head: str, end: int, idx: HistoryIndex, keys: Iterable[str]) -> float:
    """``num`` as the runs count it: a percentage of a fraction-valued setting divided by 100."""
    return num / 100 if percent_after(head, end) and fractions(idx, keys) else num
