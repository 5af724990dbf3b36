"""Recall classes of links round 7: runs named together by a setting's value they share, by a short form of a part of
their name, and by their order in the author's day. Sentences written for the class unless a source is given."""

from __future__ import annotations

from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run


def links(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs)).runs}


def grid() -> list[RunSnapshot]:
    def run(key: str, hours: float, depth: str, width: str, seed: str = "0", user: str = "ada",
            status: str = "FINISHED") -> RunSnapshot:
        return make_run(key, name=f"exp_{key}", hours_ago=hours, user=user, status=status,
                        params={"depth": depth, "width": width, "lr": "0.001", "seed": seed},
                        metrics={"val_acc": 0.6 + hours / 100})
    return [run("21", 12, "2", "64"), run("22", 11, "4", "64"), run("23", 10, "8", "64"),
            run("24", 9, "8", "128", status="FAILED"), run("25", 8, "16", "128", user="bob"),
            run("26", 7, "8", "128", seed="1"), run("27", 6, "8", "128", seed="2")]


def test_a_plural_noun_after_a_settings_value_names_the_runs_that_share_it() -> None:
    runs = grid()
    assert links(runs, "the width 128 runs were better") == {"exp_26", "exp_27"}   # not the failed exp_24
    assert links(runs, "both width 128 runs were better") == {"exp_26", "exp_27"}
    assert links(runs, "all the width=128 ones overfit") == {"exp_26", "exp_27"}
    assert links(runs, "the depth 8 runs were better") == {"exp_23", "exp_26", "exp_27"}
    assert links(runs, "the width 128 runs crashed") == {"exp_24", "exp_26", "exp_27"}   # said to fail


def test_a_shared_value_names_nothing_with_a_wrong_count_a_plan_a_comparison_or_someone_elses() -> None:
    runs = grid()
    assert links(runs, "the three width 128 runs were better") == set()
    assert links(runs, "next: the width 128 runs again") == set()
    assert links(runs, "worse than the width 128 runs") == set()
    assert links(runs, "bob's width 128 runs were better") == set()
    assert links(runs, "the lr 1e-3 runs were fine") == set()   # every run has it: it tells nothing apart
    assert links(runs, "the width 256 runs were fine") == set()
