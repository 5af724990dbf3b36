"""The same behaviour, checked against every tracker: ``MlflowLocalTracker`` on a real sqlite store,
``MlflowRestTracker`` on a real ``mlflow server``, and ``WandbTracker`` through the real ``wandb``
client on the W&B fake (see conftest.py). What only one tracker has (MLflow's tags, W&B's labels and
metadata) is checked in its own test module."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters import recorded_facts, recorded_user_tags
from adapters._mlflow_names import NOTE_TAG, RUN_NAME_TAG
from adapters.tracker import (
    ACTIVE_STATUSES,
    COCO_SECTION_BEGIN,
    COCO_SECTION_END,
    NOTE_HEADING,
    NOTE_LIMIT,
    RUN_IDS_PER_SEARCH,
    TrackedRun,
    Tracker,
    iter_runs,
)
from core.errors import AmbiguousRunIdError, RunNotFoundError, UserInputError
from tests.adapters.tracker_seed import BY_KEY, Backend, at, make_tracker


def ids(runs: list[TrackedRun]) -> list[str]:
    return [r.run_id for r in runs]


async def collect(tracker: Tracker, **kwargs: object) -> list[TrackedRun]:
    return [r async for r in iter_runs(tracker, **kwargs)]  # type: ignore[arg-type]


# -- experiments ---------------------------------------------------------------------------------
async def test_is_a_tracker(backend: Backend) -> None:
    assert isinstance(backend.tracker, Tracker)
    assert backend.tracker.kind == ("wandb" if backend.name == "wandb" else "mlflow")


async def test_get_experiment_by_name_then_id(backend: Backend) -> None:
    if backend.name == "wandb":  # a W&B project's id is its path: entity/project, or a bare name
        assert (await backend.tracker.get_experiment("alpha")).experiment_id == backend.experiments["alpha"]
        assert (await backend.tracker.get_experiment("team/beta")).name == "team/beta"
        return
    alpha = await backend.tracker.get_experiment("alpha")
    assert (alpha.name, alpha.experiment_id) == ("alpha", backend.experiments["alpha"])
    by_id = await backend.tracker.get_experiment(backend.experiments["beta"])
    assert by_id.name == "beta"


@pytest.mark.parametrize("name", ["no-such-experiment", "987654"])
async def test_unknown_experiment_is_user_error(backend: Backend, name: str) -> None:
    with pytest.raises(UserInputError, match="No W&B project" if backend.name == "wandb" else "No MLflow experiment"):
        await backend.tracker.get_experiment(name)


# -- search ---------------------------------------------------------------------------------------
async def test_window_newest_first(backend: Backend) -> None:
    page = await backend.tracker.search_runs(
        scope=[backend.experiments["alpha"]], since=at(1, 0), until=at(3, 23, 59)
    )
    assert ids(page.runs) == backend.seeded("A6", "A5", "A4", "A3")
    assert page.next_page_token is None


async def test_window_edges_are_inclusive(backend: Backend) -> None:
    a3, a5 = BY_KEY["A3"], BY_KEY["A5"]
    page = await backend.tracker.search_runs(
        scope=[backend.experiments["alpha"]], since=a3.start, until=a5.start
    )
    assert ids(page.runs) == backend.seeded("A5", "A4", "A3")
    # Other time zones mean the same instants.
    cet = dt.timezone(dt.timedelta(hours=1))
    again = await backend.tracker.search_runs(
        scope=[backend.experiments["alpha"]],
        since=a3.start.astimezone(cet),
        until=a5.start.astimezone(cet),
    )
    assert ids(again.runs) == ids(page.runs)


async def test_since_only_and_until_only(backend: Backend) -> None:
    alpha = [backend.experiments["alpha"]]
    since = await backend.tracker.search_runs(scope=alpha, since=at(3, 12))
    assert ids(since.runs) == backend.seeded("A7", "A6")
    until = await backend.tracker.search_runs(scope=alpha, until=at(0, 12))
    assert ids(until.runs) == backend.seeded("A1")


async def test_naive_datetime_is_refused(backend: Backend) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await backend.tracker.search_runs(scope=["1"], since=dt.datetime(2026, 3, 2))


async def test_empty_experiment_list_is_refused(backend: Backend) -> None:
    with pytest.raises(ValueError, match="experiment"):
        await backend.tracker.search_runs(scope=[])


async def test_search_by_user(backend: Backend) -> None:
    alpha = [backend.experiments["alpha"]]
    bob = await backend.tracker.search_runs(scope=alpha, user="bob")
    assert ids(bob.runs) == backend.seeded("A7", "A5", "A3")
    assert {r.user for r in bob.runs} == {"bob"}
    nobody = await backend.tracker.search_runs(scope=alpha, user="carol")
    assert nobody.runs == []


async def test_search_by_user_inside_window(backend: Backend) -> None:
    runs = await collect(
        backend.tracker,
        scope=[backend.experiments["alpha"]],
        user="alice",
        since=at(0, 12),
        until=at(3, 23),
    )
    assert ids(runs) == backend.seeded("A6", "A4", "A2")


async def test_search_across_experiments(backend: Backend) -> None:
    runs = await collect(
        backend.tracker,
        scope=[backend.experiments["alpha"], backend.experiments["beta"]],
        since=at(1, 0),
        until=at(3, 12),
    )
    assert ids(runs) == backend.seeded("B3", "A5", "B2", "A4", "B1", "A3")


async def test_paging_across_pages(backend: Backend) -> None:
    alpha = [backend.experiments["alpha"]]
    everything = ids((await backend.tracker.search_runs(scope=alpha)).runs)
    assert everything == backend.seeded("A7", "A6", "A5", "A4", "A3", "A2", "A1")

    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page = await backend.tracker.search_runs(scope=alpha, max_results=3, page_token=token)
        pages.append(ids(page.runs))
        token = page.next_page_token
        if token is None:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in p] == everything

    walked = await collect(backend.tracker, scope=alpha, page_size=2)
    assert ids(walked) == everything


async def test_run_conversion(backend: Backend) -> None:
    seed = BY_KEY["A1"]
    run = (
        await backend.tracker.search_runs(
            scope=[backend.experiments["alpha"]], since=seed.start, until=seed.start
        )
    ).runs[0]
    assert run.run_id == backend.run_id("A1")
    assert run.run_name == "baseline-lr"
    assert run.experiment_id == backend.experiments["alpha"]
    assert run.user == "alice"
    assert run.status == "FINISHED"
    assert run.start == seed.start and run.start.tzinfo is not None
    assert run.end == seed.start + dt.timedelta(minutes=30)
    assert run.duration_minutes == pytest.approx(30.0)
    assert dict(run.params) == {"lr": "0.1", "model": "logreg"}
    assert dict(run.metrics) == {"auc": 0.75, "loss": 0.4}  # the latest step of each metric
    assert run.url == backend.tracker.run_url(run)
    if backend.name == "wandb":
        # W&B's own fields are not the person's tags: they are recorded apart, and the URL is W&B's app.
        assert dict(run.tags) == {} and run.recorded_tags["wandb.path"] == f"team/alpha/{run.run_id}"
        assert run.url.endswith(f"/team/alpha/runs/{run.run_id}")
        again = await backend.tracker.get_run(run.run_id)  # get_run also reads wandb-metadata.json
        assert (again.run_id, again.params, again.metrics, again.start, again.end) == (
            run.run_id, run.params, run.metrics, run.start, run.end)
        return
    # MLflow's own tags are not the person's: they arrive as fields and facts, and stay recorded.
    assert dict(run.tags) == {} and run.recorded_tags[RUN_NAME_TAG] == "baseline-lr"
    assert run.url.endswith(f"/#/experiments/{run.experiment_id}/runs/{run.run_id}")
    assert run == await backend.tracker.get_run(seed.run_id)


async def test_failed_and_running_runs(backend: Backend) -> None:
    failed = await backend.tracker.get_run(backend.run_id("A4"))
    assert failed.status == "FAILED" and failed.failed
    running = await backend.tracker.get_run(backend.run_id("A7"))
    assert running.status == "RUNNING" and running.end is None and running.duration_minutes is None


# -- get_run ------------------------------------------------------------------------------------------
async def test_get_run_by_full_id_any_case(backend: Backend) -> None:
    run_id = backend.run_id("A3")
    run = await backend.tracker.get_run(run_id.upper())
    assert run.run_id == run_id
    assert run.note == "bob's own words about this run" and NOTE_TAG not in run.tags


async def test_get_run_by_prefix(backend: Backend) -> None:
    alpha = [backend.experiments["alpha"]]
    run = await backend.tracker.get_run("33cc01", scope=alpha)
    assert run.run_id == backend.run_id("A3")
    assert run.metrics == {"auc": 0.81}


async def test_prefix_is_resolved_within_the_experiments(backend: Backend) -> None:
    alpha, beta = backend.experiments["alpha"], backend.experiments["beta"]
    assert (await backend.tracker.get_run("d00d1e", scope=[alpha])).run_id == backend.run_id("A5")
    assert (await backend.tracker.get_run("d00d1e", scope=[beta])).run_id == backend.run_id("B3")
    with pytest.raises(AmbiguousRunIdError):
        await backend.tracker.get_run("d00d1e", scope=[alpha, beta])
    with pytest.raises(AmbiguousRunIdError):
        await backend.tracker.get_run("d00d1e")  # no experiments: every active one
    with pytest.raises(RunNotFoundError):
        await backend.tracker.get_run("beef00", scope=[alpha])


async def test_ambiguous_prefix_lists_the_matches(backend: Backend) -> None:
    with pytest.raises(AmbiguousRunIdError) as caught:
        await backend.tracker.get_run("C0FFEE", scope=[backend.experiments["alpha"]])
    err = caught.value
    assert err.run_ref == "c0ffee"
    assert err.matches == sorted(backend.seeded("A6", "A7"))
    assert "matches 2 runs" in err.user_message and err.matches[0][:12] in err.user_message


async def test_a_longer_prefix_disambiguates(backend: Backend) -> None:
    run = await backend.tracker.get_run("c0ffee2", scope=[backend.experiments["alpha"]])
    assert run.run_id == backend.run_id("A7")


@pytest.mark.parametrize("ref", ["0" * 32, "fedcba987654", "fedcba"])
async def test_unknown_run(backend: Backend, ref: str) -> None:
    with pytest.raises(RunNotFoundError) as caught:
        await backend.tracker.get_run(ref, scope=[backend.experiments["alpha"]])
    assert caught.value.run_ref == ref


@pytest.mark.parametrize("ref", ["c0ffe", "33c", "", "   "])
async def test_short_prefix_is_user_error(backend: Backend, ref: str) -> None:
    with pytest.raises(UserInputError, match=r"6\+ characters") as caught:
        await backend.tracker.get_run(ref)
    assert not isinstance(caught.value, RunNotFoundError)


async def test_reference_with_foreign_characters_matches_nothing(backend: Backend) -> None:
    with pytest.raises(RunNotFoundError):
        await backend.tracker.get_run("c0ffee' OR '1'='1")


async def test_scan_fallback_resolves_the_same(backend: Backend, request: pytest.FixtureRequest) -> None:
    """The portable path (listing run ids) gives the same answers as the store's LIKE."""
    if backend.name == "wandb":
        pytest.skip("MLflow's own; W&B's is in test_wandb.py")
    if backend.name.startswith("local"):
        tracker = make_tracker("local", local_store=request.getfixturevalue("local_store"), prefix_search="scan",
                               create_store=backend.name == "local-client")
    else:
        tracker = make_tracker("rest", server=request.getfixturevalue("mlflow_server"), prefix_search="scan")
    alpha = [backend.experiments["alpha"]]
    try:
        assert (await tracker.get_run("d00d1e", scope=alpha)).run_id == backend.run_id("A5")
        with pytest.raises(AmbiguousRunIdError) as caught:
            await tracker.get_run("c0ffee", scope=alpha)
        assert caught.value.matches == sorted(backend.seeded("A6", "A7"))
        with pytest.raises(RunNotFoundError):
            await tracker.get_run("fedcba", scope=alpha)
    finally:
        await tracker.aclose()


