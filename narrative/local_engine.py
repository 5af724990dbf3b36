"""The local engine: rule-based, no network. Every job of the ``Engine`` port."""

from __future__ import annotations

from collections.abc import Sequence

import narrative.structuring as structuring
import narrative.synthesis as synthesis
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


class LocalEngine:
    """COCO's writer when no model is configured; also the fallback when a model fails."""

    name = "local"

    async def structure(self, request: StructureRequest) -> EntryStructure:
        structure = structuring.structure_entry(request)
        structure.engine = self.name
        return structure

    async def check(self, plan: str, history: ProjectHistory) -> CheckResult:
        return synthesis.check(plan, history)

    async def answer(self, question: str, history: ProjectHistory) -> Answer:
        return synthesis.answer(question, history)

    async def phase(self, history: ProjectHistory) -> PhaseReport:
        return synthesis.phase(history)

    async def digest(self, history: ProjectHistory, *, days: int = 7) -> Digest:
        return synthesis.digest(history, days=days)

    async def next_plan(self, history: ProjectHistory, *, context: str = "") -> NextPlan:
        return synthesis.next_plan(history, context=context)

    async def decide(
        self, history: ProjectHistory, *, finalists: Sequence[str], criteria: Sequence[str], context: str = ""
    ) -> DecisionDoc:
        return synthesis.decide(history, finalists=finalists, criteria=criteria, context=context)
