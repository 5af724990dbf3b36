"""Linking on practitioners' own notes (issue 8, "truth on real notes"): value lists, change and removal
lines, settings written as words, dated sections. Each rule is shown on lines taken verbatim from real notes
(tests/narrative/data/real_links, tests/scenarios/real) and with the cases it must leave alone; the last test
holds the real-notes fixtures to their measured floors with no wrong link.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from narrative.link_dates import section_date
from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import AT, make_request, make_run
from tests.narrative.scenario_loader import score_scenario

LM = {"dataset": "tinystories", "batch_size": "32", "lr": "3e-3", "norm": "rmsnorm", "norm_position": "pre",
      "pos_emb": "rope", "ffn": "swiglu"}


def links(runs: list[RunSnapshot], text: str, **kwargs: object) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs, **kwargs)).runs}  # type: ignore[arg-type]


def lm_sweep() -> list[RunSnapshot]:
    lrs = ["1e-4", "3e-4", "1e-3", "3e-3", "1e-2"]
    runs = [make_run(f"lr{i}", name=f"ts-lr-{lr}", hours_ago=30 - i, params={**LM, "lr": lr})
            for i, lr in enumerate(lrs)]
    runs += [make_run(f"bs{bs}", name=f"ts-bs-{bs}", hours_ago=20 - i, params={**LM, "batch_size": bs})
             for i, bs in enumerate(["1", "2", "4", "32"])]
    runs.append(make_run("bs64", name="ts-bs-64", hours_ago=10, status="FAILED", params={**LM, "batch_size": "64"}))
    return runs


# -- value lists ---------------------------------------------------------------------------------------------
# xiamishaonian111/cs336 experiments_note/note.md, verbatim.
LR_LINE = "- we've explored those learning rates: \"1e-4\" \"3e-4\" \"1e-3\" \"3e-3\" \"1e-2\"."
BS_LINE = "- we've explored those batch sizes: 1, 2, 4, 32, 64. We've OOM'ed at 64."


def test_a_quoted_list_of_learning_rates_links_one_run_per_value() -> None:
    got = links(lm_sweep(), LR_LINE)
    # "3e-3" is also every batch-size run's rate: the run whose name writes lr + 3e-3 is the one
    assert got == {"ts-lr-1e-4", "ts-lr-3e-4", "ts-lr-1e-3", "ts-lr-3e-3", "ts-lr-1e-2"}


def test_a_value_several_runs_share_is_left_out_and_the_rest_linked() -> None:
    runs = [r for r in lm_sweep() if r.run_name != "ts-bs-32"]
    # "32" is the batch size of every learning-rate run and no name says which: left out, the others linked
    assert links(runs, BS_LINE) == {"ts-bs-1", "ts-bs-2", "ts-bs-4", "ts-bs-64"}


def test_a_number_alone_in_an_auto_name_does_not_pick_a_run() -> None:
    base = {"encoder": "conformer", "lr": "1e-3"}
    runs = [make_run("a", name="jolly-lynx-1", params={**base, "seed": "1"}),
            make_run("b", name="brisk-owl-2", params={**base, "seed": "2"}),
            make_run("c", name="tidy-elk-4", params={**base, "encoder": "lstm", "seed": "1"}),
            make_run("d", name="wise-yak-5", params={**base, "encoder": "lstm", "seed": "2"})]
    assert links(runs, "seeds 1 and 2 look the same to me") == set()


def test_a_planned_list_links_nothing() -> None:
    assert links(lm_sweep(), "tomorrow we will explore learning rates 1e-4, 3e-4 and 1e-3") == set()


def test_a_list_of_another_persons_runs_links_nothing() -> None:
    theirs = [make_run(f"t{i}", name=f"their-lr-{lr}", user="bob", params={**LM, "lr": lr})
              for i, lr in enumerate(["1e-4", "3e-4"])]
    assert links(theirs, LR_LINE) == set()


def test_values_before_their_word_are_a_list() -> None:
    runs = [make_run("a", name="base-200ep", params={"epochs": "200", "img": "255x255"}),
            make_run("b", name="base-400ep", params={"epochs": "400", "img": "255x255"}),
            make_run("c", name="other-100ep", params={"epochs": "100", "img": "255x255"})]
    # "Running at 200 and 400 epochs for the current model didn't demonstrate ..." (badisa/optpresso, day 4)
    assert links(runs, "Running at 200 and 400 epochs for the current model didn't help.") == {"base-200ep",
                                                                                                 "base-400ep"}


def test_one_setting_written_with_two_values_in_a_line_names_both_runs() -> None:
    base = {"algo": "TD3", "noise_plateaus": "p1"}
    runs = [make_run("a", name="laptop-L8", params={**base, "L": "8"}),
            make_run("b", name="laptop-L16", params={**base, "L": "16"}),
            make_run("c", name="big-L256", params={**base, "L": "256", "noise_plateaus": "p2"})]
    # RyanJamesSchultz/RL-SSldr Try17 notes, verbatim
    text = ("Some smaller scale laptop testing revealed that the agent wasn't even able to adequately learn "
            "the first step when L=8, and struggled with p1 when L=16.")
    assert links(runs, text) == {"laptop-L8", "laptop-L16"}


def test_two_values_set_against_each_other_name_both_runs() -> None:
    base = {"model": "tacotron2", "denoise": "webrtc"}
    runs = [make_run("a", name="adapt-iter200", params={**base, "iterations": "200"}),
            make_run("b", name="adapt-iter1000", params={**base, "iterations": "1000"}),
            make_run("c", name="adapt-iter500", params={**base, "iterations": "500"})]
    # CyanD working log, week 4, a bullet verbatim
    assert links(runs, "* iteration = 200 vs 1000") == {"adapt-iter200", "adapt-iter1000"}
    assert links(runs, "* should compare iteration = 200 vs 1000?") == set()


# -- change and removal lines --------------------------------------------------------------------------------
def ablations() -> list[RunSnapshot]:
    return [make_run("n1", name="abl-no-rmsnorm-lr1e-4", params={**LM, "norm": "none", "lr": "1e-4"}),
            make_run("n2", name="abl-no-rmsnorm-lr1e-3", params={**LM, "norm": "none", "lr": "1e-3"}),
            make_run("p1", name="abl-post-norm-lr1e-3", params={**LM, "norm_position": "post"}),
            make_run("s1", name="abl-silu", params={**LM, "ffn": "silu"}),
            make_run("x", name="abl-base", params=dict(LM))]


def test_a_line_that_only_states_a_change_links_the_runs_with_the_new_setting() -> None:
    assert links(ablations(), "2.2. pre-norm => post-norm") == {"abl-post-norm-lr1e-3"}
    assert links(ablations(), "4. SwiGLU => SiLU") == {"abl-silu"}


def test_a_change_to_a_setting_no_run_has_or_a_consequence_links_nothing() -> None:
    assert links(ablations(), "Activation: Swish => ReLU") == set()
    assert links(ablations(), "Small batch → very noisy gradient") == set()
    assert links(ablations(), "- 4 layers -> better classification, marginally lower tm acc") == set()


def test_a_line_that_only_removes_a_component_links_the_runs_without_it() -> None:
    assert links(ablations(), "2.1. Remove RMSNorms") == {"abl-no-rmsnorm-lr1e-4", "abl-no-rmsnorm-lr1e-3"}
    assert links(ablations(), "- removed warmup") == set()  # no run has a warmup setting to remove
    assert links(ablations(), "- no rmsnorm") == set()  # a config line, maybe of one run: says not which


# -- a setting's value written as a word ---------------------------------------------------------------------
def test_a_written_value_sets_the_described_run_apart_from_close_ones() -> None:
    base = {"model": "base_cnn", "epochs": "400"}
    runs = [make_run("a", name="base-400ep-255", params={**base, "img_size": "255x255"}),
            make_run("b", name="base-400ep-480", params={**base, "img_size": "480x480"}),
            make_run("c", name="base-200ep-480", params={**base, "epochs": "200", "img_size": "480x480"})]
    # badisa/optpresso blog day 4, a heading, verbatim
    assert links(runs, "### Base model - 400 Epochs - 480x480 images") == {"base-400ep-480"}
    # both sizes written: the line compares them, it sets neither apart
    assert links(runs, "### Base model - 400 Epochs - 480x480 vs 255x255 images") == set()


# -- dated sections ------------------------------------------------------------------------------------------
def test_section_dates_in_the_forms_notes_use() -> None:
    at = dt.datetime(2020, 9, 4, 10, tzinfo=dt.UTC)
    assert section_date("## 2020/09/01 Tue.", at) == dt.date(2020, 9, 1)
    assert section_date("### 9/2/20", at) == dt.date(2020, 9, 2)
    assert section_date("# Wednesday, September 2, 2020 9AM", at) == dt.date(2020, 9, 2)
    assert section_date("## 2021/09/01", at) is None        # after the note: not its day
    assert section_date("## 2020/05/01", at) is None        # months before: not this note's window


def dated_runs() -> list[RunSnapshot]:
    base = {"model": "durtaco", "vocoder": "lpcnet", "input_format": "concat"}
    day = AT.replace(hour=3)

    def at(days_ago: int, key: str, name: str, user: str = "ada", **params: str) -> RunSnapshot:
        run = make_run(key, name=name, user=user, params={**base, **params})
        return run.model_copy(update={"start": day - dt.timedelta(days=days_ago)})

    return [at(3, "a", "durtaco-lpcnet-loadmel"), at(2, "b", "melgan-16k-feats", model="melgan", vocoder="melgan"),
            at(2, "o", "asr-conformer", user="wei", model="conformer"), at(1, "c", "durtaco-upsample-blstm",
                                                                            upsample_blstm="true")]


def day(days_ago: int) -> str:
    return (AT - dt.timedelta(days=days_ago)).strftime("%Y/%m/%d")


def test_a_line_under_a_date_heading_links_that_days_run_it_speaks_of() -> None:
    # CyanD working log, week i+2, bullets verbatim
    text = f"## {day(2)}\n\n* Train MelGAN on 16k lpcnet's features\n\n## {day(1)}\n\n* Paper sign work."
    assert links(dated_runs(), text) == {"melgan-16k-feats"}


def test_a_dated_line_that_says_nothing_of_the_days_run_links_nothing() -> None:
    assert links(dated_runs(), f"## {day(1)}\n\n* Paper sign work for purchasing apartment.") == set()
    assert links(dated_runs(), f"## {day(2)}\n\n* Will train MelGAN on 16k lpcnet's features tomorrow") == set()


# -- the real-notes fixtures ---------------------------------------------------------------------------------
REAL_LINKS = Path(__file__).parent / "data" / "real_links"
# Link F1 measured at the end of the issue-8 links round (held measured once, after the change); floors a
# little under. Wrong links: none, on any of them.
FLOORS = {"tinystories-lm-sweep-notes.json": 0.90, "brain-tumor-cnn-ablation-notes.json": 0.75,
          "chess-gpt-dev-log.json": 0.55,
          # links round 2 (README): run counters, numbered experiments, name tails and settings as names spell them
          "lm-cosine-run-numbers.json": 0.95, "dc-feature-ablation-notes.json": 0.95,
          "cnn-depth-width-answers.json": 0.95, "audio-resnet-cv-results-log.json": 0.95,
          "traffic-sign-cnn-experiments.json": 0.60,
          # links round 3 (README): metric=value results, settings in words, runs carried over the window
          "sparse-resnet-research-log.json": 0.55, "class-mlp-experiment-summary.json": 0.85,
          "gtzan-cnn-log-tables.json": 0.95, "lstm-hparam-report.json": 0.95,
          # links round 4 (README): pasted commands, metric variants, retyped names, setting families
          "refer-mmi-numbered-commands.json": 0.95, "sef-nickname-run-table.json": 0.95,
          "gc-lstm-wandb-name-variants.json": 0.95, "nvp-runs-settings-log.json": 0.40,
          "freelb-rte-seed-table.json": 0.70,
          # links round 5 (README): model sizes in words, runs named by commit
          "xlmr-base-large-sst2-comment.json": 0.95, "mac-graph-commit-runs.json": 0.80,
          # links round 6 (README): a run named by a setting's value only it has
          "deep-image-matting-batchsize-comments.json": 0.95,
          # links round 7 (README): settings in a hypothesis and in instructions name no run
          "senpai-regime-y-hypothesis.json": 0.75,
          # links round 8 (README): LR and seed tables with W&B ids, a sweep post's settings table
          "senpai-drivaerml-lr-neighborhood.json": 0.95, "senpai-airfrans-seed-replication.json": 0.95,
          "golf-lr-warmdown-sweep-post.json": 0.95,
          # links round 13 (README): run-word heads, noun-first groups, a dropout x lr grid
          "pets-resnet18-group-a-summary.json": 0.95, "senpai-tandemfoil-gc-scan-followup.json": 0.95,
          "param-golf-run-numbers-commit.json": 0.95, "cnn-dropout-lr-grid-readme.json": 0.75,
          # links round 14 (README): three senpai DrivAerML PR summaries
          "senpai-drivaerml-shallow-followup.json": 0.95, "senpai-drivaerml-warmup-lr-results.json": 0.95,
          "senpai-drivaerml-lr-headroom-summary.json": 0.95,
          # links round 15 (README): job tables, values once per run, version-tagged ids (held: olympus, from counts)
          "verl-qerl-v2-reruns-summary.json": 0.95, "uniformaugment-r50-imagenet-results-thread.json": 0.95,
          "flow-mbpo-slurm-experiment-matrix.json": 0.95, "myproj-lr-sweep-runs-table.json": 0.95,
          "olympus-arc-training-report-readmes.json": 0.90,
          # links round 16 (README): one-digit run heads as list items, settings blocks, prose reruns (the colab
          # write-up's runs are told by values and pairs no rule reads yet: its floor is the no-wrong-link line;
          # held: gpt2-karpathy, from counts)
          "char-recognition-numbered-runs.json": 0.95, "rfi-lstm-settings-blocks.json": 0.95,
          "colab-batch-epoch-writeup.json": 0.0, "gpt2-karpathy-experiment-table.json": 0.95,
          # links round 18 (README): a grid told by value lists; issue comments (held floors from the held totals
          # only, 7/8 over both files with nothing extra: each file is 0.80 or more)
          "bs-data-sweep-grid-summaries.json": 0.95, "mask-rcnn-first-second-training-issue.json": 0.95,
          "jetson-plants-102-epoch-issue.json": 0.95, "openpose-batch100-reproduce-comment.json": 0.95,
          "pmg-batch16-five-runs-comment.json": 0.75, "idbr-finetune-seed-values-issue.json": 0.75}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_real_notes_fixtures_keep_their_floor_and_link_nothing_wrong(name: str) -> None:
    result = score_scenario(REAL_LINKS / name)
    assert result["wrong"] == 0, result["misses"]
    assert result["f1"] >= FLOORS[name], result["misses"]


def test_the_fixtures_say_their_split() -> None:
    splits = {p.name: json.loads(p.read_text())["split"] for p in REAL_LINKS.glob("*.json")}
    assert set(splits) == set(FLOORS) and set(splits.values()) == {"tune", "held"}


def test_the_new_patterns_are_linear_by_construction() -> None:
    from narrative import link_dates, link_groups, linking
    from tests.narrative.test_regex_linear import lint

    patterns = [link_groups._QUOTED_NUMBER, link_groups._VALUES_BEFORE_WORD, link_groups._VALUES_VERSUS,
                link_groups._CHANGE_LINE, link_groups._REMOVAL_LINE, link_groups._WORD_PARTS, linking._VALUE_WORD,
                link_dates._ISO, link_dates._NUMERIC, link_dates._MONTH_DAY, link_dates._DAY_MONTH]
    assert not [p.pattern for p in patterns if lint(p)]
