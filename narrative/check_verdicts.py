"""What a check answers: the "already tried" and "not tried" results, with what the history cites.

Matches are picked and cited here (at most ``MAX_CITED`` runs, the entries they belong to, the
outcome by the metric in force); a plan found only as a plan, or only as a variant of what was
done (a plain autoencoder for a VAE), is "not tried", with the closest thing the history holds.
"""

from __future__ import annotations

import datetime as dt
import re

from narrative import vocab
from narrative.approaches import UMBRELLA, derive
from narrative.history_index import Fact, HistoryIndex, fmt
from narrative.plan_reading import SHARED_KEY_WORDS, PlanTerms
from narrative.types import CheckMatch, CheckResult, PlannedItem

THRESHOLD = 0.62
MAX_CITED = 6


def fact_cover(idx: HistoryIndex, f: Fact) -> frozenset[str]:
    cov = set(f.ctx_cover)
    for rid in f.run_ids[:4]:
        cov |= idx.run_docs.cover(rid)
    return frozenset(cov)


def variant_of(specific: set[str], cover: frozenset[str] | set[str]) -> str | None:
    """The plan's concept of which ``cover`` holds only a sibling or the parent: a VAE planned where a plain
    autoencoder was tried, bf16 where fp16 was, LoRA on MLP blocks where it was on attention. None when the
    candidate holds every specific concept of the plan, or nothing related to the missing ones."""
    for k in sorted(specific):
        if k in cover:
            continue
        parents = {p for p in vocab.CLOSURE[k] if p not in UMBRELLA or p in _VARIANT_PARENTS}
        if parents & cover:
            return k
    return None


# umbrella concepts that still make siblings variants of each other (every GBM is a tree model, but an
# XGBoost plan is not answered by LightGBM runs -- "gbm" is the parent that says so)
_VARIANT_PARENTS = frozenset({"gbm", "imbalance", "augmentation", "optimizer"})


# What a note says is not there (yet): "it does not have HurtLex incorporated in it yet", "still no dropout",
# "no augmentation in the pipeline yet", "the GAN loss isn't in yet". The words in the named group are what is
# absent; such a sentence may be past tense and linked to runs, but it shows the opposite of the thing done.
_ABSENT = (
    re.compile(r"\b(?:does|do|did|has|have)(?:n'?t| not) (?:yet )?(?:have|had|include|contain|got)\b"
               r"(?P<x>[^.;:!?]{1,80})"),
    re.compile(r"\b(?:still|yet) no(?:t any)?\b(?P<x>[^.;:!?,]{1,60})"),
    re.compile(r"\bno\b(?P<x>[^.;:!?,]{1,50}?)\b(?:yet|so far)\b"),
    re.compile(r"\b(?:lacks?|lacking)\b(?P<x>[^.;:!?,]{1,60})"),
    re.compile(r"(?P<x>[^.;:!?,]{1,50}?)\b(?:is|are|was|were)(?:n'?t| not)(?: (?:yet|really|fully))? "
               r"(?:in|there|included|incorporated|implemented|added|integrated|wired in|hooked up|supported)\b"
               r"[^.;:!?]{0,30}\byet\b"),
    re.compile(r"(?P<x>[^.;:!?,]{1,50}?)\bnot (?:yet )?(?:been )?(?:added|included|incorporated|implemented|"
               r"integrated|wired in|hooked up)\b"),
)


# What a note only likens the thing done to ("Contractive loss is similar to denoising", "a schedule inspired by
# SGDR"): the named group is a yardstick of the comparison, not something the writer ran.
_LIKENED = re.compile(r"\b(?:(?:similar|akin|analogous|equivalent|identical)\s{1,3}to|resembl\w*|reminiscent\s{1,3}of|"
                      r"inspired\s{1,3}by|(?:the\s{1,3})?same\s{1,3}idea\s{1,3}as)\b(?P<x>[^.;:!?,]{1,60})")


