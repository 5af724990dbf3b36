"""Plans whose words a statement says only inside a document's name ("the settings from the Quotient Remainder
paper" for "the quotient-remainder trick"): a paper named is no method done.

(Round 14 also read a proper name the history never holds as "not tried"; measured on a judged set it turned a
right "already tried" into a wrong one, as the same class of round 13 had, and was dropped.)
"""

from __future__ import annotations

import re

from narrative import vocab

# a document named by the words before its noun ("the Quotient Remainder paper", "the LoRA Without Regret blog")
# (its name's words are no function words: "as in the paper" names none)
_DOCUMENT = re.compile(r"\b((?:(?!(?:the|a|an|as|in|on|of|to|from|with|for|by|and|or|this|that|our|my|their|his|her"
                       r"|its)\b)[\w'\"-]{1,40}\s{1,3}){1,4}?)"
                       r"(?:paper|papers|blog|blog\s+post|article|book|preprint|thesis)s?\b",
                       re.I)


_DOC_NOUN = re.compile(r"(?i:paper|blog|article|book|preprint|thesis)")


def names_document_only(words: set[str] | frozenset[str], text: str) -> bool:
    """Whether the plan's words (stems) that a statement says stand in it only inside a document's name ("the
    settings from the Quotient Remainder paper" for "the quotient-remainder trick"): a paper named is no method
    done. False when no plan word is said, or one is said outside such a name."""
    if not words or not _DOC_NOUN.search(text) or not _DOCUMENT.search(text):
        return False  # the cheap test first: most statements name no document
    inside: set[int] = set()
    for m in _DOCUMENT.finditer(text):
        inside.update(range(m.start(1), m.end(1)))
    seen = False
    for m in re.finditer(r"[A-Za-z][A-Za-z0-9]*", text):
        if vocab.stem(m.group(0).lower()) in words:
            if m.start() not in inside:
                return False
            seen = True
    return seen
