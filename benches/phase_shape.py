"""The shape of ``coco phase`` on every stored scenario: how many approaches it lists, per status, and (for
scenarios that are not held) their names. Counts only for held fixtures; sealed folders are never read.

    .venv/bin/python benches/phase_shape.py [--names]
    .venv/bin/python benches/phase_shape.py --checks   # real_phase: the four checks, totals per split only
    .venv/bin/python benches/phase_shape.py --phase    # dev and open sets: the scorer's three phase checks

Runs the real structuring engine and the phase synthesis (as ``tests/narrative/test_phase_real.py`` and the
scorer's in-process twin do) on: the dev set (``../shared/eval/scenarios``), the open real set
(``tests/scenarios/real/*.json``), the synthetic open set (``tests/scenarios/*.json``) and
``tests/narrative/data/real_phase`` (its held files: counts only, no name, no text). ``candidates`` is the
number of lines of work the derivation found before the phase's cap (``approaches.derive``'s ``limit``).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from narrative import synthesis  # noqa: E402
from narrative.approaches import derive  # noqa: E402
from narrative.history_index import HistoryIndexCache  # noqa: E402
from tests.narrative.synthesis_dev import CLOSED, OPEN, build_history, has_any  # noqa: E402

SETS = {
    "dev": sorted((ROOT.parent.parent / "shared" / "eval" / "scenarios").glob("*.json")),
    "open-real": sorted((ROOT / "tests" / "scenarios" / "real").glob("*.json")),
    "open-synth": sorted((ROOT / "tests" / "scenarios").glob("*.json")),
    "real_phase": sorted((ROOT / "tests" / "narrative" / "data" / "real_phase").glob("*.json")),
}


def shape(path: Path) -> tuple[int, int, Counter[str], list[str]]:
    hist, _key_of, _entry_runs, _sc = build_history(path, False)
    indexes = HistoryIndexCache()
    ph = synthesis.phase(hist, indexes=indexes)
    candidates = len(derive(indexes.index(hist), limit=1000))
    return (len(ph.approaches), candidates, Counter(a.status for a in ph.approaches),
            [f"{a.name} [{a.status}]" for a in ph.approaches])


def checks(path: Path, by_name: bool) -> list[bool]:
    """``test_phase_real``'s four checks; ``by_name``: judged on the approach's name alone, as the official
    scorer does (the test reads the name and the reason)."""
    hist, key_of, _entry_runs, sc = build_history(path, False)
    ph = synthesis.phase(hist, indexes=HistoryIndexCache())
    want = sc.data["expect"]["phase"]

    def said(a: object) -> str:
        return a.name if by_name else f"{a.name} {a.reason}"  # type: ignore[attr-defined]

    listed = ph.approaches if not by_name or len(ph.approaches) <= 15 else []
    closed = [said(a) for a in listed if a.status in CLOSED]
    opened = [said(a) for a in listed if a.status in OPEN] + ph.next_steps
    closed_names = [a.name.lower() for a in ph.approaches if a.status in CLOSED]
    best = key_of.get(ph.best.run_id) if ph.best else None
    # an empty exhausted_any: the notes close no line, so nothing may be closed
    closed_ok = has_any(closed, want["exhausted_any"]) if want["exhausted_any"] else not closed_names
    return [best == want["best_run"], closed_ok,
            has_any(opened, want["open_any"]) if want["open_any"] else True,
            not any(n in name for n in want.get("must_not_close", []) for name in closed_names)]


def count_checks() -> int:
    for by_name in (False, True):
        tally: dict[str, list[int]] = {"tune": [0, 0], "held": [0, 0]}
        for path in SETS["real_phase"]:
            split = json.loads(path.read_text())["split"]
            got = checks(path, by_name)
            tally[split][0] += sum(got)
            tally[split][1] += len(got)
        how = "name only (scorer)" if by_name else "name + reason (test)"
        print(f"real_phase {how}: " + ", ".join(f"{k}: {a}/{b}" for k, (a, b) in tally.items()))
    return 0


def phase_scores() -> int:
    """The official scorer's three phase checks (best, a closed name, an open name or next step; more than 15
    approaches score none), in process, on the sets that are not held."""
    for set_name in ("dev", "open-real", "open-synth"):
        marks: list[float] = []
        for path in SETS[set_name]:
            got = checks(path, True)[:3]
            marks.append(sum(got) / 3)
            print(f"{set_name:<11} {path.stem:<38} phase {marks[-1]:.2f}  {'ok' if all(got) else got}")
        print(f"{set_name:<11} MEAN phase {statistics.mean(marks):.2f}")
    return 0


def main(argv: list[str]) -> int:
    if "--checks" in argv:
        return count_checks()
    if "--phase" in argv:
        return phase_scores()
    names = "--names" in argv
    counts: list[int] = []
    cands: list[int] = []
    wide: list[str] = []
    for set_name, paths in SETS.items():
        held_n = 0
        for path in paths:
            held = json.loads(path.read_text()).get("split") == "held"
            n, cand, by_status, listed = shape(path)
            counts.append(n)
            cands.append(cand)
            statuses = " ".join(f"{s}={by_status[s]}" for s in sorted(by_status))
            if held:
                held_n += 1
                label = f"held#{held_n}"
            else:
                label = path.stem
                if n > 10:
                    wide.append(f"{set_name}/{label}")
            print(f"{set_name:<11} {label:<38} approaches {n:>2} (candidates {cand:>2})  {statuses}")
            if names and not held:
                print("      " + "; ".join(listed))
    print(f"\n{len(counts)} scenarios; approaches listed: min {min(counts)} median {statistics.median(counts)} "
          f"max {max(counts)}; histogram {dict(sorted(Counter(counts).items()))}")
    print(f"candidates before the cap: median {statistics.median(cands)} max {max(cands)}; "
          f"over 12: {sum(c > 12 for c in cands)}, over 15: {sum(c > 15 for c in cands)}")
    print(f"listing more than 10 (not held): {wide}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