def absent_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (of ``vocab.norm(text)``) naming what the sentence says is not there yet, or names only
    as what the thing done is like."""
    low = vocab.norm(text)
    return [(m.start("x"), m.end("x")) for rx in (*_ABSENT, _LIKENED) for m in rx.finditer(low)]


def absent_only(text: str, terms: PlanTerms) -> bool:
    """Whether the plan's words in this sentence are all inside what it says is missing ("it does not have
    dropout yet" answers "add dropout" with *not* tried): the sentence is no evidence for the plan."""
    spans = absent_spans(text)
    if not spans:
        return False
    low = vocab.norm(text)
    hits: list[tuple[int, int]] = []
    keys = terms.key_concepts or set(terms.concepts)
    for cid, sp in vocab.concepts_in(low).items():
        if cid in keys:
            hits += sp
    if not hits:
        strong = {t for t, w in terms.tokens.items() if w >= 0.5}
        hits = [(m.start(), m.end()) for m in re.finditer(r"[a-z0-9][a-z0-9.+']*[a-z0-9]|[a-z0-9]", low)
                if vocab.stem(m.group(0)) in strong or m.group(0) in strong]
    return bool(hits) and all(any(a <= h0 and h1 <= b for a, b in spans) for h0, h1 in hits)


# "(maybe dropout or a variant of stochastic depth)": a hedged aside that names things reports none of them
# "We can add random noise to the replicates": what could be done, said as an offer, is no report either
_HEDGE_OPEN = re.compile(r"^\W*(?:maybe|perhaps|possibly|probably|potentially|ideally|"
                         r"(?:we|you|one|i) (?:can|could|might|may)(?! not\b)(?: also| still)? \w+)\b", re.I)
_REPORT = re.compile(r"\d|\b(?:tried|ran|trained|tested|used|added|got|gave|helped|hurt|worked|was|were|did|"
                     r"improved|dropped|went|is (?:better|worse))\b", re.I)


# "prompt learning may lead to overfitting", "a large lr can cause divergence": what a thing could bring about, said
# as a possibility (an explanation or a warning), reports nothing run
_MAY_CAUSE = re.compile(r"\b(?:may|might|could|can|would)(?: also| well| easily| potentially)? (?:lead(?:s)? to|cause|"
                        r"result in|bring about|give rise to|induce|trigger|contribute to)\b", re.I)


_CLAUSES = re.compile(r"[,;:()]|\s(?:so|but|and|then|which)\s", re.I)
# a past form in another clause ("This can cause OOM, so I reduced the batch") or a finding ("we found that ...")
_DONE = re.compile(r"\b(?:[a-z]{3,}ed|found|saw|seen|noticed|observed|showed|shows|ran|set|put|cut|got)\b", re.I)


def hedged_only(text: str) -> bool:
    """Whether a statement only floats an idea ("maybe X or Y") or a possible cause ("X may lead to Y") without
    reporting anything done."""
    if _REPORT.search(text):
        return False
    if _HEDGE_OPEN.match(text):
        return True
    if not _MAY_CAUSE.search(text):
        return False
    rest = " ".join(c for c in _CLAUSES.split(text) if c and not _MAY_CAUSE.search(c))
    return not _DONE.search(rest) and not re.search(r"\bwe found|\bi found", text, re.I)


def planned_items(idx: HistoryIndex, specific: set[str], scored: list[tuple[float, Fact, list[str]]],
                  doing: PlanDoing | None = None) -> list[PlannedItem]:
    """Plans in the log (next steps, plan sentences) for the same thing; one per entry, oldest first. With
    ``doing``, a plan must also hold what the plan does, not only the model it does it on."""
    seen: set[str] = set()
    out: list[tuple[Fact, str]] = []
    best = max((s for s, f, _ in scored if f.planned), default=0.0)
    for s, f, _ in sorted(scored, key=lambda x: (-x[0], x[1].at)):
        if not f.planned or s < max(THRESHOLD, best * 0.85) or f.entry_id in seen:
            continue
        if variant_of(specific, f.ctx_cover) or (doing is not None and not doing.held(f)):
            continue
        seen.add(f.entry_id)
        out.append((f, f.text))
    out.sort(key=lambda x: x[0].at)
    return [PlannedItem(entry_id=f.entry_id, author=f.author, at=f.at, text=clip(text, 200)) for f, text in out[:3]]


