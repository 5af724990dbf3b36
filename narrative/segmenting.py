"""Split a brain dump into segments: bullets, table rows, prose sentences.

Structuring and linking both reason per segment ("what does this bullet say, which run is it
about"), so they share one splitter. Work is capped linearly: a huge paste is cut before splitting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

SegmentKind = Literal["line", "bullet", "row", "sentence"]
# What a heading or a label says the text under it is: "## Next", "**Next.** ...", "Open questions:".
Section = Literal["", "next", "question", "negative"]

MAX_TEXT_CHARS = 20_000      # beyond this a paste is not a brain dump; the raw text is kept anyway
MAX_SEGMENTS = 400
SHORT_SENTENCE_CHARS = 40    # "why?", "dropping it." belong to the sentence before them

_BULLET = re.compile(r"^\s*(?:[-*•·▪‣]|\d{1,2}[.)])\s+")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}")
_HEADING_MARK = re.compile(r"^(?:#{1,6}\s+|\*\*|__)")
_HEADING_ONLY = re.compile(r"^(?:#{1,6}\s+.+|(?:\*\*|__)[^*_]{1,60}(?:\*\*|__)\s*:?)$")
_LABEL = re.compile(
    r"^(?:#{1,6}\s*)?(?:\*\*|__)?\s*(?P<label>next(?:\s+steps?|\s+up|\s+week|\s+time)?|plan(?:\s+for\s+\w+)?|"
    r"todos?|to-?dos?|follow[- ]?ups?|action\s+items?|open\s+questions?|questions?|open\s+qs?|open\s+issues?|"
    r"what\s+didn'?t\s+work|didn'?t\s+work|dead\s+ends?|negative\s+results?|failures?)"
    r"\s*(?:[:.\-—]\s*(?:\*\*|__)?|(?:\*\*|__)\s*[:.\-—]?|$)\s*",
    re.IGNORECASE,
)


def _section_of(label: str) -> Section:
    label = label.lower()
    if label.startswith(("open", "question")):
        return "question"
    if label.startswith(("what", "didn", "dead", "negative", "fail")):
        return "negative"
    return "next"


def _label(line: str) -> tuple[Section, str, bool] | None:
    """(section, the rest of the line, whether it is a heading) when ``line`` starts with a label."""
    match = _LABEL.match(line)
    if not match:
        return None
    rest = line[match.end():].strip().strip("*_").strip()
    marked = bool(_HEADING_MARK.match(line))
    # "Next: x" and "**Next.** x" are labels; "next week I'll ..." or "plan is to" is prose.
    punctuated = bool(re.match(r"[:.\-—*_]", line[match.start("label") + len(match.group("label")):].lstrip()))
    if not rest:
        return _section_of(match.group("label")), "", True
    if marked or punctuated:
        return _section_of(match.group("label")), rest, False
    return None
# A sentence ends at . ! ? (not a decimal point, not "vs.", "e.g.") followed by whitespace.
_SENTENCE_END = re.compile(r"(?<![\s(])(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)(?<!\bw/o)[.!?]+(?=\s+\S)")


@dataclass
class Segment:
    text: str
    kind: SegmentKind
    line: int
    cells: list[str] = field(default_factory=list)      # table rows: the cells
    header: list[str] = field(default_factory=list)     # table rows: the header cells
    section: Section = ""                               # the heading or label it sits under

    @property
    def lower(self) -> str:
        return self.text.lower()


def clean(text: str) -> str:
    """Printable text only (binary junk becomes spaces), cut to ``MAX_TEXT_CHARS``."""
    cut = text[:MAX_TEXT_CHARS]
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in cut)


def split_sentences(line: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        parts.append(line[start : match.end()].strip())
        start = match.end()
    parts.append(line[start:].strip())
    merged: list[str] = []
    for part in parts:
        if not part:
            continue
        # A short tail ("why?", "dropping it.") is a comment on the sentence before it.
        if merged and len(part) < SHORT_SENTENCE_CHARS:
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def split_segments(text: str) -> list[Segment]:
    """Segments of ``text`` in reading order."""
    segments: list[Segment] = []
    header: list[str] = []
    in_table = False
    section: Section = ""           # set by a heading line, kept for the lines under it
    section_marked = False          # a markdown heading keeps its section across blank lines
    for number, raw_line in enumerate(clean(text).splitlines()):
        line = raw_line.strip()
        if not line:
            in_table = False
            if not section_marked:
                section = ""
            continue
        if line.startswith("|") and line.count("|") >= 2:
            if _TABLE_SEPARATOR.match(line.strip("|").strip()) or set(line) <= set("|-: "):
                continue
            if not in_table:
                header, in_table = [h.lower() for h in _cells(line)], True
                continue
            segments.append(Segment(line, "row", number, cells=_cells(line), header=header))
            continue
        in_table = False
        is_bullet = bool(_BULLET.match(line))
        body = _BULLET.sub("", line) if is_bullet else line
        line_section = section
        labelled = _label(body)
        if labelled:
            label_section, rest, heading = labelled
            if heading:
                section, section_marked = label_section, bool(_HEADING_MARK.match(body)) or not is_bullet
                continue
            body, line_section = rest, label_section
        elif _HEADING_ONLY.match(body):
            section, section_marked = "", False  # another heading ends the section
        sentences = split_sentences(body)
        for sentence in sentences:
            kind: SegmentKind = "bullet" if is_bullet else ("sentence" if len(sentences) > 1 else "line")
            segments.append(Segment(sentence, kind, number, section=line_section))
        if len(segments) >= MAX_SEGMENTS:
            break
    return segments[:MAX_SEGMENTS]
