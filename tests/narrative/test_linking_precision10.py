"""Links round 10: everyday sentences in which a naive linker links wrongly, and the probes of each new refusal (the
same trigger words where the link must still be made). Own sentences, on the fine-tuning runs of ``finetune_runs``;
the tests marked "old code" failed before this round."""

from __future__ import annotations

import pytest

from tests.narrative.finetune_runs import NLP, NLP_RUNS, VA, VISION, VISION_RUNS, linked, run

SWEEP = (30, 8)     # deberta lr 2e-5 .912 / 3e-5 .905 / 5e-5 .861, and raj's 1e-5 .909
SEEDS = (56, 30)    # seeds .915 / .908 / .911, cosine warmup 0.1 .918 / 0.06 .916
CALIB = (80, 56)    # frozen embeddings .913, isotonic .918 ece .021, temperature .918 ece .034
BASES = (8, 0)      # bert .884, roberta .897
THREE_SEEDS = {f"deberta-v3-lr2e-5-bs16-seed{i}" for i in (1, 2, 3)}


@pytest.mark.parametrize("said", [
    "val loss plateaued at .905 around epoch 2, eval every 500 steps",     # old code: linked the 3e-5 run (f1 .905)
    "the loss of the best model is .905",
    "train loss .905 at the end, still going down",
    "perplexity .861 on the dev set, fine",
    "the paper reports 91.2 on this split with lr 1e-5, we are not there",  # old code: linked the 2e-5 run (.912)
    "authors got .905 with a bigger model",
    "reported: 86.1 on the official leaderboard",
    "raj got .909 with 1e-5 on his split",
    "vs the roberta baseline .897 we're +1.5pts",
    "next: lr 1e-5 with bs 32",
    "the hf glue example uses lr 2e-5 and bs 32",
    "want to try lr 1e-4 like the hf example",
])
def test_a_value_or_setting_of_something_else_links_no_run(said: str) -> None:
    assert linked(NLP, NLP_RUNS, said, *SWEEP) == set()


@pytest.mark.parametrize("said", [
    "std across seeds is .003, mean .911",   # old code: linked seed 3 (.911)
    "avg over seeds: .911",
    "averaged .911 across 3 seeds, good enough",
    "seeds 1, 2, 3 planned at 3e-5 too",      # old code: linked the three seed runs
    "warmup 0.1 is what the paper recommends",  # old code: linked the warmup 0.1 run
    "warmup 0.06 is the authors' default",
])
def test_a_pooled_value_a_plan_or_a_sources_setting_links_no_run(said: str) -> None:
    assert linked(NLP, NLP_RUNS, said, *SEEDS) == set()


@pytest.mark.parametrize(("said", "want"), [
    # the error-metric refusal does not fire on a score's value named after or beside a loss
    ("loss .31, f1 .905", {"deberta-v3-lr3e-5-bs16"}),
    ("loss went down but f1 .905", {"deberta-v3-lr3e-5-bs16"}),
    ("f1 .905 and loss .31", {"deberta-v3-lr3e-5-bs16"}),
    ("3e-5 gets .905 even though the loss is noisy", {"deberta-v3-lr3e-5-bs16"}),
    ("loss spikes but the 5e-5 run still ends at .861", {"deberta-v3-lr5e-5-bs16"}),
    # the source refusal does not fire on our own result beside a paper's
    ("we get .912 with lr 2e-5, close to what the paper reports", {"deberta-v3-lr2e-5-bs16"}),
    ("lr 2e-5 .912, paper has 91.5", {"deberta-v3-lr2e-5-bs16"}),
    ("reproduced the paper's recipe: .912 at 2e-5", {"deberta-v3-lr2e-5-bs16"}),
    # "lr" also names lr_scheduler_type: no contradiction (old code: none of these linked)
    ("lr 2e-5 gets .912", {"deberta-v3-lr2e-5-bs16"}),
    ("lr 3e-5 .905", {"deberta-v3-lr3e-5-bs16"}),
    ("lr=5e-5 diverged a bit, .861", {"deberta-v3-lr5e-5-bs16"}),
])
def test_a_result_of_ours_beside_the_refusals_trigger_words_still_links(said: str, want: set[str]) -> None:
    assert linked(NLP, NLP_RUNS, said, *SWEEP) == want


