"""Thread answers: a few sentences in the team's words, the tracker's numbers, every source cited."""

from __future__ import annotations

import re

from narrative import vocab
from narrative.approaches import derive
from narrative.checking import PlanTerms, _covers, _score, plan_terms
from narrative.history_index import Fact, HistoryIndex, fmt, index_for
from narrative.types import Answer, Citation, ProjectHistory
from storage.records import RunSnapshot

MAX_RUNS = 6
_QWORDS = re.compile(r"^\s*(why|what|which|how|did|does|do|is|are|was|were|should|can|could|who|when|where)\b"
                     r"(\s+(did|do|does|is|are|was|were|we|not|n't|didn't|aren't|isn't))*", re.I)
_BEST = re.compile(r"\b(best|winner|leading|top|current (setup|model|config)|candidate|ship\w*|go with|"
                   r"production model)\b", re.I)
_WHY_STOP = re.compile(r"\b(why|reason)\b.*\b(stop|abandon|drop|park|not|n't|didn'?t|aren'?t|isn'?t|shelv|give up|"
                       r"gave up|kill|leave|left|switch)", re.I)
_SHIP = re.compile(r"\b(ship\w*|candidate|deploy\w*|production|prod|release)\b", re.I)
_COMPARE = re.compile(r"\b(compare|compared|vs\.?|versus|against|relative to|better than|worse than)\b", re.I)


class _Cites:
    def __init__(self, idx: HistoryIndex) -> None:
        self.idx = idx
        self.items: list[Citation] = []
        self.runs: set[str] = set()

    def add(self, entry_id: str | None, run_ids: list[str]) -> None:
        rids = [r for r in run_ids if r in self.idx.run_by_id]
        room = [r for r in rids if r not in self.runs]
        if len(self.runs | set(room)) > MAX_RUNS:
            room = room[: max(0, MAX_RUNS - len(self.runs))]
        eid = entry_id
        if eid is not None:
            eruns = set(self.idx.entry_runs.get(eid, []))
            if len(self.runs | set(room) | eruns) > MAX_RUNS:
                eid = None
            else:
                self.runs |= eruns
        self.runs |= set(room)
        if eid is None and not room:
            return
        for c in self.items:
            if c.entry_id == eid and eid is not None:
                c.run_ids = list(dict.fromkeys([*c.run_ids, *room]))
                return
        self.items.append(Citation(entry_id=eid, run_ids=room))


def _clip(text: str, n: int = 230) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3].rsplit(" ", 1)[0] + "..."


def _run_label(idx: HistoryIndex, r: RunSnapshot, metric: str | None) -> str:
    name = r.run_name or r.run_id[:8]
    if metric and metric in r.metrics:
        return f"{name} ({metric} {fmt(r.metrics[metric])})"
    return name


def _distinctive(idx: HistoryIndex, r: RunSnapshot, limit: int = 5) -> str:
    others = [o for o in idx.runs if o.run_id != r.run_id and o.params]
    counts: dict[tuple[str, str], int] = {}
    for o in others:
        for kv in o.params.items():
            counts[kv] = counts.get(kv, 0) + 1
    n = max(1, len(others))
    items = sorted(r.params.items(), key=lambda kv: counts.get(kv, 0))
    keep = [f"{k}={v}" for k, v in items if counts.get((k, v), 0) < 0.5 * n][:limit]
    return ", ".join(keep)


def _metrics_in(idx: HistoryIndex, text: str) -> list[str]:
    t = " " + vocab.norm(text) + " "
    found: list[tuple[int, str]] = []
    for key in idx.metric_keys:
        for w in sorted(vocab.metric_words(key), key=len, reverse=True):
            m = re.search(r"(?<![a-z0-9])" + re.escape(w) + r"(?![a-z0-9])", t)
            if len(w) >= 2 and m:
                found.append((m.start(), key))
                break
    # prefer validation metrics when two keys share a word ("auc" in val_auc and train_auc)
    out: list[str] = []
    for pos, _key in sorted(found):
        same = [k for p, k in found if p == pos]
        pick = next((k for k in same if k.lower().startswith("val")), same[0])
        if pick not in out:
            out.append(pick)
    return out


