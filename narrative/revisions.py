"""A person's message changed after it became an entry: edited, or deleted.

* **Edited**: the new version is appended to the entry's raw text under a dated marker (the raw text
  is never rewritten: every earlier version stays, in order, as its history), and the entry is
  structured again from the newest version only (:func:`current_text`), so an edited number
  replaces the old one instead of standing beside it.
* **Deleted**: the entry is discarded as the Discard button discards it, and first its lines are taken
  out of the notes of the runs it was written onto: the person took their words back.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from core.errors import OutsideFailure
from storage.records import EntryRecord, ProjectRecord

if TYPE_CHECKING:
    from narrative.service import LogOutcome, Narrator

log = logging.getLogger("coco.narrative.revisions")

# Starts the line above each new version of an edited message, inside the entry's raw text.
EDIT_MARK = "[edited"
_EDIT_LINE_END = "the new version replaces the text above]"


def edit_marker(*, at: dt.datetime, who: str) -> str:
    return f"\n\n{EDIT_MARK}, {at:%Y-%m-%d %H:%M} UTC, {who}; {_EDIT_LINE_END}\n"


def current_text(raw_text: str) -> str:
    """The newest version of an entry's text: what follows the last edit marker (corrections appended
    after it stay part of it), or the whole text when it was never edited."""
    at = raw_text.rfind(f"{_EDIT_LINE_END}\n")
    return raw_text if at < 0 else raw_text[at + len(_EDIT_LINE_END) + 1:]


def same_text(entry: EntryRecord, text: str) -> bool:
    """Slack also says "changed" when only a link preview or a language tag was added."""
    return " ".join(current_text(entry.raw_text).split()) == " ".join(text.split())


async def revise_entry(
    narrator: Narrator, entry: EntryRecord, text: str, *, who: str, at: dt.datetime
) -> tuple[ProjectRecord, LogOutcome]:
    """The edited message's new version appended (the history kept), then the entry structured again."""
    revised = await narrator.repo.append_entry_text(narrator.workspace_id, entry.id,
                                                    edit_marker(at=at, who=who) + text)
    project = await narrator.project_by_id(entry.project_id)
    return project, await narrator.finish_entry(project, revised)


async def retract_entry(narrator: Narrator, entry: EntryRecord) -> int:
    """Discard the entry after taking its lines out of its runs' notes; how many notes were cleaned.
    A tracker that is down leaves its note as it was (logged): the entry is deleted all the same."""
    cleaned = 0
    runs = [r.run_id for r in entry.structure.runs] if entry.structure else []
    if runs:
        project = await narrator.project_by_id(entry.project_id)
        tracker = narrator.tracker(project)
        for run_id in runs:
            try:
                await tracker.remove_note(run_id, entry_id=entry.id)
                cleaned += 1
            except OutsideFailure as failure:
                log.warning("the note of run %s still names deleted entry %s: %s", run_id, entry.id, failure)
    await narrator.discard_entry(entry)
    return cleaned
