"""Links round 15: runs described by a row of a job table, by values written once per run, by ids going on after a
numbered experiment, by a version tag; and a wrong link found on the new text (a setting spelled by running runs
too). Each class: probes failing on the old rules and must-not-link probes that keep the old reading. The real text
of the round: tests/narrative/data/real_links/{flow-mbpo-slurm-experiment-matrix, uniformaugment-r50-imagenet-
results-thread, verl-qerl-v2-reruns-summary, myproj-lr-sweep-runs-table}.json (tune) and
olympus-arc-training-report-readmes.json (held).
"""

from __future__ import annotations

import time

from narrative.link_table_keys import table_key_references
from narrative.link_value_repeats import _JOINER
from narrative.linking import link_runs
from narrative.run_numbers import _EXPERIMENT_MORE, experiment_references
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run


def names(runs: list[RunSnapshot], text: str, *, author: str = "ada") -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs, author=author)).runs}


# -- a table row named by a settings column ("| Job ID | Seed |" over job_id) ---------------------------------------

def jobs() -> list[RunSnapshot]:
    return [make_run("j1", name="Anymal_Baseline_s42", hours_ago=9, params={"job_id": "3080227", "seed": "42"}),
            make_run("j2", name="Anymal_Baseline_s123", hours_ago=8, params={"job_id": "3080228", "seed": "123"}),
            make_run("j3", name="Anymal_Flow_s42", hours_ago=7, params={"job_id": "3080229", "seed": "42"}),
            make_run("j4", name="Anymal_Flow_s123", hours_ago=6, params={"job_id": "3080230", "seed": "123"})]


TABLE = "### Baseline\n| Job ID | Seed | Runtime |\n|--------|------|---------|\n| 3080227 | 42 | ~2h |\n" \
        "| 3080228 | 123 | ~2h |\n"


def test_a_row_names_its_run_by_a_column_that_is_a_setting() -> None:
    assert names(jobs(), TABLE) == {"Anymal_Baseline_s42", "Anymal_Baseline_s123"}
    bold = TABLE.replace("| 3080227 |", "| **`3080227`** |").replace("Job ID", "JobID")
    assert names(jobs(), bold) == {"Anymal_Baseline_s42", "Anymal_Baseline_s123"}


def test_must_not_link_rows_by_a_column_that_tells_no_run() -> None:
    # 1. the seed column: two runs hold each seed
    assert names(jobs(), "| Seed | Runtime |\n|---|---|\n| 42 | ~2h |\n| 123 | ~2h |\n") == set()
    # 2. a header that is no setting's key
    assert names(jobs(), "| ID | Runtime |\n|---|---|\n| 3080227 | ~2h |\n") == set()
    # 3. a teammate's run holds the value too
    bob = [*jobs(), make_run("b1", name="bob-run", user="bob", hours_ago=5, params={"job_id": "3080227"})]
    assert names(bob, "| Job ID | Seed |\n|---|---|\n| 3080227 | 42 |\n") == set()
    # 4. a row whose job is pending
    assert names(jobs(), "| Job ID | Seed | Status |\n|---|---|---|\n| 3080227 | 42 | PENDING |\n") == set()
    # 5. a column repeating its value: no column of runs
    assert names(jobs(), "| Job ID | Step |\n|---|---|\n| 3080227 | 1 |\n| 3080227 | 2 |\n") == set()
    # 6. the value outside any table row
    assert names(jobs(), "job 3080227 took 2h") == set()
    # 7. an id no run of the author's holds (another person's job)
    assert names(jobs(), "| Job ID | Seed |\n|---|---|\n| 3080999 | 42 |\n") == set()
    # 8. a table of a plan: under "Next:"
    assert names(jobs(), "Next:\n| Job ID | Seed |\n|---|---|\n| 3080227 | 42 |\n") == set()
    # 9. the run of that job is out of the window (an earlier run of the author's, two weeks back)
    old = [*jobs()[1:], make_run("o1", name="old", hours_ago=24 * 20, params={"job_id": "3080227", "seed": "7"})]
    assert names(old, "| Job ID | Seed |\n|---|---|\n| 3080227 | 7 |\n") == set()
    # 10. a setting all runs share (epochs) as a column: tells nothing apart
    same = [make_run(f"e{i}", name=f"e{i}", hours_ago=9 - i, params={"epochs": "30", "job_id": f"5{i}"})
            for i in range(3)]
    assert names(same, "| Epochs | Acc |\n|---|---|\n| 30 | 0.91 |\n") == set()


