"""A plan that takes a thing away is not done by runs that kept it on (issue 8, round 16).

"Could also be worth trying to disable the int8 quantization." was checked as "Already tried": every run of the
thread loaded the model in 8 bit (load_in_8bit=true), so the runs carry the quantization concept, and the evidence
path took them as the plan done, the opposite of what they show. ``ask`` reuses the check's judgement, so "did we
try disabling the int8 quantization?" could not say it was only planned.

When the check says tried for a removal plan ("disable / remove / drop / turn off X", ``removed_concepts``) and every
citation is runs (no statement) that all hold X on and none logs it off, the plan was not tried: its plans in the
log answer ("planned on DATE by PERSON"), else those runs are the closest. The runs that did log X off are
``check_removal.removal_tried``'s business; a statement that reports the removal is left to the statement rules.
"""

from __future__ import annotations

from narrative.check_removal import logged_off, removed_concepts
from narrative.check_verdicts import not_tried, planned_items, runs_not_tried
from narrative.history_index import HistoryIndex
from narrative.plan_reading import Query, plan_terms, specific_keys
from narrative.types import CheckResult


def removal_kept_on(got: CheckResult, plan: str, idx: HistoryIndex) -> CheckResult | None:
    """The not-tried result for a removal plan whose "tried" rests only on runs that kept the thing on; None when
    the result stands."""
    if not got.already_tried or not got.matches or any(m.entry_id is not None for m in got.matches):
        return None
    terms = plan_terms(plan, idx, exclusions=True)
    gone = removed_concepts(plan, terms)
    if not gone:
        return None
    rids = list(dict.fromkeys(r for m in got.matches for r in m.run_ids if r in idx.run_by_id))
    if not rids or not all(r in idx.run_docs and gone <= idx.run_docs.cover(r)
                           and not any(logged_off(idx.run_by_id[r].params, c) for c in gone) for r in rids):
        return None
    specific = specific_keys(terms)
    q = Query(idx, terms)
    scored = [(q.fact_score(idx.facts[i]), idx.facts[i], idx.facts[i].run_ids)
              for i in q.shortlist(q.candidate_facts())]
    planned = planned_items(idx, specific, scored)
    if planned:
        return not_tried(idx, [], [], [], planned, specific)
    return runs_not_tried(idx, rids, ": the runs found all ran with it on")
