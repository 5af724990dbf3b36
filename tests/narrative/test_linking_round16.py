"""Links round 16: runs whose tracker name is a run word and a one-digit counter (``run_3``), written as a list item's
head ("- Run 3" over its settings' sub-bullets); a value list closed by another setting's unit word ("a batch size of
4 and 5 epochs" is one value of each setting, no series). Each class: probes failing on the old rules, must-not-link
probes, and a long input. The real text of the round: tests/narrative/data/real_links/{char-recognition-numbered-runs,
colab-batch-epoch-writeup, rfi-lstm-settings-blocks}.json (tune), gpt2-karpathy-experiment-table.json (held).
"""

from __future__ import annotations

import datetime as dt
import time

from narrative.link_evidence import _quoted_metric_values
from narrative.link_groups import _unit_of_another
from narrative.link_name_heads import head_references
from narrative.link_sweep_points import short_probes, sweep_points
from narrative.link_value_counts import counted_value_runs
from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import AT, make_request, make_run


def names(runs: list[RunSnapshot], text: str, *, author: str = "ada") -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs, author=author)).runs}


def warnings(runs: list[RunSnapshot], text: str) -> list[str]:
    return link_runs(make_request(text, runs)).warnings


# -- a run word and a one-digit counter as the whole name, heading a list item ----------------------------------------

def numbered(count: int = 4, *, user: str = "ada") -> list[RunSnapshot]:
    sets = ["ab", "ab", "sampledab", "all", "all", "sampledall"]
    return [make_run(f"{user}{i}", name=f"run_{i}", user=user, hours_ago=20 - i,
                     params={"data_set": sets[i % len(sets)], "seed": str(3 + i % 3), "epochs": "150"},
                     metrics={"final_accuracy": 0.9 + i / 100})
            for i in range(count)]


ITEMS = "- Run 0\n\t+ data set: ab\n\t+ final accuracy: 90\n- Run 3\n\t+ data set: all\n\t+ random seed: 3\n"


def test_a_list_item_headed_by_a_one_digit_run_names_it() -> None:
    assert names(numbered(), ITEMS) == {"run_0", "run_3"}
    assert names(numbered(), "### Run 2\nthe loss went down slowly\n") == {"run_2"}
    assert names(numbered(), "* Run 1 (bad)\n  + seed: 4\n") == {"run_1"}
    assert names(numbered(), "Run 2\n\t+ data set: sampledab") == {"run_2"}


def test_the_window_run_wins_over_an_older_run_of_the_same_name() -> None:
    # An older run_1 of the author's (another model, forty days back) bears the same head as the window's run_1.
    older = make_run("old1", name="run_1", hours_ago=24 * 40, params={"data_set": "ab", "seed": "9"})
    linked = link_runs(make_request("- Run 1\n\t+ data set: ab\n", [*numbered(), older],
                                    window_start=AT - dt.timedelta(days=2))).runs
    assert {r.run_id for r in linked} == {numbered()[1].run_id}


def test_a_failed_start_under_the_name_gives_way_to_the_finished_run() -> None:
    failed = make_run("f2", name="run_2", status="FAILED", hours_ago=18.5, params={"data_set": "sampledab"})
    linked = link_runs(make_request("- Run 2\n\t+ data set: sampledab\n", [*numbered(), failed])).runs
    assert {r.run_id for r in linked} == {numbered()[2].run_id}


