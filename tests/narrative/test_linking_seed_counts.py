"""Seed replicas a sentence counts ("specaug on (mask_time_prob 0.05): both seeds agree, ~19.0 wer"): a description
that fits the replicas of one config, as many as the clause counts, names them all (narrative.link_seed_counts)."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative.link_seed_counts import counted_replicas
from narrative.linking import link_runs
from narrative.types import StructureRequest
from storage.records import ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 11, 10, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="asr", primary_metric="eval_wer", goal="min",
                        experiment_ids=["1"])


def _run(key: str, name: str, hours: float, *, seed: str = "42", user: str = "dana", **params: str) -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    settings = {"model_name_or_path": "openai/whisper-small", "learning_rate": "3e-05", "freeze_encoder": "False",
                "apply_spec_augment": "False", "seed": seed, "output_dir": f"./{name}", **params}
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user=user, status="FINISHED", start=start,
                       end=start + dt.timedelta(hours=1), params=settings, metrics={"eval_wer": 0.2 + hours / 1000})


FROZEN = [_run("h", "whisper-small-frz-enc", 1, freeze_encoder="True"),
          _run("i", "whisper-small-frz-enc-s1", 2, seed="1", freeze_encoder="True")]
SPECAUG = [_run("j", "whisper-small-specaug", 3, apply_spec_augment="True", mask_time_prob="0.05"),
           _run("k", "whisper-small-specaug-s1", 4, seed="1", apply_spec_augment="True", mask_time_prob="0.05")]


def _linked(text: str, runs: list[RunSnapshot], *, author: str = "dana") -> list[str]:
    request = StructureRequest(text=text, author=author, at=T0 + dt.timedelta(hours=9), project=PROJECT,
                               window_runs=runs, known_runs=runs, resolved_refs={})
    return sorted(r.run_name for r in link_runs(request).runs)


@pytest.mark.parametrize("text", [
    "specaug on (mask_time_prob 0.05): both seeds agree, ~19.0 wer.",
    "specaug on, mask_time_prob 0.05: the two seeds are basically identical",
    "spec augment on mask_time_prob 0.05 - both runs agree",
])
def test_a_description_of_the_replicas_counted_names_them_all(text: str) -> None:
    assert _linked(text, [*FROZEN, *SPECAUG]) == ["whisper-small-specaug", "whisper-small-specaug-s1"], text


@pytest.mark.parametrize(("text", "runs"), [
    # the count is not the number of replicas
    ("specaug on (mask_time_prob 0.05): the three seeds agree", [*FROZEN, *SPECAUG]),
    # three replicas, "both" counts two (the old code linked the frozen pair, the one two-seed sweep of the window,
    # though the line describes the 0.05 runs: narrative.link_setting_families)
    ("specaug on (mask_time_prob 0.05): both seeds agree",
     [*FROZEN, *SPECAUG, _run("m", "whisper-small-specaug-s2", 5, seed="2", apply_spec_augment="True",
                              mask_time_prob="0.05")]),
    # a plan
    ("will rerun specaug on (mask_time_prob 0.05) with both seeds", [*FROZEN, *SPECAUG]),
    # a question
    ("specaug on (mask_time_prob 0.05): do both seeds agree?", [*FROZEN, *SPECAUG]),
    # no count at all
    ("specaug on (mask_time_prob 0.05): seeds agree", [*FROZEN, *SPECAUG]),
    # the two runs differ in a real setting, not only the seed
    ("specaug on (mask_time_prob 0.05): both seeds agree",
     [*FROZEN, SPECAUG[0], _run("k", "whisper-small-specaug-lr5", 4, seed="1", apply_spec_augment="True",
                                mask_time_prob="0.05", learning_rate="5e-05")]),
    # the same seed twice is a rerun, not two seeds
    ("specaug on (mask_time_prob 0.05): both seeds agree",
     [*FROZEN, SPECAUG[0], _run("k", "whisper-small-specaug-rerun", 4, apply_spec_augment="True",
                                mask_time_prob="0.05")]),
    # a count of something else
    ("specaug on (mask_time_prob 0.05): both gpus agree", [*FROZEN, *SPECAUG]),
])
def test_no_replicas_named_when_the_count_or_the_runs_do_not_say_so(text: str, runs: list[RunSnapshot]) -> None:
    assert _linked(text, runs) == [], text


def test_another_persons_replicas_are_not_the_authors() -> None:
    runs = [*FROZEN, *(r.model_copy(update={"user": "omar"}) for r in SPECAUG)]
    assert _linked("specaug on (mask_time_prob 0.05): both seeds agree", runs) == []


@pytest.mark.parametrize(("text", "count"), [
    ("both seeds agree", 2), ("over two seeds", 2), ("the 3 runs are within .1", 3), ("both of the seeds", 2),
    ("seeds: both fine", None),
    ("both seeds and three runs", None), ("3 seeds-worth", None), ("two gpus", None), ("1.2 seeds", None),
])
def test_the_count_read(text: str, count: int | None) -> None:
    assert counted_replicas(text) == count
