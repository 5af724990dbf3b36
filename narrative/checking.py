""""You already tried this?" — compare a planned experiment with what the project's history holds.

The plan's main clause is mapped to concepts (paraphrases folded by ``narrative.vocab``) and content
tokens. Each sentence of every entry (with the runs it is about) and each run's params is a candidate;
a candidate matches when it covers the plan's *technique* and *object* together: the concept weight
plus the idf-weighted tokens of the plan that the candidate also holds. A plan that adds an object the
history never mentions ("... on device_model", "... with an LLM") is new even when its technique is old.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import re
from dataclasses import dataclass

from narrative import concepts as concept_table
from narrative import lexicon, vocab
from narrative.approaches import UMBRELLA, derive
from narrative.history_index import Fact, HistoryIndex, ParamSig, fmt
from narrative.types import CheckMatch, CheckResult, PlannedItem
from storage.records import RunSnapshot

THRESHOLD = 0.62
SHORTLIST = 300  # facts fully scored per check (the best by their own words)
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


_ABBREV = re.compile(r"\b(i\.e|e\.g|a\.k\.a|etc|vs|approx|incl)\.", re.I)
_RESTATE = re.compile(r"\b(ie|aka|namely|that is|in other words|meaning)\b", re.I)
_MODIFIER_AFTER = re.compile(r"^\s*(style|like|based|type|ish|flavou?red|inspired|esque|ish)\b")
_UNIT_WORDS = frozenset({"dim", "dims", "dimensional", "d", "k", "bit", "bits", "heads", "layer", "layers", "px",
                         "rank", "leaves", "trees", "epochs", "ep", "shots", "neighbors", "neighbours", "folds"})
_MODIFIER_WORDS = frozenset({"style", "like", "based", "type", "ish", "esque", "flavoured", "flavored", "inspired"})
_NUMBER = re.compile(r"\d+(\.\d+)?(e-?\d+)?")


def main_clause(plan: str) -> str:
    text = _ABBREV.sub(lambda m: m.group(1).replace(".", ""), plan.strip())
    parts = [p for p in _CLAUSE_END.split(text) if p and p.strip()]
    head = parts[0] if parts else text
    if not (vocab.concept_set(head) - UMBRELLA) and len(parts) > 1:
        # the first clause is only filler ("quick question?"): take the first with substance
        head = next((p for p in parts if vocab.concept_set(p) - UMBRELLA), head)
    return head


def _param_number_positions(words: list[str]) -> set[int]:
    """Indexes of numbers that are a parameter's value ("rank 64", "lr 0.05", "1500 trees")."""
    out: set[int] = set()
    for i, w in enumerate(words):
        if not _NUMBER.fullmatch(w):
            continue
        prev = words[i - 1] if i else ""
        prev2 = f"{words[i - 2]} {prev}" if i >= 2 else ""
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if (prev in lexicon.PARAM_ALIASES or prev2 in lexicon.PARAM_ALIASES or nxt in lexicon.PARAM_SUFFIX_WORDS
                or nxt in _UNIT_WORDS):
            out.add(i)
    return out


