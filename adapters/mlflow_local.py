"""MLflow tracker over a store on this machine (or a database it connects to), through ``MlflowClient``.

``MlflowClient`` is synchronous, so every call runs in a worker thread (``asyncio.to_thread``), and
the conversion to :class:`TrackedRun` happens there too, off the event loop. MLflow is imported and
the client created on the first call, not when the tracker is built: importing MLflow takes seconds.

Run URLs: a local store has no UI of its own. ``run_url`` points into the ``mlflow ui`` that a person
starts on the same store — ``mlflow ui --backend-store-uri sqlite:///path/mlflow.db`` listens on
``http://127.0.0.1:5000`` by default, which is therefore the default ``ui_url``.

A store that is not there is an outside failure, not a new store: this tracker reads (and adds notes
to) runs that MLflow logged, so a mistyped path must not silently become an empty database. Pass
``create_store=True`` to let MLflow create it (tests, demos).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from adapters._mlflow import (
    DEFAULT_LOCAL_UI_URL,
    EPOCH,
    MAX_PAGE,
    ORDER_BY,
    MlflowTrackerBase,
    PrefixSearch,
    StoreRefusedError,
    redact,
)
from adapters._mlflow_names import NOTE_TAG, RUN_NAME_TAG, USER_TAG, read_mlflow_tags
from adapters.mlflow_sqlite import FilterNotUnderstoodError, RefusedError, SqliteMlflowStore, SqlRun
from adapters.tracker import Experiment, RunPage, TrackedRun, utc
from core.errors import CocoError, TrackerUnavailableError, UserInputError

if TYPE_CHECKING:
    from mlflow.entities import Run
    from mlflow.tracking import MlflowClient

T = TypeVar("T")

_SQLITE_MAGIC = b"SQLite format 3\x00"
_MLFLOW_TABLES = frozenset({"experiments", "runs", "tags", "params", "latest_metrics"})
_SQLITE_SUFFIXES = frozenset({".db", ".sqlite", ".sqlite3"})
# MLflow error codes that mean "this request is wrong", as opposed to "the store is broken".
_REFUSED_CODES = frozenset(
    {"INVALID_PARAMETER_VALUE", "BAD_REQUEST", "INVALID_STATE", "RESOURCE_ALREADY_EXISTS", "RESOURCE_DOES_NOT_EXIST"}
)
_ABSENT_CODES = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"})


def store_uri_for(uri: str) -> str:
    """The MLflow store URI for ``uri``: URIs pass through, plain paths are made explicit.

    A path to a ``.db``/``.sqlite`` file (or to any existing file) is an SQLite store; any other
    path is a file store directory (``mlruns``), which is what ``MlflowClient`` assumes for paths.
    """
    scheme = urlsplit(uri).scheme
    if len(scheme) > 1:  # one letter is a Windows drive, i.e. a path
        return uri
    path = Path(uri).expanduser().resolve()
    if path.suffix.lower() in _SQLITE_SUFFIXES or path.is_file():
        return f"sqlite:///{path}"
    return path.as_uri()


def _first_line(text: object, limit: int = 240) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else "unknown error"
    return line if len(line) <= limit else line[: limit - 1] + "…"


class MlflowLocalTracker(MlflowTrackerBase):
    """``Tracker`` over a local MLflow store: ``sqlite:``, ``file:``, a path, or a SQLAlchemy DB URL."""

    def __init__(
        self,
        uri: str,
        *,
        ui_url: str | None = None,
        create_store: bool = False,
        prefix_search: PrefixSearch = "auto",
    ) -> None:
        super().__init__(uri, url_base=ui_url or DEFAULT_LOCAL_UI_URL, prefix_search=prefix_search)
        self._store_uri = store_uri_for(uri)
        self._create_store = create_store
        self._client: MlflowClient | None = None
        # An existing SQLite store is read without MLflow (adapters/mlflow_sqlite.py: ~105-190 MB less
        # in a serving process); None until the first call decides, like the client.
        self._sqlite: SqliteMlflowStore | None = None
        self._client_lock = threading.Lock()  # the client is created inside worker threads

    @property
    def store_uri(self) -> str:
        return self._store_uri

    # -- Tracker ------------------------------------------------------------------------------
    async def get_experiment(self, name_or_id: str) -> Experiment:
        key = name_or_id.strip()

        def work(client: MlflowClient) -> Experiment:
            from mlflow.exceptions import MlflowException

            exp = client.get_experiment_by_name(key) if key else None
            if exp is None and key:
                try:
                    exp = client.get_experiment(key)
                except MlflowException as exc:
                    if exc.error_code not in _ABSENT_CODES:
                        raise
            if exp is None:
                raise UserInputError(f"No MLflow experiment named {key!r} (or with that id) in {self._where}.")
            if exp.lifecycle_stage != "active":
                raise UserInputError(
                    f"The MLflow experiment {exp.name!r} is deleted; restore it with "
                    f"`mlflow experiments restore --experiment-id {exp.experiment_id}`."
                )
            return Experiment(experiment_id=str(exp.experiment_id), name=exp.name)

        def direct(store: SqliteMlflowStore) -> Experiment:
            found = store.experiment(key) if key else None
            if found is None:
                raise UserInputError(f"No MLflow experiment named {key!r} (or with that id) in {self._where}.")
            experiment_id, name, stage = found
            if stage != "active":
                raise UserInputError(
                    f"The MLflow experiment {name!r} is deleted; restore it with "
                    f"`mlflow experiments restore --experiment-id {experiment_id}`."
                )
            return Experiment(experiment_id=experiment_id, name=name)

        return await self._call(work, direct)

    async def aclose(self) -> None:
        # MLflow caches one engine per store URI for the whole process; nothing of ours to release
        # (the SQLite reader opens a connection per call).
        self._client = None
        self._sqlite = None

    # -- primitives -----------------------------------------------------------------------------
    async def _search(
        self, experiment_ids: list[str], filter_string: str, max_results: int, page_token: str | None
    ) -> RunPage:
        def work(client: MlflowClient) -> RunPage:
            paged = client.search_runs(
                experiment_ids=experiment_ids,
                filter_string=filter_string,
                max_results=max_results,
                order_by=ORDER_BY,
                page_token=page_token,
            )
            convert = self._convert
            return RunPage([convert(r) for r in paged], paged.token or None)

        def direct(store: SqliteMlflowStore) -> RunPage:
            runs, token = store.search(experiment_ids, filter_string, max_results=max_results, token=page_token)
            convert = self._convert_sql
            return RunPage([convert(r) for r in runs], token)

        return await self._call(work, direct)

    async def _scan_ids(self, experiment_ids: list[str]) -> list[str]:
        def work(client: MlflowClient) -> list[str]:
            ids: list[str] = []
            token: str | None = None
            while True:
                paged = client.search_runs(
                    experiment_ids=experiment_ids, max_results=MAX_PAGE, order_by=ORDER_BY, page_token=token
                )
                ids.extend(r.info.run_id for r in paged)
                token = paged.token
                if not token:
                    return ids

        def direct(store: SqliteMlflowStore) -> list[str]:
            ids: list[str] = []
            token: str | None = None
            while True:
                runs, token = store.search(experiment_ids, "", max_results=MAX_PAGE, token=token, ids_only=True)
                ids.extend(r.run_id for r in runs)
                if not token:
                    return ids

        return await self._call(work, direct)

    async def _fetch(self, run_id: str) -> TrackedRun | None:
        def work(client: MlflowClient) -> TrackedRun | None:
            from mlflow.exceptions import MlflowException

            try:
                run = client.get_run(run_id)
            except MlflowException as exc:
                if exc.error_code in _ABSENT_CODES:
                    return None
                raise
            if run.info.lifecycle_stage != "active":
                return None
            return self._convert(run)

        def direct(store: SqliteMlflowStore) -> TrackedRun | None:
            run = store.get(run_id)
            return None if run is None or run.lifecycle_stage != "active" else self._convert_sql(run)

        return await self._call(work, direct)

    async def _set_tags(self, run_id: str, tags: Mapping[str, str]) -> None:
        def work(client: MlflowClient) -> None:
            from mlflow.entities import RunTag

            # One log_batch is one transaction: the note and the entry tag land together.
            client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()], synchronous=True)

        def direct(store: SqliteMlflowStore) -> None:
            store.set_tags(run_id, tags)

        await self._call(work, direct)

    async def _active_experiment_ids(self) -> list[str]:
        def work(client: MlflowClient) -> list[str]:
            from mlflow.entities import ViewType

            ids: list[str] = []
            token: str | None = None
            while True:
                paged = client.search_experiments(
                    view_type=ViewType.ACTIVE_ONLY, max_results=MAX_PAGE, page_token=token
                )
                ids.extend(str(e.experiment_id) for e in paged)
                token = paged.token
                if not token:
                    return ids

        def direct(store: SqliteMlflowStore) -> list[str]:
            return store.active_experiment_ids()

        return await self._call(work, direct)

    # -- conversion (the hot path of every read) ------------------------------------------------
    def _convert(self, run: Run) -> TrackedRun:
        info, data = run.info, run.data
        # The entity's dicts are handed over, not copied: the entity is dropped right after.
        return self._tracked(
            run_id=info.run_id, run_name=info.run_name or data.tags.get(RUN_NAME_TAG, ""),
            experiment_id=info.experiment_id, user_id=info.user_id or "", status=info.status,
            start_time=info.start_time, end_time=info.end_time, params=data.params, metrics=data.metrics,
            tags=data.tags,
        )

    def _convert_sql(self, run: SqlRun) -> TrackedRun:
        return self._tracked(
            run_id=run.run_id, run_name=run.run_name, experiment_id=run.experiment_id, user_id=run.user_id,
            status=run.status, start_time=run.start_time, end_time=run.end_time, params=run.params,
            metrics=run.metrics, tags=run.tags,
        )

    def _tracked(self, *, run_id: str, run_name: str, experiment_id: str, user_id: str, status: str,
                 start_time: int | None, end_time: int | None, params: dict[str, str],
                 metrics: dict[str, float], tags: dict[str, str]) -> TrackedRun:
        """One run as COCO sees it, from what MLflow's entity or the SQLite reader's row holds."""
        user_tags, facts = read_mlflow_tags(tags)
        return TrackedRun(
            run_id=run_id,
            run_name=run_name,
            experiment_id=experiment_id,
            user=tags.get(USER_TAG) or user_id,
            status=status,
            start=utc(start_time) or EPOCH,
            end=utc(end_time),
            params=params,
            metrics=metrics,
            tags=user_tags,
            url=f"{self._url_prefix}{experiment_id}/runs/{run_id}",
            facts=facts,
            note=tags.get(NOTE_TAG, ""),
            recorded_tags=tags,
        )

    # -- plumbing ---------------------------------------------------------------------------------
    async def _call(self, work: Callable[[MlflowClient], T],
                    direct: Callable[[SqliteMlflowStore], T] | None = None) -> T:
        return await asyncio.to_thread(self._call_sync, work, direct)

    def _call_sync(self, work: Callable[[MlflowClient], T], direct: Callable[[SqliteMlflowStore], T] | None) -> T:
        try:
            store = self._sqlite_sync() if direct is not None else None
            if store is not None and direct is not None:
                with contextlib.suppress(FilterNotUnderstoodError):  # MLflow's own parser decides instead
                    return direct(store)
            return work(self._client_sync())
        except CocoError:
            raise
        except RefusedError as exc:
            raise StoreRefusedError(self._where, _first_line(exc)) from exc
        except Exception as exc:
            raise self._translate(exc) from exc

    def _sqlite_sync(self) -> SqliteMlflowStore | None:
        """The SQLite reader when the store is an existing SQLite file, else None (``MlflowClient``)."""
        with self._client_lock:
            if self._sqlite is None and self._client is None:
                self._check_store()
                path = None if self._create_store else _sqlite_file(self._store_uri)
                store = SqliteMlflowStore(path) if path is not None else None
                if store is not None and store.schema_is_current():
                    self._sqlite = store
            return self._sqlite

    def _client_sync(self) -> MlflowClient:
        with self._client_lock:
            if self._client is None:
                self._check_store()
                try:
                    from mlflow.tracking import MlflowClient

                    self._client = MlflowClient(tracking_uri=self._store_uri)
                except Exception as exc:
                    # Whatever stops the store from opening (MLflow refusing a file store, a schema
                    # it cannot migrate, a missing driver) makes the tracker unusable, not the request.
                    translated = self._translate(exc)
                    if translated is exc or isinstance(translated, StoreRefusedError):
                        translated = self._unavailable(_first_line(getattr(exc, "message", None) or exc))
                    raise translated from exc
            return self._client

    def _unavailable(self, detail: str) -> TrackerUnavailableError:
        return TrackerUnavailableError(redact(self._uri), detail)

    def _translate(self, exc: Exception) -> Exception:
        """Our error for what MLflow (or the database under it) raised; unknown errors stay as they are."""
        # Only an imported MLflow raises its exceptions: the SQLite reader must not import it here.
        if "mlflow" in sys.modules:
            from mlflow.exceptions import MlflowException

            if isinstance(exc, MlflowException):
                if exc.error_code in _REFUSED_CODES:
                    return StoreRefusedError(self._where, _first_line(exc.message))
                return self._unavailable(_first_line(exc.message))
        if isinstance(exc, ImportError) and (exc.name or "").startswith("mlflow"):  # pragma: no cover
            return self._unavailable("MLflow is not installed (pip install mlflow-skinny)")
        if isinstance(exc, OSError | sqlite3.Error) or type(exc).__module__.startswith("sqlalchemy"):
            return self._unavailable(_first_line(getattr(exc, "orig", None) or exc))
        if isinstance(exc, ImportError):  # e.g. a database driver that is not installed
            return self._unavailable(_first_line(exc))
        return exc

    def _check_store(self) -> None:
        """Fail fast (and without creating anything) when the store cannot be opened.

        MLflow itself retries a database it cannot open ten times with exponential sleeps (about
        100 s) and creates missing SQLite files; a chat bot must answer in seconds instead.
        """
        scheme = urlsplit(self._store_uri).scheme.lower().split("+", 1)[0]
        if scheme == "sqlite":
            self._check_sqlite_file()
        elif scheme == "file":
            root = Path(urlsplit(self._store_uri).path)
            if not self._create_store and not root.is_dir():
                raise self._unavailable(f"no MLflow file store at {root} (not a directory)")
        else:
            self._probe_database()

    def _check_sqlite_file(self) -> None:
        from sqlalchemy.engine import make_url

        try:
            database = make_url(self._store_uri).database
        except Exception as exc:
            raise self._unavailable(f"not a valid SQLite URI ({_first_line(exc)})") from exc
        if not database or database == ":memory:" or database.startswith("file:"):
            return  # in-memory or SQLite URI-filename forms: nothing on disk to check
        path = Path(database)
        if not path.exists():
            if self._create_store:
                return
            raise self._unavailable(f"no MLflow store at {path} (the file does not exist)")
        if not path.is_file():
            raise self._unavailable(f"{path} is not a file")
        try:
            with path.open("rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise self._unavailable(f"cannot read {path}: {exc.strerror or exc}") from exc
        if self._create_store and head == b"":
            return
        if head != _SQLITE_MAGIC:
            raise self._unavailable(f"{path} is not an SQLite database")
        if self._create_store:
            return
        # MLflow creates its tables in any database that lacks them: an unrelated SQLite file named
        # by mistake would be written to. Look (read-only) before letting MLflow open it.
        try:
            with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
                tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as exc:
            raise self._unavailable(f"cannot read {path}: {exc}") from exc
        if not _MLFLOW_TABLES.issubset(tables):
            raise self._unavailable(f"{path} is an SQLite database but not an MLflow store")

    def _probe_database(self) -> None:
        # One plain connection first: a refused or misconfigured database fails here in one try.
        import sqlalchemy
        from sqlalchemy.pool import NullPool

        try:
            engine = sqlalchemy.create_engine(self._store_uri, poolclass=NullPool)
        except Exception as exc:
            raise self._unavailable(f"cannot use the database URL ({_first_line(exc)})") from exc
        try:
            with engine.connect():
                pass
        except Exception as exc:
            detail = _first_line(getattr(exc, "orig", None) or exc)
            password = urlsplit(self._store_uri).password
            if password:
                detail = detail.replace(password, "***")
            raise self._unavailable(f"cannot connect to the database ({detail})") from exc
        finally:
            engine.dispose()


def _sqlite_file(store_uri: str) -> Path | None:
    """The file of an ``sqlite:///PATH`` store URI (no query options), else None."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(store_uri)
    except Exception:
        return None
    database = url.database
    if url.get_backend_name() != "sqlite" or url.query or not database or database == ":memory:" \
            or database.startswith("file:"):
        return None
    return Path(database)
