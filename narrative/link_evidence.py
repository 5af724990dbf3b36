"""Evidence for linking: what a piece of text states and what a run offers, and how well they match.

What a text states: parameters in any spelling (``_mentions``), quoted metric values
(``_quoted_metric_values``), families, words and failure language (``_facts``). What a run offers:
its ``RunProfile``. ``CandidatePool`` holds a message's candidate runs with what they share, and
``describe`` scores how well a text describes one candidate. Also the small records every part of
linking shares (``SegmentLinks``, ``linked_run``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from narrative import lexicon
from narrative.link_value_context import (
    AGGREGATE_BEFORE,
    SOURCE_REPORTS,
    error_named_before,
    lower_better,
    named_baseline,
)
from narrative.segmenting import Segment
from storage.records import LinkedRun, LinkHow, RunSnapshot

FAILED_STATUSES = frozenset({"FAILED", "KILLED"})

# Evidence weights. A quoted metric value is the strongest sign; a parameter value is strong when
# spelled with its name; a family or a word of a param value is a hint.
PARAM_HIT = 2.0
FAMILY_HIT = 1.5
TOKEN_HIT = 1.0
FAILURE_HIT = 2.5
# A description without a metric value links a run only with this much evidence and this lead.
DESCRIPTION_THRESHOLD = 3.0
DESCRIPTION_LEAD = 1.5

_NUMBER = re.compile(r"(?<![\w.^])([-+±~]?)(\d+\.\d+|\.\d+|\d+)(%?)(?![\w.]*[a-df-z])")
# ``name=value`` (or ``name:value`` without spaces: "split: random" is prose, not an assignment).
# A key is at most 64 characters: an unbounded one made every search restart scan to the end of a long
# token (quadratic on a pasted hash, issue 11).
_PARAM_ASSIGN = re.compile(r"([a-z][a-z0-9_.]{0,63})(?:\s*=\s*|:(?=\S))([^\s,;`|()]+)")
# Where a clause starts: the evidence next to a quoted value is the clause it sits in.
_CLAUSE_BREAK = re.compile(r",\s|;\s|\s(?:but|while|whereas|and then|then)\s|\s--?\s|[→]|->|\(|\)|\s/\s")
_COMPACT_PARAM = re.compile(r"(?<![a-z0-9])(d|lr|bs|ep|spw|ls|p|t|w|seed)[-_]?(\d*\.?\d+(?:e-?\d+)?)(?![a-z0-9])")
_SUFFIX_PARAM = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?(?:e-?\d+)?)\s*-?\s*([a-z]+)")
# "depth 4", "lr .05", "seeds 7 and 123": a parameter word followed by its value(s). Single letters
# ("p", "t", "w") only count in the compact or key=value forms.
_SPOKEN_PARAMS = [w for w in lexicon.PARAM_WORDS if len(w) > 2 or w in {"lr", "bs", "ep", "ls", "wd"}]
_PARAM_WORD_VALUE = re.compile(
    r"(?<![a-z0-9_])(" + "|".join(re.escape(w) for w in _SPOKEN_PARAMS) + r")s?\s*(?:of|at|=|:|@|to)?\s*"
    r"((?:\d*\.?\d+(?:e-?\d+)?)(?:\s*(?:,|/|and|&|\+|or)\s*\d*\.?\d+(?:e-?\d+)?)*)"
)
_BASELINE_BEFORE = re.compile(
    r"(?:from|vs\.?|versus|than|over|without it|baseline|was|against|compared to|compared with|relative to|"
    r"instead of|previous(?:ly)?|before)\s*[(~]?\s*$"
)
# Quantiles as people say them: "p50", "p90 quantile", "the median".
_QUANTILE = re.compile(r"(?<![a-z0-9])p(\d{2})(?![0-9])")
_QUANTILE_CONTEXT = re.compile(r"quantile|pinball|median|percentile")
# British and American spellings meet in one stem ("normalised" ~ "normalized").
_SPELLING = ((re.compile(r"is(e|ed|es|ing|ation|ations)$"), r"iz\1"), (re.compile(r"our$"), "or"))
# Spoken words that mean the same as tokens seen in param values.
VALUE_SYNONYMS: dict[str, str] = {
    "onehot": "ohe", "one-hot": "ohe", "hashing": "hash", "hashed": "hash", "upsampling": "upsample",
    "upsampled": "upsample", "oversampling": "oversample", "undersampling": "undersample",
    "backtranslation": "backtranslation", "isotonic": "isotonic", "randaugment": "randaug",
    "pseudolabel": "pseudo", "pseudolabels": "pseudo", "pseudolabelling": "pseudo", "pseudolabeling": "pseudo",
    "scikit": "sklearn", "scikitlearn": "sklearn",
}



@dataclass
class RunProfile:
    """What a run offers to match against: its params, metric values, words and family."""

    run: RunSnapshot
    tokens: set[str]
    families: set[str]
    value_token_sets: list[set[str]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.run.status.upper() in FAILED_STATUSES


@dataclass
class SegmentLinks:
    segment: Segment
    run_ids: list[str] = field(default_factory=list)



@dataclass(frozen=True)
class _Mention:
    """One parameter as the text states it: the name as spoken and the value(s)."""

    name: str
    values: tuple[str, ...]


def _value_tokens(value: str) -> set[str]:
    return {_respell(t) for t in re.split(r"[^a-z0-9]+", value.lower()) if t and t not in lexicon.STOP_TOKENS}


def profile(run: RunSnapshot) -> RunProfile:
    tokens: set[str] = set()
    families: set[str] = set()
    value_sets: list[set[str]] = []
    for key, value in run.params.items():
        value_tokens = _value_tokens(value)
        tokens |= value_tokens
        if len(value_tokens) >= 2:
            value_sets.append({t for t in value_tokens if not t.isdigit()})
        if not lexicon.parse_number(value):
            families |= lexicon.family_of_value(value)
        del key
    tokens |= _value_tokens(run.run_name)
    return RunProfile(run=run, tokens={t for t in tokens if not t.isdigit()}, families=families,
                      value_token_sets=value_sets)


def _text_words(text: str) -> set[str]:
    lowered = text.lower()
    raw = re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", lowered)
    found: set[str] = set()
    for word in raw:
        found.add(word)
        parts = word.split("-")
        found.update(parts)
        found.add("".join(parts))
    for word in list(found):
        if word in VALUE_SYNONYMS:
            found.add(VALUE_SYNONYMS[word])
        found.add(_respell(word))
    return {w for w in found if w and not w.isdigit() and w not in lexicon.STOP_TOKENS}


def _respell(word: str) -> str:
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


_HAS_DIGIT = re.compile(r"[0-9]")


def _token_matches(word: str, token: str) -> bool:
    if word == token:
        return True
    # "hashing" ~ "hash", "velocity" ~ "velocity_1h", "randaugment" ~ "randaug": shared stem. Two words that both
    # carry a number are two values, not a stem and its word ("lr1e3" is not "lr1e" of lr1e-4, "bs128" not "bs12").
    if len(token) >= 4 and len(word) >= 4 and not (_HAS_DIGIT.search(word) and _HAS_DIGIT.search(token)):
        return word.startswith(token) or token.startswith(word)
    return False


def param_keys_for(name: str, params: dict[str, str]) -> list[str]:
    """The param keys of a run that a spoken parameter name can mean."""
    return list(_param_keys_for(name, tuple(params)))


@functools.lru_cache(maxsize=16384)
def _param_keys_for(name: str, params: tuple[str, ...]) -> tuple[str, ...]:
    spoken = name.lower().strip().replace("-", "_")
    if spoken in params:
        return (spoken,)
    # A key logged in capitals ("L", "C", "N_layers") is the one "L=512" or "n_layers 4" states.
    exact = tuple(key for key in params if key.lower().replace("-", "_") == spoken)
    if exact:
        return exact
    fragments = lexicon.PARAM_ALIASES.get(spoken) or lexicon.PARAM_ALIASES.get(spoken.replace("_", " "))
    if not fragments:
        fragments = (spoken,) if len(spoken) >= 3 else ()
    keys = []
    for key in params:
        key_l = key.lower()
        parts = key_l.split("_")
        for fragment in fragments:
            if key_l == fragment or fragment in parts or (len(fragment) >= 4 and fragment in key_l):
                keys.append(key)
                break
    return tuple(keys)


@functools.lru_cache(maxsize=65536)
def value_matches(spoken: str, stored: str) -> bool:
    if lexicon.same_value(spoken, stored):
        return True
    stored_parts = [p for p in re.split(r"[,+;/ ]+", stored.lower()) if p]
    spoken_l = spoken.lower().strip()
    # "w=0.7" against weights "0.7,0.3"; "aug=cutmix" against "basic+cutmix".
    return (bool(stored_parts) and any(lexicon.same_value(spoken_l, part) for part in stored_parts[:1])) or (
        not lexicon.parse_number(spoken_l) and spoken_l in stored_parts
    )


# A point of training, not a setting: "weird around ep 12", "spikes at step 900", "after epoch 3".
_PROGRESS_WORDS = frozenset({"ep", "epoch", "step", "iter", "iteration"})
_POINT_BEFORE = re.compile(r"(?<![a-z])(?:at|around|about|by|after|until|till|before|near|from|since|past|@|~)"
                           r"[ \t]{0,2}$")


def seed_values(name: str, values: list[str] | tuple[str, ...]) -> bool:
    """Whether ``values`` can be what ``name`` states: a seed is a whole number ("seeds at 2e-5" are the seed
    runs at a learning rate, "seeds: .915 / .908" their results)."""
    return name.rstrip("s") != "seed" or all(v.isdigit() for v in values)


def _mentions(text: str) -> list[_Mention]:
    """Parameters the text states: ``lr=1e-3``, ``depth 4``, ``d4``, ``1500 trees``, ``seeds 7 and 123``."""
    lowered = text.lower()
    found: list[_Mention] = []
    for match in _PARAM_ASSIGN.finditer(lowered):
        name, value = match.group(1).strip("."), match.group(2).strip(".:!?*")
        if value and not name.startswith("http"):
            found.append(_Mention(name, (value,)))
    for match in _PARAM_WORD_VALUE.finditer(lowered):
        values = re.findall(r"\d*\.?\d+(?:e-?\d+)?", match.group(2))
        if seed_values(match.group(1), values) and not (
                match.group(1) in _PROGRESS_WORDS and _POINT_BEFORE.search(lowered, 0, match.start())):
            found.append(_Mention(match.group(1), tuple(values)))
    for match in _COMPACT_PARAM.finditer(lowered):
        found.append(_Mention(match.group(1), (match.group(2),)))
    for match in _SUFFIX_PARAM.finditer(lowered):
        suffix = match.group(2)
        if suffix in lexicon.PARAM_SUFFIX_WORDS:
            found.append(_Mention(lexicon.PARAM_SUFFIX_WORDS[suffix], (match.group(1),)))
    if _QUANTILE_CONTEXT.search(lowered):
        # "quantile p50" is the quantile 0.5, however the run stores it (alpha 0.5, quantile 50).
        for match in _QUANTILE.finditer(lowered):
            digits = match.group(1)
            found.append(_Mention("quantile", (f"0.{digits}", digits)))
        if re.search(r"\bmedian\b", lowered):
            found.append(_Mention("quantile", ("0.5", "50")))
    return found


@dataclass
class _QuotedValue:
    value: float
    decimals: int
    percent_style: bool
    start: int
    end: int
    metric_hint: str | None
    baseline: bool
    integer: bool = False     # "RMSE 3287": a large metric quoted in its own units, rounded
    variant: tuple[str, str] | None = None  # "bleu2 0.260": the metric's numbered variant (bleu, 2)
    approximate: bool = False  # "about .96": the written digits may be cut, not rounded (0.9667)
    error_named: str | None = None  # "val loss plateaued at .905": an error metric named earlier in the clause


_PARAM_BEFORE = re.compile(
    r"(?<![a-z0-9_])(?:lr|rate|eta|alpha|gamma|thr|threshold|dropout|ls|smoothing|p|power|w|t|temp|"
    r"weight|decay|c|contamination|momentum|ema|x|v|seeds?|top|k|n|dim|dims|d|rank|band|size|bs|batch|"
    r"delta|trees|steps?|epochs?|iters?|window|days?|len|length|leaves|layers?|heads?|" +
    "|".join(re.escape(w) for w in _SPOKEN_PARAMS) + r")\s*[:=]?\s*$|[@=#]\s*$"
)
_SEED_BEFORE = re.compile(r"(?<![a-z0-9_])seeds?\s*[:=]?\s*$")
# A count with its unit as a label ("5000 steps: 12.1", "2 layers: .91"): the unit has its number, what
# follows is a result.
_COUNT_LABEL = re.compile(r"(?<![\w.])\d[\d,]{0,9}k?[ \t]{0,2}[a-z]{2,12}[ \t]{0,2}:[ \t]{0,2}$")
_UNIT_AFTER = re.compile(  # (?<!\s): linear under any search, not only .match (issue 11)
    r"(?<!\s)\s*(?:e-?\d|x\b|min|h\b|hrs?\b|hours?|ms|s\b|secs?|gb|mb|k\b|m\b|px|rows|samples|steps|epochs?|"
    r"trees|iters?|iterations|rounds|leaves|layers|dims?|days?|weeks?|claims|users|items|tokens|"
    r"params|features|folds|seeds?|gpus?|nodes|classes|examples|\$)"
)
_YEAR = range(1990, 2101)


# The last word before "=" or ":" ("accuracy=", "f1-score:", "val_acc =").
_KEY_BEFORE = re.compile(r"([a-z][a-z0-9_\-]{0,30})\s{0,2}[:=]\s{0,2}$")


def _metric_named_before(before: str) -> bool:
    """Whether the words right before a number name a metric as its key ("accuracy=", "f1-score:")."""
    match = _KEY_BEFORE.search(before)
    if not match:
        return False
    parts = [w for w in re.split(r"[_\-]", match.group(1)) if w and w not in {"val", "valid", "test", "train", "score"}]
    return bool(parts) and all(w in lexicon.METRIC_WORDS for w in parts)


# An outline's number opening a line ("1.2. batch size", "2.3) ablations", "## 3.1 Results", "1.2.3 setup"): a place
# in the note, not a value (a loss of 1.155 rounds to "1.2"). A result opening a line is written "0.91", "1.65 for
# lr 1e-3" or "91.4%", not followed by a point and a space.
_LINE_LEAD = re.compile(r"[ \t#>]{0,12}")
_SECTION_AFTER = re.compile(r"(?:\.\d{1,2}){1,3}[.)]?(?:\s|$)|[.)](?:\s|$)")
_HEADING_SECTION_AFTER = re.compile(r"\s{1,4}[a-z]")


def _section_number(lowered: str, match: re.Match[str], digits: str) -> bool:
    if not re.fullmatch(r"[1-9]\d?\.\d{1,2}", digits) or match.group(3):
        return False
    lead = lowered[lowered.rfind("\n", 0, match.start()) + 1 : match.start()]
    if not _LINE_LEAD.fullmatch(lead):
        return False
    after = lowered[match.end() : match.end() + 8]
    return bool(_SECTION_AFTER.match(after) or ("#" in lead and _HEADING_SECTION_AFTER.match(after)))


def _quoted_metric_values(text: str) -> list[_QuotedValue]:
    """Numbers that look like reported results (decimals, percentages, or large values in a metric's
    own units such as "RMSE 3287"), with nearby metric names."""
    lowered = text.lower()
    quoted: list[_QuotedValue] = []
    for match in _NUMBER.finditer(lowered):
        sign, digits, percent = match.groups()
        if sign in {"±", "-", "+"}:
            continue
        integer = "." not in digits and not percent
        if integer and len(digits) < 3:
            continue
        before = lowered[max(0, match.start() - 24) : match.start()]
        # A number right after a parameter name is the parameter's value, not a result; after a metric's
        # name and "=" or ":" it is a result ("accuracy=0.8667, f1=0.8611").
        if (_PARAM_BEFORE.search(before) and not _metric_named_before(before) and not _COUNT_LABEL.search(before)
                and (integer or not _SEED_BEFORE.search(before))):
            continue
        after = lowered[match.end() : match.end() + 12]
        if _UNIT_AFTER.match(after) or _section_number(lowered, match, digits):
            continue
        value = lexicon.parse_number(digits)
        if value is None:
            continue
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        percent_style = not integer and (bool(percent) or (1.0 < value <= 100.0))
        if not integer and not percent_style and decimals < 2:
            continue
        # The metric named nearest before the value ("loss .31, f1 .905": .905 is the f1).
        near = before[-16:]
        named_near = [(near.rfind(w) + len(w), len(w), w) for w in lexicon.METRIC_WORDS
                      if lexicon.contains_phrase(near, w)]
        hint = max(named_near)[2] if named_near else None
        error_named = None if hint else error_named_before(
            _CLAUSE_BREAK.split(lowered[max(0, match.start() - 48) : match.start()])[-1])
        if integer and int(value) in _YEAR and not hint:
            continue
        named = _VARIANT_BEFORE.search(before)
        variant = (named.group(1), named.group(2).lstrip("0") or "0") if named and named.group(1) in _VARIANT_STEMS \
            else None
        approximate = bool(_APPROXIMATE_BEFORE.search(before)) or after.lstrip().startswith("ish")
        reference = (_BASELINE_BEFORE.search(before) or SOURCE_REPORTS.search(_CLAUSE_BREAK.split(before)[-1])
                     or AGGREGATE_BEFORE.search(lowered, max(0, match.start() - 48), match.start()))
        if reference and named_baseline(lowered[: match.start()], _CLAUSE_START):
            reference = None  # "bert baseline .884": the bert run is the baseline, and .884 its own result
        if (reference and reference.group(0).strip().startswith("was")
                and _own_result(lowered, match.start(), after, [q.start for q in quoted])):
            reference = None  # "the 5e-5 run was .861": the subject's own result, not an older value
        quoted.append(_QuotedValue(value, decimals, percent_style, match.start(), match.end(), hint,
                                   bool(reference), integer, variant, approximate, error_named))
    return quoted


# Words that put a value in the past of the thing spoken of ("was .88 before", "it was .88 yesterday").
_EARLIER_VALUE = re.compile(r"\b(?:before|earlier|previous\w*|last|yesterday|originally|initially|used to|"
                            r"old|prior|then|at first|it|which|that|this)\b")
_METRIC_FRAME = frozenset({"the", "my", "our", "its", "val", "valid", "validation", "test", "eval", "train", "dev",
                           "score", "metric", "top", "mean", "avg", "average", "final", "best"})
_CLAUSE_START = re.compile(r"[.;:!?()\[\]\n]|,\s|\s[-–—]\s")


def _own_result(lowered: str, start: int, after: str, earlier_values: list[int]) -> bool:
    """Whether "X was <value>" gives X's own result: the value is the first of its clause, "was" has a subject
    of its own (no pronoun, nothing that puts the value before now), and no earlier time follows the value."""
    head = lowered[:start]
    breaks = [m.end() for m in _CLAUSE_START.finditer(head)]
    clause_start = breaks[-1] if breaks else 0
    clause = head[clause_start:].rstrip()
    subject = clause[: -len("was")].strip() if clause.endswith("was") else ""
    words = re.findall(r"[a-z][a-z0-9]+", subject)
    if all(w in lexicon.METRIC_WORDS or w in _METRIC_FRAME for w in words):
        return False  # "accuracy was .884 and then .912": a metric moving, not a thing and its result
    return (bool(words) and not any(at >= clause_start for at in earlier_values)
            and not _EARLIER_VALUE.search(subject) and not _EARLIER_VALUE.match(after.strip()))


@functools.lru_cache(maxsize=1024)
def _metric_key(spoken: str, keys: tuple[str, ...]) -> str | None:
    return lexicon.metric_key_for(spoken, list(keys))


# A numbered variant of a metric written right before its value: "bleu2 0.260", "top5: 91.2", "recall@10 .42".
_VARIANT_BEFORE = re.compile(r"(?<![a-z0-9])([a-z]{2,12})[@_\-]?(\d{1,3})[ \t]{0,2}[:=]?[ \t]{0,2}$")
# A value said to be approximate: "about .96", "around 0.93", "~0.91", "roughly 87%".
_APPROXIMATE_BEFORE = re.compile(r"(?<![a-z])(?:about|around|approx(?:imately|\.)?|roughly|circa|~|≈)[ \t]{0,2}$")
_VARIANT_STEMS = frozenset({"top", "hit", "hits", "recall", "precision", "ndcg", "map", "bleu", "rouge", "mrr", "ap"})


def _metric_matches(quoted: _QuotedValue, run: RunSnapshot) -> bool:
    keys = list(run.metrics)
    same: list[str] = []
    if quoted.variant:
        # "bleu2 0.260" is a BLEU-2 value: a run's BLEU-1 that happens to be 0.260 is not it. The variant's own key
        # ("ndcg_at_10" for "ndcg@10") decides when the run logs it; keys of other variants are never compared.
        stem, number = quoted.variant
        numbered = re.compile(rf"(?<![a-z]){stem}(?:[@_\-]?|[_\-]?at[_\-]?)(\d{{1,3}})(?![0-9])")
        same = [k for k in keys if (m := numbered.search(k.lower())) and m.group(1).lstrip("0") == number.lstrip("0")]
        keys = same or [k for k in keys if not numbered.search(k.lower())]
    if quoted.metric_hint and not same:
        hinted = _metric_key(quoted.metric_hint, tuple(keys))
        if hinted:
            keys = [hinted]
        else:
            # "val loss plateaued at .905" is no run's f1 of .905: a value named by an error metric the run does
            # not log is compared with its error metrics only (and a score's value with its scores only).
            error = lower_better(quoted.metric_hint)
            keys = [k for k in keys if lower_better(k) == error]
    elif quoted.error_named and not same and not _metric_key(quoted.error_named, tuple(keys)):
        keys = [k for k in keys if lower_better(k)]  # the run logs no such error: the value is none of its scores
    tolerance = 0.5 * 10 ** (-quoted.decimals) + 1e-9
    for key in keys:
        stored = run.metrics[key]
        if quoted.integer and abs(stored) < 100:
            continue  # a rounded integer says nothing about a small metric
        if abs(stored - quoted.value) <= tolerance:
            return True
        if quoted.approximate and not quoted.integer and quoted.value <= stored < quoted.value + 2 * tolerance:
            return True  # "about .96" for 0.9667: people cut a value as often as they round it
        if quoted.percent_style and 0.0 <= stored <= 1.0 and abs(stored * 100 - quoted.value) <= tolerance:
            return True
    return False


@dataclass
class _Evidence:
    score: float = 0.0
    contradicted: bool = False
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _TextFacts:
    """What a piece of text states, computed once and shared by every candidate run."""

    mentions: tuple[_Mention, ...]
    families: frozenset[str]
    words: frozenset[str]
    long_words: frozenset[str]
    failure: bool
    families_as_context: bool


@functools.lru_cache(maxsize=4096)
def _facts(text: str) -> _TextFacts:
    lowered = text.lower()
    words = frozenset(_text_words(lowered))
    return _TextFacts(
        mentions=tuple(_mentions(lowered)),
        families=frozenset(lexicon.families_in(lowered)),
        words=words,
        long_words=frozenset(w for w in words if len(w) >= 4),
        failure=lexicon.has_cue(lowered, lexicon.FAILURE_CUES),
        families_as_context=_families_are_context(lowered),
    )


# Params that name a batch of runs launched together (not a data subset such as ``customer_group``).
_GROUP_KEYS = frozenset({"sweep", "sweep_id", "sweep_name", "wandb_sweep", "group", "group_name", "run_group",
                         "wandb_group", "study", "study_name", "optuna_study", "experiment_group"})
# A group id as launched: "sweep_remote_grid_005", "lr-grid-3" — not a plain word.
_GROUP_ID = re.compile(r"^(?=.*[a-z])(?=.*[-_\d])[a-z0-9][a-z0-9_.\-]{5,}$")
_UNIT_KEYS = frozenset({"hz", "khz", "ms", "px", "mb", "gb", "pct", "sec", "secs", "min", "mins", "days", "tokens"})
_UNIT_VALUE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(" + "|".join(sorted(_UNIT_KEYS, key=len, reverse=True))
                         + r")(?![a-z0-9])")
# "1 -> 2", "from 4 to 8": the value a parameter was changed to.
_CHANGED_TO = re.compile(r"(?<!\s)\s*(?:->|→|to)\s*(\d*\.?\d+(?:e-?\d+)?)(?![\w.])")  # linear (issue 11)


class CandidatePool:
    """The candidate runs of one message, with what they have in common (computed once)."""

    def __init__(self, profiles: list[RunProfile], background: list[RunProfile] | None = None) -> None:
        self.profiles = profiles
        # What tells runs apart is judged against the author's earlier runs too: when the window
        # holds one run, "80hz" still distinguishes it from the 40hz runs before it.
        self.background = background or []
        # Other people's user names (narrative.link_people): a clause speaking of their runs describes none of these.
        self.others: frozenset[str] = frozenset()
        everyone = [*profiles, *self.background]
        self.shared_tokens: set[str] = set.intersection(*(p.tokens for p in everyone)) if profiles else set()
        self.families: set[str] = {f for p in profiles for f in p.families}
        self._shared_values: dict[tuple[str, tuple[str, ...]], bool] = {}
        self._all_tokens: set[str] = set().union(*(p.tokens for p in profiles)) - self.shared_tokens
        self._matched_tokens: dict[_TextFacts, frozenset[str]] = {}
        self._param_numbers: set[float] | None = None
        self._fitting: dict[str, frozenset[str]] = {}
        self._key_mentions: dict[str, tuple[_Mention, ...]] = {}
        # Values of grouping params (a W&B sweep, a run group, an Optuna study): written in the
        # text, such a value names every run that carries it.
        self.group_values: dict[str, list[RunProfile]] = {}
        for p in profiles:
            for key, value in p.run.params.items():
                lowered = value.strip().lower()
                if key.lower() in _GROUP_KEYS and _GROUP_ID.match(lowered):
                    self.group_values.setdefault(lowered, []).append(p)
        # Param keys of several words, as people say them: ``entropy_beta`` ~ "entropy beta".
        spoken = sorted({k.lower() for p in profiles for k in p.run.params if "_" in k and len(k) >= 5},
                        key=len, reverse=True)[:400]
        self._key_pattern = re.compile(
            r"(?<![a-z0-9])(" + "|".join(re.escape(k).replace("_", "[ _]") for k in spoken) + r")\s*"
            r"(?:to|=|:|of|at|is|was|->)?\s*\[?\s*((?:\d*\.?\d+(?:e-?\d+)?)"
            r"(?:\s*(?:,|/|and|&|or)\s*\d*\.?\d+(?:e-?\d+)?)*)(?![\w.])"
        ) if spoken else None
        # A value with the unit a single param key ends in: "~80hz" for ``spec_rate_hz``.
        by_unit: dict[str, set[str]] = {}
        for p in profiles:
            for key in p.run.params:
                unit = key.lower().rsplit("_", 1)[-1] if "_" in key else ""
                if unit in _UNIT_KEYS:
                    by_unit.setdefault(unit, set()).add(key.lower())
        self._unit_keys = {unit: next(iter(keys)) for unit, keys in by_unit.items() if len(keys) == 1}

    def tokens_in(self, facts: _TextFacts) -> frozenset[str]:
        """Candidates' distinctive param/name tokens that the text says (exactly or by stem)."""
        if facts not in self._matched_tokens:
            matched = {t for t in self._all_tokens if t in facts.words}
            for token in self._all_tokens - matched:
                if len(token) >= 4 and any(_token_matches(word, token) for word in facts.long_words):
                    matched.add(token)
            self._matched_tokens[facts] = frozenset(matched)
        return self._matched_tokens[facts]

    def is_param_value(self, value: float) -> bool:
        """Whether some candidate has a parameter with this numeric value."""
        if self._param_numbers is None:
            numbers: set[float] = set()
            for p in self.profiles:
                for stored in p.run.params.values():
                    for part in re.split(r"[,+;/ ]+", stored):
                        number = lexicon.parse_number(part)
                        if number is not None:
                            numbers.add(number)
            self._param_numbers = numbers
        return value in self._param_numbers

    def key_mentions(self, text: str) -> tuple[_Mention, ...]:
        """Parameters the text states by the candidates' own param names ("entropy beta to 0.01",
        "sn_block_depth: 1 -> 2" states 2, the value it was changed to)."""
        if self._key_pattern is None and not self._unit_keys:
            return ()
        lowered = text.lower()
        if lowered not in self._key_mentions:
            found: list[_Mention] = []
            if self._unit_keys:
                for match in _UNIT_VALUE.finditer(lowered):
                    key = self._unit_keys.get(match.group(2))
                    if key:
                        found.append(_Mention(key, (match.group(1),)))
            for match in self._key_pattern.finditer(lowered) if self._key_pattern is not None else ():
                values = re.findall(r"\d*\.?\d+(?:e-?\d+)?", match.group(2))
                # matched on its own slice, so the lookbehind sees nothing before it
                changed = _CHANGED_TO.match(lowered[match.end() : match.end() + 120])
                if changed:
                    values = [changed.group(1)]
                found.append(_Mention(match.group(1).replace(" ", "_"), tuple(values)))
            self._key_mentions[lowered] = tuple(found)
        return self._key_mentions[lowered]

    def fitting(self, word: str) -> frozenset[str]:
        """Ids of the candidates that have what ``word`` says (see ``_word_fits``), computed once."""
        if word not in self._fitting:
            self._fitting[word] = frozenset(p.run.run_id for p in self.profiles if _word_fits(word, p))
        return self._fitting[word]

    def __iter__(self) -> Iterator[RunProfile]:
        return iter(self.profiles)

    def __len__(self) -> int:
        return len(self.profiles)

    def value_shared(self, key: str, values: tuple[str, ...]) -> bool:
        """Whether every candidate has one of ``values`` for ``key`` (then it tells nothing apart)."""
        cache_key = (key, values)
        if cache_key not in self._shared_values:
            self._shared_values[cache_key] = all(
                any(value_matches(v, p.run.params.get(key, "")) for v in values)
                for p in (*self.profiles, *self.background)
            )
        return self._shared_values[cache_key]


