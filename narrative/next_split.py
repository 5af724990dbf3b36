"""Where a segment's plan starts: "... .950 / .447. next: graph feats" is a result, then a next step.

Split out of ``narrative.structuring`` (near the file-size limit): the cues that open a plan at a segment's start
("Next:", "tomorrow", "todo"), inline ("next I will ...", "todo:"), or anywhere in prose ("gonna", "let's",
"I plan to"), and ``split_next``, which cuts a segment into its result part and its next-step part.
"""

from __future__ import annotations

import re

from narrative import forecasts, lexicon
from narrative.entry_text import has_number

_NEXT_LEAD = re.compile(
    r"^(?:next(?:\s+(?:up|week|steps?))?|tomorrow|tmrw|tmr|todo|to-?do|plan(?=\s*[:\-]|\s+(?:is|to|for)\b)|"
    r"monday|tuesday|wednesday|thursday|friday)\b"
    # "Next, I introduced an extra dropout layer": the next thing done, told in the past, is no plan
    r"(?![\s,:\-]*(?:i|we)\s+(?:\w+ed|ran|got|made|did|saw|found|went|took|had|was|were|built|wrote|set)\b)"
    r"\s*[:\-,]?\s*",
    re.IGNORECASE,
)
_NEXT_INLINE = re.compile(
    # "next I will try X" splits; "cutmix next i think" names what is next before the cue
    r"(?:\bnext(?:\s+(?:up|week|steps?))?\s*:|\bnext\s+(?:i|we)\b(?!\s+(?:think|guess|suppose|reckon|believe)\b)|"
    r"\btodo\s*:|\b(?:monday|plan)\s*:)",
    re.IGNORECASE,
)
# Where a clause starts, for a plan stated mid-sentence ("... OOM'd 💥 gonna do hashing tmrw").
_CLAUSE_START = re.compile(r"(?:[,;]|\s--?\s|[^\x00-\u24ff]|\.\s|\bso\b|\band\b)\s*")
NEXT_ANYWHERE = re.compile(
    r"\b(?:want to(?!\s+(?:know|understand|see\s+(?:why|how|what)))|"
    r"next\s+(?:thing|experiment|idea|task|move)s?\s+(?:to\s+(?:do|try)|(?:is|will\s+be|would\s+be)\s+to)\b|"
    r"wanna|going to|gonna|i'll|we'll|i will|we will|will (?:check|try|run|look|rerun|add)|"
    r"(?:i|we)(?:'d| would) like to|(?:i|we) should (?:try|run|add|make|look|check|rerun|tune)|"
    r"(?:i|we) plan to|(?:i|we) intend to|let me|proposal is to|suggest (?:we|to)|"
    # "no need to go back to anchors", "doesn't need to be retrained": a step ruled out is none to take
    r"let's|(?<!\bno )(?<!n't )(?<!not )(?<!never )(?:need to|needs to)|should try|could try|worth trying|"
    r"plan (?:is|to)|planning to|"
    r"idea i still like|thinking we|next week|tomorrow|tmrw|todo|switching to|going with|sticking with|"
    r"(?:is|as) (?:the|our) (?:ship )?candidate|ship candidate|\w+ first[.!]?$)",
    re.IGNORECASE,
)

_OPENS_ON_PLAN = re.compile(r"^\W{0,3}(?:(?:i|we)\s+)?(?:need\s+to|want\s+to|(?:am|are)\s+going\s+to|gonna|wanna|"
                           r"plan(?:ning)?\s+to|let'?s|i'll|we'll|will)\s+(?:\w+\s+){0,2}?(?:check|try|run|rerun|"
                           r"test|look|verify|compare|tune|add|see)\b", re.IGNORECASE)


def split_next(text: str) -> tuple[str, str]:
    """(result part, next-step part) of a segment: "... .950 / .447. next: graph feats" splits."""
    lead = _NEXT_LEAD.match(text)
    if lead and lead.end() > 0 and not has_number(text[: lead.end()]):
        return "", text
    inline = _NEXT_INLINE.search(text)
    if inline and inline.start() > 0:
        return text[: inline.start()].rstrip(" .,;:-"), text[inline.start():]
    lowered = text.lower()
    anywhere = next((m for m in NEXT_ANYWHERE.finditer(text)
                     if not forecasts.forecast_cue(lowered, m.start())
                     and not forecasts.done_move(lowered, m.start())), None)
    if anywhere:
        # A plan stated in prose: the step is the clause that holds the cue; what comes before it
        # ("... it OOM'd 💥") is still a result.
        starts = [m.end() for m in _CLAUSE_START.finditer(text, 0, anywhere.start())]
        start = starts[-1] if starts else 0
        if start > 0 and len(text) - start >= 12:
            return text[:start].rstrip(" ,;.-"), text[start:].strip()
        if _OPENS_ON_PLAN.match(text):
            # "need to check the cold-start slice before trusting .401": a number the plan names is no result
            return "", text
        return (text if has_number(text) or lexicon.has_cue(text.lower(), lexicon.NEGATIVE_CUES) else ""), text
    return text, ""


# "if it spikes again, skip shard 17 and see", "if the loss blows up, roll back to the 1k ckpt": the main clause of a
# conditional opens on an order of its own, with no subject (a verb that starts it, not one anywhere in it: "if it
# fails, the skip connection is to blame" plans nothing)
_CONTINGENCY_ACTION = re.compile(
    r"^\W{0,3}(?:(?:then|just|maybe|probably|prob|we'?ll|i'?ll)\s{1,3})?(?:skip|clip|restart|resume|roll\s?back|rewind|"
    r"halve|cut|bump|shuffle|reshuffle|reset|freeze|unfreeze|kill|pause|resample|warm\s?up|re-?warm)\s{1,3}"
    r"(?!(?:connections?|layers?|rate|ratio|count|switch|time|mode|is|was|are|were)\b)\S", re.IGNORECASE)


def contingency_action(main: str) -> bool:
    """Whether a conditional's main clause (after its "if ...,") starts with an order to oneself."""
    return bool(_CONTINGENCY_ACTION.match(main))