@pytest.mark.parametrize(("said", "want"), [
    # the aggregate refusal leaves a metric named after "mean", and each seed's own value
    ("seeds at 2e-5: .915 / .908 / .911", THREE_SEEDS),  # old code: not seed 1
    ("seeds: .915 / .908 / .911", THREE_SEEDS),         # old code: not seed 1
    ("mean f1 .918 for the cosine run with warmup 0.1", {"deberta-v3-cosine-warm0.1"}),
    ("seed 1 .915, the best seed", {"deberta-v3-lr2e-5-bs16-seed1"}),
    ("mean .911 over the three seeds", THREE_SEEDS),  # the group names them
    ("the mean of the seeds is about .911 and seed 2 is the low one at .908", {"deberta-v3-lr2e-5-bs16-seed2"}),
    # the plan refusal leaves a series whose plan is another sentence
    ("seeds 1/2/3 gave .915, .908, .911. planning 5 more", THREE_SEEDS),
    # the source-after refusal leaves a setting whose later words are no source
    ("warmup 0.06 is slightly worse, .916", {"deberta-v3-cosine-warm0.06"}),
    ("warmup 0.1 is the best one so far", {"deberta-v3-cosine-warm0.1"}),
])
def test_a_seed_series_and_own_settings_still_link(said: str, want: set[str]) -> None:
    assert linked(NLP, NLP_RUNS, said, *SEEDS) == want


@pytest.mark.parametrize(("said", "want"), [
    ("bert baseline .884, roberta .897", {"bert-base-lr2e-5-bs32", "roberta-base-lr2e-5-bs32"}),  # old code: no bert
    ("bert baseline .884 still the floor", {"bert-base-lr2e-5-bs32"}),                              # old code: none
    ("roberta baseline: .897", {"roberta-base-lr2e-5-bs32"}),
    # a named baseline compared with, someone's, or the paper's stays a reference
    ("vs the bert baseline .884 roberta is better", set()),
    ("roberta beats the bert baseline .884", set()),
    ("up from the bert baseline .884", set()),
    ("compared to the bert baseline .884 it's fine", set()),
    ("raj's bert baseline .884 is the floor", set()),
    ("the paper's bert baseline .884", set()),
    ("over the bert baseline (.884)", set()),
    ("bert baseline .897", set()),
])
def test_a_family_baseline_before_its_value_is_that_run(said: str, want: set[str]) -> None:
    assert linked(NLP, NLP_RUNS, said, *BASES) == want


@pytest.mark.parametrize(("said", "want"), [
    ("isotonic calibration helps a lot", {"deberta-v3-cosine-iso"}),                          # old code: none
    ("isotonic calibration was clearly better than temp scaling", {"deberta-v3-cosine-iso"}),  # old code: none
    ("freezing the embeddings hurt a bit", {"deberta-v3-cosine-frozen-emb"}),                  # old code: none
    ("froze the embeddings, slightly worse", {"deberta-v3-cosine-frozen-emb"}),                # old code: none
    ("tried freezing embeddings: worse", {"deberta-v3-cosine-frozen-emb"}),                    # old code: none
    # probes: the same words in a plan, a question, a negation, a comparison's other side, a source, someone else's
    ("next: isotonic calibration on the roberta model", set()),
    ("should try isotonic calibration on bert too", set()),
    ("raj's isotonic calibration run is better", set()),
    ("no isotonic calibration this time", set()),
    ("isotonic calibration needs a held-out split, will set one up", set()),
    ("does isotonic calibration help?", set()),
    ("the isotonic calibration paper says it overfits small sets", set()),
    ("sklearn recommends isotonic calibration for big sets", set()),
    ("not freezing the embeddings is better", set()),
    ("should try freezing the embeddings", set()),
    ("the paper freezes the embeddings", set()),
    ("raj froze the embeddings on his run", set()),
    ("freezing the embeddings would probably help", set()),
    ("froze the embeddings?", set()),
    ("unlike freezing the embeddings, calibration is free", set()),
    ("maybe freezing the embeddings helps on small data", set()),
    ("isotonic helps", set()),  # a value alone names nothing here
])
def test_a_setting_said_the_other_way_round_names_its_one_run(said: str, want: set[str]) -> None:
    assert linked(NLP, NLP_RUNS, said, *CALIB) == want