def test_table_reader_on_long_input_is_fast() -> None:
    line = "| " + " | ".join(["3080227"] * 40) + " |\n"
    text = "| Job ID |" + " x |" * 39 + "\n|" + "---|" * 40 + "\n" + line * 300 + ("|" * 5000 + "\n") * 20
    started = time.perf_counter()
    table_key_references(text, jobs(), [], jobs())
    assert time.perf_counter() - started < 1.0


# -- a value written once per run that carries it ("0.7789, 0.7792, 0.7792") -----------------------------------------

def results() -> list[RunSnapshot]:
    r50 = {"model": "resnet50", "dataset": "imagenet"}
    return [make_run("u1", name="ua-a", hours_ago=50, params=r50, metrics={"top1": 0.7789}),
            make_run("u2", name="ua-b", hours_ago=40, params=r50, metrics={"top1": 0.7792}),
            make_run("u3", name="ua-c", hours_ago=30, params=r50, metrics={"top1": 0.7792})]


def test_a_value_written_once_per_run_names_them_all() -> None:
    assert names(results(), "My results are: 0.7789, 0.7792, 0.7792.") == {"ua-a", "ua-b", "ua-c"}
    assert names(results(), "top-1: 0.7792 / 0.7792 / 0.7789") == {"ua-a", "ua-b", "ua-c"}


def test_must_not_link_a_value_written_fewer_or_more_times_than_runs_carry_it() -> None:
    # 1. once for two runs: which one is not said
    assert names(results(), "My results are: 0.7789, 0.7792.") == {"ua-a"}
    # 2. twice for three runs
    three = [*results(), make_run("u4", name="ua-d", hours_ago=20, params={"model": "resnet50"},
                                  metrics={"top1": 0.7792})]
    assert names(three, "My results are: 0.7789, 0.7792, 0.7792.") == {"ua-a"}
    # 3. twice, but in two sentences (the same run said twice)
    assert names(results(), "The best was 0.7792. Averaged, 0.7792 too.") == set()
    # 4. a comparison, not a list
    assert names(results(), "0.7792 vs 0.7792, no change") == set()
    # 5. one carrier is a teammate's run
    bob = [*results()[:2], make_run("b3", name="bob-c", user="bob", hours_ago=30, metrics={"top1": 0.7792})]
    assert names(bob, "My results are: 0.7789, 0.7792, 0.7792.") == {"ua-a", "ua-b"}
    # 6. one carrier failed (a partial value of a crashed run)
    failed = [*results()[:2], make_run("f3", name="ua-c", status="FAILED", hours_ago=30, metrics={"top1": 0.7792})]
    assert "ua-c" not in names(failed, "My results are: 0.7789, 0.7792, 0.7792.")
    # 7. the two runs carry it under two metrics (a top-1 and a top-5)
    keys = [results()[0], results()[1], make_run("k3", name="ua-k", hours_ago=30, metrics={"top5": 0.7792})]
    assert names(keys, "My results are: 0.7789, 0.7792, 0.7792.") == {"ua-a"}
    # 8. a number of the list is no result of the author's: the list is something else
    assert names(results(), "thresholds 0.5111, 0.7792, 0.7792 were tried") == set()
    # 9. a plan
    assert names(results(), "next week I want 0.7792, 0.7792 again?") == set()


