"""Link a brain dump to the runs it talks about, conservatively (design.md, truth rule 4).

A run is linked when it is pasted (full id -> ``id``, unique hex prefix -> ``prefix``), named
(its run name appears in the text -> ``name``), or unambiguously described (-> ``inferred``).
Inference only ever considers the author's own runs inside their working window (since their
previous entry, else a few days back); a description that fits several runs equally links none of
them and leaves a warning instead.

Inference is scoring. For every segment (bullet, sentence, table row) the evidence it carries —
metric values as quoted (".809", "89.3", "78.1%"), parameter values in any spelling ("lr .05",
"depth 4", "1500 trees", "spw=3"), model families ("xgb", "nets"), categorical words that occur in
run params or names ("tweedie", "cutmix", "one-hot"), failure language against FAILED runs — is
matched against each candidate run. A quoted metric value anchors a run on its own; a description
without numbers needs several pieces of evidence and a clear lead over the next run.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from narrative import lexicon
from narrative.segmenting import Segment, split_segments
from narrative.types import StructureRequest
from storage.records import LinkedRun, LinkHow, RunSnapshot

DEFAULT_LOOKBACK = dt.timedelta(days=7)
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
# Inference reads at most this many segments: a brain dump is shorter; a paste must stay fast.
MAX_INFERENCE_SEGMENTS = 150
# The author's earlier runs that tell what is distinctive in the window (most recent first).
MAX_BACKGROUND = 100

_NUMBER = re.compile(r"(?<![\w.^])([-+±~]?)(\d+\.\d+|\.\d+|\d+)(%?)(?![\w.]*[a-df-z])")
# ``name=value`` (or ``name:value`` without spaces: "split: random" is prose, not an assignment).
_PARAM_ASSIGN = re.compile(r"([a-z][a-z0-9_.]*)(?:\s*=\s*|:(?=\S))([^\s,;`|()]+)")
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
_HEX_TOKEN = re.compile(r"(?<![0-9a-z])[0-9a-f]{6,32}(?![0-9a-z])")
# Spoken words that mean the same as tokens seen in param values.
VALUE_SYNONYMS: dict[str, str] = {
    "onehot": "ohe", "one-hot": "ohe", "hashing": "hash", "hashed": "hash", "upsampling": "upsample",
    "upsampled": "upsample", "oversampling": "oversample", "undersampling": "undersample",
    "backtranslation": "backtranslation", "isotonic": "isotonic", "randaugment": "randaug",
    "pseudolabel": "pseudo", "pseudolabels": "pseudo", "pseudolabelling": "pseudo", "pseudolabeling": "pseudo",
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


@dataclass
class LinkResult:
    runs: list[LinkedRun]
    warnings: list[str]
    segments: list[SegmentLinks]

    def run_ids_of_segment(self, index: int) -> list[str]:
        return self.segments[index].run_ids if 0 <= index < len(self.segments) else []


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


def _token_matches(word: str, token: str) -> bool:
    if word == token:
        return True
    # "hashing" ~ "hash", "velocity" ~ "velocity_1h", "randaugment" ~ "randaug": shared stem.
    if len(token) >= 4 and len(word) >= 4:
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
def _value_matches(spoken: str, stored: str) -> bool:
    if lexicon.same_value(spoken, stored):
        return True
    stored_parts = [p for p in re.split(r"[,+;/ ]+", stored.lower()) if p]
    spoken_l = spoken.lower().strip()
    # "w=0.7" against weights "0.7,0.3"; "aug=cutmix" against "basic+cutmix".
    return (bool(stored_parts) and any(lexicon.same_value(spoken_l, part) for part in stored_parts[:1])) or (
        not lexicon.parse_number(spoken_l) and spoken_l in stored_parts
    )


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


_PARAM_BEFORE = re.compile(
    r"(?<![a-z0-9_])(?:lr|rate|eta|alpha|gamma|thr|threshold|dropout|ls|smoothing|p|power|w|t|temp|"
    r"weight|decay|c|contamination|momentum|ema|x|v|seeds?|top|k|n|dim|dims|d|rank|band|size|bs|batch|"
    r"delta|trees|steps?|epochs?|iters?|window|days?|len|length|leaves|layers?|heads?|" +
    "|".join(re.escape(w) for w in _SPOKEN_PARAMS) + r")\s*[:=]?\s*$|[@=#]\s*$"
)
_UNIT_AFTER = re.compile(
    r"\s*(?:e-?\d|x\b|min|h\b|hrs?\b|hours?|ms|s\b|secs?|gb|mb|k\b|m\b|px|rows|samples|steps|epochs?|"
    r"trees|iters?|iterations|rounds|leaves|layers|dims?|days?|weeks?|claims|users|items|tokens|"
    r"params|features|folds|seeds?|gpus?|nodes|classes|examples|\$)"
)
_YEAR = range(1990, 2101)


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
        # A number right after a parameter name is the parameter's value, not a result.
        if _PARAM_BEFORE.search(before):
            continue
        after = lowered[match.end() : match.end() + 12]
        if _UNIT_AFTER.match(after):
            continue
        value = lexicon.parse_number(digits)
        if value is None:
            continue
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        percent_style = not integer and (bool(percent) or (1.0 < value <= 100.0))
        if not integer and not percent_style and decimals < 2:
            continue
        hint = None
        for word in lexicon.METRIC_WORDS:
            if lexicon.contains_phrase(before[-16:], word):
                hint = word
                break
        if integer and int(value) in _YEAR and not hint:
            continue
        quoted.append(_QuotedValue(value, decimals, percent_style, match.start(), match.end(), hint,
                                   bool(_BASELINE_BEFORE.search(before)), integer))
    return quoted


@functools.lru_cache(maxsize=1024)
def _metric_key(spoken: str, keys: tuple[str, ...]) -> str | None:
    return lexicon.metric_key_for(spoken, list(keys))


def _metric_matches(quoted: _QuotedValue, run: RunSnapshot) -> bool:
    keys = list(run.metrics)
    if quoted.metric_hint:
        hinted = _metric_key(quoted.metric_hint, tuple(keys))
        if hinted:
            keys = [hinted]
    tolerance = 0.5 * 10 ** (-quoted.decimals) + 1e-9
    for key in keys:
        stored = run.metrics[key]
        if quoted.integer and abs(stored) < 100:
            continue  # a rounded integer says nothing about a small metric
        if abs(stored - quoted.value) <= tolerance:
            return True
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
_CHANGED_TO = re.compile(r"\s*(?:->|→|to)\s*(\d*\.?\d+(?:e-?\d+)?)(?![\w.])")


class _Pool:
    """The candidate runs of one message, with what they have in common (computed once)."""

    def __init__(self, profiles: list[RunProfile], background: list[RunProfile] | None = None) -> None:
        self.profiles = profiles
        # What tells runs apart is judged against the author's earlier runs too: when the window
        # holds one run, "80hz" still distinguishes it from the 40hz runs before it.
        self.background = background or []
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
                changed = _CHANGED_TO.match(lowered, match.end())
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
                any(_value_matches(v, p.run.params.get(key, "")) for v in values)
                for p in (*self.profiles, *self.background)
            )
        return self._shared_values[cache_key]


def _describe(text: str, candidate: RunProfile, pool: _Pool) -> _Evidence:
    """Score how well ``text`` describes ``candidate`` (without metric values)."""
    evidence = _Evidence()
    run = candidate.run
    facts = _facts(text)
    # One parameter may be stated several times ("bs 4096 ... bs 1024"): a run fits when it has
    # any of the stated values, and contradicts the text only when it has none of them.
    stated: dict[str, tuple[str, list[str]]] = {}
    for mention in (*facts.mentions, *pool.key_mentions(text)):
        for key in param_keys_for(mention.name, run.params):
            stated.setdefault(key, (mention.name, []))[1].extend(mention.values)
    for key, (spoken, values) in stated.items():
        if any(_value_matches(v, run.params[key]) for v in values):
            evidence.score += 0.25 if pool.value_shared(key, tuple(values)) else PARAM_HIT
            evidence.reasons.append(f"{spoken}={'/'.join(values)}")
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


def _author_window(request: StructureRequest) -> list[RunSnapshot]:
    author = request.author.strip().lower()
    start = request.window_start or (request.at - DEFAULT_LOOKBACK)
    return [
        r for r in request.window_runs
        if r.user.strip().lower() == author and start < r.start <= request.at
    ]


def _linked(run: RunSnapshot, how: LinkHow) -> LinkedRun:
    return LinkedRun(run_id=run.run_id, run_name=run.run_name, how=how, metrics=dict(run.metrics),
                     url=run.url, status=run.status, user=run.user)


def _name_pattern(name: str) -> re.Pattern[str]:
    # A name as written, or with the word people add for a run's kept checkpoint
    # ("GAN_Concat_Flex_009_BEST" is the run GAN_Concat_Flex_009).
    return re.compile(rf"(?<![A-Za-z0-9_\-]){re.escape(name.lower())}"
                      rf"(?:[_\-.](?:best|final|last|ckpt|checkpoint|weights))?(?![A-Za-z0-9_\-])")


def _is_distinctive_name(name: str) -> bool:
    """Run names worth matching as text: "xgb-d4-lr05", "jolly-lynx-3" — not "baseline"."""
    return len(name) >= 4 and bool(re.search(r"[-_.\d]", name))


# Short run names people give to series of runs ("w05", "r12", "e7"): letters then digits.
_SHORT_NAME = re.compile(r"^[a-z]{1,3}\d{1,3}$")
# A name range: "w05-w09", "w05..w09", "w05 to w09", "r3–r7".
_NAME_RANGE = re.compile(
    r"(?<![a-z0-9_\-.])([a-z]{1,3})(\d{1,3})\s*(?:-|–|—|\.\.|to|through|thru)\s*(?:\1)?(\d{1,3})(?![a-z0-9_])"
)
_MAX_RANGE = 24


def _is_short_name(name: str) -> bool:
    """A short run name ("w05") that is not also an ordinary token of ML text: not a model family
    ("t5"), a metric ("f1", "r2"), a quantile ("p50") or a version ("v2")."""
    if not _SHORT_NAME.match(name) or name in lexicon.STOP_TOKENS:
        return False
    if name in _COMMON_SHORT_TOKENS or lexicon.families_in(name) or name in lexicon.METRIC_ALIASES:
        return False
    return not any(name in aliases for aliases in lexicon.METRIC_ALIASES.values())


# Short tokens of ML prose that look like run names but usually are not: versions, quantiles,
# precision formats, efficientnet sizes, ranks of recall.
_COMMON_SHORT_TOKENS = frozenset(
    {f"v{i}" for i in range(10)} | {f"p{i}" for i in (5, 10, 25, 50, 75, 90, 95, 99)}
    | {"fp8", "fp16", "fp32", "bf16", "int4", "int8", "l1", "l2", "k8s", "gpu0", "gpu1", "q4", "q8"}
    | {f"b{i}" for i in range(8)} | {f"r{i}" for i in (1, 2)} | {f"top{i}" for i in (1, 3, 5, 10)}
    | {"f1", "f2", "mp3", "h100", "a100", "v100", "t4", "a10", "l4", "3d", "2d", "1d"}
)


def _short_name_pattern(name: str) -> re.Pattern[str]:
    # A token of its own: "w05", "`w05`", "w05/w09", "w05," — not "w05.5", "w05b" or "tw05".
    return re.compile(rf"(?<![a-z0-9_\-.]){re.escape(name)}(?![a-z0-9_]|[-.][a-z0-9])")


def _named_runs(
    request: StructureRequest, author_ids: set[str], warnings: list[str]
) -> list[tuple[str, RunSnapshot]]:
    """(name, run) for every run the text names: a distinctive name as written, a short name
    ("w05") as a token of its own, or a range of short names ("w05-w09") whose every member
    exists. A name several runs share links the author's own run when that is one, else none."""
    lowered_text = request.text.lower()
    by_name: dict[str, dict[str, RunSnapshot]] = {}
    for run in (*request.window_runs, *request.known_runs, *request.resolved_refs.values()):
        name = run.run_name.lower().strip()
        if _is_distinctive_name(name) or _is_short_name(name):
            by_name.setdefault(name, {})[run.run_id] = run

    def choose(name: str) -> RunSnapshot | None:
        choices = list(by_name[name].values())
        if len(choices) > 1:
            choices = [r for r in choices if r.run_id in author_ids] or choices
        if len(choices) == 1:
            return choices[0]
        warnings.append(f"The run name '{name}' belongs to {len(choices)} runs; none linked.")
        return None

    found: list[tuple[str, RunSnapshot]] = []
    for name in by_name:
        if name not in lowered_text:
            continue
        pattern = _short_name_pattern(name) if _is_short_name(name) else _name_pattern(name)
        if pattern.search(lowered_text):
            chosen = choose(name)
            if chosen is not None:
                found.append((name, chosen))
    short_names = [n for n in by_name if _is_short_name(n)]
    for match in _NAME_RANGE.finditer(lowered_text) if short_names else ():
        prefix, first, last = match.group(1), match.group(2), match.group(3)
        low, high = int(first), int(last)
        if not 0 < high - low <= _MAX_RANGE:
            continue
        width = len(first)
        members = [f"{prefix}{n:0{width}d}" if len(last) == width else f"{prefix}{n}" for n in range(low, high + 1)]
        # Only a range whose every member is a real short run name is a range of runs ("w05-w09");
        # "p5-p10" or "v2 to v4" with one name missing says nothing certain.
        if not all(m in short_names for m in members):
            continue
        for member in members:
            chosen = choose(member)
            if chosen is not None:
                found.append((match.group(0), chosen))
    return found


