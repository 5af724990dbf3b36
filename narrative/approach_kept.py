"""A change every later run keeps is not a line given up (round h/phase17).

A lower figure after a change ("Introduced Automatic Mixed Precision for speedups -> 41.77%" after 45.19%) is read
by the structurer as "did not work", and the phase closed the line on it. But when every run its author made after
that note keeps the change on, with the very setting the judged run had, the current best run included, the author
did not give it up: what the runs show is that it was kept. The rule, stated generally: a change that every later
run of the author keeps, including the current best, is adopted, never exhausted or abandoned, unless a verdict
says it was dropped (a closing signal: "dropped AMP", "reverted", "Cancelled: ..."). Only for a line the notes
closed by a negative result alone, a concept the runs switch on by a setting (not a phrase, not a run's name), a
change (some earlier run of the author went without it), and at least ``_MIN_LATER`` later finished runs.
Kept out of ``approaches.py``, which is at its size limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from narrative import vocab
from storage.records import RunSnapshot

if TYPE_CHECKING:
    from narrative.approaches import Approach
    from narrative.history_index import HistoryIndex

# one later run keeping a setting may be the next run before the author got to it; two are a choice
_MIN_LATER = 2


def _carrying(cid: str, run: RunSnapshot) -> dict[str, str]:
    """The settings of ``run`` that switch ``cid`` on ("amp": "true" for mixed precision)."""
    return {k: v for k, v in run.params.items() if cid in vocab.cover(vocab.param_value_concepts(k, v))}


def kept_on(idx: HistoryIndex, aps: list[Approach]) -> None:
    """Turn each line closed by a lower figure into an adopted one when every later run of its author keeps it."""
    for ap in aps:
        _kept_on(idx, ap)


def _kept_on(idx: HistoryIndex, ap: Approach) -> None:
    fact = ap.decided_by
    if ap.status not in ("exhausted", "abandoned") or fact is None or ap.key.startswith("phrase:") \
            or ap.by_numbers or ap.reason_kind == "replaced" or any(e.signal == "closed" for e in ap.events):
        return
    metric, goal = idx.metric_now()
    if not metric:
        return
    cid = ap.key
    mine = [r for r in idx.runs if r.user == fact.author] or list(idx.runs)
    judged = [idx.run_by_id[r] for r in fact.run_ids if r in idx.run_by_id]
    before = [r for r in mine if r.start < fact.at]
    ref = max((r for r in judged or before if _carrying(cid, r)), key=lambda r: r.start, default=None)
    if ref is None:
        return
    setting = _carrying(cid, ref)
    # a change: some earlier run of the author went without it (a setting on in every run is the setup)
    if not any(not _carrying(cid, r) for r in before if r.start < ref.start):
        return
    later = [r for r in mine if r.start > fact.at and idx.valid(r, metric)]
    if len(later) < _MIN_LATER or not all(all(r.params.get(k) == v for k, v in setting.items()) for r in later):
        return
    best = idx.best_run(metric, goal)
    if best is None or best.run_id not in {r.run_id for r in later}:
        return
    ap.status, ap.reason_kind = "adopted", ""
    shown = ", ".join(f"{k}={v}" for k, v in sorted(setting.items()))
    ap.reason = (f"kept on: every later run keeps it ({shown}; {len(later)} runs, the best "
                 f"{best.run_name or best.run_id[:8]} included); told before: {' '.join(fact.text.split())}")[:400]
