"""A move judged in the past tense ("going to 5 layers hurt") is a thing done, not a plan."""

from __future__ import annotations

import pytest

from narrative.next_split import split_next
from narrative.reading import modality


@pytest.mark.parametrize("text", [
    "- going to 5 layers hurt (1.01), probably oversmoothing",
    "switching to adamw helped a lot",
    "going to the bigger model did nothing",
    "dropping to lr 1e-4 fixed the spikes",
    "bumping to bs 256 was worse, .91",
])
def test_a_move_judged_in_the_past_is_no_step(text: str) -> None:
    assert split_next(text)[1] == "", split_next(text)


@pytest.mark.parametrize("text", [
    "I'm going to 5 layers tomorrow",
    "going to try lr 1e-4 which was suggested",
    "going to run the 5 layer model that was queued",
    "going to use the checkpoint that was best",
    "going to see what was wrong",
    "we are going to switch to adamw",
    "switching to adamw tomorrow",
    "going to 5 layers, since 3 was too shallow",
    "then going to lr 1e-4 if it still diverges",
    "next: going to 5 layers",
])
def test_plans_with_the_same_words_stay_plans(text: str) -> None:
    assert split_next(text)[1], text


@pytest.mark.parametrize("text", ["going to 5 layers hurt (1.01), probably oversmoothing",
                                  "switching to adamw helped a lot"])
def test_such_a_move_is_not_read_as_planned(text: str) -> None:
    assert modality(text) != "planned"
