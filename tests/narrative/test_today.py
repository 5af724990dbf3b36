"""The day's runs table, the nudge's timing rules, and ordinal references to a listed run set (issue 15)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from core.errors import UserInputError
from narrative import today
from narrative.link_explicit import ordinal_references, split_at_references
from narrative.local_engine import LocalEngine
from storage.records import NudgePrefRecord, ProjectRecord, UserRecord
from tests.narrative.conftest import make_request, make_run

PROJECT = ProjectRecord(id="p", workspace_id="w", name="churn", primary_metric="val_auc", goal="max")


def three() -> list:
    return [make_run("a", name="gru-lr3e4", hours_ago=6, params={"lr": "3e-4", "model": "gru", "seed": "1"},
                     metrics={"val_auc": 0.781}),
            make_run("b", name="gru-lr1e2", hours_ago=5, status="FAILED",
                     params={"lr": "1e-2", "model": "gru", "seed": "1"}, metrics={"val_auc": 0.5}),
            make_run("c", name="gru-lr1e4", hours_ago=4, params={"lr": "1e-4", "model": "gru"},
                     metrics={"val_auc": 0.774})]


# -- the table ---------------------------------------------------------------------------------------


def test_the_table_puts_failed_runs_first_and_shows_only_the_params_that_differ() -> None:
    a, b, c = three()
    table = today.build_table(PROJECT, [a, b, c], author="ada", since=a.start)
    assert [r.name for r in table.rows] == ["gru-lr1e2", "gru-lr3e4", "gru-lr1e4"]
    assert table.differing == ["lr", "seed"]  # model is the same everywhere; a missing seed differs
    assert table.rows[2].params == {"lr": "1e-4", "seed": "—"}
    assert [r.metric for r in table.rows] == [0.5, 0.781, 0.774]
    lines = today.table_lines(table)
    assert lines[0].split() == ["#", "run", "status", "val_auc", "lr", "seed"]
    assert lines[1].split()[:4] == ["1", "gru-lr1e2", "FAILED", "0.5"]
    shown = table.as_json()
    assert shown["primary_metric"] == "val_auc" and [r["run_id"] for r in shown["runs"]] == table.run_ids


def test_one_run_has_no_differing_params_and_no_runs_say_so() -> None:
    (a, *_) = three()
    assert today.build_table(PROJECT, [a], author="ada", since=a.start).differing == []
    assert today.describe([]) == "No runs of yours today."


# -- what people type ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "days"), [
    ("mon-fri", "mon,tue,wed,thu,fri"), ("mon,wed,fri", "mon,wed,fri"), ("weekdays", "mon,tue,wed,thu,fri"),
    ("every day", "mon,tue,wed,thu,fri,sat,sun"), ("fri-mon", "mon,fri,sat,sun"), ("Tuesday thurs", "tue,thu"),
])
def test_days_are_read_as_people_type_them(text: str, days: str) -> None:
    assert today.parse_days(text) == days


@pytest.mark.parametrize(("text", "at"), [("18:00", "18:00"), ("6pm", "18:00"), ("9", "09:00"), ("17.45", "17:45"),
                                          ("12am", "00:00")])
def test_times_are_read_as_people_type_them(text: str, at: str) -> None:
    assert today.parse_at(text) == at


@pytest.mark.parametrize("text", ["25:00", "13pm", "soon", "18:75"])
def test_a_time_that_is_none_is_one_sentence(text: str) -> None:
    with pytest.raises(UserInputError):
        today.parse_at(text)


def test_an_unknown_day_is_one_sentence() -> None:
    with pytest.raises(UserInputError, match="mon-fri"):
        today.parse_days("someday")


# -- when a nudge is due -------------------------------------------------------------------------------


def pref(**changes: object) -> NudgePrefRecord:
    return NudgePrefRecord(workspace_id="w", platform_user_id="U1", enabled=True).model_copy(update=changes)


# Wednesday 2026-03-04, 17:30 in Berlin (CET, +1) is 16:30 UTC.
WED_DUE = dt.datetime(2026, 3, 4, 16, 30, tzinfo=dt.UTC)


def test_timing_follows_the_local_wall_clock_days_snooze_and_once_a_day() -> None:
    berlin = "Europe/Berlin"
    assert today.timing(pref(), now=WED_DUE, timezone=berlin, workspace_on=True).send
    assert today.timing(pref(), now=WED_DUE - dt.timedelta(minutes=1), timezone=berlin,
                        workspace_on=True).reason == "not yet"
    assert not today.timing(pref(), now=WED_DUE, timezone="Asia/Tokyo", workspace_on=True).send  # 01:30 there
    assert today.timing(pref(days="mon,tue"), now=WED_DUE, timezone=berlin,
                        workspace_on=True).reason == "not a nudge day"
    assert today.timing(pref(at="18:00"), now=WED_DUE, timezone=berlin, workspace_on=True).reason == "not yet"
    assert today.timing(pref(last_nudged_day="2026-03-04"), now=WED_DUE, timezone=berlin,
                        workspace_on=True).reason == "already nudged today"
    assert today.timing(pref(snoozed_until=WED_DUE + dt.timedelta(days=1)), now=WED_DUE, timezone=berlin,
                        workspace_on=True).reason.startswith("snoozed")
    assert today.timing(pref(enabled=False), now=WED_DUE, timezone=berlin, workspace_on=True).reason == "opted out"
    assert not today.timing(pref(), now=WED_DUE, timezone=berlin, workspace_on=False).send
    assert today.timing(pref(), now=WED_DUE + dt.timedelta(hours=4), timezone=berlin,
                        workspace_on=True).reason == "too late today"


def test_the_local_day_starts_at_local_midnight() -> None:
    assert today.local_day_start(WED_DUE, "Europe/Berlin") == dt.datetime(2026, 3, 3, 23, 0, tzinfo=dt.UTC)
    assert today.local_day(WED_DUE, "Asia/Tokyo") == "2026-03-05"


@pytest.mark.parametrize(("text", "emoji", "away"), [
    ("On holiday until Monday", "", True), ("", ":palm_tree:", True), ("OOO", "", True), ("sick today", "", True),
    ("In a meeting", ":calendar:", False), ("", "", False), ("working on the holiday model", "", True),
])
def test_a_status_says_away_as_people_write_it(text: str, emoji: str, away: bool) -> None:
    assert today.status_says_away(status_text=text, status_emoji=emoji) is away


def test_identity_is_what_the_person_said_or_a_tracker_user_that_matches_never_a_guess() -> None:
    users = {"ana", "kenji.t", "bob"}
    assert today.known_tracker_user(UserRecord(workspace_id="w", platform_user_id="U1", email="ana@x.org"),
                                    users) == "ana"
    assert today.known_tracker_user(UserRecord(workspace_id="w", platform_user_id="U3", display_name="Kenji T"),
                                    users) == "kenji.t"
    assert today.known_tracker_user(UserRecord(workspace_id="w", platform_user_id="U9", email="zed@x.org"),
                                    users) is None
    assert today.known_tracker_user(UserRecord(workspace_id="w", platform_user_id="U9", tracker_user="zed"),
                                    users) == "zed"


# -- ordinal references to the listed runs --------------------------------------------------------------


@pytest.mark.parametrize(("text", "positions"), [
    ("the second one diverged", [1]),
    ("the 1st run was fine and the last one crashed", [0, 2]),
    ("run #3 is the keeper", [2]),
    ("the third attempt had a bug; the other two are fine", [2, 0, 1]),
    ("the first one was fine, the rest were not", [0, 1, 2]),
    ("the first one was fine, the other three were not", [0]),  # the count does not match: no guess
    ("first I tried a bigger batch, then the last time it worked", []),  # not runs of the list
    ("the others were fine", []),  # "the others" with nothing named first refers to nothing
    ("the fifth one", []),  # the list has three
])
def test_ordinal_references_pick_runs_of_the_listed_set(text: str, positions: list[int]) -> None:
    listed = three()
    found = [run.run_id for _, run in ordinal_references(text, listed)]
    assert found == [listed[i].run_id for i in positions]


def test_ordinals_mean_nothing_without_a_listed_set() -> None:
    assert ordinal_references("the second one diverged", []) == []
    runs = three()
    structure = asyncio.run(LocalEngine().structure(make_request("the second one diverged at step 4k", runs)))
    assert structure.runs == [] or all(r.how == "inferred" for r in structure.runs)
    assert not any(r.run_id == runs[1].run_id and r.how != "inferred" for r in structure.runs)


def test_a_clause_is_cut_where_a_reference_to_another_listed_run_starts() -> None:
    assert split_at_references("the second one diverged at step 4k, the other two are fine") == [
        "the second one diverged at step 4k", "the other two are fine"]
    assert split_at_references("lr 1e-2 diverged, as expected") == ["lr 1e-2 diverged, as expected"]


def test_the_reply_to_a_listed_set_links_the_second_run_with_a_did_not_work_conclusion() -> None:
    listed = three()
    request = make_request("the second one diverged at step 4k, the other two are fine", listed)
    request.listed_runs = listed
    structure = asyncio.run(LocalEngine().structure(request))
    assert {r.run_id for r in structure.runs} == {r.run_id for r in listed}
    (failed,) = [c for c in structure.conclusions if c.verdict == "did_not_work"]
    assert failed.run_ids == [listed[1].run_id] and "diverged" in failed.text
    assert not [c for c in structure.conclusions if c.verdict == "did_not_work" and listed[0].run_id in c.run_ids]