def test_must_not_link_a_counter_that_is_no_run_head() -> None:
    runs = numbered()
    # 1. a count after the verb, in prose
    assert names(runs, "I will run 3 more seeds tonight") == set()
    # 2. a list item that goes on after the number: a count
    assert names(runs, "- run 3 more seeds\n- run 2 configs\n") == set()
    # 3. a teammate's run_3 only (the author's series stops at 2)
    bob = [*numbered(3), make_run("b3", name="run_3", user="bob", hours_ago=2)]
    assert names(bob, "- Run 3\n\t+ data set: all\n") == set()
    # 4. one run of the author's so named: no series
    single = [make_run("s1", name="run_1", hours_ago=3), make_run("s2", name="baseline", hours_ago=2)]
    assert names(single, "- Run 1\n\t+ seed: 4\n") == set()
    # 5. a run in a paper
    assert names(runs, "- Run 3 in the paper\n") == set()
    # 6. someone else's run by possessive
    assert names(runs, "- bob's Run 2\n") == set()
    # 7. a number no run of the author's carries
    assert names(runs, "- Run 9\n\t+ seed: 3\n") == set()
    # 8. counts of runs as a list item
    assert names(runs, "- 3 runs\n- runs: 2\n") == set()
    # 9. the number in prose wrapped at the line's end ("to\nrun 3" is no line of its own)
    assert names(runs, "we decided to run 3\nseeds of each") == set()
    # 10. a run word with a tail-less number inside a sentence's clause followed by a noun
    assert names(runs, "Run 2 GPUs in parallel next time") == set()


def test_head_reader_on_long_input_is_fast() -> None:
    text = ("- Run 1\n" + "#" * 3000 + " run " + "- " * 3000 + "\n\t+ x\n") * 40 + "run 1" * 5000
    started = time.perf_counter()
    head_references(text, numbered())
    assert time.perf_counter() - started < 1.0


# -- a value list closed by another setting's unit word ----------------------------------------------------------------

def grid() -> list[RunSnapshot]:
    cells = [("4", "5", 0.915), ("4", "20", 0.918), ("8", "5", 0.917), ("8", "20", 0.921)]
    return [make_run(f"g{i}", name=f"grid-{i}", hours_ago=10 - i, params={"batch_size": b, "epochs": e},
                     metrics={"test_accuracy": a}) for i, (b, e, a) in enumerate(cells)]


def seeded_grid() -> list[RunSnapshot]:
    cells = [(b, e, s) for b in ("4", "32") for e in ("5", "20") for s in ("1", "2")]
    return [make_run(f"s{i}", name=f"grid-{b}-{e}-{s}", hours_ago=20 - i,
                     params={"batch_size": b, "epochs": e, "seed": s}, metrics={"test_accuracy": 0.91 + i / 1000})
            for i, (b, e, s) in enumerate(cells)]


def test_one_value_of_each_setting_is_no_series() -> None:
    # The old rules read "4 and 5" as a batch-size series 4/5 and as an epochs series 4/5, and told the user so.
    text = "a batch size of 4 and 5 epochs was the weakest"
    said = warnings(seeded_grid(), text)
    assert not [w for w in said if "states batch_size 4/5" in w or "states epochs 4/5" in w]
    assert [w for w in said if "fits 2 runs (grid-4-5-1, grid-4-5-2)" in w]   # the true reading: two seeds
    assert names(grid(), "The weakest run was the one with a batch size of 4 and 5 epochs.") == {"grid-0"}


def test_must_not_split_a_series_of_one_setting() -> None:
    # 1. both values the batch size's, the unit after is the same setting's words: still a series
    assert names(grid(), "batch sizes of 4 and 8 both finished") != {"grid-0"}
    # 2. a list of epochs closed by the epochs' own unit stays a series of epochs
    assert not names(grid(), "5 and 20 epochs at batch size 4") - {"grid-0", "grid-1"}
    # 3. no run has the stated epochs: nothing linked
    assert names(grid(), "the run with a batch size of 4 and 7 epochs") == set()
    # 4. a plan
    assert names(grid(), "next: a batch size of 4 and 5 epochs") == set()
    # 5. a teammate's run
    bob = [make_run("b0", name="bob-0", user="bob", hours_ago=1, params={"batch_size": "4", "epochs": "5"})]
    assert names([*grid()[1:], *bob], "a batch size of 4 and 5 epochs") == set()
    # 6. a count of runs after the list, not a setting's unit
    assert names(grid(), "batch size of 4 and 8 runs") != {"grid-0"}
    # 7. a negation
    assert names(grid(), "I did not try a batch size of 4 and 5 epochs") == set()
    # 8. a question
    assert names(grid(), "should I try a batch size of 4 and 5 epochs?") == set()