def plan_terms(plan: str, idx: HistoryIndex) -> PlanTerms:
    head = main_clause(plan)
    # a plain-language description of a concept ("... that sound like the keyword") is read before asides
    # are cut, since its own words may look like one
    whole = vocab.norm(head)
    described: dict[str, float] = {}
    described_stems: set[str] = set()
    for cid, (a, b) in concept_table.described(whole):
        described[cid] = 1.0
        described_stems |= {vocab.stem(w) for w in re.findall(r"[a-z0-9]+", whole[a:b])}
    head = _ASIDE.sub(" ", head)
    head = _FILLER.sub(" ", head)
    also = bool(_ALSO.search(head))
    ident_parts: set[str] = set()
    for ident in _IDENT.findall(head):
        ident_parts |= {vocab.stem(t) for t in re.split(r"[_\-]", ident.lower()) if t}
    spans = vocab.concepts_in(head)
    normed = vocab.norm(head)
    restated_at = min((m.start() for m in _RESTATE.finditer(normed)), default=-1)
    concepts: dict[str, float] = {}
    modifiers: set[str] = set()
    covered_chars: set[int] = set()
    for cid, sp in spans.items():
        if not sp:
            continue
        c = vocab.CONCEPT_BY_ID[cid]
        if all(_MODIFIER_AFTER.match(normed[b:]) for _, b in sp):
            # "BERT-style cross-encoder", "transformer-based detector": a modifier, not the object
            modifiers.add(cid)
            w = 0.25
        elif cid in UMBRELLA:
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
        for broad in vocab.CLOSURE[cid]:
            if broad in concepts and broad != cid:
                concepts[broad] = min(concepts[broad], 0.25)
    for cid in described:
        if cid not in concepts:
            concepts[cid] = 3.0 if not _in_history(idx, cid) else vocab.CONCEPT_BY_ID[cid].weight
            for broad in vocab.CLOSURE[cid]:
                concepts[broad] = min(concepts.get(broad, 0.25), 0.25)
    key = {c for c in concepts if c not in UMBRELLA and c not in modifiers}
    if restated_at >= 0:
        # "an attention-based detector, i.e. a transformer": what follows names the object
        after = {cid for cid, sp in spans.items() if sp and all(a > restated_at for a, _ in sp)}
        before = {cid for cid, sp in spans.items() if sp and cid not in after}
        if after:
            for cid in before - after:
                concepts[cid] = min(concepts.get(cid, 0.25), 0.25)
                key.discard(cid)
            for cid in after:
                if _in_history(idx, cid):
                    concepts[cid] = max(concepts[cid], 1.0)
                    key.add(cid)
    restated_objects = restated_at >= 0 and any(
        sp and all(a > restated_at for a, _ in sp) for sp in spans.values())
    if not key:
        # only broad terms ("a transformer", "an encoder"): they are the object of the plan
        for cid, sp in spans.items():
            if sp and cid in UMBRELLA and cid not in modifiers and _in_history(idx, cid):
                concepts[cid] = max(concepts[cid], 1.0)
                key.add(cid)
    toks: dict[str, float] = {}
    max_idf = idx.idf("__never_seen__")
    matches = list(re.finditer(r"[a-z0-9][a-z0-9.:+']*[a-z0-9]|[a-z0-9]", normed))
    words = [m.group(0).strip(".:+'") for m in matches]
    param_numbers = _param_number_positions(words)
    kept: list[str] = []
    for i, (m, raw) in enumerate(zip(matches, words, strict=True)):
        if any(j in covered_chars for j in range(m.start(), m.end())):
            continue
        if not raw or raw in vocab.STOPWORDS or (described_stems and vocab.stem(raw) in described_stems):
            continue
        tok = raw if raw.isdigit() else vocab.stem(raw)
        if vocab.is_generic(tok) or (len(tok) < 2 and i not in param_numbers) or raw in _MODIFIER_WORDS:
            continue
        if _NUMBER.fullmatch(tok) and i not in param_numbers:
            continue  # bare numbers are supporting detail, not the object of the plan
        df = idx.df.get(tok, 0)
        if df == 0 and len(tok) >= 8:
            # a compound the history spells apart ("crossencoder" vs "cross encoder")
            split = next(((tok[:k], tok[k:]) for k in range(3, len(tok) - 2)
                          if idx.df.get(vocab.stem(tok[:k])) and idx.df.get(vocab.stem(tok[k:]))), None)
            if split:
                for part in split:
                    pt = vocab.stem(part)
                    toks[pt] = max(toks.get(pt, 0.0), 0.3 + 0.7 * (idx.idf(pt) / max_idf))
                continue
        w = 0.5 if df == 0 else 0.3 + 0.7 * (idx.idf(tok) / max_idf)
        if i in param_numbers:
            w = 0.6
        if tok in ident_parts:
            w += 0.8  # identifiers (device_model, dinov2) are the object of the plan
        if 0 <= m.start() < restated_at and restated_objects:
            w *= 0.5  # described again after "i.e.": the restatement is what to match
        toks[tok] = max(toks.get(tok, 0.0), w)
        kept.append(tok)
    # two words the history writes as one ("cross encoder" vs "crossencoder")
    for a_tok, b_tok in itertools.pairwise(kept):
        joined = a_tok + b_tok
        if idx.df.get(joined) and joined not in toks:
            toks[joined] = 0.3 + 0.7 * (idx.idf(joined) / max_idf)
    return PlanTerms(concepts, toks, key)


def _in_history(idx: HistoryIndex, cid: str) -> bool:
    # postings are keyed by closed concepts: a narrower mention (SMOTE) counts for the broader one
    return bool(idx.concept_facts.get(cid) or idx.concept_sigs.get(cid) or idx.name_concept_runs.get(cid))


def _near_concepts(terms: PlanTerms) -> set[str]:
    out = set(terms.key_concepts)
    for c in terms.key_concepts:
        out |= vocab.CLOSURE[c]
    return out - UMBRELLA


def _covers(ctx: set[str] | frozenset[str], cid: str) -> bool:
    if cid in ctx:
        return True
    return any(cid in vocab.CLOSURE.get(c, ()) for c in ctx)


def _score(terms: PlanTerms, concepts: set[str] | frozenset[str], toks: set[str] | frozenset[str]
           ) -> tuple[float, bool]:
    return _score_cov(terms, vocab.cover(concepts), toks)


def _score_cov(terms: PlanTerms, cover: frozenset[str], toks: set[str] | frozenset[str]) -> tuple[float, bool]:
    """Share of the plan's weight a candidate covers (``cover`` already closed under "broader")."""
    total = covered = 0.0
    key_hit = False
    for cid, w in terms.concepts.items():
        total += w
        if cid in cover:
            covered += w
            if cid in terms.key_concepts:
                key_hit = True
    for tok, w in terms.tokens.items():
        total += w
        if tok in toks:
            covered += w
    return (covered / total if total else 0.0), key_hit


