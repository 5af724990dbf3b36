"""Structure one note as the writer does (structuring, then grounding with no run candidates): the shared
set-up of the field-class tests."""

from __future__ import annotations

import datetime as dt

from narrative import grounding
from narrative.structuring import structure_entry
from narrative.types import StructureRequest
from storage.records import EntryStructure, ProjectRecord

PROJECT = ProjectRecord(id="p", workspace_id="w", name="notes", experiment_ids=["1"], experiment_names=["notes"],
                        primary_metric=None, goal="max")


def structure_text(text: str) -> EntryStructure:
    request = StructureRequest(text=text, author="a", at=dt.datetime(2030, 1, 2, tzinfo=dt.UTC), project=PROJECT)
    return grounding.ground_structure(structure_entry(request), person_text=text, candidates={})
