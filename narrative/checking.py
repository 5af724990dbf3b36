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
import re
from collections.abc import Callable

from narrative import lexicon, vocab
from narrative.approaches import UMBRELLA
from narrative.check_bounded_key import bounded_key
from narrative.check_combined import combined_against, flag_against
from narrative.check_joint import cite_holding, holding_runs, joint_missed, value_missed
from narrative.check_link_lines import link_only
from narrative.check_members import other_member, plan_members, run_text
from narrative.check_modules import module_missed
from narrative.check_names import names_document_only
from narrative.check_numbered import numbered_names, numbered_value_off
from narrative.check_place import place_off, places_in, run_place_off
from narrative.check_removal import removal_tried
from narrative.check_removal_on import removal_kept_on
from narrative.check_roles import role_off
from narrative.check_scope import (
    cite_only,
    fact_holds_more,
    holds_more,
    key_sweep,
    keyed_value_off,
    off_scope,
    only_targets,
    only_words,
    plan_scope,
    scope_closest,
    shaped_said_off,
    targets_more,
    value_words,
)
from narrative.check_settings import check_change, named_value, named_value_missed, plan_changes
from narrative.check_sizes import size_off, sizes_in
from narrative.check_stated import (
    identifier_off,
    params_value_off,
    plan_identifiers,
    plan_values,
    stated_value_off,
)
from narrative.check_verdicts import (
    THRESHOLD,
    PlanDoing,
    absent_only,
    build_tried,
    fact_cover,
    hedged_only,
    not_tried,
    planned_items,
    run_words,
    runs_not_tried,
    variant_of,
)
from narrative.history_index import Fact, HistoryIndex
from narrative.model_designations import Designation, designation_off, designations
from narrative.plan_depths import resnet_depths, square_sides
from narrative.plan_reading import (
    ASIDE,
    WITHOUT,
    PlanTerms,
    Query,
    lacks_modifier,
    main_clause,
    plan_terms,
    specific_keys,
    technique_missed,
)
from narrative.types import CheckResult, PlannedItem
from storage.records import RunSnapshot

WEAK_CITE = 0.75  # share of the bar a run needs to be cited beside a statement


def check(plan: str, idx: HistoryIndex) -> CheckResult:
    """Whether ``plan`` was already tried, judged on the caller's index of the project's history."""
    plan = resnet_depths(plan, idx)  # "the R50 runs", "the 101-layer ResNet": resnet50, resnet101
    plan = square_sides(plan)  # "B5 at 456x456": an image size of 456
    got = _check(plan, idx)
    if got.already_tried:
        terms = plan_terms(plan, idx, exclusions=True)
        scope = plan_scope(plan, idx, technique=terms.key_concepts - UMBRELLA)
        # the cited runs must hold every value the plan names; the runs that do are the evidence
        got = cite_holding(got, plan, idx, scope=scope) or got
        # "LoRA on the attention projections only": the runs cited must not hold more than that part
        got = cite_only(got, plan, idx, terms.key_concepts) or got
        # "lr 1e-3 on the small model": the settings' paths read the runs' values, not the model's size; runs
        # that all ran the model at another size are the closest, not the plan done
        head = ASIDE.sub(" ", main_clause(plan))
        got = size_scoped(got, sizes_in(head), idx) or got
        # "ViT-B/32", "bert-large-cased": runs naming the family only as other members are the closest
        got = designation_scoped(got, designations(head), idx) or got
        # "dropout at lr 2.048": a cited run whose params log dropout off (or hold what the plan goes without)
        # is not the plan; the runs holding all of it are, else it was not tried together
        got = combined_against(got, plan, terms, idx, scope) or got
        # "plain Adam without amsgrad": runs logging amsgrad=True did the other thing
        got = flag_against(got, plan, idx) or got
        # "LoRA on the key projection": runs that list their modules (query_proj,value_proj) without it did another
        got = module_missed(got, plan, idx, lambda: holding_runs(plan, idx, scope=scope)[1]) or got
        # "train on MVTec": runs holding mvtec only as their test set trained on something else
        got = role_off(got, plan, idx) or got
        # "disable the int8 quantization": runs that all kept it on did the opposite
        return removal_kept_on(got, plan, idx) or got
    return got


