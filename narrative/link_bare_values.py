"""Runs named by a setting's value written alone before a noun of runs (links round 11): "the 3e-5 run is the best
so far", "the 3e-5 and 5e-5 runs are close", "the 4.0 runs beat 5.0", "the 1e-4 one blew up", "the 3e-4 seeds
agree" (the runs of that value, one per seed).

People name a sweep's runs by the value that sets them apart and leave the setting's name out: the sweep makes it
plain. Read here only where that is as plain from the runs: the value is written as a decimal or in scientific
notation ("4.0", ".999", "3e-5"; a whole number is as likely a count: "the 3 runs"), and among the author's window
runs exactly one setting holds each value written (and no run's metric is that value: "the .912 run" is a result),
the setting is logged with two values or more (in the window or before it: "the 4.0 runs beat 5.0" when the 5.0 runs
are of the day before). A singular noun ("the 3e-5 run", "the 1e-4 one") names the one run holding the value — and
only when none of the author's earlier runs holds it too; a plural noun names every window run holding one of the
values, two or more, and as many as a count says ("both", "the two"). Failed and killed runs only where the sentence
says they failed; plans, questions, a comparison's other side, someone else's runs and runs long ago name nothing.
"""

from __future__ import annotations

import re

from narrative import lexicon
from narrative.link_evidence import value_matches
from narrative.link_groups import elsewhere, not_run
from narrative.link_setting_values import _NOT_THIS, _SOMEONE_ELSE
from storage.records import RunSnapshot

# A value as a sweep writes it: a decimal ("4.0", ".999") or scientific notation ("3e-5", "1e-4", "2.5e-4").
_VALUE = r"(?:\d{1,4}\.\d{1,6}|\.\d{1,6}|\d{1,3}(?:\.\d{1,4})?e-?\d{1,2})"
_LIST = rf"{_VALUE}(?:[ \t]{{0,2}}(?:,|/|&|\band\b|\bor\b)[ \t]{{0,2}}{_VALUE}){{0,5}}"
_COUNTS = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_REFERENCE = re.compile(
    r"(?<![\w\-.])(the|both(?:[ \t]the)?|all(?:[ \t]the)?|my|these|those|that|this)[ \t]{1,2}"
    r"(?:(two|three|four|five|six)[ \t]{1,2})?"
    rf"({_LIST})[ \t]{{1,2}}(runs?|ones?|models?|experiments?|variants?|jobs?|seeds)(?![\w\-])"
)
_ONE_VALUE = re.compile(_VALUE)
_STOPPED = frozenset({"FAILED", "KILLED"})
_SENTENCE = re.compile(r"(?<=[.!?;])[ \t]{1,4}(?=\S)|\n")


def _holding(value: str, runs: list[RunSnapshot]) -> dict[str, set[str]]:
    """key -> ids of the runs whose setting ``key`` holds ``value``."""
    found: dict[str, set[str]] = {}
    for run in runs:
        for key, stored in run.params.items():
            if value_matches(value, stored.strip().lower()):
                found.setdefault(key, set()).add(run.run_id)
    return found


def a_result(value: str, runs: list[RunSnapshot]) -> bool:
    """Whether a value written alone is a metric some run logged (a result quoted, not a setting named)."""
    number = lexicon.parse_number(value)
    return number is not None and any(abs(v - number) < 1e-9 for run in runs for v in run.metrics.values())


def bare_value_references(text: str, window_runs: list[RunSnapshot], earlier_runs: list[RunSnapshot],
                          people: frozenset[str] = frozenset()) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for each window run a text names by a value written alone before a noun of runs."""
    if len(window_runs) < 2:
        return []
    by_id = {run.run_id: run for run in window_runs}
    found: list[tuple[str, RunSnapshot]] = []
    lowered = text.lower()
    if not _REFERENCE.search(lowered):
        return []  # most notes (and every long paste of settings) have no such phrase: read no sentence
    for sentence in _SENTENCE.split(lowered):
        matches = list(_REFERENCE.finditer(sentence))
        if not matches or "?" in sentence or not_run(sentence) or elsewhere(sentence, people):
            continue
        failing = lexicon.has_cue(sentence, lexicon.FAILURE_CUES)
        for match in matches:
            before = sentence[: match.start()]
            if _NOT_THIS.search(before + match.group(1) + " ") or _SOMEONE_ELSE.search(before):
                continue
            runs = _named(match, window_runs, earlier_runs, failing=failing)
            found += [(match.group(0), by_id[rid]) for rid in runs]
    return found


def _named(match: re.Match[str], window_runs: list[RunSnapshot], earlier_runs: list[RunSnapshot], *,
           failing: bool) -> list[str]:
    """The ids of the window runs one reference names (none when anything about it is unclear)."""
    values = list(dict.fromkeys(_ONE_VALUE.findall(match.group(3))))
    key: str | None = None
    chosen: set[str] = set()
    for value in values:
        if a_result(value, [*window_runs, *earlier_runs]):
            return []  # "the .912 run": a result, or a value that is both
        holding = _holding(value, window_runs)
        if len(holding) != 1 or (key is not None and key not in holding):
            return []  # no setting, or several settings hold it: which one is meant is a guess
        key = next(iter(holding))
        chosen |= holding[key]
    if key is None:
        return []
    logged = {run.params[key].strip().lower() for run in (*window_runs, *earlier_runs) if key in run.params}
    if len(logged) < 2:
        return []  # the value tells no run apart
    if len(chosen) == len(window_runs) and not any(key in run.params for run in earlier_runs):
        return []  # every run of the window has it, and nothing before the window tells what it sets apart
    stopped = {run.run_id for run in window_runs if run.status.upper() in _STOPPED}
    usable = sorted(rid for rid in chosen if failing or rid not in stopped)
    noun = match.group(4)
    word = match.group(2) or match.group(1).split()[0]
    if not noun.endswith("s"):
        if len(values) != 1 or len(chosen) != 1 or len(usable) != 1:
            return []
        # "the 3e-5 run": one run of the author's holds it, in the window and before it.
        return [] if _holding(values[0], earlier_runs).get(key) else usable
    expected = _COUNTS.get(word)
    if len(usable) < 2 or len(usable) != len(chosen) or (expected is not None and len(usable) != expected):
        return []
    return usable
