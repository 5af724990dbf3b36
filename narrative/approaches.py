"""Lines of experimentation ("approaches") derived from entries' language and runs' params."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field

from narrative import lexicon, vocab
from narrative.approach_cues import (
    _DEMOTION,
    _MATTERS,
    _MATTERS_NOT,
    _PLAN_OPENER,
    _REPAIRED,
    _RESTRICTED,
    _TRIGGER,
    _absence_hurts,
    _adopts,
    _hedges,
    _is_table_row,
    hedged_close,
)
from narrative.approach_kept import kept_on
from narrative.approach_names import (
    _PHRASE_TAIL,
    _name_in_team_words,
    _phrase_in_data,
    _phrase_key,
    added_over,
    head_phrase,
    heading_name,
    merge_short_forms,
    name_sweeps,
)
from narrative.approach_scope import adopted_scope, is_family, merge_variants, other_family, recovered, supersede
from narrative.approach_values import judged_value
from narrative.history_index import Fact, HistoryIndex, fmt
from narrative.line_subjects import _CONTRAST, _LINE_UMBRELLA, _compared_with
from narrative.line_subjects import UMBRELLA as UMBRELLA  # (importable from here, as before)
from narrative.line_subjects import subjects_of as _subjects_of
from narrative.replacements import absent_in, refused_in, replacement_in, replacement_lost, set_aside
from storage.records import ApproachStatus, Goal, RunSnapshot


@dataclass(slots=True)
class Event:
    at: dt.datetime
    signal: str  # closed | adopted | negative | open | positive | mention
    fact: Fact


@dataclass
class Approach:
    key: str
    name: str
    status: ApproachStatus = "open"
    reason: str = ""
    reason_kind: str = ""
    run_ids: list[str] = field(default_factory=list)
    entry_ids: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    best_run_id: str | None = None
    best_value: float | None = None
    decided_by: Fact | None = None
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    by_numbers: bool = False  # closed by its runs' metrics alone, no word in the notes


def subject_concepts(fact: Fact) -> set[str]:
    """The concepts a sentence is about (not the ones it contrasts with, nor umbrella terms): read when its entry
    was written (``narrative.line_subjects``)."""
    return set(fact.subjects)


# "neither performs as well as the original X": X is the yardstick
_AS_WELL_AS = re.compile(r"\b(?:perform\w{0,3}|does|do|did|is|are|was|were)\s{1,3}(?:not\s{1,3})?as\s{1,3}"
                         r"(?:well|good)\s{1,3}as\s{1,3}([\w\- ./]{0,30})", re.I)


@functools.lru_cache(maxsize=1 << 16)
def _contrasted(sentence: str) -> frozenset[str]:
    """The concepts a sentence names only as what something else is compared with ("less intelligible than the
    MelGAN formulation"): a bad result of the comparison is no verdict on them."""
    text = vocab.norm(sentence)
    out = _compared_with(text, _CONTRAST, 3) | _compared_with(text, _AS_WELL_AS, 1)
    return frozenset(out - set(vocab.concept_frozenset(_AS_WELL_AS.sub(" ", _CONTRAST.sub(" ", text)))))


_PLAN_KINDS = ("hypothesis", "next_step", "question")


# "Weight-decay only helps on TM. Use decay = 0": a setting set to zero is switched off, named by the last word
# of a line of work the sentence before named
_SET_ZERO = re.compile(r"^\W{0,4}(?:use|set|setting)\s{1,3}([a-z][\w-]{2,20})\s{0,3}(?:=|:|to)\s{0,3}0(?![\w.])", re.I)


def _zeroed(f: Fact, prev: Fact | None) -> set[str]:
    m = _SET_ZERO.search(f.text) if f.kind == "sentence" else None
    if m is None or prev is None or prev.entry_id != f.entry_id or prev.para != f.para:
        return set()
    word = m.group(1).lower()
    return {c for c in subject_concepts(prev) if vocab.norm(vocab.CONCEPT_BY_ID[c].name).split()[-1] == word}


def _signal(f: Fact) -> str:
    if f.negative and recovered(f.text):
        f = dataclasses.replace(f, negative=False, verdict="" if f.verdict == "did_not_work" else f.verdict)
    if _is_table_row(f.text):
        return "mention"
    if f.kind in _PLAN_KINDS:
        return "open"  # a plan, an idea or a question decides nothing, whatever words it uses
    counterfactual, conditional = _hedges(f.text)
    if counterfactual:
        return "mention"
    if conditional or (f.opening and _PLAN_OPENER.search(f.text)):
        return "open"
    if _MATTERS.search(f.text) and not _MATTERS_NOT.search(f.text):
        return "positive"
    repaired = bool(_REPAIRED.search(f.text)) and not vocab.cue_flags(f.text)[0]
    if f.negative and not f.closing and (repaired or _TRIGGER.search(f.text)):
        return "mention"
    if (f.closing or f.negative) and hedged_close(f.text):
        return "mention"
    adopting = f.adopting or f.verdict in ("adopt", "model_selection")
    if adopting and _DEMOTION.search(f.text):
        return "closed"
    adopts = adopting and _adopts(f)
    if f.kind == "decision":
        if f.verdict in ("abandon",):
            return "closed"
        if f.verdict in ("adopt", "model_selection"):
            return "adopted" if adopts else "mention"
    if f.closing:
        return "closed"
    if f.kind == "conclusion" and f.verdict == "did_not_work":
        return "negative"
    if adopts and not f.negative and not f.opening:
        return "adopted"
    if f.negative:
        return "negative"
    if f.kind in ("hypothesis", "next_step", "question") or f.opening:
        return "open"
    if f.kind == "conclusion" and f.verdict == "worked":
        return "positive"
    return "mention"


def _reason_text(kind: str, f: Fact) -> str:
    snippet = f.text if len(f.text) <= 170 else f.text[:167].rsplit(" ", 1)[0] + "..."
    label = vocab.reason_label(kind)
    return f"{label}: {snippet}" if label else snippet


# what a verdict with no subject of its own opens with: a status, a measure, a negation's remnant
_STATUS_WORDS = frozenset({"result", "results", "dnf", "good", "bad", "ok", "okay", "status", "outcome", "verdict",
                           "conclusion", "note", "update", "summary", "fail", "failed", "success", "doesn", "didn",
                           "isn", "wasn", "don", "up", "down", "stable", "unstable", "val", "test", "train", "metrics",
                           "same", "better", "worse", "much", "slightly"})


def _elliptic(text: str) -> bool:
    """Whether a verdict leaves its subject out ("DNF: same as exp 1", "got stuck early", "test loss went down"),
    not one that names what it judges ("Previous version slightly outperforms the new one")."""
    return all(w in _STATUS_WORDS or w in lexicon.HIGHER_IS_BETTER_WORDS or w in lexicon.LOWER_IS_BETTER_WORDS
               for w in (w.strip(".,;:!?") for w in head_phrase(text).split()))


def _heading_line(idx: HistoryIndex, f: Fact, names: dict[str, str]) -> set[str]:
    """A verdict with no subject of its own ("DNF: same as exp 1") judges the experiment its numbered heading
    names ("Experiment 3: Theta=2k"): the heading's line of work, by its concepts or by its words in the runs."""
    entry = idx.entry_by_id.get(f.entry_id)
    label = heading_name(entry.raw_text, f.text) if entry is not None and _elliptic(f.text) else ""
    if not label:
        return set()
    keys = set(_subjects_of(label)) - _LINE_UMBRELLA
    if keys:
        names.update({k: vocab.CONCEPT_BY_ID[k].name for k in keys})
        return keys
    phrase = head_phrase(label)
    if len(phrase) < 4 or not _phrase_in_data(idx, phrase):
        return set()
    key = "phrase:" + _phrase_key(phrase)
    names[key] = phrase.rstrip(_PHRASE_TAIL)
    return {key}


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")


def _inherited(f: Fact, before: Fact | None) -> set[str]:
    """What a verdict with no subject of its own ("reverting the shaping.", "it backfired") judges: the subjects
    of the sentence before it in its paragraph ("reward shaping on sac ..." judges the shaping; sac is where it
    was tried), else every concept it carries."""
    keys = {c for c in f.concepts if c not in _LINE_UMBRELLA}
    if f.kind == "sentence" and before is not None and before.entry_id == f.entry_id and before.para == f.para:
        if _MD_HEADING.match(before.text):
            return set()  # "## Mixup" over "DNF: ...": a heading is no numbered experiment, it names no subject
        said = subject_concepts(before) & keys
        if said:
            return said
    return keys


def _constant_setup(idx: HistoryIndex, signals: dict[str, str]) -> set[str]:
    """The model every run of the project is ("train YoloV3 ...: mixup doesn't improve the baseline" when every
    run is a YOLO) is the setup a verdict was reached on, not what it judges, as long as the verdict also names
    something the runs vary (some carry it, some do not): the constant is not closed with it."""
    judged = [k for k, v in signals.items() if v in ("negative", "closed")]
    if len(judged) < 2:
        return set()
    const = {k for k in judged if _constant_in_runs(idx, k)}
    if not const:
        return set()
    n = len(idx.runs)
    varied = [k for k in judged if not k.startswith("phrase:") and 0 < _carried(idx, k) < n]
    return const if varied else set()


def _constant_in_runs(idx: HistoryIndex, cid: str) -> bool:
    """Whether every run of the project is this model, with the same settings (a model logged by every run at
    different sizes is a line swept, not a constant; a technique every run carries is judged when named)."""
    memo: dict[str, bool] = idx.cache.setdefault("constant_models", {})  # type: ignore[assignment]
    got = memo.get(cid)
    if got is None:
        got = memo[cid] = _constant_model(idx, cid)
    return got


def _constant_model(idx: HistoryIndex, cid: str) -> bool:
    n = len(idx.runs)
    if cid.startswith("phrase:") or vocab.CONCEPT_BY_ID[cid].kind != "model" or n < 2 or _carried(idx, cid) < n:
        return False
    seen: set[frozenset[tuple[str, str]]] = set()
    for r in idx.runs:
        seen.add(frozenset((k, v) for k, v in r.params.items() if cid in vocab.cover(vocab.param_value_concepts(k, v))))
        if len(seen) > 1:
            return False
    return True


def _carried(idx: HistoryIndex, cid: str) -> int:
    """How many runs carry the concept (remembered for the index: read once per concept, not once per fact)."""
    memo: dict[str, int] = idx.cache.setdefault("carried_runs", {})  # type: ignore[assignment]
    got = memo.get(cid)
    if got is None:
        # a count, not runs_with's oldest-first merge: a run both a setting and its name carry counts once
        carriers = {rid for sig in idx.concept_sigs.get(cid, ()) for rid in sig.run_ids}
        carriers.update(idx.name_concept_runs.get(cid, ()))
        got = memo[cid] = len(carriers)
    return got


def _in_runs(idx: HistoryIndex, cid: str) -> bool:
    return bool(idx.runs_with(cid, 1))


def derive(idx: HistoryIndex, limit: int = 12) -> list[Approach]:
    cached = idx.cache.get(f"approaches:{limit}")
    if isinstance(cached, list):
        return cached
    by_key: dict[str, Approach] = {}
    spoken: dict[str, set[str]] = {}  # the words each phrase line was told in
    prev: Fact | None = None
    settings = frozenset(k.lower() for r in idx.runs for k in r.params)
    primary = idx.metric_now()[0] or ""
    for f in idx.facts:
        before = prev
        zeroed, prev = (_zeroed(f, prev) if prev is not None else set()), (f if f.kind == "sentence" else prev)
        keys = subject_concepts(f) | zeroed
        if not keys and f.concepts and (f.closing or f.negative or f.adopting) and not _names_own(f.text, settings):
            keys = _inherited(f, before)
        names: dict[str, str] = {k: vocab.CONCEPT_BY_ID[k].name for k in keys}
        helped, absent_words = _absence_hurts(f.text)
        if not keys and (f.closing or (f.kind == "conclusion" and f.verdict == "did_not_work")):
            run_name, added = added_over(f.text)
            # "baseline-plus-wsampler (vs baseline): worse" judges the sampler, not a run
            phrase = added if added and idx.name_to_runs.get(run_name) else head_phrase(f.text)
            # "already +8 pts over the tfidf baseline: dropping ...": the yardstick's words are no line of work
            if phrase and len(phrase) >= 4 and not any(phrase in w for w in absent_words) \
                    and not (vocab.concept_frozenset(phrase) & _contrasted(f.text)) and _phrase_in_data(idx, phrase):
                key = "phrase:" + _phrase_key(phrase)
                keys = {key}
                names[key] = phrase.rstrip(_PHRASE_TAIL)
        if not keys and (f.closing or (f.kind == "conclusion" and f.verdict in ("did_not_work", "worked"))):
            keys = _heading_line(idx, f, names)
        # how a result was measured ("a random split", "seed variance") is no line of work; k-fold stays one, as
        # notes use it for training too ("an ensemble built with k-fold cross-validation")
        keys = {k for k in keys if k.startswith("phrase:") or vocab.CONCEPT_BY_ID[k].kind != "eval"
                or k == "cross_validation"}
        sig = _signal(f)
        if sig == "negative" and vocab.judged_on_other_metric(f.text, primary, idx.metric_keys):
            sig = "mention"  # "raw lgbm ece .043, way worse than logreg": worse on calibration, no gain lost on auc
        if sig == "adopted" and "gbm" in vocab.concept_frozenset(f.text) and not any(
                "gbm" in vocab.CONCEPT_BY_ID[k].broader for k in keys if not k.startswith("phrase:")):
            # "so gbm it is", "sticking with hgb": gradient boosting with no narrower kind named is the family
            # adopted (a line of its own only by an adoption: "pointwise GBDT ... lambdarank is parked" parks
            # the ranking objective, not the trees)
            keys = keys | {"gbm"}
            names["gbm"] = vocab.CONCEPT_BY_ID["gbm"].name
        for k in [k for k in keys if sig in ("negative", "closed") and not k.startswith("phrase:")]:
            if ident := judged_value(idx, f.text, k):  # "`contrastive_mse` does not work": that value, not the family
                keys = (keys - {k}) | {(pk := "phrase:" + _phrase_key(ident))}
                names[pk] = ident
        signals = {k: sig for k in keys}
        if sig == "adopted":
            signals.update({k: "mention" for k in _not_adopted(f.text, keys)})
        if sig == "open" and f.kind == "hypothesis" and result_head(f, idx):
            # the head of a result its own note reports ("X, len 256: 0.768") plans nothing; replaces nothing
            signals = {k: "mention" for k in signals}
        else:
            signals.update(_replacement_signals(f.text, sig))
        signals.update({k: "mention" for k in helped | (_contrasted(f.text) if sig == "negative" else set())
                        if k in signals and signals[k] in ("negative", "closed")})
        signals.update({k: "closed" for k in zeroed if sig not in ("open",)})
        signals.update({k: "mention" for k in _constant_setup(idx, signals)})
        for k, k_sig in signals.items():
            ap = by_key.get(k)
            if ap is None:
                ap = by_key[k] = Approach(key=k, name=names.get(k) or vocab.CONCEPT_BY_ID[k].name)
            ap.events.append(Event(f.at, k_sig, f))
            if k in names and k.startswith("phrase:"):
                spoken.setdefault(k, set()).add(names[k])
    name_sweeps(by_key, spoken)
    merge_short_forms(by_key)
    merge_variants(by_key)
    metric, goal = idx.metric_now()
    out: list[Approach] = []
    for ap in by_key.values():
        ap.events.sort(key=lambda e: (e.at, e.fact.position))
        _decide_status(ap)
        rids: list[str] = []
        seen: set[str] = set()
        seen_entries: set[str] = set()
        cid = ap.key
        for e in ap.events:
            if len(rids) < 10:
                for r in e.fact.run_ids:
                    if r not in seen and not other_family(idx, cid, r):
                        rids.append(r)
                        seen.add(r)
            if e.fact.entry_id not in seen_entries:
                seen_entries.add(e.fact.entry_id)
                ap.entry_ids.append(e.fact.entry_id)
        if not cid.startswith("phrase:") and len(rids) < 10:
            for r in idx.runs_with(cid, 10 + len(rids)):
                if len(rids) >= 10:
                    break
                if r not in seen:
                    rids.append(r)
                    seen.add(r)
        ap.run_ids = rids[:10]
        ap.first_at = ap.events[0].at
        ap.last_at = ap.events[-1].at
        own = ap.run_ids
        if not cid.startswith("phrase:"):
            # the best value goes to the family of the run that achieved it: only runs that carry the concept,
            # and not a narrower family the notes follow on its own (an XGBoost run is no gradient boosting best)
            apart = {k for k in by_key if k != cid and not k.startswith("phrase:") and is_family(k)
                     and cid in vocab.CONCEPT_BY_ID[k].broader}
            own = [r for r in ap.run_ids if cid in idx.run_docs.cover(r) and not apart & idx.run_docs.cover(r)]
        best = idx.best_run(metric, goal, [idx.run_by_id[r] for r in own]) if metric and own else None
        if best is not None and metric:
            ap.best_run_id, ap.best_value = best.run_id, best.metrics[metric]
        if ap.status == "open" and metric:
            _closed_by_numbers(idx, ap, metric, goal)
        if ap.status == "open" and metric:
            _diminishing(idx, ap, metric, goal)
        out.append(ap)
    supersede(idx, out)
    kept_on(idx, out)  # a change every later run keeps, the best included, is not given up

    def rank(ap: Approach) -> tuple[int, int, float]:
        # a line closed by numbers alone fills a place left over, it does not push out one the notes discuss
        decided = 1 if ap.status != "open" and not ap.by_numbers else 0
        talk = len({e.fact.entry_id for e in ap.events})
        strong = sum(1 for e in ap.events if e.signal in ("closed", "adopted", "negative", "open"))
        return (decided + (1 if strong else 0), talk + strong, ap.last_at.timestamp() if ap.last_at else 0.0)

    # a line closed by its numbers alone is decided though its notes only mention it
    out = [a for a in out if any(e.signal != "mention" for e in a.events) or len(a.entry_ids) > 1
           or a.status != "open"]
    # the model every run is, with no verdict or decision of its own, is the project's setup, not a line of work
    out = [a for a in out if a.status != "open" or len(idx.runs) < 3
           or any(e.signal in ("positive", "adopted", "negative", "closed") for e in a.events)
           or not _constant_in_runs(idx, a.key)]
    # a family that no run carries and that only one sentence names is a stray word match, not a line of work
    out = [a for a in out if a.key.startswith("phrase:") or _in_runs(idx, a.key) or len(a.entry_ids) > 1]
    # Ties keep the order of the keys, not of a set (whose order changes with the process's hash seed).
    out.sort(key=lambda a: a.key)
    out.sort(key=rank, reverse=True)
    out = _merge_duplicates(out)[:limit]
    for ap in out:
        _name_in_team_words(ap)
    out.sort(key=lambda a: a.first_at or dt.datetime.min.replace(tzinfo=dt.UTC))
    idx.cache[f"approaches:{limit}"] = out
    return out


_HEAD_WORD = re.compile(r"^\W{0,4}([A-Za-z][\w.]{1,30})")


def _names_own(text: str, settings: frozenset[str]) -> bool:
    """Whether a verdict names what it judges, so that the concepts it inherits from its heading or its
    paragraph are not judged by it: a concept of its own, even a broad one ("sticking with hgb"), or a setting
    the runs log, said first ("tau 0.01 vs 0.005: no diff" under "sac tuning" judges tau, not SAC)."""
    if any(vocab.concepts_in_once(text).values()):
        return True
    m = _HEAD_WORD.match(text)
    if m is None:
        return False
    word = m.group(1).lower()
    return word in settings or (bool(_VALUE_NEXT.match(text, m.end())) and _short_for_setting(word, settings))


# a value right after the head word ("len 512:", "lr=1e-3", "bs: 64"): the word is a setting's
_VALUE_NEXT = re.compile(r"\s{0,2}[=:]?\s{0,2}\d")


def _short_for_setting(word: str, settings: frozenset[str]) -> bool:
    """Whether ``word`` shortens a logged setting: one of its words by its first three letters or more ("len"
    of "max_length"), or its initials ("lr" of "learning_rate"); a plain word ("the 512 run") shortens none."""
    if word in vocab.STOPWORDS:
        return False
    for key in settings - _NOT_SETTINGS:
        parts = [p for p in re.split(r"[_\W]+", key) if p]
        if len(parts) >= 2 and word == "".join(p[0] for p in parts):
            return True
        if len(word) >= 3 and any(p.startswith(word) for p in parts):
            return True
    return False


def _not_adopted(text: str, keys: set[str]) -> set[str]:
    """The subjects an adopting sentence names but does not adopt: those outside the clause of its cue ("RF .49,
    gbm .53, so gbm it is, logreg is just the floor now" adopts gradient boosting only), or the model a value
    kept was tuned on ("ent_coef 0.01 on ppo ... keeping 0.01")."""
    scope = adopted_scope(text)
    if scope is None:
        return set()
    named, value, words = scope
    if named:
        return {k for k in keys if not k.startswith("phrase:") and k not in named}
    if not value:
        return set()
    # "❌ log stays": a word of the concept's own name keeps it (the log-transformed target)
    keys = {k for k in keys if not k.startswith("phrase:")
            and not words & set(re.findall(r"[a-z]+", vocab.CONCEPT_BY_ID[k].name.lower()))}
    # a value kept leaves the model it was tuned on alone; a word no concept holds leaves every subject
    text_value = bool(re.search(r"\d", text[vocab.ADOPT_CUES.search(text).start():]))  # type: ignore[union-attr]
    return {k for k in keys if not k.startswith("phrase:") and (vocab.CONCEPT_BY_ID[k].kind == "model"
                                                                or not text_value)}


# a function of the sentence and its signal alone: remembered, as ``_subjects_of`` (a project repeats its
# sentences: 53k facts hold 8.7k distinct ones in the 100k-run bench)
@functools.lru_cache(maxsize=1 << 16)
def _replacement_signals(text: str, sig: str) -> tuple[tuple[str, str], ...]:
    """A stated replacement done ("switched from X to Y", "Y instead of X") closes X and adopts Y; a setting
    switched off closes it. A plan, a hedge or a regret replaces nothing yet, and when the sentence reports
    the change went badly the old line is not closed by it (the verdict words already mark the new one)."""
    if sig == "open" or any(_hedges(text)):
        return ()
    lost = replacement_lost(text)
    if lost is not None:
        # "Try with SGD instead of Adam ==> Adam seems better": the new one failed, the old one stays
        return (*((c, "negative") for c in lost.new if c not in _LINE_UMBRELLA),
                *((c, "mention") for c in lost.old if c not in _LINE_UMBRELLA))
    if sig == "negative":
        return ()
    # what a setup is said to lack was neither adopted nor dropped by the sentence
    absent = {c: "mention" for c in absent_in(text) if sig in ("adopted", "positive", "closed")}
    if absent and sig == "closed":
        absent = {}  # "dropped it, trained without dropout": the closing verb decides
    # a setting switched off ("Mixup: off", "no Mixup") is the same decision with nothing in its place
    out = {**absent, **{c: "closed" for c in set_aside(text) if c not in _LINE_UMBRELLA}}
    rep = replacement_in(text)
    if rep is None:
        return tuple(out.items())
    out.update({c: "closed" for c in rep.old if c not in _LINE_UMBRELLA})
    if sig in ("mention", "positive"):
        out.update({c: "adopted" for c in rep.new if c not in _LINE_UMBRELLA})
    return tuple(out.items())  # immutable: the result is shared by every fact with this sentence


def _merge_duplicates(aps: list[Approach]) -> list[Approach]:
    """Two keys decided by the same sentence with the same runs, the same way, are one line of work (a family
    replaced by the one adopted is not the adopted one)."""
    seen: dict[tuple[int, tuple[str, ...], str], Approach] = {}
    out: list[Approach] = []
    for ap in aps:
        sig = (ap.decided_by.idx if ap.decided_by else -1, tuple(sorted(ap.run_ids)), ap.status)
        if ap.decided_by is not None and sig in seen:
            keep = seen[sig]
            if ap.name.lower() not in keep.name.lower():
                keep.name = f"{keep.name} / {ap.name}"
            continue
        seen[sig] = ap
        out.append(ap)
    return out


_ABANDON_KINDS = frozenset({"speed", "latency", "memory", "stability", "called_off"})


def _decide_status(ap: Approach) -> None:
    decisive = [e for e in ap.events if e.signal in ("closed", "adopted")]
    negatives = [e for e in ap.events if e.signal == "negative"]
    last = decisive[-1] if decisive else None
    if last is not None:
        later_open = [e for e in ap.events if e.at > last.at and e.signal in ("open", "positive", "adopted")
                      and e.fact.entry_id != last.fact.entry_id]
        if last.signal == "closed" and not later_open:
            kind = _subject_reason(ap.key, last.fact.text) or _entry_reason(ap, last)
            if not kind and (last.fact.kind == "decision" or ap.key in refused_in(last.fact.text)):
                # "Cancelled: - Try dropout", "Not using X because we use Y": called off, no metric said it failed
                kind = "called_off"
            elif not kind and (rep := replacement_in(last.fact.text)) is not None and ap.key in rep.old:
                kind = "replaced"  # "ResNet ==> Found U-Net instead": another took its place, no metric said why
            ap.status = "abandoned" if kind in _ABANDON_KINDS else "exhausted"
            ap.reason_kind = kind or "accuracy"
            ap.reason = _reason_text(kind or "accuracy", last.fact)
            ap.decided_by = last.fact
            return
        # an adoption stands until a later closing or a later entry's negative result
        if last.signal == "adopted" and not [e for e in ap.events if e.at > last.at and (
                e.signal == "closed" or (e.signal == "negative" and e.fact.entry_id != last.fact.entry_id))]:
            ap.status = "adopted"
            # every reason label says why a line was left ("no gain on the metric"): none fits an adoption,
            # whatever the sentence says of the line it dropped ("going with sac, td3 dropped (lower)")
            ap.reason = _reason_text("", last.fact)
            ap.decided_by = last.fact
            return
    if negatives:
        lastneg = negatives[-1]
        later_pos = [e for e in ap.events if e.at > lastneg.at and e.signal in ("open", "positive", "adopted")
                     and e.fact.entry_id != lastneg.fact.entry_id]
        # the entry's own last word: a verdict that it worked, further down the same note ("high-level
        # results: Adam works great"), outweighs one row's comparison above it
        later_pos += [e for e in ap.events if e.fact.entry_id == lastneg.fact.entry_id
                      and e.fact.position > lastneg.fact.position and e.signal in ("positive", "adopted")
                      and not _RESTRICTED.search(e.fact.text)]
        if not later_pos:
            kind = _subject_reason(ap.key, lastneg.fact.text) or _entry_reason(ap, lastneg) or "accuracy"
            ap.status = "abandoned" if kind in ("speed", "latency", "memory", "stability") else "exhausted"
            ap.reason_kind = kind
            ap.reason = _reason_text(kind, lastneg.fact)
            ap.decided_by = lastneg.fact
            return
    ap.status = "open"
    opener = next((e for e in reversed(ap.events) if e.signal in ("open", "positive")), ap.events[-1])
    ap.reason = _reason_text("", opener.fact)


# each whitespace run is entered at its start only (the lookbehind), so a split stays linear on long runs
_CLAUSE = re.compile(r"(?<=[.;!?])\s+|(?<!\s)\s+(?:but|while|whereas|although|though)\s+|(?<!\s)\s+--?\s+")


def _subject_reason(key: str, text: str) -> str:
    """The reason kind stated in the clauses about ``key`` ("dropping rf, much slower. undersampling is out
    too" gives speed for rf, nothing for undersampling), or in the whole text when no clause names it."""
    if key.startswith("phrase:"):
        return vocab.reason_kind(text)
    clauses = [c for c in _CLAUSE.split(text) if c and c.strip()]
    about = [c for c in clauses if key in vocab.cover(vocab.concept_frozenset(c))]
    if not about:
        # "faster wall clock but it backfired on return": the verdict's own clause gives the reason, not a
        # merit conceded before it
        verdicts = [c for c in clauses if any(vocab.cue_flags(c)[:2])]
        if verdicts and len(verdicts) < len(clauses):
            return next((k for c in verdicts if (k := vocab.reason_kind(c))), "")
        return vocab.reason_kind(text)
    for c in about:
        kind = vocab.reason_kind(c)
        if kind:
            return kind
    return ""


def _entry_reason(ap: Approach, ev: Event) -> str:
    """A reason from this approach's other events: the same entry first, then its earlier verdicts."""
    same = [e for e in ap.events if e.fact.entry_id == ev.fact.entry_id and e is not ev]
    earlier = [e for e in ap.events if e.at < ev.at and e.signal in ("negative", "closed")]
    for e in same + earlier[::-1]:
        k = _subject_reason(ap.key, e.fact.text)
        if k:
            return k
    return ""


# a line of work with more runs than this is a main line, not a change tried and left behind
_NUMBERS_MAX_RUNS = 10


def _closed_by_numbers(idx: HistoryIndex, ap: Approach, metric: str, goal: Goal) -> None:
    """A change the notes report only by its numbers ("Drop 0.1 | 0.306" under "Default | 0.471") is closed
    by them when every run that carries it is finished and worse, by the project's goal, than the best of the
    runs it was changed from: earlier runs without it whose params differ from it only in its own setting
    (``_CHANGE_KEYS``; a run of another setup is no yardstick of the change). Said only when the
    notes hold no verdict on it either way and no plan for it: a word always decides instead of numbers."""
    if ap.key.startswith("phrase:") or any(
            e.signal in ("closed", "adopted", "negative", "positive") or (e.signal == "open" and not (
                e.fact.kind == "hypothesis" and e.fact.modality == "done")) for e in ap.events):
        return
    carried = idx.runs_with(ap.key, _NUMBERS_MAX_RUNS + 1)
    if not carried or len(carried) > _NUMBERS_MAX_RUNS:
        return
    own = [idx.run_by_id[r] for r in carried]
    if not all(idx.valid(r, metric) for r in own):
        return  # an unfinished run of it ("not finished, 186K iters result") is no verdict by numbers
    sign = 1.0 if goal == "max" else -1.0
    margin = idx.seed_noise(metric) or 0.0
    worst_gap: tuple[float, RunSnapshot, RunSnapshot] | None = None
    for r in own:
        origin = [o for o in idx.runs if o.start < r.start and idx.valid(o, metric)
                  and ap.key not in idx.run_docs.cover(o.run_id) and _changed_to(ap.key, o, r)]
        bar = idx.best_run(metric, goal, origin) if origin else None
        if bar is None:
            return
        gap = sign * (bar.metrics[metric] - r.metrics[metric])
        if gap <= margin:
            return
        if worst_gap is None or sign * r.metrics[metric] > sign * worst_gap[1].metrics[metric]:
            worst_gap = (gap, r, bar)
    assert worst_gap is not None
    _, top, bar = worst_gap
    ids = {r.run_id for r in own}
    if any(ids.intersection(f.run_ids) and (f.verdict == "worked" or _signal(f) in ("positive", "adopted"))
           for f in idx.facts):
        return  # the notes call one of its runs good ("MUCH BETTER"): the words decide, not the numbers
    ap.status = "exhausted"
    ap.reason_kind = "accuracy"
    ap.by_numbers = True
    word = "below" if goal == "max" else "above"
    ap.reason = (f"by its numbers (the notes give no verdict): its {len(own)} run(s) reached {metric} "
                 f"{fmt(top.metrics[metric])} at best, {word} {fmt(bar.metrics[metric])} of "
                 f"{bar.run_name or bar.run_id[:8]}, the setup it was changed from")
    ap.decided_by = next((e.fact for e in reversed(ap.events) if top.run_id in e.fact.run_ids),
                         ap.events[-1].fact)


# a change is one setting: with two changed at once ("extra dense layers" run that also records its activation)
# the numbers cannot say which of them made the run worse
_CHANGE_KEYS = 1
_NOT_SETTINGS = frozenset({"seed", "random_state", "random_seed", "run_name", "name", "notes"})


def _changed_to(cid: str, a: RunSnapshot, b: RunSnapshot) -> bool:
    """Whether run ``b`` is run ``a`` with the concept switched on: at most ``_CHANGE_KEYS`` settings differ,
    and one of them carries the concept in ``b``'s params (a run that carries it only by its name, or by a
    setting both runs share, is no change of it)."""
    keys = (set(a.params) | set(b.params)) - _NOT_SETTINGS
    changed = [k for k in keys if a.params.get(k) != b.params.get(k)]
    return len(changed) <= _CHANGE_KEYS and any(
        k in b.params and cid in vocab.cover(vocab.param_value_concepts(k, b.params[k])) for k in changed)


def _diminishing(idx: HistoryIndex, ap: Approach, metric: str, goal: str) -> None:
    runs = sorted((idx.run_by_id[r] for r in ap.run_ids if idx.valid(idx.run_by_id[r], metric)),
                  key=lambda r: r.start)
    if len(runs) < 4:
        return
    noise = idx.seed_noise(metric) or 0.002
    sign = 1.0 if goal == "max" else -1.0
    best = runs[0].metrics[metric]
    gains = []
    for r in runs[1:]:
        v = r.metrics[metric]
        gains.append(max(0.0, sign * (v - best)))
        if sign * (v - best) > 0:
            best = v
    if all(g <= noise for g in gains[-3:]):
        last, top = min(3, len(gains)), max(gains[-3:])
        # a gain is over the best so far, so 0 means none beat it ("moved by at most 0" read as a typo)
        moved = (f"none of the last {last} runs beat its best {metric}" if top == 0 else
                 f"the last {last} runs improved on its best {metric} by at most {fmt(top)}")
        ap.reason = f"diminishing returns: {moved} (noise ~{fmt(noise)}). {ap.reason}"[:400]


def status_counts(aps: list[Approach]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for a in aps:
        out[a.status] += 1
    return dict(out)


_RESULT_AFTER = re.compile(r"^[^.;!?\n:=]{0,20}[:=]\s{0,3}[-+~]?\d")


def result_head(f: Fact, idx: HistoryIndex) -> bool:
    """Whether a hypothesis is only the head of a result its own note reports ("X, len 256: 0.768")."""
    head = " ".join(f.text.split())
    return len(head) >= 8 and any(
        g.kind in ("sentence", "observation") and g.modality == "done" and (t := " ".join(g.text.split()))
        .startswith(head) and _RESULT_AFTER.match(t[len(head):]) is not None
        for g in idx.entry_facts.get(f.entry_id, []))
