"""Lines of experimentation ("approaches") derived from entries' language and runs' params."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field

from narrative import vocab
from narrative.history_index import Fact, HistoryIndex, fmt
from storage.records import ApproachStatus

# Concepts too broad to be a line of work on their own.
UMBRELLA = {
    "trees", "transformer_text", "cnn", "large_model", "augmentation", "imbalance", "fine_tune", "seeds",
    "latency", "threshold", "tuning", "n_estimators", "optimizer", "embeddings", "learning_rate", "epochs",
    "batch_size", "gbm",
}
_CONTRAST = re.compile(r"\b(instead of|rather than|vs\.?|versus|compared (to|with)|than|over|from|beats?)\s{1,8}"
                       r"([\w\- ./]{0,30})", re.I)


@dataclass
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


def subject_concepts(fact: Fact) -> set[str]:
    """The concepts a sentence is about (not the ones it contrasts with, nor umbrella terms)."""
    return set(_subjects_of(fact.text))


# A function of the sentence alone: remembered, so that deriving the approaches again after runs and
# entries arrived on an index (issue 14) reads only the new sentences (a few MB at 100,000 runs).
@functools.lru_cache(maxsize=1 << 16)
def _subjects_of(sentence: str) -> frozenset[str]:
    text = vocab.norm(sentence)
    contrasted: set[str] = set()
    for m in _CONTRAST.finditer(text):
        contrasted |= vocab.concept_set(m.group(3))
    direct = vocab.concepts_in(sentence)
    explicit = {c for c, spans in direct.items() if spans}
    subj = (explicit - contrasted) or explicit
    subj = {c for c in subj if c not in UMBRELLA}
    # keep only the narrowest: drop a concept when a narrower one of it is present
    narrow_of = {b for c in subj for b in vocab.CONCEPT_BY_ID[c].broader}
    return frozenset({c for c in subj if c not in narrow_of} or subj)


# ---- the thing a sentence names as tried, when no concept of the table names it
# "tenure buckets on top of full_v2: nothing" names "tenure buckets"; "Epochs don't promise better results"
# names "epochs"; "I've tweaked the reward function to be sharper" names "reward function". A sentence that
# opens with a pronoun, a subordinate clause or an outcome ("the loss went flat", "my test images did poorly")
# names no line of work: no phrase rather than a fragment ("epochs don t", "predictably images poorly").
# each whitespace run is entered at its start only (the lookbehind): linear on long runs
_HEAD_CUT = re.compile(r"(?<!\s)\s{0,8}(?:[:;,()\[\]?!]|\.(?:\s|$)|->|→|=>|=|\s--?\s|\s-\s)")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EMPHASIS = re.compile(r"[`*#>]+|(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")
_PWORD = re.compile(r"[A-Za-z0-9][\w\-./+']*")
_OPENERS = _wordset("""also then and so plus okay ok well now first firstly overall generally however but still
again finally anyway basically honestly sadly unfortunately surprisingly interestingly predictably apparently
clearly obviously oddly weirdly tried trying added adding tested testing next lastly btw""")
# "it seems that", "i think", "in general": hedges before the subject
_HEDGE_LEAD = re.compile(r"^(?:it\s{1,4}(?:seems|looks|appears)(?:\s{1,4}like|\s{1,4}that)?|"
                         r"(?:seems|looks)(?:\s{1,4}like)?|i\s{1,4}(?:think|guess|suspect|believe|feel)"
                         r"(?:\s{1,4}that)?|in\s{1,4}general|as\s{1,4}expected|(?:try|tried|trying)\s{1,4}to)\s{1,4}",
                         re.I)
# a subject that is not a thing tried: pronouns, subordinators, prepositions, quantifiers
_NOT_SUBJECT = _wordset("""i i've i'm i'd i'll we we've we're we'd we'll you you've he she they they've they're it
it's its there there's here once when whenever after before if unless since because although though while as
in on at for with from by during to into than until what which why how who where whether let's lets let one
another some any each every both all most none nothing something everything anything neither either not
never just only my our your his her their me us them nope yes yep yeah meh""")
_PRONOUNS = _wordset("it its them they we i you he she this these those him her")
_DETERMINERS = _wordset("the a an this these those that")
_CONNECTORS = _wordset("of and or & per")
# words that end the subject: verbs, modals, negations, adverbs of degree and prepositions
_VERB_STOP = _wordset("""is was are were be been being am has have had do does did can could should would will
may might must shall seems seem seemed appears appear appeared looks look looked makes make made gives give gave
gets get got helps help hurts hurt improves improve performs perform works work went goes go provides provide
converges converge leads lead causes cause achieves achieve produces produce shows show stays stay remains
remain stops stop becomes become takes take brings bring matters matter enables enable promises promise run runs
ran erases erase increases decreases reduces adds keeps fails fail breaks break beats hits lands ends yields
results needs need starts start begins began tends tend generates overfits underfits overfit underfit plateaus
plateau diverges diverge oscillates uses use requires require means allows allow beat lost loses outperforms
underperforms sounds sound still also already just only not no never barely hardly seriously much too very
really quite pretty somewhat slightly way in on at with without for from to by than as after before during into
over under via vs versus instead rather like because since so but while when which that who where if whereas
although though until against between across failed crashed diverged converged worked helped improved broke
collapsed exploded stalled plateaued confirmed revealed showed struggling struggles struggled outputs poor weak
bad good great marginal significant""")
# what a sentence reports as an outcome, not a thing tried ("the loss went flat", "the generated speech ...")
_OUTCOMES = _wordset("""loss losses accuracy acc performance error errors score scores result results metric
metrics training test tests testing validation val overfitting underfitting convergence issue issues problem
problems thing things stuff model models network networks net nets speech audio image images sample samples
output outputs quality grad grads gradient gradients behaviour behavior graph graphs plot plots sweep sweeps
experiment experiments run runs trial trials version versions change changes tweak tweaks effect effects
impact dynamic dynamics profile curve curves number numbers time progress goal goals process idea ideas reason
point visual visuals visualization figure figures chart charts picture log logs file files code bug bugs crash
crashes improvement improvements failure failures collapse instability misalignment generalization generalisation
drift divergence project repo repository folder directory script notebook""")
# alone, too vague to name a line of work
_VAGUE = _wordset("layer layers parameter parameters param params channel channels setting settings")
_ACTIVITY = _wordset("experiment experiments test tests testing run runs trial trials version sweep")
# "the changes I've made to the critic" names the critic
_CHANGES_TO = re.compile(r"^(?:the\s{1,4}|my\s{1,4}|our\s{1,4})?"
                         r"(?:changes?|tweaks?|modifications?|updates?|fix(?:es)?)\s{1,4}(?:(?:that|which)\s{1,4})?"
                         r"(?:i|we)(?:'ve|\s{1,4}have)?\s{1,4}(?:made|did|done|applied|tried)\s{1,4}(?:to|on)\s{1,4}",
                         re.I)
# "I've tweaked the reward function ..." names the reward function
_ACTED_ON = re.compile(r"^(?:i|we)(?:'ve|\s{1,4}have|'d|\s{1,4}had)?\s{1,4}"
                       r"(?:also\s{1,4}|then\s{1,4}|now\s{1,4}|just\s{1,4})?"
                       r"(?:tweaked|changed|modified|adjusted|replaced|swapped|added|removed|tried|increased|"
                       r"decreased|reduced|raised|lowered|doubled|halved|enabled|disabled|switched)\s{1,4}", re.I)
_IMPERATIVE = _wordset("change switch replace swap remove increase decrease reduce raise lower simplify")
# a run's name or a timestamp (Oct08_18-23-34_gpu-clip, calm-otter-41)
_FILE_LIKE = re.compile(r"\.(png|jpe?g|gif|svg|pdf|csv|tsv|json|ya?ml|txt|log|py|ipynb|pt|pth|ckpt|h5|pkl|npz?)$")
_RUN_LIKE = re.compile(r"\d{2}[^_:]{0,12}[_:]\d{2}|^[a-z]{2,16}-[a-z]{2,16}-\d{1,6}$")


def _bare(w: str) -> str:
    return w.lower().strip(".'")


@functools.lru_cache(maxsize=1 << 16)
def head_phrase(text: str) -> str:
    """The noun phrase a sentence names as the thing tried, or "" when its subject is no such thing:
    "tenure buckets on top of full_v2: nothing" -> "tenure buckets"; "Epochs don't promise better results"
    -> "epochs"; "The loss went flat" -> ""."""
    t = _EMPHASIS.sub(" ", text).strip()  # "sigma_weight" keeps its underscore: one name
    t = re.sub(r"^[\W_]+", "", t)
    t = _HEAD_CUT.split(t, maxsplit=1)[0].strip()
    for _ in range(3):  # "Also, it seems that ..." peels in turns
        t = _HEDGE_LEAD.sub("", t)
        words = _PWORD.findall(t)
        if words and _bare(words[0]) in _OPENERS:
            t = t[t.lower().index(words[0].lower()) + len(words[0]):].strip()
        t = _CHANGES_TO.sub("", t)
        t = _ACTED_ON.sub("", t)
    words = _PWORD.findall(t)
    if words and _bare(words[0]) in _IMPERATIVE and len(words) > 1 and _bare(words[1]) in _DETERMINERS:
        words = words[1:]  # "Change the input format of model ..." names the input format
    while words and _bare(words[0]) in _DETERMINERS:
        words = words[1:]
    if not words or _bare(words[0]) in _NOT_SUBJECT:
        return ""
    out: list[str] = []
    for w in words:
        b = _bare(w)
        if "'" in b:  # don't, Gerard's: a verb or a possessive ends the subject
            break
        if out and b in _PRONOUNS:
            return ""  # "Integrated it into ...": a clause with its object, not a noun phrase
        if b in _VERB_STOP and not (not out and b in ("no", "without")):
            break
        if out and len(b) > 4 and b.endswith("ly"):
            break
        if out and len(b) > 4 and b.endswith("ed") and out[-1] not in _CONNECTORS:
            break  # "Scaling slowed down convergence": a past verb after the subject
        if _RUN_LIKE.search(b) or _FILE_LIKE.search(b):
            return ""  # a run's name, a timestamp or a file is an instance or an artefact, not a line of work
        out.append(b)
        if len(out) >= 5:
            break
    while out and (out[-1] in _CONNECTORS or len(out[-1]) < 2):
        out.pop()
    # "input format of model": a trailing "of <generic>" adds nothing
    for i, w in enumerate(out):
        if i and w in _CONNECTORS and all(vocab.is_generic(vocab.stem(x)) or x in _OUTCOMES for x in out[i + 1:]):
            out = out[:i]
            break
    if len(out) > 1 and out[-1] in _ACTIVITY:
        out.pop()  # "multi-headed FFT experiment" names the multi-headed FFT
    # the head noun decides, the last part of a joined name too ("spacecraft_ai_project" is a project)
    if not out or out[-1] in _OUTCOMES or re.split(r"[_\-]", out[-1])[-1] in _OUTCOMES:
        return ""
    content = [w for w in out if w not in _CONNECTORS and w not in ("no", "without")
               and not vocab.is_generic(vocab.stem(w)) and w not in _OUTCOMES]
    if not content or (len(content) == 1 and content[0] in _VAGUE):
        return ""
    return " ".join(out)


_PLAN_KINDS = ("hypothesis", "next_step", "question")
_VERDICT_KINDS = ("conclusion", "decision")


# "if it doesn't work, disable fp16" is a plan; "should have used class weights" never happened
_CONDITIONAL = re.compile(r"^\W{0,4}(if|unless|in case|otherwise)\b|[,;:]\s{0,3}(if|unless|in case)\b", re.I)
_COUNTERFACTUAL = re.compile(r"\b(should|would|could|might|must) (have|'ve)\b|\b(should|would|could)'ve\b|"
                             r"\bwish(ed)?\b|\bif only\b", re.I)


# "testing to see whether X is the way to go" weighs options; it adopts nothing yet
_UNDECIDED = re.compile(r"\b(whether|to see if|to find out if|not sure if|wonder(ing)? if)\b", re.I)


@functools.lru_cache(maxsize=1 << 16)
def _hedges(sentence: str) -> tuple[bool, bool]:
    """Whether the sentence is counterfactual, and whether conditional or undecided (remembered, as
    ``_subjects_of``)."""
    return (bool(_COUNTERFACTUAL.search(sentence)),
            bool(_CONDITIONAL.search(sentence) or _UNDECIDED.search(sentence)))


# the future words of a plan: a verdict said before the first of them was done ("stopped, as it will need ...")
_FUTURE = re.compile(r"\b(will|won'?t|going to|gonna|plan(?:s|ned|ning)? to|want to|next|tomorrow|later|let'?s|need to|"
                     r"should|might|maybe|may)\b", re.I)


def _said_before_plan(cues: re.Pattern[str], text: str) -> bool:
    cue = cues.search(text)
    future = _FUTURE.search(text)
    # no future word: the plan is read from elsewhere ("not ... yet"), and the cue may be its own words
    return cue is not None and future is not None and cue.start() < future.start()


def _signal(f: Fact) -> str:
    if f.kind in _PLAN_KINDS:
        return "open"  # a plan, an idea or a question decides nothing, whatever words it uses
    counterfactual, conditional = _hedges(f.text)
    if counterfactual:
        return "mention"
    if conditional:
        return "open"
    if f.kind == "decision":
        if f.verdict in ("abandon",):
            return "closed"
        if f.verdict in ("adopt", "model_selection"):
            return "adopted"
    if f.kind not in _VERDICT_KINDS:
        # A sentence of the raw text or an observation is a verdict only in its own words, said as done: it may
        # close a line ("far too slow to iterate on, parking it") or report a failure ("Breakout-v4 not
        # converging"), but it adopts nothing ("So let's keep X for when we find ..." keeps nothing yet; "I came
        # into this project wanting to understand neural networks" chose no family): adoption is a decision's
        # or a conclusion's.
        if f.modality == "plan" and f.closing and _said_before_plan(vocab.CLOSE_CUES, f.text):
            return "closed"  # "parked it, will revisit": done, then what comes later
        if f.modality == "plan" and f.negative and _said_before_plan(vocab.NEGATIVE_CUES, f.text):
            return "negative"  # "stopped, as 1M buffer will require 100GB of RAM": a failure, then its reason
        if f.modality not in ("done", ""):
            return "open" if f.modality == "plan" else "mention"
        if f.closing:
            return "closed"
        if f.negative:
            return "negative"
        return "open" if f.opening else "mention"
    if f.closing:
        return "closed"
    if f.kind == "conclusion" and f.verdict == "did_not_work":
        return "negative"
    if f.adopting and not f.negative and not f.opening:
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
    label = {"speed": "too slow for the iteration budget", "latency": "over the latency budget",
             "memory": "ran out of memory", "stability": "unstable training",
             "accuracy": "no gain on the metric"}.get(kind, "")
    return f"{label}: {snippet}" if label else snippet


def _phrase_in_data(idx: HistoryIndex, phrase: str) -> bool:
    """A phrase names a line of work only when the runs carry one of its words (params, values, names): a
    heading word ("note", "private") or a contraction left over from a sentence is not an approach, and
    neither is one run's name ("calm-otter-41"): a run is an instance of a line of work, not the line."""
    toks = {t for t in vocab.tokens(phrase) if len(t) >= 3 and not vocab.is_generic(t)}
    if not toks:
        return False
    if idx.name_to_runs.get(phrase.strip().lower()):
        return False
    seen = idx.cache.get("run_tokens")
    if not isinstance(seen, frozenset):
        acc: set[str] = set()
        for d in idx.run_docs.values():
            acc |= d.toks
        seen = idx.cache["run_tokens"] = frozenset(acc)
    if toks.isdisjoint(seen):
        return False
    return not toks <= _nickname_tokens(idx)