def _rank_facts(idx: HistoryIndex, terms: PlanTerms, prefer_closing: bool) -> list[tuple[float, Fact]]:
    cand: set[int] = set()
    for cid in terms.concepts:
        cand.update(idx.concept_facts.get(cid, ()))
        for c in vocab.CONCEPTS:
            if cid in c.broader:
                cand.update(idx.concept_facts.get(c.id, ()))
    for tok in terms.tokens:
        posting = idx.token_facts.get(tok, ())
        if len(posting) <= 400:
            cand.update(posting)
    out: list[tuple[float, Fact]] = []
    for i in cand:
        f = idx.facts[i]
        s, key_hit = _score(terms, f.concepts, f.toks)
        if terms.key_concepts and not key_hit:
            s *= 0.5
        if prefer_closing and (f.closing or f.negative):
            s += 0.15
        if f.kind == "sentence":
            s += 0.02
        if f.run_ids:
            s += 0.03
        out.append((s, f))
    out.sort(key=lambda x: (x[0], x[1].at), reverse=True)
    return out


def answer(question: str, history: ProjectHistory) -> Answer:
    idx = index_for(history)
    metric, goal = idx.metric_now()
    cites = _Cites(idx)
    parts: list[str] = []
    q = question.strip()
    qn = vocab.norm(q)

    # 1. why did the primary metric change?
    if re.search(r"\bmetric\b", qn) and re.search(r"\b(switch|chang|move|why)\w*", qn) and idx.switches():
        for at, m, g, reason, eid in idx.switches()[-2:]:
            before = _sentences_before(idx, eid, reason)
            parts.append(f"On {at:%Y-%m-%d} the primary metric became {m} ({g}): \"{_clip(reason, 200)}\"")
            if before:
                parts.append(f"Context: \"{_clip(before, 220)}\"")
            cites.add(eid, [])
        best = idx.best_run()
        if best is not None and metric:
            parts.append(f"Best by {metric} now: {_run_label(idx, best, metric)}.")
            cites.add(None, [best.run_id])
        return _finish(parts, cites)

    metrics_named = _metrics_in(idx, q)
    body = _QWORDS.sub(" ", q)
    terms = plan_terms(body, idx)
    facts = _rank_facts(idx, terms, bool(_WHY_STOP.search(q)))
    topical = [(s, f) for s, f in facts if s >= 0.45]

    # 3. comparisons that name a group of runs ("the nightly retrain")
    run_hits = _rank_runs(idx, terms)
    if _COMPARE.search(q) and run_hits and (not topical or run_hits[0][0] > topical[0][0]):
        group = [idx.run_by_id[r] for s, r in run_hits if s >= run_hits[0][0] - 1e-9][:50]
        latest = max(group, key=lambda r: r.start)
        gb = idx.best_run(metric, goal, group) if metric else None
        best = idx.best_run()
        parts.append(f"Latest matching run: {_run_label(idx, latest, metric)}"
                     + (f"; best of them: {_run_label(idx, gb, metric)}" if gb and gb is not latest else "") + ".")
        cites.add(None, [latest.run_id] + ([gb.run_id] if gb else []))
        if best is not None:
            parts.append(f"Best experiment overall: {_run_label(idx, best, metric)}.")
            cites.add(None, [best.run_id])
            if metric and metric in latest.metrics:
                gap = best.metrics[metric] - latest.metrics[metric]
                parts.append(f"Gap: {fmt(abs(gap))} on {metric}.")
        return _finish(parts, cites)

    # 2. best run questions (optionally per metric)
    if _BEST.search(q) and not terms.key_concepts:
        wanted = metrics_named or ([metric] if metric else [])
        bests: list[RunSnapshot] = []
        for m in wanted[:3]:
            g = goal if m == metric else ("min" if vocab.metric_goal(m) == "min" else "max")
            b = idx.best_run(m, g)
            if b is None:
                continue
            bests.append(b)
            extra = "" if m != metric or len(wanted) > 1 else f"; config: {_distinctive(idx, b)}"
            parts.append(f"Best by {m}: {_run_label(idx, b, m)}{extra}.")
            cites.add(None, [b.run_id])
        if len(bests) >= 2:
            same = len({b.run_id for b in bests}) == 1
            parts.append("It is the same run." if same else "They are different runs.")
        if _SHIP.search(q):
            pick = next((f for f in reversed(idx.facts) if f.adopting and _SHIP.search(f.text)), None)
            if pick is not None:
                parts.insert(0, f"{pick.author} ({pick.at:%Y-%m-%d}): \"{_clip(pick.text, 220)}\"")
                cites.add(pick.entry_id, pick.run_ids)
        for _, f in topical[:2]:
            if f.adopting or f.closing or not bests:
                parts.append(f"{f.author} ({f.at:%Y-%m-%d}): \"{_clip(f.text, 200)}\"")
                cites.add(f.entry_id, f.run_ids)
        if not bests and metric:
            parts.append(f"No finished run has {metric} yet.")
        return _finish(parts, cites)

    # 4. topical: why / did it help / is it worth it
    if not topical:
        return Answer(answer="I found nothing in the log or the tracker about that.", citations=[])
    approaches = derive(idx)
    ap = next((a for a in approaches if a.key in terms.key_concepts and a.status != "open"), None)
    if ap is None:
        ap = next((a for a in approaches if a.key in terms.key_concepts), None)
    if ap is not None:
        state = {"abandoned": "was abandoned", "exhausted": "was closed (no gain)", "adopted": "was adopted",
                 "open": "is still open"}[ap.status]
        why = f" ({ap.reason_kind})" if ap.reason_kind and ap.status != "open" else ""
        parts.append(f"{ap.name} {state}{why}.")
    for used, (_s, f) in enumerate(topical):
        if used >= 2:
            break
        parts.append(f"{f.author} ({f.at:%Y-%m-%d}): \"{_clip(f.text)}\"")
        runs = _useful_runs(idx, terms, f)
        cites.add(f.entry_id, runs)
    # tracker numbers for the runs behind it
    cited = [idx.run_by_id[r] for c in cites.items for r in c.run_ids]
    if not cited and ap is not None:
        cited = [idx.run_by_id[r] for r in ap.run_ids[:3]]
        cites.add(None, [r.run_id for r in cited])
    if metric and cited:
        nums = [_run_label(idx, r, metric) for r in cited[:3] if metric in r.metrics]
        if nums:
            parts.append("Tracker: " + "; ".join(nums) + ".")
    return _finish(parts, cites)


