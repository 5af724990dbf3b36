"""A value the sentence says several runs reached, counted (links round 16): "92.6% was achieved with three
batch/epoch combinations: 32/50, 65/20, and 128/20".

A value two or more of the author's runs carry names none of them when written once (the description must tell them
apart). Where the sentence counts the runs that have it, the count is the description: if exactly that many of the
author's finished runs carry the value under one metric, it names them all. The count must stand before a noun of runs
("three runs", "both models", "all 4 seeds", "three batch/epoch combinations") in the value's own sentence, that
sentence must quote no other result (in "none reached 92.6% again, but ... got 92.4% for all three runs" the count is
the other value's), and say no plan, question or negation; a count that differs from the carriers names none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from narrative.link_evidence import _QuotedValue
from narrative.link_value_repeats import _metric_keys
from storage.records import RunSnapshot

_COUNT_WORDS = {"two": 2, "both": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10}
# A count before a noun of runs, with up to two words between ("three batch/epoch combinations", "all 4 seeds").
_COUNTED = re.compile(
    r"(?<![\w.])(" + "|".join(_COUNT_WORDS) + r"|[2-9]|1[0-2])[ \t]{1,3}(?:[a-z][a-z/\-]{0,30}[ \t]{1,3}){0,2}?"
    r"(?:runs|combinations|combos|configs|configurations|settings|models|seeds|variants|trials|experiments|"
    r"versions)(?![a-z])")
# "none of them reached 92.6%", "no two runs", "never": the count is not of the runs that have the value.
_NEGATED = re.compile(r"(?<![a-z])(?:none|no|not|never|neither|nor|didn['’]t|did not|couldn['’]t|failed to)(?![a-z])")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")


def _sentence(text: str, start: int, end: int) -> str:
    opening = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    closing = _SENTENCE_END.search(text, end)
    return text[opening: closing.start() if closing else len(text)]


def counted_value_runs(text: str, quoted: Sequence[_QuotedValue], number: _QuotedValue,
                       carriers: Sequence[RunSnapshot], *, not_done: bool) -> list[RunSnapshot]:
    """``carriers`` (the author's runs that carry ``number``, its clause contradicting none) when ``number``'s sentence
    counts exactly that many runs and quotes no other result; else none. ``not_done``: the sentence says a plan, a
    question or a negation."""
    if not_done or len(carriers) < 2 or any(run.status.upper() != "FINISHED" for run in carriers):
        return []
    sentence = _sentence(text, number.start, number.end)
    opening = text.find(sentence, max(0, number.start - len(sentence)))
    others = [q for q in quoted if opening <= q.start < opening + len(sentence) and q is not number
              and not q.integer and abs(q.value - number.value) > 1e-12]
    if others or _NEGATED.search(sentence.lower()):
        return []
    counts = {_COUNT_WORDS.get(m.group(1)) or int(m.group(1)) for m in _COUNTED.finditer(sentence.lower())}
    if counts != {len(carriers)}:
        return []
    shared = set.intersection(*(_metric_keys(number, run) for run in carriers))
    return list(carriers) if shared else []
