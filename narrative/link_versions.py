"""Lightning's runs named by their version: "v7" for the run version_7 (links round 11), and a series of one name's
versions: "v3" for bert-v3 beside bert-v1 and bert-v2 (links round 15).

PyTorch Lightning logs each run of an experiment to ``version_N``, and people write "v7", "v3/v4", "on top of v1".
A "vN" is also the version of anything else ("yolo v5", "the v2 data", "v2 of the pipeline"), so it names a run only
where nothing else can be meant: the author logs a series of such runs (two or more named ``version_N``), exactly
one of the author's runs is ``version_N`` and it is in the author's window (a "v1" of last week's series may be
another experiment's), "vN" is a token of its own ("resnet-v2", "v1.5", "v2b" are not), the word before it is no
noun it could be the version of (only a function word, punctuation or another "vN": "of v1", "v3/v4", "as v7"), and
what follows makes it no version of a thing ("v2 of the data", "v7 data").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from storage.records import RunSnapshot

_VERSION_NAME = re.compile(r"^version_(\d{1,4})$")
# A run name tagged with its version at the end (links round 15): "bert-v3", "resnet_ft_v2" (stem, number).
_VERSION_TAG = re.compile(r"^([a-z0-9][a-z0-9_\-]{0,60}?)[-_]v(\d{1,3})$")
_WRITTEN = re.compile(r"(?<![\w\-.])v(\d{1,4})(?![\w\-]|\.\d)")
# "v3/v4": a slash joins two versions; "api/v2" is a path.
_VERSION_BEFORE_SLASH = re.compile(r"(?<![\w\-.])v\d{1,4}/$")
# Bounded (a word of at most 31 letters) so that a search stays linear on any text (issue 11).
_WORD_BEFORE = re.compile(r"(?<![a-z'])([a-z][a-z']{0,30})[ \t]{1,3}$")
_FUNCTION_WORDS = frozenset({
    "the", "a", "of", "as", "to", "vs", "than", "and", "or", "in", "on", "onto", "into", "from", "with", "like",
    "over", "beat", "beats", "beating", "between", "is", "was", "both", "see", "at", "for", "after", "before", "since",
    "then", "but", "so", "also", "only", "just", "rerun", "reran", "resumed", "resume", "continued", "compared",
    "unlike", "same", "that", "this", "where", "while", "until", "by", "about", "i", "we", "still", "now",
})
# What follows a version of a thing, not a run: "v2 of the data", "the v7 data", "v3 labels".
_THING_AFTER = re.compile(r"[ \t]{1,3}(?:of|data|dataset|datasets|labels?|split|api|tokenizer|vocab|pipeline|paper|"
                          r"release|schema|format|spec|protocol|package|library|lib)\b")


def version_references(text: str, *, author_runs: Sequence[RunSnapshot],
                       window_ids: set[str]) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for each "vN" of ``text`` that names the author's window run ``version_N``."""
    by_number: dict[str, list[RunSnapshot]] = {}
    tagged: dict[str, dict[str, list[RunSnapshot]]] = {}
    for run in author_runs:
        name = run.run_name.strip().lower()
        shape = _VERSION_NAME.match(name)
        if shape:
            by_number.setdefault(str(int(shape.group(1))), []).append(run)
        tag = _VERSION_TAG.match(name)
        if tag:
            tagged.setdefault(tag.group(1), {}).setdefault(str(int(tag.group(2))), []).append(run)
    if len(by_number) < 2:
        by_number = {}  # no series of Lightning versions: a "v2" is a version of something else
    # A series of one name's versions ("bert-v1", "bert-v2", "bert-v3"): "v2" is its run, when one series has it.
    for versions in tagged.values():
        if len(versions) >= 2:
            for number, runs in versions.items():
                by_number.setdefault(number, []).extend(runs)
    if not by_number:
        return []
    lowered = text.lower()
    found: list[tuple[str, RunSnapshot]] = []
    for match in _WRITTEN.finditer(lowered):
        runs = by_number.get(str(int(match.group(1))), [])
        if len(runs) != 1 or runs[0].run_id not in window_ids:
            continue
        if lowered[: match.start()].endswith("/") and not _VERSION_BEFORE_SLASH.search(lowered[: match.start()]):
            continue  # "api/v2", "runs/v3": a path
        before = lowered[: match.start()].rstrip(" \t")
        word = _WORD_BEFORE.search(lowered[max(0, match.start() - 40): match.start()])
        if before and before[-1].isalnum() and (word is None or word.group(1) not in _FUNCTION_WORDS):
            continue  # "yolo v5", "model v2", "2 v3": the version of a thing
        if _THING_AFTER.match(lowered, match.end()):
            continue
        found.append((match.group(0), runs[0]))
    return found
