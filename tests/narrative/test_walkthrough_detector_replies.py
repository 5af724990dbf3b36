"""A detector's three days, written as a non-native thread of replies is (round fields14), read end to end: a loss
that converges while the recall stays very low did not work, a yes/no question asks and tells nothing, an attempt
that came to nothing failed, a suggestion a colleague made is a step still to take (never "already tried"), a favour
asked of a maintainer is a question, and a thing ranked first by its measure worked."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import ProjectRecord
from tests.narrative.walkthrough_util import history, run

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="detector", primary_metric="recall", goal="max",  # type: ignore[arg-type]
                        experiment_ids=["1"])
RUNS = [
    run("a", "r50-base", 1, {"backbone": "resnet50", "lr": "0.01"}, "recall", 0.31, t0=T0),
    run("b", "r50-warmup", 20, {"backbone": "resnet50", "lr": "0.01", "warmup_epochs": "5"}, "recall", 0.30, t0=T0),
    run("c", "r50-focal", 44, {"backbone": "resnet50", "lr": "0.01", "loss": "focal"}, "recall", 0.44, t0=T0),
]
NOTES = [
    (6, "Trained the r50 detector with lr 1e-2, the loss converges quickly but the recall is very low.\n"
        "Would the recall be higher with a bigger batch?"),
    (26, "I also tried a longer warmup to fix it, with no success.\n"
         "She suggested I try focal loss for the rare class.\n"
         "It would be great if you could share the anchor config you used."),
    (50, "Switched to focal loss, it gave the highest recall of the week.\n"
         "You could also try mixup on the small objects."),
]


def _history() -> ProjectHistory:
    return history(PROJECT, RUNS, NOTES, days=3, t0=T0)


def test_the_objective_met_with_the_recall_low_did_not_work_and_the_question_asks() -> None:
    first = _history().entries[0].structure
    assert {c.verdict for c in first.conclusions} == {"did_not_work"}, first
    assert any("bigger batch" in q for q in first.open_questions), first
    assert not any("bigger batch" in c.text for c in first.conclusions), first


def test_an_attempt_that_came_to_nothing_and_a_suggestion_told() -> None:
    second = _history().entries[1].structure
    assert [c.verdict for c in second.conclusions] == ["did_not_work"], second
    assert "warmup" in second.conclusions[0].text
    assert any(n.startswith("She suggested I try focal loss") for n in second.next_steps), second
    assert any("share the anchor config" in q for q in second.open_questions), second
    assert not any("focal" in h for h in second.hypotheses), second


def test_the_ranked_first_worked_and_the_suggestions_stay_plans() -> None:
    third = _history().entries[2].structure
    assert any(c.verdict == "worked" and "highest recall" in c.text for c in third.conclusions), third
    assert any("mixup" in n for n in third.next_steps), third
    mixup = synthesis.check("mixup", _history())
    assert not mixup.already_tried, mixup.message
    assert [p.text for p in mixup.planned] == ["You could also try mixup on the small objects."], mixup.planned
    warmup = synthesis.check("warmup", _history())
    assert warmup.already_tried, warmup.message
