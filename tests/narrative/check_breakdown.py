"""Failures of "already tried?" counted by condition only (no plan text, no output) per split.

    .venv/bin/python -m tests.narrative.check_breakdown [--detail] [FILES-or-DIRS]

Without paths: the real_checks fixture split into HELD and TUNE. ``--detail`` prints each failure's line, but
never for a HELD file. Conditions: a plan said tried when it was not, citing a run (``false_tried_run``: a run of
another variant or value) or only a statement (``false_tried_note``: a plan, wish or question read as done); a
tried plan said not tried with a plan listed (``missed_planned``: a plan done later read as only planned), with a
closest match (``missed_closest``: judged a variant) or with nothing (``missed_none``: a paraphrase unmatched); a
right "tried" citing none of the expected runs (``wrong_cite``).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from narrative import synthesis
from narrative.history_index import HistoryIndexCache
from tests.narrative.scenario_loader import fill
from tests.narrative.synthesis_dev import build_history, cited_keys

DATA = Path(__file__).parent / "data" / "real_checks"


def _split(path: Path) -> str:
    desc = json.loads(path.read_text()).get("description", "")
    return "HELD" if desc.startswith("HELD") else "TUNE" if desc.startswith("TUNE") else "OPEN"


def breakdown(path: Path, *, detail: bool) -> Counter[str]:
    hist, key_of, entry_runs, sc = build_history(path, False)
    indexes = HistoryIndexCache()
    counts: Counter[str] = Counter()
    show = detail and _split(path) != "HELD"
    for chk in sc.data["expect"]["checks"]:
        got = synthesis.check(fill(chk["text"], sc.ids), hist, indexes=indexes)
        cited = cited_keys(got.matches, key_of, entry_runs)
        want = chk.get("cite_runs_any")
        counts["total"] += 1
        if got.already_tried and not chk["already_tried"]:
            runs = any(m.run_ids for m in got.matches)
            cond = "false_tried_run" if runs else "false_tried_note"
        elif chk["already_tried"] and not got.already_tried:
            cond = "missed_planned" if got.planned else "missed_closest" if got.matches else "missed_none"
        elif got.already_tried and want and not cited & set(want):
            cond = "wrong_cite"
        else:
            cond = "ok"
        counts[cond] += 1
        if show and cond != "ok":
            print(f"  {cond:17} {path.stem}: {chk['text'][:80]!r} cited {sorted(cited)} want {want or ''} "
                  f"| {got.message[:140]}")
    return counts


def main(argv: list[str]) -> int:
    detail = "--detail" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or [DATA]
    files = [f for p in paths for f in (sorted(p.glob("*.json")) if p.is_dir() else [p])]
    sums: dict[str, Counter[str]] = {}
    for f in files:
        if "sealed" in str(f):
            continue  # never scored here
        sums.setdefault(_split(f), Counter()).update(breakdown(f, detail=detail))
    for split, c in sorted(sums.items()):
        fails = ", ".join(f"{k} {v}" for k, v in sorted(c.items()) if k not in ("ok", "total"))
        print(f"{split}: {c['ok']}/{c['total']}  {fails or 'no failures'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
