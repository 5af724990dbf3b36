"""Linking classes of the links3 round, each shown on lines from real notes (tests/narrative/data/real_links,
README round 3) and with the cases it must leave alone: a result written as ``metric=value``, runs named in
prose by a comparative of a setting, ``key = value`` headings and blocks, runs started before the note's
window that the note names, and pasted tables whose values match one run of the author.
"""

from __future__ import annotations

from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run


def links(runs: list[RunSnapshot], text: str, **kwargs: object) -> set[str]:
    return {r.run_name for r in link_runs(make_request(text, runs, **kwargs)).runs}  # type: ignore[arg-type]


MLP = {"hidden_layers": "[8, 4]", "num_layers": "2", "activation": "relu", "dropout": "0.2", "lr": "0.001",
       "batch_size": "16", "epochs": "100"}


# -- a result written as metric=value ---------------------------------------------------------------------------
# mahmedken/model_colab evaluation/summary.md, verbatim.
KENNY = ("### kenny - baseline\n- **config**: 2 layers [8,4], relu, dropout=0.2, lr=0.001, batch size=16, epochs=100\n"
         "- **results**: accuracy=0.8667, f1=0.8611\n")


def test_a_result_written_as_metric_equals_value_links_its_run() -> None:
    runs = [make_run("a", name="baseline", params=MLP, metrics={"accuracy": 0.8667, "f1": 0.8611}),
            make_run("b", name="smoke-test", hours_ago=6, params={**MLP, "epochs": "5"},
                     metrics={"accuracy": 0.3, "f1": 0.21})]
    assert links(runs, KENNY) == {"baseline"}


def test_a_setting_written_as_key_equals_value_is_not_a_result() -> None:
    # "dropout=0.2" is a setting: a run whose metric happens to be 0.2 is not named by it
    runs = [make_run("a", name="tidy-elk-1", params={"dropout": "0.5"}, metrics={"accuracy": 0.2}),
            make_run("b", name="wise-yak-2", params={"dropout": "0.5"}, metrics={"accuracy": 0.9})]
    assert links(runs, "tried dropout=0.20 today") == set()


def test_another_authors_run_with_the_same_result_is_not_linked() -> None:
    theirs = make_run("c", name="group5cbtest1", user="bob", params=MLP, metrics={"accuracy": 0.9667, "f1": 0.9666})
    mine = make_run("d", name="sharp-lynx-8", params={**MLP, "lr": "0.05"}, metrics={"accuracy": 0.9667, "f1": 0.9666})
    text = "- **config**: decreased learning rate to .05\n- **results**: accuracy=0.9667, f1=0.9666\n"
    assert links([theirs, mine], text) == {"sharp-lynx-8"}
    assert links([theirs], text) == set()
