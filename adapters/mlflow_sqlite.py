"""MLflow's SQLite tracking store read (and tagged) with ``sqlite3``, without importing MLflow.

Importing MLflow to open ``MlflowClient`` on a store costs a serving process about 105 MB of memory
(its package imports tracing, the gateway, FastAPI, protobuf and SQLAlchemy's ORM models; where
pandas, pyarrow and SciPy are installed it imports them too, about 190 MB in all), for five queries
on five tables. :class:`MlflowLocalTracker` uses this module for an existing SQLite store, and
``MlflowClient`` for everything else (file stores, other databases, a store it is asked to create).

What MLflow's ``SqlAlchemyStore`` does is followed exactly where a person could see it:

* runs are searched with the filters :mod:`adapters._mlflow` writes (a run-id list or ``LIKE``, a
  status, a start-time window, the user tag, a run name), active runs only, ordered by start time
  newest first (runs without one last), then run id; pages are ``limit + 1`` rows at an offset,
  with MLflow's page token (base64 of ``{"offset": N}``);
* a run carries its params, tags and latest metrics (``NaN`` where MLflow stored ``is_nan``), its
  name from the ``mlflow.runName`` tag when the column is empty;
* tags are written in one transaction, on an active run only, values cut to 8,000 characters as
  MLflow does (unless ``MLFLOW_TRUNCATE_LONG_VALUES`` is false, then refused), keys of 250 at most.

A filter this module does not know (none is written today) raises ``FilterNotUnderstoodError`` so that
the tracker asks ``MlflowClient`` instead of guessing.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import importlib.util
import json
import math
import os
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# MLflow's limits (mlflow.utils.validation): tag values longer are cut (or refused), keys refused.
MAX_TAG_VALUE = 8000
MAX_KEY = 250
_RUN_NAME_TAG = "mlflow.runName"
# Bound parameters per statement: SQLite builds before 3.32 allow 999.
_CHUNK = 900

# One clause of a filter written by adapters._mlflow, anchored where the previous one ended.
_CLAUSES: list[tuple[str, re.Pattern[str]]] = [
    ("ids", re.compile(r"attributes\.run_id IN \(((?:'[^']*'(?:, )?)+)\)")),
    ("like", re.compile(r"attributes\.run_id LIKE '([^']*)'")),
    ("status", re.compile(r"attributes\.status (=|!=) '([A-Z_]+)'")),
    ("start", re.compile(r"attributes\.start_time (>=|<=) (-?\d+)")),
    ("tag", re.compile(r"tags\.`([^`]+)` = '([^'\\]*)'")),
    ("name", re.compile(r"""attributes\.run_name = (?:'([^'\\]*)'|"([^"\\]*)")""")),
]
_AND = " AND "


class FilterNotUnderstoodError(ValueError):
    """A filter this module does not translate: the tracker asks MLflow itself."""


class RefusedError(Exception):
    """The store refuses the request (MLflow's ``INVALID_PARAMETER_VALUE`` / ``RESOURCE_DOES_NOT_EXIST``)."""


@dataclass
class SqlRun:
    """One run as its rows hold it (what ``mlflow.entities.Run`` would carry, for the conversion)."""

    run_id: str
    run_name: str
    experiment_id: str
    user_id: str
    status: str
    start_time: int | None
    end_time: int | None
    lifecycle_stage: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


def parse_filter(filter_string: str) -> tuple[str, list[object]]:
    """SQL conditions on ``runs`` (alias ``r``) and their parameters for a filter of adapters._mlflow.

    Raises ``FilterNotUnderstoodError`` for anything else (the caller then asks MLflow itself)."""
    conditions: list[str] = []
    params: list[object] = []
    pos = 0
    text = filter_string.strip()
    while pos < len(text):
        matched = next(((k, m) for k, p in _CLAUSES if (m := p.match(text, pos)) is not None), None)
        if matched is None:
            raise FilterNotUnderstoodError(f"filter not understood at {text[pos:pos + 40]!r}")
        kind, found = matched
        if kind == "ids":
            ids = re.findall(r"'([^']*)'", found.group(1))
            conditions.append(f"r.run_uuid IN ({', '.join('?' * len(ids))})")
            params += ids
        elif kind == "like":
            conditions.append("r.run_uuid LIKE ?")
            params.append(found.group(1))
        elif kind == "status":
            conditions.append(f"r.status {found.group(1)} ?")
            params.append(found.group(2))
        elif kind == "start":
            conditions.append(f"r.start_time {found.group(1)} ?")
            params.append(int(found.group(2)))
        elif kind == "tag":
            conditions.append("EXISTS (SELECT 1 FROM tags t WHERE t.run_uuid = r.run_uuid "
                              "AND t.key = ? AND t.value = ?)")
            params += [found.group(1), found.group(2)]
        else:
            conditions.append("r.name = ?")
            params.append(found.group(1) if found.group(1) is not None else found.group(2))
        pos = found.end()
        if pos < len(text):
            if not text.startswith(_AND, pos):
                raise FilterNotUnderstoodError(f"filter not understood at {text[pos:pos + 40]!r}")
            pos += len(_AND)
    return " AND ".join(conditions), params


