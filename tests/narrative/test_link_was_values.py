"""A value after "was" is the subject's own result when the subject is a thing and the value the first of its
clause ("the 5e-5 run was .861"); it is an older value after another value, a pronoun, a metric's name or a word
of earlier time ("now .912 (was .884)", "it was .884 before"). Own sentences on a fine-tuning sweep."""

from __future__ import annotations

import datetime as dt

from narrative.linking import link_runs
from tests.narrative.conftest import AT, make_request, make_run

BASE = {"learning_rate": "2e-05", "num_train_epochs": "3", "per_device_train_batch_size": "16"}
RUNS = [
    make_run("a", name="run-1", hours_ago=9, user="li", params={**BASE, "model_name_or_path": "bert-base-uncased"},
             metrics={"eval_accuracy": 0.884}),
    make_run("b", name="run-2", hours_ago=8, user="li",
             params={**BASE, "model_name_or_path": "bert-base-uncased", "learning_rate": "5e-05"},
             metrics={"eval_accuracy": 0.861}),
    make_run("c", name="run-3", hours_ago=7, user="li", params={**BASE, "model_name_or_path": "roberta-base"},
             metrics={"eval_accuracy": 0.912}),
    make_run("d", name="run-4", hours_ago=6, user="li",
             params={**BASE, "model_name_or_path": "roberta-base", "freeze_embeddings": "True"},
             metrics={"eval_accuracy": 0.911}),
]


def links(text: str) -> set[str]:
    request = make_request(text, RUNS, author="li", metric="eval_accuracy", window_start=AT - dt.timedelta(hours=10))
    return {r.run_name for r in link_runs(request).runs}


def test_a_thing_and_its_result_after_was_link_its_run() -> None:
    assert links("the 5e-5 run was .861") == {"run-2"}
    assert links("baseline was .884") == {"run-1"}
    assert links("roberta + frozen embeddings was .911") == {"run-4"}
    assert links("lr 5e-5 was .861 but lr 2e-5 was .884") == {"run-1", "run-2"}


def test_an_older_value_after_was_links_nothing_of_its_own() -> None:
    assert links("roberta now .912 (was .884)") == {"run-3"}
    assert links("now .912, was .884") == {"run-3"}
    assert links("accuracy was .884 and then .912") == {"run-3"}
    for text in ("it was .884 before", "bert was .884 before the fix", "bert was .884 yesterday",
                 "the old bert model was .884", "Roberta beats the bert that was .884"):
        assert links(text) == set(), text