def test_unit_reading_on_long_input_is_fast() -> None:
    # The unit word is matched at one place after each list: linear in the text (issue 11). The whole linking pass on
    # a list of thousands of values is slow before this round too (about 3 ms per value), so it is bounded on 300.
    text = "a batch size of " + " and ".join(["4"] * 20000) + " " + "\t " * 20000 + "epochsx"
    started = time.perf_counter()
    for end in range(0, len(text), 997):
        _unit_of_another(text, end, "batch size")
    assert time.perf_counter() - started < 1.0
    started = time.perf_counter()
    link_runs(make_request("a batch size of " + " and ".join(["4"] * 300) + " epochs " + "1 and " * 300, grid()))
    assert time.perf_counter() - started < 5.0


def test_the_round_patterns_are_linear_by_construction() -> None:
    from narrative import link_groups, link_name_heads, link_value_counts
    from tests.narrative.test_regex_linear import lint

    patterns = [link_groups._UNIT_AFTER, link_name_heads._HEAD, link_name_heads._LINE_LEAD, link_name_heads._LINE_END,
                link_value_counts._COUNTED, link_value_counts._NEGATED, link_value_counts._SENTENCE_END]
    assert not [p.pattern for p in patterns if lint(p)]


# -- points of a sweep over the budget are no probes ------------------------------------------------------------------

def timed(key: str, *, b: str, e: str, start_h: float, minutes: float, acc: float | None, user: str = "ada",
          status: str = "FINISHED", extra: dict[str, str] | None = None) -> RunSnapshot:
    run = make_run(key, name=f"{key}-{user}", user=user, status=status, hours_ago=start_h,
                   params={"batch_size": b, "epochs": e, **(extra or {})},
                   metrics={"test_accuracy": acc} if acc is not None else {})
    return run.model_copy(update={"end": run.start + dt.timedelta(minutes=minutes)})


def epoch_grid(user: str = "ada") -> list[RunSnapshot]:
    """Batch 4 and 32 by 5, 20 and 50 epochs, run in that order; a 5-epoch run is a tenth of the 50-epoch one."""
    cells = [("4", "5", 6, 0.9152), ("4", "20", 24, 0.9184), ("4", "50", 60, 0.9201),
             ("32", "5", 2, 0.9173), ("32", "20", 6, 0.9219), ("32", "50", 15, 0.9261)]
    return [timed(f"{user}{i}", b=b, e=e, start_h=8 - i, minutes=m, acc=a, user=user)
            for i, (b, e, m, a) in enumerate(cells)]


def test_a_grid_point_of_the_budget_is_linked_as_a_run() -> None:
    text = "The lowest accuracy run I had was 91.5% with a batch size of 4 and 5 epochs."
    assert names(epoch_grid(), text) == {"ada0-ada"}
    assert sweep_points(epoch_grid()) == {r.run_id for r in epoch_grid()}


