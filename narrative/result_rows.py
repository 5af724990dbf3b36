"""Verdicts a list of results gives by its numbers when its words give none.

    model 1: kernel size 5 3 3 3 -> 71%
    model 2: change kernel size to 3 2 2 2 -> 69%
    model 7: model 3 modified: no dropout before output -> 75%

Each line names a variant, says what it changed and ends its description on one value. A variant is
judged against the variant its description names ("model 3 modified", "model 5 but avgpool"), else
against the best value listed before it; better is a success, worse a failure, equal nothing. The first
line is the yardstick. The direction must be unambiguous: the metric the lines (or the list's
heading) name, by its kind; a list that names none is read by the project's primary metric and goal
only when the project has one. At least three such lines in the same unit make a list: two lines are
as often two separate facts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from narrative import lexicon
from storage.records import Goal, Verdict

MIN_ROWS = 3

# "name: description -> value": the name is short, the value the first one after an arrow (bounded
# gaps throughout, issue 11).
_ROW = re.compile(
    r"^\W{0,8}(?P<name>[A-Za-z][\w .#+-]{0,30}?)\W{0,4}:\s{1,3}(?P<desc>\S.{0,300}?)\s{0,3}(?:->|→|=>)\s{0,3}"
    r"(?P<value>\d{1,6}(?:\.\d{1,6})?)\s{0,2}(?P<unit>%?)(?P<tail>.{0,80})$")
_METRIC_AFTER = re.compile(r"^\s{0,3}(?P<metric>[a-z][\w@/.\-]{0,40}(?:\s{1,3}[a-z][\w@/.\-]{0,40})?)")


def _metric_named(text: str) -> str | None:
    found = [w for w in lexicon.words(text.lower())
             if w in lexicon.LOWER_IS_BETTER_WORDS or w in lexicon.HIGHER_IS_BETTER_WORDS]
    return " ".join(found) if found else None


def row_verdicts(texts: Sequence[str], *, heading: str = "", project_metric: str | None, goal: Goal
                 ) -> dict[int, Verdict]:
    """Index of a line in ``texts`` -> the verdict its value gives against its yardstick."""
    rows: dict[int, re.Match[str]] = {}
    for index, text in enumerate(texts):
        match = _ROW.match(text.strip().replace("**", ""))
        if match and len(match.group("desc").split()) >= 2:
            rows[index] = match
    if len(rows) < MIN_ROWS or len({m.group("unit") for m in rows.values()}) > 1:
        return {}
    named = {_metric_named(_METRIC_AFTER.match(m.group("tail")).group("metric"))  # type: ignore[union-attr]
             if _METRIC_AFTER.match(m.group("tail")) else None for m in rows.values()} - {None}
    if len(named) > 1:
        return {}       # two metrics side by side: which one decides is not said
    metric = next(iter(named), None) or _metric_named(heading)
    if metric is not None:
        direction = lexicon.metric_direction(metric)
    elif project_metric:
        direction = goal
    else:
        return {}
    values = {index: float(m.group("value")) for index, m in rows.items()}
    names = {m.group("name").strip().lower(): index for index, m in rows.items()}
    verdicts: dict[int, Verdict] = {}
    best: float | None = None
    for index in sorted(rows):
        value = values[index]
        desc = rows[index].group("desc").lower()
        named_base = [names[n] for n in names if names[n] < index and re.search(rf"(?<![\w.]){re.escape(n)}(?![\w.])",
                                                                                   desc)]
        base = values[named_base[-1]] if named_base else best
        if base is not None and value != base:
            verdicts[index] = "worked" if (value > base) == (direction == "max") else "did_not_work"
        best = value if best is None else (max(best, value) if direction == "max" else min(best, value))
    return verdicts
