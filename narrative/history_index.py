"""One cached, read-only index over a ProjectHistory: sentences ("facts"), runs, concepts, metric in force.

Built once per history object (keyed on identity and size) so that ``check``/``answer`` stay fast on
large projects: inverted indexes from concepts and tokens to facts and runs, document frequencies, and
each sentence's attributed runs.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from narrative import vocab
from narrative.types import ProjectHistory
from storage.records import EntryRecord, Goal, RunSnapshot

BAD_STATUS = {"FAILED", "KILLED"}
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z`(\[*_\"'a-z0-9])|\s+--\s+|;\s+|\s+\|\s+(?=[a-z])")
_BULLET = re.compile(r"^\s*(?:[-*•>]+|\d+[.)])\s+")
_NUM = re.compile(r"(?<![\w.])(\d*\.\d+|\d+(?:\.\d+)?)(%?)(?![\w])")
_HEX = re.compile(r"\b[0-9a-f]{6,32}\b")


@dataclass
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


@dataclass
class RunDoc:
    run: RunSnapshot
    concepts: set[str]
    toks: set[str]
    family: str
    # (concepts, tokens) of each param value component ("raw_v1+velocity_1h" -> two components)
    parts: list[tuple[set[str], set[str]]] = field(default_factory=list)

    def toks_near(self, concepts: set[str]) -> set[str]:
        """Tokens of the param components that mention one of ``concepts`` (plus model and name)."""
        out = set(vocab.tokens(self.run.run_name)) | set(vocab.tokens(self.family))
        for cs, ts in self.parts:
            if cs & concepts or any(c in vocab.CONCEPT_BY_ID[x].broader for x in cs for c in concepts):
                out |= ts
        return out


def _split_sentences(text: str) -> list[str]:
    out: list[str] = []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
                continue
            out.append(" | ".join(c for c in cells if c))
            continue
        line = _BULLET.sub("", line)
        for part in _SENT_SPLIT.split(line):
            part = (part or "").strip()
            if len(part) >= 3:
                out.append(part)
    return out


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
    for key in vocab.MODEL_KEYS:
        for k, v in run.params.items():
            if k.lower() == key and v:
                return v.lower()
    return ""


class HistoryIndex:
    def __init__(self, history: ProjectHistory) -> None:
        self.history = history
        self.entries: list[EntryRecord] = sorted(history.entries, key=lambda e: e.at)
        self.entry_by_id = {e.id: e for e in self.entries}
        self.runs: list[RunSnapshot] = sorted(history.runs.values(), key=lambda r: r.start)
        self.run_by_id = {r.run_id: r for r in self.runs}
        self.prefix: dict[str, list[str]] = defaultdict(list)
        for r in self.runs:
            self.prefix[r.run_id[:6].lower()].append(r.run_id)
        self.name_to_runs: dict[str, list[str]] = defaultdict(list)
        for r in self.runs:
            if r.run_name:
                self.name_to_runs[r.run_name.lower()].append(r.run_id)
        self.run_docs: dict[str, RunDoc] = {}
        for r in self.runs:
            concepts = vocab.param_concepts(r.params)
            concepts |= vocab.concept_set(r.run_name)
            text = " ".join([r.run_name, *(f"{k} {v}" for k, v in r.params.items() if not
                                           vocab.is_null_param(k, v))])
            doc = RunDoc(r, concepts, set(vocab.tokens(text)), model_family(r))
            for k, v in r.params.items():
                if vocab.is_null_param(k, v) or len(v) > 200:
                    continue
                for comp in re.split(r"[+,;|]", v):
                    comp_text = f"{k} {comp}"
                    doc.parts.append((vocab.concept_set(comp_text), set(vocab.tokens(comp_text))))
            self.run_docs[r.run_id] = doc
        self.entry_runs: dict[str, list[str]] = {
            e.id: [rid for rid in e.run_ids if rid in self.run_by_id] for e in self.entries
        }
        self.run_entries: dict[str, list[str]] = defaultdict(list)
        for eid, rids in self.entry_runs.items():
            for rid in rids:
                self.run_entries[rid].append(eid)
        self.facts: list[Fact] = []
        for e in self.entries:
            self._add_entry(e)
        self.df: dict[str, int] = defaultdict(int)
        self.concept_facts: dict[str, list[int]] = defaultdict(list)
        self.token_facts: dict[str, list[int]] = defaultdict(list)
        for f in self.facts:
            for t in f.toks:
                self.df[t] += 1
                self.token_facts[t].append(f.idx)
            for c in f.concepts:
                self.concept_facts[c].append(f.idx)
        self.concept_runs: dict[str, list[str]] = defaultdict(list)
        for rid, doc in self.run_docs.items():
            for t in doc.toks:
                self.df[t] += 1
            for c in doc.concepts:
                self.concept_runs[c].append(rid)
        self.n_docs = len(self.facts) + len(self.run_docs) + 1
        self.metric_keys = sorted({k for r in self.runs for k in r.metrics})
        self._metric: tuple[str | None, Goal] | None = None
        self._switches: list[tuple[dt.datetime, str, Goal, str, str | None]] | None = None
        self.cache: dict[str, object] = {}

    # ------------------------------------------------------------------ facts
    def idf(self, tok: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(tok, 0) + 1)) + 1.0

    def _add_entry(self, e: EntryRecord) -> None:
        linked = self.entry_runs.get(e.id, [])
        prev_concepts: set[str] = set()
        pos = 0
        for sent in _split_sentences(e.raw_text):
            f = self._fact(e, sent, "sentence", linked, pos)
            if not (f.concepts - {"seeds"}) and (f.closing or f.negative or f.adopting) and prev_concepts:
                f.concepts |= prev_concepts  # "dropping it." refers to the previous sentence
            if f.concepts:
                prev_concepts = set(f.concepts)
            pos += 1
        s = e.structure
        if s is None:
            return
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
            f = self._fact(e, text, kind, linked, pos, explicit=rids)
            f.verdict = verdict
            if verdict == "did_not_work":
                f.negative = True
            pos += 1

    def _fact(
        self, e: EntryRecord, text: str, kind: str, linked: list[str], pos: int, explicit: list[str] | None = None
    ) -> Fact:
        concepts = vocab.concept_set(text)
        toks = set(vocab.tokens(text))
        f = Fact(
            idx=len(self.facts), entry_id=e.id, author=e.author, at=e.at, text=text.strip(), kind=kind,
            concepts=concepts, toks=toks, position=pos,
            negative=bool(vocab.NEGATIVE_CUES.search(text)), closing=bool(vocab.CLOSE_CUES.search(text)),
            adopting=bool(vocab.ADOPT_CUES.search(text)), opening=bool(vocab.OPEN_CUES.search(text)),
        )
        rids = [r for r in (explicit or []) if r in self.run_by_id]
        f.run_ids = rids or self.attribute(text, concepts, linked)
        self.facts.append(f)
        return f

    def attribute(self, text: str, concepts: set[str], linked: list[str]) -> list[str]:
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
        common = set.intersection(*(self.run_docs[r].concepts for r in linked)) if linked else set()
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
            out.append((ch.at, ch.metric, ch.goal, ch.reason, ch.entry_id))
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
                    goal: Goal = d.goal or ("min" if vocab.metric_goal(key) == "min" else "max")
                    out.append((e.at, key, goal, d.text, e.id))
                    found = True
            if not found:
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
                goal: Goal = "min" if vocab.metric_goal(key) == "min" else "max"
                sent = next((s for s in _split_sentences(e.raw_text) if window[:30] in s), window)
                return (e.at, key, goal, sent, e.id)
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
        pool = [r for r in (runs if runs is not None else self.runs) if self.valid(r, metric)]
        if until is not None:
            pool = [r for r in pool if (r.end or r.start) <= until]
        if not pool or metric is None:
            return None
        sign = -1.0 if goal == "max" else 1.0
        return min(pool, key=lambda r: (sign * r.metrics[metric], r.start))

    def seed_noise(self, metric: str) -> float | None:
        """Spread of the metric across runs that differ only by seed (the team's noise level)."""
        groups: dict[tuple[tuple[str, str], ...], list[float]] = defaultdict(list)
        for r in self.runs:
            if not self.valid(r, metric):
                continue
            key = tuple(sorted((k, v) for k, v in r.params.items()
                               if k.lower() not in ("seed", "random_state", "random_seed")))
            groups[key].append(r.metrics[metric])
        spreads = [max(v) - min(v) for v in groups.values() if len(v) >= 2]
        return max(spreads) if spreads else None


_CACHE: OrderedDict[tuple[int, int, int, int], HistoryIndex] = OrderedDict()


def index_for(history: ProjectHistory) -> HistoryIndex:
    key = (id(history), len(history.entries), len(history.runs), len(history.project.metric_history))
    idx = _CACHE.get(key)
    if idx is not None and idx.history is history:
        _CACHE.move_to_end(key)
        return idx
    idx = HistoryIndex(history)
    _CACHE[key] = idx
    while len(_CACHE) > 4:
        _CACHE.popitem(last=False)
    return idx
