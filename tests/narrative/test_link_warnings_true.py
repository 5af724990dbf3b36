"""A "none linked" warning is shown only while it is true (links round 11): a phrase that fits two runs, one of which
another sentence named, or a series whose runs the quoted results linked, leaves no "none linked" warning behind."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative.linking import _true_warnings, link_runs
from narrative.types import StructureRequest
from storage.records import LinkedRun, ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 11, 9, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="asr", primary_metric="eval_wer", goal="min",
                        experiment_ids=["1"])


def _run(key: str, name: str, hours: float, params: dict[str, str], wer: float, user: str = "omar") -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user=user, status="FINISHED", start=start,
                       end=start + dt.timedelta(hours=1), params={"seed": "42", **params}, metrics={"eval_wer": wer})


W2V = [_run("e", "wav2vec2-base-cc", 1, {"model_name_or_path": "facebook/wav2vec2-base", "learning_rate": "0.0001"},
            0.312),
       _run("f", "wav2vec2-base-cc-2", 2, {"model_name_or_path": "facebook/wav2vec2-base", "learning_rate": "0.0003"},
            0.297),
       _run("g", "wav2vec2-large-cc", 3, {"model_name_or_path": "facebook/wav2vec2-large-lv60",
                                          "learning_rate": "0.0001"}, 0.251)]


def _result(text: str, runs: list[RunSnapshot]) -> tuple[list[str], list[str]]:
    request = StructureRequest(text=text, author="omar", at=T0 + dt.timedelta(hours=9), project=PROJECT,
                               window_runs=runs, known_runs=runs, resolved_refs={})
    result = link_runs(request)
    return sorted(r.run_name for r in result.runs), result.warnings


def test_a_series_whose_runs_the_results_linked_warns_of_nothing() -> None:
    linked, warnings = _result("base w/ feature encoder frozen: 31.2 wer at lr 1e-4, 29.7 at 3e-4. large is way "
                               "better, 25.1", W2V)
    assert linked == ["wav2vec2-base-cc", "wav2vec2-base-cc-2", "wav2vec2-large-cc"]
    assert not any("none linked" in w for w in warnings), warnings


def _linked(*names: str) -> dict[str, LinkedRun]:
    return {n: LinkedRun(run_id=n * 4, run_name=n, how="name") for n in names}


@pytest.mark.parametrize(("warning", "linked"), [
    ("'same afp config' fits 2 runs (afp-a, afp-b); none linked.", _linked("afp-a")),
    ("'lr 1e-4' quotes a value that fits 2 runs (r-1, r-2); none linked.", _linked("r-2")),
    ("'x' states lr 1e-4/3e-4 but a value fits several runs (r-1, r-2); none linked.", _linked("r-1", "r-2")),
])
def test_a_none_linked_warning_made_false_by_a_link_is_dropped(warning: str, linked: dict[str, LinkedRun]) -> None:
    assert _true_warnings([warning], linked) == []


@pytest.mark.parametrize(("warning", "linked"), [
    ("'same afp config' fits 2 runs (afp-a, afp-b); none linked.", {}),
    ("'same afp config' fits 2 runs (afp-a, afp-b); none linked.", _linked("afp-c")),
    ("'same afp config' fits 2 runs (afp-a, afp-b); none linked.", _linked("afp")),        # a name's part is no name
    ("'same afp config' fits 2 runs (afp-a, afp-b); none linked.", _linked("afp-a, afp-b")),
    ("The run name 'afp-a' belongs to 2 runs; none linked.", _linked("afp-a")),           # names no runs to test
    ("'abc12345' looks like a run id but matches nothing; not linked.", _linked("abc12345")),
    ("'x' states lr 1e-4/3e-4 but a value fits several runs; none linked.", _linked("r-1")),
    ("'lr 1e-4' quotes a value that fits 2 runs (r-1, r-2); none linked.", _linked("r-3", "r-4")),
])
def test_a_warning_still_true_stays(warning: str, linked: dict[str, LinkedRun]) -> None:
    assert _true_warnings([warning], linked) == [warning]
