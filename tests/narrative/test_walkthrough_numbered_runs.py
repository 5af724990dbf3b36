"""A student's numbered run list read end to end as the service structures it (links round 16): the real notes of
gayatrib12/character-recognition (unused_models/README_MODELS.md; the tune fixture
tests/narrative/data/real_links/char-recognition-numbered-runs.json), cut into four days, its runs rebuilt there. The
notes name each run only as a list item "- Run N" over its settings' sub-bullets; the tracker names them run_0 ..
run_20. A failed first run_7 start, a two-minute probe, a teammate's run_3 and run_12, a run_21 still running and the
author's own run_5 of forty days before sit beside them. The user then asks whether a setting was tried."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from narrative import synthesis
from storage.records import ProjectRecord
from tests.narrative.walkthrough_util import false_none_linked, fixture_run, fixture_time, structures
from tests.narrative.walkthrough_util import history as walkthrough_history

FIXTURE = Path(__file__).parent / "data" / "real_links" / "char-recognition-numbered-runs.json"
DATA = json.loads(FIXTURE.read_text())
T0 = dt.datetime(2021, 4, 12, 0, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="char-recognition", primary_metric="final_accuracy",
                        goal="max", experiment_ids=["1"])


RUNS = [fixture_run(r) for r in DATA["runs"]]
NOTES = [((fixture_time(m["at"]) - T0).total_seconds() / 3600, m["text"]) for m in DATA["messages"]]


def _history() -> Any:
    return walkthrough_history(PROJECT, RUNS, NOTES, days=5, t0=T0, author="gayatri")


def test_each_day_links_the_runs_it_lists_and_no_trap() -> None:
    entries = structures(_history())
    assert len(entries) == len(DATA["expect"]["entries"])
    for entry, expected in zip(entries, DATA["expect"]["entries"], strict=True):
        linked = {r.run_id for r in entry.runs}
        assert linked == {key * 16 for key in expected["linked_runs"]}, expected["message"]
        # the failed run_7 start, the probe, priya's run_3/run_12, the running run_21, the old run_5
        assert not linked & {key * 16 for key in expected["must_not_link"]}
        assert false_none_linked(entry) == []


def test_a_batch_size_from_the_list_is_found_tried() -> None:
    h = _history()
    tried = synthesis.check("train batch size 1500", h)
    assert tried.already_tried, tried
    cited = {run_id for match in tried.matches for run_id in match.run_ids}
    assert "r18" * 16 in cited, tried
