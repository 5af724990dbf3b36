"""Distinctive-word links: in a note about the few runs since the author's last one, an outcome stated of
a word that only one of those runs carries links that run ("Clamp are not working")."""

from __future__ import annotations

import re

from narrative import lexicon, reading
from narrative.link_evidence import CandidatePool, RunProfile, SegmentLinks, _token_matches, _word_fits, describe
from narrative.link_groups import (
    _EARLIER,
    _FAMILY_NOUNS,
    _NEGATED,
    _NEUTRAL,
    _SINGLE_NOUNS,
    _clauses,
    _link_inferred,
    _not_done,
    _phrase_words,
    elsewhere,
    tracker_adjective,
)
from storage.records import LinkedRun

# -- one word that only the new runs have --------------------------------------------------------------
# "Dueling modification implemented and converges good", "Clamp are not working": in a note about the
# few runs since the author's last one, an outcome stated of a word that only one of those runs carries
# (in its name or a param) and none of the author's earlier runs does is about that run.

# A window this small is what a day's note reports on; past it, one word says too little.
_SMALL_WINDOW = 8
_MIN_WORD_CHARS = 4
_SUBJECT_WORDS = 4
# Words of notes too plain to name runs, though a run's name or params may hold them.
_PLAIN_WORDS = frozenset({
    "model", "models", "training", "train", "trained", "test", "tests", "testing", "final", "quick",
    "baseline", "better", "worse", "best", "large", "small", "big", "long", "short", "first", "second",
    "again", "rerun", "version", "results", "result", "value", "values", "data", "dataset", "default",
    "simple", "basic", "full", "fine", "good", "works", "working", "worked", "still", "check", "debug",
    "experiment", "experiments", "params", "config", "setup", "using", "with", "without", "after",
    "before", "there", "their", "these", "those", "which", "while", "should", "would", "could", "loss",
})


def infer_by_distinctive_word(
    entry: SegmentLinks,
    pool: CandidatePool,
    inferable: list[RunProfile],
    linked: dict[str, LinkedRun],
) -> None:
    """Link the run of the window that a word of an outcome clause names, when only it has the word."""
    if not inferable or len(inferable) > _SMALL_WINDOW or entry.segment.kind in ("data", "row"):
        return
    inferable_ids = {p.run.run_id for p in inferable}
    clauses = _clauses(entry.segment.text)
    for index, clause in enumerate(clauses):
        if (_not_done(clause, entry.segment) or _EARLIER.search(clause) or elsewhere(clause, pool.others)
                or reading.verdict_of(clause) is None):
            continue
        words = _phrase_words(clause)
        subject = words[:_SUBJECT_WORDS]
        previous_clause = clauses[index - 1] if index else ""
        if previous_clause and (_not_done(previous_clause, entry.segment) or elsewhere(previous_clause, pool.others)):
            previous_clause = ""
        done_before = _DID_THING.match(previous_clause)
        pronoun = _PRONOUN_SUBJECT.match(clause) if previous_clause else None
        if pronoun and done_before:
            # "I tried the snapshot ensemble, it didn't help": the pronoun's thing is what the clause before did.
            words = subject = _phrase_words(previous_clause[done_before.end():])
        elif pronoun and pronoun.group(1) == "which":
            # "... the snapshot ensemble, which didn't help": "which" is the words right before it.
            words = _phrase_words(previous_clause)
            subject = words[-_SUBJECT_WORDS:]
        if any(word in _FAMILY_NOUNS or word in _SINGLE_NOUNS for word, _start, _end in words):
            continue  # "both conformer runs": a group's phrase, which says how many it means
        named = _named_by(subject, pool, inferable, inferable_ids)
        if named is None and done_before and not pronoun:
            # "Switched to resnet50: top1 went up", "Tried the snapshot ensemble today. Worse.": a verdict whose own
            # words name no run is about what the clause before did.
            named = _named_by(_phrase_words(previous_clause[done_before.end():]), pool, inferable, inferable_ids)
        members = [p for p in inferable if p.run.run_id in (named or set())
                   and not describe(clause, p, pool).contradicted]
        if len(members) != 1:
            continue  # two words naming two runs: the clause is about both, or about neither
        _link_inferred(entry, linked, members)


def _named_by(subject: list[tuple[str, int, int]], pool: CandidatePool, inferable: list[RunProfile],
              inferable_ids: set[str]) -> set[str] | None:
    """The runs the subject's distinctive words name: None when no word names a run; an empty string among them when
    a word fits several runs or the author's earlier ones (the subject is then no one run, and nothing else is read).
    The word must be the clause's subject ("Clamp are not working"), not a word of its outcome."""
    named: set[str] = set()
    previous = ""
    for word, _start, _end in subject:
        negated, previous = previous in _NEGATED, word
        if (negated or len(word) < _MIN_WORD_CHARS or word in _PLAIN_WORDS or word in _NEUTRAL
                or word in lexicon.STOP_TOKENS or word in pool.shared_tokens or tracker_adjective(word, inferable)):
            continue
        # what the person named the run: a word of a run's name, not only of a param value
        fitting = {p.run.run_id for p in inferable if _in_name(word, p)} & pool.fitting(word)
        if not fitting:
            continue
        if len(fitting) != 1 or (len(inferable) > 1 and fitting == inferable_ids):
            named.add("")   # a word several runs have: the subject is not one run
            continue
        if any(_word_fits(word, earlier) for earlier in pool.background):
            named.add("")   # the author's earlier runs have it too: maybe those are meant
            continue
        named |= fitting
    return named or None


# A clause whose subject is a pronoun ("it didn't help", "which hurt", "this gave +0.3") and, before it, the verb of a
# clause that did one thing ("I tried", "added", "implemented").
_PRONOUN_SUBJECT = re.compile(r"[ \t]{0,3}(it|this|that|which)\b")
# The author did it: no other subject ("Bob tried ..." is Bob's).
_DID_THING = re.compile(r"[ \t]{0,3}(?:(?:today|so|and|then)[ \t])?(?:(?:i|we)(?:'ve|[ \t]have|[ \t]had)?[ \t])?"
                        r"(?:(?:also|just|then|finally|quickly)[ \t])?"
                        r"(?:tried|ran|added|implemented|used|tested|enabled|(?:switched|moved|changed)[ \t]to|"
                        r"turned[ \t]on)\b")


def _in_name(word: str, candidate: RunProfile) -> bool:
    """Whether ``word`` is a word of the run's name ("clamp" of ``noisy-fact-clamp``)."""
    parts = [t for t in re.split(r"[^a-z0-9]+", candidate.run.run_name.lower()) if t]
    return word in parts or any(len(t) >= _MIN_WORD_CHARS and _token_matches(word, t) for t in parts)
