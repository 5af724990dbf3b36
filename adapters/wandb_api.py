"""W&B tracker over the ``wandb`` public API (``wandb.Api``), pinned to wandb 0.31.

``wandb`` is imported, and ``wandb.Api()`` built (which starts the ``wandb-core`` helper and checks
the key with one ``Viewer`` request), on the first call, not when the tracker is built: the import
alone takes about a second. The client is synchronous: every call runs in a worker thread.

Reads are ``api.runs("entity/project", filters=..., order="-created_at", per_page=..., lazy=False)``:
the window, the user, run names and id prefixes are Mongo-style filters the server applies, and
``lazy=False`` brings config and summary with the page (with the default ``lazy=True`` every touch
of them is one more request per run). Paging is explicit: a page token holds the server's cursor of
the last run handed out (per project), so a later call resumes there; the client's own paginator
is primed with that cursor and loads exactly one page.

Write-back sends one ``UpsertBucket`` mutation with the run's notes (and its tags when the ``coco``
label is new): never ``run.update()``, which re-sends the whole config and then the whole summary
and could overwrite what a training job is logging at that moment. The notes are read fresh just
before, and only COCO's block of them changes (:func:`adapters.tracker.merge_note`).

Configuration is W&B's own: ``WANDB_API_KEY`` (or the key ``wandb login`` stored), ``WANDB_BASE_URL``
(W&B Server, dedicated cloud, tests) and ``WANDB_ENTITY`` (the entity of a bare project name).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import heapq
import json
import math
import os
import re
import socket
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from adapters._wandb_names import (
    ARGS_TAG,
    COCO_TAG,
    CODE_PATH_TAG,
    COMMIT_TAG,
    DEFAULT_URI,
    NOTES_TAG,
    PATH_TAG,
    PROGRAM_TAG,
    STATE_TAG,
    STATUS,
    WANDB_PREFIX,
    aware,
    base_url_of,
    import_wandb,
    is_valid_run_id,
    label_tags,
    looks_like_run_ref,
    pattern_with,
    read_wandb_tags,
    run_filters,
    upsert,
)
from adapters.tracker import (
    RUN_ID_MIN_PREFIX,
    Experiment,
    RunPage,
    TrackedRun,
    check_run_ids,
    drop_note_line,
    merge_note,
)
from adapters.wandb_offline import OfflineRuns, offline_dir
from core.errors import AmbiguousRunIdError, RunNotFoundError, TrackerUnavailableError, UserInputError

if TYPE_CHECKING:
    from wandb.apis.public import Api, Run

T = TypeVar("T")

MAX_PAGE = 1000  # as MLflow's REST page limit: thousands of runs in a handful of requests
ORDER = "-created_at"  # newest first, as every Tracker pages
# Summary keys the SDK writes about itself (not metrics a person logged).
_SDK_SUMMARY_KEYS = frozenset({"_runtime", "_timestamp", "_step", "_wandb"})
_NOT_RUNNING = frozenset({"FINISHED", "FAILED", "KILLED"})
_KNOWN_CAP = 200_000  # run id -> project entries kept for unscoped lookups (a few MB at most)
_LETTER_ID = re.compile(r"[a-z]{6,8}")
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


# Fields of wandb's Runs query COCO never reads. historyKeys (every key ever logged, with its type
# counts) and systemMetrics are most of a page's weight on a real server, and runCount makes the
# server count every matching run again for each page; the client treats them all as optional.
# Left out of the paginator's query text (if wandb changes that text, nothing is left out).
_UNREAD_FIELDS = frozenset({"historyKeys", "systemMetrics", "historyLineCount", "description", "readOnly",
                            "runCount(filters: $filters)"})


def _lighter(query: str) -> str:
    return "\n".join(line for line in query.splitlines() if line.strip() not in _UNREAD_FIELDS)


class _ProjectMissing(Exception):
    """The server answered, but holds no such entity/project (or this key may not see it)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def _quiet_wandb() -> None:
    # Before wandb starts wandb-core: no error telemetry posted from COCO's process, and nothing
    # printed on stdout (where `coco ... --json` writes). A person's own setting wins.
    os.environ.setdefault("WANDB_ERROR_REPORTING", "false")
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ.setdefault("WANDB_CONSOLE", "off")