@dataclass
class ExplicitLinks:
    """What the person pasted or named: linked whatever any engine says (class 8 of issue 8)."""

    runs: dict[str, LinkedRun]
    warnings: list[str]
    author_window: list[RunSnapshot]
    forms: dict[str, list[str]] = field(default_factory=dict)   # run id -> how the text wrote it

    def written_in(self, run_id: str, lowered: str) -> bool:
        """Whether a piece of text writes this run (its id, prefix, name or a range holding it)."""
        return any(re.search(rf"(?<![a-z0-9]){re.escape(form)}(?![a-z0-9])", lowered)
                   for form in self.forms.get(run_id, ()))


def explicit_links(request: StructureRequest) -> ExplicitLinks:
    """Runs the text pastes (full id, unique prefix) or names (an exact run name, when unique).

    Deterministic and engine-independent: the local engine starts from it and every model engine
    unions it into the model's links, so a pasted id is never lost because a model left it out."""
    linked: dict[str, LinkedRun] = {}
    forms: dict[str, list[str]] = {}
    warnings: list[str] = []
    lowered_text = request.text.lower()

    # (a) pasted ids and prefixes, as the tracker resolved them.
    for ref, run in request.resolved_refs.items():
        if ref.lower() in lowered_text:
            forms.setdefault(run.run_id, []).append(ref.lower())
            if run.run_id not in linked:
                linked[run.run_id] = _linked(run, "id" if len(ref) >= 32 else "prefix")
    for ref, reason in request.unresolved_refs.items():
        warnings.append(f"'{ref}' looks like a run id but {reason}; not linked.")

    # (b) run names.
    author_window = _author_window(request)
    author_ids = {r.run_id for r in author_window}
    for written, run in _named_runs(request, author_ids, warnings):
        forms.setdefault(run.run_id, []).append(written)
        linked.setdefault(run.run_id, _linked(run, "name"))
    return ExplicitLinks(runs=linked, warnings=warnings, author_window=author_window, forms=forms)


