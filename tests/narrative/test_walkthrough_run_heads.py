"""A new user's week on a small LM (links round 13), read end to end as the service structures it: runs named by a
run word and counter with a tail (RUN_IDs run1_base ... run4_lion_b2), written "Run 2's" and "(Run 3)"; a restart under
the same name after an OOM; seeds as a range at one learning rate; a group by a shared value with the noun first;
values in brackets after their setting; a teammate whose RUN_IDs use the same scheme in the same hours."""

from __future__ import annotations

import datetime as dt

from storage.records import EntryStructure, ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import false_none_linked, structures
from tests.narrative.walkthrough_util import history as walkthrough_history

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="tiny-lm", primary_metric="val_loss",  # type: ignore[arg-type]
                        goal="min", experiment_ids=["1"])
BASE = {"optimizer": "adamw", "lr": "3e-4", "seed": "0", "norm": "rmsnorm"}


def _run(key: str, name: str, hours: float, params: dict[str, str], loss: float | None, *, user: str = "ida",
         status: str = "FINISHED") -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user=user, status=status, start=start,
                       end=start + dt.timedelta(minutes=50), params={**BASE, **params},
                       metrics={} if loss is None else {"val_loss": loss})


RUNS = [
    _run("a", "run1_base", 1, {}, 3.41),
    _run("b", "run2_lion", 2, {"optimizer": "lion", "lr": "1e-4"}, 3.32),
    _run("c", "run3_lion_b2", 3, {"optimizer": "lion", "lr": "1e-4", "beta2": "0.95"}, None, status="FAILED"),
    _run("d", "run3_lion_b2", 3.2, {"optimizer": "lion", "lr": "1e-4", "beta2": "0.95"}, 3.29),
    _run("t", "run3_muon_sweep", 3.1, {"optimizer": "muon", "lr": "2e-2"}, 3.25, user="tom"),
    _run("e", "run4_s1", 25, {"optimizer": "lion", "lr": "1e-4", "beta2": "0.95", "seed": "1"}, 3.30),
    _run("f", "run5_s2", 25.1, {"optimizer": "lion", "lr": "1e-4", "beta2": "0.95", "seed": "2"}, 3.28),
    _run("g", "run6_s3", 25.2, {"optimizer": "lion", "lr": "1e-4", "beta2": "0.95", "seed": "3"}, 3.31),
    _run("h", "run7_layernorm", 49, {"optimizer": "lion", "lr": "1e-4", "norm": "layernorm"}, 3.36),
    _run("i", "run8_scalenorm", 49.1, {"optimizer": "lion", "lr": "1e-4", "norm": "scale_norm"}, 3.38),
]
NOTES = [
    (6, "Lion beats AdamW: Run 2's val loss is 3.32 against 3.41. (Run 3) OOM'd at first, restarted it with "
        "grad accumulation, 3.29. tom's Run 3 is a muon sweep, not comparable."),
    (30, "seeds 1-3 at lr 1e-4 agree within .03. all runs with beta2 0.95 look alike. I'll run 3 more seeds "
         "at lr 3e-4 tomorrow."),
    (54, "tried other norms (layernorm, scale-norm): both worse than rmsnorm."),
]


def _linked(entry: EntryStructure) -> set[str]:
    return {r.run_name for r in entry.runs}


def test_each_note_links_the_runs_it_names_and_no_other() -> None:
    first, seeds, norms = structures(walkthrough_history(PROJECT, RUNS, NOTES, days=4, t0=T0, author="ida"))
    # "(Run 3) OOM'd at first, restarted it ..., 3.29": the note tells of both, the OOM'd start and the restart.
    assert {r.run_id for r in first.runs} == {"b" * 32, "c" * 32, "d" * 32}   # not tom's Run 3
    assert _linked(seeds) == {"run4_s1", "run5_s2", "run6_s3"}
    assert _linked(norms) == {"run7_layernorm", "run8_scalenorm"}
    for entry in (first, seeds, norms):
        assert false_none_linked(entry) == []
