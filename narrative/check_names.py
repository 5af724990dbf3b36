"""Plans that name their technique, tool or data by a proper name the history never holds ("DoRA on the MLP
modules", "negative sampling in TensorFlow"): the candidates found on the plan's other words did something else.

Such a name (CamelCase, or capitals) that is no concept the vocabulary knows and that no run, run name or note of
the project carries anywhere cannot have been done there: the answer is "not tried", the candidates the closest.
Capitals used for emphasis ("on ALL layers") or for a common word are not names.
"""

from __future__ import annotations

import re

from narrative import vocab
from narrative.history_index import HistoryIndex
from narrative.plan_reading import ASIDE, main_clause
from narrative.types import CheckMatch, CheckResult

# CamelCase with a capital inside ("DoRA", "TensorFlow", "QLoRA"), or three capitals or more ("NCE", "AWS")
_NAME = re.compile(r"(?<![\w.\-/])(?:[A-Z][a-z]*[A-Z][A-Za-z]*|[A-Z]{3,}s?)(?![\w.\-/])")
# capitals that stress a word or stand for a note's own label, not a name
_EMPHASIS = frozenset({
    "all", "only", "not", "no", "and", "or", "new", "more", "less", "both", "one", "two", "with", "without",
    "before", "after", "also", "just", "full", "big", "small", "todo", "note", "asap", "fix", "try", "again",
    "any", "every", "each", "none", "same", "other", "then", "first", "last", "next", "now", "must", "never",
    "lower", "higher", "off", "on", "the", "this", "that", "very", "way", "much", "wip", "tbd", "fyi", "imo",
    "eod", "etc", "yes", "ok", "okay", "done", "run", "runs",
})


def _unknown_names(plan: str, idx: HistoryIndex) -> list[str]:
    head = ASIDE.sub(" ", main_clause(plan))
    spans = [(a, b) for sp in vocab.concepts_in(head).values() for a, b in sp]
    out: list[str] = []
    for m in _NAME.finditer(head):
        word = m.group(0)
        low = word.lower()
        if low in _EMPHASIS or low in vocab.STOPWORDS or any(a < m.end() and m.start() < b for a, b in spans):
            continue
        tok = vocab.stem(low)
        if (len(tok) < 3 or idx.df.get(tok) or tok in idx.token_sigs or tok in idx.name_token_runs
                or idx.token_facts.get(tok) or idx.ctx_token_facts.get(tok) or idx.df.get(low)
                or low in idx.token_sigs):
            continue
        out.append(word)
    return out


def name_unknown(got: CheckResult, plan: str, idx: HistoryIndex) -> CheckResult | None:
    """A "tried" for a plan naming a proper name nothing in the history carries: not tried, closest what was
    found. None when every name of the plan is somewhere in the history (or the plan names none)."""
    names = _unknown_names(plan, idx) if _NAME.search(plan) else []
    if not names:
        return None
    m0 = got.matches[0] if got.matches else None
    closest = f"; closest: {m0.summary}" if m0 is not None and m0.summary else ""
    return CheckResult(already_tried=False, message=(
        f"Not tried: nothing in the log or the tracker names {', '.join(names)}{closest}."),
        matches=[CheckMatch(entry_id=m.entry_id, run_ids=m.run_ids, score=0.0, summary=m.summary, author=m.author,
                            at=m.at) for m in got.matches[:2]])


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