def _nickname_tokens(idx: HistoryIndex) -> frozenset[str]:
    """Words only the tracker's generated run names hold ("apricot" of apricot-shape-72): a run's nickname
    is an instance, not a line of work."""
    got = idx.cache.get("nickname_tokens")
    if isinstance(got, frozenset):
        return got
    nick: set[str] = set()
    other: set[str] = set()
    for d in idx.run_docs.values():
        other |= d.sig.toks
        name = (d.run.run_name or "").lower()
        (nick if _RUN_LIKE.search(name) else other).update(vocab.tokens(name))
    out = idx.cache["nickname_tokens"] = frozenset(nick - other)
    return out


def _in_runs(idx: HistoryIndex, cid: str) -> bool:
    return bool(idx.runs_with(cid, 1))


def derive(idx: HistoryIndex, limit: int = 12) -> list[Approach]:
    cached = idx.cache.get(f"approaches:{limit}")
    if isinstance(cached, list):
        return cached
    by_key: dict[str, Approach] = {}
    for f in idx.facts:
        keys = subject_concepts(f)
        if not keys and f.concepts and (f.closing or f.negative or f.adopting):
            keys = {c for c in f.concepts if c not in UMBRELLA}
        names: dict[str, str] = {k: vocab.CONCEPT_BY_ID[k].name for k in keys}
        if not keys and (f.closing or (f.kind == "conclusion" and f.verdict == "did_not_work")):
            phrase = head_phrase(f.text)
            if phrase and len(phrase) >= 4 and _phrase_in_data(idx, phrase):
                pkey = "phrase:" + " ".join(sorted(_phrase_stems(phrase)))
                keys = {pkey}
                names[pkey] = phrase
        sig = _signal(f)
        for k in keys:
            ap = by_key.get(k)
            if ap is None:
                ap = by_key[k] = Approach(key=k, name=names[k])
            ap.events.append(Event(f.at, sig, f))
    _fold_phrases(by_key)
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
                    if r not in seen:
                        rids.append(r)
                        seen.add(r)
            if e.fact.entry_id not in seen_entries:
                seen_entries.add(e.fact.entry_id)
                ap.entry_ids.append(e.fact.entry_id)
        words = {t for t in vocab.tokens(ap.name) if len(t) >= 3 and not vocab.is_generic(t)}
        if cid.startswith("phrase:"):
            # a phrase's runs are its entries' runs that carry its words ("dense layers": the run with "dense")
            for eid in ap.entry_ids:
                for r in idx.entry_runs.get(eid, []):
                    if len(rids) < 10 and r not in seen and not words.isdisjoint(idx.run_docs[r].toks):
                        rids.append(r)
                        seen.add(r)
        elif len(rids) < 10:
            for r in idx.runs_with(cid, 10 + len(rids)):
                if len(rids) >= 10:
                    break
                if r not in seen:
                    rids.append(r)
                    seen.add(r)
        ap.run_ids = rids[:10]
        ap.first_at = ap.events[0].at
        ap.last_at = ap.events[-1].at
        # the best value goes to the family of the run that achieved it: only runs that carry the concept, or
        # for a phrase its own words (an entry's other runs, linked to the same sentence, are other lines)
        if cid.startswith("phrase:"):
            own = [r for r in ap.run_ids if not words.isdisjoint(idx.run_docs[r].toks)]
        else:
            own = [r for r in ap.run_ids if cid in idx.run_docs[r].cover]
        best = idx.best_run(metric, goal, [idx.run_by_id[r] for r in own]) if metric and own else None
        if best is not None and metric:
            ap.best_run_id, ap.best_value = best.run_id, best.metrics[metric]
        if ap.status == "open" and metric:
            _diminishing(idx, ap, metric, goal)
        out.append(ap)

    def rank(ap: Approach) -> tuple[int, int, float]:
        decided = 1 if ap.status != "open" else 0
        talk = len({e.fact.entry_id for e in ap.events})
        strong = sum(1 for e in ap.events if e.signal in ("closed", "adopted", "negative", "open"))
        return (decided + (1 if strong else 0), talk + strong, ap.last_at.timestamp() if ap.last_at else 0.0)

    out = [a for a in out if any(e.signal != "mention" for e in a.events) or len(a.entry_ids) > 1]
    # a family that no run carries and that only one sentence names is a stray word match, not a line of work
    out = [a for a in out if a.key.startswith("phrase:") or _in_runs(idx, a.key) or len(a.entry_ids) > 1]
    out.sort(key=rank, reverse=True)
    out = _merge_duplicates(out)[:limit]
    out.sort(key=lambda a: a.first_at or dt.datetime.min.replace(tzinfo=dt.UTC))
    idx.cache[f"approaches:{limit}"] = out
    return out


