"""Runs named by a model size in words: "With the large model without do_lower i get no progress f1 0.0",
"the bigger model", "the smallest encoders".

Teams sweep a model's size by its checkpoint (`xlm-roberta-base`, `xlm-roberta-large`, `t5-small`) and write
the size, not the name. A size word names runs only through the one setting of the author's finished window
runs whose values differ in a size word and nothing else (`xlm-roberta-base` / `xlm-roberta-large`), with two
or more sizes present:

- "the <size> <noun>" (`the large model`, `the base models`) names the runs of that size; a flag the same
  sentence turns off or on (`without do_lower`, `with fp16`) narrows them;
- "the bigger/smaller <noun>" names the larger/smaller side when there are exactly two sizes; a superlative
  ("the largest encoder") the extreme size;
- a singular noun names one run or nothing.

Nothing is linked when a numeric width or depth also varies ("bigger" might mean it), when two settings carry
sizes, in plans, questions and negations, or from run names ("sst2-small-lower": a dataset's size, maybe).
"""

from __future__ import annotations

import re

from narrative.link_comparatives import axis_key
from narrative.link_groups import NOT_DONE
from storage.records import RunSnapshot

SIZES = ("tiny", "mini", "small", "base", "medium", "large", "xl", "xxl", "huge")
_RANK = {size: rank for rank, size in enumerate(SIZES)}
_RUN_NOUNS = frozenset({"model", "models", "encoder", "encoders", "backbone", "backbones", "network", "networks",
                        "net", "nets", "run", "runs", "variant", "variants", "version", "versions", "checkpoint",
                        "checkpoints", "transformer", "transformers"})
_SINGULAR = frozenset(n for n in _RUN_NOUNS if not n.endswith("s"))
_RELATIVE = {"bigger": (1, False), "larger": (1, False), "smaller": (-1, False), "biggest": (1, True),
             "largest": (1, True), "smallest": (-1, True)}
_WORD = "|".join((*_RELATIVE, *SIZES))
_NOUN = "|".join(sorted(_RUN_NOUNS, key=len, reverse=True))
_PHRASE = re.compile(rf"(?<![a-z])(?:the|those|these|our|my)\s{{1,3}}(?P<word>{_WORD})\s{{1,3}}(?P<noun>{_NOUN})"
                     rf"(?![a-z])")
# A flag the sentence turns off or on: "without do_lower", "with fp16 on", "no warmup".
_FLAG = re.compile(r"(?<![a-z])(?P<how>without|with|no)\s{1,3}(?P<flag>[a-z][a-z0-9_]{2,30})")
_NEGATION = re.compile(r"(?<![a-z])(?:no|not|without|never)\s{1,3}$")
_STATEMENT = re.compile(r"(?<=[.!;])\s|\n")
_NOT_FLAGS = frozenset({"the", "this", "that", "these", "those", "all", "some", "any", "our", "my", "its", "their"})
_FALSE = frozenset({"false", "0", "no", "none", "off"})
_TRUE = frozenset({"true", "1", "yes", "on"})


def _size_of(value: str) -> tuple[str, str] | None:
    """(size word, the value without it) when ``value`` holds exactly one size word between separators."""
    parts = re.split(r"([-_/. ])", value.lower())
    found = [i for i, p in enumerate(parts) if p in _RANK]
    if len(found) != 1:
        return None
    rest = "".join(p if i != found[0] else "*" for i, p in enumerate(parts))
    return parts[found[0]], rest


def _size_setting(runs: list[RunSnapshot]) -> str | None:
    """The one setting whose values differ in a size word only, with two sizes or more among ``runs``."""
    keys = []
    for key in {k for r in runs for k in r.params}:
        sized = [_size_of(r.params[key]) for r in runs if key in r.params]
        if not sized or None in sized:
            continue
        if len({s[1] for s in sized if s}) == 1 and len({s[0] for s in sized if s}) >= 2:
            keys.append(key)
    return keys[0] if len(keys) == 1 else None


def _narrowed(statement: str, runs: list[RunSnapshot]) -> list[RunSnapshot]:
    """``runs`` kept to those agreeing with the boolean flags the statement turns off or on."""
    for match in _FLAG.finditer(statement):
        flag = match["flag"]
        if flag in _NOT_FLAGS:
            continue  # "with the large model": an article, not a flag
        want = _FALSE if match["how"] in {"without", "no"} else _TRUE
        keys = {k for r in runs for k in r.params if flag in k.lower() and r.params[k].lower() in _FALSE | _TRUE}
        if len(keys) == 1:
            key = keys.pop()
            runs = [r for r in runs if r.params.get(key, "").lower() in want]
    return runs


def size_references(text: str, window_runs: list[RunSnapshot]) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for the runs a statement names by a size word (module docstring)."""
    finished = [r for r in window_runs if r.status.upper() == "FINISHED"]
    key = _size_setting(finished)
    if key is None or axis_key("width", finished) or axis_key("depth", finished):
        return []
    size_of = {r.run_id: _size_of(r.params[key]) for r in finished if key in r.params}
    sizes = sorted({s[0] for s in size_of.values() if s}, key=_RANK.__getitem__)
    found: list[tuple[str, RunSnapshot]] = []
    for statement in _STATEMENT.split(text.lower()):
        if not statement.strip() or NOT_DONE.search(statement):
            continue
        for match in _PHRASE.finditer(statement):
            if _NEGATION.search(statement[: match.start()]):
                continue
            word = match["word"]
            if word in _RELATIVE:
                direction, superlative = _RELATIVE[word]
                if not superlative and len(sizes) != 2:
                    continue
                size = sizes[-1] if direction > 0 else sizes[0]
            elif word in sizes:
                size = word
            else:
                continue
            runs = [r for r in finished if (s := size_of.get(r.run_id)) and s[0] == size]
            runs = _narrowed(statement, runs)
            if match["noun"] in _SINGULAR and len(runs) != 1:
                continue
            found += [(match.group(0), r) for r in runs]
    return found
