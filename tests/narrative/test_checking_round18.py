"""Round 18 of "already tried?" (h/checks18): classes found on the round's tune files, tested on sentences written
for the test (no fixture text).

Class 1, a negated bound: "lr no lower than 1e-3", "a batch not above 64", "grad_clip no higher than 0.5" ask for
values on the other side of the number from the comparative ("no lower than 1e-3" is 1e-3 and up). The comparative
alone was read ("lower": runs below 1e-3 answered "tried"). Now "no" / "not" / "never" right before the comparative
of "than" or before the bound word flips the asked direction, on the table's settings (``check_settings``) and on
any logged param (``check_bounds.bound_before``); a run exactly at the number still does not answer (bounds stay
strict, as "at least" is).
"""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import synthesis
from narrative.check_bounds import bound_before, negated_bound
from narrative.types import ProjectHistory
from storage.records import ProjectRecord
from tests.narrative.walkthrough_util import history, run

T0 = dt.datetime(2021, 5, 3, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="nmt", primary_metric="valid_loss", goal="min",
                        experiment_ids=["1"])


def _history() -> ProjectHistory:
    runs = [
        run("a", "base-lr3e-3", 1, {"lr": "0.003", "batch_size": "128", "grad_clip": "1.0", "label_eps": "0.1"},
            "valid_loss", 4.9, t0=T0),
        run("b", "base-lr2e-3", 5, {"lr": "0.002", "batch_size": "128", "grad_clip": "1.0", "label_eps": "0.1"},
            "valid_loss", 4.6, t0=T0),
        run("c", "base-lr5e-4-bs256", 9, {"lr": "0.0005", "batch_size": "256", "grad_clip": "0.5",
                                          "label_eps": "0.2"}, "valid_loss", 4.2, t0=T0),
    ]
    notes = [(2, "base at lr 3e-3 is unstable early, loss spikes"),
             (10, "lr 5e-4 with batch 256 is the best so far, 4.2")]
    return history(PROJECT, runs, notes, days=2, t0=T0)


@pytest.fixture(scope="module")
def hist() -> ProjectHistory:
    return _history()


# ---- the class: these read "tried" on the old code (a run on the comparative's side was cited) ----

@pytest.mark.parametrize("plan", [
    "lr no higher than 4e-4",           # runs at 3e-3, 2e-3, 5e-4: all above 4e-4
    "a learning rate not higher than 4e-4",
    "lr not above 4e-4",
    "lr no lower than 5e-3",            # nothing at 5e-3 or up
    "a batch size no smaller than 512",
    "label_eps not above 0.05",         # a param outside the concept table
    "grad_clip no lower than 2.0",
])
def test_a_negated_bound_asks_the_other_side(hist: ProjectHistory, plan: str) -> None:
    got = synthesis.check(plan, hist)
    assert not got.already_tried, got.message


@pytest.mark.parametrize(("plan", "cited"), [
    ("lr no lower than 1e-3", {"a", "b"}),       # 3e-3 and 2e-3 ran
    ("lr not below 1e-3", {"a", "b"}),
    ("lr no higher than 1e-3", {"c"}),           # 5e-4 ran
    ("grad_clip no higher than 0.8", {"c"}),
])
def test_a_negated_bound_met_by_a_run_is_tried(hist: ProjectHistory, plan: str, cited: set[str]) -> None:
    got = synthesis.check(plan, hist)
    assert got.already_tried, got.message
    ids = {r[0] for m in got.matches for r in m.run_ids}  # run("a", ...) has the id "aaa..."
    assert ids and ids <= cited, (ids, got.message)


# ---- must not fire: no negation, or a negation that is not the bound's ----

@pytest.mark.parametrize(("plan", "tried"), [
    ("lr lower than 1e-3", True),                # plain bounds keep their direction
    ("lr higher than 1e-3", True),
    ("lr below 1e-3", True),
    ("lr above 1e-3", True),
    ("a batch size bigger than 128", True),
    ("label_eps above 0.1", True),
    ("grad_clip below 1.0", True),
    ("lr 5e-4", True),                           # no bound at all
    ("lr lower than 4e-4", False),               # nothing below 4e-4
    ("a batch size larger than 256", False),
])
def test_plain_bounds_are_unchanged(hist: ProjectHistory, plan: str, tried: bool) -> None:
    assert synthesis.check(plan, hist).already_tried is tried


@pytest.mark.parametrize("text", [
    "lr lower than 1e-3",
    "no warmup, lr below 1e-3",                  # "no" belongs to another word
    "not sure lr below 1e-3 helps",
    "no more runs at lr 3e-3",                   # "no more" with no "than"
    "a lr other than 3e-3",
    "not a lower lr than 1e-3",                  # the negation is two words away from the comparative
    "never tried lr 5e-4",
    "lr below 1e-3, not above",                  # the negated word bounds no number
    "no lr schedule; batch above 128",
])
def test_must_not_read_a_negated_bound(text: str) -> None:
    assert not negated_bound(text)


@pytest.mark.parametrize(("words", "sign"), [
    (["eps", "no", "lower", "than", "0.1"], 1),
    (["eps", "not", "above", "0.1"], -1),
    (["eps", "not", "more", "than", "0.1"], -1),
    (["eps", "lower", "than", "0.1"], -1),        # must not flip: no negation
    (["eps", "above", "0.1"], 1),
    (["no", "eps", "above", "0.1"], 1),           # the negation is not right before the bound word
    (["not", "eps", "lower", "than", "0.1"], -1),
    (["eps", "no", "other", "than", "0.1"], 0),   # "other than" asks no direction, negated or not
    (["eps", "at", "least", "0.1"], 1),
    (["eps", "at", "most", "0.1"], -1),
])
def test_bound_before_reads_the_negation_only_right_before_the_bound(words: list[str], sign: int) -> None:
    assert bound_before(words, len(words) - 1) == sign
