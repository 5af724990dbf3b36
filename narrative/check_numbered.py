"""A name with a number the plan gives ("CIFAR-100", "WMT 14", "float 16") where a run logs the same name with
another number ("cifar10", "wmt16_en_de", "float32"): the run holds another value of that thing, so it did a
variant, not the plan. The same name and number written glued, apart or with a hyphen is one value ("cifar10",
"CIFAR 10", "cifar-10"). Only names of three letters or more (not "fp16", "b3", "v100") and whole numbers (not
"llama 3.1", "adam 0.9").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping

# a name then its number, glued or apart: "cifar-100", "imagenet 21k", "wmt14"; never a decimal's first digits
_PAIR = re.compile(r"(?<![\w.])([a-z]{3,12})[\s_\-]?(\d{1,4}k?)(?![\w]|\.\d)")
_TOKEN = re.compile(r"([a-z]{3,12})(\d{1,4}k?)")


def numbered_names(head: str) -> frozenset[tuple[str, str]]:
    """The (name, number) pairs a plan's main clause gives ("fine-tune on CIFAR-100": ("cifar", "100"))."""
    return frozenset((m.group(1), m.group(2)) for m in _PAIR.finditer(head.lower()))


def _value_pairs(value: str) -> set[tuple[str, str]]:
    parts = [p for p in re.split(r"[^a-z0-9]+", value.lower()) if p]
    got = {(m.group(1), m.group(2)) for p in parts if (m := _TOKEN.fullmatch(p))}
    # "cifar-10" split at the hyphen: a name part then a number part
    got |= {(a, b) for a, b in itertools.pairwise(parts)
            if re.fullmatch(r"[a-z]{3,12}", a) and re.fullmatch(r"\d{1,4}k?", b)}
    return got


def numbered_value_off(pairs: frozenset[tuple[str, str]], params: dict[str, str]) -> bool:
    """Whether a run's params give one of the plan's names only with other numbers (the plan's "CIFAR-100", the
    run's dataset=cifar10) and none with the plan's own."""
    if not pairs:
        return False
    held: set[tuple[str, str]] = set()
    for v in params.values():
        held |= _value_pairs(v)
    for name, num in pairs:
        others = [k for n, k in held if n == name]
        if others and all(_differs(num, k) for k in others):
            return True
    return False


def _form(num: str) -> tuple[str, int]:
    """A number's kind and value: a count in thousands ("21k"), a year ("2007": 7, as "07" says it) or plain."""
    if num.endswith("k"):
        return "k", int(num[:-1] or 0)
    n = int(num)
    return ("year", n % 100) if 1900 <= n <= 2099 else ("plain", n)


def _differs(a: str, b: str) -> bool:
    """Whether two numbers after one name are surely other values: of one kind and unequal, or a year against a
    two-digit number ("voc07" is voc2007, "wmt14" is not wmt2016); a year against a size ("imagenet2012" and
    "ImageNet-1k") may name the same thing, so they never differ."""
    (ka, va), (kb, vb) = _form(a), _form(b)
    if ka == kb:
        return va != vb
    if {ka, kb} == {"year", "plain"}:
        plain, year = (a, vb) if ka == "plain" else (b, va)
        return len(plain) <= 2 and int(plain) != year
    return False


def numbered_scope(pairs: frozenset[tuple[str, str]], values: Mapping[str, Iterable[str]]
                   ) -> dict[str, frozenset[str]]:
    """param key -> its logged values that are not another number of the plan's named things, for each key where
    some value is ("dataset": no value when every run logged cifar10 and the plan says CIFAR-100): a scope in the
    sense of ``check_scope.plan_scope``, so that a change read from the plan's settings ("CIFAR-100 for 40 epochs")
    is looked for only in runs on the plan's own value."""
    if not pairs:
        return {}
    # a pair some logged value may already give (the plan's "ImageNet-1k", a run's dataset=imagenet2012) is read
    # run by run (``numbered_value_off`` over all of a run's params), never as a scope of one key
    given = {(n, k) for vs in values.values() for v in vs for n, k in _value_pairs(v)}
    pairs = frozenset(p for p in pairs if not any(n == p[0] and not _differs(p[1], k) for n, k in given))
    if not pairs:
        return {}
    names = {n for n, _ in pairs}
    out: dict[str, frozenset[str]] = {}
    for k, vs in values.items():
        # only values that hold one of the names at all are read (a key of numbers is skipped at once)
        off = {v for v in vs if any(n in v.lower() for n in names) and numbered_value_off(pairs, {k: v})}
        if off:
            out[k] = frozenset(set(vs) - off)
    return out
