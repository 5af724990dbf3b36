"""Runs named by the run word and counter their names open with: "Run 4" for ``run4_pr1851_9hp_wdstrong_ar``,
"(Run 3)" for ``Run-3-pairedhead``, "trial 2's loss" for ``trial_02_cutmix`` (links round 13); "- Run 3" heading
a list item for ``run_3`` (round 16).

People number their runs and write the number into the name's head, then describe the run in the name's tail; in
their notes they write the head alone, in another case and with another separator (or none) than the tracker's name.
A number after a run word is as often a count ("run 3 more seeds", "try 2 configs"), so the head names a run only
where the author names runs that way (two or more of the author's runs open with the same word and different
numbers), exactly one of the author's runs carries it (a failed start under the same full name gives way to the
finished run, unless the line says how the process failed), and the number is written in a run's place: glued
("run4") anywhere, spaced ("Run 4") only where the number ends the phrase ("Run 4's gain", "(Run 3)", "for Run 5.").
Someone else's runs ("bob's run 4") and runs in a publication ("run 3 in the paper") name none.

A name may be the head alone (``run_3``, ``trial-7``): the tracker's counter with nothing after it. Such a counter
is read with the same guards, and a spaced one also where it heads a line by itself, a list item's or a heading's
whole text ("- Run 3" over its settings' sub-bullets, "### Run 7"): nothing follows that could make it a count. Where
the author's runs up to the note carry a head twice (an older run_5 of another model weeks before), the note's own
window decides, as it does for a numbered experiment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from narrative import lexicon
from narrative.run_numbers import ELSEWHERE, owned_before
from storage.records import RunSnapshot

# The words people open a run's name with before its counter: "run4_", "Run-12-", "trial_02_", "try3-".
_HEAD_WORDS = ("run", "try", "trial", "attempt", "job", "test")
# A name's head: the run word, an optional separator, the counter, then a separator before the name's tail.
_HEAD = re.compile(rf"^({'|'.join(_HEAD_WORDS)})[-_ ]?(\d{{1,4}})(?:[-_.]|$)")
# As written: glued or with a separator ("run4", "run-4", "run_4"), or spaced with an optional hash ("Run 4",
# "run #4"). Bounded repetition keeps every search linear (issue 11).
_WRITTEN = re.compile(rf"(?<![a-z0-9_\-])({'|'.join(_HEAD_WORDS)})([-_]?|[ \t]{{1,2}}#?)(\d{{1,4}})"
                      r"(?![a-z0-9_\-]|[.,]\d)")
# Spaced, the number must end the phrase or be the subject of a verb: "Run 4's", "(Run 3)", "Run 0: 1.06", "for Run
# 5.", "run 12 is smoother" — "run 3 seeds", "run 3 more" count.
_PHRASE_END = re.compile(r"\s{0,2}(?:['’]s\b|[.,;:!?)(\]]|$)|[ \t]{1,2}(?:is|was|were|are|has|had|got|gets|did|does|"
                         r"beat|beats|looks?|looked|seems?|seemed|reached|ended)(?![a-z])")
# A line holding only list or heading marks before the head, and nothing after it: "- Run 3", "### Run 12".
_LINE_LEAD = re.compile(r"[ \t]{0,8}(?:[-*+>#][ \t]{1,4}){0,3}#{0,4}[ \t]{0,2}$")
_LINE_END = re.compile(r"[ \t]{0,4}(?:\n|$)")
_PROCESS_FAILURE = re.compile(
    r"(?<![a-z])(?:" + "|".join(re.escape(c.rstrip("*")) for c in lexicon.PROCESS_FAILURE_CUES) + r")")


def _heads(runs: Sequence[RunSnapshot]) -> dict[tuple[str, int], list[RunSnapshot]]:
    found: dict[tuple[str, int], list[RunSnapshot]] = {}
    for run in runs:
        match = _HEAD.match(run.run_name.strip().lower())
        if match:
            found.setdefault((match.group(1), int(match.group(2))), []).append(run)
    return found


def _one_run(runs: list[RunSnapshot], line: str, window_ids: frozenset[str] = frozenset()) -> RunSnapshot | None:
    """The run a head names: the only one, or of a restart under the same full name, the finished run (or the
    failed start where the line says how the process failed); of runs in the note's window and before it, the
    window's."""
    if len(runs) > 1 and any(r.run_id in window_ids for r in runs):
        runs = [r for r in runs if r.run_id in window_ids]
    if len(runs) == 1:
        return runs[0]
    if len({r.run_name.strip().lower() for r in runs}) != 1:
        return None
    wanted = "FAILED" if _PROCESS_FAILURE.search(line) else "FINISHED"
    chosen = [r for r in runs if r.status.upper() == wanted]
    return chosen[0] if len(chosen) == 1 else None


def head_references(text: str, author_runs: Sequence[RunSnapshot],
                    window_ids: frozenset[str] = frozenset()) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for each run-word head of ``text`` that names exactly one of the author's runs."""
    heads = _heads(author_runs)
    series = {word for word, _ in heads if sum(1 for w, _ in heads if w == word) >= 2}
    if not series:
        return []
    lowered = text.lower()
    found: list[tuple[str, RunSnapshot]] = []
    for match in _WRITTEN.finditer(lowered):
        word, joint, number = match.group(1), match.group(2), int(match.group(3))
        if word not in series or (word, number) not in heads:
            continue
        line_start = lowered.rfind("\n", 0, match.start()) + 1
        own_line = (_LINE_LEAD.fullmatch(lowered, line_start, match.start()) is not None
                    and _LINE_END.match(lowered, match.end()) is not None)
        if joint.strip(" \t#") == "" and joint and not (_PHRASE_END.match(lowered, match.end()) or own_line):
            continue  # spaced and followed by a word: "run 3 more seeds", "Run 4 GPUs"
        if owned_before(lowered, match.start()) or ELSEWHERE.match(lowered, match.end()):
            continue
        line_end = lowered.find("\n", match.end())
        run = _one_run(heads[(word, number)], lowered[line_start: line_end if line_end >= 0 else len(lowered)],
                       window_ids)
        if run is not None:
            found.append((match.group(0), run))
    return found
