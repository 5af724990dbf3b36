"""What an entry's text says, sentence by sentence, computed once when the entry is written.

The history index reads a project's notes as "facts" (each raw sentence and each structured item), and
most of its build time went into reading those sentences again on every build (concepts, tokens, cue
words, modality: ~80% of a cold build at 10,000 entries). None of that depends on the runs, so it is
computed here when an entry is written or structured, stored with the entry (``EntryRecord.features``,
a compact text split by control characters) and the index only attributes runs and builds its postings from it.

Features are versioned by ``FEATURES_VERSION``: a hash of the source of every module the analysis reads
(this one, :mod:`narrative.statements`, :mod:`narrative.vocab` and its concept tables). A change of the
analysis code changes the version, and stored features of another version are ignored and recomputed
(:func:`features_of`), so a stale analysis is never trusted; the service stores what a build recomputed
(``HistoryIndexCache.take_computed``), so an upgrade costs one read of each entry, not one per start.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from adapters.tracker import RUN_ID_MIN_PREFIX
from narrative import vocab
from narrative.line_subjects import subjects_of
from narrative.statements import DECIMAL, fact_modality, numbers_in, scoped_sentences, statement_modality
from storage.records import EntryRecord

_ANALYSIS_MODULES = ("narrative.index_features", "narrative.statements", "narrative.vocab", "narrative.concepts",
                     "narrative.concept_rows", "narrative.lexicon", "narrative.line_subjects")
# A model family an entry talks about is the context of each of its sentences (see HistoryIndex).
MODEL_CONCEPTS = frozenset(c.id for c in vocab.CONCEPTS if c.kind == "model" and c.weight >= 2.0)


def _version() -> str:
    digest = hashlib.sha256()
    for name in _ANALYSIS_MODULES:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path:
            digest.update(Path(path).read_bytes())
    return "1-" + digest.hexdigest()[:16]


FEATURES_VERSION = _version()
_PREFIX = '{"v":"' + FEATURES_VERSION + '"'

# Flags of a fact, as bits of one int.
NEG, CLOSE, ADOPT, OPENING = 1, 2, 4, 8
LONG = 16  # a structured item of 12 characters or more (as written) may match a raw sentence it is part of
DECIMALS = 32  # a sentence that quotes a decimal or a percentage (``statements.DECIMAL``: a reported result)


@dataclass(slots=True)
class FactFeatures:
    """One sentence or structured item as the index needs it, before any run is attributed."""

    kind: str  # sentence | hypothesis | conclusion | next_step | question | decision | observation
    text: str  # stripped; also what runs are attributed from
    para: int  # paragraph of the raw text (sentences), -1 for structured items
    concepts: frozenset[str]  # of the text alone (what attribution reads)
    toks: frozenset[str]
    flags: int
    inherit: frozenset[str]  # concepts taken from the sentence before ("dropping it.")
    cover: frozenset[str]  # of concepts | inherit, closed under "broader"
    mod_runs: str  # the fact's modality if runs are attributed to it
    mod_none: str  # ... and if none are
    verdict: str = ""
    explicit: tuple[str, ...] = ()  # run ids the structured item names itself
    nums: tuple[tuple[float, int, bool], ...] = ()  # the numbers it quotes (``numbers_in``)
    words: tuple[str, ...] = ()  # its words long enough to be a run id or a prefix of one
    raw: str = ""  # a structured item as written, when that is not ``text`` (surrounding whitespace)
    subjects: frozenset[str] = frozenset()  # the concepts it is about (``narrative.line_subjects``)

    @property
    def key(self) -> str:
        """The normalised text ("said as" lookups between raw sentences and structured items)."""
        return text_key(self.raw or self.text)


@dataclass(slots=True, frozen=True)
class EntryFeatures:
    version: str
    facts: tuple[FactFeatures, ...]
    models_cover: frozenset[str]  # model families the entry talks about, closed under "broader"


_INTERN: dict[frozenset[str], frozenset[str]] = {}
_INTERN_TEXT: dict[str, frozenset[str]] = {}
_COVER: dict[frozenset[str], frozenset[str]] = {}
_WORD = re.compile(r"\w+")


def intern_set(s: frozenset[str]) -> frozenset[str]:
    """One shared object per distinct set: tens of thousands of facts repeat a few thousand sets."""
    got = _INTERN.get(s)
    if got is None:
        if len(_INTERN) > 1 << 18:
            _INTERN.clear()
        got = frozenset(map(sys.intern, s))
        _INTERN[got] = got  # the shared set is its own key: ``s`` itself is not kept
    return got


def _set_text(s: frozenset[str]) -> str:
    # concept ids and tokens hold no space (tokens are ``[a-z0-9.:+']``)
    return " ".join(sorted(s))


def _text_set(text: str) -> frozenset[str]:
    """The interned set stored as ``text`` (one dict lookup when it was seen before)."""
    got = _INTERN_TEXT.get(text)
    if got is None:
        if len(_INTERN_TEXT) > 1 << 18:
            _INTERN_TEXT.clear()
        got = _INTERN_TEXT[text] = intern_set(frozenset(text.split()))
    return got


def _words(text: str) -> tuple[str, ...]:
    # the words that may be a run id or a prefix of one
    return tuple(w for w in _WORD.findall(text.lower()) if len(w) >= RUN_ID_MIN_PREFIX)


def text_key(text: str) -> str:
    return vocab.norm(text).strip(" .:;-")


_Analysis = tuple[frozenset[str], frozenset[str], tuple[bool, bool, bool, bool]]


def _analyse(text: str, memo: dict[str, _Analysis]) -> _Analysis:
    """``statements.analyse`` of one entry's text (``memo``: a sentence recurs as a structured item), kept out
    of the process-wide caches: each entry's sentences are read once, when it is written."""
    got = memo.get(text)
    if got is None:
        got = memo[text] = (vocab.concept_frozenset_once(text), frozenset(vocab.tokens(text)), vocab.cue_flags(text))
    return got