class Query:
    """One plan's scoring against the index, memoised per param signature (runs share them)."""

    def __init__(self, idx: HistoryIndex, terms: PlanTerms) -> None:
        self.idx, self.terms = idx, terms
        self.near = frozenset(_near_concepts(terms))
        self.tokset = frozenset(terms.tokens)
        self.cset = frozenset(terms.concepts)
        self._sig: dict[int, tuple[float, bool]] = {}

    def sig_score(self, sig: ParamSig) -> tuple[float, bool]:
        got = self._sig.get(sig.sid)
        if got is None:
            got = self._sig[sig.sid] = _score_cov(self.terms, sig.cover, sig.toks_near(self.near))
        return got

    def run_score(self, rid: str) -> tuple[float, bool]:
        doc = self.idx.run_docs[rid]
        if (doc.name_cover and not self.cset.isdisjoint(doc.name_cover)) or (
                doc.name_toks and not self.tokset.isdisjoint(doc.name_toks)):
            return _score_cov(self.terms, doc.cover, doc.toks_near(self.near))
        return self.sig_score(doc.sig)

    def fact_score(self, f: Fact) -> float:
        terms = self.terms
        s, key_hit = _score_cov(terms, f.ctx_cover, f.ctx_toks)
        if terms.key_concepts and not key_hit:
            s *= 0.5
        for rid in f.run_ids[:4]:
            rs, rk = self.run_score(rid)
            if rk or not terms.key_concepts:
                s = max(s, rs)
        return s

    def shortlist(self, cand: set[int], keep: int = SHORTLIST) -> list[int]:
        """The ``keep`` candidates whose own words cover the plan best (accumulated over postings), so that
        the full score (with the runs' params) is computed for a bounded number of facts."""
        if len(cand) <= keep:
            return list(cand)
        idx, terms = self.idx, self.terms
        acc: dict[int, float] = dict.fromkeys(cand, 0.0)
        keyed: set[int] = set()
        for cid, w in terms.concepts.items():
            posting = idx.ctx_concept_facts.get(cid, ())
            hits = [i for i in posting if i in acc] if len(posting) < 4 * len(acc) else [
                i for i in acc if cid in idx.facts[i].ctx_cover]
            for i in hits:
                acc[i] += w
            if cid in terms.key_concepts:
                keyed.update(hits)
        for tok, w in terms.tokens.items():
            posting = idx.ctx_token_facts.get(tok, ())
            hits = [i for i in posting if i in acc] if len(posting) < 4 * len(acc) else [
                i for i in acc if tok in idx.facts[i].ctx_toks]
            for i in hits:
                acc[i] += w
        if terms.key_concepts:
            for i in acc:
                if i not in keyed:
                    acc[i] *= 0.5
        facts = idx.facts
        return heapq.nlargest(keep, acc, key=lambda i: (acc[i], bool(facts[i].run_ids), facts[i].at))

    def candidate_facts(self, skip_umbrella: bool = True, token_cap: int = 400) -> set[int]:
        idx, terms = self.idx, self.terms
        cand: set[int] = set()
        for cid in terms.concepts:
            if skip_umbrella and cid in UMBRELLA and terms.key_concepts and cid not in terms.key_concepts:
                continue
            cand.update(idx.concept_facts.get(cid, ()))
        for tok in terms.tokens:
            posting = idx.token_facts.get(tok, ())
            if 0 < len(posting) <= token_cap:
                cand.update(posting)
        return cand

    def top_runs(self, limit: int = 50, concepts: set[str] | None = None) -> list[tuple[float, str]]:
        """Best-scoring runs carrying one of ``concepts`` (default: the plan's key concepts), best first.

        Scores are computed once per param signature; only the best signatures are expanded to runs.
        """
        idx = self.idx
        want = self.terms.key_concepts if concepts is None else concepts
        keyed = bool(self.terms.key_concepts)
        sigs: dict[int, tuple[float, ParamSig]] = {}
        for cid in want:
            for sig in idx.concept_sigs.get(cid, ()):
                if sig.sid not in sigs:
                    s, key_hit = self.sig_score(sig)
                    sigs[sig.sid] = (s if key_hit or not keyed else s * 0.5, sig)
        scored: dict[str, float] = {}
        ordered = sorted(sigs.values(), key=lambda x: (-x[0], idx.run_by_id[x[1].run_ids[0]].start))
        for s, sig in ordered:
            if len(scored) >= limit:
                break  # signatures come best first (ties: earliest run first)
            for rid in sig.run_ids[:limit]:
                scored[rid] = s
        # runs whose name adds what their params do not say
        extra: set[str] = set()
        for cid in want:
            extra.update(idx.name_concept_runs.get(cid, ())[:2000])
        for tok in self.tokset:
            extra.update(idx.name_token_runs.get(tok, ())[:2000])
        for rid in extra:
            doc = idx.run_docs[rid]
            if want and doc.cover.isdisjoint(want):
                continue
            s, key_hit = self.run_score(rid)
            scored[rid] = max(scored.get(rid, -1.0), s if key_hit or not keyed else s * 0.5)
        top = heapq.nsmallest(limit, scored.items(), key=lambda kv: (-kv[1], idx.run_by_id[kv[0]].start))
        return [(s, rid) for rid, s in top]