def _runs_size_off(idx: HistoryIndex, sizes: dict[str, frozenset[str]], f: Fact) -> bool:
    """A statement that names the plan's model with no size ("the finetuned minilm is our reranker") is about its
    runs: when they all hold the model at another size, so is the statement."""
    return (bool(sizes) and bool(f.run_ids) and not sizes_in(f.text)
            and all(size_off(sizes, run_text(idx, r)) for r in f.run_ids[:4]))


def _runs_designation_off(idx: HistoryIndex, desig: dict[str, list[Designation]], f: Fact) -> bool:
    """A statement naming no member of the plan's family ("the fine-tune got 84.1%") is about its runs: when they
    all hold another member, so is the statement."""
    return (bool(desig) and bool(f.run_ids) and not designations(f.text)
            and all(designation_off(desig, run_text(idx, r)) for r in f.run_ids[:4]))


def size_scoped(got: CheckResult, sizes: dict[str, frozenset[str]], idx: HistoryIndex) -> CheckResult | None:
    """A "tried" whose every citation is runs naming the plan's model only at other sizes: not tried, closest
    those runs. A citation with no run (a statement) is left to the statement rules."""
    if not sizes:
        return None
    return _runs_scoped(got, idx, lambda text: size_off(sizes, text),
                        ", ".join(sorted(set().union(*sizes.values()))))


def designation_scoped(got: CheckResult, desig: dict[str, list[Designation]], idx: HistoryIndex) -> CheckResult | None:
    """The same for a model's designation ("ViT-B/32" where the runs cited are all ViT-B/16 runs)."""
    if not desig:
        return None
    return _runs_scoped(got, idx, lambda text: designation_off(desig, text), "that member")


def _runs_scoped(got: CheckResult, idx: HistoryIndex, off: Callable[[str], bool], want: str) -> CheckResult | None:
    if not got.matches or not all(m.run_ids for m in got.matches):
        return None
    rids = list(dict.fromkeys(r for m in got.matches for r in m.run_ids))
    if not all(off(run_text(idx, r)) for r in rids):
        return None
    return runs_not_tried(idx, rids, f" at that size ({want}): the runs found used another size")


