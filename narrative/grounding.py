"""Truth rules 2 and 3, applied to every engine's output before it is shown or stored.

* A run id survives only if it is one of the candidates (runs of the author's window, runs the text
  names or pastes, runs COCO has seen) — and it is then described with the tracker's values, never
  the engine's.
* A number in a section item must be a number the person wrote or a tracker value of a linked run;
  an item with a number that is neither is dropped and counted.
* Citations in answers, checks and phase reports must point at entries and runs that exist.
* Prose written over a project's history (phase findings, digest lines, next-experiment plans,
  decision records, answers) may only use numbers that the history holds: a person's own words, a
  run's tracker values, dates of entries and runs. A sentence or line with any other number is
  dropped (``allowed_numbers=`` / ``history_numbers``).

Every drop is counted in ``DROPPED`` (by kind) and logged.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from narrative.types import (
    Answer,
    BestRun,
    CheckResult,
    Citation,
    DecisionDoc,
    Digest,
    DigestLine,
    NextPlan,
    PhaseReport,
    ProjectHistory,
)
from storage.records import Conclusion, EntryStructure, LinkedRun, RunSnapshot

log = logging.getLogger("coco.grounding")

# What grounding has dropped since the process started, by kind ("run", "item", "title", "decision",
# "citation", "sentence", "line", "experiment", ...): the measure of how much an engine makes up.
DROPPED: Counter[str] = Counter()


def _count(kind: str, n: int = 1) -> None:
    if n:
        DROPPED[kind] += n

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
                _count("run")
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
    # A linked run's own id, name and params are tracker values too ("lr 3e-4 on xgb-depth6").
    for r in runs:
        allowed_numbers |= _run_numbers(candidates[r.run_id])

    def verified(item: str) -> bool:
        unknown = numbers_in(item) - allowed_numbers
        if unknown:
            dropped.append(f"item with {sorted(unknown)[:3]}")
            _count("item")
        return not unknown

    conclusions = [
        Conclusion(text=c.text, verdict=c.verdict, run_ids=[r for r in c.run_ids if r in seen])
        for c in structure.conclusions
        if verified(c.text)
    ]
    decisions = [
        d.model_copy(update={"run_ids": [r for r in d.run_ids if r in seen]})
        for d in structure.decisions
        if verified(d.text)
    ]
    title = structure.title if verified(structure.title) else ""
    grounded = structure.model_copy(
        update={
            "title": title,
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
        # The items are the person's words: only their count is logged above DEBUG (issue 11).
        log.info("grounding dropped %d unverifiable item(s)", len(dropped))
        log.debug("grounding dropped: %s", "; ".join(dropped[:10]))
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


def ground_answer(
    answer: Answer, *, entry_ids: set[str], run_ids: set[str], allowed_numbers: set[str] | None = None
) -> Answer:
    """Citations must exist; with ``allowed_numbers``, sentences with an unverifiable number go too."""
    text = answer.answer
    if allowed_numbers is not None:
        text = verified_sentences(text, allowed_numbers)
        if not text.strip() and answer.answer.strip():
            text = "I could not verify an answer against the project's entries and runs."
    return answer.model_copy(
        update={"answer": text,
                "citations": _ground_citations(answer.citations, entry_ids=entry_ids, run_ids=run_ids)}
    )


def ground_check(result: CheckResult, *, entry_ids: set[str], run_ids: set[str]) -> CheckResult:
    matches = []
    for m in result.matches:
        entry = m.entry_id if m.entry_id in entry_ids else None
        runs = [r for r in m.run_ids if r in run_ids]
        if entry or runs:
            matches.append(m.model_copy(update={"entry_id": entry, "run_ids": runs}))
    return result.model_copy(update={"matches": matches, "already_tried": result.already_tried and bool(matches)})


def ground_phase(
    report: PhaseReport,
    *,
    runs: Mapping[str, RunSnapshot],
    entry_ids: set[str],
    allowed_numbers: set[str] | None = None,
) -> PhaseReport:
    """Best run and citations against the tracker; with ``allowed_numbers``, the prose too."""
    if allowed_numbers is not None:
        report = report.model_copy(
            update={
                "findings": verified_lines(report.findings, allowed_numbers),
                "next_steps": verified_lines(report.next_steps, allowed_numbers),
                "summary": verified_sentences(report.summary, allowed_numbers),
                "best_reason": verified_sentences(report.best_reason, allowed_numbers),
                "approaches": [
                    a.model_copy(update={"reason": verified_sentences(a.reason, allowed_numbers)})
                    for a in report.approaches
                ],
            }
        )
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


# -- prose over a project's history -----------------------------------------------------------------
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(\[*-])|\n+")


def _run_numbers(run: RunSnapshot) -> set[str]:
    found = numbers_in(run.run_id) | numbers_in(run.run_name) | numbers_in(run.start.date().isoformat())
    for key, value in run.params.items():
        found |= numbers_in(key) | numbers_in(value)
    for key in run.metrics:
        found |= numbers_in(key)  # "f1@10", "recall_at_5"
    return found


def history_numbers(history: ProjectHistory, *, extra_text: str = "") -> set[str]:
    """Every number a synthesis over ``history`` may state: the people's own words (entries, decisions,
    ``extra_text`` such as the question or the stated deadline), the tracker's values of the runs
    (metrics at the usual roundings, params, names, ids) and the dates of entries and runs."""
    allowed = numbers_in(extra_text) | numbers_in(history.now.date().isoformat())
    for entry in history.entries:
        allowed |= numbers_in(entry.raw_text) | numbers_in(entry.at.date().isoformat()) | numbers_in(entry.id)
    for decision in history.decisions:
        allowed |= numbers_in(f"{decision.text} {decision.rationale} {decision.at.date().isoformat()}")
    for change in history.project.metric_history:
        allowed |= numbers_in(change.metric) | numbers_in(change.reason) | numbers_in(change.at.date().isoformat())
    for metric in filter(None, [history.project.primary_metric]):
        allowed |= numbers_in(metric)
    allowed |= _metric_forms(v for r in history.runs.values() for v in r.metrics.values())
    for run in history.runs.values():
        allowed |= _run_numbers(run)
    return allowed


def unverified_numbers(text: str, allowed_numbers: set[str]) -> set[str]:
    return numbers_in(text) - allowed_numbers


def verified_sentences(text: str, allowed_numbers: set[str]) -> str:
    """``text`` without the sentences that state a number the history does not hold."""
    if not text or not (numbers_in(text) - allowed_numbers):
        return text
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        unknown = numbers_in(sentence) - allowed_numbers
        if unknown:
            _count("sentence")
            log.info("grounding dropped a sentence with %s", sorted(unknown)[:3])
            continue
        kept.append(sentence.strip())
    return " ".join(s for s in kept if s)


def verified_lines(lines: Iterable[str], allowed_numbers: set[str]) -> list[str]:
    kept: list[str] = []
    for line in lines:
        unknown = numbers_in(line) - allowed_numbers
        if unknown:
            _count("line")
            log.info("grounding dropped a line with %s", sorted(unknown)[:3])
            continue
        kept.append(line)
    return kept


def _ground_digest_lines(
    lines: Iterable[DigestLine], *, entry_ids: set[str], run_ids: set[str], allowed_numbers: set[str] | None
) -> list[DigestLine]:
    kept: list[DigestLine] = []
    for line in lines:
        if allowed_numbers is not None and numbers_in(line.text) - allowed_numbers:
            _count("line")
            log.info("grounding dropped a digest line with %s", sorted(numbers_in(line.text) - allowed_numbers)[:3])
            continue
        kept.append(line.model_copy(
            update={"citations": _ground_citations(line.citations, entry_ids=entry_ids, run_ids=run_ids)}
        ))
    return kept


def _ground_best(best: BestRun | None, runs: Mapping[str, RunSnapshot], metric: str | None) -> BestRun | None:
    """A best run is shown with the tracker's value; one the tracker does not know goes."""
    if best is None:
        return None
    snapshot = runs.get(best.run_id)
    name = best.metric or metric or ""
    if snapshot is None or name not in snapshot.metrics:
        _count("best")
        return None
    return best.model_copy(update={"value": snapshot.metrics[name], "run_name": snapshot.run_name,
                                   "url": snapshot.url or best.url})