# -- write_note -------------------------------------------------------------------------------------
async def test_write_note_keeps_one_line_per_entry_newest_first(backend: Backend) -> None:
    run_id = backend.new_run(note="Tried a smaller LR; looks noisy.")
    await backend.tracker.write_note(run_id, entry_id="entry-1", section="2026-03-02 18:00 · ana · entry entry-1 — a")
    first = backend.note_of(run_id)
    assert first.startswith("Tried a smaller LR; looks noisy.")
    assert "entry entry-1 — a" in first
    assert backend.mark_of(run_id, "entry-1") == "entry-1"

    await backend.tracker.write_note(run_id, entry_id="entry-2", section="2026-03-03 09:00 · bob · entry entry-2 — b")
    note = backend.note_of(run_id)
    assert note.startswith("Tried a smaller LR; looks noisy.")
    # The first entry's line is kept, below the newer one.
    assert note.index("entry entry-2 — b") < note.index("entry entry-1 — a")
    assert note.count(COCO_SECTION_BEGIN) == 1 and note.count(COCO_SECTION_END) == 1
    assert backend.mark_of(run_id, "entry-2") == "entry-2"
    # Writing an entry again replaces its own line only.
    await backend.tracker.write_note(run_id, entry_id="entry-1", section="2026-03-02 18:00 · ana · entry entry-1 — a2")
    note = backend.note_of(run_id)
    assert "— a2" in note and "entry entry-1 — a\n" not in note and note.count("entry entry-1") == 1
    assert "entry entry-2 — b" in note
    # What the tracker itself reports afterwards is the same note.
    assert (await backend.tracker.get_run(run_id)).note == note


