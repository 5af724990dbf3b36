"""Sizes and small text helpers of the local structuring rules (``narrative.structuring``): how long
an item may be, how a text splits into clauses, what counts as a question, and how all sections
together are kept near the length of the message they came from.
"""

from __future__ import annotations

import re

from storage.records import EntryStructure

MAX_ITEM_CHARS = 380          # the contract allows 400; leave room for a prefix
MAX_SUBJECT_CHARS = 160
BUDGET_RATIO = 1.4            # all section text together, relative to the message
BUDGET_SLACK = 120
FIRST_RESULT_NUMBER = re.compile(r"(?<![\w.])[-+~]?(?:\d*\.\d{2,}|\d{2}\.\d%?|\d+%)")
# A whitespace run is entered only at its start ((?<![\s,]) / (?<!\s)): otherwise a search restarts at
# every character of a long run and a 40,000-character paste of spaces costs seconds (issue 11).
# "I am trying to reproduce the paper's numbers, but I can't.": a denial with its verb left out stays with its attempt
_CLAUSE_SPLIT = re.compile(r"(?:,|(?<![\s,]))\s+(?:but(?!\s+(?:[iI]|[wW]e)\s+(?:can'?t|cannot|couldn'?t|could\s+not|"
                           r"failed|didn'?t\s+manage|did\s+not\s+manage)[\s.!]*$)|while|whereas|though|although)\s+|"
                           r";\s+|(?<!\s)\s+--\s+")
QUESTION = re.compile(
    r"\?|^\s*(?:q|open q|open question|question|open)\b[^:]*:|\bnot sure\b|\bunsure\b|(?<!\bno )\bwonder|"
    r"\b(?:i'?m|i\s+am|we'?re|still)\s+(?:\w+\s+)?(?:confused|puzzled)\b|"
    # "I don't understand.", "we can't explain the gap": something not understood is still open
    r"\b(?:i|we)\s+(?:still\s+)?(?:don'?t|do\s+not|can'?t|cannot)\s+(?:really\s+)?(?:understand|explain|figure\s+out)\b|"
    r"\b(?:want|wanted|would like|need) to (?:know|understand) (?:how|why|what|whether|if|where)\b|"
    r"\bwould love a\b|\bpair of eyes\b|\bneed to ask\b|\bno idea\b|\bunclear\b|"
    # "either X or Y" weighs two options, unless a negation came first ("none beat it on either A or B") or a modal
    # offers both as things to do ("you either need to augment the data or regularize", "we can either lower the lr or
    # add warmup": a suggestion)
    r"^(?:(?!\b(?:not|none|never|no|neither)\b|n't|\b(?:can|could|should|must|might|may|will|would|need\s+to|needs\s+to|"
    r"have\s+to|has\s+to)\s+(?:\w+\s+)?either\b)[^\n])*\beither\b(?!\s+(?:need|needs|have|has)\s+to\b).+\bor\b|"
    r"\bcheck (?:how|whether|if)\b|\bwhether\b",
    re.IGNORECASE,
)
QUESTION_PREFIX = re.compile(r"^\s*(?:q|open q|open question|question|open)\b[^:]{0,30}:\s*", re.IGNORECASE)


# "- Weight decay?", "3. attention?", "Pre-process on disk?": a technique named with a question mark, in a few
# words and no verb of asking, is a candidate to try ("should we try X?"). "Correct (base) depth?" asks for
# a value, and a question word or an auxiliary makes a real question.
_CANDIDATE = re.compile(r"^\W{0,6}(?:maybe\s{1,3}|perhaps\s{1,3}|or\s{1,3})?"
                        r"(?P<np>[a-z0-9][\w+/.-]{0,30}(?:\s{1,3}[\w+/.()-]{1,30}){0,3})\s{0,2}\?{1,4}\s{0,2}$",
                        re.IGNORECASE)
_ASKING = frozenset({"is", "are", "was", "were", "do", "does", "did", "can", "could", "should", "would", "will",
                     "why", "what", "how", "which", "when", "where", "who", "whether", "any", "anyone", "has",
                     "have", "had", "it", "this", "that", "they", "correct", "right", "best", "optimal", "good",
                     "proper", "better", "enough", "same", "different", "worth", "true", "really", "effect",
                     "because", "due", "ok", "okay", "fine", "related", "bug", "problem", "issue", "wrong", "too",
                     # a cause named ("overfitting?") asks for a diagnosis, not a thing to try
                     "overfitting", "underfitting", "overfit", "leak", "leakage", "noise", "variance", "bias",
                     "collapse", "nan", "nans", "divergence", "instability", "luck", "chance"})


def candidate_to_try(text: str) -> bool:
    """Whether a short item asked without a verb names a thing to try ("- Folds?", "attention?")."""
    match = _CANDIDATE.match(text.strip())
    if not match or "=" in text:
        return False
    words = re.findall(r"[a-z]+", match.group("np").lower())
    return bool(words) and not (set(words) & _ASKING) and not words[-1].endswith(("ed", "ly"))


def split_clauses(text: str) -> list[str]:
    parts = [p.strip(" ,.;") for p in _CLAUSE_SPLIT.split(text)]
    return [p for p in parts if len(p) >= 3]


def short_subject(subject: str) -> str:
    return clip(subject, 60)


# A link's address holds ids and versions ("arxiv.org/pdf/1704.00109.pdf"), never a result.
_ADDRESS = re.compile(r"\]\([^()\s]{1,400}\)|\bhttps?://\S{1,400}")


def has_number(text: str) -> bool:
    return bool(FIRST_RESULT_NUMBER.search(_ADDRESS.sub(" ", text) if "://" in text or "](" in text else text))


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def add_item(items: list[str], text: str) -> None:
    text = text.strip()
    if text and text not in items and _said_alike(text) not in {_said_alike(item) for item in items}:
        items.append(text)


_LEADING_ARTICLE = re.compile(r"^(?:the|a|an|my|our)\s+", re.IGNORECASE)


def _said_alike(text: str) -> str:
    """An item as it reads to a person: "the logreg baseline" and "logreg baseline." say the same thing."""
    return _LEADING_ARTICLE.sub("", text.strip().rstrip(".!;:, ").lower())


def fit_budget(structure: EntryStructure, message_chars: int) -> None:
    """Keep all sections together near the message's length: observations go first, then the
    longest hypotheses are shortened."""
    budget = BUDGET_RATIO * message_chars + BUDGET_SLACK

    def total() -> int:
        return sum(len(t) for t in (*structure.hypotheses, *structure.observations, *structure.next_steps,
                                     *structure.open_questions, *(c.text for c in structure.conclusions)))

    while total() > budget and structure.observations:
        structure.observations.pop()
    for limit in (160, 100, 60):
        for section in (structure.hypotheses, structure.next_steps, structure.open_questions):
            for index, item in enumerate(section):
                if total() > budget:
                    section[index] = clip(item, limit)
        for conclusion in structure.conclusions:
            if total() > budget:
                conclusion.text = clip(conclusion.text, limit)
    while total() > budget and len(structure.hypotheses) > 1:
        structure.hypotheses.pop()
    while total() > budget and structure.conclusions:
        structure.conclusions.pop()


def context_of_a_question(text: str, before: str, *, same_line: bool) -> bool:
    """Whether a sentence under a question label is the asker's context, no question of its own ("q: are the
    incident labels even complete? some shutdowns have no ticket"): a plain statement after a "?" on its line."""
    return same_line and before.rstrip().endswith("?") and not QUESTION.search(text)
