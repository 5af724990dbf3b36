"""Verdicts and decisions in a brain dump, for ``narrative.structuring``: the verdict the person's
words state, the verdict the linked runs' data gives (a failed run, a clear drop against the best
value stated earlier), and the decisions a sentence makes (a metric switch, an adoption, an
abandonment).
"""

from __future__ import annotations

import re

from narrative import lexicon
from narrative import reading as readings_mod
from narrative.entry_text import MAX_ITEM_CHARS, QUESTION, QUESTION_PREFIX, clip, split_clauses
from storage.records import DecisionNote, Goal, RunSnapshot, Verdict

CLEAR_DROP = 0.001            # relative change below which two values are "the same"


def language_verdict(clause: str) -> Verdict | None:
    """The verdict the person's words state, negation scope and superlatives read as they meant."""
    return readings_mod.verdict_of(clause)


# "this batch size uses 80% of memory capacity", "each epoch takes 40 minutes": the numbers measure what a run
# costs, not how well it did; the tracker's metric judges the run, never such a sentence
_RESOURCE_MEASURE = re.compile(r"\b(?:memory|vram|ram|gpu|cpu|capacity|utili[sz]ation|disk|seconds?|secs?|minutes?|"
                               r"mins?|hours?|hrs?|it/s|s/it|throughput|wall[ -]?clock)\b", re.I)


def measures_cost(clause: str, metric: str | None) -> bool:
    """Whether a clause reports a run's cost (memory, time) rather than its metric."""
    if metric and metric.lower().replace("_", " ") in clause.lower().replace("_", " "):
        return False
    return bool(_RESOURCE_MEASURE.search(clause)) and language_verdict(clause) is None


def verdict_from_runs(
    run_ids: list[str],
    runs: dict[str, RunSnapshot],
    metric: str | None,
    goal: Goal,
    best_so_far: float | None,
) -> tuple[Verdict | None, float | None]:
    """A verdict from the tracker: a failed run did not work; a clear drop against the best
    value stated earlier in the same entry did not work either."""
    linked = [runs[r] for r in run_ids if r in runs]
    if not linked:
        return None, None
    if all(r.status.upper() in {"FAILED", "KILLED"} for r in linked):
        return "did_not_work", None
    if not metric:
        return None, None
    values = [r.metrics[metric] for r in linked if metric in r.metrics]
    if not values:
        return None, None
    value = max(values) if goal == "max" else min(values)
    if best_so_far is None:
        return None, value
    change = (value - best_so_far) / abs(best_so_far) if best_so_far else value - best_so_far
    if goal == "min":
        change = -change
    if change < -CLEAR_DROP:
        return "did_not_work", value
    return None, value


def better_of(a: float, b: float, goal: Goal) -> float:
    return max(a, b) if goal == "max" else min(a, b)


def all_failed(run_ids: list[str], runs: dict[str, RunSnapshot]) -> bool:
    linked = [runs[r] for r in run_ids if r in runs]
    return bool(linked) and all(r.status.upper() in {"FAILED", "KILLED"} for r in linked)


def decisions_in(text: str, metric_keys: list[str], run_ids: list[str]) -> list[DecisionNote]:
    # "keeping me from landing on ...": "keep" as in prevent is no adoption.
    text = _KEEP_FROM.sub("hinders", text)
    lowered = text.lower()
    notes: list[DecisionNote] = []
    switch = None if _is_question(text) else _metric_switch(lowered, metric_keys)
    if switch:
        key, goal = switch
        notes.append(DecisionNote(kind="metric_switch", text=clip(text, MAX_ITEM_CHARS), metric=key, goal=goal))
        return notes
    for clause in split_clauses(text):
        clause_l = lexicon.done_as_performed(clause.lower())
        if lexicon.has_cue(clause_l, lexicon.ABANDON_CUES) or _ABANDON_IMPERATIVE.search(clause_l):
            notes.append(DecisionNote(kind="abandon", text=clip(clause, MAX_ITEM_CHARS), run_ids=run_ids))
        elif lexicon.has_cue(clause_l, lexicon.ADOPT_CUES) and not QUESTION.search(clause):
            notes.append(DecisionNote(kind="adopt", text=clip(clause, MAX_ITEM_CHARS), run_ids=run_ids))
    return notes


_KEEP_FROM = re.compile(r"\bkeep(?:ing|s)?\s+(?:me|us|him|her|them|it|you)\s+from\b", re.IGNORECASE)


# "Don't use", "stop using": a verdict said as an instruction to the team.
_ABANDON_IMPERATIVE = re.compile(r"(?:^|[.;:!]\s*)(?:don'?t|do\s+not|never|stop)\s+(?:use|using)\b|"
                                 r"\bput(?:ting)?\s+(?:these|this|it|them|that)\s+(?:away|aside|on\s+hold)\b|"
                                 r"\bon\s+the\s+back\s*burner\b|\babandon(?:ed|ing)\b")


def _metric_switch(lowered: str, metric_keys: list[str]) -> tuple[str, Goal] | None:
    """("val_pr_auc", "max") when the text moves the primary metric; None otherwise."""
    cue_at = -1
    for cue in lexicon.METRIC_SWITCH_CUES:
        position = lowered.find(cue)
        if position >= 0 and (cue_at < 0 or position < cue_at):
            cue_at = position
    if cue_at < 0 or _TENTATIVE.search(lowered[:cue_at]):
        return None
    tail = lowered[cue_at:]
    # "from ROC-AUC to PR-AUC": the metric after "to" is the new one.
    to_part = re.search(r"\bto\s+(.+)$", tail)
    search_in = [to_part.group(1)] if to_part and re.match(r".*\bfrom\b", tail) else []
    search_in.append(tail)
    # What the text says about the direction wins over what the metric's name suggests.
    stated = lexicon.stated_direction(tail)
    for part in search_in:
        for key in metric_keys:
            if re.search(rf"(?<![a-z0-9_]){re.escape(key.lower())}(?![a-z0-9_])", part):
                return key, stated or lexicon.metric_direction(key)
        mentions = []
        for word in lexicon.METRIC_WORDS:
            for match in re.finditer(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", part):
                if not re.search(r"\bnot\s+$", part[max(0, match.start() - 5): match.start()]):
                    mentions.append((match.start(), -len(word), word))
        for _, _, word in sorted(mentions):
            found = lexicon.metric_key_for(word, metric_keys)
            if found:
                return found, stated or lexicon.metric_direction(found)
    return None


_TENTATIVE = re.compile(
    r"\b(?:should (?:we|the|it|i)|shall we|whether|wonder\w*|maybe|perhaps|might|could we|do we|"
    r"thinking (?:about|of)|considering|propos\w+|open q\w*|question)\b",
    re.IGNORECASE,
)


def _is_question(text: str) -> bool:
    """A question or a musing ("should the primary metric be pr_auc?") decides nothing."""
    return "?" in text or bool(QUESTION_PREFIX.match(text))
