"""The narrative service: the flows every front end (CLI, Slack, Teams) drives.

It owns the order that makes the truth rules hold: the person's text is stored before anything can
fail; candidates come from the tracker; the engine's output is grounded before it is stored or shown;
a tracker or engine outage leaves a ``pending`` entry and a durable job that finishes it later.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from adapters.tracker import RUN_ID_MIN_PREFIX, Tracker, iter_runs
from core.errors import (
    AmbiguousRunIdError,
    CocoError,
    EmptyTextError,
    OutsideFailure,
    RunNotFoundError,
    StorageError,
    TrackerUnavailableError,
    UserInputError,
)
from narrative import grounding
from narrative.engine import Engine
from narrative.history_delta import HeldHistory, apply_changes, changes_since, same_project
from narrative.index_cache import HistoryIndexCache
from narrative.index_features import features_for_storage
from narrative.redact import redact_at_door, removed_sentence
from narrative.revisions import current_text
from narrative.run_sync import snapshot_of, sync_project_runs
from narrative.today import listed_runs
from narrative.types import (
    Answer,
    CheckResult,
    DecisionDoc,
    Digest,
    NextPlan,
    PhaseReport,
    ProjectHistory,
    ReproReport,
    StructureRequest,
)
from narrative.workspace import WorkspaceOperations, check_entry_time, check_project_name
from storage.ports import Repository
from storage.records import (
    DecisionRecord,
    EntryRecord,
    EntrySource,
    EntryStructure,
    Goal,
    HistoryMarks,
    MetricChange,
    ProjectRecord,
    ReplyRecord,
    RunSnapshot,
    utcnow,
)

log = logging.getLogger("coco.service")

# An engine reads at most this much of one message; the whole text is still stored.
MAX_STRUCTURED_CHARS = 40_000
# Work per message is bounded: a question or a plan to check is read up to these many characters (a
# 40,000-character "why why why" is still answered, from its start; issue 11). A brain dump is stored
# whole and structured up to MAX_STRUCTURED_CHARS.
MAX_QUESTION_CHARS = 4_000
MAX_CHECK_CHARS = 8_000
# How long an update of a held history waits for the engines reading it before it loads a new one instead.
READERS_WAIT = 2.0
STRUCTURE_JOB = "structure_entry"
WRITE_BACK_JOB = "write_back"
RESTRUCTURE_JOB = "restructure_entry"  # issue #5: re-run the model on an entry the local engine wrote
# How many runs `project add` reads to check that the primary metric exists (newest first).
PRIMARY_METRIC_SCAN = 5000
# The characters of an MLflow run id: a reference made of anything else can only be a run name.
_ID_CHARS = re.compile(r"[A-Za-z0-9][\w\-]*")
def clean_text(text: str) -> str:
    """The text as stored: exactly as typed, except NUL characters, which no SQL text column takes."""
    return text.replace("\x00", "\ufffd")


def _index_cache_of(engine: Engine) -> HistoryIndexCache | None:
    """The index cache the engine answers from: its own (the local engine), or its fallback's."""
    for candidate in (engine, getattr(engine, "fallback", None)):
        found = getattr(candidate, "indexes", None)
        if isinstance(found, HistoryIndexCache):
            return found
    return None


@dataclass
class LogOutcome:
    entry: EntryRecord
    pending: bool = False
    reason: str = ""
    notes_written: int = 0
    already_tried: list[CheckResult] = field(default_factory=list)
    primary_metric: str | None = None  # the project's, so tables show it first
    removed: tuple[str, ...] = ()  # kinds of the secrets taken out of the text before it was stored

    @property
    def removed_sentence(self) -> str:
        """What the reply says about them ("" when none): "Removed 1 secret before saving: a Slack token."."""
        return removed_sentence(self.removed)

    @property
    def structure(self) -> EntryStructure:
        return self.entry.structure or EntryStructure()