class PlanDoing:
    """What a plan does beyond the models it names ("bpr" in "two tower with bpr", the batch size in "twice the
    batch for the two tower"): a plan in the log that holds only the model ("plan: two tower w/ sampled
    softmax") is a plan for another thing."""

    def __init__(self, concepts: frozenset[str], tokens: frozenset[str]) -> None:
        self.concepts, self.tokens = concepts, tokens

    def held(self, f: Fact) -> bool:
        if self.concepts:
            return not self.concepts.isdisjoint(f.ctx_cover)
        # every word but one many param keys share: "should run gin with hidden 200" is "GIN with hidden dim 200"
        missing = self.tokens - f.toks
        return not missing or (len(missing) == 1 and missing < self.tokens and missing <= SHARED_KEY_WORDS)

    @classmethod
    def of(cls, terms: PlanTerms, extra: frozenset[str] = frozenset()) -> PlanDoing | None:
        """None when the plan names no model (then every plan for its concepts is one for the same thing) or
        nothing but models."""
        models = {c for c in terms.concepts if vocab.CONCEPT_BY_ID[c].kind == "model"}
        if not models:
            return None
        concepts = frozenset(c for c in terms.concepts if c not in models and c not in UMBRELLA
                             and c not in terms.scope_only) | extra
        toks = frozenset(t for t, w in terms.tokens.items() if w >= 0.5 and t not in terms.scope_only)
        if not concepts and not toks:
            return None
        return cls(concepts, frozenset() if concepts else toks)


def _closest_variant(idx: HistoryIndex, specific: set[str]) -> Fact | None:
    """A statement of something done with a sibling or the parent of the plan's concept (random negatives
    for a plan to mine hard ones): the closest thing the history holds."""
    best: tuple[tuple[bool, bool, dt.datetime], Fact] | None = None
    for k in specific:
        for parent in vocab.CLOSURE[k]:
            if parent in UMBRELLA and parent not in _VARIANT_PARENTS:
                continue
            for i in idx.concept_facts.get(parent, ())[:500]:
                f = idx.facts[i]
                if k in vocab.cover(frozenset(f.concepts)):
                    continue
                rank = (f.evidence, bool(f.run_ids), f.at)
                if best is None or rank > best[0]:
                    best = (rank, f)
    return best[1] if best else None


def not_tried(idx: HistoryIndex, scored: list[tuple[float, Fact, list[str]]],
               variants: list[tuple[float, Fact, list[str]]], variant_runs: list[str],
               planned: list[PlannedItem], specific: set[str]) -> CheckResult:
    if planned:
        p0 = planned[0]
        when = f"{p0.at:%Y-%m-%d}" if p0.at else "an earlier day"
        msg = f"Not tried: planned on {when} by {p0.author or 'someone'}, not run yet: \"{p0.text}\""
        if len(planned) > 1:
            msg += f" (planned {len(planned)} times)"
        return CheckResult(already_tried=False, matches=[], message=msg, planned=planned)
    closest: Fact | None = None
    if variants:
        closest = variants[0][1]
    elif scored and scored[0][0] >= 0.35:
        closest = scored[0][1]
    else:
        closest = _closest_variant(idx, specific)
    msg = "Not tried yet as far as the log and the tracker show."
    matches: list[CheckMatch] = []
    if closest is not None:
        msg = f"Not tried; closest: {closest.author} on {closest.at:%Y-%m-%d}: \"{clip(closest.text, 140)}\""
        if closest.modality in _MODALITY_WORDS:
            msg += f" ({_MODALITY_WORDS[closest.modality]})"
    elif variant_runs:
        r0 = idx.run_by_id[variant_runs[0]]
        msg = (f"Not tried; closest: run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on "
               f"{r0.start:%Y-%m-%d} (" + ", ".join(f"{k}={v}" for k, v in list(r0.params.items())[:4]) + ")")
        matches.append(CheckMatch(entry_id=None, run_ids=variant_runs[:3], score=0.0,
                                  summary=msg.removeprefix("Not tried; closest: "), author=r0.user, at=r0.start))
    return CheckResult(already_tried=False, matches=matches, message=msg)


