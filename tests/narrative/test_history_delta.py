"""The service's held history takes what changed in storage in place (issue 14): a new entry or a run sync
updates the cached history and its index (the same objects, no rebuild) so that every answer equals one
from a history loaded whole and indexed afresh; each change it cannot apply exactly loads the history
whole again. On a real SQLite database and the real PostgreSQL (``COCO_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from adapters.tracker import Tracker
from narrative import service
from narrative.index_features import features_for_storage
from narrative.local_engine import LocalEngine
from narrative.service import Narrator
from narrative.types import ProjectHistory
from storage.db import open_repository
from storage.records import DecisionRecord, EntryRecord, MetricChange, ProjectRecord, RunSnapshot, utcnow
from storage.repository import SqlRepository
from tests.narrative.index_golden import _bench, outputs

NOW = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)
BENCH = _bench()
PLAN = "let's try a deeper xgboost with more trees on the full feature set"


def _no_tracker(_project: ProjectRecord) -> Tracker:
    raise AssertionError("a check on the held history reads no tracker")


@dataclass
class Held:
    repo: SqlRepository
    narrator: Narrator
    project: ProjectRecord
    new_runs: list[RunSnapshot]  # later than every stored run, newest last
    new_entries: list[EntryRecord]  # later than every stored entry, newest last

    @property
    def ws(self) -> str:
        return self.narrator.workspace_id

    async def history(self) -> ProjectHistory:
        return await self.narrator.cached_history(await self.repo.get_project_by_id(self.ws, self.project.id))

    async def add_runs(self, runs: list[RunSnapshot]) -> None:
        await self.repo.upsert_runs(self.ws, [r.model_copy(update={"project_id": self.project.id,
                                                                    "fetched_at": utcnow()}) for r in runs])

    async def add_entry(self, e: EntryRecord, *, structured: bool = True) -> EntryRecord:
        made = await self.repo.add_entry(self.ws, project_id=self.project.id, author=e.author, at=e.at,
                                         raw_text=e.raw_text, source="cli")
        return await self.structure(made, e) if structured else made

    async def structure(self, made: EntryRecord, like: EntryRecord) -> EntryRecord:
        assert like.structure is not None
        features = features_for_storage(made.model_copy(update={"structure": like.structure}))
        return await self.repo.save_structure(self.ws, made.id, like.structure, features=features)

    async def assert_as_loaded_whole(self, held: ProjectHistory) -> None:
        """The held history is what a whole load gives, and its (cached) index answers as a fresh one."""
        whole = await self.narrator.history(held.project, sync=False)
        assert held.entries == whole.entries
        assert list(held.runs.items()) == list(whole.runs.items())  # in the load order too
        assert held.decisions == whole.decisions and held.project.metric_history == whole.project.metric_history
        got, fresh = outputs(held, indexes=self.narrator.indexes), outputs(whole)
        assert [k for k in fresh if got.get(k) != fresh[k]] == []


async def _held(db_url: str, *, runs: int, entries: int) -> AsyncIterator[Held]:
    """A project of ``runs`` runs and ``entries`` entries stored (the newest 20 runs and 3 entries kept
    back, to arrive later), on a narrator whose history of it is held and indexed."""
    history = BENCH.build(runs, entries, seed=5)
    stored_runs = sorted(history.runs.values(), key=lambda r: (r.start, r.run_id))
    stored_entries = sorted(history.entries, key=lambda e: e.at)
    repo = await open_repository(db_url)
    try:
        workspace = await repo.ensure_workspace("cli:delta", platform="cli")
        project = await repo.create_project(workspace.id, name="bench", tracker_kind="mlflow", tracker_uri="x",
                                            experiment_ids=["1"], experiment_names=["bench"],
                                            primary_metric="val_auc", goal="max")
        narrator = Narrator(repo=repo, workspace_id=workspace.id, engine=LocalEngine(), tracker_for=_no_tracker,
                            clock=lambda: NOW)
        held = Held(repo=repo, narrator=narrator, project=project, new_runs=stored_runs[-20:],
                    new_entries=stored_entries[-3:])
        await repo.upsert_runs(workspace.id, [r.model_copy(update={
            "project_id": project.id, "fetched_at": utcnow() - dt.timedelta(days=1)}) for r in stored_runs[:-20]])
        for e in stored_entries[:-3]:
            await held.add_entry(e)
        await narrator.check(project="bench", text=PLAN)  # builds the held history's index
        yield held
    finally:
        await repo.aclose()


@pytest.fixture
async def held(db_url: str) -> AsyncIterator[Held]:
    async for made in _held(db_url, runs=400, entries=50):
        yield made


async def test_new_entries_and_synced_runs_update_the_held_index_in_place(held: Held) -> None:
    history = await held.history()
    idx = held.narrator.indexes.index(history)
    assert held.narrator.indexes is not None and len(held.narrator.indexes) == 1

    await held.add_runs(held.new_runs[:10])  # a run sync brings new runs...
    refreshed = list(history.runs.values())[-3]  # ...and a newer snapshot of a known one
    await held.add_runs([refreshed.model_copy(update={"metrics": {**refreshed.metrics, "val_auc": 0.99}})])
    await held.narrator.check(project="bench", text=PLAN)
    assert await held.history() is history and held.narrator.indexes.index(history) is idx

    pending = await held.add_entry(held.new_entries[0], structured=False)  # logged, then structured
    await held.narrator.check(project="bench", text=PLAN)
    await held.structure(pending, held.new_entries[0])
    await held.repo.update_project_settings(held.ws, held.project.id, {"synced_until": NOW.isoformat()})
    await held.add_runs(held.new_runs[10:])
    for e in held.new_entries[1:]:
        await held.add_entry(e)
    await held.narrator.check(project="bench", text=PLAN)
    assert await held.history() is history and held.narrator.indexes.index(history) is idx
    assert len(history.runs) == 400 and len(history.entries) == 50 and len(idx.runs) == 400
    assert history.runs[refreshed.run_id].metrics["val_auc"] == 0.99
    await held.assert_as_loaded_whole(history)


async def test_a_decision_recorded_with_an_entry_is_read_again_without_a_rebuild(held: Held) -> None:
    history = await held.history()
    idx = held.narrator.indexes.index(history)
    made = await held.add_entry(held.new_entries[0])  # "...dropping it": the service records the decision
    await held.repo.add_decision(held.ws, DecisionRecord(
        id="", project_id=held.project.id, kind="abandon", at=made.at, text="drop logreg", entry_id=made.id))
    await held.narrator.check(project="bench", text=PLAN)
    assert await held.history() is history and held.narrator.indexes.index(history) is idx
    assert [d.text for d in history.decisions] == ["drop logreg"]
    await held.assert_as_loaded_whole(history)


async def test_an_update_waits_for_the_engines_reading_the_history(held: Held,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    history = await held.history()
    kept = held.narrator._histories[held.project.id]
    with kept.reading():  # an engine's job over it, in a worker thread
        await held.add_entry(held.new_entries[0])
        waiting = asyncio.create_task(held.history())
        await asyncio.sleep(0.2)
        assert not waiting.done() and len(history.entries) == 47  # not changed under the reader
    assert await waiting is history and len(history.entries) == 48
    # a reader that outlasts the wait keeps the history as it read it; a new one is loaded
    monkeypatch.setattr(service, "READERS_WAIT", 0.05)
    with kept.reading():
        await held.add_entry(held.new_entries[1])
        again = await held.history()
        assert again is not history and len(history.entries) == 48 and len(again.entries) == 49
    await held.assert_as_loaded_whole(again)


async def _delete_entry(held: Held) -> None:
    await held.repo.delete_entry(held.ws, (await held.history()).entries[5].id)


async def _move_entry_and_log_one(held: Held) -> None:
    # the same count as before: only the ids tell that one left
    other = await held.repo.create_project(held.ws, name="other", tracker_kind="mlflow", tracker_uri="x",
                                           experiment_ids=["2"], experiment_names=["other"], primary_metric=None,
                                           goal="max")
    await held.repo.move_entry(held.ws, (await held.history()).entries[7].id, other.id)
    await held.add_entry(held.new_entries[0])


async def _switch_metric(held: Held) -> None:
    await held.repo.record_metric_change(held.ws, held.project.id, MetricChange(
        at=(await held.history()).entries[-1].at, metric="val_f1", goal="max", reason="class imbalance"))


async def _link_channel(held: Held) -> None:
    await held.repo.link_channel(held.ws, held.project.id, "C123")


async def _log_back_dated(held: Held) -> None:
    oldest = (await held.history()).entries[0]
    await held.add_entry(held.new_entries[0].model_copy(update={"at": oldest.at - dt.timedelta(hours=1)}))


async def _sync_an_earlier_run(held: Held) -> None:
    first = next(iter((await held.history()).runs.values()))
    await held.add_runs([held.new_runs[0].model_copy(update={"start": first.start - dt.timedelta(hours=1)})])


@pytest.mark.parametrize("change", [_delete_entry, _move_entry_and_log_one, _switch_metric,
                                    _link_channel, _log_back_dated, _sync_an_earlier_run],
                         ids=lambda f: f.__name__.strip("_"))
async def test_what_cannot_be_applied_exactly_loads_the_history_whole(
        db_url: str, change: Callable[[Held], Awaitable[None]]) -> None:
    async for held in _held(db_url, runs=120, entries=20):
        history = await held.history()
        await change(held)
        await held.narrator.check(project="bench", text=PLAN)
        again = await held.history()
        assert again is not history
        await held.assert_as_loaded_whole(again)
