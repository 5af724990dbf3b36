"""Runs named as the values of one setting: "both seeds look the same", "the three lr's I tried", "all the batch
sizes gave about the same", "the non sparse benchmarks with different sizes".

Such a phrase names a sweep over one setting: the author's finished runs of the window that agree on every other
setting and differ on this one. It links them when exactly one such set of runs exists and, when the phrase
counts ("both", "the three"), it has that many runs; two sweeps of the setting (seeds of the small and of the large
model) make the phrase name neither. Plans, questions and negations name nothing ("I'll try two more seeds").
"""

from __future__ import annotations

import re

from narrative.link_evidence import param_keys_for
from narrative.link_groups import NOT_DONE
from narrative.link_setting_values import _is_metric, _runs_with, _written_settings
from storage.records import RunSnapshot

_COUNTS = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10}
# "both seeds", "the three lr's", "all the batch sizes", "the 4 learning rates", "all 3 different seeds": a
# determiner or a count, then the setting's name in the plural (one or two words).
# Read as a lookahead, so that phrases may overlap ("the benchmarks with different sizes").
_PHRASE = re.compile(
    r"(?<![a-z0-9])(?=((?:(both|all(?: the| of the| my)?|the|my)[ \t]{1,2}|(with|over|across|at|for|using)[ \t]{1,2}"
    r"(?=different))(?:(two|three|four|five|six|seven|eight|nine|ten|\d{1,2})[ \t]{1,2})?(?:different[ \t]{1,2})?"
    r"([a-z][a-z_']{1,20}(?:[ \t][a-z][a-z_']{1,20})?)(?![a-z0-9_])))")
# "identical setup besides the type of pooling", "same config except the seed", "the only thing I changed are
# the seeds", "varying only the learning rate": runs that differ in one setting, said the other way round.
_ONLY_CHANGED = re.compile(
    r"(?<![a-z0-9])(?:(?:identical|same)[ \t](?:setup|settings|config(?:uration)?s?|parameters|hyperparameters|"
    r"everything)[ \t](?:besides|except(?:[ \t]for)?|but|apart[ \t]from|other[ \t]than)|only[ \t](?:thing[ \t])?"
    r"(?:(?:i|we)[ \t])?(?:changed|varied|varying|changing|change|vary)(?:[ \t](?:is|was|are|were))?|varying[ \t]only)"
    r"[ \t](?:the[ \t])?(?:(?:type|choice|kind|number|value)s?[ \t]of[ \t](?:the[ \t])?)?"
    r"([a-z][a-z_']{1,20}(?:[ \t][a-z][a-z_']{1,20})?)(?![a-z0-9_])")
# A setting's values tried, in the plural, after a verb of trying: "I first played around with batch sizes",
# "experimented with different learning rates", "tried a few seeds"; "varied the batch size" in the singular too.
_TRIED = re.compile(
    r"(?<![a-z0-9])(?:(?P<play>played[ \t]around[ \t]with|experimented[ \t]with|tried(?:[ \t]out)?|trying|compared)|"
    r"(?P<vary>varied|varying|swept(?:[ \t]over)?|sweeping(?:[ \t]over)?))[ \t]"
    r"(?:(?:the|my|some|several|a[ \t]few|various|different|multiple)[ \t]){0,2}"
    r"(?P<noun>[a-z][a-z_']{1,20}(?:[ \t][a-z][a-z_']{1,20})?)(?![a-z0-9_])")
# A setting named by an attribute of a thing: "different sizes of dense layers", "the number of the filters", "sizes
# of the input images" — the setting is the thing's ("dense"), or the thing's attribute ("image size").
_ATTRIBUTE_OF = re.compile(
    r"(size|number|value|amount|count|width|depth)s?[ \t]of[ \t](?:the[ \t]|my[ \t]|our[ \t])?"
    r"([a-z][a-z_']{1,20})(?:[ \t]([a-z][a-z_']{1,20}))?(?![a-z0-9_])")
# Where a statement ends: a line, or a sentence's full stop.
_SENTENCE_BREAK = re.compile(r"\n|(?<=[.!;])[ \t]")
# Settings that differ from run to run without being what the runs compare.
_INCIDENTAL = re.compile(r"dir|path|name|(?:^|_)id$|time|date|host|node|gpu|device|output|log")


def _singular(noun: str) -> str | None:
    """The setting's name in a plural noun ("seeds" -> "seed", "lr's" -> "lr", "batch sizes" -> "batch size")."""
    for ending in ("'s", "s"):
        if noun.endswith(ending) and len(noun) > len(ending) + 1:
            return noun[: -len(ending)]
    return None


def _sweeps(runs: list[RunSnapshot], keys: set[str]) -> list[list[RunSnapshot]]:
    """Sets of runs that agree on every setting but ``keys`` and differ on them (two runs or more)."""
    groups: dict[tuple[tuple[str, str], ...], list[RunSnapshot]] = {}
    for run in runs:
        rest = tuple(sorted((k, v.strip().lower()) for k, v in run.params.items()
                            if k not in keys and not _INCIDENTAL.search(k.lower())))
        groups.setdefault(rest, []).append(run)
    sweeps = []
    for members in groups.values():
        values = {tuple(m.params.get(k, "").strip().lower() for k in sorted(keys)) for m in members}
        if len(members) >= 2 and len(values) == len(members):
            sweeps.append(members)
    return sweeps