def _useful_runs(idx: HistoryIndex, terms: PlanTerms, f: Fact) -> list[str]:
    runs = list(f.run_ids)
    if terms.key_concepts:
        keyed = [r for r in runs if any(_covers(idx.run_docs[r].concepts, c) for c in terms.key_concepts)]
        runs = keyed or runs
        if not runs:
            pool = [r for c in terms.key_concepts for r in idx.concept_runs.get(c, [])]
            linked = set(idx.entry_runs.get(f.entry_id, []))
            runs = [r for r in pool if r in linked] or pool[:3]
    return runs[:3]


def _rank_runs(idx: HistoryIndex, terms: PlanTerms) -> list[tuple[float, str]]:
    if not terms.tokens and not terms.key_concepts:
        return []
    out = []
    for rid, doc in idx.run_docs.items():
        s, _ = _score(terms, doc.concepts, doc.toks)
        if s >= 0.5:
            out.append((s, rid))
    out.sort(reverse=True)
    return out


def _sentences_before(idx: HistoryIndex, entry_id: str | None, reason: str) -> str:
    if entry_id is None:
        return ""
    sents = [f for f in idx.facts if f.entry_id == entry_id and f.kind == "sentence"]
    for i, f in enumerate(sents):
        if reason[:40] and (reason[:40] in f.text or f.text[:40] in reason):
            return " ".join(s.text for s in sents[max(0, i - 2): i])
    return ""


def _finish(parts: list[str], cites: _Cites) -> Answer:
    text = " ".join(p for p in parts if p)
    if len(text) > 880:
        text = text[:877].rsplit(" ", 1)[0] + "..."
    return Answer(answer=text or "I found nothing about that.", citations=cites.items)
