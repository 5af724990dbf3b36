"""What only the W&B tracker has: its run fields and ``wandb-metadata.json`` as facts, its run-id shape,
notes written back without touching config or summary, server-side filters and paging (one request a
page), and its failures as COCO's. Real ``wandb`` client, W&B fake on 127.0.0.1 (the contract suite
shared with MLflow is test_tracker_behaviour.py)."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from adapters import open_tracker, recorded_facts, recorded_user_tags, run_ref_pattern
from adapters.tracker import COCO_SECTION_BEGIN, iter_runs
from adapters.wandb_api import WandbTracker, metrics_of, params_of, run_filters
from core.errors import RunNotFoundError, TrackerUnavailableError, UserInputError
from tests.adapters.wandb_fake import WandbFake
from tests.adapters.wandb_seed import KEY, make_wandb_tracker
from tests.processes import free_port

START = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)


def spec(i: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"{i:04d}run{i % 10}"[:8], "name": f"run-{i}", "user": "maya" if i % 2 else "bob",
            "state": "finished", "created_at": (START + dt.timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": 600, "config": {"lr": 0.1, "seed": i}, "summary": {"val_auc": 0.8 + i / 10_000},
            "tags": [], "notes": None, "commit": None, **extra}


@pytest.fixture
def fake() -> Iterator[WandbFake]:
    runs = [spec(i) for i in range(12)]
    runs.append(spec(99, id="3kq9x0ab", name="bright-fox-42", user="maya", tags=["baseline", "dataset_version=v3"],
                     notes="maya's own words", commit="3f2a9c1", program="train.py", code_path="src/train.py",
                     config={"model": {"name": "rf", "depth": 12}, "lr": 0.1, "flags": [1, 2]},
                     summary={"val_auc": 0.812, "val": {"f1": 0.41}, "chart": {"_type": "image-file"}, "note": "x"}))
    runs.append(spec(98, id="ujsomczo", name="all-letters", state="crashed"))
    with WandbFake(runs=runs, entity="team", project="churn", api_key=KEY) as served:
        yield served


@pytest.fixture
async def tracker(fake: WandbFake) -> Any:
    made = make_wandb_tracker(fake)
    yield made
    await made.aclose()


async def test_a_run_as_coco_sees_it(tracker: WandbTracker) -> None:
    run = await tracker.get_run("3kq9x0", scope=["team/churn"])
    assert (run.run_id, run.run_name, run.user, run.status) == ("3kq9x0ab", "bright-fox-42", "maya", "FINISHED")
    assert run.experiment_id == "team/churn" and run.url.endswith("/team/churn/runs/3kq9x0ab")
    assert run.end is not None and run.duration_minutes == pytest.approx(10.0)
    # Config flattened into params; the summary's numbers are the metrics (not the SDK's own keys, media, text).
    assert run.params == {"model.name": "rf", "model.depth": "12", "lr": "0.1", "flags": "[1, 2]"}
    assert run.metrics == {"val_auc": 0.812, "val.f1": 0.41}
    assert run.note == "maya's own words"
    assert dict(run.tags) == {"baseline": "", "dataset_version": "v3"}
    facts = run.facts
    assert (facts.git_commit, facts.source_name) == ("3f2a9c1", "src/train.py")
    assert facts.other["wandb.python"].startswith("CPython")
    # What a cache keeps reads back to the same facts and the same person's tags.
    assert recorded_facts(run.recorded_tags) == facts
    assert recorded_user_tags(run.recorded_tags) == dict(run.tags)
    crashed = await tracker.get_run("ujsomczo", scope=["team/churn"])
    assert crashed.status == "FAILED" and crashed.recorded_tags["wandb.state"] == "crashed" and crashed.failed


def test_conversion_helpers() -> None:
    assert params_of({"_wandb": {"x": 1}, "opt": {"lr": 0.1, "betas": [0.9, 0.99]}, "ok": True}) == {
        "opt.lr": "0.1", "opt.betas": "[0.9, 0.99]", "ok": "True"}
    summary = {"_runtime": 3, "_step": 2, "_timestamp": 1.0, "_wandb": {"runtime": 3}, "loss": 1,
               "flag": True, "inf": "Infinity", "img": {"_type": "image-file"}}
    assert metrics_of(summary) == {"loss": 1.0, "inf": float("inf")}


async def test_run_references_of_w_and_b(tracker: WandbTracker) -> None:
    text = "compare 3kq9x0ab and 3kq9x0, not baseline, lightgbm or 2026-10-05; and llrclcqm"
    assert tracker.run_ref_pattern.findall(text) == ["3kq9x0ab", "3kq9x0", "llrclcqm"]
    assert tracker.looks_like_run_ref("3KQ9X0AB") and not tracker.looks_like_run_ref("baseline")
    assert run_ref_pattern("wandb").pattern == tracker.run_ref_pattern.pattern
    # An all-letter id with vowels reads as a word until the tracker has seen that run.
    assert "ujsomczo" not in tracker.run_ref_pattern.findall("ujsomczo crashed")
    [_ async for _ in iter_runs(tracker, scope=["team/churn"])]
    assert tracker.run_ref_pattern.findall("ujsomczo crashed, so did ujsomc") == ["ujsomczo", "ujsomc"]
    assert tracker.looks_like_run_ref("ujsomczo")


async def test_filters_and_paging_happen_on_the_server(tracker: WandbTracker, fake: WandbFake) -> None:
    since, until = START + dt.timedelta(minutes=2), START + dt.timedelta(minutes=9, seconds=30.5)
    page = await tracker.search_runs(scope=["team/churn"], since=since, until=until, user="maya", max_results=2)
    assert [r.run_name for r in page.runs] == ["run-9", "run-7"] and page.next_page_token
    sent = [e["variables"] for e in fake.log if e["op"] == "Runs"][-1]
    assert json.loads(sent["filters"]) == {"$and": [
        {"createdAt": {"$gte": "2026-10-05T09:02:00Z", "$lte": "2026-10-05T09:09:31Z"}}, {"username": "maya"}]}
    assert sent["order"] == "-created_at" and sent["perPage"] == 2
    rest = await tracker.search_runs(scope=["team/churn"], since=since, until=until, user="maya", max_results=2,
                                     page_token=page.next_page_token)
    assert [r.run_name for r in rest.runs] == ["run-5", "run-3"] and rest.next_page_token is None
    # lazy=False: config and summary come with the page, never one request per run.
    fake.requests.clear()
    everything = [r async for r in iter_runs(tracker, scope=["team/churn"], page_size=5)]
    assert len(everything) == 14 and fake.requests == ["Runs"] * 3
    named = await tracker.find_runs_by_name("run-4", scope=["team/churn"])
    assert [r.run_name for r in named] == ["run-4"]
    assert json.loads([e["variables"] for e in fake.log if e["op"] == "Runs"][-1]["filters"]) == {
        "displayName": "run-4"}
    assert run_filters() == {}


async def test_the_note_is_written_back_and_nothing_else(tracker: WandbTracker, fake: WandbFake) -> None:
    summary_before = dict(fake.run("3kq9x0ab")["summary"])
    config_before = dict(fake.run("3kq9x0ab")["config"])
    await tracker.write_note("3kq9x0ab", entry_id="e1", section="2026-10-05 18:00 · maya · entry e1 — rf baseline")
    stored = fake.run("3kq9x0ab")
    assert stored["notes"].startswith("maya's own words\n\n" + COCO_SECTION_BEGIN)
    assert "entry e1 — rf baseline" in stored["notes"]
    assert stored["tags"] == ["baseline", "dataset_version=v3", "coco"]
    assert stored["summary"] == summary_before and stored["config"] == config_before
    [upsert] = [e["variables"] for e in fake.log if e["op"] == "UpsertBucket"]
    assert not {"config", "summaryMetrics"} & set(upsert)  # one mutation, notes and tags only
    # A second entry: one line each, the label is not sent again.
    await tracker.write_note("3kq9x0ab", entry_id="e2", section="2026-10-06 09:00 · bob · entry e2 — more")
    second = [e["variables"] for e in fake.log if e["op"] == "UpsertBucket"][-1]
    assert "tags" not in second and fake.run("3kq9x0ab")["notes"].count("· entry e") == 2
    assert fake.notes_written[-1][0] == "3kq9x0ab"


async def test_an_unknown_project_is_the_persons_mistake(tracker: WandbTracker) -> None:
    assert (await tracker.get_experiment("team/churn")).experiment_id == "team/churn"
    assert (await tracker.get_experiment("churn")).experiment_id == "team/churn"  # the key's default entity
    with pytest.raises(UserInputError, match="No W&B project 'team/nope'"):
        await tracker.get_experiment("team/nope")
    with pytest.raises(UserInputError, match="ENTITY/PROJECT"):
        await tracker.get_experiment("a/b/c")
    with pytest.raises(RunNotFoundError):
        await tracker.get_run("zzzzzz99", scope=["team/churn"])


async def test_a_wrong_key_is_an_outside_failure(fake: WandbFake) -> None:
    tracker = WandbTracker(f"wandb+{fake.base_url}", api_key="z" * 40)
    started = time.monotonic()
    with pytest.raises(TrackerUnavailableError, match=r"not authorised .*user is not logged in.*WANDB_API_KEY"):
        await tracker.search_runs(scope=["team/churn"])
    assert time.monotonic() - started < 10
    assert "z" * 40 not in str(tracker.uri)


async def test_an_unreachable_server_fails_fast() -> None:
    tracker = open_tracker(f"wandb+http://127.0.0.1:{free_port()}", kind="wandb")
    for call in (lambda: tracker.search_runs(scope=["team/churn"]), lambda: tracker.get_experiment("team/churn"),
                 lambda: tracker.write_note("3kq9x0ab", entry_id="e", section="s")):
        started = time.monotonic()
        with pytest.raises(TrackerUnavailableError, match="cannot connect"):
            await call()
        assert time.monotonic() - started < 6


def test_a_burst_of_first_calls_imports_wandb_once(fake: WandbFake) -> None:
    """A burst of DMs to a W&B project imported ``wandb`` from several worker threads at once (one
    building the client, another importing W&B's error classes) and got a half-initialised module or
    ``_DeadlockError``. In a fresh interpreter, 16 trackers' first calls at once all succeed."""
    import subprocess
    import sys

    script = (
        "import sys, threading\n"
        "from adapters.wandb_api import WandbTracker\n"
        "errors = []\n"
        "def one(n):\n"
        "    tracker = WandbTracker(sys.argv[1], api_key=sys.argv[2])\n"
        "    try:\n"
        "        tracker._guarded(lambda: None) if n % 2 else tracker._client()\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=one, args=(n,)) for n in range(16)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "print(len(errors), errors[:1])\n"
    )
    done = subprocess.run([sys.executable, "-c", script, f"wandb+{fake.base_url}", KEY],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("0 "), done.stdout
