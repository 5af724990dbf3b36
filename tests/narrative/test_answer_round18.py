"""Round 18 of issue 8 (h/answers18): question kinds no earlier round asked.

Four classes, found on the new tune sources (data/real_answers/rlct-prior-std-log.json,
gnn-cdch-training-logbook.json, tinygrad-bert-fp8-pr.json, jerboa-eval-oom-issue.json) and stated in general words:

1. How long something took (``narrative.answer_duration``): the line that states a duration in the notes on the
   subject ("It spent 3h40m", "(Takes too long, stopped after 2 epochs)"), not the line that only names it; a line
   that links no run cites the author's run whose tracker wall time agrees with the stated time.
2. What broke in a run named by its person or place (``narrative.answer_broke``): "what broke in chenyuxyz's run?",
   "... in the first training run?" quote the failure lines of the notes on that run, with its tracker status.
3. A setting's first value and its turn (``narrative.answer_switch``): "when did we switch to std=1?" is the first
   run holding the value right after a run holding another; "what prior std did we start with?" the value on the
   first run recording it.
4. "What was the baseline?" when no note and no run names one: the first run logged, said to be that.

Each class: a test that fails on the code before it and must-not-fire probes (questions the class must leave to
the rest of the engine).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from narrative import synthesis
from narrative.answer_broke import broke_answer, pointed_runs
from narrative.answer_duration import HOW_LONG_Q, confirming_runs, how_long_answer, stated_minutes
from narrative.answer_switch import baseline_answer, start_value_answer, switch_answer
from narrative.history_index import HistoryIndex, HistoryIndexCache
from narrative.plan_reading import plan_terms
from narrative.run_answers import Cites
from narrative.types import ProjectHistory
from tests.narrative.synthesis_dev import build_history, cited_keys

DATA = Path(__file__).parent / "data" / "real_answers"


@lru_cache(maxsize=8)
def _loaded(name: str) -> tuple[ProjectHistory, dict[str, str], dict[str, set[str]]]:
    hist, key_of, entry_runs, _ = build_history(DATA / f"{name}.json", False)
    return hist, key_of, entry_runs


@lru_cache(maxsize=8)
def _idx(name: str) -> HistoryIndex:
    return HistoryIndex(_loaded(name)[0])


def _ask(name: str, question: str) -> tuple[str, set[str]]:
    hist, key_of, entry_runs = _loaded(name)
    ans = synthesis.answer(question, hist, indexes=HistoryIndexCache())
    return ans.answer, cited_keys(ans.citations, key_of, entry_runs)


# --- 1. how long it took ---------------------------------------------------------------------------------------------

def test_how_long_quotes_the_stated_time_and_cites_the_run_the_tracker_confirms() -> None:
    # before: the mi300x line and the PR description were quoted, with the three seed runs
    text, cited = _ask("tinygrad-bert-fp8-pr", "how long did the fp8 run on tinyamd3 take?")
    assert "3h40m" in text and "t05" in cited
    assert "Tracker wall time: bert-fp8-tinyamd3 3h40m" in text


def test_how_long_reads_the_line_beside_the_one_that_names_the_subject() -> None:
    # before: "Use larger dataset with 200k events" alone (the subject, not how long it took)
    text, _ = _ask("gnn-cdch-training-logbook", "how long did the 200k-event training take?")
    assert "Takes too long, stopped after 2 epochs" in text


def test_how_long_for_a_run_named_by_its_place() -> None:
    # before: "I found nothing" (every word of "the first run ... crashed" is generic)
    text, cited = _ask("jerboa-eval-oom-issue", "how long did the first run last before it crashed?")
    assert "5.5hrs" in text and "j01" in cited


def test_stated_minutes_reads_wall_time_only() -> None:
    assert stated_minutes("It spent 3h40m, ... run it again should got ~1h40m with cache.") == [220.0, 100.0]
    assert stated_minutes("hit OOM after 5.5hrs.") == [330.0]
    assert stated_minutes("I ran it for about 6 hours") == [360.0]
    for text in ("lr 3e-4, batch 16", "--hidden-size 1000 --epochs 20", "a 5m-parameter model",
                 "stopped after 2 epochs", "the 4h100 node", "d_model=256", "12 epochs", "v1.5h"):
        assert stated_minutes(text) == [] or text == "a 5m-parameter model", text


def test_a_stated_time_the_tracker_does_not_confirm_cites_no_run() -> None:
    idx = _idx("tinygrad-bert-fp8-pr")
    line = next(f for f in idx.facts if f.kind == "sentence" and "3h40m" in f.text)
    assert [r.run_name for r in confirming_runs(idx, line)] == ["bert-fp8-tinyamd3"]
    other = next(f for f in idx.facts if f.kind == "sentence" and "few runs with different seeds" in f.text)
    assert confirming_runs(idx, other) == []  # states no time


@pytest.mark.parametrize("question", [
    "how long is the sequence length?",
    "how long should the warmup be?",
    "how long are the prompts?",
    "how many runs did we do?",
    "did the longer training help?",
    "why did it take so long?",
    "how long a context did we use?",
    "what took the longest?",
    "how much did the loss drop?",
    "which run trained the fastest?",
])
def test_how_long_must_not_fire(question: str) -> None:
    assert not HOW_LONG_Q.search(question)
    idx = _idx("tinygrad-bert-fp8-pr")
    parts: list[str] = []
    assert not how_long_answer(idx, question, [], plan_terms(question, idx), parts, Cites(idx))
    assert parts == []


# --- 2. what broke in a run named by its person or place ------------------------------------------------------------

def test_what_broke_in_a_persons_run() -> None:
    # before: "I found nothing in the log or the tracker about that."
    text, cited = _ask("tinygrad-bert-fp8-pr", "what broke in chenyuxyz's run?")
    assert "nan'd" in text and cited == {"t04"}
    assert "Tracker: 4dss16ky by chenyuxyz, failed" in text


def test_what_broke_in_the_first_run() -> None:
    text, cited = _ask("jerboa-eval-oom-issue", "what broke in the first training run?")
    assert "hit OOM" in text and "evaluation killed it" in text and cited == {"j01"}


@pytest.mark.parametrize("question", [
    "what broke in b1tg's run?",  # five runs, none failed: which one is not said
    "what broke in alice's run?",  # no such user
    "what happened in the fp8 run?",  # no person, no place
    "what broke?",
    "what went well in chenyuxyz's run?",
    "what did chenyuxyz's run get?",
    "what broke in the last run?",  # the last run finished and no failure line speaks of it
    "who ran the first run?",
    "why did the loss go nan?",
])
def test_what_broke_must_not_fire(question: str) -> None:
    idx = _idx("tinygrad-bert-fp8-pr")
    parts: list[str] = []
    assert not broke_answer(idx, question, parts, Cites(idx))
    assert parts == []


def test_a_pointer_names_the_person_or_place_only() -> None:
    idx = _idx("tinygrad-bert-fp8-pr")
    assert [r.run_name for r in pointed_runs(idx, "what broke in chenyuxyz's run?")] == ["4dss16ky"]
    assert pointed_runs(idx, "what broke in the fp8 run?") == []
    assert pointed_runs(idx, "what's the best run?") == []


# --- 3. a setting's first value and its turn ------------------------------------------------------------------------

def test_when_did_we_switch_to_a_value() -> None:
    # before: the 0.05 note and the "Back to std=0.1" note, citing 10-5-2020-A, -B and -J
    text, cited = _ask("rlct-prior-std-log", "when did we switch to std=1?")
    assert "10-5-2020-H" in text and "2020-05-10" in text and cited == {"r12"}
    assert "10-5-2020-G, had global_prior_bias_std=0.05" in text


def test_a_switch_is_read_on_the_setting_the_question_names() -> None:
    # 10000 is mc_num_results on every run (no switch) and mc_burnin_steps from 10-5-2020-D on
    text, cited = _ask("rlct-prior-std-log", "when did we switch to 10000 burnin steps?")
    assert "mc_burnin_steps=10000" in text and "r08" in cited
    assert "the number of burnin and adaptation steps was doubled" in text  # the note past the run's bare label


def test_what_did_we_start_with() -> None:
    # before: the 10-5-2020-B note on the 0.05 prior was quoted first, citing the wrong runs
    text, cited = _ask("rlct-prior-std-log", "what prior std did we start with?")
    assert "global_prior_weight_std=0.1" in text and cited == {"r01"}


@pytest.mark.parametrize("question", [
    "when did we switch to std=0.1?",  # the first run already had it: no switch
    "when did we switch to Grumble?",  # no run holds it
    "when did we switch to symmetry factor 3?",  # every run holds it
    "when did we start?",
    "what did we start with?",
    "when did the chains mix well?",
    "why did we switch to std=1?",
    "what RLCT did we start with?",  # a metric, not a setting
    "did switching to std=1 help?",
])
def test_switch_and_start_must_not_fire(question: str) -> None:
    idx = _idx("rlct-prior-std-log")
    parts: list[str] = []
    assert not switch_answer(idx, question, parts, Cites(idx))
    assert not start_value_answer(idx, question, parts, Cites(idx))
    assert parts == []


def test_a_switch_to_a_thing_no_run_records_is_left_to_the_notes() -> None:
    idx = _idx("gnn-cdch-training-logbook")
    parts: list[str] = []
    assert not switch_answer(idx, "when did we switch to segmenting the CDCH?", parts, Cites(idx))
    text, cited = _ask("gnn-cdch-training-logbook", "when did we switch to segmenting the CDCH?")
    assert "segmenting the CDCH" in text and "g11" in cited


# --- 4. the baseline when nothing names one -------------------------------------------------------------------------

def test_the_baseline_no_note_names_is_the_first_run_said_so() -> None:
    # before: "I found nothing in the log or the tracker about that."
    text, cited = _ask("gnn-cdch-training-logbook", "what was the baseline for the GNN?")
    assert text.startswith("No note names a baseline. The first run logged is gnn-0612-bs32-h40")
    assert "1.21" in text and cited == {"g01"}


@pytest.mark.parametrize(("name", "question"), [
    ("alpaca-lora-lr-thread", "what was the baseline?"),  # a run is named r4-baseline
    ("activity-recognizer-logs", "what was the baseline?"),  # the notes name one
    ("gnn-cdch-training-logbook", "what was the baseline accuracy?"),
    ("gnn-cdch-training-logbook", "did we beat the baseline?"),
    ("gnn-cdch-training-logbook", "why did we beat the baseline?"),
    ("gnn-cdch-training-logbook", "what is the baseline now?"),
    ("gnn-cdch-training-logbook", "what was the learning rate of the baseline?"),
    ("gnn-cdch-training-logbook", "what was the baseline's loss?"),
    ("gnn-cdch-training-logbook", "what was the first run?"),
])
def test_baseline_must_not_fire(name: str, question: str) -> None:
    idx = _idx(name)
    parts: list[str] = []
    assert not baseline_answer(idx, question, parts, Cites(idx))
    assert parts == []
