"""Failures told without a verdict word, and conjectures told with a hedge, as issue threads and lab notes say them.

Split out of ``narrative.reading`` (which is near the file-size limit) because these are one family: ways a
practitioner reports that something fell short without writing "didn't work" or "worse".

* A result below a reference it is measured against: "I got 68.2 top-1 accuracy, while the paper reports 72.4",
  "the WER is still 45%, much higher than the 12% reported in the paper", "Val acc 0.61 vs 0.64 for the
  baseline". The reference is named (paper, reported, baseline, original, official, published, authors); the
  two values are measurements (a decimal point or a per cent sign, so "10 epochs" or "top-1" are not read);
  the metric's direction says which way is worse. Better than the reference is a success.
* A ceiling: "the accuracy only reaches 0.52", "can only get to 60%".
* A trouble that stays after a change: "it still diverges", "still overfits after epoch 3"; an error measure
  that is "still" at a value ("the loss is still around 2.3 after 20 epochs"): it did not go down.
* Degenerate output: "outputs only blank predictions", "the captions are all the same sentence for every image".
* Nothing moved: "gives the same numbers", "..., same result." after a comma.

``conjecture`` reads a cause put forward under a hedge ("Probably the learning rate is too high",
"It could be that the vocabulary does not match", "Seems like the warmup is too short"): a hypothesis to test,
not a verdict, unless the hedge is on a change's outcome ("it seems adding dropout didn't help").
"""

from __future__ import annotations

import re
from typing import Literal

from narrative import doubts, lexicon

_MEASURE = r"(?<![\w.\-])(?P<{name}>\d*\.\d+|\d+(?:\.\d+)?\s?%)"
_REFERENCE = re.compile(r"\b(?:paper|papers|reported|reports|baseline|original|official|published|authors?|claimed|"
                        r"readme|leaderboard|sota)\b")
_CONNECTOR = re.compile(r"\s(?:vs\.?|versus|compared\s+(?:to|with)|while|whereas|where|but|against|than)\s")
_VALUE = re.compile(_MEASURE.format(name="v"))
_ONLY_BEFORE = r"\b(?:only|just)\s{1,3}(?:about\s{1,3}|around\s{1,3}|~\s{0,2})?"
# Metric words whose direction is a result's, not a budget's ("time", "size", "memory" are costs of a run).
_RESULT_METRICS = (lexicon.HIGHER_IS_BETTER_WORDS | lexicon.LOWER_IS_BETTER_WORDS) - frozenset({
    "time", "duration", "size", "memory", "mb", "gb", "ms", "seconds", "secs", "sec", "latency", "cost", "gain",
    "lift", "win", "hit", "hits", "match", "exact", "score", "map", "bias", "far", "ne", "throughput", "qps"})
Outcome = Literal["worked", "did_not_work"]
_ERROR_METRICS = frozenset({"loss", "error", "err", "errors", "wer", "cer", "perplexity", "ppl", "nll", "rmse", "mse",
                            "mae"})

