""""You already tried this?" — compare a planned experiment with what the project's history holds.

The plan's main clause is mapped to concepts (paraphrases folded by ``narrative.vocab``) and content
tokens. Each sentence of every entry (with the runs it is about) and each run's params is a candidate;
a candidate matches when it covers the plan's *technique* and *object* together: the concept weight
plus the idf-weighted tokens of the plan that the candidate also holds. A plan that adds an object the
history never mentions ("... on device_model", "... with an LLM") is new even when its technique is old.

This module decides which way a plan is judged; the reading and scoring are in
``narrative.plan_reading``, plans that change a setting in ``narrative.check_settings``, and the
results with their citations in ``narrative.check_verdicts``.
"""

from __future__ import annotations

import datetime as dt
import heapq

from narrative.check_members import other_member, plan_members, run_text
from narrative.check_settings import check_change, named_value, plan_change
from narrative.check_verdicts import THRESHOLD, build_tried, fact_cover, not_tried, planned_items, variant_of
from narrative.history_index import Fact, HistoryIndex
from narrative.plan_reading import ASIDE, Query, main_clause, plan_terms, specific_keys
from narrative.types import CheckResult

WEAK_CITE = 0.75  # share of the bar a run needs to be cited beside a statement


def check(plan: str, idx: HistoryIndex) -> CheckResult:
    """Whether ``plan`` was already tried, judged on the caller's index of the project's history."""
    terms = plan_terms(plan, idx)
    if not terms.concepts and not terms.tokens:
        return CheckResult(already_tried=False, message="Nothing to compare: the plan names no technique.")
    q = Query(idx, terms)
    specific = specific_keys(terms)
    change = plan_change(plan, terms, idx)
    if change is not None:
        # the runs' values decide; statements only matter as plans ("planned on ..., not run yet")
        plans = [i for i in q.candidate_facts() if idx.facts[i].planned]
        plan_facts = [(q.fact_score(idx.facts[i]), idx.facts[i], idx.facts[i].run_ids)
                      for i in q.shortlist(set(plans))]
        return check_change(idx, terms, change, plan_facts, specific)
    scored: list[tuple[float, Fact, list[str]]] = []
    for i in q.shortlist(q.candidate_facts()):
        f = idx.facts[i]
        scored.append((q.fact_score(f), f, f.run_ids))
    scored = heapq.nlargest(60, scored, key=lambda x: (round(x[0], 6), bool(x[2]), x[1].kind == "sentence", x[1].at))
    # runs as candidates (params say what was done, even when nobody wrote it down)
    top_runs = q.top_runs()
    # Evidence that it was done: a run, or a statement of what happened -- for the same concept *and*
    # the same variant (a plain autoencoder does not answer a plan for a VAE).
    # a family member the plan names by name (HiFi-GAN) is not answered by another member (Tacotron)
    members = plan_members(ASIDE.sub(" ", main_clause(plan)))
    evidence: list[tuple[float, Fact, list[str]]] = []
    variants: list[tuple[float, Fact, list[str]]] = []
    for s, f, rids in scored:
        if s < THRESHOLD or not f.evidence:
            continue
        cover = fact_cover(idx, f)
        off = variant_of(specific, cover) or other_member(members, cover, f.text)
        (variants if off else evidence).append((s, f, rids))
    run_scores: dict[str, float] = {}
    variant_runs: list[str] = []
    weak: dict[str, float] = {}  # below the bar: cited only beside a statement that says their words
    for s, rid in top_runs:
        if s < THRESHOLD:
            if s >= WEAK_CITE * THRESHOLD:
                weak[rid] = s
            continue
        cover = idx.run_docs[rid].cover
        if variant_of(specific, cover) or other_member(members, cover, run_text(idx, rid)):
            variant_runs.append(rid)
        else:
            run_scores[rid] = s
    best = max([x[0] for x in evidence] + list(run_scores.values()), default=0.0)
    if best >= THRESHOLD:
        return build_tried(idx, terms, evidence, run_scores, best,
                           {r: w for r, w in weak.items() if r not in variant_runs})
    named = named_value(plan, idx)
    if named is not None:
        return named
    planned = planned_items(idx, specific, scored)
    if planned and specific:
        # planned, then run: a run after the plan that carries everything the plan names is the plan done
        # (an end-of-day note is written after the day's runs: a run from the day before on counts)
        since = (min(p.at for p in planned if p.at) - dt.timedelta(days=1)) if any(p.at for p in planned) else None
        done_runs = [rid for _, rid in q.top_runs(limit=50, concepts=specific)
                     if specific <= idx.run_docs[rid].cover and (since is None or idx.run_by_id[rid].start >= since)]
        if done_runs:
            return build_tried(idx, terms, [], {rid: THRESHOLD for rid in done_runs[:3]}, THRESHOLD)
    return not_tried(idx, scored, variants, variant_runs, planned, specific)
