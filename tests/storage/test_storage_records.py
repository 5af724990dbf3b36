"""Records and rows: the public fields are declared in ``storage.records``, the columns in
``storage.tables``, and no mapper sits between them (a row is read with ``model_validate(row,
from_attributes=True)`` and written from ``record.model_dump()``). Reading by attribute falls back to
a field's default when the row lacks it, so a record field without its column must fail here, not
read back as a silent default."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from sqlmodel import SQLModel

from storage.records import (
    ApproachRecord,
    DecisionRecord,
    EntryRecord,
    InboxRecord,
    JobRecord,
    MetricChange,
    ProjectRecord,
    ReplyRecord,
    RunSnapshot,
    UsageRecord,
    UserRecord,
    WorkspaceRecord,
)
from storage.tables import (
    ALL_ROWS,
    ApproachRow,
    DecisionRow,
    EntryRow,
    JobRow,
    MetricChangeRow,
    ModelUsageRow,
    ProcessedEventRow,
    ProjectRow,
    ReplyRow,
    RunSnapshotRow,
    UserRow,
    WorkspaceRow,
    table_of,
)

# Record fields stored under another name, or not in the record's own table.
_STORED_ELSEWHERE: dict[type[BaseModel], dict[str, str | None]] = {
    ProjectRecord: {"metric_history": None},  # rows of coco_metric_change
    RunSnapshot: {"user": "username", "start": "start_time", "end": "end_time"},  # reserved words in SQL
}

PAIRS: list[tuple[type[BaseModel], type[SQLModel]]] = [
    (WorkspaceRecord, WorkspaceRow),
    (ProjectRecord, ProjectRow),
    (MetricChange, MetricChangeRow),
    (EntryRecord, EntryRow),
    (RunSnapshot, RunSnapshotRow),
    (ApproachRecord, ApproachRow),
    (DecisionRecord, DecisionRow),
    (JobRecord, JobRow),
    (UsageRecord, ModelUsageRow),
    (UserRecord, UserRow),
    (ReplyRecord, ReplyRow),
    (InboxRecord, ProcessedEventRow),  # the durable inbox grew out of the event log
]


def test_every_table_has_its_record() -> None:
    assert {row for _, row in PAIRS} == set(ALL_ROWS)


@pytest.mark.parametrize(("record", "row"), PAIRS, ids=[record.__name__ for record, _ in PAIRS])
def test_every_record_field_has_its_column(record: type[BaseModel], row: type[SQLModel]) -> None:
    renamed = _STORED_ELSEWHERE.get(record, {})
    expected = {renamed.get(field, field) for field in record.model_fields} - {None}
    assert expected <= set(table_of(row).columns.keys())
