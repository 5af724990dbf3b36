"""A sweep's runs named by a value written alone before a noun of runs ("the 3e-5 run", "the 3e-5 and 5e-5 runs",
"the 4.0 runs"): narrative.link_bare_values (links round 11)."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative.link_bare_values import bare_value_references
from narrative.linking import link_runs
from narrative.types import StructureRequest
from storage.records import ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 11, 9, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="asr", primary_metric="eval_wer", goal="min",
                        experiment_ids=["1"])


def _run(key: str, name: str, hours: float, params: dict[str, str], wer: float | None, *, user: str = "dana",
         status: str = "FINISHED") -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user=user, status=status, start=start,
                       end=start + dt.timedelta(hours=1), params={"seed": "42", "max_steps": "4000", **params},
                       metrics={} if wer is None else {"eval_wer": wer})


SWEEP = [
    _run("a", "whisper-small-lr1e-5", 1, {"learning_rate": "1e-05", "mask_time_prob": "0.05"}, 0.214),
    _run("b", "whisper-small-lr3e-5", 2, {"learning_rate": "3e-05", "mask_time_prob": "0.05"}, 0.198),
    _run("c", "whisper-small-lr5e-5", 3, {"learning_rate": "5e-05", "mask_time_prob": "0.05"}, 0.203),
    _run("d", "whisper-small-lr1e-4", 4, {"learning_rate": "0.0001", "mask_time_prob": "0.05"}, None,
         status="FAILED"),
    _run("e", "wav2vec2-base-cc-2", 3, {"learning_rate": "0.0003", "mask_time_prob": "0.05"}, 0.297, user="omar"),
]


def _names(found: list[tuple[str, RunSnapshot]]) -> list[str]:
    return sorted({run.run_name for _w, run in found})


def _mine(runs: list[RunSnapshot] = SWEEP) -> list[RunSnapshot]:
    return [r for r in runs if r.user == "dana"]


@pytest.mark.parametrize(("text", "expected"), [
    ("the 3e-5 and 5e-5 runs are close, 3e-5 slightly better", ["whisper-small-lr3e-5", "whisper-small-lr5e-5"]),
    ("the 3e-5 run is the best so far", ["whisper-small-lr3e-5"]),
    ("ckpt-4000 of the 3e-5 run has the lowest eval loss", ["whisper-small-lr3e-5"]),
    ("lr sweep:\n- the 1e-4 one blew up around step 1200", ["whisper-small-lr1e-4"]),
    ("both the 1e-5/3e-5 runs look fine", ["whisper-small-lr1e-5", "whisper-small-lr3e-5"]),
])
def test_a_value_alone_before_a_noun_of_runs_names_them(text: str, expected: list[str]) -> None:
    assert _names(bare_value_references(text, _mine(), [], frozenset({"omar"}))) == expected


def test_a_value_every_window_run_has_names_them_when_earlier_runs_had_another() -> None:
    earlier = [_run("f", "ldm-g5", 1, {"guidance_scale": "5.0"}, 0.129)]
    window = [_run("g", "silver-moon-19", 49, {"guidance_scale": "4.0"}, 0.121),
              _run("h", "dainty-snow-20", 50, {"guidance_scale": "4.0", "seed": "1"}, 0.123)]
    found = bare_value_references("the 4.0 runs beat\n5.0 by ~.2", window, earlier)
    assert _names(found) == ["dainty-snow-20", "silver-moon-19"]


@pytest.mark.parametrize("text", [
    "the 3 runs were close",                              # a whole number counts runs
    "the 0.05 runs were all fine",                        # every run has it: it sets nothing apart
    "the .198 run is the best",                           # a result, not a setting
    "will rerun the 3e-5 run with specaug tomorrow",      # a plan
    "is the 3e-5 run better?",                            # a question
    "omar's 3e-5 run was better",                         # someone else's run
    "1e-5 ended up better than the 5e-5 run",             # a comparison's other side
    "the 1e-4 one was fine",                              # a failed run, but the sentence says nothing failed
    "the 3e-4 run is the best so far",                    # the value is only another person's run's
    "the 3e-5 run from last week was better",             # a run long ago
    "both 1e-5 runs look fine",                           # the count says two, one run has it
    "the 3e-5 runs are close",                            # a plural that one run fills
])
def test_a_value_that_names_no_run_of_the_window(text: str) -> None:
    assert bare_value_references(text, _mine(), [], frozenset({"omar"})) == [], text


def test_a_value_two_settings_hold_names_nothing() -> None:
    runs = [_run("a", "r1", 1, {"learning_rate": "1e-05", "dropout": "0.1"}, 0.2),
            _run("b", "r2", 2, {"learning_rate": "1e-05", "dropout": "0.2", "mask_time_prob": "0.1"}, 0.21),
            _run("c", "r3", 3, {"learning_rate": "3e-05", "dropout": "0.2"}, 0.22)]
    assert bare_value_references("the 0.1 runs are both worse", runs, []) == []


def test_a_singular_value_an_earlier_run_of_the_author_also_holds_names_nothing() -> None:
    earlier = [_run("z", "whisper-small-lr3e-5-old", -30, {"learning_rate": "3e-05", "mask_time_prob": "0.05"}, 0.2)]
    assert bare_value_references("the 3e-5 run is the best so far", _mine(), earlier) == []


def test_through_the_linker_only_the_authors_window_runs() -> None:
    at = T0 + dt.timedelta(hours=9)
    request = StructureRequest(text="the 3e-5 and 5e-5 runs are close, 3e-5 slightly better. the 3e-4 run is "
                                    "omar's", author="dana", at=at, project=PROJECT, window_runs=SWEEP,
                               known_runs=SWEEP, resolved_refs={})
    linked = sorted(r.run_name for r in link_runs(request).runs)
    assert linked == ["whisper-small-lr3e-5", "whisper-small-lr5e-5"]
