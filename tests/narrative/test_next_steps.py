"""Next steps are steps still to take: one carried out after it was planned is dropped from `next`, `phase` and
"what should we try next?", and an open question is never offered as a run to make (test_synthesis's
history, plus a day-1 plan that bo carried out on day 2)."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import EntryStructure, ProjectRecord
from tests.narrative.test_synthesis import ENTRIES, RUNS, T0, entry

PLANNED = entry(9, 7, "Plan for tomorrow: add attention on top of the gru. And maybe try character n-grams later.",
                [], next_steps=["add attention on top of the gru", "try character n-grams"],
                open_questions=["is glove the right embedding for short reviews?"])


def _history() -> ProjectHistory:
    project = ProjectRecord(id="p", workspace_id="w", name="sentiment", primary_metric="val_acc", goal="max")
    entries = [*ENTRIES, PLANNED]
    return ProjectHistory(project=project, entries=entries, runs={r.run_id: r for r in RUNS},
                          now=T0 + dt.timedelta(days=3))


def test_a_step_carried_out_after_it_was_planned_is_no_next_step() -> None:
    h = _history()
    steps = synthesis.phase(h).next_steps
    assert not any("add attention on top of the gru" in s for s in steps), steps  # gru-attn ran on day 2
    assert any("character n-grams" in s for s in steps), steps
    asked = synthesis.answer("what should we try next?", h).answer
    assert "add attention" not in asked and "character n-grams" in asked, asked


def test_next_offers_runs_to_make_never_questions() -> None:
    plan = synthesis.next_plan(_history())
    titles = [x.title for x in plan.experiments]
    assert titles and not any(t.startswith("open question") or t.rstrip().endswith("?") for t in titles), titles


def test_a_question_is_quoted_without_cocos_label() -> None:
    h = _history()
    h.entries[-1] = PLANNED.model_copy(update={"structure": EntryStructure(
        open_questions=["is glove the right embedding for short reviews?"])})
    asked = synthesis.answer("what should we try next?", h).answer
    assert '"open question:' not in asked, asked


def test_a_heading_filed_under_next_steps_is_no_step() -> None:
    h = _history()
    h.entries[-1] = PLANNED.model_copy(update={"structure": EntryStructure(
        next_steps=["# Monday, March 9, 2020 7AM", "try character n-grams"])})
    steps = synthesis.phase(h).next_steps
    assert not any("March 9" in s for s in steps) and any("character n-grams" in s for s in steps), steps
