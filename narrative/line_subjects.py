"""The concepts a sentence is about: the lines of work it judges, not what it compares them with, nor where it
tried them, nor umbrella terms.

A function of the sentence alone, so it is read once, when an entry is written (``narrative.index_features``
stores each fact's subjects; this module is part of that analysis's version), and not again by every cold
``approaches.derive``: reading the subjects of 50,000 distinct sentences was most of a project's first
``check`` after a start (~6 s at 10,000 entries).
"""

from __future__ import annotations

import functools
import re

from narrative import vocab

# Concepts too broad to be a line of work on their own (for checks and answers too).
UMBRELLA = {
    "trees", "transformer_text", "cnn", "large_model", "augmentation", "imbalance", "fine_tune", "seeds",
    "latency", "threshold", "tuning", "n_estimators", "optimizer", "embeddings", "learning_rate", "epochs",
    "batch_size", "gbm",
}
# In a phase, augmentation told as a whole ("augmentations are helping") is the line the notes judge; a kind
# named in the same sentence (mixup, SpecAugment) is the narrower line and keeps it
_LINE_UMBRELLA = frozenset(UMBRELLA - {"augmentation"})
# "below tfidf+logreg balanced": a "+" joins the parts of one yardstick
_CONTRAST = re.compile(r"\b(instead of|rather than|vs\.?|versus|compared (to|with)|than|over|from|beats?|below|behind)"
                       r"\s{1,8}"
                       r"([\w\- ./+]{0,30})", re.I)
_SCOPE_BEFORE = re.compile(r"\b(?:for|on|in)\s{1,3}(?:the|a|an|our|my|his|her|their)\s{1,3}$")
# "reward shaping on sac", "class weights for logreg": a model named bare after "on/for", behind the technique,
# is where the technique was tried
_SCOPE_BARE = re.compile(r"\b(?:for|on)\s{1,3}$")


def _compared_with(text: str, pattern: re.Pattern[str], group: int) -> set[str]:
    """The concepts ``pattern`` finds in ``text`` (normalised) as the yardstick of a comparison."""
    out: set[str] = set()
    for m in pattern.finditer(text):
        out |= vocab.concept_set(m.group(group))
    return out


# remembered for what is read outside the stored facts (headings, labels); a fact carries its own
@functools.lru_cache(maxsize=1 << 12)
def subjects_of(sentence: str) -> frozenset[str]:
    text = vocab.norm(sentence)
    contrasted = _compared_with(text, _CONTRAST, 3)
    direct = vocab.concepts_in_once(sentence)  # remembered here: not in the process-wide cache too
    explicit = {c for c, spans in direct.items() if spans}
    first = min((a for spans in direct.values() for a, _ in spans), default=0)
    # "undersampling the majority class for the gru: worse": the gru is where undersampling was tried,
    # not a line of work judged; a concept only ever named after "for/on/in the", behind another, is scope
    scoped = {c for c, spans in direct.items() if spans and all(
        a > first and (_SCOPE_BEFORE.search(text, max(0, a - 12), a) or (
            vocab.CONCEPT_BY_ID[c].kind == "model" and _SCOPE_BARE.search(text, max(0, a - 6), a)
            and _technique_before(direct, a))) for a, _ in spans)}
    explicit = (explicit - scoped) or explicit
    subj = (explicit - contrasted) or explicit
    subj = {c for c in subj if c not in _LINE_UMBRELLA}
    # keep only the narrowest: drop a concept when a narrower one of it is present
    narrow_of = {b for c in subj for b in vocab.CONCEPT_BY_ID[c].broader}
    return frozenset({c for c in subj if c not in narrow_of} or subj)


def _technique_before(direct: dict[str, list[tuple[int, int]]], at: int) -> bool:
    """Whether a concept other than a model is named before ``at`` (the technique a scope belongs to)."""
    return any(vocab.CONCEPT_BY_ID[c].kind != "model" and any(a < at for a, _ in spans)
               for c, spans in direct.items())
