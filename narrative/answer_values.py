"""Why-questions about a value ("why did we go to 64?", "why 768?"): the question names no setting, only the value
moved to, so the sentences that state a move to that value are the ones that can say why."""

from __future__ import annotations

import datetime as dt
import re

from narrative.answer_quotes import numbers
from narrative.history_index import Fact, HistoryIndex, fmt
from storage.records import RunSnapshot

# a move onto a value: "going to 64", "bumped hidden to 768", "dropped lr to 1e-4", "settled on 31", "switched the
# rank up to r64" (a short unit or letter prefix kept: "r64", "bs32"); a bare mention ("batch 64 OOM'd") moves nothing
_MOVE = (r"\b(go|goes|going|went|gone|switch\w{0,3}|mov\w{1,3}|bump\w{0,3}|rais\w{1,3}|increas\w{1,3}|"
         r"lower\w{0,3}|reduc\w{1,3}|drop\w{0,4}|cut\w{0,4}|settl\w{1,3}|chang\w{1,3}|doubl\w{1,3}|halv\w{1,3}|"
         r"push\w{0,3}|upp?\w{0,3}|set)\b(?:\s{1,3}[\w\-.]{1,24}){0,3}?\s{1,3}(?:up\s{1,3}|down\s{1,3}|back\s{1,3})?"
         r"(?:to|on|at|->|→)\s{0,3}[a-z]{0,3}")
_NUM_AFTER = re.compile(r"(\d{1,12}(?:\.\d{1,12})?(?:e-?\d{1,3})?)(?![\w\-]|\.\d)", re.I)
_MOVE_RE = re.compile(_MOVE, re.I)
_MAX_FACTS = 3
_MOVE_WINDOW = dt.timedelta(days=14)
_MAX_RUNS = 4


def moved_to(text: str) -> set[float]:
    """The values ``text`` says something moved to ("going to 64 because ..." -> {64.0})."""
    out: set[float] = set()
    for m in _MOVE_RE.finditer(text):
        n = _NUM_AFTER.match(text, m.end())
        if n is not None:
            try:
                out.add(float(n.group(1)))
            except ValueError:
                continue
    return out


def value_move_facts(idx: HistoryIndex, body: str) -> list[tuple[float, Fact]]:
    """For a why-question whose subject is a value the notes moved to: the sentences that state that move, latest
    first; none when the question names no value (0 and 1 say too little) or no sentence moves to it."""
    asked = {n for n in numbers(body) if n not in (0.0, 1.0)}
    if not asked:
        return []
    hits = [f for f in idx.facts if f.kind == "sentence" and asked & moved_to(f.text)]
    hits.sort(key=lambda f: (f.at, f.position), reverse=True)
    return [(0.45, f) for f in hits[:_MAX_FACTS]]


def _num(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def moved_runs(idx: HistoryIndex, f: Fact) -> list[str]:
    """The runs logged in the two weeks before ``f`` that set a setting to the value ``f`` says was moved to, where
    that setting held another value on other runs ("going to 64 because ..." after two runs with lora_r 64 and
    earlier ones at 16): the move was made, so the line reports it; none when no such run, or more than a few."""
    values = moved_to(f.text) - {0.0, 1.0}
    if not values:
        return []
    recent = [r for r in idx.runs if f.at - _MOVE_WINDOW <= r.start < f.at]
    keys = {k for r in recent for k, v in r.params.items() if _num(v) in values}
    # a value every run holds (max_len 64 throughout) is no move
    keys = {k for k in keys if any(k in r.params and _num(r.params[k]) not in values for r in idx.runs)}
    out = [r.run_id for r in sorted(recent, key=lambda r: r.start)
           if any(_num(r.params.get(k, "")) in values for k in keys)]
    return out if len(out) <= _MAX_RUNS else []


_MAX_PAIRS = 3
_PAIR_LOOKBACK = 50  # runs of the same key before each run: a sweep's neighbours, not the whole tracker


def direction_pairs(idx: HistoryIndex, keys: set[str], way: str, metric: str) -> list[tuple[str, RunSnapshot,
                                                                                           RunSnapshot]]:
    """For "did fewer leaves help?": pairs of runs that differ in one of ``keys`` alone (every other setting the
    same), ordered so the value moves ``way`` ("up"/"down") from the first to the second; the key with each pair.
    Both runs must have ``metric``. Latest pairs first, at most three."""
    lowered = {k.lower() for k in keys}
    out: list[tuple[str, RunSnapshot, RunSnapshot]] = []
    carrying = [r for r in idx.runs if metric in r.metrics and any(k.lower() in lowered for k in r.params)]
    carrying.sort(key=lambda r: r.start)
    for i in range(len(carrying) - 1, 0, -1):
        b = carrying[i]
        for a in carrying[max(0, i - _PAIR_LOOKBACK): i]:
            if a.params.keys() != b.params.keys():
                continue
            diff = [k for k in a.params if a.params[k] != b.params[k]]
            if len(diff) != 1 or diff[0].lower() not in lowered:
                continue
            va, vb = _num(a.params[diff[0]]), _num(b.params[diff[0]])
            if va is None or vb is None or va == vb:
                continue
            lo, hi = (a, b) if va < vb else (b, a)
            out.append((diff[0], lo, hi) if way == "up" else (diff[0], hi, lo))
            if len(out) >= _MAX_PAIRS:
                return out
    return out


def pair_line(idx: HistoryIndex, pairs: list[tuple[str, RunSnapshot, RunSnapshot]], metric: str) -> str:
    """The tracker's own verdict on the pairs: each move with the metric before and after, e.g. "num_leaves 63 ->
    31 with nothing else changed: val_auc 0.789 -> 0.793 (lgbm-v2-te -> lgbm-v3-leaves31)"."""
    said = [f"{k} {a.params[k]} -> {b.params[k]}: {metric} {fmt(a.metrics[metric])} -> {fmt(b.metrics[metric])} "
            f"({a.run_name or a.run_id[:8]} -> {b.run_name or b.run_id[:8]})" for k, a, b in pairs]
    return "Tracker, with nothing else changed: " + "; ".join(said) + "."


_PARTS = re.compile(r"[_+,;|/]")


def carrying_runs(idx: HistoryIndex, words: frozenset[str], f: Fact, runs: list[str], limit: int = 4) -> list[str]:
    """"did the ctr features help?": of the runs a quote would cite (and its note's), those whose settings carry the
    question's words that are values of some runs' settings but not all (features=bm25_fields+ctr), not the run
    the note compares them with (features=bm25_fields); ``runs`` unchanged when no run carries them."""
    from narrative import vocab  # here, not at the top: vocab is heavy and this is called once per answer

    have: dict[str, frozenset[str]] = {}
    for r in idx.runs:
        # "bm25_fields+ctr" is a list of parts: each is a word of the setting
        have[r.run_id] = frozenset(t for v in r.params.values() for t in vocab.tokens(_PARTS.sub(" ", str(v))))
    # a word, not a number: "week 3", "5-1", "day 31" name notes, and any seed or fold shares their digits
    asked = frozenset(w for w in words if w.isalpha() and len(w) >= 3
                      and 0 < sum(w in v for v in have.values()) < len(have))
    if not asked:
        return runs
    pool = list(dict.fromkeys([*runs, *idx.entry_runs.get(f.entry_id or "", [])]))
    keep = [r for r in pool if r in have and asked <= have[r]]
    if not keep or set(keep) >= set(runs):
        return runs
    return keep[:limit]
