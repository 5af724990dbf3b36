"""A Slurm job registry read end to end as the service structures it (links round 15): the real experiment log of
thedannyliu/Flow-MBPO-PWM (docs/experiment_log.md, session 2025-12-28; the tune fixture
tests/narrative/data/real_links/flow-mbpo-slurm-experiment-matrix.json), its runs rebuilt there. The log writes most
runs only as a row of their Slurm job id and seed, some by W&B name beside the job id, one variant by its settings
("Flow WM K=8 Euler"); a failed start shares the seed-42 K=8 run's name, a debug run and a teammate's run of the same
name sit in the same hours, and pending jobs never started."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from storage.records import ProjectRecord
from tests.narrative.walkthrough_util import false_none_linked, fixture_run, fixture_time, structures
from tests.narrative.walkthrough_util import history as walkthrough_history

FIXTURE = Path(__file__).parent / "data" / "real_links" / "flow-mbpo-slurm-experiment-matrix.json"
DATA = json.loads(FIXTURE.read_text())
T0 = dt.datetime(2025, 12, 27, 0, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="flow-mbpo", primary_metric="final_reward",
                        goal="max", experiment_ids=["1"])


RUNS = [fixture_run(r) for r in DATA["runs"]]
MESSAGE = DATA["messages"][0]
HOURS = (fixture_time(MESSAGE["at"]) - T0).total_seconds() / 3600


def test_the_registry_links_every_job_it_lists_and_no_trap() -> None:
    (entry,) = structures(walkthrough_history(PROJECT, RUNS, [(HOURS, MESSAGE["text"])], days=3, t0=T0,
                                              author="danny"))
    expected = DATA["expect"]["entries"][0]
    linked = {r.run_id for r in entry.runs}
    assert linked == {key * 16 for key in expected["linked_runs"]}
    assert not linked & {key * 16 for key in expected["must_not_link"]}   # debug run, failed start, agarg's run
    assert false_none_linked(entry) == []