def test_settings_said_the_other_way_round_name_no_run_that_several_or_earlier_runs_hold() -> None:
    frozen_twice = [*NLP_RUNS, run(15, "deberta-v3-frozen-again", 76, {**NLP_RUNS[11].params}, {"eval_f1": 0.911})]
    assert linked(NLP, frozen_twice, "freezing the embeddings hurt a bit", *CALIB) == set()
    # the author froze the embeddings before this window too: maybe those runs are meant
    earlier = [run(16, "old-frozen", 40, {**NLP_RUNS[11].params}, {"eval_f1": 0.9}), *NLP_RUNS]
    assert linked(NLP, earlier, "freezing the embeddings hurt a bit", *CALIB) == set()


WANDB = [*VISION_RUNS[:6],
         run(7, "dry-wind-12", 50, VISION_RUNS[6].params, {"val_acc": 0.909}),
         run(8, "fast-lake-13", 51, VISION_RUNS[7].params, {"val_acc": 0.915}),
         run(9, "long-night-14", 52, VISION_RUNS[8].params, {"val_acc": 0.906})]


@pytest.mark.parametrize(("said", "want"), [
    ("did a dry run of the tta eval first, works", set()),   # old code: linked dry-wind-12
    ("the fast run finished in 20 min", set()),              # old code: linked fast-lake-13
    ("in the long run mixup should pay off", set()),
    ("a dry run with the new loader looked fine", set()),
    # probes: the made-up name's noun, or the whole name, still names its run
    ("lake is the best so far", {"fast-lake-13"}),
    ("the lake run is the best so far", {"fast-lake-13"}),
    ("the night run got worse", {"long-night-14"}),
    ("the long-night one got worse", {"long-night-14"}),
    ("dry-wind looks fine", {"dry-wind-12"}),
    ("wind run is fine, nothing weird", {"dry-wind-12"}),
    ("fast-lake-13 is the best", {"fast-lake-13"}),
    ("the wind run diverged briefly around ep 12", {"dry-wind-12"}),
])
def test_a_made_up_names_adjective_is_an_everyday_word(said: str, want: set[str]) -> None:
    assert linked(VISION, WANDB, said, 56, 30) == want


@pytest.mark.parametrize(("said", "want"), [
    # a point of training is no setting; a number of epochs said as the setting still is one
    ("the fox run spiked at step 900 and recovered", {"wise-fox-12"}),
    ("fox run weird after epoch 3 but fine", {"wise-fox-12"}),  # old code: none (epochs=3 contradicted it)
    ("mixup 0.8 too strong, 90.6", {"brisk-moon-14"}),
    ("mixup 0.2: 91.5 <- best", {"gentle-river-13"}),
])
def test_a_point_of_training_does_not_contradict_a_run(said: str, want: set[str]) -> None:
    assert linked(VISION, VISION_RUNS, said, 56, 30) == want


@pytest.mark.parametrize(("said", "want"), [
    # an error word earlier in the clause that the runs do log (val_loss) names an objective, not the value's metric
    ("with the focal loss the randaug run gets 90.9", {"wise-fox-12"}),
    ("loss curve is smooth and mixup 0.2 ends at 91.5", {"gentle-river-13"}),
    # the runs log no such error: the value is none of their scores
    ("ece after calibration is 90.6, need to fix the binning", set()),
])
def test_an_error_metric_named_earlier_is_read_against_what_the_runs_log(said: str, want: set[str]) -> None:
    assert linked(VISION, VISION_RUNS, said, 56, 30) == want


def test_a_word_that_is_also_people_is_no_error_metric() -> None:
    # "ppl" beside a value is as often people: the coverage of the one run that logs it is still linked
    runs = [*VISION_RUNS[:8], run(20, "q90-run", 51.5, VISION_RUNS[7].params, {VA: 0.88, "coverage_p90": 0.893})]
    assert linked(VISION, runs, "p90 for the reserving ppl: coverage .893, ok-ish", 56, 30) == {"q90-run"}
