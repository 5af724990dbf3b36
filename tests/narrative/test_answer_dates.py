"""Thread questions about a day or a span ("what happened on tuesday?"), on test_synthesis's history: a
Monday (ada: svm, gru, undersampling), a Tuesday (bo: xlnet, attention, a crashed run) and a Wednesday (the
metric switch to val_f1, a seed rerun), asked on the Thursday morning."""

from __future__ import annotations

import pytest

from narrative import synthesis
from narrative.types import Answer, ProjectHistory
from tests.narrative.test_synthesis import history  # noqa: F401  (the fixture)


def _cited(answer: Answer) -> tuple[set[str], set[str]]:
    entries = {c.entry_id for c in answer.citations if c.entry_id}
    runs = {r[:1] for c in answer.citations for r in c.run_ids}  # run ids are the key letter repeated
    return entries, runs


@pytest.mark.parametrize(("question", "entries", "runs", "said"), [
    ("what happened on tuesday?", {"e2"}, {"d", "e", "f"}, ["Tuesday 2025-02-04", "bo (2025-02-04)",
                                                            "3 runs started (1 failed or killed)", "gru-attn"]),
    ("what did we do yesterday?", {"e3"}, {"g"}, ["Yesterday (2025-02-05)", "1 run started"]),
    ("anything logged on Feb 3rd?", {"e1"}, {"a", "b", "c"}, ["Monday 2025-02-03", "undersampling worse"]),
    ("what happened on 2025-02-03?", {"e1"}, {"a", "b", "c"}, ["Monday 2025-02-03"]),
    ("what's new since tuesday?", {"e2", "e3"}, {"e", "g"}, ["Since Tuesday 2025-02-04"]),
    ("what did bo do this week?", {"e2"}, {"d", "e"}, ["This week (since 2025-02-03) by bo", "2 runs started"]),
])
def test_a_day_or_span_is_answered_with_its_entries_and_runs(history: ProjectHistory, question: str,  # noqa: F811
                                                              entries: set[str], runs: set[str],
                                                              said: list[str]) -> None:
    got = synthesis.answer(question, history)
    cited_entries, cited_runs = _cited(got)
    assert cited_entries == entries, got
    assert runs <= cited_runs, got
    for words in said:
        assert words in got.answer, got.answer


def test_an_empty_window_says_so(history: ProjectHistory) -> None:  # noqa: F811
    got = synthesis.answer("what happened last week?", history)
    assert got.answer.startswith("Nothing was logged last week (2025-01-27 – 2025-02-02)"), got.answer
    assert not got.citations
    bo = synthesis.answer("what did bo do on monday?", history)
    assert bo.answer.startswith("Nothing was logged Monday 2025-02-03 by bo"), bo.answer


def test_a_topic_besides_the_date_is_answered_by_the_topic(history: ProjectHistory) -> None:  # noqa: F811
    got = synthesis.answer("why did we park xlnet on tuesday?", history)
    assert not got.answer.startswith("Tuesday"), got.answer
    assert "slow" in got.answer.lower(), got.answer
