"""One source of metric direction for structuring and synthesis."""

from __future__ import annotations

import pytest

from narrative import lexicon, vocab


@pytest.mark.parametrize(
    ("metric", "direction"),
    [
        ("recall_at_1fpr", "max"),  # the "fpr" is the operating point, not the quantity
        ("precision@5", "max"),
        ("val_ne", "min"),
        ("val_nll", "min"),
        ("index_mb", "min"),
        ("inference_ms_per_img", "min"),
        ("val_wape", "min"),
        ("ndcg_at_10", "max"),
    ],
)
def test_structuring_and_synthesis_agree_on_direction(metric: str, direction: str) -> None:
    assert lexicon.metric_direction(metric) == direction
    assert vocab.metric_goal(metric) == direction


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("switching to val_ne, lower is better", "min"),
        ("primary metric is latency (goal: min)", "min"),
        ("recall at 1% fpr is what ops reads, we want it up", "max"),
        ("primary metric is val_top1 (max)", "max"),
    ],
)
def test_a_stated_direction_wins(text: str, direction: str) -> None:
    assert lexicon.stated_direction(text) == direction
    assert vocab.stated_direction(text) == direction
