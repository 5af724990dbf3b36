"""Inputs and outputs of the narrative engines (plain pydantic data; JSON shapes of the contract)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from storage.records import (
    ApproachRecord,
    ApproachStatus,
    DecisionRecord,
    EntryRecord,
    Goal,
    ProjectRecord,
    RunSnapshot,
)


class StructureRequest(BaseModel):
    """Everything an engine may use to structure one brain dump."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str
    author: str
    at: dt.datetime
    project: ProjectRecord
    # Runs of the project's experiments that started inside the author's working window
    # (since the author's previous entry, or a default look-back), by every user.
    window_runs: list[RunSnapshot] = Field(default_factory=list)
    # Run references found in the text (full ids or prefixes) that the tracker resolved: ref -> run.
    resolved_refs: dict[str, RunSnapshot] = Field(default_factory=dict)
    # References that did not resolve, with the reason (unknown / ambiguous) for ``warnings``.
    unresolved_refs: dict[str, str] = Field(default_factory=dict)
    # Every run of the project COCO has seen (for matching run names mentioned in the text).
    known_runs: list[RunSnapshot] = Field(default_factory=list)
    # The author's earlier entries, newest last (context for approaches and "same config as before").
    previous_entries: list[EntryRecord] = Field(default_factory=list)
    window_start: dt.datetime | None = None
    # Without an earlier entry of the author, linking infers from the author's runs this far back
    # (the service sets it from COCO_LOOKBACK_DAYS, the window it fetches runs for).
    lookback: dt.timedelta = dt.timedelta(days=7)
    # Runs COCO listed to the author just before they wrote (an end-of-day nudge), in the order shown:
    # "the second one" in the text is the second of these (narrative.link_explicit, ordinal references).
    listed_runs: list[RunSnapshot] = Field(default_factory=list)


class ProjectHistory(BaseModel):
    """A project's narrative as the synthesis jobs see it."""

    project: ProjectRecord
    entries: list[EntryRecord] = Field(default_factory=list)
    runs: dict[str, RunSnapshot] = Field(default_factory=dict)
    decisions: list[DecisionRecord] = Field(default_factory=list)
    now: dt.datetime

    def metric_now(self) -> tuple[str | None, Goal]:
        return self.project.metric_now()


class CheckMatch(BaseModel):
    entry_id: str | None = None
    run_ids: list[str] = Field(default_factory=list)
    summary: str
    score: float
    approach: str | None = None
    outcome: str = ""  # what happened then, in a few words
    author: str = ""
    at: dt.datetime | None = None


class PlannedItem(BaseModel):
    """A plan in the log that matches the check but was never run: its own answer, never "already tried"."""

    entry_id: str
    author: str = ""
    at: dt.datetime | None = None
    text: str


class CheckResult(BaseModel):
    already_tried: bool
    matches: list[CheckMatch] = Field(default_factory=list)
    message: str = ""
    # plans in the log for the same thing that no run or statement shows done ("planned on DATE by PERSON")
    planned: list[PlannedItem] = Field(default_factory=list)
    # What the person must know about how this was written (e.g. the model was unavailable and
    # the local engine answered instead); shown with the result, never dropped.
    notices: list[str] = Field(default_factory=list)


class Citation(BaseModel):
    entry_id: str | None = None
    run_ids: list[str] = Field(default_factory=list)


class Answer(BaseModel):
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)  # as in CheckResult


class BestRun(BaseModel):
    run_id: str
    value: float
    run_name: str = ""
    url: str = ""
    metric: str = ""


class ApproachView(BaseModel):
    name: str
    status: ApproachStatus
    reason: str = ""
    run_ids: list[str] = Field(default_factory=list)
    entry_ids: list[str] = Field(default_factory=list)
    best_value: float | None = None
    best_run_id: str | None = None


