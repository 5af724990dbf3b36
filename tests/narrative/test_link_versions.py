"""Lightning's runs named by their version ("v7" for version_7): narrative.link_versions (links round 11)."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative.link_versions import version_references
from narrative.linking import link_runs
from narrative.types import StructureRequest
from storage.records import ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 11, 9, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="ddpm", primary_metric="fid", goal="min", experiment_ids=["1"])


def _run(n: int, hours: float, *, user: str = "lena", name: str | None = None, fid: float = 20.0) -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=f"{user[0]}{n:02d}" + "0" * 29, run_name=name or f"version_{n}",
                       user=user, status="FINISHED", start=start, end=start + dt.timedelta(hours=1),
                       params={"noise_schedule": "cosine", "unet_channels": str(128 + n)}, metrics={"fid": fid + n})


EARLIER = [_run(0, 1), _run(1, 2)]
WINDOW = [_run(3, 25), _run(4, 26), _run(7, 29)]
MINE = [*EARLIER, *WINDOW]
WINDOW_IDS = {r.run_id for r in WINDOW}


def _names(text: str, runs: list[RunSnapshot] = MINE, window: set[str] = WINDOW_IDS) -> list[str]:
    return sorted({r.run_name for _w, r in version_references(text, author_runs=runs, window_ids=window)})


@pytest.mark.parametrize(("text", "expected"), [
    ("wider unet (192 ch) + cosine: v7, fid 15.2", ["version_7"]),
    ("lower lr on top of v1: v3/v4 = 17.6 / 17.9, small win", ["version_3", "version_4"]),
    ("256ch helps a bit. same config as v7 otherwise", ["version_7"]),
    ("v4 is the seed-1 copy of v3", ["version_3", "version_4"]),
    ("- v7: best so far", ["version_7"]),
])
def test_a_version_names_the_authors_window_run(text: str, expected: list[str]) -> None:
    assert _names(text) == expected


@pytest.mark.parametrize("text", [
    "moved to the v7 data",                 # a version of the data
    "tried the yolo v7 head",               # a version of a model
    "v3 of the augment pipeline is in",     # a version of a thing
    "on top of v1",                         # version_1 is before the window
    "v5 looks odd",                         # no version_5
    "resnet-v3 encoder",                    # part of another name
    "v7.5 of the scheduler",                # a dotted version
    "hit the api/v3 endpoint",              # a path
    "model v7 is the ema one",              # the version of a thing named before it
    "v7b was a typo'd relaunch",            # not a token of its own
])
def test_a_version_that_names_no_run(text: str) -> None:
    assert _names(text) == [], text


def test_runs_outside_the_window_and_two_series_name_nothing() -> None:
    assert _names("v0 beat v1", runs=MINE, window=WINDOW_IDS) == []
    # two version_7 runs of the author (two experiment folders): which is meant is not said
    doubled = [*MINE, _run(7, 30, name="version_7")]
    doubled[-1] = doubled[-1].model_copy(update={"run_id": "z" * 32})
    assert _names("v7 got 15.2", runs=doubled, window={*WINDOW_IDS, "z" * 32}) == []
    # one version_N run alone is no series
    assert _names("v7 got 15.2", runs=[_run(7, 29)], window={_run(7, 29).run_id}) == []


def test_through_the_linker_only_the_authors_runs() -> None:
    kofi = [_run(n, 25 + n, user="kofi", name=f"version_{n}") for n in (5, 6)]
    runs = [*MINE, *kofi]
    request = StructureRequest(text="cosine on top of v1: v3/v4 small win, v7 best. kofi's v5 and v6 are worse",
                               author="lena", at=T0 + dt.timedelta(hours=34), project=PROJECT, window_runs=runs,
                               known_runs=runs, resolved_refs={}, window_start=T0 + dt.timedelta(hours=8))
    assert sorted(r.run_name for r in link_runs(request).runs) == ["version_3", "version_4", "version_7"]
