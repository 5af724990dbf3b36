"""What in a clause holds a verdict back: a doubt about a result, a cost called negligible, a guess at a cause.

Split from ``narrative.reading`` (at its size limit), which reads these before its verdict cues.
"""

from __future__ import annotations

import re

# a clause of its own (its own subject, not "it"/"that" nor a bare verdict) that ends on a hedge: a guess at a cause
HEDGED_CAUSE_TAIL = re.compile(
    r"[,;]\s+(?!(?:it|this|that|they|which|so|and|but|not|no|didn'?t|did|doesn'?t|does|was|wasn'?t|is|isn'?t|worse|"
    r"better|hurt|helped|slightly|a\s+bit|much|way|still)\b)[a-z][^,;]{6,}?\s(?:so|because|since|as)\s[^,;]{4,}?\s"
    r"(?:i\s+think|i\s+guess|i\s+suspect|i\s+reckon|i\s+believe|probably|imo)\s*[.!]*\s*$")
WORRY = re.compile(r"\b(?:(?:is|are|was|were|looks?|seems?)\s+(?:a\s+bit\s+|kind\s+of\s+|slightly\s+)?(?:worrying|"
                    r"concerning|suspicious|sketchy|fishy)|too\s+good\s+to\s+be\s+true|(?:i'?m|we'?re)\s+(?:a\s+bit\s+)?"
                    r"(?:worried|suspicious|skeptical|sceptical)|(?:don'?t|do\s+not)\s+trust\s+(?:it|this|that|them|the)\s+"
                    r"(?:\w+\s+)?yet)\b")
# "reranking only the top 50 costs almost nothing": a negligible cost is no failure
NEGLIGIBLE_COST = re.compile(r"\b(?:costs?|cost\s+(?:us|me)|loses?|lost|sacrific(?:es?|ed))\s+(?:almost|basically|"
                              r"next\s+to|virtually|practically|close\s+to)\s+nothing\b")


def negligible_cost(clause: str) -> bool:
    """Whether a clause calls what a change gave up negligible ("costs almost nothing"): a small drop the person
    weighed and accepted, which the tracker's numbers do not turn into a failure."""
    return bool(NEGLIGIBLE_COST.search(clause.lower()))


# outcomes told outright: beside them a doubt ("dropout hurt, which is worrying") leaves the verdict standing
_OUTCOME_TOLD = re.compile(r"\b(?:worse|worst|hurt|hurts|no\s+(?:gain|better|improvement)|didn'?t\s+help|"
                           r"did\s+not\s+help|failed|diverged|dropped|helped|improved|better)\b")


def doubt_only(clause: str) -> bool:
    """Whether a clause doubts a result ("ctr features are worrying though, they leak popularity") without a number
    or an outcome told outright: no verdict yet, whatever trouble it names."""
    return bool(WORRY.search(clause)) and not any(ch.isdigit() for ch in clause) and not _OUTCOME_TOLD.search(clause)


# "prob needs warmup", "lr diverged, prob the lr is too high": the note-taker's "probably", at a clause's start ("class
# prob drops", "prob of 0.3" are the noun)
HEDGE_PROB = (r"(?:(?<![^\s.;:!?,(])(?<![\w\d]\s)|(?<=\bso\s)|(?<=\band\s)|(?<=\bbut\s))"
              r"prob(?=\s{1,3}(?!of\b|for\b|to\b|dist)[a-z])")