def compute(entry: EntryRecord) -> EntryFeatures:
    """The features of an entry's raw text and structure (the same reading ``HistoryIndex`` did)."""
    facts: list[FactFeatures] = []
    memo: dict[str, _Analysis] = {}
    prev_concepts: frozenset[str] = frozenset()
    prev_para = -1
    for para, sent, scope in scoped_sentences(entry.raw_text):
        cs, ts, (neg, close, adopt, opening) = _analyse(sent, memo)
        inherit: frozenset[str] = frozenset()
        if not (cs - {"seeds"}) and (close or neg or adopt) and prev_concepts and para == prev_para:
            inherit = prev_concepts - cs  # "dropping it." refers to the previous sentence
        merged = cs | inherit
        if merged:
            prev_concepts, prev_para = merged, para
        said = statement_modality(sent)
        facts.append(FactFeatures(
            kind="sentence", text=sent.strip(), para=para, concepts=intern_set(cs), toks=intern_set(ts),
            flags=neg * NEG | close * CLOSE | adopt * ADOPT | opening * OPENING
            | (DECIMAL.search(sent.strip()) is not None) * DECIMALS, inherit=intern_set(inherit),
            cover=intern_set(vocab.cover(merged)), mod_runs=fact_modality(said, scope, "sentence", True, sent),
            mod_none=fact_modality(said, scope, "sentence", False, sent),
            nums=tuple(numbers_in(sent.strip())), words=_words(sent.strip()),
            subjects=intern_set(subjects_of.__wrapped__(sent.strip())),
        ))
    s = entry.structure
    if s is not None:
        items: list[tuple[str, str, str, list[str]]] = []
        items += [(h, "hypothesis", "", []) for h in s.hypotheses]
        items += [(c.text, "conclusion", c.verdict, list(c.run_ids)) for c in s.conclusions]
        items += [(n, "next_step", "", []) for n in s.next_steps]
        items += [(q, "question", "", []) for q in s.open_questions]
        items += [(d.text, "decision", d.kind, list(d.run_ids)) for d in s.decisions]
        items += [(o, "observation", "", []) for o in s.observations]
        for text, kind, verdict, rids in items:
            if not text.strip():
                continue
            cs, ts, (neg, close, adopt, opening) = _analyse(text, memo)
            said = statement_modality(text)
            facts.append(FactFeatures(
                kind=kind, text=text.strip(), para=-1, concepts=intern_set(cs), toks=intern_set(ts),
                flags=neg * NEG | close * CLOSE | adopt * ADOPT | opening * OPENING | (len(text) >= 12) * LONG,
                inherit=frozenset(),
                cover=intern_set(vocab.cover(cs)), mod_runs=fact_modality(said, "", kind, True),
                mod_none=fact_modality(said, "", kind, False), verdict=verdict,
                raw="" if text == text.strip() else text, explicit=tuple(rids),
                nums=tuple(numbers_in(text.strip())), words=_words(text.strip()),
                subjects=intern_set(subjects_of.__wrapped__(text.strip())),
            ))
    models: set[str] = set()
    for f in facts:
        models |= (f.concepts | f.inherit) & MODEL_CONCEPTS
    return EntryFeatures(FEATURES_VERSION, tuple(facts), intern_set(vocab.cover(frozenset(models))))