def describe(text: str, candidate: RunProfile, pool: CandidatePool) -> _Evidence:
    """Score how well ``text`` describes ``candidate`` (without metric values)."""
    evidence = _Evidence()
    run = candidate.run
    facts = _facts(text)
    # One parameter may be stated several times ("bs 4096 ... bs 1024"): a run fits when it has
    # any of the stated values, and contradicts the text only when it has none of them.
    stated: dict[str, tuple[str, list[str]]] = {}
    # The keys one name can mean are alternatives: "lr 2e-5" is the learning rate of a run that also logs an
    # ``lr_scheduler_type``; that key does not contradict it when the other fits.
    alternatives: dict[str, set[str]] = {}
    for mention in (*facts.mentions, *pool.key_mentions(text)):
        keys = param_keys_for(mention.name, run.params)
        for key in keys:
            stated.setdefault(key, (mention.name, []))[1].extend(mention.values)
            alternatives.setdefault(key, set()).update(keys)
    fits = {key for key, (_spoken, values) in stated.items()
            if any(value_matches(v, run.params[key]) for v in values)}
    for key, (spoken, values) in stated.items():
        if key in fits:
            evidence.score += 0.25 if pool.value_shared(key, tuple(values)) else PARAM_HIT
            evidence.reasons.append(f"{spoken}={'/'.join(values)}")
        elif alternatives[key] & fits:
            continue
        elif len(values) == 1:
            evidence.contradicted = True
            evidence.reasons.append(f"not {spoken}={values[0]}")
    if facts.families and candidate.families:
        if facts.families & candidate.families:
            evidence.score += FAMILY_HIT
        elif facts.families & (pool.families - candidate.families) and not facts.families_as_context:
            # The text names another family some candidate has: this run is not the one described.
            evidence.contradicted = True
    matched = candidate.tokens & pool.tokens_in(facts)
    evidence.score += TOKEN_HIT * min(len(matched), 4)
    if len(matched) >= 2 and any(len(tokens) >= 2 and tokens <= matched for tokens in candidate.value_token_sets):
        # The text says a whole multi-word value ("length normalised" for ``length_normalized``).
        evidence.score += TOKEN_HIT
    if candidate.failed and facts.failure:
        evidence.score += FAILURE_HIT
        evidence.reasons.append("failed")
    elif candidate.failed:
        evidence.score -= 1.0  # a result quoted next to it cannot be a failed run's
    return evidence


