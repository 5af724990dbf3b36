"""Sentences that explain rather than report: the writer's account of why something happened.

"This suggests the network is overfitting", "My best guess: the batch is too small", "It's because
larger models train longer", "I suspect the loader": the words of a failure inside them ("overfitting",
"too small") are the content of a claim put forward, not a verdict on something tried. Such a sentence
is a hypothesis. What marks it is its frame at the head of the sentence (an inference verb, a belief
verb, a cause named), English grammar rather than any one writer's phrases; a cause given after a
report ("X failed, probably because ...") keeps the report's verdict, so only the head is read.
"""

from __future__ import annotations

import re

from narrative import reading

_LEAD = r"^\W{0,8}(?:(?:so|and|but|also|then|hmm+|ok(?:ay)?|well|now)\W{1,3})?"
# Frames that always put a claim forward, whatever follows.
_CLAIM_FRAME = re.compile(
    _LEAD + r"(?:"
    # inference from what was seen: "this suggests (that) ...", "which indicates ..."
    r"(?:this|that|it|which|these|those)\s{1,3}(?:\w{1,12}ly\s{1,3})?(?:suggests?|indicates?|implies|hints?\s{1,3}at)\b"
    # "this could be the case of overfitting", "it might be due to", "that may be a sign of"
    r"|(?:this|that|it|which)\s{1,3}(?:could|might|may|must)\s{1,3}(?:also\s{1,3}|well\s{1,3})?be\s{1,3}"
    r"(?:the\s{1,3}case|due|because|related|caused|linked|a\s{1,3}(?:sign|case|symptom|result))\b"
    # "I suspect ...", "I bet ...", "I'm guessing ...", "my best guess: ...", "my hunch is ..."
    r"|(?:i|we)\s{1,3}(?:\w{1,12}ly\s{1,3})?(?:suspect|bet|reckon|presume)\b"
    r"|(?:i'?m|we'?re|i\s{1,3}am|we\s{1,3}are)\s{1,3}guessing\b"
    r"|my\s{1,3}(?:best\s{1,3}|first\s{1,3}|current\s{1,3})?(?:guess|bet|hunch|theory|suspicion)\b"
    # a cause named: "(maybe) it is because ...", "this is due to ...", "that's not related to ..."
    r"|(?:(?:maybe|perhaps|probably|possibly|likely)\W{1,3})?(?:it|this|that)(?:\s{1,3}is|\s{1,3}was|'s|’s)\s{1,3}"
    r"(?:not\s{1,3}|probably\s{1,3}|likely\s{1,3}|possibly\s{1,3}|just\s{1,3}|partly\s{1,3}|mostly\s{1,3}|all\s{1,3}){0,2}"
    r"(?:because|due\s{1,3}to|related\s{1,3}to|caused\s{1,3}by|a\s{1,3}(?:sign|symptom)\s{1,3}of)\b"
    r"|(?:probably|likely|possibly|maybe|perhaps)\s{1,3}(?:because|due\s{1,3}to|caused\s{1,3}by)\b"
    # "Presumably the gain comes from the longer context": a cause the writer assumes
    r"|(?:presumably|intuitively|in\s{1,3}theory|theoretically)\b"
    # "The motivation is that the decoder overfits", "the idea was to share the encoder": the claim behind a try
    r"|(?:the|my|our)\s{1,3}(?:idea|motivation|rationale|reasoning|intuition|premise|assumption|expectation|hypothesis|hope)"
    r"\s{1,3}(?:here\s{1,3}|behind\s{1,3}(?:it|this|that)\s{1,3})?(?:is|was)\s{1,3}(?:that|to)\b"
    r"|the\s{1,3}(?:reason|cause|culprit|explanation)\s{1,3}(?:is|was|might\s{1,3}be|could\s{1,3}be|"
    r"seems\s{1,3}to\s{1,3}be)\b"
    # a cause found, told in the past: "The problem was when we applied softplus, ..." ("the problem is that val loss
    # rises" describes a failure and is left to the verdict)
    r"|the\s{1,3}(?:problem|issue|bug|mistake)\s{1,3}was\s{1,3}(?:that|when|with|in|caused\s{1,3}by)\b"
    # a fault supposed, not found: "There might be a bug in the data loader", "It's likely a data issue"
    r"|there\s{1,3}(?:might|may|could|must)\s{1,3}(?:also\s{1,3}|still\s{1,3})?be\s{1,3}(?:a|an|some)\s{1,3}"
    r"(?:[\w-]{1,20}\s{1,3}){0,2}?(?:bug|issue|problem|mismatch|leak\w*|error|difference)s?\b"
    r"|(?:it|this|that)(?:\s{1,3}is|'s|’s)\s{1,3}(?:likely|probably|possibly|maybe)\s{1,3}(?:a|an)\s{1,3}"
    r"(?:[\w-]{1,20}\s{1,3}){0,2}?(?:issue|problem|bug|mismatch)\b"
    r")", re.IGNORECASE)
