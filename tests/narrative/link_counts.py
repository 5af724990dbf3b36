"""Counts of the real-links fixtures by split: true positives / expected, extra and wrong (must-not-link) links.

Held files print totals only (no file line, no miss): they are measured, never read. Tune files print a line each.

    .venv/bin/python -m tests.narrative.link_counts
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.narrative.scenario_loader import load_scenario

FIXTURES = Path(__file__).parent / "data" / "real_links"


def counts(path: Path) -> tuple[int, int, int, int]:
    from narrative.structuring import structure_entry

    scenario = load_scenario(path)
    key_of = {v: k for k, v in scenario.ids.items()}
    by_message = dict(scenario.requests)
    tp = expected_total = extra = wrong = 0
    for want in scenario.data["expect"]["entries"]:
        structure = structure_entry(by_message[want["message"]])
        got = {key_of[r.run_id] for r in structure.runs if r.run_id in key_of}
        expected = set(want["linked_runs"])
        tp, expected_total = tp + len(got & expected), expected_total + len(expected)
        extra += len(got - expected)
        wrong += len(got & set(want.get("must_not_link", [])))
    return tp, expected_total, extra, wrong


def main() -> int:
    totals: dict[str, list[int]] = {}
    for path in sorted(FIXTURES.glob("*.json")):
        split = json.loads(path.read_text())["split"]
        figures = counts(path)
        if split != "held":
            print(f"{split} {path.stem:<40} {figures[0]}/{figures[1]} extra {figures[2]} wrong {figures[3]}")
        total = totals.setdefault(split, [0, 0, 0, 0])
        for i, value in enumerate(figures):
            total[i] += value
    for split, (tp, expected, extra, wrong) in sorted(totals.items()):
        print(f"TOTAL {split}: {tp}/{expected} extra {extra} wrong {wrong}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
