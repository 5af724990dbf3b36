"""Runs written by number (issue 8, links round 2): a tracker's run counter ("run 84", "# 68-71??") and a
numbered experiment ("Experiment 003", "vs exp 003"), each shown on lines taken verbatim from real notes
(tests/narrative/data/real_links: lm-cosine-run-numbers, dc-feature-ablation-notes) and with the numbers
that are counts, settings, times or another person's runs, which must link nothing.
"""

from __future__ import annotations

from narrative import run_numbers
from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run
from tests.narrative.test_regex_linear import lint

LM = {"d_model": "512", "lr_max": "3e-2", "lr_min": "1e-5"}


def links(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs)).runs}


def counted(numbers: range | list[int], *, user: str = "ada", hours_ago: float = 20) -> list[RunSnapshot]:
    return [make_run(f"n{n}", name=f"brisk-wave-{n}", user=user, hours_ago=hours_ago - i * 0.1,
                     params={**LM, "warmup": str(100 + n)}) for i, n in enumerate(numbers)]


# -- run counters ----------------------------------------------------------------------------------------
def test_a_range_heading_a_line_names_each_run_of_it() -> None:
    assert links(counted(range(66, 74)), "# 68-71??\n# uv run train.py lr=1e-2") == {
        "brisk-wave-68", "brisk-wave-69", "brisk-wave-70", "brisk-wave-71"}


def test_a_list_heading_a_line_and_a_run_word_name_runs() -> None:
    runs = counted(range(79, 86))
    assert links(runs, "# 80, 81, 82 these are aight, 80 diverge, 81 seems best") == {
        "brisk-wave-80", "brisk-wave-81", "brisk-wave-82"}
    assert links(runs, "# Slight tunes to run 84 in LR and T_warmup") == {"brisk-wave-84"}
    assert links(runs, "# 83, so bad for some reason") == {"brisk-wave-83"}


def test_a_range_closing_a_line_and_an_open_one_name_runs() -> None:
    runs = counted(range(86, 92))
    assert links(runs, "# Slight tunes in LR and T_warmup, 87-90") == {f"brisk-wave-{n}" for n in range(87, 91)}
    assert links(runs, "# BATCH_SIZE_EXPERIMENTS 88-") == {f"brisk-wave-{n}" for n in range(88, 92)}


def test_numbers_that_are_counts_settings_dates_or_times_name_no_run() -> None:
    runs = counted([10, 20, 30, 40, 50])
    for text in ("20 epochs was enough, 30 overfit", "trained 10-20 epochs", "need to stop earlier at like 40",
                 "# 1.43", "warmup 20, 30 and 45 steps", "run at 05:20 on 2026-02-10-20",
                 "1. Image normalization is crucial\n2. More layers do not help", "batch_size=20 max_steps=30",
                 "each of them runs 10-20 epochs", "# 10, 20, 30 steps of warmup"):
        assert links(runs, text) == set(), text


def test_a_list_with_a_number_that_is_no_run_names_none() -> None:
    # "80, 81, 99" where 99 is no run of the author's: the numbers are something else.
    assert links(counted(range(79, 86)), "# 80, 81, 99 these are aight") == set()


def test_another_persons_run_numbers_are_not_the_authors() -> None:
    theirs = counted(range(66, 74), user="bob")
    assert links(theirs, "# 68-71??") == set()


def test_a_counter_two_runs_end_with_names_neither() -> None:
    runs = [make_run("a", name="brisk-wave-75"), make_run("b", name="calm-pine-75")]
    assert links(runs, "run 75 diverged") == set()


# -- numbered experiments -----------------------------------------------------------------------------------
ARMS = ("baseline", "single-dc", "multi-dc")


def experiment(folder: str, hours_ago: float, *, status: str = "FINISHED") -> list[RunSnapshot]:
    return [make_run(f"{folder[:3]}{arm}", name=arm, hours_ago=hours_ago - i * 0.3, status=status,
                     params={"experiment": folder, "arm": arm, "bottleneck_dim": "0", "epochs": "20"})
            for i, arm in enumerate(ARMS)]


def keys(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_id for r in link_runs(make_request(text, runs)).runs}


def test_an_experiment_named_by_number_links_its_runs() -> None:
    runs = experiment("003-ablation-data-only", 30) + experiment("005-ablation-bottleneck-128", 6)
    three = {r.run_id for r in runs[:3]}
    assert keys(runs, "**Bottleneck(128) actually improves both arms vs exp 003** (no bottleneck):") == three
    assert keys(runs, "## Changes from 003\n- Added dropout_rate=0.2 (was 0.0)") == three
    assert keys(runs, "# Experiment 5: Larger Bottleneck") == {r.run_id for r in runs[3:]}
    assert keys(runs, "the strongest held-out F1 inside experiment_005") == {r.run_id for r in runs[3:]}


def test_an_experiment_number_needs_its_word_or_its_padding() -> None:
    runs = experiment("003-ablation-data-only", 30)
    # "3 arms", "at 05:03", "p=0.003", "layers 3-4-6-3": counts, times and values.
    for text in ("3-arm study with identical architecture", "pipeline ran at 05:03", "p=0.003 (significant)",
                 "ResNet layers=[3, 4, 6, 3]", "the 003.5 checkpoint"):
        assert keys(runs, text) == set(), text


