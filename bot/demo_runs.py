"""The runs of ``coco demo``: two people's three days of real scikit-learn models, logged to MLflow.

Small models on a dataset that ships with scikit-learn (the 8x8 digits, made into the imbalanced task
"is it a 9?"), trained now and logged to a fresh local MLflow store with start times over the last
three working days, as the people in the walk-through (:mod:`bot.demo`) would have logged them.
Logging goes through :class:`adapters.mlflow_logging.MlflowRunWriter`: which MLflow tag holds the
author, the script or the commit is the adapter's business.

Imports of scikit-learn and MLflow are lazy (``coco check`` must start fast).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from adapters.mlflow_logging import MlflowRunWriter

EXPERIMENT = "nines-detector"
DATASET_VERSION = "digits-nines-noisy-v1"
NOISE_SIGMA = 6.0  # pixel noise (0-16 intensity scale) so that the models have something to disagree on
DATA_SEED = 0
SPLIT_SEED = 7
VAL_FRACTION = 0.3
SOURCE = "train_nines.py"


def _sha(label: str) -> str:
    """A stable 40-hex commit id for the demo's (imaginary) training repository."""
    return hashlib.sha1(f"coco-demo:{label}".encode()).hexdigest()


COMMITS = {"mon": _sha("logreg-and-rf"), "tue": _sha("hist-gbm"), "wed": _sha("hgb-followups")}


# -- the experiment plan ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RunSpec:
    key: str
    name: str
    author: str
    day: int  # 0, 1, 2: the first, second and third of the last three working days
    at: str  # "HH:MM", UTC
    model: str  # logreg | rf | hgb | svc
    hyper: dict[str, Any] = field(default_factory=dict)
    class_weight: str = "none"
    sampler: str = "none"  # none | undersample_1to1
    seed: int = 42
    log_seed: bool = True  # some runs forget to log what they used: `coco reproduce` finds them
    commit: bool = True
    dataset_tag: bool = True


HGB_BASE: dict[str, Any] = {"max_depth": 3, "learning_rate": 0.05, "max_iter": 400, "max_features": 0.5}

PLAN: tuple[RunSpec, ...] = (
    # day 1 - maya: the linear baseline, the imbalance knobs, a random forest
    RunSpec("lr", "logreg-baseline", "maya", 0, "09:32", "logreg", {"C": 1.0}),
    RunSpec("lr_bal", "logreg-balanced", "maya", 0, "10:05", "logreg", {"C": 1.0}, class_weight="balanced"),
    RunSpec("lr_us", "logreg-undersample", "maya", 0, "11:20", "logreg", {"C": 1.0},
            sampler="undersample_1to1"),
    RunSpec("rf", "rf-200", "maya", 0, "14:10", "rf", {"n_estimators": 200, "max_depth": None}),
    RunSpec("rf_bal", "bold-falcon-23", "maya", 0, "15:45", "rf", {"n_estimators": 200, "max_depth": None},
            class_weight="balanced_subsample"),
    # day 2 - sam: gradient boosting
    RunSpec("hgb_d3", "hgb-d3-lr0.1", "sam", 1, "09:50", "hgb", {**HGB_BASE, "learning_rate": 0.1, "max_iter": 200}),
    RunSpec("hgb_d6", "hgb-d6-lr0.1", "sam", 1, "10:40", "hgb",
            {**HGB_BASE, "max_depth": 6, "learning_rate": 0.1, "max_iter": 200}),
    RunSpec("hgb_d4", "quick-lynx-7", "sam", 1, "11:30", "hgb",
            {**HGB_BASE, "max_depth": 4, "learning_rate": 0.1, "max_iter": 200}, commit=False, dataset_tag=False),
    RunSpec("hgb_slow", "calm-otter-41", "sam", 1, "13:15", "hgb", dict(HGB_BASE),
            log_seed=False, commit=False, dataset_tag=False),
    RunSpec("hgb_us", "hgb-d3-undersample", "sam", 1, "14:30", "hgb", dict(HGB_BASE), sampler="undersample_1to1"),
    RunSpec("svc", "svc-rbf-proba", "sam", 1, "15:20", "svc", {"kernel": "rbf", "C": 1.0, "gamma": -0.1}),
    RunSpec("rf_big", "rf-500", "sam", 1, "16:05", "rf", {"n_estimators": 500, "max_depth": None}),
    # day 3 - sam tries one more linear model on the side (maya's follow-ups: ``day3_plan``)
    RunSpec("lr_c01", "gentle-moose-3", "sam", 2, "11:40", "logreg", {"C": 0.1}, dataset_tag=False),
)
# The day-2 gradient-boosting configs Maya may pick her day-3 follow-ups from (the best one, as a person would).
DAY2_GBM = ("hgb_d3", "hgb_d6", "hgb_d4", "hgb_slow")


