"""Plans that change a setting ("twice as wide embeddings", "lower lr", "bs 512", "80 Hz frames").

Such a plan is judged against the values the runs' params hold, not against what was written: tried
when some run holds the asked value, or moves the setting the asked way (by the asked factor) from a
reference run. Works on param signatures (many runs share one), expanding to runs only to cite them.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from adapters import is_tracker_key
from narrative import concepts as concept_table
from narrative import lexicon, vocab
from narrative.check_bounds import bound_before, negated_bound, past_bound
from narrative.check_signatures import in_scope, numbers_held, sig_runs
from narrative.check_spoken import GLUED_MOVE, spoken_names, spoken_setting
from narrative.check_verdicts import PlanDoing, not_tried, planned_items, tried_in_runs
from narrative.history_index import Fact, HistoryIndex, ParamSig, fmt
from narrative.plan_reading import ASIDE, UNIT_WORDS, PlanTerms, main_clause, specific_keys
from narrative.setting_fractions import as_fraction, half_value, percent_value
from narrative.types import CheckMatch, CheckResult, PlannedItem
from storage.records import RunSnapshot

_NUMBERISH = re.compile(r"[a-z0-9][a-z0-9.\-]*")
_ORDINALS = {"first": 1.0, "second": 2.0, "third": 3.0, "fourth": 4.0, "fifth": 5.0, "tenth": 10.0}
_KEY_NOISE = frozenset({"num", "max", "min", "use", "is", "the", "of", "n", "no", "do", "type", "mode", "value",
                        "size", "name", "id", "seed", "random", "state"})

_KEY_NOISE_STEMS = _KEY_NOISE | frozenset(vocab.stem(w) for w in _KEY_NOISE)


def key_tokens(idx: HistoryIndex) -> dict[str, frozenset[str]]:
    """param key -> its word stems ("spec_rate_hz" -> spec, rate, hz), for every key of the runs (cached)."""
    got = idx.cache.get("keytoks")
    if isinstance(got, dict):
        return got
    out: dict[str, frozenset[str]] = {}
    for sig in idx.sigs:
        for k, _ in sig.items:
            # A tracker's own keys (its reserved namespace) say nothing about what a person tried.
            if k not in out and not is_tracker_key(k):
                parts = {vocab.stem(w) for w in re.split(r"[^a-z0-9]+", k.lower()) if w}
                # the noise words are compared stemmed ("size" stems to "siz": batch_size is not named by "sizes")
                out[k] = (frozenset(p for p in parts if len(p) >= 2 and not p.isdigit()) - _KEY_NOISE_STEMS
                          or spoken_names(k))
    idx.cache["keytoks"] = out
    return out


DEVICE_WORDS = frozenset({"gpu", "gpus", "devic", "device", "devices", "card", "cards", "world", "ngpu"})


def per_device(words: list[str], i: int) -> bool:
    """Whether the number at ``i`` is counted per device: "256 per GPU", "64 images per GPU", "24 each on 2 gpus",
    "batch_size_per_gpu 64" (but "8 GPUs" counts devices)."""
    after = words[i + 1: i + 4]
    if after[:1] and after[0] in ("per", "each") and len(after) > 1 and vocab.stem(after[1]) in DEVICE_WORDS:
        return True
    if (len(after) > 2 and not after[0][0].isdigit() and after[1] in ("per", "each")
            and vocab.stem(after[2]) in DEVICE_WORDS):
        return True
    if after[:1] and vocab.stem(after[0]) in DEVICE_WORDS:
        return False
    before = list(itertools.takewhile(lambda w: not w[0].isdigit(), reversed(words[max(0, i - 3): i])))
    return "per" in before and any(vocab.stem(w) in DEVICE_WORDS for w in before)


def part_of_a_name(plan: str, number: str) -> bool:
    """Whether a number is the size in a model's name ("minilm L-12", "b-3"): a single letter glued to it by a hyphen
    names a variant, it sets no param."""
    return number in _glued_numbers(plan)


_GLUED_NUMBER = re.compile(r"(?<![a-z0-9])[a-z]-(\d+(?:\.\d+)?)(?![0-9.])")


@functools.lru_cache(maxsize=64)
def _glued_numbers(plan: str) -> frozenset[str]:
    # once per plan, not once per number in it: a 100k-character paste of numbers stays linear
    return frozenset(_GLUED_NUMBER.findall(plan.lower()))


def named_value(plan: str, idx: HistoryIndex, *, scope: dict[str, frozenset[str]] | None = None
                ) -> CheckResult | None:
    """A value the plan asks for next to the words of a param's name ("80 Hz frames" and ``spec_rate_hz``,
    "from the first epoch" and ``gan_start_epoch``): tried when runs hold that value for that param."""
    head = half_value(vocab.norm(ASIDE.sub(" ", main_clause(plan))))
    spans = [(m.group(0), m.end()) for m in _NUMBERISH.finditer(head)]
    words = [w for w, _ in spans]
    keytoks = key_tokens(idx)
    for i, w in enumerate(words):
        num = _ORDINALS.get(w) if w in _ORDINALS else lexicon.parse_number(w)
        if w in _ORDINALS and i + 1 < len(words) and lexicon.parse_number(words[i + 1]) is not None:
            continue  # "the first 80% of the layers", "the first 10 epochs": the number after it is the value
        if num is None or per_device(words, i) or part_of_a_name(plan, w):
            continue  # a batch per device is read against the runs' device counts (``narrative.check_joint``)
        near = {vocab.stem(x) for x in words[max(0, i - 2): i + 3] if x != w and not x[0].isdigit()}
        near -= vocab.GENERIC_STEMS | _KEY_NOISE_STEMS
        keys = [k for k, toks in keytoks.items() if toks & near]
        if not keys:
            continue
        num = as_fraction(num, head, spans[i][1], idx, keys)  # "val_fraction 30%" and val_fraction=0.3
        bound = bound_before(words, i)  # "epsilon above 0.25": runs past the number, not at it
        runs: list[tuple[RunSnapshot, str, str]] = []
        for sig in idx.sigs:
            if not in_scope(sig, scope):
                continue
            for k, v in sig.items:
                if k in keys and (lexicon.same_value(repr(num), v) if bound is None else past_bound(v, num, bound)) \
                        and not vocab.is_null_param(k, v):
                    runs += [(r, k, v) for r in sig_runs(idx, sig, 3)]
        if not runs:
            continue
        runs.sort(key=lambda x: x[0].start)
        cited = list(dict.fromkeys(r.run_id for r, _, _ in runs))[:3]
        r0, k0, v0 = runs[0]
        summary = (f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d} "
                   f"used {k0}={v0}")
        return tried_in_runs(idx, cited=cited, summary=summary, author=r0.user, at=r0.start)
    return None


def named_value_missed(plan: str, idx: HistoryIndex, *, scope: dict[str, frozenset[str]] | None = None
                       ) -> tuple[CheckResult, float] | None:
    """A value the plan asks for right beside every word of a param's name ("drop path 0.2" and ``drop_path``)
    that no run holds, while the runs record that param with other numbers: not tried, closest the run with
    the nearest value. (A statement naming the param with another value -- "--drop-path 0.1" -- is the
    other value, not the plan.)"""
    head = half_value(vocab.norm(SCIENTIFIC.sub(decimal_value, ASIDE.sub(" ", main_clause(plan)))))
    spans = [(m.group(0), m.end()) for m in _NUMBERISH.finditer(head)]
    words = [w for w, _ in spans]
    keytoks = key_tokens(idx)
    for i, w in enumerate(words):
        num = lexicon.parse_number(w)
        if num is None or w in FACTORS or per_device(words, i) or part_of_a_name(plan, w) or bound_before(words, i):
            continue
        # the param's name just before the number ("drop path 0.2", "dropout = 0.9"), all of its words
        near = {vocab.stem(x) for x in words[max(0, i - 3): i] if not x[0].isdigit()}
        keys = [k for k, toks in keytoks.items() if toks and toks <= near]
        if len(keys) != 1:
            continue
        key = keys[0]
        num = as_fraction(num, head, spans[i][1], idx, keys)  # "dropout 80%" and dropout=0.8
        held = numbers_held(idx, key, scope, per_signature=1)
        if held is None:
            return None  # a param with words for values is read by the concepts, not here
        if not held or any(lexicon.same_value(repr(num), repr(n)) for _, n in held):
            return None
        run, n = min(held, key=lambda rn: (abs(rn[1] - num), rn[0].start))
        values = sorted({fmt(v) for _, v in held}, key=float)
        summary = f"run {run.run_name or run.run_id[:8]} with {key}={fmt(n)}"
        return CheckResult(already_tried=False, message=(
            f"Not tried: no run has {key}={fmt(num)} (runs used {key} = {', '.join(values[:6])}); closest: {summary}."),
            matches=[CheckMatch(entry_id=None, run_ids=[run.run_id], score=0.0, author=run.user, at=run.start,
                                summary=summary)]), num
    return None


# ------------------------------------------------------------------ param-aware plans
_UP = re.compile(r"^(higher|bigger|larger|wider|deeper|more|longer|increas\w*|rais\w*|bump\w*|up|grow\w*|"
                 r"doubl\w*|twice|triple\w*|taller|heavier|greater|max(imum)?)$")
_DOWN = re.compile(r"^(lower|smaller|narrower|shallower|fewer|less|shorter|decreas\w*|reduc\w*|cut|cutting|"
                   r"halv\w*|half|down|shrink\w*|lighter|tinier|min(imum)?)$")
FACTORS = {"twice": 2.0, "double": 2.0, "doubled": 2.0, "doubling": 2.0, "2x": 2.0, "x2": 2.0, "triple": 3.0,
            "3x": 3.0, "x3": 3.0, "4x": 4.0, "x4": 4.0, "quadruple": 4.0, "half": 0.5, "halve": 0.5,
            "halved": 0.5, "halving": 0.5, "10x": 10.0}
_WORD_SPAN = re.compile(r"[a-z0-9][a-z0-9.+\-]*")


@dataclass
class Change:
    concept: str
    keys: tuple[str, ...]
    sign: int  # +1 up, -1 down, 0 an exact value, 2 varied (a sweep), 3 a range (``_RANGE``)
    factor: float | None
    value: str | None
    words: frozenset[str] = frozenset()  # the plan's words: they pick one part's key ("sn" -> sn_lr)
    bound: float | None = None  # "a bigger batch than 800": the value to pass, not a reference run's
    upper: float | None = None  # "between 0.3 and 0.5": the range's top (``bound`` its bottom)
    at: int = 0  # where the setting's name starts in the plan
    targets: frozenset[str] = frozenset()  # concepts said as what the change is for ("for full ft")


def plan_change(plan: str, terms: PlanTerms, idx: HistoryIndex) -> Change | None:
    """A change of one setting the plan asks for ("twice as wide embeddings", "lower lr", "bs 512",
    "divide the rewards by 100"), when the runs record that setting and the plan is about nothing else than
    the setting (and the model families it applies to)."""
    return next(_changes(plan, terms, idx), None)


def plan_changes(plan: str, terms: PlanTerms, idx: HistoryIndex) -> list[Change]:
    """Every setting's change the plan asks for, in the plan's order ("batch 16 with a lower lr": batch_size=16
    and a lower learning_rate), one per setting."""
    out: list[Change] = []
    for ch in _changes(plan, terms, idx):
        if all(ch.concept != c.concept and not set(ch.keys) & set(c.keys) for c in out):
            out.append(ch)
    return sorted(out, key=lambda c: c.at) if len(out) > 1 else out


def _plan_subject(cid: str, head: str, spans: list[tuple[int, int]]) -> bool:
    """Whether a concept is what the plan is about rather than another change: a model at a size ("bert-large",
    "the large model": a model, as a family is), or the training verb the plan opens on ("fine-tune X with a
    lower lr")."""
    if cid == "large_model":
        return True
    return cid == "fine_tune" and any(not head[:a].strip() for a, _ in spans)


def _changes(plan: str, terms: PlanTerms, idx: HistoryIndex) -> Iterator[Change]:
    head = half_value(vocab.norm(SCIENTIFIC.sub(decimal_value, GLUED_MOVE.sub(r"\1", main_clause(plan)))))
    spans = vocab.concepts_in(head)
    specific = specific_keys(terms)
    words = [(m.group(0).rstrip(".-"), m.start(), m.end()) for m in _WORD_SPAN.finditer(head)]
    plain = [w for w, _, _ in words]
    described = list(concept_table.described(head))
    for cid, sp in spans.items():
        keys = vocab.CONCEPT_BY_ID[cid].param_keys
        if not sp or not keys or not _runs_with_keys(idx, keys):
            continue
        if any(c != cid and a <= x and y <= b for c, (a, b) in described for x, y in sp):
            continue  # "ramp the lr up over the first epochs" describes a warm-up, not a higher lr
        if cid == "batch_size" and any(per_device(plain, i) for i, w in enumerate(plain) if w[0].isdigit()):
            continue  # "a batch of 32 per GPU": read against the runs' device counts (``narrative.check_joint``)
        # what the plan's target names ("for the fp16 run") says which runs to change, not another change
        a, b = sp[0]
        others = {k for k in specific - terms.scope_only if k != cid and k not in vocab.CLOSURE[cid]
                  and vocab.CONCEPT_BY_ID[k].kind != "model" and not vocab.CONCEPT_BY_ID[k].param_keys}
        # the plan's subject picks the runs where their params show it, and is no other change (a target)
        targets = frozenset(k for k in others if _said_as_target(head, b, spans.get(k, []))
                            or _joined_by_with(head, (a, b), spans.get(k, []))
                            or _plan_subject(k, head, spans.get(k, [])))
        if others - targets:
            continue  # "separate step sizes for actor and critic" is about more than moving one setting
        # "LoRA on the MLP with a rank lower than 8": the setting's own spoken name later in the clause is where
        # its value or move is said
        a, b = spoken_setting(head, cid, a, b) or (a, b)
        idx_first = next((i for i, (_, s, _) in enumerate(words) if s >= a), len(words))
        idx_after = next((i for i, (_, s, _) in enumerate(words) if s >= b), len(words))
        sign, factor, value = 0, None, None
        rest = head[b: b + 40]
        target = _FROM_TO.search(rest) or _ASSIGN.search(rest) or _TO_VALUE.search(rest)
        if target:
            # "from 4 to 64", "with n=2": the value asked for
            value = target.group(target.lastindex or 1)
        inner = _ENDS_ON_NUMBER.search(head[a:b])
        if value is None and inner:
            value = inner.group(1)  # the concept's own words hold the value: "batch of 2048", "bs=512"
        before = words[idx_first - 1][0] if idx_first > 0 else ""
        if value is None and lexicon.parse_number(before) is not None and before not in FACTORS:
            # "train longer, 30 epochs": a count right before the setting's name is the value asked for
            value = before
        for w, _, _ in [] if value else words[idx_after: idx_after + 3]:
            if w in ("n",) or w in UNIT_WORDS:
                continue
            if lexicon.parse_number(w) is not None:
                value = w
                break
            if w not in ("of", "to", "with", "at", "="):
                break
        value = percent_value(value, head[a:], idx, keys)  # "dropout 80%" and dropout=0.8
        window = words[max(0, idx_first - 6): idx_after + 6]
        ws = [w for w, _, _ in window]
        for i, w in enumerate(ws):
            nxt = ws[i + 1] if i + 1 < len(ws) else ""
            num = lexicon.parse_number(w)
            if w in FACTORS:
                factor = FACTORS[w]
            elif (times := _TIMES_X.fullmatch(w)) is not None:
                # "increase lr by 8x", "8x lower": a multiple written with an x; a word of lowering makes it a divisor
                mult = float(times.group(1) or times.group(2))
                if mult > 1:
                    factor = 1 / mult if any(_DOWN.match(x) for x in ws) else mult
            elif num is not None and nxt in ("times", "x") and num > 1:
                # "ten times lower", "3x bigger": the direction word that follows decides
                after = ws[i + 2] if i + 2 < len(ws) else ""
                factor = 1 / num if _DOWN.match(after) else num
            elif w in _NUMBER_WORDS and nxt == "times":
                after = ws[i + 2] if i + 2 < len(ws) else ""
                factor = 1 / _NUMBER_WORDS[w] if _DOWN.match(after) else _NUMBER_WORDS[w]
            elif w in ("divide", "divided", "dividing", "divides") and "by" in ws[i:]:
                n = next((lexicon.parse_number(x) for x in ws[ws.index("by", i) + 1:] if lexicon.parse_number(x)), None)
                if n and n > 1:
                    factor = 1 / n
            elif w in ("multiply", "multiplied", "multiplying", "scale", "scaled") and "by" in ws[i:]:
                n = next((lexicon.parse_number(x) for x in ws[ws.index("by", i) + 1:] if lexicon.parse_number(x)), None)
                if n and n > 0:
                    factor = n
        if factor is not None:
            sign = 1 if factor > 1 else -1
        else:
            near = ws[max(0, idx_first - max(0, idx_first - 6) - 2): idx_after - max(0, idx_first - 6) + 3]
            for w in near or ws:
                if _UP.match(w):
                    sign = 1
                    break
                if _DOWN.match(w):
                    sign = -1
                    break
        if not sign and factor is None and (bd := _BOUND_AFTER.match(head[b: b + 40])):
            # "a learning rate below 0.08": the bound word after the setting gives the direction
            sign = -1 if bd.group("dir") in ("below", "under") else 1  # a negation: flipped with the bound below
            value = None
        if value is None and not sign and (any(_SWEEP.match(w) for w in ws) or _OTHER_THAN_RUN.search(head, 0, a)):
            sign = 2  # "sweep the lr", "the cnn with another lr": a run at a value other than the first one's
        span = _BETWEEN.search(head[a: b + 40])
        lo, hi = (lexicon.parse_number(span.group(1)), lexicon.parse_number(span.group(2))) if span else (None, None)
        if lo is not None and hi is not None:
            # "dropout between 0.3 and 0.5": any run inside the range did it
            yield Change(cid, keys, _RANGE, None, None, _key_words(head), min(lo, hi), max(lo, hi), a, targets)
            continue
        if not sign and value is None:
            continue
        bound = None
        if sign in (1, -1) and factor is None:
            # "a bigger batch than 800", "lr below 1e-4": the asked range starts at the number, whatever
            # the runs' reference values are (a run at 800 is not bigger than 800)
            past = _THAN.search(head[a: b + 40])
            if past:
                bound = lexicon.parse_number(past.group(1))
                value = None if bound is not None else value
                sign = -sign if negated_bound(head[a: b + 40]) else sign  # "lr no lower than 1e-3": 1e-3 and up
        if value is not None:
            sign, factor = 0, None
        yield Change(cid, keys, sign, factor, value, _key_words(head), bound, at=a, targets=targets)


# "twice the lr *for full ft*", "a lower lr *on deberta full fine-tuning*": after the setting, a preposition and up to
# three words (a model's name) lead to what the change is for; a runs' pool must then hold that too
_FOR_TARGET = re.compile(r"^[^.;,]{0,12}?\b(?:for|on|in|during|when|while|under)\s+"
                         r"(?:(?:the|a|an|our|my|its|their)\s+)?(?:[a-z0-9.+\-]{1,30}\s+){0,3}$")


_PREP_OPENS = re.compile(r"(?:on|in|for|to)\s")


def _said_as_target(head: str, setting_end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether a concept is said only after the setting, as what the change is for (a regime, a part of the
    work: "for full ft"), not as a second thing the plan does ("lower lr and label smoothing")."""
    return bool(spans) and all(a >= setting_end and (_FOR_TARGET.match(head[setting_end: a]) or (
        # the concept's own words open on the preposition ("on the mlp" names the MLP modules)
        _PREP_OPENS.match(head, a) and not head[setting_end: a].strip())) for a, _ in spans)


# "bf16 with a lower lr", "a lower lr with bf16": a technique the change is made with (its runs are the pool)
_WITH_BEFORE = re.compile(r"^\s+(?:with|using)\s+(?:(?:a|an|the)\s+)?(?:[a-z]+\s+)?$")
_WITH_AFTER = re.compile(r"^\s+(?:with|using)\s+(?:(?:a|an|the)\s+)?$")


def _joined_by_with(head: str, setting: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """Whether a technique is said right before the setting's change with "with" between ("bf16 with a lower
    lr"), or right after it ("a lower lr with bf16"): the change is asked of that technique's runs."""
    a, b = setting
    return bool(spans) and all(
        (y <= a and _WITH_BEFORE.match(head[y: a])) or (x >= b and _WITH_AFTER.match(head[b: x])) for x, y in spans)


_ENDS_ON_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)$")
_RANGE = 3  # a Change's sign for a range of values
_BETWEEN = re.compile(r"\bbetween\s+([\d.]+(?:e-?\d+)?)\s+and\s+([\d.]+(?:e-?\d+)?)(?![\w.])")
# a bound after the comparative, within the clause: "smaller than 64", "above 1e-3"
_THAN = re.compile(r"\b(?:than|above|below|under)\s+([\d.]+(?:e-?\d+)?)(?![\w.])")
# a bound word right after the setting's name: "lr below 1e-3", "a batch above 512", "dropout under 0.1"
_BOUND_AFTER = re.compile(r"^\s+(?:of\s+)?(?:(?:not|never)\s+)?(?P<dir>below|under|above|beyond)\s+"
                          r"[\d.]+(?:e-?\d+)?(?![\w.])")
_FROM_TO = re.compile(r"^[^.;]{0,20}?\bfrom\s+[\d.e\-]+\s+to\s+([\d.]+(?:e-?\d+)?)\b")
_ASSIGN = re.compile(r"^[^.;]{0,25}?\b[a-z_]{1,12}\s*=\s*([\d.]+(?:e-?\d+)?)\b")
# "lower the learning rate to 1e-6": the value asked for, whichever way it moves from the runs'
_TO_VALUE = re.compile(r"^[^.;]{0,20}?\bto\s+([\d.]+(?:e-?\d+)?)(?![\w.])")
# "1e-6" is one number; the text's normal form would split it at the hyphen
SCIENTIFIC = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)[eE]-(\d{1,2})(?![\w.])")