async def test_write_note_folds_old_lines_within_the_limit(backend: Backend) -> None:
    own = "my own words " * 200
    run_id = backend.new_run(note=own)
    for i in range(40):
        line = f"2026-03-{1 + i // 2:02d} {10 + i % 2}:00 · ana · entry e{i:02d} — " + "finding " * 30
        await backend.tracker.write_note(run_id, entry_id=f"e{i:02d}", section=line)
    note = backend.note_of(run_id)
    assert len(note) <= NOTE_LIMIT
    assert note.startswith(own.rstrip())
    assert "entry e39" in note and "entry e00" not in note
    shown = note.count("· entry e")
    assert f"… and {40 - shown} older entries: see `coco entries`" in note


async def test_remove_note_takes_out_the_entry_line_and_keeps_the_persons_text(backend: Backend) -> None:
    run_id = backend.new_run(note="my own words")
    await backend.tracker.write_note(run_id, entry_id="entry-1", section="2026-03-02 18:00 · ana · entry entry-1 — a")
    await backend.tracker.write_note(run_id, entry_id="entry-2", section="2026-03-03 09:00 · bob · entry entry-2 — b")
    await backend.tracker.remove_note(run_id, entry_id="entry-2")
    note = backend.note_of(run_id)
    assert note.startswith("my own words") and "entry entry-1 — a" in note and "entry-2" not in note
    await backend.tracker.remove_note(run_id, entry_id="entry-1")
    assert backend.note_of(run_id) == "my own words"
    await backend.tracker.remove_note(run_id, entry_id="entry-9")  # never there: nothing changes
    assert backend.note_of(run_id) == "my own words"