def link_runs(request: StructureRequest, segments: list[Segment] | None = None) -> LinkResult:
    segments = segments if segments is not None else split_segments(request.text)
    seg_links = [SegmentLinks(s) for s in segments]
    explicit = explicit_links(request)
    linked = explicit.runs
    warnings = explicit.warnings
    author_window = explicit.author_window
    author_ids = {r.run_id for r in author_window}

    # Which segment carries which explicit link (for conclusions that cite runs).
    for entry in seg_links:
        seg_lower = entry.segment.lower
        for run_id in linked:
            if run_id[:6] in seg_lower or explicit.written_in(run_id, seg_lower):
                entry.run_ids.append(run_id)

    # (c) inference inside the author's window.
    explicit_runs = {rid: r for rid, r in ((r.run_id, r) for r in (*request.window_runs, *request.known_runs,
                                                                  *request.resolved_refs.values()))
                     if rid in linked}
    pool_runs = {r.run_id: r for r in author_window}
    pool_runs.update(explicit_runs)
    author = request.author.strip().lower()
    earlier = sorted((r for r in request.known_runs if r.run_id not in pool_runs and r.user.strip().lower() == author
                      and r.start <= request.at), key=lambda r: r.start, reverse=True)[:MAX_BACKGROUND]
    pool = _Pool([profile(r) for r in pool_runs.values()], [profile(r) for r in earlier])
    if pool:
        _infer(seg_links, pool, author_ids, linked, warnings)
    return LinkResult(runs=list(linked.values()), warnings=_dedupe(warnings), segments=seg_links)