_SHORTFALL = re.compile(
    # a ceiling: "only reaches 0.52", "can only get to 60%"
    r"\bonly\s{1,3}(?:reach(?:es|ed)?|gets?|got|achieve[sd]?|gives?|gave|yield(?:s|ed)?|hits?|manages?\s{1,3}to\s{1,3}"
    r"(?:get|reach)|goes?\s{1,3}up\s{1,3}to|went\s{1,3}up\s{1,3}to|gets?\s{1,3}(?:up\s{1,3})?to)\b"
    r"[^.;!?\d]{0,30}?(?<![\w.\-])(?:\d*\.\d+|\d+(?:\.\d+)?\s?%)"   # a measured value, not "only get to run 2 seeds"
    # a trouble still there: "it still diverges", "still overfits after epoch 3"
    r"|\bstill\s{1,3}(?:\w{1,12}ly\s{1,3})?(?:overfit\w*|underfit\w*|diverg\w*|crash\w*|explod\w*|collaps\w*|fails?\b|"
    r"failing|nans?\b|oom\w*|plateau\w*|stuck|unstable|blows?\s{1,3}up|produces?\s{1,3}nan|gives?\s{1,3}nan)"
    # degenerate output: "outputs only blank predictions", "all the same sentence for every image"
    r"|\b(?:outputs?|predicts?|generates?|produces?|returns?|emits?)\s{1,3}(?:only|just|always)\s{1,3}(?:the\s{1,3})?"
    r"(?:blank|empty|zeros?|silence|same|constant|one\s{1,3}class|a\s{1,3}single)\b"
    r"|\ball\s{1,3}the\s{1,3}same\s{1,3}(?:[\w-]{1,20}\s{1,3}){0,2}?(?:for|regardless\s{1,3}of)\s{1,3}(?:every|all|each|any)\b"
    # nothing moved: "gives the same numbers", "..., same result."
    r"|\b(?:gives?|gave|yields?|yielded|produces?|produced|returns?|returned|gets?|got)\s{1,3}(?:exactly\s{1,3}|"
    r"basically\s{1,3}|almost\s{1,3}|nearly\s{1,3})?the\s{1,3}same\s{1,3}(?:numbers|scores?|accuracy|loss|metrics?|"
    r"performance|wer|bleu|f1|predictions|outputs?)\b"
    # a trouble met again: "also faced the same issue", "I still get spikes in the loss even after clipping"
    r"|\b(?:faced?|facing|encounter(?:ed|ing)?|ran\s{1,3}into|run\s{1,3}into|running\s{1,3}into|experienc(?:ed|ing))\s{1,3}"
    r"(?:exactly\s{1,3}|basically\s{1,3})?the\s{1,3}same\s{1,3}(?:[\w-]{1,20}\s{1,3})?(?:issue|problem|error|behaviou?r|crash|bug)s?\b"
    r"|\bstill\s{1,3}(?:get|gets|getting|got|see|sees|seeing|saw|have|having|observe[sd]?|observing)\s{1,3}(?:[\w-]{1,20}\s{1,3}){0,2}?"
    r"(?:spikes?|nans?|errors?|crash\w*|divergence|instabilit\w*|ooms?|artifacts?|artefacts?|the\s{1,3}same\s{1,3}"
    r"(?:error|issue|problem|results?))\b"
    r"|\b(?:is|are|was|were|becomes?|became)\s{1,3}(?:equal\s{1,3}to|equals)\s{1,3}`?(?:nan|inf)\b"
    # a reproduction that falls short: "can't seem to get the accuracy anywhere near", "can't replicate the result"
    r"|(?:can'?t|cannot|couldn'?t|unable\s{1,3}to|not\s{1,3}able\s{1,3}to|fail(?:ed|s)?\s{1,3}to)\s{1,3}(?:seem\s{1,3}to\s{1,3}|"
    r"even\s{1,3}|quite\s{1,3})?(?:replicate|reproduce|match|reach|achieve)\b"
    # a result told against the paper in words: "10 percentage points off the paper", "different from the results
    # in the paper", "not at all near the paper's reported numbers"
    r"|\b(?:worse|off|below|short\s{1,3}of|behind|far\s{1,3}(?:from|below|off)|different\s{1,3}from|(?:not|nowhere)\s{1,3}"
    r"(?:at\s{1,3}all\s{1,3}|even\s{1,3})?(?:near|close\s{1,3}to)|anywhere\s{1,3}near)\b[^.;!?]{0,50}?\b(?:the\s{1,3})?"
    r"(?:paper|paper's|reported|claimed|published|authors?|author's)\b"
    r"|,\s{0,3}(?:and\s{1,3})?(?:exactly\s{1,3}|basically\s{1,3})?(?:the\s{1,3})?same\s{1,3}(?:results?|thing|outcome|story|"
    r"numbers|error|problem|issue)\s{0,3}[.!]*\s*$")
# An error measure still at a value: "the loss is still around 2.3", "WER is still 45%".
_STILL_AT = re.compile(r"\b(?P<metric>[a-z]{2,12})\s{1,3}(?:is|was|are|were|stays?|stayed|remains?|remained)\s{1,3}"
                       r"still\s{1,3}(?:around\s{1,3}|at\s{1,3}|about\s{1,3}|~\s{0,2}|near\s{1,3}|over\s{1,3}|above\s{1,3})?"
                       r"(?<![\w.\-])\d")


def _direction(text: str) -> str | None:
    """The direction ("max"/"min") of the one result metric ``text`` names, None when none or several disagree."""
    found = {w for w in lexicon.words(text) if w in _RESULT_METRICS}
    directions = {lexicon.metric_direction(w) for w in found}
    return directions.pop() if len(directions) == 1 else None


