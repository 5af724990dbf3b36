"""Runs written by number: a tracker's run counter ("run 84", "# 68-71??", "80, 81, 82 these are aight")
and a numbered experiment ("Experiment 003", "vs exp 24", "Changes from 002").

Both are names, only shortened: W&B and MLflow give runs names ending in a counter ("dazzling-sun-84"),
and people number their experiment folders ("003-ablation-data-only", "exp_024"). A bare number is as
likely a count, a setting or a time, so a number is read as a run's only where the text puts it in a
run's place — after "run", heading a line as a list or range of numbers, as a range closing a line,
after "experiment", or zero-padded like the folder ids themselves — and only when it fits the author's
own runs exactly: every number of a list or range must be one of their run counters (one run each).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from storage.records import RunSnapshot

# A run name ending in a counter: "dazzling-sun-84", "run_84", "bright-fox-417".
_COUNTER_NAME = re.compile(r"^[a-z]{1,20}(?:[-_][a-z]{1,20}){0,3}[-_](\d{2,5})$")
# A counter as written: two to five digits that are not part of a decimal, a date, an id or a word.
_N = r"(?<![\w.\-:/])(\d{2,5})(?![\w.:/]|,\d)"
_NUMBER = re.compile(_N)
# "run 84", "runs 80, 81 and 82", "run #84", "runs 87-90".
_RUN_WORD = re.compile(rf"(?<![a-z0-9_])runs?\s{{0,2}}#?{_N}")
# The list or range that follows a first number: ", 81", " and 82", "-90".
# "#84 diverged": a number written with a hash is a run's counter, unless the words before make it an issue, a pull
# request, a commit, a rank or a place in a list ("fixed issue #12", "see #12", "ranked #12", "step #12"), or it
# stands in brackets as GitHub's references do ("Fix loader (#12)", "[#12](...)").
_HASH = re.compile(rf"(?<![\w&/#(\[])#{_N}")
_HASH_NOT_RUN = re.compile(
    r"(?:issues?|prs?|pull|pulls|bugs?|tickets?|commits?|fix(?:es|ed)?|close[sd]?|resolve[sd]?|see|refs?|step|"
    r"epoch|items?|no\.?|numbers?|page|line|gpus?|node|rank(?:ed)?|table|fig(?:ure)?\.?|section|chapter|rule|top|"
    r"merge[sd]?|open(?:ed)?|review(?:ed)?|filed|report(?:ed)?|land(?:ed)?|revert(?:ed)?|pick(?:ed)?|"
    r"in|on|at|per|by|via|and|or|of|discussion|thread|question|answer|comment|task|stage|level|place|spot)[ \t]{0,2}$"
)
_MORE = re.compile(r"\s{0,2}(,|&|and|-|–|to)\s{0,2}#?(\d{2,5})(?![\w.:/]|,\d)")
# Markup a line may open with before its numbers: "# ", "- ", "> ", "* ".
_LINE_LEAD = re.compile(r"[ \t#>*\-]{0,6}")
# What may follow a single number heading a line ("# 77, so bad", "# 68??", "77:"): punctuation or the end.
_AFTER_ONE = re.compile(r"\s{0,2}(?:[,?:;(=!]|$)")
# A range closing a line ("..., 87-90", "# 72-75") and an open one ("EXPERIMENTS 94-").
_RANGE_AT_END = re.compile(rf"{_N}\s{{0,2}}[-–]\s{{0,2}}(\d{{2,5}})[?!.:;)\s]{{0,4}}$")
_OPEN_RANGE_AT_END = re.compile(rf"{_N}\s{{0,2}}[-–][?!.:;)\s]{{0,4}}$")
# A unit after the numbers makes them amounts ("runs 10-20 epochs", "# 80, 81, 82 steps"), not runs.
_UNIT_AFTER = re.compile(r"\s{0,2}(?:epochs?|steps?|iter(?:ation)?s?|min(?:ute)?s?|h(?:ou)?rs?|sec(?:ond)?s?|times|"
                         r"samples|tokens|layers|gb|mb|ms|k\b|m\b|%|x\b)")
# Runs in one written range at most (a range is a handful of runs, not a year).
_MAX_SPAN = 24

# "Experiment 003", "exp 24", "exp. 5", "Exp #3", "expt 7", and as folders write it: "experiment_004", "exp-24".
_EXPERIMENT_WORD = re.compile(
    r"(?<![a-z0-9_])(?:experiments?|exps?|expt)(?:\.?\s{0,2}#?\s?|[_\-])(\d{1,4})(?![a-z0-9.]|,\d)")
# A zero-padded number is an id the way folder names write it ("Compare to 003"); two digits are too
# often an hour or a month ("05:02", "05-06").
_PADDED = re.compile(r"(?<![\w.\-:/])(0\d{2,3})(?![\w.:/]|,\d)")
# Days and times written as possessives ("today's", "last night's"): the author's own hours, nobody else's.
_TIME_WORDS = (r"(?:today|yesterday|tonight|tomorrow|night|morning|evening|afternoon|week|weekend|month|year|day|"
               r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)")
# A possessive right before a run's counter: "bob's run 12", "Alice’s #12" (someone's run, not the author's).
_OWNED_BEFORE = re.compile(rf"(?<![a-z0-9_.\-])(?!{_TIME_WORDS}['’])[a-z][a-z0-9_.\-]{{1,30}}['’]s\s{{1,3}}$")
# Said after a numbered experiment, these place it in someone's publication, not among the runs: "experiment 3
# in the paper", "Exp 2 of Smith et al.", "experiment 4 from the original article".
ELSEWHERE = re.compile(
    r"\s{0,2}[(),]?\s{0,2}(?:in|from|of)\s{1,3}(?:(?:the|their|this|that|our|a)\s{1,3})?(?:paper|appendix|original|"
    r"table|section|blog|article|supplementary|thesis|book|publication)(?![a-z])"
    r"|\s{0,2}[(),]?\s{0,2}(?:in|from|of)\s{1,3}[a-z]{2,20}\s{1,3}et\s{1,2}al(?![a-z])"
    # or among someone's runs or notes: "experiment 26 in Bob's notes", "run 12 of alice's" (not "of today's").
    rf"|\s{{0,2}}[(),]?\s{{0,2}}(?:in|from|of)\s{{1,3}}(?!{_TIME_WORDS}['’])[a-z][a-z0-9_.\-]{{1,30}}['’]s(?![a-z])")
# An experiment id inside a run's name or a parameter value: "003-ablation-data-only", "exp_024_lr",
# "experiment-3". A bare number ("20") is a setting, not an id; "3-4-6-3" is a list of sizes.
_ID_VALUE = re.compile(r"^(?:exp(?:eriment)?[-_ ]?(\d{1,4})(?!\d)|(\d{1,4})[-_][a-z])")


def _counters(runs: Iterable[RunSnapshot]) -> dict[int, RunSnapshot]:
    """Counter -> run, for counters exactly one of ``runs`` ends its name with."""
    found: dict[int, list[RunSnapshot]] = {}
    for run in runs:
        match = _COUNTER_NAME.match(run.run_name.lower().strip())
        if match:
            found.setdefault(int(match.group(1)), []).append(run)
    return {n: rs[0] for n, rs in found.items() if len(rs) == 1}


def _expand(first: int, tail: list[tuple[str, int]]) -> list[int] | None:
    """The numbers a list or range writes ("80, 81, 82"; "68-71"), or None when a range is not one."""
    numbers = [first]
    for joint, number in tail:
        if joint in ("-", "–", "to"):
            low = numbers[-1]
            if not 0 < number - low <= _MAX_SPAN:
                return None
            numbers += list(range(low + 1, number + 1))
        else:
            numbers.append(number)
    return numbers


def _tail(text: str, start: int, more_pattern: re.Pattern[str] = _MORE) -> tuple[list[tuple[str, int]], int]:
    """The list or range continuing at ``start``: (joint, number) pairs and where it ends."""
    pairs: list[tuple[str, int]] = []
    while len(pairs) < _MAX_SPAN:
        more = more_pattern.match(text, start)
        if not more:
            break
        pairs.append((more.group(1), int(more.group(2))))
        start = more.end()
    return pairs, start


def _all_counted(numbers: list[int] | None, counters: dict[int, RunSnapshot]) -> list[RunSnapshot]:
    # Every number must be a run: "20, 30 and 40 epochs" with one of them missing counts epochs.
    if not numbers or any(n not in counters for n in numbers):
        return []
    return [counters[n] for n in numbers]


def _line_lead(line: str, counters: dict[int, RunSnapshot]) -> list[RunSnapshot]:
    """Numbers heading a line: "# 68-71??", "# 80, 81, 82 these are aight", "# 77, so bad"."""
    lead = _LINE_LEAD.match(line)
    start = lead.end() if lead else 0
    first = _NUMBER.match(line, start)
    if not first:
        return []
    pairs, end = _tail(line, first.end())
    if _UNIT_AFTER.match(line, end):
        return []
    # One number followed by a word is a count ("20 epochs was enough"); a list or range may go on in words.
    if not pairs and not _AFTER_ONE.match(line, end):
        return []
    return _all_counted(_expand(int(first.group(1)), pairs), counters)


def owned_before(lowered: str, start: int) -> bool:
    """Whether a possessive stands right before ``lowered[start:]`` ("bob's run 12"): someone else's run."""
    return bool(_OWNED_BEFORE.search(lowered[max(0, start - 40):start]))


