"""A value written as many times as runs reported it (links round 15): "My results are: 0.7789, 0.7792, 0.7792."

A value two of the author's runs carry names neither when written once: the description must then tell them apart.
Written twice in one list of results, it stands for both: each occurrence is one run's result. That reading holds
only where the list is a list of the author's results: its numbers are joined by nothing but commas, slashes or
"and" (not "vs", not separate sentences), every number of it is some run's result, the repeated value is written
exactly as many times as runs carry it, and those runs finished and carry it under one metric.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from narrative.link_evidence import _metric_matches, _QuotedValue
from storage.records import RunSnapshot

# What may stand between two numbers of one list: commas, semicolons, slashes, "&" or "and", and spaces.
_JOINER = re.compile(r"[ \t]{0,3}(?:[,;/&]|and)?[ \t]{0,3}(?:and[ \t]{1,3})?")


def _same(a: _QuotedValue, b: _QuotedValue) -> bool:
    return a.decimals == b.decimals and a.percent_style == b.percent_style and abs(a.value - b.value) < 1e-12


def _list_of(text: str, quoted: Sequence[_QuotedValue], number: _QuotedValue) -> list[_QuotedValue]:
    """The numbers of the list ``number`` is written in (itself alone when it stands in no list)."""
    index = next(i for i, q in enumerate(quoted) if q is number)
    first = last = index
    while first > 0 and _JOINER.fullmatch(text[quoted[first - 1].end : quoted[first].start]):
        first -= 1
    while last + 1 < len(quoted) and _JOINER.fullmatch(text[quoted[last].end : quoted[last + 1].start]):
        last += 1
    return list(quoted[first : last + 1])


def _metric_keys(number: _QuotedValue, run: RunSnapshot) -> set[str]:
    """The run's metric keys the written value matches (one run at a time, so the key itself is compared)."""
    return {key for key in run.metrics
            if _metric_matches(number, run.model_copy(update={"metrics": {key: run.metrics[key]}}))}


def repeated_value_runs(text: str, quoted: Sequence[_QuotedValue], number: _QuotedValue,
                        carriers: Sequence[RunSnapshot], results: Sequence[RunSnapshot]) -> list[RunSnapshot]:
    """``carriers`` (the author's runs that carry ``number`` and that its clause does not contradict) when the list
    ``number`` is written in repeats its value exactly once per carrier; else none. ``results``: the author's runs
    whose results any number of the list may be."""
    group = _list_of(text, quoted, number)
    if len(group) < 2 or sum(1 for q in group if _same(q, number)) != len(carriers) or len(carriers) < 2:
        return []
    if any(run.status.upper() != "FINISHED" for run in carriers):
        return []
    if not all(any(_metric_matches(q, run) for run in results) for q in group):
        return []  # a number of the list is no result of the author's: the list is something else
    shared = set.intersection(*(_metric_keys(number, run) for run in carriers))
    return list(carriers) if shared else []
