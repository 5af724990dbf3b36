"""What the two MLflow trackers share: filters, run references, prefix resolution, notes and URLs.

:class:`~adapters.mlflow_local.MlflowLocalTracker` (``MlflowClient`` on a store) and
:class:`~adapters.mlflow_rest.MlflowRestTracker` (the server's REST API) differ only in how they
talk to MLflow. Everything a person can observe — which runs a window holds, how a prefix resolves,
what a run note becomes — is decided here once, so both behave the same and one test suite runs
against both.
"""

from __future__ import annotations

import abc
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from adapters._mlflow_names import NOTE_TAG, RUN_REF_PATTERN, USER_TAG, looks_like_run_ref
from adapters.tracker import (
    COCO_ENTRY_TAG,
    RUN_ID_MIN_PREFIX,
    RUN_STATUSES,
    Experiment,
    RunPage,
    TrackedRun,
    check_run_ids,
    check_statuses,
    drop_note_line,
    merge_note,
)
from core.errors import AmbiguousRunIdError, RunNotFoundError, UserInputError

PrefixSearch = Literal["auto", "scan"]
MAX_PAGE = 1000  # the REST API's (and Databricks') page limit; local stores get the same for parity
ORDER_BY = ["attributes.start_time DESC"]  # MLflow adds run_id as the tie-breaker: pages are stable
DEFAULT_LOCAL_UI_URL = "http://127.0.0.1:5000"  # where `mlflow ui --backend-store-uri ...` listens
# A run without a start time (only ever SCHEDULED ones) still needs a datetime in TrackedRun.
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_US = dt.timedelta(microseconds=1)

_FULL_ID = re.compile(r"[0-9a-f]{32}")
_HEX = re.compile(r"[0-9a-fA-F]+")
# MLflow's own run-id rule (mlflow.utils.validation._validate_run_id). Anything else matches no run,
# and keeping to it means a reference can be put inside a filter string without quoting problems.
_RUN_ID_CHARS = re.compile(r"[A-Za-z0-9][\w\-]*")


class StoreRefusedError(UserInputError):
    """MLflow refused a request as invalid (``INVALID_PARAMETER_VALUE`` and the like).

    A :class:`UserInputError` because what reaches MLflow comes from the person's configuration
    (experiment ids, a page token); the prefix lookup also catches it to detect a store that cannot
    ``LIKE`` on ``run_id``.
    """

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where} refused the request: {message}")
        self.mlflow_message = message


def netloc_without_credentials(netloc: str) -> str:
    return netloc.rpartition("@")[2]