def decimal_value(m: re.Match[str]) -> str:
    return f"{float(m.group(0)):.{int(m.group(2)) + len(m.group(1))}f}".rstrip("0").rstrip(".")


_SWEEP = re.compile(r"^(sweep\w*|vary|varied|varying|tun(e|ed|ing)|grid|search|scan\w*)$")
# "another lr", "a different batch size" right before the setting's name: some value other than the one run
_OTHER_THAN_RUN = re.compile(r"\b(?:another|different|other)\s{1,3}$")


def _key_words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9]+", text) if len(w) >= 2)


_TIMES_X = re.compile(r"(\d{1,3})x|x(\d{1,3})")
_NUMBER_WORDS = {"two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0, "ten": 10.0, "hundred": 100.0}


def _param_values(run_params: dict[str, str], keys: tuple[str, ...]) -> list[tuple[str, float]]:
    """(key, number) of every param the setting's keys name, with per-part keys ("sn_lr", "policy_lr")."""
    out: list[tuple[str, float]] = []
    for k, v in run_params.items():
        lk = k.lower()
        if not any(lk == key or lk.endswith(("." + key, "/" + key, "_" + key)) for key in keys):
            continue
        num = lexicon.parse_number(v)
        if num is not None:
            out.append((k, num))
    return out


def _runs_with_keys(idx: HistoryIndex, keys: tuple[str, ...]) -> bool:
    cache_key = "keys:" + ",".join(keys)
    got = idx.cache.get(cache_key)
    if got is None:
        got = any(_param_values(dict(sig.items), keys) for sig in idx.sigs)
        idx.cache[cache_key] = got
    return bool(got)


def _setting_pools(idx: HistoryIndex, keys: tuple[str, ...]) -> dict[str, list[tuple[ParamSig, float]]]:
    """param key -> (signature, value) of every param signature carrying the setting (cached per index)."""
    cache_key = "pools:" + ",".join(keys)
    got = idx.cache.get(cache_key)
    if isinstance(got, dict):
        return got
    pools: dict[str, list[tuple[ParamSig, float]]] = {}
    for sig in idx.sigs:
        for key, v in _param_values(dict(sig.items), keys):
            pools.setdefault(key, []).append((sig, v))
    idx.cache[cache_key] = pools
    return pools


def _sids_with(idx: HistoryIndex, cid: str) -> frozenset[int]:
    """Param signatures whose params, or the name of one of whose runs, carry the concept (cached)."""
    key = "sids:" + cid
    got = idx.cache.get(key)
    if isinstance(got, frozenset):
        return got
    sids = {sig.sid for sig in idx.concept_sigs.get(cid, ())}
    sids |= {idx.run_docs[rid].sig.sid for rid in idx.name_concept_runs.get(cid, ())}
    frozen = frozenset(sids)
    idx.cache[key] = frozen
    return frozen


def check_change(idx: HistoryIndex, terms: PlanTerms, change: Change,
                  scored: list[tuple[float, Fact, list[str]]], specific: set[str], *,
                  scope: dict[str, frozenset[str]] | None = None, also: list[Change] | None = None) -> CheckResult:
    """Judge a change of a setting against the runs' values: tried when some run holds the asked value, or
    moves the setting the asked way (by the asked factor) from a reference run (the best, the first, the
    usual value). Each param that carries the setting ("sn_lr", "en_lr") is read on its own. Works on param
    signatures (100k runs share a few thousand), expanding to runs only for what it cites."""
    pools = _change_pools(idx, change, specific, scope)
    planned = planned_items(idx, specific, scored, PlanDoing.of(terms, frozenset({change.concept})))
    if change.sign == 0 and change.value is not None:
        planned = [p for p in planned if not _moved_since(idx, pools, p, change.value)]
    elif change.sign:
        # "higher lr than 5e-4": a note's "prob needs a lower lr" plans the other way
        planned = [p for p in planned if not _other_way(idx, p, change)]
    if change.targets:
        # "bf16 with a lower lr": a note planning bf16 alone ("consider using bf16") is no plan of the change
        planned = [p for p in planned if change.concept in vocab.concepts_in(vocab.norm(p.text))]
    if not pools:
        return not_tried(idx, scored, [], [], planned, specific)
    hits = _change_hits(idx, pools, change)
    runs_hit: list[tuple[RunSnapshot, float, RunSnapshot | None, float | None, str]] = []
    for sig, v, ref, rv, key in hits:
        runs_hit += [(r, v, ref, rv, key) for r in sig_runs(idx, sig, None if also else 3)]
    if also and runs_hit:
        # "batch 16 with a lower lr": a run at batch 16 is the plan only when it also holds the lower lr
        oks = [_change_run_ids(idx, c, specific, scope) for c in also]
        holding = [h for h in runs_hit if all(h[0].run_id in ok for ok in oks)]
        if not holding:
            return _not_together(runs_hit)
        runs_hit = holding
    if not runs_hit:
        key, pool = next(iter(pools.items()))
        last_sig, ref_v = max(pool, key=lambda sv: idx.run_by_id[sv[0].run_ids[-1]].start)
        asked = lexicon.parse_number(change.value or "") if change.sign == 0 else None
        if asked is not None and asked > 0 and all(v > 0 for _, v in pool):
            # "max_seq_length 512": the run with the nearest value is the closest (the latest among ties)
            last_sig, ref_v = min(pool, key=lambda sv: (abs(math.log(sv[1] / asked)),
                                                        -idx.run_by_id[sv[0].run_ids[-1]].start.timestamp()))
        ref_run = idx.run_by_id[last_sig.run_ids[-1]]
        what = _change_words(change, key)
        values_seen = sorted({fmt(v) for _, v in pool}, key=float)
        msg = (f"Not tried: no run has {what} (runs used {key} = {', '.join(values_seen[:6])}); closest: "
               f"run {ref_run.run_name or ref_run.run_id[:8]} with {key}={fmt(ref_v)}.")
        if planned:
            p0 = planned[0]
            when = f"{p0.at:%Y-%m-%d}" if p0.at else "an earlier day"
            msg = f"Not tried: planned on {when} by {p0.author or 'someone'}, not run yet. " + msg.removeprefix(
                "Not tried: ")
        return CheckResult(already_tried=False, message=msg, planned=planned, matches=[CheckMatch(
            entry_id=None, run_ids=[ref_run.run_id], score=0.0, author=ref_run.user, at=ref_run.start,
            summary=f"run {ref_run.run_name or ref_run.run_id[:8]} with {key}={fmt(ref_v)}")])
    runs_hit.sort(key=lambda h: h[0].start)
    cited = list(dict.fromkeys(h[0].run_id for h in runs_hit))[:3]
    hit, v, ref, rv, key = runs_hit[0]
    held = [f"{k}={hit.params[k]}" for c in also or [] for k in c.keys if k in hit.params and k != key]
    summary = (f"run {hit.run_name or hit.run_id[:8]} by {hit.user or 'someone'} on {hit.start:%Y-%m-%d} "
               f"used {key}={fmt(v)}")
    if ref is not None and rv is not None:
        summary += f" (vs {fmt(rv)} in {ref.run_name or ref.run_id[:8]})"
    summary += "".join(f", {h}" for h in held)
    return tried_in_runs(idx, cited=cited, summary=summary, author=hit.user, at=hit.start)


def _moved_since(idx: HistoryIndex, pools: dict[str, list[tuple[ParamSig, float]]], item: PlannedItem,
                 value: str) -> bool:
    """Whether a plan in the log that does not name the asked value ("try a longer max len", asked: 512) was
    followed by a run holding a value of the setting no run held before it (256): that plan was run."""
    if item.at is None or any(lexicon.same_value(value, w) for w in _NUMBER_IN.findall(item.text.lower())):
        return False
    since = item.at - dt.timedelta(days=1)  # an end-of-day note is written after the day's runs
    for pool in pools.values():
        spans = [(v, span) for sig, v in pool if (span := _sig_span(idx, sig)) is not None]
        before = {v for v, (first, _) in spans if first < since}
        if any(last >= since and v not in before for v, (_, last) in spans):
            return True
    return False


def _other_way(idx: HistoryIndex, item: PlannedItem, change: Change) -> bool:
    """Whether a plan in the log moves the same setting the other way (read as a plan itself)."""
    from narrative.plan_reading import plan_terms  # at call time: plan_reading is built on this module's peers

    return any(c.concept == change.concept and c.sign * change.sign < 0
               for c in _changes(item.text, plan_terms(item.text, idx), idx))


def _sig_span(idx: HistoryIndex, sig: ParamSig) -> tuple[dt.datetime, dt.datetime] | None:
    """The first and last start of a signature's runs that tried its setting (``sig_runs``), read once per index:
    a plan asked about reads them for every signature of the setting (thousands of runs each on 100,000 runs).
    ``idx.cache`` is cleared when runs arrive."""
    memo = idx.cache.get("check_settings:sig_span")
    if not isinstance(memo, dict):
        memo = idx.cache["check_settings:sig_span"] = {}
    if sig.sid not in memo:
        starts = [r.start for r in sig_runs(idx, sig)]
        memo[sig.sid] = (min(starts), max(starts)) if starts else None
    got = memo[sig.sid]
    return got if isinstance(got, tuple) else None


_NUMBER_IN = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:e-?\d+)?(?![\w.])")


