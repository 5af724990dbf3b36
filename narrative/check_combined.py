"""Plans that put a thing together with another thing, with a setting's value, or without a thing: one run must
hold them together.

"dropout at lr 2.048" is not the run at lr 2.048 that logged dropout off; "mixup with label smoothing" is not a run
of each that logged the other at 0; "lr 0.8 without dropout" is not the lr-0.8 run that had dropout. A cited run
goes against the plan only where its params *say* so: it logs a concept the plan wants switched off (zero, off,
none) or holds one the plan asks to go without. A run that logs nothing about a concept says nothing, and the
answer stands. Split from ``narrative.checking`` (a separate reading of the runs' params, after the verdict).
"""

from __future__ import annotations

import re

from narrative import vocab
from narrative.approaches import UMBRELLA
from narrative.check_joint import holding_runs
from narrative.check_removal import logged_off, removed_concepts
from narrative.check_scope import off_scope
from narrative.check_verdicts import tried_in_runs
from narrative.history_index import HistoryIndex
from narrative.plan_reading import PlanTerms
from narrative.types import CheckMatch, CheckResult
from storage.records import RunSnapshot


def _against(idx: HistoryIndex, rid: str, want: set[str], avoid: set[str]) -> bool:
    """Whether run ``rid``'s params say it is not the plan: a wanted concept logged off, or an avoided one held."""
    run, cover = idx.run_by_id[rid], idx.run_docs.cover(rid)
    return (any(c not in cover and logged_off(run.params, c) for c in want)
            or any(_holds_itself(c, cover, run.params) for c in avoid))


def _holds_itself(cid: str, cover: frozenset[str], params: dict[str, str]) -> bool:
    """Whether a run holds ``cid`` itself: not only as the broader concept of a variant it holds (an AdamW run's cover
    holds Adam), nor logged off."""
    return cid in cover and not (vocab.NARROWER.get(cid, frozenset()) & cover) and not logged_off(params, cid)


def _holds(idx: HistoryIndex, rid: str, want: set[str], avoid: set[str]) -> bool:
    run, cover = idx.run_by_id[rid], idx.run_docs.cover(rid)
    return want <= cover and not any(_holds_itself(c, cover, run.params) for c in avoid)


# "without amsgrad", "no ema", "w/o nesterov": the word the plan goes without, to be read against a run's own key
_WITHOUT_WORD = re.compile(r"\b(?:without|w/o|sans)\s{1,3}([a-z][a-z0-9_]{1,30})\b", re.I)
_TRUE = frozenset({"true", "yes", "on", "1", "enabled"})


def _switched_on(run: RunSnapshot, word: str) -> bool:
    """Whether a run's params switch on a flag named exactly by ``word`` ("amsgrad": ``amsgrad=True``)."""
    return any(k.lower().replace("-", "_") == word and v.strip().lower() in _TRUE for k, v in run.params.items())


def flag_against(got: CheckResult, plan: str, idx: HistoryIndex) -> CheckResult | None:
    """A "tried" for a plan that goes without a thing the runs log as an on/off flag by that very name ("plain Adam
    without amsgrad" against runs logging ``amsgrad=True``): every cited run that switches it on did the other thing;
    the cited runs that do not are kept, else not tried with those runs the closest."""
    words = {m.group(1).lower() for m in _WITHOUT_WORD.finditer(plan)} if "w" in plan.lower() else set()
    if not got.already_tried or not words:
        return None
    cited = list(dict.fromkeys(rid for m in got.matches
                               for rid in (m.run_ids or idx.entry_runs.get(m.entry_id or "", []))
                               if rid in idx.run_by_id))
    on = [r for r in cited if any(_switched_on(idx.run_by_id[r], w) for w in words)]
    if not on:
        return None
    if len(on) < len(cited):
        keep = set(cited) - set(on)
        return got.model_copy(update={"matches": [
            m.model_copy(update={"run_ids": [r for r in m.run_ids if r in keep]}) for m in got.matches
            if not m.run_ids or set(m.run_ids) & keep]})
    r0 = idx.run_by_id[on[0]]
    flag = next(k for k, v in r0.params.items() if k.lower().replace("-", "_") in words)
    summary = (f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d} "
               f"({flag}={r0.params[flag]})")
    return CheckResult(already_tried=False, message=(
        f"Not tried without {', '.join(sorted(words))}: the runs found had it on; closest: {summary}."),
        matches=[CheckMatch(entry_id=None, run_ids=on[:3], score=0.0, summary=summary, author=r0.user, at=r0.start)])


def combined_against(got: CheckResult, plan: str, terms: PlanTerms, idx: HistoryIndex,
                     scope: dict[str, frozenset[str]]) -> CheckResult | None:
    """A "tried" whose every cited run goes against a plan of two things or more (concepts, a concept's absence, a
    named value): the runs holding them all when some do, else "not tried together" with the cited runs as the
    closest. None when the answer stands."""
    if not got.already_tried or not got.matches:
        return None
    gone = removed_concepts(plan, terms)  # "remove warmup": what the plan takes away is to be off
    want = {c for c in terms.key_concepts if c not in UMBRELLA and c not in gone}
    avoid = {c for c in terms.excluded | gone if c not in UMBRELLA}
    if not want and not avoid:
        return None
    cited = list(dict.fromkeys(rid for m in got.matches
                               for rid in (m.run_ids or idx.entry_runs.get(m.entry_id or "", []))
                               if rid in idx.run_docs))
    if not cited or not all(_against(idx, r, want, avoid) for r in cited):
        return None  # the cheap test first: most answers cite a run that holds the plan
    named, value_runs = holding_runs(plan, idx, scope=scope)
    if len(want) + len(avoid) + (1 if named else 0) < 2:
        return None
    pool = ([r.run_id for r in value_runs] if named else
            [r.run_id for r in sorted(idx.run_by_id.values(), key=lambda r: r.start) if not off_scope(scope, r)])
    good = [r for r in pool if r in idx.run_docs and _holds(idx, r, want, avoid)]
    if good:
        r0 = idx.run_by_id[good[0]]
        summary = f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d}"
        return tried_in_runs(idx, cited=good[:3], summary=summary, author=r0.user, at=r0.start)
    r0 = idx.run_by_id[cited[0]]
    summary = (f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d} ("
               + ", ".join(f"{k}={v}" for k, v in list(r0.params.items())[:4]) + ")")
    return CheckResult(already_tried=False, message=(
        f"Not tried together: no run holds everything the plan names; closest: {summary}."),
        matches=[CheckMatch(entry_id=None, run_ids=cited[:3], score=0.0, summary=summary, author=r0.user,
                            at=r0.start)])