def test_list_joiner_is_linear_on_long_gaps() -> None:
    started = time.perf_counter()
    for gap in (" " * 5000, ", " * 3000, "and " * 2000):
        _JOINER.fullmatch(gap)
    assert time.perf_counter() - started < 0.5


# -- ids going on after a numbered experiment ("exp 9 and 10", "experiments 8-10") -----------------------------------

def experiments() -> list[RunSnapshot]:
    rows = [(7, "resnet18", "0"), (8, "resnet50", "0"), (9, "resnet50", "0"), (10, "resnet50", "1"), (11, "vit", "0")]
    return [make_run(f"x{i}", name=f"exp{i}_{m}", hours_ago=12 - i, params={"model": m, "seed": s},
                     metrics={"val_auc": 0.8 + i / 100}) for i, m, s in rows]


def test_ids_after_a_numbered_experiment_name_theirs() -> None:
    assert names(experiments(), "exp 9 and 10 agree") == {"exp9_resnet50", "exp10_resnet50"}
    assert names(experiments(), "experiments 8-10 use resnet50") == {"exp8_resnet50", "exp9_resnet50",
                                                                      "exp10_resnet50"}
    assert names(experiments(), "exp 9/10 agree") == {"exp9_resnet50", "exp10_resnet50"}
    assert names(experiments(), "exp 8 to 10 are the r50 ones.") >= {"exp8_resnet50", "exp9_resnet50",
                                                                      "exp10_resnet50"}


def test_must_not_link_numbers_after_an_experiment_that_are_no_ids() -> None:
    # 1. a count with a unit: only the experiment itself
    assert names(experiments(), "exp 9 and 10 epochs more") == {"exp9_resnet50"}
    # 2. an id with no run: the list is not the author's ids
    assert names(experiments(), "exp 9 and 12 agree") == {"exp9_resnet50"}
    # 3. the other id is a teammate's
    bob = [*experiments()[:3], make_run("b10", name="exp10_bob", user="bob", hours_ago=2)]
    assert names(bob, "exp 9 and 10 agree") == {"exp9_resnet50"}
    # 4. the other id's run failed
    failed = [*experiments()[:3], make_run("f10", name="exp10_resnet50", status="FAILED", hours_ago=2)]
    assert names(failed, "exp 9 and 10 agree") == {"exp9_resnet50"}
    # 5. in a paper
    assert names(experiments(), "exp 9 and 10 in the paper use resnet50") == set()
    # 6. a setting after a comma ("lr 10" is no id)
    assert "exp10_resnet50" not in names(experiments(), "exp 9, lr 10x lower")
    # 7. a range too wide to be runs
    assert names(experiments(), "exp 9-100 are planned") <= {"exp9_resnet50"}
    # 8. a year
    assert "exp10_resnet50" not in names(experiments(), "exp 9 and 2024 data")
    # 9. another person's experiment list
    with_bob = [*experiments(), make_run("b1", name="bob-probe", user="bob", hours_ago=3)]
    assert names(with_bob, "bob's exp 9 and 10 agree") == set()


def test_experiment_tail_regex_is_linear() -> None:
    started = time.perf_counter()
    _EXPERIMENT_MORE.match(" , " * 5000 + "x")
    experiment_references(("exp 9" + " and 10" * 200 + " ") * 50, experiments())
    assert time.perf_counter() - started < 2.0


# -- a version tag ending run names ("bert-v1", "bert-v2", "bert-v3") ------------------------------------------------

def versions() -> list[RunSnapshot]:
    return [make_run("v1", name="bert-v1", hours_ago=6, params={"lr": "1e-4"}, metrics={"val_auc": 0.80}),
            make_run("v2", name="bert-v2", hours_ago=5, params={"lr": "3e-5"}, metrics={"val_auc": 0.82}),
            make_run("v3", name="bert-v3", hours_ago=4, params={"lr": "2e-5"}, metrics={"val_auc": 0.83})]


