"""A question's word the notes spell otherwise (a typo of theirs, "argumentation" for "augmentation"), for
``narrative.answering``: the one near spelling the notes use (moved unchanged from ``narrative.answer_quotes``)."""

from __future__ import annotations

import re

from narrative import vocab
from narrative.history_index import HistoryIndex


def _within(a: str, b: str, k: int) -> bool:
    """Levenshtein distance of ``a`` and ``b`` at most ``k`` (banded: O(len * k))."""
    if abs(len(a) - len(b)) > k:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [k + 1] * len(b)
        for j in range(max(1, i - k), min(len(b), i + k) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != b[j - 1]))
        if min(cur) > k:
            return False
        prev = cur
    return prev[len(b)] <= k


def respelled(idx: HistoryIndex, body: str) -> str:
    """The question with each long word the notes never use replaced by the one word they do use that is
    spelled within two letters of it, when there is exactly one ("augmentation" -> the notes' "argumentation"):
    notes keep their typos; a teammate's question does not."""
    out = body
    unknown = [(w, t[0]) for w in sorted(set(re.findall(r"[A-Za-z]{6,30}", body)))
               if len(t := vocab.tokens(w)) == 1 and len(t[0]) >= 6 and not idx.df.get(t[0])]
    for word, tok in unknown[:3]:  # a question has a word or two the notes misspell, not a page of them
        near = [t for t in list(idx.df)[:200_000] if idx.df[t] and t[:1] == tok[:1] and len(t) >= 6
                and t != tok and _within(tok, t, 1 if len(tok) < 7 else 2)]
        if len(near) == 1:
            out = re.sub(rf"\b{re.escape(word)}\b", near[0], out)
    return out