_MODALITY_WORDS = {
    "plan": "a plan, not a run", "counterfactual": "said as what should have been done",
    "conditional": "only if something else happened", "negated": "said as not done",
    "question": "asked, not done", "quoted": "what a book or paper did, not a run of ours",
}


def clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3].rsplit(" ", 1)[0] + "..."


def _pick_runs(idx: HistoryIndex, terms: PlanTerms, fact_runs: list[str], run_scores: dict[str, float],
               cutoff: float, fact: Fact | None = None, weak: dict[str, float] | None = None) -> list[str]:
    def has_key(rid: str) -> bool:
        doc = idx.run_docs[rid]
        return not doc.cover.isdisjoint(terms.key_concepts) if terms.key_concepts else True

    chosen = [r for r in fact_runs if has_key(r)]
    if not chosen and fact is not None:
        # a sentence without runs ("not worth it, 300 stays") is about the runs of its neighbours
        near = [g for g in idx.entry_facts.get(fact.entry_id, []) if g.run_ids and g.para == fact.para
                and abs(g.position - fact.position) <= 3]
        near.sort(key=lambda g: abs(g.position - fact.position))
        for g in near:
            chosen += [r for r in g.run_ids if has_key(r) and r not in chosen]
        if not chosen:
            linked = idx.entry_runs.get(fact.entry_id, [])
            keyed = [r for r in linked if has_key(r)]
            if keyed and len(keyed) < len(linked):
                chosen = keyed
    if not chosen:
        good = sorted((r for r, s in run_scores.items() if s >= cutoff), key=lambda r: (-run_scores[r],
                                                                                     idx.run_by_id[r].start))
        chosen = good[:3]
    if not chosen and fact is not None and weak:
        # the statement decided it; the tracker's runs that carry a word of the plan the statement also
        # says ("snapshot" in the run's name) are the runs it is about, though they score below the bar
        said = fact.toks & frozenset(terms.tokens)
        carry = [r for r in weak if said & (idx.run_docs[r].name_toks | idx.run_docs[r].sig.toks)]
        chosen = sorted(carry, key=lambda r: (-weak[r], idx.run_by_id[r].start))[:3]
    if not chosen and fact is not None and fact.author and not fact_runs:
        # a statement with no runs of its own ("now I align the conv initializer with PyTorch's"): the writer's
        # runs of that day that carry a word of the plan the statement also says are the runs it is about
        said = fact.toks & {t.rstrip("'") for t in terms.tokens} - {""}
        chosen = _carriers_near(idx, said, fact, after=dt.timedelta(days=1)) if said else []
    if not chosen:
        chosen = fact_runs[:2]
    strong = frozenset(t for t, w in terms.tokens.items() if w >= 1.0)
    if strong and chosen:
        # the plan names its variant by an identifier ("O2", "d128"): the runs to cite are those that carry it
        carrying = [r for r in chosen if strong & run_words(idx, r)]
        if not carrying:
            pool = {**(weak or {}), **run_scores}
            carrying = sorted((r for r in pool if strong & run_words(idx, r)),
                              key=lambda r: (-pool[r], idx.run_by_id[r].start))
        if carrying:
            chosen = carrying
    elif strong and fact is not None:
        # a statement with no runs of its own ("switched to T4 instances"): the writer's runs that carry the
        # plan's identifier (device=t4), nearest the statement, are the runs it is about
        chosen = _carriers_near(idx, strong, fact)
    return chosen[:3]


def _carriers_near(idx: HistoryIndex, strong: frozenset[str], fact: Fact, *,
                   after: dt.timedelta | None = None) -> list[str]:
    """The writer's runs carrying one of the words, nearest the statement: started before it, or (``after``)
    within that time after it and no more than a day before."""
    rids = {r for t in strong for r in idx.name_token_runs.get(t, ())[:2000]}
    rids |= {r for t in strong for sig in idx.token_sigs.get(t, ())[:2000] for r in sig.run_ids[:2000]}
    lo = fact.at - dt.timedelta(days=1) if after is not None else None
    hi = fact.at + after if after is not None else fact.at
    mine = [r for r in rids if idx.run_by_id[r].user == fact.author and idx.run_by_id[r].start <= hi
            and (lo is None or idx.run_by_id[r].start >= lo)]
    return sorted(mine, key=lambda r: abs(fact.at - idx.run_by_id[r].start))[:3]