def check(plan: str, idx: HistoryIndex) -> CheckResult:
    terms = plan_terms(plan, idx)
    if not terms.concepts and not terms.tokens:
        return CheckResult(already_tried=False, message="Nothing to compare: the plan names no technique.")
    q = Query(idx, terms)
    specific = _specific_keys(terms)
    change = plan_change(plan, terms, idx)
    if change is not None:
        # the runs' values decide; statements only matter as plans ("planned on ..., not run yet")
        plans = [i for i in q.candidate_facts() if idx.facts[i].planned]
        plan_facts = [(q.fact_score(idx.facts[i]), idx.facts[i], idx.facts[i].run_ids)
                      for i in q.shortlist(set(plans))]
        return _check_change(idx, terms, change, plan_facts, specific)
    scored: list[tuple[float, Fact, list[str]]] = []
    for i in q.shortlist(q.candidate_facts()):
        f = idx.facts[i]
        scored.append((q.fact_score(f), f, f.run_ids))
    scored = heapq.nlargest(60, scored, key=lambda x: (round(x[0], 6), bool(x[2]), x[1].kind == "sentence", x[1].at))
    # runs as candidates (params say what was done, even when nobody wrote it down)
    top_runs = q.top_runs()
    # Evidence that it was done: a run, or a statement of what happened -- for the same concept *and*
    # the same variant (a plain autoencoder does not answer a plan for a VAE).
    evidence: list[tuple[float, Fact, list[str]]] = []
    variants: list[tuple[float, Fact, list[str]]] = []
    for s, f, rids in scored:
        if s < THRESHOLD or not f.evidence:
            continue
        (variants if _variant_of(specific, _fact_cover(idx, f)) else evidence).append((s, f, rids))
    run_scores: dict[str, float] = {}
    variant_runs: list[str] = []
    for s, rid in top_runs:
        if s < THRESHOLD:
            continue
        if _variant_of(specific, idx.run_docs[rid].cover):
            variant_runs.append(rid)
        else:
            run_scores[rid] = s
    best = max([x[0] for x in evidence] + list(run_scores.values()), default=0.0)
    if best >= THRESHOLD:
        return _build(idx, terms, evidence, run_scores, best)
    named = _named_value(plan, idx)
    if named is not None:
        return named
    planned = _planned(idx, specific, scored)
    if planned and specific:
        # planned, then run: a run after the plan that carries everything the plan names is the plan done
        # (an end-of-day note is written after the day's runs: a run from the day before on counts)
        since = (min(p.at for p in planned if p.at) - dt.timedelta(days=1)) if any(p.at for p in planned) else None
        done_runs = [rid for _, rid in q.top_runs(limit=50, concepts=specific)
                     if specific <= idx.run_docs[rid].cover and (since is None or idx.run_by_id[rid].start >= since)]
        if done_runs:
            return _build(idx, terms, [], {rid: THRESHOLD for rid in done_runs[:3]}, THRESHOLD)
    return _not_tried(idx, scored, variants, variant_runs, planned, specific)


_ORDINALS = {"first": 1.0, "second": 2.0, "third": 3.0, "fourth": 4.0, "fifth": 5.0, "tenth": 10.0}
_KEY_NOISE = frozenset({"num", "max", "min", "use", "is", "the", "of", "n", "no", "do", "type", "mode", "value",
                        "size", "name", "id", "seed", "random", "state"})


def _key_tokens(idx: HistoryIndex) -> dict[str, frozenset[str]]:
    """param key -> its word stems ("spec_rate_hz" -> spec, rate, hz), for every key of the runs (cached)."""
    got = idx.cache.get("keytoks")
    if isinstance(got, dict):
        return got
    out: dict[str, frozenset[str]] = {}
    for sig in idx.sigs:
        for k, _ in sig.items:
            if k not in out and not k.startswith("mlflow."):
                parts = {vocab.stem(w) for w in re.split(r"[^a-z0-9]+", k.lower()) if w}
                out[k] = frozenset(p for p in parts if len(p) >= 2 and not p.isdigit()) - _KEY_NOISE
    idx.cache["keytoks"] = out
    return out