def _hgb_name(hyper: dict[str, Any], suffix: str = "") -> str:
    return f"hgb-d{hyper['max_depth']}-lr{hyper['learning_rate']:g}" + (f"-{suffix}" if suffix else "")


def day3_plan(base: RunSpec) -> tuple[RunSpec, ...]:
    """Maya's day-3 follow-ups on the best gradient-boosting config of day 2."""
    h = dict(base.hyper)
    slower = {**h, "learning_rate": h["learning_rate"] / 2, "max_iter": h["max_iter"] * 2}
    return (
        RunSpec("hgb_bal", _hgb_name(h, "balanced"), "maya", 2, "09:40", "hgb", h, class_weight="balanced"),
        RunSpec("hgb_l2", _hgb_name(h, "l2"), "maya", 2, "10:25", "hgb", {**h, "l2_regularization": 1.0}),
        RunSpec("hgb_allfeat", _hgb_name(h, "allfeat"), "maya", 2, "11:05", "hgb", {**h, "max_features": 1.0}),
        RunSpec("hgb_halflr", _hgb_name(slower, f"it{slower['max_iter']}"), "maya", 2, "12:50", "hgb", slower),
        RunSpec("seed7", _hgb_name(h, "seed7"), "maya", 2, "14:05", "hgb", h, seed=7),
        RunSpec("seed123", "mellow-ibex-5", "maya", 2, "14:40", "hgb", h, seed=123),
        RunSpec("seed2024", _hgb_name(h, "seed2024"), "maya", 2, "15:30", "hgb", h, seed=2024),
    )


# When each person writes to COCO (day index, "HH:MM" UTC, author).


@dataclass
class RunResult:
    spec: RunSpec
    run_id: str
    status: str  # FINISHED | FAILED
    start: dt.datetime
    metrics: dict[str, float] = field(default_factory=dict)
    error: str = ""
    rows: int = 0  # training rows the model saw

    @property
    def prefix(self) -> str:
        return self.run_id[:8]

    @property
    def name(self) -> str:
        return self.spec.name

    def m(self, metric: str) -> float:
        return self.metrics.get(metric, math.nan)


@dataclass
class DemoHistory:
    tracking_uri: str
    experiment_id: str
    days: list[dt.date]
    runs: dict[str, RunResult]
    base_key: str  # the day-2 gradient-boosting run Maya's day-3 follow-ups start from
    positives: float  # share of positives in the data
    train_rows: int
    seconds: float

    def __getitem__(self, key: str) -> RunResult:
        return self.runs[key]

    def finished(self) -> list[RunResult]:
        return [r for r in self.runs.values() if r.status == "FINISHED"]


# -- time ---------------------------------------------------------------------------------------------
def last_working_days(today: dt.date, n: int = 3) -> list[dt.date]:
    """The ``n`` working days (Mon-Fri) before ``today``, oldest first."""
    days: list[dt.date] = []
    day = today
    while len(days) < n:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return sorted(days)


def utc_at(day: dt.date, hhmm: str) -> dt.datetime:
    """``hhmm`` UTC on ``day``."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


# -- the data and the models --------------------------------------------------------------------------
@dataclass
class _Data:
    x_train: NDArray[Any]
    y_train: NDArray[Any]
    x_val: NDArray[Any]
    y_val: NDArray[Any]


def load_task() -> _Data:
    """scikit-learn's digits as "is it a 9?" (about 10% positives), with fixed-seed pixel noise."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, digit = load_digits(return_X_y=True)
    y = (digit == 9).astype(int)
    x = x + np.random.default_rng(DATA_SEED).normal(0.0, NOISE_SIGMA, size=x.shape)
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=VAL_FRACTION, stratify=y, random_state=SPLIT_SEED
    )
    return _Data(x_train, y_train, x_val, y_val)


