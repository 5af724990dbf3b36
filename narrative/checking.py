""""You already tried this?" — compare a planned experiment with what the project's history holds.

The plan's main clause is mapped to concepts (paraphrases folded by ``narrative.vocab``) and content
tokens. Each sentence of every entry (with the runs it is about) and each run's params is a candidate;
a candidate matches when it covers the plan's *technique* and *object* together: the concept weight
plus the idf-weighted tokens of the plan that the candidate also holds. A plan that adds an object the
history never mentions ("... on device_model", "... with an LLM") is new even when its technique is old.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from narrative import vocab
from narrative.approaches import UMBRELLA, derive
from narrative.history_index import Fact, HistoryIndex, fmt, index_for
from narrative.types import CheckMatch, CheckResult, ProjectHistory

THRESHOLD = 0.62
MAX_CITED = 6
_CLAUSE_END = re.compile(
    r"\?\s+|\.\s+(?=[A-Za-z])|,?\s+(?:it'?s|it|since|because|so that|so the|so we|which|as it|that way|"
    r"hoping|in case|might|would|could)\s+(?=\w)|\s+-{1,2}\s+",
    re.I,
)
_ASIDE = re.compile(r"\b(instead of|rather than|in place of|similar to|as with|like(?! to\b)|e\.g\.?|such as)"
                    r"\s+[^,.;?!]*", re.I)
_ALSO = re.compile(r"\b(as well|too|also)\b", re.I)
_IDENT = re.compile(r"\b[A-Za-z]+[_][A-Za-z0-9_]+\b|\b[A-Za-z]+\d+[A-Za-z0-9]*\b|\b[a-z]+[A-Z][A-Za-z0-9]+\b")
_FILLER = re.compile(r"^\s*(what if we|what about|how about|should we( just)?|could we|can we|let'?s|"
                     r"i want to|we should|thinking (of|about)|planning to|i'?m going to|gonna|maybe|why not|"
                     r"i'?d like to|going to|plan:?|idea:?|next:?|try(ing)?)\b", re.I)


@dataclass
class PlanTerms:
    concepts: dict[str, float]  # concept -> weight
    tokens: dict[str, float]  # token -> weight
    key_concepts: set[str]


def main_clause(plan: str) -> str:
    text = plan.strip()
    parts = [p for p in _CLAUSE_END.split(text) if p and p.strip()]
    head = parts[0] if parts else text
    if not (vocab.concept_set(head) - UMBRELLA) and len(parts) > 1:
        # the first clause is only filler ("quick question?"): take the first with substance
        head = next((p for p in parts if vocab.concept_set(p) - UMBRELLA), head)
    return head


def plan_terms(plan: str, idx: HistoryIndex) -> PlanTerms:
    head = main_clause(plan)
    head = _ASIDE.sub(" ", head)
    head = _FILLER.sub(" ", head)
    also = bool(_ALSO.search(head))
    ident_parts: set[str] = set()
    for ident in _IDENT.findall(head):
        ident_parts |= {vocab.stem(t) for t in re.split(r"[_\-]", ident.lower()) if t}
    spans = vocab.concepts_in(head)
    normed = vocab.norm(head)
    concepts: dict[str, float] = {}
    covered_chars: set[int] = set()
    for cid, sp in spans.items():
        if not sp:
            continue
        c = vocab.CONCEPT_BY_ID[cid]
        if cid in UMBRELLA:
            w = 0.25
        elif not _in_history(idx, cid):
            w = 3.0  # a family or technique nobody has touched: the plan is about something new
        else:
            w = c.weight * (0.5 if also else 1.0)
        concepts[cid] = w
        for a, b in sp:
            covered_chars.update(range(a, b))
    # drop a broad concept when a narrower one was named
    for cid in list(concepts):
        for broad in vocab.CONCEPT_BY_ID[cid].broader:
            if broad in concepts and broad != cid:
                concepts[broad] = min(concepts[broad], 0.25)
    toks: dict[str, float] = {}
    max_idf = idx.idf("__never_seen__")
    for m in re.finditer(r"[a-z0-9][a-z0-9.:+']*[a-z0-9]|[a-z0-9]", normed):
        if any(i in covered_chars for i in range(m.start(), m.end())):
            continue
        raw = m.group(0).strip(".:+'")
        if not raw or raw in vocab.STOPWORDS:
            continue
        tok = vocab.stem(raw)
        if vocab.is_generic(tok) or len(tok) < 2:
            continue
        if re.fullmatch(r"\d+(\.\d+)?", tok):
            continue  # bare numbers are supporting detail, not the object of the plan
        df = idx.df.get(tok, 0)
        w = 0.5 if df == 0 else 0.3 + 0.7 * (idx.idf(tok) / max_idf)
        if tok in ident_parts:
            w += 0.8  # identifiers (device_model, dinov2) are the object of the plan
        toks[tok] = max(toks.get(tok, 0.0), w)
    key = {c for c in concepts if c not in UMBRELLA}
    return PlanTerms(concepts, toks, key)


def _in_history(idx: HistoryIndex, cid: str) -> bool:
    if idx.concept_facts.get(cid) or idx.concept_runs.get(cid):
        return True
    return any(cid in c.broader and (idx.concept_facts.get(c.id) or idx.concept_runs.get(c.id))
               for c in vocab.CONCEPTS)


def _near_concepts(terms: PlanTerms) -> set[str]:
    out = set(terms.key_concepts)
    for c in terms.key_concepts:
        out |= set(vocab.CONCEPT_BY_ID[c].broader)
    return out - UMBRELLA


def _covers(ctx: set[str], cid: str) -> bool:
    if cid in ctx:
        return True
    return any(cid in vocab.CONCEPT_BY_ID[c].broader for c in ctx)


def _score(terms: PlanTerms, concepts: set[str], toks: set[str]) -> tuple[float, bool]:
    total = covered = 0.0
    key_hit = False
    for cid, w in terms.concepts.items():
        total += w
        if _covers(concepts, cid):
            covered += w
            if cid in terms.key_concepts:
                key_hit = True
    for tok, w in terms.tokens.items():
        total += w
        if tok in toks:
            covered += w
    return (covered / total if total else 0.0), key_hit


def check(plan: str, history: ProjectHistory) -> CheckResult:
    idx = index_for(history)
    terms = plan_terms(plan, idx)
    if not terms.concepts and not terms.tokens:
        return CheckResult(already_tried=False, message="Nothing to compare: the plan names no technique.")
    # candidate facts: share a concept, or a rare token
    cand: set[int] = set()
    for cid in terms.concepts:
        if cid in UMBRELLA and terms.key_concepts:
            continue
        cand.update(idx.concept_facts.get(cid, ()))
        for c in vocab.CONCEPTS:
            if cid in c.broader:
                cand.update(idx.concept_facts.get(c.id, ()))
    for tok in terms.tokens:
        posting = idx.token_facts.get(tok, ())
        if 0 < len(posting) <= 400:
            cand.update(posting)
    near = _near_concepts(terms)
    scored: list[tuple[float, Fact, list[str]]] = []
    for i in cand:
        f = idx.facts[i]
        ctx_c = set(f.concepts)
        ctx_t = set(f.toks)
        for rid in f.run_ids[:4]:
            # what the technique was done to: the run's model family (not its other params)
            fam = idx.run_docs[rid].family
            ctx_c |= vocab.concept_set(fam)
            ctx_t |= set(vocab.tokens(fam))
        s, key_hit = _score(terms, ctx_c, ctx_t)
        if terms.key_concepts and not key_hit:
            s *= 0.5
        for rid in f.run_ids[:4]:
            doc = idx.run_docs[rid]
            rs, rk = _score(terms, doc.concepts, doc.toks_near(near))
            if rk or not terms.key_concepts:
                s = max(s, rs)
        scored.append((s, f, f.run_ids))
    # runs as candidates (params say what was done, even when nobody wrote it down)
    run_scores: dict[str, float] = {}
    run_cand: set[str] = set()
    for cid in terms.key_concepts:
        run_cand.update(idx.concept_runs.get(cid, ())[:2000])
        for c in vocab.CONCEPTS:
            if cid in c.broader:
                run_cand.update(idx.concept_runs.get(c.id, ())[:2000])
    for rid in run_cand:
        doc = idx.run_docs[rid]
        s, key_hit = _score(terms, doc.concepts, doc.toks_near(near))
        run_scores[rid] = s if key_hit else s * 0.5
    scored.sort(key=lambda x: (x[0], x[1].kind == "sentence", x[1].at), reverse=True)
    best_fact = scored[0][0] if scored else 0.0
    best_run = max(run_scores.values()) if run_scores else 0.0
    best = max(best_fact, best_run)
    tried = best >= THRESHOLD
    if not tried:
        closest = scored[0][1] if scored and scored[0][0] >= 0.35 else None
        msg = "Not tried yet as far as the log and the tracker show."
        if closest is not None:
            msg += f" Closest: {closest.author} on {closest.at:%Y-%m-%d}: \"{_clip(closest.text, 140)}\""
        return CheckResult(already_tried=False, matches=[], message=msg)
    return _build(idx, terms, scored, run_scores, best)


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3].rsplit(" ", 1)[0] + "..."


def _pick_runs(idx: HistoryIndex, terms: PlanTerms, fact_runs: list[str], run_scores: dict[str, float],
               cutoff: float) -> list[str]:
    def has_key(rid: str) -> bool:
        doc = idx.run_docs[rid]
        return any(_covers(doc.concepts, c) for c in terms.key_concepts) if terms.key_concepts else True

    chosen = [r for r in fact_runs if has_key(r)]
    if not chosen:
        good = sorted((r for r, s in run_scores.items() if s >= cutoff), key=lambda r: (-run_scores[r],
                                                                                     idx.run_by_id[r].start))
        chosen = good[:3]
    if not chosen:
        chosen = fact_runs[:2]
    return chosen[:3]


def _build(idx: HistoryIndex, terms: PlanTerms, scored: list[tuple[float, Fact, list[str]]],
           run_scores: dict[str, float], best: float) -> CheckResult:
    metric, _ = idx.metric_now()
    approaches = {a.key: a for a in derive(idx)}
    cited: set[str] = set()
    matches: list[CheckMatch] = []
    used_entries: set[str] = set()
    for s, f, _runs in scored:
        if s < max(THRESHOLD, best * 0.85) or f.entry_id in used_entries:
            continue
        rids = _pick_runs(idx, terms, f.run_ids, run_scores, THRESHOLD)
        new_cited = cited | set(rids)
        if len(new_cited) > MAX_CITED:
            continue
        entry_runs = set(idx.entry_runs.get(f.entry_id, []))
        entry_id: str | None = f.entry_id
        if len(new_cited | entry_runs) > MAX_CITED:
            entry_id = None
        else:
            new_cited |= entry_runs
        cited = new_cited
        used_entries.add(f.entry_id)
        ap = next((approaches[k] for k in terms.key_concepts if k in approaches), None)
        matches.append(CheckMatch(
            entry_id=entry_id, run_ids=rids, score=round(s, 3),
            summary=f"{f.author} on {f.at:%Y-%m-%d}: \"{_clip(f.text, 200)}\"",
            approach=ap.name if ap else None,
            outcome=_outcome(idx, f, rids, metric, ap.status if ap else "", ap.reason_kind if ap else ""),
            author=f.author, at=f.at,
        ))
        if len(matches) >= 3:
            break
    if not matches:
        # matched on run params only
        rids = sorted(run_scores, key=lambda r: (-run_scores[r], idx.run_by_id[r].start))[:3]
        r0 = idx.run_by_id[rids[0]]
        matches.append(CheckMatch(
            entry_id=None, run_ids=rids, score=round(best, 3),
            summary=f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d} "
                    f"already used " + ", ".join(f"{k}={v}" for k, v in list(r0.params.items())[:4]),
            outcome=_outcome(idx, None, rids, metric, "", ""), author=r0.user, at=r0.start,
        ))
    top = matches[0]
    msg = f"Already tried: {top.summary}"
    if top.outcome:
        msg += f" Outcome: {top.outcome}."
    return CheckResult(already_tried=True, matches=matches, message=msg)


def _outcome(idx: HistoryIndex, f: Fact | None, rids: list[str], metric: str | None, status: str,
             reason_kind: str) -> str:
    parts: list[str] = []
    if status in ("abandoned", "exhausted"):
        parts.append(f"{status} ({reason_kind or 'no gain'})")
    elif status == "adopted":
        parts.append("adopted")
    elif f is not None and f.negative:
        parts.append("did not work")
    if metric:
        vals = [f"{idx.run_by_id[r].run_name or r[:8]} {metric} {fmt(idx.run_by_id[r].metrics[metric])}"
                for r in rids if metric in idx.run_by_id[r].metrics]
        if vals:
            parts.append("; ".join(vals[:3]))
    return ", ".join(parts)
