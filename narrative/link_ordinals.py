"""Runs named by their place in the author's day (links round 7): "the second run diverged", "the last run is the
best so far", "the first two runs were warm-ups", "I launched three runs; the last one crashed".

An ordinal with a determiner right before a noun of runs (run, experiment, attempt, try, job, trial; "one" only after
such a noun earlier in the sentence) names the author's window runs in the order they started: the n-th, the last,
the first or last few. Only when the window is one working day (its runs started within 30 hours of each other), no
run of it was carried over from before the previous note (the first of which day?), the position exists, and no
failed or killed start is among the runs counted (did the author count it?) unless the sentence says it failed, and no
run a few minutes long among hours-long ones (a quick check nobody mentions: did the author count it?).
A qualified noun ("the second run of xgb", "the last run with lr 1e-3"), an ordinal after a label or a value in its
sentence ("lr 1e-3: the first run", "width 256 was best but the first try crashed": a place among those runs), a
process failure said of a run that finished ("the first try crashed"), "the last run" in a comparison ("than the last
run": maybe the one before the run reported on), a plan, a question, a negation and someone else's runs name nothing.
"""

from __future__ import annotations

import datetime as dt
import re

from narrative import lexicon
from narrative.link_groups import elsewhere, not_run
from storage.records import RunSnapshot

_PLACES = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4,
           "5th": 5}
_LAST = frozenset({"last", "latest", "final"})
_COUNTS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
_PHRASE = re.compile(
    r"(?<![a-z0-9_'’])(the|my|our|today's|today’s)[ \t]{1,2}(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|"
    r"last|latest|final)[ \t]{1,2}(?:(two|three|four|[234])[ \t]{1,2})?"
    r"(runs?|experiments?|attempts?|tries|try|jobs?|trials?|ones?)(?![a-z0-9_\-])"
)
# A noun after which "one" means a run: "three runs, the last one ...".
_RUN_NOUN = re.compile(r"\b(?:runs?|experiments?|jobs?|trials?|attempts?|tries)\b")
# A qualifier after the noun: "the second run of xgb", "the last run with lr 1e-3", "the first run from monday".
_QUALIFIED = re.compile(r"[ \t]{1,2}(?:of|with|from|for|on|using|at|in)\b")
_NEGATED = re.compile(r"\b(?:not|no|never|except|than|unlike|besides)[ \t]{1,2}$|n't[ \t]{1,2}$")
# "compared to the last run", "better than the last run": the last one before the run the sentence reports on.
_RELATIVE = re.compile(r"\b(?:than|compared|vs\.?|versus|relative|since|previous|before|over)\b")
_SENTENCE = re.compile(r"(?<=[.!?;])[ \t]{1,4}(?=\S)|\n")
_ONE_DAY = dt.timedelta(hours=30)
# Runs the sentence already narrowed before the ordinal: a label before a colon ("lr 1e-3: the first run", "resnet50:
# the first two runs") or a value, a size or a versioned name ("width 256 ... the first try"): the place is among those
# runs, not in the day.
_COUNTED_AMONG = re.compile(r":[ \t]{0,3}|\d")
# Where the clause of the ordinal ends ("the first run finished, but the second crashed").
_CLAUSE_END = re.compile(r"[,;:]|\bbut\b|\bwhile\b|\bwhereas\b|\band\b")
_STOPPED = frozenset({"FAILED", "KILLED"})
# A run of the day this short, beside runs five times as long, is a quick check the author may not count.
_QUICK = dt.timedelta(minutes=30)
_QUICK_SHARE = 0.2


def quick_checks(runs: list[RunSnapshot]) -> set[str]:
    """Ids of the runs at most 30 minutes long and a fifth of the typical run among ``runs``."""
    lasted = {r.run_id: r.end - r.start for r in runs if r.end is not None and r.end > r.start}
    if len(lasted) < 2:
        return set()
    typical = sorted(lasted.values())[len(lasted) // 2]
    return {rid for rid, took in lasted.items() if took <= _QUICK and took <= _QUICK_SHARE * typical}


def ordinal_references(text: str, window_runs: list[RunSnapshot], carried: set[str],
                       people: frozenset[str] = frozenset()) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for each run the text names by its place among the author's runs of the day."""
    runs = sorted(window_runs, key=lambda r: (r.start, r.run_id))
    if len(runs) < 2 or runs[-1].start - runs[0].start > _ONE_DAY:
        return []
    quick = quick_checks(runs)
    found: list[tuple[str, RunSnapshot]] = []
    for sentence in _SENTENCE.split(text.lower()):
        if not_run(sentence) or "?" in sentence or elsewhere(sentence, people):
            continue
        failing = lexicon.has_cue(sentence, lexicon.FAILURE_CUES)
        for match in _PHRASE.finditer(sentence):
            place, count, noun = match.group(2), match.group(3), match.group(4)
            before = sentence[: match.start()]
            if _NEGATED.search(before) or _QUALIFIED.match(sentence, match.end()) or _COUNTED_AMONG.search(before):
                continue
            if noun.startswith("one") and not _RUN_NOUN.search(before):
                continue  # "the last one" of what?
            plural = noun.endswith("s") and noun != "try"
            size = _COUNTS[count] if count else (None if plural else 1)
            if size is None or (count and not plural) or size > len(runs):
                continue
            if place in _LAST:
                if _RELATIVE.search(sentence):
                    continue  # "the last run" may be the one before the run reported on
                picked = runs[-size:]
                counted = picked
            else:
                if carried & {r.run_id for r in runs}:
                    continue  # the first run of which day?
                start = _PLACES[place] - 1 if size == 1 else 0
                if count and _PLACES[place] != 1:
                    continue  # "the second two runs": no
                picked = runs[start:start + size]
                counted = runs[:start + size]
                if len(picked) < size:
                    continue
            if not failing and any(r.status.upper() in _STOPPED for r in counted):
                continue  # a failed start may or may not be counted
            if any(r.run_id in quick for r in counted):
                continue  # so may a quick check
            said = _CLAUSE_END.split(sentence[match.end():], maxsplit=1)[0]
            if lexicon.has_cue(said, lexicon.PROCESS_FAILURE_CUES) and any(
                    r.status.upper() not in _STOPPED for r in picked):
                continue  # "the first try crashed": the day's first run finished, so the try is another
            found += [(match.group(0), run) for run in picked]
    return found
