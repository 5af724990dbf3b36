"""Families of runs named by a setting (issue 8, links round 4): a setting's name with its value ("the large
encoder runs", "the runs with the large encoder"), and the values of one setting counted ("both seeds", "the
three lr's I tried") — each with the cases it must leave alone: plans, another person's runs, two sweeps.
"""

from __future__ import annotations

from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run

BASE = {"model": "resnet18", "lr": "1e-3", "batch_size": "64", "seed": "0", "encoder": "small"}


def run(key: str, hours: float, *, user: str = "ada", status: str = "FINISHED", **params: str) -> RunSnapshot:
    return make_run(key, name=f"auto-{key}-{int(hours)}", hours_ago=hours, user=user, status=status,
                    params={**BASE, **params}, metrics={"val_acc": 0.8 + hours / 100})


def names(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_name.split("-")[1] for r in link_runs(make_request(text, runs)).runs}


def encoders() -> list[RunSnapshot]:
    return [run("a", 6), run("b", 5, seed="1"), run("c", 4, encoder="large"), run("d", 3, encoder="large", seed="1"),
            run("e", 3, encoder="large", user="bob")]


def test_a_setting_named_with_its_value_names_the_runs_that_have_it() -> None:
    assert names(encoders(), "the large encoder runs beat everything") == {"c", "d"}
    assert names(encoders(), "the runs with the large encoder look better") == {"c", "d"}


def test_a_setting_named_with_a_value_no_run_has_or_planned_names_nothing() -> None:
    assert names(encoders(), "the huge encoder runs beat everything") == set()
    assert names(encoders(), "next: rerun the large encoder runs with lr 3e-4") == set()


def sweep() -> list[RunSnapshot]:
    return [run("a", 8, seed="1"), run("b", 7, seed="2"), run("c", 6, seed="3"),
            run("d", 5, lr="3e-4"), run("e", 4, lr="3e-3"),
            run("f", 3, lr="1e-2", status="FAILED"), run("g", 3, seed="4", user="bob")]


def test_the_values_of_one_setting_counted_name_the_one_sweep_over_it() -> None:
    assert names(sweep(), "the three seeds agree within noise") == {"a", "b", "c"}
    assert names(sweep(), "all the seeds gave about the same") == {"a", "b", "c"}


def test_a_count_that_fits_no_sweep_two_sweeps_or_a_plan_name_nothing() -> None:
    assert names(sweep(), "both seeds look the same") == set()        # the sweep has three
    assert names(sweep(), "I'll try two more seeds tomorrow") == set()
    two_sweeps = [*sweep(), run("h", 2, encoder="large", seed="1"), run("i", 1, encoder="large", seed="2"),
                  run("j", 1, encoder="large", seed="3")]
    assert names(two_sweeps, "the three seeds agree within noise") == set()


def test_runs_with_different_values_of_a_setting_are_the_sweep_over_it() -> None:
    # "In the process of running the non sparse benchmarks with different sizes." (BayesWatch/reliable-train)
    runs = [run("a", 9, encoder="large", lr="1e-4"), run("b", 8, batch_size="32"), run("c", 7, batch_size="128"),
            run("d", 6, batch_size="256")]
    assert names(runs, "running the benchmarks with different batch sizes") == {"b", "c", "d"}
    assert names(runs, "with different batch sizes next week") == set()


def test_the_new_patterns_are_linear_by_construction() -> None:
    from narrative import link_setting_families
    from tests.narrative.test_regex_linear import lint

    assert not [p.pattern for p in (link_setting_families._PHRASE, link_setting_families._INCIDENTAL) if lint(p)]


def test_runs_said_to_differ_only_in_one_setting_are_the_sweep_over_it() -> None:
    # "Running the models with identical setup besides the type of pooling at 200 epochs, I found that max pooling
    # produced a lower error" (badisa/optpresso work log, tests/scenarios/real/q-optpresso-worklog.json)
    runs = [run("a", 9, pooling="max"), run("b", 8, pooling="avg"), run("c", 7, pooling="max", batch_size="32")]
    text = ("I don't find compelling evidence that it could be choosen upfront. Running the models with identical "
            "setup besides the type of pooling at 200 epochs, I found that max pooling produced a lower error.")
    assert names(runs, text) == {"a", "b"}
    assert names(runs, "The only thing I changed are the seeds.") == set()  # no sweep over seeds here
    assert names(runs, "Next I could rerun them with identical setup besides the type of pooling.") == set()
