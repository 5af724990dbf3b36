"""Thread answers on things planned and never run, runs the notes give an item of their own, and the way a
question moves a setting (issue 8, h/answers4; real notes in data/real_answers: a Toribash PPO log and
mingrouxie/ntk_matrix_completion run notes, both tune)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from narrative import synthesis
from narrative.answer_plans import run_item, unlogged_item
from narrative.answer_rank import direction
from narrative.history_index import HistoryIndexCache
from tests.narrative.synthesis_dev import build_history

DATA = Path(__file__).parent / "data" / "real_answers"
_BUILT: dict[str, Any] = {}


def _ask(name: str, question: str) -> str:
    if name not in _BUILT:
        hist, _, _, _ = build_history(DATA / name, False)
        _BUILT[name] = (hist, HistoryIndexCache())
    hist, cache = _BUILT[name]
    return synthesis.answer(question, hist, indexes=cache).answer


def _index(name: str) -> Any:
    _ask(name, "what was the best run?")
    hist, cache = _BUILT[name]
    return cache.index(hist)


def test_a_thing_only_planned_is_answered_with_the_plan_its_author_and_date() -> None:
    # "I'll try a run with the GRU turned on first." and no GRU run follows
    got = _ask("toribash-ppo-log.json", "did we ever try the GRU?")
    assert got.startswith("Not run: planned on 2019-07-28 by toribash-rl")
    assert "GRU turned on" in got


def test_a_decision_not_to_try_is_labelled_so_and_the_other_way_is_not_quoted() -> None:
    got = _ask("toribash-ppo-log.json", "did a larger batch size help?")
    assert "decided against" in got and "already pretty big" in got
    assert "reducing the batch size to 3200" not in got  # a cut is not the larger batch asked about


def test_a_why_question_with_a_value_quotes_the_line_that_states_that_value() -> None:
    got = _ask("toribash-ppo-log.json", "why did we cut the batch size to 512?")
    assert "batch size of 512 worked well" in got.split("\" ")[0]


def test_a_slip_is_the_reason_for_an_unintended_change() -> None:
    got = _ask("toribash-ppo-log.json", "why was the entropy coefficient lowered to 0.0003?")
    assert "I made a mistake" in got.split("\" ")[0]


def test_a_run_named_in_a_why_question_is_answered_by_the_lines_under_its_item() -> None:
    got = _ask("ntk-multitask-runs.json", "why did run_12 drop the dropout in the last layer?")
    assert got.startswith("mingrouxie (2023-03-02) on run_12:")
    assert "Val loss exploded at epoch 8" in got
    assert "dropout was closed" not in got


def test_a_run_item_and_a_name_the_tracker_never_got() -> None:
    idx = _index("ntk-multitask-runs.json")
    run = next(r for r in idx.run_by_id.values() if r.run_name == "run_10_2")
    item = run_item(idx, run)
    assert item is not None and "was running run_10/'s file oops" in item[1]
    gone = unlogged_item(idx, "run_10_5: run_10 with same params as run_13_3: patience 10")
    assert gone is not None and gone[1] == "run_10_5" and gone[2].startswith("CANCELLED")
    assert unlogged_item(idx, "run_13_2: run_13, but with patience 100") is None  # a run the tracker has


def test_the_way_a_sentence_moves_the_asked_setting() -> None:
    assert direction("did a larger batch size help?") == "up"
    assert direction("I'll try reducing the batch size to 3200") == "down"
    # only the clause about the asked setting counts
    line = "I'll try reducing the batch size to 512,increasing entropy to 0.01"
    assert direction(line) is None
    assert direction(line, "did a larger batch size help?") == "down"


def test_a_numbered_attempt_heading_is_its_name_not_a_plan() -> None:
    from narrative.answer_quotes import _PLANNY

    assert not _PLANNY.match("Try 11 (26 July 2023).")
    assert not _PLANNY.match("% Try 12 (30 July 2023).")
    assert not _PLANNY.match("Try #4: lower noise")
    assert _PLANNY.match("Try 3 seeds on the small model")
    assert _PLANNY.match("Try controlling the lr with a warmup")
