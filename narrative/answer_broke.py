"""What broke in a run named by its person or its place (split from ``narrative.answering``): "what broke in
chenyuxyz's run?", "what went wrong in the first training run?", "what failed in the last run?".

The run is the one the question points at: a person's run ("chenyuxyz's run": the runs the tracker has for that
user) or the first / last run of the project. What broke is what the notes on that run say of a failure (OOM,
NaN, a crash, a divergence, a kill ...): the lines that link the run or spell its name, the failing one first; the
tracker's status and wall time are told beside them. A person with several runs none of which failed, or a run no
failure line speaks of, is no answer: the question falls to the notes.
"""

from __future__ import annotations

import re

from narrative.answer_quotes import clip
from narrative.history_index import HistoryIndex
from narrative.run_answers import Cites
from narrative.statements import Fact
from storage.records import RunSnapshot

BROKE_Q = re.compile(r"^\s{0,8}what\s{1,3}(broke|went\s{1,3}wrong|was\s{1,3}wrong|failed|crashed|killed|happened)\b"
                     r"\s{0,3}(in|with|to|on)?\b", re.I)
_POSSESSIVE = re.compile(r"\b([A-Za-z0-9][\w\-.]{1,40})'s\s{1,3}(\w{1,20}\s{1,3})?(run|job|training|experiment|"
                         r"model|attempt)\b", re.I)
_PLACE = re.compile(r"\bthe\s{1,3}(first|last|latest|most recent)\s{1,3}(\w{1,20}\s{1,3})?(run|job|training|"
                    r"experiment|attempt)\b", re.I)
FAILURE = re.compile(r"\b(oom|out of memory|nan(?:'d|ed|s)?|crash\w{0,3}|diverg\w{0,4}|broke|broken|fail\w{0,3}|"
                     r"errors?|exceptions?|killed|kill|hung|hangs?|segfault\w{0,3}|explod\w{0,3}|died|dead)\b", re.I)
_FAILED = ("failed", "killed", "crashed")


def pointed_runs(idx: HistoryIndex, question: str) -> list[RunSnapshot]:
    """The runs a question points at by their person ("chenyuxyz's run") or their place ("the first run")."""
    m = _POSSESSIVE.search(question)
    if m is not None:
        who = m.group(1).lower()
        return [r for r in idx.runs if r.user and r.user.lower() == who]
    m = _PLACE.search(question)
    if m is not None and idx.runs:
        return [idx.runs[0] if m.group(1).lower() == "first" else max(idx.runs, key=lambda r: r.start)]
    return []


def _names(r: RunSnapshot) -> list[str]:
    return [n.lower() for n in (r.run_name, r.run_id) if n and len(n) >= 4]


def failure_lines(idx: HistoryIndex, run: RunSnapshot) -> list[Fact]:
    """The sentences of the notes on ``run`` (linking it, or spelling its name or id) that report a failure."""
    out: list[Fact] = []
    for f in idx.facts:
        if f.kind != "sentence" or not FAILURE.search(f.text):
            continue
        linked = run.run_id in f.run_ids or run.run_id in idx.entry_runs.get(f.entry_id, [])
        spelled = any(n in f.text.lower() for n in _names(run))
        if linked or spelled:
            out.append(f)
    return out


def broke_answer(idx: HistoryIndex, question: str, parts: list[str], cites: Cites) -> bool:
    if not BROKE_Q.search(question):
        return False
    runs = pointed_runs(idx, question)
    failed = [r for r in runs if r.status.lower() in _FAILED]
    pick = failed if failed else runs if len(runs) == 1 else []
    if len(pick) != 1:
        return False
    run = pick[0]
    lines = failure_lines(idx, run)
    if not lines:
        return False
    for f in lines[:2]:
        parts.append(f"{f.author} ({f.at:%Y-%m-%d}) on {run.run_name or run.run_id[:8]}: \"{clip(f.text, 260)}\"")
        cites.add(f.entry_id, [run.run_id])
    wall = f" after {round((run.end - run.start).total_seconds() / 60)} min" if run.end is not None else ""
    parts.append(f"Tracker: {run.run_name or run.run_id[:8]} by {run.user or 'unknown'}, {run.status.lower()}{wall}.")
    return True
