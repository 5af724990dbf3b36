"""What runs offer to match against, shared by every run with the same params: ``ParamSig`` (one per
distinct set of params, with its concepts, tokens and model family), its value components (``Part``) and
``RunDoc`` (a run with its signature and what its name adds).

100k runs have a few thousand signatures, so concepts and tokens are computed once per signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from narrative import vocab
from narrative.statements import tokset
from storage.records import RunSnapshot

EMPTY: frozenset[str] = frozenset()


@dataclass(slots=True, eq=False)
class Part:
    """One param value component ("raw_v1+velocity_1h" -> two parts): its concepts and tokens."""

    concepts: frozenset[str]
    cover: frozenset[str]
    toks: frozenset[str]


@dataclass(slots=True, eq=False)
class ParamSig:
    """The params shared by every run with exactly these params (100k runs have a few thousand)."""

    sid: int
    items: tuple[tuple[str, str], ...]
    concepts: frozenset[str]
    cover: frozenset[str]
    toks: frozenset[str]
    family: str
    fam_toks: frozenset[str]
    parts: tuple[Part, ...]
    run_ids: list[str] = field(default_factory=list)

    def toks_near(self, near: set[str] | frozenset[str]) -> set[str]:
        out = set(self.fam_toks)
        for p in self.parts:
            if not p.cover.isdisjoint(near):
                out |= p.toks
        return out


@dataclass(slots=True, eq=False)
class RunDoc:
    run: RunSnapshot
    sig: ParamSig
    name_concepts: frozenset[str] = EMPTY  # what the run name adds to its params
    name_cover: frozenset[str] = EMPTY
    name_toks: frozenset[str] = EMPTY

    @property
    def concepts(self) -> frozenset[str]:
        return self.sig.concepts | self.name_concepts if self.name_concepts else self.sig.concepts

    @property
    def cover(self) -> frozenset[str]:
        return self.sig.cover | self.name_cover if self.name_cover else self.sig.cover

    @property
    def toks(self) -> frozenset[str]:
        return self.sig.toks | self.name_toks if self.name_toks else self.sig.toks

    @property
    def family(self) -> str:
        return self.sig.family

    def toks_near(self, concepts: set[str] | frozenset[str]) -> set[str]:
        """Tokens of the param components that mention one of ``concepts`` (plus model and name)."""
        return self.sig.toks_near(concepts) | self.name_toks


@lru_cache(maxsize=1 << 16)
def _part(key: str, comp: str) -> Part:
    text = f"{key} {comp}"
    # what the key itself names ("noisy": "factorized" is about noisy nets) belongs to the part too
    cs = vocab.concept_frozenset(text) | vocab.param_value_concepts(key, comp)
    return Part(cs, vocab.cover(cs), frozenset(vocab.tokens(text)))


def model_family(run: RunSnapshot) -> str:
    return family_of(tuple(run.params.items()))


def family_of(items: tuple[tuple[str, str], ...]) -> str:
    for key in vocab.MODEL_KEYS:
        for k, v in items:
            if k.lower() == key and v:
                return v.lower()
    return ""


def make_sig(sid: int, items: tuple[tuple[str, str], ...]) -> ParamSig:
    """The signature of a set of params (in tracker order), numbered ``sid``."""
    concepts: set[str] = set()
    toks: set[str] = set()
    parts: list[Part] = []
    for k, v in items:
        concepts |= vocab.param_value_concepts(k, v)
        if vocab.is_null_param(k, v):
            continue
        toks |= tokset(f"{k} {v}")
        if len(v) > 200:
            continue
        for comp in re.split(r"[+,;|]", v):
            parts.append(_part(k, comp))
    fam = family_of(items)
    cs = frozenset(concepts)
    return ParamSig(sid, items, cs, vocab.cover(cs), frozenset(toks), fam, tokset(fam), tuple(parts))