_NEGATORS = frozenset({"no", "without", "remov", "drop"})


@functools.lru_cache(maxsize=1 << 12)
def _phrase_stems(phrase: str) -> frozenset[str]:
    """The words that make a phrase's line of work: "larger seq size" and "large seq size" are one, and
    "smaller sigma_weight" is sigma_weight's (a size word or other generic word adds no line), while
    "no input transformer" stays apart from the input transformer."""
    out = set()
    for w in phrase.lower().split():
        if w in ("no", "without"):
            out.add("no")
            continue
        st = vocab.stem(w)
        if w in vocab.STOPWORDS or vocab.is_generic(st) or vocab.is_generic(w):
            continue
        out.add(st)
    return frozenset(out)


def _fold_phrases(by_key: dict[str, Approach]) -> None:
    """A phrase is folded into the line of work it is a case of: "decrease entropy beta" into "entropy beta"
    (a phrase whose words hold another phrase's), "scaling" into the concept "reward scaling" (a phrase all of
    whose words are the concept's name). Fewer, truer approaches: one line of work, not one per wording."""
    stems = {k: (_phrase_stems(ap.name) if k.startswith("phrase:") else
                 frozenset(vocab.stem(w) for w in re.findall(r"[a-z0-9]+", ap.name.lower())))
             for k, ap in by_key.items()}
    for k in sorted((k for k in by_key if k.startswith("phrase:")), key=lambda k: -len(stems[k])):
        mine = stems[k]
        if not mine:
            continue
        target = None
        for o, theirs in stems.items():
            if o == k or o not in by_key or not theirs:
                continue
            if o.startswith("phrase:"):
                if theirs < mine and not (mine - theirs) & _NEGATORS and (
                        target is None or len(theirs) > len(stems[target])):
                    target = o
            elif mine <= theirs and "no" not in mine:
                target = o
                break
        if target is not None:
            by_key[target].events += by_key.pop(k).events


