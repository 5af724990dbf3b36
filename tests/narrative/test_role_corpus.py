"""The reading holds its floor on real sentences it was not written for.

The corpus (``tests/narrative/data/real_roles.jsonl``) was labelled by hand before the engine's reading
of it was looked at; the ``held`` half's sources were never used to write a rule. Floors sit a little
under the measured figures so that a change that loses real sentences fails here, and a change that
gains some can raise them: old batch tune 0.86 / held 0.60 accuracy, new batch (sources first read in
the structure round) tune 0.47 / held 0.41, third batch (sources first read in the sections round) tune
0.79 / held 0.59, fourth batch (sources first read in the fields round) tune 0.69 / held 0.49, fifth batch
(weekly logs, round fields7; tune only) tune 0.70, ninth batch (issue threads and an experiment series, round fields13;
tune only; 0.49 on the rules before it) tune 0.62, tenth batch (non-native English, chat-style replies, terse logs and
minutes, round fields14; tune only; 0.57 on the rules before it) tune 0.66.
"""

from __future__ import annotations

import pytest

from tests.narrative.role_corpus import ROLES, load, score

FLOORS = {("tune", "old"): (0.80, 0.80), ("held", "old"): (0.57, 0.62),   # accuracy, macro-F1
          ("tune", "new"): (0.42, 0.48), ("held", "new"): (0.36, 0.44),
          ("tune", "third"): (0.74, 0.68), ("held", "third"): (0.55, 0.60),
          ("tune", "fourth"): (0.64, 0.70), ("held", "fourth"): (0.44, 0.44),
          ("tune", "fifth"): (0.62, 0.70),
          ("tune", "ninth"): (0.57, 0.60),
          ("tune", "tenth"): (0.62, 0.65)}


def test_corpus_is_real_sized_and_split_by_source() -> None:
    items = load()
    assert len(items) >= 300
    sources = {i.source for i in items}
    assert len(sources) >= 10
    by_source: dict[str, set[str]] = {}
    for item in items:
        by_source.setdefault(item.source, set()).add(item.split)
    assert all(len(splits) == 1 for splits in by_source.values()), "a source lies in both halves"
    assert {i.role for i in items} <= {*ROLES, "other"}


@pytest.mark.parametrize(("split", "batch"), list(FLOORS))
def test_reading_holds_its_floor(split: str, batch: str) -> None:
    scores, _ = score(load(split, batch))
    accuracy, macro_f1 = FLOORS[(split, batch)]
    assert scores.accuracy >= accuracy, scores
    assert scores.macro_f1 >= macro_f1, scores
