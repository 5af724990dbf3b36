"""A metric moving in a sentence, judged by the metric's direction ("val loss went down" is a gain,
"accuracy dropped" and "WER on the rise" are losses), for ``narrative.reading``.

Whether a movement is good depends on the metric's goal (``narrative.lexicon`` knows which metrics are
better lower), never on the verb: the same "increased" is a gain for accuracy and a loss for WER.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from narrative import lexicon
from storage.records import Verdict

MAX_READ_CHARS = 600

# A metric moving: "val loss went down", "WER dropped from 15.1 to 14.2", "accuracy decreased", "lower
# perplexity". Whether that is good depends on the metric's direction, not on the verb.
# A trend told with a progressive or a phrase ("going up", "rising", "on the rise", "declining") moves
# the metric as much as a past tense does.
_DOWN = r"(?:went\s+down|goes\s+down|go\s+down|going\s+down|down|dropped|drops|dropping|drop|fell|falls|falling|" \
        r"fall|decreased|decreases|decrease|decreasing|reduced|reduce|shrank|shrunk|shrinking|lower(?:ed)?|" \
        r"declined|declines|declining|decline|descended|descending|on\s{1,3}the\s{1,3}decline)"
_UP = r"(?:went\s+up|goes\s+up|go\s+up|going\s+up|up|increased|increases|increase|increasing|rose|rises|rise|" \
      r"rising|grew|grow|growing|jumped|jump|higher|climbed|climbing|climbs|spiked|spiking|creeping\s{1,3}up|" \
      r"crept\s{1,3}up|on\s{1,3}the\s{1,3}rise)"
# "keeps on increasing", "started to rise", "continues to decrease", "kept steadily climbing": how long a
# trend lasts is no verdict; the direction is.
_TREND_LEAD = (r"(?:(?:keeps?|kept)(?:\s{1,3}on)?|(?:starts?|started|begins?|began|continues?|continued|seems?|"
               r"seemed|tends?|tended)(?:\s{1,3}to)?|constantly|steadily|gradually|just)\s{1,3}")
# A word of a metric's name is at most 80 characters: an unbounded one made every search restart scan to
# the end of a long token (quadratic on a pasted hash or base64 blob, issue 11).
_METRIC_PHRASE = r"(?P<metric>[a-z][\w@/.\-]{0,80}(?:\s+[a-z][\w@/.\-]{0,80}){0,2}?)"
_MOVE_AFTER = re.compile(
    rf"{_METRIC_PHRASE}\s+(?:has\s+|have\s+|had\s+|is\s+|was\s+|got\s+|also\s+|slightly\s+|significantly\s+|"
    rf"a\s+bit\s+|much\s+|still\s+|{_TREND_LEAD}){{0,2}}(?:(?P<neg>(?:did|does|do|has|have|would|will|could)\s*(?:n't|n’t|not)\s+|"
    rf"never\s+|not\s+|didnt\s+|doesnt\s+|(?:does|did|do)'t\s+|hardly\s+|barely\s+|scarcely\s+)(?:really\s+|even\s+|much\s+)?|"
    rf"(?P<stall>stopped\s+|stops\s+|ceased\s+|no\s+longer\s+|quit\s+))?(?P<dir>{_DOWN}|{_UP})\b(?!\s+than)")
_MOVE_BEFORE = re.compile(rf"\b(?P<dir>lower|higher|reduced|increased|decreased)\s+{_METRIC_PHRASE}\b")
# Round 18: a change told to move a measure that is its object ("Batch normalization increases the accuracy",
# "dropout reduced the val loss", "it did not increase our F1"): good or bad by the measure's direction. Only a score or
# an error is such a measure (a cost cut, "reduced the model size", is a thing done); a setting named by the measure
# ("reduced the loss weight"), a habit or a possibility ("usually reduces the error", "can increase the accuracy") and
# a base form without a negation ("increase the accuracy": a plan or a purpose) are not.
_OBJECT_MEASURE = (r"(?:accuracy|acc|f1|auc|auroc|recall|precision|m?ap|m?iou|dice|bleu|rouge|psnr|ssim|score|scores|"
                   r"loss|losses|error|errors|wer|cer|perplexity|ppl|rmse|mse|mae|fid)")
_MOVE_OBJECT = re.compile(
    r"(?P<hedge>\b(?:can|could|may|might|should|would|will|usually|often|typically|generally|tends?\s{1,3}to|to)"
    r"\s{1,3}(?:\w+ly\s{1,3})?)?"
    r"(?P<neg>\b(?:did|does|do)\s{0,3}(?:n't|n’t|\s+not)\s{1,3}(?:really\s{1,3}|even\s{1,3}|much\s{1,3})?)?"
    r"\b(?P<dir>increased|increases|decreased|decreases|reduced|reduces|lowered|lowers|raised|raises|boosted|boosts|"
    r"increase|decrease|reduce|lower|raise|boost)\s{1,3}(?:the|our|my|its|their|his|her|your)\s{1,3}"
    rf"(?P<metric>(?:[a-z][\w@/.\-]{{0,30}}\s{{1,3}}){{0,2}}?{_OBJECT_MEASURE})\b"
    r"(?!\s{1,3}(?:weights?|coefficients?|scales?|scaling|terms?|functions?|thresholds?|budgets?|landscape|curves?|"
    r"computation|calculation|type)\b)")
_BASE_FORMS = frozenset({"increase", "decrease", "reduce", "lower", "raise", "boost"})
# "the PSNR is higher than the original", "the total loss go much below what it went with a dense model": a metric
# compared with a yardstick moved the way the comparative says (good or bad by the metric's direction, not by the
# word "lower"); a yardstick that is another split ("train loss lower than val loss") is a gap, read elsewhere.
_MOVE_COMPARED = re.compile(
    rf"{_METRIC_PHRASE}\s+(?:(?:is|was|are|were|went|goes|go|got|gets|became|becomes|also|even|still|now)\s+){{0,2}}"
    r"(?P<neg>(?:not|never|isn'?t|wasn'?t|aren'?t|weren'?t)\s+)?"
    r"(?:(?:much|far|way|slightly|significantly|considerably|a\s+bit|a\s+lot|clearly|noticeably)\s+)?"
    r"(?P<dir>lower|higher|below|above)\s+(?:than|what)\b(?!\s+(?:the\s+)?(?:val\w*|valid\w*|test\w*|train\w*|dev|eval\w*)\b)")
_MOVE_NUMBERS = re.compile(
    # "\s*X?\s*" written as "\s*(?:X\s*)?": the same text, without splitting a whitespace run two ways
    # "dice on the val crops went from 0.71 to 0.69": the metric may carry what it was measured on
    rf"{_METRIC_PHRASE}(?:\s{{1,3}}(?:on|over|across|for)\s{{1,3}}(?:the\s{{1,3}})?[a-z][\w-]{{0,30}}(?:\s{{1,3}}[a-z][\w-]{{0,30}})?"
    r"\s{1,3}(?:went|goes)\s{1,3}from\s*)?"
    rf"\s*(?:(?:[:=]|of|from|went\s+from|goes\s+from)\s*)?(?P<a>[-+]?\d*\.?\d+)\s*(?:%\s*)?"
    r"(?:->|→|=>|to)\s*(?P<b>[-+]?\d*\.?\d+)")
# "accuracy: 94.10% (+1.09%)", "WER 12.1 (-0.4)": a value with its change in brackets; the sign of the
# change is the movement.
_MOVE_DELTA = re.compile(
    rf"{_METRIC_PHRASE}\s{{0,3}}(?:[:=]\s{{0,3}})?[~≈]?\d*\.?\d+\s{{0,2}}%?\s{{0,2}}[(（]\s{{0,2}}(?P<sign>[-+−])\s{{0,2}}"
    r"\d*\.?\d+\s{0,2}%?\s{0,2}(?:pts?|points?|pp)?\s{0,2}[)）]")
# "98 -> 99% train accuracy": the metric after the numbers (arrows only: "from 3 to 5 layers" counts layers).
_MOVE_NUMBERS_FIRST = re.compile(r"(?<![\w.])(?P<a>[-+]?\d*\.?\d+)\s{0,3}%?\s{0,3}(?:->|→|=>)\s{0,3}"
                                 r"(?P<b>[-+]?\d*\.?\d+)\s{0,3}%?\s{1,3}(?P<metric>[a-z][\w@/.\-]{0,80}(?:\s{1,3}[a-z][\w@/.\-]{0,80}){0,2})")


# A negation just before "higher accuracy" / "lower loss" ("further training did not lead to higher accuracy").
# A thing ranked first or last by a measure: "Dropout in conv layers gave the highest validation accuracy" (not asked:
# "which one gave the highest accuracy?")
_RANKED = re.compile(r"\b(?:gave|gives|give|got|gets|achieved|achieves|reached|reaches|had|has|yielded|yields|produced|"
                     r"produces|obtained|obtains|scored|scores)\s{1,3}(?:by\s{1,3}far\s{1,3})?the\s{1,3}(?:very\s{1,3})?"
                     r"(?P<rank>highest|best|top|lowest|worst)\s{1,3}(?P<metric>[a-z][\w@/.\-]{0,40}(?:\s{1,3}[a-z][\w@/.\-]{0,40})"
                     r"{0,2})")
_NEGATED_BEFORE = re.compile(r"(?:\bnot|n't|\bnever|\bno)(?:\s+(?:lead|led|leads|result|resulted|results|give|gave|"
                             r"gives|bring|brought|yield|yielded|show|showed|in|to|any|a|an|much|really)){0,3}\s+$")
_SPLIT_WORD = re.compile(r"\b(?:train(?:ing)?|val|valid|validation|test|dev|eval|held-?out)\b")
SETTING_MOVE = re.compile(
    rf"\b(?:lr|learning\s+rate|batch(?:\s+size)?|dropout|weight\s+decay|wd|epochs?|warmup|temperature|"
    rf"momentum|patience|depth|width|seq(?:uence)?\s+len(?:gth)?|context(?:\s+length)?)\s+(?:was\s+|is\s+|got\s+)?"
    rf"(?:{_DOWN}|{_UP})\b|\b(?:lowered|raised|dropped|reduced|increased|decreased)\s+(?:the\s+)?"
    rf"(?:lr|learning\s+rate|batch(?:\s+size)?|dropout|weight\s+decay|wd|epochs?|warmup|temperature|momentum)\b")


def states_metric_move(text: str) -> bool:
    """Whether ``text`` reports a metric moving ("the valid loss decreased to around"): a result, not
    a thing tried."""
    moved, _rest = metric_moves(" ".join(text[:MAX_READ_CHARS].lower().split()))
    return moved is not None


def names_metric(words_in: list[str]) -> bool:
    """Whether the first words of a clause ("val loss went", "auc basically flat") name a metric."""
    return _metric_of(" ".join(words_in)) is not None


# "padding size", "batch size", "kernel size": a size that a setting noun qualifies is the setting, not the
# model's size (a metric, smaller is better): "Bump padding size from 30 to 32" moves no metric.
_SETTING_SIZE_HEADS = frozenset({
    "padding", "pad", "batch", "minibatch", "kernel", "filter", "image", "img", "input", "crop", "patch", "window",
    "hidden", "embedding", "embed", "pool", "pooling", "step", "chunk", "beam", "vocab", "vocabulary", "context",
    "buffer", "grid", "stride", "sample", "population", "ensemble", "block", "layer", "font", "tile"})


def _metric_of(phrase: str) -> str | None:
    """The metric words of a phrase ("val loss" of "the val loss"), or None when it names no metric."""
    words = lexicon.words(phrase)
    found = [w for i, w in enumerate(words)
             if (w in lexicon.LOWER_IS_BETTER_WORDS or w in lexicon.HIGHER_IS_BETTER_WORDS
                 or any(fragment in w for fragment in lexicon.LOWER_IS_BETTER))
             and not (w == "size" and i > 0 and words[i - 1] in _SETTING_SIZE_HEADS)]
    if not found and (words[-1:] == ["performance"] or (words[-1:] == ["results"] and not {"number", "count"} & set(
            words))):   # "the results drop dramatically"; "the number of results" counts
        # "my model performance going down": performance as the head of the phrase is a score (higher
        # is better); "performance cost" or "performance impact" is not
        return "performance"
    return " ".join(found) if found else None


# "the gap between the training accuracy and the validation accuracy keeps increasing": the measure
# that moves is the gap, an error (smaller is better), not the accuracy its words name.
_GAP = re.compile(r"\b(?:gap|difference|discrepancy|disparity)\s{1,3}between\s{1,3}[^,;.]{1,80}?\s{1,3}and\s{1,3}"
                  r"(?:the\s{1,3})?(?:[a-z][\w-]{0,30}\s{1,3}){0,2}?(?:accuracy|acc|loss|losses|error|score|"
                  r"performance|f1|auc|wer|metrics?)\b")


def metric_moves(masked: str) -> tuple[Verdict | None, str]:
    """The verdict of metric movements in a clause when they all agree (None otherwise), and the
    clause without them."""
    masked = _GAP.sub("generalization error", masked)
    verdicts: set[Verdict] = set()
    spans: list[tuple[int, int]] = []
    bad_held_out = good_train = False
    for pattern in (_MOVE_AFTER, _MOVE_BEFORE, _MOVE_COMPARED):
        for match in pattern.finditer(masked):
            metric = _metric_of(match.group("metric"))
            if metric is None:
                continue
            went_up = bool(re.fullmatch(_UP, match.group("dir"))) or match.group("dir") == "above"
            good = went_up == (lexicon.metric_direction(metric) == "max")
            if match.groupdict().get("neg") or (pattern is _MOVE_BEFORE and _NEGATED_BEFORE.search(
                    masked, max(0, match.start() - 40), match.start())):
                good = not good     # "the error did not reduce", "did not lead to higher accuracy"
            elif match.groupdict().get("stall"):
                # "the losses stopped decreasing": progress ended, a plateau; a bad trend that
                # stopped ("stopped increasing") says nothing of a result.
                if not good:
                    continue
                good = False
            verdicts.add("worked" if good else "did_not_work")
            spans.append(match.span())
            split = _SPLIT_WORD.search(match.group("metric"))
            if split and not good and not split.group(0).startswith("train"):
                bad_held_out = True
            elif split and good and split.group(0).startswith("train"):
                good_train = True
    for match in ([] if "?" in masked else _MOVE_OBJECT.finditer(masked)):
        if match.group("hedge") or (match.group("dir") in _BASE_FORMS and not match.group("neg")):
            continue
        metric = _metric_of(match.group("metric"))
        if metric is None:
            continue
        good = (match.group("dir").startswith(("increas", "rais", "boost"))) == (
            lexicon.metric_direction(metric) == "max")
        verdicts.add("worked" if good != bool(match.group("neg")) else "did_not_work")
        spans.append(match.span())
    for match in ([] if "?" in masked else _RANKED.finditer(masked)):
        metric = _metric_of(match.group("metric"))
        if metric is None:
            continue
        rank = match.group("rank")   # "gave the highest validation accuracy", "had the lowest wer", "the worst f1"
        good = rank == "best" or (rank != "worst" and (rank in ("highest", "top")) == (
            lexicon.metric_direction(metric) == "max"))
        verdicts.add("worked" if good else "did_not_work")
        spans.append(match.span())
    for match in (*_MOVE_NUMBERS.finditer(masked), *_MOVE_NUMBERS_FIRST.finditer(masked)):
        metric = _metric_of(match.group("metric"))
        if metric is None:
            continue
        a, b = float(match.group("a")), float(match.group("b"))
        if a == b:
            continue
        good = (b > a) == (lexicon.metric_direction(metric) == "max")
        verdicts.add("worked" if good else "did_not_work")
        spans.append(match.span())
    for match in _MOVE_DELTA.finditer(masked):
        metric = _metric_of(match.group("metric"))
        if metric is None:
            continue
        good = (match.group("sign") == "+") == (lexicon.metric_direction(metric) == "max")
        verdicts.add("worked" if good else "did_not_work")
        spans.append(match.span())
    if len(verdicts) > 1 and bad_held_out and good_train:
        # "the training loss down hugely and the validation loss rises": it overfits, no gain.
        verdicts = {"did_not_work"}
    rest = masked
    for start, end in sorted(spans, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    return (verdicts.pop() if len(verdicts) == 1 else None), rest


# The training side of a result ("train loss", "on the train dataset", "my CV score") and the held-out side.
_TRAIN_SIDE = re.compile(r"\b(?:train(?:ing)?|cv|cross[- ]?validation)\b")
_HELD_OUT_SIDE = re.compile(r"\b(?:test(?:ing)?|val|valid|validation|held[- ]?out|dev|unseen)\b")


def train_only_gains(clauses: list[str], verdict: Callable[[str], Verdict | None]) -> set[int]:
    """The clauses whose success is on the training side only, when a later clause of the line fails on held-out data
    ("Label smoothing improved my CV score but it perform worse on test data", "the training loss is decreasing while
    validation loss is increasing"): the model overfits, and the held-out failure is the line's verdict. Likewise a
    loss that falls while a later clause says the task's score fails ("the loss converges very quickly. but the
    recall is very low", "the ctc_loss got down to 0.01 while accuracy is still under 1%"): the objective is met and
    the task is not, so the line did not work."""
    verdicts = [verdict(clause) for clause in clauses]
    lowered = [clause.lower() for clause in clauses]

    def failed_after(i: int, side: re.Pattern[str], other: re.Pattern[str]) -> bool:
        return any(verdicts[j] == "did_not_work" and side.search(lowered[j]) and not other.search(lowered[j])
                   for j in range(i + 1, len(clauses)))

    return {i for i, said in enumerate(verdicts) if said == "worked" and (
        (_TRAIN_SIDE.search(lowered[i]) and not _HELD_OUT_SIDE.search(lowered[i])
         and failed_after(i, _HELD_OUT_SIDE, _TRAIN_SIDE))
        or (_OBJECTIVE.search(lowered[i]) and not _TASK_SCORE.search(lowered[i])
            and failed_after(i, _TASK_SCORE, _OBJECTIVE)))}


# The training objective ("loss", "ctc_loss") and a task's score, higher is better ("accuracy", "recall", "mAP").
_OBJECTIVE = re.compile(r"(?<![\w-])(?:[a-z]{1,12}_)?loss(?:es)?\b")
_TASK_SCORE = re.compile(r"\b(?:acc|accuracy|recall|precision|m?ap|f1|auc|bleu|m?iou|dice|ndcg)\b")