class PhaseReport(BaseModel):
    primary_metric: str | None
    goal: Goal
    since: dt.datetime | None = None
    best: BestRun | None = None
    best_reason: str = ""
    approaches: list[ApproachView] = Field(default_factory=list)
    findings: list[str] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    metric_switches: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    summary: str = ""
    notices: list[str] = Field(default_factory=list)  # as in CheckResult


class ReproReport(BaseModel):
    run_id: str
    run_name: str = ""
    url: str = ""
    status: str = ""  # the tracker's: a FAILED or KILLED run is said first
    # The command that started the run, only as recorded (None: unknown), and where it was found.
    command: str | None = None
    command_source: str = ""
    params: dict[str, str] = Field(default_factory=dict)
    present: dict[str, str] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    checks: list[str] = Field(default_factory=list)
    entries: list[str] = Field(default_factory=list)
    # what the log says of the run, one line per entry that discusses it: who, when, their words
    notes: list[str] = Field(default_factory=list)


class DigestLine(BaseModel):
    text: str
    citations: list[Citation] = Field(default_factory=list)


class Digest(BaseModel):
    project: str
    since: dt.datetime
    until: dt.datetime
    primary_metric: str | None
    goal: Goal
    best: BestRun | None = None
    best_before: BestRun | None = None
    sections: dict[str, list[DigestLine]] = Field(default_factory=dict)
    # (run_id, start, value, approach) points for the chart of the primary metric over time
    series: list[tuple[str, dt.datetime, float, str]] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)  # as in CheckResult
    # The first and last day inside [since, until] with an entry or a run: what the digest covers.
    work_from: dt.date | None = None
    work_to: dt.date | None = None


class NextExperiment(BaseModel):
    title: str
    why: str
    priority: int
    citations: list[Citation] = Field(default_factory=list)


class NextPlan(BaseModel):
    best: BestRun | None = None
    experiments: list[NextExperiment] = Field(default_factory=list)
    low_roi: list[DigestLine] = Field(default_factory=list)
    missing_baseline: str | None = None
    pivot: str = ""
    notices: list[str] = Field(default_factory=list)  # as in CheckResult


class Finalist(BaseModel):
    run_id: str
    run_name: str = ""
    label: str = ""
    metrics: dict[str, float] = Field(default_factory=dict)
    duration_minutes: float | None = None  # from the tracker's start and end times
    url: str = ""
    status: str = ""


class CriterionMeasure(BaseModel):
    """One criterion of a decision and how each finalist measures on it (run id -> value).

    ``source``: ``metric`` (a logged metric), ``wall_time`` (minutes from start and end times), or
    ``judgement`` (the tracker cannot measure it: the person fills it in)."""

    criterion: str
    source: Literal["metric", "wall_time", "judgement"]
    metric: str | None = None
    goal: Goal = "max"
    values: dict[str, float | None] = Field(default_factory=dict)
    best_run_id: str | None = None  # only when the best is clearly ahead of the next


class DecisionDoc(BaseModel):
    title: str
    criteria: list[str] = Field(default_factory=list)
    finalists: list[Finalist] = Field(default_factory=list)
    selected_run_id: str | None = None
    rationale: str = ""
    tradeoffs: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    markdown: str = ""
    notices: list[str] = Field(default_factory=list)  # as in CheckResult
    measures: list[CriterionMeasure] = Field(default_factory=list)  # one per criterion, in order
    project: str = ""
    date: dt.date | None = None
    context: str = ""
    # the audit trail behind the choice: what was explored, what was closed and why, what the notes say
    # of each finalist (each line cites its entry or runs in ``citations``)
    history: list[str] = Field(default_factory=list)


EngineJob = Literal["structure", "check", "answer", "phase", "digest", "next", "decide"]

__all__ = [
    "Answer", "ApproachRecord", "ApproachView", "BestRun", "CheckMatch", "CheckResult", "Citation", "CriterionMeasure",
    "DecisionDoc", "Digest", "DigestLine", "EngineJob", "Finalist", "NextExperiment", "NextPlan",
    "PhaseReport", "PlannedItem", "ProjectHistory", "ReproReport", "StructureRequest",
]
