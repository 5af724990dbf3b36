"""Recall classes of links round 7: runs named together by a setting's value they share, by a short form of a part of
their name, and by their order in the author's day. Sentences written for the class unless a source is given."""

from __future__ import annotations

from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run


def links(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs)).runs}


def grid() -> list[RunSnapshot]:
    def run(key: str, hours: float, depth: str, width: str, seed: str = "0", user: str = "ada",
            status: str = "FINISHED") -> RunSnapshot:
        return make_run(key, name=f"exp_{key}", hours_ago=hours, user=user, status=status,
                        params={"depth": depth, "width": width, "lr": "0.001", "seed": seed},
                        metrics={"val_acc": 0.6 + hours / 100})
    return [run("21", 12, "2", "64"), run("22", 11, "4", "64"), run("23", 10, "8", "64"),
            run("24", 9, "8", "128", status="FAILED"), run("25", 8, "16", "128", user="bob"),
            run("26", 7, "8", "128", seed="1"), run("27", 6, "8", "128", seed="2")]


def test_a_plural_noun_after_a_settings_value_names_the_runs_that_share_it() -> None:
    runs = grid()
    assert links(runs, "the width 128 runs were better") == {"exp_26", "exp_27"}   # not the failed exp_24
    assert links(runs, "both width 128 runs were better") == {"exp_26", "exp_27"}
    assert links(runs, "all the width=128 ones overfit") == {"exp_26", "exp_27"}
    assert links(runs, "the depth 8 runs were better") == {"exp_23", "exp_26", "exp_27"}
    assert links(runs, "the width 128 runs crashed") == {"exp_24", "exp_26", "exp_27"}   # said to fail


def test_a_shared_value_names_nothing_with_a_wrong_count_a_plan_a_comparison_or_someone_elses() -> None:
    runs = grid()
    assert links(runs, "the three width 128 runs were better") == set()
    assert links(runs, "next: the width 128 runs again") == set()
    assert links(runs, "worse than the width 128 runs") == set()
    assert links(runs, "bob's width 128 runs were better") == set()
    assert links(runs, "the lr 1e-3 runs were fine") == set()   # every run has it: it tells nothing apart
    assert links(runs, "the width 256 runs were fine") == set()


def day(failed: str = "") -> list[RunSnapshot]:
    runs = [make_run(k, name=n, hours_ago=h, status="FAILED" if k == failed else "FINISHED",
                     params={"lr": lr, "model": m}, metrics={"acc": 0.5 + h / 100})
            for k, n, h, lr, m in (("a", "baseline-resnet18", 9, "0.1", "resnet18"),
                                   ("b", "resnet18-mixup", 7, "0.1", "resnet18"),
                                   ("c", "resnet50-mixup", 5, "0.05", "resnet50"),
                                   ("d", "vit-small-mixup", 3, "0.001", "vit"))]
    return [*runs, make_run("e", name="bob-run", hours_ago=4, user="bob", params={"lr": "0.1"})]


def test_a_runs_place_in_the_authors_day_names_it() -> None:
    runs = day()
    assert links(runs, "the second run was better") == {"resnet18-mixup"}
    assert links(runs, "the last run diverged") == {"vit-small-mixup"}        # bob's later run is not hers
    assert links(runs, "the first two runs were warm-ups") == {"baseline-resnet18", "resnet18-mixup"}
    assert links(runs, "the last two runs were good") == {"resnet50-mixup", "vit-small-mixup"}
    assert links(runs, "I launched four runs today, the last one was best") == {"vit-small-mixup"}


def test_a_place_names_nothing_when_qualified_planned_negated_or_not_of_runs() -> None:
    runs = day()
    for text in ("I had four ideas, the last one was best", "the second run of resnet was better",
                 "next the last run again", "not the last run", "the last run will finish tonight",
                 "a second run confirmed it", "the third epoch was the best", "bob's last run was better",
                 "is the last run better?"):
        assert links(runs, text) == set(), text


