"""Which of the scorer's conditions each thread question fails (issue 8: work on answers by failure class).

    .venv/bin/python -m tests.narrative.ask_diagnose [-v | -a] [--tune] [FILES or DIRS]

A question counts (as ``../shared/eval/score.py`` reads it) when its answer is <= 900 characters, holds an
expected stem the question does not already hold, and cites an expected run (directly or through a cited
entry's linked runs) with at most 6 runs cited in all. Each question gets the first condition it fails:

- ``nothing``: the answer says it found nothing;
- ``long``: over 900 characters;
- ``no_stem``: no expected stem at all;
- ``echo``: only a stem the question itself holds;
- ``many_runs``: more than 6 runs cited (the scorer reads that as none);
- ``no_run``: no expected run among those cited.

A file whose ``description`` starts with HELD is counted only: its questions and answers are never printed,
so a held miss cannot be read (or tuned on). ``-v`` prints the tune misses' questions, answers and citations;
``-a`` prints every tune answer (a passing answer can still quote the wrong line).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from narrative import synthesis
from narrative.history_index import HistoryIndexCache
from tests.narrative.scenario_loader import fill
from tests.narrative.synthesis_dev import build_history

MAX_ANSWER_CHARS = 900
MAX_CITED_RUNS = 6
CONDITIONS = ("ok", "nothing", "long", "no_stem", "echo", "many_runs", "no_run")
_DEFAULT = Path(__file__).parent / "data" / "real_answers"


def _has_any(texts: list[str], needles: list[str]) -> bool:
    import re

    blob = " \n".join(t.lower() for t in texts)
    return any(re.search(r"(?<![a-z0-9])" + re.escape(n.lower()), blob) for n in needles)


def _cited(items: list[Any], key_of: dict[str, str], entry_runs: dict[str, set[str]]) -> set[str]:
    keys: set[str] = set()
    for it in items:
        keys |= {key_of[r] for r in it.run_ids if r in key_of}
        if it.entry_id is not None:
            keys |= entry_runs.get(str(it.entry_id), set())
    return keys


def condition(q: dict[str, Any], answer: str, cited: set[str]) -> str:
    """The first of the scorer's conditions this answer fails, or "ok"."""
    if answer.startswith("I found nothing"):
        return "nothing"
    if len(answer) > MAX_ANSWER_CHARS:
        return "long"
    if not _has_any([answer], q["answer_any"]):
        return "no_stem"
    fresh = [n for n in q["answer_any"] if not _has_any([q["q"]], [n])] or q["answer_any"]
    if not _has_any([answer], fresh):
        return "echo"
    if q.get("cite_runs_any"):
        if len(cited) > MAX_CITED_RUNS:
            return "many_runs"
        if not cited & set(q["cite_runs_any"]):
            return "no_run"
    return "ok"


def diagnose(path: Path, *, verbose: bool, every: bool = False) -> tuple[bool, Counter[str]]:
    data = json.loads(path.read_text())
    held = str(data.get("description", "")).startswith("HELD")
    hist, key_of, entry_runs, sc = build_history(path, False)
    indexes = HistoryIndexCache()
    counts: Counter[str] = Counter()
    for q in data["expect"]["questions"]:
        ans = synthesis.answer(fill(q["q"], sc.ids), hist, indexes=indexes)
        cited = _cited(ans.citations, key_of, entry_runs)
        cond = condition(q, ans.answer, cited)
        counts[cond] += 1
        if verbose and not held and (cond != "ok" or every):
            print(f"  [{cond}] {path.stem}: {q['q']}")
            print(f"      want {q['answer_any']} runs {q.get('cite_runs_any')}; cited {sorted(cited)}")
            print(f"      {ans.answer[:700]!r}")
    return held, counts


def main(argv: list[str]) -> int:
    every = "-a" in argv  # -a: print every tune answer, passing ones too (they can quote the wrong line and pass)
    verbose = "-v" in argv or every
    tune_only = "--tune" in argv  # between the before and after measures of held, leave held files unasked
    args = [Path(a) for a in argv if a not in ("-v", "-a", "--tune")] or [_DEFAULT]
    files = sorted(f for a in args for f in ([a] if a.is_file() else a.glob("*.json")))
    totals = {"tune": Counter[str](), "held": Counter[str]()}
    for f in files:
        if tune_only and str(json.loads(f.read_text()).get("description", "")).startswith("HELD"):
            continue
        held, counts = diagnose(f, verbose=verbose, every=every)
        totals["held" if held else "tune"].update(counts)
        if not held:
            print(f"{f.stem}: " + " ".join(f"{c}={counts[c]}" for c in CONDITIONS if counts[c]))
    for split, counts in totals.items():
        n = sum(counts.values())
        if n:
            print(f"{split.upper()} {counts['ok']}/{n}: " + " ".join(f"{c}={counts[c]}" for c in CONDITIONS[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