def _infer(
    seg_links: list[SegmentLinks],
    pool: _Pool,
    author_ids: set[str],
    linked: dict[str, LinkedRun],
    warnings: list[str],
) -> None:
    inferable = [p for p in pool if p.run.run_id in author_ids]
    seen: set[str] = set()
    for entry in seg_links[:MAX_INFERENCE_SEGMENTS]:
        segment = entry.segment
        text = segment.text
        if text in seen:
            continue  # a repeated line says nothing new (and pastes repeat a lot)
        seen.add(text)
        if segment.kind == "row" and entry.run_ids:
            continue  # a pasted row already names its run
        if _HEX_TOKEN.search(text.lower()) and entry.run_ids and len(entry.run_ids) == 1:
            continue
        if inferable:
            _infer_groups(entry, pool, inferable, linked, warnings)
        anchored = False
        quoted = _quoted_metric_values(text)
        cursor = 0
        for number in quoted:
            local = _clause_before(text, cursor, number.start) + text[number.start : number.end]
            cursor = number.end
            if number.integer and not number.metric_hint and pool.is_param_value(number.value):
                continue  # "1000" is as likely a parameter as a result
            matches = [p for p in pool if _metric_matches(number, p.run)]
            if not matches:
                continue
            anchored = True
            if number.baseline:
                continue
            scored = [(p, _describe(local, p, pool)) for p in matches]
            scored = [(p, e) for p, e in scored if not e.contradicted]
            if len(scored) > 1:
                # Several runs carry this value: let the whole segment's description decide.
                rescored = [(p, _describe(text, p, pool)) for p, _ in scored]
                viable = [(p, e) for p, e in rescored if not e.contradicted] or rescored
                viable.sort(key=lambda pe: pe[1].score, reverse=True)
                if len(viable) > 1 and viable[0][1].score - viable[1][1].score < DESCRIPTION_LEAD:
                    if not all(p.run.run_id in linked for p, _ in viable):
                        names = ", ".join(p.run.run_name or p.run.run_id[:8] for p, _ in viable[:4])
                        warnings.append(
                            f"'{_clip(text)}' quotes a value that fits {len(viable)} runs ({names}); none linked."
                        )
                    continue
                scored = viable[:1]
            if not scored:
                continue
            chosen = scored[0][0].run
            if chosen.run_id not in author_ids and chosen.run_id not in linked:
                continue
            linked.setdefault(chosen.run_id, _linked(chosen, "inferred"))
            if chosen.run_id not in entry.run_ids:
                entry.run_ids.append(chosen.run_id)
        if not inferable:
            continue
        if anchored:
            # Failed runs have no values to quote: their description is the only way to them.
            _infer_failed(entry, pool, author_ids, linked)
            continue
        # No quoted value: a description alone must be strong and clearly ahead.
        scored = [(p, _describe(text, p, pool)) for p in pool]
        scored = [(p, e) for p, e in scored if not e.contradicted]
        scored.sort(key=lambda pe: pe[1].score, reverse=True)
        if not scored or scored[0][1].score < DESCRIPTION_THRESHOLD:
            continue
        best, best_evidence = scored[0]
        runner_up = scored[1][1].score if len(scored) > 1 else 0.0
        if best_evidence.score - runner_up < DESCRIPTION_LEAD:
            tied = [p for p, e in scored if best_evidence.score - e.score < DESCRIPTION_LEAD]
            if not all(p.run.run_id in linked for p in tied):
                names = ", ".join(p.run.run_name or p.run.run_id[:8] for p in tied[:4])
                warnings.append(f"'{_clip(text)}' fits {len(tied)} runs ({names}); none linked.")
            continue
        if best.run.run_id not in author_ids and best.run.run_id not in linked:
            continue
        linked.setdefault(best.run.run_id, _linked(best.run, "inferred"))
        if best.run.run_id not in entry.run_ids:
            entry.run_ids.append(best.run.run_id)