def _families_are_context(text: str) -> bool:
    """Whether several families are named as context ("distil roberta into distilbert", "beats xgb")."""
    return bool(re.search(r"\b(?:into|than|vs|from|beats|under|behind|over|teacher|student)\b", text))



_TRUE_VALUES = frozenset({"true", "1", "yes", "on", "enabled"})


@functools.lru_cache(maxsize=8192)
def _families_of(text: str) -> frozenset[str]:
    return frozenset(lexicon.families_in(text))


@functools.lru_cache(maxsize=4096)
def _names_a_variant(word: str, families: frozenset[str]) -> bool:
    """Whether a word says more than its family's plain name: a number or a size glued or joined to it ("resnet50",
    "gpt2", "conformer-xl"); a plural ("lstms") or a family's own spelling ("k-nn", "bilstm") is the family."""
    lowered = word.lower()
    for family in families:
        for alias in sorted(lexicon.MODEL_FAMILIES[family], key=len, reverse=True):
            at = lowered.find(alias)
            if re.search(r"\d", alias) or at < 0:
                continue  # an alias with a number is itself a variant ("resnet50")
            rest = (lowered[:at] + lowered[at + len(alias):]).strip("-_ ")
            if rest in ("", "s", "es"):
                return False
    return True


# Settings that count (``seed=1``, ``num_layers=1``): a 1 there is a number, not a flag turned on ("the seed runs").
_COUNTED_WORDS = frozenset({"seed", "seeds", "epoch", "epochs", "layer", "layers", "step", "steps", "batch", "heads",
                            "gpu", "gpus", "fold", "folds", "stage", "trial", "version", "rank", "depth", "workers"})


