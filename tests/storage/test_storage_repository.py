"""The repository's contract on every backend: isolation, exact text, aware times, paging, projects
and metric history, entries, run snapshots, approaches and decisions."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import random
import time

import pytest

from core.errors import EmptyTextError, ProjectNotFoundError, UserInputError
from storage.records import (
    ApproachRecord,
    Conclusion,
    DecisionNote,
    DecisionRecord,
    EntryStructure,
    LinkedRun,
    MetricChange,
    RunSnapshot,
)
from storage.repository import SqlRepository
from storage.sql.entries import SqlEntryStore
from tests.storage.storage_testkit import T0, World, make_world

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
PDT = dt.timezone(dt.timedelta(hours=-7))


async def _entry(
    repo: SqlRepository, world: World, text: str = "tried SMOTE", *, at: dt.datetime = T0, author: str = "ana"
) -> str:
    entry = await repo.add_entry(
        world.workspace.id, project_id=world.project.id, author=author, at=at, raw_text=text, source="cli"
    )
    return entry.id


def _run(project_id: str, run_id: str, *, start: dt.datetime = T0, **metrics: float) -> RunSnapshot:
    return RunSnapshot(
        project_id=project_id,
        run_id=run_id,
        run_name=f"name-{run_id}",
        experiment_id="1",
        user="ana",
        status="FINISHED",
        start=start,
        end=start + dt.timedelta(minutes=3),
        params={"lr": "0.1", "model": "xgb"},
        metrics=dict(metrics),
        tags={"mlflow.runName": f"name-{run_id}"},
        url=f"http://mlflow/#/experiments/1/runs/{run_id}",
    )


# -- workspace isolation -----------------------------------------------------------------------------


async def test_nothing_is_visible_across_workspaces(repo: SqlRepository) -> None:
    a = await make_world(repo, "slack:TA")
    b_ws = await repo.ensure_workspace("slack:TB", platform="slack")
    await repo.link_channel(a.workspace.id, a.project.id, "C-SHARED")
    entry_id = await _entry(repo, a)
    await repo.upsert_runs(a.workspace.id, [_run(a.project.id, "r1", auc=0.9)])
    await repo.replace_approaches(
        a.workspace.id, a.project.id, [ApproachRecord(id="", project_id=a.project.id, name="SMOTE")]
    )
    await repo.add_decision(
        a.workspace.id, DecisionRecord(id="", project_id=a.project.id, kind="other", at=T0, text="x")
    )

    b = b_ws.id
    with pytest.raises(ProjectNotFoundError):
        await repo.get_project(b, "fraud")
    with pytest.raises(ProjectNotFoundError):
        await repo.get_project_by_id(b, a.project.id)
    assert await repo.list_projects(b) == []
    assert await repo.find_project_by_channel(b, "C-SHARED") is None
    with pytest.raises(UserInputError):
        await repo.get_entry(b, entry_id)
    with pytest.raises(UserInputError):
        await repo.delete_entry(b, entry_id)
    with pytest.raises(UserInputError):
        await repo.save_structure(b, entry_id, EntryStructure(title="hijack"))
    assert await repo.list_entries(b) == ([], None)
    assert await repo.list_entries(b, project_id=a.project.id) == ([], None)
    assert await repo.get_runs(b, a.project.id, ["r1"]) == {}
    assert await repo.list_runs(b, a.project.id) == ([], None)
    assert await repo.list_approaches(b, a.project.id) == []
    assert await repo.list_decisions(b, a.project.id) == []
    # Writes aimed at another workspace's project are refused, not smuggled in.
    with pytest.raises(ProjectNotFoundError):
        await repo.add_entry(b, project_id=a.project.id, author="eve", at=T0, raw_text="x", source="cli")
    with pytest.raises(ProjectNotFoundError):
        await repo.upsert_runs(b, [_run(a.project.id, "r2")])
    with pytest.raises(ProjectNotFoundError):
        await repo.link_channel(b, a.project.id, "C-B")
    with pytest.raises(ProjectNotFoundError):
        await repo.record_metric_change(b, a.project.id, MetricChange(at=T0, metric="f1", goal="max"))
    # The same project name in B is B's own.
    b_project = await make_world(repo, "slack:TB")
    assert b_project.project.id != a.project.id
    assert [p.id for p in await repo.list_projects(a.workspace.id)] == [a.project.id]
    # And A is untouched.
    assert (await repo.get_entry(a.workspace.id, entry_id)).raw_text == "tried SMOTE"
    assert set(await repo.get_runs(a.workspace.id, a.project.id, ["r1", "r2"])) == {"r1"}


async def test_workspaces_are_ensured_once_by_key(repo: SqlRepository) -> None:
    first = await repo.ensure_workspace("slack:T1", platform="slack")
    again = await repo.ensure_workspace("slack:T1", platform="slack", name="Acme")
    assert again.id == first.id and again.name == "Acme"
    assert (await repo.get_workspace(first.id)).name == "Acme"
    racers = await asyncio.gather(*(repo.ensure_workspace("teams:X", platform="teams") for _ in range(8)))
    assert len({w.id for w in racers}) == 1
    with pytest.raises(UserInputError):
        await repo.get_workspace("nope")


# -- raw text ----------------------------------------------------------------------------------------


def _junk(seed: int, *, size: int = 8192) -> bytes:
    rng = random.Random(seed)
    return bytes(b for b in rng.randbytes(size) if b != 0)


RAW_TEXTS = {
    "unicode": "Ünïcödé — 日本語 — עברית — العربية — 👩🏽‍🔬🧪🔥 — e\u0301 — \ufeffBOM — \u200bzw — \U0010ffff\uffff",
    "whitespace": "  leading\r\nCRLF\rCR\ttab\x0bvt\x0cff trailing   \n\n",
    "controls": "".join(chr(c) for c in range(1, 32)) + "\x7f\x80\x9f",
    "sql_and_json": "'; DROP TABLE coco_entry; -- \\ \\\\ %s %(x)s ? :name {\"a\": [1, NaN]} $1",
    "junk_latin1": _junk(1).decode("latin-1"),
    "junk_utf8": _junk(2).decode("utf-8", errors="replace"),
    "one_megabyte": ("val_auc went 0.91 → 0.93 with SMOTE 🎯 ; " * 30_000)[:1_000_000],
}


@pytest.mark.parametrize("kind", sorted(RAW_TEXTS))
async def test_raw_text_round_trips_exactly(repo: SqlRepository, world: World, kind: str) -> None:
    text = RAW_TEXTS[kind]
    entry_id = await _entry(repo, world, text)
    assert (await repo.get_entry(world.workspace.id, entry_id)).raw_text == text
    listed, _ = await repo.list_entries(world.workspace.id, project_id=world.project.id)
    assert [e.raw_text for e in listed] == [text]
    # Structuring never rewrites it.
    await repo.save_structure(world.workspace.id, entry_id, EntryStructure(title="t"))
    assert (await repo.get_entry(world.workspace.id, entry_id)).raw_text == text


async def test_text_the_database_cannot_hold_is_refused_not_altered(repo: SqlRepository, world: World) -> None:
    with pytest.raises(UserInputError, match="NUL"):
        await _entry(repo, world, "a\x00b")
    with pytest.raises(UserInputError):
        await _entry(repo, world, "lone \ud800 surrogate")
    with pytest.raises(EmptyTextError):
        await _entry(repo, world, " \n\t ")
    assert await repo.list_entries(world.workspace.id) == ([], None)


# -- time --------------------------------------------------------------------------------------------


async def test_times_come_back_aware_utc_and_equal(repo: SqlRepository, world: World) -> None:
    at = dt.datetime(2024, 3, 10, 23, 45, 12, 345678, tzinfo=IST)
    entry_id = await _entry(repo, world, at=at)
    got = await repo.get_entry(world.workspace.id, entry_id)
    assert got.at == at
    assert got.at.utcoffset() == dt.timedelta(0)
    assert got.at.microsecond == 345678
    for stamp in (got.created_at, got.updated_at):
        assert stamp.tzinfo is not None

    start = dt.datetime(2024, 3, 10, 8, 0, tzinfo=PDT)
    await repo.upsert_runs(world.workspace.id, [_run(world.project.id, "r1", start=start)])
    run = (await repo.get_runs(world.workspace.id, world.project.id, ["r1"]))["r1"]
    assert run.start == start and run.start.utcoffset() == dt.timedelta(0)
    assert run.end == start + dt.timedelta(minutes=3)
    assert run.fetched_at.tzinfo is not None

    decision = await repo.add_decision(
        world.workspace.id,
        DecisionRecord(id="", project_id=world.project.id, kind="other", at=at, text="keep xgb"),
    )
    assert decision.at == at and decision.at.utcoffset() == dt.timedelta(0)
    project = await repo.record_metric_change(
        world.workspace.id, world.project.id, MetricChange(at=at, metric="pr_auc", goal="max")
    )
    assert project.metric_history[0].at == at
    assert project.metric_history[0].at.utcoffset() == dt.timedelta(0)
    assert (await repo.get_workspace(world.workspace.id)).created_at.tzinfo is not None


async def test_order_follows_the_instant_not_the_wall_clock(repo: SqlRepository, world: World) -> None:
    later_wall_earlier_instant = dt.datetime(2024, 3, 4, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    earlier_wall_later_instant = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC)  # 09:00Z > 08:00Z
    late = await _entry(repo, world, "late", at=earlier_wall_later_instant)
    early = await _entry(repo, world, "early", at=later_wall_earlier_instant)
    listed, _ = await repo.list_entries(world.workspace.id)
    assert [e.id for e in listed] == [early, late]
    window, _ = await repo.list_entries(
        world.workspace.id, since=dt.datetime(2024, 3, 4, 8, 30, tzinfo=dt.UTC)
    )
    assert [e.id for e in window] == [late]


async def test_naive_times_are_refused(repo: SqlRepository, world: World) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await _entry(repo, world, at=dt.datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        await repo.list_entries(world.workspace.id, since=dt.datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        await repo.upsert_runs(world.workspace.id, [_run(world.project.id, "r", start=dt.datetime(2024, 1, 1))])


# -- entries -----------------------------------------------------------------------------------------


async def test_entry_paging_is_complete_ordered_and_stable(repo: SqlRepository, world: World) -> None:
    ids: list[str] = []
    for i in range(25):
        # Five entries share each instant: the id breaks ties, so no page boundary loses one.
        at = T0 + dt.timedelta(hours=i // 5)
        ids.append(await _entry(repo, world, f"note {i}", at=at, author="ana" if i % 2 else "bo"))
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page, token = await repo.list_entries(
            world.workspace.id, project_id=world.project.id, limit=10, page_token=token
        )
        pages.append([e.id for e in page])
        if token is None:
            break
        # A row added behind the cursor does not shift later pages.
        await _entry(repo, world, "written meanwhile", at=T0 - dt.timedelta(days=1))
    assert [len(p) for p in pages] == [10, 10, 5]
    flat = [i for p in pages for i in p]
    everything = await repo.list_entries(world.workspace.id, project_id=world.project.id)
    expected = [e.id for e in everything[0] if e.raw_text != "written meanwhile"]
    assert flat == expected and set(flat) == set(ids)

    by_bo: list[list[str]] = []
    token = None
    while True:
        page, token = await repo.list_entries(world.workspace.id, author="bo", limit=4, page_token=token)
        assert {e.author for e in page} == {"bo"}
        by_bo.append([e.id for e in page])
        if token is None:
            break
    assert [len(p) for p in by_bo] == [4, 4, 4, 1]
    assert len({i for p in by_bo for i in p}) == 13

    window, _ = await repo.list_entries(
        world.workspace.id, since=T0 + dt.timedelta(hours=1), until=T0 + dt.timedelta(hours=3)
    )
    assert len(window) == 10

    with pytest.raises(UserInputError, match="page token"):
        await repo.list_entries(world.workspace.id, page_token="not-a-token")


async def test_entry_lifecycle(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    entry = await repo.add_entry(
        ws, project_id=world.project.id, author="ana", at=T0, raw_text="SMOTE helped",
        source="thread", channel="C1", thread_ts="1700000000.000100",
    )
    assert entry.status == "pending" and entry.structure is None and len(entry.id) == 12
    structure = EntryStructure(
        title="SMOTE on the fraud set",
        hypotheses=["oversampling helps recall"],
        runs=[LinkedRun(run_id="abc123", how="prefix", metrics={"auc": 0.93, "loss": math.inf})],
        observations=["recall up"],
        conclusions=[Conclusion(text="SMOTE works", verdict="worked", run_ids=["abc123"])],
        next_steps=["try ADASYN"],
        open_questions=["calibration?"],
        decisions=[DecisionNote(kind="metric_switch", text="use PR-AUC", metric="pr_auc", goal="max")],
        warnings=["run xyz not found"],
        engine="local",
    )
    await repo.mark_entry_error(ws, entry.id, "engine timed out")
    pending = await repo.get_entry(ws, entry.id)
    assert (pending.status, pending.error) == ("pending", "engine timed out")
    assert [e.id for e in (await repo.list_entries(ws, status="pending"))[0]] == [entry.id]

    saved = await repo.save_structure(ws, entry.id, structure)
    got = await repo.get_entry(ws, entry.id)
    assert got.structure == structure == saved.structure
    assert (got.status, got.error, got.channel, got.thread_ts) == ("structured", None, "C1", "1700000000.000100")
    assert got.run_ids == ["abc123"]
    assert got.updated_at >= got.created_at
    assert (await repo.list_entries(ws, status="pending"))[0] == []

    nan_structure = EntryStructure(runs=[LinkedRun(run_id="r", how="id", metrics={"loss": math.nan})])
    await repo.save_structure(ws, entry.id, nan_structure, status="pending", error="partly grounded")
    again = await repo.get_entry(ws, entry.id)
    assert again.structure is not None and math.isnan(again.structure.runs[0].metrics["loss"])
    assert (again.status, again.error) == ("pending", "partly grounded")

    await repo.delete_entry(ws, entry.id)
    with pytest.raises(UserInputError, match="No entry"):
        await repo.get_entry(ws, entry.id)
    with pytest.raises(UserInputError, match="No entry"):
        await repo.delete_entry(ws, entry.id)
    with pytest.raises(ProjectNotFoundError):
        await repo.add_entry(ws, project_id="nope", author="a", at=T0, raw_text="x", source="cli")


async def test_recomputed_features_are_stored_only_on_unchanged_entries_and_move_no_mark(
        repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    kept = await repo.add_entry(ws, project_id=world.project.id, author="ana", at=T0, raw_text="SMOTE helped",
                                source="cli")
    edited = await repo.add_entry(ws, project_id=world.project.id, author="ana", at=T0, raw_text="focal loss",
                                  source="cli")
    read = {e.id: e for e in (await repo.list_entries(ws, project_id=world.project.id))[0]}
    await repo.append_entry_text(ws, edited.id, "(it did not help)")  # changed after the index read it
    marks = await repo.history_marks(ws, world.project.id)
    await repo.store_features(ws, [(kept.id, read[kept.id].updated_at, "features-of-kept"),
                                   (edited.id, read[edited.id].updated_at, "features-of-the-old-text")])
    await repo.store_features("another-workspace", [(kept.id, read[kept.id].updated_at, "not-mine")])
    await repo.store_features(ws, [])
    assert (await repo.get_entry(ws, kept.id)).features == "features-of-kept"
    assert (await repo.get_entry(ws, edited.id)).features is None  # its new text has none yet
    assert (await repo.get_entry(ws, kept.id)).updated_at == read[kept.id].updated_at
    assert await repo.history_marks(ws, world.project.id) == marks  # no change to the history


# -- projects and metric history ---------------------------------------------------------------------


async def test_create_project_is_idempotent_and_updates_in_place(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    again = await repo.create_project(
        ws, name="fraud", tracker_kind="mlflow", tracker_uri="http://mlflow:5000",
        experiment_ids=["7"], experiment_names=["fraud-v2"], primary_metric="roc_auc", goal="max",
        channels=["C1"],
    )
    assert again.id == world.project.id
    assert (again.tracker_uri, again.experiment_ids, again.experiment_names) == (
        "http://mlflow:5000", ["7"], ["fraud-v2"],
    )
    assert again.channels == ["C1"] and again.metric_history == []
    # Channels accumulate; a different metric is a dated switch, not a rewrite of the past.
    switched = await repo.create_project(
        ws, name="fraud", tracker_kind="mlflow", tracker_uri="", experiment_ids=[], experiment_names=[],
        primary_metric="pr_auc", goal="max", channels=["C2"],
    )
    assert switched.channels == ["C1", "C2"] and switched.tracker_uri == "http://mlflow:5000"
    assert switched.primary_metric == "roc_auc"
    assert switched.metric_now() == ("pr_auc", "max")
    assert switched.metric_at(T0) == ("roc_auc", "max")
    assert [p.name for p in await repo.list_projects(ws)] == ["fraud"]

    racers = await asyncio.gather(
        *(
            repo.create_project(
                ws, name="churn", tracker_kind="mlflow", tracker_uri="", experiment_ids=["2"],
                experiment_names=[], primary_metric=None, goal="max",
            )
            for _ in range(6)
        )
    )
    assert len({p.id for p in racers}) == 1
    with pytest.raises(ProjectNotFoundError) as caught:
        await repo.get_project(ws, "frod")
    assert "churn" in str(caught.value) and "fraud" in str(caught.value)
    with pytest.raises(UserInputError):
        await repo.create_project(
            ws, name="x", tracker_kind="mlflow", tracker_uri="", experiment_ids=[], experiment_names=[],
            primary_metric="f1", goal="maximise",  # type: ignore[arg-type]
        )


async def test_a_channel_belongs_to_one_project(repo: SqlRepository, world: World) -> None:
    ws = world.workspace.id
    other = await make_world(repo, project="churn")
    await repo.link_channel(ws, world.project.id, "C1")
    linked = await repo.link_channel(ws, world.project.id, "C1")
    assert linked.channels == ["C1"]
    assert (await repo.find_project_by_channel(ws, "C1")).id == world.project.id  # type: ignore[union-attr]
    await repo.link_channel(ws, other.project.id, "C1")
    assert (await repo.find_project_by_channel(ws, "C1")).id == other.project.id  # type: ignore[union-attr]
    assert (await repo.get_project_by_id(ws, world.project.id)).channels == []
    assert await repo.find_project_by_channel(ws, "C-unknown") is None


async def test_metric_history_is_ordered_idempotent_and_answers_metric_at(
    repo: SqlRepository, world: World
) -> None:
    ws, pid = world.workspace.id, world.project.id
    t1, t2, t3 = (T0 + dt.timedelta(days=d) for d in (1, 2, 3))
    switch = MetricChange(at=t2, metric="pr_auc", goal="max", reason="imbalanced", entry_id="e2")
    await repo.record_metric_change(ws, pid, switch)
    project = await repo.record_metric_change(ws, pid, switch)  # a retry
    assert len(project.metric_history) == 1
    # Recorded later, but earlier in time: history is in time order.
    await repo.record_metric_change(ws, pid, MetricChange(at=t1, metric="f1", goal="max", entry_id="e1"))
    undated = MetricChange(at=t3, metric="logloss", goal="min", reason="calibration")
    await repo.record_metric_change(ws, pid, undated)
    await repo.record_metric_change(ws, pid, undated)  # no entry: idempotent on (time, metric, goal)
    project = await repo.get_project(ws, "fraud")
    assert [(c.metric, c.goal, c.entry_id) for c in project.metric_history] == [
        ("f1", "max", "e1"), ("pr_auc", "max", "e2"), ("logloss", "min", None),
    ]
    assert project.metric_history[1].reason == "imbalanced"
    assert project.metric_at(T0) == ("roc_auc", "max")
    assert project.metric_at(t1) == ("f1", "max")
    assert project.metric_at(t2 - dt.timedelta(seconds=1)) == ("f1", "max")
    assert project.metric_at(t2 + dt.timedelta(hours=1)) == ("pr_auc", "max")
    assert project.metric_now() == ("logloss", "min")
    listed = {p.id: p for p in await repo.list_projects(ws)}
    assert listed[pid].metric_history == project.metric_history


async def test_project_settings_merge(repo: SqlRepository, world: World) -> None:
    ws, pid = world.workspace.id, world.project.id
    await repo.update_project_settings(ws, pid, {"digest_day": "fri", "tz": "Europe/Paris"})
    project = await repo.update_project_settings(ws, pid, {"tz": "UTC", "nested": {"a": [1, 2]}})
    assert project.settings == {"digest_day": "fri", "tz": "UTC", "nested": {"a": [1, 2]}}
    assert (await repo.get_project(ws, "fraud")).settings == project.settings


# -- run snapshots -----------------------------------------------------------------------------------


async def test_thousands_of_runs_upsert_in_bulk_and_page(repo: SqlRepository, world: World) -> None:
    ws, pid = world.workspace.id, world.project.id
    runs = [
        _run(pid, f"run{i:05d}", start=T0 + dt.timedelta(minutes=i // 3), auc=i / 3000)
        for i in range(3000)
    ]
    started = time.perf_counter()
    await repo.upsert_runs(ws, runs)
    first_upsert = time.perf_counter() - started
    assert first_upsert < 15, f"3,000 runs took {first_upsert:.1f}s"

    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page, token = await repo.list_runs(ws, pid, limit=1200, page_token=token)
        pages.append([r.run_id for r in page])
        if token is None:
            break
    assert [len(p) for p in pages] == [1200, 1200, 600]
    assert [r for p in pages for r in p] == [r.run_id for r in runs]

    # Refresh half with new metrics (one of them twice in the batch: the last one wins).
    refreshed = [_run(pid, f"run{i:05d}", start=T0 + dt.timedelta(minutes=i // 3), auc=0.5, f1=0.25)
                 for i in range(0, 3000, 2)]
    refreshed.append(_run(pid, "run00000", start=T0, auc=0.75))
    started = time.perf_counter()
    await repo.upsert_runs(ws, refreshed)
    second_upsert = time.perf_counter() - started
    print(f"\nupsert 3,000 runs: {first_upsert * 1000:.0f} ms; refresh 1,500: {second_upsert * 1000:.0f} ms")

    wanted = [f"run{i:05d}" for i in range(0, 1200)] + ["missing"]
    got = await repo.get_runs(ws, pid, wanted)  # more ids than one IN chunk
    assert len(got) == 1200
    assert got["run00000"].metrics == {"auc": 0.75}
    assert got["run00002"].metrics == {"auc": 0.5, "f1": 0.25}
    assert got["run00001"].metrics == {"auc": 1 / 3000}
    assert got["run00001"].params == {"lr": "0.1", "model": "xgb"}
    assert got["run00001"].user == "ana" and got["run00001"].url.endswith("run00001")
    everything, _ = await repo.list_runs(ws, pid)
    assert len(everything) == 3000

    window, _ = await repo.list_runs(ws, pid, since=T0 + dt.timedelta(minutes=10),
                                     until=T0 + dt.timedelta(minutes=20))
    assert len(window) == 30


async def test_non_finite_metrics_survive(repo: SqlRepository, world: World) -> None:
    ws, pid = world.workspace.id, world.project.id
    await repo.upsert_runs(ws, [_run(pid, "diverged", loss=math.nan, grad=math.inf, low=-math.inf, ok=0.5)])
    run = (await repo.get_runs(ws, pid, ["diverged"]))["diverged"]
    assert math.isnan(run.metrics["loss"])
    assert run.metrics["grad"] == math.inf and run.metrics["low"] == -math.inf and run.metrics["ok"] == 0.5


# -- approaches and decisions ------------------------------------------------------------------------


def _approaches(pid: str, *names: str) -> list[ApproachRecord]:
    return [ApproachRecord(id=f"{pid[:6]}-{n}", project_id=pid, name=n, run_ids=[f"r-{n}"]) for n in names]


async def test_replace_approaches_swaps_the_whole_set(repo: SqlRepository, world: World) -> None:
    ws, pid = world.workspace.id, world.project.id
    first = _approaches(pid, "SMOTE", "CatBoost", "focal loss")
    first[1] = first[1].model_copy(update={"status": "abandoned", "reason": "slower, no gain"})
    await repo.replace_approaches(ws, pid, first)
    assert await repo.list_approaches(ws, pid) == first
    second = _approaches(pid, "ADASYN", "SMOTE")
    await repo.replace_approaches(ws, pid, second)
    assert [a.name for a in await repo.list_approaches(ws, pid)] == ["ADASYN", "SMOTE"]
    # Concurrent replacements: the result is one set or the other, never a mix.
    sets = [_approaches(pid, *(f"{k}-{i}" for i in range(5))) for k in ("a", "b", "c", "d")]
    await asyncio.gather(*(repo.replace_approaches(ws, pid, s) for s in sets))
    final = [a.name for a in await repo.list_approaches(ws, pid)]
    assert final in [[a.name for a in s] for s in sets]
    await repo.replace_approaches(ws, pid, [])
    assert await repo.list_approaches(ws, pid) == []


async def test_decisions_are_listed_in_time_order(repo: SqlRepository, world: World) -> None:
    ws, pid = world.workspace.id, world.project.id
    later = DecisionRecord(id="", project_id=pid, kind="model_selection", at=T0 + dt.timedelta(days=2),
                           text="ship xgb-17", rationale="best PR-AUC", run_ids=["r17"], author="ana")
    earlier = DecisionRecord(id="d-1", project_id=pid, kind="metric_switch", at=T0, text="use PR-AUC",
                             metric="pr_auc", goal="max", entry_id="e1")
    stored_later = await repo.add_decision(ws, later)
    stored_earlier = await repo.add_decision(ws, earlier)
    assert stored_later.id and stored_earlier.id == "d-1"
    assert await repo.add_decision(ws, earlier) == stored_earlier  # a retry
    listed = await repo.list_decisions(ws, pid)
    assert [d.id for d in listed] == ["d-1", stored_later.id]
    assert listed[1].model_dump(exclude={"id"}) == later.model_dump(exclude={"id"})


async def test_a_store_of_one_aggregate_works_alone_on_the_shared_engine(repo: SqlRepository, world: World) -> None:
    entries = SqlEntryStore(repo.engine)  # what a caller typed against EntryStore alone may be given
    entry = await entries.add_entry(
        world.workspace.id, project_id=world.project.id, author="ana", at=T0, raw_text="focal loss", source="cli"
    )
    assert await repo.get_entry(world.workspace.id, entry.id) == entry
    assert await entries.list_entries(world.workspace.id) == ([entry], None)
