"""In-place index updates: runs and entries arriving on a cached index give the answers a fresh build gives,
and the cases an update cannot follow (an edit in the past, a removal) rebuild instead."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from narrative.history_index import HistoryIndexCache
from narrative.index_features import features_for_storage
from narrative.types import ProjectHistory
from storage.records import Conclusion, EntryRecord, EntryStructure, LinkedRun, RunSnapshot
from tests.narrative.index_golden import _bench, outputs

BENCH = _bench()


def _copy(history: ProjectHistory) -> ProjectHistory:
    return history.model_copy(update={"entries": list(history.entries), "runs": dict(history.runs)})


def _split(history: ProjectHistory, runs_back: int, entries_back: int) -> tuple[
        ProjectHistory, list[RunSnapshot], list[EntryRecord]]:
    """The history without its newest runs and entries, and those (newest last)."""
    runs = sorted(history.runs.values(), key=lambda r: r.start)
    entries = sorted(history.entries, key=lambda e: e.at)
    base = history.model_copy(update={"runs": {r.run_id: r for r in runs[:-runs_back]},
                                      "entries": entries[:-entries_back]})
    return base, runs[-runs_back:], entries[-entries_back:]


def _assert_same_answers(updated: ProjectHistory, cache: HistoryIndexCache) -> None:
    fresh = outputs(_copy(updated))
    got = outputs(updated, indexes=cache)
    assert got.keys() == fresh.keys()
    assert [k for k in got if got[k] != fresh[k]] == []


@pytest.mark.parametrize("stored", [False, True])
def test_new_runs_and_entries_update_in_place_and_answer_as_a_rebuild(stored: bool) -> None:
    history = BENCH.build(1500, 150, seed=5)
    if stored:
        history.entries[:] = [e.model_copy(update={"features": features_for_storage(e)}) for e in history.entries]
    base, new_runs, new_entries = _split(history, 60, 8)
    cache = HistoryIndexCache()
    idx = cache.index(base)
    outputs(base, indexes=cache)  # queries before the updates (postings made on demand, then kept up to date)
    assert cache.update(base, runs=new_runs[:30], entries=new_entries[:4]) is idx
    assert cache.update(base, runs=new_runs[30:], entries=new_entries[4:]) is idx
    assert cache.index(base) is idx  # no rebuild
    assert len(idx.runs) == 1500 and len(idx.entries) == 150
    _assert_same_answers(base, cache)


@pytest.mark.parametrize("queried", [False, True])
def test_changed_runs_and_a_restructured_newest_entry_update_in_place(queried: bool) -> None:
    history = BENCH.build(800, 100, seed=3)
    cache = HistoryIndexCache()
    idx = cache.index(history)
    if queried:  # the postings the queries asked for are made: the update keeps them up to date
        outputs(history, indexes=cache)
    rng = random.Random(2)
    linked = [rid for e in history.entries for rid in e.run_ids][:40]
    changed = [history.runs[rid].model_copy(update={
        "metrics": {"val_auc": round(rng.uniform(0.7, 0.86), 4), "val_f1": 0.41}, "status": "FINISHED"})
        for rid in linked]
    newest = max(history.entries, key=lambda e: e.at)
    assert newest.structure is not None
    restructured = newest.model_copy(update={
        "raw_text": newest.raw_text + " Next: try focal loss.",
        "structure": newest.structure.model_copy(update={"next_steps": ["try focal loss"], "conclusions": [
            Conclusion(text="it did not help", verdict="did_not_work", run_ids=newest.run_ids[:1])]})})
    assert cache.update(history, runs=changed, entries=[restructured]) is idx
    _assert_same_answers(history, cache)


def test_an_entry_linking_a_run_before_it_is_synced_is_attributed_when_it_arrives() -> None:
    history = BENCH.build(600, 60, seed=9)
    base, new_runs, _ = _split(history, 5, 1)
    base.entries.pop()  # keep the entries count simple: drop the newest, re-add it below
    last = max(base.entries, key=lambda e: e.at)
    waiting = EntryRecord(
        id="waiting", workspace_id="w", project_id="p", author="ana", at=last.at + dt.timedelta(minutes=1),
        raw_text=f"{new_runs[0].run_name} with {new_runs[0].run_id[:8]}: auc {new_runs[0].metrics['val_auc']}",
        status="structured", structure=EntryStructure(runs=[LinkedRun(run_id=r.run_id, run_name=r.run_name,
                                                                      how="name") for r in new_runs[:2]]))
    cache = HistoryIndexCache()
    idx = cache.index(base)
    assert cache.update(base, entries=[waiting]) is idx
    assert idx.entry_facts["waiting"][0].run_ids == []
    assert cache.update(base, runs=new_runs) is idx
    assert idx.entry_facts["waiting"][0].run_ids == [new_runs[0].run_id]
    _assert_same_answers(base, cache)


def test_owner_changes_to_the_history_object_are_caught_up_without_a_rebuild() -> None:
    history = BENCH.build(700, 70, seed=4)
    base, new_runs, new_entries = _split(history, 20, 3)
    cache = HistoryIndexCache()
    idx = cache.index(base)
    for r in new_runs:
        base.runs[r.run_id] = r
    base.entries.extend(new_entries)
    assert cache.index(base) is idx
    _assert_same_answers(base, cache)


def test_what_an_update_cannot_follow_rebuilds() -> None:
    history = BENCH.build(500, 50, seed=8)
    cache = HistoryIndexCache()
    idx = cache.index(history)
    oldest = min(history.entries, key=lambda e: e.at)
    edited = oldest.model_copy(update={"raw_text": oldest.raw_text + "\n\nAlso tried dropout."})
    assert cache.update(history, entries=[edited]) is None
    rebuilt = cache.index(history)
    assert rebuilt is not idx
    assert any(f.text == "Also tried dropout." for f in rebuilt.entry_facts[oldest.id])
    # a removed run: rebuilt too
    history.runs.pop(next(iter(history.runs)))
    assert cache.index(history) is not rebuilt
    _assert_same_answers(history, cache)


def test_an_evicted_index_is_freed_without_the_cyclic_gc() -> None:
    # The app freezes large indexes out of the cyclic GC's sight: one kept alive by a reference cycle
    # would then stay in memory for the life of the process after it is evicted.
    import gc
    import weakref

    history = BENCH.build(600, 60, seed=3)
    gc.disable()
    try:
        cache = HistoryIndexCache(size=1)
        idx = cache.index(history)
        outputs(history, indexes=cache)  # queries make run docs, approaches and caches inside the index
        gone = weakref.ref(idx)
        del idx
        cache.index(_copy(history))  # evicts the first
        assert gone() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("asked_before", [False, True])
def test_run_names_made_when_first_asked_for_follow_new_runs(asked_before: bool) -> None:
    """``name_to_runs`` is made on first use: asked before runs arrive it is kept up to date, asked after it
    holds them too; either way what a fresh build's gives."""
    history = BENCH.build(600, 40, seed=11)
    base, new_runs, _ = _split(history, 50, 1)
    cache = HistoryIndexCache()
    idx = cache.index(base)
    if asked_before:
        assert len(idx.name_to_runs) > 0
    assert cache.update(base, runs=new_runs) is idx
    fresh = HistoryIndexCache().index(_copy(base))
    assert fresh is not idx
    assert idx.name_to_runs._d == fresh.name_to_runs._d
    some = new_runs[-1].run_name.lower()
    assert new_runs[-1].run_id in idx.name_to_runs.get(some)
