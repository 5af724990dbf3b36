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
from narrative.check_settings import (
    DEVICE_WORDS,
    FACTORS,
    SCIENTIFIC,
    decimal_value,
    in_scope,
    key_tokens,
    part_of_a_name,
    per_device,
    sig_runs,
)
from narrative.check_verdicts import tried_in_runs
from narrative.history_index import HistoryIndex, fmt
from narrative.plan_reading import ASIDE, SHARED_KEY_WORDS, main_clause
from narrative.setting_fractions import as_fraction, halves
from narrative.types import CheckMatch, CheckResult
from storage.records import RunSnapshot

# a bound, a range, a move or a sweep: the values are not one run's settings ("lower than 1e-3", "from 4 to 64")
_NOT_JOINT = re.compile(r"\b(?:than|above|below|under|over|between|from|least|most|up\s{1,3}to|beyond|exceed\w*|"
                        r"sweep\w*|vary|varying|grid|or|vs|versus|instead)\b|[<>]")
_WORD = re.compile(r"[a-z0-9][a-z0-9.\-]*")
# words after a number that make it no setting's value ("256 per GPU", "3 x 3", "2 times")
_NOT_UNIT = frozenset({"per", "each", "x", "times", "of", "more", "less", "fewer", "and", "or", "to", "with"})
_BEFORE = 3  # words before a number that may name its setting


# a device count's words ("8 GPUs", num_devices, world_size) and a batch key's words that say how it counts
_DEVICE = DEVICE_WORDS
_PER_WORDS = frozenset({"per", "each", "local"})
_GLOBAL_WORDS = frozenset({"global", "total", "effect", "effective"})
# "a single GPU", "one device": a count of one
_ONE_DEVICE = re.compile(r"\b(?:a\s{1,3})?(?:single|one)[\s-]{1,3}(?=(?:gpu|device|card)s?\b)")


@dataclass(frozen=True)
class Named:
    keys: frozenset[str]
    value: float
    # a per-device batch ("256 per GPU"): the batch keys read per device, and the runs' device-count keys that
    # turn a global batch into one per device (empty: the value is compared as it is)
    per_keys: frozenset[str] = frozenset()
    dev_keys: frozenset[str] = frozenset()
    # batch keys whose words say they count all devices (global_batch_size); a plain batch_size with no such
    # key beside it may count either way (DDP scripts differ), so both readings are taken
    glob_keys: frozenset[str] = frozenset()


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
        return _key_by_own_word(keytoks, near) if min_toks == 1 else frozenset()
    top = max(n for n, _ in hits)
    return frozenset(k for n, k in hits if n == top)


def _key_by_own_word(keytoks: dict[str, frozenset[str]], near: set[str]) -> frozenset[str]:
    """ "hidden 200" and hidden_dim, "8 layers" and num_layers: a key named by its one word no other key has."""
    owners: dict[str, list[str]] = {}
    for key, toks in keytoks.items():
        for tok in toks - SHARED_KEY_WORDS:
            owners.setdefault(tok, []).append(key)
    keys = {ks[0] for tok in near if len(ks := owners.get(tok, [])) == 1 and len(tok) > 2}
    return frozenset(keys) if len(keys) == 1 else frozenset()


def _device_keys(keytoks: dict[str, frozenset[str]]) -> frozenset[str]:
    """The run keys that count devices (gpus, num_devices, world_size), not a batch per device."""
    return frozenset(k for k, t in keytoks.items() if t & _DEVICE and "batch" not in t and "bs" not in t)


def _batch_keys(keytoks: dict[str, frozenset[str]], setting_keys: dict[str, frozenset[str]]) -> frozenset[str]:
    return setting_keys.get("batch_size", frozenset()) | frozenset(
        k for k, t in keytoks.items() if "batch" in t or "bs" in t)


def _per_keys(keytoks: dict[str, frozenset[str]], batch: frozenset[str]) -> frozenset[str]:
    """The batch keys that count per device: their own words say so (batch_size_per_gpu), or a global batch key
    stands beside a plain one (batch_size beside global_batch_size)."""
    said = frozenset(k for k in batch if keytoks.get(k, frozenset()) & (_PER_WORDS | _DEVICE))
    glob = _glob_keys(keytoks, batch)
    plain = batch - said - glob
    return said | (plain if glob else frozenset())


def _glob_keys(keytoks: dict[str, frozenset[str]], batch: frozenset[str]) -> frozenset[str]:
    return frozenset(k for k in batch if keytoks.get(k, frozenset()) & _GLOBAL_WORDS)


