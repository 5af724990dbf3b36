"""Failed starts a rerun replaced (narrative.link_failed_starts).

Found by a wrong-link stress run over every open fixture: beside each finished run, its failed start ten
minutes earlier (same author, settings and name, no metrics), as a crash at launch leaves in a tracker. The
old reading linked neither run of 102 named pairs ("belongs to 2 runs; none linked"), tied 66 descriptions
between the two, and linked 46 failed starts beside the runs meant (open real scenarios: 185 true links ->
79). With this class: 185 -> 185, no failed start linked, and held real_links 69 -> 71 on the fixtures as
they are (two real failed starts of that kind).
"""

from __future__ import annotations

import datetime as dt

from narrative.link_failed_starts import superseded_starts
from narrative.link_probe_runs import probe_runs
from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run

BERT = {"model": "bert-base", "lr": "3e-5", "label_smoothing": "0.1"}


def names(runs: list[RunSnapshot], text: str, *, author: str = "ada") -> list[str]:
    return sorted(f"{r.run_name}@{r.status}" for r in link_runs(make_request(text, runs, author=author)).runs)


def relaunch(name: str = "bert-ls01", *, params: dict[str, str] | None = None, gap_hours: float = 0.2,
             start_user: str = "ada", start_metrics: dict[str, float] | None = None) -> list[RunSnapshot]:
    params = params if params is not None else BERT
    return [make_run("f1", name=name, hours_ago=5, status="FAILED", user=start_user, params=dict(params),
                     metrics=start_metrics),
            make_run("f2", name=name, hours_ago=5 - gap_hours, params=dict(params), metrics={"val_auc": 0.912}),
            make_run("o1", name="bert-plain", hours_ago=8, params={"model": "bert-base", "lr": "3e-5",
                                                                   "label_smoothing": "0.0"},
                     metrics={"val_auc": 0.897})]


def test_a_name_a_failed_start_shares_with_its_rerun_is_the_rerun() -> None:
    assert names(relaunch(), "bert-ls01 got .912, nice") == ["bert-ls01@FINISHED"]
    assert names(relaunch(), "bert-ls01 looks good") == ["bert-ls01@FINISHED"]


def test_a_description_fits_the_rerun_not_its_failed_start() -> None:
    assert names(relaunch(), "label smoothing 0.1 on bert helped a lot") == ["bert-ls01@FINISHED"]


def test_a_run_number_shared_with_a_failed_start_is_the_rerun() -> None:
    runs = [make_run("n1", name="run84", hours_ago=5, status="FAILED", params={"lr": "1e-3"}),
            make_run("n2", name="run84", hours_ago=4.8, params={"lr": "1e-3"}, metrics={"val_auc": 0.8}),
            make_run("n3", name="run83", hours_ago=6, params={"lr": "3e-3"}, metrics={"val_auc": 0.7})]
    assert names(runs, "run84 was the best so far") == ["run84@FINISHED"]


def test_a_group_leaves_out_the_failed_start() -> None:
    seeds = [make_run(f"s{i}", name=f"seed{i}", hours_ago=6 - i, params={"model": "vit", "seed": str(i)},
                      metrics={"val_auc": 0.90 + i / 1000}) for i in (1, 2, 3)]
    start = make_run("s0", name="seed2", hours_ago=4.2, status="FAILED", params={"model": "vit", "seed": "2"})
    assert "seed2@FAILED" not in names([*seeds, start], "the vit seeds all agree within .002")


# -- must not fire: runs that are not a failed start replaced unchanged ----------------------------------------

def test_a_failed_run_with_other_settings_than_the_later_one_stays_a_run_of_its_own() -> None:
    oom = relaunch(params={"model": "bert-base", "lr": "3e-5", "batch_size": "64"})
    oom[1] = make_run("f2", name="bert-ls01", hours_ago=4.8, params={"model": "bert-base", "lr": "3e-5",
                                                                     "batch_size": "32"}, metrics={"val_auc": 0.91})
    assert superseded_starts(oom) == set()
    assert names(oom, "bert-ls01 looks good") == []   # the name is two different runs: as before, none


def test_a_rerun_days_later_is_a_new_experiment() -> None:
    assert superseded_starts(relaunch(gap_hours=-60)) == set()   # the failed one is the later run
    late = [make_run("a", name="x-1", hours_ago=80, status="FAILED", params={"lr": "1"}),
            make_run("b", name="x-1", hours_ago=2, params={"lr": "1"})]
    assert superseded_starts(late) == set()


def test_someone_elses_failed_start_is_not_replaced_by_the_authors_run() -> None:
    assert superseded_starts(relaunch(start_user="bob")) == set()


