"""The ``Engine`` port: the writer behind every narrative job.

The local rule-based engine (``narrative.local``) needs no network; a Claude engine plugs in behind
the same protocol. Whatever an engine returns is grounded (``narrative.grounding``) before anyone
sees it or it is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from narrative.types import (
    Answer,
    CheckResult,
    DecisionDoc,
    Digest,
    NextPlan,
    PhaseReport,
    ProjectHistory,
    StructureRequest,
)
from storage.records import EntryStructure


class Engine(Protocol):
    @property
    def name(self) -> str: ...

    async def structure(self, request: StructureRequest) -> EntryStructure: ...

    async def check(self, plan: str, history: ProjectHistory) -> CheckResult: ...

    async def answer(self, question: str, history: ProjectHistory) -> Answer: ...

    async def phase(self, history: ProjectHistory) -> PhaseReport:
        """Synthesis over ``history`` (already cut to the phase's time range by the caller)."""
        ...

    async def digest(self, history: ProjectHistory, *, days: int = 7) -> Digest: ...

    async def next_plan(self, history: ProjectHistory, *, context: str = "") -> NextPlan: ...

    async def decide(
        self, history: ProjectHistory, *, finalists: Sequence[str], criteria: Sequence[str], context: str = ""
    ) -> DecisionDoc: ...