def against_reference(lowered: str) -> Outcome | None:
    """"worked"/"did_not_work" for a value measured against a named reference's value, else None."""
    connector = _CONNECTOR.search(lowered)
    if connector is None or not _REFERENCE.search(lowered):
        return None
    left, right = lowered[: connector.start()], lowered[connector.end():]
    left_ref, right_ref = bool(_REFERENCE.search(left)), bool(_REFERENCE.search(right))
    if left_ref == right_ref:
        return None
    ours_part, theirs_part = (right, left) if left_ref else (left, right)
    ours, theirs = _VALUE.findall(ours_part), _VALUE.findall(theirs_part)
    direction = _direction(lowered)
    if ours and theirs and direction is None and re.search(_ONLY_BEFORE + re.escape(ours[-1]), ours_part):
        return "did_not_work"   # "IC13: only 88.45% while 91.1% in paper": "only" says which side falls short
    if not ours or not theirs or direction is None:
        return None
    a, b = (float(v.rstrip("% ")) for v in (ours[-1], theirs[0]))
    if a == b or ("%" in ours[-1]) != ("%" in theirs[0]):
        return None
    better = a > b if direction == "max" else a < b
    # "much higher than the 12% reported": the comparative names which side is above, the values agree
    return "worked" if better else "did_not_work"


# "which is lower than paper report", "got lower results than the ones reported in the paper", "2% less than the
# accuracy claimed in the paper": lower or higher than the reference, judged by the metric's direction (results,
# numbers, scores and performance are higher-is-better).
# A negation before the comparative ("the loss is not lower than the baseline") denies the move: a gain denied is a
# shortfall, a loss denied ("accuracy is not lower than the baseline") no verdict.
_THAN_REFERENCE = re.compile(r"(?P<neg>\b(?:not|no|never|isn'?t|wasn'?t|aren'?t|weren'?t)\s{1,3}"
                             r"(?:any\s{1,3}|much\s{1,3})?)?"
                             r"\b(?P<dir>lower|higher|smaller|larger|less|more)\s{1,3}"
                             r"(?P<noun>(?:[\w-]{1,20}\s{1,3}){0,2}?)than\s{1,3}(?:[\w'-]{1,20}\s{1,3}){0,3}?"
                             r"(?:paper|reported|claimed|published|baseline|authors?)\b")
_GENERIC_RESULT = re.compile(r"\b(?:results?|numbers|scores?|performance)\b")
_VALUE_TEXT = r"(?<![\w.\-])(?:\d*\.\d+|\d+(?:\.\d+)?\s?%)"
# A ceiling or a plateau of a result measure: "the val accuracy is only 48%", "the precision is not high enough",
# "can't seem to get the val accuracy past 0.7", "accuracy has been around 62% for a long time".
_ONLY_VALUE = re.compile(r"\b(?P<metric>[a-z][a-z0-9]{1,12})\s{1,3}(?:is|was|are|were|stays?\s{1,3}at|stayed\s{1,3}at|"
                         r"remains?|remained)\s{1,3}(?:still\s{1,3})?(?:only|just)\s{1,3}(?:about\s{1,3}|around\s{1,3}|"
                         r"~\s{0,2})?" + _VALUE_TEXT)
_NOT_ENOUGH = re.compile(r"\b(?:not|isn't|aren't|wasn't|weren't|never)\s{1,3}(?:\w{1,12}ly\s{1,3})?"
                         r"(?:high|good|accurate|low|stable|robust|sharp|fast|reliable|close|competitive)\s{1,3}enough\b")
_CANNOT_PASS = re.compile(r"(?:can'?t|cannot|couldn'?t|unable\s{1,3}to|not\s{1,3}able\s{1,3}to|never)\s{1,3}"
                          r"(?:seem\s{1,3}to\s{1,3})?(?:get|push|bring|move|raise|lift|drive)\b[^.;!?]{0,40}?\b"
                          r"(?:past|above|beyond|over|below|under|(?:higher|lower|better)\s{1,3}than)\s{1,3}"
                          r"(?:the\s{1,3})?(?:~\s{0,2})?" + _VALUE_TEXT)