def _clause_before(text: str, start: int, end: int) -> str:
    """The clause of ``text[start:end]`` that ends at ``end`` (the words right before a value)."""
    window = text[start:end]
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(window)]
    return window[breaks[-1] :] if breaks and len(window) - breaks[-1] >= 3 else window


def _infer_failed(
    entry: SegmentLinks, pool: _Pool, author_ids: set[str], linked: dict[str, LinkedRun]
) -> None:
    text = entry.segment.text
    if not lexicon.has_cue(text.lower(), lexicon.FAILURE_CUES):
        return
    scored = [(p, _describe(text, p, pool)) for p in pool if p.failed and p.run.run_id in author_ids]
    scored = [(p, e) for p, e in scored if not e.contradicted and e.score >= DESCRIPTION_THRESHOLD]
    scored.sort(key=lambda pe: pe[1].score, reverse=True)
    if not scored or (len(scored) > 1 and scored[0][1].score - scored[1][1].score < DESCRIPTION_LEAD):
        return
    run = scored[0][0].run
    linked.setdefault(run.run_id, _linked(run, "inferred"))
    if run.run_id not in entry.run_ids:
        entry.run_ids.append(run.run_id)


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# -- groups: runs described by what they share ------------------------------------------------------
# "the conformer runs", "the multiscale and filterbank approaches", "the DDSP-style generators",
# "seeds 1/2/3 gave .994, .993, .993": a description of several runs is a link to every run of the
# author's window it fits — when it fits them exactly (every word of the description is understood)
# and the text is not a plan, a question or a negation.

# Nouns whose phrase names every run that fits ("the multiscale approach", "an MLflow experiment").
_FAMILY_NOUNS = frozenset({
    "runs", "experiments", "experiment", "variants", "versions", "configs", "configurations", "trials",
    "jobs", "ones", "seeds", "attempts", "generators", "networks", "nets", "agents", "approaches",
    "approach", "models", "setups", "architectures", "methods", "family", "sweep", "sweeps",
})
# Nouns that name one run: a description that fits several is ambiguous.
_SINGLE_NOUNS = frozenset({"run", "job", "trial", "attempt", "model", "version", "variant", "config",
                           "one", "generator", "network", "net", "agent", "setup", "configuration"})
# Plural nouns that are also verbs ("xgb runs faster"): a noun only after a determiner or a count,
# or before a verb.
_VERBISH_NOUNS = frozenset({"runs", "models", "experiments", "seeds", "sweeps", "nets"})
_DETERMINERS = frozenset({"the", "my", "our", "these", "those", "this", "that", "all", "both", "each",
                          "every", "his", "her", "their", "your", "a", "an", "its"})