# A belief told after the claim: "It should be an order of magnitude lower, I believe."
_TRAILING_BELIEF = re.compile(r",\s{0,3}(?:i|we)\s{1,3}(?:think|believe|guess|suspect|assume)\s{0,3}[.!]*\s{0,3}$",
                              re.IGNORECASE)
# Frames of belief ("I think", "I believe", "I guess") explain only when what follows names no outcome
# of something tried ("I think the loader is the bottleneck"), or names a cause; "I think it helped" is
# the person's verdict, hedged.
# "So at first I thought BN was an unnecessary module": a belief held before, put forward all the same ("thought
# about / of" tells an idea considered, no claim)
_BELIEF_FRAME = re.compile(_LEAD + r"(?:(?:at\s{1,3}first|initially|originally)\W{1,3})?"
                           r"(?:i|we)(?:'d|’d|\s{1,3}would)?\s{1,3}(?:\w{1,12}ly\s{1,3})?"
                           r"(?:think|believe|guess|assume|thought|believed|assumed)\b(?!\s{1,3}(?:about|of)\b)\W{0,3}"
                           r"(?:that\W{1,3})?", re.IGNORECASE)
# ("I think the problem is that the loss is very low at the start": the trouble's cause, believed)
_CAUSE = re.compile(r"\b(?:because|due\s{1,3}to|caused\s{1,3}by|related\s{1,3}to|the\s{1,3}reason|the\s{1,3}cause|"
                    r"the\s{1,3}(?:problem|issue)\s{1,3}(?:is|was)\s{1,3}that|"
                    r"too\s{1,3}(?:high|low|large|small|big|much|few|many|long|short|complex|simple|"
                    r"aggressive|strong|weak|noisy))\b", re.IGNORECASE)


# A diagnosis offered: "Sounds like the learning rate is still too high", "Seems like your model is overfitting" (a
# thing named, then its state). "It seems like it's stuck" and "the output looks like the model understood" judge.
_DIAGNOSIS = re.compile(_LEAD + r"(?:it\s{1,3})?(?:seems|sounds|looks)\s{1,3}like\s{1,3}"
                        r"(?P<said>(?:the|your|my|our|this|these|those)\s{1,3}(?:[\w-]{1,24}\s{1,3}){1,3}?"
                        r"(?:is|are|was|were)\b)", re.IGNORECASE)
# A possibility put forward inside the sentence: "..., it might be that it always predicts the rarest class, which
# would explain the poor F1". Read only when what comes before it judges nothing (a cause given after a report
# keeps the report's verdict).
_POSSIBILITY = re.compile(r"\b(?:it|this|that)\s{1,3}(?:could|might|may)\s{1,3}(?:also\s{1,3}|well\s{1,3})?be\s{1,3}"
                          r"that\s{1,3}"
                          r"(?:the|it|its|we|i|they|our|my|your|this|these|there|a|an)\b|"
                          r"\b(?:which|that|this)\s{1,3}(?:would|could|might|may)\s{1,3}(?:also\s{1,3})?explain\b",
                          re.IGNORECASE)

