"""Synthesis jobs of the local engine: check, answer, phase, digest, next plan, decision record.

Each job reads the history through its index: pass the engine's ``indexes`` cache to reuse one across
calls on the same history; without it a fresh index is built for the call.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from narrative import vocab
from narrative.answer_dates import date_answer
from narrative.answer_next import NEXT_Q, PAST_Q, next_answer, next_steps
from narrative.answer_status import asks_status, status_answer
from narrative.answering import answer as _answer
from narrative.approaches import Approach, derive
from narrative.checking import check as _check
from narrative.history_index import HistoryIndex, HistoryIndexCache, fmt
from narrative.types import (
    Answer,
    ApproachView,
    BestRun,
    CheckResult,
    Citation,
    DecisionDoc,
    Digest,
    DigestLine,
    NextExperiment,
    NextPlan,
    PhaseReport,
    ProjectHistory,
)

__all__ = ["answer", "check", "decide", "digest", "next_plan", "phase"]


def _index(history: ProjectHistory, indexes: HistoryIndexCache | None) -> HistoryIndex:
    return indexes.index(history) if indexes is not None else HistoryIndex(history)


def check(plan: str, history: ProjectHistory, *, indexes: HistoryIndexCache | None = None) -> CheckResult:
    return _check(plan, _index(history, indexes))


def answer(question: str, history: ProjectHistory, *, indexes: HistoryIndexCache | None = None) -> Answer:
    idx = _index(history, indexes)
    dated = date_answer(question, idx, now=history.now)
    if dated is not None:
        return dated
    if len(question) <= 300 and NEXT_Q.search(question) and not PAST_Q.match(question):
        got = next_answer(question, idx)
        if got is not None:
            return got
    if asks_status(question):
        status = status_answer(question, idx)
        if status is not None:
            return status
    return _answer(question, idx)


def _best(idx: HistoryIndex, until: dt.datetime | None = None) -> BestRun | None:
    metric, goal = idx.metric_now()
    r = idx.best_run(metric, goal, until=until)
    if r is None or metric is None:
        return None
    return BestRun(run_id=r.run_id, value=r.metrics[metric], run_name=r.run_name, url=r.url, metric=metric)


def _view(a: Approach) -> ApproachView:
    return ApproachView(name=a.name, status=a.status, reason=a.reason, run_ids=a.run_ids[:8],
                        entry_ids=a.entry_ids, best_value=a.best_value, best_run_id=a.best_run_id)


def phase(history: ProjectHistory, *, indexes: HistoryIndexCache | None = None) -> PhaseReport:
    idx = _index(history, indexes)
    metric, goal = idx.metric_now()
    best = _best(idx)
    aps = derive(idx)
    views = [_view(a) for a in aps]
    findings: list[str] = []
    citations: list[Citation] = []
    for f in idx.facts:
        if f.kind == "conclusion" and f.verdict == "worked":
            findings.append(f.text)
            citations.append(Citation(entry_id=f.entry_id, run_ids=f.run_ids[:3]))
    for a in aps:
        if a.status in ("abandoned", "exhausted", "adopted") and a.decided_by is not None:
            findings.append(f"{a.name}: {a.status} — {a.reason}"[:300])
            citations.append(Citation(entry_id=a.decided_by.entry_id, run_ids=a.decided_by.run_ids[:3]))
    best_reason = ""
    if best is not None:
        r = idx.run_by_id[best.run_id]
        disc = [f for f in idx.facts if best.run_id in f.run_ids]
        best_reason = (f"highest {metric}" if goal == "max" else f"lowest {metric}") + \
            f" among finished runs ({fmt(best.value)}, {r.run_name or r.run_id[:8]} by {r.user or '?'})"
        if disc:
            best_reason += f"; {disc[-1].author}: \"{disc[-1].text[:160]}\""
            citations.append(Citation(entry_id=disc[-1].entry_id, run_ids=[best.run_id]))
        else:
            citations.append(Citation(run_ids=[best.run_id]))
    switches = [f"{at:%Y-%m-%d}: primary metric -> {m} ({g}). {reason[:200]}"
                for at, m, g, reason, _ in idx.switches()]
    steps, step_cites = next_steps(idx, aps)
    citations += step_cites
    summary = (f"{_count(len(idx.entries), 'entry', 'entries')}, {_count(len(idx.runs), 'run', 'runs')}. "
               + (f"Best by {metric}: {best.run_name or best.run_id[:8]} ({fmt(best.value)}). " if best else "")
               + ", ".join(f"{n} {s}" for s, n in _counts(aps).items()))
    return PhaseReport(primary_metric=metric, goal=goal, best=best, best_reason=best_reason,
                       approaches=views, findings=findings[:12], next_steps=steps, metric_switches=switches,
                       citations=citations, summary=summary)


def _counts(aps: list[Approach]) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in aps:
        out[a.status] = out.get(a.status, 0) + 1
    return out


def digest(history: ProjectHistory, *, days: int = 7, indexes: HistoryIndexCache | None = None) -> Digest:
    idx = _index(history, indexes)
    metric, goal = idx.metric_now()
    until = history.now
    since = until - dt.timedelta(days=days)
    best_now = _best(idx, until)
    best_before = _best(idx, since)
    sections: dict[str, list[DigestLine]] = {}
    if best_now is not None:
        if best_before is None or best_before.run_id != best_now.run_id:
            prev = f" (was {fmt(best_before.value)}, {best_before.run_name})" if best_before else ""
            text = f"New best {metric}: {best_now.run_name or best_now.run_id[:8]} {fmt(best_now.value)}{prev}"
        else:
            text = f"Best {metric} unchanged: {best_now.run_name} {fmt(best_now.value)}"
        ids = [best_now.run_id] + ([best_before.run_id] if best_before else [])
        sections["best"] = [DigestLine(text=text, citations=[Citation(run_ids=ids)])]
    new_entries = [e for e in idx.entries if since < e.at <= until]
    sections["entries"] = [DigestLine(
        text=f"{e.author}: {(e.structure.title if e.structure and e.structure.title else e.raw_text)[:120]}",
        citations=[Citation(entry_id=e.id, run_ids=idx.entry_runs.get(e.id, [])[:6])]) for e in new_entries]
    aps = derive(idx)
    moved: list[DigestLine] = []
    for a in aps:
        if a.last_at and since < a.last_at <= until and a.status != "open":
            moved.append(DigestLine(text=f"{a.name}: {a.status} — {a.reason[:160]}",
                                    citations=[Citation(entry_id=a.decided_by.entry_id if a.decided_by else None,
                                                        run_ids=a.run_ids[:3])]))
        elif a.first_at and since < a.first_at <= until:
            moved.append(DigestLine(text=f"{a.name}: opened", citations=[Citation(entry_id=a.entry_ids[0])]))
    sections["approaches"] = moved
    questions = [(e, q) for e in idx.entries for q in (e.structure.open_questions if e.structure else [])]
    sections["open_questions"] = [DigestLine(text=f"{q} (asked by {e.author} {e.at:%Y-%m-%d})",
                                             citations=[Citation(entry_id=e.id)]) for e, q in questions[:5]]
    series: list[tuple[str, dt.datetime, float, str]] = []
    ap_of: dict[str, str] = {}
    for a in aps:
        for r in a.run_ids:
            ap_of.setdefault(r, a.name)
    for snap in idx.runs:
        if metric and idx.valid(snap, metric) and snap.start <= until:
            series.append((snap.run_id, snap.start, snap.metrics[metric], ap_of.get(snap.run_id, "")))
    return Digest(project=history.project.name, since=since, until=until, primary_metric=metric, goal=goal,
                  best=best_now, best_before=best_before, sections=sections, series=series)


_DAYS = re.compile(r"\b(\d{1,3}(?:\.\d)?)\s{0,2}(hours?|hrs?|h|days?|d|weeks?|wks?|w)\b", re.I)
_NUMBER_WORDS = {"a": 1.0, "an": 1.0, "one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "six": 6.0,
                 "seven": 7.0, "eight": 8.0, "nine": 9.0, "ten": 10.0, "twelve": 12.0, "half a": 0.5,
                 "a couple of": 2.0, "couple of": 2.0, "a few": 3.0, "few": 3.0}
# "two weeks left", "a week to go", "half a day": the budget in words
_DAYS_WORDS = re.compile(r"\b(half a|a couple of|couple of|a few|few|an?|one|two|three|four|five|six|seven|eight|"
                         r"nine|ten|twelve)\s{1,2}(hours?|days?|weeks?)\b", re.I)
_SOON = re.compile(r"\b(tomorrow|tonight|end of (the )?day|eod|asap)\b|\bby (mon|tue|wed|thu|fri|sat|sun)\w{0,6}\b"
                   r"|\bend of (the )?week\b|\bthis week\b", re.I)
_GPUS = re.compile(r"\b(\d{1,3})\s{0,2}(x\s{0,2})?(gpus?|a100s?|h100s?|v100s?|t4s?)\b", re.I)
_ONE_GPU = re.compile(r"\b(one|a single|single|1) ?gpu\b", re.I)
_NO_GPU = re.compile(r"\b(cpu[- ]only|no gpus?|without (a )?gpus?|laptop)\b", re.I)
_TARGET = re.compile(r"\b(target|reach|hit|goal|need|get to|beat)\b.{0,24}?"
                     r"(?<![\w.])(\d{0,9}\.\d{1,9}|\d{1,9}(\.\d{1,9})?)(?![\w])", re.I)


@dataclass
class PlanContext:
    """What ``next --context`` says about the deadline, compute and target, read from plain words."""

    days: float | None = None
    gpus: int | None = None
    cpu_only: bool = False
    target: float | None = None
    text: str = ""

    @property
    def tight(self) -> bool:
        return (self.days is not None and self.days <= 3) or self.cpu_only or self.gpus == 1


def read_context(context: str) -> PlanContext:
    ctx = PlanContext(text=" ".join(context.split())[:300])
    t = ctx.text
    m = _DAYS.search(t)
    if m:
        n, unit = float(m.group(1)), m.group(2).lower()
        ctx.days = n / 24 if unit.startswith("h") else n * 7 if unit.startswith("w") else n
    elif (w := _DAYS_WORDS.search(t)) is not None:
        n, unit = _NUMBER_WORDS[" ".join(w.group(1).lower().split())], w.group(2).lower()
        ctx.days = n / 24 if unit.startswith("h") else n * 7 if unit.startswith("w") else n
    elif _SOON.search(t):
        ctx.days = 2.0
    g = _GPUS.search(t)
    if g:
        ctx.gpus = int(g.group(1))
    elif _ONE_GPU.search(t):
        ctx.gpus = 1
    ctx.cpu_only = bool(_NO_GPU.search(t))
    tm = _TARGET.search(t)
    if tm:
        ctx.target = float(tm.group(2))
    return ctx


def _minutes(idx: HistoryIndex, citations: list[Citation]) -> float | None:
    """Typical training time of the runs an experiment builds on (what one more try will cost)."""
    rids = [rid for c in citations for rid in (c.run_ids or idx.entry_runs.get(c.entry_id or "", []))]
    mins = [(r.end - r.start).total_seconds() / 60 for rid in rids
            if (r := idx.run_by_id.get(rid)) is not None and r.end is not None]
    return statistics.median(mins) if mins else None


def _shape(idx: HistoryIndex, experiments: list[NextExperiment], ctx: PlanContext, metric: str | None,
           goal: str) -> str:
    """Order and annotate the suggestions by the context: under a tight deadline or little compute the cheap
    ones first (by the training time of the runs they build on); a target gives the gap to close."""
    note = ""
    if ctx.tight:
        costs = {id(e): _minutes(idx, e.citations) for e in experiments}
        experiments.sort(key=lambda e: (costs[id(e)] is None, costs[id(e)] or 0.0, e.priority))
        budget = ctx.days * 24 * 60 if ctx.days is not None else None
        for e in experiments:
            c = costs[id(e)]
            if c is not None:
                fits = f", fits the {ctx.days:g}-day deadline" if budget and c * 3 <= budget else (
                    ", too long to repeat before the deadline" if budget else "")
                took = f"~{c:.0f} min" if c >= 1 else "under a minute"
                e.why = f"{e.why} (its runs take {took}{fits})"
        for i, e in enumerate(experiments, 1):
            e.priority = i
    best = idx.best_run(metric, goal) if metric else None  # type: ignore[arg-type]
    if ctx.target is not None and best is not None and metric:
        v = best.metrics[metric]
        gap = (ctx.target - v) if goal == "max" else (v - ctx.target)
        note = (f"Target {fmt(ctx.target)} on {metric}: the best run has {fmt(v)}, "
                + (f"{fmt(gap)} to go." if gap > 0 else "already reached."))
    if note and experiments:
        experiments[0].why = f"{experiments[0].why}; {note}"
        return ""
    return note


_BASELINES = ("logreg", "linear", "seasonal_naive", "tfidf", "naive_bayes", "linear_probe", "ets", "knn")
# lines of work whose floor is none of those (an agent's return, a tuned LLM's preference): a logistic or TF-IDF
# baseline measures nothing there, so none is asked for
_NO_FLOOR_OF_THAT_KIND = frozenset({"ppo", "policy_gradient", "dqn", "sac", "dpo", "rlhf", "preference_tuning"})


def next_plan(history: ProjectHistory, *, context: str = "", indexes: HistoryIndexCache | None = None) -> NextPlan:
    idx = _index(history, indexes)
    metric, goal = idx.metric_now()
    aps = derive(idx)
    experiments: list[NextExperiment] = []
    steps, step_cites = next_steps(idx, aps, limit=6)
    for s, c in zip(steps, step_cites, strict=False):
        if len(experiments) >= 3:
            break
        if s.startswith("open question: "):
            continue  # a question is no experiment to run (the phase lists it with the next steps)
        experiments.append(NextExperiment(title=s[:120], why="the team's own next step in the latest entries",
                                          priority=len(experiments) + 1, citations=[c]))
    for a in aps:
        if len(experiments) >= 3:
            break
        if a.status == "open":
            experiments.append(NextExperiment(
                title=f"push {a.name}", why=a.reason[:200] or "open line of work", priority=len(experiments) + 1,
                citations=[Citation(entry_id=a.entry_ids[0] if a.entry_ids else None, run_ids=a.run_ids[:3])]))
    low = [DigestLine(text=f"{a.name}: {a.status} ({vocab.reason_label(a.reason_kind, default='no gain')})",
                      citations=[Citation(entry_id=a.decided_by.entry_id if a.decided_by else None,
                                          run_ids=a.run_ids[:3])])
           for a in aps if a.status in ("exhausted", "abandoned")]
    have = set().union(*(d.concepts for d in idx.run_docs.values())) if idx.run_docs else set()
    missing = None
    if idx.runs and not (have & set(_BASELINES)) and not (have & _NO_FLOOR_OF_THAT_KIND):
        missing = ("No simple baseline run in the tracker (e.g. logistic/linear model, seasonal naive, TF-IDF + "
                   "linear): log one so gains are measured against a floor.")
    pivot = ""
    if metric:
        valid = [r for r in idx.runs if idx.valid(r, metric)]
        if len(valid) >= 6:
            sign = 1.0 if goal == "max" else -1.0
            best = valid[0].metrics[metric]
            gains: list[float] = []
            for r in valid[1:]:
                v = r.metrics[metric]
                gains.append(max(0.0, sign * (v - best)))
                best = v if sign * (v - best) > 0 else best
            noise = idx.seed_noise(metric) or 0.002
            if sum(gains[-5:]) <= 2 * noise:
                gained = sum(gains[-5:])
                moved = (f"improved {metric} by {fmt(gained)} in total" if gained > 0
                         else f"did not improve {metric}")
                pivot = (f"Diminishing returns: the last {_count(min(5, len(gains)), 'run', 'runs')} {moved} "
                         f"(seed noise ~{fmt(noise)}). Consider a bigger change "
                         "(data, features, problem framing) over more tuning.")
    ctx = read_context(context)
    note = _shape(idx, experiments, ctx, metric, goal)
    if note:
        pivot = f"{note} {pivot}".strip()
    return NextPlan(best=_best(idx), experiments=experiments, low_roi=low, missing_baseline=missing, pivot=pivot)


def decide(
    history: ProjectHistory, *, finalists: Sequence[str], criteria: Sequence[str], context: str = "",
    indexes: HistoryIndexCache | None = None,
) -> DecisionDoc:
    """The decision record (:mod:`narrative.decision`: every criterion measured or left to judge)."""
    from narrative.decision import decide as _decide

    return _decide(_index(history, indexes), finalists=finalists, criteria=criteria, context=context)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
