"""Entry features: written with the entry when it is structured, read back by the index instead of reading
every sentence again, versioned (another analysis version is recomputed), cleared when the text changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from narrative import index_features, line_subjects
from narrative.history_index import HistoryIndex
from tests.conftest import MlflowStore
from tests.narrative.conftest import churn_narrator
from tests.narrative.index_golden import _bench


def test_stored_features_round_trip_and_another_version_is_recomputed() -> None:
    history = _bench().build(200, 20)
    entry = history.entries[0]
    stored = index_features.features_for_storage(entry)
    assert index_features.loads(stored) == index_features.compute(entry)
    stale = stored.replace(index_features.FEATURES_VERSION, "0-old", 1)
    assert index_features.loads(stale) is None
    with_stale = history.model_copy(update={"entries": [e.model_copy(update={"features": stale})
                                                        for e in history.entries]})
    idx = HistoryIndex(with_stale)
    assert len(idx.computed_features) == len(history.entries)  # recomputed, offered for storing again
    assert dict(idx.computed_features)[entry.id] == stored
    with_fresh = history.model_copy(update={"entries": [e.model_copy(update={"features": s})
                                                        for e, s in ((e, index_features.features_for_storage(e))
                                                                     for e in history.entries)]})
    assert HistoryIndex(with_fresh).computed_features == []


def test_a_text_holding_the_stored_forms_separators_is_stored_as_json() -> None:
    history = _bench().build(200, 20)
    entry = history.entries[0]
    odd = entry.model_copy(update={"raw_text": entry.raw_text + "\x1e and\x1f so\x1d on\x1c."})
    stored = index_features.features_for_storage(odd)
    assert stored.startswith('{"v":"' + index_features.FEATURES_VERSION)
    assert index_features.loads(stored) == index_features.compute(odd)
    assert any("\x1f" in f.text for f in index_features.compute(odd).facts)  # kept within a sentence
    plain = index_features.features_for_storage(entry)
    assert not plain.startswith("{") and index_features.loads(plain) == index_features.compute(entry)
    # the stored text of another version is not read either
    assert index_features.loads(plain.replace(index_features.FEATURES_VERSION, "0-old", 1)) is None


async def test_a_structured_entry_is_stored_with_its_features(tmp_path: Path, mlflow_store: MlflowStore) -> None:
    now = dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.UTC)
    async with churn_narrator(tmp_path, mlflow_store, now=now) as churn:
        narrator, project, run_id, repo = churn.narrator, churn.project, churn.run_id, churn.repo
        outcome = await narrator.log(project="churn", text=f"xgb {run_id} undersampling didn't help, 0.81",
                                     author="ana", at=now)
        stored = await repo.get_entry(churn.workspace_id, outcome.entry.id)
        assert stored.features is not None and stored.features.startswith(index_features.FEATURES_VERSION)
        history = await narrator.cached_history(project)
        idx = HistoryIndex(history)
        assert idx.computed_features == []  # built from what was stored
        assert idx.entry_facts[stored.id][0].run_ids == [run_id]
        # a correction changes the text: the stored features would be stale, so they are dropped
        revised = await repo.append_entry_text(churn.workspace_id, stored.id, "\n\nAlso: catboost was slow.")
        assert revised.features is None


def test_each_fact_carries_the_subjects_of_its_text_as_stored_and_read_back() -> None:
    # derive reads a fact's subjects from what was stored when its entry was written, not from its text again
    history = _bench().build(50, 5)
    entry = history.entries[0].model_copy(update={
        "raw_text": "Undersampling the majority class for the gru: worse than class weights. "
                    "Focal loss instead of label smoothing helped a bit.", "features": None})
    computed = index_features.compute(entry)
    assert [f.subjects for f in computed.facts] == [line_subjects.subjects_of(f.text) for f in computed.facts]
    assert any(f.subjects for f in computed.facts)
    for stored in (index_features.dumps(computed), index_features._dumps_json(computed)):
        got = index_features.loads(stored)
        assert got is not None and [f.subjects for f in got.facts] == [f.subjects for f in computed.facts]
    entry.features = index_features.dumps(computed)
    idx = HistoryIndex(history.model_copy(update={"entries": [entry]}))
    assert idx.computed_features == []  # read from what was stored
    assert [f.subjects for f in idx.entry_facts[entry.id]] == [f.subjects for f in computed.facts]


async def test_features_read_again_after_an_upgrade_are_stored_for_the_next_start(
        tmp_path: Path, mlflow_store: MlflowStore) -> None:
    from narrative.local_engine import LocalEngine
    from narrative.service import Narrator

    now = dt.datetime(2026, 3, 3, 18, 0, tzinfo=dt.UTC)
    async with churn_narrator(tmp_path, mlflow_store, now=now) as churn:
        repo, ws = churn.repo, churn.workspace_id
        outcome = await churn.narrator.log(project="churn", text=f"xgb {churn.run_id} undersampling didn't help",
                                           author="ana", at=now)
        entry = await repo.get_entry(ws, outcome.entry.id)
        assert entry.features is not None
        # as an older release of COCO stored them: another analysis version, ignored by this one
        await repo.store_features(ws, [(entry.id, entry.updated_at, entry.features.replace(
            index_features.FEATURES_VERSION, "0-old", 1))])
        assert index_features.loads((await repo.get_entry(ws, entry.id)).features or "") is None

        def restarted() -> Narrator:  # a new process: its own engine and index cache, the same database
            return Narrator(repo=repo, workspace_id=ws, engine=LocalEngine(), tracker_for=lambda _p: None,
                            clock=lambda: now)

        await restarted().check(project="churn", text="try undersampling again")
        again = await repo.get_entry(ws, entry.id)
        assert again.features == entry.features and again.updated_at == entry.updated_at
        history = await restarted().history(churn.project, sync=False)
        assert HistoryIndex(history).computed_features == []  # the next start reads them
