"""The model-selection decision record: every criterion the person named, measured where the tracker
can measure it, otherwise left as the person's judgement to fill in.

A criterion is measured from a metric the finalists logged (named in the criterion, exactly or by the
words a team uses for it) or from the run's wall time (start and end times) when it speaks of time or
speed. Nothing else is guessed: a criterion such as "interpretability" is listed with an empty cell
for the person to fill, never dropped. Values are the tracker's; a trade-off is said only when the
difference is one a person would notice (a different rounded value, or a wall time at least 10% and
one second apart).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from narrative import vocab
from narrative.approaches import derive
from narrative.history_index import HistoryIndex, fmt
from narrative.reproduce import note_on_run
from narrative.types import (
    Citation,
    CriterionMeasure,
    DecisionDoc,
    Finalist,
)
from storage.records import Goal, RunSnapshot

WALL_TIME = "wall time"
JUDGEMENT = "your judgement: fill in"
# Words that make a criterion about how long a run takes (measured from the tracker's start and end).
_TIME_WORDS = re.compile(
    r"\b(train(ing)?[ _-]?(time|minutes?|hours?|duration|cost|speed)|wall[ _-]?(clock|time)|run ?time|runtime|"
    r"duration|minutes?|hours?|faster|slower|speed|quick(er)?|time to train|compute|gpu[ _-]?hours?)\b",
    re.I,
)
# Time and speed of inference are a measurement the run has to log; wall time of training is not it.
_INFERENCE = re.compile(r"\b(inference|latency|serving|predict(ion)?s?|throughput|qps)\b", re.I)
# Words of a criterion that say which way or how much, not which metric.
_NOT_NAMES = frozenset({
    "a", "an", "the", "of", "on", "in", "is", "are", "be", "to", "and", "or", "lower", "higher", "better", "worse",
    "best", "low", "high", "min", "max", "minimise", "minimize", "maximise", "maximize", "less", "more", "smaller",
    "larger", "bigger",
})
_UNITS = frozenset({"ms", "s", "sec", "secs", "seconds", "mb", "gb", "kb", "pct", "percent"})
_MIN_SECONDS = 1.0
_MIN_RELATIVE = 0.10


def fmt_duration(minutes: float | None) -> str:
    """A run's wall time as a person reads it: seconds under a minute, hours past two."""
    if minutes is None:
        return "—"
    seconds = minutes * 60
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    if minutes < 120:
        return f"{minutes:.1f} min" if minutes < 10 else f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h"


def duration_minutes(run: RunSnapshot) -> float | None:
    if run.end is None or run.end < run.start:
        return None
    return (run.end - run.start).total_seconds() / 60.0


def _metric_for(criterion: str, keys: Sequence[str]) -> str | None:
    """The logged metric a criterion names: the key itself, a key inside the text, or the one key
    whose team words ("pr auc", "accuracy") the criterion uses."""
    text = criterion.strip()
    low = text.lower()
    by_low = {k.lower(): k for k in keys}
    if low in by_low:
        return by_low[low]
    inside = [k for k in keys if re.search(rf"(?<![\w/.-]){re.escape(k.lower())}(?![\w/-])", low)]
    if inside:
        return max(inside, key=len)
    words = vocab.norm(text)
    named = [k for k in keys if any(w and re.search(rf"\b{re.escape(w)}\b", words) for w in vocab.metric_words(k))]
    if len(named) == 1:
        return named[0]
    # "latency" names inference_latency_ms when that is the only key with the word.
    said = {w for w in words.split() if w not in _NOT_NAMES}
    by_token = [k for k in keys if said and said <= (set(vocab.norm(k).split()) - _UNITS)]
    return by_token[0] if len(by_token) == 1 else None


def _goal_for(metric: str, *, primary: str | None, goal: Goal, criterion: str) -> Goal:
    low = criterion.lower()
    if re.search(r"\b(lower|min(imi[sz]e)?|less|smaller|fewer)\b", low):
        return "min"
    if re.search(r"\b(higher|max(imi[sz]e)?|more|larger|bigger)\b", low):
        return "max"
    if metric == primary:
        return goal
    return "min" if vocab.metric_goal(metric) == "min" else "max"


def measure(criterion: str, runs: Sequence[RunSnapshot], *, primary: str | None, goal: Goal) -> CriterionMeasure:
    keys = sorted({k for r in runs for k in r.metrics})
    metric = _metric_for(criterion, keys)
    if metric is not None:
        g = _goal_for(metric, primary=primary, goal=goal, criterion=criterion)
        values = {r.run_id: r.metrics.get(metric) for r in runs}
        return CriterionMeasure(criterion=criterion, source="metric", metric=metric, goal=g, values=values,
                                best_run_id=_best_of(values, g))
    if _TIME_WORDS.search(criterion) and not _INFERENCE.search(criterion):
        values = {r.run_id: duration_minutes(r) for r in runs}
        return CriterionMeasure(criterion=criterion, source="wall_time", metric=WALL_TIME, goal="min", values=values,
                                best_run_id=_best_of(values, "min", duration=True))
    return CriterionMeasure(criterion=criterion, source="judgement", values={r.run_id: None for r in runs})


