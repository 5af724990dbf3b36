"""A trouble that went down or went away is a gain ("resulted in noticeably less overfitting", "the
overfitting we were seeing before went away", "the NaNs are gone"): the failure word names what was
remedied, not what happened. ``narrative.reading`` masks both as a remedy before reading cues.

The trouble words are the same whether it shrinks or ends; the shapes are two: a quantity word before
the trouble ("less", "fewer", "reduced"), or the trouble as the subject of a verb of ending ("went
away", "disappeared", "is gone", "vanished", "stopped") within a few words (a relative clause between:
"the spikes we saw at step 2k disappeared"). The mirror, a trouble that "persists" or "remains", is a
failure (``reading``'s bad words).

A trouble can also name the case a thing is for, not what happened: "useful for big nets that
overfit", "helps on runs that diverge early", "a suspect for when GPU utilization fails to reach 100%".
A relative or "when" clause after a preposition describes the noun it follows; ``mask_conditions`` drops
it so that only what the sentence says of the thing itself is read as its verdict.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TROUBLE = (r"(?:overfitting|overfit|variance|noise|noisy|artifacts?|artefacts?|errors?|instability|jitter|blur\w*|"
            r"oscillat\w*|forgetting|hallucinat\w*")
_LESS_TROUBLE = re.compile(
    # "barely any overfitting", "almost no artifacts": the trouble all but gone
    r"\b(?:less|reduced|lower|fewer|decreased|reduces|reducing|much\s+less|noticeably\s+less|(?:barely|hardly|scarcely)\s+any|"
    r"almost\s+no|very\s+little)\s+(?:\w+\s+)?"
    rf"{_TROUBLE})\b")
# "overfits less", "oscillating much less": the trouble first, the quantity after it.
_TROUBLE_LESS = re.compile(rf"\b{_TROUBLE}|diverg\w*)(?:s|es)?\s{{1,3}}(?:much\s{{1,3}}|a\s{{1,3}}lot\s{{1,3}})?"
                           r"(?:less|fewer)\b(?!\s{1,3}than)")
# The subject and its verb a few words apart at most; every gap bounded (issue 11).
_TROUBLE_ENDED = re.compile(
    rf"\b{_TROUBLE}|spikes?|nans?|divergence|crash(?:es)?|ooms?|collapse|problems?|issues?|bugs?|gap)\b"
    r"(?:\s{1,3}[\w'’-]{1,24}){0,6}?\s{1,3}"
    r"(?:went\s{1,3}away|go(?:es)?\s{1,3}away|gone\s{1,3}away|disappear(?:ed|s)?|vanish(?:ed|es)?|"
    r"(?:is|are|was|were)\s{1,3}(?:all\s{1,3}|completely\s{1,3}|now\s{1,3})?gone|"
    r"(?:has|have)\s{1,3}(?:now\s{1,3})?(?:gone\s{1,3}away|disappeared|vanished))\b")

# "no more spikes", "no longer any NaNs": the trouble ended ("no more than noise" measures, it ends nothing).
_NO_MORE_TROUBLE = re.compile(rf"\bno\s{{1,3}}(?:more|longer\s{{1,3}}any)\s{{1,3}}(?!than\b)(?:[\w-]{{1,20}}\s{{1,3}})?"
                              rf"{_TROUBLE}|spikes?|nans?|crash(?:es)?|ooms?|divergence|collapses?)\b")


# "Overfitting occurs much later with augmentations", "divergence sets in later": the trouble put off.
_TROUBLE_LATER = re.compile(rf"\b{_TROUBLE}|diverg\w*|collapse)\s{{1,3}}(?:occurs?|happens?|starts?|begins?|"
                            r"sets?\s{1,3}in|kicks?\s{1,3}in|shows?\s{1,3}up|appears?|comes?)\s{1,3}(?:much\s{1,3}|a\s{1,3}lot\s{1,3}|"
                            r"way\s{1,3}|far\s{1,3})?later\b")


def mask_remedied(lowered: str) -> str:
    """``lowered`` with each trouble that shrank, ended or was put off read as "fixed it"."""
    lowered = _TROUBLE_LATER.sub(" fixed it ", lowered)
    lowered = _NO_MORE_TROUBLE.sub(" fixed it ", lowered)
    return _TROUBLE_ENDED.sub(" fixed it ", _TROUBLE_LESS.sub(" fixed it ", _LESS_TROUBLE.sub(" fixed it ", lowered)))


# A preposition, the noun phrase it governs (a few words), then "that/which/where/who ..." or "when ...",
# to the end of the clause. Every repeat bounded (issue 11).
_CONDITION = re.compile(r"\b(?P<head>(?:for|on|with|in|against|to)\s{1,3}(?:[\w'`.,\-]{1,30}\s{1,3}){0,4}?)"
                        r"(?P<clause>(?:that|which|where|who|when|whenever)\s{1,3}[^,;:.!?]{1,120}?)"
                        r"(?=[,;:.!?]|\s(?:but|so)\s|$)")
# What makes such a clause a condition: it names a trouble ("the run with X that went well" is a report).
_CASE_TROUBLE = re.compile(rf"\b{_TROUBLE}|diverg\w*|fail\w*|crash\w*|nans?|ooms?|collaps\w*|explod\w*|"
                           r"struggl\w*|stuck|(?:not|n't)\s{1,3}(?:\w{1,20}\s{1,3})?(?:work|converg|learn|train)\w*)\b")


def mask_conditions(lowered: str) -> str:
    """``lowered`` without the clauses that say which cases a thing is for ("for nets that overfit")."""
    return _CONDITION.sub(lambda m: m.group("head") if _CASE_TROUBLE.search(m.group("clause")) else m.group(0),
                          lowered)


# A failure and its fix told on one line: "The loss diverged, so I lowered lr to 1e-4", "Original LR too big and the
# loss diverged, lowered it to 1e-4 and it converges". The change after the failure is what was tried next, not part
# of the failure: the line reads as two clauses, so the failure does not judge the fix, and the fix's own outcome
# counts.
_FIX_VERBS = (r"(?:lowered|raised|reduced|increased|decreased|added|removed|switched|changed|tried|set|dropped|"
              r"disabled|enabled|restarted|reran|re-ran|retrained|halved|doubled|bumped|clipped|replaced|swapped)")
_REMEDY_TURN = re.compile(
    r"(?:,\s{0,3}|(?<![\s,])\s{1,3})(?:so|then|and\s{1,3}so)\s{1,3}(?=(?:i|we)\s{1,3}(?:\w{1,12}ly\s{1,3}|then\s{1,3}|"
    rf"also\s{{1,3}}|just\s{{1,3}})?{_FIX_VERBS}\b)|,\s{{1,3}}(?:then\s{{1,3}}|so\s{{1,3}})?(?=(?:i\s{{1,3}}|we\s{{1,3}})?"
    rf"{_FIX_VERBS}\s)", re.IGNORECASE)


def split_at_remedy(clause: str, failed: Callable[[str], bool]) -> list[str]:
    """The clause, or its failure and the fix told after it (when ``failed`` says the part before the turn failed)."""
    turn = _REMEDY_TURN.search(clause)
    if not turn or not failed(clause[: turn.start()]):
        return [clause]
    head, fix = clause[: turn.start()].strip(" ,"), clause[turn.end():].strip(" ,")
    return [head, fix] if head and fix else [clause]
