"""Runs measured under another evaluation protocol than the project's own.

A team that reports scaffold-split numbers and runs one config on a random split "as a sanity check" has
a run whose metric is not comparable: a random split leaks near-duplicates into validation and reads far
better. Such a run is never "the best" (nor a family's best): it answers a different question. The
protocol is read from the runs' split params (``split``, ``split_type``, ``data_split``, ``splitter``...)
with a named, non-numeric value that names a method (scaffold, random, temporal), not a set (dev, test); the
project's protocol is the value most runs hold, and only a clear majority (two runs or more, more than any
other value) makes the others off-protocol. Runs without the param are taken as on-protocol: nothing says
otherwise.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from storage.records import RunSnapshot

_SPLIT_WORDS = frozenset({"split", "splits", "splitter", "splitting", "split_type", "eval_protocol"})
# "split_heads", "split_size", "num_splits", "val_split" = 0.2: a model option or a fraction, not the protocol
_NOT_PROTOCOL = frozenset({"heads", "head", "size", "sizes", "ratio", "frac", "fraction", "pct", "percent", "seed",
                           "num", "n", "k", "count", "idx", "index", "batch", "batches", "chunks", "layers", "layer"})
_NUMBER = re.compile(r"[-+]?\d*\.?\d+(e[-+]?\d+)?%?")
_FLAG = frozenset({"true", "false", "none", "null", "yes", "no", ""})
# split=test beside split=dev names which set a run was scored on: a final model's test number is its report,
# not a run from another protocol
_SET_NAMES = frozenset({"train", "training", "dev", "devel", "development", "val", "valid", "validation", "test",
                        "testing", "holdout", "hold out", "eval", "evaluation", "public", "private", "lb", "oof"})


@lru_cache(maxsize=4096)  # a project has few distinct keys, read for every run (600k calls at 100k runs)
def is_protocol_key(key: str) -> bool:
    words = [w for w in re.split(r"[\s_\-./]+", key.lower()) if w]
    return bool(words) and any(w in _SPLIT_WORDS for w in words) and not any(w in _NOT_PROTOCOL for w in words)


def _protocol_value(value: str) -> str | None:
    v = value.strip().lower()
    if v in _FLAG or v in _SET_NAMES or _NUMBER.fullmatch(v):
        return None
    return v


def off_protocol(runs: Iterable[RunSnapshot]) -> frozenset[str]:
    """Ids of the runs whose split param names another value than the clear majority's."""
    by_key: dict[str, list[tuple[str, str]]] = {}
    for run in runs:
        for key, value in run.params.items():
            if is_protocol_key(key) and (named := _protocol_value(value)) is not None:
                by_key.setdefault(key.lower(), []).append((run.run_id, named))
    out: set[str] = set()
    for held in by_key.values():
        counts = Counter(v for _, v in held).most_common()
        if len(counts) < 2:
            continue
        (top, n), (_, second) = counts[0], counts[1]
        if n >= 2 and n > second:
            out.update(rid for rid, v in held if v != top)
    return frozenset(out)
