"""The seeded MLflow history the tracker tests read, and helpers to build and copy it.

Run ids are fixed so that prefixes can be shared on purpose (an ambiguous ``c0ffee``, a ``d00d1e``
that is unique within each experiment but not across them). MLflow draws run ids from
``uuid.uuid4()``; the builder hands it chosen values for the duration of one ``create_run`` call.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.mlflow_local import MlflowLocalTracker
from adapters.mlflow_rest import MlflowRestTracker

UTC = dt.UTC
DAY = dt.datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return DAY + dt.timedelta(days=day, hours=hour, minutes=minute)


def ms(when: dt.datetime) -> int:
    return int(when.timestamp() * 1000)


def rid(lead: str) -> str:
    """A 32-hex run id starting with ``lead``; the rest is fixed filler."""
    return (lead + "0123456789abcdef" * 2)[:32]


@dataclass(frozen=True)
class SeedRun:
    key: str
    run_id: str
    experiment: str
    user: str
    name: str
    start: dt.datetime
    minutes: int | None  # None: still running
    status: str = "FINISHED"
    params: tuple[tuple[str, str], ...] = ()
    metrics: tuple[tuple[str, float, int], ...] = ()  # key, value, step
    note: str | None = None


SEED: tuple[SeedRun, ...] = (
    SeedRun("A1", rid("11aa"), "alpha", "alice", "baseline-lr", at(0, 9), 30,
            params=(("lr", "0.1"), ("model", "logreg")),
            metrics=(("auc", 0.70, 0), ("auc", 0.75, 1), ("loss", 0.4, 1))),
    SeedRun("A2", rid("22bb"), "alpha", "alice", "smote-1", at(0, 14), 45,
            params=(("sampler", "smote"),), metrics=(("auc", 0.78, 0),)),
    SeedRun("A3", rid("33cc"), "alpha", "bob", "catboost-1", at(1, 10), 90,
            params=(("model", "catboost"),), metrics=(("auc", 0.81, 0),), note="bob's own words about this run"),
    SeedRun("A4", rid("44dd"), "alpha", "alice", "smote-2", at(2, 11), 5, status="FAILED"),
    SeedRun("A5", rid("d00d1e5"), "alpha", "bob", "catboost-2", at(3, 9, 30), 60, metrics=(("auc", 0.83, 0),)),
    SeedRun("A6", rid("c0ffee1"), "alpha", "alice", "smote-3", at(3, 16), 20),
    SeedRun("A7", rid("c0ffee2"), "alpha", "bob", "catboost-3", at(4, 8), None, status="RUNNING"),
    SeedRun("B1", rid("beef00"), "beta", "alice", "probe-1", at(1, 12), 10),
    SeedRun("B2", rid("55ee"), "beta", "carol", "probe-2", at(2, 12), 10),
    SeedRun("B3", rid("d00d1e6"), "beta", "carol", "probe-3", at(3, 12), 10),
)
BY_KEY = {r.key: r for r in SEED}


@dataclass(frozen=True)
class Dataset:
    db: Path  # the pristine store; copy it, do not write to it
    experiments: dict[str, str]  # name -> id
    runs: dict[str, SeedRun]


@contextlib.contextmanager
def _next_uuid(hex_id: str) -> Iterator[None]:
    """Make the next ``uuid.uuid4()`` call return ``hex_id`` (MLflow's run id), then restore."""
    real = uuid.uuid4
    pending = [uuid.UUID(hex=hex_id)]

    def fake() -> uuid.UUID:
        return pending.pop() if pending else real()

    uuid.uuid4 = fake
    try:
        yield
    finally:
        uuid.uuid4 = real


def build_store(db: Path) -> dict[str, str]:
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    experiments = {name: client.create_experiment(name) for name in ("alpha", "beta", "scratch")}
    for seed in SEED:
        with _next_uuid(seed.run_id):
            run = client.create_run(
                experiments[seed.experiment],
                start_time=ms(seed.start),
                tags={"mlflow.user": seed.user},
                run_name=seed.name,
            )
        assert run.info.run_id == seed.run_id
        tags = [RunTag("mlflow.note.content", seed.note)] if seed.note else []
        client.log_batch(
            seed.run_id,
            params=[Param(k, v) for k, v in seed.params],
            metrics=[Metric(k, v, ms(seed.start) + step, step) for k, v, step in seed.metrics],
            tags=tags,
        )
        if seed.minutes is not None:
            client.set_terminated(seed.run_id, seed.status, ms(seed.start + dt.timedelta(minutes=seed.minutes)))
    return experiments


def copy_store(src: Path, dst: Path) -> Path:
    """A consistent copy of an SQLite store (the backup API, not a file copy)."""
    with contextlib.closing(sqlite3.connect(src)) as a, contextlib.closing(sqlite3.connect(dst)) as b:
        a.backup(b)
    return dst


@dataclass
class Backend:
    """One tracker under test, plus an independent MLflow client on the same store for set-up and checks."""

    name: str
    tracker: MlflowLocalTracker | MlflowRestTracker
    client: Any  # mlflow.tracking.MlflowClient
    experiments: dict[str, str]

    def new_run(self, *, note: str | None = None, name: str = "scratch-run") -> str:
        tags = {"mlflow.user": "dora"}
        if note is not None:
            tags["mlflow.note.content"] = note
        run = self.client.create_run(self.experiments["scratch"], start_time=ms(at(5, 9)), tags=tags, run_name=name)
        return str(run.info.run_id)

    def tags_of(self, run_id: str) -> dict[str, str]:
        return dict(self.client.get_run(run_id).data.tags)

    # -- what the contract suite asks of every backend (tests/adapters/wandb_seed.py has W&B's) --------
    def run_id(self, key: str) -> str:
        return BY_KEY[key].run_id

    def seeded(self, *keys: str) -> list[str]:
        return [BY_KEY[k].run_id for k in keys]

    def note_of(self, run_id: str) -> str:
        return self.tags_of(run_id).get("mlflow.note.content", "")

    def mark_of(self, run_id: str, entry_id: str) -> str | None:
        """The entry MLflow's ``coco.entry_id`` tag names (the entry written last)."""
        return self.tags_of(run_id).get("coco.entry_id")

    def delete_run(self, run_id: str) -> None:
        self.client.delete_run(run_id)


def make_tracker(
    kind: str, *, local_store: Path | None = None, server: str | None = None, **options: Any
) -> MlflowLocalTracker | MlflowRestTracker:
    if kind == "local":
        assert local_store is not None
        return MlflowLocalTracker(f"sqlite:///{local_store}", **options)
    assert server is not None
    return MlflowRestTracker(server, retries=1, backoff=0.0, **options)
