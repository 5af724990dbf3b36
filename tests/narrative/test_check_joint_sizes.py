"""Plans naming several settings' values at once, a value by its unit, a model size scoping a setting, and
notes that report nothing done ("haven't gotten around to", "not sure if", "Suggested by X: try", hearsay).

One run must hold every value a plan names ("lr 3e-4 with batch 32" is not the lr-3e-4 run at batch 64: that
run is the closest); a value is named by its setting's words before it or its unit after it ("on 4 gpus",
"12 epochs of warm up" and ``warm_epochs``); a bound, a move or a list is not one run's values; a setting
answered only by runs of the model at another size ("on the large model", "the large one") is not tried. The
sentences are written for these tests.
"""

from __future__ import annotations

import pytest

from narrative import synthesis
from narrative.check_sizes import sizes_in
from tests.narrative.test_check_values_sizes import _history, _run

RUNS = [
    _run(1, "vit-small-a", {"model": "vit_small", "lr": "3e-4", "batch_size": "64", "gpus": "2",
                            "warm_epochs": "3"}, {"val_acc": 0.71}),
    _run(2, "vit-small-b", {"model": "vit_small", "lr": "1e-3", "batch_size": "32", "gpus": "4",
                            "warm_epochs": "3"}, {"val_acc": 0.74}),
]
NOTES = ["Trained vit_small twice: lr 3e-4 at batch 64 on 2 gpus, then lr 1e-3 at batch 32 on 4 gpus.",
         "Both with 3 warm-up epochs."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("lr 3e-4 with batch 32", False),      # each value was run, never together
    ("lr 1e-3 with batch 32", True),
    ("lr 3e-4 on 4 gpus", False),
    ("lr 1e-3 on 4 gpus", True),
    ("batch 64 on 2 gpus", True),
    ("12 epochs of warm up", False),       # warm_epochs named by its words on both sides of the value
    ("a lower lr than 1e-3 at batch 64", True),  # a bound is not one run's value
    ("lr 1e-3 on the large model", False),  # only the small model was run
    ("lr 1e-3 for the large one", False),
    ("lr 1e-3 on the small model", True),
])
def test_one_run_holds_every_value_and_the_size(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(NOTES, RUNS))
    assert got.already_tried is tried, (plan, got.message)
    if not tried:
        assert got.matches or "closest" in got.message.lower() or got.message.startswith("Not tried")


def test_the_size_one_names_a_size() -> None:
    assert sizes_in("lr 1e-3 for the large one") == {"*": frozenset({"large"})}
    assert sizes_in("one large run") == {}


@pytest.mark.parametrize(("text", "modality"), [
    ("Haven't gotten around to focal loss yet.", "negated"),
    ("Not sure yet if dropout is worth it.", "question"),
    ("Not sure if dropout helped.", "done"),  # a result in it: it was done
    ("Suggested by Ana: try test-time augmentation.", "plan"),
    ("Note: try cutmix, +0.4%", "done"),
    ("# v1_9: Try a larger learning rate", ""),  # a numbered attempt's heading, not advice
    ("Other people report that AdamW works better here.", "quoted"),
    ("Others report 0.91 with it, we got 0.88.", "done"),  # the writer is in it
])
def test_not_yet_unsure_labelled_advice_and_hearsay(text: str, modality: str) -> None:
    from narrative.statements import statement_modality

    assert statement_modality(text) == modality