def _named_value(plan: str, idx: HistoryIndex) -> CheckResult | None:
    """A value the plan asks for next to the words of a param's name ("80 Hz frames" and ``spec_rate_hz``,
    "from the first epoch" and ``gan_start_epoch``): tried when runs hold that value for that param."""
    head = vocab.norm(_ASIDE.sub(" ", main_clause(plan)))
    words = re.findall(r"[a-z0-9][a-z0-9.\-]*", head)
    keytoks = _key_tokens(idx)
    for i, w in enumerate(words):
        num = _ORDINALS.get(w) if w in _ORDINALS else lexicon.parse_number(w)
        if num is None:
            continue
        near = {vocab.stem(x) for x in words[max(0, i - 2): i + 3] if x != w and not x[0].isdigit()}
        near -= vocab.GENERIC_STEMS
        keys = [k for k, toks in keytoks.items() if toks & near]
        if not keys:
            continue
        runs: list[tuple[RunSnapshot, str, str]] = []
        for sig in idx.sigs:
            for k, v in sig.items:
                if k in keys and lexicon.same_value(repr(num), v) and not vocab.is_null_param(k, v):
                    runs += [(r, k, v) for r in _sig_runs(idx, sig, 3)]
        if not runs:
            continue
        runs.sort(key=lambda x: x[0].start)
        cited = list(dict.fromkeys(r.run_id for r, _, _ in runs))[:3]
        r0, k0, v0 = runs[0]
        summary = (f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d} "
                   f"used {k0}={v0}")
        metric, _ = idx.metric_now()
        outcome = _outcome(idx, None, cited, metric, "", "")
        entry_id = next((e for rid in cited for e in idx.run_entries.get(rid, [])
                         if len(set(cited) | set(idx.entry_runs.get(e, []))) <= MAX_CITED), None)
        msg = f"Already tried: {summary}." + (f" Outcome: {outcome}." if outcome else "")
        return CheckResult(already_tried=True, message=msg, matches=[CheckMatch(
            entry_id=entry_id, run_ids=cited, score=1.0, summary=summary, outcome=outcome, author=r0.user,
            at=r0.start)])
    return None


def _specific_keys(terms: PlanTerms) -> set[str]:
    """The plan's key concepts that no other key concept implies (SMOTE, not also oversampling)."""
    keys = set(terms.key_concepts)
    return {k for k in keys if not any(k in vocab.CLOSURE[o] for o in keys if o != k)}


def _fact_cover(idx: HistoryIndex, f: Fact) -> frozenset[str]:
    cov = set(f.ctx_cover)
    for rid in f.run_ids[:4]:
        cov |= idx.run_docs[rid].cover
    return frozenset(cov)


def _variant_of(specific: set[str], cover: frozenset[str] | set[str]) -> str | None:
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


def _planned(idx: HistoryIndex, specific: set[str], scored: list[tuple[float, Fact, list[str]]]
             ) -> list[PlannedItem]:
    """Plans in the log (next steps, plan sentences) for the same thing; one per entry, oldest first."""
    seen: set[str] = set()
    out: list[tuple[Fact, str]] = []
    best = max((s for s, f, _ in scored if f.planned), default=0.0)
    for s, f, _ in sorted(scored, key=lambda x: (-x[0], x[1].at)):
        if not f.planned or s < max(THRESHOLD, best * 0.85) or f.entry_id in seen:
            continue
        if _variant_of(specific, f.ctx_cover):
            continue
        seen.add(f.entry_id)
        out.append((f, f.text))
    out.sort(key=lambda x: x[0].at)
    return [PlannedItem(entry_id=f.entry_id, author=f.author, at=f.at, text=_clip(text, 200)) for f, text in out[:3]]


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


def _not_tried(idx: HistoryIndex, scored: list[tuple[float, Fact, list[str]]],
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
        msg = f"Not tried; closest: {closest.author} on {closest.at:%Y-%m-%d}: \"{_clip(closest.text, 140)}\""
        if closest.modality in ("plan", "counterfactual", "conditional", "negated", "question"):
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
    "question": "asked, not done",
}


# ------------------------------------------------------------------ param-aware plans
_UP = re.compile(r"^(higher|bigger|larger|wider|deeper|more|longer|increas\w*|rais\w*|bump\w*|up|grow\w*|"
                 r"doubl\w*|twice|triple\w*|taller|heavier|greater|max(imum)?)$")
_DOWN = re.compile(r"^(lower|smaller|narrower|shallower|fewer|less|shorter|decreas\w*|reduc\w*|cut|cutting|"
                   r"halv\w*|half|down|shrink\w*|lighter|tinier|min(imum)?)$")
_FACTORS = {"twice": 2.0, "double": 2.0, "doubled": 2.0, "doubling": 2.0, "2x": 2.0, "x2": 2.0, "triple": 3.0,
            "3x": 3.0, "x3": 3.0, "4x": 4.0, "x4": 4.0, "quadruple": 4.0, "half": 0.5, "halve": 0.5,
            "halved": 0.5, "halving": 0.5, "10x": 10.0}
_WORD_SPAN = re.compile(r"[a-z0-9][a-z0-9.+\-]*")


@dataclass
class Change:
    concept: str
    keys: tuple[str, ...]
    sign: int  # +1 up, -1 down, 0 an exact value, 2 varied (a sweep)
    factor: float | None
    value: str | None
    words: frozenset[str] = frozenset()  # the plan's words: they pick one part's key ("sn" -> sn_lr)


