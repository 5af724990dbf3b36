"""Bullets that are plans because of the list they sit in, for ``narrative.structuring``. (Moved out of
``structuring.py`` unchanged, to keep that file under its size limit.)
"""

from __future__ import annotations

from narrative import reading as readings_mod
from narrative.entry_text import has_number
from narrative.segmenting import Segment

_REPORT_SECTIONS = frozenset({"done", "result", "conclusion", "negative", "positive", "config", "hypothesis",
                              "tried"})


def plans_by_their_list(segments: list[Segment]) -> set[int]:
    """Bullets of a list whose other items are plans, and which state no result of their own: "- Use a
    max lr of 6e-5 / - Fully shuffle data / - Reintroduce LayerNorm" lists three things to do."""
    found: set[int] = set()
    run: list[int] = []

    def close() -> None:
        modes = {i: readings_mod.modality(segments[i].text) for i in run}
        plans = sum(1 for m in modes.values() if m == "planned")
        bare = [i for i, m in modes.items() if m == "asserted" and not has_number(segments[i].text)
                and readings_mod.verdict_of(segments[i].text) is None]
        reported = any(segments[i].section in _REPORT_SECTIONS for i in run)
        if plans >= 2 and plans + len(bare) == len(run) and not reported:
            found.update(bare)
        run.clear()

    for index, segment in enumerate(segments):
        if segment.kind == "bullet" and (not run or segment.line == segments[run[-1]].line + 1):
            run.append(index)
            continue
        close()
        if segment.kind == "bullet":
            run.append(index)
    close()
    return found