def _check(plan: str, idx: HistoryIndex) -> CheckResult:
    terms = plan_terms(plan, idx, exclusions=True)
    if not terms.concepts and not terms.tokens:
        return CheckResult(already_tried=False, message="Nothing to compare: the plan names no technique.")
    q = Query(idx, terms)
    specific = specific_keys(terms)
    # "batch 16 with a lower lr": every setting's change the plan asks for; the first leads, a run must hold all
    changes = plan_changes(plan, terms, idx)
    change = changes[0] if changes else None
    # the values the plan names ("on the mobilenet"): a run holding another value of that param did another thing
    scope = plan_scope(plan, idx, technique=terms.key_concepts - UMBRELLA)
    joint = joint_missed(plan, idx, scope=scope)
    if joint is not None:
        # "lr 0.02 with batch 32": one run must hold every value the plan names; runs holding one are the closest
        return joint
    removed = removal_tried(plan, terms, idx, scope)
    if removed is not None:
        # "remove warmup and label smoothing": the runs that logged both off did it
        return removed
    bounded = bounded_key(plan, idx, scope=scope) if change is None else None
    if bounded is not None:
        # "epsilon above 0.25" of a param outside the concept table: the runs' values past the bound decide
        return bounded
    if change is not None:
        # the runs' values decide; statements only matter as plans ("planned on ..., not run yet")
        plans = [i for i in q.candidate_facts() if idx.facts[i].planned]
        plan_facts = [(q.fact_score(idx.facts[i]), idx.facts[i], idx.facts[i].run_ids)
                      for i in q.shortlist(set(plans))]
        return check_change(idx, terms, change, plan_facts, specific, scope=scope, also=changes[1:])
    swept = key_sweep(plan, idx, scope)
    if swept is not None:
        return swept
    candidates: list[tuple[float, Fact, list[str]]] = [
        (q.fact_score(idx.facts[i]), idx.facts[i], idx.facts[i].run_ids) for i in q.shortlist(q.candidate_facts())]
    untried = untried_names(plan, idx)
    if untried:
        # the plan's named object (a lexicon, a tool) is in the notes only as a plan or as missing: new
        planned0 = [p for p in planned_items(idx, specific, candidates)
                    if any(t in vocab.tokens(p.text) for t in untried)]
        return not_tried(idx, [], [], [], planned0, specific)
    scored = heapq.nlargest(60, candidates,
                            key=lambda x: (round(x[0], 6), bool(x[2]), x[1].kind == "sentence", x[1].at))
    # runs as candidates (params say what was done, even when nobody wrote it down)
    top_runs = Query(idx, run_terms(terms, idx)).top_runs() if terms.key_concepts else q.top_runs()
    # Evidence that it was done: a run, or a statement of what happened -- for the same concept *and*
    # the same variant (a plain autoencoder does not answer a plan for a VAE).
    # a family member the plan names by name (HiFi-GAN) is not answered by another member (Tacotron)
    members = plan_members(ASIDE.sub(" ", main_clause(plan)))
    evidence: list[tuple[float, Fact, list[str]]] = []
    variants: list[tuple[float, Fact, list[str]]] = []
    # a thing the plan names by its own name ("HurtLex") is answered only by a candidate that names it
    names = plan_names(plan, idx)
    only = only_words(plan)
    only_t = only_targets(plan)
    # "biformer-small", "the tiny model": a size is a variant of its model
    sizes = sizes_in(ASIDE.sub(" ", main_clause(plan)))
    # "ViT-B/32", "EfficientNet-B0", "bert-large-cased": another member of the family is a variant
    desig = designations(ASIDE.sub(" ", main_clause(plan)))
    # "dropout on the embeddings": a candidate putting it on another part of the model did a variant
    places = places_in(ASIDE.sub(" ", main_clause(plan)))
    technique = frozenset(terms.key_concepts - UMBRELLA)
    # "an STFT loss weight of 0.5", "monitor val_acc": a candidate naming that setting only at another value, or
    # lacking the value the plan writes as an identifier, did a variant
    valued, idents = plan_values(plan), plan_identifiers(plan)
    # "on CIFAR-100": a run logging the name only with another number ("cifar10") did another value of it
    numbered = numbered_names(ASIDE.sub(" ", main_clause(plan)))
    # "the quotient-remainder trick": a statement naming only "the Quotient Remainder paper" did not use it
    doc_words = frozenset(t for t in terms.tokens if not vocab.is_generic(t))

    def _run_text(rid: str) -> str:
        return run_text(idx, rid)

    for s, f, rids in scored:
        if s < THRESHOLD or not f.evidence or absent_only(f.text, terms) or hedged_only(f.text) or link_only(f.text):
            continue  # a line that is only a link ("![image](https://...)") states nothing done
        if names and not all(n in f.ctx_toks or any(n in _run_toks(idx, r) for r in f.run_ids[:4])
                             for n in names):
            continue
        cover = fact_cover(idx, f)
        words = f.toks | f.ctx_toks
        if technique_missed(terms, cover, words):
            continue
        off = (variant_of(specific, cover) or other_member(members, cover, f.text)
               or _runs_off_scope(idx, scope, f, technique) or _runs_other_model(idx, technique, f)
               or lacks_modifier(terms, cover, words)
               or _fact_excluded(idx, terms, f) or size_off(sizes, f.text) or _runs_size_off(idx, sizes, f)
               or designation_off(desig, f.text) or _runs_designation_off(idx, desig, f)
               or fact_holds_more(idx, only, f.run_ids or idx.entry_runs.get(f.entry_id, []))
               or targets_more(only_t, cover, f.text) or place_off(places, f.text)
               or stated_value_off(valued, f.text, cover) or names_document_only(doc_words, f.text)
               or shaped_said_off(plan, f.text)
               or (bool(idents) and identifier_off(idents, " ".join([f.text, *map(_run_text, f.run_ids[:4])])))
               or any(run_place_off(places, idx.run_by_id[r].params) for r in f.run_ids[:4])
               or _numbered_off(numbered, f, idx))
        (variants if off else evidence).append((s, f, rids))
    run_scores: dict[str, float] = {}
    variant_runs: list[str] = []
    weak: dict[str, float] = {}  # below the bar: cited only beside a statement that says their words
    for s, rid in top_runs:
        if s < THRESHOLD:
            if s >= WEAK_CITE * THRESHOLD:
                weak[rid] = s
            continue
        if names and not all(n in _run_toks(idx, rid) for n in names):
            continue
        cover = idx.run_docs.cover(rid)
        if technique_missed(terms, cover, _run_toks(idx, rid)):
            continue
        if (variant_of(specific, cover) or other_member(members, cover, run_text(idx, rid))
                or off_scope(scope, idx.run_by_id[rid]) or _run_misses(idx, terms, rid)
                or holds_more(only, idx.run_by_id[rid]) or targets_more(only_t, cover)
                or size_off(sizes, run_text(idx, rid)) or run_place_off(places, idx.run_by_id[rid].params)
                or designation_off(desig, run_text(idx, rid))
                or keyed_value_off(plan, idx.run_by_id[rid], idx) or identifier_off(idents, run_text(idx, rid))
                or params_value_off(valued, idx.run_by_id[rid].params)
                or numbered_value_off(numbered, idx.run_by_id[rid].params)):
            variant_runs.append(rid)
        else:
            run_scores[rid] = s
    if _CORRECTIVE_PLAN.match(main_clause(plan).lower()):
        # "fix the lower bound of the action space": a note that the thing is there, or a run that holds it, is
        # the opposite of the plan done; only a statement that reports the correction answers it
        evidence = [e for e in evidence if _CORRECTED.search(e[1].text)]
        variant_runs += list(run_scores)
        run_scores = {}
    best = max([x[0] for x in evidence] + list(run_scores.values()), default=0.0)
    named = named_value(plan, idx, scope=scope)
    if named is not None and best >= THRESHOLD and not _holds_named(named, run_scores, evidence):
        # the plan asks for a value of a param the runs record ("a fifth conv layer": conv_layers=5): the runs
        # holding that value decide, not a statement about another value ("6 conv layers")
        return named
    missed = ((named_value_missed(plan, idx, scope=scope) or value_missed(plan, idx, scope=scope))
              if best >= THRESHOLD and named is None else None)
    if missed is not None and not any(_says_number(f.text, missed[1]) for _, f, _ in evidence):
        # "drop path 0.2" where the runs hold drop_path=0.1: the statement about 0.1 is the closest, not the plan
        said = [p for p in planned_items(idx, specific, scored) if _says_number(p.text, missed[1])]
        return _with_plans(missed[0], said)
    if best >= THRESHOLD:
        return build_tried(idx, terms, evidence, run_scores, best,
                           {r: w for r, w in weak.items() if r not in variant_runs})
    if named is not None:
        return named
    planned = planned_items(idx, specific, scored, PlanDoing.of(terms))
    if planned and specific:
        # planned, then run: a run after the plan that carries everything the plan names is the plan done
        # (an end-of-day note is written after the day's runs: a run from the day before on counts)
        since = (min(p.at for p in planned if p.at) - dt.timedelta(days=1)) if any(p.at for p in planned) else None
        done_runs = [rid for _, rid in q.top_runs(limit=50, concepts=specific)
                     if specific <= idx.run_docs.cover(rid) and (since is None or idx.run_by_id[rid].start >= since)
                     and not _run_misses(idx, terms, rid) and not off_scope(scope, idx.run_by_id[rid])
                     and not holds_more(only, idx.run_by_id[rid]) and not targets_more(only_t, idx.run_docs.cover(rid))
                     and not keyed_value_off(plan, idx.run_by_id[rid], idx)]
        # "run gin with hidden 200": a later GIN run at hidden 300 is not the plan done
        named_now, holders = holding_runs(plan, idx, scope=scope)
        if named_now:
            done_runs = [rid for rid in done_runs if rid in {r.run_id for r in holders}]
        if done_runs:
            return build_tried(idx, terms, [], {rid: THRESHOLD for rid in done_runs[:3]}, THRESHOLD)
    if not planned and not variants and not variant_runs:
        # "label smoothing on B1" where only A0 runs had it: those runs are the closest
        closest = scope_closest(idx, {c for c in terms.key_concepts if c not in UMBRELLA}, scope,
                                frozenset(t for t, w in terms.tokens.items() if w >= 0.5))
        if closest is not None and not (closest.already_tried and _misses_named(plan, idx, scope, closest)):
            return closest
    return not_tried(idx, scored, variants, variant_runs, planned, specific)


