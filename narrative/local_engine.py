"""The local engine: rule-based, no network. Every job of the ``Engine`` port.

Its jobs are CPU-bound: each runs in a worker thread (``asyncio.to_thread``) so that the caller's event
loop keeps serving while a large project is read. The history indexes it builds are kept in its
``HistoryIndexCache`` (given by the app, else its own).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import narrative.structuring as structuring
import narrative.synthesis as synthesis
from narrative.history_index import HistoryIndexCache
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

    def __init__(self, *, index_cache: HistoryIndexCache | None = None) -> None:
        self.indexes = index_cache if index_cache is not None else HistoryIndexCache()

    async def structure(self, request: StructureRequest) -> EntryStructure:
        structure = await asyncio.to_thread(structuring.structure_entry, request)
        structure.engine = self.name
        return structure

    async def check(self, plan: str, history: ProjectHistory) -> CheckResult:
        return await asyncio.to_thread(synthesis.check, plan, history, indexes=self.indexes)

    async def answer(self, question: str, history: ProjectHistory) -> Answer:
        return await asyncio.to_thread(synthesis.answer, question, history, indexes=self.indexes)

    async def phase(self, history: ProjectHistory) -> PhaseReport:
        return await asyncio.to_thread(synthesis.phase, history, indexes=self.indexes)

    async def digest(self, history: ProjectHistory, *, days: int = 7) -> Digest:
        return await asyncio.to_thread(synthesis.digest, history, days=days, indexes=self.indexes)

    async def next_plan(self, history: ProjectHistory, *, context: str = "") -> NextPlan:
        return await asyncio.to_thread(synthesis.next_plan, history, context=context, indexes=self.indexes)

    async def decide(
        self, history: ProjectHistory, *, finalists: Sequence[str], criteria: Sequence[str], context: str = ""
    ) -> DecisionDoc:
        return await asyncio.to_thread(
            synthesis.decide, history, finalists=finalists, criteria=criteria, context=context, indexes=self.indexes
        )
