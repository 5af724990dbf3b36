"""Runs named together by a setting's value they share (links round 7): "the width 128 runs were better", "both
depth 8 models overfit", "all the lr=1e-3 runs diverged", "the batch size 1 experiments".

A plural noun of runs (runs, models, experiments, jobs, trials, ones) right after a setting written by its name and
one value names the author's window runs (runs carried over from before the previous note included) whose one key
for that name holds the value: only when two or more runs hold it, not all of the window's runs do (then the value
tells nothing apart), the name means one key of each run and, when the phrase counts ("both", "the three"), that
many runs hold it. Failed and killed runs are left out unless the sentence says they failed; plans, questions,
negations, a comparison's other side, someone else's runs and runs long ago name nothing.
"""

from __future__ import annotations

import re

from narrative import lexicon
from narrative.link_groups import elsewhere, not_run
from narrative.link_setting_values import _NAME, _NOT_THIS, _NUMBER, _SOMEONE_ELSE, _is_metric, _runs_with, canonical
from storage.records import RunSnapshot

_COUNTS = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# "[the|all (the)|both|my|these|those] [count] <name> [=|:] <value> <runs|models|...>"; the name as the lexicon
# says it or as the runs log it ("width" for a ``width`` key).
_GROUP = (
    r"(?<![a-z0-9_\-.])(?:(the|all(?:[ \t]the)?|both(?:[ \t]the)?|my|our|these|those)[ \t]{{1,2}})"
    r"(?:(two|three|four|five|six|\d)[ \t]{{1,2}})?"
    r"({name})s?[ \t]{{0,2}}(?:=|:)?[ \t]{{0,2}}(-?" + _NUMBER.replace("{", "{{").replace("}", "}}") + r")[ \t]{{1,2}}"
    r"(runs|models|experiments|jobs|trials|ones|variants|configs)(?![a-z0-9_])"
)
# The other order (links round 13): "the models with a learning rate = 0.01", "all runs with dropout 0.5", "both models
# with lr of 3e-4" — the noun, "with", the setting and one value (not the first of a list: "with lr 0.01 and 0.001").
_GROUP_AFTER = (
    r"(?<![a-z0-9_\-.])(?:(the|all(?:[ \t]the)?|both(?:[ \t]the)?|my|our|these|those)[ \t]{{1,2}})"
    r"(?:(two|three|four|five|six|\d)[ \t]{{1,2}})?"
    r"(?:runs|models|experiments|jobs|trials|variants|configs)[ \t]{{1,2}}with[ \t]{{1,2}}(?:(?:a|an|the)[ \t]{{1,2}})?"
    r"({name})s?[ \t]{{0,2}}(?:=|:|of)?[ \t]{{0,2}}(-?" + _NUMBER.replace("{", "{{").replace("}", "}}") + r")"
    r"(?![ \t]{{0,2}}(?:,|/|-|\band\b|\bor\b|\bto\b)[ \t]{{0,2}}-?\.?\d)(?![\w.%])"
)
_KEY_WORD = re.compile(r"[a-z][a-z0-9]{2,20}")
_STOPPED = frozenset({"FAILED", "KILLED"})
_SENTENCE = re.compile(r"(?<=[.!?])[ \t]{1,4}(?=\S)|\n")


def value_group_references(text: str, window_runs: list[RunSnapshot],
                           people: frozenset[str] = frozenset()) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for each run of a group the text names by a setting's value its runs share."""
    if len(window_runs) < 2:
        return []
    by_id = {run.run_id: run for run in window_runs}
    keys = sorted({k.lower() for run in window_runs for k in run.params if _KEY_WORD.fullmatch(k.lower())},
                  key=len, reverse=True)
    names = "|".join([*(re.escape(k) for k in keys), _NAME])
    groups = (re.compile(_GROUP.format(name=names)), re.compile(_GROUP_AFTER.format(name=names)))
    found: list[tuple[str, RunSnapshot]] = []
    for sentence in _SENTENCE.split(text.lower()):
        if not_run(sentence) or "?" in sentence:
            continue
        failing = lexicon.has_cue(sentence, lexicon.FAILURE_CUES)
        for match in (m for group in groups for m in group.finditer(sentence)):
            before = sentence[: match.start()]
            if (_NOT_THIS.search(before + match.group(1) + " ") or _SOMEONE_ELSE.search(before)
                    or elsewhere(sentence, people)):
                continue
            name, value = canonical(match.group(3)), match.group(4)
            if _is_metric(name, window_runs):
                continue
            said = _runs_with(name, value, window_runs)
            if said is None:
                continue
            holding = {rid for rid in said[1] if failing or by_id[rid].status.upper() not in _STOPPED}
            word = match.group(2) or match.group(1).split()[0]
            expected = _COUNTS.get(word) or (int(word) if word.isdigit() else None)
            if len(holding) < 2 or len(said[1]) == len(window_runs) or (expected and len(holding) != expected):
                continue
            found += [(match.group(0), by_id[rid]) for rid in sorted(holding)]
    return found