def _misses_named(plan: str, idx: HistoryIndex, scope: dict[str, frozenset[str]], got: CheckResult) -> bool:
    """Whether the plan names values ("hidden 200") that none of the runs ``got`` cites holds."""
    named, holders = holding_runs(plan, idx, scope=scope)
    cited = {r for m in got.matches for r in m.run_ids}
    return bool(named) and not cited & {r.run_id for r in holders}


def _with_plans(got: CheckResult, plans: list[PlannedItem]) -> CheckResult:
    """A value no run holds that a note planned: not tried, and said to be planned (the oldest plan quoted)."""
    if not plans:
        return got
    p0 = plans[0]
    when = f"{p0.at:%Y-%m-%d}" if p0.at else "an earlier day"
    return got.model_copy(update={"planned": plans, "message": (
        f"{got.message} Planned on {when} by {p0.author or 'someone'}, not run yet: \"{p0.text}\"")})


def _says_number(text: str, asked: float) -> bool:
    """Whether a statement names the value a plan asks for (the runs may not record every value tried)."""
    return any(lexicon.same_value(repr(asked), w) for w in _NUMBER.findall(text.lower()))


_NUMBER = re.compile(r"(?<![\w.@])\d+(?:\.\d+)?(?:e-?\d+)?(?![\w.])")


