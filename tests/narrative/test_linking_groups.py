"""Groups and short names (issue 8, class 4): a description of several runs links every run of the
author's window it fits — exactly, never because runs merely happened at the same time."""

from __future__ import annotations

import datetime as dt

from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import AT, make_request, make_run


def links(runs: list[RunSnapshot], text: str, **kwargs: object) -> tuple[set[str], list[str]]:
    result = link_runs(make_request(text, runs, **kwargs))  # type: ignore[arg-type]
    return {r.run_name for r in result.runs}, result.warnings


def speech_runs() -> list[RunSnapshot]:
    base = {"dataset": "librispeech", "lr": "1e-3", "batch_size": "32"}
    return [
        make_run("c1", name="jolly-lynx-1", params={**base, "encoder": "conformer", "seed": "1"},
                 metrics={"val_acc": 0.994}),
        make_run("c2", name="brisk-owl-2", params={**base, "encoder": "conformer", "seed": "2"},
                 metrics={"val_acc": 0.993}),
        make_run("c3", name="calm-fox-3", params={**base, "encoder": "conformer", "seed": "3"},
                 metrics={"val_acc": 0.993}),
        make_run("l1", name="tidy-elk-4", params={**base, "encoder": "lstm", "seed": "1"},
                 metrics={"val_acc": 0.981}),
        make_run("l2", name="wise-yak-5", params={**base, "encoder": "lstm", "seed": "2"},
                 metrics={"val_acc": 0.979}),
        # Another author's conformer run in the same hours: never linked by a description.
        make_run("b1", name="bold-emu-6", user="bob", params={**base, "encoder": "conformer", "seed": "1"},
                 metrics={"val_acc": 0.990}),
    ]


CONFORMERS = {"jolly-lynx-1", "brisk-owl-2", "calm-fox-3"}
LSTMS = {"tidy-elk-4", "wise-yak-5"}


def test_a_family_named_in_the_plural_links_every_run_of_it_and_only_the_authors() -> None:
    got, _ = links(speech_runs(), "The conformer runs are clearly ahead, even without tuning.")
    assert got == CONFORMERS


def test_two_families_joined_by_and_link_both() -> None:
    got, _ = links(speech_runs(), "I compared the conformer and lstm encoders today, same data.")
    assert got == set()  # "encoders" is not a word for runs: nothing is guessed
    got, _ = links(speech_runs(), "I've now tried the conformer and lstm approaches on librispeech.")
    assert got == CONFORMERS | LSTMS


def test_a_count_that_does_not_match_links_nothing_and_warns() -> None:
    got, warnings = links(speech_runs(), "both conformer runs converged nicely")
    assert got == set() and any("fits 3 runs" in w for w in warnings)
    got, _ = links(speech_runs(), "the two lstm runs converged nicely")
    assert got == LSTMS


def test_a_singular_description_that_fits_several_runs_is_ambiguous() -> None:
    got, warnings = links(speech_runs(), "the conformer run converged nicely")
    assert got == set() and warnings


def test_an_unknown_word_in_the_description_links_nothing() -> None:
    # "big" may select some of them: COCO cannot tell which, so it links none.
    got, _ = links(speech_runs(), "the big conformer runs converged nicely")
    assert got == set()


def test_plans_questions_negations_and_verbs_link_nothing() -> None:
    runs = speech_runs()
    for text in ("tomorrow I will rerun the conformer runs with a bigger batch",
                 "should we drop the conformer runs?",
                 "no conformer runs this week, the cluster was busy",
                 "conformer runs faster than I expected on one gpu"):
        got, _ = links(runs, text)
        assert got == set(), text


def test_a_seed_series_pairs_values_with_runs() -> None:
    got, warnings = links(speech_runs(), "conformer: seeds 1/2/3 gave .994, .993, .993, so seed noise is tiny")
    assert got == CONFORMERS, warnings


def test_a_seed_series_that_fits_two_families_is_ambiguous() -> None:
    got, warnings = links(speech_runs(), "seeds 1 and 2 look the same to me")
    assert got == set() and any("fits several runs" in w for w in warnings)


def test_a_sweep_id_links_every_run_of_the_sweep_in_the_window() -> None:
    sweep = [make_run(f"s{i}", name=f"misty-sweep-{i}", params={"lr": str(10 ** -i), "sweep": "grid_lr_008"},
                      metrics={"val_iou": 0.1 + i / 100}) for i in range(1, 5)]
    other = make_run("o", name="lone-run", params={"lr": "0.1", "sweep": "grid_lr_007"})
    theirs = make_run("t", name="their-sweep-1", user="bob", params={"lr": "0.1", "sweep": "grid_lr_008"})
    got, _ = links([*sweep, other, theirs], "## Notes\n- sweep: grid_lr_008\n- 0.1 is too high")
    assert got == {f"misty-sweep-{i}" for i in range(1, 5)}


