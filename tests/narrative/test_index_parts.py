"""The index's compact parts behave as the plain structures they replace."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from adapters.tracker import RUN_ID_MIN_PREFIX
from narrative.index_parts import FactPostings, RunPrefixes


@pytest.mark.parametrize("seed", range(6))
def test_fact_postings_give_what_a_dict_of_lists_filled_fact_by_fact_gives(seed: int) -> None:
    rng = random.Random(seed)
    vocab = [f"t{i}" for i in range(12)]
    shapes = [frozenset(rng.sample(vocab, rng.randint(0, 4))) for _ in range(9)]
    postings = FactPostings()
    plain: dict[str, list[int]] = defaultdict(list)
    filed: list[frozenset[str]] = []  # each fact's set, by position

    def file(s: frozenset[str]) -> None:
        i = len(filed)
        filed.append(s)
        postings.extend([(i, s)])
        for t in s:
            plain[t].append(i)

    for _ in range(300):
        op = rng.random()
        if op < 0.45 or not filed:
            # a batch at a time, as a build files an entry's facts
            batch = [rng.choice(shapes) if rng.random() < 0.8 else frozenset(rng.sample(vocab, 3))
                     for _ in range(rng.randint(1, 4))]
            first = len(filed)
            filed.extend(batch)
            postings.extend(list(enumerate(batch, first)))
            for i, s in enumerate(batch, first):
                for t in s:
                    plain[t].append(i)
        elif op < 0.6:  # the newest fact taken back (an entry dropped to be added again)
            i = len(filed) - 1
            s = filed.pop()
            postings.pop(i, s)
            for t in s:
                plain[t].pop()
        elif op < 0.8:  # a fact filed under another set in place (its context changed)
            i = rng.randrange(len(filed))
            old, new = filed[i], rng.choice(shapes)
            filed[i] = new
            postings.move(i, old, new)
            for t in old - new:
                plain[t].remove(i)
            for t in new - old:
                plain[t].append(i)
                plain[t].sort()
        else:  # a query makes some terms' lists, which later changes keep up to date
            for t in rng.sample(vocab, 3):
                assert list(postings.get(t)) == plain.get(t, [])
    for t in [*vocab, "never"]:
        assert list(postings.get(t)) == plain.get(t, [])
        assert (t in postings) == (t in plain)
    assert postings.get("never", ()) == ()


@pytest.mark.parametrize("seed", range(6))
def test_run_prefixes_give_what_a_dict_of_lists_filled_run_by_run_gives(seed: int) -> None:
    """Ids added in batches (a build, then runs arriving), lowercase or not, many sharing a prefix: each prefix
    gives its runs in the order they were added, as a dict keyed by the lowercased prefix would."""
    rng = random.Random(seed)
    stems = ["abcdef", "abcdeg", "0a1b2c", "ABCDEF", "AbCdEf"]
    upper = seed % 2 == 1  # half the seeds: every id lowercase (the ids are their own sorted keys)
    prefixes = RunPrefixes()
    plain: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for batch_no in range(4):
        batch: list[str] = []
        while len(batch) < (200 if batch_no == 0 else 15):
            stem = rng.choice(stems if upper or batch_no == 3 else [s for s in stems if s.islower()])
            rid = stem + "".join(rng.choice("0123456789abcdefXYZ" if upper else "0123456789abcdef")
                                 for _ in range(rng.randint(0, 5)))
            if rid not in seen:
                seen.add(rid)
                batch.append(rid)
        if batch_no == 1:  # asked between batches: the order added is made, then kept up to date
            assert prefixes.get("abcdef") == plain["abcdef"]
        prefixes.add(batch)
        for rid in batch:
            plain[rid[:RUN_ID_MIN_PREFIX].lower()].append(rid)
        for key in {*plain, "zzzzzz", "abcde"}:
            assert prefixes.get(key) == plain.get(key, []), key
    assert len(prefixes) == len(seen)
