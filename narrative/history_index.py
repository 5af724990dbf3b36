"""One read-only index over a ProjectHistory: sentences ("facts"), runs, concepts, metric in force.

Inverted indexes from concepts and tokens to facts and runs, document frequencies, and each sentence's
attributed runs, so that ``check``/``answer`` stay fast on large projects. What a sentence states lives in
:mod:`narrative.statements`, what a run's params offer in :mod:`narrative.param_sigs`. Building one is
costly: ``HistoryIndexCache`` keeps the last few by history object (the engine owns one).
"""

from __future__ import annotations

import datetime as dt
import gc
import heapq
import itertools
import math
import operator
import re
from collections import defaultdict
from collections.abc import Sequence

from adapters.tracker import RUN_ID_MIN_PREFIX
from narrative import protocol, vocab
from narrative.index_features import (
    ADOPT,
    CLOSE,
    DECIMALS,
    LONG,
    NEG,
    OPENING,
    EntryFeatures,
    FactFeatures,
    compute,
    dumps,
    intern_set,
    loads,
)
from narrative.index_parts import FactPostings, RunDocs, RunMultimap, RunPrefixes
from narrative.param_sigs import EMPTY, ParamSig, Part, RunDoc, family_of, make_sig, model_family
from narrative.segmenting import CHECKBOX
from narrative.statements import (
    IDEA_LABEL,
    Fact,
    fmt,
    heading_modality,
    numbers_in,
    scoped_sentences,
    split_sentences,
    statement_modality,
    tokset,
    value_matches,
)
from narrative.types import ProjectHistory
from storage.records import EntryRecord, Goal, RunSnapshot

# Names other modules import from here (the index's building blocks live in the modules above).
__all__ = [
    "BAD_STATUS", "Fact", "HistoryIndex", "HistoryIndexCache", "ParamSig", "Part", "RunDoc", "family_of", "fmt",
    "heading_modality", "model_family", "numbers_in", "scoped_sentences", "statement_modality", "value_matches",
]

BAD_STATUS = {"FAILED", "KILLED"}
# "should the primary metric be pr_auc?" asks; it does not decide.
_MUSING = re.compile(r"\?|\b(?:should|whether|maybe|perhaps|might|open q\w*|thinking (?:about|of))\b", re.I)
# A word of the text, to look up among the known run ids (a pasted id or prefix is one word).
_WORD = re.compile(r"\w+")
_TRAILING_COUNTER = re.compile(r"[-_ .]\d+$")
_DIGITS = "0123456789"
_SEED_KEYS = frozenset({"seed", "random_state", "random_seed"})
# a run linked to an entry, as attribution reads it: id, lowercased name, metric values, distinct concepts
_Linked = tuple[str, str, tuple[float, ...], frozenset[str]]
_AT, _START = operator.attrgetter("at"), operator.attrgetter("start")
# a fact's cue flags as its (negative, closing, adopting, opening), by the flags' cue bits (one lookup a fact)
_CUE_BITS = NEG | CLOSE | ADOPT | OPENING
_CUES = [(bool(b & NEG), bool(b & CLOSE), bool(b & ADOPT), bool(b & OPENING)) for b in range(_CUE_BITS + 1)]
_RUN_ID, _METRICS = operator.attrgetter("run_id"), operator.attrgetter("metrics")
_PARAMS, _NAME = operator.attrgetter("params"), operator.attrgetter("run_name")


