"""A verdict on one value of a setting, told by the value's own identifier: "`contrastive_mse` does not work"
judges the option ``contrastive_mse`` of ``loss_type``, not contrastive losses as a whole, when the runs try more
than one value the concept word covers (``contrastive_mse`` and ``contrastive_cos_dist``). The line is named by the
author's identifier, so a closed line reads as what the notes gave up, and the family stays open for its other
values."""

from __future__ import annotations

import re

from narrative import vocab
from narrative.history_index import HistoryIndex

# an identifier joined by "_" or "-" from words ("contrastive_mse", "cos-dist"): at most a few parts, each a word
# of letters; bounded repetitions keep the scan linear on long input
_IDENT = re.compile(r"(?<![\w-])([A-Za-z][A-Za-z0-9]{1,30}(?:[_-][A-Za-z][A-Za-z0-9]{1,30}){1,4})(?![\w-])")


def _values_by_word(idx: HistoryIndex) -> dict[str, dict[str, set[str]]]:
    """For each run param key, its values that are joined identifiers, grouped by each word they hold
    (remembered for the index: the runs are read once)."""
    cached = idx.cache.get("joined_param_values")
    if isinstance(cached, dict):
        return cached
    out: dict[str, dict[str, set[str]]] = {}
    for r in idx.runs:
        for k, v in r.params.items():
            val = v.strip().lower()
            if not _IDENT.fullmatch(val):
                continue
            for w in re.split(r"[_-]", val):
                out.setdefault(k.lower(), {}).setdefault(w, set()).add(val)
    idx.cache["joined_param_values"] = out
    return out


def _shared_values(idx: HistoryIndex, by_key: dict[str, dict[str, set[str]]]) -> frozenset[str]:
    """The values that share a word with another value of their setting (remembered for the index)."""
    cached = idx.cache.get("shared_param_values")
    if isinstance(cached, frozenset):
        return cached
    shared = frozenset(v for values in by_key.values() for vals in values.values() if len(vals) >= 2 for v in vals)
    idx.cache["shared_param_values"] = shared
    return shared


def judged_value(idx: HistoryIndex, text: str, cid: str) -> str:
    """The identifier in ``text`` that holds the concept's word and is one of two or more values of one run
    setting that hold it ("contrastive_mse" beside "contrastive_cos_dist" in ``loss_type``), as written; "" when
    the concept is named on its own ("contrastive losses aren't better"), as a whole identifier ("lr_schedule"),
    or as the only value of its kind ("focal_loss" where no other value holds "focal")."""
    by_key = _values_by_word(idx)
    # Only an identifier that is one of several values holding one word can be judged: most notes hold none, and
    # finding the concept's spans costs more than finding identifiers (derive asks for every verdict and concept).
    shared = _shared_values(idx, by_key)
    idents = [m for m in _IDENT.finditer(text) if m.group(1).lower() in shared]
    if not idents:
        return ""
    spans = vocab.concepts_in_once(text).get(cid) or []
    if not spans:
        return ""
    for m in idents:
        ident = m.group(1)
        low = ident.lower()
        inside = [(s, e) for s, e in spans
                  if m.start(1) <= s and e <= m.end(1) and (s, e) != (m.start(1), m.end(1))]
        for s, e in inside:
            word = text[s:e].lower()
            # the concept's own word is a whole part of the identifier, and two or more values of one setting hold it
            if word not in re.split(r"[_-]", low):
                continue
            if any(low in values.get(word, set()) and len(values.get(word, set())) >= 2 for values in by_key.values()):
                return ident
    return ""
