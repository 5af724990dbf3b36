"""Suggestions told in a reply or in meeting minutes: steps someone put forward for the writer to carry out.

"She suggested I try data augmentation", "Carol advised to evaluate on MNIST first", "You could also change the lr
schedule by setting ...", "You can evaluate it on the test-dev set", "you need more epochs": what a colleague or a
maintainer proposes is a step still to take (a plan), not a thing done, and not a result. Only a suggestion of an
action counts: "the curves suggested we were overfitting", "the paper suggests that warmup helps", "she suggested
this might be due to the data" put a claim forward; "You can see the curves below" and "you can use the code freely"
offer nothing to try.
"""

from __future__ import annotations

import re

_ACTIONS = (r"(?:try|run|rerun|re-run|train|retrain|test|transform|evaluate|switch|increase|decrease|reduce|lower|"
            r"raise|remove|change|set|collect|augment|compare|normali[sz]e|apply|tune|freeze|unfreeze|fine-?tune|"
            r"finetune|add|drop|disable|enable|replace|resize|crop|clip|scale|shuffle|balance|filter|clean|start|keep)")
# "she suggested I try X", "Carol advised to evaluate ...", "they recommended that we lower the lr"
_REPORTED = re.compile(r"\b(?:suggest(?:ed|s)?|advised?|advises|recommend(?:ed|s)?|propos(?:ed|es|e))\s{1,3}"
                       r"(?:that\s{1,3})?(?:(?:i|we)\s{1,3}(?:should\s{1,3}|could\s{1,3}|might\s{1,3})?|"
                       r"(?:me|us)\s{1,3}to\s{1,3}|to\s{1,3})(?:also\s{1,3}|first\s{1,3}|just\s{1,3})?"
                       r"(?:use\b|" + _ACTIONS + r"\b)")
# "You could also change the lr schedule ...", "So you can evaluate it on test-dev": a way offered at a sentence's head
# ("you can use the code freely", "you can see the curves" offer nothing to try)
_YOU_COULD = re.compile(r"(?:^|[.!;:]\s{0,3}|\b(?:so|also|then|maybe|perhaps|alternatively|otherwise),?\s{1,3})"
                        r"you\s{1,3}(?:could|can)\s{1,3}(?:also\s{1,3}|first\s{1,3}|then\s{1,3}|just\s{1,3})?"
                        + _ACTIONS + r"\b")
# "you need more epochs", "you probably need a larger batch"
_YOU_NEED = re.compile(r"\byou\s{1,3}(?:just\s{1,3}|probably\s{1,3}|may\s{1,3}|might\s{1,3})?need\s{1,3}"
                       r"(?:more|a\s{1,3}(?:larger|bigger|smaller|lower|higher|longer))\s{1,3}(?:[\w-]{1,20}\s{1,3})?"
                       r"(?:epochs?|iterations?|steps?|data|training|samples?|images?|warm-?up|batch(?:\s{1,3}size)?|lr|"
                       r"learning\s{1,3}rate)\b")
# "More in-depth investigation is needed", "this needs careful checking", "further tuning is required": work said to be
# needed is a step still to take. Only work named at a sentence's head (or after "this/it needs"): "No tuning is needed
# with AdamW", "less tuning is needed", "the analysis is needed for the paper", "it needs no tuning" need nothing.
_WORK = (r"(?:investigation|investigating|checking|analysis|debugging|testing|tuning|experimentation|experiments|"
         r"ablations?|verification|exploration|digging|work|look)")
_WORK_NEEDED = re.compile(
    r"(?:^|[.!;:,]\s{0,3}|\b(?:so|but|still|also)\s{1,3})(?:(?:more|further|additional|some|a\s{1,3}(?:closer|deeper)|"
    r"a\s{1,3}careful)\s{1,3})?(?:(?:in-?depth|careful|closer|deeper|systematic|proper)\s{1,3})?" + _WORK +
    r"\s{1,3}(?:is|are|will\s{1,3}be)\s{1,3}(?:still\s{1,3}|definitely\s{1,3}|clearly\s{1,3})?(?:needed|required|"
    r"necessary|warranted)\b(?!\s{1,3}(?:only|if|when|whenever|unless)\b)|"
    r"\b(?:this|it|that|these|which)\s{1,3}(?:still\s{1,3})?needs?\s{1,3}(?:(?:more|further|some|a\s{1,3}(?:closer|deeper|"
    r"careful))\s{1,3})?(?:(?:in-?depth|careful|closer|deeper)\s{1,3})?" + _WORK + r"\b")
# "That's what I did ... and you suggested me to try 3000": a suggestion told beside the writer's own doing was carried
# out
_CARRIED_OUT = re.compile(r"\b(?:i|we)\s{1,3}(?:already\s{1,3}|also\s{1,3})?(?:did|tried|used|ran|"
                          r"(?:have|'ve)\s{1,3}(?:already\s{1,3})?(?:done|tried|used))\b")


def suggested(lowered: str) -> bool:
    """Whether a (lowercased) sentence tells a step someone suggested the writer take (and not one carried out)."""
    lowered = lowered.replace("’", "'")
    return bool(_REPORTED.search(lowered) or _YOU_COULD.search(lowered) or _YOU_NEED.search(lowered)
                or _WORK_NEEDED.search(lowered)) and not (
        _CARRIED_OUT.search(lowered))
