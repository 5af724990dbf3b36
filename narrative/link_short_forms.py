"""Runs named by a short form of a part of their name (links round 7): "the r18 run" for resnet18-mixup, "the R50
models" for the resnet50-* runs, "the BL run" for baseline-v2, "the CM run" for cut-mix-0.5; and the other
way round, a name written out whose initials a run's name uses ("OpenWebText" for owt-base).

A short form is written right before a noun of runs (run, model, one, experiment, baseline, variant, version,
config): letters with a number ("r18", "RN50": the letters start the name part and are in it in order, the number is
the part's), or two or three capitals ("BL": the part's first letter then others of its consonants, the part at least
three letters longer; "CM": the first letters of consecutive parts). It names the author's window run whose name has
such a part — in the singular only when exactly one run has one among the author's window runs and the author's
earlier runs (a teammate's run with the same part is not the author's to talk of as "the r18 run"); in the plural
the author's window runs that have one (two or more). Words that are metrics, settings, model families, versions or
units are no short forms ("f1", "lr", "v2", "fp16", "GPU"); the exact part written is the name rules' business.
Plans, questions, negations and someone else's runs name nothing; a failed or killed run only where the sentence
says it failed.
"""

from __future__ import annotations

import re

from narrative import lexicon
from narrative.link_groups import elsewhere, not_run
from storage.records import RunSnapshot

_NOUN = r"[ \t]{1,2}(runs?|models?|ones?|experiments?|baselines?|variants?|versions?|configs?)(?![\w\-])"
_WITH_NUMBER = re.compile(r"(?<![\w\-.#/@])([a-z]{1,4}\d{1,4})(?![\w\-]|\.\d)" + _NOUN)
_CAPITALS = re.compile(r"(?<![\w\-.#/@])([A-Z]{2,3})(?![\w\-]|\.\d)" + _NOUN.replace("(runs?", "((?i:runs?") .replace(
    "configs?)", "configs?))"))
# A name written out in capitalised words whose initials a run's name uses: "OpenWebText" for owt-base. Three words
# or more (two initials are too often a word of their own); only where exactly one run's name has the initials.
_CAMEL = re.compile(r"(?<![\w\-])((?:[A-Z][a-z]{1,12}){3,5})(?![\w\-])")
_CAPITAL = re.compile(r"[A-Z]")
_NOT_SHORT = frozenset({
    "fp16", "fp32", "fp8", "bf16", "int8", "int4", "x2", "x4", "gpu", "cpu", "tpu", "oom", "nan", "auc", "mse", "mae",
    "a100", "h100", "a10", "a6000", "k80", "m1", "m2", "rtx3090", "c4", "l1", "l2",
    "ram", "ssd", "api", "cli", "ema", "sgd", "new", "old", "top", "the", "run", "big", "all", "my", "our", "ok",
})
_NEGATED = re.compile(r"\b(?:not|no|never|except|than|unlike|besides|without)[ \t]{1,2}(?:the[ \t]{1,2})?$|"
                      r"n't[ \t]{1,2}(?:the[ \t]{1,2})?$")
_SENTENCE = re.compile(r"(?<=[.!?;])[ \t]{1,4}(?=\S)|\n")
_PART = re.compile(r"([a-z]{1,40})(\d{0,10})")
_STOPPED = frozenset({"FAILED", "KILLED"})
_VOWELS = frozenset("aeiou")


def _in_order(letters: str, word: str) -> bool:
    it = iter(word)
    return all(c in it for c in letters)


def _abbreviates(short: str, part: str) -> bool:
    """Whether ``short`` ("r18", "bl") is a short form of one name part ("resnet18", "baseline")."""
    written = _PART.fullmatch(short)
    shape = _PART.fullmatch(part)
    if not written or not shape:
        return False
    letters, digits = written.groups()
    word, number = shape.groups()
    if letters[0] != word[0] or len(letters) >= len(word):
        return False
    if digits:
        return number == digits and _in_order(letters[1:], word[1:])
    consonants = "".join(c for c in word[1:] if c not in _VOWELS)
    return not number and len(word) >= len(letters) + 3 and _in_order(letters[1:], consonants)


def _initials(short: str, parts: list[str]) -> bool:
    """Whether capitals ("cm") are the first letters of consecutive word parts ("cut", "mix")."""
    size = len(short)
    return any(all(p.isalpha() and len(p) >= 3 for p in parts[i:i + size])
               and "".join(p[0] for p in parts[i:i + size]) == short for i in range(len(parts) - size + 1))


def _parts(run: RunSnapshot) -> list[str]:
    return [p for p in re.split(r"[^a-z0-9]+", run.run_name.lower()) if p]


def _has_short_form(short: str, run: RunSnapshot, capitals: bool) -> bool:
    parts = _parts(run)
    if short in parts:
        return False  # the part itself: a name, not a short form
    return any(_abbreviates(short, p) for p in parts) or (capitals and _initials(short, parts))


def _is_plain_word(short: str) -> bool:
    return (short in _NOT_SHORT or short in lexicon.STOP_TOKENS or short in lexicon.METRIC_ALIASES
            or short in lexicon.PARAM_ALIASES or bool(lexicon.families_in(short))
            or bool(re.fullmatch(r"v\d+|p\d+|e\d+|t\d+|k\d+|x\d+", short)))


def short_form_references(text: str, window_runs: list[RunSnapshot], others: list[RunSnapshot],
                          people: frozenset[str] = frozenset()) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for the author's runs the text names by a short form of a part of their name; ``others``
    are the runs that make a short form ambiguous (the author's earlier runs)."""
    if not window_runs:
        return []
    found: list[tuple[str, RunSnapshot]] = []
    for sentence in _SENTENCE.split(text):
        lowered = sentence.lower()
        if not_run(lowered) or "?" in sentence or elsewhere(lowered, people):
            continue
        failing = lexicon.has_cue(lowered, lexicon.FAILURE_CUES)
        matches = [*((m, False) for m in _WITH_NUMBER.finditer(lowered)),
                   *((m, True) for m in _CAPITALS.finditer(sentence))]
        for match in _CAMEL.finditer(sentence):
            initials = "".join(_CAPITAL.findall(match.group(1))).lower()
            if _is_plain_word(initials) or _NEGATED.search(lowered[: match.start()]):
                continue
            mine = [r for r in window_runs if initials in _parts(r)]
            if (len(mine) == 1 and (failing or mine[0].status.upper() not in _STOPPED)
                    and not any(initials in _parts(r) for r in others)):
                found.append((match.group(0), mine[0]))
        for match, capitals in matches:
            short, noun = match.group(1).lower(), match.group(2).lower()
            if _is_plain_word(short) or _NEGATED.search(lowered[: match.start()]):
                continue
            mine = [r for r in window_runs if _has_short_form(short, r, capitals)]
            usable = [r for r in mine if failing or r.status.upper() not in _STOPPED]
            plural = noun.endswith("s")
            if plural:
                if len(mine) >= 2 and len(usable) >= 2:
                    found += [(match.group(0), r) for r in usable]
                continue
            if len(mine) == 1 and usable and not any(_has_short_form(short, r, capitals) for r in others):
                found.append((match.group(0), usable[0]))
    return found
