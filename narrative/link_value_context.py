"""What the words around a quoted value say it is (links round 10): a source's value ("the paper reports 91.2"), a
value pooled over runs ("mean .911 over the seeds"), an error metric's value ("val loss plateaued at .905"), or the
result of a named family's baseline ("bert baseline .884", the bert run's own)."""

from __future__ import annotations

import re

from narrative import lexicon

# A published source reporting the value in its clause: "the paper reports 91.2", "authors got .93", "reported: 72.4".
SOURCE_REPORTS = re.compile(
    r"\b(?:papers?|authors?|leaderboard|sota)\b[^,;.]{0,24}?\b(?:reports?|reported|gets?|got|has|had|claims?|claimed|"
    r"shows?|showed|lists?|says?|said|achieves?|achieved)\b|\b(?:reported|published|claimed)\b"
)
# A value of several runs together, right after the word that pools them: "mean .911", "avg over seeds: .911",
# "std .003" (one run's value is never that).
AGGREGATE_BEFORE = re.compile(
    r"(?<![a-z])(?:mean|avg|average[ds]?|averaging|median|std|stdev|sd)[ \t]{0,2}(?:(?:over|across|of)[ \t]{1,2}"
    r"(?:the[ \t]{1,2})?(?:\d[ \t]{1,2})?[a-z]{2,12}[ \t]{0,2})?(?:is|was|=|:|of|at|~)?[ \t]{0,2}"
    r"(?:about|around|roughly|[~(])?[ \t]{0,2}$"
)
# Metrics whose lower values are better (errors and losses): a value named by one is not a score's value. ("ppl"
# and "err" are as often people and a typo: "p90 for the reserving ppl: coverage .893".)
LOWER_BETTER = re.compile(r"(?<![a-z])(?:loss|logloss|perplexity|rmse|mae|mse|r?mape|smape|wape|brier|latency|"
                          r"p95|error|wer|cer|ece)(?![a-z])")


# A model family's word, then "baseline", right before the value: "bert baseline .884", "the resnet50 baseline: 87.1".
_FAMILY_BASELINE = re.compile(r"(?<![\w.])([a-z][a-z0-9_.\-]{1,30})[ \t]{1,2}baseline[ \t]{0,2}[:=(~]?[ \t]{0,2}$")
# A comparison or another's possession earlier in the clause: the named baseline is then the reference.
_COMPARED_BEFORE = re.compile(r"\b(?:vs\.?|versus|than|over|against|from|compared|relative|beats?|beating|beat|"
                              r"above|below|under|to|instead|like|unlike)\b|['’]s\b|\b(?:his|her|their|your)\b")


def named_baseline(head: str, clause_start: re.Pattern[str]) -> bool:
    """Whether the text before a value ends with a family's baseline said as the subject ("bert baseline .884"),
    not compared with ("vs the bert baseline .884", "up from the bert baseline .884")."""
    named = _FAMILY_BASELINE.search(head)
    if named is None or not lexicon.families_in(named.group(1)):
        return False
    clause = clause_start.split(head[: named.start()])[-1]
    return not _COMPARED_BEFORE.search(clause)


def error_named_before(clause: str) -> str | None:
    """An error metric named earlier in the value's clause ("val loss plateaued at .905"), when no other metric is."""
    named = LOWER_BETTER.search(clause)
    if named is None or any(lexicon.contains_phrase(clause, w) and not lower_better(w) for w in lexicon.METRIC_WORDS):
        return None
    return named.group(0)


def lower_better(metric: str) -> bool:
    return bool(LOWER_BETTER.search(metric.lower().replace("_", " ")))