def _attribute_keys(line: str, start: int, runs: list[RunSnapshot]) -> set[str] | None:
    """The one setting an attribute of a thing names at ``line[start:]`` ("sizes of dense layers" -> dense, "sizes
    of the input images" -> img_size), an empty set when it names none or several, None when no such phrase."""
    match = _ATTRIBUTE_OF.match(line, start)
    if not match:
        return None
    attribute, first, second = match.group(1), match.group(2), match.group(3)
    words = [first, second] if second else [first]
    last = _singular(words[-1]) or words[-1]
    thing = " ".join([*words[:-1], last])
    for name in (f"{last} {attribute}", thing, _singular(first) or first, first, last):
        keys = {k for r in runs for k in param_keys_for(name, r.params)}
        if keys:
            return keys if len(keys) == 1 else set()
    return set()


def _setting_keys(noun: str, runs: list[RunSnapshot]) -> set[str]:
    """The one setting a noun names ("seeds", "lr's", "batch sizes", "pooling"), or none."""
    names = [n for n in (_singular(noun), _singular(noun.split()[0]), noun, noun.split()[0]) if n]
    for name in names:
        keys = {k for r in runs for k in param_keys_for(name, r.params)}
        if keys:
            return keys if len(keys) == 1 else set()
    return set()


def _described(line: str, runs: list[RunSnapshot], swept: set[str]) -> set[str] | None:
    """The ids of the runs that hold every setting the line writes with its value ("specaug on (mask_time_prob 0.05):
    both seeds agree" is about the seeds of the 0.05 runs, not another pair of seeds; none of them when no run logs
    such a setting); None when it writes none."""
    fitting: set[str] | None = None
    for _written, name, value in _written_settings(line):
        if _is_metric(name, runs) or any(k in swept for r in runs for k in param_keys_for(name, r.params)):
            continue  # "the three seeds agree, seed 3 is the odd one": one of the sweep's own values, no narrowing
        said = _runs_with(name, value, runs)
        # A setting none of the runs logs: the line describes other runs (someone else's), or says which is unknown.
        held = said[1] if said is not None else set()
        fitting = held if fitting is None else fitting & held
    return fitting


def setting_family_references(text: str, window_runs: list[RunSnapshot]) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for every phrase of ``text`` that names a sweep over one setting (module docstring)."""
    finished = [r for r in window_runs if r.status.upper() == "FINISHED"]
    if len(finished) < 2:
        return []
    found: list[tuple[str, RunSnapshot]] = []
    for line in _SENTENCE_BREAK.split(text.lower()):
        if "?" in line:
            continue  # a question, sentence by sentence (a paragraph is often one line)
        for match in _TRIED.finditer(line):
            if NOT_DONE.search(line[: match.end()]):
                continue  # a plan up to the phrase; a modal after it ("something I should do later") is another clause
            noun = match["noun"]
            plural = bool(_singular(noun) or _singular(noun.split()[0]))
            if not (plural or match["vary"]):
                continue  # "tried the seed": one run's, maybe
            attribute = _attribute_keys(line, match.start("noun"), finished)
            keys = _setting_keys(noun, finished) if attribute is None else attribute
            sweeps = _sweeps(finished, keys) if keys else []
            if len(sweeps) == 1:
                found += [(match.group(0), run) for run in sweeps[0]]
        if NOT_DONE.search(line):
            continue  # a plan, sentence by sentence
        for match in _PHRASE.finditer(line):
            written, determiner, counted, noun = match.group(1), match.group(2) or "", match.group(4), match.group(5)
            attribute = _attribute_keys(line, match.start(5), finished)
            if attribute is not None:
                keys = attribute
            else:
                keys = _setting_keys(noun, finished) if (_singular(noun) or _singular(noun.split()[0])) else set()
            if not keys:
                continue  # no setting of that name, or several: which sweep is meant is not said
            count = _COUNTS.get(counted or "") or (int(counted) if counted and counted.isdigit() else None)
            if determiner == "both":
                count = 2
            if count is None and not determiner.startswith("all") and not match.group(3):
                continue  # "the seeds": maybe one run's seed; "all the seeds", "both seeds", "with different
                # sizes", "the two seeds" say every run of the sweep
            described = _described(line, finished, keys)
            sweeps = [s for s in _sweeps(finished, keys) if count is None or len(s) == count
                      if described is None or {r.run_id for r in s} <= described]
            if len(sweeps) == 1:
                found += [(written, run) for run in sweeps[0]]
        for match in _ONLY_CHANGED.finditer(line):
            keys = _setting_keys(match.group(1), finished)
            sweeps = _sweeps(finished, keys) if keys else []
            if len(sweeps) == 1:
                found += [(match.group(0), run) for run in sweeps[0]]
    return found
