"""Variants a candidate states in its own words: another value of the plan's setting, another named value.

Two classes of "the same thing, done differently", read on a statement (and, for a named value, on a run's params):

* a setting named with a value ("an STFT loss weight of 0.5", "a base learning rate of 1e-6") is not a statement
  that names the same setting only with other values ("l1 + 0.1 * STFT loss", "lr: 0.000004"): that statement
  did another value, it is the closest, not the plan;
* a value written as an identifier ("monitor val_acc", "set the scheduler to reduce_on_plateau") that is no known
  concept is not a candidate that never says it: ``val_weighted_acc`` is another metric, not ``val_acc``.

Pure reading of short texts: every regex runs on bounded slices or on the plan's main clause once.
"""

from __future__ import annotations

import functools
import itertools
import re

from narrative import lexicon, vocab
from narrative.plan_reading import ASIDE, main_clause

# a number as written beside a setting: 0.5, .5, 1e-6, 3e-4, 20
_NUMBER = re.compile(r"(?<![\w.])\d*\.?\d+(?:e-?\d+)?(?![\w.])")
# what may stand between a setting and its value: punctuation of an assignment and up to two plain words ("weight
# of", "set to", "rate at"); a sentence's or a list's break ends the reach
_GAP_AFTER = re.compile(r"[a-z\s:=(_\-]*")
_GAP_BEFORE = re.compile(r"^[\s*x×]{0,3}$")
# a bound or a range is not the value itself ("a learning rate below 0.08"): the bound rules read those
_BOUND = re.compile(r"\b(?:than|below|under|above|over|beyond|between|from|least|most|within)\s*$")
_REACH = 24  # characters after a setting's name that its value may be in
_IDENT = re.compile(r"(?<![\w.])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.])")


def _norm1(low: str) -> str:
    """``vocab.norm`` keeping every character's place (one space per ``_ - /``), so spans index the text."""
    return re.sub(r"[_\-/]", " ", low)


def _valued(text: str) -> dict[str, list[tuple[float, str, str]]]:
    """The values each concept is written with in ``text``: a number right after its name (within two plain words)
    or right before it ("0.1* stft loss", "dropout 0.3", "lr: 1e-4"), each with the plain word between ("weight"
    in "stft loss weight of 0.5") and its unit ("%" in "reverb on 30% of clips"). A concept named with no number
    is absent. Each concept's first few mentions only: a 100k-character paste of "lr=0.1" is read in bounded time."""
    low = text.lower()
    spans = vocab.concepts_in(_norm1(low))
    glued = frozenset(_GLUED_NUMBER.findall(low)) if spans else frozenset()
    out: dict[str, list[tuple[float, str, str]]] = {}
    for cid, sp in spans.items():
        if vocab.CONCEPT_BY_ID[cid].kind in _NOT_SETTINGS:
            continue  # "gru-attn gives 0.849", "f1 0.72": a number by a model, a part or a metric is no setting's
        seen: set[tuple[float, str, str]] = set()
        for a, b in sp[:_MENTIONS]:
            tail = low[b: b + _REACH]
            m = _NUMBER.search(tail)
            if m and _gap_ok(tail[: m.start()]) and m.group(0) not in glued:
                num = lexicon.parse_number(m.group(0))
                if num is not None:
                    words = [w for w in re.findall(r"[a-z]+", tail[: m.start()]) if w not in _GLUE]
                    seen.add((num, words[0] if words else "", _unit(low, b + m.end())))
            head = low[max(0, a - 12): a]
            nums = list(_NUMBER.finditer(head))
            if nums and _GAP_BEFORE.match(head[nums[-1].end():]) and not _BOUND.search(head[: nums[-1].start()]):
                num = lexicon.parse_number(nums[-1].group(0))
                if num is not None:
                    seen.add((num, "", _unit(low, max(0, a - 12) + nums[-1].end())))
        if seen:
            out[cid] = sorted(seen)
    return out


