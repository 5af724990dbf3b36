"""``SqlHistoryStore``: the ``storage.ports.HistoryStore`` over SQL: a project's approaches and
decisions, and the stamp that tells when any part of its history changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func
from sqlmodel import col, select

from core.errors import UserInputError
from storage.records import ApproachRecord, DecisionRecord, HistoryMarks, utcnow
from storage.sql.base import IN_CHUNK, SqlStore, check_goal, chunks, new_id, utc
from storage.tables import ApproachRow, DecisionRow, EntryRow, MetricChangeRow, RunSnapshotRow


class SqlHistoryStore(SqlStore):
    async def replace_approaches(
        self, workspace_id: str, project_id: str, approaches: Sequence[ApproachRecord]
    ) -> None:
        """Make ``approaches`` (in this order) the project's whole set, in one transaction: a reader
        sees the old set or the new one, never a mix. Empty or clashing ids get fresh ones."""
        async with self._session(write=True) as session:
            await self._require_project(session, workspace_id, project_id, lock=True)
            await session.exec(
                delete(ApproachRow).where(
                    col(ApproachRow.workspace_id) == workspace_id, col(ApproachRow.project_id) == project_id
                )
            )
            given = [a.id for a in approaches if a.id]
            taken: set[str] = set()
            for chunk in chunks(given, IN_CHUNK):  # ids still used by another project's approaches
                taken.update((await session.exec(select(ApproachRow.id).where(col(ApproachRow.id).in_(chunk)))).all())
            rows: list[dict[str, Any]] = []
            for position, approach in enumerate(approaches):
                approach_id = approach.id if approach.id and approach.id not in taken else new_id()
                taken.add(approach_id)
                rows.append(
                    {
                        **approach.model_dump(),
                        "id": approach_id,
                        "workspace_id": workspace_id,
                        "project_id": project_id,  # the given project's, whatever the record says
                        "position": position,
                        "updated_at": utc(approach.updated_at, "approach.updated_at"),
                    }
                )
            if rows:
                await session.exec(self._insert(ApproachRow), params=rows)

    async def list_approaches(self, workspace_id: str, project_id: str) -> list[ApproachRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(ApproachRow)
                    .where(
                        col(ApproachRow.workspace_id) == workspace_id,
                        col(ApproachRow.project_id) == project_id,
                    )
                    .order_by(col(ApproachRow.position))
                )
            ).all()
            return [ApproachRecord.model_validate(r, from_attributes=True) for r in rows]

    async def add_decision(self, workspace_id: str, decision: DecisionRecord) -> DecisionRecord:
        """Store a decision; an empty id gets a fresh one, and a retry with the same id is a no-op
        that returns the stored decision."""
        check_goal(decision.goal)
        decision_id = decision.id or new_id()
        async with self._session(write=True) as session:
            await self._require_project(session, workspace_id, decision.project_id)
            await session.exec(
                self._insert(DecisionRow)
                .values(
                    {
                        **decision.model_dump(),
                        "id": decision_id,
                        "workspace_id": workspace_id,
                        "at": utc(decision.at, "decision.at"),
                        "created_at": utcnow(),
                    }
                )
                .on_conflict_do_nothing(index_elements=["id"])
            )
            row = (
                await session.exec(
                    select(DecisionRow).where(
                        col(DecisionRow.workspace_id) == workspace_id, col(DecisionRow.id) == decision_id
                    )
                )
            ).first()
            if row is None:  # the id belongs to another workspace's decision
                raise UserInputError(f"The decision id {decision_id!r} is already in use.")
            return DecisionRecord.model_validate(row, from_attributes=True)

    async def list_decisions(self, workspace_id: str, project_id: str) -> list[DecisionRecord]:
        async with self._session() as session:
            rows = (
                await session.exec(
                    select(DecisionRow)
                    .where(
                        col(DecisionRow.workspace_id) == workspace_id,
                        col(DecisionRow.project_id) == project_id,
                    )
                    .order_by(col(DecisionRow.at), col(DecisionRow.created_at), col(DecisionRow.id))
                )
            ).all()
            return [DecisionRecord.model_validate(r, from_attributes=True) for r in rows]

    async def history_stamp(self, workspace_id: str, project_id: str) -> str:
        """A short value that changes whenever the project's narrative does (entries, run snapshots,
        decisions or metric history; not settings such as a digest schedule): four aggregate queries,
        so a long-lived bot can keep its indexed history until the stamp moves."""
        return (await self.history_marks(workspace_id, project_id)).stamp

    async def history_marks(self, workspace_id: str, project_id: str) -> HistoryMarks:
        """The stamp in parts: each kind's count and latest change (served by the project indexes on
        ``updated_at`` and ``fetched_at`` for the two that grow by the hundred thousand)."""
        async with self._session() as session:
            parts: list[Any] = []
            for row, when in ((EntryRow, EntryRow.updated_at), (RunSnapshotRow, RunSnapshotRow.fetched_at),
                              (DecisionRow, DecisionRow.at), (MetricChangeRow, MetricChangeRow.created_at)):
                counted = (
                    await session.exec(
                        select(func.count(), func.max(col(when))).where(
                            col(row.workspace_id) == workspace_id, col(row.project_id) == project_id
                        )
                    )
                ).one()
                parts += [counted[0], counted[1]]
        return HistoryMarks(entries=parts[0], entries_updated=parts[1], runs=parts[2], runs_fetched=parts[3],
                            decisions=parts[4], decisions_at=parts[5], metric_changes=parts[6],
                            metric_changed=parts[7])

if TYPE_CHECKING:
    from storage.ports import HistoryStore

    def _implements_the_port(store: SqlHistoryStore) -> HistoryStore:
        return store  # mypy checks the class against the Protocol here
