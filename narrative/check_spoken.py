"""Settings as people say them: a run key of one letter named by its spoken name ("rank" for PEFT's ``r``), a
setting's spoken name said apart from the method it belongs to ("LoRA on the MLP with a rank lower than 8"), and move
words that are part of a name ("down_proj"). Split from ``narrative.check_settings``.
"""

from __future__ import annotations

import functools
import re

from narrative import lexicon, vocab


@functools.lru_cache(maxsize=1024)
def spoken_names(key: str) -> frozenset[str]:
    """A key with no word of its own (a single letter: ``r``, ``q``) is named by the spoken setting names whose
    key spellings list it exactly ("rank" for ``r``, "quantile" for ``q``); any other key keeps only its words."""
    low = key.lower()
    if len(low) > 2:
        return frozenset()
    return frozenset(vocab.stem(w) for spoken, keys in lexicon.PARAM_ALIASES.items() if low in keys
                     for w in spoken.split() if len(w) >= 2 and w != low)


# a move word glued to a name by an underscore is part of an identifier ("down_proj", "up_proj", "low_rank")
GLUED_MOVE = re.compile(r"\b(up|down|low|high|lower|higher|more|less)_(?=[a-z])", re.I)


def spoken_setting(head: str, cid: str, a: int, b: int) -> tuple[int, int] | None:
    """The span of a setting's spoken name ("rank") said after a concept named by the method's own name ("LoRA"),
    within its clause and a few words: the concept's own words are no setting name ("lora" is not a spoken key)."""
    if head[a:b] in lexicon.PARAM_ALIASES:
        return None
    keys = set(vocab.CONCEPT_BY_ID[cid].param_keys)
    tail = _CLAUSE_END.split(head[b: b + 60], maxsplit=1)[0]
    for m in _SPOKEN_WORD.finditer(tail):
        if keys & set(lexicon.PARAM_ALIASES[m.group(0)]):
            return b + m.start(), b + m.end()
    return None


# spoken setting names of three letters or more ("rank", "alpha"), and where a clause ends
_SPOKEN_WORD = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in lexicon.PARAM_WORDS if len(w) > 2) + r")\b")
_CLAUSE_END = re.compile(r"[.;,:]|\b(?:and|but|then)\b")
