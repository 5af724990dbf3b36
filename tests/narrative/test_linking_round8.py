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


def lr_named() -> list[RunSnapshot]:
    return [make_run(k, name=n, hours_ago=h, params={"lr": lr, "bs": bs}, metrics={"val_loss": v})
            for k, n, h, lr, bs, v in (("a", "gpt-lr1e-4", 9, "1e-4", "128", 3.1),
                                       ("b", "gpt-lr3e-4", 8, "3e-4", "128", 2.4),
                                       ("c", "gpt-lr1e-3", 7, "1e-3", "128", 2.9),
                                       ("e", "gpt-bs12", 6, "3e-4", "12", 2.7))]


def test_a_value_glued_in_a_run_name_is_not_a_stem_of_another_value() -> None:
    runs = lr_named()
    assert links(runs, "lr1e-3 diverged") == {"gpt-lr1e-3"}          # was also gpt-lr1e-4 ("lr1e" as a stem)
    assert links(runs, "lr1e-4 blew up") == {"gpt-lr1e-4"}
    assert links(runs, "lr-1e-3 diverged") == {"gpt-lr1e-3"}


def test_must_not_fire_probes_for_values_in_names() -> None:
    runs = lr_named()
    assert links(runs, "the lr1e-3 run diverged") == {"gpt-lr1e-3"}
    assert links(runs, "gpt-lr1e-4 blew up") == {"gpt-lr1e-4"}
    assert links(runs, "lr5e-4 diverged") == set()                     # no run has it
    assert links(runs, "bs128 diverged") == set()                      # every run but one: "bs12" is not its stem
    assert "gpt-bs12" not in links(runs, "bs128 diverged")
    assert links(runs, "lr1e-2 blew up") == set()
    assert links(runs, "next: lr2e-3 and lr3e-3") == set()
    with_bob = [*runs, make_run("f", name="bob-lr1e-3", hours_ago=5, user="bob", params={"lr": "1e-3"})]
    assert "gpt-lr1e-3" not in links(with_bob, "bob's lr1e-3 diverged")


def lr_sweep() -> list[RunSnapshot]:
    """Auto-named runs of an lr sweep, a failed start, an earlier day's run and a teammate's run."""
    return [make_run("a", name="lucky-sun-12", hours_ago=9, params={"lr": "1e-4", "batch_size": "64"},
                     metrics={"val_loss": 3.1}),
            make_run("b", name="brisk-wave-13", hours_ago=8, params={"lr": "3e-4", "batch_size": "64"},
                     metrics={"val_loss": 2.4}),
            make_run("c", name="misty-fog-14", hours_ago=7, params={"lr": "1e-3", "batch_size": "32"},
                     metrics={"val_loss": 2.9}),
            make_run("g", name="dry-leaf-15", hours_ago=6, status="FAILED", params={"lr": "3e-3", "batch_size": "64"}),
            make_run("d", name="bob-run", hours_ago=7, user="bob", params={"lr": "1e-4", "batch_size": "64"},
                     metrics={"val_loss": 2.0})]


def test_values_under_a_settings_label_name_the_runs_that_hold_them() -> None:
    runs = lr_sweep()
    assert links(runs, "lr sweep: 1e-4 blew up, 3e-4 was best") == {"lucky-sun-12", "brisk-wave-13"}
    assert links(runs, "lr sweep:\n- 1e-4 blew up\n- 3e-4 best so far") == {"lucky-sun-12", "brisk-wave-13"}
    assert links(runs, "**Learning rates**:\n* 1e-4: loss went up\n* 1e-3: meh") == {"lucky-sun-12", "misty-fog-14"}
    assert links(runs, "batch sizes: 32 was better") == {"misty-fog-14"}
    assert links(runs, "lr sweep: 3e-3 crashed right away") == {"dry-leaf-15"}     # said to fail


