"""A run named by one setting's value that only it has (narrative/link_setting_values.py). The first lines are
hejm37's, verbatim, from huochaitiantang/pytorch-deep-image-matting#31
(tests/narrative/data/real_links/deep-image-matting-batchsize-comments.json); the traps are the rule's limits.
"""

from __future__ import annotations

from narrative.link_setting_values import setting_value_references
from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run


def links(runs: list[RunSnapshot], text: str, *, window_start: object = None) -> set[str]:
    request = make_request(text, runs, window_start=window_start)  # type: ignore[arg-type]
    return {r.run_name for r in link_runs(request).runs}


def sweep() -> list[RunSnapshot]:
    def run(key: str, bs: str, lr: str, hours: float, **more: str) -> RunSnapshot:
        return make_run(key, name=f"{key}-run", hours_ago=hours,
                        params={"batch_size": bs, "lr": lr, "epochs": "20", **more},
                        metrics={"val_acc": 0.8 + hours / 100})
    return [run("a", "128", "0.001", 9), run("b", "256", "0.001", 8), run("c", "512", "0.0003", 7),
            run("d", "512", "0.001", 6)]


MATTING = ("I run the experiment using the default setting provide by train.sh (except that I change the batchsize "
           "to 25), but I got sad=66.7 after epoch 25 and the best sad=60.7 after epoch 5. Do you have any ideas?")


def test_a_value_only_one_run_has_names_it() -> None:
    assert links(sweep(), "with batch size 256 it was worse") == {"b-run"}
    assert links(sweep(), "the lr=3e-4 one diverged") == {"c-run"}
    assert links(sweep(), "batchsize 128 worked fine") == {"a-run"}
    assert links(sweep(), "batch size 512 with lr 1e-3 overfit") == {"d-run"}   # two settings: the run with both
    runs = [make_run("x", name="bs25", hours_ago=9, params={"batch_size": "25", "lr": "1e-05", "epochs": "25"},
                     metrics={"sad": 66.7})]
    assert links(runs, MATTING) == {"bs25"}    # the question after it is another sentence; epochs are progress


def test_a_value_several_runs_share_names_one_only_when_counted() -> None:
    assert links(sweep(), "batch size 512 was worse") == set()
    assert links(sweep(), "both runs with batch size 512 were worse") == {"c-run", "d-run"}
    assert links(sweep(), "the 3 runs with batch size 512 were worse") == set()   # a wrong count


def test_plans_questions_negations_comparisons_and_other_peoples_settings_name_nothing() -> None:
    runs = sweep()
    assert links(runs, "next I will run batch size 256") == set()
    assert links(runs, "should batch size 256 be better?") == set()
    assert links(runs, "not batch size 256, that one is old") == set()
    assert links(runs, "worse than batch size 256") == set()
    assert links(runs, "you used batch size 256 in the paper") == set()
    assert links(runs, "the default batch size 256 is too small") == set()


def test_metrics_progress_lists_and_settings_lines_name_nothing_here() -> None:
    runs = sweep()
    assert links(runs, "val_acc=0.0003 after a while") == set()     # a metric's name, not a setting's
    assert links(runs, "at epoch 20 the loss was flat") == set()      # training progress
    assert links(runs, "batch size 256 and 512 both fine") == set()   # a list: other rules read those
    assert links(runs, "batch size 128-256 is the sweet spot") == set()


def test_a_value_an_earlier_run_or_another_key_also_has_names_nothing() -> None:
    earlier = make_run("old", name="old-run", hours_ago=400, params={"batch_size": "256", "lr": "0.001"})
    assert [r.run_name for _, r in setting_value_references("with batch size 256 it was worse", sweep())] == ["b-run"]
    assert setting_value_references("with batch size 256 it was worse", sweep(), [earlier]) == []  # maybe the old one
    lr_keys = [make_run(k, name=f"{k}-run", hours_ago=h, params={"max_lr": lr, "min_lr": "1e-05"})
               for k, lr, h in (("p", "0.001", 9), ("q", "0.0003", 8))]
    assert setting_value_references("lr 3e-4 diverged", lr_keys) == []    # "lr": max_lr or min_lr?


def test_a_count_before_its_setting_names_the_one_run_with_it() -> None:
    runs = [make_run(k, name=f"{k}-run", hours_ago=h, params={"n_gpus": g, "opt_level": "O1"})
            for k, g, h in (("g4a", "4", 9), ("g4b", "4", 8), ("g2", "2", 7))]
    assert links(runs, "I ran the combined run with 2 gpus and the individual runs with 4 gpus") == {"g2-run"}
    assert links(runs, "the runs with 2 and 4 gpus were similar") == set()
    seeds = [make_run(k, name=f"{k}-run", hours_ago=h, params={"seed": s})
             for k, s, h in (("s1", "1", 9), ("s2", "2", 8), ("s3", "3", 7))]
    assert setting_value_references("the 3 seeds agree", seeds) == []   # a count of seeds is no seed's value


def test_the_patterns_are_linear_by_construction() -> None:
    from narrative import link_setting_values as m
    from tests.narrative.test_regex_linear import lint

    patterns = [m._SETTING_VALUE, m._NOT_THIS, m._SOMEONE_ELSE, m._COUNT_NOUN, m._LISTED_BEFORE, m._RUN_COUNT,
                m._SENTENCE, m._CLAUSE]
    assert not [p.pattern for p in patterns if lint(p)]


def test_a_failed_run_is_named_by_its_settings_only_where_the_sentence_says_it_failed() -> None:
    runs = [*sweep(), make_run("f", name="f-run", hours_ago=5, status="FAILED",
                               params={"batch_size": "1024", "lr": "0.001", "epochs": "20"})]
    assert links(runs, "batch size 1024 trained for a while") == set()
    assert links(runs, "with batch size 1024 it crashed (OOM)") == {"f-run"}
