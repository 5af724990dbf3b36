"""Near-miss plans made from every fixture's own runs (tests.narrative.check_traps): how many read "tried".

On 99c5721 (before the bound class) a plan moving a logged param the other way from where its runs went ("lower
samplerate below 16000" where 16000 was the lowest) read "tried" 31 times over dev, open-real, tune and held (3, 13,
10, 5): a param outside the concept table was matched by its name's words, or a run AT the bound answered.
``narrative.check_bounded_key`` lets the runs' values past the bound decide: 5 left (1, 2, 2, 0): the dev one is a
true "tried" the generator cannot see (xgboost's ``eta`` is the learning rate), two take another key of the same
setting (``batch_size`` beside ``global_batch_size``), one is ``num_envs`` (its "num" is a noise word, so "num envs"
names ``env`` as much), one a negative bound ("-10.0", its sign read as a dash). A value no run has ("moved")
reads "tried" once (a long key spoken in part, "sparse feature size 11" for ``arch_sparse_feature_size``), a sibling
family no run or note names never, and a value a run used is missed three times (on tune a label smoothing of 0,
read as "without"). The allowances are those counts: a rise is a regression.
"""

from __future__ import annotations

import pytest

from tests.narrative.check_traps import fixture_sets, measure

# h/checks18: "used" 3 -> 4 with the round's two new held files, one more miss there on the old code (d63c73c) and
# the new alike (counted only: held 2 -> 3; no engine change moved any kind)
ALLOWED = {"moved": 1, "used": 4, "family": 0, "reversed": 5}


@pytest.mark.parametrize("kind", list(ALLOWED))
def test_near_miss_plans_rarely_read_wrong(kind: str) -> None:
    figures = [measure(path, kind) for paths in fixture_sets().values() for path in paths]
    wrong, total = sum(f[0] for f in figures), sum(f[1] for f in figures)
    assert total >= 30  # the generator still makes plans on the fixtures
    assert wrong <= ALLOWED[kind]