def _numbered_off(numbered: frozenset[tuple[str, str]], f: Fact, idx: HistoryIndex) -> bool:
    """A statement that gives the plan's named thing only with another number ("tried it on cifar10" for a plan on
    CIFAR-100), or whose runs all log it so and whose words never give the plan's number after the name."""
    if not numbered or numbered <= numbered_names(f.text):
        return False
    if numbered_value_off(numbered, {"text": f.text}):
        return True
    runs = (f.run_ids or idx.entry_runs.get(f.entry_id, []))[:4]  # a sentence linked to none: its entry's runs
    return bool(runs) and all(numbered_value_off(numbered, idx.run_by_id[r].params) for r in runs)


def _runs_off_scope(idx: HistoryIndex, scope: dict[str, frozenset[str]], f: Fact,
                    key_concepts: frozenset[str] = frozenset()) -> bool:
    """A statement about runs that all hold another value of a param the plan names, and whose own words
    name none of the plan's values: it reports the other thing ("mixup helped" under the EfficientNet run)."""
    # a sentence linked to no run of its own ("so trees it is.") is about its entry's runs
    runs = (f.run_ids or idx.entry_runs.get(f.entry_id, []))[:4]
    if not scope or not runs:
        return False
    # the runs that hold what the plan asks for are the ones the statement reports it on ("RF with class weights
    # .52, hist gbm .58": the class weights were on the RF run, not on the gbm one)
    holding = [r for r in runs if key_concepts and key_concepts <= idx.run_docs.cover(r)]
    if not all(off_scope(scope, idx.run_by_id[r]) for r in holding or runs):
        return False
    said = vocab.tokens(f.text)
    # only the params the runs are off on count: "fp16 autocast on tasnet" names the plan's fp16, not its dccrn-e
    off_keys = {k for r in holding or runs for k in _off_keys(scope, idx.run_by_id[r])}
    return not any(w in said for k in off_keys for v in scope[k] for w in value_words(v))