def test_a_failed_run_that_logged_metrics_is_the_run_a_note_of_its_failure_or_its_values_means() -> None:
    """A start stopped after its first values and relaunched unchanged is still a start (killed by hand, or
    crashed at step 900); a note telling its failure, or quoting a value it logged, means it."""
    diverged = relaunch(start_metrics={"val_auc": 0.51})
    assert superseded_starts(diverged) == {diverged[0].run_id}
    assert "bert-ls01@FAILED" in names(diverged, "the first bert-ls01 diverged at step 900 with val auc .51")
    assert "bert-ls01@FAILED" in names(diverged, "the label smoothing 0.1 run sat at val auc .51, odd")
    assert names(diverged, "label smoothing 0.1 got val auc .912") == ["bert-ls01@FINISHED"]


def test_a_failed_rerun_replaces_nothing() -> None:
    runs = relaunch()
    runs[1] = make_run("f2", name="bert-ls01", hours_ago=4.8, status="KILLED", params=dict(BERT))
    assert superseded_starts(runs) == set()


def test_a_rerun_missing_a_setting_of_the_start_is_another_run_and_one_logging_more_is_the_same() -> None:
    start = make_run("a", name="a-1", hours_ago=5, status="FAILED", params={"lr": "1e-3", "wd": "0.1"})
    fewer = make_run("b", name="b-1", hours_ago=4.9, params={"lr": "1e-3"})
    more = make_run("c", name="c-1", hours_ago=4.8, params={"lr": "1e-3", "wd": "0.1", "git_sha": "abc"})
    assert superseded_starts([start, fewer]) == set()
    assert superseded_starts([start, more]) == {start.run_id}
    assert superseded_starts([start, more], same_name=True) == set()   # another name: a number still tells


def test_a_pasted_id_or_another_name_still_links_the_failed_start() -> None:
    runs = relaunch()
    assert "bert-ls01@FAILED" in names(runs, f"{runs[0].run_id[:8]} crashed at launch (NCCL timeout)")
    numbered = [make_run("n1", name="run84", hours_ago=5, status="FAILED", params={"lr": "1e-3"}),
                make_run("n2", name="run85", hours_ago=4.8, params={"lr": "1e-3"}, metrics={"val_auc": 0.8})]
    assert names(numbered, "run84 crashed, run85 is the same config relaunched") == [
        "run84@FAILED", "run85@FINISHED"]


def test_without_a_failed_start_nothing_changes() -> None:
    assert superseded_starts([]) == set()
    plain = relaunch()[1:]
    assert names(plain, "bert-ls01 got .912") == ["bert-ls01@FINISHED"]


# -- killed starts, and notes telling the failure of another run (round 16) -------------------------------------
# Found by two more trap kinds of tests.narrative.link_traps: "killed" (a copy stopped by hand after six minutes,
# with its first values) took 44 links over the fixtures and cost open real true links 185 -> 96; the "failed"
# twins still took 19 links, all in notes telling the failure of some other run ("depth 16 failed").


def depths() -> list[RunSnapshot]:
    runs = []
    for i, depth in enumerate(("2", "4", "8", "16")):
        params = {"model": "cnn", "depth": depth, "lr": "1e-3"}
        runs.append(make_run(f"k{depth}", name=f"cnn_d{depth}", hours_ago=6 - i, status="KILLED", params=params,
                             metrics={"val_acc": 0.31}))
        runs.append(make_run(f"d{depth}", name=f"cnn_d{depth}", hours_ago=5.8 - i, params=dict(params),
                             metrics={"val_acc": 0.70 + i / 100}))
    return runs


def test_a_killed_start_with_its_first_values_is_read_past_like_a_crash() -> None:
    assert names(depths(), "the depth 8 cnn reached .72") == ["cnn_d8@FINISHED"]
    assert "cnn_d8@KILLED" not in names(depths(), "depth 8 is the sweet spot")


def test_a_failure_told_of_one_run_leaves_the_others_starts_read_past() -> None:
    text = "Depths 2 and 4 did better than depth 8, and depth 16 failed to train."
    linked = names(depths(), text)
    assert not {"cnn_d2@KILLED", "cnn_d4@KILLED", "cnn_d8@KILLED"} & set(linked)


def test_must_not_fire_probes_for_killed_starts() -> None:
    runs = depths()
    # the failure is told of this start: by its value next to the failure word, by its name, by a stop
    assert "cnn_d16@KILLED" in names(runs, "depth 16 crashed after six minutes, relaunched it")
    assert "cnn_d4@KILLED" in names(runs, "cnn_d4 died with a NCCL error")
    assert names(runs, "I stopped the depth 8 one after six minutes, restarted it") != ["cnn_d8@FINISHED"]
    # a value the start logged, quoted: the note means the start
    assert "cnn_d2@KILLED" in names(runs, "depth 2 sat at val acc .31 when I looked")
    # a pasted id always links
    assert "cnn_d2@KILLED" in names(runs, f"{runs[0].run_id[:8]} is the one I killed")
    # not a start replaced unchanged: other settings, another person's rerun, a rerun days later, a killed rerun
    other = [make_run("x1", name="a", hours_ago=5, status="KILLED", params={"lr": "1e-3"}, metrics={"val_acc": 0.3}),
             make_run("x2", name="a", hours_ago=4.9, params={"lr": "3e-4"}, metrics={"val_acc": 0.7})]
    assert superseded_starts(other) == set()
    bobs = [other[0], other[1].model_copy(update={"params": {"lr": "1e-3"}, "user": "bob"})]
    assert superseded_starts(bobs) == set()
    late = [other[0], make_run("x3", name="a", hours_ago=-60, params={"lr": "1e-3"})]
    assert superseded_starts(late) == set()
    twice = [other[0], other[1].model_copy(update={"params": {"lr": "1e-3"}, "status": "KILLED"})]
    assert superseded_starts(twice) == set()