_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "both": 2, "pair": 2, "couple": 2}
# Words that start a phrase on their left: prepositions, conjunctions, common verbs, pronouns.
_LEFT_EDGES = frozenset({
    "of", "in", "on", "at", "with", "from", "for", "to", "by", "than", "vs", "versus", "into", "across",
    "between", "about", "and", "or", "but", "while", "so", "then", "tried", "try", "trying", "ran",
    "rerun", "reran", "started", "launched", "compare", "compared", "comparing", "used", "using", "is",
    "are", "was", "were", "be", "been", "got", "gave", "did", "do", "does", "have", "has", "had",
    "stopped", "restarted", "checked", "see", "saw", "looked", "noticed", "i", "we", "he", "she",
    "they", "it", "now", "also", "both", "all", "after", "before", "since", "like", "as", "out",
})
# Neutral modifiers: they restrict nothing ("the new conformer runs", "DDSP-style generators").
_NEUTRAL = frozenset({"new", "style", "like", "based", "type", "kind", "sort", "of", "other", "own",
                      "today's", "todays", "overnight", "same", "whole", "entire", "various", "different",
                      "several", "few", "remaining", "recent", "latest"})
_FAILED_WORDS = frozenset({"failed", "crashed", "diverged", "killed", "broken", "dead", "oom",
                           "exploded", "unstable"})
# Words right after a bare plural that make it a noun: a verb or an auxiliary.
_VERB_AFTER = re.compile(
    r"\s*(?:[:,)]|are\b|were\b|all\b|both\b|have\b|had\b|did\b|do\b|don't|didn't|look|seem|gave\b|got\b|"
    r"show|converg|diverg|fail|crash|beat|end|finish|still\b|also\b|perform|work|reach|hit\b|score|"
    r"plateau|underperform|outperform|produc|result|need|took\b|take\b|ran\b|run\b|is\b|was\b)"
)
_NEGATED = frozenset({"no", "not", "without", "never", "none", "nor", "don't", "didn't", "haven't",
                      "hasn't", "won't", "can't", "isn't", "aren't", "wasn't", "weren't"})
# A clause about the future, a wish, a question: its runs do not exist yet, or may not.
_NOT_DONE = re.compile(
    r"\?|\b(?:will|going to|gonna|want to|wanna|plan(?:ning)? to|tomorrow|tmrw|todo|to-do|should|"
    r"would|could|might|maybe|need to|next)\b|'ll\b"
)
# Said after a group, these place it before the author's window.
_EARLIER = re.compile(
    r"\b(?:last (?:week|month|time|year)|yesterday|earlier|previous(?:ly)?|before|ago|back in|"
    r"(?:on |from |last )(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b"
)
_TRUE_VALUES = frozenset({"true", "1", "yes", "on", "enabled"})
_PHRASE_WORD = re.compile(r"[a-z0-9][a-z0-9_'.+/-]*[a-z0-9']|[a-z0-9]")
_PHRASE_BREAK = re.compile(r"[,;:()\[\]{}|!?]|\.\s|\s[-–—]\s|->|→|\*\*|`")


@dataclass(frozen=True)
class _Group:
    """What a noun phrase says: one or more conjuncts (each a list of words every run must fit)."""

    phrase: str
    conjuncts: tuple[tuple[str, ...], ...]
    count: int | None
    failed: bool
    single: bool
    subject: bool = False   # an approach as the subject of a verdict: "nonlinear stacking failed"


def _phrase_words(clause: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _PHRASE_WORD.finditer(clause)]


def _noun_phrases(clause: str) -> list[_Group]:
    """The noun phrases of a clause that name runs: "the conformer runs", "both lgbm models"."""
    words = _phrase_words(clause)
    found: list[_Group] = []
    for index, (word, _start, end) in enumerate(words):
        single = word in _SINGLE_NOUNS
        if word not in _FAMILY_NOUNS and not single:
            continue
        modifiers: list[str] = []
        count: int | None = None
        failed = False
        left = ""
        cursor = index - 1
        while cursor >= 0 and len(modifiers) < 6:
            candidate = words[cursor][0]
            if candidate in {"and", "or", "&"} and modifiers:
                modifiers.append(candidate)  # "the multiscale and filterbank approaches": two conjuncts
                cursor -= 1
                continue
            if candidate in _DETERMINERS or candidate in _LEFT_EDGES or candidate in _NEGATED:
                if candidate in _COUNTS:
                    count = _COUNTS[candidate]
                left = candidate
                break
            if candidate in _COUNTS or (candidate.isdigit() and len(candidate) <= 2):
                count = _COUNTS.get(candidate) or int(candidate)
            elif candidate in _FAILED_WORDS:
                failed = True
            else:
                modifiers.append(candidate)
            cursor -= 1
        if left in _NEGATED:
            continue
        if cursor >= 1 and words[cursor - 1][0] in _NEGATED:
            continue  # "no conformer runs", "not the conformer runs"
        modifiers.reverse()
        if not modifiers:
            continue
        if (word in _VERBISH_NOUNS and left not in _DETERMINERS and count is None
                and not _VERB_AFTER.match(clause[end:])):
            continue  # "xgb runs faster": a verb, not a noun
        conjuncts: list[tuple[str, ...]] = []
        current: list[str] = []
        for modifier in modifiers:
            if modifier in {"and", "or", "&"}:
                if current:
                    conjuncts.append(tuple(current))
                current = []
            else:
                current.append(modifier)
        if current:
            conjuncts.append(tuple(current))
        if not conjuncts:
            continue
        start = words[cursor + 1][1] if cursor + 1 < len(words) else 0
        found.append(_Group(phrase=clause[start:end], conjuncts=tuple(conjuncts), count=count,
                            failed=failed, single=single and count is None))
    return found