def _change_pools(idx: HistoryIndex, change: Change, specific: set[str],
                  scope: dict[str, frozenset[str]] | None) -> dict[str, list[tuple[ParamSig, float]]]:
    """param key -> the (signature, value) pairs that carry the changed setting, in the plan's scope."""
    others = {k for k in specific if k != change.concept and k not in vocab.CLOSURE[change.concept]
              and not vocab.CONCEPT_BY_ID[k].param_keys}
    pools: dict[str, list[tuple[ParamSig, float]]] = {}
    # a target no run's params show ("for full ft") cannot pick runs: the setting is judged on all in scope
    allowed = [sids for c in others if (sids := _sids_with(idx, c)) or c not in change.targets]
    for key, pool in _setting_pools(idx, change.keys).items():
        kept = [(sig, v) for sig, v in pool if all(sig.sid in a for a in allowed) and in_scope(sig, scope)]
        if kept:
            pools[key] = kept
    # several params carry the setting ("sn_lr", "en_lr"): the plan's words may name the part
    named = {k: pool for k, pool in pools.items()
             if set(re.split(r"[_.\-/]+", k.lower())) & change.words - set(change.keys) - {"lr", "learning", "rate"}}
    return named or pools


def _change_hits(idx: HistoryIndex, pools: dict[str, list[tuple[ParamSig, float]]], change: Change
                 ) -> list[tuple[ParamSig, float, RunSnapshot | None, float | None, str]]:
    """The signatures holding the change: the asked value, a value in the asked range or past the asked bound, or
    a move the asked way (by the asked factor) from a reference run (the best, the first, the usual value)."""
    metric, goal = idx.metric_now()
    hits: list[tuple[ParamSig, float, RunSnapshot | None, float | None, str]] = []
    for key, pool in pools.items():
        if change.sign == 0 and change.value is not None:
            hits += [(sig, v, None, None, key) for sig, v in pool if lexicon.same_value(change.value, repr(v))]
            continue
        by_start = sorted(((sig, v) for sig, v in pool if sig.run_ids),
                          key=lambda sv: idx.run_by_id[sv[0].run_ids[0]].start)
        if not by_start:
            continue
        first_sig, first_v = by_start[0]
        first_run = idx.run_by_id[first_sig.run_ids[0]]
        if change.sign == 2:
            hits += [(sig, v, first_run, first_v, key) for sig, v in by_start if v != first_v]
            continue
        if change.sign == _RANGE and change.bound is not None and change.upper is not None:
            lo, hi = change.bound, change.upper
            hits += [(sig, v, None, None, key) for sig, v in by_start if lo <= v <= hi]
            continue
        if change.bound is not None:
            hits += [(sig, v, None, None, key) for sig, v in by_start if _moves(change.bound, v, change)]
            continue
        refs: list[tuple[RunSnapshot, float]] = []
        best = _best_in(idx, pool, metric, goal)
        if best is not None:
            refs.append(best)
        refs.append((first_run, first_v))
        counts: dict[float, int] = {}
        for sig, v in pool:
            counts[v] = counts.get(v, 0) + len(sig.run_ids)
        usual = max(counts, key=lambda v: counts[v])
        usual_sig = next(sig for sig, v in by_start if v == usual)
        refs.append((idx.run_by_id[usual_sig.run_ids[0]], usual))
        for ref_run0, ref_v0 in refs:
            got = [(sig, v, ref_run0, ref_v0, key) for sig, v in by_start if _moves(ref_v0, v, change)]
            if got:
                hits += got
                break
    return hits


