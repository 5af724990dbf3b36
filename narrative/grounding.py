"""Truth rules 2 and 3, applied to every engine's output before it is shown or stored.

* A run id survives only if it is one of the candidates (runs of the author's window, runs the text
  names or pastes, runs COCO has seen) — and it is then described with the tracker's values, never
  the engine's.
* A number in a section item must be a number the person wrote or a tracker value of a linked run;
  an item with a number that is neither is dropped and counted.
* Citations in answers, checks and phase reports must point at entries and runs that exist.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

from narrative.types import Answer, CheckResult, Citation, PhaseReport
from storage.records import Conclusion, EntryStructure, LinkedRun, RunSnapshot

log = logging.getLogger("coco.grounding")

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+(?:[.,]\d+)*|\.\d+)(?:[eE][-+]?\d+)?%?")


def numbers_in(text: str) -> set[str]:
    """Every number of ``text`` in canonical forms (``.809`` and ``0.809`` and ``80.9%`` agree)."""
    found: set[str] = set()
    for token in _NUMBER.findall(text):
        found |= _canonical(token)
    return found


def _canonical(token: str) -> set[str]:
    raw = token.rstrip("%").replace(",", "")
    try:
        value = float(raw)
    except ValueError:
        return {token}
    forms = {f"{value:.6g}"}
    if token.endswith("%") or 1 < abs(value) <= 100:
        forms.add(f"{value / 100:.6g}")  # "89.3" or "89.3%" said of a 0.893 metric
    return forms


def _metric_forms(values: Iterable[float]) -> set[str]:
    forms: set[str] = set()
    for value in values:
        for digits in (1, 2, 3, 4):
            forms.add(f"{round(value, digits):.6g}")
            forms.add(f"{round(value * 100, max(digits - 2, 0)):.6g}")
    return forms


def ground_structure(
    structure: EntryStructure,
    *,
    person_text: str,
    candidates: Mapping[str, RunSnapshot],
) -> EntryStructure:
    """Keep only verifiable runs and items; describe runs with the tracker's own values."""
    dropped: list[str] = []
    runs: list[LinkedRun] = []
    seen: set[str] = set()
    for linked in structure.runs:
        snapshot = candidates.get(linked.run_id)
        if snapshot is None or linked.run_id in seen:
            if snapshot is None:
                dropped.append(f"run {linked.run_id}")
            continue
        seen.add(linked.run_id)
        runs.append(
            LinkedRun(
                run_id=snapshot.run_id,
                run_name=snapshot.run_name,
                how=linked.how,
                metrics=dict(snapshot.metrics),
                url=snapshot.url,
                status=snapshot.status,
                user=snapshot.user,
            )
        )
    allowed_numbers = numbers_in(person_text) | _metric_forms(
        v for r in runs for v in candidates[r.run_id].metrics.values()
    )

    def verified(item: str) -> bool:
        unknown = numbers_in(item) - allowed_numbers
        if unknown:
            dropped.append(f"item with {sorted(unknown)[:3]}")
        return not unknown

    conclusions = [
        Conclusion(text=c.text, verdict=c.verdict, run_ids=[r for r in c.run_ids if r in seen])
        for c in structure.conclusions
        if verified(c.text)
    ]
    decisions = [d.model_copy(update={"run_ids": [r for r in d.run_ids if r in seen]}) for d in structure.decisions]
    grounded = structure.model_copy(
        update={
            "runs": runs,
            "hypotheses": [t for t in structure.hypotheses if verified(t)],
            "observations": [t for t in structure.observations if verified(t)],
            "conclusions": conclusions,
            "next_steps": [t for t in structure.next_steps if verified(t)],
            "open_questions": [t for t in structure.open_questions if verified(t)],
            "decisions": decisions,
        }
    )
    if dropped:
        log.info("grounding dropped %d unverifiable item(s): %s", len(dropped), "; ".join(dropped[:10]))
        grounded.warnings = [
            *grounded.warnings,
            f"{len(dropped)} statement(s) from the engine could not be verified against the tracker "
            "or your text and were left out.",
        ]
    return grounded


def _ground_citations(
    citations: Iterable[Citation], *, entry_ids: set[str], run_ids: set[str]
) -> list[Citation]:
    kept: list[Citation] = []
    for c in citations:
        entry = c.entry_id if c.entry_id in entry_ids else None
        runs = [r for r in c.run_ids if r in run_ids]
        if entry or runs:
            kept.append(Citation(entry_id=entry, run_ids=runs))
    return kept


def ground_answer(answer: Answer, *, entry_ids: set[str], run_ids: set[str]) -> Answer:
    return answer.model_copy(
        update={"citations": _ground_citations(answer.citations, entry_ids=entry_ids, run_ids=run_ids)}
    )


def ground_check(result: CheckResult, *, entry_ids: set[str], run_ids: set[str]) -> CheckResult:
    matches = []
    for m in result.matches:
        entry = m.entry_id if m.entry_id in entry_ids else None
        runs = [r for r in m.run_ids if r in run_ids]
        if entry or runs:
            matches.append(m.model_copy(update={"entry_id": entry, "run_ids": runs}))
    return result.model_copy(update={"matches": matches, "already_tried": result.already_tried and bool(matches)})


def ground_phase(report: PhaseReport, *, runs: Mapping[str, RunSnapshot], entry_ids: set[str]) -> PhaseReport:
    best = report.best
    if best is not None:
        snapshot = runs.get(best.run_id)
        metric = report.primary_metric or ""
        if snapshot is None or metric not in snapshot.metrics:
            best = None
        else:
            best = best.model_copy(
                update={"value": snapshot.metrics[metric], "run_name": snapshot.run_name, "url": snapshot.url}
            )
    approaches = [
        a.model_copy(update={"run_ids": [r for r in a.run_ids if r in runs],
                             "entry_ids": [e for e in a.entry_ids if e in entry_ids]})
        for a in report.approaches
    ]
    return report.model_copy(
        update={
            "best": best,
            "approaches": approaches,
            "citations": _ground_citations(report.citations, entry_ids=entry_ids, run_ids=set(runs)),
        }
    )
