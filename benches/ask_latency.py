"""Thread-answer (`ask`) latency on the large synthetic project of ``check_latency.py``: 100,000 runs, 10,000 entries.

    .venv/bin/python benches/ask_latency.py [--runs 100000] [--entries 10000] [--repeat 3]

Builds the same history, each entry with the features its writer stores with it (as the app's entries carry
them: without them the first answer also re-reads every entry's text, ~10 s at 10,000 entries, which no
deployed project pays), indexes it once (as the app's cache does), then times each kind of thread question a
team asks (why we stopped something, whether it helped, why a value was chosen, who ran a run, the best run, how
much something improved) on the warm index: the median of ``--repeat`` calls per question, wall and CPU, and the
median over all questions. No target is set yet; a thread answer is posted after Slack's 3 s acknowledgement, so
the figure to watch is the ratio against the previous commit's, run back to back on the same machine (it found a
why-question going from 11 ms to 1.9 s when a rule read every run's params per question).
"""

from __future__ import annotations

import argparse
import statistics
import time

from check_latency import build

from narrative import synthesis
from narrative.history_index import HistoryIndexCache

QUESTIONS = (
    "why did we abandon focal loss?",
    "did the mixup help?",
    "why isotonic?",
    "why did we go with adamw?",
    "did label smoothing help?",
    "who ran the lgbm run?",
    "how much did cosine schedule improve?",
    "what was the best auc?",
    "why did we go to r64?",
    "did the ctr features help?",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--entries", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    history = build(args.runs, args.entries, features=True)
    indexes = HistoryIndexCache(freeze_large=True)
    t0 = time.perf_counter()
    synthesis.answer(QUESTIONS[0], history, indexes=indexes)  # the cold index and the project's approaches, once
    print(f"{args.runs:,} runs, {args.entries:,} entries (features stored); first answer on a cold index "
          f"(builds it) {time.perf_counter() - t0:.2f} s")
    medians: list[float] = []
    for question in QUESTIONS:
        wall: list[float] = []
        cpu: list[float] = []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            synthesis.answer(question, history, indexes=indexes)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        medians.append(statistics.median(wall))
        wall_ms, cpu_ms = statistics.median(wall) * 1000, statistics.median(cpu) * 1000
        print(f"  {wall_ms:8.1f} ms wall  {cpu_ms:8.1f} ms CPU  {question}")
    print(f"warm answer: median over questions {statistics.median(medians) * 1000:.1f} ms, "
          f"max {max(medians) * 1000:.1f} ms (n={len(QUESTIONS)} x {args.repeat})")


if __name__ == "__main__":
    main()