def _off_keys(scope: dict[str, frozenset[str]], run: RunSnapshot) -> list[str]:
    return [k for k, named in scope.items() if k in run.params and run.params[k] not in named]


def _runs_other_model(idx: HistoryIndex, technique: frozenset[str], f: Fact) -> bool:
    """A statement whose runs all lack the plan's model and hold another one, and whose own words do not name the
    plan's model: "mf w/ bpr: .121" is about the mf runs, even when its entry plans a two-tower model elsewhere
    (the entry's models are the statement's context, not what its runs did)."""
    models = {c for c in technique if vocab.CONCEPT_BY_ID[c].kind == "model"}
    runs = f.run_ids[:4]
    if not models or not runs:
        return False
    if any(not models.isdisjoint(idx.run_docs.cover(r)) for r in runs):
        return False
    if not all(any(vocab.CONCEPT_BY_ID[c].kind == "model" for c in idx.run_docs.cover(r)) for r in runs):
        return False
    said = vocab.concepts_in(vocab.norm(f.text))
    return not any(c in models or not models.isdisjoint(vocab.CLOSURE[c]) for c in said)


def _run_misses(idx: HistoryIndex, terms: PlanTerms, rid: str) -> bool:
    """A run that holds the plan's thing only plainly (no "denoising" for a denoising autoencoder), only as the
    plan's target, or together with what the plan asks to go without."""
    cover, words = idx.run_docs.cover(rid), _run_toks(idx, rid)
    return (lacks_modifier(terms, cover, words) or technique_missed(terms, cover, words)
            or _runs_excluded(idx, terms, [rid]))


def _runs_excluded(idx: HistoryIndex, terms: PlanTerms, rids: list[str]) -> bool:
    """Runs that all hold what the plan asks to go without ("bf16 without quantisation": the 4-bit run)."""
    if not terms.excluded or not rids:
        return False
    return all(not terms.excluded.isdisjoint(idx.run_docs.cover(r)) for r in rids[:4])


def _fact_excluded(idx: HistoryIndex, terms: PlanTerms, f: Fact) -> bool:
    """A statement that names what the plan asks to go without ("4-bit LoRA" for "LoRA without quantization"),
    not itself as missing ("FP16 (no quantisation)"), or whose runs (its entry's, when it has none) all hold it."""
    if not terms.excluded:
        return False
    low = vocab.norm(f.text)
    for cid, sp in vocab.concepts_in(low).items():
        if not terms.excluded.isdisjoint(vocab.CLOSURE[cid]) and any(
                not WITHOUT.search(low[max(0, a - 40): a]) for a, _ in sp):
            return True
    return _runs_excluded(idx, terms, f.run_ids or idx.entry_runs.get(f.entry_id, []))


# a plan whose verb undoes or repairs its object (the subject and modal words before it are skipped)
_CORRECTIVE_PLAN = re.compile(
    r"^\W*(?:(?:let'?s|we|i|you|should|could|will|'ll|must|then|and|also|maybe|first|finally|try|to|going|gonna|"
    r"need|want|have|has|please|now|just)\s+)*(?:fix|correct|remove|undo|revert|disable|debug|repair|resolve|"
    r"strip|get\s+rid\s+of|take\s+out|turn\s+off)\b")
