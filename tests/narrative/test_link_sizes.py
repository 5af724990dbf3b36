"""Runs named by a model size in words (narrative/link_sizes.py), and numbered experiments placed in a
publication (narrative/run_numbers.ELSEWHERE). Lines verbatim from antonyscerri's comment on
ThilinaRajapakse/simpletransformers#199 (tests/narrative/data/real_links/xlmr-base-large-sst2-comment.json).
"""

from __future__ import annotations

from narrative.link_sizes import size_references
from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run


def links(runs: list[RunSnapshot], text: str) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs)).runs}  # type: ignore[arg-type]


def xlmr() -> list[RunSnapshot]:
    def run(key: str, model: str, lower: str, bs: str, hours: float) -> RunSnapshot:
        # the names say the dataset's size ("small"), never the model's: a size word is read from settings only
        return make_run(key, name=f"sst2-small-{key}", hours_ago=hours,
                        params={"model_name_or_path": model, "do_lower_case": lower, "batch_size": bs})
    return [run("b", "xlm-roberta-base", "false", "8", 9), run("bl", "xlm-roberta-base", "true", "8", 8),
            run("l", "xlm-roberta-large", "false", "8", 7), run("ll", "xlm-roberta-large", "true", "8", 6)]


LARGE_LINE = "With the large model without do_lower i get no progress f1 0.0."


def test_a_size_word_and_a_flag_turned_off_name_the_one_run() -> None:
    assert {r.run_name for _, r in size_references(LARGE_LINE.lower(), xlmr())} == {"sst2-small-l"}
    assert links(xlmr(), LARGE_LINE) == {"sst2-small-l"}


def test_a_size_word_that_fits_several_runs_names_one_only_with_a_plural_noun() -> None:
    assert links(xlmr(), "With the base model it worked with all the defaults.") == set()
    assert links(xlmr(), "the base models both worked") == {"sst2-small-b", "sst2-small-bl"}


def test_comparatives_and_superlatives_take_the_side_of_two_sizes() -> None:
    runs = [r for r in xlmr() if r.run_name in {"sst2-small-b", "sst2-small-l"}]
    assert links(runs, "the bigger model got nowhere") == {"sst2-small-l"}
    assert links(runs, "the smallest model is fine") == {"sst2-small-b"}


def test_sizes_link_nothing_when_ambiguous_planned_negated_or_from_names_only() -> None:
    runs = xlmr()
    assert links(runs, "using a small dataset with run_glue") == set()        # the names' "small" is no model size
    assert links(runs, "we should try the large model without do_lower") == set()   # a plan
    assert links(runs, "not the large model without do_lower") == set()
    widths = [make_run(f"w{i}", name=f"w{i}", hours_ago=9 - i,
                       params={"encoder": size, "hidden_size": width})
              for i, (size, width) in enumerate([("vit-small", "256"), ("vit-large", "1024")])]
    assert links(widths, "the bigger model won") == set()    # bigger in size word or in width: says not which
    two_keys = [make_run(f"k{i}", name=f"k{i}", hours_ago=9 - i, params={"encoder": e, "decoder": d})
                for i, (e, d) in enumerate([("t5-small", "gpt-large"), ("t5-large", "gpt-small")])]
    assert links(two_keys, "the large model won") == set()   # two settings carry sizes


def test_a_numbered_experiment_placed_in_a_publication_names_no_run() -> None:
    runs = [make_run("a", name="exp3", hours_ago=9), make_run("b", name="exp4", hours_ago=8)]
    assert links(runs, "experiment 3 in the paper got 91%") == set()
    assert links(runs, "Exp 3 of Smith et al. is what we replicate") == set()
    assert links(runs, "exp 3 (in the paper) used adam") == set()
    assert links(runs, "exp3 beat exp4") == {"exp3", "exp4"}


def test_the_new_patterns_are_linear_by_construction() -> None:
    from narrative import link_sizes, run_numbers
    from tests.narrative.test_regex_linear import _patterns, lint

    patterns = [p for _, p in _patterns(link_sizes)] + [run_numbers.ELSEWHERE]
    assert not [p.pattern for p in patterns if lint(p)]


# badisa/optpresso work log, day 34 (tests/scenarios/real/q-optpresso-worklog.json), verbatim
BATCH_LINE = ("I first played around with batch sizes, despite that being something [I should do later]"
              "(https://machinelearningmastery.com/gentle-introduction-mini-batch-gradient-descent-configure-batch-size/).")


def batch_sweep() -> list[RunSnapshot]:
    base = {"model": "base_cnn", "loss": "mse", "epochs": "1000"}
    return [make_run("a", name="batch-64", hours_ago=9, params={**base, "batch_size": "64"}),
            make_run("b", name="batch-256", hours_ago=8, params={**base, "batch_size": "256"}),
            make_run("c", name="logcosh", hours_ago=7, params={**base, "batch_size": "32", "loss": "log_cosh"})]


def test_a_setting_tried_in_the_plural_names_its_one_sweep() -> None:
    assert links(batch_sweep(), BATCH_LINE) == {"batch-64", "batch-256"}
    assert links(batch_sweep(), "experimented with different batch sizes today") == {"batch-64", "batch-256"}


def test_a_setting_tried_links_nothing_when_planned_singular_or_ambiguous() -> None:
    assert links(batch_sweep(), "I should play around with batch sizes, tried batch sizes before") == set()
    assert links(batch_sweep(), "tried the batch size from the paper") == set()
    other = {"model": "base_cnn", "loss": "log_cosh", "epochs": "1000", "batch_size": "64"}
    two = [*batch_sweep(), make_run("d", name="lc-64", hours_ago=6, params=other)]
    assert links(two, "played around with batch sizes") == set()   # two sweeps: which is not said
