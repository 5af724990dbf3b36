"""A run named by a setting said the other way round (links round 10): its word value before the setting's word
("isotonic calibration" for ``calibration=isotonic``, "the cosine schedule" for ``lr_scheduler_type=cosine``), or a
true flag said as the action it names ("freezing the embeddings" for ``freeze_embeddings=True``, "froze the
backbone" for ``freeze_backbone=True``).

Either names the author's window run that holds it — only when exactly one run of the window does and none of the
author's earlier runs (the words may then mean those), and at least one other window run logs the setting with
another value (so the words tell runs apart). A value alone ("isotonic helps") names nothing here: a word of a
value is as often the word of something else. Nothing is linked from a plan, a question, a hypothetical, a
negation or a comparison's other side ("without freezing the embeddings", "better than isotonic calibration"),
another person's or a source's words ("the paper freezes the embeddings", "raj's isotonic calibration"), or a
failed run unless the sentence says it failed.
"""

from __future__ import annotations

import re

from narrative import lexicon
from narrative.link_groups import elsewhere, not_run
from storage.records import RunSnapshot

_WORD = re.compile(r"[a-z][a-z0-9]{2,30}")
_SENTENCE = re.compile(r"(?<=[.!?])[ \t]{1,4}(?=\S)|\n")
_CLAUSE = re.compile(r"[;]|[.!?](?:\s|$)|,\s|\s(?:but|while|whereas|then)\s|\s[-–—]\s|->|→|[()]")
# Before the words: a negation, a comparison's other side, a source or another person.
_DENIED_BEFORE = re.compile(
    r"\b(?:not|no|without|never|except|instead of|rather than|other than|unlike|besides|than|vs\.?|versus|from|"
    r"over|against|compared (?:to|with)|like|paper|papers|authors?|official|recommended|suggested|default|"
    r"you|your|they|their|he|she|his|her|if|unless|whether|should|could|would|might|will|want|wanna|"
    r"gonna|going to|plan|todo|try|maybe)\b|n't\b|['’]s\b"
)
# A source's words anywhere in the clause: what it says is no run of the author's ("the isotonic calibration paper
# says ...", "sklearn recommends isotonic calibration").
_SOURCE = re.compile(r"\b(?:papers?|docs|documentation|blog|article|tutorial|recommend\w*|suggest\w*|says|claims?|"
                     r"beats?|beating|outperform\w*)\b")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", "none", ""})
# Settings' first words that are no action of their own ("use_amp", "num_layers", "is_causal", "do_eval").
_NO_ACTION = frozenset({"use", "num", "max", "min", "is", "has", "do", "log", "save", "eval", "load", "push", "report",
                        "per", "with", "enable", "disable", "run", "train", "no", "skip"})
_STOPPED = frozenset({"FAILED", "KILLED"})
_IRREGULAR = {"freeze": ("froze", "frozen"), "shuffle": (), "drop": ("dropped", "dropping")}


def _verb_forms(verb: str) -> set[str]:
    """The forms a setting's first word takes as an action: freeze, freezes, freezing, froze, frozen."""
    stem = verb[:-1] if verb.endswith("e") else verb
    return {verb, verb + "s", stem + "ing", stem + "ed", verb + "d", *_IRREGULAR.get(verb, ())}


def _key_word(word: str, part: str) -> bool:
    """Whether a written word is a word of a setting's key ("calibration" of ``calibration``, "schedule" of
    ``lr_scheduler_type``, "augmentation" of ``augment``)."""
    if len(part) < 4 or len(word) < 4:
        return False
    return word == part or (len(part) >= 5 and (word.startswith(part) or part.startswith(word)))