def ground_digest(
    digest: Digest,
    *,
    runs: Mapping[str, RunSnapshot],
    entry_ids: set[str],
    allowed_numbers: set[str] | None = None,
) -> Digest:
    """Digest lines cite what exists and state only the history's numbers; best runs are the tracker's."""
    sections = {
        name: _ground_digest_lines(lines, entry_ids=entry_ids, run_ids=set(runs), allowed_numbers=allowed_numbers)
        for name, lines in digest.sections.items()
    }
    series = [point for point in digest.series if point[0] in runs]
    return digest.model_copy(
        update={
            "sections": sections,
            "series": series,
            "best": _ground_best(digest.best, runs, digest.primary_metric),
            "best_before": _ground_best(digest.best_before, runs, digest.primary_metric),
        }
    )


def ground_next_plan(
    plan: NextPlan,
    *,
    runs: Mapping[str, RunSnapshot],
    entry_ids: set[str],
    allowed_numbers: set[str] | None = None,
    metric: str | None = None,
) -> NextPlan:
    experiments = []
    for exp in plan.experiments:
        if allowed_numbers is not None and numbers_in(f"{exp.title} {exp.why}") - allowed_numbers:
            _count("experiment")
            continue
        experiments.append(exp.model_copy(
            update={"citations": _ground_citations(exp.citations, entry_ids=entry_ids, run_ids=set(runs))}
        ))
    missing = plan.missing_baseline
    pivot = plan.pivot
    if allowed_numbers is not None:
        missing = verified_sentences(missing, allowed_numbers) if missing else missing
        pivot = verified_sentences(pivot, allowed_numbers)
    return plan.model_copy(
        update={
            "experiments": experiments,
            "low_roi": _ground_digest_lines(
                plan.low_roi, entry_ids=entry_ids, run_ids=set(runs), allowed_numbers=allowed_numbers
            ),
            "missing_baseline": missing or None,
            "pivot": pivot,
            "best": _ground_best(plan.best, runs, metric),
        }
    )