def _parse_time(text: object) -> dt.datetime | None:
    if not text:
        return None
    s = str(text).strip().replace(" ", "T")
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        when = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value and "_type" not in value:
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, out)
    else:
        out[prefix] = value


def _param_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def params_of(config: Mapping[str, Any]) -> dict[str, str]:
    """A run's config as params: nested sections flattened to ``section.key``, values as text."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if key.startswith("_wandb"):
            continue
        _flatten(str(key), value, flat)
    return {k: _param_text(v) for k, v in flat.items()}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    return None


def metrics_of(summary: Mapping[str, Any]) -> dict[str, float]:
    """A run's summary as metrics: the last logged number of each key; the SDK's own keys, media and
    text left out; nested sections flattened to ``section.key``."""
    flat: dict[str, Any] = {}
    for key, value in summary.items():
        if key in _SDK_SUMMARY_KEYS or key.startswith("_wandb"):
            continue
        _flatten(str(key), value, flat)
    out: dict[str, float] = {}
    for key, value in flat.items():
        number = _number(value)
        if number is not None:
            out[key] = number
    return out


# A page token's state: per project, the cursor of the last run handed out and whether it is done.
_State = dict[str, tuple[str | None, bool]]


def _encode_token(state: _State) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()


def _decode_token(token: str, scopes: list[str]) -> _State:
    try:
        state = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
    except ValueError:
        state = None
    if not isinstance(state, dict) or set(state) != set(scopes):
        raise UserInputError("That page token does not belong to this W&B search: start the search again.")
    return {s: (state[s][0] if isinstance(state[s][0], str) else None, bool(state[s][1])) for s in scopes}


class WandbTracker:
    """``Tracker`` over a W&B server, through ``wandb.Api``. A scope is a list of ``entity/project``."""

    def __init__(
        self,
        uri: str = DEFAULT_URI,
        *,
        api_key: str | None = None,
        entity: str | None = None,
        timeout: int | None = None,
        connect_timeout: float = 5.0,
    ) -> None:
        """``api_key``/``entity`` default to ``WANDB_API_KEY``/``WANDB_ENTITY`` (else what ``wandb login``
        stored, and the key's default entity). ``timeout`` is the client's per-request wait in seconds
        (default: ``WANDB_HTTP_TIMEOUT``, else 19 s); ``connect_timeout`` bounds the first check that
        the server is there at all, so an unreachable W&B fails fast."""
        self._uri = uri.strip() or DEFAULT_URI
        self._base_url = base_url_of(self._uri)
        self._api_key = api_key
        self._entity = entity
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._api: Api | None = None
        self._lock = threading.Lock()
        self._display = self._base_url or os.environ.get("WANDB_BASE_URL") or "W&B"
        self._scope_of: dict[str, str] = {}  # run id -> entity/project, from every run read
        self._letter_ids: set[str] = set()
        self._known_lock = threading.Lock()  # runs are read in worker threads; the pattern is asked for outside
        self._pattern = pattern_with(())
        self._pattern_size = 0
        folder = offline_dir()  # unsynced offline runs beside where COCO runs (./wandb or $WANDB_DIR/wandb)
        self._offline = OfflineRuns(folder) if folder is not None else None

    # -- the Tracker protocol ---------------------------------------------------------------
    @property
    def uri(self) -> str:
        return self._uri

    @property
    def kind(self) -> str:
        return "wandb"

    @property
    def run_ref_pattern(self) -> re.Pattern[str]:
        """Generated ids (with a digit, or without a vowel), and the all-letter ids of runs read so far."""
        if self._pattern_size != len(self._letter_ids):
            known = self._known_letter_ids()
            self._pattern_size = len(known)
            self._pattern = pattern_with(known)
        return self._pattern

    def looks_like_run_ref(self, token: str) -> bool:
        return looks_like_run_ref(token, self._known_letter_ids())

    def _known_letter_ids(self) -> tuple[str, ...]:
        with self._known_lock:
            return tuple(self._letter_ids)

    def run_url(self, run: TrackedRun) -> str:
        return run.url

    async def get_experiment(self, name_or_id: str) -> Experiment:
        """The W&B project ``entity/project`` (a bare ``project`` takes ``WANDB_ENTITY`` or the key's
        default entity); ``UserInputError`` if the server has no such project."""
        path = await self._call(lambda: self._project_path(name_or_id))
        await self._call(lambda: self._check_project(path))
        return Experiment(experiment_id=path, name=path)

    async def search_runs(
        self,
        *,
        scope: Sequence[str],
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        user: str | None = None,
        statuses: Sequence[str] = (),
        run_ids: Sequence[str] = (),
        max_results: int = MAX_PAGE,
        page_token: str | None = None,
    ) -> RunPage:
        """One page of the runs of the W&B projects ``scope`` lists whose creation lies in ``[since,
        until]``, newest first; ``max_results`` is capped at 1,000. ``statuses`` (as W&B's states map
        onto them) and ``run_ids`` narrow on the server too."""
        scopes = self._scopes(scope)
        if not scopes:
            # Reading every project of an entity by accident is worse than failing loudly.
            raise ValueError("search_runs needs at least one experiment (a W&B project: entity/project)")
        wanted = [i for i in check_run_ids(run_ids) if is_valid_run_id(i)]
        if run_ids and not wanted:  # ids W&B cannot have (another tracker's, in a composite)
            return RunPage([])
        filters = run_filters(since=since, until=until, user=user, statuses=statuses, run_ids=wanted)
        low = aware(since, "since") if since is not None else None
        high = aware(until, "until") if until is not None else None
        size = max(1, min(int(max_results), MAX_PAGE))
        try:
            page = await self._call(lambda: self._merged_page(scopes, filters, size, page_token))
        except TrackerUnavailableError:
            if page_token or not await self._offline_runs(scopes):
                raise
            page = RunPage([])  # W&B is out of reach (an air-gapped box): the offline runs still read
        if not page_token:  # unsynced offline runs join the first page
            seen = {r.run_id for r in page.runs}
            page.runs[:] = sorted([*page.runs, *[
                r for r in await self._offline_runs(scopes) if r.run_id not in seen and (user is None or r.user == user)
                and (not statuses or r.status in statuses) and (not wanted or r.run_id in wanted)]],
                key=lambda r: r.start, reverse=True)
        if low is not None or high is not None:  # the server's window was whole seconds wide
            page.runs[:] = [r for r in page.runs
                            if (low is None or r.start >= low) and (high is None or r.start <= high)]
        return page

    async def get_run(self, run_ref: str, *, scope: Sequence[str] = ()) -> TrackedRun:
        """A run by full id or unique prefix (6+ characters), with what ``wandb-metadata.json`` says
        about how it was started. Resolved within ``scope``; without one, in the project the run was
        last seen in, else in every project of the default entity."""
        ref = self._checked_ref(run_ref)
        try:
            found = await self._call(lambda: self._resolve(ref, self._scopes(scope)))
        except (RunNotFoundError, TrackerUnavailableError):
            offline = [r for r in await self._offline_runs(self._scopes(scope)) if r.run_id.startswith(ref)]
            if len(offline) > 1:
                raise AmbiguousRunIdError(ref, sorted(r.run_id for r in offline)) from None
            if offline:
                return offline[0]
            raise
        return await self._call(lambda: self._convert(found[0], found[1], metadata=True))

    async def find_runs_by_name(self, name: str, *, scope: Sequence[str]) -> list[TrackedRun]:
        """Runs whose display name is exactly ``name``, newest first (the server filters by name)."""
        scopes = self._scopes(scope)
        if not scopes or not name:
            return []
        filters = {"displayName": name}

        def named() -> list[TrackedRun]:
            # Re-checked here: a server may compare names without regard to case.
            return [r for path in scopes for r in self._all_runs(path, filters) if r.run_name == name]

        found = await self._call(named)
        known = {r.run_id for r in found}
        found += [r for r in await self._offline_runs(scopes) if r.run_name == name and r.run_id not in known]
        return sorted(found, key=lambda r: r.start, reverse=True)

    async def write_note(self, run_id: str, *, entry_id: str, section: str) -> None:
        """Put the entry's line into COCO's block of the run's notes (the person's text kept) and add
        the ``coco`` label, in one ``UpsertBucket`` that sends nothing else (config and summary are
        left to whatever is writing them). The notes are read just before: the window in which an
        edit made in the UI could be lost is one round trip."""
        ref = self._checked_ref(run_id)
        if any(r.run_id == ref for r in await self._offline_runs([])):
            # Queued and retried like any outage: after `wandb sync` the run is on the server.
            raise TrackerUnavailableError(self._display, f"run {ref} is offline; `wandb sync` it to write its note")

        def write() -> None:
            run, _path = self._resolve(ref, [])
            note = merge_note(run.notes or "", section, entry_id=entry_id)
            labels = list(run.tags or [])
            changes: dict[str, Any] = {}
            if note != (run.notes or ""):
                changes["notes"] = ("String", note)
            if COCO_TAG not in labels:
                changes["tags"] = ("[String!]", [*labels, COCO_TAG])
            upsert(run, changes)

        await self._call(write)

    async def remove_note(self, run_id: str, *, entry_id: str) -> None:
        """Take the entry's line out of COCO's block of the run's notes (the person's text kept)."""
        ref = self._checked_ref(run_id)

        def write() -> None:
            run, _path = self._resolve(ref, [])
            note, _newest = drop_note_line(run.notes or "", entry_id)
            upsert(run, {"notes": ("String", note)} if note != (run.notes or "") else {})

        await self._call(write)

    async def aclose(self) -> None:
        # The client holds no sockets of its own (wandb-core does, and stops with the process).
        self._api = None

    async def _offline_runs(self, scopes: list[str]) -> list[TrackedRun]:
        """Unsynced offline runs of ``scopes`` (of any project when none is given)."""
        if self._offline is None:
            return []
        runs = await asyncio.to_thread(self._offline.runs, scopes or None)
        for run in runs:
            self._remember(run.run_id, run.experiment_id)
        return runs

    # -- the client ---------------------------------------------------------------------------
    def _client(self) -> Api:
        with self._lock:
            if self._api is not None:
                return self._api
            _quiet_wandb()
            self._check_reachable()
            wandb = import_wandb()

            overrides: dict[str, Any] = {}
            if self._base_url:
                overrides["base_url"] = self._base_url
            entity = self._entity or os.environ.get("WANDB_ENTITY")
            if entity:
                overrides["entity"] = entity
            key = self._api_key or os.environ.get("WANDB_API_KEY") or None
            self._api = wandb.Api(overrides=overrides or None, api_key=key, timeout=self._timeout)
            return self._api

    def _check_reachable(self) -> None:
        """Fail in seconds when nothing listens at the server's address (wandb-core would retry a
        refused connection until its request timeout)."""
        base = self._base_url or os.environ.get("WANDB_BASE_URL")
        if not base:
            return
        parts = urlsplit(base if "://" in base else f"https://{base}")
        if not parts.hostname:
            raise UserInputError(f"The W&B base URL {base!r} has no host (WANDB_BASE_URL or the project's tracker).")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            socket.create_connection((parts.hostname, port), timeout=self._connect_timeout).close()
        except OSError as exc:
            raise TrackerUnavailableError(self._display, f"cannot connect: {exc.strerror or exc}") from exc

    async def _call(self, fn: Callable[[], T]) -> T:
        return await asyncio.to_thread(self._guarded, fn)

    def _guarded(self, fn: Callable[[], T]) -> T:
        """``fn`` with W&B's failures turned into COCO's: an outside failure or a person's mistake."""
        import_wandb()
        from wandb.errors import AuthenticationError, CommError, UsageError
        from wandb.sdk.lib.service.service_connection import WandbApiFailedError

        try:
            return fn()
        except _ProjectMissing as missing:
            raise UserInputError(
                f"No W&B project {missing.path!r} at {self._display}, or this API key may not see it "
                "(give ENTITY/PROJECT; check WANDB_ENTITY and WANDB_API_KEY)."
            ) from None
        except AuthenticationError as exc:
            cause = exc.__cause__
            raise self._failure(cause if isinstance(cause, WandbApiFailedError) else None, str(exc)) from exc
        except WandbApiFailedError as exc:
            raise self._failure(exc, str(exc)) from exc
        except UsageError as exc:  # no key, or one W&B refuses before sending (under 40 characters)
            raise TrackerUnavailableError(
                self._display, f"no usable API key ({_first_line(exc)}); set WANDB_API_KEY") from exc
        except CommError as exc:
            raise TrackerUnavailableError(self._display, _first_line(exc)) from exc

    def _failure(self, exc: Any, message: str) -> TrackerUnavailableError:
        status = getattr(getattr(exc, "response", None), "http_status", None) or None
        if status in (401, 403) or "not logged in" in message:
            return TrackerUnavailableError(
                self._display, f"not authorised (HTTP {status or 401}: user is not logged in); check WANDB_API_KEY")
        detail = _first_line(message.split(": ", 1)[-1] if "verify credentials" in message else message)
        return TrackerUnavailableError(self._display, f"HTTP {status}: {detail}" if status else detail)

    # -- reading ------------------------------------------------------------------------------------
    def _scopes(self, scope: Sequence[str]) -> list[str]:
        items = [scope] if isinstance(scope, str) else scope
        return [s for s in (str(p).strip().strip("/") for p in items) if s]

    def _project_path(self, name: str) -> str:
        text = name.strip().strip("/")
        parts = [p for p in text.split("/") if p]
        if len(parts) == 2:
            return "/".join(parts)
        if len(parts) == 1:
            entity = self._entity or os.environ.get("WANDB_ENTITY") or self._client().default_entity
            if entity:
                return f"{entity}/{parts[0]}"
        raise UserInputError(f"Give the W&B project as ENTITY/PROJECT, not {name!r}.")

    def _page(
        self, path: str, filters: Mapping[str, Any], size: int, cursor: str | None
    ) -> tuple[list[Run], list[str], bool]:
        """One server page after ``cursor``: the runs, each one's cursor, and whether more follow."""
        api = self._client()
        with self._lock:
            # api.runs() caches by (path, filters, order) until flush(): a fresh paginator each time.
            api.flush()
            runs = api.runs(path, filters=dict(filters), order=ORDER, per_page=size, lazy=False)
        runs.QUERY = _lighter(runs.QUERY)
        if cursor:
            # Resume where a previous page ended: the paginator reads its next cursor from the last
            # response's last edge, and loads the page after it.
            runs.last_response = {"project": {"runs": {"edges": [{"cursor": cursor}],
                                                         "pageInfo": {"hasNextPage": True}}}}
        try:
            runs[0]  # loads one page
        except IndexError:
            pass
        except ValueError as exc:  # "Could not find project ...": the server answered null
            raise _ProjectMissing(path) from exc
        response = runs.last_response or {}
        if response.get("project") is None:
            raise _ProjectMissing(path)
        edges = (response["project"].get("runs") or {}).get("edges") or []
        return list(runs.objects), [e.get("cursor") or "" for e in edges], bool(runs.more)

    def _check_project(self, path: str) -> None:
        self._page(path, {}, 1, None)

    def _merged_page(self, scopes: list[str], filters: Mapping[str, Any], size: int, token: str | None) -> RunPage:
        state: _State = _decode_token(token, scopes) if token else dict.fromkeys(scopes, (None, False))
        fetched: dict[str, tuple[list[TrackedRun], list[str], bool]] = {}
        for path in scopes:
            cursor, done = state[path]
            if done:
                continue
            page, cursors, more = self._page(path, filters, size, cursor)
            fetched[path] = ([self._convert(r, path) for r in page], cursors, more)
        # Each project's page is newest first already; several are merged newest first.
        streams = [[(r, path, i) for i, r in enumerate(runs)] for path, (runs, _c, _m) in fetched.items()]
        merged = heapq.merge(*streams, key=lambda item: item[0].start, reverse=True) if len(streams) > 1 \
            else iter(streams[0] if streams else [])
        taken = [item for _, item in zip(range(size), merged, strict=False)]
        used: dict[str, int] = {}
        for _run, path, i in taken:
            used[path] = i + 1
        for path, (runs, cursors, more) in fetched.items():
            n = used.get(path, 0)
            state[path] = (cursors[n - 1] if n else state[path][0], n == len(runs) and not more)
        finished = all(done for _c, done in state.values())
        return RunPage([r for r, _p, _i in taken], None if finished else _encode_token(state))

    def _all_runs(self, path: str, filters: Mapping[str, Any]) -> list[TrackedRun]:
        found: list[TrackedRun] = []
        cursor: str | None = None
        while True:
            runs, cursors, more = self._page(path, filters, MAX_PAGE, cursor)
            found += [self._convert(r, path) for r in runs]
            if not more or not cursors:
                return found
            cursor = cursors[-1]

    def _checked_ref(self, run_ref: str) -> str:
        ref = run_ref.strip()
        if len(ref) < RUN_ID_MIN_PREFIX:
            raise UserInputError(
                f"The run reference {ref!r} is too short: give {RUN_ID_MIN_PREFIX}+ characters of the run id."
            )
        if not is_valid_run_id(ref) or any(c.isspace() for c in ref):
            raise RunNotFoundError(ref)
        return ref

    def _candidate_scopes(self, ref: str, scopes: list[str]) -> list[str]:
        if scopes:
            return scopes
        seen = self._scope_of.get(ref)
        if seen:
            return [seen]
        # Every project of the default entity: what `wandb.Api().run("id")` would look in, and more.
        api = self._client()
        entity = self._entity or os.environ.get("WANDB_ENTITY") or api.default_entity
        if not entity:
            return []
        return [f"{entity}/{p.name}" for p in api.projects(entity)]

    def _resolve(self, ref: str, scopes: list[str]) -> tuple[Run, str]:
        """The one run whose id is ``ref`` or starts with it (exact case first, then any case)."""
        pattern = "(?i)^" + re.escape(ref)
        matches: dict[str, tuple[Run, str]] = {}
        for path in self._candidate_scopes(ref, scopes):
            for run in self._raw_runs(path, {"name": {"$regex": pattern}}):
                matches.setdefault(run.id, (run, path))
        if ref in matches:  # a complete id is not ambiguous with longer ones
            return matches[ref]
        exact = {i: m for i, m in matches.items() if i.startswith(ref)}
        chosen = exact or {i: m for i, m in matches.items() if i.lower().startswith(ref.lower())}
        if not chosen:
            raise RunNotFoundError(ref, where=f"W&B at {self._display}")
        if len(chosen) > 1:
            # Matched without regard to case: generated ids are lower case, and so is the reference.
            raise AmbiguousRunIdError(ref if exact else ref.lower(), sorted(chosen))
        [(_id, found)] = chosen.items()
        return found

    def _raw_runs(self, path: str, filters: Mapping[str, Any]) -> Iterator[Run]:
        cursor: str | None = None
        while True:
            runs, cursors, more = self._page(path, filters, MAX_PAGE, cursor)
            yield from runs
            if not more or not cursors:
                return
            cursor = cursors[-1]

    # -- conversion (the hot path of every read) ------------------------------------------------
    def _remember(self, run_id: str, path: str) -> None:
        with self._known_lock:
            if len(self._scope_of) >= _KNOWN_CAP:
                self._scope_of.clear()
                self._letter_ids.clear()
            self._scope_of[run_id] = path
            if _LETTER_ID.fullmatch(run_id):
                self._letter_ids.add(run_id)

    def _convert(self, run: Run, path: str, *, metadata: bool = False) -> TrackedRun:
        attrs: Mapping[str, Any] = run._attrs  # the GraphQL node as the client parsed it
        run_id = str(attrs.get("name") or run.id)
        self._remember(run_id, path)
        state = str(attrs.get("state") or "").lower()
        status = STATUS.get(state, "RUNNING")
        start = _parse_time(attrs.get("createdAt")) or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        summary = attrs.get("summaryMetrics") or {}
        if not isinstance(summary, dict):
            summary = run.summary_metrics
        end: dt.datetime | None = None
        if status in _NOT_RUNNING:
            runtime = _number(summary.get("_runtime"))
            if runtime is not None and math.isfinite(runtime):
                end = start + dt.timedelta(seconds=runtime)
            else:
                end = _parse_time(attrs.get("heartbeatAt")) or start
        user = attrs.get("user") or {}
        notes = str(attrs.get("notes") or "")
        labels = [str(t) for t in attrs.get("tags") or ()]
        person = label_tags(labels)
        recorded: dict[str, str] = {**person, PATH_TAG: f"{path}/{run_id}", STATE_TAG: state}
        for key, value in (("commit", attrs.get("commit")), ("group", attrs.get("group")),
                           ("job_type", attrs.get("jobType")), ("sweep", attrs.get("sweepName"))):
            if value:
                recorded[COMMIT_TAG if key == "commit" else WANDB_PREFIX + key] = str(value)
        if notes:
            recorded[NOTES_TAG] = notes
        if metadata:
            recorded.update(self._metadata_tags(run))
        user_tags, facts = read_wandb_tags(recorded)
        config = attrs.get("config") or {}
        return TrackedRun(
            run_id=run_id,
            run_name=str(attrs.get("displayName") or ""),
            experiment_id=path,
            user=str(user.get("username") or "") if isinstance(user, dict) else "",
            status=status,
            start=start,
            end=end,
            params=params_of(config if isinstance(config, dict) else run.config),
            metrics=metrics_of(summary),
            tags=user_tags,
            url=run.url,
            facts=facts,
            note=notes,
            recorded_tags=recorded,
        )

    @staticmethod
    def _metadata_tags(run: Run) -> dict[str, str]:
        """What ``wandb-metadata.json`` records about how the run started (two more requests: only for
        one run at a time, never for a page)."""
        meta = run.metadata or {}
        out: dict[str, str] = {}
        found_git = meta.get("git")
        git: dict[str, Any] = found_git if isinstance(found_git, dict) else {}
        for tag, value in ((PROGRAM_TAG, meta.get("program")), (CODE_PATH_TAG, meta.get("codePath")),
                           (COMMIT_TAG, git.get("commit")), (WANDB_PREFIX + "git_remote", git.get("remote")),
                           (WANDB_PREFIX + "python", meta.get("python")), (WANDB_PREFIX + "os", meta.get("os")),
                           (WANDB_PREFIX + "docker", meta.get("docker")),
                           (WANDB_PREFIX + "executable", meta.get("executable"))):
            if value:
                out[tag] = str(value)
        args = meta.get("args")
        if isinstance(args, list) and args:
            out[ARGS_TAG] = " ".join(str(a) for a in args)
        return out


def _first_line(text: object, limit: int = 240) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else "unknown error"
    return line if len(line) <= limit else line[: limit - 1] + "…"