def test_a_failed_start_among_the_counted_runs_leaves_the_place_open() -> None:
    runs = day(failed="b")
    assert links(runs, "the second run was better") == set()    # counting the failed start or not?
    assert links(runs, "the third run was better") == set()
    assert links(runs, "the last run was better") == {"vit-small-mixup"}
    assert links(runs, "the second run crashed") == {"resnet18-mixup"}
    spread = [make_run(k, name=f"{k}-run", hours_ago=h) for k, h in (("p", 60), ("q", 9), ("r", 3))]
    assert links(spread, "the second run was better") == set()    # runs of three days: which day's second?


def named() -> list[RunSnapshot]:
    return [make_run(k, name=n, hours_ago=h, user=u, status=st, params={"lr": "0.1"}, metrics={"acc": 0.5 + h / 100})
            for k, n, h, u, st in (("a", "baseline-v2", 9, "ada", "FINISHED"),
                                   ("b", "resnet18-mixup", 7, "ada", "FINISHED"),
                                   ("c", "resnet50-mixup", 5, "ada", "FINISHED"),
                                   ("d", "resnet50-cutmix", 4, "ada", "FINISHED"),
                                   ("e", "vit-small", 2, "bob", "FINISHED"), ("g", "rn101-test", 1, "ada", "FAILED"))]


def test_a_short_form_of_a_name_part_names_its_run() -> None:
    runs = named()
    assert links(runs, "the BL run was good") == {"baseline-v2"}
    assert links(runs, "the r18 run was better") == {"resnet18-mixup"}
    assert links(runs, "the RN18 model was the best") == {"resnet18-mixup"}
    assert links(runs, "the R50 runs were close") == {"resnet50-mixup", "resnet50-cutmix"}


def test_a_short_form_names_nothing_when_it_fits_several_or_is_a_plain_token() -> None:
    runs = named()
    assert links(runs, "the r50 run was close") == set()           # two resnet50 runs: which?
    for text in ("the f1 run", "the V2 run", "the GPU run", "the LR run", "the BL run will be rerun",
                 "not the r18 run", "bob's r18 run was better", "the VS run", "the rm18 run", "is the BL run better?"):
        assert links(runs, text) == set(), text
    earlier = make_run("old", name="resnet18-baseline", hours_ago=400, params={"lr": "0.1"})
    request = make_request("the r18 run was better", [*named(), earlier])
    request.window_runs = named()     # the author's earlier resnet18 run may be the one meant
    assert {r.run_name for r in link_runs(request).runs} == set()


def test_the_last_run_in_a_comparison_is_not_read_as_the_latest() -> None:
    runs = day()
    assert links(runs, "vit-small-mixup: loss is lower compared to the last run") == {"vit-small-mixup"}
    assert links(runs, "the new one did better than the last run") == set()


# The tinystories tune fixture's section 5 (xiamishaonian111/cs336, experiments_note/note.md).
OWT = "5. Train on OpenWebText\n- Its converge is slower than TinyStories, and final val loss is larger."


def test_a_name_written_out_names_the_one_run_whose_name_uses_its_initials() -> None:
    def run(key: str, name: str, hours: float, user: str = "ada", dataset: str = "tinystories") -> RunSnapshot:
        return make_run(key, name=name, hours_ago=hours, user=user, params={"dataset": dataset, "lr": "3e-3"})
    runs = [run("a", "ts-lr-3e-3", 9), run("b", "ts-bs-2", 8), run("c", "owt-base", 5, dataset="owt"),
            run("d", "ana-owt-bigger", 4, user="ana", dataset="owt")]
    assert links(runs, OWT) == {"owt-base"}                 # ana's run is hers; TinyStories has two initials only
    assert links(runs[:2] + runs[3:], OWT) == set()         # only the teammate has an owt run
    assert links(runs, "Next: train on OpenWebText with a bigger model") == set()


def test_capitals_may_be_the_initials_of_consecutive_name_parts() -> None:
    runs = [make_run("a", name="cut-mix-0.5", hours_ago=5), make_run("b", name="baseline", hours_ago=4)]
    assert links(runs, "the CM run was the best") == {"cut-mix-0.5"}
