"""Pasted command lines name their runs by their flags, and a numbered metric variant ("bleu2 0.260") is only
that variant's value (issue 8, links round 4). Lines are taken from real notes (tests/narrative/data/real_links:
sef-nickname-run-table, refer-mmi-numbered-commands); each rule is shown with the cases it must leave alone.
"""

from __future__ import annotations

from narrative.link_commands import command_references
from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run
from tests.narrative.test_regex_linear import lint


def sweep() -> list[RunSnapshot]:
    """One run name for every model of a sweep (the -nn flag), the -mn flag tells them apart."""
    def run(key: str, nn: str, mn: str, hours: float, status: str = "FINISHED", user: str = "ada") -> RunSnapshot:
        return make_run(key, name=nn, hours_ago=hours, status=status, user=user,
                        params={"nn": nn, "mn": mn, "d": f"/data/sef/{mn}-110k-p.embd", "f": "1"},
                        metrics={"val_loss": 4.5 + hours / 100})
    return [run("a", "vastness", "count", 9, "KILLED"), run("b", "vastness", "tfidf", 8),
            run("c", "surety", "count", 7), run("d", "vastness", "sbert_cls", 6, "FAILED"),
            run("e", "vastness", "bert_avg", 5, user="bob")]


ROW = ('7 jun|110k|vastness_count|spec artefact|`./src/run_model_basic.py -d "/data/sef/count-110k-p.embd" -f 1 '
       '-nn vastness -mn count > runs/vastness_count.log`|11|ok (stopped)')


def names(runs: list[RunSnapshot], text: str) -> set[str]:
    by_id = {r.run_id: f"{r.run_name}/{r.params.get('mn')}" for r in runs}
    return {by_id[r.run_id] for r in link_runs(make_request(text, runs)).runs}


def test_a_pasted_command_names_the_one_run_with_its_flags_among_runs_of_one_name() -> None:
    # the killed 'vastness' with -mn count; not the other 'vastness' runs, not 'surety' with the same data
    assert names(sweep(), ROW) == {"vastness/count"}


def test_a_command_whose_flags_fit_no_run_of_the_author_names_none_and_is_no_description() -> None:
    row = ROW.replace("count", "bert_avg")  # only bob's run has -mn bert_avg
    assert names(sweep(), row) == set()


def test_one_logged_flag_or_a_planned_command_names_nothing() -> None:
    assert command_references("python train.py -mn tfidf", sweep()) == []
    assert command_references("next: ./src/run_model_basic.py -nn vastness -mn tfidf -f 1", sweep()) == []


def test_flags_after_a_dash_inside_a_word_are_not_flags() -> None:
    runs = [make_run("a", name="res_2-8-64", params={"num_scales": "2", "f": "8"})]
    assert command_references("3-5 jun|res_2-8-64|python x.py", runs) == []


def test_a_numbered_metric_variant_matches_only_that_variant() -> None:
    runs = [make_run("a", name="model_id0", params={"id": "0"}, metrics={"testA_bleu1": 0.415, "testB_bleu1": 0.480}),
            make_run("b", name="model_id3", params={"id": "3"}, metrics={"testA_bleu1": 0.21, "testB_bleu1": 0.260})]
    # 0.260 is a BLEU-2 here; model_id3's BLEU-1 of 0.260 is another measure (refer-mmi-numbered-commands)
    assert names(runs, "testA: bleu1 0.422, bleu2 0.260, bleu3 0.161") == set()
    assert names(runs, "testB: bleu1 0.480, bleu2 0.286") == {"model_id0/None"}
    # the variant's own key, however it is spelled, is the one compared ("ndcg@10" is ndcg_at_10)
    ranked = [make_run("a", name="lambdamart-base", metrics={"ndcg_at_10": 0.274, "mrr": 0.231}),
              make_run("b", name="lambdamart-userhist", metrics={"ndcg_at_10": 0.286, "mrr": 0.241})]
    assert names(ranked, "Plain LambdaMART lands at ndcg@10 0.274.") == {"lambdamart-base/None"}