def _change_run_ids(idx: HistoryIndex, change: Change, specific: set[str],
                    scope: dict[str, frozenset[str]] | None) -> set[str]:
    """The runs holding a change (every run of each signature that does)."""
    pools = _change_pools(idx, change, specific, scope)
    return {r.run_id for sig, *_ in _change_hits(idx, pools, change) for r in sig_runs(idx, sig)} if pools else set()


def _not_together(runs_hit: list[tuple[RunSnapshot, float, RunSnapshot | None, float | None, str]]) -> CheckResult:
    """No run holds every change the plan asks for: the runs holding the first are the closest."""
    runs_hit = sorted(runs_hit, key=lambda h: h[0].start)
    hit, v, _, _, key = runs_hit[0]
    summary = (f"run {hit.run_name or hit.run_id[:8]} by {hit.user or 'someone'} on {hit.start:%Y-%m-%d} "
               f"used {key}={fmt(v)}")
    return CheckResult(already_tried=False, message=(
        f"Not tried together: no run holds every setting the plan asks for; closest: {summary}."),
        matches=[CheckMatch(entry_id=None, run_ids=list(dict.fromkeys(h[0].run_id for h in runs_hit))[:3],
                            score=0.0, summary=summary, author=hit.user, at=hit.start)])


def _best_in(idx: HistoryIndex, pool: list[tuple[ParamSig, float]], metric: str | None, goal: str
             ) -> tuple[RunSnapshot, float] | None:
    """The best valid run (metric in force) among the signatures, with its setting value (per-signature
    bests are cached)."""
    if not metric:
        return None
    cache = idx.cache.setdefault(f"sigbest:{metric}:{goal}", {})
    assert isinstance(cache, dict)
    void = idx.void_runs()
    sign = -1.0 if goal == "max" else 1.0
    best: tuple[float, RunSnapshot, float] | None = None
    for sig, v in pool:
        if sig.sid not in cache:
            cand = [r for r in sig_runs(idx, sig) if idx.valid(r, metric) and r.run_id not in void]
            cache[sig.sid] = min(cand, key=lambda r: (sign * r.metrics[metric], r.start)) if cand else None
        r = cache[sig.sid]
        if r is not None:
            score = sign * r.metrics[metric]
            if best is None or score < best[0]:
                best = (score, r, v)
    return (best[1], best[2]) if best else None


def _moves(ref: float, v: float, change: Change) -> bool:
    if ref == 0 or ref * v < 0:
        return False
    if change.sign > 0 and not v > ref * (1 + 1e-9):
        return False
    if change.sign < 0 and not v < ref * (1 - 1e-9):
        return False
    if change.factor is not None:
        return abs(v / ref - change.factor) <= 0.25 * change.factor
    return True


def _change_words(change: Change, key: str) -> str:
    if change.sign == 0:
        number = lexicon.parse_number(change.value or "")
        return f"{key}={fmt(number) if number is not None else change.value}"
    if change.sign == 2:
        return f"{key} varied"
    if change.factor is not None:
        return f"{key} at {change.factor:g}x a run's value"
    if change.sign == _RANGE and change.bound is not None and change.upper is not None:
        return f"{key} between {fmt(change.bound)} and {fmt(change.upper)}"
    if change.bound is not None:
        return f"{key} {'above' if change.sign > 0 else 'below'} {fmt(change.bound)}"
    return f"a {'higher' if change.sign > 0 else 'lower'} {key} than the reference runs"