# A cause named outright, no hedge needed: "Indeed training not long enough was the issue", "This was a problem due to
# learning rate", "The data preprocessing causes the problem", "The performance variance could happen due to random
# seed", "That seems to be a major bug", and the two-word "May be your dataset is difficult". The frame is read at the
# sentence's head and never with a number in it ("lr 0.1 was the problem" reports a run), so a report with its cause
# after it ("val loss rose, due to the lr") keeps its verdict; "X caused the problem to go away" tells a fix.
_CAUSE_NAMED = re.compile(
    _LEAD + r"(?:"
    # "<a thing> was the issue." (the sentence or its first clause): a pronoun alone ("this is the problem") names
    # nothing
    r"(?!(?:this|that|it|which|there|what)\s)(?:[\w'’-]{1,24}\s{1,3}){1,6}?(?:was|is|were|are)\s{1,3}"
    r"(?:indeed\s{1,3}|really\s{1,3}|clearly\s{1,3}|probably\s{1,3})?the\s{1,3}(?:main\s{1,3}|real\s{1,3}|actual\s{1,3}|"
    r"whole\s{1,3}|root\s{1,3})?(?:issue|problem|culprit|cause|reason|bottleneck)\s{0,3}"
    r"(?:(?:here|all\s{1,3}along|after\s{1,3}all)\s{0,3})?(?:[.!]*\s*$|[,;]\s)"
    r"|(?:this|that|it|the\s{1,3}[\w-]{1,20}(?:\s{1,3}[\w-]{1,20})?)\s{1,3}(?:was|is|were|are)\s{1,3}(?:a|an|the)\s{1,3}"
    r"(?:[\w-]{1,12}\s{1,3})?(?:problem|issue|bug|error)\s{1,3}(?:due\s{1,3}to|caused\s{1,3}by)\b"
    r"|(?:the\s{1,3})?(?:[\w-]{1,24}\s{1,3}){1,4}?(?:causes|caused|is\s{1,3}causing|was\s{1,3}causing)\s{1,3}"
    r"(?:the|this|that|these|those)\s{1,3}(?:problems?|issues?|bugs?|nans?|errors?|trouble|instability|divergence)\b"
    r"(?!\s{1,3}to\b)"
    r"|(?:the|this|that|it|such)\s{1,3}(?:[\w-]{1,24}\s{1,3}){0,3}?(?:could|might|may|can)\s{1,3}(?:also\s{1,3})?"
    r"(?:happen|occur|arise|come|stem)\s{1,3}(?:due\s{1,3}to|because|from)\b"
    r"|(?:it|this|that)\s{1,3}(?:seems|looks|appears)\s{1,3}(?:to\s{1,3}be|like)\s{1,3}(?:a|an)\s{1,3}(?:[\w-]{1,12}\s{1,3})?"
    r"(?:bug|mistake|typo)\b"
    r"|may\s{1,3}be\s{1,3}(?:the|your|my|our|their|this|that|it|there|its)\s"
    r")", re.IGNORECASE)

_MEASURED = re.compile(r"(?<!\w)\d")  # a number, not a handle's digits ("@afiaka87")


def explains(text: str) -> bool:
    """Whether a sentence puts forward an explanation or a belief about a cause (a hypothesis), rather
    than reporting an outcome."""
    head = text[: reading.MAX_READ_CHARS]
    if _CLAIM_FRAME.search(head) or _TRAILING_BELIEF.search(head):
        return True
    named = _CAUSE_NAMED.search(head)
    if named and not _MEASURED.search(named.group(0)):
        return True
    diagnosis = _DIAGNOSIS.search(head)
    if diagnosis and reading.verdict_of(head[diagnosis.start("said"):]) != "worked":
        return True
    possibility = _POSSIBILITY.search(head)
    if possibility and reading.verdict_of(head[: possibility.start()]) is None:
        return True
    belief = _BELIEF_FRAME.search(head)
    if not belief:
        return False
    rest = head[belief.end():]
    if len(rest.split()) < 3:
        return False  # "I thought so", "I guess." name no claim
    return bool(_CAUSE.search(rest)) or reading.verdict_of(rest) is None
