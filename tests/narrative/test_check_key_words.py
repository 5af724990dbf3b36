"""A param key named by its one word no other key has ("hidden 200" and hidden_dim), never by a word keys share."""

from __future__ import annotations

import pytest

from narrative.check_joint import _keys_by_tokens

KEYS = {"hidden_dim": frozenset({"hidden", "dim"}), "embed_dim": frozenset({"embed", "dim"}),
        "num_layers": frozenset({"num", "layers"}), "num_heads": frozenset({"num", "heads"}),
        "per_device_train_batch_size": frozenset({"per", "device", "train", "batch", "size"}),
        "eval_batch_size": frozenset({"eval", "batch", "size"}), "lr": frozenset({"lr"})}


@pytest.mark.parametrize(("near", "key"), [({"hidden"}, "hidden_dim"), ({"layers"}, "num_layers"),
                                           ({"the", "heads"}, "num_heads"), ({"lr"}, "lr")])
def test_a_key_s_own_word_names_it(near: set[str], key: str) -> None:
    assert _keys_by_tokens(KEYS, near) == {key}


@pytest.mark.parametrize("near", [{"dim"}, {"batch"}, {"size"}, {"num"}, {"hidden", "layers"}, {"the", "run"}])
def test_a_shared_word_or_two_keys_name_none(near: set[str]) -> None:
    assert _keys_by_tokens(KEYS, near) == frozenset()


def test_a_stricter_reading_does_not_fall_back() -> None:
    assert _keys_by_tokens(KEYS, {"hidden"}, min_toks=2) == frozenset()