async def test_write_note_on_a_run_without_note(backend: Backend) -> None:
    run_id = backend.new_run()
    await backend.tracker.write_note(run_id, entry_id="e", section="only COCO")
    note = backend.note_of(run_id)
    assert note == f"{COCO_SECTION_BEGIN}\n{NOTE_HEADING}\n- entry e: only COCO\n{COCO_SECTION_END}"


async def test_long_person_note_stays_whole(backend: Backend) -> None:
    own = ("observations " * 700)[:7990]
    assert len(own) == 7990
    run_id = backend.new_run(note=own)
    await backend.tracker.write_note(run_id, entry_id="entry-long", section="COCO " * 100)
    assert backend.note_of(run_id) == own  # COCO's part gave way, not a character of the person's
    assert backend.mark_of(run_id, "entry-long") == "entry-long"


async def test_note_never_exceeds_the_limit(backend: Backend) -> None:
    run_id = backend.new_run(note="short own note")
    await backend.tracker.write_note(run_id, entry_id="big", section="x" * 20_000)
    note = backend.note_of(run_id)
    assert len(note) <= NOTE_LIMIT
    assert note.startswith("short own note") and note.endswith(COCO_SECTION_END)


async def test_write_note_by_prefix(backend: Backend) -> None:
    run_id = backend.new_run()
    await backend.tracker.write_note(run_id[:7], entry_id="by-prefix", section="s")
    assert backend.mark_of(run_id, "by-prefix") == "by-prefix"
    assert "entry by-prefix: s" in backend.note_of(run_id)


async def test_write_note_to_unknown_run(backend: Backend) -> None:
    with pytest.raises(RunNotFoundError):
        await backend.tracker.write_note("f" * 32, entry_id="e", section="s")


async def test_deleted_run_counts_as_absent(backend: Backend) -> None:
    run_id = backend.new_run()
    backend.delete_run(run_id)
    with pytest.raises(RunNotFoundError):
        await backend.tracker.get_run(run_id)
    with pytest.raises(RunNotFoundError):
        await backend.tracker.get_run(run_id[:12], scope=[backend.experiments["scratch"]])


