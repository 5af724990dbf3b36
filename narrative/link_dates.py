"""Dated sections: a line of a note under a date heading ("## 2020/08/19", "### 11/29/24", "Monday, March 2,
2020") is about that day's work, so the author's runs started that day are the ones it may describe.

Within a day, a description links on weaker evidence than across the whole window: the day's only run of
the author's when the line says one thing of it; among several, the one the line describes clearly best.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from narrative.link_evidence import (
    DESCRIPTION_LEAD,
    PARAM_HIT,
    TOKEN_HIT,
    CandidatePool,
    SegmentLinks,
    describe,
    linked_run,
)
from narrative.segmenting import Segment, is_dateline
from storage.records import LinkedRun

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})[-/](\d{1,2})(?:[-/](\d{2}|\d{4}))?(?![\d/.-])")
_MONTH_DAY = re.compile(r"\b([a-z]{3})[a-z]{0,6}\.?\s{1,3}(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s{1,3}(\d{4}))?")
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s{1,3}([a-z]{3})[a-z]{0,6}\.?(?:,?\s{1,3}(\d{4}))?")
# How far back a dated section of a note may reach.
_MAX_AGE = dt.timedelta(days=21)
# With several runs that day, the line must say a setting of one of them (or two of its words) and lead.
_SEVERAL_MIN = PARAM_HIT


def _valid(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def section_date(line: str, at: dt.datetime) -> dt.date | None:
    """The day a dateline names, when it names exactly one day no later than ``at`` and not long before."""
    lowered = line.lower()
    today = at.date()
    found: set[dt.date] = set()
    for match in _ISO.finditer(lowered):
        iso = _valid(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if iso:
            found.add(iso)
    if not found:
        for match in _NUMERIC.finditer(lowered):
            first, second, year = int(match.group(1)), int(match.group(2)), match.group(3)
            years = [int(year) + (2000 if len(year) == 2 else 0)] if year else [today.year, today.year - 1]
            for y in years:
                for month_no, day_no in ((first, second), (second, first)):
                    candidate = _valid(y, month_no, day_no)
                    if candidate:
                        found.add(candidate)
        for pattern, month_group, day_group in ((_MONTH_DAY, 1, 2), (_DAY_MONTH, 2, 1)):
            for match in pattern.finditer(lowered):
                named = _MONTHS.get(match.group(month_group))
                if named is None:
                    continue
                years = [int(match.group(3))] if match.group(3) else [today.year, today.year - 1]
                for y in years:
                    candidate = _valid(y, named, int(match.group(day_group)))
                    if candidate:
                        found.add(candidate)
    recent = {d for d in found if today - _MAX_AGE <= d <= today}
    return next(iter(recent)) if len(recent) == 1 else None


def infer_dated(
    seg_links: list[SegmentLinks],
    pool: CandidatePool,
    author_ids: set[str],
    linked: dict[str, LinkedRun],
    at: dt.datetime,
    not_done: Callable[[str, Segment], bool],
) -> None:
    """Link, for each line under a date heading that no other rule linked, the run of that day it describes:
    the author's only run of the day when the line says something of it, else the day's run the line
    describes best by a clear margin."""
    day: dt.date | None = None
    for entry in seg_links:
        segment = entry.segment
        if is_dateline(segment.text):
            day = section_date(segment.text, at)
            continue
        if day is None or entry.run_ids or segment.kind in ("data", "row"):
            continue
        if not_done(segment.text.lower(), segment):
            continue
        runs = [p for p in pool if p.run.run_id in author_ids and p.run.start.date() == day]
        scored = [(p, describe(segment.text, p, pool)) for p in runs]
        scored = sorted(((p, e) for p, e in scored if not e.contradicted), key=lambda pe: pe[1].score, reverse=True)
        if not scored or scored[0][1].score < (TOKEN_HIT if len(runs) == 1 else _SEVERAL_MIN):
            continue
        if len(scored) > 1 and scored[0][1].score - scored[1][1].score < DESCRIPTION_LEAD:
            continue
        best = scored[0][0].run
        linked.setdefault(best.run_id, linked_run(best, "inferred"))
        entry.run_ids.append(best.run_id)
