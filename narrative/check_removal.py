"""A plan that takes a thing away ("remove warmup and label smoothing", "train without dropout"), answered by the
runs that logged that thing switched off.

A run whose params hold every removed thing at zero, off or none (``warmup_epochs=0, label_smoothing=0``) did the
plan, provided it holds the rest of what the plan names and sits in the plan's scope; a run that logs the thing
on under another key (``warmup_steps=500``) did not. The removed things are the concepts a removal verb at the
head of the plan takes as its object, or the ones the plan asks to go without.
"""

from __future__ import annotations

import re
from functools import lru_cache

from adapters import is_tracker_key
from narrative import vocab
from narrative.approaches import UMBRELLA
from narrative.check_joint import holding_runs
from narrative.check_scope import off_scope
from narrative.check_verdicts import MAX_CITED, tried_in_runs
from narrative.history_index import HistoryIndex
from narrative.plan_reading import ASIDE, PlanTerms, main_clause
from narrative.types import CheckResult

# a removal verb at the head of the plan (after a subject or modal words), and its object up to a clause's end
_REMOVE = re.compile(
    r"^\W*(?:(?:let'?s|we|i|you|should|could|will|'ll|must|then|and|also|maybe|first|finally|try|to|going|gonna|"
    r"need|want|have|has|please|now|just)\s+)*(?:remove|removing|drop|dropping|disable|disabling|turn\s+off|"
    r"switch\s+off|get\s+rid\s+of|take\s+out|strip|leave\s+out|no\s+longer\s+use)\s+(?P<x>[^.;:!?]{1,120})")
# "drop dropout to 0.05", "drop the number of leaves from 63 to 15", "cut X in half": a value lowered, not a thing
# taken away (to 0 is a removal)
_TO_A_VALUE = re.compile(r"\b(?:to|by|from)\s{1,3}~?(?!0(?:\.0+)?(?![\d.]))\d|\bin\s{1,3}half\b|\b(?:half|halve)\b")
_CLAUSE = re.compile(r"\s(?:but|while|so|because|since|then|to\s+(?:see|check|test))\s|,")


def removed_concepts(plan: str, terms: PlanTerms) -> frozenset[str]:
    """The concepts a plan takes away: the object of a removal verb at its head, or what it asks to go without."""
    out = set(terms.excluded)
    head = vocab.norm(ASIDE.sub(" ", main_clause(plan)))
    m = _REMOVE.match(head)
    # (the value is read past the object's end, which a decimal point cuts: "to 0.05")
    if m and not _TO_A_VALUE.search(head, m.start("x"), m.start("x") + 80):
        obj = _CLAUSE.split(m.group("x"))[0]
        out |= {c for c, sp in vocab.concepts_in(obj).items() if sp}
    # the narrowest things named: removing warmup takes no learning-rate schedule away
    return frozenset(c for c in out if c not in UMBRELLA
                     and not any(o != c and c in vocab.CLOSURE[o] for o in out))


@lru_cache(maxsize=4096)
def _key_concepts(key: str) -> frozenset[str]:
    """The concepts a param key names when it is switched on ("warmup_epochs": warmup; "label_smoothing")."""
    return vocab.param_value_concepts(key, "on")


def logged_off(params: dict[str, str], cid: str) -> bool:
    return any(not is_tracker_key(k) and vocab.is_null_param(k, v) and cid in _key_concepts(k)
               for k, v in params.items())


def removal_tried(plan: str, terms: PlanTerms, idx: HistoryIndex,
                  scope: dict[str, frozenset[str]]) -> CheckResult | None:
    """"remove warmup and label smoothing": tried by the runs logging both at zero or off that hold the plan's
    other concepts and sit in its scope; None when the plan removes nothing or no run logged it off."""
    gone = removed_concepts(plan, terms)
    if not gone:
        return None
    rest = {c for c in terms.key_concepts if c not in gone and c not in UMBRELLA
            and not any(c in vocab.CLOSURE[g] for g in gone)}
    runs = [r for r in sorted(idx.run_by_id.values(), key=lambda r: r.start)
            if r.run_id in idx.run_docs and not off_scope(scope, r)
            and rest <= idx.run_docs.cover(r.run_id)
            and gone.isdisjoint(idx.run_docs.cover(r.run_id))
            and all(logged_off(r.params, c) for c in gone)]
    named, holding = holding_runs(plan, idx, scope=scope)
    if named:
        # "lr 0.8 without dropout": the runs that logged it off must hold the values the plan names too
        held = {r.run_id for r in holding}
        runs = [r for r in runs if r.run_id in held]
    if not runs:
        return None
    r0 = runs[0]
    off = ", ".join(f"{k}={v}" for k, v in r0.params.items()
                    if not is_tracker_key(k) and vocab.is_null_param(k, v) and gone & _key_concepts(k))
    summary = f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d} logged {off}"
    return tried_in_runs(idx, cited=[r.run_id for r in runs[:MAX_CITED]], summary=summary, author=r0.user,
                         at=r0.start)