# -- what the tracker recorded about a run: the person's tags apart from MLflow's own ----------------
async def test_facts_come_from_mlflow_tags_and_user_tags_stay_apart(backend: Backend) -> None:
    if backend.name == "wandb":
        pytest.skip("MLflow's own; W&B's is in test_wandb.py")
    run_id = backend.new_run(note="why this run")
    commit = "0123456789abcdef0123456789abcdef01234567"
    for key, value in (("mlflow.source.git.commit", commit), ("mlflow.source.name", "https://github.com/org/repo"),
                       ("mlflow.source.type", "PROJECT"), ("mlflow.project.entryPoint", "train"),
                       ("mlflow.docker.image.name", "org/train:1"), ("dataset_version", "v3")):
        backend.client.set_tag(run_id, key, value)
    run = await backend.tracker.get_run(run_id)
    assert dict(run.tags) == {"dataset_version": "v3"}
    assert run.user == "dora" and run.note == "why this run"
    facts = run.facts
    assert (facts.git_commit, facts.source_name, facts.source_type, facts.entry_point) == (
        commit, "https://github.com/org/repo", "PROJECT", "train")
    assert facts.rerun_command == f"mlflow run https://github.com/org/repo -e train --version {commit}"
    assert facts.other["mlflow.docker.image.name"] == "org/train:1"
    # What a cache keeps (every tag as recorded) reads back to the same facts and the same user tags.
    assert recorded_facts(run.recorded_tags) == facts
    assert recorded_user_tags(run.recorded_tags) == dict(run.tags)


async def test_run_refs_have_the_shape_of_mlflow_run_ids(backend: Backend) -> None:
    if backend.name == "wandb":
        pytest.skip("MLflow's own; W&B's is in test_wandb.py")
    tracker = backend.tracker
    full = backend.run_id("A3")
    assert tracker.looks_like_run_ref(full) and tracker.looks_like_run_ref(full[:6])
    assert tracker.looks_like_run_ref(full.upper())  # a pasted upper-case id still resolves
    assert not tracker.looks_like_run_ref(full[:5]) and not tracker.looks_like_run_ref("catboost-1")
    assert not tracker.looks_like_run_ref(full + "0")
    text = f"rerun {full[:8]} vs ({full}); not deadbeefcafez nor ab12cd3x nor x0a1b2c nor 2026"
    assert tracker.run_ref_pattern.findall(text) == [full[:8], full]
    # Whatever it matches resolves with get_run (within the project's scope for a prefix).
    for ref in tracker.run_ref_pattern.findall(text):
        assert (await tracker.get_run(ref, scope=[backend.experiments["alpha"]])).run_id == full


# -- narrowing a search by status and by run id (what an incremental sync asks) ----------------------
async def test_search_by_status(backend: Backend) -> None:
    alpha = [backend.experiments["alpha"]]
    running = await collect(backend.tracker, scope=alpha, statuses=["RUNNING"])
    assert ids(running) == backend.seeded("A7") and {r.status for r in running} == {"RUNNING"}
    active = await collect(backend.tracker, scope=alpha, statuses=ACTIVE_STATUSES)
    assert ids(active) == backend.seeded("A7")
    ended = await collect(backend.tracker, scope=alpha, statuses=["FAILED", "FINISHED"])
    assert ids(ended) == backend.seeded("A6", "A5", "A4", "A3", "A2", "A1")
    # With a window: the statuses narrow it further.
    assert ids(await collect(backend.tracker, scope=alpha, statuses=["FAILED"], since=at(2, 0))) == backend.seeded("A4")
    with pytest.raises(ValueError, match="unknown run status"):
        await backend.tracker.search_runs(scope=alpha, statuses=["DONE"])


async def test_search_by_run_ids(backend: Backend) -> None:
    alpha = [backend.experiments["alpha"]]
    page = await backend.tracker.search_runs(scope=alpha, run_ids=backend.seeded("A1", "A7", "A3", "B1"))
    # Only the scope's runs, newest first; an id of another experiment (B1) is not one of them.
    assert ids(page.runs) == backend.seeded("A7", "A3", "A1")
    assert page.runs[0].status == "RUNNING"
    # An id the tracker cannot have, or does not have, matches nothing (and is no error).
    assert (await backend.tracker.search_runs(scope=alpha, run_ids=["no such run; x'y"])).runs == []
    assert (await backend.tracker.search_runs(scope=alpha, run_ids=["f" * 32])).runs == []
    both = await backend.tracker.search_runs(scope=alpha, run_ids=backend.seeded("A2", "A4"), statuses=["FAILED"])
    assert ids(both.runs) == backend.seeded("A4")


async def test_many_run_ids_are_asked_in_parts(backend: Backend) -> None:
    alpha = [backend.experiments["alpha"]]
    filler = [f"{i:032x}" if backend.name != "wandb" else f"zz{i:06d}" for i in range(2 * RUN_IDS_PER_SEARCH)]
    wanted = [*filler[:150], *backend.seeded("A2", "A5"), *filler[150:]]
    found = await collect(backend.tracker, scope=alpha, run_ids=wanted)
    assert sorted(ids(found)) == sorted(backend.seeded("A2", "A5"))
    with pytest.raises(ValueError, match="run ids"):
        await backend.tracker.search_runs(scope=alpha, run_ids=filler)