def named_values(plan: str, idx: HistoryIndex) -> list[Named]:
    """The (setting, value) pairs a plan names, one per setting; [] when the plan bounds, moves or sweeps."""
    head = vocab.norm(SCIENTIFIC.sub(decimal_value, ASIDE.sub(" ", main_clause(plan))))
    head = _ONE_DEVICE.sub("1 ", head)
    if _NOT_JOINT.search(head):
        return []
    head = halves(head)  # "half of the encoder", "a dropout of half": 50%
    words = [(m.group(0).rstrip(".-"), m.start(), m.end()) for m in _WORD.finditer(head)]
    setting_keys = _setting_keys(idx)
    spans = [(a, b, setting_keys[cid]) for cid, sp in vocab.concepts_in(head).items() if cid in setting_keys
             for a, b in sp]
    keytoks = key_tokens(idx)
    devices = _device_keys(keytoks)
    batch = _batch_keys(keytoks, setting_keys)
    out: dict[frozenset[str], set[float]] = {}
    per: dict[frozenset[str], float] = {}
    for i, (w, start, end) in enumerate(words):
        num = lexicon.parse_number(w)
        if num is None or w in FACTORS or not w[0].isdigit() or part_of_a_name(plan, w):
            continue
        if devices and batch and per_device([x for x, _, _ in words], i):
            # a batch per device, read against each run's device count when its batch key counts globally
            per[batch] = num
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
            if not keys and unit & _DEVICE:
                keys = devices  # "on 2 GPUs" and num_devices
            after = {vocab.stem(x) for x, _, _ in itertools.takewhile(lambda t: not t[0][0].isdigit(),
                                                                         words[i + 1: i + 1 + _BEFORE])}
            keys = _keys_by_tokens(keytoks, before | after, min_toks=2) or keys
        if keys:
            num = as_fraction(num, head, end, idx, keys)  # "freeze 95%" and encoder_freeze_percent=0.95
            out.setdefault(keys, set()).add(num)
    # a setting named with several values is a list or a move, not one run's setting
    got = [Named(k, next(iter(v))) for k, v in out.items() if len(v) == 1 and k != batch]
    if batch in out and batch not in per and len(out[batch]) == 1:
        got.append(Named(batch, next(iter(out[batch]))))
    got += [Named(k, v, per_keys=_per_keys(keytoks, k), dev_keys=devices, glob_keys=_glob_keys(keytoks, k))
            for k, v in per.items()]
    return got


def readings(items: dict[str, str], n: Named, key: str, *, divided: bool = False) -> list[float]:
    """The run's values of ``key`` as the plan counts it: per device for a per-device plan (a global batch
    divided by the run's device count; a plain batch key read both as it is and divided)."""
    v = lexicon.parse_number(items[key]) if key in items else None
    if v is None or not n.dev_keys or key in n.per_keys:
        return [] if v is None else [v]
    count = next((c for c in (lexicon.parse_number(items[d]) for d in sorted(n.dev_keys) if d in items)
                  if c), None)
    out = [] if key in n.glob_keys or divided else [v]
    return out + ([v / count] if count else [])


def _holds(items: dict[str, str], n: Named, *, divided: bool = False) -> bool:
    if n.dev_keys:
        return any(_same(v, n.value) for k in n.keys for v in readings(items, n, k, divided=divided))
    return any(k in items and lexicon.same_value(repr(n.value), items[k]) for k in n.keys)


def _same(v: float | None, want: float) -> bool:
    return v is not None and lexicon.same_value(repr(want), repr(v))


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
            for v in readings(items, n, k):
                if _same(v, n.value):
                    return None
                held += [(v, k, r) for r in sig_runs(idx, sig, 1)]
    if not held:
        return None
    v, k, run = min(held, key=lambda x: (abs(x[0] - n.value), x[2].start))
    values = sorted({fmt(x[0]) for x in held}, key=float)
    each = " per device" if n.dev_keys else ""
    summary = f"run {run.run_name or run.run_id[:8]} with {k}={fmt(v)}{each}"
    return CheckResult(already_tried=False, message=(
        f"Not tried: no run has {k}={fmt(n.value)}{each} (runs used {k} = {', '.join(values[:6])}{each}); "
        f"closest: {summary}."),
        matches=[CheckMatch(entry_id=None, run_ids=[run.run_id], score=0.0, author=run.user,
                            at=run.start, summary=summary)]), n.value


def holding_runs(plan: str, idx: HistoryIndex, *, scope: dict[str, frozenset[str]] | None = None
                 ) -> tuple[list[Named], list[RunSnapshot]]:
    """The values the plan names and the runs (in its scope) holding every one of them, oldest first."""
    named = named_values(plan, idx)
    if not named:
        return [], []
    runs: list[RunSnapshot] = []
    # a per-device batch read from a plain batch key: the runs whose batch is that many per device times their
    # device count show the project counts globally, and a run holding the plain number is then another batch
    for divided in (True, False):
        for sig in idx.sigs:
            items = dict(sig.items)
            if in_scope(sig, scope) and all(_holds(items, n, divided=divided) for n in named):
                runs += sig_runs(idx, sig)
        if runs or not any(n.dev_keys for n in named):
            break
    return named, sorted(runs, key=lambda r: r.start)


def cite_holding(got: CheckResult, plan: str, idx: HistoryIndex, *,
                 scope: dict[str, frozenset[str]] | None = None) -> CheckResult | None:
    """A "tried" whose cited runs do not all hold the values the plan names ("A0 on 4 GPUs at lr 0.1" citing
    the runs at lr 0.1 on 8 GPUs): cite the runs that hold them all instead, with their own summary."""
    named, runs = holding_runs(plan, idx, scope=scope)
    if not runs:
        return None
    held = {r.run_id for r in runs}
    cited = [rid for m in got.matches for rid in (m.run_ids or idx.entry_runs.get(m.entry_id or "", []))]
    if cited and all(r in held for r in cited):
        return None
    r0 = runs[0]
    keys = dict.fromkeys(k for n in named for k in sorted(n.keys | n.dev_keys) if k in r0.params)
    have = ", ".join(f"{k}={r0.params[k]}" for k in keys)
    summary = f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d} used {have}"
    return tried_in_runs(idx, cited=[r.run_id for r in runs[:3]], summary=summary, author=r0.user, at=r0.start)
