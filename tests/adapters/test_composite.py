"""A project whose runs are in MLflow and in W&B reads as one history: pages merged newest first across
both (paging included), a reference resolved in whichever tracker has it (ambiguous if both do), the
note written by the tracker that holds the run. A real MLflow sqlite store and the W&B fake."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters import open_tracker
from adapters.composite import CompositeTracker, composite_uri, scoped
from adapters.tracker import COCO_SECTION_BEGIN, iter_runs
from core.errors import AmbiguousRunIdError, RunNotFoundError, UserInputError
from tests.adapters.wandb_fake import WandbFake
from tests.adapters.wandb_seed import KEY

T0 = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)


@dataclass
class Both:
    tracker: CompositeTracker
    scope: list[str]
    mlflow_ids: list[str]  # oldest first, at T0 + 0, 2, 4, 6, 8 hours
    client: Any
    fake: WandbFake


@pytest.fixture
def fake() -> Iterator[WandbFake]:
    # W&B at T0 + 1, 3, 5, 7 hours; one id shares its first 6 characters with nothing, one is hex-only.
    runs = [{"id": rid, "name": f"wb-{i}", "user": "maya", "state": "finished",
             "created_at": (T0 + dt.timedelta(hours=2 * i + 1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "duration": 60,
             "config": {"i": i}, "summary": {"auc": 0.8}, "tags": [], "notes": None, "commit": None}
            for i, rid in enumerate(["w1a2b3c4", "w2a2b3c4", "abcdef12", "w4a2b3c4"])]
    with WandbFake(runs=runs, entity="team", project="churn", api_key=KEY) as served:
        yield served


@pytest.fixture
async def both(tmp_path: Path, fake: WandbFake, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Both]:
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("WANDB_API_KEY", KEY)  # a composite's W&B member reads W&B's own variables

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("churn-old")
    ids = []
    for i in range(5):
        start = int((T0 + dt.timedelta(hours=2 * i)).timestamp() * 1000)
        run = client.create_run(exp, start_time=start, tags={"mlflow.user": "maya"}, run_name=f"ml-{i}")
        client.set_terminated(run.info.run_id, end_time=start + 60_000)
        ids.append(run.info.run_id)
    tracker = open_tracker(composite_uri([("mlflow", uri), ("wandb", f"wandb+{fake.base_url}")]), kind="multi")
    assert isinstance(tracker, CompositeTracker)
    try:
        yield Both(tracker, [scoped("mlflow", exp), scoped("wandb", "team/churn")], ids, client, fake)
    finally:
        await tracker.aclose()


async def test_one_history_newest_first_across_pages(both: Both) -> None:
    every = [r async for r in iter_runs(both.tracker, scope=both.scope, page_size=2)]
    assert [r.run_name for r in every] == ["ml-4", "wb-3", "ml-3", "wb-2", "ml-2", "wb-1", "ml-1", "wb-0", "ml-0"]
    assert all(r.experiment_id in both.scope for r in every)
    wb = next(r for r in every if r.run_name == "wb-3")
    ml = next(r for r in every if r.run_name == "ml-4")
    assert wb.url.endswith("/team/churn/runs/w4a2b3c4") and both.tracker.run_url(wb) == wb.url
    assert "/#/experiments/" in ml.url
    window = await both.tracker.search_runs(scope=both.scope, since=T0 + dt.timedelta(hours=3),
                                            until=T0 + dt.timedelta(hours=5))
    assert [r.run_name for r in window.runs] == ["wb-2", "ml-2", "wb-1"] and window.next_page_token is None


async def test_references_resolve_in_the_tracker_that_has_the_run(both: Both) -> None:
    assert (await both.tracker.get_run("w4a2b3", scope=both.scope)).run_name == "wb-3"
    assert (await both.tracker.get_run(both.mlflow_ids[1], scope=both.scope)).run_name == "ml-1"
    assert (await both.tracker.get_run("w1a2b3c4")).experiment_id == "wandb:team/churn"
    with pytest.raises(AmbiguousRunIdError):
        await _ambiguous(both)
    with pytest.raises(RunNotFoundError):
        await both.tracker.get_run("zz9zz9zz", scope=both.scope)
    with pytest.raises(UserInputError, match="mlflow:EXPERIMENT or wandb:ENTITY/PROJECT"):
        await both.tracker.search_runs(scope=["team/churn"])
    named = await both.tracker.find_runs_by_name("wb-2", scope=both.scope)
    assert [r.run_id for r in named] == ["abcdef12"]


async def _ambiguous(both: Both) -> None:
    # An MLflow run whose id starts as a W&B id does: the prefix names two runs, one in each tracker.
    from tests.adapters.tracker_seed import _next_uuid

    exp = both.scope[0].split(":", 1)[1]
    with _next_uuid("abcdef12" + "0" * 24):
        both.client.create_run(exp, start_time=int(T0.timestamp() * 1000), run_name="ml-hex")
    await both.tracker.get_run("abcdef", scope=both.scope)


async def test_each_note_goes_to_its_own_tracker(both: Both) -> None:
    await iter_runs(both.tracker, scope=both.scope).__anext__()  # the tracker learns where runs live
    await both.tracker.write_note("w1a2b3c4", entry_id="e1", section="a W&B run")
    await both.tracker.write_note(both.mlflow_ids[0], entry_id="e1", section="an MLflow run")
    assert COCO_SECTION_BEGIN in both.fake.run("w1a2b3c4")["notes"]
    tags = both.client.get_run(both.mlflow_ids[0]).data.tags
    assert "an MLflow run" in tags["mlflow.note.content"] and tags["coco.entry_id"] == "e1"
    with pytest.raises(RunNotFoundError):
        await both.tracker.write_note("zz9zz9zz", entry_id="e1", section="nobody's")