# ------------------------------------------------------------------ the stored form
# Stored as text split by control characters, not JSON: reading 10,000 entries' features back was a fifth of
# a cold build, most of it JSON decoding (issue 14); ``str.split`` reads the same in a third of the time.
# A row per fact: its kind, modalities, verdict, paragraph and flags as one field, its text, concepts with what
# it inherits, tokens, the run ids it names, its numbers, words, raw form and subjects; lists within a field split
# by ``_LIST``. The fields that repeat across facts (labels, concepts) are read once per distinct value. An
# entry whose text (or a run id it names) holds one of these characters is stored as JSON (``_dumps_json``).
_ROW, _FIELD, _LIST = "\x1e", "\x1f", "\x1d"
_SEPARATORS = re.compile("[\x1c-\x1f]")
_TEXT_PREFIX = FEATURES_VERSION + _FIELD
_LABELS: dict[str, tuple[str, str, str, str, int, int]] = {}
_CONCEPT_SETS: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}


def dumps(features: EntryFeatures) -> str:
    """The compact text stored with the entry (sets as space-separated sorted words)."""
    free = [x for f in features.facts for x in (f.text, f.raw, *f.explicit)]
    if any(map(_SEPARATORS.search, free)):
        return _dumps_json(features)
    rows = [_FIELD.join((f"{f.kind} {f.mod_runs} {f.mod_none} {f.verdict} {f.para} {f.flags}", f.text,
                         _set_text(f.concepts) + _LIST + _set_text(f.inherit), _set_text(f.toks),
                         _LIST.join(f.explicit), _LIST.join(f"{v!r} {d} {int(p)}" for v, d, p in f.nums),
                         " ".join(f.words), f.raw, _set_text(f.subjects)))
            for f in features.facts]
    return _ROW.join((_TEXT_PREFIX + _set_text(features.models_cover), *rows))


def _dumps_json(features: EntryFeatures) -> str:
    rows = [[f.kind, f.text, f.para, _set_text(f.concepts), _set_text(f.toks), f.flags, _set_text(f.inherit),
             f.mod_runs, f.mod_none, f.verdict, list(f.explicit), [list(n) for n in f.nums], list(f.words), f.raw,
             _set_text(f.subjects)]
            for f in features.facts]
    return json.dumps({"v": features.version, "f": rows, "m": _set_text(features.models_cover)},
                      separators=(",", ":"), ensure_ascii=False)