_PLATEAU = re.compile(r"\b(?:(?:has|have|had)\s{1,3}been|is|are|was|were|stays?|stayed|remains?|remained|sits?|sat|"
                      r"hovers?|hovered)\s{1,3}(?:stuck\s{1,3})?(?:around|at|about|near|~)\s{0,3}"
                      + _VALUE_TEXT + r"\s{1,3}for\s{1,3}(?:a\s{1,3}(?:long\s{1,3})?(?:time|while)|ages|"
                      r"(?:the\s{1,3}(?:last|past)\s{1,3})?\d+\s{1,3}(?:epochs?|steps?|iterations?|hours?|days?))")
_NO_FURTHER = re.compile(r"\b(?:can'?t|cannot|couldn'?t|won'?t|wouldn'?t|doesn'?t|does\s{1,3}not|didn'?t|"
                         r"did\s{1,3}not)\s{1,3}(?:seem\s{1,3}to\s{1,3})?(?:go|get|drop|fall|climb|rise|reach)\s{1,3}"
                         # "did not go further than about 70 percent accuracy", "doesn't reach to any better accuracy"
                         r"(?:to\s{1,3})?(?:any\s{1,3}(?:lower|higher|further|better|down|up)|(?:further|higher|better)\s{1,3}"
                         r"than|beyond|past)\b")


def _ceiling(lowered: str) -> bool:
    """Whether a clause tells a result measure held below where it was wanted (see ``_ONLY_VALUE``)."""
    only = _ONLY_VALUE.search(lowered)
    if only and only.group("metric") in lexicon.HIGHER_IS_BETTER_WORDS:
        return True
    names_result = any(w in _RESULT_METRICS for w in lexicon.words(lowered)) or bool(_GENERIC_RESULT.search(lowered))
    return names_result and bool(_NOT_ENOUGH.search(lowered) or _CANNOT_PASS.search(lowered)
                                 or _PLATEAU.search(lowered) or _NO_FURTHER.search(lowered))


# Round 16: "Accuracy seems to be the same as before", "the loss is the same as batch size 1", "Same mAP: 0.5145": a
# measure told unmoved after a change. The same as a reference ("the same as the paper", "as yours") matches it,
# "the same across seeds" / "for all runs" is a spread, "the learning rate is the same" names no measure, and a
# change made to cut a cost ("the accuracy is the same after pruning", "... with int8") kept what it had to keep.
_UNMOVED = re.compile(r"\b(?:acc(?:uracy)?|f1|auc|scores?|bleu|m?ap|iou|dice|recall|precision|metrics?|loss(?:es)?|wer|"
                      r"cer|ppl|perplexity|results?|performance)\s{1,3}(?:is|was|are|were|seems?(?:\s{1,3}to\s{1,3}be)?|"
                      r"looks?|looked|stays?|stayed|remains?|remained)\s{1,3}(?:still\s{1,3})?(?:exactly\s{1,3}|"
                      r"basically\s{1,3}|almost\s{1,3}|pretty\s{1,3}much\s{1,3}|just\s{1,3})?the\s{1,3}same\b"
                      r"(?!\s{1,3}(?:across|for|between|over|among)\b)(?![^.;!?]{0,40}\b(?:paper|reported|original|"
                      r"official|authors?|published|readme|yours|theirs|expected|repo)\b)|"
                      r"^\W{0,4}same\s{1,3}(?:(?:val(?:idation)?|test|train|dev)\s{1,3})?(?:acc(?:uracy)?|f1|auc|scores?|"
                      r"bleu|m?ap|iou|dice|recall|precision|loss|wer|cer|ppl|results?)\b(?!\s{1,3}(?:as|function|metric)\b)")
_COST_CUT = re.compile(r"\b(?:prun\w*|quanti[sz]\w*|distill\w*|compress\w*|int8|int4|fp16|bf16|half[\s-]precision|"
                       r"smaller|fewer|cheaper|faster|less\s+(?:memory|compute|data)|sparsi\w*)")


def shortfall(lowered: str) -> Outcome | None:
    """The verdict a clause gives without a verdict word (see the module docstring), else None."""
    lowered = lowered.replace("’", "'")
    if _SHORTFALL.search(lowered) or (_UNMOVED.search(lowered) and not _COST_CUT.search(lowered)):
        return "did_not_work"
    if _ceiling(lowered):
        return "did_not_work"
    than = _THAN_REFERENCE.search(lowered)
    direction = _direction(lowered) if than else None
    if than and direction is None and _GENERIC_RESULT.search(than.group("noun") or ""):
        direction = "max"
    if than and direction is not None:
        up = than.group("dir") in ("higher", "larger", "more")
        gain = up == (direction == "max")
        if than.group("neg"):
            return "did_not_work" if gain else None
        return "worked" if gain else "did_not_work"
    still = _STILL_AT.search(lowered)
    if still and still.group("metric") in _ERROR_METRICS:
        return "did_not_work"
    return against_reference(lowered)