def ground_decision(
    doc: DecisionDoc,
    *,
    runs: Mapping[str, RunSnapshot],
    entry_ids: set[str],
    allowed_numbers: set[str] | None = None,
) -> DecisionDoc:
    """Finalists are described with the tracker's metrics; the selection must be a finalist."""
    finalists = []
    for f in doc.finalists:
        snapshot = runs.get(f.run_id)
        if snapshot is None:
            _count("finalist")
            continue
        finalists.append(f.model_copy(update={"metrics": dict(snapshot.metrics), "run_name": snapshot.run_name}))
    finalist_ids = {f.run_id for f in finalists}
    selected = doc.selected_run_id if doc.selected_run_id in finalist_ids else None
    if doc.selected_run_id and selected is None:
        _count("selection")
    rationale, tradeoffs = doc.rationale, list(doc.tradeoffs)
    if allowed_numbers is not None:
        rationale = verified_sentences(rationale, allowed_numbers)
        tradeoffs = verified_lines(tradeoffs, allowed_numbers)
    return doc.model_copy(
        update={
            "finalists": finalists,
            "selected_run_id": selected,
            "rationale": rationale,
            "tradeoffs": tradeoffs,
            "citations": _ground_citations(doc.citations, entry_ids=entry_ids, run_ids=set(runs)),
        }
    )
