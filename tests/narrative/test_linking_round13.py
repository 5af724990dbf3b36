"""Links round 13: runs named by the run word and counter their names open with, and a setting named by an attribute
of a thing. Sentences written for the classes; the real cases: a parameter-golf commit message ("Run 4's mid-train
gain", "paired-head Muon NS (Run 3)", RUN_IDs run4_pr1851_9hp_wdstrong_ar ...; tests/narrative/data/real_links/
param-golf-run-numbers-commit.json) and the open optpresso work log ("mess with different sizes of dense layers",
"when trying different sizes of the input images")."""

from __future__ import annotations

from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run


def links(runs: list[RunSnapshot], text: str) -> set[str]:
    return {f"{r.run_name}:{r.run_id[:4]}" for r in link_runs(make_request(text, runs)).runs}


def names(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs)).runs}


# -- runs named by the head of their name ("Run 4" for run4_pr1851_9hp_wdstrong_ar) ---------------------------------

def session(*, with_series: bool = True) -> list[RunSnapshot]:
    runs = [make_run("a", name="run0_pr1851_base", hours_ago=20),
            make_run("c", name="run3_pr1851_pairedhead_ns", hours_ago=3),
            make_run("d", name="run4_pr1851_9hp_wdstrong_ar", hours_ago=2.2, status="FAILED"),
            make_run("e", name="run4_pr1851_9hp_wdstrong_ar", hours_ago=2),
            make_run("f", name="run4_pr1855_repro_s42", hours_ago=2, user="ravi"),
            make_run("g", name="run6_pr1855_ttt", hours_ago=1, user="ravi")]
    if with_series:
        runs.append(make_run("b", name="run1_pr1851_qk_gain", hours_ago=4))
    return runs


def finished_run4(runs: list[RunSnapshot]) -> str:
    run = next(r for r in runs if r.run_name.startswith("run4_pr1851") and r.status == "FINISHED")
    return f"{run.run_name}:{run.run_id[:4]}"


def test_a_run_word_and_counter_name_the_run_whose_name_opens_with_them() -> None:
    runs = session()
    assert links(runs, "Run 4's mid-train gain (-0.0059) carried through to pre-quant") == {finished_run4(runs)}
    assert names(runs, "Contrast with paired-head Muon NS (Run 3): also a striking signal") == {
        "run3_pr1851_pairedhead_ns"}
    assert links(runs, "run4 was the best of the session") == {finished_run4(runs)}
    assert links(runs, "overturned by Run-4's evidence") == {finished_run4(runs)}
    assert names(runs, "beats Run 0's pre by 0.00098") == {"run0_pr1851_base"}


def test_another_separator_and_case_in_the_tracker_name() -> None:
    runs = [make_run("a", name="Run-11-bigbatch", hours_ago=3),
            make_run("b", name="Run-12-bigbatch-warmup", hours_ago=2)]
    assert names(runs, "the loss curve of run 12 is much smoother.") == {"Run-12-bigbatch-warmup"}
    assert names(runs, "run_11 and run_12 both plateau") == {"Run-11-bigbatch", "Run-12-bigbatch-warmup"}


def test_a_restart_under_the_same_name_gives_the_failed_start_only_where_the_line_says_how_it_failed() -> None:
    runs = session()
    failed = next(r for r in runs if r.status == "FAILED")
    assert links(runs, "run4 OOM'd at step 10 and I restarted it") == {f"{failed.run_name}:{failed.run_id[:4]}"}
    assert finished_run4(runs) not in links(runs, "run4 OOM'd at step 10")