def test_param_named_as_spoken_links_the_run_that_has_it() -> None:
    base = {"lr": "1e-5", "batch_size": "64", "reward_scale": "0.01"}
    runs = [make_run("a", name="rw-scale", params={**base, "entropy_beta": "0.1"}, metrics={"reward": 3050.0}),
            make_run("b", name="rw-scale-beta=0.01", params={**base, "entropy_beta": "0.01"},
                     metrics={"reward": 3120.0}),
            make_run("c", name="rw-scale-beta=1.0", params={**base, "entropy_beta": "1.0"}, metrics={"reward": 210.0})]
    got, _ = links(runs, "* Try to decrease entropy beta to 0.01 -> dynamic is almost the same")
    assert got == {"rw-scale-beta=0.01"}


def test_short_run_names_and_ranges_link_when_unique() -> None:
    runs = [make_run(f"w{i:02d}", name=f"w{i:02d}", metrics={"val_loss": 1.0 + i / 10}) for i in range(3, 11)]
    got, _ = links(runs, "w05 diverged; w09 is the one to keep")
    assert got == {"w05", "w09"}
    got, _ = links(runs, "w04-w06 all used the old tokenizer")
    assert got == {"w04", "w05", "w06"}
    # Not a token of its own, or part of a range with a missing member: nothing.
    got, _ = links(runs, "tw05 and w05b are other things; w09-w12 is half gone")
    assert got == set()


def test_short_names_that_are_ordinary_tokens_are_not_names() -> None:
    runs = [make_run("v2", name="v2"), make_run("f1", name="f1"), make_run("t5", name="t5")]
    got, _ = links(runs, "v2 of the data, f1 went up, t5 is slow")
    assert got == set()


def test_a_short_name_shared_by_two_people_links_the_authors_own() -> None:
    mine = make_run("mine", name="e07")
    theirs = make_run("theirs", name="e07", user="bob")
    got, _ = links([mine, theirs], "e07 is still the best")
    assert got == {"e07"}
    result = link_runs(make_request("e07 is still the best", [mine, theirs]))
    assert [r.run_id for r in result.runs] == [mine.run_id]


def test_a_family_of_several_words_is_one_term() -> None:
    runs = [make_run("rf1", name="rf-300", params={"model": "random_forest", "n_estimators": "300"}),
            make_run("rf2", name="rf-600", params={"model": "random_forest", "n_estimators": "600"}),
            make_run("x1", name="xgb-d4", params={"model": "xgboost", "max_depth": "4"})]
    got, _ = links(runs, "the random forest models are too slow to serve")
    assert got == {"rf-300", "rf-600"}


def test_a_group_placed_before_the_window_links_nothing() -> None:
    got, _ = links(speech_runs(), "the conformer runs from last week were on the old tokenizer")
    assert got == set()


def test_a_name_with_its_checkpoint_word_is_the_run() -> None:
    runs = [make_run("a", name="GAN_Concat_Flex_009"), make_run("b", name="GAN_Concat_Flex_010")]
    got, _ = links(runs, "## Best Model\n- Run Name: GAN_Concat_Flex_009_BEST")
    assert got == {"GAN_Concat_Flex_009"}
    got, _ = links(runs, "GAN_Concat_Flex_009_sigma is another run we never logged")
    assert got == set()


def stacking_runs() -> list[RunSnapshot]:
    return [
        make_run("s1", name="stack-mlp", params={"model": "stacking", "meta": "nonlinear_mlp"}, metrics={"auc": 0.80}),
        make_run("s2", name="stack-gbm", params={"model": "stacking", "meta": "nonlinear_gbm"}, metrics={"auc": 0.79}),
        make_run("s3", name="stack-ridge", params={"model": "stacking", "meta": "linear_ridge"}, metrics={"auc": 0.83}),
        make_run("x", name="xgb-solo", params={"model": "xgboost"}, metrics={"auc": 0.82}),
    ]


def test_an_approach_named_as_the_subject_of_a_verdict_links_its_runs() -> None:
    got, _ = links(stacking_runs(), "- nonlinear stacking failed, the linear meta-learner is the keeper")
    assert got == {"stack-mlp", "stack-gbm"}


def test_a_verdict_about_something_else_links_nothing() -> None:
    for text in ("it failed again", "the new sampler failed", "stacking didn't help once I fixed the leak?",
                 "wider nonlinear stacking failed"):
        got, _ = links(stacking_runs(), text)
        assert got == set(), text


