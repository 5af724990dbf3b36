"""Runs scored under another split than most runs are never "the best" (narrative.protocol)."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative.protocol import is_protocol_key, off_protocol
from storage.records import RunSnapshot

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _run(rid: str, **params: str) -> RunSnapshot:
    return RunSnapshot(project_id="p", run_id=rid, run_name=rid, user="ana", status="FINISHED", start=T0, end=T0,
                       params=params, metrics={"val_rmse": 1.0})


@pytest.mark.parametrize("key", ["split", "split_type", "data_split", "splitter", "eval-split", "Split.Method"])
def test_split_keys_name_the_protocol(key: str) -> None:
    assert is_protocol_key(key)


@pytest.mark.parametrize("key", ["split_heads", "split_size", "num_splits", "n_split", "val_split_ratio", "seed",
                                 "dataset", "fold", "split_k", "layers_split"])
def test_options_and_fractions_are_not_the_protocol(key: str) -> None:
    assert not is_protocol_key(key)


def test_the_minority_split_is_off_protocol() -> None:
    runs = [_run("a", split="scaffold"), _run("b", split="scaffold"), _run("c", split="random"), _run("d")]
    assert off_protocol(runs) == {"c"}


@pytest.mark.parametrize("values", [
    ("scaffold", "random"),               # one each: no majority
    ("scaffold", "scaffold", "random", "random"),  # a tie
    ("0.2", "0.2", "0.1"),                # a fraction, not a named split
    ("true", "true", "false"),            # a flag
    ("scaffold", "scaffold", "scaffold"),  # one protocol
])
def test_no_clear_majority_of_named_splits_leaves_every_run_ranked(values: tuple[str, ...]) -> None:
    assert off_protocol([_run(str(i), split=v) for i, v in enumerate(values)]) == frozenset()


def test_a_set_name_is_where_a_run_was_scored_not_another_protocol() -> None:
    runs = [_run("a", split="dev"), _run("b", split="dev"), _run("c", split="test")]
    assert off_protocol(runs) == frozenset()
