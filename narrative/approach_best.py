"""The line of work the best run belongs to, named in the phase's best reason (round h/phase17).

"Best: gat-exp16, highest val_accuracy" said which run and which figure, never which line of work got there. A
line is credited with the best run only where ``approaches.derive`` already gives it that run as its own best (the
run carries the line's concept, and no narrower family the notes follow on its own claims it), and only a line
still open or adopted: a line the notes closed is not what the best run is said to come from, and a phrase line
(its runs are the ones its sentences cite) is not credited at all. A line every finished run carries is the setup,
not what sets the best run apart: it is not named either.
"""

from __future__ import annotations

from narrative.approaches import Approach
from narrative.history_index import HistoryIndex

_SHOWN = 3


def best_lines(idx: HistoryIndex, aps: list[Approach], best_run_id: str) -> str:
    """"; a run of: mixed precision (adopted)" or "" when no open or adopted line owns the best run."""
    metric = idx.metric_now()[0]
    done = [r.run_id for r in idx.runs if idx.valid(r, metric)]
    lines = [a for a in aps if a.best_run_id == best_run_id and a.status in ("adopted", "open")
             and not a.key.startswith("phrase:") and not all(a.key in idx.run_docs.cover(r) for r in done)]
    if not lines:
        return ""
    return "; a run of: " + ", ".join(f"{a.name} ({a.status})" for a in lines[:_SHOWN])
