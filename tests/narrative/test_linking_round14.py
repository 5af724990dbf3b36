"""Links round 14: wrong-link probes. Each link rule was probed with adversarial sentences (a value in two runs'
params, a name fragment of an unrelated run, an ordinal after a label, a plan after a bracketed list, a teammate's
numbered experiment); the classes that linked a wrong run are closed here, each with must-not-fire probes. The real
text of the round: three senpai DrivAerML PR comments (tests/narrative/data/real_links/senpai-drivaerml-*.json).
"""

from __future__ import annotations

import time

from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run


def names(runs: list[RunSnapshot], text: str, *, author: str = "ada") -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs, author=author)).runs}


# -- a group's word that reads as two things ("the cosine runs": a cosine schedule, a cosine-similarity loss) --------

def senses() -> list[RunSnapshot]:
    return [make_run("s1", name="cosine-warmup-12", hours_ago=4, params={"scheduler": "cosine", "lr": "3e-4"}),
            make_run("s2", name="cosine_sim_loss", hours_ago=3, params={"loss": "cosine_sim", "lr": "1e-3"}),
            make_run("s3", name="step-lr-base", hours_ago=2, params={"scheduler": "step", "lr": "1e-3"})]


def test_a_group_word_that_is_one_setting_value_and_part_of_another_names_none() -> None:
    assert names(senses(), "the cosine runs were unstable") == set()
    assert names(senses(), "cosine helped a lot") == set()


def test_must_not_fire_probes_for_two_senses() -> None:
    one_sense = [r for r in senses() if r.run_name != "cosine_sim_loss"] + [
        make_run("s4", name="cosine-warmup-13", hours_ago=1, params={"scheduler": "cosine", "lr": "1e-4"})]
    assert names(one_sense, "the cosine runs were unstable") == {"cosine-warmup-12", "cosine-warmup-13"}
    same_key = [make_run("m1", name="m-a", hours_ago=3, params={"model": "resnet"}),
                make_run("m2", name="m-b", hours_ago=2, params={"model": "resnet_v2"}),
                make_run("m3", name="m-c", hours_ago=1, params={"model": "vit"})]
    assert names(same_key, "the resnet runs were slow") == {"m-a", "m-b"}   # one setting: one family
    compound_only = [make_run("c1", name="c-a", hours_ago=3, params={"loss": "cosine_sim"}),
                     make_run("c2", name="c-b", hours_ago=2, params={"loss": "cosine_margin"}),
                     make_run("c3", name="c-c", hours_ago=1, params={"loss": "mse"})]
    assert names(compound_only, "the cosine runs were better") == {"c-a", "c-b"}  # no whole value: one reading
    flags = [make_run("e1", name="ema-a", hours_ago=3, params={"use_ema": "true"}),
             make_run("e2", name="plain", hours_ago=2, params={"use_ema": "false"})]
    assert names(flags, "the ema runs were smoother") == {"ema-a"}
    assert names(senses(), "the cosine-warmup-12 run was unstable") == {"cosine-warmup-12"}  # a name is a name
    two_keys = [make_run("k1", name="k-a", hours_ago=3, params={"scheduler": "cosine"}),
                make_run("k2", name="k-b", hours_ago=2, params={"warmup": "cosine"}),
                make_run("k3", name="k-c", hours_ago=1, params={"scheduler": "step"})]
    assert names(two_keys, "the cosine runs were unstable") == {"k-a", "k-b"}   # a whole value in both
    by_name = [make_run("n1", name="cosine-run", hours_ago=3, params={"lr": "1e-3"}),
               make_run("n2", name="sched-a", hours_ago=2, params={"scheduler": "cosine"}),
               make_run("n3", name="sched-b", hours_ago=1, params={"scheduler": "step"})]
    assert names(by_name, "the cosine runs were unstable") == {"cosine-run", "sched-a"}  # a name is no other setting
    bobs = [*[r for r in senses() if r.run_name != "cosine_sim_loss"],
            make_run("b1", name="cosine_sim_loss", hours_ago=3, user="bob", params={"loss": "cosine_sim"})]
    assert names(bobs, "the cosine runs were unstable") == {"cosine-warmup-12"}  # the other sense is bob's


# -- found by probing: an ordinal among runs the sentence already narrowed, a crash said of a finished run -----------