def _word_fits(word: str, candidate: RunProfile) -> bool:
    """Whether a run has what ``word`` says: a model family ("xgb", "lstms"), a word of a param
    value or of the run name ("conformer", "multi-headed" ~ ``multihead``), or a boolean param
    the word names ("the ema runs" for ``use_ema=true``)."""
    joined = _respell(word.replace("-", "").replace("_", ""))
    families = _families_of(word)
    if families and _names_a_variant(word, families):
        # "resnet50", "conformer-xl", "gpt2": one variant of a family, not any run of it (a resnet18 run is no
        # "resnet50 run"); the run must write that variant itself.
        return joined in candidate.tokens or any(t.startswith(joined) for t in candidate.tokens)
    if families and families & candidate.families:
        return True
    if joined in candidate.tokens or (len(joined) >= 4 and any(_token_matches(joined, t) for t in candidate.tokens)):
        return True
    return any(joined in key.lower().split("_") and value.strip().lower() in _TRUE_VALUES
               and not (value.strip().isdigit() and joined in _COUNTED_WORDS)
               for key, value in candidate.run.params.items())


def linked_run(run: RunSnapshot, how: LinkHow) -> LinkedRun:
    return LinkedRun(run_id=run.run_id, run_name=run.run_name, how=how, metrics=dict(run.metrics),
                     url=run.url, status=run.status, user=run.user)


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
