"""Plans that carry a value: "set lr to 3e-4 and rerun", "Finally, try decreasing the learning rate to 0.0001".

Why this module: ``structuring`` files a planned sentence as a next step only when it holds no number, since a
number in a sentence is usually a result ("tried lr 1e-4 -> 0.83"). An instruction's number is most often the
value to set or the target to reach, and the plan was dropped (round 15's leftover, round 16's brief). A planned
sentence is read as a plan with its value when nothing in it reports an outcome: no arrow or "result", no verb of
an outcome had ("gave", "got", "reached", "improved", ...), no verdict. "Set X ... and rerun" is an instruction as
well, though "set" alone could be a past report ("Set lr to 3e-4, loss went down" keeps its reading).
"""

from __future__ import annotations

import re

from narrative import reading

# An outcome told beside the value: an arrow, a result label, a verb of a result had, a comparison, a measure's value.
_OUTCOME = re.compile(r"->|=>|→|⇒|\bresults?\b|\boutcome\b|\b(?:done|got|gets|gave|gives|giving|yield(?:s|ed)?|reached|"
                      r"achieved|scored|tried|trained|ran|went|was|were|found|saw|noticed|observed|measured|showed|"
                      r"shows|improved|dropped|increased|decreased|reduced|lowered|raised|diverged|converged|plateaued|"
                      r"stayed|helped|hurt|failed|crashed|hit)\b|\bvs\.?(?=\s)|\bversus\b|"
                      # a measure given its value ("Compare the two vocoders: rtf=0.06 vs 0.09", "acc: 0.81")
                      r"\b(?:acc(?:uracy)?|loss|f1|auc|wer|cer|bleu|m?ap|rtf|ppl|perplexity|mcd|dice|iou|recall|"
                      r"precision|score)\s{0,2}[:=]\s{0,2}[-+~]?\.?\d", re.IGNORECASE)
# "Set lr to 3e-4 and rerun", "Put dropout at 0.2, then retrain": an ambiguous verb given an order by the base form
# that follows it.
_SET_AND_RUN = re.compile(r"^\W{0,4}(?:(?:also|then|next|first|finally|please)\s*,?\s+)?(?:set|put|cut|bump)\s"
                          r"(?:[^.;!?]|(?<=\d)\.(?=\d)){1,80}?\b(?:and|then|,)\s+(?:then\s+)?(?:re-?run|run|re-?train|train|try|compare|"
                          r"check|see|evaluate|test)\b", re.IGNORECASE)


def instructs(text: str) -> bool:
    """Whether ``text`` is an instruction told with an ambiguous verb ("set lr to 3e-4 and rerun")."""
    return bool(_SET_AND_RUN.search(text[: reading.MAX_READ_CHARS])) and not _OUTCOME.search(text)


def values_only(text: str) -> bool:
    """Whether a planned sentence's numbers are the values it plans (no outcome reported beside them)."""
    head = text[: reading.MAX_READ_CHARS]
    return not _OUTCOME.search(head) and reading.verdict_of(head) is None
