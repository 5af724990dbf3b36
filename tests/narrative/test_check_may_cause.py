"""A possible cause said as a possibility ("X may lead to Y", "X can cause Y"), an explanation or a warning, reports
nothing run: it is no evidence that X (or Y) was tried. A sentence that also reports a run still is. The sentences
are written for these tests."""

from __future__ import annotations

import pytest

from narrative import synthesis
from tests.narrative.test_check_values_sizes import _history

NOTES = [
    "Mixed precision could cause NaNs in the attention logits.",
    "Weight decay can result in underfitting on such a small dataset.",
    "Aggressive cropping might lead to the model overfitting the background.",
    "Added label smoothing; it can lead to better calibration and it did, ECE went from 0.09 to 0.05.",
    "Gradient clipping may well cause slower convergence, so I ran it anyway: same loss after 3 epochs.",
]


@pytest.mark.parametrize(("plan", "tried"), [
    ("mixed precision training", False),
    ("use fp16", False),
    ("add weight decay", False),
    ("aggressive random cropping", False),
    ("reduce overfitting to the background", False),
    ("label smoothing", True),
    ("gradient clipping", True),
])
def test_a_possible_cause_is_no_report(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(NOTES, []))
    assert got.already_tried is tried, (plan, got.message)


REPORTS = [
    "A batch of 64 can cause OOM on the 3090, so I reduced the batch to 16.",
    "We found that warmup can lead to more stable training on this data.",
    "Cosine decay could result in a better optimum; switched to it for the long run.",
]


@pytest.mark.parametrize("plan", ["a smaller batch size", "learning rate warmup", "cosine decay"])
def test_a_possible_cause_beside_a_report_is_evidence(plan: str) -> None:
    got = synthesis.check(plan, _history(REPORTS, []))
    assert got.already_tried, (plan, got.message)