def day() -> list[RunSnapshot]:
    return [make_run("o1", name="run1_base", hours_ago=8, params={"lr": "3e-4", "model": "resnet18"}),
            make_run("o2", name="run2_wd", hours_ago=7, params={"lr": "3e-4", "model": "resnet18", "wd": "0.05"}),
            make_run("o3", name="run3_wide", hours_ago=6, params={"lr": "1e-3", "model": "resnet50", "width": "128"}),
            make_run("o4", name="run4_wide", hours_ago=5, params={"lr": "1e-3", "model": "resnet50", "width": "256"},
                     status="FAILED"),
            make_run("o5", name="run4_wide", hours_ago=4.8, params={"lr": "1e-3", "model": "resnet50", "width": "256"}),
            make_run("o6", name="run5_r50_ls", hours_ago=3, params={"lr": "1e-3", "model": "resnet50", "ls": "0.1"})]


def test_an_ordinal_after_a_label_or_a_value_is_no_place_in_the_day() -> None:
    assert names(day(), "lr 1e-3: the first run was best") == set()
    assert names(day(), "resnet50: the first two runs agree") == set()
    assert "run1_base" not in names(day(), "width 256 was best but the first try crashed")
    assert names(day(), "the first try crashed") == set()               # the day's first run finished


def test_must_not_fire_probes_for_ordinals() -> None:
    assert names(day(), "the second attempt worked") == {"run2_wd"}
    assert names(day(), "the first run was a smoke test") == {"run1_base"}
    assert names(day(), "the first two runs were warm-ups") == {"run1_base", "run2_wd"}
    assert names(day(), "The third run was the best so far.") == {"run3_wide"}
    assert names(day(), "the first run finished fine, but the second crashed") == {"run1_base"}
    assert names(day(), "the first run diverged late") == {"run1_base"}  # diverging is no process failure
    assert names(day(), "Today: the first run was a smoke test") == set()  # a label: said less, on purpose
    assert names(day(), "the second run of resnet50 was best") == set()   # qualified after the noun, as before
    assert names(day(), "better than the last run") == set()


def test_a_group_takes_in_a_failed_start_only_where_the_clause_says_it_failed() -> None:
    assert names(day(), "the wide runs overfit") == {"run3_wide", "run4_wide"}
    assert [r.status for r in link_runs(make_request("the wide runs overfit", day())).runs].count("FAILED") == 0


def test_must_not_fire_probes_for_failed_group_members() -> None:
    statuses = lambda text: sorted(r.status for r in link_runs(make_request(text, day())).runs)  # noqa: E731
    assert "FAILED" in statuses("the wide runs crashed twice")           # the clause says they failed
    assert "FAILED" in statuses("the wide runs OOM'd")
    failed_only = [make_run("x1", name="lstm-a", hours_ago=3, params={"model": "lstm"}, status="FAILED"),
                   make_run("x2", name="gru-b", hours_ago=2, params={"model": "gru"})]
    assert names(failed_only, "the lstm runs were a waste") == {"lstm-a"}  # no finished one: the failed are it
    assert "FAILED" in statuses("the wide runs were killed by the scheduler")
    assert "run5_r50_ls" in names(day(), "the resnet50 runs are done")
    assert names(day(), "the resnet18 runs agree") == {"run1_base", "run2_wd"}
    killed = [*day()[:3], make_run("k9", name="run3_wide", hours_ago=5.9, status="KILLED",
                                   params={"lr": "1e-3", "model": "resnet50", "width": "128"})]
    assert "KILLED" not in [r.status for r in link_runs(make_request("the wide runs overfit", killed)).runs]
    assert statuses("the wide runs overfit, the first one crashed") == ["FAILED", "FINISHED", "FINISHED"]


# -- found by probing: a plan's words after a bracketed list ("other seeds (3, 4) next week") ------------------------

def seeds() -> list[RunSnapshot]:
    base = {"lr": "3e-4", "warmup": "500"}
    return [make_run("p1", name="sweep-s1", hours_ago=9, params={**base, "seed": "1"}, metrics={"val_loss": 2.21}),
            make_run("p2", name="sweep-s2", hours_ago=8, params={**base, "seed": "2"}, metrics={"val_loss": 2.24}),
            make_run("p3", name="sweep-s3", hours_ago=7, params={**base, "seed": "3"}, metrics={"val_loss": 2.23})]


