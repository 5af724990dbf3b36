"""Synthesis vocabulary: ML concepts with their paraphrases, cue words, tokenisation.

A *concept* is a line of work a team can talk about in many ways ("downsampling the majority class",
"undersample 1:1", ``sampler=undersample_1:1``). Text and run params are both mapped to concept ids so
that "you already tried this?" and thread answers match paraphrases. Everything here is generic ML
vocabulary; nothing is specific to one project.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from adapters import is_tracker_key
from narrative import concepts, lexicon

# The table itself lives in ``narrative.concepts`` (one table for every module); these names are its
# public face here, unchanged for the modules that read them through ``vocab``.
Concept = concepts.Concept
CONCEPTS = concepts.CONCEPTS
CONCEPT_BY_ID = concepts.CONCEPT_BY_ID
PARAM_KEY_CONCEPTS = concepts.PARAM_KEY_CONCEPTS
OBJECTIVE_KEYS = concepts.OBJECTIVE_KEYS
L2_OBJECTIVES = concepts.L2_OBJECTIVES
NULL_VALUES = concepts.NULL_VALUES
WEIGHT_NULLS = concepts.WEIGHT_NULLS
MODEL_KEYS = concepts.MODEL_KEYS


def _words(text: str) -> list[str]:
    return text.split()


STOPWORDS = frozenset(_words("""
a about above after again against all also am an and any are aren't as at be because been before being
below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here
here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself
let's me more most mustn't my myself no nor not of off on once only or other ought our ours ourselves
out over own same shan't she she'd she'll she's should shouldn't so some such than that that's the their
theirs them themselves then there there's these they they'd they'll they're they've this those through
to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when when's
where where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're
you've your yours yourself yourselves lets let us via vs w just like really actually maybe probably ok
okay yeah also still even much many per etc ie eg i.e e.g tho though anyway pretty quite bit lot lots
"""))

# Chat filler and generic ML verbs: never evidence of novelty nor of a match on their own.
GENERIC = frozenset(_words("""
think thinking thought try trying tried tries want wanted wanting going go goes went gone give given
giving get got getting make made making use used using add added adding adds run runs ran running rerun
reran train trained training model models experiment experiments idea ideas plan plans planning tomorrow
today tonight yesterday week weeks next day days time times new old same instead rather than something
anything thing things way ways maybe should could would might will shall can let lets see look looking
check checked checking test tested testing need needs needed work works worked working help helps helped
better worse best good bad great nice quick quickly again also well whether what if how about any one
two three first second last final result results number numbers value values score scores improve
improved improvement gain gains drop dropped start starts started set sets setting settings put keep
kept stay stays change changes changed version approach approaches option options option more less fewer
higher lower bigger smaller large small long longer short shorter much very heavily slightly separately
every each whole data dataset feature features method methods technique techniques config configs
configuration recipe setup pipeline baseline team folks guys people someone anyone everyone go-to worth
effort trying consider considering suggest question answer tell say says said show shows showed instead
probably definitely possibly basically inference validation val metric metrics performance accuracy
thinking ahead apply applying applied during while within across around through based top bottom side
half full fully entire fit fits fitting revisit revisiting worth helpful stop stopped stopping ship
shipping shipped current candidate abandon abandoned switch switched why go going heavy
"""))

# "hurt" as a verb only (hurt, hurts, hurting): not a name that starts with it ("HurtLex", a lexicon)
# "put it behind lena's hybrid retrieval", "keep them behind a flag": a place in a pipeline, not a lag
PLACED_BEHIND_NOT = r"(?<!\bit )(?<!\bthem )(?<!\bthis )(?<!\bthat )(?<!\bthese )"
NEGATIVE_CUES = re.compile(
    r"\b(worse|hurt(s|ing)?|didn'?t help|did not help|no gain|no better|nothing|not worth|dead|drop(ping|ped)? it|"
    # "early stopping" names a technique, not a stop
    r"abandon\w*|shelv\w*|park(ing|ed)?|giv(e|ing) up|gave up|not pursuing|not spending|"
    # "(stopped early.)", "stopped it early": how a run ended, not a verdict on its line of work
    r"(?<!early )(?<!early-)(?<!early_)stop(ped|ping)?(?!\s{1,3}(?:it\s{1,3}|the\s{1,3}run\s{1,3})?early\b)|"
    r"no more|out regardless|ruled out|lag(s|ged)? behind|" + PLACED_BEHIND_NOT + r"behind|"
    r"fail\w*|blew up|nan|diverg\w*|oom|"
    r"out of memory|too slow|slower|flat|no improvement|doesn'?t help|does not help|not convinced|"
    r"inside the noise|within (the )?noise|coin flip|"
    # noise as a setting with its value ("dropout 0.3, noise 0.2", "white noise: 0.8") is an augmentation, no verdict,
    # and so is noise added to the data ("added musan noise at snr 5-20", "background noise aug", "noise clips")
    r"(?<!musan )(?<!added )(?<!adding )(?<!add )(?<!background )(?<!gaussian )(?<!white )(?<!additive )"
    r"(?<!babble )(?<!ambient )(?<!label )(?<!input )"
    r"noise(?!\s{0,2}[:=(]?\s{0,2}\.?[0-9])(?!\s{1,2}(?:at|aug\w*|inject\w*|mix\w*|levels?|snr|clips?|files?|"
    r"samples?|data\w*|sets?|types?|sources?|robust\w*|schedule\w*)\b)|closing|close (it|this)|done with|is done|"
    # "a regression problem" names a kind of task, not a regression of a result
    r"not shippable|over budget|useless|regress(?!ion\s{1,3}(?:problems?|tasks?|models?|heads?|trees?|targets?)\b)\w*|"
    r"killed|crash\w*|lying|dnf|"
    # a change that went the wrong way and was undone ("it backfired", "reverting the shaping"), not denied
    r"(?<!not )(?<!never )(?<!no )(?<!n't )(?:backfir(?:ed|es|ing)|revert(?:ing|ed)))\b",
    re.IGNORECASE,
)
CLOSE_CUES = re.compile(
    r"\b(calling \w+ dead|dead|abandon\w*|shelv\w*|park(ing|ed)|not worth|giv(e|ing) up|gave up|not pursuing|"
    r"not spending (more|any)|stop (touching|tuning|using|trying)|stop(ped|ping) (it|using|with)|no more|"
    # "dropping" alone closes, but not a measure that keeps falling ("loss continues dropping steadily")
    r"ruled out|rule it out|out regardless|drop(ping|ped)? (it|this|that|the)\b|"
    r"(?<!continue )(?<!continues )(?<!keeps )(?<!kept )dropping(?! (?:steadily|nicely|fast|quickly|smoothly)\b)|"
    r"closing|for good|"
    r"won'?t (ship|use|pursue)|not shippable|is done|are done|done with|moving on from|kill(ing|ed)? (it|this)|"
    r"not going to|no point|not (really )?worth it|never catches up|didn'?t bother|no \w+ in prod|"
    r"is out|are out|never again|off the table|not convinced|"
    # "reverting the shaping", "reverted it": the change undone (a return "reverting to fs=1" names the old value)
    r"(?<!not )(?<!n't )revert(?:ing|ed)\s(?:the|it|this|that)\b|"
    # "Remove double layers for now", "disabled EMA for the time being": a part set aside, not a cleaning
    # step applied ("removed outliers for now" keeps the outlier filter)
    r"(?:remov(?:e|ed|ing)|disabl(?:e|ed|ing)|turn(?:ed|ing)? off|comment(?:ed|ing)? out)\s"
    r"(?!(?:the\s)?(?:outliers?|duplicates?|nans?|rows?|samples?|stop\s?words|noise|bugs?)\b)"
    r"(?:[\w-]{1,30}\s){0,3}for\s(?:now|the\smoment|the\stime\sbeing)|"
    # "Dropped label smoothing", "we reverted the focal loss change": the team's own act on a thing, told first;
    # not a measure that fell ("accuracy dropped to 0.8", "dropped by 2 points") nor a return ("reverted to X")
    r"(?:^\W{0,4}|\b(?:i|we|so|then|and|also)\s)(?:dropped|reverted)\s(?!(?:to|from|by|below|under|a\sbit|"
    r"slightly|sharply|significantly|off|back)\b|[\d.%+-]))\b",
    re.IGNORECASE,
)
ADOPT_CUES = re.compile(
    r"\b(going (with|w/)|go(ing)? with|went with|switching to|switch to|sticking with|stick with|keeping|"
    # "lgbm it is." ends a clause; "suggesting that it is random chance" adopts nothing
    r"keep (it|the|using)|adopt\w*|from here on|from now on|it is(?=\s{0,3}(?:[.!;,)]|$))|the way\b|stays|winner|"
    r"ship candidate|"
    r"candidate|settled on|locking in|lock in|we use|default now|new default|workhorse|moving to|"
    r"replac(e|es|ing) \w+)\b",
    re.IGNORECASE,
)
OPEN_CUES = re.compile(
    r"\b(next|todo|to do|tmrw|tomorrow|plan(ning)?|want to|wanna|gonna|will try|going to try|should try|"
    r"open q|open question|need to|still like|might still|worth (a )?try(ing)?|later|follow ?up|monday)\b",
    re.IGNORECASE,
)

# A run the team declared void (leaked, contaminated, buggy): never best, never a baseline.
VOID_CUES = re.compile(
    # a leak of data, not a LeakyReLU ("leaky relu") nor a memory leak
    r"\b(void|invalid(ated)?|(?<!memory )leak(s|ed|ing|age)?|leaky(?![\s_-]*re[\s_-]?lu)|"
    r"is a leak|contaminat\w*|bogus|buggy|bugged|"
    r"can'?t (be )?trust(ed)?|cannot (be )?trust(ed)?|don'?t count|doesn'?t count|disregard\w*|"
    r"thrown out|throw (them|those|these|it) out|not (a )?(fair|valid) (comparison|result|run)s?)\b",
    re.IGNORECASE,
)
VOID_NEGATED = re.compile(
    r"\b(no|not|without|free of|fix\w*|remov\w*|check\w*( for)?|plug\w*|guard\w*( against)?|avoid\w*|"
    r"prevent\w*|no sign of|after)\s+(\w+\s+){0,2}(leak|contaminat|bug)\w*",
    re.IGNORECASE,
)


def declares_void(text: str) -> bool:
    return bool(VOID_CUES.search(text)) and not VOID_NEGATED.search(text)


REASON_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("memory", re.compile(r"\b(oom|out of memory|memory|ram|vram|cuda oom|\d+(\.\d+)? ?(gb|gib)|pod size|"
                          r"doesn'?t fit|does not fit|index size)\b", re.I)),
    # "p99 latency", "p95 40ms"; a bare "p99.5" is as often a threshold's percentile ("raise the threshold to p99.5")
    ("latency", re.compile(r"\b(latency|p9[59]\s?(?:lat\w*|\d+\s?ms)|ms\b|ms/img|inference (time|cost|budget)|budget|"
                           r"real ?time|doubles inference)", re.I)),
    # A duration or a count of iterations is a setting people quote ("400 iterations", "30 minutes of
    # training"), not a complaint: speed needs words that say the time was the problem.
    ("speed", re.compile(r"\b(slow\w*|too long|takes? too|min/run|(hours?|minutes?|mins?) (per|a|an|each) "
                         r"(run|epoch|fold|fit)|iteration (time|speed)|per iteration|train(ing)? time|runtime|"
                         r"x slower|faster|speed\w*|gpu time|refit)", re.I)),
    ("stability", re.compile(r"\b(nan|diverg\w*|blew up|unstable|instabilit\w*|exploded|"
                             r"noisy (training|loss|gradients?|curves?)|loss spikes?)\b", re.I)),
    ("accuracy", re.compile(r"\b(worse|behind|hurt(s|ing)?|no gain|nothing|flat|no better|didn'?t help|lower|"
                            r"below|under|no improvement|lags?|within (the )?(seed )?noise|inside the noise|"
                            r"in the noise|no (real )?difference|leak(s|ed|ing|age)?|void)\b", re.I)),
)

_NORM_SUB = re.compile(r"[_\-/]+")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9.:+']*[a-z0-9]|[a-z0-9]")


def norm(text: str) -> str:
    """Lowercase, with ``_ - /`` as spaces (patterns run on this)."""
    return _NORM_SUB.sub(" ", text.lower())


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """A tiny, deterministic suffix stripper: folds plurals, -ing/-ed, and derivations such as
    monotone / monotonic / monotonicity or encoder / encoding / encode onto one stem."""
    w = word
    if len(w) <= 3 or any(ch.isdigit() for ch in w):
        return w
    for suffix, repl in (("icity", ""), ("ically", ""), ("ical", ""), ("ities", ""), ("ity", ""),
                         ("ization", "iz"), ("isation", "iz"), ("ations", ""), ("ation", ""),
                         ("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    if len(w) >= 7 and w.endswith(("er", "or")) and not w.endswith(("ier", "eer")):
        w = w[:-2]  # encoder -> encod, booster -> boost
    if len(w) >= 6 and w.endswith("ic"):
        w = w[:-2]  # monotonic -> monoton
    if len(w) >= 5 and w.endswith("e") and w[-2] not in "aeiou":
        w = w[:-1]  # monotone -> monoton, encode -> encod
    return w


_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z][A-Z][a-z]")
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_ALNUM_NUM = re.compile(r"^([a-z]{1,3})(\d+)$|^(\d+)([a-z]{1,3})$")


def tokens(text: str) -> list[str]:
    """Stemmed content tokens (stopwords removed).

    Near forms are added too: the parts of camelCase words (``CrossEncoder`` -> cross, encod) and the
    number of a short prefixed number (``d128`` -> 128), so that "128-dim" meets "d128".
    """
    out = []
    for tok in _TOKEN.findall(norm(text)):
        tok = tok.strip(".:+'")
        if not tok or tok in STOPWORDS:
            continue
        out.append(tok if len(tok) <= 3 or tok.isdigit() else stem(tok))
        m = _ALNUM_NUM.match(tok)
        if m:
            out.append(m.group(2) or m.group(3))
    if _CAMEL.search(text):
        for word in re.findall(r"[A-Za-z0-9]+", text):
            if _CAMEL.search(word):
                out += [stem(p.lower()) for p in _CAMEL_PART.findall(word) if len(p) > 1]
    return out


def is_generic(tok: str) -> bool:
    return tok in GENERIC_STEMS or tok in STOPWORDS


GENERIC_STEMS = frozenset(stem(w) for w in GENERIC) | GENERIC


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_QUANT = frozenset("?*{")


def _trigger(pattern: str) -> frozenset[str] | None:
    """Word prefixes (1-3 chars) one of which a match must start with; None when it cannot be told."""
    body = pattern[2:] if pattern.startswith(r"\b") else ""
    # lookbehinds right after the leading \b ("\b(?<!\bin )depth") only refuse some matches: the head follows
    while body.startswith(("(?<!", "(?<=")) and ")" in body:
        close = body.index(")")
        if "(" in body[4:close]:
            return None  # a lookbehind with groups of its own: not read here
        body = body[close + 1:]
    if not body:
        return None
    if body[0] == "(":
        close = body.find(")")
        group = body[1:close]
        if close < 0 or any(ch in group for ch in "()[]\\?*+{. ") or body[close + 1: close + 2] in _QUANT:
            return None
        alts = group.split("|")
        if not all(alts):
            return None
        return frozenset(a[:3] for a in alts)
    out = ""
    for i, ch in enumerate(body):
        if ch not in _ALNUM:
            break
        if i + 1 < len(body) and body[i + 1] in _QUANT:
            break
        out += ch
        if len(out) == 3:
            break
    return frozenset({out}) if out else None


# (concept, compiled pattern, trigger prefixes or None) for every pattern, in CONCEPTS order
_PATTERNS: tuple[tuple[Concept, re.Pattern[str], frozenset[str] | None], ...] = tuple(
    (c, pat, _trigger(src)) for c in CONCEPTS for src, pat in zip(c.patterns, c.compiled, strict=True)
)
_WORD_HEAD = re.compile(r"\b\w{1,3}")
_ALWAYS: tuple[int, ...] = tuple(i for i, entry in enumerate(_PATTERNS) if entry[2] is None)
_BY_HEAD: dict[str, tuple[int, ...]] = {}
for _i, _entry in enumerate(_PATTERNS):
    for _h in _entry[2] or ():
        _BY_HEAD[_h] = (*_BY_HEAD.get(_h, ()), _i)


@lru_cache(maxsize=1 << 16)
def _concepts_norm(t: str) -> tuple[tuple[str, tuple[tuple[int, int], ...]], ...]:
    todo: set[int] = set(_ALWAYS)
    for w in _WORD_HEAD.findall(t):
        for h in (w[:1], w[:2], w):
            got = _BY_HEAD.get(h)
            if got:
                todo.update(got)
    found: dict[str, list[tuple[int, int]]] = {}
    for i in sorted(todo):
        cpt, cpat, _ = _PATTERNS[i]
        for m in cpat.finditer(t):
            found.setdefault(cpt.id, []).append(m.span())
    models = [(cid, sp) for cid, sps in found.items() if CONCEPT_BY_ID[cid].kind == "model" for sp in sps]
    for cid, sps in list(found.items()):
        if CONCEPT_BY_ID[cid].kind != "model":
            continue
        # a model name inside a longer model name is part of it ("transformer" in "vision transformer",
        # "encoder" in "auto-encoder", "rnn" in "rnn-t")
        kept = [(a, b) for a, b in sps if not any(
            o != cid and a2 <= a and b <= b2 and b2 - a2 > b - a for o, (a2, b2) in models)]
        if kept:
            found[cid] = kept
        else:
            del found[cid]
    for cid, span in concepts.described(t):
        # a plain-language description of the concept ("weight each example by the inverse of ...")
        found.setdefault(cid, []).append(span)
    for cid in list(found):
        for b in CLOSURE[cid]:
            found.setdefault(b, [])
    return tuple((cid, tuple(sp)) for cid, sp in found.items())


# An auto-generated run name (MLflow's and W&B's adjective-noun-number: "bold-falcon-23", "swift-lamb-2")
# names a run, not a line of work: its noun is an animal or a word, never the Falcon LLM or the LAMB
# optimizer. Its noun is blanked (same length, so spans stay put) unless its first word is a concept
# itself, as in a descriptive name ("lora-rank-16").
_AUTO_RUN_NAME = re.compile(r"(?<![\w-])([a-z]{3,12})-([a-z]{3,12})-\d{1,4}(?![\w-])")


def _blank_auto_names(text: str) -> str:
    if "-" not in text:
        return text
    low = text.lower()
    out = None
    for m in _AUTO_RUN_NAME.finditer(low):
        if _concepts_norm(m.group(1)):
            continue
        out = out if out is not None else list(low)
        out[m.start(2):m.end(2)] = " " * (m.end(2) - m.start(2))
    return low if out is None else "".join(out)


def concept_text(text: str) -> str:
    """``norm(text)`` as concepts are read from it (auto-generated run names' nouns blanked)."""
    return norm(_blank_auto_names(text))


def concepts_in(text: str) -> dict[str, list[tuple[int, int]]]:
    """Concept id -> spans (in ``norm(text)``) where the concept is mentioned, with implied broader ones.

    Only the patterns whose literal head occurs at a word start of the text are run, and results are
    cached per distinct text, so mapping 100k runs' params and 50k sentences stays linear and cheap.
    """
    return {cid: list(sp) for cid, sp in _concepts_norm(concept_text(text))}


def concepts_in_once(text: str) -> dict[str, list[tuple[int, int]]]:
    """``concepts_in`` of a text whose reading the caller remembers itself, through none of the caches (a
    project's 50k sentences would hold ~9 MiB there, spans and all, besides the caller's own memo)."""
    return {cid: list(sp) for cid, sp in _concepts_norm.__wrapped__(concept_text(text))}


@lru_cache(maxsize=1 << 16)
def concept_frozenset(text: str) -> frozenset[str]:
    return frozenset(cid for cid, _ in _concepts_norm(concept_text(text)))


def concept_frozenset_once(text: str) -> frozenset[str]:
    """``concept_frozenset`` of a text read once (an entry's sentence when it is written), through none of
    the caches: 10k entries' one-off sentences would hold ~15 MiB there and push out what recurs."""
    return frozenset(cid for cid, _ in _concepts_norm.__wrapped__(concept_text(text)))


def concept_set(text: str) -> set[str]:
    return set(concept_frozenset(text))


def _closure(cid: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
    out: set[str] = set()
    for b in CONCEPT_BY_ID[cid].broader:
        if b not in seen and b != cid:
            out.add(b)
            out |= _closure(b, seen | {cid})
    return frozenset(out)


# concept -> every broader concept it implies (transitively)
CLOSURE: dict[str, frozenset[str]] = {c.id: _closure(c.id) for c in CONCEPTS}
# concept -> every narrower concept that implies it (transitively)
NARROWER: dict[str, frozenset[str]] = {
    c.id: frozenset(o.id for o in CONCEPTS if c.id in CLOSURE[o.id]) for c in CONCEPTS
}


def cover(concepts: Iterable[str]) -> frozenset[str]:
    """The concepts plus all they imply."""
    return _cover(concepts if isinstance(concepts, frozenset) else frozenset(concepts))


@lru_cache(maxsize=1 << 14)
def _cover(concepts: frozenset[str]) -> frozenset[str]:
    out = set(concepts)
    for c in concepts:
        out |= CLOSURE.get(c, frozenset())
    return frozenset(out)


def is_null_param(key: str, value: str) -> bool:
    v = value.strip().lower()
    if v in NULL_VALUES:
        return True
    # a weight or a scale of 1 changes nothing ("reward_scale": "1.0"), nor does a 1-step return
    k = key.lower()
    if k in AUTO_IS_DEFAULT_KEYS and v.startswith("auto"):
        return True
    return ("weight" in k or "scale" in k or k in ONE_IS_NULL_KEYS) and v in WEIGHT_NULLS


# "ent_coef": "auto" is SAC's own entropy tuning, the default: no entropy setting was chosen (a class weight
# "auto" is no such default, hence a list of keys)
AUTO_IS_DEFAULT_KEYS = frozenset({"ent_coef", "entropy_coef", "target_entropy"})


ONE_IS_NULL_KEYS = frozenset({"n_steps", "n_step", "nstep", "grad_accum", "gradient_accumulation_steps",
                              "accumulate_grad_batches", "frame_skip", "frameskip", "action_repeat"})
# per-part learning rates ("policy_lr", "d_lr", "head_lr"): a learning rate of its own for a part of the model
_PART_LR = re.compile(r"^([a-z]+)_(lr|learning_rate)$")
_NOT_PARTS = frozenset({"base", "max", "min", "peak", "init", "initial", "final", "end", "start", "warmup", "lr",
                        "learning", "the", "default", "eta"})


def param_concepts(params: dict[str, str]) -> set[str]:
    """Concepts a run's params say were used."""
    out: set[str] = set()
    for key, value in params.items():
        out |= param_value_concepts(key, value)
    return out


@lru_cache(maxsize=1 << 16)
def param_value_concepts(key: str, value: str) -> frozenset[str]:
    """Concepts one ``key=value`` param says was used (cached: 100k runs share a few hundred values)."""
    k = key.lower()
    if is_null_param(k, value):
        return frozenset()
    out: set[str] = set()
    mapped = PARAM_KEY_CONCEPTS.get(k)
    if mapped:
        out.add(mapped)
        out |= CLOSURE[mapped]
    part = _PART_LR.match(k)
    if part and part.group(1) not in _NOT_PARTS:
        out.add("separate_lr")
    if k in ("seed", "random_state", "random_seed", "epochs", "batch_size", "lr", "learning_rate", "eta"):
        return frozenset(out)
    if k in OBJECTIVE_KEYS and value.strip().lower() in L2_OBJECTIVES:
        out.add("l2_loss")  # LightGBM/XGBoost/sklearn names of the plain squared-error objective
    if is_tracker_key(k) or len(value) > 200:  # a tracker's own bookkeeping names no concept
        return frozenset(out)
    spoken = lexicon.spoken_identifier(value)
    if spoken:
        value = value.strip().rsplit(".", 1)[-1]  # a class's own name, not its module path ("sklearn.ensemble")
    said = concept_frozenset(f"{k} {value}" if mapped == "" or k in MODEL_KEYS else value)
    # a class name that names nothing as written ("XGBClassifier") names what its words name ("xgb classifier")
    out |= said or concept_frozenset(spoken)
    if mapped == "" and k.startswith("neg"):
        # the kind of negatives read before the key ("negatives": "same_image_random" is random negatives)
        out |= concept_frozenset(f"{value} {k}")
    if mapped is None and (re.search(r"[a-z]{3,}", value.lower()) or value.strip().lower() == "on") \
            and lexicon.parse_number(value) is None:
        # a key that names a technique, with a kind as its value ("ensemble": "kfold") or switched on
        # ("mixup": "on"; "off" is a null value): the technique was used
        out |= concept_frozenset(k)
    return frozenset(out)


def stated_direction(text: str) -> str:
    """"min" / "max" when the text says which way the metric goes ("lower is better"), else ""."""
    return lexicon.stated_direction(text) or ""


# How a reason kind reads to a person ("random forest: abandoned (accuracy)" said nothing).
REASON_LABELS: dict[str, str] = {
    "speed": "too slow for the iteration budget", "latency": "over the latency budget",
    "memory": "ran out of memory", "stability": "unstable training", "accuracy": "no gain on the metric",
    "called_off": "called off", "replaced": "replaced",
}


def reason_label(kind: str, *, default: str = "") -> str:
    return REASON_LABELS.get(kind, default)


# memory saved is a gain, not a reason to stop ("same within noise, 40% less memory", "saves ~6gb of vram"): the
# memory kind wants a shortage, so a saving with no shortage word beside it reads on as the other kinds do
_MEMORY_SAVED = re.compile(r"\b(less|lower|smaller|reduced?|saves?|saving|half( the)?|cuts?)\s{1,3}(the\s{1,3})?"
                           r"(gpu\s{1,3}|peak\s{1,3})?(memory|vram|ram)\b|\bmemory\s{1,3}(saving|savings|reduction)\b|"
                           r"\bsaves?\s{1,3}~?\d+(\.\d+)?\s?(gb|gib)\b", re.I)
_MEMORY_SHORT = re.compile(r"\b(oom\w{0,3}|out of memory|doesn'?t fit|does not fit|won'?t fit|ran out|not enough)\b",
                           re.I)


# the aim a change was made for ("Introduced Automatic Mixed Precision for speedups", "checkpointing to save memory")
# is why it was tried, not why it was left: the reason kinds are read on the text without it
_AIM = re.compile(r"\b(?:for|to)\s{1,3}(?:(?:a|the|some)\s{1,3})?(?:speed\s?ups?|speeding\s{1,3}up|"
                  r"speed\s{1,3}(?:\w+\s{1,3})?up|faster\s{1,3}(?:training|inference|runs?|iterations?|epochs?)|"
                  r"(?:save|saving|reduce|reducing|cut|cutting|lower|lowering)\s{1,3}(?:the\s{1,3})?(?:gpu\s{1,3})?"
                  r"(?:memory|vram|time|latency|training\s{1,3}time)|stabili[sz]\w*)\b", re.I)


def reason_kind(text: str) -> str:
    text = _AIM.sub(" ", text)
    for kind, pat in REASON_PATTERNS:
        if pat.search(text):
            if kind == "memory" and _MEMORY_SAVED.search(text) and not _MEMORY_SHORT.search(text):
                continue
            return kind
    return ""


def metric_goal(name: str) -> str:
    """"min" / "max": which way a metric key is better (``lexicon.metric_direction``)."""
    return lexicon.metric_direction(name)


def metric_words(name: str) -> set[str]:
    """Loose words a team uses for a tracker metric key (``val_pr_auc`` -> {"pr auc", "prauc", ...})."""
    n = norm(name)
    core = re.sub(r"^(val|valid|validation|test|eval|dev|holdout|oof)\s+", "", n).strip()
    words = {n, core, core.replace(" ", ""), n.replace(" ", "")}
    alias = {
        "roc auc": {"roc", "auc roc", "rocauc", "auroc"}, "auc": {"roc auc", "auroc"},
        "pr auc": {"prauc", "average precision", "ap", "auprc", "pr"}, "top1": {"top 1", "top-1", "accuracy"},
        "macro f1": {"macro-f1", "f1 macro", "macro f 1"}, "acc": {"accuracy"}, "f1": {"f 1"},
    }
    for k, vs in alias.items():
        if core == k:
            words |= vs
    return {w for w in words if w}


def join_names(items: Iterable[str], limit: int = 4) -> str:
    xs = [x for x in items if x][:limit]
    if len(xs) <= 1:
        return "".join(xs)
    return ", ".join(xs[:-1]) + " and " + xs[-1]


def _top_alternatives(pattern: str) -> list[str] | None:
    r"""``\b(a|b(c|d)|e)\b`` -> ["a", "b(c|d)", "e"]; None when the pattern is not one such group."""
    if not pattern.startswith(r"\b("):
        return None
    depth, start, alts = 0, 3, []
    i = 3
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                alts.append(pattern[start:i])
                rest = pattern[i + 1:]
                return alts if rest in ("", r"\b") else None
            depth -= 1
        elif ch == "|" and depth == 0:
            alts.append(pattern[start:i])
            start = i + 1
        i += 1
    return None


class _Prefiltered:
    """A cue regex run only when one of its alternatives' literal heads starts a word of the text."""

    def __init__(self, pat: re.Pattern[str]) -> None:
        self.pat = pat
        alts = _top_alternatives(pat.pattern)
        heads: set[str] | None = set()
        for alt in alts or [""]:
            trig = _trigger(r"\b" + alt) if alt else None
            if trig is None or heads is None:
                heads = None
                break
            heads |= trig
        self.heads = frozenset(heads) if heads is not None else None

    def hit(self, text: str, heads: set[str]) -> bool:
        if self.heads is not None and heads.isdisjoint(self.heads):
            return False
        return bool(self.pat.search(text))


def word_heads(text: str) -> set[str]:
    """The 1-3 character prefixes of the words of ``text`` (lowercased)."""
    heads: set[str] = set()
    for w in _WORD_HEAD.findall(text.lower()):
        heads.add(w[:1])
        heads.add(w[:2])
        heads.add(w)
    return heads


_FLAG_CUES = tuple(_Prefiltered(p) for p in (NEGATIVE_CUES, CLOSE_CUES, ADOPT_CUES, OPEN_CUES))


# "Dropped dropout to 0.1", "dropped the lr from 1e-3 to 1e-4", "drop weight decay by half": a setting lowered, not
# a thing dropped (to 0 is off, and stays a drop)
_LOWERED_TO = re.compile(r"\bdrop(?:ped|ping|s)?(?=\s(?:the\s)?(?:[\w-]{1,30}\s){0,3}?(?:(?:to|by|from)\s~?"
                         r"(?!0(?:\.0+)?(?![\d.]))\d|by\shalf\b|in\shalf\b))", re.IGNORECASE)


def cue_flags(text: str) -> tuple[bool, bool, bool, bool]:
    """(negative, closing, adopting, opening) of a sentence, with one word scan for all four cue lists."""
    text = lexicon.done_as_performed(_LOWERED_TO.sub("lowered", text))
    heads = word_heads(text)
    neg, close, adopt, opening = (c.hit(text, heads) for c in _FLAG_CUES)
    return neg, close, adopt, opening


def judged_on_other_metric(text: str, primary: str, keys: Iterable[str]) -> bool:
    """Whether ``text`` states a value of a tracker metric other than ``primary`` and does not name ``primary``
    ("raw lgbm ece .043, way worse than logreg"): a judgement on that metric, which says nothing of a gain on the
    primary one. The other metric must come with its number: a metric's word said as a plain word ("reward scale",
    "little effect on val scores or val loss") judges on no one metric."""
    t = " " + norm(text) + " "

    def named(key: str, valued: bool) -> bool:
        tail = r"\s{0,2}[:=]?\s{0,2}[-~]?\s{0,2}(\d|\.\d)" if valued else r"(?![a-z0-9])"
        return any(len(w) >= 2 and re.search(r"(?<![a-z0-9])" + re.escape(w) + tail, t) for w in metric_words(key))

    if not primary or named(primary, False):
        return False
    return any(k != primary and named(k, True) for k in keys)
