"""A results table's decision column: "| mixup | 0.812 | Keep |" under "| variant | acc | decision |".

A table that ends each row with Keep / Drop / Defer (or Ship / Reject / Park ...) has settled each variant: the
column is the writer's decision and, for Keep and Drop, the verdict on the variant; numbers read alone would say
neither (a pasted table lists results side by side). The column is known by its header ("decision", "verdict",
"call", "keep?", "action", "status") and its cell must be one of the decision words, whole, so a "status" column of
"done" / "running" or a "notes" column saying "keep an eye on the loss" are left to the other readings.
"""

from __future__ import annotations

import re
from typing import Literal

from narrative.entry_text import MAX_ITEM_CHARS, MAX_SUBJECT_CHARS, add_item, clip
from narrative.segmenting import Segment
from storage.records import Conclusion, DecisionNote, EntryStructure

Call = Literal["keep", "drop", "defer"]

_HEADER = re.compile(r"^\W{0,3}(?:decision|decided|verdict|call|action|next\s+action|status|keep(?:\s*/\s*drop)?|"
                     r"keep\s*\?|ship\s*\?|adopt\s*\?)\W{0,3}$", re.IGNORECASE)
_CELL: tuple[tuple[Call, re.Pattern[str]], ...] = (
    ("keep", re.compile(r"^\W{0,3}(?:keep|kept|adopt(?:ed)?|ship(?:ped)?|accept(?:ed)?|merge(?:d)?|promote(?:d)?|"
                        r"yes|✅|✔️?)\W{0,3}$", re.IGNORECASE)),
    ("drop", re.compile(r"^\W{0,3}(?:drop(?:ped)?|discard(?:ed)?|reject(?:ed)?|remove(?:d)?|revert(?:ed)?|kill(?:ed)?|"
                        r"abandon(?:ed)?|no|❌|✗)\W{0,3}$", re.IGNORECASE)),
    ("defer", re.compile(r"^\W{0,3}(?:defer(?:red)?|park(?:ed)?|later|revisit|on\s+hold|hold|maybe|undecided|"
                         r"re-?test|re-?run)\W{0,3}$", re.IGNORECASE)),
)
_NUMBER_CELL = re.compile(r"[-+~]?\d*\.?\d+\s*(?:%|ms|min|s|h)?")


def call_of(segment: Segment) -> tuple[Call, int] | None:
    """The decision a table row's decision column holds, and that column's place; None without one."""
    for position, cell in enumerate(segment.cells):
        header = segment.header[position] if position < len(segment.header) else ""
        if not _HEADER.match(header):
            continue
        for call, pattern in _CELL:
            if pattern.match(cell.strip()):
                return call, position
    return None


def file_call(structure: EntryStructure, segment: Segment, text: str, run_ids: list[str]) -> bool:
    """File a decided row: the variant tried, the decision, and for Keep / Drop the verdict. False when undecided."""
    found = call_of(segment)
    if found is None:
        return False
    call, column = found
    subject = next((cell.strip() for position, cell in enumerate(segment.cells)
                    if position != column and cell.strip() and not _NUMBER_CELL.fullmatch(cell.strip())), "")
    if subject:
        add_item(structure.hypotheses, clip(subject, MAX_SUBJECT_CHARS))
    said = clip(text, MAX_ITEM_CHARS)
    kind = {"keep": "adopt", "drop": "abandon", "defer": "other"}[call]
    if not any(d.kind == kind and d.text == said for d in structure.decisions):
        structure.decisions.append(DecisionNote(kind=kind, text=said, run_ids=run_ids))
    if call != "defer":
        # a variant kept worked; one dropped did not (a deferred one is not judged yet)
        structure.conclusions.append(Conclusion(text=said, verdict="worked" if call == "keep" else "did_not_work",
                                                run_ids=run_ids))
    return True