_MENTIONS = 16
# a single letter glued to a number by a hyphen is a model's size ("minilm l-12"), as ``check_settings`` reads it
_GLUED_NUMBER = re.compile(r"(?<![a-z0-9])[a-z]-(\d+(?:\.\d+)?)(?![0-9.])")


def _gap_ok(gap: str) -> bool:
    """Up to two plain words and an assignment's punctuation between a setting's name and its value; a verb of
    a result between ("dropout gave 0.50") makes the number the result."""
    words = re.findall(r"[a-z]+", gap)
    return bool(_GAP_AFTER.fullmatch(gap)) and len(words) <= 2 and _RESULT_WORDS.isdisjoint(words)


_NOT_SETTINGS = frozenset({"model", "eval", "target"})
_RESULT_WORDS = frozenset({"gives", "gave", "give", "giving", "got", "gets", "get", "reached", "reaches", "scored",
                           "scores", "yields", "yielded", "hit", "hits", "achieved", "achieves", "is", "was", "were",
                           "are", "went", "dropped", "rose", "improved", "acc", "accuracy", "auc", "f1", "loss",
                           "score", "pesq", "wer", "mrr", "ndcg", "map", "bleu", "ppl"})


_GLUE = frozenset({"of", "at", "to", "is", "was", "set", "on", "with", "by", "as", "the", "a", "an", "about", "around"})
_UNITS = frozenset({"%", "epochs", "epoch", "steps", "step", "frames", "frame", "layers", "heads", "seconds", "s",
                    "ms", "hz", "khz", "gpus", "bits", "k"})


def _unit(low: str, end: int) -> str:
    """The unit written right after a number ("30%", "2 frames", "4 s")."""
    m = re.match(r"\s?(%|[a-z]{1,7}\b)", low[end: end + 9])
    return m.group(1) if m and m.group(1) in _UNITS else ""


@functools.lru_cache(maxsize=256)
def plan_values(plan: str) -> tuple[tuple[str, float, str, str], ...]:
    """The (concept, value, word, unit) the plan's main clause names, bounds left out ("a learning rate below
    0.08")."""
    head = ASIDE.sub(" ", main_clause(plan)).lower()
    out = [(cid, n, w, u) for cid, vals in _valued(head).items() for n, w, u in vals]
    if not out:
        return ()
    # a value written after a bound word anywhere in the plan reads as that bound: one pass over the numbers
    bounded = {lexicon.parse_number(m.group(0)) for m in _NUMBER.finditer(head)
               if _BOUND.search(head[max(0, m.start() - 12): m.start()])}
    return tuple(x for x in out if x[1] not in bounded)


def stated_value_off(pairs: tuple[tuple[str, float, str, str], ...], text: str,
                     cover: frozenset[str] | set[str] | None = None) -> bool:
    """Whether a statement names one of the plan's valued settings only with other values ("STFT loss ... weight
    0.5" for "an STFT loss weight of 0.1", "reverb on 30% of clips" for "reverb on 80% of the clips") and says none
    of the plan's values anywhere."""
    if cover is not None:
        # a statement that names none of the valued settings (its concepts, as the index holds them) is not read
        pairs = tuple(x for x in pairs if x[0] in cover)
    if not pairs:
        return False
    said = _valued(text)
    low = text.lower()
    named = vocab.concepts_in(_norm1(low))
    numbers = [n for m in _NUMBER.finditer(low) for n in [lexicon.parse_number(m.group(0))] if n is not None]
    for cid, want, word, unit in pairs:
        if cid not in said and not named.get(cid):
            continue
        got = [n for n, _, _ in said.get(cid, [])]
        if word:
            # the setting's own word with a number after it ("weight 0.5")
            got += [n for m in re.finditer(rf"\b{re.escape(word)}\b[\s:=(]{{0,3}}(\d*\.?\d+(?:e-?\d+)?)(?![\w.])", low)
                    for n in [lexicon.parse_number(m.group(1))] if n is not None]
        if unit:
            got += [n for m in _NUMBER.finditer(low) if _unit(low, m.end()) == unit
                    for n in [lexicon.parse_number(m.group(0))] if n is not None]
        want_any = (want, want / 100) if unit == "%" else (want,)  # "30% of clips" is reverb_prob 0.3
        if not got or any(_same(g, w) for g in got for w in want_any):
            continue
        if any(_same(n, w) for n in numbers for w in want_any):
            continue
        return True
    return False


