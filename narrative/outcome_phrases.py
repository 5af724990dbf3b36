"""Round 18 (roles18): outcomes told without a verdict word, for ``narrative.lexicon``'s verdict patterns.

* A measure or the training told to have stalled ("training and test accuracy is plateauing", "the val loss plateaued
  at 2.1", "we hit a plateau") did not work; a plateau as a condition ("until the loss plateaus", "once it plateaus"),
  a scheduler's name ("ReduceLROnPlateau", "on plateau"), a plateau noun in a table ("long plateau") and a question
  are not.
* A breakdown of the training named as the outcome ("pretty strong learning collapse", "representation collapse in
  both runs", "the high LR caused visible divergence") did not work; one avoided, prevented, absent, risked or asked
  about ("to avoid posterior collapse", "no collapse", "what caused divergence?", "could cause divergence", "KL
  divergence") is not.
* A difference told small between the things compared ("I think there's little difference between the two so far")
  did not work, as "no difference" does; a small gap between splits and a difference expected or asked are not.
* A change that cost no score ("there wasn't a loss in performance", "no drop in accuracy", "without any loss in
  recall") worked ("degradation" stays a bad word); a cost asked about, hoped for, expected, or set as a condition
  ("if there is no drop in accuracy", "hoping for no loss in accuracy") is not.
"""

from __future__ import annotations

import re

# Words before a stall or breakdown that make it a condition, a purpose, a wish or a question about it, not an
# outcome seen: "until the loss plateaus", "to avoid collapse", "what caused divergence".
_NOT_SEEN = (r"(?:until|when|whenever|once|if|unless|before|whether|why|what|avoid\w*|prevent\w*|stop\w*|"
             r"mitigat\w*|fix\w*|reduc\w*|risk(?:s|ed)?\s+of|no|without|against|can|could|may|might|would|will|"
             r"should|usually|often|typically|generally|tends?\s+to)")

NEGATIVE: tuple[re.Pattern[str], ...] = (
    # a stall told with a verb (the noun "plateau" names a table's phase or a scheduler)
    # ("it plateaued at about 95% accuracy, which is very good": a plateau judged good is good)
    re.compile(rf"^(?!.{{0,400}}?\b{_NOT_SEEN}\b[^.;!?]{{0,40}}?\bplateau)(?!.{{0,400}}\?)"
               r"(?!.{0,400}?\b(?:good|great|fine|nice|excellent|expected|acceptable|healthy)\b)"
               r".{0,400}?(?:\bplateau(?:ed|ing|'d)\b|\b(?:it|loss|losses|acc|accuracy|score|scores|f1|metrics?|"
               r"training|model|perplexity|ppl|auc|map|iou|dice|wer|bleu)\s{1,3}(?:also\s{1,3}|then\s{1,3}|just\s{1,3}|"
               r"quickly\s{1,3}|soon\s{1,3})?plateaus\b|\b(?:hit|hits|reached|reaches)\s{1,3}a\s{1,3}plateau\b)"),
    # a breakdown of the training named as a noun: "learning collapse", "representation collapse"
    re.compile(rf"^(?!.{{0,400}}?\b{_NOT_SEEN}\b[^.;!?]{{0,30}}?\bcollapse\b)(?!.{{0,400}}\?)"
               r".{0,400}?\b(?:learning|training|representation(?:al)?|posterior|feature|rank|dimensional|"
               r"embedding|model|policy|entropy)\s{1,3}collapse\b"),
    # a breakdown caused: "the high LR caused visible divergence", "this led to instability"
    re.compile(rf"^(?!.{{0,400}}?\b{_NOT_SEEN}\b[^.;!?]{{0,40}}?\b(?:caused|causes|led|leads|resulted|results)\b)"
               r"(?!.{0,400}\?).{0,400}?\b(?:caused|causes|led\s{1,3}to|leads\s{1,3}to|resulted\s{1,3}in|"
               r"results\s{1,3}in)\s{1,3}(?:(?:a|an|some|visible|clear|severe|strong|heavy|early|immediate|"
               r"training|loss)\s{1,3}){0,2}(?:divergence|instabilit(?:y|ies)|collapse|oscillations?|nans?)\b"
               r"(?!\s{1,3}(?:between|of|from)\b)"),
    # a difference told small between the things compared ("I think there's little difference between the two so
    # far", "hardly any difference"), as "no difference" is; a small gap between splits ("little difference between
    # train and test accuracy") is a good sign, not a verdict on a change
    re.compile(r"^(?!.{0,400}?\b(?:if|unless|whether|expect\w*|hop\w*|should|would|will)\b[^.;!?]{0,40}?\bdifference)"
               r"(?!.{0,400}\?).{0,400}?\b(?:little|hardly\s{1,3}any|barely\s{1,3}any|not\s{1,3}much(?:\s{1,3}of\s{1,3}a)?|"
               r"very\s{1,3}little|negligible|only\s{1,3}a\s{1,3}(?:tiny|marginal|small)|marginal)\s{1,3}difference\b"
               r"(?!\s{1,3}between\s{1,3}(?:the\s{1,3})?(?:train\w*|test\w*|val\w*|valid\w*|dev|eval\w*)\b)"),
)

# a cost asked about, hoped for, expected or set as a condition is no outcome
_NO_COST_NOT_SEEN = r"(?:if|unless|whether|hop\w*|expect\w*|want\w*|aim\w*|goal|should|would|will|to|ensure\w*)"
POSITIVE: tuple[re.Pattern[str], ...] = (
    re.compile(rf"^(?!.{{0,400}}?\b{_NO_COST_NOT_SEEN}\b[^.;!?]{{0,30}}?\b(?:no|without|wasn'?t|was\s+not)\s)"
               r"(?!.{0,400}\?).{0,400}?\b(?:no|without(?:\s{1,3}any)?|(?:wasn'?t|was\s{1,3}not|isn'?t|is\s{1,3}not)"
               r"\s{1,3}(?:a|any)|(?:didn'?t|did\s{1,3}not)\s{1,3}(?:see|notice|observe)\s{1,3}(?:a|any))\s{1,3}"
               r"(?:(?:significant|noticeable|real|measurable|visible|big|major)\s{1,3})?(?:loss|drop|degradation|"
               r"decrease|hit|regression|decline)\s{1,3}(?:in|of|on)\s{1,3}(?:the\s{1,3})?(?:[\w-]{1,20}\s{1,3})?"
               r"(?:performance|accuracy|acc|quality|scores?|f1|m?ap|auc|bleu|recall|precision|m?iou|dice)\b"),
)
