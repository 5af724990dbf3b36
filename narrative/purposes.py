"""Purpose clauses in a report, for ``narrative.reading``: "in order to", "to see whether", "switched to Adam to gain a
more consistent accuracy". A purpose names the aim of what was done, not its outcome, so a verdict is read without it.
(Moved out of ``reading.py`` unchanged, to keep that file under its size limit.)
"""

from __future__ import annotations

import re

PURPOSE = re.compile(r"\b(?:in\s+an\s+attempt\s+to|in\s+order\s+to|so\s+as\s+to|aiming\s+to|hoping\s+to|"
                      r"to\s+see\s+(?:if|whether|how)|"
                      r"to\s+help\s+(?:me|us)|with\s+the\s+goal\s+of|the\s+goal\s+(?:is|was))\b|"
                      # "I don't need to train up to 1e6 episodes": a step ruled out, no outcome of its own
                      r"(?:\bno|n't|\bnot)\s+(?:really\s+|even\s+)?need\s+to\b")
# An infinitive of purpose after what was done ("switched to Adam to gain a more consistent accuracy",
# "added class weights to try to fix the overfitting issue"): the aim, not the outcome. After "managed",
# "helped", "failed" and the like the infinitive is the outcome itself, and is kept.
# (?<![\w']): a word is entered at its start only, so a search is linear on a pasted run of letters (issue 11).
_PURPOSE_TO = re.compile(r"(?:\bso\s+that\b|\bin\s+an\s+effort\s+to\b|(?<![\w'])(?P<before>[\w']{1,40})\s+to\s+"
                         r"(?:further\s+|also\s+)?(?:try\s+to\s+|help\s+)?"
                         r"(?:fix|prevent|avoid|reduce|tackle|address|combat|mitigate|counter\w*|solve|gain|achieve|"
                         r"obtain|ensure|encourage|force|get\s+rid\s+of|stabili[sz]e|speed\s+up)\b)")
_OUTCOME_BEFORE_TO = frozenset({
    "able", "unable", "managed", "manages", "manage", "failed", "fails", "fail", "helped", "helps", "help",
    "seems", "seemed", "seem", "appears", "appeared", "appear", "enough", "want", "wanted", "need", "needed",
    "going", "trying", "tried", "try", "hope", "hoping", "plan", "planning", "started", "began", "starts",
    "is", "was", "were", "are", "be", "been", "how", "what", "where", "order", "attempt", "way",
})


def purpose_cut(lowered: str) -> str:
    """``lowered`` without its purpose clause (up to the next clause boundary: what follows it, "...so
    that store totals add up: sku-level wape gets slightly worse", is kept)."""
    for match in _PURPOSE_TO.finditer(lowered):
        before = match.group("before")
        if before is None or before not in _OUTCOME_BEFORE_TO:
            end = _PURPOSE_END.search(lowered, match.end())
            return lowered[: match.start()] + (before or "") + (lowered[end.start():] if end else "")
    return lowered


_PURPOSE_END = re.compile(r"[,;:.!?]|\s(?:but|and\s+then|however|though)\s")


# Work under way told as an activity ("I've been tuning the warmup for better convergence", "We've been trying different
# augmentations to get better results", "I have been improving the data pipeline"): the clause names what is being
# done and what for, no outcome; a clause after it ("..., still diverges", "... and the loss is better now") still
# judges it.
_UNDER_WAY = re.compile(r"^\W{0,4}(?:(?:i|we)(?:'ve|\s{1,3}have)\s{1,3}been|been|"
                        r"(?:i|we)(?:'m|\s{1,3}am|'re|\s{1,3}are))"
                        r"\s{1,3}(?:\w{1,12}ly\s{1,3}|still\s{1,3}|also\s{1,3})?(?:tuning|tweaking|trying|experimenting|"
                        r"playing|fiddling|optimi[sz]ing|adjusting|iterating|searching|sweeping|exploring|"
                        # "I am improving steadily" reports; "improving the data pipeline" is the work
                        r"improving(?=\s{1,3}(?:the|my|our|a|an|its|this|that|these|those)\b))\b")
_ACTIVITY_END = re.compile(r"[,;:.!?]|\s(?:and|but|however|though|so|which)\s|\s-{1,2}\s")


def activity_cut(lowered: str) -> str:
    """``lowered`` without a leading clause of work under way (see ``_UNDER_WAY``); what follows it is kept."""
    if not _UNDER_WAY.match(lowered):
        return lowered
    end = _ACTIVITY_END.search(lowered)
    return lowered[end.start():] if end else ""
