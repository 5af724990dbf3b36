"""One read-only index over a ProjectHistory: sentences ("facts"), runs, concepts, metric in force.

Inverted indexes from concepts and tokens to facts and runs, document frequencies, and each sentence's
attributed runs, so that ``check``/``answer`` stay fast on large projects. What a sentence states lives in
:mod:`narrative.statements`, what a run's params offer in :mod:`narrative.param_sigs`. Building one is
costly: ``HistoryIndexCache`` keeps the last few by history object (the engine owns one).
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import heapq
import itertools
import math
import re
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterator, KeysView, Sequence

from adapters.tracker import RUN_ID_MIN_PREFIX
from narrative import vocab
from narrative.index_features import (
    ADOPT,
    CLOSE,
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
from narrative.param_sigs import EMPTY, ParamSig, Part, RunDoc, family_of, make_sig, model_family
from narrative.statements import (
    DECIMAL,
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
_SEED_KEYS = frozenset({"seed", "random_state", "random_seed"})
_DIGITS = "0123456789"
# a run linked to an entry, as attribution reads it: id, lowercased name, metric values, distinct concepts
_Linked = tuple[str, str, tuple[float, ...], frozenset[str]]


class _Multi:
    """A multimap from strings to run ids (lists), stored as one id per key until a key has several: 100k
    runs with unique names or id prefixes would otherwise be 100k one-element lists."""

    __slots__ = ("_d",)

    def __init__(self) -> None:
        self._d: dict[str, str | list[str]] = {}

    def add(self, key: str, rid: str) -> None:
        d = self._d
        got = d.get(key)
        if got is None:
            d[key] = rid
        elif isinstance(got, str):
            d[key] = [got, rid]
        else:
            got.append(rid)

    def get(self, key: str, default: list[str] | tuple[()] = ()) -> list[str]:
        got = self._d.get(key)
        if got is None:
            return list(default)
        return [got] if isinstance(got, str) else got

    def __getitem__(self, key: str) -> list[str]:
        return self.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._d

    def __len__(self) -> int:
        return len(self._d)


class RunDocs(dict[str, RunDoc]):
    """Each run's ``RunDoc``, made when first asked for (most are never asked for), then kept.

    ``values()`` goes over every run without keeping what it makes; ``len`` and ``in`` count every run.
    """

    def __init__(self, index: HistoryIndex) -> None:
        super().__init__()
        self._index = index

    def __missing__(self, rid: str) -> RunDoc:
        doc = self._index._make_doc(rid)
        self[rid] = doc
        return doc

    def __contains__(self, rid: object) -> bool:
        return rid in self._index.run_by_id

    def __len__(self) -> int:
        return len(self._index.run_by_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index.run_by_id)

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        return self._index.run_by_id.keys()

    def values(self) -> Iterator[RunDoc]:  # type: ignore[override]
        got, make = dict.get, self._index._make_doc
        for rid in self._index.run_by_id:
            doc = got(self, rid)
            yield doc if doc is not None else make(rid)

    def items(self) -> Iterator[tuple[str, RunDoc]]:  # type: ignore[override]
        got, make = dict.get, self._index._make_doc
        for rid in self._index.run_by_id:
            doc = got(self, rid)
            yield rid, doc if doc is not None else make(rid)

    def get(self, rid: str, default: RunDoc | None = None) -> RunDoc | None:  # type: ignore[override]
        return self[rid] if rid in self._index.run_by_id else default


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
        self.entries: list[EntryRecord] = sorted(history.entries, key=lambda e: e.at)
        self.entry_by_id = {e.id: e for e in self.entries}
        self.runs: list[RunSnapshot] = sorted(history.runs.values(), key=lambda r: r.start)
        self.run_by_id = {r.run_id: r for r in self.runs}
        self.prefix = _Multi()  # the first RUN_ID_MIN_PREFIX characters of a run id, lowercased -> runs
        self.name_to_runs = _Multi()  # lowercased run name -> runs
        self.df: dict[str, int] = defaultdict(int)
        self.sigs: list[ParamSig] = []
        self._sig_of: dict[str, ParamSig] = {}
        self._sig_by_items: dict[tuple[tuple[str, str], ...], ParamSig] = {}
        self._name_info: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._name_extra_memo: dict[tuple[str, int], tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
        # what a run's name adds to its params, for the runs whose name adds anything
        self._name_extra: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
        self.run_docs = RunDocs(self)
        # concept / token -> runs and param signatures that carry it (concepts closed under "broader")
        self.concept_sigs: dict[str, list[ParamSig]] = defaultdict(list)
        self.token_sigs: dict[str, list[ParamSig]] = defaultdict(list)
        self.name_token_runs: dict[str, list[str]] = defaultdict(list)
        self.name_concept_runs: dict[str, list[str]] = defaultdict(list)
        self._metric_keys: set[str] = set()
        self._index_runs(self.runs)
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
        self.concept_facts: dict[str, list[int]] = defaultdict(list)
        self.token_facts: dict[str, list[int]] = defaultdict(list)
        # the same over what a fact covers together with its runs' model families (for scoring)
        self.ctx_concept_facts: dict[str, list[int]] = defaultdict(list)
        self.ctx_token_facts: dict[str, list[int]] = defaultdict(list)
        self._fam_ctx: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._ctx_memo: dict[tuple[frozenset[str], frozenset[str], frozenset[str], tuple[str, ...]],
                             tuple[frozenset[str], frozenset[str]]] = {}
        # entries whose stored features were missing or stale: (entry id, features to store)
        self.computed_features: list[tuple[str, str]] = []
        for e in self.entries:
            self._add_entry(e, self._features_of(e))
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

    def _index_runs(self, runs: list[RunSnapshot]) -> None:
        """Signatures, id prefixes, names and what names add, for ``runs`` (in start order)."""
        sig_by_items, name_info, memo = self._sig_by_items, self._name_info, self._name_extra_memo
        metric_keys, sig_of, extra_of = self._metric_keys, self._sig_of, self._name_extra
        prefixes, names = self.prefix._d, self.name_to_runs._d
        name_concept_runs, name_token_runs, df = self.name_concept_runs, self.name_token_runs, self.df
        new_sigs: list[ParamSig] = []
        counts: dict[int, int] = defaultdict(int)
        n_min = RUN_ID_MIN_PREFIX
        for r in runs:
            rid = r.run_id
            metric_keys.update(r.metrics)
            key = rid[:n_min].lower()
            got = prefixes.get(key)  # the multimap's ``add``, inlined: this loop runs once per run
            if got is None:
                prefixes[key] = rid
            elif isinstance(got, str):
                prefixes[key] = [got, rid]
            else:
                got.append(rid)
            items = tuple(r.params.items())  # tracker order; a different order only splits a signature
            sig = sig_by_items.get(items)
            if sig is None:
                sig = sig_by_items[items] = make_sig(len(self.sigs), items)
                self.sigs.append(sig)
                new_sigs.append(sig)
            sig.run_ids.append(rid)
            counts[sig.sid] += 1
            sig_of[rid] = sig
            name = r.run_name
            if not name:
                continue
            key = name.lower()
            if key == name:
                key = name  # the run's own string: most names are lowercase already (100k copies otherwise)
            got = names.get(key)
            if got is None:
                names[key] = rid
            elif isinstance(got, str):
                names[key] = [got, rid]
            else:
                got.append(rid)
            # "xgboost-123", "bright-fox-42": a trailing counter names no concept nor topic, so the
            # lookups are shared by every run of the same stem (and the same params)
            stem_name = name
            if name[-1].isdigit():
                bare = name.rstrip(_DIGITS)  # _TRAILING_COUNTER without a regex, for ASCII digits
                if bare and bare[-1] in "-_ .":
                    stem_name = bare[:-1]
                elif bare and bare[-1].isdigit():
                    stem_name = _TRAILING_COUNTER.sub("", name)
            extra = memo.get((stem_name, sig.sid))
            if extra is None:
                info = name_info.get(stem_name)
                if info is None:
                    info = name_info[stem_name] = (vocab.concept_frozenset(stem_name), tokset(stem_name))
                name_c, name_t = info
                extra_c = name_c - sig.concepts if name_c else EMPTY
                extra_t = name_t - sig.toks if name_t else EMPTY
                extra_cover = (vocab.cover(extra_c) - sig.cover) if extra_c else EMPTY
                extra = memo[(stem_name, sig.sid)] = (extra_c or EMPTY, extra_cover or EMPTY, extra_t or EMPTY)
            if not extra[0] and not extra[2]:
                continue
            extra_of[rid] = extra
            for c in extra[1]:
                name_concept_runs[c].append(rid)
            for t in extra[2]:
                df[t] += 1
                name_token_runs[t].append(rid)
        for sid, n in counts.items():
            for t in self.sigs[sid].toks:
                df[t] += n
        for sig in new_sigs:
            for t in sig.toks:
                self.token_sigs[t].append(sig)
            for c in sig.cover:
                self.concept_sigs[c].append(sig)

    # ------------------------------------------------------------------ in-place updates
    def apply(self, *, runs: Sequence[RunSnapshot] = (), entries: Sequence[EntryRecord] = ()) -> bool:
        """Take in runs and entries that were added to or changed in ``self.history`` (they are there already),
        so that the index answers as one built afresh from the history would. False when the change is not
        one this can do in place (an entry edited or added before the newest, a run added before the newest
        or whose params, name or start changed): the caller builds a new index then, and this one is spoiled.

        New runs and entries arrive newest last in a live project, which keeps every order the same as a
        build's: runs by start, entries by time, signatures by first run, facts by entry.
        """
        run_by_id = self.run_by_id
        redo: set[str] = set()
        fresh: list[RunSnapshot] = []
        for r in sorted(runs, key=lambda r: r.start):
            old = run_by_id.get(r.run_id)
            if old is None:
                last = fresh[-1] if fresh else (self.runs[-1] if self.runs else None)
                if last is not None and r.start < last.start:
                    return False
                fresh.append(r)
                continue
            if old is r:
                continue
            if old.params != r.params or old.run_name != r.run_name or old.start != r.start:
                return False
            at = bisect.bisect_left(self.runs, r.start, key=lambda x: x.start)
            while self.runs[at] is not old:
                at += 1
            self.runs[at] = r
            run_by_id[r.run_id] = r
            dict.pop(self.run_docs, r.run_id, None)
            self._metric_keys.update(r.metrics)
            redo.update(self.run_entries.get(r.run_id, ()))  # a value its entries quote may now match
        if fresh:
            self.runs += fresh
            for r in fresh:
                run_by_id[r.run_id] = r
            self._index_runs(fresh)
            for r in fresh:
                for eid in self._waiting.pop(r.run_id, ()):
                    redo.add(eid)  # an entry that links it before it was synced
                low = r.run_id.lower()
                for eid in self._word_entries.get(low[:RUN_ID_MIN_PREFIX], ()):
                    redo.add(eid)  # may paste its id (checked again when the entry is read again)
        self.metric_keys = sorted(self._metric_keys)
        for e in sorted(entries, key=lambda e: e.at):
            known = self.entry_by_id.get(e.id)
            if known is not None:
                if known is e:
                    continue
                if self.entries[-1].id != e.id or (len(self.entries) > 1 and e.at < self.entries[-2].at):
                    return False
                self._drop_last_entry()
            elif self.entries and e.at < self.entries[-1].at:
                return False
            self.entries.append(e)
            self.entry_by_id[e.id] = e
            self.entry_runs[e.id] = [rid for rid in e.run_ids if rid in run_by_id]
            for rid in e.run_ids:
                if rid in run_by_id:
                    self.run_entries[rid].append(e.id)
                else:
                    self._waiting[rid].append(e.id)
            self._add_entry(e, self._features_of(e))
            redo.discard(e.id)
        for eid in sorted(redo, key=self._entry_position):
            self._redo_entry(eid)
        self.n_docs = len(self.facts) + len(self.run_docs) + 1
        self._metric = None
        self._switches = None
        self.cache.clear()
        return True

    def _entry_position(self, eid: str) -> int:
        facts = self.entry_facts.get(eid)
        return facts[0].idx if facts else -1

    def _drop_last_entry(self) -> None:
        """Undo the newest entry (to add it again as it now is): its facts are the last ones."""
        e = self.entries.pop()
        del self.entry_by_id[e.id]
        for rid in self.entry_runs.pop(e.id, []):
            got = self.run_entries.get(rid)
            if got and got[-1] == e.id:
                got.pop()
        for rids in self._waiting.values():
            while e.id in rids:
                rids.remove(e.id)
        facts = self.entry_facts.pop(e.id, [])
        for f in reversed(facts):
            for t in f.toks:
                self.df[t] -= 1
                self.token_facts[t].pop()
            for c in vocab.cover(f.concepts):  # what ``_post`` filed it under
                self.concept_facts[c].pop()
            for c in f.ctx_cover:
                self.ctx_concept_facts[c].pop()
            for t in f.ctx_toks:
                self.ctx_token_facts[t].pop()
        if facts:
            del self.facts[facts[0].idx:]

    def _redo_entry(self, eid: str) -> None:
        """Attribute an entry's facts again (its runs changed); its text, so its facts' own postings, did not."""
        e = self.entry_by_id[eid]
        old = self.entry_facts[eid]
        if not old:
            return
        linked = self.entry_runs[eid]
        now = [rid for rid in e.run_ids if rid in self.run_by_id]
        for rid in now:
            if rid not in linked:
                got = self.run_entries[rid]
                got.append(eid)
                got.sort(key=self._entry_position)
        self.entry_runs[eid] = now
        feats = self._features_of(e)
        new = self._make_facts(e, feats, old[0].idx)
        for f_old, f in zip(old, new, strict=True):
            f.ctx_cover, f.ctx_toks = self._ctx(f, feats.models_cover)
            for key, postings in ((f_old.ctx_cover - f.ctx_cover, self.ctx_concept_facts),
                                  (f_old.ctx_toks - f.ctx_toks, self.ctx_token_facts)):
                for k in key:
                    postings[k].remove(f.idx)
            for key, postings in ((f.ctx_cover - f_old.ctx_cover, self.ctx_concept_facts),
                                  (f.ctx_toks - f_old.ctx_toks, self.ctx_token_facts)):
                for k in key:
                    bisect.insort(postings[k], f.idx)
            self.facts[f.idx] = f
        self.entry_facts[eid] = new

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

    def _add_entry(self, e: EntryRecord, feats: EntryFeatures) -> None:
        """The entry's facts (sentences, then structured items) from its features, with their runs."""
        for w in {w[:RUN_ID_MIN_PREFIX] for ff in feats.facts for w in ff.words}:
            self._word_entries[w].append(e.id)
        facts = self._make_facts(e, feats, len(self.facts))
        self.facts += facts
        self.entry_facts[e.id] = facts
        self._post(facts, feats.models_cover)

    def _make_facts(self, e: EntryRecord, feats: EntryFeatures, first: int) -> list[Fact]:
        linked_ids = self.entry_runs.get(e.id, [])
        common = set.intersection(*(set(self._run_concepts(r)) for r in linked_ids)) if linked_ids else set()
        linked = self._linked_info(linked_ids, common)
        memo: dict[str, list[str]] = {}
        mine: list[Fact] = []
        items_at = len(feats.facts)
        for i, ff in enumerate(feats.facts):
            if ff.kind != "sentence":
                items_at = i
                break
            f = self._fact(e, ff, linked, first + i, i, memo)
            f.para = ff.para
            mine.append(f)
        self._ideas_run(mine)
        if e.structure is not None and items_at < len(feats.facts):
            # what the person wrote decides: a structured item cannot turn a plan or a "didn't" into something
            # done
            said_as = {feats.facts[f.idx - first].key: f.modality for f in mine
                       if f.kind == "sentence" and f.modality not in ("done", "")}
            for i in range(items_at, len(feats.facts)):
                ff = feats.facts[i]
                f = self._fact(e, ff, linked, first + i, i, memo)
                f.para = -1
                f.verdict = ff.verdict
                key = ff.key if said_as else ""
                raw = said_as.get(key) if said_as else None
                if raw is None and said_as and ff.flags & LONG:
                    raw = next((m for sent, m in said_as.items() if key in sent), None)
                if raw is not None and f.modality in ("done", ""):
                    f.modality = raw
                if ff.verdict == "did_not_work":
                    f.negative = True
                mine.append(f)
        return mine

    def _ctx(self, f: Fact, models_cover: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
        """What the fact covers with its entry's model families and its runs' (``f.ctx_cover`` holds its own
        cover until then)."""
        own = f.ctx_cover
        fams = tuple(self._sig_of[rid].family for rid in f.run_ids[:4])
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

    def _post(self, facts: list[Fact], models_cover: frozenset[str]) -> None:
        """Postings, document frequencies and each fact's context (its runs' model families)."""
        df, token_facts, concept_facts = self.df, self.token_facts, self.concept_facts
        ctx_concept_facts, ctx_token_facts = self.ctx_concept_facts, self.ctx_token_facts
        ctx = self._ctx
        for f in facts:
            i = f.idx
            for t in f.toks:
                df[t] += 1
                token_facts[t].append(i)
            for c in f.ctx_cover:  # its own cover, until its context replaces it
                concept_facts[c].append(i)
            got = f.ctx_cover, f.ctx_toks = ctx(f, models_cover)
            for c in got[0]:
                ctx_concept_facts[c].append(i)
            for t in got[1]:
                ctx_token_facts[t].append(i)

    @staticmethod
    def _ideas_run(facts: list[Fact]) -> None:
        """"Idea: wider embeddings" heading an experiment block whose result is reported (Idea / Config /
        Result) was run: the label names the experiment's idea, not a plan."""
        reported = {f.para for f in facts if f.modality == "done" and DECIMAL.search(f.text)}
        if not reported:
            return
        for f in facts:
            if f.modality == "plan" and f.para in reported and IDEA_LABEL.match(f.text):
                f.modality = "done"

    def _fact(self, e: EntryRecord, ff: FactFeatures, linked: list[_Linked], idx: int, pos: int,
              memo: dict[str, list[str]]) -> Fact:
        flags = ff.flags
        f = Fact(
            idx=idx, entry_id=e.id, author=e.author, at=e.at, text=ff.text, kind=ff.kind,
            concepts=ff.concepts | ff.inherit if ff.inherit else ff.concepts, toks=ff.toks, position=pos,
            negative=bool(flags & NEG), closing=bool(flags & CLOSE), adopting=bool(flags & ADOPT),
            opening=bool(flags & OPENING),
        )
        rids = [r for r in ff.explicit if r in self.run_by_id] if ff.explicit else []
        if not rids:
            got = memo.get(ff.text)
            if got is None:
                got = memo[ff.text] = self._attribute(ff.text.lower(), ff.words, ff.nums, ff.concepts, linked)
            rids = list(got)
        f.run_ids = rids
        f.modality = ff.mod_runs if rids else ff.mod_none
        f.ctx_cover = ff.cover  # replaced by the context in ``_post``
        return f

    def attribute(self, text: str, concepts: set[str] | frozenset[str], linked: list[str],
                  common: set[str] | None = None) -> list[str]:
        """Runs a sentence is about: pasted ids, names, quoted tracker values, distinctive params."""
        low = text.lower()
        words = tuple(w for w in _WORD.findall(low) if len(w) >= RUN_ID_MIN_PREFIX)
        if common is None:
            common = set.intersection(*(set(self._run_concepts(r)) for r in linked)) if linked else set()
        return self._attribute(low, words, numbers_in(text), concepts, self._linked_info(linked, common))

    def _linked_info(self, linked: list[str], common: set[str]) -> list[_Linked]:
        """What attribution reads of each linked run: its id, lowercased name, metric values and the concepts
        it has that the other linked runs do not all share."""
        by_id = self.run_by_id
        return [(rid, by_id[rid].run_name.lower(), tuple(by_id[rid].metrics.values()),
                 self._run_concepts(rid) - common) for rid in linked]

    def _attribute(self, low: str, words: Sequence[str], nums: Sequence[tuple[float, int, bool]],
                   concepts: set[str] | frozenset[str], linked: list[_Linked]) -> list[str]:
        strong: list[str] = []
        prefixes = self.prefix._d
        for word in words:
            # a known run's id or a prefix of it; a prefix several runs share names each of them
            got = prefixes.get(word[:RUN_ID_MIN_PREFIX])
            if got is None:
                continue
            for rid in (got,) if isinstance(got, str) else got:
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
        pool = [r for r in (runs if runs is not None else self.runs)
                if self.valid(r, metric) and r.run_id not in self.void_runs()]
        if until is not None:
            pool = [r for r in pool if (r.end or r.start) <= until]
        best = None
        if pool and metric is not None:
            sign = -1.0 if goal == "max" else 1.0
            best = min(pool, key=lambda r: (sign * r.metrics[metric], r.start))
        if key:
            self.cache[key] = best
        return best

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


_CacheKey = tuple[int, int, int, int, str, str, str]


def _entry_mark(e: EntryRecord | None) -> str:
    return f"{e.id}|{e.status}|{e.updated_at.isoformat()}" if e is not None else ""


def _run_mark(r: RunSnapshot | None) -> str:
    return f"{r.run_id}|{r.status}|{r.fetched_at.isoformat()}" if r is not None else ""


def _cache_key(history: ProjectHistory) -> _CacheKey:
    """Identity plus cheap change markers: sizes, the last entry (id, status, updated_at), the last run."""
    last_entry = history.entries[-1] if history.entries else None
    last_run = next(reversed(history.runs.values()), None) if history.runs else None
    entry_mark, run_mark = _entry_mark(last_entry), _run_mark(last_run)
    proj = history.project
    return (id(history), len(history.entries), len(history.runs), len(proj.metric_history), entry_mark,
            run_mark, f"{proj.primary_metric}|{proj.goal}")


class HistoryIndexCache:
    """The last few indexes built, by history object (its identity and cheap change markers), newest last.

    Owned by whoever runs the engine (the app builds one per process). Safe to share between threads:
    the LRU is locked; two threads asking for the same new history may each build it once, and the
    last one stored wins.

    A history that changes in place keeps its index: ``update(history, runs=..., entries=...)`` adds the
    runs and entries to the history and to its index (no rebuild), and a history object changed by its
    owner (runs or entries added or replaced in it) is brought up to date the same way when next asked
    for, by comparing what the index holds with what the history holds.
    """

    FREEZE_AT = 50_000

    def __init__(self, *, size: int = 4, freeze_large: bool = False) -> None:
        self.size = size
        # Only an application may move objects out of the cyclic GC's sight: it is process-wide.
        self.freeze_large = freeze_large
        self._lru: OrderedDict[_CacheKey, HistoryIndex] = OrderedDict()
        self._lock = threading.Lock()
        # one lock per index being updated in place (queries on other indexes go on)
        self._updating = threading.Lock()

    def index(self, history: ProjectHistory) -> HistoryIndex:
        """The index of ``history``: the cached one while the history is unchanged, else a new one."""
        key = _cache_key(history)
        with self._lock:
            idx = self._lru.get(key)
            if idx is not None and idx.history is history:
                self._lru.move_to_end(key)
                return idx
            stale = next(((k, i) for k, i in self._lru.items() if i.history is history), None)
        if stale is not None:
            got = self._catch_up(stale[0], stale[1], history)
            if got is not None:
                return got
        idx = HistoryIndex(history)
        self._store(key, idx)
        if self.freeze_large and len(idx.runs) + len(idx.facts) >= self.FREEZE_AT:
            # A large index is a few million long-lived objects: move them out of the cyclic GC's sight so
            # that later collections (during warm queries) do not rescan them. The index holds no reference
            # cycles, so evicting it still frees it by reference counting.
            # Only the young generations are collected first: a full collection rescans the whole heap
            # (~0.5 s at 100k runs); the build itself leaves no cycles behind, and with in-place updates a
            # large index is built about once per process.
            gc.collect(1)
            gc.freeze()
        return idx

    def update(self, history: ProjectHistory, *, runs: Sequence[RunSnapshot] = (),
               entries: Sequence[EntryRecord] = ()) -> HistoryIndex | None:
        """Add ``runs`` and ``entries`` (new, or new versions of known ones) to ``history`` and to its cached
        index, in place. Returns the index, or None when none was cached (the next ``index`` builds it)
        or when the change needs a rebuild (then it is dropped, and the next ``index`` builds it)."""
        for r in runs:
            history.runs[r.run_id] = r
        if entries:
            at = {e.id: i for i, e in enumerate(history.entries)}
            for e in entries:
                i = at.get(e.id)
                if i is None:
                    at[e.id] = len(history.entries)
                    history.entries.append(e)
                else:
                    history.entries[i] = e
        with self._lock:
            stale = next(((k, i) for k, i in self._lru.items() if i.history is history), None)
        if stale is None:
            return None
        return self._catch_up(stale[0], stale[1], history, runs=runs, entries=entries)

    def _catch_up(self, key: _CacheKey, idx: HistoryIndex, history: ProjectHistory, *,
                  runs: Sequence[RunSnapshot] | None = None,
                  entries: Sequence[EntryRecord] | None = None) -> HistoryIndex | None:
        with self._updating:
            with self._lock:
                if self._lru.get(key) is not idx:
                    return None  # another thread got there first (and re-keyed it, or dropped it)
                del self._lru[key]
            if runs is None or entries is None:
                # what changed, by identity: the history's owner replaced or added these. A record changed in
                # place cannot be seen that way: the markers of the key the index was stored under tell.
                if _entry_mark(idx.entry_by_id.get(key[4].split("|")[0])) != key[4] or _run_mark(
                        idx.run_by_id.get(key[5].split("|")[0])) != key[5]:
                    return None
                runs = [r for rid, r in history.runs.items() if idx.run_by_id.get(rid) is not r]
                entries = [e for e in history.entries if idx.entry_by_id.get(e.id) is not e]
                if not runs and not entries:
                    return None  # the key moved, yet no record was replaced or added: changed in place
            gone = len(history.runs) != len(idx.runs) + sum(1 for r in runs if r.run_id not in idx.run_by_id)
            gone = gone or len(history.entries) != len(idx.entries) + sum(
                1 for e in entries if e.id not in idx.entry_by_id)
            if gone or not idx.apply(runs=runs, entries=entries):
                return None  # something was removed, or changed where an in-place update cannot follow
            self._store(_cache_key(history), idx)
            return idx

    def _store(self, key: _CacheKey, idx: HistoryIndex) -> None:
        with self._lock:
            self._lru[key] = idx
            self._lru.move_to_end(key)
            while len(self._lru) > self.size:
                self._lru.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._lru)
