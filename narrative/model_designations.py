"""A model family named with its designation ("ViT-B/16", "EfficientNet-B3", "bert-large-cased", "GPT-2 medium",
"resnet50", "VGG-19"), read through the concept table, for ``narrative.checking``.

Why: model families come in members named by a size word or letter, a number (depth, patch size, compound
index, version) and, for some text models, their casing. A plan for one member is not answered by a note or a run
that names the family only as other members: "ViT-B/32" is not "ViT-B/16", "EfficientNet-B0" is not "-B3",
"bert-large-cased" is not "bert-large-uncased". ``narrative.check_sizes`` reads the size word alone and
``narrative.plan_depths`` ResNet short forms alone; this reads the whole designation of every family the concept
table knows (its aliases: "vit", "efficientnet"/"effnet", "bert", "gpt"/"gpt2", "resnet", "vgg", ...), the same
way for each.

A mention with no designation ("the ViT runs") says nothing either way; a vaguer mention ("bert-large") is read
as the fuller one the same text gives for it ("bert-large-uncased"), if there is one. Only what both name is
compared: a size against a size, casing against casing, numbers against numbers (no shared number is another
member: ``ViT_base_patch16_384`` is a B/16).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from narrative.concepts import CONCEPTS

_SIZE_WORDS = {"tiny": "tiny", "small": "small", "base": "base", "medium": "medium", "large": "large",
               "huge": "huge", "giant": "giant", "xl": "xl", "xxl": "xxl", "mini": "mini", "nano": "nano"}
_SIZE_LETTERS = {"t": "tiny", "s": "small", "b": "base", "m": "medium", "l": "large", "h": "huge", "g": "giant"}
# one part of a designation: a size word, a size letter with or without a number ("b", "b3", "l16"), a patch
# size ("patch16"), a version ("v2"), a casing, or a bare number
_PART = (r"(?:tiny|small|base|medium|large|huge|giant|xxl|xl|mini|nano|uncased|cased|patch\d{1,3}|v\d{1,2}"
         r"|[tsbmlhg]\d{0,3}|\d{1,4})")
# a bare number after a space is a count of something else when a unit follows ("effnet 5 epochs")
_PARTS = re.compile(r"([-_/ ])(" + _PART + r")(?![a-z0-9]|[.,]\d)")
# families the table names members of by a bare number ("resnet50", "vgg16", "gpt2"); in the others a number
# after the name is a run's count ("catboost-24", "xgboost-3")
_NUMBERED: set[str] = set()
_UNIT = re.compile(r" ?(?:epochs?|runs?|steps?|gpus?|times|x\b|%|k\b|m\b)")


@dataclass(frozen=True)
class Designation:
    size: str = ""
    case: str = ""
    numbers: frozenset[str] = frozenset()

    def parts(self) -> set[str]:
        return {c for c, v in (("size", self.size), ("case", self.case), ("numbers", self.numbers)) if v}


@lru_cache(maxsize=1)
def _stems() -> tuple[dict[str, str], re.Pattern[str]]:
    """Family stem (an alias with its trailing digits cut) -> concept id, and a regex finding them."""
    stems: dict[str, str] = {}
    for c in CONCEPTS:
        if not c.family:
            continue
        for a in (c.id, *c.aliases):
            a = a.lower()
            if not re.fullmatch(r"[a-z][a-z0-9]*", a):
                continue
            stem = re.sub(r"\d+$", "", a)
            if len(stem) >= 3:
                stems.setdefault(stem, c.id)
            if stem != a:
                _NUMBERED.add(c.id)
    alts = "|".join(sorted(map(re.escape, stems), key=len, reverse=True))
    # the stem, then its glued digits ("resnet50", "gpt2"), then up to four parts, each after "-", "_", "/" or
    # a space (a space before a bare number only right after the stem: "resnet 101", "gpt 2 medium")
    pat = re.compile(r"(?<![a-z0-9])(" + alts + r")(\d{0,4})((?:[-_/ ]" + _PART + r"(?![a-z0-9]|[.,]\d)){0,4})")
    return stems, pat


def _read(low: str, start: int, glued: str, tail: str, numbered: bool) -> Designation:
    size = case = ""
    numbers: set[str] = {glued.lstrip("0") or "0"} if glued and numbered else set()
    letter = False
    for i, mm in enumerate(_PARTS.finditer(tail)):
        sep, p = mm.group(1), mm.group(2)
        letter, was_letter = False, letter
        if p.isdigit() and sep == " " and _UNIT.match(low, start + mm.end()):
            break  # "effnet 5 epochs": a count of something else
        if p in _SIZE_WORDS:
            size = size or _SIZE_WORDS[p]
        elif p in ("cased", "uncased"):
            case = case or p
        elif p.startswith("patch"):
            numbers.add(p[5:].lstrip("0") or "0")
        elif p[0] == "v" and p[1:].isdigit():
            numbers.add(p)
        elif p in ("l1", "l2"):
            break  # "ridge-l2", "lasso_l1": a norm, not a large model
        elif p[0] in _SIZE_LETTERS:
            size = size or _SIZE_LETTERS[p[0]]
            if p[1:]:
                numbers.add(p[1:].lstrip("0") or "0")
            letter = not p[1:]
        elif p.isdigit():
            # a number is a member's in a numbered family, or right after a size letter ("ViT-B/16", "ViT-L 16")
            if not (numbered or was_letter) or (sep == " " and (i > 0 or glued) and not was_letter):
                break
            numbers.add(p.lstrip("0") or "0")
    return Designation(size, case, frozenset(numbers))


def designations(text: str) -> dict[str, list[Designation]]:
    """Family concept id -> the designations the text names it with (empty ones dropped)."""
    stems, pat = _stems()
    low = text.lower()
    out: dict[str, list[Designation]] = {}
    for m in pat.finditer(low):
        cid = stems[m.group(1)]
        d = _read(low, m.start(3), m.group(2), m.group(3), cid in _NUMBERED)
        if d.parts():
            out.setdefault(cid, []).append(d)
    return out


def _agree(a: Designation, b: Designation, on: set[str]) -> bool:
    """Whether ``a`` and ``b`` agree on the parts in ``on`` that both name."""
    if "size" in on and a.size and b.size and a.size != b.size:
        return False
    if "case" in on and a.case and b.case and a.case != b.case:
        return False
    return not ("numbers" in on and a.numbers and b.numbers and not a.numbers & b.numbers)


def designation_off(plan: dict[str, list[Designation]], text: str) -> bool:
    """Whether ``text`` names a family the plan designates only as other members of it."""
    if not plan:
        return False
    got = designations(text)
    for cid, wants in plan.items():
        seen = got.get(cid)
        if not seen:
            continue
        want = wants[0]
        on = want.parts()
        fits = []
        for d in seen:
            if not _agree(want, d, on):
                continue
            lacks = on - d.parts()
            # a vaguer mention ("bert-large") is read as a fuller one the same text gives for it
            fuller = [e for e in seen if e is not d and lacks & e.parts() and _agree(d, e, d.parts())]
            if lacks and fuller and not any(_agree(want, e, on) for e in fuller):
                continue
            fits.append(d)
        if not fits:
            return True
    return False