def _same(a: float | None, b: float) -> bool:
    return a is not None and lexicon.same_value(repr(a), repr(b))


@functools.lru_cache(maxsize=256)
def plan_identifiers(plan: str) -> tuple[str, ...]:
    """Values the plan writes as identifiers ("val_acc", "reduce_on_plateau") that name no known concept, as the
    words a candidate must hold ("val acc")."""
    head = ASIDE.sub(" ", main_clause(plan)).lower()
    spans = [s for sp in vocab.concepts_in(_norm1(head)).values() for s in sp]
    out: list[str] = []
    for m in itertools.islice(_IDENT.finditer(head), _MENTIONS):
        if any(a < m.end() and m.start() < b for a, b in spans):
            continue  # "learning_rate", "label_smoothing": the concept matching reads those
        out.append(" ".join(m.group(0).split("_")))
    return tuple(dict.fromkeys(out))


def _holds_phrase(phrase: str, text: str) -> bool:
    norm = " " + " ".join(re.findall(r"[a-z0-9.]+", vocab.norm(text))) + " "
    return f" {phrase} " in norm


def identifier_off(idents: tuple[str, ...], text: str) -> bool:
    """Whether a candidate (a statement's words, or a run's name and params) lacks a value the plan writes as an
    identifier: "val_weighted_acc" is not "val_acc"."""
    return bool(idents) and not all(_holds_phrase(i, text) for i in idents)


def params_value_off(pairs: tuple[tuple[str, float, str, str], ...], params: dict[str, str]) -> bool:
    """Whether a run's numeric params name one of the plan's valued settings (by the key's words, the setting or
    a broader one: ``num_negatives`` for "8 random negatives") only at other values ("num_negatives=4")."""
    if not pairs:
        return False
    for cid, want, _, unit in pairs:
        family = vocab.CLOSURE.get(cid, frozenset({cid})) | {cid}
        got: list[float] = []
        for k, v in params.items():
            num = lexicon.parse_number(v)
            if num is None:
                continue
            if not family.isdisjoint(_key_concepts(k)) or _key_names(k, cid):
                got.append(num)
        wants = (want, want / 100) if unit == "%" else (want,)
        if got and not any(_same(g, w) for g in got for w in wants):
            return True
    return False


@functools.lru_cache(maxsize=4096)
def _key_concepts(key: str) -> frozenset[str]:
    # param keys repeat across runs: each key's words are read once
    return frozenset(vocab.concepts_in(_norm1(key.lower())))


@functools.lru_cache(maxsize=4096)
def _key_names(key: str, cid: str) -> bool:
    """Whether a key's own words name the concept ("num_negatives" for random negatives): a word of the concept's
    name other than the words many keys share ("num", "size", "rate") and the kind words ("random")."""
    mine = {vocab.stem(w) for w in re.split(r"[^a-z]+", key.lower()) if w} - _SHARED
    name = {vocab.stem(w) for w in re.split(r"[^a-z]+", vocab.CONCEPT_BY_ID[cid].name.lower()) if len(w) > 2}
    return bool(mine & (name - _SHARED - _KINDS))


_SHARED = frozenset(vocab.stem(w) for w in ("num", "n", "size", "rate", "max", "min", "ratio", "type", "count", "use",
                                            "total", "per", "value", "dim", "loss", "layer", "layers", "model"))
_KINDS = frozenset(vocab.stem(w) for w in ("random", "hard", "soft", "plain", "full", "simple", "learned"))
