"""The items a line announces: "... which ended up being a combination of:" says nothing without the lines under
it, nor does an outcome label whose content goes on on the bullets under it (moved out of ``answer_quotes``)."""

from __future__ import annotations

import re

from narrative.answer_sections import OUTCOME_LABEL
from narrative.history_index import HistoryIndex

_LEADS_LIST = re.compile(r"(:|following|these|as follows)$", re.I)  # searched on stripped text
_LIST_LINE = re.compile(r"^\s{0,8}([-*+•]|\d{1,2}[.)])\s")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def with_list(idx: HistoryIndex, text: str, limit: int = 3) -> str:
    """A sentence that announces a list ("... which ended up being a combination of:") says nothing without the
    items: the next lines of the entry, up to ``limit``."""
    # ... and so does an outcome label whose content goes on under it ("**Root Cause**: Warmup + cosine conflict"
    # then "- Warmup increased LR ..." / "- After warmup, base LR (0.001) was too high ...")
    if not _LEADS_LIST.search(text.strip()) and not OUTCOME_LABEL.match(text):
        return text
    entries = [e for e in idx.entries if e.raw_text and text.strip()[:60] in " ".join(e.raw_text.split())]
    if not entries:
        return text
    raw = entries[-1].raw_text
    lines = raw.splitlines()
    start = next((i for i, ln in enumerate(lines) if text.strip()[-40:] in " ".join(ln.split())), -1)
    if start < 0:
        return text
    if not _LEADS_LIST.search(text.strip()) and _LIST_LINE.match(lines[start]):
        return text  # "- **Finding**: ..." is an item itself: the next item is its sibling, not its content
    items: list[str] = []
    lead_item = bool(_LIST_LINE.match(lines[start]))
    for ln in lines[start + 1:]:
        if not ln.strip():
            if items:
                break
            continue
        if not _LIST_LINE.match(ln):
            if items and ln[:1] in (" ", "\t"):
                # an indented line under an item, no bullet of its own, goes on with it ("  - `delta -= mean`" then
                # "  prevents the mixer from learning a pure global shift"): the item's own words, often its point
                items[-1] = f"{items[-1]} {ln.strip()}"
                continue
            break
        if len(items) >= limit or (lead_item and _indent(ln) <= _indent(lines[start])):
            break  # (a sibling of the item that announced the list is none of its content)
        items.append(_LIST_LINE.sub("", ln, count=1).strip())
    if not items:
        return text
    glue = " " if _LEADS_LIST.search(text.strip()) else "; "
    return f"{text.strip()}{glue}{'; '.join(items)}"
