"""Where the work stands, asked in a thread: the open lines and the next steps, the closed lines with why, the
best run; a question naming a topic besides the state is left to the topical answer."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.answer_status import asks_status
from narrative.approaches import derive
from narrative.history_index import HistoryIndex
from narrative.types import ProjectHistory
from storage.records import ProjectRecord
from tests.narrative.test_synthesis import ENTRIES, RUNS, T0


def _history() -> ProjectHistory:
    project = ProjectRecord(id="p", workspace_id="w", name="sentiment", primary_metric="val_acc", goal="max")
    return ProjectHistory(project=project, entries=list(ENTRIES), runs={r.run_id: r for r in RUNS},
                          now=T0 + dt.timedelta(days=3))


def test_what_the_state_questions_are_and_are_not() -> None:
    for q in ("what's still open?", "what is left?", "what have we ruled out?", "which approaches are exhausted?",
              "where are we at?", "what remains?", "what did we drop?"):
        assert asks_status(q), q
    for q in ("is the GAN still open?", "what is still open for the GAN?", "why did we abandon rf?",
              "what is the best run?", "what did maya try?"):
        assert not asks_status(q), q


def test_the_state_of_the_work_is_the_phase_in_short_and_cited() -> None:
    h = _history()
    aps = derive(HistoryIndex(h))
    closed = [a for a in aps if a.status in ("exhausted", "abandoned")]
    assert closed, [(a.name, a.status) for a in aps]
    got = synthesis.answer("what have we ruled out?", h)
    assert got.answer.startswith("Closed: "), got.answer
    for a in closed[:5]:
        assert a.name in got.answer, (a.name, got.answer)
    assert "(no gain on the metric)" in got.answer or "too slow" in got.answer, got.answer
    assert "Best by val_f1:" in got.answer and len(got.answer) <= 880  # the metric the team switched to
    assert {c.entry_id for c in got.citations if c.entry_id} <= {e.id for e in h.entries}
    assert any(c.run_ids for c in got.citations)
    still = synthesis.answer("what's still open?", h).answer
    assert not still.startswith("Closed: "), still


def test_a_word_only_a_line_of_works_name_carries_finds_that_line() -> None:
    # "what did we try for exploration?": the A2C log says "epsilon-greedy"; COCO's name for the line says what
    # it is for ("epsilon greedy (exploration schedule)")
    from pathlib import Path

    from tests.narrative.synthesis_dev import build_history

    hist, key_of, _, _ = build_history(Path(__file__).parents[1] / "scenarios" / "real" / "kungfu-a2c-log.json",
                                       False)
    got = synthesis.answer("what did we try for exploration?", hist)
    assert got.answer.startswith("epsilon greedy (exploration schedule): exhausted"), got.answer
    assert any(key_of.get(r) for c in got.citations for r in c.run_ids), got.citations