# An approach named as the subject of a verdict, at the start of a clause: "nonlinear stacking
# failed", "- label smoothing didn't help".
_SUBJECT_VERDICT = re.compile(
    r"^\s*(?:[-*•]|\d{1,2}[.)])?\s*(?:the\s+)?((?:[a-z0-9][\w'.+-]*\s+){0,3}[a-z0-9][\w'.+-]*)\s+"
    r"(?:failed|worked|helped|hurt|diverged|converged|crashed|underperformed|outperformed|blew up|went nan|"
    r"(?:did|does|do)(?:n't| not) (?:help|work|converge))\b"
)


def _subject_phrases(clause: str) -> list[_Group]:
    match = _SUBJECT_VERDICT.match(clause)
    if not match:
        return []
    words = match.group(1).split()
    if any(w in _DETERMINERS or w in _LEFT_EDGES or w in _NEGATED or w in _FAMILY_NOUNS or w in _SINGLE_NOUNS
           for w in words):
        return []  # "it failed", "we tried x and it worked", "the runs failed": not an approach's name
    return [_Group(phrase=match.group(1), conjuncts=(tuple(words),), count=None, failed=False, single=False,
                   subject=True)]


@functools.lru_cache(maxsize=8192)
def _families_of(text: str) -> frozenset[str]:
    return frozenset(lexicon.families_in(text))


def _word_fits(word: str, candidate: RunProfile) -> bool:
    """Whether a run has what ``word`` says: a model family ("xgb", "lstms"), a word of a param
    value or of the run name ("conformer", "multi-headed" ~ ``multihead``), or a boolean param
    the word names ("the ema runs" for ``use_ema=true``)."""
    joined = _respell(word.replace("-", "").replace("_", ""))
    families = _families_of(word)
    if families and families & candidate.families:
        return True
    if joined in candidate.tokens or (len(joined) >= 4 and any(_token_matches(joined, t) for t in candidate.tokens)):
        return True
    return any(joined in key.lower().split("_") and value.strip().lower() in _TRUE_VALUES
               for key, value in candidate.run.params.items())


class _Unknown(Exception):
    """A word of a description that no run has and that is not neutral ("big"): stop, link nothing."""


def _word_verdicts(raw: str, pool: _Pool) -> list[str]:
    """The words of ``raw`` that say something about runs; raises ``_Unknown`` for a word that
    no run of the pool has ("big", "wide")."""
    if raw in _NEUTRAL or raw in lexicon.STOP_TOKENS:
        return []
    if pool.fitting(raw):
        return [raw]
    parts = [p for p in re.split(r"[-_/+]", raw) if p]
    said: list[str] = []
    for part in parts if len(parts) > 1 else []:
        if part in _NEUTRAL or part in lexicon.STOP_TOKENS:
            continue
        if not pool.fitting(part):
            raise _Unknown(part)
        said.append(part)
    if not said:
        raise _Unknown(raw)
    return said


def _conjunct_terms(conjunct: tuple[str, ...], pool: _Pool) -> list[str]:
    """The terms of one conjunct; a family of several words ("random forest") is one term."""
    phrase = " ".join(conjunct)
    families = _families_of(phrase)
    if len(conjunct) > 1 and families and pool.fitting(phrase):
        covered = " ".join(alias for f in families for alias in lexicon.MODEL_FAMILIES[f] if alias in phrase)
        rest = [w for w in conjunct if w not in covered.split()]
        return [phrase, *[t for raw in rest for t in _word_verdicts(raw, pool)]]
    return [term for raw in conjunct for term in _word_verdicts(raw, pool)]


def _group_members(group: _Group, inferable: list[RunProfile], pool: _Pool) -> list[RunProfile] | None:
    """The runs a noun phrase names, or None when a word of it is not understood."""
    members: dict[str, RunProfile] = {}
    for conjunct in group.conjuncts:
        try:
            terms = _conjunct_terms(conjunct, pool)
        except _Unknown:
            return None
        if not terms:
            return None  # "the new runs": nothing said about which
        fitting = [c for c in inferable
                   if all(c.run.run_id in pool.fitting(term) for term in terms) and (not group.failed or c.failed)]
        if not fitting:
            return None  # a conjunct naming nothing of the window: the phrase is about something else
        for candidate in fitting:
            members[candidate.run.run_id] = candidate
    return list(members.values())


def _not_done(clause: str, segment: Segment) -> bool:
    # A question mark anywhere in the segment (a sentence or a bullet) makes all of it a question.
    return segment.section in ("next", "question") or "?" in segment.text or bool(_NOT_DONE.search(clause))


