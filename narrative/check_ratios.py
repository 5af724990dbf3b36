"""Ratios a plan names ("CE + dice at 3:1", "loss weights 1:4") against runs that log a ratio, for
``narrative.checking``.

A ratio is a variant of its combination: a run logging ``loss_weight=1:3`` did CE + dice at 1:3, not at 3:1 (the
order is the point: which term weighs more). A run that logs no ratio says nothing either way; a statement cited
with no runs is left to the statement rules.
"""

from __future__ import annotations

import re

from narrative.history_index import HistoryIndex
from narrative.types import CheckMatch, CheckResult

# "1:3", "0.5 : 1", "3:1:1"; not a clock time ("10:30", minutes of two digits after a number up to 23) nor a
# ratio inside a longer token ("exp1:3b", an url's port)
_RATIO = re.compile(r"(?<![\w.:/])(\d{1,3}(?:\.\d{1,3})?(?:\s?:\s?\d{1,3}(?:\.\d{1,3})?){1,2})(?![\w.:/])")
_CLOCK = re.compile(r"^(?:[01]?\d|2[0-3]):[0-5]\d$")


def _norm(ratio: str) -> tuple[float, ...]:
    return tuple(float(x) for x in re.split(r"\s?:\s?", ratio))


def ratios_in(text: str) -> frozenset[tuple[float, ...]]:
    """The ratios a text names, as tuples of numbers (1:3 and 1.0:3 alike)."""
    return frozenset(_norm(m.group(1)) for m in _RATIO.finditer(text.lower())
                     if not _CLOCK.match(m.group(1).replace(" ", "")))


def _run_ratios(idx: HistoryIndex, rid: str) -> frozenset[tuple[float, ...]]:
    return frozenset(r for v in idx.run_by_id[rid].params.values() for r in ratios_in(v))


def ratio_off(got: CheckResult, plan: str, idx: HistoryIndex) -> CheckResult | None:
    """A "tried" citing runs that log ratios other than the one the plan names: those runs are dropped from the
    citation; when every cited run logs another ratio (and no cited statement says the plan's), not tried, closest
    those runs. None when the plan names no ratio or no cited run logs one."""
    want = ratios_in(plan)
    if len(want) != 1:
        return None  # two ratios in a plan are a comparison or a sweep, not one run's setting
    rids = list(dict.fromkeys(r for m in got.matches for r in m.run_ids if r in idx.run_by_id))
    logged = {r: _run_ratios(idx, r) for r in rids}
    off = {r for r, got_r in logged.items() if got_r and not got_r & want}
    if not off:
        return None
    if len(off) < len(rids) or any(not m.run_ids and ratios_in(m.summary) & want for m in got.matches):
        kept = [m.model_copy(update={"run_ids": [r for r in m.run_ids if r not in off]}) for m in got.matches]
        return got.model_copy(update={"matches": [m for m in kept if m.run_ids or m.entry_id]})
    if any(ratios_in(m.summary) & want for m in got.matches):
        return None  # a statement says the plan's ratio beside runs logging others: left as it is
    r0 = idx.run_by_id[rids[0]]
    held = ", ".join(sorted({":".join(f"{x:g}" for x in t) for r in off for t in logged[r]}))
    summary = f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d}"
    return CheckResult(already_tried=False, message=(
        f"Not tried at that ratio: the runs found used {held}; closest: {summary}."),
        matches=[CheckMatch(entry_id=None, run_ids=rids[:3], score=0.0, summary=summary, author=r0.user,
                            at=r0.start)])