_CONJECTURE = re.compile(
    rf"^\W{{0,4}}(?:(?:but|and|so)\s{{1,3}})?(?:probably|perhaps|maybe|possibly|likely|{doubts.HEDGE_PROB})\b,?\s{{1,3}}"
    r"(?:the|this|that|it|my|our|"
    r"these|those)\b"
    # "probably lr too high", "maybe warmup too short": a terse note drops the article before the cause
    rf"|^\W{{0,4}}(?:(?:but|and|so)\s{{1,3}})?(?:probably|perhaps|maybe|possibly|likely|{doubts.HEDGE_PROB})\s{{1,3}}"
    r"(?:[\w.-]{1,20}\s{1,3}){1,3}?"
    r"(?:is\s{1,3}|was\s{1,3}|are\s{1,3}|were\s{1,3})?(?:just\s{1,3}|still\s{1,3}|way\s{1,3})?too\s"
    r"|\bit\s{1,3}(?:could|might|may)\s{1,3}(?:also\s{1,3}|just\s{1,3})?be\s{1,3}(?:that|because)\b"
    r"|^\W{0,4}(?:it\s{1,3})?(?:seems?|looks?)\s{1,3}(?:like|that|as\s{1,3}if)\s{1,3}(?:the|my|our|these|"
    r"those)\b"
    # "It seems that LR is too high": the article dropped before a short name (non-native and terse notes)
    r"|^\W{0,4}(?:it\s{1,3})?(?:seems?|looks?)\s{1,3}(?:like|that|as\s{1,3}if)\s{1,3}(?:[\w.-]{1,20}\s{1,3}){1,2}?"
    r"(?:is|are|was|were)\s")
# ("It seems like it's stuck at a wrong local optimum" judges the run just told: a hedged verdict.)
# A hedge on a change's outcome is a hedged verdict, not a conjecture ("it seems adding dropout didn't help").
_OUTCOME_WORDS = re.compile(r"\b(?:help\w*|improv\w*|work\w*|better|worse|hurt\w*|gain\w*|boost\w*|fix\w*|effect\w*|"
                            r"difference|benefit\w*|should|could\s+try|let'?s)\b")


# What makes the hedged claim a cause, not a hedged outcome ("it seems the model is overfitting" judges the run):
# a setting too high or low, a mismatch, a thing wrong, broken or not done.
_CAUSE_SHAPE = re.compile(r"\btoo\s{1,3}(?:high|low|large|small|big|strong|weak|short|long|aggressive|few|many|much|"
                          r"little|noisy|slow|fast|hard|easy)\b|\b(?:does\s{1,3}not|doesn'?t|do\s{1,3}not|don'?t)\s{1,3}match\b|"
                          r"\bmismatch\w*|\b(?:is|are|was|were)\s{1,3}(?:\w{1,12}ly\s{1,3})?(?:wrong|off|broken|buggy|"
                          r"the\s{1,3}(?:problem|issue|culprit|reason|cause|bottleneck))\b|"
                          r"\bnot\s{1,3}(?:being\s{1,3}|properly\s{1,3}|correctly\s{1,3})?(?:masked|normali[sz]ed|loaded|"
                          r"shuffled|updated|initiali[sz]ed|scaled|frozen|applied|used)\b|\b(?:due\s{1,3}to|caused\s{1,3}by)\b|"
                          # "It seems that the problem is that the gradients ... are exploding": the trouble's cause,
                          # under the hedge
                          r"\bthe\s{1,3}(?:problem|issue)\s{1,3}(?:is|was)\s{1,3}that\b")


def conjecture(lowered: str) -> bool:
    """Whether a sentence puts a cause forward under a hedge, with no outcome of a change in it."""
    lowered = lowered.replace("’", "'")
    return (bool(_CONJECTURE.search(lowered)) and bool(_CAUSE_SHAPE.search(lowered))
            and not _OUTCOME_WORDS.search(lowered))
