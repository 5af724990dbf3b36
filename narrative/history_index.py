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
import re
import threading
from collections import OrderedDict, defaultdict

from adapters.tracker import RUN_ID_MIN_PREFIX
from narrative import vocab
from narrative.param_sigs import EMPTY, ParamSig, Part, RunDoc, family_of, make_sig, model_family
from narrative.statements import (
    DECIMAL,
    IDEA_LABEL,
    Fact,
    analyse,
    fact_modality,
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
_MODEL_CONCEPTS = frozenset(c.id for c in vocab.CONCEPTS if c.kind == "model" and c.weight >= 2.0)
# "should the primary metric be pr_auc?" asks; it does not decide.
_MUSING = re.compile(r"\?|\b(?:should|whether|maybe|perhaps|might|open q\w*|thinking (?:about|of))\b", re.I)
# A word of the text, to look up among the known run ids (a pasted id or prefix is one word).
_WORD = re.compile(r"\w+")
_TRAILING_COUNTER = re.compile(r"[-_ .]\d+$")
_SEED_KEYS = frozenset({"seed", "random_state", "random_seed"})


class HistoryIndex:
    def __init__(self, history: ProjectHistory) -> None:
        self.history = history
        self.entries: list[EntryRecord] = sorted(history.entries, key=lambda e: e.at)
        self.entry_by_id = {e.id: e for e in self.entries}
        self.runs: list[RunSnapshot] = sorted(history.runs.values(), key=lambda r: r.start)
        self.run_by_id = {r.run_id: r for r in self.runs}
        self.prefix: dict[str, list[str]] = defaultdict(list)
        self.name_to_runs: dict[str, list[str]] = defaultdict(list)
        self.df: dict[str, int] = defaultdict(int)
        self.sigs: list[ParamSig] = []
        self.run_docs: dict[str, RunDoc] = {}
        # concept / token -> runs and param signatures that carry it (concepts closed under "broader")
        self.concept_sigs: dict[str, list[ParamSig]] = defaultdict(list)
        self.token_sigs: dict[str, list[ParamSig]] = defaultdict(list)
        self.name_token_runs: dict[str, list[str]] = defaultdict(list)
        self.name_concept_runs: dict[str, list[str]] = defaultdict(list)
        self._index_runs()
        self.entry_runs: dict[str, list[str]] = {
            e.id: [rid for rid in e.run_ids if rid in self.run_by_id] for e in self.entries
        }
        self.run_entries: dict[str, list[str]] = defaultdict(list)
        for eid, rids in self.entry_runs.items():
            for rid in rids:
                self.run_entries[rid].append(eid)
        self.facts: list[Fact] = []
        self._attr_memo: tuple[str, dict[str, list[str]]] = ("", {})
        self.entry_facts: dict[str, list[Fact]] = defaultdict(list)
        for e in self.entries:
            self._add_entry(e)
        self.concept_facts: dict[str, list[int]] = defaultdict(list)
        self.token_facts: dict[str, list[int]] = defaultdict(list)
        # the same over what a fact covers together with its runs' model families (for scoring)
        self.ctx_concept_facts: dict[str, list[int]] = defaultdict(list)
        self.ctx_token_facts: dict[str, list[int]] = defaultdict(list)
        fam_ctx: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        # the model families an entry talks about are the context of each of its sentences ("least squares
        # loss works better" in an entry about GAN vocoders is about the GAN)
        entry_models: dict[str, set[str]] = defaultdict(set)
        for f in self.facts:
            entry_models[f.entry_id] |= {c for c in f.concepts if c in _MODEL_CONCEPTS}
        for f in self.facts:
            for t in f.toks:
                self.df[t] += 1
                self.token_facts[t].append(f.idx)
            own = vocab.cover(frozenset(f.concepts))
            for c in own:
                self.concept_facts[c].append(f.idx)
            ctx_c, ctx_t = set(own), set(f.toks)
            if entry_models[f.entry_id]:
                ctx_c |= vocab.cover(frozenset(entry_models[f.entry_id]))
            for rid in f.run_ids[:4]:
                fam = self.run_docs[rid].sig.family
                if fam not in fam_ctx:
                    fam_ctx[fam] = (vocab.cover(vocab.concept_frozenset(fam)), tokset(fam))
                ctx_c |= fam_ctx[fam][0]
                ctx_t |= fam_ctx[fam][1]
            f.ctx_cover, f.ctx_toks = frozenset(ctx_c), frozenset(ctx_t)
            for c in f.ctx_cover:
                self.ctx_concept_facts[c].append(f.idx)
            for t in f.ctx_toks:
                self.ctx_token_facts[t].append(f.idx)
        self.n_docs = len(self.facts) + len(self.run_docs) + 1
        self._metric: tuple[str | None, Goal] | None = None
        self._switches: list[tuple[dt.datetime, str, Goal, str, str | None]] | None = None
        self.cache: dict[str, object] = {}

    def _index_runs(self) -> None:
        sig_by_items: dict[tuple[tuple[str, str], ...], ParamSig] = {}
        name_info: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        metric_keys: set[str] = set()
        prefix, names, docs, df = self.prefix, self.name_to_runs, self.run_docs, self.df
        name_concept_runs, name_token_runs = self.name_concept_runs, self.name_token_runs
        for r in self.runs:
            rid = r.run_id
            metric_keys.update(r.metrics)
            prefix[rid[:RUN_ID_MIN_PREFIX].lower()].append(rid)
            items = tuple(r.params.items())  # tracker order; a different order only splits a signature
            sig = sig_by_items.get(items)
            if sig is None:
                sig = sig_by_items[items] = make_sig(len(self.sigs), items)
                self.sigs.append(sig)
            sig.run_ids.append(rid)
            name = r.run_name
            if not name:
                docs[rid] = RunDoc(r, sig)
                continue
            names[name.lower()].append(rid)
            # "xgboost-123", "bright-fox-42": a trailing counter names no concept nor topic, so the
            # lookups are shared by every run of the same stem
            stem_name = _TRAILING_COUNTER.sub("", name)
            info = name_info.get(stem_name)
            if info is None:
                info = name_info[stem_name] = (vocab.concept_frozenset(stem_name), tokset(stem_name))
            name_c, name_t = info
            extra_c = name_c - sig.concepts if name_c else EMPTY
            extra_t = name_t - sig.toks if name_t else EMPTY
            if not extra_c and not extra_t:
                docs[rid] = RunDoc(r, sig)
                continue
            extra_cover = (vocab.cover(extra_c) - sig.cover) if extra_c else EMPTY
            doc = docs[rid] = RunDoc(r, sig, extra_c or EMPTY, extra_cover or EMPTY, extra_t or EMPTY)
            for c in doc.name_cover:
                name_concept_runs[c].append(rid)
            for t in doc.name_toks:
                df[t] += 1
                name_token_runs[t].append(rid)
        for sig in self.sigs:
            n = len(sig.run_ids)
            for t in sig.toks:
                df[t] += n
                self.token_sigs[t].append(sig)
            for c in sig.cover:
                self.concept_sigs[c].append(sig)
        self.metric_keys = sorted(metric_keys)

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

    def _add_entry(self, e: EntryRecord) -> None:
        linked = self.entry_runs.get(e.id, [])
        common = (set.intersection(*(set(self.run_docs[r].concepts) for r in linked)) if linked else set())
        prev_concepts: set[str] = set()
        prev_para = -1
        pos = 0
        for para, sent, scope in scoped_sentences(e.raw_text):
            f = self._fact(e, sent, "sentence", linked, pos, common=common)
            f.para = para
            f.modality = fact_modality(statement_modality(sent), scope, "sentence", bool(f.run_ids), sent)
            if not (f.concepts - {"seeds"}) and (f.closing or f.negative or f.adopting) and prev_concepts \
                    and para == prev_para:
                f.concepts |= prev_concepts  # "dropping it." refers to the previous sentence
            if f.concepts:
                prev_concepts, prev_para = set(f.concepts), para
            pos += 1
        self._ideas_run(self.entry_facts[e.id])
        s = e.structure
        if s is None:
            return
        # what the person wrote decides: a structured item cannot turn a plan or a "didn't" into something done
        said_as = {vocab.norm(f.text).strip(" .:;-"): f.modality for f in self.entry_facts[e.id]
                   if f.kind == "sentence" and f.modality not in ("done", "")}
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
            f = self._fact(e, text, kind, linked, pos, explicit=rids, common=common)
            f.para = -1
            f.verdict = verdict
            f.modality = fact_modality(statement_modality(text), "", kind, bool(f.run_ids))
            raw = said_as.get(vocab.norm(text).strip(" .:;-"))
            if raw is None and said_as and len(text) >= 12:
                low = vocab.norm(text).strip(" .:;-")
                raw = next((m for sent, m in said_as.items() if low in sent), None)
            if raw is not None and f.modality in ("done", ""):
                f.modality = raw
            if verdict == "did_not_work":
                f.negative = True
            pos += 1

    @staticmethod
    def _ideas_run(facts: list[Fact]) -> None:
        """"Idea: wider embeddings" heading an experiment block whose result is reported (Idea / Config /
        Result) was run: the label names the experiment's idea, not a plan."""
        reported = {f.para for f in facts if f.modality == "done" and DECIMAL.search(f.text)}
        for f in facts:
            if f.modality == "plan" and f.para in reported and IDEA_LABEL.match(f.text):
                f.modality = "done"

    def _fact(
        self, e: EntryRecord, text: str, kind: str, linked: list[str], pos: int, explicit: list[str] | None = None,
        common: set[str] | None = None,
    ) -> Fact:
        cs, ts, (neg, close, adopt, opening) = analyse(text)
        concepts, toks = set(cs), set(ts)
        f = Fact(
            idx=len(self.facts), entry_id=e.id, author=e.author, at=e.at, text=text.strip(), kind=kind,
            concepts=concepts, toks=toks, position=pos, negative=neg, closing=close, adopting=adopt,
            opening=opening,
        )
        rids = [r for r in (explicit or []) if r in self.run_by_id]
        if not rids:
            memo = self._attr_memo
            if memo[0] != e.id:
                memo = self._attr_memo = (e.id, {})
            got = memo[1].get(text)
            if got is None:
                got = memo[1][text] = self.attribute(text, concepts, linked, common)
            rids = list(got)
        f.run_ids = rids
        self.facts.append(f)
        self.entry_facts[e.id].append(f)
        return f

    def attribute(self, text: str, concepts: set[str], linked: list[str], common: set[str] | None = None
                  ) -> list[str]:
        """Runs a sentence is about: pasted ids, names, quoted tracker values, distinctive params."""
        low = text.lower()
        strong: list[str] = []
        for word in _WORD.findall(low):
            # a known run's id or a prefix of it; a prefix several runs share names each of them
            if len(word) < RUN_ID_MIN_PREFIX:
                continue
            for rid in self.prefix.get(word[:RUN_ID_MIN_PREFIX], ()):
                if rid.lower().startswith(word) and rid not in strong:
                    strong.append(rid)
        for rid in linked:
            name = self.run_by_id[rid].run_name.lower()
            if len(name) >= 5 and name in low and rid not in strong:
                strong.append(rid)
        if strong:
            return strong
        if not linked:
            return []
        nums = numbers_in(text)
        numeric = [rid for rid in linked if any(
            value_matches(v, n) for v in self.run_by_id[rid].metrics.values() for n in nums)]
        if common is None:
            common = set.intersection(*(set(self.run_docs[r].concepts) for r in linked)) if linked else set()
        by_concept = [rid for rid in linked if (self.run_docs[rid].concepts - common) & concepts]
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


def _cache_key(history: ProjectHistory) -> _CacheKey:
    """Identity plus cheap change markers: sizes, the last entry (id, status, updated_at), the last run."""
    last_entry = history.entries[-1] if history.entries else None
    last_run = next(reversed(history.runs.values()), None) if history.runs else None
    entry_mark = f"{last_entry.id}|{last_entry.status}|{last_entry.updated_at.isoformat()}" if last_entry else ""
    run_mark = f"{last_run.run_id}|{last_run.status}|{last_run.fetched_at.isoformat()}" if last_run else ""
    proj = history.project
    return (id(history), len(history.entries), len(history.runs), len(proj.metric_history), entry_mark,
            run_mark, f"{proj.primary_metric}|{proj.goal}")


class HistoryIndexCache:
    """The last few indexes built, by history object (its identity and cheap change markers), newest last.

    Owned by whoever runs the engine (the app builds one per process). Safe to share between threads:
    the LRU is locked; two threads asking for the same new history may each build it once, and the
    last one stored wins.
    """

    FREEZE_AT = 50_000

    def __init__(self, *, size: int = 4, freeze_large: bool = False) -> None:
        self.size = size
        # Only an application may move objects out of the cyclic GC's sight: it is process-wide.
        self.freeze_large = freeze_large
        self._lru: OrderedDict[_CacheKey, HistoryIndex] = OrderedDict()
        self._lock = threading.Lock()

    def index(self, history: ProjectHistory) -> HistoryIndex:
        """The index of ``history``: the cached one while the history is unchanged, else a new one."""
        key = _cache_key(history)
        with self._lock:
            idx = self._lru.get(key)
            if idx is not None and idx.history is history:
                self._lru.move_to_end(key)
                return idx
        idx = HistoryIndex(history)
        with self._lock:
            self._lru[key] = idx
            self._lru.move_to_end(key)
            while len(self._lru) > self.size:
                self._lru.popitem(last=False)
        if self.freeze_large and len(idx.runs) + len(idx.facts) >= self.FREEZE_AT:
            # A large index is a few million long-lived objects: move them out of the cyclic GC's sight so
            # that later collections (during warm queries) do not rescan them. The index holds no reference
            # cycles, so evicting it still frees it by reference counting.
            gc.collect()
            gc.freeze()
        return idx

    def __len__(self) -> int:
        with self._lock:
            return len(self._lru)
