"""The ``Tracker`` port: what COCO needs from an experiment tracker, and nothing more.

Implementations are chosen by URI scheme in :func:`adapters.open_tracker` (``sqlite:``, ``file:``,
``http(s)://`` for MLflow; ``wandb://`` later). Every method is async; a synchronous client runs in
a worker thread. Paging is explicit, as in MLflow's stores: ``search_runs`` returns one page and a
``next_page_token``; :func:`iter_runs` walks every page.

Nothing outside ``adapters/`` needs to know which tracker it talks to: a project's part of the
tracker is an opaque *scope* (MLflow experiment ids; W&B ``entity/project``), a run reference is
recognised by the tracker's :attr:`Tracker.run_ref_pattern`, and how a run was started (commit,
script, entry point) arrives as :class:`RunFacts`, never as the tracker's tag names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

RUN_ID_MIN_PREFIX = 6
COCO_ENTRY_TAG = "coco.entry_id"
NOTE_LIMIT = 8000  # MLflow cuts tag values (the note included) at 8,000 characters
# Every status a TrackedRun may have (MLflow's words; W&B's states are mapped onto them).
RUN_STATUSES = ("RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED")
# A run in one of these may still change (metrics, status, end): an incremental sync reads it again.
ACTIVE_STATUSES = ("RUNNING", "SCHEDULED")
# At most this many ``run_ids`` in one ``search_runs`` call (one filter string, one request);
# :func:`iter_runs` splits a longer list.
RUN_IDS_PER_SEARCH = 100


@dataclass(frozen=True, slots=True)
class Experiment:
    experiment_id: str
    name: str


@dataclass(frozen=True, slots=True)
class FactLabels:
    """How a tracker names the places its facts come from, for the words of a reproduction audit."""

    commit: str = "git commit"  # "no {commit} tag"
    source: str = "source"  # where the script or notebook a run started from is recorded
    project_entry: str = "project entry point"  # a run started as a project's entry point
    project_params: str = "pass the entry point's params"  # how a project run takes its params again


@dataclass(frozen=True, slots=True)
class RunFacts:
    """How a run was started, as the tracker recorded it: what reproducing it needs. ``""`` = not recorded."""

    git_commit: str = ""
    source_name: str = ""  # the script, notebook or repository the run was started from
    source_type: str = ""  # as the tracker spells it: LOCAL, NOTEBOOK, PROJECT, JOB...
    entry_point: str = ""  # the project entry point, for a run started as a project
    rerun_command: str = ""  # the tracker's own command that re-runs that entry point
    dataset: tuple[str, str] | None = None  # (field, value) of the data version the tracker recorded
    # The tracker's other fields about the run (environment, image...), by the tracker's names: not the
    # person's tags, but read like them when looking for an environment or a dirty tree.
    other: Mapping[str, str] = field(default_factory=dict)
    labels: FactLabels = FactLabels()


@dataclass(frozen=True, slots=True)
class TrackedRun:
    """A run as the tracker reports it. Metric values are the tracker's, never rewritten.

    ``tags`` are the person's own tags only; what the tracker itself recorded about the run is in
    ``facts`` (and ``user``, ``run_name``, ``note``). ``recorded_tags`` is every tag as the tracker
    stores it: what a cache keeps, so that :func:`adapters.recorded_facts` can read the facts back.
    """

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
    facts: RunFacts = RunFacts()
    note: str = ""  # the run's description, as people write it in the tracker's UI
    recorded_tags: Mapping[str, str] = field(default_factory=dict)

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
    """The port every tracker implements.

    ``scope`` (in :meth:`search_runs`, :meth:`get_run`, :meth:`find_runs_by_name` and
    :func:`iter_runs`) is the project's part of the tracker, as opaque strings only the tracker
    reads: MLflow experiment ids; for W&B, ``entity/project`` paths.
    """

    @property
    def uri(self) -> str: ...

    @property
    def kind(self) -> str:
        """``mlflow`` or ``wandb``."""
        ...

    @property
    def run_ref_pattern(self) -> re.Pattern[str]:
        """What a run reference of this tracker looks like in free text: a full run id or a prefix long
        enough to resolve (MLflow: 32 hex digits, or at least ``RUN_ID_MIN_PREFIX`` of them). Search
        text with it; it does not anchor, and a match still has to be resolved with :meth:`get_run`."""
        ...

    def looks_like_run_ref(self, token: str) -> bool:
        """Whether ``token`` as a whole has the shape of a run reference (see :attr:`run_ref_pattern`)."""
        ...

    async def get_experiment(self, name_or_id: str) -> Experiment:
        """Find an experiment by name, else by id; ``RunNotFoundError``-like ``UserInputError`` if none."""
        ...

    async def search_runs(
        self,
        *,
        scope: Sequence[str],
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        user: str | None = None,
        statuses: Sequence[str] = (),
        run_ids: Sequence[str] = (),
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> RunPage:
        """One page of the runs of ``scope`` whose start time lies in ``[since, until]``, newest first.

        Every filter is applied by the tracker's server, and they combine (AND): ``statuses`` keeps
        runs whose :attr:`TrackedRun.status` is one of them (``RUN_STATUSES`` words; ``ValueError``
        for another word); ``run_ids`` keeps the runs with exactly these ids (at most
        ``RUN_IDS_PER_SEARCH``; an id the tracker cannot have matches nothing). Empty means no filter.
        """
        ...

    async def get_run(self, run_ref: str, *, scope: Sequence[str] = ()) -> TrackedRun:
        """A run by full id or unique prefix (6+ characters).

        Raises ``RunNotFoundError`` or ``AmbiguousRunIdError`` (both carry the reference).
        A full id is looked up directly; a prefix is resolved within ``scope``.
        """
        ...

    async def find_runs_by_name(self, name: str, *, scope: Sequence[str]) -> list[TrackedRun]:
        """The active runs of ``scope`` whose run name is exactly ``name``, newest first."""
        ...

    def run_url(self, run: TrackedRun) -> str: ...

    async def write_note(self, run_id: str, *, entry_id: str, section: str) -> None:
        """Write the entry's line into COCO's block of the run's note (one line per entry, newest
        first, the person's own note text kept; see :func:`merge_note`) and tag the run with
        ``coco.entry_id`` (the entry written last). The note stays under ``NOTE_LIMIT`` characters."""
        ...

    async def remove_note(self, run_id: str, *, entry_id: str) -> None:
        """Take the entry's line out of COCO's block of the run's note (the entry was deleted), the
        person's own note text kept; the ``coco.entry_id`` tag moves to the newest remaining entry."""
        ...

    async def aclose(self) -> None: ...


