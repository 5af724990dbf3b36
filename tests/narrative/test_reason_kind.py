"""Why a line of work was closed: a quoted setting (a duration, a count of iterations) is no complaint
about speed; only words that say the time was the problem are."""

from __future__ import annotations

from narrative import vocab


def test_settings_that_mention_time_are_not_a_speed_reason() -> None:
    assert vocab.reason_kind("calm-otter-41 (lr 0.05, 400 iterations) did no better than hgb-d3") == "accuracy"
    assert vocab.reason_kind("trained for 30 minutes, no better than the baseline") == "accuracy"


def test_speed_complaints_are_a_speed_reason() -> None:
    assert vocab.reason_kind("dropped the SVM: too slow, 40 minutes per fold") == "speed"
    assert vocab.reason_kind("the transformer takes too long to train for what it gives") == "speed"
    assert vocab.reason_kind("iteration time doubled with the bigger batch") == "speed"