def test_must_not_fire_probes_for_name_heads() -> None:
    runs = session()
    assert names(runs, "I'll run 3 more seeds tonight") == set()                   # a count after the verb
    assert names(runs, "auto-launch when Run 4 GPUs free") == set()                # the GPUs' count, not a run
    assert names(runs, "ravi's Run 4 beat mine") == set()                          # someone else's run 4
    assert names(runs, "Run 6.") == set()                                           # only ravi's runs open with run6
    assert names(runs, "Run 7 was the best.") == set()                              # no such run
    assert names(runs, "as in run 3 in the paper, it diverged") == set()            # a publication's run
    assert names(runs, "rerun 4 times to be sure") == set()
    assert names(runs, "run 1 of 5 finished") == set()                             # a place in a count
    assert "run4_pr1851_9hp_wdstrong_ar" not in names(runs, "Run 4 GPUs were busy")
    # No naming scheme: one run alone opening with "run4_" makes "Run 4." no name.
    lone = [make_run("e", name="run4_pr1851_9hp_wdstrong_ar", hours_ago=2), make_run("z", name="base", hours_ago=3)]
    assert names(lone, "Run 4.") == set()
    # The teammate's run of the same head is never the author's.
    assert "run4_pr1855_repro_s42" not in names(runs, "run4 was the best")
    # "runway_3" and "trial-and-error 3" are no heads.
    assert names([make_run("r", name="runway_3_x"), make_run("s", name="runway_4_x")], "runway 3.") == set()


# -- a setting named by an attribute of a thing ("different sizes of dense layers") -----------------------------------

def cnn(*, user: str = "ada") -> list[RunSnapshot]:
    base = {"pooling": "max", "conv_filters": "32,64,128", "dense": "128", "dropout": "0.5", "img_size": "255x255",
            "epochs": "200"}
    return [make_run("a", name="maxpool", hours_ago=9, user=user, params={**base, "conv_filters": "32,32,64"}),
            make_run("b", name="filters-32-64-128", hours_ago=8, user=user, params=base),
            make_run("c", name="no-dropout", hours_ago=7, user=user,
                     params={**base, "dropout": "0.0", "epochs": "400"}),
            make_run("d", name="dense-512-gpu", hours_ago=4, user=user, params={**base, "dense": "512"}),
            make_run("e", name="dense-256-128-gpu", hours_ago=3.5, user=user, params={**base, "dense": "256,128"}),
            make_run("f", name="img-128-gpu", hours_ago=3, user=user, params={**base, "img_size": "128x128"})]


def test_an_attribute_of_a_thing_names_the_setting_of_the_sweep() -> None:
    runs = cnn()
    assert names(runs, "which has allowed me to mess with different sizes of dense layers.") == {
        "filters-32-64-128", "dense-512-gpu", "dense-256-128-gpu"}
    assert names(runs, "Nothing conclusive, include when trying different sizes of the input images.") == {
        "filters-32-64-128", "img-128-gpu"}
    assert names(runs, "I experimented with different numbers of conv filters") == {"maxpool", "filters-32-64-128"}


def test_must_not_fire_probes_for_attributes_of_things() -> None:
    runs = cnn()
    assert names(runs, "I'll try different sizes of dense layers tomorrow") == set()          # a plan
    assert names(runs, "should I go with different sizes of dense layers?") == set()          # a question
    assert names(runs, "Different sizes of dense layers are common in the literature") == set()  # no run phrase
    assert names(runs, "I tried different sizes of the batches") == set()   # no such setting (was: the image sizes)
    assert names(runs, "the number of epochs was 200 for most") == set()
    assert names(runs, "tried different sizes of models") == set()                           # no model sweep
    # Two sweeps of the setting (dense at two dropout levels): which one is not said.
    two = [*runs, make_run("g", name="dense-512-nodrop", hours_ago=2,
                           params={**runs[2].params, "dense": "512"})]
    assert names(two, "I experimented with different sizes of dense layers") == set()
    # Someone else's sweep is not the author's.
    assert names(cnn(user="bob"), "mess with different sizes of dense layers") == set()


# -- values in brackets after their setting's name ("other loss functions (MAE, log-cosh)") ---------------------------