async def iter_runs(
    tracker: Tracker,
    *,
    scope: Sequence[str],
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    user: str | None = None,
    statuses: Sequence[str] = (),
    run_ids: Sequence[str] = (),
    page_size: int = 1000,
) -> AsyncIterator[TrackedRun]:
    """Every run of ``scope`` matching the filter, following ``next_page_token`` to the end.

    A list of ``run_ids`` longer than ``RUN_IDS_PER_SEARCH`` is asked for in parts (newest first
    within each part)."""
    wanted = list(dict.fromkeys(run_ids))
    parts = [wanted[i : i + RUN_IDS_PER_SEARCH] for i in range(0, len(wanted), RUN_IDS_PER_SEARCH)] or [[]]
    for part in parts:
        token: str | None = None
        while True:
            page = await tracker.search_runs(
                scope=scope,
                since=since,
                until=until,
                user=user,
                statuses=statuses,
                run_ids=part,
                max_results=page_size,
                page_token=token,
            )
            for run in page.runs:
                yield run
            token = page.next_page_token
            if not token:
                break


def check_statuses(statuses: Sequence[str]) -> tuple[str, ...]:
    """``statuses`` as a tuple of known run statuses; ``ValueError`` for another word (a bug)."""
    items = (statuses,) if isinstance(statuses, str) else tuple(statuses)
    unknown = [s for s in items if s not in RUN_STATUSES]
    if unknown:
        raise ValueError(f"unknown run statuses {unknown!r}; known: {', '.join(RUN_STATUSES)}")
    return tuple(dict.fromkeys(items))


def check_run_ids(run_ids: Sequence[str]) -> list[str]:
    """``run_ids`` without repeats; ``ValueError`` beyond ``RUN_IDS_PER_SEARCH`` (iter_runs splits)."""
    items = [run_ids] if isinstance(run_ids, str) else list(run_ids)
    if len(items) > RUN_IDS_PER_SEARCH:
        raise ValueError(f"at most {RUN_IDS_PER_SEARCH} run ids a search, got {len(items)}")
    return list(dict.fromkeys(items))


COCO_SECTION_BEGIN = "<!-- coco:begin -->"
COCO_SECTION_END = "<!-- coco:end -->"
NOTE_HEADING = "**COCO** — entries that discuss this run, newest first:"
NOTE_LINE_CHARS = 400  # one entry, one line: a title and a conclusion, not the whole entry
_STAMP = re.compile(r"^- (\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?)")
_FOLDED = re.compile(r"^- … and (\d+) older entr(?:y|ies)\b")
# The block COCO wrote before notes kept one line per entry: "**COCO entry ID** — title" then
# "by AUTHOR, YYYY-MM-DD HH:MM UTC". Read once more so an upgrade loses no entry.
_LEGACY_HEAD = re.compile(r"^\*\*COCO entry (\S+)\*\* — (.*)$")
_LEGACY_BY = re.compile(r"^by (.+), (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC$")


def _has_entry(line: str, entry_id: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(entry_id)}(?![\w-])", line) is not None


