"""A person-search reproduction told as the eleventh corpus batch's issue threads are (round roles15; modelled on a
maintainer thread about reaching a paper's mAP with a small batch), read end to end: a bare "I try to X" with the
outcome it met is an attempt (no habit), a gain denied its size did not work, work said to be needed is a step still
to take, the reported numbers reproduced worked, and a table's decision column settles its rows."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import ProjectRecord
from tests.narrative.walkthrough_util import history, run

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="person-search", primary_metric="map", goal="max",  # type: ignore[arg-type]
                        experiment_ids=["1"])
RUNS = [
    run("a", "seqnet-bs1", 1, {"batch_size": "1", "lr": "0.0006"}, "map", 0.858, t0=T0),
    run("b", "seqnet-bs1-fixbn", 20, {"batch_size": "1", "lr": "0.0006", "fix_bn": "True"}, "map", 0.851, t0=T0),
    run("c", "seqnet-bs5-torch17", 44, {"batch_size": "5", "lr": "0.003"}, "map", 0.941, t0=T0),
    run("d", "seqnet-bs5-ema", 46, {"batch_size": "5", "lr": "0.003", "ema": "True"}, "map", 0.942, t0=T0),
]
NOTES = [
    (6, "I try to reproduce the paper with bs 1 and lr 0.0006 and get only 85.8 map.\n"
        "More in-depth investigation is needed."),
    (26, "I try to fix BatchNorm in training but the map is still around 85.\n"
         "The gain from fixing the BN is not significant."),
    (50, "After going back to torch 1.7 with bs 5 we have reproduced the reported results.\n\n"
         "| variant | map | decision |\n|---|---|---|\n| bs 5, torch 1.7 | 94.1 | Keep |\n| fix_bn | 85.1 | Drop |\n"
         "| ema | 94.2 | Defer |"),
]


def _history() -> ProjectHistory:
    return history(PROJECT, RUNS, NOTES, days=3, t0=T0)


def test_a_present_attempt_with_its_outcome_is_read_and_the_work_needed_is_a_step() -> None:
    first = _history().entries[0].structure
    read = [*first.hypotheses, *first.observations, *(c.text for c in first.conclusions)]
    assert any("reproduce the paper" in t for t in read), first
    assert any("investigation is needed" in n for n in first.next_steps), first


def test_a_try_that_left_the_trouble_and_a_gain_denied_did_not_work() -> None:
    second = _history().entries[1].structure
    assert {c.verdict for c in second.conclusions} == {"did_not_work"}, second
    assert any("not significant" in c.text for c in second.conclusions), second
    assert not second.next_steps, second


def test_the_reproduction_worked_and_the_table_settles_its_rows() -> None:
    third = _history().entries[2].structure
    assert any(c.verdict == "worked" and "reproduced the reported results" in c.text for c in third.conclusions), third
    kinds = {d.kind: d.text for d in third.decisions}
    assert "bs 5" in kinds["adopt"] and "fix_bn" in kinds["abandon"] and "ema" in kinds["other"], third.decisions
    assert any(c.verdict == "did_not_work" and "fix_bn" in c.text for c in third.conclusions), third
    assert not any("ema" in c.text for c in third.conclusions), third


def test_the_check_sees_the_dropped_fix_as_tried() -> None:
    fix = synthesis.check("fix_bn", _history())
    assert fix.already_tried, fix.message