def test_failure_words_are_found_in_long_odd_text_in_linear_time() -> None:
    text = ("depth 16 " * 200) + "failed " + ("1e-3, " * 300) + "crashed"
    assert isinstance(names(depths(), text), list)


# -- a number both a run of the window and one of an earlier phase bear ------------------------------------------

def test_an_experiment_number_rerun_weeks_later_is_the_windows_run() -> None:
    old = make_run("e0", name="e-old", hours_ago=24 * 40, params={"experiment": "003-ablation"},
                   metrics={"val_auc": 0.7})
    new = make_run("e1", name="e-new", hours_ago=3, params={"experiment": "003-ablation"}, metrics={"val_auc": 0.8})
    request = make_request("Experiment 003: the ablation is clean now", [old, new])
    request.window_start = new.start - dt.timedelta(hours=1)
    assert sorted(r.run_name for r in link_runs(request).runs) == ["e-new"]


def test_a_number_only_an_earlier_run_bears_still_names_it() -> None:
    old = make_run("e0", name="e-old", hours_ago=24 * 40, params={"experiment": "002-ablation"},
                   metrics={"val_auc": 0.7})
    new = make_run("e1", name="e-new", hours_ago=3, params={"experiment": "003-ablation"}, metrics={"val_auc": 0.8})
    request = make_request("Experiment 002 was better than this one", [old, new])
    request.window_start = new.start - dt.timedelta(hours=1)
    assert "e-old" in {r.run_name for r in link_runs(request).runs}


# -- short probe runs (narrative.link_probe_runs) ----------------------------------------------------------------

def timed(key: str, *, name: str, hours_ago: float, minutes: float, params: dict[str, str],
          metrics: dict[str, float] | None = None, user: str = "ada", status: str = "FINISHED") -> RunSnapshot:
    run = make_run(key, name=name, hours_ago=hours_ago, params=params, metrics=metrics, user=user, status=status)
    return run.model_copy(update={"end": run.start + dt.timedelta(minutes=minutes)})


def probed(**probe_changes: object) -> list[RunSnapshot]:
    probe = {"name": "ls01-debug", "hours_ago": 5.0, "minutes": 2.0, "params": {**BERT, "max_steps": "100"},
             "metrics": {"val_auc": 0.55}} | probe_changes
    return [timed("p1", **probe),  # type: ignore[arg-type]
            timed("p2", name="bert-ls01", hours_ago=4.7, minutes=90, params=dict(BERT), metrics={"val_auc": 0.912}),
            timed("p3", name="bert-plain", hours_ago=8, minutes=90, params={**BERT, "label_smoothing": "0.0"},
                  metrics={"val_auc": 0.897})]


def test_a_short_probe_before_a_run_is_not_what_a_description_of_the_run_means() -> None:
    assert probe_runs(probed()) == {probed()[0].run_id}
    assert names(probed(), "label smoothing 0.1 on bert helped a lot") == ["bert-ls01@FINISHED"]
    assert names(probed(name="bert-ls01", params=dict(BERT)), "bert-ls01 looks good") == ["bert-ls01@FINISHED"]


def test_must_not_fire_probes_for_probe_runs() -> None:
    assert probe_runs(probed(minutes=40)) == set()                        # not short: a run of its own
    assert probe_runs(probed(minutes=30)) == set()                        # a third of the run: not a probe
    assert probe_runs(probed(hours_ago=3)) == set()                       # after the run: a check of it
    assert probe_runs(probed(hours_ago=60)) == set()                      # days before: another experiment
    assert probe_runs(probed(user="bob")) == set()                        # someone else's
    assert probe_runs(probed(params={**BERT, "lr": "1e-4"})) == set()     # another setting, not a budget
    assert probe_runs(probed(params={"max_steps": "100"})) == set()       # nothing but a budget: says nothing
    short_real = [timed("s1", name="lr-a", hours_ago=5, minutes=1, params={"lr": "1"}),
                  timed("s2", name="lr-b", hours_ago=4, minutes=4, params={"lr": "1"})]
    assert probe_runs(short_real) == set()                                # quick runs all day: tabular work
    assert names(probed(), "ls01-debug ran, loss moved") == ["ls01-debug@FINISHED"]   # its own name still names it
    assert "ls01-debug@FINISHED" in names(probed(), f"{probed()[0].run_id[:8]} was a smoke test")
