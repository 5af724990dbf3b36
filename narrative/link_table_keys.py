"""Rows of a pasted table told apart by a column that is one of the runs' settings (links round 15).

A job registry or a results table often writes each run as a row keyed by something the tracker logs as a
setting: ``| Job ID | Seed | Runtime |`` over ``| 3080227 | 42 | ~2h |`` with ``job_id=3080227`` logged. Such a
row names its run when the column's header is the setting's key (spelled with any case, spaces or underscores:
"Job ID" for ``job_id``), the setting tells the author's runs apart (no two of the author's runs share a value of
it, so a seed column of a sweep over two models names nothing), and exactly one of the author's runs holds the
cell's value — no teammate's run of the window and no earlier run of the author's. A column whose cells repeat a
value is no column of runs; a row that says its job is pending or queued names none (the job has not run).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from storage.records import RunSnapshot

# A table line: starts and ends with a pipe (leading spaces allowed). Cells are split by plain str.split.
_MAX_LINE = 2000
_SEPARATOR_CELL = re.compile(r"^\s{0,8}:?-{1,200}:?\s{0,8}$")
_NON_KEY = re.compile(r"[^a-z0-9]")
# Cell decoration around a value: code ticks, bold or italics, spaces.
_DECORATION = "`*_ "
# A row about a job that has not run (yet): its cells say so.
_NOT_RUN_ROW = re.compile(r"\b(?:pending|queued|planned|todo|to do|not started|skipped|cancell?ed)\b")
# A heading above a table that makes it a plan ("Next:", "## Pending", "### To run"): its rows have not run.
_PLAN_HEADING = re.compile(r"\b(?:next|todo|to do|to run|plan(?:ned|s)?|pending|queued?|upcoming|tomorrow)\b")
_HEADING = re.compile(r"^[ \t]{0,3}(?:#{1,6}[ \t]|\*\*)|:[ \t*]{0,3}$")


def _cells(line: str) -> list[str] | None:
    stripped = line.strip()
    if len(stripped) > _MAX_LINE or len(stripped) < 3 or not (stripped.startswith("|") and stripped.endswith("|")):
        return None
    return [c.strip() for c in stripped[1:-1].split("|")]


def _planned(lines: list[str], header_at: int) -> bool:
    """Whether the nearest heading above a table's header makes the table a plan."""
    for line in reversed(lines[max(0, header_at - 12):header_at]):
        if _HEADING.search(line[:200]):
            return bool(_PLAN_HEADING.search(line[:200].lower()))
    return False


def _tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """(header cells, data rows) of each pipe table not planned: the header is the row just above a separator row."""
    lines = text.split("\n")
    tables: list[tuple[list[str], list[list[str]]]] = []
    index = 1
    while index < len(lines):
        separator = _cells(lines[index])
        header = _cells(lines[index - 1])
        if separator and header and len(separator) == len(header) and all(_SEPARATOR_CELL.match(c) for c in separator):
            rows: list[list[str]] = []
            index += 1
            while index < len(lines) and (row := _cells(lines[index])) is not None:
                rows.append(row)
                index += 1
            if not _planned(lines, index - len(rows) - 2):
                tables.append((header, rows))
        index += 1
    return tables


def _key_form(word: str) -> str:
    return _NON_KEY.sub("", word.lower())


def _identifying_keys(own: Sequence[RunSnapshot]) -> dict[str, str]:
    """Normalised form -> setting key, for keys no two of the author's runs share a value of (a job id, a run's own
    seed in a one-recipe seed sweep). A key held by one run alone tells nothing apart and is left out."""
    values: dict[str, list[str]] = {}
    for run in own:
        for key, value in run.params.items():
            values.setdefault(key, []).append(str(value).strip().lower())
    keys: dict[str, str] = {}
    for key, held in values.items():
        form = _key_form(key)
        if len(held) >= 2 and len(set(held)) == len(held) and form:
            keys.setdefault(form, key)
    return keys


def table_key_references(text: str, author_window: list[RunSnapshot], earlier: Sequence[RunSnapshot],
                         window_runs: Sequence[RunSnapshot]) -> list[tuple[str, RunSnapshot]]:
    """(the row as written, run) for each table row whose settings column holds one of the author's runs' value."""
    if "|" not in text or len(author_window) < 2:
        return []
    own = [*author_window, *earlier]
    keys = _identifying_keys(own)
    if not keys:
        return []
    mine = {r.run_id for r in own}
    teammates = [r for r in window_runs if r.run_id not in mine]
    found: list[tuple[str, RunSnapshot]] = []
    for header, rows in _tables(text):
        for column, title in enumerate(header):
            key = keys.get(_key_form(title.strip(_DECORATION)))
            if key is None:
                continue
            cells = [row[column].strip(_DECORATION).lower() for row in rows if column < len(row)]
            filled = [c for c in cells if c]
            if len(set(filled)) != len(filled):
                continue  # a value repeated down the column: rows of something else than runs
            for row in rows:
                if column >= len(row) or _NOT_RUN_ROW.search(" ".join(row).lower()):
                    continue
                value = row[column].strip(_DECORATION).lower()
                holders = [r for r in own if str(r.params.get(key, "")).strip().lower() == value]
                if not value or len(holders) != 1 or holders[0] not in author_window:
                    continue
                if any(str(r.params.get(key, "")).strip().lower() == value for r in teammates):
                    continue  # a teammate's run holds it too: the row may be his
                found.append((value, holders[0]))
    return found
