"""Run ``coco phase`` on plain notes (no tracker): which approaches does it name from the words alone?

    .venv/bin/python -m tests.narrative.phase_notes_dev [--whole] FILES

Each part of a file between ``---`` rules (or, without rules, each blank-line paragraph) is one entry, a
day apart, and each file is its own project; with ``--whole`` each file is one entry of one project
(daily logs). No runs are logged, so every approach
comes from the text; the runs are taken to carry every word of the notes (the weakest gate a phrase
can meet), so a junk phrase cannot hide behind a run's vocabulary. Prints each approach with its
status, the words that decided it, and flags names that look like sentence fragments.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

from narrative import synthesis, vocab
from narrative.history_index import HistoryIndexCache
from narrative.types import ProjectHistory, StructureRequest
from storage.records import EntryRecord, ProjectRecord

# what a fragment of a sentence looks like when it is taken for a name
_FRAGMENT = re.compile(r"\b(don|didn|doesn|isn|wasn|aren|won|t|ve|ll|i|my|we|our|it|this|that|these|"
                       r"\w+ly|performs?|found|revealed|seems?)\b")


def _parts(text: str, whole: bool) -> list[str]:
    if whole:
        return [text]
    if len(re.findall(r"(?m)^-{3,}\s*$", text)) >= 2:
        return re.split(r"(?m)^-{3,}\s*$", text)
    return re.split(r"\n\s*\n", text)


def history_of(paths: list[Path], whole: bool = False) -> ProjectHistory:
    from narrative.structuring import structure_entry

    project = ProjectRecord(id="p", workspace_id="w", name="notes", experiment_ids=["1"], experiment_names=[""],
                            primary_metric=None, goal="max")
    t0 = dt.datetime(2024, 1, 1, 18, tzinfo=dt.UTC)
    entries: list[EntryRecord] = []
    n = 0
    for path in paths:
        for para in _parts(path.read_text(), whole):
            if not para.strip():
                continue
            at = t0 + dt.timedelta(days=n)
            req = StructureRequest(text=para.strip(), author="a", at=at, project=project,
                                   previous_entries=list(entries))
            st = structure_entry(req)
            n += 1
            entries.append(EntryRecord(id=f"e{n:02d}", workspace_id="w", project_id="p", author="a", at=at,
                                       raw_text=para.strip(), status="structured", structure=st))
    return ProjectHistory(project=project, entries=entries, runs={}, now=t0 + dt.timedelta(days=n))


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv if not a.startswith("-")]
    whole = "--whole" in argv
    total = flagged = 0
    for group in ([paths] if whole else [[p] for p in paths]):
        path = group[0]
        hist = history_of(group, whole)
        cache = HistoryIndexCache()
        idx = cache.index(hist)
        idx.cache["run_tokens"] = frozenset(t for e in hist.entries for t in vocab.tokens(e.raw_text))
        ph = synthesis.phase(hist, indexes=cache)
        print(f"== {path.name}: {len(hist.entries)} entries, {len(ph.approaches)} approaches")
        for a in ph.approaches:
            bad = bool(_FRAGMENT.search(a.name.lower()))
            total += 1
            flagged += bad
            print(f"   {'?? ' if bad else '   '}[{a.status}] {a.name} :: {a.reason[:110]}")
        print(f"   next: {[s[:70] for s in ph.next_steps[:4]]}")
    print(f"TOTAL approaches {total}, fragment-like {flagged}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
