"""Counts of the real-phase fixtures by split: the four checks of ``test_phase_real`` (best, closed, open, not
wrongly closed) passed over those asked.

Held files print totals only (no file line, no miss): they are measured, never read. Tune files print a line each
with the checks that failed.

    .venv/bin/python -m tests.narrative.phase_counts [--tune-only]
"""

from __future__ import annotations

import json
import sys

from tests.narrative.test_phase_real import FILES, _phase_checks


def main(argv: list[str]) -> int:
    tune_only = "--tune-only" in argv
    totals: dict[str, list[int]] = {}
    for path in FILES:
        split = json.loads(path.read_text())["split"]
        if split == "held" and tune_only:
            continue
        got = _phase_checks(path)
        if split != "held":
            missed = sorted(k for k, ok in got.items() if not ok)
            print(f"{split} {path.stem:<40} {sum(got.values())}/{len(got)} {' '.join(missed)}")
        total = totals.setdefault(split, [0, 0])
        total[0] += sum(got.values())
        total[1] += len(got)
    for split, (passed, asked) in sorted(totals.items()):
        print(f"TOTAL {split}: {passed}/{asked}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