def _undersample(x: NDArray[Any], y: NDArray[Any], seed: int) -> tuple[NDArray[Any], NDArray[Any]]:
    """Every positive, and as many negatives drawn at random (1:1)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pos = np.flatnonzero(y == 1)
    neg = rng.choice(np.flatnonzero(y == 0), size=len(pos), replace=False)
    keep = np.sort(np.concatenate([pos, neg]))
    return x[keep], y[keep]


def _estimator(spec: RunSpec) -> Any:
    cw = None if spec.class_weight == "none" else spec.class_weight
    h = spec.hyper
    if spec.model == "logreg":
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(),
                             LogisticRegression(C=h["C"], class_weight=cw, max_iter=2000, random_state=spec.seed))
    if spec.model == "rf":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(n_estimators=h["n_estimators"], max_depth=h["max_depth"], class_weight=cw,
                                      random_state=spec.seed, n_jobs=1)
    if spec.model == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_depth=h["max_depth"], learning_rate=h["learning_rate"], max_iter=h["max_iter"],
            max_features=h["max_features"], l2_regularization=h.get("l2_regularization", 0.0),
            class_weight=cw, early_stopping=False, random_state=spec.seed,
        )
    if spec.model == "svc":
        from sklearn.svm import SVC

        return SVC(kernel=h["kernel"], C=h["C"], gamma=h["gamma"], probability=True, class_weight=cw,
                   random_state=spec.seed)
    raise ValueError(f"unknown model {spec.model!r}")


def fit_and_score(spec: RunSpec, data: _Data) -> tuple[dict[str, float], int]:
    """Train one model and score it on the fixed validation split. Raises what scikit-learn raises."""
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

    x, y = data.x_train, data.y_train
    if spec.sampler == "undersample_1to1":
        x, y = _undersample(x, y, spec.seed)
    model = _estimator(spec)
    started = time.perf_counter()
    model.fit(x, y)
    fit_seconds = time.perf_counter() - started
    p_val = model.predict_proba(data.x_val)[:, 1]
    p_train = model.predict_proba(x)[:, 1]
    metrics = {
        "val_auc": float(roc_auc_score(data.y_val, p_val)),
        "val_pr_auc": float(average_precision_score(data.y_val, p_val)),
        "val_f1": float(f1_score(data.y_val, (p_val >= 0.5).astype(int))),
        "train_auc": float(roc_auc_score(y, p_train)),
        "fit_seconds": round(fit_seconds, 3),
    }
    return {k: round(v, 6) for k, v in metrics.items()}, len(y)


def _params(spec: RunSpec) -> dict[str, str]:
    params = {"model": spec.model, "class_weight": spec.class_weight, "sampler": spec.sampler,
              "features": "pixels_8x8", "val_split": f"stratified_{VAL_FRACTION}_rs{SPLIT_SEED}"}
    params.update({k: str(v) for k, v in spec.hyper.items()})
    if spec.log_seed:
        params["seed"] = str(spec.seed)
    return params


def _train_and_log(
    writer: MlflowRunWriter, experiment_id: str, spec: RunSpec, data: _Data, days: Sequence[dt.date]
) -> RunResult:
    start = utc_at(days[spec.day], spec.at)
    run_id = writer.start_run(
        experiment_id, name=spec.name, start=start, author=spec.author, source_name=SOURCE, source_type="LOCAL",
        git_commit=COMMITS[("mon", "tue", "wed")[spec.day]] if spec.commit else "",
        tags={"dataset_version": DATASET_VERSION} if spec.dataset_tag else None,
    )
    params = _params(spec)
    wall = time.perf_counter()
    try:
        metrics, rows = fit_and_score(spec, data)
    except Exception as error:  # a broken config fails the run, as it would in anyone's script
        reason = f"{type(error).__name__}: {error}"
        writer.finish_run(run_id, status="FAILED", end=start + dt.timedelta(seconds=2), params=params,
                          tags={"error": reason[:500]})
        return RunResult(spec, run_id, "FAILED", start, error=reason)
    took = dt.timedelta(milliseconds=max(1_000, math.ceil((time.perf_counter() - wall) * 1000)))
    writer.finish_run(run_id, status="FINISHED", end=start + took, params=params, metrics=metrics)
    return RunResult(spec, run_id, "FINISHED", start, metrics=metrics, rows=rows)


def build_history(demo_home: Path, days: Sequence[dt.date]) -> DemoHistory:
    """Train every run (``PLAN``, then Maya's day-3 follow-ups) and log it to a fresh MLflow store."""
    from threadpoolctl import threadpool_limits

    from adapters.mlflow_logging import MlflowRunWriter  # imports MLflow, which sets up its own loggers

    logging.getLogger("mlflow").setLevel(logging.WARNING)  # no "Creating initial MLflow database tables..."
    begun = time.perf_counter()
    tracking_uri = f"sqlite:///{demo_home / 'mlflow.db'}"
    writer = MlflowRunWriter(tracking_uri)
    experiment_id = writer.create_experiment(
        EXPERIMENT,
        artifact_location=(demo_home / "artifacts").as_uri(),
        description="Is it a 9? scikit-learn digits with pixel noise (coco demo).",
    )
    data = load_task()
    results: dict[str, RunResult] = {}
    # One thread: OpenMP in gradient boosting crawls on a busy machine, and these models are small.
    with threadpool_limits(limits=1):
        for spec in PLAN:
            if spec.day < 2:
                results[spec.key] = _train_and_log(writer, experiment_id, spec, data, days)
        base = max((results[k] for k in DAY2_GBM), key=lambda r: r.m("val_auc"))
        later = sorted([*day3_plan(base.spec), *(s for s in PLAN if s.day == 2)], key=lambda s: s.at)
        for spec in later:
            results[spec.key] = _train_and_log(writer, experiment_id, spec, data, days)
    return DemoHistory(tracking_uri, experiment_id, list(days), results, base.spec.key,
                       float(data.y_train.mean()), len(data.y_train), time.perf_counter() - begun)


RUN_COUNT = len(PLAN) + len(day3_plan(RunSpec("", "", "", 0, "", "hgb", dict(HGB_BASE))))
