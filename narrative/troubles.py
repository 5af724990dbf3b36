"""A trouble that went down or went away is a gain ("resulted in noticeably less overfitting", "the
overfitting we were seeing before went away", "the NaNs are gone"): the failure word names what was
remedied, not what happened. ``narrative.reading`` masks both as a remedy before reading cues.

The trouble words are the same whether it shrinks or ends; the shapes are two: a quantity word before
the trouble ("less", "fewer", "reduced"), or the trouble as the subject of a verb of ending ("went
away", "disappeared", "is gone", "vanished", "stopped") within a few words (a relative clause between:
"the spikes we saw at step 2k disappeared"). The mirror, a trouble that "persists" or "remains", is a
failure (``reading``'s bad words).
"""

from __future__ import annotations

import re

_TROUBLE = (r"(?:overfitting|overfit|variance|noise|noisy|artifacts?|artefacts?|errors?|instability|jitter|blur\w*|"
            r"oscillat\w*|forgetting|hallucinat\w*")
_LESS_TROUBLE = re.compile(
    r"\b(?:less|reduced|lower|fewer|decreased|reduces|reducing|much\s+less|noticeably\s+less)\s+(?:\w+\s+)?"
    rf"{_TROUBLE})\b")
# The subject and its verb a few words apart at most; every gap bounded (issue 11).
_TROUBLE_ENDED = re.compile(
    rf"\b{_TROUBLE}|spikes?|nans?|divergence|crash(?:es)?|ooms?|collapse|problems?|issues?|bugs?|gap)\b"
    r"(?:\s{1,3}[\w'’-]{1,24}){0,6}?\s{1,3}"
    r"(?:went\s{1,3}away|go(?:es)?\s{1,3}away|gone\s{1,3}away|disappear(?:ed|s)?|vanish(?:ed|es)?|"
    r"(?:is|are|was|were)\s{1,3}(?:all\s{1,3}|completely\s{1,3}|now\s{1,3})?gone|"
    r"(?:has|have)\s{1,3}(?:now\s{1,3})?(?:gone\s{1,3}away|disappeared|vanished))\b")


def mask_remedied(lowered: str) -> str:
    """``lowered`` with each trouble that shrank or ended read as "fixed it"."""
    return _TROUBLE_ENDED.sub(" fixed it ", _LESS_TROUBLE.sub(" fixed it ", lowered))
