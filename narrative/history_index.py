"""One cached, read-only index over a ProjectHistory: sentences ("facts"), runs, concepts, metric in force.

Built once per history object (keyed on identity and size) so that ``check``/``answer`` stay fast on
large projects: inverted indexes from concepts and tokens to facts and runs, document frequencies, and
each sentence's attributed runs.
"""

from __future__ import annotations

import datetime as dt
import gc
import heapq
import itertools
import math
import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from narrative import vocab
from narrative.types import ProjectHistory
from storage.records import EntryRecord, Goal, RunSnapshot

BAD_STATUS = {"FAILED", "KILLED"}
_MODEL_CONCEPTS = frozenset(c.id for c in vocab.CONCEPTS if c.kind == "model" and c.weight >= 2.0)
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z`(\[*_\"'a-z0-9])|\s+--\s+|;\s+|\s+\|\s+(?=[a-z])")
_BULLET = re.compile(r"^\s*(?:[-*•>]+|\d+[.)])\s+")
_NUM = re.compile(r"(?<![\w.])(\d*\.\d+|\d+(?:\.\d+)?)(%?)(?![\w])")
# "should the primary metric be pr_auc?" asks; it does not decide.
_MUSING = re.compile(r"\?|\b(?:should|whether|maybe|perhaps|might|open q\w*|thinking (?:about|of))\b", re.I)
_HEX = re.compile(r"\b[0-9a-f]{6,32}\b")


@dataclass(slots=True)
class Fact:
    idx: int
    entry_id: str
    author: str
    at: dt.datetime
    text: str
    kind: str  # sentence | conclusion | hypothesis | next_step | question | decision | observation
    concepts: set[str]
    toks: set[str]
    run_ids: list[str] = field(default_factory=list)
    verdict: str = ""
    negative: bool = False
    closing: bool = False
    adopting: bool = False
    opening: bool = False
    position: int = 0
    para: int = 0  # paragraph of the raw text (sentences), -1 for structured items
    # what the sentence covers with its runs' model families (concepts closed under "broader")
    ctx_cover: frozenset[str] = frozenset()
    ctx_toks: frozenset[str] = frozenset()
    # what the statement says about having done it: done | plan | counterfactual | conditional | negated |
    # question | "" (nothing either way). Only "done" (or a run) is evidence that something was tried.
    modality: str = ""

    @property
    def evidence(self) -> bool:
        """Whether the statement may show the thing was done: a run or a statement of what happened, or a
        plain note that says nothing either way ("Prio replay buffer" in a list of things done). Plans,
        questions and negated, conditional or counterfactual statements never are."""
        return self.modality in ("done", "")

    @property
    def planned(self) -> bool:
        return self.modality == "plan"


_EMPTY: frozenset[str] = frozenset()


@dataclass(slots=True, eq=False)
class Part:
    """One param value component ("raw_v1+velocity_1h" -> two parts): its concepts and tokens."""

    concepts: frozenset[str]
    cover: frozenset[str]
    toks: frozenset[str]


@dataclass(slots=True, eq=False)
class ParamSig:
    """The params shared by every run with exactly these params (100k runs have a few thousand)."""

    sid: int
    items: tuple[tuple[str, str], ...]
    concepts: frozenset[str]
    cover: frozenset[str]
    toks: frozenset[str]
    family: str
    fam_toks: frozenset[str]
    parts: tuple[Part, ...]
    run_ids: list[str] = field(default_factory=list)

    def toks_near(self, near: set[str] | frozenset[str]) -> set[str]:
        out = set(self.fam_toks)
        for p in self.parts:
            if not p.cover.isdisjoint(near):
                out |= p.toks
        return out


@dataclass(slots=True, eq=False)
class RunDoc:
    run: RunSnapshot
    sig: ParamSig
    name_concepts: frozenset[str] = _EMPTY  # what the run name adds to its params
    name_cover: frozenset[str] = _EMPTY
    name_toks: frozenset[str] = _EMPTY

    @property
    def concepts(self) -> frozenset[str]:
        return self.sig.concepts | self.name_concepts if self.name_concepts else self.sig.concepts

    @property
    def cover(self) -> frozenset[str]:
        return self.sig.cover | self.name_cover if self.name_cover else self.sig.cover

    @property
    def toks(self) -> frozenset[str]:
        return self.sig.toks | self.name_toks if self.name_toks else self.sig.toks

    @property
    def family(self) -> str:
        return self.sig.family

    def toks_near(self, concepts: set[str] | frozenset[str]) -> set[str]:
        """Tokens of the param components that mention one of ``concepts`` (plus model and name)."""
        return self.sig.toks_near(concepts) | self.name_toks


@lru_cache(maxsize=1 << 16)
def _part(key: str, comp: str) -> Part:
    text = f"{key} {comp}"
    # what the key itself names ("noisy": "factorized" is about noisy nets) belongs to the part too
    cs = vocab.concept_frozenset(text) | vocab.param_value_concepts(key, comp)
    return Part(cs, vocab.cover(cs), frozenset(vocab.tokens(text)))


@lru_cache(maxsize=1 << 14)
def _analyse(text: str) -> tuple[frozenset[str], frozenset[str], tuple[bool, bool, bool, bool]]:
    """Concepts, tokens and cue flags of a sentence (the same sentence recurs as raw text and section item)."""
    return vocab.concept_frozenset(text), frozenset(vocab.tokens(text)), vocab.cue_flags(text)


@lru_cache(maxsize=1 << 14)
def _tokset(text: str) -> frozenset[str]:
    return frozenset(vocab.tokens(text))


def _split_paragraphs(text: str) -> list[tuple[int, str]]:
    """(paragraph number, sentence) of a raw text; blank lines, headings and tables start paragraphs."""
    return [(p, s) for p, s, _ in _split_lines(text)]


def _split_lines(text: str) -> list[tuple[int, str, int]]:
    """(paragraph number, sentence, line number) of a raw text."""
    out: list[tuple[int, str, int]] = []
    para = 0
    in_table = False
    for line_no, raw_line in enumerate(text.splitlines()):
        line = raw_line.strip()
        if not line:
            para += 1
            continue
        if line.startswith("|"):
            if not in_table:
                para += 1
                in_table = True
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
                continue
            out.append((para, " | ".join(c for c in cells if c), line_no))
            continue
        if in_table:
            para += 1
            in_table = False
        line = _BULLET.sub("", line)
        for part in _SENT_SPLIT.split(line):
            part = (part or "").strip()
            if len(part) >= 3:
                out.append((para, part, line_no))
    return out


def _split_sentences(text: str) -> list[str]:
    return [s for _, s in _split_paragraphs(text)]


# ------------------------------------------------------------------ modality: was it done?
_Q_START = re.compile(r"^\s*(should|shall|could|can|would|do|does|did|is|are|was|were|why|what|which|how|who|"
                      r"whether|any ?one|anybody)\b", re.I)
_COUNTERFACTUAL = re.compile(
    r"\b(should|could|would|might|must|ought to) ?(have|'ve)\b(?! (a|an|the|some|no|any|it)\b)|\bshould'?ve\b|"
    r"\bwould'?ve\b|\bcould'?ve\b|\bif (only )?(i|we|they) (had|'d)\b|\bwish(ed)? (i|we)\b|\bin hindsight\b|"
    r"\bmissed (the )?chance\b", re.I)
_NEGATED_DONE = re.compile(
    r"\b(didn'?t|did not|haven'?t|have not|hasn'?t|has not|hadn'?t|never|not yet|no time to|couldn'?t|could not|"
    r"wasn'?t able to|were not able to|weren'?t able to|unable to|forgot to|failed to|skipped|without)\b"
    r"(\s+\w+){0,3}?\s+(try|tried|trying|run|ran|test|tested|get (to|around)|got (to|around)|attempt\w*|do|done|"
    r"use|used|using|implement\w*|include\w*|enable\w*|add|added|adding|finish\w*|start\w*|launch\w*|touch\w*)\b|"
    r"\b(not|never|nothing) (been )?(tried|tested|run|done)\b|\buntried\b|\bnot (yet )?(been )?(tried|run)\b",
    re.I)
_CONDITIONAL = re.compile(r"^\s*(if|unless|in case|when|once|assuming|provided)\b|"
                          r"\b(if|unless|in case) (it|this|that|they|we|the|\w+) [^.;]{0,60}?\b(doesn'?t|does not|"
                          r"fails?|won'?t|isn'?t|don'?t|is not|helps?|works?|improves?)\b", re.I)
_PLAN = re.compile(
    r"\b(will|won'?t|gonna|going to|plan(ning|ned)? (to|on)|want(ed)? to|wanna|would like to|i'?d like to|"
    r"intend\w* to|hope to|hoping to|about to|next( up| step| steps| week| time)?|tomorrow|tmrw|tmr|later|"
    r"todo|to do|to-do|should (try|test|run|add|use|do|look|check|consider)|could (try|test|run|add|use)|"
    r"might (try|test|run|add|use)|may (try|test|run)|worth (a )?(try|trying|testing|a shot)|thinking (about|of)|"
    r"consider(ing)?|idea:?|ideas|maybe (try|test|add|use)|let'?s|need to|needs to|have to|queue\w*|"
    r"would be (nice|good|interesting)|on (my|the) list|backlog|future work|follow ?up)\b", re.I)
_DONE = re.compile(
    r"\b(tried|ran|trained|retrained|tested|used|added|switched|swapped|replaced|enabled|disabled|turned (on|off)|"
    r"did|got|gave|gives|give|hit|hits|reached|improved|improves|helped|helps|hurt|hurts|dropped|drops|moved|"
    r"went|came|beat|beats|lost|loses|scored|scores|finished|fitted|applied|removed|increased|decreased|doubled|"
    r"halved|bumped|lowered|raised|compared|evaluated|worked|works|converged|diverged|crashed|plateaued|"
    r"overfit|underperformed|outperformed|matched|landed|lands|ended|peaked|stalled|regressed|"
    r"is (better|worse|flat|best)|was|were|has been|have been|results?:|yields?|yielded|gets|ends up|"
    r"no (gain|change|difference|improvement|lift)|same as|vs\.?|->|→|better|worse|best|worst|converg\w*|"
    r"seems? to|looks? like|appears? to|shows?|showed|shown|work|learn(s|ed|t)|rose|fell|started|implemented|"
    r"\w{3,}ed)\b", re.I)
# what only a report says (not "factorized", "pretrained"): enough to read a list item under "Todo:" as done
_STRONG_DONE = re.compile(
    r"\b(tried|ran|trained|retrained|tested|got|gave|hit|reached|improved|helped|hurt|converged|diverged|crashed|"
    r"plateaued|beat|lost|scored|finished|worked|works|result(s|ed)?|no (gain|change|difference|improvement)|"
    r"not (helped|helping|converging|working)|did(n'?t)? (help|work))\b|\d\.\d|\d%|->|→", re.I)
_HEADING_PLAN = re.compile(r"\b(next|todo|to do|plans?|ideas?|tomorrow|future|backlog|open questions?|questions?|"
                           r"want to|to try|wishlist)\b", re.I)
_HEADING_DONE = re.compile(r"\b(tried|done|results?|findings?|what (i|we) did|worked|didn'?t work|did not work|"
                           r"experiments?|observations?|today|outcomes?|summary|conclusions?|config)\b", re.I)
_DECIMAL = re.compile(r"\d\.\d|\d%")
_IDEA_LABEL = re.compile(r"^\W*(idea|hypothesis|goal|motivation|change|what|exp\w*|experiment)\b[^:]{0,20}:", re.I)


def statement_modality(text: str) -> str:
    """What a statement says about having done a thing, from its own words.

    "counterfactual" (should have, if only), "negated" (didn't try, never ran), "conditional" (if it doesn't
    work, ...), "question", "plan" (will, next, thinking about trying), "done" (a past or result statement),
    or "" when the words say neither.
    """
    t = text.strip()
    if _COUNTERFACTUAL.search(t):
        return "counterfactual"
    if _NEGATED_DONE.search(t):
        return "negated"
    if _CONDITIONAL.search(t):
        return "conditional"
    if t.endswith("?") or (_Q_START.search(t) and "?" in t):
        return "question"
    if _PLAN.search(t):
        # "tried X; next: Y" holds both: the first clause decides what this statement reports
        done_at = _DONE.search(t)
        plan_at = _PLAN.search(t)
        if done_at and plan_at and done_at.start() < plan_at.start() and _DECIMAL.search(t[: plan_at.start()]):
            return "done"
        return "plan"
    if _DONE.search(t) or _DECIMAL.search(t):
        return "done"
    return ""


def _fact_modality(said: str, scope: str, kind: str, has_runs: bool, text: str = "") -> str:
    """A statement's own words first (a question stays a question under "Results:"), then its heading,
    then what its kind implies (a next step is a plan; a conclusion reports something done)."""
    if said in ("counterfactual", "negated", "conditional", "question"):
        return said
    if kind == "next_step":
        return "plan"
    if kind == "question":
        return "question"
    if scope in ("counterfactual", "negated", "conditional"):
        return scope
    if said == "plan" or (scope == "plan" and (not said or not _STRONG_DONE.search(text))):
        return "plan"
    if said == "done" or scope == "done":
        return "done"
    if kind in ("conclusion", "observation", "decision") or has_runs:
        return "done"
    return ""


def heading_modality(line: str) -> str | None:
    """The modality a heading or list label sets for what follows ("Next:", "What I should have done,
    but didn't", "## Results"); None when the line is not a heading."""
    s = line.strip()
    is_heading = s.startswith("#") or (s.endswith(":") and len(s) <= 80) or bool(
        re.fullmatch(r"\*\*[^*]{2,80}\*\*:?", s))
    if not is_heading:
        return None
    label = s.strip("#*: ").strip()
    # "Still need to check X, but so far I have done:" -- the last clause heads the list
    whole = statement_modality(label)
    if whole in ("counterfactual", "negated", "conditional") or re.search(
            r"\b(didn'?t|did not|haven'?t|have not|never|not yet|not done|not tried)\W*$", label, re.I):
        return whole or "negated"
    last = re.split(r",|;|\bbut\b|\bwhile\b", label)[-1].strip() or label
    m = statement_modality(last)
    if m in ("counterfactual", "negated", "conditional", "plan"):
        return m
    if _HEADING_PLAN.search(last):
        return "plan"
    if m == "done":
        return "done"
    if _HEADING_DONE.search(last):
        return "done"
    return ""


def scoped_sentences(text: str) -> list[tuple[int, str, str]]:
    """(paragraph, sentence, heading modality) of a raw text: a heading's modality covers the lines under it
    (its list and paragraph) until the next heading or a prose paragraph after a blank line."""
    scope_of_line: list[str] = []
    scope = ""
    blank = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            blank = True
            scope_of_line.append(scope)
            continue
        hm = heading_modality(line)
        if hm is not None:
            scope = hm
        elif blank and not _BULLET.match(line) and not line.startswith("|"):
            scope = ""  # a prose paragraph after a blank line leaves the heading's list
        blank = False
        scope_of_line.append(scope)
    return [(p, s, scope_of_line[n] if n < len(scope_of_line) else "") for p, s, n in _split_lines(text)]


def numbers_in(text: str) -> list[tuple[float, int, bool]]:
    """(value, decimals, percent-like) for each number in the text."""
    out = []
    for m in _NUM.finditer(text):
        s = m.group(1)
        try:
            v = float(s)
        except ValueError:
            continue
        dec = len(s.split(".")[1]) if "." in s else 0
        out.append((v, dec, bool(m.group(2))))
    return out


def value_matches(v: float, num: tuple[float, int, bool]) -> bool:
    x, dec, pct = num
    if dec >= 2 and abs(round(v, dec) - x) < 1e-9:
        return True
    if dec == 1 and not pct and x >= 10 and abs(round(v, 1) - x) < 1e-9:
        return True  # "MAE 38.5" for 38.47
    if dec == 0 and not pct and x >= 100 and abs(v - x) < 1.0 and x in (round(v), math.floor(v)):
        return True  # "3252" for a tracker value of 3252.4
    if dec >= 1 and 0 < v <= 1 and 1 <= x <= 100 and abs(round(v * 100, dec) - x) < 1e-9:
        return True
    return bool(pct and 0 < v <= 1 and abs(round(v * 100, max(dec, 0)) - x) < 1e-9)


def fmt(v: float) -> str:
    """Tracker value formatted like 0.845 (no float noise)."""
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    if abs(v) >= 1:
        return f"{v:.3f}".rstrip("0").rstrip(".")
    return f"{v:.4f}".rstrip("0").rstrip(".") if abs(v) < 0.01 else f"{v:.3f}".rstrip("0").rstrip(".")


def model_family(run: RunSnapshot) -> str:
    return _family_of(tuple(run.params.items()))


def _family_of(items: tuple[tuple[str, str], ...]) -> str:
    for key in vocab.MODEL_KEYS:
        for k, v in items:
            if k.lower() == key and v:
                return v.lower()
    return ""


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
                    fam_ctx[fam] = (vocab.cover(vocab.concept_frozenset(fam)), _tokset(fam))
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
            prefix[rid[:6].lower()].append(rid)
            items = tuple(r.params.items())  # tracker order; a different order only splits a signature
            sig = sig_by_items.get(items)
            if sig is None:
                sig = sig_by_items[items] = self._make_sig(len(self.sigs), items)
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
                info = name_info[stem_name] = (vocab.concept_frozenset(stem_name), _tokset(stem_name))
            name_c, name_t = info
            extra_c = name_c - sig.concepts if name_c else _EMPTY
            extra_t = name_t - sig.toks if name_t else _EMPTY
            if not extra_c and not extra_t:
                docs[rid] = RunDoc(r, sig)
                continue
            extra_cover = (vocab.cover(extra_c) - sig.cover) if extra_c else _EMPTY
            doc = docs[rid] = RunDoc(r, sig, extra_c or _EMPTY, extra_cover or _EMPTY, extra_t or _EMPTY)
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

    @staticmethod
    def _make_sig(sid: int, items: tuple[tuple[str, str], ...]) -> ParamSig:
        concepts: set[str] = set()
        toks: set[str] = set()
        parts: list[Part] = []
        for k, v in items:
            concepts |= vocab.param_value_concepts(k, v)
            if vocab.is_null_param(k, v):
                continue
            toks |= _tokset(f"{k} {v}")
            if len(v) > 200:
                continue
            for comp in re.split(r"[+,;|]", v):
                parts.append(_part(k, comp))
        fam = _family_of(items)
        cs = frozenset(concepts)
        return ParamSig(sid, items, cs, vocab.cover(cs), frozenset(toks), fam, _tokset(fam), tuple(parts))

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
            f.modality = _fact_modality(statement_modality(sent), scope, "sentence", bool(f.run_ids), sent)
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
            f.modality = _fact_modality(statement_modality(text), "", kind, bool(f.run_ids))
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
        reported = {f.para for f in facts if f.modality == "done" and _DECIMAL.search(f.text)}
        for f in facts:
            if f.modality == "plan" and f.para in reported and _IDEA_LABEL.match(f.text):
                f.modality = "done"

    def _fact(
        self, e: EntryRecord, text: str, kind: str, linked: list[str], pos: int, explicit: list[str] | None = None,
        common: set[str] | None = None,
    ) -> Fact:
        cs, ts, (neg, close, adopt, opening) = _analyse(text)
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
        for m in _HEX.finditer(low):
            for rid in self.prefix.get(m.group(0)[:6], []):
                if rid.lower().startswith(m.group(0)) and rid not in strong:
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
                sent = next((s for s in _split_sentences(e.raw_text) if window[:30] in s), window)
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


_FREEZE_AT = 50_000
_CacheKey = tuple[int, int, int, int, str, str, str]
_CACHE: OrderedDict[_CacheKey, HistoryIndex] = OrderedDict()


def _cache_key(history: ProjectHistory) -> _CacheKey:
    """Identity plus cheap change markers: sizes, the last entry (id, status, updated_at), the last run."""
    last_entry = history.entries[-1] if history.entries else None
    last_run = next(reversed(history.runs.values()), None) if history.runs else None
    entry_mark = f"{last_entry.id}|{last_entry.status}|{last_entry.updated_at.isoformat()}" if last_entry else ""
    run_mark = f"{last_run.run_id}|{last_run.status}|{last_run.fetched_at.isoformat()}" if last_run else ""
    proj = history.project
    return (id(history), len(history.entries), len(history.runs), len(proj.metric_history), entry_mark,
            run_mark, f"{proj.primary_metric}|{proj.goal}")


def index_for(history: ProjectHistory) -> HistoryIndex:
    key = _cache_key(history)
    idx = _CACHE.get(key)
    if idx is not None and idx.history is history:
        _CACHE.move_to_end(key)
        return idx
    idx = HistoryIndex(history)
    _CACHE[key] = idx
    while len(_CACHE) > 4:
        _CACHE.popitem(last=False)
    if len(idx.runs) + len(idx.facts) >= _FREEZE_AT:
        # A large index is a few million long-lived objects: move them out of the cyclic GC's sight so
        # that later collections (during warm queries) do not rescan them. The index holds no reference
        # cycles, so evicting it still frees it by reference counting.
        gc.collect()
        gc.freeze()
    return idx