def _best_of(values: dict[str, float | None], goal: Goal, *, duration: bool = False) -> str | None:
    known = {k: v for k, v in values.items() if v is not None}
    if len(known) < 2:
        return None
    ordered = sorted(known.items(), key=lambda kv: kv[1], reverse=goal == "max")
    (first, a), (_, b) = ordered[0], ordered[1]
    return first if _differs(a, b, duration=duration) else None


def _differs(a: float, b: float, *, duration: bool) -> bool:
    """Whether two values differ by more than their presentation: what a person would call a difference."""
    if duration:
        gap = abs(a - b) * 60
        return gap >= _MIN_SECONDS and gap >= _MIN_RELATIVE * max(abs(a), abs(b)) * 60
    return fmt(a) != fmt(b)


def cell(m: CriterionMeasure, run_id: str) -> str:
    if m.source == "judgement":
        return "_fill in_"
    value = m.values.get(run_id)
    if value is None:
        return "not logged" if m.source == "metric" else "no end time"
    text = fmt_duration(value) if m.source == "wall_time" else fmt(value)
    return f"**{text}**" if m.best_run_id == run_id else text


def how_measured(m: CriterionMeasure) -> str:
    if m.source == "metric":
        return f"metric `{m.metric}` ({'higher' if m.goal == 'max' else 'lower'} is better)"
    if m.source == "wall_time":
        return "wall time from the tracker's start and end times (lower is better)"
    return JUDGEMENT


def decide(
    idx: HistoryIndex, *, finalists: Sequence[str], criteria: Sequence[str], context: str = ""
) -> DecisionDoc:
    history = idx.history
    metric, goal = idx.metric_now()
    runs: list[RunSnapshot] = []
    for ref in finalists:
        r = idx.run_by_id.get(ref) or next((x for x in idx.runs if x.run_id.startswith(ref)
                                            or x.run_name == ref), None)
        if r is not None and r not in runs:
            runs.append(r)
    fins = [Finalist(run_id=r.run_id, run_name=r.run_name, label=r.run_name or r.run_id[:8], metrics=dict(r.metrics),
                     duration_minutes=duration_minutes(r), url=r.url, status=r.status) for r in runs]
    crit = [c.strip() for c in criteria if c.strip()]
    if not crit:
        crit = ([metric] if metric else []) + ["training time"]
    elif metric and not any(_metric_for(c, [metric]) == metric for c in crit):
        crit.insert(0, metric)  # the project's primary metric is always a criterion of its decisions
    measures = [measure(c, runs, primary=metric, goal=goal) for c in crit]

    sel = idx.best_run(metric, goal, runs) if metric else None
    selected_by = metric
    if sel is None:  # no finalist logged the primary metric: the first measured metric decides
        first = next((m for m in measures if m.source == "metric" and m.best_run_id), None)
        if first is not None:
            sel = next(r for r in runs if r.run_id == first.best_run_id)
            selected_by = first.metric
    tradeoffs = _tradeoffs(sel, runs, measures)
    rationale = ""
    if sel is not None and selected_by:
        sel_goal = next((m.goal for m in measures if m.metric == selected_by), goal)
        rationale = (f"{sel.run_name or sel.run_id[:8]} has the {'highest' if sel_goal == 'max' else 'lowest'} "
                     f"{selected_by} ({fmt(sel.metrics[selected_by])}) among the finalists.")
        tied = [r.run_name or r.run_id[:8] for r in runs if r is not sel
                and selected_by in r.metrics and fmt(r.metrics[selected_by]) == fmt(sel.metrics[selected_by])]
        if tied:
            rationale += f" It ties with {', '.join(tied)} at this precision: the other criteria decide."
        judged = [m.criterion for m in measures if m.source == "judgement"]
        if judged:
            rationale += f" Not measured, for you to judge: {', '.join(judged)}."
        if context.strip():
            rationale += f" Context: {context.strip()[:300]}"
    cites = [Citation(entry_id=eid, run_ids=[r.run_id]) for r in runs for eid in idx.run_entries.get(r.run_id, [])[:1]]
    cites += [Citation(run_ids=[r.run_id]) for r in runs if not idx.run_entries.get(r.run_id)]
    trail, trail_cites = _history(idx, runs)
    doc = DecisionDoc(title=f"Model selection for {history.project.name}", criteria=crit, finalists=fins,
                      selected_run_id=sel.run_id if sel else None, rationale=rationale, tradeoffs=tradeoffs,
                      citations=cites + trail_cites, measures=measures, project=history.project.name,
                      date=history.now.date(), context=context.strip(), history=trail)
    return doc.model_copy(update={"markdown": markdown(doc)})