def losses(*, user: str = "ada") -> list[RunSnapshot]:
    base = {"loss": "mse", "conv_filters": "32,64,128", "flips": "fixed"}
    return [make_run("a", name="flips-fixed", hours_ago=8, user=user, params=base, metrics={"val_mse": 142.3}),
            make_run("b", name="flips-fixed-filters", hours_ago=6, user=user,
                     params={**base, "conv_filters": "64,128,256"}, metrics={"val_mse": 141.1}),
            make_run("c", name="flips-fixed-l1", hours_ago=3, user=user, params={**base, "loss": "mae"},
                     metrics={"val_mse": 145.0}),
            make_run("d", name="flips-fixed-lc", hours_ago=2.9, user=user, params={**base, "loss": "log_cosh"},
                     metrics={"val_mse": 143.6}),
            make_run("e", name="adamw-2", hours_ago=2, user=user, params={**base, "optimizer": "adamw"},
                     metrics={"val_mse": 144.0})]


def lnames(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs, metric="val_mse", goal="min")).runs}


def test_values_in_brackets_after_their_setting_name_the_runs_holding_them() -> None:
    runs = losses()
    text = ("Despite trying lots of little tricks and trying other loss functions (MAE, log-cosh) I was not able "
            "to improve the model.")
    assert lnames(runs, text) == {"flips-fixed-l1", "flips-fixed-lc"}             # MAE was read as a metric
    assert lnames(runs, "the loss functions (MSE, MAE) gave the same spread") == {"flips-fixed-l1"}  # mse: every run


def test_must_not_fire_probes_for_bracketed_values() -> None:
    runs = losses()
    assert "flips-fixed-l1" not in lnames(runs, "I'll try other loss functions (MAE, Huber) next")  # a plan
    assert lnames(runs, "should I try other losses (MAE, huber)?") == set()                      # a question
    assert "flips-fixed-l1" not in lnames(runs, "I didn't get to other loss functions (MAE, huber)")  # negated
    assert lnames(runs, "val_mse (142.3, 141.1) was flat") == set()          # results quoted, not settings
    assert lnames(runs, "the metrics (MAE, RMSE) both went up") == set()                      # no such setting
    assert "flips-fixed-l1" not in lnames(runs, "loss (MAE)")                                  # one value: no list
    assert lnames(runs, "other loss functions (MAE, see above)") == set()                     # not a list of values
    # Someone else's runs with the values are not the author's.
    assert lnames(losses(user="bob"), "tried other loss functions (MAE, log-cosh)") == set()
    # A value two runs hold names neither.
    two = [*runs, make_run("f", name="mae-again", hours_ago=1, params={**runs[0].params, "loss": "mae",
                                                                      "flips": "none"}, metrics={"val_mse": 150.0})]
    assert "flips-fixed-l1" not in lnames(two, "trying other loss functions (MAE, log-cosh)")


# -- seeds written as a list or a range ("seeds 1-3 at lr 0.3", "lr 0.3 seeds 1 and 2") -------------------------------

def seeded(*, user: str = "ada") -> list[RunSnapshot]:
    runs = []
    for i, (lr, seed) in enumerate((lr, s) for lr in ("0.1", "0.3") for s in ("1", "2", "3")):
        runs.append(make_run(f"r{i}", name=f"sgd-lr{lr}-s{seed}", hours_ago=10 - i * 0.5, user=user,
                             params={"lr": lr, "seed": seed, "dropout": "0.5" if lr == "0.1" else "0.2"},
                             metrics={"val_acc": 0.90 + i / 1000}))
    return runs


def snames(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs, metric="val_acc")).runs}


def test_a_list_or_range_of_seeds_names_one_run_per_seed_among_the_sentence_settings() -> None:
    runs = seeded()
    assert snames(runs, "seeds 1-3 at lr 0.3 agree within .002") == {"sgd-lr0.3-s1", "sgd-lr0.3-s2", "sgd-lr0.3-s3"}
    assert snames(runs, "lr 0.3 seeds 1 and 2 look fine") == {"sgd-lr0.3-s1", "sgd-lr0.3-s2"}
    assert snames(runs, "with dropout .5, seeds 1/2/3 all plateau early") == {
        "sgd-lr0.1-s1", "sgd-lr0.1-s2", "sgd-lr0.1-s3"}