def test_a_version_tag_names_its_run_of_a_series() -> None:
    assert names(versions(), "v3 is best") == {"bert-v3"}
    assert names(versions(), "on top of v2 the gain is small") == {"bert-v2"}


def test_must_not_link_a_version_that_is_no_run_of_a_series() -> None:
    one = [versions()[1], make_run("x", name="gpt-base", hours_ago=3)]
    assert names(one, "v2 is best") == set()                              # 1. no series
    two = [*versions(), make_run("g2", name="gpt-v2", hours_ago=3), make_run("g3", name="gpt-v3", hours_ago=2)]
    assert "bert-v2" not in names(two, "v2 is best")                      # 2. two series have a v2
    assert names(versions(), "yolo v5 weights") == set()                  # 3. a thing's version
    assert names(versions(), "v2 of the data is cleaner") == set()        # 4. the data's version
    bob = [make_run(f"b{i}", name=f"bert-v{i}", user="bob", hours_ago=6 - i) for i in (1, 2)]
    assert names(bob, "v2 is best") == set()                              # 5. a teammate's series
    old = [make_run("o1", name="bert-v1", hours_ago=24 * 20), make_run("o2", name="bert-v2", hours_ago=24 * 19),
           make_run("n", name="other", hours_ago=3)]
    assert names(old, "v2 is best") == set()                              # 6. outside the window
    assert names(versions(), "see api/v2 for the docs") == set()          # 7. a path
    assert names(versions(), "v2.1 and v2b are drafts") == set()          # 8. no token of its own
    assert names(versions(), "bert-v3 beats v2.5") == {"bert-v3"}         # 9. the name is a name, v2.5 none


# -- the wrong link of the new text: a setting spelled by running runs too ------------------------------------------

def spelled() -> list[RunSnapshot]:
    return [make_run("d", name="debug_flowwm_k8", hours_ago=5, params={"substeps": "8"}),
            make_run("r1", name="Anymal_FlowWM_K8Euler_s42", status="RUNNING", hours_ago=4, params={"substeps": "8"}),
            make_run("r2", name="Anymal_FlowWM_K8Euler_s123", status="RUNNING", hours_ago=4,
                     params={"substeps": "8"}),
            make_run("k4", name="Anymal_FlowWM_K4Heun_s42", hours_ago=9, params={"substeps": "4"})]


def test_a_setting_running_runs_spell_too_names_no_finished_run() -> None:
    assert "debug_flowwm_k8" not in names(spelled(), "### Flow WM K=8 Euler (~4h elapsed)")


def test_must_not_fire_probes_for_spelled_settings() -> None:
    # the old reading holds where no running run spells the value
    done = [make_run(f"l{n}", name=f"exp1_L{n}_K32", hours_ago=9 - n) for n in (2, 4, 8)]
    assert names(done, "K=[32] fixed with L=2,4,8") == {"exp1_L2_K32", "exp1_L4_K32", "exp1_L8_K32"}
    assert names(done, "L = 4 was best") == {"exp1_L4_K32"}
    # a failed start of the same name does not make two (a rerun keeps its first start's name)
    rerun = [*done, make_run("f8", name="exp1_L8_K32", status="FAILED", hours_ago=0.5)]
    assert "exp1_L8_K32" in names(rerun, "L = 8 was best")
    # a camel-case finished run is spelled too: one run, one link
    camel = [make_run("c1", name="Anymal_FlowWM_K8Euler_s42", hours_ago=6),
             make_run("c2", name="Anymal_FlowWM_K4Heun_s42", hours_ago=5)]
    assert names(camel, "K=8 was slower") == {"Anymal_FlowWM_K8Euler_s42"}
    # a running run alone: nothing
    assert names(spelled()[1:3], "K=8 runs are slow") == set()
