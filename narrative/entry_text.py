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
_CLAUSE_SPLIT = re.compile(r"(?:,|(?<![\s,]))\s+(?:but|while|whereas|though|although)\s+|;\s+|(?<!\s)\s+--\s+")
QUESTION = re.compile(
    r"\?|^\s*(?:q|open q|open question|question|open)\b[^:]*:|\bnot sure\b|\bunsure\b|(?<!\bno )\bwonder|"
    r"\b(?:i'?m|i\s+am|we'?re|still)\s+(?:\w+\s+)?(?:confused|puzzled)\b|"
    # "I don't understand.", "we can't explain the gap": something not understood is still open
    r"\b(?:i|we)\s+(?:still\s+)?(?:don'?t|do\s+not|can'?t|cannot)\s+(?:really\s+)?(?:understand|explain|figure\s+out)\b|"
    r"\b(?:want|wanted|would like|need) to (?:know|understand) (?:how|why|what|whether|if|where)\b|"
    r"\bwould love a\b|\bpair of eyes\b|\bneed to ask\b|\bno idea\b|\bunclear\b|"
    # "either X or Y" weighs two options, unless a negation came first ("none beat it on either A or B")
    r"^(?:(?!\b(?:not|none|never|no|neither)\b|n't)[^\n])*\beither\b.+\bor\b|"
    r"\bcheck (?:how|whether|if)\b|\bwhether\b",
    re.IGNORECASE,
)
QUESTION_PREFIX = re.compile(r"^\s*(?:q|open q|open question|question|open)\b[^:]{0,30}:\s*", re.IGNORECASE)


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
    if text and text not in items:
        items.append(text)


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