_CORRECTED = re.compile(r"\b(?:fix(?:ed|es)?|correct(?:ed|ing)|remov(?:ed|ing)|undid|undone|revert(?:ed|ing)|"
                        r"disabl(?:ed|ing)|debugged|repaired|resolved|stripped|got\s+rid|took\s+out|"
                        r"turned\s+off|without|no\s+longer|w/o)\b", re.I)
_NAMED = re.compile(r"(?<![\w.])(?:[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[a-z]*\w*)(?![\w.])")


def _holds_named(named: CheckResult, run_scores: dict[str, float],
                 evidence: list[tuple[float, Fact, list[str]]]) -> bool:
    """Whether the evidence found already cites a run that holds the value the plan names."""
    want = {r for m in named.matches for r in m.run_ids}
    if evidence:
        # the statements are what the answer cites first: one of them must be about a run holding the value
        return any(want & set(rids) for _, _, rids in evidence)
    return bool(want & set(run_scores))


def _run_toks(idx: HistoryIndex, rid: str) -> set[str]:
    return run_words(idx, rid, families=True)


def _proper_names(plan: str) -> list[str]:
    """Stems of what the plan names by a proper name (CamelCase or capitals) outside any known concept."""
    head = ASIDE.sub(" ", main_clause(plan))
    spans = [(a, b) for sp in vocab.concepts_in(head).values() for a, b in sp]
    return [vocab.stem(m.group(0).lower()) for m in _NAMED.finditer(head)
            if not any(a < m.end() and m.start() < b for a, b in spans)]


def plan_names(plan: str, idx: HistoryIndex) -> set[str]:
    """The plan's proper names that the history holds somewhere: "HurtLex" in "add HurtLex counts to the
    neural ensemble"."""
    return {tok for tok in _proper_names(plan)
            if idx.df.get(tok) or tok in idx.token_sigs or tok in idx.name_token_runs}


def untried_names(plan: str, idx: HistoryIndex) -> set[str]:
    """Named things of the plan (CamelCase or capitals: "HurtLex", "GAP") that no run carries and that the
    notes hold only in plans, questions or as missing ("it does not have HurtLex in it yet").

    A concept the vocabulary knows (SVM, BN) is judged by the concept matching, not here."""
    out: set[str] = set()
    for tok in _proper_names(plan):
        posting = idx.token_facts.get(tok, ())
        if not posting or tok in idx.token_sigs or tok in idx.name_token_runs:
            continue
        alone = PlanTerms({}, {tok: 1.0}, set())
        if all(not idx.facts[i].evidence or absent_only(idx.facts[i].text, alone) for i in posting):
            out.add(tok)
    return out


def run_terms(terms: PlanTerms, idx: HistoryIndex) -> PlanTerms:
    """The plan's terms as a run can hold them: the words of the project's own name, its experiments' names
    and its metrics ("humor" in project humor-detect, metric humor_f1) say what every run is about, so a run
    that lacks them in its params is not a different thing ("an SVM classifier for humor" is the svm run)."""
    domain = _domain_words(idx)
    toks = {t: w for t, w in terms.tokens.items() if t not in domain}
    return PlanTerms(terms.concepts, toks, terms.key_concepts)


def _domain_words(idx: HistoryIndex) -> frozenset[str]:
    got = idx.cache.get("domain_words")
    if isinstance(got, frozenset):
        return got
    project = idx.history.project
    names = [project.name, *getattr(project, "experiment_names", []), *idx.metric_keys]
    words = {vocab.stem(w) for n in names if n for w in re.split(r"[^a-z]+", n.lower()) if len(w) >= 3}
    out = frozenset(words - vocab.GENERIC_STEMS)
    idx.cache["domain_words"] = out
    return out