class Narrator(WorkspaceOperations):
    """One workspace's narrative flows over a repository, a tracker per project and an engine."""

    def __init__(
        self,
        *,
        repo: Repository,
        workspace_id: str,
        engine: Engine,
        tracker_for: Callable[[ProjectRecord], Tracker],
        lookback_days: int = 14,
        clock: Callable[[], dt.datetime] = utcnow,
        index_cache: HistoryIndexCache | None = None,
    ) -> None:
        self.repo = repo
        self.workspace_id = workspace_id
        self.engine = engine
        self._tracker_for = tracker_for
        self.lookback = dt.timedelta(days=lookback_days)
        self.clock = clock
        # project id -> its history and storage's marks: a long-lived bot keeps one indexed history per
        # project and updates it in place when storage says the narrative changed (the engines cache
        # their indexes on the history object, so reusing it is what keeps warm `check` fast).
        self._histories: dict[str, HeldHistory] = {}
        # The engine's index cache, when it has one: changes are applied to the index with the history.
        self.indexes = index_cache if index_cache is not None else _index_cache_of(engine)

    # -- projects -----------------------------------------------------------------------------
    async def add_project(
        self,
        *,
        name: str,
        tracker: Tracker,
        experiments: Sequence[str],
        primary_metric: str | None,
        goal: Goal,
        channels: Sequence[str] = (),
        notices: list[str] | None = None,
    ) -> ProjectRecord:
        """Create or update a project. A primary metric that none of the experiments' runs logged is
        refused (a typo would silently empty every table); with no runs yet it is accepted, and a
        warning for the person is appended to ``notices``."""
        name = check_project_name(name)
        found = [await tracker.get_experiment(e) for e in experiments]
        if primary_metric:
            warning = await self._check_primary_metric(
                tracker, [e.experiment_id for e in found], primary_metric.strip())
            if warning and notices is not None:
                notices.append(warning)
        return await self.repo.create_project(
            self.workspace_id,
            name=name.strip(),
            tracker_kind=tracker.kind,
            tracker_uri=tracker.uri,
            experiment_ids=[e.experiment_id for e in found],
            experiment_names=[e.name for e in found],
            primary_metric=primary_metric,
            goal=goal,
            channels=channels,
        )

    async def _check_primary_metric(self, tracker: Tracker, experiment_ids: list[str], metric: str) -> str | None:
        seen: set[str] = set()
        runs = 0
        async for run in iter_runs(tracker, scope=experiment_ids):
            runs += 1
            seen.update(run.metrics)
            if metric in seen or runs >= PRIMARY_METRIC_SCAN:
                break
        if metric in seen:
            return None
        if not runs:
            return (f"The experiment has no runs yet, so the primary metric {metric!r} cannot be checked; "
                    "make sure your runs log it under exactly this name.")
        close = difflib.get_close_matches(metric, sorted(seen), n=3, cutoff=0.5)
        if not close:  # a different spelling of case or separators is still the closest
            close = [m for m in sorted(seen) if m.lower().replace("-", "_") == metric.lower().replace("-", "_")]
        if close:
            hint = f" Closest: {', '.join(close)}."
        elif seen:
            hint = f" Logged: {', '.join(sorted(seen)[:8])}{'…' if len(seen) > 8 else ''}."
        else:
            hint = " They log no metrics."
        raise UserInputError(f"No run of the experiment logged the metric {metric!r}.{hint}")

    async def project(self, name: str) -> ProjectRecord:
        return await self.repo.get_project(self.workspace_id, check_project_name(name))

    def tracker(self, project: ProjectRecord) -> Tracker:
        return self._tracker_for(project)

    # -- log: brain dump -> entry --------------------------------------------------------------
    async def log(
        self,
        *,
        project: str,
        text: str,
        author: str,
        at: dt.datetime | None = None,
        source: EntrySource = "cli",
        channel: str | None = None,
        thread_ts: str | None = None,
    ) -> LogOutcome:
        if not text.strip():
            raise EmptyTextError("brain dump")
        check_entry_time(at, now=self.clock())
        door = redact_at_door(text)  # the door: a pasted secret is never stored, noted, shown or logged
        record = await self.project(project)
        entry = await self.repo.add_entry(
            self.workspace_id,
            project_id=record.id,
            author=author,
            at=at or self.clock(),
            raw_text=clean_text(door.text),
            source=source,
            channel=channel,
            thread_ts=thread_ts,
        )
        try:
            outcome = await self.finish_entry(record, entry)
        except StorageError as failure:
            # The raw text is stored (pending); only the later work failed, and the retry finishes it.
            log.warning("entry %s stored, but structuring it failed: %s", entry.id, failure.user_message)
            outcome = LogOutcome(entry=entry, pending=True, reason=failure.user_message)
        outcome.removed = door.removed
        return outcome

    async def retry_pending(self, *, project: str | None = None) -> list[LogOutcome]:
        """Finish every pending entry (of one project, or all); each stays pending if it fails again."""
        projects = [await self.project(project)] if project else await self.repo.list_projects(self.workspace_id)
        outcomes: list[LogOutcome] = []
        for record in projects:
            token: str | None = None
            while True:
                entries, token = await self.repo.list_entries(
                    self.workspace_id, project_id=record.id, status="pending", page_token=token
                )
                for entry in entries:
                    outcomes.append(await self._retry_one(record, entry))
                if not token:
                    break
        return outcomes

    async def _retry_one(self, project: ProjectRecord, entry: EntryRecord) -> LogOutcome:
        """One pending entry finished, or left pending with the reason: a bad entry never blocks the rest."""
        try:
            return await self.finish_entry(project, entry)
        except CocoError as failure:
            reason = failure.user_message
        except Exception as error:  # one entry's bug (an impossible date, a broken row) is that entry's
            log.exception("retrying entry %s failed", entry.id)
            reason = f"COCO could not finish this entry ({type(error).__name__}); it stays pending."
        return LogOutcome(entry=entry, pending=True, reason=reason)

    async def finish_entry(self, project: ProjectRecord, entry: EntryRecord, *, requeue: bool = True) -> LogOutcome:
        """Structure a stored entry, ground it, save it, note it on its runs.

        An outage leaves it ``pending``; with ``requeue`` a durable job is queued to finish it (a
        worker already running that job passes ``requeue=False`` and reschedules it itself)."""
        try:
            request = await self._structure_request(project, entry)
            draft = await self.engine.structure(request)
        except OutsideFailure as failure:
            return await self._leave_pending(project, entry, failure, requeue=requeue)
        candidates = {r.run_id: r for r in (*request.window_runs, *request.known_runs)}
        candidates.update({r.run_id: r for r in request.resolved_refs.values()})
        structure = grounding.ground_structure(draft, person_text=request.text, candidates=candidates)
        if len(entry.raw_text) > MAX_STRUCTURED_CHARS:
            structure.warnings.append(
                f"Only the first {MAX_STRUCTURED_CHARS:,} characters were structured; "
                f"the whole text ({len(entry.raw_text):,} characters) is saved."
            )
        # what the history index reads from the entry, stored with it (issue 14: no re-reading at each build)
        features = features_for_storage(entry.model_copy(update={"structure": structure}))
        stored = await self.repo.save_structure(
            self.workspace_id, entry.id, structure, status="structured", features=features
        )
        # --- issue #5: a model engine that fell back to the local engine asks for a later re-structure.
        if requeue and structure.engine == "local-fallback":
            await self.repo.enqueue_job(
                self.workspace_id,
                kind=RESTRUCTURE_JOB,
                payload={"entry_id": entry.id, "project_id": project.id},
                run_after=self.clock() + dt.timedelta(minutes=10),
                dedupe_key=f"{RESTRUCTURE_JOB}:{entry.id}",
            )
        # --- end issue #5
        await self.repo.upsert_runs(self.workspace_id, [candidates[r.run_id] for r in structure.runs])
        await self._record_decisions(project, stored)
        written = await self._write_back(project, stored)
        return LogOutcome(entry=stored, notes_written=written, primary_metric=project.metric_now()[0])

    async def _leave_pending(
        self, project: ProjectRecord, entry: EntryRecord, failure: OutsideFailure, *, requeue: bool
    ) -> LogOutcome:
        log.warning("entry %s left pending: %s", entry.id, failure.user_message)
        stored = await self.repo.mark_entry_error(self.workspace_id, entry.id, failure.user_message)
        if not requeue:
            return LogOutcome(entry=stored, pending=True, reason=failure.user_message)
        await self.repo.enqueue_job(
            self.workspace_id,
            kind=STRUCTURE_JOB,
            payload={"entry_id": entry.id, "project_id": project.id},
            run_after=self.clock() + dt.timedelta(minutes=1),
            dedupe_key=f"{STRUCTURE_JOB}:{entry.id}",
        )
        return LogOutcome(entry=stored, pending=True, reason=failure.user_message)

    async def _structure_request(self, project: ProjectRecord, entry: EntryRecord) -> StructureRequest:
        tracker = self.tracker(project)
        text = current_text(entry.raw_text)[:MAX_STRUCTURED_CHARS]  # an edited message: its newest version
        previous, _ = await self.repo.list_entries(
            self.workspace_id, project_id=project.id, author=entry.author, until=entry.at, limit=1000
        )
        previous = [e for e in previous if e.id != entry.id and e.at < entry.at]
        window_start = previous[-1].at if previous else None
        since = entry.at - self.lookback
        window = [
            snapshot_of(run, project_id=project.id)
            async for run in iter_runs(
                tracker, scope=project.experiment_ids, since=since, until=entry.at
            )
        ]
        await self.repo.upsert_runs(self.workspace_id, window)
        resolved: dict[str, RunSnapshot] = {}
        unresolved: dict[str, str] = {}
        lowered = text.lower()
        # The digits of a decimal ("0.9326530612244897", a pasted score) are no run id.
        refs = [m.group(0) for m in tracker.run_ref_pattern.finditer(lowered)
                if not re.search(r"\d[.,]$", lowered[max(0, m.start() - 2): m.start()])]
        for ref in dict.fromkeys(refs):
            try:
                run = await tracker.get_run(ref, scope=project.experiment_ids)
            except UserInputError as problem:
                # Hex words that are not run ids (a git sha, a colour) are common: only a
                # reference that looks like a run id (8+ chars) is worth a warning.
                if not isinstance(problem, RunNotFoundError) or len(ref) >= 8:
                    unresolved[ref] = problem.user_message
                continue
            if run.experiment_id in project.experiment_ids:
                resolved[ref] = snapshot_of(run, project_id=project.id)
        known, _ = await self.repo.list_runs(self.workspace_id, project.id, until=entry.at)
        # A reply to an end-of-day nudge: the runs it listed, in order ("the second one").
        listed = await listed_runs(self.repo, self.workspace_id, project, entry)
        return StructureRequest(
            text=text,
            author=entry.author,
            at=entry.at,
            project=project,
            window_runs=window,
            resolved_refs=resolved,
            unresolved_refs=unresolved,
            known_runs=known,
            previous_entries=previous[-20:],
            window_start=window_start,
            lookback=self.lookback,
            listed_runs=listed,
        )

    async def _record_decisions(self, project: ProjectRecord, entry: EntryRecord) -> None:
        for note in entry.structure.decisions if entry.structure else []:
            if note.kind == "metric_switch" and note.metric:
                await self.repo.record_metric_change(
                    self.workspace_id,
                    project.id,
                    MetricChange(at=entry.at, metric=note.metric, goal=note.goal or "max",
                                 reason=note.text, entry_id=entry.id),
                )
            await self.repo.add_decision(
                self.workspace_id,
                DecisionRecord(
                    # Content-derived id: structuring the same entry again records nothing twice.
                    id=f"{entry.id}:{hashlib.sha1(f'{note.kind}:{note.text}'.encode()).hexdigest()[:12]}",
                    project_id=project.id,
                    kind=note.kind,
                    at=entry.at,
                    text=note.text,
                    metric=note.metric,
                    goal=note.goal,
                    run_ids=note.run_ids,
                    entry_id=entry.id,
                    author=entry.author,
                ),
            )

    async def _write_back(self, project: ProjectRecord, entry: EntryRecord) -> int:
        """Write the entry onto its runs in the tracker; an outage queues the write, it loses nothing."""
        if not entry.structure or not entry.structure.runs:
            return 0
        tracker = self.tracker(project)
        written = 0
        for linked in entry.structure.runs:
            try:
                await tracker.write_note(linked.run_id, entry_id=entry.id, section=note_section(entry, linked.run_id))
                written += 1
            except OutsideFailure as failure:
                await self.repo.enqueue_job(
                    self.workspace_id,
                    kind=WRITE_BACK_JOB,
                    payload={"entry_id": entry.id, "project_id": project.id, "run_id": linked.run_id},
                    dedupe_key=f"{WRITE_BACK_JOB}:{entry.id}:{linked.run_id}",
                )
                log.warning("write-back of entry %s to run %s queued: %s", entry.id, linked.run_id, failure)
        return written

    # -- a person's changes to an entry after it was filed ---------------------------------------
    async def correct_entry(
        self, entry: EntryRecord, text: str, *, who: str, at: dt.datetime
    ) -> tuple[ProjectRecord, LogOutcome]:
        """The author's correction appended, then the entry structured again from the whole text."""
        door = redact_at_door(text)
        fixed = await self.add_correction(entry, door.text, who=who, at=at)
        project = await self.project_by_id(entry.project_id)
        outcome = await self.finish_entry(project, fixed)
        outcome.removed = door.removed
        return project, outcome

    async def refile_entry(self, entry: EntryRecord, target: ProjectRecord) -> LogOutcome:
        """Move the entry to another project and structure it there (its runs are the target's)."""
        moved = await self.move_entry(entry, target)
        return await self.finish_entry(target, moved)


    async def file_held_note(self, held: ReplyRecord, project: ProjectRecord, *, author: str) -> LogOutcome:
        """Log a held note (from ``take_held_note``) under the project its author chose, as the DM it
        was (dated when it was sent, threaded on it); the held message is then marked routed."""
        outcome = await self.log(
            project=project.name, text=held.held_text or "", author=author, at=held.created_at, source="dm",
            channel=held.channel, thread_ts=held.message_ts,
        )
        await self.mark_routed(held, entry_id=outcome.entry.id)
        return outcome

    # -- history and synthesis ----------------------------------------------------------------
    async def sync_runs(self, project: ProjectRecord, *, force: bool = False) -> None:
        """Refresh the run snapshots from the tracker, incrementally (see :mod:`narrative.run_sync`);
        an outage keeps the cache."""
        await sync_project_runs(self.repo, self.workspace_id, project, tracker_for=self.tracker, clock=self.clock,
                                force=force)

    async def history(
        self, project: ProjectRecord, *, since: dt.datetime | None = None, sync: bool = True
    ) -> ProjectHistory:
        if sync:
            await self.sync_runs(project)
            project = await self.repo.get_project_by_id(self.workspace_id, project.id)
        entries: list[EntryRecord] = []
        token: str | None = None
        while True:
            page, token = await self.repo.list_entries(
                self.workspace_id, project_id=project.id, since=since, page_token=token
            )
            entries += page
            if not token:
                break
        runs: dict[str, RunSnapshot] = {}
        token = None
        while True:
            run_page, token = await self.repo.list_runs(self.workspace_id, project.id, since=since, page_token=token)
            runs.update({r.run_id: r for r in run_page})
            if not token:
                break
        if since is not None:  # runs the phase's entries discuss count even if they started earlier
            linked = {r for e in entries for r in e.run_ids} - runs.keys()
            runs.update(await self.repo.get_runs(self.workspace_id, project.id, sorted(linked)))
        decisions = await self.repo.list_decisions(self.workspace_id, project.id)
        return ProjectHistory(project=project, entries=entries, runs=runs, decisions=decisions, now=self.clock())

    async def cached_history(self, project: ProjectRecord) -> ProjectHistory:
        """The project's whole history, held between calls: as it is while storage's marks are unchanged,
        brought up to date in place with what changed when they moved (its index too: no rebuild), and
        loaded whole again only for a change that cannot be applied exactly (:mod:`narrative.history_delta`)."""
        return (await self._held(project)).history

    async def _held(self, project: ProjectRecord) -> HeldHistory:
        held = self._histories.get(project.id)
        if held is None or not same_project(held.history.project, project):
            return await self._load_held(project, await self.repo.history_marks(self.workspace_id, project.id))
        async with held.turn:  # one caller brings it up to date; the others then find it so
            marks = await self.repo.history_marks(self.workspace_id, project.id)
            if self._histories.get(project.id) is not held:  # loaded anew while this one waited
                return await self._held(project)
            if held.marks != marks:
                changes = await changes_since(self.repo, self.workspace_id, project=project, held=held, marks=marks)
                # Engines read the history in worker threads: it changes only once none does (a long read,
                # such as a model's answer, leaves it to them and loads a new one, as before).
                if changes is None or not await held.wait_idle(READERS_WAIT):
                    return await self._load_held(project, marks)
                await asyncio.to_thread(apply_changes, held, changes, marks=marks, indexes=self.indexes)
            held.history.now = self.clock()
            return held

    async def _load_held(self, project: ProjectRecord, marks: HistoryMarks) -> HeldHistory:
        """The history loaded whole (``marks`` read before), held from now on."""
        held = HeldHistory(marks=marks, history=await self.history(project, sync=False))
        self._histories[project.id] = held
        return held

    async def _store_recomputed(self) -> None:
        """Store the features an index build read again from entries' texts (an upgrade changed the analysis),
        for the next start to read; best effort: on a storage error they are read again next time."""
        for workspace_id, features in (self.indexes.take_computed() if self.indexes is not None else {}).items():
            try:
                await self.repo.store_features(workspace_id, features)
            except StorageError as failure:
                log.warning("could not store %d entries' recomputed index features: %s", len(features), failure)

    async def check(self, *, project: str, text: str) -> CheckResult:
        if not text.strip():
            raise EmptyTextError("plan to check")
        text = redact_at_door(text).text[:MAX_CHECK_CHARS]  # bounded work; an answer never quotes a secret back
        with (await self._held(await self.project(project))).reading() as history:
            result = await self.engine.check(text, history)
            grounded = grounding.ground_check(result, entry_ids={e.id for e in history.entries},
                                              run_ids=set(history.runs))
        await self._store_recomputed()  # the history read no more: an update need not wait for the write
        return grounded

    async def ask(self, *, project: str, question: str) -> Answer:
        if not question.strip():
            raise EmptyTextError("question")
        question = redact_at_door(question).text[:MAX_QUESTION_CHARS]  # bounded; never quotes a secret back
        record = await self.project(project)
        await self.sync_runs(record)
        held = await self._held(await self.repo.get_project_by_id(self.workspace_id, record.id))
        with held.reading() as history:
            result = await self.engine.answer(question, history)
            answer = grounding.ground_answer(result, entry_ids={e.id for e in history.entries},
                                             run_ids=set(history.runs))
        await self._store_recomputed()
        return answer

    async def phase(self, *, project: str, since: dt.datetime | None = None) -> PhaseReport:
        history = await self.history(await self.project(project), since=since)
        report = await self.engine.phase(history)
        await self._store_recomputed()
        report.since = since
        return grounding.ground_phase(report, runs=history.runs, entry_ids={e.id for e in history.entries})

    async def digest(self, *, project: str, days: int = 7) -> Digest:
        history = await self.history(await self.project(project))
        digest = await self.engine.digest(history, days=days)
        await self._store_recomputed()
        digest = grounding.ground_digest(digest, runs=history.runs, entry_ids={e.id for e in history.entries})
        # What the digest covers is the days that hold work, not the start of its window.
        days_with_work = sorted(
            {e.at.date() for e in history.entries if digest.since < e.at <= digest.until}
            | {r.start.date() for r in history.runs.values() if digest.since < r.start <= digest.until})
        if days_with_work:
            digest.work_from, digest.work_to = days_with_work[0], days_with_work[-1]
        return digest

    async def next_plan(self, *, project: str, context: str = "") -> NextPlan:
        history = await self.history(await self.project(project))
        plan = await self.engine.next_plan(history, context=context)
        await self._store_recomputed()
        return grounding.ground_next_plan(
            plan, runs=history.runs, entry_ids={e.id for e in history.entries}, metric=history.metric_now()[0]
        )

    async def decide(
        self, *, project: str, finalists: Sequence[str], criteria: Sequence[str], context: str = ""
    ) -> DecisionDoc:
        record = await self.project(project)
        history = await self.history(record)
        resolved = [(await self.resolve_run(record, ref)).run_id for ref in finalists]
        doc = await self.engine.decide(history, finalists=resolved, criteria=criteria, context=context)
        await self._store_recomputed()
        doc = grounding.ground_decision(doc, runs=history.runs, entry_ids={e.id for e in history.entries})
        if doc.selected_run_id:
            await self.repo.add_decision(
                self.workspace_id,
                DecisionRecord(
                    id=f"decide:{record.id}:{doc.selected_run_id}:{int(history.now.timestamp())}",
                    project_id=record.id,
                    kind="model_selection",
                    at=history.now,
                    text=doc.title,
                    rationale=doc.rationale,
                    run_ids=[f.run_id for f in doc.finalists],
                ),
            )
        return doc

    async def resolve_run(self, project: ProjectRecord, run_ref: str) -> RunSnapshot:
        """The one run resolver of every command: full id, unique id prefix (6+ characters) or exact
        run name, among the project's runs. From the tracker, else from the cache when it is down.

        Unknown or ambiguous references are a ``UserInputError`` of one line that lists the matches
        (or the closest run names)."""
        ref = run_ref.strip()
        if not ref:
            raise UserInputError("Give a run: its full id, a unique prefix of its id (6+ characters) or its name.")
        tracker = self.tracker(project)
        try:
            found = await self._run_candidates(tracker, project, ref)
        except TrackerUnavailableError:
            cached = await self._cached_runs(project)
            low = ref.lower()
            found = {r.run_id: r for r in cached
                     if (len(low) >= RUN_ID_MIN_PREFIX and r.run_id.startswith(low)) or r.run_name == ref}
            if len(found) != 1:
                raise
        if len(found) == 1:
            [snapshot] = found.values()
            await self.repo.upsert_runs(self.workspace_id, [snapshot])
            return snapshot
        if found:
            shown = ", ".join(f"{r.run_name or '(no name)'} ({r.run_id[:8]})"
                              for r in sorted(found.values(), key=lambda r: r.start, reverse=True)[:6])
            more = f" and {len(found) - 6} more" if len(found) > 6 else ""
            raise UserInputError(
                f"{ref!r} matches {len(found)} runs of project {project.name}: {shown}{more}; give the full run id."
            )
        await self.sync_runs(project)  # the closest names come from a fresh cache (an outage keeps the old one)
        names = sorted({r.run_name for r in await self._cached_runs(project) if r.run_name})
        close = difflib.get_close_matches(ref, names, n=4, cutoff=0.6)
        hint = f" Closest run names: {', '.join(close)}." if close else ""
        raise UserInputError(
            f"No run of project {project.name} matches {ref!r} (a full run id, a unique id prefix of "
            f"{RUN_ID_MIN_PREFIX}+ characters, or an exact run name).{hint}"
        )

    async def _run_candidates(self, tracker: Tracker, project: ProjectRecord, ref: str) -> dict[str, RunSnapshot]:
        """Every run of the project that ``ref`` names, by id (or id prefix) and by exact name."""
        found: dict[str, RunSnapshot] = {}
        if len(ref) >= RUN_ID_MIN_PREFIX and _ID_CHARS.fullmatch(ref):
            try:
                run = await tracker.get_run(ref, scope=project.experiment_ids)
            except AmbiguousRunIdError as many:
                cached = await self.repo.get_runs(self.workspace_id, project.id, many.matches)
                for run_id in many.matches:
                    hit = cached.get(run_id) or snapshot_of(
                        await tracker.get_run(run_id, scope=project.experiment_ids), project_id=project.id)
                    found[run_id] = hit
            except RunNotFoundError:
                pass
            else:
                # A full id of another experiment is not one of this project's runs.
                if run.experiment_id in project.experiment_ids:
                    found[run.run_id] = snapshot_of(run, project_id=project.id)
        if len(ref) == 32 and found:  # a full id that names a run is not also someone's run name
            return found
        for run in await tracker.find_runs_by_name(ref, scope=project.experiment_ids):
            found.setdefault(run.run_id, snapshot_of(run, project_id=project.id))
        return found

    async def _cached_runs(self, project: ProjectRecord) -> list[RunSnapshot]:
        runs: list[RunSnapshot] = []
        token: str | None = None
        while True:
            page, token = await self.repo.list_runs(self.workspace_id, project.id, page_token=token)
            runs += page
            if not token:
                return runs

    async def reproduce(self, *, project: str, run_ref: str) -> ReproReport:
        from narrative.reproduce import reproduce

        record = await self.project(project)
        run = await self.resolve_run(record, run_ref)
        history = await self.history(record, sync=False)
        discussing = [e for e in history.entries if run.run_id in e.run_ids]
        siblings = [
            r for r in history.runs.values()
            if r.run_id != run.run_id and {k: v for k, v in r.params.items() if k != "seed"}
            == {k: v for k, v in run.params.items() if k != "seed"}
        ]
        return reproduce(run, entries=discussing, siblings=siblings)


def note_section(entry: EntryRecord, run_id: str) -> str:
    """The entry's one line in the run's note in the tracker: when, who, which entry, what it found.

    It starts with the entry's date so the tracker's note can keep its lines newest first
    (:func:`adapters.tracker.merge_note`)."""
    s = entry.structure or EntryStructure()
    marks = {"worked": "✅", "did_not_work": "❌", "inconclusive": "•"}
    related = [c for c in s.conclusions if run_id in c.run_ids] or s.conclusions[:1]
    found = "; ".join(f"{marks[c.verdict]} {c.text}" for c in related[:2])
    title = s.title or (s.observations[0] if s.observations else "experiment log")
    line = f"{entry.at:%Y-%m-%d %H:%M} · {entry.author} · entry {entry.id} — {title}"
    return f"{line} — {found}" if found else line