def page_token(offset: int) -> str:
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def token_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.b64decode(token, validate=True))["offset"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise RefusedError("Invalid page token, could not decode it") from exc
    if not isinstance(offset, int) or offset < 0:
        raise RefusedError("Invalid page token: its offset is not a non-negative integer")
    return offset


def _experiment_ids(experiment_ids: Sequence[str]) -> list[int]:
    try:
        return [int(e) for e in experiment_ids]
    except ValueError as exc:
        raise RefusedError(f"Invalid experiment id among {list(experiment_ids)!r}") from exc


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


_REVISION = re.compile(r"^revision\s*(?::\s*\w+\s*)?=\s*['\"]([0-9a-f]+)['\"]", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.M)


@functools.lru_cache(maxsize=1)
def installed_schema_head() -> str | None:
    """The schema revision the installed MLflow writes and reads (the head of its Alembic migrations),
    found by reading its migration scripts as text: importing them would import MLflow. None when MLflow
    is not installed or the scripts cannot be read."""
    spec = importlib.util.find_spec("mlflow")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    versions = Path(next(iter(spec.submodule_search_locations))) / "store" / "db_migrations" / "versions"
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        for script in versions.glob("*.py"):
            text = script.read_text(encoding="utf-8")
            found = _REVISION.search(text)
            if found:
                revisions.add(found.group(1))
                down = _DOWN_REVISION.search(text)
                parents.update(re.findall(r"[0-9a-f]{6,}", down.group(1)) if down else ())
    except OSError:
        return None
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


class SqliteMlflowStore:
    """The queries of :class:`adapters.mlflow_local.MlflowLocalTracker` on one SQLite file.

    A connection per call (they cost microseconds on SQLite): calls come from worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def schema_is_current(self) -> bool:
        """Whether the store's schema is the one the installed MLflow has (only then are these queries
        MLflow's: an older store is MLflow's to migrate or refuse, a newer one may have moved columns)."""
        head = installed_schema_head()
        if head is None:
            return False
        try:
            with self._connect() as db:
                row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return False
        return row is not None and row[0] == head

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # MLflow's own engine waits for a lock the same way (sqlite3's default is 5 s).
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    # -- experiments ------------------------------------------------------------------------------
    def experiment(self, key: str) -> tuple[str, str, str] | None:
        """``(id, name, lifecycle_stage)`` of the experiment named ``key``, else with id ``key``."""
        with self._connect() as db:
            row = db.execute("SELECT experiment_id, name, lifecycle_stage FROM experiments WHERE name = ?",
                             (key,)).fetchone()
            if row is None and re.fullmatch(r"-?\d+", key):
                row = db.execute("SELECT experiment_id, name, lifecycle_stage FROM experiments "
                                 "WHERE experiment_id = ?", (int(key),)).fetchone()
        return None if row is None else (str(row[0]), str(row[1]), str(row[2]))

    def active_experiment_ids(self) -> list[str]:
        with self._connect() as db:
            rows = db.execute("SELECT experiment_id FROM experiments WHERE lifecycle_stage = 'active' "
                              "ORDER BY experiment_id DESC").fetchall()  # the order is irrelevant (a scope)
        return [str(r[0]) for r in rows]

    # -- runs ----------------------------------------------------------------------------------------
    def search(self, experiment_ids: Sequence[str], filter_string: str, *, max_results: int, token: str | None,
               ids_only: bool = False) -> tuple[list[SqlRun], str | None]:
        """One page of active runs, MLflow's order; ``ids_only`` leaves params, metrics and tags out."""
        where, params = parse_filter(filter_string)
        offset = token_offset(token)
        exps = _experiment_ids(experiment_ids)
        sql = ("SELECT r.run_uuid, r.name, r.experiment_id, r.user_id, r.status, r.start_time, r.end_time, "
               f"r.lifecycle_stage FROM runs r WHERE r.experiment_id IN ({', '.join('?' * len(exps))}) "
               "AND r.lifecycle_stage = 'active'" + (f" AND {where}" if where else "") +
               # MLflow's order for `attributes.start_time DESC`: runs without a start time last.
               " ORDER BY CASE WHEN r.start_time IS NULL THEN 1 ELSE 0 END, r.start_time DESC, r.run_uuid"
               " LIMIT ? OFFSET ?")
        with self._connect() as db:
            rows = db.execute(sql, [*exps, *params, max_results + 1, offset]).fetchall()
            runs = [_run(row) for row in rows[:max_results]]
            if not ids_only:
                self._fill(db, runs)
        return runs, page_token(offset + max_results) if len(rows) > max_results else None

    def get(self, run_id: str) -> SqlRun | None:
        """The run with exactly this id, deleted or not; None when there is none."""
        with self._connect() as db:
            row = db.execute("SELECT run_uuid, name, experiment_id, user_id, status, start_time, end_time, "
                             "lifecycle_stage FROM runs WHERE run_uuid = ?", (run_id,)).fetchone()
            if row is None:
                return None
            run = _run(row)
            self._fill(db, [run])
        return run

    def set_tags(self, run_id: str, tags: Mapping[str, str]) -> None:
        """Set ``tags`` on an active run, in one transaction (MLflow's ``log_batch`` of tags)."""
        values: dict[str, str] = {}
        for key, value in tags.items():
            if not key or len(key) > MAX_KEY:
                raise RefusedError(f"Invalid tag key {key[:100]!r} (1 to {MAX_KEY} characters)")
            if len(value) > MAX_TAG_VALUE:
                if os.environ.get("MLFLOW_TRUNCATE_LONG_VALUES", "true").strip().lower() not in ("true", "1"):
                    raise RefusedError(f"Tag value of {key!r} exceeds the maximum length of {MAX_TAG_VALUE}")
                value = value[:MAX_TAG_VALUE]
            values[key] = value
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT lifecycle_stage FROM runs WHERE run_uuid = ?", (run_id,)).fetchone()
                if row is None:
                    raise RefusedError(f"Run with id={run_id} not found")
                if row[0] != "active":
                    raise RefusedError(f"The run {run_id} must be in the 'active' state. Current state is {row[0]}.")
                db.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?) "
                               "ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value",
                               [(k, v, run_id) for k, v in values.items()])
                if _RUN_NAME_TAG in values:  # MLflow keeps the run's name column and the tag together
                    db.execute("UPDATE runs SET name = ? WHERE run_uuid = ?", (values[_RUN_NAME_TAG], run_id))
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @staticmethod
    def _fill(db: sqlite3.Connection, runs: list[SqlRun]) -> None:
        by_id = {r.run_id: r for r in runs}
        ids = list(by_id)
        for part in _chunks(ids):
            marks = ", ".join("?" * len(part))
            for key, value, run_id in db.execute(f"SELECT key, value, run_uuid FROM params WHERE run_uuid IN ({marks})",
                                                 part):
                by_id[run_id].params[key] = value
            for key, value, run_id in db.execute(f"SELECT key, value, run_uuid FROM tags WHERE run_uuid IN ({marks})",
                                                 part):
                by_id[run_id].tags[key] = value
            for key, value, is_nan, run_id in db.execute(
                    f"SELECT key, value, is_nan, run_uuid FROM latest_metrics WHERE run_uuid IN ({marks})", part):
                by_id[run_id].metrics[key] = math.nan if is_nan else float(value)
        for run in runs:
            if not run.run_name:
                run.run_name = run.tags.get(_RUN_NAME_TAG, "")


def _run(row: tuple[object, ...]) -> SqlRun:
    run_id, name, experiment_id, user_id, status, start, end, stage = row
    return SqlRun(run_id=str(run_id), run_name=str(name or ""), experiment_id=str(experiment_id),
                  user_id=str(user_id or ""), status=str(status), start_time=_int(start), end_time=_int(end),
                  lifecycle_stage=str(stage))


def _int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]