def plan_change(plan: str, terms: PlanTerms, idx: HistoryIndex) -> Change | None:
    """A change of one setting the plan asks for ("twice as wide embeddings", "lower lr", "bs 512",
    "divide the rewards by 100"), when the runs record that setting and the plan is about nothing else than
    the setting (and the model families it applies to)."""
    head = vocab.norm(main_clause(plan))
    spans = vocab.concepts_in(head)
    specific = _specific_keys(terms)
    words = [(m.group(0).rstrip(".-"), m.start(), m.end()) for m in _WORD_SPAN.finditer(head)]
    for cid, sp in spans.items():
        keys = vocab.CONCEPT_BY_ID[cid].param_keys
        if not sp or not keys or not _runs_with_keys(idx, keys):
            continue
        others = {k for k in specific if k != cid and k not in vocab.CLOSURE[cid]
                  and vocab.CONCEPT_BY_ID[k].kind != "model" and not vocab.CONCEPT_BY_ID[k].param_keys}
        if others:
            continue  # "separate step sizes for actor and critic" is about more than moving one setting
        a, b = sp[0]
        idx_first = next((i for i, (_, s, _) in enumerate(words) if s >= a), len(words))
        idx_after = next((i for i, (_, s, _) in enumerate(words) if s >= b), len(words))
        sign, factor, value = 0, None, None
        rest = head[b: b + 40]
        target = _FROM_TO.search(rest) or _ASSIGN.search(rest)
        if target:
            # "from 4 to 64", "with n=2": the value asked for
            value = target.group(target.lastindex or 1)
        for w, _, _ in [] if value else words[idx_after: idx_after + 3]:
            if w in ("n",) or w in _UNIT_WORDS:
                continue
            if lexicon.parse_number(w) is not None:
                value = w
                break
            if w not in ("of", "to", "with", "at", "="):
                break
        window = words[max(0, idx_first - 6): idx_after + 6]
        ws = [w for w, _, _ in window]
        for i, w in enumerate(ws):
            nxt = ws[i + 1] if i + 1 < len(ws) else ""
            num = lexicon.parse_number(w)
            if w in _FACTORS:
                factor = _FACTORS[w]
            elif num is not None and nxt in ("times", "x") and num > 1:
                # "ten times lower", "3x bigger": the direction word that follows decides
                after = ws[i + 2] if i + 2 < len(ws) else ""
                factor = 1 / num if _DOWN.match(after) else num
            elif w in _NUMBER_WORDS and nxt == "times":
                after = ws[i + 2] if i + 2 < len(ws) else ""
                factor = 1 / _NUMBER_WORDS[w] if _DOWN.match(after) else _NUMBER_WORDS[w]
            elif w in ("divide", "divided", "dividing", "divides") and "by" in ws[i:]:
                n = next((lexicon.parse_number(x) for x in ws[ws.index("by", i) + 1:] if lexicon.parse_number(x)), None)
                if n and n > 1:
                    factor = 1 / n
            elif w in ("multiply", "multiplied", "multiplying", "scale", "scaled") and "by" in ws[i:]:
                n = next((lexicon.parse_number(x) for x in ws[ws.index("by", i) + 1:] if lexicon.parse_number(x)), None)
                if n and n > 0:
                    factor = n
        if factor is not None:
            sign = 1 if factor > 1 else -1
        else:
            near = ws[max(0, idx_first - max(0, idx_first - 6) - 2): idx_after - max(0, idx_first - 6) + 3]
            for w in near or ws:
                if _UP.match(w):
                    sign = 1
                    break
                if _DOWN.match(w):
                    sign = -1
                    break
        if value is None and not sign and any(_SWEEP.match(w) for w in ws):
            sign = 2  # "sweep the lr": the setting was varied
        if not sign and value is None:
            continue
        if value is not None:
            sign, factor = 0, None
        return Change(cid, keys, sign, factor, value, _key_words(head))
    return None


_FROM_TO = re.compile(r"^[^.;]{0,20}?\bfrom\s+[\d.e\-]+\s+to\s+([\d.]+(?:e-?\d+)?)\b")
_ASSIGN = re.compile(r"^[^.;]{0,25}?\b[a-z_]{1,12}\s*=\s*([\d.]+(?:e-?\d+)?)\b")
_SWEEP = re.compile(r"^(sweep\w*|vary|varied|varying|tun(e|ed|ing)|grid|search|scan\w*)$")


def _key_words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", text) if len(w) >= 2)


