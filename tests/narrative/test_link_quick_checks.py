"""Runs nobody mentions, and numbers that are no values (round 16).

Found with the ``stray`` twin of ``tests.narrative.link_traps``: beside each run, the author's three-minute run of
another configuration twenty minutes earlier, metrics halved. It took 10 links over the fixtures on 45c0ca7: an
outline's number read as a value ("1.2. batch size" for a loss of 1.155), "the first experiment" counting the quick
run, and a number of the note matching a quick run's partial value and nothing else.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from narrative.link_evidence import _quoted_metric_values
from narrative.link_ordinals import quick_checks
from narrative.linking import link_runs
from storage.records import RunSnapshot
from tests.narrative.conftest import make_request, make_run


def values(text: str) -> list[float]:
    return [q.value for q in _quoted_metric_values(text)]


@pytest.mark.parametrize("text", ["1.2. batch size\n- we explored 1, 2, 4", "1.1. learning rate (bs 32)",
                                  "## 3.1 Results\nall good", "  2.3) ablations", "1.2.3 setup", "3.2.\n"])
def test_an_outline_number_opening_a_line_is_no_value(text: str) -> None:
    assert values(text) == []


@pytest.mark.parametrize(("text", "value"), [
    ("0.91. Nice", 0.91),                    # a result opening a line: starts with 0
    ("1.65 for lr 1e-3", 1.65),              # no point and space after it
    ("- 1.61. not bad", 1.61),               # a bullet's value
    ("acc 1.2. done", 1.2),                  # not at the start of a line
    ("91.4% top1", 91.4),                    # a percentage
    ("12.5 ok", 12.5),
    ("val loss 1.155", 1.155),
    ("best so far:\n1.61 with rope", 1.61),
    ("> 2.31 on the first run", 2.31),       # quoted, but a value and a word follow
])
def test_must_not_fire_probes_for_outline_numbers(text: str, value: float) -> None:
    assert value in values(text)


def timed(key: str, *, name: str, hours_ago: float, minutes: float, params: dict[str, str],
          metrics: dict[str, float]) -> RunSnapshot:
    run = make_run(key, name=name, hours_ago=hours_ago, params=params, metrics=metrics)
    return run.model_copy(update={"end": run.start + dt.timedelta(minutes=minutes)})


def day(*, with_quick: bool = True) -> list[RunSnapshot]:
    runs = [timed(f"r{i}", name=f"ts-lr-{lr}", hours_ago=8 - i, minutes=48, params={"lr": lr, "d_model": "512"},
                  metrics={"val_loss": loss}) for i, (lr, loss) in enumerate((("1e-4", 2.31), ("3e-4", 1.94),
                                                                              ("1e-3", 1.65)))]
    quick = timed("q", name="mlp-sanity", hours_ago=8.4, minutes=3, params={"model": "mlp", "width": "64"},
                  metrics={"val_loss": 1.155, "acc": 0.46})
    return [quick, *runs] if with_quick else runs


def linked(text: str, runs: list[RunSnapshot]) -> list[str]:
    return sorted(r.run_name for r in link_runs(make_request(text, runs)).runs)


def test_a_quick_check_is_a_few_minutes_beside_runs_five_times_longer() -> None:
    assert quick_checks(day()) == {day()[0].run_id}
    assert quick_checks(day(with_quick=False)) == set()
    assert quick_checks(day()[:2]) == {day()[0].run_id}    # beside one long run too
    assert quick_checks(day()[:1]) == set()                # alone: nothing to compare it with


def test_the_outline_number_does_not_link_the_run_whose_value_rounds_to_it() -> None:
    assert "mlp-sanity" not in linked("1.2. batch size\n- smaller batches have lower loss", day())
    assert "mlp-sanity" in linked("the mlp sanity check: val loss 1.155", day())


def test_the_first_experiment_of_a_day_with_a_quick_check_names_nothing() -> None:
    assert linked("the first experiment was the worst, lr too low", day()) == []
    assert linked("the first experiment was the worst, lr too low", day(with_quick=False)) == ["ts-lr-1e-4"]


def test_a_number_matching_only_a_quick_checks_partial_value_is_a_coincidence() -> None:
    text = "46% of the crops are background, so lr 1e-3 at 1.65 is fine"
    assert "mlp-sanity" not in linked(text, day())
    assert "mlp-sanity" in linked("the mlp width 64 check got acc 0.46", day())


def test_outline_numbers_in_a_long_note_stay_linear() -> None:
    text = "1.1. a\n" * 4000
    began = time.process_time()
    assert values(text) == []
    assert time.process_time() - began < 5
