"""Plans that name several settings' values at once: one run must hold all of them.

"256 per GPU on 8 GPUs with lr 1e-3" asks for one run; a run at 8 GPUs and another at lr 1e-3 are each the
closest, not the plan. A value belongs to a setting when the setting's words stand just before it ("lr 0.02",
"batch of 2048", "drop path 0.2") or its unit right after it ("8 GPUs", "10 epochs"; "warm up for 10 epochs"
names ``warm_epoch`` by both). The runs decide: every setting named must be recorded by the runs with numbers.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from narrative import lexicon, vocab
from narrative.check_settings import FACTORS, SCIENTIFIC, decimal_value, in_scope, key_tokens, sig_runs
from narrative.history_index import HistoryIndex, fmt
from narrative.plan_reading import ASIDE, main_clause
from narrative.types import CheckMatch, CheckResult
from storage.records import RunSnapshot

# a bound, a range, a move or a sweep: the values are not one run's settings ("lower than 1e-3", "from 4 to 64")
_NOT_JOINT = re.compile(r"\b(?:than|above|below|under|over|between|from|least|most|up\s{1,3}to|beyond|exceed\w*|"
                        r"sweep\w*|vary|varying|grid|or|vs|versus|instead)\b|[<>]")
_WORD = re.compile(r"[a-z0-9][a-z0-9.\-]*")
# words after a number that make it no setting's value ("256 per GPU", "3 x 3", "2 times")
_NOT_UNIT = frozenset({"per", "each", "x", "times", "of", "more", "less", "fewer", "and", "or", "to", "with"})
_BEFORE = 3  # words before a number that may name its setting


@dataclass(frozen=True)
class Named:
    keys: frozenset[str]
    value: float


def _setting_keys(idx: HistoryIndex) -> dict[str, frozenset[str]]:
    """concept id -> the run param keys that carry it, for the settings the runs record (cached)."""
    got = idx.cache.get("joint:setting_keys")
    if isinstance(got, dict):
        return got
    run_keys = set(key_tokens(idx))
    out = {c.id: frozenset(k for k in c.param_keys if k in run_keys) for c in vocab.CONCEPT_BY_ID.values()
           if c.param_keys}
    out = {c: ks for c, ks in out.items() if ks}
    idx.cache["joint:setting_keys"] = out
    return out


def _keys_by_tokens(keytoks: dict[str, frozenset[str]], near: set[str], *, min_toks: int = 1) -> frozenset[str]:
    """The keys all of whose words are in ``near``, the most specific ones ("warm up ... epochs": warm_epoch
    over epochs)."""
    hits = [(len(t), k) for k, t in keytoks.items() if len(t) >= min_toks and t <= near]
    if not hits:
        return frozenset()
    top = max(n for n, _ in hits)
    return frozenset(k for n, k in hits if n == top)


def named_values(plan: str, idx: HistoryIndex) -> list[Named]:
    """The (setting, value) pairs a plan names, one per setting; [] when the plan bounds, moves or sweeps."""
    head = vocab.norm(SCIENTIFIC.sub(decimal_value, ASIDE.sub(" ", main_clause(plan))))
    if _NOT_JOINT.search(head):
        return []
    words = [(m.group(0).rstrip(".-"), m.start(), m.end()) for m in _WORD.finditer(head)]
    setting_keys = _setting_keys(idx)
    spans = [(a, b, setting_keys[cid]) for cid, sp in vocab.concepts_in(head).items() if cid in setting_keys
             for a, b in sp]
    keytoks = key_tokens(idx)
    out: dict[frozenset[str], set[float]] = {}
    for i, (w, start, end) in enumerate(words):
        num = lexicon.parse_number(w)
        if num is None or w in FACTORS or not w[0].isdigit():
            continue
        # the words that may name its setting stop at the value before it ("lr 5e-4 on 4 gpus")
        first = max([j + 1 for j in range(max(0, i - _BEFORE), i) if words[j][0][0].isdigit()],
                    default=max(0, i - _BEFORE))
        lo = words[first][1] if first < i else start
        nxt = words[i + 1] if i + 1 < len(words) else None
        before = {vocab.stem(x) for x, _, _ in words[first:i]}
        # a setting named just before the value (its concept's words, or every word of a param key)
        keys = frozenset().union(*[ks for a, b, ks in spans if lo <= b <= start or a < end <= b])
        keys |= _keys_by_tokens(keytoks, before)
        if not keys and nxt is not None and nxt[0] not in _NOT_UNIT:
            # the setting's unit right after the value ("8 gpus"), or its words on both sides ("warm up for 10
            # epochs" and warm_epoch)
            unit = {vocab.stem(nxt[0])}
            keys = frozenset().union(*[ks for a, _, ks in spans if a == nxt[1]]) | _keys_by_tokens(keytoks, unit)
            after = {vocab.stem(x) for x, _, _ in itertools.takewhile(lambda t: not t[0][0].isdigit(),
                                                                         words[i + 1: i + 1 + _BEFORE])}
            keys = _keys_by_tokens(keytoks, before | after, min_toks=2) or keys
        if keys:
            out.setdefault(keys, set()).add(num)
    # a setting named with several values is a list or a move, not one run's setting
    return [Named(k, next(iter(v))) for k, v in out.items() if len(v) == 1]


def _holds(items: dict[str, str], n: Named) -> bool:
    return any(k in items and lexicon.same_value(repr(n.value), items[k]) for k in n.keys)


def _numeric(items: dict[str, str], n: Named) -> bool:
    return any(k in items and lexicon.parse_number(items[k]) is not None for k in n.keys)


def joint_missed(plan: str, idx: HistoryIndex, *, scope: dict[str, frozenset[str]] | None = None
                 ) -> CheckResult | None:
    """Not tried when the plan names two or more settings' values and no run holds them all, while the runs
    record each of those settings with numbers; closest: the run holding most of them."""
    named = named_values(plan, idx)
    if len(named) < 2:
        return None
    sigs = [(sig, dict(sig.items)) for sig in idx.sigs if in_scope(sig, scope)]
    if not all(any(_numeric(items, n) for _, items in sigs) for n in named):
        return None
    best: tuple[int, float] | None = None
    closest = None
    for sig, items in sigs:
        held = sum(_holds(items, n) for n in named)
        if held == len(named) and sig_runs(idx, sig, 1):
            return None
        runs = sig_runs(idx, sig, 1) if held else []
        if runs and (best is None or (held, -runs[0].start.timestamp()) > best):
            best, closest = (held, -runs[0].start.timestamp()), (runs[0], items)
    asked = " with ".join(f"{_key_name(n)}={fmt(n.value)}" for n in named)
    if closest is None:
        return CheckResult(already_tried=False, message=f"Not tried: no run has {asked}.")
    run, items = closest
    have = ", ".join(f"{k}={items[k]}" for n in named for k in sorted(n.keys) if k in items)
    summary = f"run {run.run_name or run.run_id[:8]} with {have}"
    return CheckResult(already_tried=False, message=f"Not tried: no run has {asked} together; closest: {summary}.",
                       matches=[CheckMatch(entry_id=None, run_ids=[run.run_id], score=0.0, author=run.user,
                                           at=run.start, summary=summary)])


def _key_name(n: Named) -> str:
    return sorted(n.keys)[0]


def value_missed(plan: str, idx: HistoryIndex, *, scope: dict[str, frozenset[str]] | None = None
                 ) -> tuple[CheckResult, float] | None:
    """One setting's value that no run holds while the runs record the setting with other numbers ("warm up
    for 10 epochs" where every run has warm_epoch 0 or 5): not tried; closest the run with the nearest value.
    Returns the value too (a statement naming it may still report it done)."""
    named = named_values(plan, idx)
    if len(named) != 1:
        return None
    n = named[0]
    held: list[tuple[float, str, RunSnapshot]] = []
    for sig in idx.sigs:
        if not in_scope(sig, scope):
            continue
        items = dict(sig.items)
        for k in n.keys:
            v = lexicon.parse_number(items[k]) if k in items else None
            if v is None:
                continue
            if lexicon.same_value(repr(n.value), items[k]):
                return None
            held += [(v, k, r) for r in sig_runs(idx, sig, 1)]
    if not held:
        return None
    v, k, run = min(held, key=lambda x: (abs(x[0] - n.value), x[2].start))
    values = sorted({fmt(x[0]) for x in held}, key=float)
    summary = f"run {run.run_name or run.run_id[:8]} with {k}={fmt(v)}"
    return CheckResult(already_tried=False, message=(
        f"Not tried: no run has {k}={fmt(n.value)} (runs used {k} = {', '.join(values[:6])}); closest: {summary}."),
        matches=[CheckMatch(entry_id=None, run_ids=[run.run_id], score=0.0, author=run.user,
                            at=run.start, summary=summary)]), n.value