def redact(uri: str) -> str:
    """``uri`` without user:password, for messages and logs (errors never carry secrets)."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=netloc_without_credentials(parts.netloc)))


def _epoch_us(when: dt.datetime, what: str) -> int:
    if when.tzinfo is None or when.utcoffset() is None:
        # A naive datetime is ambiguous (local time? UTC?) and the window would silently shift.
        raise ValueError(f"{what} must be a timezone-aware datetime, got {when!r}")
    return (when - EPOCH) // _ONE_US


def run_filter(
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    user: str | None,
    statuses: Sequence[str] = (),
    run_ids: Sequence[str] = (),
) -> str:
    """MLflow's filter string for a start-time window ``[since, until]``, a user, statuses and run ids
    (``run_ids`` already cut to the ids MLflow can have)."""
    clauses: list[str] = []
    if run_ids:
        # `IN` is MLflow's only list comparison, and only for run_id; the ids are _RUN_ID_CHARS only.
        clauses.append(f"attributes.run_id IN ({', '.join(repr(str(i)) for i in run_ids)})")
    wanted = check_statuses(statuses)
    if len(wanted) == 1:
        clauses.append(f"attributes.status = '{wanted[0]}'")
    elif wanted:
        # Several statuses: the grammar has no OR and no IN for status, but AND of the others' `!=`.
        clauses += [f"attributes.status != '{s}'" for s in RUN_STATUSES if s not in wanted]
    if since is not None:
        # Round inwards: start_time is whole milliseconds, the window edges may not be.
        clauses.append(f"attributes.start_time >= {-(-_epoch_us(since, 'since') // 1000)}")
    if until is not None:
        clauses.append(f"attributes.start_time <= {_epoch_us(until, 'until') // 1000}")
    if user is not None:
        # MLflow's filter grammar has no escape for a quote inside a string (and a trailing
        # backslash would escape the closing quote): such a name cannot be searched exactly.
        if "'" in user or "\\" in user:
            raise UserInputError(f"The user name {user!r} cannot be searched in MLflow (quote or backslash).")
        clauses.append(f"tags.`{USER_TAG}` = '{user}'")
    return " AND ".join(clauses)


def clean_experiment_ids(scope: Sequence[str]) -> list[str]:
    """The experiment ids of a scope (for MLflow, a scope is a list of experiment ids)."""
    # A lone string is a Sequence[str] too: "12" must not become ["1", "2"].
    items = [scope] if isinstance(scope, str) else scope
    return [s for s in (str(e).strip() for e in items) if s]


def clamp_page(max_results: int) -> int:
    # Asking for more than a page is not an error: the rest comes with next_page_token.
    return max(1, min(int(max_results), MAX_PAGE))


def parse_run_ref(run_ref: str) -> tuple[str, bool]:
    """``(reference, is_full_id)``; raises for a reference that cannot name a run."""
    ref = run_ref.strip()
    if len(ref) < RUN_ID_MIN_PREFIX:
        raise UserInputError(
            f"The run reference {ref!r} is too short: give {RUN_ID_MIN_PREFIX}+ characters of the run id."
        )
    if not _RUN_ID_CHARS.fullmatch(ref):
        raise RunNotFoundError(ref)
    if _HEX.fullmatch(ref):
        ref = ref.lower()  # MLflow writes hex ids in lower case; a pasted upper-case id still matches
    return ref, bool(_FULL_ID.fullmatch(ref))


class MlflowTrackerBase(abc.ABC):
    """The ``Tracker`` behaviour over five primitives that each MLflow transport implements."""

    def __init__(self, uri: str, *, url_base: str, prefix_search: PrefixSearch = "auto") -> None:
        """``prefix_search``: ``"auto"`` asks the store for ``run_id LIKE 'prefix%'`` and falls back
        to listing run ids if the store refuses; ``"scan"`` always lists run ids (portable, slower)."""
        if prefix_search not in ("auto", "scan"):
            raise ValueError(f"prefix_search must be 'auto' or 'scan', not {prefix_search!r}")
        self._uri = uri
        self._where = f"MLflow at {redact(uri)}"
        self._url_prefix = f"{url_base.rstrip('/')}/#/experiments/"
        # Whether the store accepts `attributes.run_id LIKE 'abc%'` (MLflow 3 sqlite/file stores and
        # servers do; other implementations of the API may not). Learnt on the first lookup.
        self._like_run_id: bool | None = False if prefix_search == "scan" else None

    # -- the Tracker protocol ---------------------------------------------------------------
    @property
    def uri(self) -> str:
        return self._uri

    @property
    def kind(self) -> str:
        return "mlflow"

    @property
    def run_ref_pattern(self) -> re.Pattern[str]:
        return RUN_REF_PATTERN

    def looks_like_run_ref(self, token: str) -> bool:
        return looks_like_run_ref(token)

    def run_url(self, run: TrackedRun) -> str:
        return self.url_for(run.experiment_id, run.run_id)

    def url_for(self, experiment_id: str, run_id: str) -> str:
        return f"{self._url_prefix}{experiment_id}/runs/{run_id}"

    @abc.abstractmethod
    async def get_experiment(self, name_or_id: str) -> Experiment: ...

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
        """One page of active runs of the experiments ``scope`` lists, newest first; ``max_results``
        is capped at 1,000 a page. ``statuses`` and ``run_ids`` are filtered by MLflow."""
        ids = clean_experiment_ids(scope)
        if not ids:
            # Reading every experiment of a shared server by accident is worse than failing loudly.
            raise ValueError("search_runs needs at least one experiment id")
        wanted = check_run_ids(run_ids)
        # An id MLflow cannot have (another tracker's, in a composite) matches nothing; MLflow writes
        # hex ids in lower case.
        known = [i.lower() if _HEX.fullmatch(i) else i for i in wanted if _RUN_ID_CHARS.fullmatch(i)]
        if wanted and not known:
            return RunPage([])
        where = run_filter(since=since, until=until, user=user, statuses=statuses, run_ids=known)
        return await self._search(ids, where, clamp_page(max_results), page_token or None)

    async def get_run(self, run_ref: str, *, scope: Sequence[str] = ()) -> TrackedRun:
        """A run by full id (looked up directly) or unique prefix of 6+ characters.

        A prefix is resolved among the active runs of the experiments ``scope`` lists (of every active
        experiment when none are given). Deleted runs count as absent.
        """
        ref, full = parse_run_ref(run_ref)
        if full:
            run = await self._fetch(ref)
            if run is None:
                raise RunNotFoundError(ref, where=self._where)
            return run
        ids = clean_experiment_ids(scope) or await self._active_experiment_ids()
        matches = await self._prefix_matches(ref, ids) if ids else {}
        if ref in matches:  # a complete non-standard id is not ambiguous with longer ones
            matches = {ref: matches[ref]}
        if not matches:
            raise RunNotFoundError(ref, where=self._where)
        if len(matches) > 1:
            raise AmbiguousRunIdError(ref, sorted(matches))
        [(run_id, found)] = matches.items()
        if found is None:
            found = await self._fetch(run_id)
            if found is None:  # deleted between the scan and now
                raise RunNotFoundError(ref, where=self._where)
        return found

    async def find_runs_by_name(self, name: str, *, scope: Sequence[str]) -> list[TrackedRun]:
        """Runs named exactly ``name`` (case and spaces included), newest first.

        The store filters on ``attributes.run_name``; a name its filter grammar cannot quote (both
        quote kinds, or a backslash) is matched by walking the experiments' runs instead."""
        ids = clean_experiment_ids(scope)
        if not ids or not name:
            return []
        quote = "'" if "'" not in name else '"'
        found: list[TrackedRun] = []
        token: str | None = None
        exact = quote not in name and "\\" not in name
        where = f"attributes.run_name = {quote}{name}{quote}" if exact else ""
        while True:
            page = await self._search(ids, where, MAX_PAGE, token)
            # Re-checked here: a store may compare names without regard to case.
            found += [r for r in page.runs if r.run_name == name]
            token = page.next_page_token
            if not token:
                return found

    async def write_note(self, run_id: str, *, entry_id: str, section: str) -> None:
        """Put the entry's line into COCO's block of the run note (one line per entry, newest first;
        the person's text is kept) and tag the entry.

        MLflow has no compare-and-set on tags: a note edited in the UI between the read and the write
        here would lose that edit. The window is one round trip.
        """
        run = await self.get_run(run_id)
        note = merge_note(run.note, section, entry_id=entry_id)
        await self._set_tags(run.run_id, {NOTE_TAG: note, COCO_ENTRY_TAG: entry_id})

    async def remove_note(self, run_id: str, *, entry_id: str) -> None:
        """Take the entry's line out of COCO's block of the run note (same one-round-trip window as
        :meth:`write_note`); nothing is written when the note never named the entry."""
        run = await self.get_run(run_id)
        note, newest = drop_note_line(run.note, entry_id)
        if note == run.note:
            return
        tags = {NOTE_TAG: note}
        if run.recorded_tags.get(COCO_ENTRY_TAG) == entry_id:
            tags[COCO_ENTRY_TAG] = newest
        await self._set_tags(run.run_id, tags)

    @abc.abstractmethod
    async def aclose(self) -> None: ...

    # -- prefix resolution --------------------------------------------------------------------
    async def _prefix_matches(self, prefix: str, experiment_ids: list[str]) -> dict[str, TrackedRun | None]:
        """Run ids starting with ``prefix`` (with the run when it was loaded on the way)."""
        if self._like_run_id is not False:
            try:
                found = await self._like_matches(prefix, experiment_ids)
            except StoreRefusedError:
                self._like_run_id = False
            else:
                self._like_run_id = True
                return found
        # Fallback: walk every run id of the experiments and compare. Slower, but portable.
        return {rid: None for rid in await self._scan_ids(experiment_ids) if rid.startswith(prefix)}

    async def _like_matches(self, prefix: str, experiment_ids: list[str]) -> dict[str, TrackedRun | None]:
        # The store narrows with LIKE; startswith() re-checks because LIKE may ignore case and '_' is
        # its single-character wildcard.
        found: dict[str, TrackedRun | None] = {}
        token: str | None = None
        while True:
            page = await self._search(
                experiment_ids, f"attributes.run_id LIKE '{prefix}%'", MAX_PAGE, token
            )
            found.update((r.run_id, r) for r in page.runs if r.run_id.startswith(prefix))
            token = page.next_page_token
            if not token:
                return found

    # -- what each transport provides -----------------------------------------------------------
    @abc.abstractmethod
    async def _search(
        self, experiment_ids: list[str], filter_string: str, max_results: int, page_token: str | None
    ) -> RunPage:
        """One page of active runs, ``ORDER_BY``; ``StoreRefusedError`` for a refused filter."""

    @abc.abstractmethod
    async def _scan_ids(self, experiment_ids: list[str]) -> list[str]:
        """Every active run id of the experiments, converting nothing else."""

    @abc.abstractmethod
    async def _fetch(self, run_id: str) -> TrackedRun | None:
        """The run with exactly this id, or None when there is none (or it is deleted)."""

    @abc.abstractmethod
    async def _set_tags(self, run_id: str, tags: Mapping[str, str]) -> None: ...

    @abc.abstractmethod
    async def _active_experiment_ids(self) -> list[str]: ...
