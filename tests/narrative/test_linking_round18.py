"""Links round 18: a grid told by its settings' value lists ("- **Learning Rates**: [0.1, 0.001, 0.0005]" over
"- **Weight Decays**: [0.0001]" and "- **Seeds per Configuration**: [42, 43]" with "Total Runs: 6"; "lr in {1e-3, 3e-4}
x batch {32, 64}") names the author's finished runs at its points when they match it exactly. Probes failing on the old
rules, must-not-link probes and a long input. The real text of the round: tests/narrative/data/real_links/
{bs-data-sweep-grid-summaries, mask-rcnn-first-second-training-issue, jetson-plants-102-epoch-issue,
openpose-batch100-reproduce-comment}.json (tune), {pmg-batch16-five-runs-comment, idbr-finetune-seed-values-issue}.json
(held).
"""

from __future__ import annotations

import itertools
import time

from narrative.link_grids import grid_references
from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run


def names(runs: list[RunSnapshot], text: str, *, author: str = "ada") -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs, author=author)).runs}


def grid(lrs: tuple[str, ...] = ("0.1", "0.001", "0.0005"), wds: tuple[str, ...] = ("0.0001",),
         seeds: tuple[str, ...] = ("42", "43"), *, user: str = "ada", status: str = "FINISHED") -> list[RunSnapshot]:
    runs = []
    for i, (lr, wd, seed) in enumerate(itertools.product(lrs, wds, seeds)):
        runs.append(make_run(f"{user}-{lr}-{wd}-{seed}-{status}", name=f"{user}-g{i}-{status.lower()}", user=user,
                             status=status, hours_ago=30 - i / 2,
                             params={"lr": lr, "weight_decay": wd, "seed": seed, "epochs": "30"},
                             metrics={"val_f1": 0.8 + i / 100}))
    return runs


SUMMARY = ("# Hyperparameter Sweep Summary\n\n## Configuration\n- **Learning Rates**: [0.1, 0.001, 0.0005]\n"
           "- **Weight Decays**: [0.0001]\n- **Seeds per Configuration**: [42, 43]\n- **Total Runs**: 6\n")


def test_a_grid_of_value_lists_names_every_run_at_its_points() -> None:
    runs = grid()
    assert names(runs, SUMMARY) == {r.run_name for r in runs}
    # without a total: one run per point
    assert names(runs, SUMMARY.replace("- **Total Runs**: 6\n", "")) == {r.run_name for r in runs}
    # on one line, joined by "x"
    small = grid(("1e-3", "3e-4"), ("0.01",), ("1",))
    assert names(small, "grid: lr in {1e-3, 3e-4} x wd {0.01}, results below") == {r.run_name for r in small}
    # a run outside the grid stays out while the grid's runs are named
    outside = make_run("out", name="outside", hours_ago=5, params={"lr": "0.001", "weight_decay": "0.001",
                                                                   "seed": "42", "epochs": "3"})
    assert names([*runs, outside], SUMMARY) == {r.run_name for r in runs}


def test_the_reader_alone() -> None:
    runs = grid()
    assert {r.run_name for _w, r in grid_references(SUMMARY, runs)} == {r.run_name for r in runs}
    assert grid_references("no lists here", runs) == []


def test_must_not_link_a_grid_that_does_not_match_the_window() -> None:
    runs = grid()
    # 1. a stated total the runs do not make
    assert names(runs, SUMMARY.replace("Total Runs**: 6", "Total Runs**: 8")) == set()
    # 2. a point of the grid with no run (lr 0.01 never ran)
    assert names(runs, SUMMARY.replace("0.0005]", "0.0005, 0.01]")) == set()
    # 3. a plan: the grid is to come
    assert names(runs, "Plan for tomorrow, will run:\n" + SUMMARY) == set()
    # 4. a question
    assert names(runs, "should we try lr in {0.1, 0.001} x seed {42, 43}?") == set()
    # 5. another person's runs at every point
    assert names(grid(user="bob"), SUMMARY, author="ada") == set()
    # 6. running runs at the points
    assert names(grid(status="RUNNING"), SUMMARY) == set()
    # 7. a name that means no logged setting
    assert names(runs, "- **Momentum**: [0.9, 0.99]\n- **Seeds**: [42, 43]\n") == set()
    # 8. a single list: a value list, not a grid (other rules read those)
    assert names(runs, "- **Seeds**: [42, 43, 44]\n") == set()
    # 9. two runs at one point with no total saying so
    twice = [*runs, make_run("dup", name="dup", hours_ago=4, params={"lr": "0.1", "weight_decay": "0.0001",
                                                                     "seed": "42", "epochs": "30"})]
    assert names(twice, SUMMARY.replace("- **Total Runs**: 6\n", "")) == set()
    # 10. lists of results, not settings
    assert names(runs, "- **Val F1**: [0.71, 0.72]\n- **Val Loss**: [0.3, 0.4]\n") == set()
    # 11. one list of one value each: no grid
    assert names(runs, "- **Learning Rate**: [0.1]\n- **Weight Decay**: [0.0001]\n") == set()


def test_a_long_input_stays_fast() -> None:
    runs = grid()
    text = ("- **Learning Rates**: [" + ", ".join(f"0.{i:04d}" for i in range(1, 60)) + "]\n") * 40
    started = time.perf_counter()
    names(runs, text)
    assert time.perf_counter() - started < 5.0