def test_an_experiments_failed_runs_and_another_persons_are_left_out() -> None:
    failed = experiment("004-ablation-mild-dropout", 12, status="FAILED")[2:]
    ours = experiment("004-ablation-mild-dropout", 10)
    theirs = [make_run("t", name="baseline", user="bob", params={"experiment": "004-other"})]
    assert keys(failed + ours + theirs, "# Experiment 004: Mild Dropout") == {r.run_id for r in ours}


def test_a_plain_number_in_a_value_is_not_an_experiment_id() -> None:
    runs = [make_run("a", name="cnn-a", params={"epochs": "20", "layers": "3-4-6-3"})]
    assert keys(runs, "experiment 20 and experiment 3 were fine") == set()


def test_the_patterns_are_linear_by_construction() -> None:
    patterns = [run_numbers._COUNTER_NAME, run_numbers._NUMBER, run_numbers._RUN_WORD, run_numbers._MORE,
                run_numbers._LINE_LEAD, run_numbers._AFTER_ONE, run_numbers._RANGE_AT_END,
                run_numbers._OPEN_RANGE_AT_END, run_numbers._UNIT_AFTER, run_numbers._EXPERIMENT_WORD,
                run_numbers._PADDED, run_numbers._ID_VALUE]
    assert not [p.pattern for p in patterns if lint(p)]


# -- name parts: a tail, settings as the names spell them ---------------------------------------------------
def hw_runs() -> list[RunSnapshot]:
    runs = [make_run(f"a{L}{K}", name=f"exp1_4_L{L}_K{K}", hours_ago=9 - i, params={"model_type": "resnet"})
            for i, (L, K) in enumerate([("8", "32"), ("16", "32"), ("32", "32"), ("2", "64-128-256"),
                                        ("4", "64-128-256"), ("8", "64-128-256")])]
    runs.append(make_run("fail", name="exp1_4_L32_K32", hours_ago=9.5, status="FAILED"))
    return runs


def test_a_tail_one_name_ends_with_names_that_run() -> None:
    # part5_q4 of the cnn-depth-width answers, verbatim
    text = "all except one model L8_K32 (resnet) which performed the best (of all experiments)"
    assert links(hw_runs(), text) == {"exp1_4_L8_K32"}


def test_a_tail_several_names_end_with_names_none() -> None:
    runs = [*hw_runs(), make_run("other", name="exp1_1_L8_K32", hours_ago=3)]
    assert links(runs, "the L8_K32 model was best") == set()
    assert links(hw_runs(), "K64-128-256 was the widest") == set()


def test_settings_spelled_as_the_names_spell_them_name_one_run_each() -> None:
    assert links(hw_runs(), "K=[32] fixed with L=8,16,32 varying per run.<br>") == {
        "exp1_4_L8_K32", "exp1_4_L16_K32", "exp1_4_L32_K32"}
    assert links(hw_runs(), "K=[64, 128, 256] fixed with L=2,4,8 varying per run.<br>") == {
        "exp1_4_L2_K64-128-256", "exp1_4_L4_K64-128-256", "exp1_4_L8_K64-128-256"}


def test_settings_that_pick_several_runs_or_none_or_are_expected_link_nothing() -> None:
    runs = hw_runs()
    for text in ("L=8 was fine",                       # two runs have L8: which one?
                 "K=[32] fixed throughout",            # three runs
                 "L=2,4 and K=32,64 swept",            # two lists: which pairs ran?
                 "L = 16 or 32 will perform better",   # an expectation
                 "lr=3, bs=32",                         # settings no name spells
                 "L=8,12 varying"):                     # 12 is no run
        assert links(runs, text) == set(), text


def test_the_name_part_patterns_are_linear_by_construction() -> None:
    from narrative import run_name_parts
    patterns = [run_name_parts._PART, run_name_parts._NAME_SEPARATOR, run_name_parts._SETTING,
                run_name_parts._DIGITS, run_name_parts._STATEMENT_BREAK]
    assert not [p.pattern for p in patterns if lint(p)]


# -- a counter written with a hash (links round 6) --------------------------------------------------------
def test_a_hash_number_alone_names_the_run_with_that_counter() -> None:
    runs = counted(range(10, 14))
    assert links(runs, "#12 diverged after warmup") == {"brisk-wave-12"}
    assert links(runs, "#11, #12 look the same") == {"brisk-wave-11", "brisk-wave-12"}


def test_a_hash_number_that_is_an_issue_a_pull_request_a_rank_or_no_counter_names_no_run() -> None:
    runs = counted(range(10, 14))
    for text in ("fixed issue #12", "see #12 for the loader bug", "merged #12 today", "PR #12 is in",
                 "Fix loader (#12)", "[#12](https://example.org/12)", "ranked #12 on the leaderboard",
                 "#12 epochs is enough", "#99 diverged", "as discussed in #12"):
        assert links(runs, text) == set(), text
    assert links([*counted([10, 11]), *counted([12], user="bob")], "#12 diverged") == set()  # another person's
    assert not lint(run_numbers._HASH) and not lint(run_numbers._HASH_NOT_RUN)