def _merge_duplicates(aps: list[Approach]) -> list[Approach]:
    """Two keys decided by the same sentence with the same runs are one line of work."""
    seen: dict[tuple[int, tuple[str, ...]], Approach] = {}
    out: list[Approach] = []
    for ap in aps:
        sig = (ap.decided_by.idx if ap.decided_by else -1, tuple(sorted(ap.run_ids)))
        if ap.decided_by is not None and sig in seen:
            keep = seen[sig]
            if ap.name.lower() not in keep.name.lower():
                keep.name = f"{keep.name} / {ap.name}"
            continue
        seen[sig] = ap
        out.append(ap)
    return out


def _decide_status(ap: Approach) -> None:
    decisive = [e for e in ap.events if e.signal in ("closed", "adopted")]
    negatives = [e for e in ap.events if e.signal == "negative"]
    last = decisive[-1] if decisive else None
    if last is not None:
        later_open = [e for e in ap.events if e.at > last.at and e.signal in ("open", "positive", "adopted")
                      and e.fact.entry_id != last.fact.entry_id]
        if last.signal == "closed" and not later_open:
            kind = _subject_reason(ap.key, last.fact.text) or _entry_reason(ap, last)
            ap.status = "abandoned" if kind in ("speed", "latency", "memory", "stability") else "exhausted"
            ap.reason_kind = kind or "accuracy"
            ap.reason = _reason_text(kind or "accuracy", last.fact)
            ap.decided_by = last.fact
            return
        # an adoption stands until a later closing or a later entry's negative result
        if last.signal == "adopted" and not [e for e in ap.events if e.at > last.at and (
                e.signal == "closed" or (e.signal == "negative" and e.fact.entry_id != last.fact.entry_id))]:
            ap.status = "adopted"
            ap.reason = _reason_text(_subject_reason(ap.key, last.fact.text), last.fact)
            ap.decided_by = last.fact
            return
    if negatives:
        lastneg = negatives[-1]
        later_pos = [e for e in ap.events if e.at > lastneg.at and e.signal in ("open", "positive", "adopted")
                     and e.fact.entry_id != lastneg.fact.entry_id]
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
        ap.reason = (f"diminishing returns: the last {min(3, len(gains))} runs moved {metric} by at most "
                     f"{fmt(max(gains[-3:]))} (noise ~{fmt(noise)}). " + ap.reason)[:400]


def status_counts(aps: list[Approach]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for a in aps:
        out[a.status] += 1
    return dict(out)
