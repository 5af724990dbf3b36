"""What a topical answer reads beyond its best line (h/answers7): the days a question names, the outcome a later
note gives of a change, the action right before a result. Sentences from the CPM-Live daily training logs (tune,
tests/narrative/data/real_answers/cpm-live-training-logs.json) and questions a teammate would ask of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from narrative import synthesis
from narrative.answer_follow import question_window, reports_action
from narrative.history_index import HistoryIndexCache
from tests.narrative.synthesis_dev import build_history, cited_keys

CPM = Path(__file__).parent / "data" / "real_answers" / "cpm-live-training-logs.json"
_BUILT: list[Any] = []


def _ask(question: str) -> tuple[str, set[str]]:
    if not _BUILT:
        _BUILT.extend([*build_history(CPM, False), HistoryIndexCache()])
    hist, key_of, entry_runs, _sc, indexes = _BUILT
    ans = synthesis.answer(question, hist, indexes=indexes)
    return ans.answer, cited_keys(ans.citations, key_of, entry_runs)


def test_a_question_names_days_by_part_of_a_month_or_by_date() -> None:
    late = question_window("why was the training loss going up in late June?")
    assert late is not None and (late.month, late.first, late.last) == (6, 21, 31)
    assert "June" not in late.rest and "loss going up" in late.rest
    day = question_window("how did we stop the loss going NaN on October 23?")
    assert day is not None and (day.month, day.first, day.last) == (10, 23, 23)
    assert question_window("what did we try in May?") is not None
    # "may" as a verb and a month-like word in a name are no date
    assert question_window("why may the warmup hurt?") is None
    assert question_window("did the larger batch help?") is None
    assert question_window("why did we use the 8 dec layers?") is None
    assert question_window("why did we shrink the dec layers?") is None
    on = question_window("what happened on 8 Dec?")
    assert on is not None and (on.month, on.first) == (12, 8)


def test_a_reported_change_is_done_whatever_word_of_planning_it_holds() -> None:
    assert reports_action("According to our training plan, we increased the maximum input length from 512 to 1024")
    assert reports_action("Besides, the learning rate has been restored to its original scale.")
    assert not reports_action("I wanted to try a larger batch size.")
    assert not reports_action("If we increased the lr it would probably diverge.")
    assert not reports_action("We'll keep an eye on the training process.")


def test_the_notes_of_the_days_asked_answer_before_a_later_note_on_the_same_thing() -> None:
    # the loss went up in June (a dataloader bug) and again in October (NaN): "late June" picks June's note
    text, _ = _ask("why was the training loss going up in late June?")
    assert "dataloader" in text.lower()
    assert text.index("2022-06-22") < (text.index("2022-10") if "2022-10" in text else len(text))


def test_did_a_change_work_is_answered_by_the_authors_next_note() -> None:
    text, cited = _ask("did restoring the learning rate to its original scale work?")
    assert "much more stable" in text and "Then, zh-zheng (2022-10-19)" in text
    assert "b4" in cited  # the run that set the learning rate back


def test_the_cause_of_a_result_is_the_action_right_before_it() -> None:
    text, cited = _ask("why did the throughput quadruple in June?")
    assert "32 A100" in text.split("quadrupled")[0]
    assert "a2" in cited


def test_a_done_change_is_not_labelled_a_plan() -> None:
    text, _ = _ask("when did we increase the maximum input length to 1024?")
    assert "2022-06-12" in text and "a plan" not in text


def test_why_lower_a_setting_quotes_the_line_that_finds_it_too_high() -> None:
    # every line of the GRU-CTC run log names the learning rate (more candidates than the first ranking keeps):
    # "after the baseline run" and "too high" pick run 1's finding, not the lines that lower it later
    path = Path(__file__).parent / "data" / "real_answers" / "gru-ctc-run-tracking.json"
    hist, key_of, entry_runs, _sc = build_history(path, False)
    ans = synthesis.answer("why did we lower the learning rate after the baseline run?", hist)
    assert "Baseline LR 0.02" in ans.answer.split("\" ")[0]
    assert "r1" in cited_keys(ans.citations, key_of, entry_runs)
