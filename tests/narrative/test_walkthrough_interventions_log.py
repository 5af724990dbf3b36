"""An interventions log told as the twelfth corpus batch's blog series and worklogs are (round roles16; modelled on a
from-scratch language model whose test loss is pushed down one change at a time), read end to end as ``coco log``
then ``check`` / ``ask`` / ``phase`` read it: a check still to make is a plan, an instruction with its value is a
step, a measure unmoved after a change and an error met did not work, a change said to make a difference worked,
a swap only asked about is neither adopted nor tried, and a "Tasks:" list is the work still to do."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import ProjectRecord
from tests.narrative.walkthrough_util import history, run

T0 = dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="gpt-small", primary_metric="val_loss", goal="min",  # type: ignore[arg-type]
                        experiment_ids=["1"])
RUNS = [
    run("a", "base-1", 1, {"dropout": "0.1", "grad_clip": "0", "activation": "relu"}, "val_loss", 3.692, t0=T0),
    run("b", "clip-1", 20, {"dropout": "0.1", "grad_clip": "1.0", "activation": "relu"}, "val_loss", 3.691, t0=T0),
    run("c", "nodrop-1", 44, {"dropout": "0.0", "grad_clip": "1.0", "activation": "relu"}, "val_loss", 3.641, t0=T0),
]
NOTES = [
    (3, "base-1 finished, val loss 3.692.\n"
        "Next I want to find out if gradient clipping helps.\n"
        "Set grad_clip to 1.0 and rerun."),
    (23, "clip-1 with grad_clip 1.0: the val loss is the same as before.\n"
         "I now get an error at the evaluation step.\n"
         "Maybe GELU instead of ReLU?"),
    (47, "nodrop-1: removing dropout made a big difference, val loss 3.641.\n"
         "Tasks:\n"
         "- Try a cosine schedule with warmup 2000\n"
         "- Achieve 3.60 on the test set"),
]


def _history() -> ProjectHistory:
    return history(PROJECT, RUNS, NOTES, days=3, t0=T0)


def test_the_check_to_make_and_the_valued_instruction_are_steps() -> None:
    first = _history().entries[0].structure
    assert any("find out if gradient clipping helps" in n for n in first.next_steps), first
    assert any("grad_clip to 1.0" in n for n in first.next_steps), first
    assert not any(c.verdict == "worked" for c in first.conclusions), first


def test_an_unmoved_loss_and_an_error_did_not_work_and_the_swap_asked_is_a_question() -> None:
    second = _history().entries[1].structure
    failed = [c.text for c in second.conclusions if c.verdict == "did_not_work"]
    assert any("same as before" in t for t in failed), second
    assert any("error at the evaluation step" in t for t in failed), second
    asked = [*second.open_questions, *second.next_steps]
    assert any("GELU" in q for q in asked) and not any("GELU" in h for h in second.hypotheses), second


def test_a_change_that_made_a_difference_worked_and_the_tasks_are_steps() -> None:
    third = _history().entries[2].structure
    assert any(c.verdict == "worked" and "made a big difference" in c.text for c in third.conclusions), third
    assert any("cosine schedule" in n for n in third.next_steps), third
    assert any("3.60" in n for n in third.next_steps), third


def test_check_and_phase_read_the_log_as_a_person_would() -> None:
    h = _history()
    assert synthesis.check("gradient clipping", h).already_tried
    gelu = synthesis.check("GELU instead of ReLU", h)
    assert not gelu.already_tried, gelu.message
    phase = synthesis.phase(h)
    assert not any("gelu" in a.name.lower() and a.status == "adopted" for a in phase.approaches), phase.approaches
    assert any("cosine schedule" in n for n in phase.next_steps), phase.next_steps


def test_ask_answers_from_the_judged_change() -> None:
    answer = synthesis.answer("did removing dropout help?", _history())
    assert "dropout" in answer.answer.lower() and "made a big difference" in answer.answer, answer.answer
