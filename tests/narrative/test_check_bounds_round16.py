"""Round 16 of "already tried?" (issue 8), found by ``tests.narrative.check_traps`` (near-miss plans made from each
fixture's own runs): a bound on a logged param outside the concept table.

Class: "epsilon above 0.25", "samplerate below 16000", "raise grad_clip above 0.5" asks for values past the number.
The concept rules read such bounds on the table's settings ("lr below 1e-4"); a param outside the table was matched
by its name's words (any run logging it answered "tried") or by the number (a run AT the bound answered "tried").
Now the runs' logged values decide: tried when one lies past the bound in the asked direction, not tried otherwise,
closest the nearest value (``narrative.check_bounded_key``, ``narrative.check_bounds``). Sentences written for the
test (no fixture text).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from narrative import synthesis
from narrative.check_bounds import bound_before
from narrative.types import ProjectHistory
from storage.records import ProjectRecord
from tests.narrative.walkthrough_util import history, run

T0 = dt.datetime(2020, 2, 20, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="vocoder", primary_metric="mel_l1", goal="min",
                        experiment_ids=["1"])


def _history() -> ProjectHistory:
    runs = [
        run("a", "melgan-timit", 1, {"samplerate": "16000", "epsilon": "0.25", "grad_clip": "0.5", "lr": "0.0003"},
            "mel_l1", 0.92, t0=T0),
        run("b", "melgan-ljspeech", 5, {"samplerate": "22050", "epsilon": "0.25", "grad_clip": "1.0", "lr": "0.0001"},
            "mel_l1", 0.61, t0=T0),
        run("c", "multiscale-ljspeech", 9, {"samplerate": "22050", "epsilon": "0", "grad_clip": "1.0",
                                            "lr": "0.0001"}, "mel_l1", 0.55, t0=T0),
    ]
    notes = [(2, "melgan on timit done, mel_l1 .92, sounds metallic"),
             (10, "moved to ljspeech: the multiscale discriminator is clearly better (.55 vs .61)")]
    return history(PROJECT, runs, notes, days=2, t0=T0)


@pytest.fixture(scope="module")
def hist() -> ProjectHistory:
    return _history()


# ---- the class: these read "tried" on the old code ----

@pytest.mark.parametrize("plan", [
    "samplerate below 16000",
    "lower the samplerate below 16000",
    "try samplerate above 22050",
    "epsilon above 0.25",
    "raise epsilon above 0.25",
    "grad_clip above 1.0",
    "lower grad_clip below 0.5",
    "a samplerate higher than 22050",
])
def test_a_run_at_the_bound_or_on_the_other_side_is_not_the_plan(hist: ProjectHistory, plan: str) -> None:
    got = synthesis.check(plan, hist)
    assert not got.already_tried, got.message
    assert "no run has" in got.message and "closest" in got.message


# ---- must not fire: runs past the bound are the plan done; no bound, no change ----

@pytest.mark.parametrize(("plan", "tried"), [
    ("samplerate above 16000", True),           # 22050 is past it
    ("samplerate higher than 16000", True),
    ("samplerate of at least 20000", True),
    ("epsilon below 0.25", True),               # epsilon=0
    ("grad_clip under 1.0", True),              # grad_clip=0.5
    ("samplerate 16000", True),                 # no bound: the value itself
    ("epsilon 0.25", True),
    ("grad_clip 0.5", True),
    ("lr below 3e-4", True),                    # a setting of the concept table: its own rules, lr=1e-4 ran
])
def test_runs_past_the_bound_still_answer_tried(hist: ProjectHistory, plan: str, tried: bool) -> None:
    got = synthesis.check(plan, hist)
    assert got.already_tried is tried, got.message


@pytest.mark.parametrize(("words", "i", "want"), [
    (["epsilon", "0.25"], 1, None),
    (["set", "epsilon", "to", "0.25"], 3, None),
    (["train", "for", "over", "3", "epochs"], 3, None),        # "over" tells a duration as often as a bound
    (["epsilon", "other", "than", "0.25"], 3, 0),              # not that value, no direction
    (["epsilon", "above", "0.25"], 2, 1),
    (["epsilon", "higher", "than", "0.25"], 3, 1),
    (["at", "most", "200", "iterations"], 2, -1),
    (["under", "0.5"], 1, -1),
])
def test_the_bound_word_before_a_number(words: list[str], i: int, want: int | None) -> None:
    assert bound_before(words, i) == want


@pytest.mark.parametrize("plan", [
    "keep each run under 30 minutes",            # no logged param named before the bound
    "epsilon other than 0.25",                   # no direction: not read as a bound
    "a model above 100M params",
    "train for over 3 epochs",
    "the mel loss below 0.5",                    # a metric, not a logged param
])
def test_no_bound_reading_where_no_logged_param_is_bounded(hist: ProjectHistory, plan: str) -> None:
    got = synthesis.check(plan, hist)
    assert " above " not in got.message.split("(")[0] and " below " not in got.message.split("(")[0], got.message


def test_walkthrough_a_bound_then_the_value_itself(hist: ProjectHistory) -> None:
    """As a user asks: "samplerate below 16000?" (no: 16000 and 22050 ran, closest the 16000 run), then
    "samplerate above 16000?" (yes: the ljspeech runs)."""
    low = synthesis.check("should we try a samplerate below 16000?", hist)
    assert not low.already_tried and "melgan-timit" in low.message
    high = synthesis.check("should we try a samplerate above 16000?", hist)
    assert high.already_tried and "ljspeech" in high.message


def test_a_long_bound_paste_stays_fast(hist: ProjectHistory) -> None:
    plan = "epsilon above 0.25 and grad_clip below 0.5, " * 3000
    t = time.process_time()
    synthesis.check(plan, hist)
    assert time.process_time() - t < 5.0


def _channels_history() -> ProjectHistory:
    runs = [
        run("d", "seg-flex-8", 1, {"first_layer_out_channels": "8", "out_channels": "2", "lr": "0.001"},
            "mel_l1", 0.3, t0=T0),
        run("e", "seg-flex-16", 4, {"first_layer_out_channels": "16", "out_channels": "2", "lr": "0.001"},
            "mel_l1", 0.2, t0=T0),
    ]
    return history(PROJECT, runs, [(5, "the wider first layer helps, .2 vs .3")], days=1, t0=T0)


def test_a_long_param_name_is_read_and_the_key_with_most_words_wins() -> None:
    """"first layer out channels below 8": four words name ``first_layer_out_channels``; ``out_channels`` has two
    of them and is not the param asked about."""
    h = _channels_history()
    low = synthesis.check("try first layer out channels below 8", h)
    assert not low.already_tried and "first_layer_out_channels" in low.message, low.message
    high = synthesis.check("try first layer out channels above 8", h)
    assert high.already_tried and "seg-flex-16" in high.message, high.message