def test_must_not_fire_probes_for_settings_labels() -> None:
    runs = lr_sweep()
    assert links(runs, "next lr sweep: 1e-4, 3e-4") == set()                  # a plan's label
    assert links(runs, "lrs to try: 1e-4, 3e-4") == set()
    assert links(runs, "lr sweep: 3 runs, all fine") == set()                 # a count
    assert links(runs, "lr sweep: 1e-4 was not run") == set()
    assert links(runs, "lr sweep: 5e-4 blew up") == set()                     # no run of hers holds it
    assert links(runs, "batch size: 64 was better") == set()                  # three runs hold it
    assert links(runs, "lr sweep: 3e-3 was best") == set()                    # a failed start, no failure said
    assert links(runs, "lr sweep: should 1e-4 be lower?") == set()
    assert links(runs, "bob's lr sweep: 1e-4 was best") == set()
    assert links(runs, "dropout: 1e-4 was best") == set()                     # no run logs dropout


def test_a_count_with_its_unit_as_a_label_is_followed_by_a_result() -> None:
    runs = lr_named()
    assert links(runs, "5000 steps: 2.9") == {"gpt-lr1e-3"}
    assert links(runs, "val loss after 5000 steps: 2.9") == {"gpt-lr1e-3"}
    assert links(runs, "2 layers: 2.4") == {"gpt-lr3e-4"}
    # a setting's own value keeps reading as the setting's
    assert links(runs, "steps: 2.9") == set()
    assert links(runs, "lr: 2.9") == set()
    assert links(runs, "5000 steps 2.9") == set()


def test_the_new_patterns_are_linear_by_construction() -> None:
    from narrative import link_evidence, link_groups, link_value_labels
    from tests.narrative.test_regex_linear import lint

    patterns = [link_evidence._COUNT_LABEL, link_groups._PARTS_SPLIT, link_value_labels._LABEL, link_value_labels._LEAD,
                link_value_labels._BULLET, link_value_labels._COUNT_AFTER, link_value_labels._ITEM_BREAK]
    assert not [p.pattern for p in patterns if lint(p)]


def test_a_paste_of_labels_and_bullets_is_read_in_linear_time() -> None:
    import time

    from narrative.link_value_labels import value_label_references

    runs = lr_sweep()
    for paste in ("lr:\n" * 25_000, "lr sweep:\n" + "- 1e-4 ok\n" * 10_000, "lr: 1e-4, " * 10_000):
        started = time.process_time()
        value_label_references(paste, runs, [])
        assert time.process_time() - started < 3


def seeds() -> list[RunSnapshot]:
    def run(key: str, name: str, lr: str, seed: str, user: str = "ada") -> RunSnapshot:
        return make_run(key, name=name, hours_ago=9 - ord(key) % 5, user=user,
                        params={"lr": lr, "seed": seed, "model": "vit-s"}, metrics={"val_loss": 2 + ord(key) / 100})
    return [run("a", "lucky-sun-12", "1e-4", "0"), run("b", "brisk-wave-13", "3e-4", "0"),
            run("c", "misty-fog-14", "3e-4", "1"), run("e", "calm-dew-15", "3e-4", "2"),
            run("d", "bob-run", "1e-4", "1", user="bob")]


def test_a_counted_settings_value_is_no_flag_and_at_qualifies_a_plural_setting() -> None:
    runs = seeds()
    assert links(runs, "the seed runs were fine") == set()          # was misty-fog-14: seed=1 read as a flag on
    assert links(runs, "the three seeds at 3e-4 agree") == {"brisk-wave-13", "misty-fog-14", "calm-dew-15"}
    assert links(runs, "the 3 seeds at 3e-4 agree") == {"brisk-wave-13", "misty-fog-14", "calm-dew-15"}


def test_must_not_fire_probes_for_counted_settings() -> None:
    runs = seeds()
    assert links(runs, "the seed 1 run") == {"misty-fog-14"}
    assert links(runs, "the two seeds at 3e-4 agree") == set()      # a wrong count
    assert links(runs, "next: three seeds at 1e-4") == set()
    assert links(runs, "both seeds at 1e-4 agree") == set()         # one of hers, one of bob's
    assert links(runs, "lr at 3e-4 was best") == set()              # three runs hold it
    assert links(runs, "the runs at 3e-4 agree") == set()
    assert links(runs, "the layer runs were fine") == set()
    ema = [*runs, make_run("f", name="ema-on", hours_ago=3, params={"use_ema": "1", "lr": "3e-4", "seed": "5",
                                                                     "model": "vit-s"})]
    assert links(ema, "the ema run was better") == {"ema-on"}       # a flag's 1 is still on


