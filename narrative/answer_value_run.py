"""A run named by the one setting value that sets it apart (issue 8, round 16).

"Who ran the 2e-5 run?" names a run the way a thread does: by the value that distinguishes it (the learning rate
2e-5 in a learning-rate thread), not by a word of its name (lr2e-5 spells it inside a longer word, and a value is
no name word). When exactly one run holds that value in one of its params, that run is the one named; when
several do ("the 3e-4 run" of four runs at 3e-4), the question does not single one out and nothing is named.
Values compare as numbers when both parse ("2e-5" is 0.00002), as text otherwise.
"""

from __future__ import annotations

import math
import re

from narrative.history_index import HistoryIndex
from storage.records import RunSnapshot

# a value as a thread writes one: a number ("2e-5", "650", "0.5") or a short token with a digit ("r64", "bs256")
_VALUE = re.compile(r"[a-z0-9][a-z0-9.\-+]{0,24}", re.I)


def _num(s: str) -> float | None:
    try:
        x = float(s)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def value_named_run(idx: HistoryIndex, word: str) -> RunSnapshot | None:
    """The one run whose params hold ``word`` as a value (a number equal to it, or the same text); None when no
    run or more than one does, or when the word holds no digit (a word is a name's business, not a value's)."""
    w = word.strip().lower()
    if not _VALUE.fullmatch(w) or not any(c.isdigit() for c in w):
        return None
    wn = _num(w)
    found: list[RunSnapshot] = []
    for r in idx.runs:
        for v in r.params.values():
            sv = str(v).strip().lower()
            vn = _num(sv) if wn is not None else None
            if sv == w or (wn is not None and vn is not None and math.isclose(wn, vn, rel_tol=1e-9, abs_tol=0.0)):
                found.append(r)
                break
        if len(found) > 1:
            return None
    return found[0] if found else None