def _split_note(existing: str) -> tuple[str, list[str], int]:
    """``(the person's own text, COCO's entry lines, how many older lines were folded)``."""
    if COCO_SECTION_BEGIN not in existing:
        return existing, [], 0
    head, _, rest = existing.partition(COCO_SECTION_BEGIN)
    block, _, tail = rest.partition(COCO_SECTION_END)
    own = (head.rstrip("\n") + ("\n" + tail.lstrip("\n") if tail.strip() else "")).rstrip("\n")
    lines: list[str] = []
    folded = 0
    raw = [ln.strip() for ln in block.splitlines() if ln.strip()]
    for i, ln in enumerate(raw):
        if ln == NOTE_HEADING:
            continue
        if m := _FOLDED.match(ln):
            folded += int(m.group(1))
        elif ln.startswith("- "):
            lines.append(ln)
        elif m := _LEGACY_HEAD.match(ln):
            by = _LEGACY_BY.match(raw[i + 1]) if i + 1 < len(raw) else None
            when = f"{by.group(2)} · {by.group(1)} · " if by else ""
            lines.append(f"- {when}entry {m.group(1)} — {m.group(2)}")
        elif not lines and not _LEGACY_BY.match(ln):
            lines.append(f"- {ln}")  # a section written by hand or by another tool: kept as a line
    return own, lines, folded


def _folded_line(count: int) -> str:
    return f"- … and {count} older entr{'y' if count == 1 else 'ies'}: see `coco entries`"


def merge_note(existing: str, section: str, *, entry_id: str = "", limit: int = NOTE_LIMIT) -> str:
    """The run note with one line for ``entry_id`` in COCO's block, the person's text kept whole.

    COCO's block keeps one line per entry that links the run, newest first (a line that starts with
    its date sorts by it; one without a date is the newest). Writing the same entry again replaces
    its line. When the block would pass ``limit``, the oldest lines are folded into a count with a
    pointer to ``coco entries``. COCO's part is shortened, never the person's: if the person's own
    note alone is near the limit, COCO's block shrinks to the count, and to nothing if even that does
    not fit.
    """
    own, lines, folded = _split_note(existing)
    own = own[:limit]
    line = " ".join(section.split())
    if entry_id and not _has_entry(line, entry_id):
        line = f"entry {entry_id}: {line}"
    if len(line) > NOTE_LINE_CHARS:
        line = line[: NOTE_LINE_CHARS - 1].rstrip() + "…"
    new = f"- {line}"
    if entry_id:
        lines = [ln for ln in lines if not _has_entry(ln, entry_id)]
    lines.insert(0, new)
    # Newest first by the leading date; stable, so undated lines keep their place (the new one first).
    lines.sort(key=lambda ln: m.group(1) if (m := _STAMP.match(ln)) else "9999", reverse=True)
    glue = "\n\n" if own else ""
    frame = len(own) + len(glue) + len(COCO_SECTION_BEGIN) + len(COCO_SECTION_END) + len(NOTE_HEADING) + 3
    kept: list[str] = []
    used = frame
    for i, ln in enumerate(lines):
        rest = len(lines) - i - 1 + folded
        reserve = len(_folded_line(rest)) + 1 if rest else 0
        if used + len(ln) + 1 + reserve > limit:
            break
        kept.append(ln)
        used += len(ln) + 1
    folded += len(lines) - len(kept)
    body = [NOTE_HEADING, *kept]
    if folded:
        body.append(_folded_line(folded))
    block = f"{COCO_SECTION_BEGIN}\n" + "\n".join(body) + f"\n{COCO_SECTION_END}"
    if len(own) + len(glue) + len(block) > limit:
        return own
    return f"{own}{glue}{block}"


def drop_note_line(existing: str, entry_id: str) -> tuple[str, str]:
    """``(the note without the entry's line, the newest entry id still in COCO's block or "")``: the
    person's own text is kept whole; COCO's block goes when no line is left."""
    own, lines, folded = _split_note(existing)
    kept = [ln for ln in lines if not _has_entry(ln, entry_id)]
    newest = next((m.group(1) for ln in kept if (m := re.search(r"\bentry (\S+?)(?::|\s|$)", ln))), "")
    if len(kept) == len(lines):
        return existing, newest
    if not kept and not folded:
        return own, newest
    body = [NOTE_HEADING, *kept] + ([_folded_line(folded)] if folded else [])
    block = f"{COCO_SECTION_BEGIN}\n" + "\n".join(body) + f"\n{COCO_SECTION_END}"
    return f"{own}{chr(10) * 2 if own else ''}{block}", newest


def utc(ts_ms: int | float | None) -> dt.datetime | None:
    """Milliseconds since the epoch (the tracker's clock) as an aware UTC datetime."""
    if ts_ms is None:
        return None
    return dt.datetime.fromtimestamp(float(ts_ms) / 1000.0, tz=dt.UTC)
