"""A grid told by its settings' value lists (links round 18): "- **Learning Rates**: [0.1, 0.001, 0.0005]" over
"- **Weight Decays**: [0.0001]" and "- **Seeds per Configuration**: [42, 43]", "lr in {1e-3, 3e-4} x batch {32, 64}".

Two or more bracketed value lists, each after the name of a setting (``name: [..]``, ``name = {..}``, ``name in
{..}``), on consecutive lines or joined by ``x`` / ``×`` on one line, describe a grid: every combination of their
values is a run. It names the author's finished runs of the window whose logged value of every listed setting is one
of its list's — only when each name means one key the runs log, at least one list has two values, every point of the
grid has a run, and the runs number exactly the stated total ("Total Runs: 6", "= 9 runs") or, with no total, one
per point. A run outside a list, a running or failed run, another person's run or a second run at a point (with no
total saying so) leaves the grid naming nothing: a grid that does not match the window exactly is not the window's.
Nothing is read from a plan or a question (a line or the block saying it is to come).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from narrative import lexicon
from narrative.link_evidence import param_keys_for
from narrative.link_groups import not_run
from storage.records import RunSnapshot

# A setting's name and its bracketed list: "**Learning Rates**: [0.1, 0.001]", "lr in {1e-3, 3e-4}", "bs=[32,64]".
_LIST = re.compile(r"(?:(?<![a-z])(?:x|×|by|and)[ \t]{1,2})?([a-z][a-z _\-]{0,40}?)(?:[ \t*`]{0,4}(?::|=|\bin\b))?"
                   r"[ \t*`]{0,4}[\[{]([^\[\]{}\n]{1,200})[\]}]")
# A number of the list ("0.0005", "1e-3", "42").
_NUMBER = re.compile(r"-?\d{0,6}\.?\d{1,8}(?:e-?\d{1,3})?")
# The grid's stated total: "Total Runs: 45", "total = 9", "= 9 runs".
_TOTAL = re.compile(r"total[ \t]{0,2}(?:number[ \t]of[ \t])?(?:runs|configs|configurations|jobs)?[ *`]{0,4}[:=]"
                    r"[ *`]{0,4}(\d{1,4})\b|=[ \t]{0,2}(\d{1,4})[ \t]{1,2}(?:runs|configs|configurations|jobs)\b")
# How much of the text before a grid is read for a plan.
_LEAD = 1000
# A grid of more points than this is no note's description of runs one by one.
_MAX_POINTS = 200


def _name_keys(name: str, runs: Sequence[RunSnapshot]) -> str | None:
    """The one key every run logs that a written setting name means ("Learning Rates" -> lr, "Seeds per
    Configuration" -> seed); None when the name means no key or several."""
    words = [w for w in re.split(r"[ _\-]+", name.strip(" *`-").lower()) if w]
    if not words or len(words) > 5:
        return None
    tries: list[str] = []
    for size in range(len(words), 0, -1):
        head = words[:size]
        tries += [" ".join(head), " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in head)]
    for spoken in tries:
        keys = {frozenset(param_keys_for(spoken, run.params)) for run in runs}
        if len(keys) == 1:
            (found,) = keys
            if len(found) == 1:
                return next(iter(found))
        elif all(keys):
            return None
    return None


def _blocks(text: str) -> list[tuple[list[tuple[str, str, list[str]]], str]]:
    """Groups of (written, name, values) lists: consecutive lines each holding lists, with the block's text and the
    note's text before it (a plan said before the grid makes it a plan: saying less is safe)."""
    blocks: list[tuple[list[tuple[str, str, list[str]]], str]] = []
    current: list[tuple[str, str, list[str]]] = []
    lines: list[str] = []
    lead = ""  # the text before a block: "Plan for tomorrow, will run:" makes the lists under it a plan
    for line in text.lower().split("\n"):
        found = []
        for match in _LIST.finditer(line):
            values = [v.strip() for v in match.group(2).split(",")]
            if values and all(_NUMBER.fullmatch(v) for v in values):
                found.append((match.group(0), match.group(1), values))
        if found:
            if not current:
                lines.append(lead)
            current += found
            lines.append(line)
            continue
        if current:
            blocks.append((current, "\n".join(lines)))
            current, lines = [], []
        lead = (lead + "\n" + line)[-_LEAD:]
    if current:
        blocks.append((current, "\n".join(lines)))
    return blocks


def _total(text: str) -> int | None:
    totals = {int(m.group(1) or m.group(2)) for m in _TOTAL.finditer(text.lower())}
    return totals.pop() if len(totals) == 1 else None


def grid_references(text: str, window_runs: Sequence[RunSnapshot]) -> list[tuple[str, RunSnapshot]]:
    """(the written list, run) for each run of the author's window a grid of value lists describes exactly."""
    finished = [r for r in window_runs if r.status.upper() == "FINISHED"]
    if len(finished) < 2:
        return []
    found: list[tuple[str, RunSnapshot]] = []
    for lists, block in _blocks(text):
        if len(lists) < 2 or not any(len(values) > 1 for _w, _n, values in lists):
            continue
        if "?" in block or not_run(block):
            continue
        keys = [k for k in (_name_keys(name, finished) for _w, name, _v in lists) if k is not None]
        if len(keys) != len(lists) or len(set(keys)) != len(keys):
            continue
        points = 1
        for _w, _n, values in lists:
            points *= len(values)
        if points > _MAX_POINTS:
            continue
        members = [run for run in finished
                   if all(any(lexicon.same_value(v, run.params.get(key, "")) for v in values)
                          for key, (_w, _n, values) in zip(keys, lists, strict=True))]
        covered = {tuple(next(v for v in values if lexicon.same_value(v, run.params[key]))
                         for key, (_w, _n, values) in zip(keys, lists, strict=True)) for run in members}
        every = set(itertools.product(*(values for _w, _n, values in lists)))
        if covered != every:
            continue
        total = _total(text)
        if len(members) != (total if total is not None else points):
            continue
        written = lists[0][0]
        found += [(written, run) for run in members]
    return found