def loads(stored: str) -> EntryFeatures | None:
    """Stored features, or None when they are of another analysis version (or unreadable)."""
    if stored.startswith(_TEXT_PREFIX):
        try:
            return _loads_text(stored)
        except (ValueError, IndexError):
            return None
    if not stored.startswith(_PREFIX):
        return None  # another version: not even parsed
    try:
        data = json.loads(stored)
        facts = []
        for k, t, p, c, ts, fl, inh, mr, mn, vd, ex, nums, words, raw, subj in data["f"]:
            concepts, inherit = _text_set(c), _text_set(inh)
            facts.append(FactFeatures(  # positional, in field order (50k facts at 10k entries)
                sys.intern(k), t, p, concepts, _text_set(ts), fl, inherit,
                _cover(concepts | inherit if inherit else concepts), sys.intern(mr), sys.intern(mn), sys.intern(vd),
                tuple(ex) if ex else (), tuple(map(tuple, nums)) if nums else (), tuple(words) if words else (), raw,
                _text_set(subj)))
        return EntryFeatures(FEATURES_VERSION, tuple(facts), _text_set(data["m"]))
    except (ValueError, KeyError, TypeError):
        return None


def _loads_text(stored: str) -> EntryFeatures:
    rows = stored.split(_ROW)
    facts = []
    labels_of, sets_of, toks_of = _LABELS, _CONCEPT_SETS, _INTERN_TEXT
    for row in rows[1:]:
        labels, t, cs, ts, ex, nums, words, raw, subj = row.split(_FIELD)
        got = labels_of.get(labels)
        kind, mod_runs, mod_none, verdict, para, flags = got if got is not None else _labels(labels)
        sets = sets_of.get(cs)
        concepts, inherit, cover = sets if sets is not None else _concept_sets(cs)
        toks = toks_of.get(ts)
        facts.append(FactFeatures(  # positional, in field order (50k facts at 10k entries)
            kind, t, para, concepts, toks if toks is not None else _text_set(ts), flags, inherit, cover,
            mod_runs, mod_none, verdict, tuple(ex.split(_LIST)) if ex else (),
            tuple(map(_number, nums.split(_LIST))) if nums else (), tuple(words.split(" ")) if words else (), raw,
            toks_of.get(subj) or _text_set(subj)))
    return EntryFeatures(FEATURES_VERSION, tuple(facts), _text_set(rows[0][len(_TEXT_PREFIX):]))


def _labels(stored: str) -> tuple[str, str, str, str, int, int]:
    """A fact's kind, modalities, verdict, paragraph and flags."""
    kind, mod_runs, mod_none, verdict, para, flags = stored.split(" ")
    if len(_LABELS) > 1 << 14:
        _LABELS.clear()
    intern = sys.intern
    got = _LABELS[stored] = (intern(kind), intern(mod_runs), intern(mod_none), intern(verdict), int(para), int(flags))
    return got


def _concept_sets(stored: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """A fact's concepts, what it inherits, and the cover of both."""
    c, inh = stored.split(_LIST)
    concepts, inherit = _text_set(c), _text_set(inh)
    if len(_CONCEPT_SETS) > 1 << 16:
        _CONCEPT_SETS.clear()
    got = _CONCEPT_SETS[stored] = (concepts, inherit, _cover(concepts | inherit if inherit else concepts))
    return got


def _number(stored: str) -> tuple[float, int, bool]:
    value, decimals, percent = stored.split(" ")
    return float(value), int(decimals), percent == "1"


def _cover(concepts: frozenset[str]) -> frozenset[str]:
    got = _COVER.get(concepts)
    if got is None:
        if len(_COVER) > 1 << 16:
            _COVER.clear()
        got = _COVER[concepts] = intern_set(vocab.cover(concepts))
    return got


def features_for_storage(entry: EntryRecord) -> str:
    """What a writer stores with an entry (``EntryRecord.features``) after writing or structuring it."""
    return dumps(compute(entry))


def features_of(entry: EntryRecord) -> EntryFeatures:
    """The entry's features: the stored ones when they are of this analysis version, else computed now."""
    stored = entry.features
    if stored:
        got = loads(stored)
        if got is not None:
            return got
    return compute(entry)
