"""Members of a model family named by a plan, for ``narrative.checking``.

Some concepts are families whose members are different things to try: HiFi-GAN and Tacotron are both
"TTS models", Whisper and its siblings share a family. A plan that names a member is answered only by a
candidate that names the same member; a candidate that holds the family through another member is the
closest variant, never the plan done ("HiFi-GAN" is not tried because a Tacotron ran).
"""

from __future__ import annotations

import re

from narrative import vocab
from narrative.concepts import CONCEPT_BY_ID
from narrative.history_index import HistoryIndex

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


_BRITISH = re.compile(r"our|is(?=e|ing|ation)")


def compact(text: str) -> str:
    """Lowercase letters and digits only: "HiFi-GAN", "hifi_gan" and "hifigan" read the same, and so do the
    British and American spellings ("nearest neighbours", "nearest neighbors"; "normalise", "normalize")."""
    return _BRITISH.sub(lambda m: "or" if m.group(0) == "our" else "iz", _NON_ALNUM.sub("", text.lower()))


def plan_members(head: str) -> dict[str, frozenset[str]]:
    """Family concept -> the members (its aliases, compacted) the plan names by their own name.

    A family mentioned only by its generic word ("a vocoder", "some transformer") names no member and is
    left out: any member answers it."""
    normed = vocab.norm(head)
    out: dict[str, frozenset[str]] = {}
    for cid, spans in vocab.concepts_in(head).items():
        concept = CONCEPT_BY_ID.get(cid)
        if concept is None or not concept.family or not concept.aliases:
            continue
        aliases = {compact(a) for a in concept.aliases} - {""}
        surfaces = {compact(normed[a:b]) for a, b in spans}
        found: set[str] = set()
        for s in surfaces:
            hits = [a for a in aliases if s.startswith(a)]
            # the longest alias names the member ("resnet50", not "resnet"); a depth the aliases lack
            # ("resnet152") is a member by its own name
            top = max(hits, key=len, default="")
            if top and re.fullmatch(re.escape(top) + r"\d+", s):
                top = s
            if top:
                found.add(top)
        named = frozenset(found)
        # the family's own name among its aliases ("gan" for GANs) is no member
        if named and named != {compact(cid)}:
            out[cid] = named
    return out


def other_member(members: dict[str, frozenset[str]], cover: frozenset[str] | set[str], text: str) -> bool:
    """Whether the candidate holds a planned family only through members the plan does not name."""
    if not members:
        return False
    flat = compact(text)
    return any(cid in cover and not any(a in flat for a in named) for cid, named in members.items())


def run_text(idx: HistoryIndex, run_id: str) -> str:
    run = idx.run_by_id[run_id]
    return " ".join([run.run_name or "", *(f"{k} {v}" for k, v in run.params.items())])
