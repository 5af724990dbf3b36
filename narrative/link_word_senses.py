"""A group's one word that reads as two things among the runs it fits: "the cosine runs" where one run has
``scheduler=cosine`` and another ``loss=cosine_sim``. The word is the whole value of a setting in some runs and only a
part of another setting's compound value in others: a cosine schedule and a cosine-similarity loss are not one family,
and which the person meant the words do not say, so the group names none of them (say less)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from narrative.link_evidence import RunProfile


def _tokens(value: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", value.strip().lower()) if t]


def two_senses(word: str, members: Iterable[RunProfile]) -> bool:
    """Whether ``word`` is a setting's whole value in some of ``members`` and a part of another setting's compound
    value (and no setting's whole value) in others."""
    forms = {word, word[:-1]} if word.endswith("s") and len(word) > 3 else {word}
    whole_keys: set[str] = set()
    part_keys: set[str] = set()
    for member in members:
        params = member.run.params
        whole = {k for k, v in params.items() if v.strip().lower() in forms}
        if whole:
            whole_keys |= whole
            continue
        part_keys |= {k for k, v in params.items() if forms & set(_tokens(v))}
    return bool(whole_keys) and bool(part_keys - whole_keys)