def _someones(lowered: str, start: int, end: int) -> bool:
    """Whether a counter written at ``lowered[start:end]`` is placed among someone's runs or in a publication."""
    return owned_before(lowered, start) or bool(ELSEWHERE.match(lowered, end))


def counter_references(text: str, *, author_runs: list[RunSnapshot],
                       window_runs: list[RunSnapshot]) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for the author's runs the text writes by their name's counter."""
    counters = _counters(author_runs)
    if not counters:
        return []
    in_window = _counters(window_runs)
    found: list[tuple[str, RunSnapshot]] = []
    lowered = text.lower()
    for match in _RUN_WORD.finditer(lowered):
        pairs, end = _tail(lowered, match.end())
        if _UNIT_AFTER.match(lowered, end) or _someones(lowered, match.start(), end):
            continue
        for run in _all_counted(_expand(int(match.group(1)), pairs), counters):
            found.append((lowered[match.start():end], run))
    for match in _HASH.finditer(lowered):
        if _HASH_NOT_RUN.search(lowered[max(0, match.start() - 24):match.start()]):
            continue
        pairs, end = _tail(lowered, match.end())
        if _UNIT_AFTER.match(lowered, end) or _someones(lowered, match.start(), end):
            continue
        for run in _all_counted(_expand(int(match.group(1)), pairs), counters):
            found.append((lowered[match.start():end], run))
    for line in lowered.splitlines():
        found += [(line.strip(), run) for run in _line_lead(line, counters)]
        closing = _RANGE_AT_END.search(line)
        if closing:
            numbers = _expand(int(closing.group(1)), [("-", int(closing.group(2)))])
            found += [(closing.group(0).strip(), run) for run in _all_counted(numbers, counters)]
        opened = _OPEN_RANGE_AT_END.search(line)
        if opened:
            # "94-": the window's runs from 94 on, as long as the counter goes on without a gap.
            low = int(opened.group(1))
            numbers = []
            while low + len(numbers) in in_window and len(numbers) < _MAX_SPAN:
                numbers.append(low + len(numbers))
            if len(numbers) >= 2:
                found += [(opened.group(0).strip(), in_window[n]) for n in numbers]
    return found


def _experiment_ids(run: RunSnapshot) -> set[str]:
    """The experiment ids a run carries in its name or a parameter or tag value, as written ("003")."""
    ids: set[str] = set()
    for value in (run.run_name, *run.params.values(), *run.tags.values()):
        match = _ID_VALUE.match(value.lower().strip()[:80])
        if match:
            ids.add(match.group(1) or match.group(2))
    return ids


def experiment_references(text: str, author_runs: list[RunSnapshot]) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for the author's finished runs of an experiment the text names by number."""
    by_id: dict[str, list[RunSnapshot]] = {}
    for run in author_runs:
        if run.status.upper() == "FINISHED":
            for eid in _experiment_ids(run):
                by_id.setdefault(eid, []).append(run)
    if not by_id:
        return []
    lowered = text.lower()
    found: list[tuple[str, RunSnapshot]] = []
    for match in _EXPERIMENT_WORD.finditer(lowered):
        if ELSEWHERE.match(lowered, match.end()):
            continue
        tail, end = _experiment_tail(lowered, match, by_id)
        if end > match.end() and ELSEWHERE.match(lowered, end):
            continue  # "exp 9 and 10 in the paper": the whole list is the paper's
        number = int(match.group(1))
        # After "experiment" the number is the id however it is padded ("experiment 24" is exp_024).
        for eid, runs in by_id.items():
            if int(eid) == number:
                found += [(match.group(0), run) for run in runs]
        found += tail
    for match in _PADDED.finditer(lowered):
        # Bare, only the id written the same way ("003" is 003-ablation-data-only, not exp_3).
        found += [(match.group(1), run) for run in by_id.get(match.group(1), ())]
    return found


