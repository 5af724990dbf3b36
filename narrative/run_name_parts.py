"""Runs written by a part of their name: the tail that tells a run from its experiment's others
("L8_K32" for exp1_4_L8_K32), and settings written the way the names spell them ("L = 3 or 4",
"K=[32] fixed with L=8,16,32" for names holding "L3", "K32").

Names that encode their settings ("exp1_4_L8_K32", "resnet_bs32_lr3") are common in homework and
sweep scripts; people then write the setting, not the name. Both readings look only at the author's
runs of the window, and a part or a setting links only what it fits exactly: a tail one run ends with,
a list whose every value is one finished run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from narrative.link_groups import NOT_DONE
from storage.records import RunSnapshot

# A written name part: words of letters and digits joined by "_" or "-" ("L8_K32", "k64-128").
_PART = re.compile(r"(?<![\w\-.])([a-z0-9]{1,12}(?:[_\-][a-z0-9]{1,12}){1,4})(?![\w\-]|\.\w)")
_NAME_SEPARATOR = re.compile(r"[_\-.]")
# Where a camel-case name starts a new word: "K8Euler" is "K8" and "Euler", "FlowWM" is "Flow" and "WM".
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# "L = 3 or 4", "L=8,16,32", "K=[32]", "K=[64, 128, 256]": a short key and whole numbers.
_SETTING = re.compile(
    r"(?<![a-z0-9_])([a-z]{1,3})\s{0,2}=\s{0,2}(\[\d{1,4}(?:,\s{0,2}\d{1,4}){0,6}\]|"
    r"\d{1,4}(?:(?:\s{0,2},\s{0,2}|\s{1,2}(?:or|and)\s{1,2})\d{1,4}){0,8})(?![\w.]|,\d)")
_DIGITS = re.compile(r"\d{1,4}")
_STOPPED = frozenset({"FAILED", "KILLED"})
# Where one statement ends: a sentence, a line, an HTML line break.
_STATEMENT_BREAK = re.compile(r"\.\s|<br\s?/?>|\n")


def _segments(name: str) -> list[str]:
    return [s for s in _NAME_SEPARATOR.split(name.lower()) if s]


def tail_references(text: str, window_runs: list[RunSnapshot],
                    others: Sequence[RunSnapshot] = ()) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for a written part that ends exactly one run name of the window and is
    not all of it: "L8_K32" for exp1_4_L8_K32. A part several names end with names none, a teammate's run
    name of ``others`` included ("lr1e-3" when bob-lr1e-3 ran beside gpt-lr1e-3)."""
    names = [(r.run_name.lower().strip(), r) for r in window_runs if r.run_name]
    mine = {r.run_id for _name, r in names}
    names += [(r.run_name.lower().strip(), r) for r in others if r.run_name and r.run_id not in mine]
    found: list[tuple[str, RunSnapshot]] = []
    for match in _PART.finditer(text.lower()):
        part = match.group(1)
        if len(part) < 5 or not re.search(r"[a-z]", part) or not re.search(r"\d", part):
            continue  # "1-2", "a_b": too short or no digit to set a run apart
        ending = [r for name, r in names if name != part and name.endswith(part) and name[-len(part) - 1] in "_-."]
        if len({r.run_name for r in ending}) == 1:
            finished = [r for r in ending if r.status.upper() == "FINISHED"] or ending
            if len(finished) == 1 and finished[0].run_id in mine:
                found.append((part, finished[0]))
    return found


def _pieces(name: str) -> set[str]:
    """A name's segments, those of its camel-case words included ("Anymal_FlowWM_K8Euler_s42" spells "k8" too)."""
    return {*_segments(name), *_segments(_CAMEL.sub("_", name))}


def _fits(run: RunSnapshot, wanted: list[set[str]]) -> bool:
    segments = _pieces(run.run_name)
    return all(options & segments for options in wanted)


def setting_references(text: str, window_runs: list[RunSnapshot]) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for settings a statement writes as the run names spell them ("L = 3 or 4"
    with names holding "l3", "l4"). The statement's settings together pick the runs; each value of a
    list must pick exactly one finished run, and a single value one run — or the statement links none. A run
    still going that spells the value too makes it two ("K=8" with a finished k8 debug run and three running
    K8Euler runs names none); failed and killed starts do not (a rerun keeps its first start's name)."""
    finished = [r for r in window_runs if r.status.upper() == "FINISHED" and r.run_name]
    if not finished:
        return []
    standing = [r for r in window_runs if r.status.upper() not in _STOPPED and r.run_name]
    spelled = {s for r in standing for s in _pieces(r.run_name)}
    found: list[tuple[str, RunSnapshot]] = []
    for statement in _STATEMENT_BREAK.split(text.lower()):
        if NOT_DONE.search(statement):
            continue  # "L = 3 or 4 will perform better": an expectation, maybe of runs not done
        by_key: dict[str, list[str]] = {}
        for match in _SETTING.finditer(statement):
            key, raw = match.group(1), match.group(2)
            values = _DIGITS.findall(raw)
            if raw.startswith("["):
                values = values[:1]  # a list-valued setting: names spell it by its first value ("k64-128")
            options = [key + v for v in values]
            if all(o in spelled for o in options):  # else a setting the names do not spell ("lr=3")
                by_key.setdefault(key, []).extend(o for o in options if o not in by_key.get(key, []))
        # One key may vary ("L = 3 and L = 4", "L=8,16,32"); the others hold for all ("K=[32] fixed").
        varied = [k for k, options in by_key.items() if len(options) > 1]
        if len(varied) > 1 or not by_key:
            continue  # two lists at once ("L=2,4 and K=32,64") do not say which pairs ran
        key = varied[0] if varied else next(iter(by_key)) if len(by_key) == 1 else ""
        if not key:
            continue
        fixed = [set(options) for k, options in by_key.items() if k != key]
        picks = [[r for r in standing if _fits(r, [*fixed, {o}])] for o in by_key[key]]
        if all(len(p) == 1 and p[0].status.upper() == "FINISHED" for p in picks):
            found += [(option, p[0]) for option, p in zip(by_key[key], picks, strict=True)]
    return found