def test_a_plan_said_after_a_bracketed_list_governs_it() -> None:
    assert names(seeds(), "other seeds (3, 4) next week") == set()
    assert names(seeds(), "other seeds (3, 4) tomorrow") == set()
    assert names(seeds(), "other seeds (3, 4) are queued") == set()
    assert names(seeds(), "seed 3 is still pending") == set()


def test_must_not_fire_probes_for_plans_after_brackets() -> None:
    assert names(seeds(), "other seeds (2, 3) agree with seed 1") == {"sweep-s1", "sweep-s2", "sweep-s3"}
    assert names(seeds(), "other seeds (2, 3) agree. Next week: more data") == {"sweep-s2", "sweep-s3"}
    assert names(seeds(), "the run I queued yesterday finished at 2.23") == {"sweep-s3"}
    assert names(seeds(), "the queued runs finished; seed 2 gave 2.24") == {"sweep-s2"}
    assert names(seeds(), "seed=3 was the best") == {"sweep-s3"}
    assert names(seeds(), "seeds 1-3 at lr 3e-4 agree") == {"sweep-s1", "sweep-s2", "sweep-s3"}
    assert names(seeds(), "val loss 2.21 (seed 1, lr 3e-4), next I'll try 1e-3") == {"sweep-s1"}
    assert names(seeds(), "the seed 2 run gave 2.24") == {"sweep-s2"}
    # A plan's word later in the same sentence reads the whole list as planned: said less, on purpose.
    assert names(seeds(), "other seeds (2, 3) were fine, tomorrow more") == set()


# -- found by probing: another person's numbered experiment ("bob's exp10", "exp 10 by bob") -------------------------

def team() -> list[RunSnapshot]:
    return [make_run("t1", name="exp9_roberta_base", hours_ago=7, params={"model": "roberta-base"}),
            make_run("t2", name="exp10_roberta_large", hours_ago=6, params={"model": "roberta-large"}),
            make_run("t3", name="exp10_bob_distil", hours_ago=5, user="bob", params={"model": "distilbert"})]


def test_a_numbered_experiment_of_another_tracker_user_names_none_of_the_authors() -> None:
    for text in ("bob's exp10 was better", "exp 10 by bob", "exp10 from bob", "exp10 (bob)", "bob ran exp10",
                 "exp10 run by bob was better", "exp10 of bob"):
        assert "exp10_roberta_large" not in names(team(), text), text


def test_must_not_fire_probes_for_another_persons_experiment() -> None:
    assert names(team(), "exp 10 beat exp 9") == {"exp10_roberta_large", "exp9_roberta_base"}
    assert names(team(), "exp10 of mine was best") == {"exp10_roberta_large"}
    assert names(team(), "exp10 of today was best") == {"exp10_roberta_large"}
    assert names(team(), "exp10 of the sweep was best") == {"exp10_roberta_large"}
    assert names(team(), "exp10 was best. Bob is on leave") == {"exp10_roberta_large"}
    assert names(team(), "exp10, as bob suggested, was best") == {"exp10_roberta_large"}
    assert names(team(), "I ran exp10 by hand") == {"exp10_roberta_large"}   # "by" a thing, no user
    assert names(team(), "exp10 (bobby) was best") == {"exp10_roberta_large"}     # no tracker user of that name
    assert names(team(), "exp 10 (large) beat exp 9") == {"exp10_roberta_large", "exp9_roberta_base"}
    assert names(team(), "exp 9 was fine; bob ran his exp 10") == {"exp9_roberta_base"}


def test_the_rounds_other_patterns_are_linear_on_adversarial_text() -> None:
    from narrative.link_groups import _BRACKETED, _NOT_RUN
    from narrative.link_ordinals import _CLAUSE_END, _COUNTED_AMONG
    from narrative.link_people import _BY_SOMEONE, _CLAUSE_BREAK
    texts = ["(" * 5000 + "a" * 5000, "(" + "a, " * 5000, "by " * 6000 + "x", "is " * 4000 + "queued",
             "a" * 20000 + " ran", "1:" * 8000, "still " * 5000 + "pending", "[" + "x " * 8000]
    start = time.perf_counter()
    for text in texts:
        for pattern in (_BRACKETED, _NOT_RUN, _CLAUSE_END, _COUNTED_AMONG, _BY_SOMEONE, _CLAUSE_BREAK):
            list(pattern.finditer(text))
    assert time.perf_counter() - start < 2.0