class HistoryIndex:
    def __init__(self, history: ProjectHistory) -> None:
        # A build makes a few million objects and no reference cycles: the cyclic GC would only rescan the
        # whole heap (the history too) several times on the way (~25% of a build at 100k runs).
        paused = gc.isenabled()
        gc.disable()
        try:
            self._build(history)
        finally:
            if paused:
                gc.enable()

    def _build(self, history: ProjectHistory) -> None:
        self.history = history
        self.entries: list[EntryRecord] = sorted(history.entries, key=_AT)
        self.entry_by_id = {e.id: e for e in self.entries}
        self.runs: list[RunSnapshot] = sorted(history.runs.values(), key=_START)
        rids = list(map(_RUN_ID, self.runs))
        self.run_by_id = dict(zip(rids, self.runs, strict=True))
        self.prefix = RunPrefixes()  # the first RUN_ID_MIN_PREFIX characters of a run id, lowercased -> runs
        # lowercased run name -> runs, made when first asked for (``name_to_runs``): a build does not read it
        self._name_to_runs: RunMultimap | None = None
        self.df: dict[str, int] = defaultdict(int)
        self.sigs: list[ParamSig] = []
        self._sig_of: dict[str, ParamSig] = {}
        # a run's params as one flat tuple (keys, then values, in tracker order) -> their signature
        self._sig_by_params: dict[tuple[str, ...], ParamSig] = {}
        self._name_info: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        # a name's stem -> signature id -> what the name adds to it
        self._name_extra_memo: dict[str, dict[int, tuple[frozenset[str], frozenset[str], frozenset[str]]]] = {}
        # what a run's name adds to its params, for the runs whose name adds anything
        self._name_extra: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
        self.run_docs = RunDocs(self)
        # concept / token -> runs and param signatures that carry it (concepts closed under "broader")
        self.concept_sigs: dict[str, list[ParamSig]] = defaultdict(list)
        self.token_sigs: dict[str, list[ParamSig]] = defaultdict(list)
        self.name_token_runs: dict[str, list[str]] = defaultdict(list)
        self.name_concept_runs: dict[str, list[str]] = defaultdict(list)
        self._metric_keys: set[str] = set()
        self._index_runs(self.runs, rids)
        self.metric_keys = sorted(self._metric_keys)
        # for in-place updates: the entries that link a run not (yet) known, and the entries with a word
        # that may be a run id's prefix (by its first RUN_ID_MIN_PREFIX characters)
        self._waiting: dict[str, list[str]] = defaultdict(list)
        self.entry_runs: dict[str, list[str]] = {}
        run_by_id = self.run_by_id
        for e in self.entries:
            rids = [r.run_id for r in e.structure.runs] if e.structure else []
            known = self.entry_runs[e.id] = [rid for rid in rids if rid in run_by_id]
            if len(known) != len(rids):
                for rid in rids:
                    if rid not in run_by_id:
                        self._waiting[rid].append(e.id)
        self._word_entries: dict[str, list[str]] = defaultdict(list)
        self.run_entries: dict[str, list[str]] = defaultdict(list)
        for eid, rids in self.entry_runs.items():
            for rid in rids:
                self.run_entries[rid].append(eid)
        self.facts: list[Fact] = []
        self.entry_facts: dict[str, list[Fact]] = defaultdict(list)
        self.concept_facts = FactPostings()
        self.token_facts = FactPostings()
        # the same over what a fact covers together with its runs' model families (for scoring)
        self.ctx_concept_facts = FactPostings()
        self.ctx_token_facts = FactPostings()
        self._fam_ctx: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._ctx_memo: dict[tuple[frozenset[str], frozenset[str], frozenset[str], tuple[str, ...]],
                             tuple[frozenset[str], frozenset[str]]] = {}
        # entries whose stored features were missing or stale: (entry id, features to store)
        self.computed_features: list[tuple[str, str]] = []
        # facts entry by entry, then every posting in one pass (what ``_add_entry`` does entry by entry)
        pending: list[tuple[list[Fact], frozenset[str]]] = []
        for e in self.entries:
            feats = self._features_of(e)
            facts = self._add_facts(e, feats)
            pending.append((facts, feats.models_cover))
        self._post_all(pending)
        df = self.df
        for toks, n in self.token_facts.counts():  # by distinct set of tokens, not fact by fact
            for t in toks:
                df[t] += n
        self.n_docs = len(self.facts) + len(self.run_docs) + 1
        self._metric: tuple[str | None, Goal] | None = None
        self._switches: list[tuple[dt.datetime, str, Goal, str, str | None]] | None = None
        self.cache: dict[str, object] = {}

    def _features_of(self, e: EntryRecord) -> EntryFeatures:
        feats = loads(e.features) if e.features else None
        if feats is None:
            feats = compute(e)
            self.computed_features.append((e.id, dumps(feats)))
        return feats

    @property
    def name_to_runs(self) -> RunMultimap:
        """Lowercased run name -> runs, in start order (made when first asked for, then kept up to date)."""
        got = self._name_to_runs
        if got is None:
            got = RunMultimap()
            self._add_names(got, self.runs)
            self._name_to_runs = got
        return got

    @staticmethod
    def _add_names(names: RunMultimap, runs: Sequence[RunSnapshot]) -> None:
        # the run's own string when it is lowercase already (most names): 100k copies otherwise
        names.add_all((name if (low := name.lower()) == name else low, rid)
                      for name, rid in zip(map(_NAME, runs), map(_RUN_ID, runs), strict=True) if name)

    def _index_runs(self, runs: list[RunSnapshot], rids: list[str] | None = None) -> None:
        """Signatures, id prefixes, names and what names add, for ``runs`` (in start order; ``rids``: their
        ids, when read already)."""
        sig_by_params, name_info, memo = self._sig_by_params, self._name_info, self._name_extra_memo
        metric_keys, sig_of, extra_of = self._metric_keys, self._sig_of, self._name_extra
        name_concept_runs, name_token_runs, df = self.name_concept_runs, self.name_token_runs, self.df
        new_sigs: list[ParamSig] = []
        sigs = self.sigs
        had = [len(sig.run_ids) for sig in sigs]  # each signature's runs take in ``runs`` what it adds to df
        if rids is None:
            rids = list(map(_RUN_ID, runs))
        metric_keys.update(*map(_METRICS, runs))
        self.prefix.add(rids)
        if self._name_to_runs is not None:
            self._add_names(self._name_to_runs, runs)
        run_sigs: list[ParamSig] = []
        for params in map(_PARAMS, runs):
            # keyed by a flat tuple of strings: no (key, value) pair made and hashed per run (100k runs); the
            # tracker's order, as the signature keeps it (another order only splits a signature)
            flat = (*params, *params.values())
            sig = sig_by_params.get(flat)
            if sig is None:
                sig = sig_by_params[flat] = make_sig(len(sigs), tuple(params.items()))
                sigs.append(sig)
                new_sigs.append(sig)
            run_sigs.append(sig)
        sig_of.update(zip(rids, run_sigs, strict=True))
        for sig, rid in zip(run_sigs, rids, strict=True):
            sig.run_ids.append(rid)
        empty = (EMPTY, EMPTY, EMPTY)
        for name, rid, sig in zip(map(_NAME, runs), rids, run_sigs, strict=True):
            if not name:
                continue
            # "xgboost-123", "bright-fox-42": a trailing counter names no concept nor topic, so the
            # lookups are shared by every run of the same stem (and the same params)
            stem_name = name
            if name[-1].isdigit():
                bare = name.rstrip(_DIGITS)  # _TRAILING_COUNTER without a regex, for ASCII digits
                if bare and bare[-1] in "-_ .":
                    stem_name = bare[:-1]
                elif bare and bare[-1].isdigit():
                    stem_name = _TRAILING_COUNTER.sub("", name)
            # by stem, then by signature (no key tuple made per run: 100k runs)
            of_stem = memo.get(stem_name)
            if of_stem is None:
                of_stem = memo[stem_name] = {}
            extra = of_stem.get(sig.sid)
            if extra is None:
                info = name_info.get(stem_name)
                if info is None:
                    info = name_info[stem_name] = (vocab.concept_frozenset(stem_name), tokset(stem_name))
                name_c, name_t = info
                extra_c = name_c - sig.concepts if name_c else EMPTY
                extra_t = name_t - sig.toks if name_t else EMPTY
                extra_cover = (vocab.cover(extra_c) - sig.cover) if extra_c else EMPTY
                extra = (extra_c or EMPTY, extra_cover or EMPTY, extra_t or EMPTY)
                of_stem[sig.sid] = extra = empty if not extra[0] and not extra[2] else extra
            if extra is empty:
                continue
            extra_of[rid] = extra
            for c in extra[1]:
                name_concept_runs[c].append(rid)
            for t in extra[2]:
                df[t] += 1
                name_token_runs[t].append(rid)
        for sig in sigs:
            n = len(sig.run_ids) - (had[sig.sid] if sig.sid < len(had) else 0)
            if n:
                for t in sig.toks:
                    df[t] += n
        for sig in new_sigs:
            for t in sig.toks:
                self.token_sigs[t].append(sig)
            for c in sig.cover:
                self.concept_sigs[c].append(sig)

    # ------------------------------------------------------------------ in-place updates
    def apply(self, *, runs: Sequence[RunSnapshot] = (), entries: Sequence[EntryRecord] = ()) -> bool:
        """Take in runs and entries added to or changed in ``self.history``: see ``narrative.index_updates``."""
        from narrative.index_updates import apply

        return apply(self, runs=runs, entries=entries)

    def _make_doc(self, rid: str) -> RunDoc:
        extra = self._name_extra.get(rid)
        if extra is None:
            return RunDoc(self.run_by_id[rid], self._sig_of[rid])
        return RunDoc(self.run_by_id[rid], self._sig_of[rid], *extra)

    def _run_concepts(self, rid: str) -> frozenset[str]:
        """``run_docs[rid].concepts`` without making the doc."""
        extra = self._name_extra.get(rid)
        sig = self._sig_of[rid]
        return sig.concepts | extra[0] if extra is not None and extra[0] else sig.concepts

    def runs_with(self, cid: str, limit: int = 10) -> list[str]:
        """The earliest ``limit`` runs whose params (or name) carry the concept, oldest first."""
        streams: list[list[str]] = [sig.run_ids[:limit] for sig in self.concept_sigs.get(cid, ())]
        streams.append(self.name_concept_runs.get(cid, [])[:limit])
        start = {rid: self.run_by_id[rid].start for st in streams for rid in st}
        merged = heapq.merge(*streams, key=start.__getitem__)
        return list(dict.fromkeys(itertools.islice(merged, 2 * limit)))[:limit]


    # ------------------------------------------------------------------ facts
    def idf(self, tok: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(tok, 0) + 1)) + 1.0

    def _add_entry(self, e: EntryRecord, feats: EntryFeatures, *, count: bool = True) -> None:
        """The entry's facts (sentences, then structured items) from its features, with their runs
        (``count``: their tokens' document frequencies too; a build counts them all at once)."""
        self._post(self._add_facts(e, feats), feats.models_cover, count=count)

    def _add_facts(self, e: EntryRecord, feats: EntryFeatures) -> list[Fact]:
        """The entry's facts, added to ``facts`` and ``entry_facts`` (not yet posted)."""
        for w in {w[:RUN_ID_MIN_PREFIX] for ff in feats.facts for w in ff.words}:
            self._word_entries[w].append(e.id)
        facts = self._make_facts(e, feats, len(self.facts))
        self.facts += facts
        self.entry_facts[e.id] = facts
        return facts

    def _make_facts(self, e: EntryRecord, feats: EntryFeatures, first: int) -> list[Fact]:
        linked_ids = self.entry_runs.get(e.id, [])
        concepts = list(map(self._run_concepts, linked_ids))  # each linked run's, read once
        common = set(concepts[0]).intersection(*concepts[1:]) if concepts else set()
        linked = self._linked_info(linked_ids, common, concepts)
        memo: dict[str, list[str]] = {}
        mine: list[Fact] = []
        items_at = len(feats.facts)
        who = (e.id, e.author, e.at)
        # a fact's text is most often the entry's own string (its raw text, a structured item): that one, not
        # the copy read from the stored features (50k facts' texts at 10k entries)
        own = {e.raw_text: e.raw_text}
        s = e.structure
        if s is not None:
            for t in (*s.hypotheses, *(c.text for c in s.conclusions), *s.next_steps, *s.open_questions,
                      *(d.text for d in s.decisions), *s.observations):
                own[t] = t
        for ff in feats.facts:
            ff.text = own.get(ff.text, ff.text)
        reported: set[int] = set()  # the paragraphs with a result reported in a sentence said as done
        for i, ff in enumerate(feats.facts):
            if ff.kind != "sentence":
                items_at = i
                break
            f = self._fact(who, ff, linked, first + i, i, memo, para=ff.para, verdict="")
            if ff.flags & DECIMALS and f.modality == "done":
                reported.add(ff.para)
            mine.append(f)
        if reported:
            self._ideas_run(mine, reported)
        # "- [x] Look at the final activation function ==> Removing it helped": a line ticked off was done, and so
        # is the item read out of it, whatever its grammar
        ticked = [f.text[m.end():].lower() for f in mine if (m := CHECKBOX.match(f.text)) and m.group("mark") in "xX"]
        if e.structure is not None and items_at < len(feats.facts):
            # what the person wrote decides: a structured item cannot turn a plan or a "didn't" into something
            # done
            said_as = {feats.facts[f.idx - first].key: f.modality for f in mine
                       if f.kind == "sentence" and f.modality not in ("done", "")}
            for i in range(items_at, len(feats.facts)):
                ff = feats.facts[i]
                f = self._fact(who, ff, linked, first + i, i, memo, para=-1, verdict=ff.verdict)
                key = ff.key if said_as else ""
                raw = said_as.get(key) if said_as else None
                if raw is None and said_as and ff.flags & LONG:
                    raw = next((m for sent, m in said_as.items() if key in sent), None)
                if raw is not None and f.modality in ("done", ""):
                    f.modality = raw
                if ff.verdict == "did_not_work":
                    f.negative = True
                if f.kind == "hypothesis" and f.modality in ("plan", "") and any(
                        t.startswith(f.text[:40].lower()) for t in ticked):
                    f.modality = "done"
                mine.append(f)
        return mine

    def _ctx(self, f: Fact, models_cover: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
        """What the fact covers with its entry's model families and its runs' (``f.ctx_cover`` holds its own
        cover until then)."""
        own = f.ctx_cover
        fams = tuple([self._sig_of[rid].family for rid in f.run_ids[:4]]) if f.run_ids else ()
        key = (own, f.toks, models_cover, fams)
        got = self._ctx_memo.get(key)
        if got is None:
            fam_ctx = self._fam_ctx
            ctx_c, ctx_t = set(own), set(f.toks)
            ctx_c |= models_cover
            for fam in fams:
                if fam not in fam_ctx:
                    fam_ctx[fam] = (vocab.cover(vocab.concept_frozenset(fam)), tokset(fam))
                ctx_c |= fam_ctx[fam][0]
                ctx_t |= fam_ctx[fam][1]
            got = self._ctx_memo[key] = (intern_set(frozenset(ctx_c)), intern_set(frozenset(ctx_t)))
        return got

    def _post(self, facts: list[Fact], models_cover: frozenset[str], *, count: bool = True) -> None:
        """Postings, document frequencies (``count``) and each fact's context (its runs' model families)."""
        self.token_facts.extend([(f.idx, f.toks) for f in facts])
        self.concept_facts.extend([(f.idx, f.ctx_cover) for f in facts])  # its own cover, until replaced
        ctx = self._ctx
        for f in facts:
            f.ctx_cover, f.ctx_toks = ctx(f, models_cover)
        self.ctx_concept_facts.extend([(f.idx, f.ctx_cover) for f in facts])
        self.ctx_token_facts.extend([(f.idx, f.ctx_toks) for f in facts])
        if count:
            df = self.df
            for f in facts:
                for t in f.toks:
                    df[t] += 1

    def _post_all(self, pending: list[tuple[list[Fact], frozenset[str]]]) -> None:
        """``_post`` (without counting) of each entry's facts with its model families, all in one pass."""
        facts = [f for got, _ in pending for f in got]
        self.token_facts.extend([(f.idx, f.toks) for f in facts])
        self.concept_facts.extend([(f.idx, f.ctx_cover) for f in facts])  # its own cover, until replaced
        ctx, memo, sig_of = self._ctx, self._ctx_memo, self._sig_of
        for got, models_cover in pending:
            for f in got:
                # ``_ctx``'s memo looked up here first (53k facts at 10k entries, most of them hits)
                rids = f.run_ids
                if len(rids) == 1:  # most facts with runs have one (no list made for it)
                    fams: tuple[str, ...] = (sig_of[rids[0]].family,)
                else:
                    fams = tuple([sig_of[rid].family for rid in rids[:4]]) if rids else ()
                hit = memo.get((f.ctx_cover, f.toks, models_cover, fams))
                f.ctx_cover, f.ctx_toks = hit if hit is not None else ctx(f, models_cover)
        self.ctx_concept_facts.extend([(f.idx, f.ctx_cover) for f in facts])
        self.ctx_token_facts.extend([(f.idx, f.ctx_toks) for f in facts])

    @staticmethod
    def _ideas_run(facts: list[Fact], reported: set[int]) -> None:
        """"Idea: wider embeddings" heading an experiment block whose result is reported (Idea / Config /
        Result: ``reported``, the paragraphs with a sentence done that quotes a decimal) was run: the label
        names the experiment's idea, not a plan."""
        for f in facts:
            if f.modality == "plan" and f.para in reported and IDEA_LABEL.match(f.text):
                f.modality = "done"

    def _fact(self, who: tuple[str, str, dt.datetime], ff: FactFeatures, linked: list[_Linked], idx: int,
              pos: int, memo: dict[str, list[str]], *, para: int, verdict: str) -> Fact:
        """``who``: the entry's id, author and time."""
        rids = [r for r in ff.explicit if r in self.run_by_id] if ff.explicit else []
        if not rids:
            got = memo.get(ff.text)
            if got is None:
                got = memo[ff.text] = self._attribute(ff.text.lower(), ff.words, ff.nums, ff.concepts, linked)
            rids = list(got)
        flags = ff.flags
        # positional, in field order (one call instead of keywords and later assignments: 50k facts):
        # idx, entry_id, author, at, text, kind, concepts, toks, run_ids, verdict, negative, closing, adopting,
        # opening, position, para, ctx_cover (its own cover, replaced by the context in ``_post``), ctx_toks,
        # modality, subjects
        return Fact(idx, *who, ff.text, ff.kind, ff.concepts | ff.inherit if ff.inherit else ff.concepts, ff.toks,
                    rids, verdict, *_CUES[flags & _CUE_BITS], pos, para, ff.cover, EMPTY,
                    ff.mod_runs if rids else ff.mod_none, ff.subjects)

    def attribute(self, text: str, concepts: set[str] | frozenset[str], linked: list[str],
                  common: set[str] | None = None) -> list[str]:
        """Runs a sentence is about: pasted ids, names, quoted tracker values, distinctive params."""
        low = text.lower()
        words = tuple(w for w in _WORD.findall(low) if len(w) >= RUN_ID_MIN_PREFIX)
        if common is None:
            common = set.intersection(*(set(self._run_concepts(r)) for r in linked)) if linked else set()
        return self._attribute(low, words, numbers_in(text), concepts, self._linked_info(linked, common))

    def _linked_info(self, linked: list[str], common: set[str],
                     concepts: Sequence[frozenset[str]] | None = None) -> list[_Linked]:
        """What attribution reads of each linked run: its id, lowercased name, metric values and the concepts
        it has that the other linked runs do not all share (``concepts``: each one's, when already read)."""
        by_id = self.run_by_id
        if concepts is None:
            concepts = list(map(self._run_concepts, linked))
        out: list[_Linked] = []
        for rid, cs in zip(linked, concepts, strict=True):
            r = by_id[rid]
            out.append((rid, r.run_name.lower(), tuple(r.metrics.values()), cs - common))
        return out

    def _attribute(self, low: str, words: Sequence[str], nums: Sequence[tuple[float, int, bool]],
                   concepts: set[str] | frozenset[str], linked: list[_Linked]) -> list[str]:
        strong: list[str] = []
        prefixes = self.prefix
        for word in words:
            # a known run's id or a prefix of it; a prefix several runs share names each of them
            for rid in prefixes.ids(word[:RUN_ID_MIN_PREFIX]):
                if rid.lower().startswith(word) and rid not in strong:
                    strong.append(rid)
        for rid, name, _, _ in linked:
            if len(name) >= 5 and name in low and rid not in strong:
                strong.append(rid)
        if strong:
            return strong
        if not linked:
            return []
        numeric = [rid for rid, _, values, _ in linked if any(
            value_matches(v, n) for v in values for n in nums)] if nums else []
        by_concept = [rid for rid, _, _, distinct in linked if not distinct.isdisjoint(concepts)]
        if numeric and by_concept:
            both = [r for r in numeric if r in by_concept]
            if both:
                return both
        if numeric and len(numeric) <= 3:
            return numeric
        if by_concept and len(by_concept) < len(linked):
            return by_concept
        return numeric[:3]

    # ------------------------------------------------------------------ metric in force
    def resolve_metric(self, text: str) -> str | None:
        t = " " + vocab.norm(text) + " "
        best: tuple[int, int, str] | None = None
        for key in self.metric_keys:
            for w in vocab.metric_words(key):
                if len(w) < 2:
                    continue
                if re.search(r"(?<![a-z0-9])" + re.escape(w) + r"(?![a-z0-9])", t):
                    score = (len(w), 1 if key.lower().startswith("val") else 0, key)
                    if best is None or score > best:
                        best = score
        return best[2] if best else None

    def switches(self) -> list[tuple[dt.datetime, str, Goal, str, str | None]]:
        """(at, metric, goal, reason, entry_id) of each metric switch, oldest first."""
        if self._switches is not None:
            return self._switches
        out: list[tuple[dt.datetime, str, Goal, str, str | None]] = []
        for ch in self.history.project.metric_history:
            goal_: Goal = self._stated_goal(ch.entry_id, ch.reason) or ch.goal
            out.append((ch.at, ch.metric, goal_, ch.reason, ch.entry_id))
        seen_entries = {x[4] for x in out if x[4]}
        for e in self.entries:
            if e.id in seen_entries:
                continue
            found = False
            for d in e.structure.decisions if e.structure else []:
                if d.kind != "metric_switch":
                    continue
                key = None
                if d.metric:
                    key = d.metric if d.metric in self.metric_keys else self.resolve_metric(d.metric)
                key = key or self.resolve_metric(d.text)
                if key:
                    goal: Goal = (self._stated_goal(e.id, d.text) or d.goal
                                  or ("min" if vocab.metric_goal(key) == "min" else "max"))
                    out.append((e.at, key, goal, d.text, e.id))
                    found = True
            # A structured entry's decisions are the authority (structuring already tells a decision
            # from a question); reading raw text is only for entries still waiting to be structured.
            if not found and e.structure is None:
                sw = self._text_switch(e)
                if sw:
                    out.append(sw)
        out.sort(key=lambda x: x[0])
        # drop no-op duplicates
        dedup: list[tuple[dt.datetime, str, Goal, str, str | None]] = []
        current = self.history.project.primary_metric
        for s in out:
            if s[1] != current:
                dedup.append(s)
                current = s[1]
        self._switches = dedup
        return dedup

    _SWITCH = re.compile(
        r"(primary metric|main metric|target metric|headline metric|north star|optimi[sz]e (for|on)|"
        r"switch\w* (the |our )?(primary |main )?metric|metric (is|becomes|switches|changes)|"
        r"from now on[^.\n]{0,40}(metric|optimi)|instead of (roc|auc|accuracy|f1|rmse))[^\n]{0,80}",
        re.IGNORECASE,
    )

    def _text_switch(self, e: EntryRecord) -> tuple[dt.datetime, str, Goal, str, str | None] | None:
        for m in self._SWITCH.finditer(e.raw_text):
            window = m.group(0)
            key = self.resolve_metric(window)
            if key and key != self.history.project.primary_metric:
                sent = next((s for s in split_sentences(e.raw_text) if window[:30] in s), window)
                if _MUSING.search(sent):
                    continue
                goal: Goal = self._stated_goal(e.id, sent) or ("min" if vocab.metric_goal(key) == "min" else "max")
                return (e.at, key, goal, sent, e.id)
        return None

    def _stated_goal(self, entry_id: str | None, reason: str) -> Goal | None:
        """The direction the team wrote next to the switch ("val_ne, lower is better") — it wins."""
        said = vocab.stated_direction(reason)
        if not said and entry_id:
            sents = [f.text for f in self.entry_facts.get(entry_id, []) if f.kind == "sentence"]
            for i, t in enumerate(sents):
                if reason[:40] and (reason[:40] in t or t[:40] in reason):
                    said = vocab.stated_direction(" ".join(sents[i: i + 2]))
                    break
        if said == "min":
            return "min"
        if said == "max":
            return "max"
        return None

    def metric_now(self) -> tuple[str | None, Goal]:
        if self._metric is None:
            metric, goal = self.history.project.primary_metric, self.history.project.goal
            for _, m, g, _, _ in self.switches():
                metric, goal = m, g
            if metric and metric not in self.metric_keys and self.metric_keys:
                metric = self.resolve_metric(metric) or metric
            self._metric = (metric, goal)
        return self._metric

    def valid(self, run: RunSnapshot, metric: str | None) -> bool:
        if run.status.upper() in BAD_STATUS or not metric:
            return False
        v = run.metrics.get(metric)
        return v is not None and math.isfinite(v)

    def best_run(
        self, metric: str | None = None, goal: Goal | None = None, runs: list[RunSnapshot] | None = None,
        until: dt.datetime | None = None,
    ) -> RunSnapshot | None:
        if metric is None:
            metric, g = self.metric_now()
            goal = goal or g
        goal = goal or ("min" if vocab.metric_goal(metric or "") == "min" else "max")
        key = f"best:{metric}:{goal}:{until.isoformat() if until else ''}" if runs is None else ""
        if key and key in self.cache:
            cached = self.cache[key]
            return cached if isinstance(cached, RunSnapshot) else None
        unranked = self.void_runs() | self.off_protocol_runs()
        pool = [r for r in (runs if runs is not None else self.runs)
                if self.valid(r, metric) and r.run_id not in unranked]
        if until is not None:
            pool = [r for r in pool if (r.end or r.start) <= until]
        best = None
        if pool and metric is not None:
            sign = -1.0 if goal == "max" else 1.0
            best = min(pool, key=lambda r: (sign * r.metrics[metric], r.start))
        if key:
            self.cache[key] = best
        return best

    def off_protocol_runs(self) -> frozenset[str]:
        """Runs scored under another split than most runs (``narrative.protocol``): never "best"."""
        cached = self.cache.get("off_protocol")
        if not isinstance(cached, frozenset):
            cached = self.cache["off_protocol"] = protocol.off_protocol(self.runs)
        return cached

    def void_runs(self) -> frozenset[str]:
        """Runs the team declared invalid (leaked, buggy, void): never "best", never a baseline.

        A sentence like "both runs are void" names no run: it refers to the runs of the sentences just
        before it in the same paragraph.
        """
        cached = self.cache.get("void")
        if isinstance(cached, frozenset):
            return cached
        out: set[str] = set()
        for facts in self.entry_facts.values():
            sents = [f for f in facts if f.kind == "sentence"]
            for i, f in enumerate(sents):
                if not vocab.declares_void(f.text):
                    continue
                if f.run_ids:
                    out.update(f.run_ids)
                    continue
                back = [p for p in sents[max(0, i - 4): i] if p.para == f.para and p.run_ids]
                for p in back[-2:]:
                    out.update(p.run_ids)
        frozen = frozenset(out)
        self.cache["void"] = frozen
        return frozen

    def seed_groups(self, metric: str) -> list[tuple[float, list[str]]]:
        """(spread, run ids) of each group of valid runs that differ only by seed, widest first."""
        key = f"seedgroups:{metric}"
        cached = self.cache.get(key)
        if isinstance(cached, list):
            return cached
        groups: dict[tuple[tuple[str, str], ...], list[RunSnapshot]] = defaultdict(list)
        by_id = self.run_by_id
        for sig in self.sigs:
            k = tuple(sorted(kv for kv in sig.items if kv[0].lower() not in _SEED_KEYS))
            bucket = groups[k]
            for rid in sig.run_ids:
                r = by_id[rid]
                v = r.metrics.get(metric)
                if v is not None and math.isfinite(v) and r.status.upper() not in BAD_STATUS:
                    bucket.append(r)
        out = []
        for rs in groups.values():
            if len(rs) >= 2:
                vals = [r.metrics[metric] for r in rs]
                out.append((max(vals) - min(vals), [r.run_id for r in rs]))
        out.sort(key=lambda x: -x[0])
        self.cache[key] = out
        return out

    def seed_noise(self, metric: str) -> float | None:
        """Spread of the metric across runs that differ only by seed (the team's noise level)."""
        groups = self.seed_groups(metric)
        return groups[0][0] if groups else None


# The cache of built indexes lives beside it; importable from here as before.
from narrative.index_cache import HistoryIndexCache  # noqa: E402