def test_the_only_run_of_the_window_is_told_apart_from_the_authors_earlier_runs() -> None:
    import datetime as dt

    base = {"dataset": "timit", "n_bands": "128", "lr": "1e-4"}
    earlier = [make_run("e1", name="melgan-timit-40hz", hours_ago=60, params={**base, "spec_rate_hz": "40"}),
               make_run("e2", name="multiscale-timit-40hz", hours_ago=59, params={**base, "spec_rate_hz": "40"})]
    today = make_run("t", name="melgan-timit-80hz", hours_ago=10, params={**base, "spec_rate_hz": "80"})
    runs = [*earlier, today]
    window_start = today.start - dt.timedelta(hours=1)
    text = "After ~12 hours of training, spectrograms sampled at ~80hz still gave muffled speech."
    got, _ = links(runs, text, window_start=window_start)
    assert got == {"melgan-timit-80hz"}
    # The same words with nothing before the window to tell the run apart: no link.
    got, _ = links([today], text, window_start=window_start)
    assert got == set()


def test_a_data_subset_param_is_not_a_group_of_runs() -> None:
    runs = [make_run(f"p{i}", name=f"seg-model-{i}", params={"customer_group": "premium", "lr": str(i / 10)})
            for i in range(1, 4)]
    got, _ = links(runs, "premium customers churn less, as expected")
    assert got == set()


def rl_runs() -> list[RunSnapshot]:
    base = {"env": "pong", "lr": "1e-4", "noisy": "factorized"}
    return [
        # The author's earlier run: what it shares with the new ones names none of them.
        make_run("o1", name="noisy-fact-base", hours_ago=30, params=dict(base), metrics={"reward": -20.0}),
        make_run("n1", name="noisy-fact-v1", hours_ago=4, params=dict(base), metrics={"reward": -14.5}),
        make_run("n2", name="noisy-fact-v2", hours_ago=3, params={**base, "bias_var": "separate"},
                 metrics={"reward": -12.9}),
        make_run("cl", name="noisy-fact-clamp", hours_ago=2, params={**base, "sigma_clamp": "true"},
                 metrics={"reward": -21.0}),
        make_run("du", name="dueling-1", hours_ago=1, params={**base, "noisy": "none", "dueling": "true"},
                 metrics={"reward": 20.4}),
    ]


WINDOW = AT - dt.timedelta(hours=6)


def test_a_word_only_one_new_run_is_named_by_links_it_when_its_outcome_is_stated() -> None:
    got, _ = links(rl_runs(), "Clamp are not working, leave it for now.", window_start=WINDOW)
    assert got == {"noisy-fact-clamp"}
    got, _ = links(rl_runs(), "Dueling modification implemented and converges good.", window_start=WINDOW)
    assert got == {"dueling-1"}


def test_a_word_that_names_no_run_alone_or_states_no_outcome_links_nothing() -> None:
    # "factorized" is in the earlier run too, so it names none of the new ones; a plan states no outcome.
    assert links(rl_runs(), "Factorized noise is not working yet.", window_start=WINDOW)[0] == set()
    assert links(rl_runs(), "Will try clamp tomorrow.", window_start=WINDOW)[0] == set()
    # The word is in the outcome, not the subject: "it" is not the clamp run.
    assert links(rl_runs(), "It got worse after we talked about the clamp idea.", window_start=WINDOW)[0] == set()


def test_a_series_written_by_its_suffixes_links_each_run_but_one_suffix_alone_does_not() -> None:
    text = "Factorized noise v1 converges badly. Separate random var for bias (v2) -- not helped much."
    got, _ = links(rl_runs(), text, window_start=WINDOW)
    assert {"noisy-fact-v1", "noisy-fact-v2"} <= got
    got, _ = links(rl_runs(), "The v2 data loader is faster.", window_start=WINDOW)
    assert "noisy-fact-v2" not in got


def test_a_with_phrase_after_the_noun_says_which_runs() -> None:
    # After rgreenblatt/neural-render notes.md: "Tried a bunch of runs with O2. BAD divergence behavior."
    base = {"lr": "3e-4", "batch_size": "16"}
    o2 = [make_run(f"o{i}", name=name, params={**base, "amp": "o2"}, metrics={"loss": 0.9})
          for i, name in enumerate(("o2_image_to_seq", "o2_seq_blocks", "o2_lower_lr"))]
    others = [make_run("f", name="fp32_base", params={**base, "amp": "o0"}, metrics={"loss": 0.4}),
              make_run("t", name="o2_theirs", user="bob", params={**base, "amp": "o2"}, metrics={"loss": 1.0})]
    runs = [*o2, *others]
    got, _ = links(runs, "Tried a bunch of runs with O2. BAD divergence behavior.")
    assert got == {"o2_image_to_seq", "o2_seq_blocks", "o2_lower_lr"}
    got, _ = links(speech_runs(), "the runs with conformer encoders converged")
    assert got == set()  # "encoders" is no word of any run: nothing guessed
    got, _ = links(speech_runs(), "all the runs with conformer converged")
    assert got == CONFORMERS
    # A verb, a plan, a negation, an unknown word: nothing.
    for text in ("xgb runs with less memory now", "tomorrow: runs with conformer and seed 4",
                 "no runs with conformer today", "the runs with big batches converged"):
        got, _ = links(speech_runs(), text)
        assert got == set(), text