def test_a_sweeps_own_value_said_beside_it_and_a_labels_qualifier_keep_the_reading() -> None:
    runs = seeds()
    # "seed 2" is one of the sweep's own values, not a setting that narrows the sweep to one run
    assert links(runs, "the three seeds at 3e-4 agree, seed 2 is the odd one") == {
        "brisk-wave-13", "misty-fog-14", "calm-dew-15"}
    assert links(lr_sweep(), "lr sweep for the vit-s model:\n- 1e-4 blew up\n- 3e-4 best") == {
        "lucky-sun-12", "brisk-wave-13"}
    # must not fire: a label whose words before "for" name no setting, a plan's label with a qualifier
    assert links(lr_sweep(), "results for the lr sweep:\n- 1e-4 blew up") == set()
    assert links(lr_sweep(), "next sweep for lr:\n- 1e-4\n- 3e-4") == set()


def mnist() -> list[RunSnapshot]:
    def run(key: str, name: str, hours: float, params: dict[str, str], user: str = "ada") -> RunSnapshot:
        return make_run(key, name=name, hours_ago=hours, user=user, params=params,
                        metrics={"val_acc": 0.1 + hours / 100})
    vd = {"model": "lenet5", "dataset": "mnist", "method": "vardrop", "framework": "pytorch"}
    return [run("a", "vivid-crab-4", 12, vd), run("b", "noble-gull-10", 11, {**vd, "lr": "1e-4"}),
            run("c", "shy-lynx-14", 10, {**vd, "model": "mlp"}),
            run("d", "zany-owl-25", 3, {"model": "resnet18", "dataset": "cifar10", "method": "none",
                                        "framework": "tensorflow"}),
            run("e", "bob-x", 3, vd, user="bob")]


def test_where_runs_ran_said_after_them_names_them_and_results_is_a_noun_of_runs() -> None:
    runs = mnist()
    three = {"vivid-crab-4", "noble-gull-10", "shy-lynx-14"}
    assert links(runs, "the results in pytorch on mnist are bad") == three
    assert links(runs, "the runs in pytorch were all stuck at 11%") == three
    assert links(runs, "the pytorch results are bad") == three
    assert links(runs, "the runs on cifar10 were fine") == {"zany-owl-25"}


def test_must_not_fire_probes_for_places_and_results() -> None:
    runs = mnist()
    assert links(runs, "the runs in the morning were bad") == set()
    assert links(runs, "the runs on the cluster were slow") == set()
    assert links(runs, "the results were bad") == set()
    assert links(runs, "dropout results in overfitting") == set()
    assert links(runs, "the runs on mnist from last week") == set()
    assert links(runs, "bob's runs on mnist") == set()
    assert links(runs, "next: the runs on cifar10") == set()
    assert links(runs, "the runs on imagenet were fine") == set()
    assert links(runs, "no results in pytorch yet") == set()


def test_a_value_before_seeds_names_the_runs_of_that_value() -> None:
    runs = seeds()
    assert links(runs, "the 3e-4 seeds agree") == {"brisk-wave-13", "misty-fog-14", "calm-dew-15"}
    assert links(runs, "all three 3e-4 seeds agree") == {"brisk-wave-13", "misty-fog-14", "calm-dew-15"}
    # must not fire: a wrong count, one run, a value nobody ran, a plan, a question, someone else's, the other side
    assert links(runs, "both 3e-4 seeds agree") == set()
    assert links(runs, "the 1e-4 seeds agree") == set()
    assert links(runs, "the 5e-4 seeds agree") == set()
    assert links(runs, "next: the 3e-4 seeds again") == set()
    assert links(runs, "the 3e-4 seeds? not sure") == set()
    assert links(runs, "bob's 3e-4 seeds agree") == set()
    assert links(runs, "worse than the 3e-4 seeds") == set()
    assert links(runs, "the 3e-4 seed agrees") == set()
