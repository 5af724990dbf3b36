"""What a chat message means, guessed from its words: a plan ("going to try SMOTE tomorrow"), a
correction of an entry ("actually that was lr 1e-4") or a question. Cheap checks, run on every message
of a linked channel before anything reads the history."""

from __future__ import annotations

import re

_PLAN = re.compile(
    r"\b(going to try|gonna try|thinking of|thinking about|tomorrow i'?ll|let'?s try|i'?ll try|i will try|"
    r"planning to|plan to|we should try|next i'?ll|about to try|want to try)\b",
    re.IGNORECASE,
)
_CORRECTION = re.compile(
    r"^\s*(actually|correction|typo|sorry,? (it|that) was|i meant|to be precise|small fix|fix:|erratum)\b"
    r"|\bshould (have been|be)\b|\bnot .{1,40} but\b|\bwas actually\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^\s*(why|what|which|who|when|where|how|did|do|does|is|are|was|were|have|has|can|could|should)\b",
    re.IGNORECASE,
)


def looks_like_plan(text: str) -> bool:
    return bool(_PLAN.search(text))


def looks_like_correction(text: str) -> bool:
    return bool(_CORRECTION.search(text))


def looks_like_question(text: str) -> bool:
    stripped = text.strip()
    return stripped.endswith("?") or bool(_QUESTION_START.match(stripped))
