"""Thread answers from what the notes say of one thing: a thing only ever planned ("did the GRU help?" when the
GRU run was planned and never logged answers with the plan, its author and its date, never with "I found nothing"
nor with a result), and a run the notes give a list item of its own ("- run_12: ..." and the lines under it)."""

from __future__ import annotations

import re

from narrative.answer_quotes import clip
from narrative.checking import check
from narrative.history_index import HistoryIndex
from narrative.run_answers import Cites
from storage.records import EntryRecord, RunSnapshot


def never_run(idx: HistoryIndex, subject: str, parts: list[str], cites: Cites) -> bool:
    """When the check finds ``subject`` planned in the notes and neither a run nor a statement shows it done,
    say so with the plans (who, when, their words) and cite their entries; False (nothing said) otherwise.
    The check's judgement is reused so that ``ask`` and ``check`` never disagree on what was tried."""
    if not subject.strip():
        return False
    result = check(subject, idx)
    if result.already_tried or not result.planned:
        return False
    first = result.planned[0]
    when = f"{first.at:%Y-%m-%d}" if first.at else "an undated note"
    parts.append(f"Not run: planned on {when} by {first.author or 'someone'}, and no run or note shows it done. "
                 f"{first.author or 'The note'} ({when}, a plan): \"{clip(first.text, 220)}\"")
    cites.add(first.entry_id, [])
    for more in result.planned[1:2]:
        if more.entry_id != first.entry_id:
            at = f"{more.at:%Y-%m-%d}" if more.at else "undated"
            parts.append(f"Also planned: {more.author} ({at}): \"{clip(more.text, 160)}\"")
            cites.add(more.entry_id, [])
    return True


_ITEM = re.compile(r"^(\s{0,12})(?:[-*+•]|\d{1,3}[.)])\s{1,4}(.*)$")
_HEAD = re.compile(r"^(\s{0,3})#{1,6}\s{1,4}(.*)$")
MAX_ITEM_LINES = 6


def run_item(idx: HistoryIndex, run: RunSnapshot | str) -> tuple[EntryRecord, str] | None:
    """The list item or heading of a note that names ``run`` (a run, or a run's name: its own line, and the
    lines indented under it: "- run_12: run_5 / Val loss exploded at epoch 8 / Change to no dropout ..."), from
    the latest note that has one; None when no note gives it a line of its own or the line has nothing under it."""
    name = (run if isinstance(run, str) else run.run_name or "").lower()
    if len(name) < 3:
        return None
    named = re.compile(r"(?<![\w/])" + re.escape(name) + r"(?![\w])")
    for entry in sorted(idx.entry_by_id.values(), key=lambda e: e.at, reverse=True):
        if name not in entry.raw_text.lower():
            continue
        lines = entry.raw_text.splitlines()
        for i, line in enumerate(lines[:2000]):
            m = _ITEM.match(line) or _HEAD.match(line)
            if m is None or not named.match(m.group(2).lower().lstrip("*`_ ")):
                continue
            depth = len(m.group(1))
            said = [m.group(2).strip()]
            for nxt in lines[i + 1: i + 1 + MAX_ITEM_LINES]:
                if not nxt.strip():
                    break
                sub = _ITEM.match(nxt)
                if sub is None or len(sub.group(1)) <= depth:
                    break
                said.append(sub.group(2).strip())
            if len(said) > 1:
                return entry, " / ".join(said)
    return None


_LEAD_NAME = re.compile(r"^\W{0,4}([A-Za-z][\w.\-]{0,40}?[_\-.]\d[\w.\-]{0,20}?)\s{0,2}:")


def unlogged_item(idx: HistoryIndex, text: str) -> tuple[EntryRecord, str, str] | None:
    """A quoted list item that opens with a run's name the tracker does not have ("run_10_5: ..." beside the
    tracker's run_10, run_10_2 ...), with the lines under it ("CANCELLED so ... first"): the entry, the name
    and those lines; None when the name is a run's, or no run shares its stem (then it may name anything)."""
    m = _LEAD_NAME.match(text)
    if m is None:
        return None
    name = m.group(1).lower()
    if name in idx.name_to_runs:
        return None
    stem = re.split(r"[_\-.]\d", name, maxsplit=1)[0]
    got = run_item(idx, name) if len(stem) >= 2 else None
    if got is None:
        return None
    # the note links runs named like it (run_10, run_10_2): the name is one of theirs that never ran
    siblings = (idx.run_by_id[r].run_name or "" for r in idx.entry_runs.get(got[0].id, []) if r in idx.run_by_id)
    if not any(n.lower().startswith(stem) for n in siblings):
        return None
    return got[0], name, got[1].split(" / ", 1)[1]