# The ids that go on after a numbered experiment: "exp 9 and 10", "experiments 8-10", "exp 9/10", "exp 9, 10 and 11".
_EXPERIMENT_MORE = re.compile(r"[ \t]{0,2}(,|&|and|/|-|–|to)[ \t]{0,2}(?:(?:experiments?|exps?|expt)\.?[ \t]{0,2}#?)?"
                              r"(\d{1,4})(?![\w.:/]|,\d)")


def _experiment_tail(lowered: str, match: re.Match[str], by_id: dict[str, list[RunSnapshot]]) -> tuple[
        list[tuple[str, RunSnapshot]], int]:
    """The author's finished runs of the ids a list or range after "exp N" writes, and where the list ends: every id
    of it must be one of theirs, or the numbers are something else ("exp 9 and 12" with no exp 12, "exp 9 and 10
    epochs") and only the first, as written after the word, names its runs."""
    pairs, end = _tail(lowered, match.end(), _EXPERIMENT_MORE)
    if not pairs or _UNIT_AFTER.match(lowered, end) or ELSEWHERE.match(lowered, end):
        return [], end
    numbers = _expand(int(match.group(1)), pairs)
    ids = {int(eid): runs for eid, runs in by_id.items()}
    if not numbers or any(n not in ids for n in numbers):
        return [], end
    written = lowered[match.start():end]
    return [(written, run) for n in numbers[1:] for run in ids[n]], end
