"""Sentences that ask rather than tell: yes/no questions and requests put to someone else.

Two readings a careful colleague makes of thread replies and notes:

* a yes/no question (an auxiliary before its subject, a question mark at the end: "would the performance be
  better if I use a larger batch?", "Is LoRA finetuning underperforming full finetuning?") asks whether
  something holds; the verdict words inside it are what is asked about, never an outcome seen. A question
  that presupposes an outcome in a clause of its own ("Is it normal that the accuracy dropped to 10%?",
  "Does anyone know why it diverges after the warmup?") still tells it, and is left to the other readings;
* a request put to someone else ("It would be great if you share a trained model", "it would be very good if
  you elaborate on how you trained it", "it would be great if you can first try to reproduce the small
  model") judges nothing: "great" and "good" there rate the favour asked, not a result. Asking for
  information is a question; asking for a run or a change is a step to take.
"""

from __future__ import annotations

import re

# Discourse words a reply opens with before the question proper ("Besides, would ...", "Also, is ...").
_OPENERS = r"(?:(?:besides|also|and|but|so|then|btw|ok|okay|hi|hello|now|anyway|still|sorry)\W{1,3}){0,3}"
# (Not the negative forms: a note drops its subject before them, "Can't get past 60%, any idea?" tells a failure.)
_AUXILIARY = r"(?:is|are|was|were|am|do|does|did|would|will|can|could|should|shall|has|have|had|may|might)"
_YES_NO = re.compile(rf"^\W{{0,4}}{_OPENERS}{_AUXILIARY}\s+(?!not\b)[\w@]")
# A clause of its own inside the question that tells what happened ("Is it normal that the loss went up?").
_PRESUPPOSED = re.compile(r"\b(?:that|when|whenever|after|since|because|although|though|while|why|how)\b")


def asks_whether(clause: str) -> bool:
    """Whether ``clause`` is a yes/no question that asks about an outcome without telling one."""
    lowered = " ".join(clause.lower().replace("’", "'").split())
    if not lowered.rstrip().endswith("?") or "?" in lowered.rstrip()[:-1].rstrip("? "):
        return False
    return bool(_YES_NO.match(lowered)) and not _PRESUPPOSED.search(lowered)


_FAVOUR = (r"\b(?:it|that)\s+(?:would|will|'d)\s+be\s+(?:very\s+|really\s+|so\s+|most\s+|much\s+|super\s+)?"
           r"(?:great|nice|good|helpful|awesome|appreciated|wonderful|kind|grateful)\s+if\s+(?:you|someone|anyone|"
           r"the\s+authors?)\s+(?:could\s+|can\s+|would\s+|might\s+)?(?:please\s+)?(?:also\s+|first\s+|kindly\s+)?")
# Asking for what someone knows or has: an open question.
_ASKS_INFORMATION = re.compile(_FAVOUR + r"(?:share|explain|elaborate|tell|clarify|provide|give|post|upload|release|"
                               r"describe|point|publish|add\s+(?:more\s+)?(?:details|information|info)|let\s+(?:me|us)\s+know)\b")
# Asking for a run or a change: a step still to take.
_ASKS_ACTION = re.compile(_FAVOUR + r"(?:try|run|rerun|re-run|retrain|train|test|check|reproduce|evaluate|compare|"
                          r"add|use|fix|update|increase|decrease|lower|reduce)\b")


def favour_asked(text: str) -> str | None:
    """``"question"`` for a request for information, ``"planned"`` for a request for a run or change, else None."""
    lowered = " ".join(text.lower().replace("’", "'").split())
    if _ASKS_INFORMATION.search(lowered):
        return "question"
    if _ASKS_ACTION.search(lowered):
        return "planned"
    return None


# A check still to make or being made ("find out if the warmup helped", "to see whether dropout makes a difference",
# "check if it improves"): the outcome named after it is what is asked, never one seen (round 16). A report before
# it keeps its verdict ("warmup helped; now checking whether it helps the big model too").
_CHECK = re.compile(r"\b(?:(?:find|finding|figure|figuring)\s+out|check|checking|see|seeing|test|testing|determine|"
                    r"determining|verify|verifying|confirm|confirming|investigate|investigating|know|learn|tell)"
                    r"\s+(?:if|whether)\b")


def check_start(clause: str) -> int | None:
    """Where a check of an outcome begins in ``clause`` ("find out whether X helped"), else None."""
    found = _CHECK.search(clause.lower())
    return found.start() if found else None