def _clauses(text: str) -> list[str]:
    return [c for c in _PHRASE_BREAK.split(text.lower()) if c.strip()]


def _infer_groups(
    entry: SegmentLinks,
    pool: _Pool,
    inferable: list[RunProfile],
    linked: dict[str, LinkedRun],
    warnings: list[str],
) -> None:
    """Link every run of a group the segment names ("the conformer runs", a sweep's id, a series
    of seeds)."""
    inferable_ids = {p.run.run_id for p in inferable}
    _infer_series(entry, pool, inferable, linked, warnings)
    for clause in _clauses(entry.segment.text):
        if _not_done(clause, entry.segment):
            continue
        for value, carriers in pool.group_values.items():
            if value in clause and re.search(rf"(?<![a-z0-9_]){re.escape(value)}(?![a-z0-9_])", clause):
                for member in carriers:
                    if member.run.run_id in inferable_ids:
                        linked.setdefault(member.run.run_id, _linked(member.run, "inferred"))
                        if member.run.run_id not in entry.run_ids:
                            entry.run_ids.append(member.run.run_id)
        for group in (*_noun_phrases(clause), *_subject_phrases(clause)):
            if _EARLIER.search(clause[clause.find(group.phrase) + len(group.phrase):]):
                continue  # "the xgb runs from last week": maybe not the ones of this window
            members = _group_members(group, inferable, pool)
            if not members:
                continue
            # Other things the clause states ("with lr 1e-3") narrow the group; a run they
            # contradict is not one of it.
            members = [m for m in members if not _describe(clause, m, pool).contradicted] or []
            if not members:
                continue
            if group.subject and len(members) == len(inferable):
                continue  # "xgb failed" when every run is xgb: it says nothing about which
            expected = 1 if group.single else group.count
            if expected is not None and len(members) != expected:
                names = ", ".join(m.run.run_name or m.run.run_id[:8] for m in members[:4])
                warnings.append(f"'{_clip(group.phrase)}' fits {len(members)} runs ({names}); none linked.")
                continue
            for member in members:
                linked.setdefault(member.run.run_id, _linked(member.run, "inferred"))
                if member.run.run_id not in entry.run_ids:
                    entry.run_ids.append(member.run.run_id)


def _series_mentions(text: str, pool: _Pool) -> list[tuple[_Mention, int, int]]:
    """Parameters stated with several values ("seeds 1/2/3", "entropy beta 0.01 and 1.0"), with
    where they are in ``text``."""
    lowered = text.lower()
    found: list[tuple[_Mention, int, int]] = []
    patterns = [p for p in (_PARAM_WORD_VALUE, pool._key_pattern) if p is not None]
    for pattern in patterns:
        for match in pattern.finditer(lowered):
            values = tuple(dict.fromkeys(re.findall(r"\d*\.?\d+(?:e-?\d+)?", match.group(2))))
            if len(values) >= 2:
                found.append((_Mention(match.group(1).replace(" ", "_"), values), match.start(), match.end()))
    return found


def _infer_series(
    entry: SegmentLinks,
    pool: _Pool,
    inferable: list[RunProfile],
    linked: dict[str, LinkedRun],
    warnings: list[str],
) -> None:
    """"seeds 1/2/3 gave .994, .993, .993": one run per stated value (paired with the quoted
    results in order when there are as many), every one of them linked — or none when a value
    fits several runs."""
    text = entry.segment.text
    for mention, start, end in _series_mentions(text, pool):
        sentence_start = max(text.rfind(mark, 0, start) for mark in (".", ";", "!", "?", "\n"))
        if _not_done(text[sentence_start + 1 : end].lower(), entry.segment):
            continue
        quoted = [q for q in _quoted_metric_values(text[end:]) if not q.baseline]
        paired = quoted[: len(mention.values)] if len(quoted) >= len(mention.values) else []
        chosen: list[RunProfile] = []
        ambiguous = False
        for index, value in enumerate(mention.values):
            fitting = [
                p for p in inferable
                if any(_value_matches(value, p.run.params[k]) for k in param_keys_for(mention.name, p.run.params))
                and not _describe(text, p, pool).contradicted
            ]
            if paired:
                fitting = [p for p in fitting if _metric_matches(paired[index], p.run)]
            if len(fitting) > 1:
                ambiguous = True
                break
            chosen.extend(fitting)
        if ambiguous or len({p.run.run_id for p in chosen}) != len(chosen):
            if chosen or ambiguous:
                warnings.append(f"'{_clip(text)}' states {mention.name} {'/'.join(mention.values)} "
                                "but a value fits several runs; none linked.")
            continue
        if len(chosen) < 2:
            continue  # one run: the single-run description decides
        for member in chosen:
            linked.setdefault(member.run.run_id, _linked(member.run, "inferred"))
            if member.run.run_id not in entry.run_ids:
                entry.run_ids.append(member.run.run_id)
