"""Links round 8: failure words that do not tell a failed start from a finished run of the same settings.
Sentences written for the class (the real case: wandb/senpai PR #2849, "The lr=4e-4 run experienced late-stage
catastrophic divergence", a finished run, beside a failed first start with the same learning rate)."""

from __future__ import annotations

from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run


def links(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs)).runs}


def sweep(*, finished_4e4: bool = True) -> list[RunSnapshot]:
    runs = [make_run("a", name="lr4e4-first-start", hours_ago=9, status="FAILED",
                     params={"lr": "4e-4", "wd": "1e-2"}),
            make_run("c", name="lr45-run", hours_ago=8, params={"lr": "4.5e-4", "wd": "1e-2"},
                     metrics={"val": 15.83}),
            make_run("d", name="bob-4e4", hours_ago=8, user="bob", params={"lr": "4e-4", "wd": "1e-2"},
                     metrics={"val": 6.1})]
    if finished_4e4:
        runs.append(make_run("b", name="lr4e4-run", hours_ago=8, params={"lr": "4e-4", "wd": "1e-2"},
                             metrics={"val": 5.53}))
    return runs


def test_divergence_words_alone_do_not_pick_a_failed_start_over_a_finished_run_with_its_settings() -> None:
    runs = sweep()
    assert "lr4e4-first-start" not in links(runs, "The lr=4e-4 run diverged at ep202")
    assert "lr4e4-first-start" not in links(runs, "lr=4e-4 has also diverged (ep202)")
    assert "lr4e4-first-start" not in links(runs, "with lr 4e-4 the loss blew up after the restart")
    assert "lr4e4-first-start" not in links(runs, "lr 4e-4 went NaN late in training")
    assert "lr4e4-first-start" not in links(runs, "lr 4e-4 got 5.53 and then diverged")


def test_a_failed_start_is_still_named_by_process_failure_words_or_when_it_alone_has_the_settings() -> None:
    assert links(sweep(), "the lr 4e-4 run crashed with an OOM") == {"lr4e4-first-start"}
    assert links(sweep(finished_4e4=False), "the lr 4e-4 run diverged at once") == {"lr4e4-first-start"}


def test_must_not_fire_probes_keep_their_links() -> None:
    runs = sweep()
    assert links(runs, "lr 4.5e-4 got 15.83") == {"lr45-run"}
    assert links(runs, "the lr 4.5e-4 run got 15.83 and diverged early") == {"lr45-run"}
    assert links(runs, "lr 4e-4 got 5.53") == {"lr4e4-run"}
    assert "bob-4e4" not in links(runs, "lr 4e-4 diverged")
    assert links(runs, "lr 4e-4 crashed") == {"lr4e4-first-start"}
    assert links(runs, "next: lr 4e-4 again, it may diverge") == set()
    assert links(runs, "the loss did not diverge") == set()
    assert "lr4e4-first-start" not in links(runs, "lr4e4-run diverged")
    assert "lr4e4-first-start" not in links(runs, "| 4e-4 | 5.53 | ep190 | DIVERGED at ep202 |")
