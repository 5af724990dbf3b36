"""Round h/phase17 (issue 8): two leftovers of the tune files of ``data/real_phase/``.

1. A change every later run of its author keeps, the current best run included, is not a line given up, unless a
   verdict says it was dropped (``narrative.approach_kept``): "12. Introduced Automatic Mixed Precision for speedups
   -> 41.77%" after 45.19% was read as "did not work" and mixed precision was closed, while every later run (the
   best, 64.5%, included) kept ``amp=true``.
2. A phrase made only of metric words and filler names what was measured, not what was tried
   (``narrative.approach_measures``): "loss on val-data is noticably lower" closed a line "loss val-data", "SBERT cos
   and mse was still broken" one called "sbert cos mse", "Optimizing `mse` seemed more general" one called
   "optimizing mse seemed" (markup left two spaces, so the verb of seeming did not end the name).
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from narrative import synthesis
from narrative.approach_measures import names_a_measure
from narrative.approach_names import head_phrase
from narrative.approaches import derive
from narrative.history_index import HistoryIndex
from narrative.types import ProjectHistory
from storage.records import Conclusion, EntryRecord, EntryStructure, ProjectRecord, RunSnapshot
from tests.narrative.test_phase_round16 import _walk

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def _run(n: int, params: dict[str, str], value: float | None, user: str = "dev", status: str = "FINISHED",
         metric: str = "val_accuracy", extra: dict[str, float] | None = None) -> RunSnapshot:
    start = T0 + dt.timedelta(hours=6 * n)
    metrics = ({metric: value} if value is not None else {}) | (extra or {})
    return RunSnapshot(project_id="p", run_id=f"{n:032x}", run_name=f"exp{n:02d}", user=user, status=status,
                       start=start, end=start + dt.timedelta(hours=1), params=params, metrics=metrics)


def _hist(runs: list[RunSnapshot], notes: list[tuple[float, str, str]], metric: str = "val_accuracy",
          author: str = "dev") -> ProjectHistory:
    """Notes at ``hours`` after T0, each one conclusion with its verdict (as the structurer gives them)."""
    entries = [EntryRecord(
        id=f"e{i}", workspace_id="w", project_id="p", author=author, at=T0 + dt.timedelta(hours=h),
        raw_text=text, status="structured",
        structure=EntryStructure(conclusions=[Conclusion(text=text, verdict=verdict, run_ids=[])] if verdict else []))
        for i, (h, text, verdict) in enumerate(notes)]
    project = ProjectRecord(id="p", workspace_id="w", name="x", primary_metric=metric, goal="max")
    return ProjectHistory(project=project, entries=entries, runs={r.run_id: r for r in runs},
                          now=T0 + dt.timedelta(days=30))


def _status(h: ProjectHistory, word: str) -> str | None:
    return next((a.status for a in derive(HistoryIndex(h)) if word in a.name.lower()), None)


# 1. a change every later run keeps, the best included

AMP_NOTE = (45, "Introduced Automatic Mixed Precision for speedups -> 41.77%", "did_not_work")
BASE = [_run(n, {"amp": "false", "hidden": "64"}, 0.40 + n / 100) for n in range(1, 6)] + [
    _run(6, {"amp": "false", "hidden": "64"}, 0.4519), _run(7, {"amp": "true", "hidden": "64"}, 0.4177)]


def _later(values: list[float], **over: str) -> list[RunSnapshot]:
    return [_run(8 + i, {"amp": "true", "hidden": "128"} | over, v) for i, v in enumerate(values)]


def test_a_change_every_later_run_keeps_is_not_closed_by_one_lower_figure() -> None:
    h = _hist(BASE + _later([0.60, 0.64, 0.645, 0.63]), [AMP_NOTE])
    assert _status(h, "precision") == "adopted"
    ap = next(a for a in derive(HistoryIndex(h)) if "precision" in a.name.lower())
    assert "every later run keeps it" in ap.reason and "amp=true" in ap.reason and "exp10" in ap.reason


@pytest.mark.parametrize(("runs", "notes"), [
    # a later run switched it off again
    (BASE + _later([0.60, 0.64]) + [_run(10, {"amp": "false", "hidden": "128"}, 0.62)], [AMP_NOTE]),
    # only one later run: the next run may come before the author got to the change
    (BASE + _later([0.60]), [AMP_NOTE]),
    # the best run is from before the change: the later runs keep it but never beat the run without it
    (BASE + _later([0.43, 0.44]), [AMP_NOTE]),
    # a verdict says it was dropped: the words decide
    (BASE + _later([0.60, 0.64]), [AMP_NOTE, (70, "Dropped mixed precision, too unstable.", "did_not_work")]),
    # the later runs are a teammate's: the author made none
    (BASE + [_run(8 + i, {"amp": "true"}, v, user="mate") for i, v in enumerate([0.6, 0.64])], [AMP_NOTE]),
    # the later runs are killed or carry no metric: nothing was kept that finished
    (BASE + [_run(8 + i, {"amp": "true"}, None, status="KILLED") for i in range(3)], [AMP_NOTE]),
    # on in every run: the setup, not a change (no run of the author went without it)
    ([_run(n, {"amp": "true"}, 0.4 + n / 100) for n in range(1, 8)] + _later([0.60, 0.64]), [AMP_NOTE]),
    # the verdict is the last word: no run after it
    (BASE, [AMP_NOTE]),
])
def test_what_is_not_kept_on_stays_closed(runs: list[RunSnapshot], notes: list[tuple[float, str, str]]) -> None:
    old = _status(_hist(runs, notes), "precision")
    assert old in ("exhausted", "abandoned"), old


def test_a_value_not_kept_stays_closed() -> None:
    # "dropout 0.5" was told worse; the later runs keep dropout, at another value: the value judged was left
    runs = [_run(n, {"hidden": "64"}, 0.4 + n / 100) for n in range(1, 6)] + [
        _run(6, {"hidden": "64", "dropout": "0.5"}, 0.41)] + [
        _run(8 + i, {"hidden": "64", "dropout": "0.2"}, v) for i, v in enumerate([0.5, 0.55])]
    got = _status(_hist(runs, [(40, "Added dropout 0.5 -> 41%, worse", "did_not_work")]), "dropout")
    assert got in ("exhausted", "abandoned"), got


def test_a_phrase_line_is_not_kept_on_by_runs() -> None:
    runs = BASE + _later([0.60, 0.64])
    h = _hist(runs, [(45, "frobnicator hidden trick: 41.77%, worse", "did_not_work")])
    assert all(a.status != "adopted" for a in derive(HistoryIndex(h)) if a.key.startswith("phrase:"))


def test_walkthrough_numbered_log_keeps_mixed_precision() -> None:
    report = synthesis.phase(_walk("gat-node-recommender-numbered-log"))
    lines = {a.name: (a.status, a.reason) for a in report.approaches}
    amp = [(s, r) for n, (s, r) in lines.items() if "precision" in n.lower()]
    assert amp and amp[0][0] == "adopted" and "gat-exp16" in amp[0][1], lines


def test_long_odd_input_kept_on_stays_fast() -> None:
    runs = [_run(n, {"amp": "false" if n < 50 else "true", **{f"k{i}": "v" * 50 for i in range(40)}},
                 0.4 + n / 10000) for n in range(1, 400)]
    h = _hist(runs, [(300, "Introduced mixed precision " * 300 + "-> 41.77%", "did_not_work")])
    t = time.perf_counter()
    derive(HistoryIndex(h))
    assert time.perf_counter() - t < 20.0


# 2. a phrase made of metric words and filler


def _idx(params: dict[str, str], metrics: dict[str, float], notes: list[str] | None = None) -> HistoryIndex:
    runs = [_run(n, params, None, extra=metrics) for n in range(1, 3)]
    h = _hist(runs, [(30 + i, t, "") for i, t in enumerate(notes or ["x"])], metric=next(iter(metrics)))
    return HistoryIndex(h)


MERON = ({"model": "unet", "loss": "dice", "patch_size": "64", "negative_samples": "true"},
         {"patch_ap": 0.4, "val_loss": 0.2})
DOC = ({"loss_type": "mse", "grad_accumulation_steps": "8"}, {"eval_wins": 3.0, "train_loss": 0.2},
       ["### 23.1. Losses (with fixed SBERT cos and mse metrics)", "For SBERT metrics the best loss is always it."])


@pytest.mark.parametrize(("phrase", "case"), [
    ("loss val-data", MERON),  # ``val_loss`` told in words ("loss on val-data")
    ("val loss", MERON),
    ("sbert cos mse", DOC),  # the notes call them metrics ("with fixed SBERT cos and mse metrics")
    ("optimizing mse", DOC),
    ("sbert mse", DOC),
])
def test_a_phrase_of_metric_words_names_a_measure(phrase: str, case: tuple) -> None:
    assert names_a_measure(_idx(*case), phrase)


@pytest.mark.parametrize(("phrase", "case"), [
    ("dice loss", MERON),  # "dice" is a value of the runs' loss setting: a method
    ("loss", MERON),  # a ``loss`` param: the setting, not only the metric
    ("patch size", MERON),  # "patch" is in a metric key, "size" is no metric word
    ("negative samples", MERON),
    ("unet", MERON),
    ("mse", DOC[:2]),  # a loss type the notes never call a metric
    ("sbert", DOC[:2]),
    ("grad accumulation steps", DOC),
    ("xgboost", ({"model": "xgb"}, {"val_f1": 0.5}, ["the xgboost f1 metrics look fine"])),  # whose metrics
    ("mixed precision", ({"amp": "true"}, {"val_precision": 0.5})),
    ("label smoothing", ({"ls": "0.1"}, {"val_accuracy": 0.5})),
])
def test_phrases_with_a_method_word_are_no_measure(phrase: str, case: tuple) -> None:
    assert not names_a_measure(_idx(*case), phrase)


def test_markup_does_not_keep_a_verb_of_seeming_in_a_name() -> None:
    assert head_phrase("Optimizing `mse` seemed more general as all versions lowered SBERT cos") == "optimizing mse"
    assert head_phrase("`focal` loss seemed better") == "focal loss"


def test_a_verdict_on_a_metric_closes_no_line() -> None:
    runs = [_run(n, MERON[0], None, extra={"patch_ap": 0.4 + n / 100, "val_loss": 0.2}) for n in range(1, 4)]
    h = _hist(runs, [(30, "loss on val-data is noticably lower: fails to yield noticable improvements on the "
                          "entire patch", "did_not_work")], metric="patch_ap")
    assert not any("val" in a.name.lower() for a in derive(HistoryIndex(h)))


def test_walkthrough_logs_close_no_line_named_after_a_metric() -> None:
    for name, words in (("meron-detector-dev-log", ("val-data",)),
                        ("doc-embedding-student-structural-log", ("sbert", "seemed"))):
        report = synthesis.phase(_walk(name))
        names = [a.name.lower() for a in report.approaches]
        assert not any(w in n for w in words for n in names), names


def test_long_odd_input_measure_stays_linear() -> None:
    idx = _idx({"loss": "dice"}, {"val_loss": 0.1}, ["a " * 50000 + "metrics", "metric " * 20000,
                                                      ("sbert-cos-" * 5000) + " metrics"])
    t = time.perf_counter()
    names_a_measure(idx, "loss " * 3000)
    names_a_measure(idx, "val-" * 5000)
    head_phrase("`x` " * 5000 + "seemed")
    assert time.perf_counter() - t < 3.0