def value_key_references(text: str, window_runs: list[RunSnapshot], earlier_runs: list[RunSnapshot] = (),  # type: ignore[assignment]
                         people: frozenset[str] = frozenset()) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for each clause of ``text`` that says a setting the other way round and only one run of the
    window (and none of the author's earlier runs) holds it."""
    if len(window_runs) < 2:
        return []
    found: list[tuple[str, RunSnapshot]] = []
    for sentence in _SENTENCE.split(text.lower()):
        if not sentence.strip() or not_run(sentence) or "?" in sentence:
            continue
        failing = lexicon.has_cue(sentence, lexicon.FAILURE_CUES)
        for clause in _CLAUSE.split(sentence):
            if not clause.strip() or elsewhere(clause, people) or _SOURCE.search(clause):
                continue
            for written, start, holders in _said(clause, window_runs, earlier_runs):
                if _DENIED_BEFORE.search(clause[:start]):
                    continue
                if len(holders) == 1 and (failing or holders[0].status.upper() not in _STOPPED):
                    found.append((written, holders[0]))
    return found


def _said(clause: str, window: list[RunSnapshot], earlier: list[RunSnapshot]
          ) -> list[tuple[str, int, list[RunSnapshot]]]:
    """(as written, where, window runs holding it) for each setting the clause says the other way round, when none of
    the earlier runs holds it and another window run logs the setting otherwise."""
    words = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(clause)]
    said: list[tuple[str, int, list[RunSnapshot]]] = []
    keys = {key for run in window for key in run.params}
    for index, (word, start, _end) in enumerate(words[:-1]):
        following = [w for w, _s, _e in words[index + 1: index + 3] if w not in ("the", "its", "all")][:1]
        if not following:
            continue
        next_word = following[0]
        for key in keys:
            parts = [p for p in re.split(r"[^a-z0-9]+", key.lower()) if p]
            if not parts:
                continue
            holding = _value_then_key(word, next_word, key, parts, window, earlier)
            if holding is None:
                holding = _action_flag(word, next_word, key, parts, window, earlier)
            if holding is not None:
                end = words[index + 1][2] if words[index + 1][0] == next_word else words[index + 2][2]
                said.append((clause[start:end], start, holding))
    return said


def _apart(key: str, holds: list[RunSnapshot], window: list[RunSnapshot], earlier: list[RunSnapshot],
           held: object, *, flag: bool = False) -> list[RunSnapshot] | None:
    """``holds`` when the setting tells them apart: another window run logs it otherwise (or, for a flag, does not log
    it: off by default), no earlier run holds it."""
    if not holds or not any((flag or r.params.get(key) is not None) and r not in holds for r in window):
        return None
    if any(held(r) for r in earlier):  # type: ignore[operator]
        return None
    return holds


def _value_then_key(word: str, next_word: str, key: str, parts: list[str], window: list[RunSnapshot],
                    earlier: list[RunSnapshot]) -> list[RunSnapshot] | None:
    """"isotonic calibration": a word that is the whole value of ``key`` (a word, not a number or a flag), then a word
    of the key."""
    if word in _TRUE or word in _FALSE or word in lexicon.STOP_TOKENS or word.isdigit() or len(word) < 4:
        return None
    if not any(_key_word(next_word, part) for part in parts) or any(_key_word(word, part) for part in parts):
        return None

    def held(run: RunSnapshot) -> bool:
        return str(run.params.get(key, "")).strip().lower() == word

    return _apart(key, [r for r in window if held(r)], window, earlier, held)


def _action_flag(word: str, next_word: str, key: str, parts: list[str], window: list[RunSnapshot],
                 earlier: list[RunSnapshot]) -> list[RunSnapshot] | None:
    """"freezing the embeddings": a form of the key's first word, then its other word (``freeze_embeddings``), for
    the runs whose flag is true."""
    if len(parts) != 2 or parts[0] in _NO_ACTION or len(parts[0]) < 4:
        return None
    if word not in _verb_forms(parts[0]) or not _key_word(next_word, parts[1]):
        return None

    def held(run: RunSnapshot) -> bool:
        return str(run.params.get(key, "")).strip().lower() in _TRUE

    holds = [r for r in window if held(r)]
    if any(str(r.params.get(key, "")).strip().lower() not in _TRUE | _FALSE for r in window if r.params.get(key)):
        return None  # not a flag
    return _apart(key, holds, window, earlier, held, flag=True)
