"""The ``Tracker`` port: what COCO needs from an experiment tracker, and nothing more.

Implementations are chosen by URI scheme in :func:`adapters.open_tracker` (``sqlite:``, ``file:``,
``http(s)://`` for MLflow; ``wandb://`` later). Every method is async; a synchronous client runs in
a worker thread. Paging is explicit, as in MLflow's stores: ``search_runs`` returns one page and a
``next_page_token``; :func:`iter_runs` walks every page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

RUN_ID_MIN_PREFIX = 6
COCO_ENTRY_TAG = "coco.entry_id"
NOTE_TAG = "mlflow.note.content"
NOTE_LIMIT = 8000  # MLflow cuts tag values (the note included) at 8,000 characters


@dataclass(frozen=True, slots=True)
class Experiment:
    experiment_id: str
    name: str


@dataclass(frozen=True, slots=True)
class TrackedRun:
    """A run as the tracker reports it. Metric values are the tracker's, never rewritten."""

    run_id: str
    run_name: str
    experiment_id: str
    user: str
    status: str  # FINISHED | FAILED | KILLED | RUNNING | SCHEDULED
    start: dt.datetime  # timezone-aware, UTC
    end: dt.datetime | None
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    url: str = ""

    @property
    def failed(self) -> bool:
        return self.status in {"FAILED", "KILLED"}

    @property
    def duration_minutes(self) -> float | None:
        if self.end is None:
            return None
        return (self.end - self.start).total_seconds() / 60.0


@dataclass(frozen=True, slots=True)
class RunPage:
    runs: list[TrackedRun]
    next_page_token: str | None = None


@runtime_checkable
class Tracker(Protocol):
    """The port every tracker implements."""

    @property
    def uri(self) -> str: ...

    @property
    def kind(self) -> str:
        """``mlflow`` or ``wandb``."""
        ...

    async def get_experiment(self, name_or_id: str) -> Experiment:
        """Find an experiment by name, else by id; ``RunNotFoundError``-like ``UserInputError`` if none."""
        ...

    async def search_runs(
        self,
        *,
        experiment_ids: Sequence[str],
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        user: str | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> RunPage:
        """One page of runs whose start time lies in ``[since, until]``, newest first."""
        ...

    async def get_run(self, run_ref: str, *, experiment_ids: Sequence[str] = ()) -> TrackedRun:
        """A run by full id or unique prefix (6+ characters).

        Raises ``RunNotFoundError`` or ``AmbiguousRunIdError`` (both carry the reference).
        A full 32-hex id is looked up directly; a prefix is resolved within ``experiment_ids``.
        """
        ...

    def run_url(self, run: TrackedRun) -> str: ...

    async def write_note(self, run_id: str, *, entry_id: str, section: str) -> None:
        """Write COCO's section into the run's note (keeping the person's own note text) and tag
        the run with ``coco.entry_id``. The note stays under ``NOTE_LIMIT`` characters."""
        ...

    async def aclose(self) -> None: ...


async def iter_runs(
    tracker: Tracker,
    *,
    experiment_ids: Sequence[str],
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    user: str | None = None,
    page_size: int = 1000,
) -> AsyncIterator[TrackedRun]:
    """Every run matching the filter, following ``next_page_token`` to the end."""
    token: str | None = None
    while True:
        page = await tracker.search_runs(
            experiment_ids=experiment_ids,
            since=since,
            until=until,
            user=user,
            max_results=page_size,
            page_token=token,
        )
        for run in page.runs:
            yield run
        token = page.next_page_token
        if not token:
            return


COCO_SECTION_BEGIN = "<!-- coco:begin -->"
COCO_SECTION_END = "<!-- coco:end -->"


def merge_note(existing: str, section: str, *, limit: int = NOTE_LIMIT) -> str:
    """The run note with COCO's section replaced (or appended), the person's text kept whole.

    COCO's part is shortened, never the person's: if the person's own note alone is near the limit,
    COCO's section shrinks to a one-line pointer, and to nothing if even that does not fit.
    """
    own = existing
    if COCO_SECTION_BEGIN in existing:
        head, _, rest = existing.partition(COCO_SECTION_BEGIN)
        _, _, tail = rest.partition(COCO_SECTION_END)
        own = (head.rstrip("\n") + ("\n" + tail.lstrip("\n") if tail.strip() else "")).rstrip("\n")
    own = own[:limit]
    glue = "\n\n" if own else ""
    room = limit - len(own) - len(glue) - len(COCO_SECTION_BEGIN) - len(COCO_SECTION_END) - 2
    if room <= 0:
        return own
    body = section if len(section) <= room else section[: max(0, room - 1)].rstrip() + "…"
    return f"{own}{glue}{COCO_SECTION_BEGIN}\n{body}\n{COCO_SECTION_END}"


def utc(ts_ms: int | float | None) -> dt.datetime | None:
    """Milliseconds since the epoch (the tracker's clock) as an aware UTC datetime."""
    if ts_ms is None:
        return None
    return dt.datetime.fromtimestamp(float(ts_ms) / 1000.0, tz=dt.UTC)