def test_the_new_patterns_are_linear_by_construction() -> None:
    from narrative import link_commands, link_evidence

    patterns = [link_commands._FLAG, link_commands._PROGRAM, link_evidence._VARIANT_BEFORE]
    assert not [p.pattern for p in patterns if lint(p)]


# -- generated names retyped (gc-lstm-wandb-name-variants) ----------------------------------------------------
def wandb_runs() -> list[RunSnapshot]:
    return [make_run("a", name="feasible-leaf-53", hours_ago=30), make_run("b", name="royal-sound-4", hours_ago=8),
            make_run("c", name="royal-dust-96", hours_ago=6), make_run("d", name="generous-aardvark-50", hours_ago=5),
            make_run("e", name="generous-aardvark-7", hours_ago=4, user="bob")]


def run_names(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs)).runs}


def test_a_generated_name_retyped_with_a_space_names_its_run() -> None:
    assert run_names(wandb_runs(), "| Metric | Feasible leaf-53 | other |") == {"feasible-leaf-53"}


def test_a_generated_name_without_its_counter_names_the_authors_one_run_with_those_words() -> None:
    assert run_names(wandb_runs(), ">\troyal-sound: was good at 120 epochs") == {"royal-sound-4"}
    # two runs of those words (one a teammate's): the words name neither
    assert run_names(wandb_runs(), "It is the same as generous-aardvark, (clipgrad = 3)") == set()
    # words in prose, or another counter, are no name
    assert run_names(wandb_runs(), "a royal sound; royal-sound-5 and feasible leaf 54") == set()


# -- approximate values (class-mlp-experiment-summary) --------------------------------------------------------
def test_an_approximate_value_may_be_cut_not_rounded() -> None:
    runs = [make_run("a", name="gentle-fawn-7", hours_ago=3, metrics={"accuracy": 0.9667}),
            make_run("b", name="brisk-crow-12", hours_ago=2, metrics={"accuracy": 0.9333})]
    # "I recieved a baseline accuracy and f1 of about .96." — 0.9667 cut to two digits
    assert run_names(runs, "I recieved a baseline accuracy and f1 of about .96.") == {"gentle-fawn-7"}
    # without the hedge a written value is rounded: .96 is not 0.9667
    assert run_names(runs, "I received an accuracy of .96.") == set()


# -- run names retyped (links round 4) ------------------------------------------------------------------------
def test_a_noun_prefixed_name_written_spaced_names_its_run_wherever_the_number_stands() -> None:
    runs = [make_run(f"e{i}", name=f"exp{i}", hours_ago=10 - i / 2) for i in range(14, 19)]
    assert run_names(runs, "exp 17 beat exp 16") == {"exp16", "exp17"}
    assert run_names(runs, "experiment 17 is the best") == {"exp17"}
    # a prefix that is also a verb keeps its guard: "try 3 seeds" counts seeds
    tries = [make_run("t3", name="try3", hours_ago=3)]
    assert run_names(tries, "try 3 seeds of the baseline") == set()


def test_a_name_with_its_separators_retyped_names_its_run_but_not_with_spaces() -> None:
    runs = [make_run("a", name="unet-v3", hours_ago=3), make_run("b", name="run-12", hours_ago=2),
            make_run("c", name="lr-1e-3", hours_ago=1)]
    assert run_names(runs, "unet_v3 is the best") == {"unet-v3"}
    assert run_names(runs, "run12 diverged") == {"run-12"}
    assert run_names(runs, "kept lr 1e-3 for the next one") == set()


def test_a_command_whose_first_start_failed_names_the_relaunch() -> None:
    runs = [*sweep(), make_run("z", name="vastness", hours_ago=9.5, status="FAILED",
                               params={"nn": "vastness", "mn": "count", "d": "/data/sef/count-110k-p.embd", "f": "1"})]
    linked = link_runs(make_request(ROW, runs)).runs
    assert [r.run_id for r in linked] == [runs[0].run_id]


def test_a_command_under_a_next_steps_heading_is_a_plan() -> None:
    text = "## Next steps\n- `./src/run_model_basic.py -d \"/data/sef/count-110k-p.embd\" -f 1 -nn vastness -mn count`"
    assert names(sweep(), text) == set()
