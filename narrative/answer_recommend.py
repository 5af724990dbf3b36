"""What the notes recommend, for "what should we use as the baseline now?", "which optimizer do we recommend?",
"what N is recommended?": a question asks for the team's own pick, which its notes state in words ("Cosine without
SAM is the recommended baseline", "N=60 recommended", "we should use the 914-sequence set") that plan reading does
not reach when the question's subject is a generic word ("baseline") beside a time word ("now").

Only for a question that found no topical line otherwise (``narrative.answering``): it never replaces an answer."""

from __future__ import annotations

import datetime as dt
import re

from narrative import vocab
from narrative.answer_quotes import heading_level
from narrative.history_index import Fact, HistoryIndex

# "what should we use ...?", "which X do we recommend?", "what would you pick for ...?", "what is the recommended X?"
RECOMMEND_Q = re.compile(
    r"^\s{0,8}(?:what|which)\b[^?]{0,80}?\b(?:should|do|would|shall)\s{1,3}(?:we|i|you)\s{1,3}"
    r"(?:use|pick|choose|recommend|go\s{1,3}with|stick\s{1,3}with|settle\s{1,3}on)\b"
    r"|^\s{0,8}(?:what|which)\b[^?]{0,80}?\b(?:is|are)\s{1,3}(?:the\s{1,3})?recommended\b", re.I)
# a line that recommends: "X is the recommended baseline", "N=60 recommended", "we should use X", "use this
# instead", "sticking with X", "the production pipeline uses X"
RECOMMENDS = re.compile(r"\brecommend\w{0,4}\b|\bshould\s{1,3}(?:use|be\s{1,3}used|go\s{1,3}with)\b|"
                        r"\buse\s{1,3}(?:this|these|it|that)\s{1,3}instead\b|"
                        r"\b(?:go|going|stick|sticking|stay|staying)\s{1,3}with\b|"
                        r"\bproduction\s{1,3}(?:model|pipeline|config|setup|run)\b", re.I)
# ... a recommendation against ("not recommended", "we don't recommend X") is no pick
_AGAINST = re.compile(r"(?:\bnot|n't|\bnever)\s{1,3}(?:\w{1,12}\s{1,3})?recommend", re.I)
# the question's own words: asking, picking and time framing ("now", "currently", "anymore", "going forward")
_ASKING = frozenset(vocab.tokens("use using used pick choose recommend recommended go with stick settle keep now "
                                 "currently current anymore today forward going these days point"))


def recommend_facts(idx: HistoryIndex, question: str, limit: int = 2) -> list[tuple[float, Fact]]:
    """The notes' lines that recommend something and share a word of the question's subject, most shared words
    first, then the latest; none when the question asks for no pick or names no subject."""
    if not RECOMMEND_Q.search(question):
        return []
    subject = set(vocab.tokens(question)) - vocab.STOPWORDS - _ASKING
    if not subject:
        return []
    ranked: list[tuple[tuple[int, dt.datetime, int], Fact]] = []
    for f in idx.facts:
        if f.kind != "sentence" or f.para < 0 or heading_level(f.text):
            continue
        if not RECOMMENDS.search(f.text) or _AGAINST.search(f.text):
            continue
        shared = subject & set(vocab.tokens(f.text))
        if shared:
            ranked.append(((len(shared), f.at, -f.position), f))
    ranked.sort(key=lambda x: x[0], reverse=True)
    return [(0.45, f) for _, f in ranked[:limit]]
