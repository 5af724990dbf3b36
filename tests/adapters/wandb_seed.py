"""The seeded history of ``tracker_seed`` served by the W&B fake (real ``wandb`` client, fake GraphQL
server on 127.0.0.1), so the tracker contract suite runs against W&B as it does against MLflow.

The fake (``wandb_fake.py``, a copy of ``../shared/eval/wandb_fake.py``) serves one entity/project;
:class:`ProjectsFake` serves several projects of one entity (``alpha``, ``beta``, ``scratch``) by
giving each a fake's run store and answering ``project``, ``models`` and ``upsertBucket`` from the
right one. Run ids are the first 8 characters of the MLflow seed's ids, so the prefixes the suite
shares on purpose (``c0ffee``, ``d00d1e``) are shared the same way here.
"""

from __future__ import annotations

import base64
import collections
import datetime as dt
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Before wandb is imported anywhere: no telemetry, nothing printed.
os.environ.setdefault("WANDB_ERROR_REPORTING", "false")
os.environ.setdefault("WANDB_SILENT", "true")

from adapters.wandb_api import WandbTracker
from tests.adapters.tracker_seed import SEED, at
from tests.adapters.wandb_fake import WandbFake

KEY = "k" * 40  # the client refuses keys under 40 characters
ENTITY = "team"
PROJECTS = ("alpha", "beta", "scratch")
_STATES = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "killed", "RUNNING": "running"}


def wandb_id(mlflow_id: str) -> str:
    return mlflow_id[:8]


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seed_specs() -> dict[str, list[dict[str, Any]]]:
    """The fake's run specs of the seed, by project."""
    out: dict[str, list[dict[str, Any]]] = {p: [] for p in PROJECTS}
    for seed in SEED:
        latest: dict[str, float] = {}
        for key, value, _step in sorted(seed.metrics, key=lambda m: m[2]):
            latest[key] = value  # W&B's summary holds the last value logged
        out[seed.experiment].append({
            "id": wandb_id(seed.run_id), "name": seed.name, "user": seed.user, "state": _STATES[seed.status],
            "created_at": _iso(seed.start), "duration": (seed.minutes or 0) * 60, "config": dict(seed.params),
            "summary": latest, "tags": [], "notes": seed.note, "commit": None,
        })
    return out


class ProjectsFake(WandbFake):
    """The W&B fake with several projects of one entity."""

    def __init__(self, projects: dict[str, list[dict[str, Any]]], *, entity: str = ENTITY,
                 api_key: str | None = KEY) -> None:
        super().__init__(runs=(), entity=entity, project=next(iter(projects)), api_key=api_key)
        self.parts = {name: WandbFake(runs=runs, entity=entity, project=name) for name, runs in projects.items()}
        for part in self.parts.values():  # one log of what the client asked, whichever project served it
            part.requests, part.log, part.errors = self.requests, self.log, self.errors
            part.notes_written = self.notes_written
        # File downloads look a run up by id in every project.
        self._runs = collections.ChainMap(*[p._runs for p in self.parts.values()])  # type: ignore[assignment]

    def start(self) -> str:
        base = super().start()
        for part in self.parts.values():
            part.base_url = base
        return base

    def _part_of_storage_id(self, storage_id: str) -> WandbFake:
        _, _, _name, project, _entity = base64.b64decode(storage_id).decode().split(":", 4)
        return self.parts[project]

    def _root(self, kind: str) -> dict[str, Any]:
        root: dict[str, Any] = super()._root(kind)
        if kind == "mutation":
            root["upsertBucket"] = lambda input: self._part_of_storage_id(input["id"])._upsert_bucket(input)
            return root

        def project(name: str, entityName: str | None = None) -> Any:
            part = self.parts.get(name)
            return part._project_obj() if part is not None and (entityName or self.entity) == self.entity else None

        def models(entityName: str | None = None, after: str | None = None, first: int = 50) -> Any:
            nodes = [p._project_obj() for p in self.parts.values()] if entityName in (None, self.entity) else []
            return self._connection("Project", [] if after else nodes, 0, 0 if after else len(nodes))

        root["project"], root["models"] = project, models
        return root


@dataclass
class WandbBackend:
    """The W&B tracker under test, and the fake behind it for set-up and checks (the suite's ``Backend``)."""

    fake: ProjectsFake
    tracker: WandbTracker
    name: str = "wandb"
    experiments: dict[str, str] = field(default_factory=lambda: {p: f"{ENTITY}/{p}" for p in PROJECTS})
    _ids: Callable[[], str] = field(default_factory=lambda: (f"n{i:07d}" for i in itertools.count()).__next__)

    def run_id(self, key: str) -> str:
        return wandb_id(next(s.run_id for s in SEED if s.key == key))

    def seeded(self, *keys: str) -> list[str]:
        return [self.run_id(k) for k in keys]

    def new_run(self, *, note: str | None = None, name: str = "scratch-run", **extra: Any) -> str:
        run_id = self._ids()
        self.fake.parts["scratch"].add_run({"id": run_id, "name": name, "user": "dora", "state": "running",
                                            "created_at": _iso(at(5, 9)), "notes": note, **extra})
        return run_id

    def note_of(self, run_id: str) -> str:
        return str(self._stored(run_id)["notes"] or "")

    def mark_of(self, run_id: str, entry_id: str) -> str | None:
        """W&B has labels, not key-value tags: the run carries the ``coco`` label (the entry is in its note)."""
        return entry_id if "coco" in self._stored(run_id)["tags"] else None

    def delete_run(self, run_id: str) -> None:
        del self.fake.parts["scratch"]._runs[run_id]

    def _stored(self, run_id: str) -> dict[str, Any]:
        for part in self.fake.parts.values():
            if run_id in part._runs:
                return part.run(run_id)
        raise KeyError(run_id)


def start_fake() -> ProjectsFake:
    fake = ProjectsFake(seed_specs())
    fake.start()
    return fake


def make_wandb_tracker(fake: WandbFake, **options: Any) -> WandbTracker:
    assert fake.base_url is not None
    return WandbTracker(f"wandb+{fake.base_url}", api_key=KEY, **options)