_NUMBER_WORDS = {"two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "ten": 10.0, "hundred": 100.0}


def _param_values(run_params: dict[str, str], keys: tuple[str, ...]) -> list[tuple[str, float]]:
    """(key, number) of every param the setting's keys name, with per-part keys ("sn_lr", "policy_lr")."""
    out: list[tuple[str, float]] = []
    for k, v in run_params.items():
        lk = k.lower()
        if not any(lk == key or lk.endswith(("." + key, "/" + key, "_" + key)) for key in keys):
            continue
        num = lexicon.parse_number(v)
        if num is not None:
            out.append((k, num))
    return out


def _runs_with_keys(idx: HistoryIndex, keys: tuple[str, ...]) -> bool:
    cache_key = "keys:" + ",".join(keys)
    got = idx.cache.get(cache_key)
    if got is None:
        got = any(_param_values(dict(sig.items), keys) for sig in idx.sigs)
        idx.cache[cache_key] = got
    return bool(got)


def _setting_pools(idx: HistoryIndex, keys: tuple[str, ...]) -> dict[str, list[tuple[ParamSig, float]]]:
    """param key -> (signature, value) of every param signature carrying the setting (cached per index)."""
    cache_key = "pools:" + ",".join(keys)
    got = idx.cache.get(cache_key)
    if isinstance(got, dict):
        return got
    pools: dict[str, list[tuple[ParamSig, float]]] = {}
    for sig in idx.sigs:
        for key, v in _param_values(dict(sig.items), keys):
            pools.setdefault(key, []).append((sig, v))
    idx.cache[cache_key] = pools
    return pools


def _sids_with(idx: HistoryIndex, cid: str) -> frozenset[int]:
    """Param signatures whose params, or the name of one of whose runs, carry the concept (cached)."""
    key = "sids:" + cid
    got = idx.cache.get(key)
    if isinstance(got, frozenset):
        return got
    sids = {sig.sid for sig in idx.concept_sigs.get(cid, ())}
    sids |= {idx.run_docs[rid].sig.sid for rid in idx.name_concept_runs.get(cid, ())}
    frozen = frozenset(sids)
    idx.cache[key] = frozen
    return frozen


def _sig_runs(idx: HistoryIndex, sig: ParamSig, limit: int | None = None) -> list[RunSnapshot]:
    ok = (r for r in (idx.run_by_id[rid] for rid in sig.run_ids) if r.status.upper() not in ("FAILED", "KILLED"))
    return list(itertools.islice(ok, limit))


def _check_change(idx: HistoryIndex, terms: PlanTerms, change: Change,
                  scored: list[tuple[float, Fact, list[str]]], specific: set[str]) -> CheckResult:
    """Judge a change of a setting against the runs' values: tried when some run holds the asked value, or
    moves the setting the asked way (by the asked factor) from a reference run (the best, the first, the
    usual value). Each param that carries the setting ("sn_lr", "en_lr") is read on its own. Works on param
    signatures (100k runs share a few thousand), expanding to runs only for what it cites."""
    others = {k for k in specific if k != change.concept and k not in vocab.CLOSURE[change.concept]
              and not vocab.CONCEPT_BY_ID[k].param_keys}
    pools: dict[str, list[tuple[ParamSig, float]]] = {}
    allowed = [_sids_with(idx, c) for c in others]
    for key, pool in _setting_pools(idx, change.keys).items():
        kept = [(sig, v) for sig, v in pool if all(sig.sid in a for a in allowed)]
        if kept:
            pools[key] = kept
    planned = _planned(idx, specific, scored)
    if not pools:
        return _not_tried(idx, scored, [], [], planned, specific)
    # several params carry the setting ("sn_lr", "en_lr"): the plan's words may name the part
    named = {k: pool for k, pool in pools.items()
             if set(re.split(r"[_.\-/]+", k.lower())) & change.words - set(change.keys) - {"lr", "learning", "rate"}}
    if named:
        pools = named
    metric, goal = idx.metric_now()
    hits: list[tuple[ParamSig, float, RunSnapshot | None, float | None, str]] = []
    for key, pool in pools.items():
        if change.sign == 0 and change.value is not None:
            hits += [(sig, v, None, None, key) for sig, v in pool if lexicon.same_value(change.value, repr(v))]
            continue
        by_start = sorted(((sig, v) for sig, v in pool if sig.run_ids),
                          key=lambda sv: idx.run_by_id[sv[0].run_ids[0]].start)
        if not by_start:
            continue
        first_sig, first_v = by_start[0]
        first_run = idx.run_by_id[first_sig.run_ids[0]]
        if change.sign == 2:
            hits += [(sig, v, first_run, first_v, key) for sig, v in by_start if v != first_v]
            continue
        refs: list[tuple[RunSnapshot, float]] = []
        best = _best_in(idx, pool, metric, goal)
        if best is not None:
            refs.append(best)
        refs.append((first_run, first_v))
        counts: dict[float, int] = {}
        for sig, v in pool:
            counts[v] = counts.get(v, 0) + len(sig.run_ids)
        usual = max(counts, key=lambda v: counts[v])
        usual_sig = next(sig for sig, v in by_start if v == usual)
        refs.append((idx.run_by_id[usual_sig.run_ids[0]], usual))
        for ref_run0, ref_v0 in refs:
            got = [(sig, v, ref_run0, ref_v0, key) for sig, v in by_start if _moves(ref_v0, v, change)]
            if got:
                hits += got
                break
    runs_hit: list[tuple[RunSnapshot, float, RunSnapshot | None, float | None, str]] = []
    for sig, v, ref, rv, key in hits:
        runs_hit += [(r, v, ref, rv, key) for r in _sig_runs(idx, sig, 3)]
    if not runs_hit:
        key, pool = next(iter(pools.items()))
        last_sig, ref_v = max(pool, key=lambda sv: idx.run_by_id[sv[0].run_ids[-1]].start)
        ref_run = idx.run_by_id[last_sig.run_ids[-1]]
        what = _change_words(change, key)
        values_seen = sorted({fmt(v) for _, v in pool}, key=float)
        msg = (f"Not tried: no run has {what} (runs used {key} = {', '.join(values_seen[:6])}); closest: "
               f"run {ref_run.run_name or ref_run.run_id[:8]} with {key}={fmt(ref_v)}.")
        if planned:
            p0 = planned[0]
            when = f"{p0.at:%Y-%m-%d}" if p0.at else "an earlier day"
            msg = f"Not tried: planned on {when} by {p0.author or 'someone'}, not run yet. " + msg.removeprefix(
                "Not tried: ")
        return CheckResult(already_tried=False, message=msg, planned=planned, matches=[CheckMatch(
            entry_id=None, run_ids=[ref_run.run_id], score=0.0, author=ref_run.user, at=ref_run.start,
            summary=f"run {ref_run.run_name or ref_run.run_id[:8]} with {key}={fmt(ref_v)}")])
    runs_hit.sort(key=lambda h: h[0].start)
    cited = list(dict.fromkeys(h[0].run_id for h in runs_hit))[:3]
    hit, v, ref, rv, key = runs_hit[0]
    summary = (f"run {hit.run_name or hit.run_id[:8]} by {hit.user or 'someone'} on {hit.start:%Y-%m-%d} "
               f"used {key}={fmt(v)}")
    if ref is not None and rv is not None:
        summary += f" (vs {fmt(rv)} in {ref.run_name or ref.run_id[:8]})"
    entry_id = next((e for rid in cited for e in idx.run_entries.get(rid, [])
                     if len(set(cited) | set(idx.entry_runs.get(e, []))) <= MAX_CITED), None)
    outcome = _outcome(idx, None, cited, metric, "", "")
    match = CheckMatch(entry_id=entry_id, run_ids=cited, score=1.0, summary=summary, outcome=outcome,
                       author=hit.user, at=hit.start)
    msg = f"Already tried: {summary}."
    if outcome:
        msg += f" Outcome: {outcome}."
    return CheckResult(already_tried=True, matches=[match], message=msg)


def _best_in(idx: HistoryIndex, pool: list[tuple[ParamSig, float]], metric: str | None, goal: str
             ) -> tuple[RunSnapshot, float] | None:
    """The best valid run (metric in force) among the signatures, with its setting value (per-signature
    bests are cached)."""
    if not metric:
        return None
    cache = idx.cache.setdefault(f"sigbest:{metric}:{goal}", {})
    assert isinstance(cache, dict)
    void = idx.void_runs()
    sign = -1.0 if goal == "max" else 1.0
    best: tuple[float, RunSnapshot, float] | None = None
    for sig, v in pool:
        if sig.sid not in cache:
            cand = [r for r in _sig_runs(idx, sig) if idx.valid(r, metric) and r.run_id not in void]
            cache[sig.sid] = min(cand, key=lambda r: (sign * r.metrics[metric], r.start)) if cand else None
        r = cache[sig.sid]
        if r is not None:
            score = sign * r.metrics[metric]
            if best is None or score < best[0]:
                best = (score, r, v)
    return (best[1], best[2]) if best else None


def _moves(ref: float, v: float, change: Change) -> bool:
    if ref == 0 or ref * v < 0:
        return False
    if change.sign > 0 and not v > ref * (1 + 1e-9):
        return False
    if change.sign < 0 and not v < ref * (1 - 1e-9):
        return False
    if change.factor is not None:
        return abs(v / ref - change.factor) <= 0.25 * change.factor
    return True


def _change_words(change: Change, key: str) -> str:
    if change.sign == 0:
        return f"{key}={change.value}"
    if change.sign == 2:
        return f"{key} varied"
    if change.factor is not None:
        return f"{key} at {change.factor:g}x a run's value"
    return f"a {'higher' if change.sign > 0 else 'lower'} {key} than the reference runs"


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3].rsplit(" ", 1)[0] + "..."


def _pick_runs(idx: HistoryIndex, terms: PlanTerms, fact_runs: list[str], run_scores: dict[str, float],
               cutoff: float, fact: Fact | None = None) -> list[str]:
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
        rids = _pick_runs(idx, terms, f.run_ids, run_scores, THRESHOLD, f)
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