def test_must_not_fire_probes_for_seed_lists() -> None:
    runs = seeded()
    assert snames(runs, "I'll run seeds 4-6 at lr 0.3 tomorrow") == set()                # a plan, no such runs
    assert snames(runs, "seeds 1-3 agree") == set()                                         # two sweeps share them
    assert snames(runs, "seeds 1-3 at lr 0.5 agree") == set()                               # no run has lr 0.5
    assert "sgd-lr0.3-s2" not in snames(runs, "seeds 1-4 at lr 0.3 agree")                 # seed 4 is no run
    assert "sgd-lr0.3-s2" not in snames(runs, "should I rerun seeds 1-3 at lr 0.3?")        # a question
    assert "sgd-lr0.3-s2" not in snames(runs, "the lr 0.3 seeds 1-3 from last week agree")  # before the window
    assert "sgd-lr0.3-s2" not in snames(runs, "I did not look at seeds 1-3 at lr 0.3")      # negated
    assert snames(runs, "trained for 1-3 epochs at lr 0.3") == set()                       # no seeds
    # Someone else's seeds are not the author's.
    assert snames(seeded(user="bob"), "seeds 1-3 at lr 0.3 agree") == set()
    # A failed start of a seed is not the seed's run.
    failed = make_run("x", name="sgd-lr0.3-s2-oom", hours_ago=7.1, status="FAILED",
                      params={"lr": "0.3", "seed": "2", "dropout": "0.2"})
    assert "sgd-lr0.3-s2-oom" not in snames([*runs, failed], "seeds 1-3 at lr 0.3 agree")


# -- a group by a shared value, the noun first ("the models with a learning rate = 0.01") -----------------------------

def grid(*, user: str = "ana") -> list[RunSnapshot]:
    runs = [make_run(f"g{i}", name=f"grid-{i}", hours_ago=9 - i * 0.5, user=user,
                     params={"dataset": "cifar100", "dropout": p, "lr": lr, "epochs": "20"},
                     metrics={"test_acc": 0.40 - i / 100})
            for i, (lr, p) in enumerate((lr, p) for lr in ("0.01", "0.001") for p in ("0", "0.25", "0.5", "0.75"))]
    runs.append(make_run("fail", name="grid-fail", hours_ago=5.6, user=user, status="FAILED",
                         params={"dataset": "cifar100", "dropout": "0.75", "lr": "0.001", "epochs": "20"}))
    return runs


def gnames(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs, author="ana", metric="test_acc")).runs}


def test_a_plural_noun_with_a_setting_and_value_names_the_runs_sharing_it() -> None:
    runs = grid()
    assert gnames(runs, "The models with a learning rate = 0.01 resulted in really high loss results.") == {
        "grid-0", "grid-1", "grid-2", "grid-3"}
    assert gnames(runs, "all runs with dropout 0.75 were the worst") == {"grid-3", "grid-7"}   # not the failed start
    assert gnames(runs, "both models with dropout of 0.25 overfit") == {"grid-1", "grid-5"}


def test_must_not_fire_probes_for_noun_first_groups() -> None:
    runs = grid()
    assert gnames(runs, "the models with lr 0.01 and 0.001 are in the plot") == set()       # a list of values
    assert gnames(runs, "I'll rerun the models with lr 0.01 tomorrow") == set()             # a plan
    assert gnames(runs, "were the models with lr 0.01 broken?") == set()                     # a question
    assert gnames(runs, "the models with a learning rate = 0.02 were bad") == set()          # no run has it
    assert gnames(runs, "all runs with epochs 20 were slow") == set()                        # every run: tells nothing
    assert gnames(runs, "the three models with dropout 0.5 agree") == set()                  # two runs, not three
    assert gnames(runs, "the models with test_acc 0.55 stand out") == set()                  # a result, not a setting
    assert gnames(grid(user="ben"), "the models with a learning rate = 0.01 diverged") == set()  # someone else's
    assert gnames(runs, "the models from last week with lr 0.01 diverged") == set()           # no group phrase