def _history(idx: HistoryIndex, finalists: Sequence[RunSnapshot]) -> tuple[list[str], list[Citation]]:
    """What an auditor asks next: how much was tried over how long, which lines of work were closed and
    why, and what the notes said of each finalist, every line from the log or the tracker and cited."""
    lines: list[str] = []
    cites: list[Citation] = []
    if idx.runs:
        first, last = idx.runs[0].start, idx.runs[-1].start
        people = sorted({r.user for r in idx.runs if r.user} | {e.author for e in idx.entries})
        days = (last.date() - first.date()).days + 1
        span = f"{days} day{'s' if days != 1 else ''}" if days < 14 else f"{round(days / 7)} weeks"
        lines.append(f"Experiments considered: {len(idx.runs)} runs and {len(idx.entries)} log entries over "
                     f"{span} ({first:%Y-%m-%d} – {last:%Y-%m-%d})"
                     + (f", by {', '.join(people[:6])}." if people else "."))
    for ap in derive(idx):
        if ap.status == "open" and not any(r.run_id in ap.run_ids for r in finalists):
            continue
        why = f" ({ap.reason})" if ap.reason and ap.status != "open" else ""
        lines.append(f"{ap.name} — {ap.status}{why}"[:300])
        cites.append(Citation(entry_id=ap.decided_by.entry_id if ap.decided_by else None, run_ids=ap.run_ids[:3]))
    for r in finalists:
        # the first note on each finalist, read as `coco reproduce` reads it
        e = next((idx.entry_by_id[eid] for eid in idx.run_entries.get(r.run_id, []) if eid in idx.entry_by_id), None)
        said = note_on_run(r, e) if e is not None else ""
        if e is not None and said:
            lines.append(f"{r.run_name or r.run_id[:8]}: {said}")
            cites.append(Citation(entry_id=e.id, run_ids=[r.run_id]))
    return lines, cites


def _tradeoffs(sel: RunSnapshot | None, runs: Sequence[RunSnapshot], measures: Sequence[CriterionMeasure]) -> list[str]:
    if sel is None:
        return []
    out: list[str] = []
    for r in runs:
        if r is sel:
            continue
        better: list[str] = []
        for m in measures:
            a, b = m.values.get(sel.run_id), m.values.get(r.run_id)
            if m.source == "judgement" or a is None or b is None:
                continue
            wins = b > a if m.goal == "max" else b < a
            if not wins or not _differs(a, b, duration=m.source == "wall_time"):
                continue
            if m.source == "wall_time":
                better.append(f"faster to train ({fmt_duration(b)} vs {fmt_duration(a)})")
            else:
                better.append(f"better {m.metric} ({fmt(b)} vs {fmt(a)})")
        name = r.run_name or r.run_id[:8]
        out.append(f"{name}: " + (", ".join(better) if better else
                                 f"no measured advantage over {sel.run_name or sel.run_id[:8]}"))
    judged = [m.criterion for m in measures if m.source == "judgement"]
    if judged and len(runs) > 1:
        out.append(f"not measured by the tracker, for you to weigh: {', '.join(judged)}")
    return out


def _run_link(f: Finalist) -> str:
    label = f.label or f.run_name or f.run_id[:8]
    return f"[{label}]({f.url})" if f.url else label


def markdown(doc: DecisionDoc) -> str:
    """The record as Markdown: a criteria table (one row per criterion, one column per finalist, each
    finalist linked to its run), the decision, the trade-offs, and what is left to the person."""
    fins = doc.finalists
    lines = [f"# {doc.title}", ""]
    if doc.date:
        lines += [f"Date: {doc.date:%Y-%m-%d}", ""]
    if doc.context:
        lines += [f"Context: {doc.context}", ""]
    lines += ["## Finalists", ""]
    for f in fins:
        mark = " — **selected**" if f.run_id == doc.selected_run_id else ""
        status = f", {f.status.lower()}" if f.status and f.status.upper() != "FINISHED" else ""
        lines.append(f"- {_run_link(f)} (`{f.run_id}`; wall time {fmt_duration(f.duration_minutes)}{status}){mark}")
    measures = doc.measures or [CriterionMeasure(criterion=c, source="judgement") for c in doc.criteria]
    if fins and measures:
        lines += ["", "## Criteria", ""]
        lines.append("| criterion | measured by | " + " | ".join(_run_link(f) for f in fins) + " |")
        lines.append("|---|---|" + "---|" * len(fins))
        for m in measures:
            lines.append(f"| {m.criterion} | {how_measured(m)} | " + " | ".join(cell(m, f.run_id) for f in fins) + " |")
    lines += ["", "## Decision", doc.rationale or "No finalist has a measured criterion to decide by: decide by "
              "judgement and write down why."]
    if doc.tradeoffs:
        lines += ["", "## Trade-offs", *(f"- {t}" for t in doc.tradeoffs)]
    if doc.history:
        lines += ["", "## History behind the choice", *(f"- {h}" for h in doc.history)]
    judged = [m.criterion for m in measures if m.source == "judgement"]
    if judged:
        lines += ["", "## For you to fill in", *(f"- {c}: _not measured by the tracker; your judgement_"
                                                 for c in judged)]
    return "\n".join(lines).rstrip() + "\n"