def run_words(idx: HistoryIndex, rid: str, *, families: bool = False) -> set[str]:
    """The words a run carries in its name and params (and its families' words, when asked)."""
    doc = idx.run_docs[rid]
    words = set(doc.name_toks) | {t for p in doc.sig.parts for t in p.toks}
    return words | set(doc.sig.fam_toks) if families else words


def build_tried(idx: HistoryIndex, terms: PlanTerms, scored: list[tuple[float, Fact, list[str]]],
           run_scores: dict[str, float], best: float, weak: dict[str, float] | None = None) -> CheckResult:
    metric, _ = idx.metric_now()
    approaches = {a.key: a for a in derive(idx)}
    cited: set[str] = set()
    matches: list[CheckMatch] = []
    used_entries: set[str] = set()
    for s, f, _runs in scored:
        if s < max(THRESHOLD, best * 0.85) or f.entry_id in used_entries:
            continue
        rids = _pick_runs(idx, terms, f.run_ids, run_scores, THRESHOLD, f, weak)
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
        # In the approaches' own order: the plan's concepts are a set, whose order varies per process.
        # The line of work the quoted statement itself names comes first: "rm3 didn't help" answers a plan of "prf
        # on bm25" with rm3's standing, not with BM25's.
        planned_lines = [a for a in approaches.values() if a.key in terms.key_concepts]
        named = vocab.concept_frozenset(f.text)
        ap = next((a for a in planned_lines if a.key in named), planned_lines[0] if planned_lines else None)
        matches.append(CheckMatch(
            entry_id=entry_id, run_ids=rids, score=round(s, 3),
            summary=f"{f.author} on {f.at:%Y-%m-%d}: \"{clip(f.text, 200)}\"",
            approach=ap.name if ap else None,
            outcome=describe_outcome(idx, f, rids, metric, ap.status if ap else "", ap.reason_kind if ap else ""),
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
            outcome=describe_outcome(idx, None, rids, metric, "", ""), author=r0.user, at=r0.start,
        ))
    top = matches[0]
    msg = f"Already tried: {top.summary}"
    if top.outcome:
        msg += f" Outcome: {top.outcome}."
    return CheckResult(already_tried=True, matches=matches, message=msg)


def tried_in_runs(idx: HistoryIndex, *, cited: list[str], summary: str, author: str | None,
                  at: dt.datetime) -> CheckResult:
    """"Already tried" answered by runs' settings (no entry said it): the runs' outcome on the primary metric,
    and the entry that wrote about these runs when it wrote about few others."""
    metric, _ = idx.metric_now()
    outcome = describe_outcome(idx, None, cited, metric, "", "")
    entry_id = next((e for rid in cited for e in idx.run_entries.get(rid, [])
                     if len(set(cited) | set(idx.entry_runs.get(e, []))) <= MAX_CITED), None)
    msg = f"Already tried: {summary}." + (f" Outcome: {outcome}." if outcome else "")
    return CheckResult(already_tried=True, message=msg, matches=[CheckMatch(
        entry_id=entry_id, run_ids=cited, score=1.0, summary=summary, outcome=outcome, author=author, at=at)])


def describe_outcome(idx: HistoryIndex, f: Fact | None, rids: list[str], metric: str | None, status: str,
             reason_kind: str) -> str:
    parts: list[str] = []
    if status in ("abandoned", "exhausted"):
        parts.append(f"{status} ({vocab.reason_label(reason_kind, default=reason_kind or 'no gain')})")
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


def runs_not_tried(idx: HistoryIndex, rids: list[str], lead: str) -> CheckResult:
    """"Not tried" with the runs found as the closest: they ran something else than the plan (another size, the
    thing on where the plan takes it off). ``lead`` says how they differ."""
    r0 = idx.run_by_id[rids[0]]
    summary = f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d}"
    return CheckResult(already_tried=False, message=f"Not tried{lead}; closest: {summary}.",
                       matches=[CheckMatch(entry_id=None, run_ids=rids[:3], score=0.0, summary=summary,
                                           author=r0.user, at=r0.start)])