def test_must_not_take_probes_for_sweep_points() -> None:
    grid = epoch_grid()
    # 1. a one-epoch check beside the grid: its budget no other configuration runs
    check = timed("chk", b="32", e="1", start_h=3.2, minutes=1, acc=0.893)
    assert check.run_id in short_probes([*grid, check])
    assert names([*grid, check], "the quick one got 89.3%") == set()
    # 2. a habit of probing every configuration once: two budgets per configuration
    habit = [timed("p1", b="4", e="1", start_h=9, minutes=1, acc=0.80), timed("r1", b="4", e="50", start_h=8.9,
                                                                               minutes=60, acc=0.92),
             timed("p2", b="8", e="1", start_h=7, minutes=1, acc=0.81), timed("r2", b="8", e="50", start_h=6.9,
                                                                               minutes=60, acc=0.93)]
    assert sweep_points(habit) == set() and short_probes(habit) == {habit[0].run_id, habit[2].run_id}
    # 3. probes that add a budget key the runs do not log (max_steps), at every configuration of the grid
    twins = [timed(f"t{r.run_id[:4]}", b=r.params["batch_size"], e=r.params["epochs"], start_h=9.5, minutes=2,
                   acc=0.5, extra={"max_steps": "100"}) for r in grid]
    assert not sweep_points([*grid, *twins]) & {t.run_id for t in twins}
    # 4. one configuration alone runs three budgets
    alone = [r for r in grid if r.params["batch_size"] == "4"] + [grid[4]]
    assert sweep_points(alone) == set()
    # 5. failed starts make no sweep
    failed = [r.model_copy(update={"status": "FAILED"}) for r in grid]
    assert sweep_points(failed) == set()
    # 6. a teammate's grid makes no sweep of the author's probe
    mine = [timed("m5", b="4", e="5", start_h=3, minutes=6, acc=0.9),
            timed("m50", b="4", e="50", start_h=2.9, minutes=60, acc=0.92)]
    assert not sweep_points([*epoch_grid("bob"), *mine]) & {mine[0].run_id}
    # 7. a budget value only one swept configuration runs
    other = [timed("o1", b="4", e="7", start_h=1, minutes=8, acc=0.91)]
    assert other[0].run_id not in sweep_points([*grid, *other])
    # 8. nothing to read
    assert sweep_points([]) == set() and short_probes([]) == set()


def test_sweep_reading_on_many_runs_is_fast() -> None:
    runs = [timed(f"r{i}", b=str(i % 50), e=str(i % 7), start_h=i / 100, minutes=1 + i % 9, acc=0.5)
            for i in range(5000)]
    started = time.perf_counter()
    short_probes(runs)
    assert time.perf_counter() - started < 2.0


# -- a value the sentence says several runs reached, counted ----------------------------------------------------------

def tied() -> list[RunSnapshot]:
    accs = [0.9261, 0.9258, 0.9262, 0.9219, 0.9241]
    return [make_run(f"c{i}", name=f"combo-{i}", hours_ago=9 - i, params={"batch_size": str(2 ** (i + 2))},
                     metrics={"test_accuracy": a}) for i, a in enumerate(accs)]


def test_a_counted_value_names_every_run_that_has_it() -> None:
    text = "92.6% was achieved with three batch/epoch combinations: 32/50, 65/20, and 128/20."
    assert names(tied(), text) == {"combo-0", "combo-1", "combo-2"}
    assert names(tied(), "Three runs reached 92.6% accuracy.") == {"combo-0", "combo-1", "combo-2"}


def test_must_not_link_a_count_that_is_not_of_the_value() -> None:
    runs = tied()
    # 1. the count differs from the runs that carry the value
    assert names(runs, "92.6% was achieved with two combinations.") == set()
    # 2. another result in the sentence takes the count
    assert names(runs, "None of them reached 92.6% again, but one got 92.4% for all three runs.") <= {"combo-4"}
    # 3. a negation
    assert names(runs, "No three runs reached 92.6% here.") == set()
    # 4. a question
    assert names(runs, "Did three runs really reach 92.6%?") == set()
    # 5. a plan
    assert names(runs, "Next: three more runs to confirm 92.6%.") == set()
    # 6. a carrier still running
    running = [*runs[:2], runs[2].model_copy(update={"status": "RUNNING"}), *runs[3:]]
    assert names(running, "Three runs reached 92.6% accuracy.") == set()
    # 7. a count of something else than runs
    assert names(runs, "92.6% after three epochs of warmup.") == set()
    # 8. the count in another sentence
    assert names(runs, "Three runs finished overnight. 92.6% was the best.") == set()
    # 9. a teammate's run carries it too: the author's two are not three
    bob = [*runs[:2], runs[2].model_copy(update={"user": "bob"}), *runs[3:]]
    assert names(bob, "Three runs reached 92.6% accuracy.") == set()


def test_count_reading_on_long_input_is_fast() -> None:
    text = "92.6% " + "three big wide " * 20000 + "runs" + " two" * 20000
    quoted = _quoted_metric_values(text)
    started = time.perf_counter()
    counted_value_runs(text, quoted, quoted[0], tied()[:3], not_done=False)
    assert time.perf_counter() - started < 1.0
