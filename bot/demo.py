"""``coco demo``: a real, local walk-through of COCO.

It trains small scikit-learn models on a dataset that ships with scikit-learn (the 8x8 digits, made
into the imbalanced task "is it a 9?"), logs them to a local MLflow store with start times over the
last three working days, writes the end-of-day messages two people would have sent about them (from
the real numbers, so the wording stays true whatever they come out as), and drives COCO through the
same ``Narrator`` the bots use: entries, a phase summary, "you already tried this?", a question and
the digest.

Everything lives in ``$COCO_HOME/demo/`` (its own COCO database and MLflow store), rebuilt on every
run: running it twice is safe and gives the same walk-through. The user's own projects are never
touched. Nothing goes over the network: the local engine writes every reply.

Imports of scikit-learn, MLflow and rich are lazy (``coco check`` must start fast).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import math
import os
import shlex
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import UserInputError

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from rich.console import Console

    from bot.settings import Settings

PROJECT = "nines"
EXPERIMENT = "nines-detector"
MARKER = ".coco-demo"  # written into the demo folder: only a folder carrying it is ever deleted
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
MESSAGE_TIMES: tuple[tuple[int, str, str], ...] = ((0, "18:40", "maya"), (1, "18:05", "sam"), (2, "17:50", "maya"))


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


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _ms(when: dt.datetime) -> int:
    return int(when.timestamp() * 1000)


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


def _tags(spec: RunSpec) -> dict[str, str]:
    tags = {"mlflow.user": spec.author, "mlflow.source.name": SOURCE, "mlflow.source.type": "LOCAL"}
    if spec.commit:
        tags["mlflow.source.git.commit"] = COMMITS[("mon", "tue", "wed")[spec.day]]
    if spec.dataset_tag:
        tags["dataset_version"] = DATASET_VERSION
    return tags


def _train_and_log(client: Any, experiment_id: str, spec: RunSpec, data: _Data, days: Sequence[dt.date]) -> RunResult:
    from mlflow.entities import Metric, Param

    start = _at(days[spec.day], spec.at)
    run = client.create_run(experiment_id, start_time=_ms(start), tags=_tags(spec), run_name=spec.name)
    run_id: str = run.info.run_id
    params = [Param(k, v) for k, v in _params(spec).items()]
    wall = time.perf_counter()
    try:
        metrics, rows = fit_and_score(spec, data)
    except Exception as error:  # a broken config fails the run, as it would in anyone's script
        reason = f"{type(error).__name__}: {error}"
        client.log_batch(run_id, params=params)
        client.set_tag(run_id, "error", reason[:500])
        client.set_terminated(run_id, status="FAILED", end_time=_ms(start) + 2_000)
        return RunResult(spec, run_id, "FAILED", start, error=reason)
    stamp = _ms(start) + max(1_000, math.ceil((time.perf_counter() - wall) * 1000))
    client.log_batch(run_id, params=params, metrics=[Metric(k, v, stamp, 0) for k, v in metrics.items()])
    client.set_terminated(run_id, status="FINISHED", end_time=stamp)
    return RunResult(spec, run_id, "FINISHED", start, metrics=metrics, rows=rows)


def build_history(demo_home: Path, days: Sequence[dt.date]) -> DemoHistory:
    """Train every run (``PLAN``, then Maya's day-3 follow-ups) and log it to a fresh MLflow store."""
    from mlflow.tracking import MlflowClient
    from threadpoolctl import threadpool_limits

    logging.getLogger("mlflow").setLevel(logging.WARNING)  # no "Creating initial MLflow database tables..."
    begun = time.perf_counter()
    tracking_uri = f"sqlite:///{demo_home / 'mlflow.db'}"
    client = MlflowClient(tracking_uri)
    experiment_id = client.create_experiment(
        EXPERIMENT,
        artifact_location=(demo_home / "artifacts").as_uri(),
        tags={"mlflow.note.content": "Is it a 9? scikit-learn digits with pixel noise (coco demo)."},
    )
    data = load_task()
    results: dict[str, RunResult] = {}
    # One thread: OpenMP in gradient boosting crawls on a busy machine, and these models are small.
    with threadpool_limits(limits=1):
        for spec in PLAN:
            if spec.day < 2:
                results[spec.key] = _train_and_log(client, experiment_id, spec, data, days)
        base = max((results[k] for k in DAY2_GBM), key=lambda r: r.m("val_auc"))
        later = sorted([*day3_plan(base.spec), *(s for s in PLAN if s.day == 2)], key=lambda s: s.at)
        for spec in later:
            results[spec.key] = _train_and_log(client, experiment_id, spec, data, days)
    return DemoHistory(tracking_uri, experiment_id, list(days), results, base.spec.key,
                       float(data.y_train.mean()), len(data.y_train), time.perf_counter() - begun)


RUN_COUNT = len(PLAN) + len(day3_plan(RunSpec("", "", "", 0, "", "hgb", dict(HGB_BASE))))


# -- the end-of-day messages, written from the real numbers ------------------------------------------
def v3(value: float) -> str:
    """A metric as a person types it: ``.951``."""
    return f"{value:.3f}".removeprefix("0")


def v2(value: float) -> str:
    return f"{value:.2f}".removeprefix("0")


def secs(value: float) -> str:
    return f"{value:.2f}s" if value < 10 else f"{value:.0f}s"


TIE = 0.002  # closer than this on val_auc is "about the same" (the seed spread is of that order)
CLEAR = 0.01  # further apart than this is "clearly" better or worse


def cmp(a: float, b: float, *, tie: float = TIE) -> str:
    """``better`` | ``worse`` | ``about the same``: ``a`` against ``b`` (higher is better)."""
    if a > b + tie:
        return "better"
    if a < b - tie:
        return "worse"
    return "about the same"


def cmp_words(a: float, b: float, *, tie: float = TIE) -> str:
    """Like :func:`cmp`, with the size of the gap: ``clearly better``, ``a bit worse``, ..."""
    verdict = cmp(a, b, tie=tie)
    if verdict == "about the same":
        return verdict
    return f"{'clearly' if abs(a - b) > CLEAR else 'a bit'} {verdict}"


def _best(runs: Sequence[RunResult], metric: str = "val_auc") -> RunResult:
    return max((r for r in runs if r.status == "FINISHED"), key=lambda r: r.m(metric))


def _median_fit(runs: Sequence[RunResult]) -> float:
    import statistics

    return statistics.median(r.m("fit_seconds") for r in runs if r.status == "FINISHED")


def message_day1(h: DemoHistory) -> str:
    """Maya, end of day 1: terse bullets with pasted run-id prefixes."""
    auc = "val_auc"
    lr, bal, us, rf, rfb = h["lr"], h["lr_bal"], h["lr_us"], h["rf"], h["rf_bal"]
    thrown = 100 * (1 - us.rows / h.train_rows)
    bal_line = {"better": f"auc up to {v3(bal.m(auc))}", "worse": f"auc went down ({v3(bal.m(auc))})",
                "about the same": f"auc flat ({v3(bal.m(auc))})"}[cmp(bal.m(auc), lr.m(auc))]
    f1_move = "up" if bal.m("val_f1") > lr.m("val_f1") else "down"
    us_vs = cmp(us.m(auc), _best([lr, bal]).m(auc))
    us_line = {
        "worse": f"{v3(us.m(auc))}, worse than both, and it throws away ~{thrown:.0f}% of the training rows. "
                 "not doing that again",
        "better": f"{v3(us.m(auc))}, better than weighting (!) even though it throws away ~{thrown:.0f}% of "
                  "the rows. worth a second look",
        "about the same": f"{v3(us.m(auc))}, same as weighting but throws away ~{thrown:.0f}% of the rows. meh",
    }[us_vs]
    rf_word = {"better": "beats logreg", "worse": "below logreg", "about the same": "ties logreg"}[
        cmp(rf.m(auc), lr.m(auc))]
    slower = rf.m("fit_seconds") / max(lr.m("fit_seconds"), 1e-3)
    return "\n".join([
        f"nines detector, day 1 (noisy digits, ~{100 * h.positives:.0f}% positives)",
        f"- logreg baseline ({lr.prefix}) val_auc {v3(lr.m(auc))}, pr_auc {v2(lr.m('val_pr_auc'))} "
        "-- that's the floor",
        f"- class_weight=balanced ({bal.prefix}): {bal_line}, f1 {v2(lr.m('val_f1'))} -> "
        f"{v2(bal.m('val_f1'))} ({f1_move})",
        f"- undersampling the negatives 1:1 ({us.prefix}): {us_line}",
        f"- {rf.name} ({rf.prefix}) {v3(rf.m(auc))}: {rf_word}, but {secs(rf.m('fit_seconds'))} per fit vs "
        f"{secs(lr.m('fit_seconds'))} for logreg"
        + (f" (~{slower:.0f}x slower)" if slower >= 2 else ""),
        f"- rf w/ balanced_subsample (bold-falcon-23): {v3(rfb.m(auc))}, {cmp_words(rfb.m(auc), rf.m(auc))} "
        "than plain rf",
        "- next: gradient boosting (HistGradientBoosting), tune depth / learning rate",
        "- q: is this much pixel noise what the scanner really gives us, or are we tuning to an artefact?",
    ])


def message_day2(h: DemoHistory) -> str:
    """Sam, end of day 2: one long lowercase Slack paragraph, an emoji and a typo."""
    auc = "val_auc"
    d3, d6, d4, slow, us, svc, big = (h[k] for k in ("hgb_d3", "hgb_d6", "hgb_d4", "hgb_slow", "hgb_us",
                                                    "svc", "rf_big"))
    rf300, rf_best = h["rf"], _best([h["rf"], h["rf_bal"], h["rf_big"]])
    parts = ["ok gradient boosting day 🌲"]
    speed = rf300.m("fit_seconds") / max(d3.m("fit_seconds"), 1e-3)
    parts.append(
        f"hist gbm depth 3 / lr .1 ({d3.prefix}) got {v3(d3.m(auc))} which "
        + {"better": "already beats", "worse": "is still under", "about the same": "ties"}[
            cmp(d3.m(auc), rf300.m(auc))]
        + f" maya's {rf300.name} ({v3(rf300.m(auc))})" + (f" and fits ~{speed:.0f}x faster." if speed >= 2 else ".")
    )
    d6_vs = cmp(d6.m(auc), d3.m(auc))
    overfit = d6.m("train_auc") - d6.m(auc)
    if d6_vs == "worse":
        parts.append(f"going deeper hurt: depth 6 was {v3(d6.m(auc))} with train auc "
                     f"{v3(d6.m('train_auc'))} so its basically memorising the noise.")
    else:
        parts.append(f"depth 6: {v3(d6.m(auc))}, {cmp_words(d6.m(auc), d3.m(auc))} than depth 3"
                     + (f" even though train auc is {v3(d6.m('train_auc'))}." if overfit > 0.02 else "."))
    parts.append(f"quick-lynx-7 (depth 4) {v3(d4.m(auc))}, {cmp_words(d4.m(auc), d3.m(auc))} than depth 3.")
    day_best = _best([h[k] for k in DAY2_GBM])
    slow_word = ("best of the day" if day_best is slow
                 else {"better": "better than depth 3 at lr .1 but not the best", "worse": "no better",
                       "about the same": "about the same as depth 3 at lr .1"}[cmp(slow.m(auc), d3.m(auc))])
    parts.append(f"lr .05 w/ 400 iters (calm-otter-41) {v3(slow.m(auc))}, {slow_word}.")
    us_vs = cmp(us.m(auc), slow.m(auc))
    if us_vs == "worse":
        parts.append("also tried undersampling again, on calm-otter-41's config (hgb-d3-undersample), and it "
                     f"was worse again ({v3(us.m(auc))}), so i'm calling undersampling dead for this one.")
    else:
        parts.append("also tried undersampling again, on calm-otter-41's config (hgb-d3-undersample): "
                     f"{v3(us.m(auc))}, {us_vs} than without, so maybe not dead yet.")
    gbm_best = _best([d3, d4, d6, slow])
    rf_speed = _median_fit([rf300, h["rf_bal"], big]) / max(_median_fit([d3, d4, d6, slow]), 1e-3)
    slower = f" and ~{rf_speed:.0f}x slower to fit" if rf_speed >= 2 else ""
    rf_vs = cmp(rf_best.m(auc), gbm_best.m(auc))
    if rf_vs == "worse":
        parts.append(f"{big.name} took {secs(big.m('fit_seconds'))} a fit for {v3(big.m(auc))}, and even the "
                     f"best rf ({rf_best.name}, {v3(rf_best.m(auc))}) is under the best gbm "
                     f"({gbm_best.name}, {v3(gbm_best.m(auc))}){slower}, so i'd drop random forest.")
    else:
        parts.append(f"{big.name} took {secs(big.m('fit_seconds'))} a fit for {v3(big.m(auc))}; the best rf "
                     f"({rf_best.name}, {v3(rf_best.m(auc))}) is {rf_vs if rf_vs == 'better' else 'level'} with "
                     f"the best gbm ({v3(gbm_best.m(auc))}){slower}"
                     + (", so i'd drop random forest for iteration speed." if slower else
                        ", so random forest stays in for now."))
    if svc.status == "FAILED":
        parts.append("the svc run (svc-rbf-proba) crashed, i fat-fingered gamma=-0.1, so no number there and "
                     "im not re-running it, svm probabilites are slow anyway.")
    parts.append(f"next: class weighting on {day_best.name}'s config + a seed check.")
    parts.append(f"open q: should the primary metric be pr_auc instead of auc with only "
                 f"{100 * h.positives:.0f}% positives?")
    return " ".join(parts)


def message_day3(h: DemoHistory) -> str:
    """Maya, end of day 3: a small markdown table of her runs, then bullets."""
    auc, pr, f1 = "val_auc", "val_pr_auc", "val_f1"
    base = h[h.base_key]
    hb = base.spec.hyper
    halflr = h["hgb_halflr"].spec.hyper
    rows = [("hgb_bal", "class_weight=balanced"), ("hgb_l2", "l2_regularization=1.0"),
            ("hgb_allfeat", "max_features=1.0"),
            ("hgb_halflr", f"lr {halflr['learning_rate']:g}, {halflr['max_iter']} iters"),
            ("seed7", "seed 7"), ("seed123", "seed 123"), ("seed2024", "seed 2024")]
    lines = [f"gbm follow-ups on {base.spec.author}'s {base.name} config (depth {hb['max_depth']}, "
             f"lr {hb['learning_rate']:g}, {hb['max_iter']} iters, max_features {hb['max_features']:g})", "",
             "| run | change | val_auc | val_pr_auc | val_f1 |", "|---|---|---|---|---|"]
    for key, change in rows:
        r = h[key]
        lines.append(f"| {r.prefix} | {change} | {r.m(auc):.3f} | {r.m(pr):.3f} | {r.m(f1):.3f} |")
    seeds = [base.m(auc), h["seed7"].m(auc), h["seed123"].m(auc), h["seed2024"].m(auc)]
    mean = sum(seeds) / len(seeds)
    noise = (max(seeds) - min(seeds)) / 2
    tie = max(TIE, noise)
    lucky = noise > TIE and base.m(auc) >= max(seeds) and base.m(auc) - mean > TIE
    lines += ["", f"- seeds 7 / 123 / 2024 next to {base.name} itself (seed 42): {v3(min(seeds))} to "
              f"{v3(max(seeds))}, mean {v3(mean)}, so seed noise is about ±{noise:.3f}"
              + (f". {base.name} was the luckiest seed" if lucky else "")]
    bal = h["hgb_bal"]
    f1_word = "up" if bal.m(f1) > base.m(f1) else "down"
    if cmp(bal.m(auc), mean, tie=tie) == "about the same":
        lines.append(f"- class weighting: auc within seed noise ({v3(bal.m(auc))}), f1 {f1_word} "
                     f"({v2(base.m(f1))} -> {v2(bal.m(f1))}), so it mostly moves the threshold")
    else:
        lines.append(f"- class weighting: {cmp(bal.m(auc), mean, tie=tie)} than the seed mean "
                     f"({v3(bal.m(auc))} vs {v3(mean)}), more than the seed noise; f1 {f1_word}")
    for key, what in (("hgb_l2", "l2=1.0"), ("hgb_allfeat", "all features per split"),
                      ("hgb_halflr", "half the lr, twice the iters")):
        r = h[key]
        vs = cmp(r.m(auc), mean, tie=tie)
        lines.append(f"- {what}: {v3(r.m(auc))}, "
                     + ("within seed noise" if vs == "about the same" else f"{vs} than the seed mean"))
    best = _best(list(h.runs.values()))
    families = {"rf": "random forest", "logreg": "logistic regression", "hgb": "gradient boosting",
                "svc": "svm"}
    lines.append(f"- best val_auc so far: {best.name} ({best.prefix}) {v3(best.m(auc))}, "
                 f"{families[best.spec.model]}" + (", partly a lucky seed" if lucky and best is base else ""))
    rfs = [h["rf"], h["rf_bal"], h["rf_big"]]
    gbms = [r for r in h.runs.values() if r.spec.model == "hgb" and r.spec.sampler == "none"]
    rf_vs = cmp(_best(rfs).m(auc), _best(gbms).m(auc), tie=tie)
    slower = _median_fit(rfs) > 2 * _median_fit(gbms)
    if rf_vs == "worse":
        why = "worse than the gbm" + (" and slower" if slower else "")
        lines.append(f"- decision: dropping random forest, {why}. undersampling is out too")
    elif slower:
        lines.append("- decision: dropping random forest, no better than the gbm and much slower to iterate on. "
                     "undersampling is out too")
    else:
        lines.append("- random forest is level with the gbm, keeping both for now. undersampling is out")
    lines.append(f"- next: calibrate the probabilities (isotonic vs platt), freeze {DATASET_VERSION} "
                 "as the dataset version")
    lines.append("- open q: does anyone downstream need calibrated probabilities, or only the ranking?")
    return "\n".join(lines)


def messages(h: DemoHistory) -> list[tuple[dt.datetime, str, str]]:
    """The three end-of-day messages: (when, author, text)."""
    texts = (message_day1(h), message_day2(h), message_day3(h))
    return [(_at(h.days[day], hhmm), author, text)
            for (day, hhmm, author), text in zip(MESSAGE_TIMES, texts, strict=True)]


# -- the walk-through ---------------------------------------------------------------------------------
def prepare_home(demo_home: Path) -> None:
    """Empty the demo folder (only if it is the demo's own) and mark it as the demo's."""
    if demo_home.exists():
        if not demo_home.is_dir():
            raise UserInputError(f"{demo_home} is a file; `coco demo` needs that path for its own folder.")
        if any(demo_home.iterdir()) and not (demo_home / MARKER).exists():
            raise UserInputError(
                f"{demo_home} exists and was not made by `coco demo`; move it away (the demo rebuilds that folder)."
            )
        shutil.rmtree(demo_home)
    demo_home.mkdir(parents=True)
    (demo_home / MARKER).write_text("made by `coco demo`; deleted and rebuilt on every run\n", encoding="utf-8")


def _heading(console: Console, text: str) -> None:
    console.print()
    console.rule(f"[bold cyan]{text}[/]", align="left")


def _said(console: Console, author: str, text: str, when: dt.datetime) -> None:
    from rich.panel import Panel
    from rich.text import Text

    console.print(Panel(Text(text), title=f"{author} → COCO", title_align="left",
                        subtitle=f"{when:%a %d %b %H:%M} UTC", subtitle_align="right", border_style="dim"))


def _runs_table(console: Console, h: DemoHistory) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title=f"MLflow experiment {EXPERIMENT!r} (the real values)", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, padding=(0, 1))
    for col in ("when", "who", "run", "name", "val_auc", "fit s", "not logged"):
        wraps = col in {"name", "not logged"}
        table.add_column(col, justify="right" if col in {"val_auc", "fit s"} else "left", no_wrap=not wraps,
                         overflow="fold" if wraps else "ellipsis")
    for r in sorted(h.runs.values(), key=lambda r: r.start):
        missing = [label for label, ok in (("commit", r.spec.commit), ("data", r.spec.dataset_tag),
                                           ("seed", r.spec.log_seed)) if not ok]
        finished = r.status == "FINISHED"
        table.add_row(f"{r.start:%a %H:%M}", r.spec.author, r.prefix, r.name,
                      f"{r.m('val_auc'):.3f}" if finished else f"[red]{r.status.lower()}[/]",
                      f"{r.m('fit_seconds'):.2f}" if finished else "—", ",".join(missing))
    console.print(table)


async def run_demo(settings: Settings, *, fresh: bool = False) -> int:
    """Build the demo history and walk through COCO's conversations; 0 on success.

    ``fresh`` is accepted for the CLI's ``--fresh``: the demo folder is rebuilt on every run anyway.
    """
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    from rich.console import Console
    from rich.markup import escape

    from bot import render_terminal as view
    from bot.app import open_narrator

    del fresh  # always fresh: see the docstring
    console = Console(highlight=False)
    demo_home = (settings.home_dir / "demo").resolve()
    db_url = f"sqlite:///{demo_home / 'coco.db'}"
    tracking_uri = f"sqlite:///{demo_home / 'mlflow.db'}"
    demo_settings = settings.model_copy(update={
        "home": demo_home, "database_url": db_url, "mlflow_tracking_uri": tracking_uri, "engine": "local",
    })
    started = time.perf_counter()
    console.print(f"[bold]coco demo[/] — everything below lives in {escape(str(demo_home))}, rebuilt on every run "
                  "(safe to repeat; your own projects are untouched; local engine, no network).")
    prepare_home(demo_home)

    days = last_working_days(dt.datetime.now(dt.UTC).date())
    _heading(console, "The work: two people, three days, real models")
    console.print(f"Maya and Sam are building a detector for the digit 9 on scikit-learn's 8×8 digits "
                  f"(with fixed-seed pixel noise, so it is not too easy); only about 1 in 10 images is a 9. "
                  f"They log every run to MLflow as usual. Training {RUN_COUNT} small models now, back-dated "
                  f"to {days[0]:%a %d %b}–{days[-1]:%a %d %b}…")
    history = await asyncio.to_thread(build_history, demo_home, days)
    _runs_table(console, history)
    console.print(f"[dim]{len(history.runs)} runs trained and logged in {history.seconds:.1f} s; "
                  f"val split: {VAL_FRACTION:.0%} stratified, fixed seeds.[/]")

    async with open_narrator(demo_settings) as (narrator, trackers):
        tracker = trackers.for_uri(tracking_uri)
        _heading(console, "Maya links the project (once)")
        console.print(f"$ coco project add {PROJECT} --mlflow-experiment {EXPERIMENT} "
                      "--primary-metric val_auc --goal max")
        project = await narrator.add_project(name=PROJECT, tracker=tracker, experiments=[EXPERIMENT],
                                             primary_metric="val_auc", goal="max")
        view.project_added(project)

        intro = {
            0: "Maya DMs COCO at the end of day 1: terse bullets, run ids pasted from the MLflow UI",
            1: "Sam DMs COCO at the end of day 2, Slack-style, all in one breath",
            2: "Maya wraps up day 3 with a table of her runs",
        }
        for index, (when, author, text) in enumerate(messages(history)):
            _heading(console, f"{intro[index]} ({when:%a %H:%M})")
            _said(console, author, text, when)
            console.print("[bold]COCO files it as an entry, linked to the runs in MLflow:[/]")
            outcome = await narrator.log(project=PROJECT, text=text, author=author, at=when, source="dm")
            view.entry(outcome, project=PROJECT)

        _heading(console, "Their lead asks for a phase summary:  coco phase --project nines")
        view.phase(await narrator.phase(project=PROJECT))

        plans = (
            ("Sam, the next morning, before launching a job", "thinking of downsampling the negatives to 1:1 next"),
            ("Maya, before trying something new", "try a median filter to denoise the pixels before the gbm"),
        )
        for who, plan in plans:
            _heading(console, f"{who}:  coco check \"{plan}\"")
            view.check(await narrator.check(project=PROJECT, text=plan))

        question = "why did we drop random forest?"
        _heading(console, f"A newcomer asks in the thread:  coco ask \"{question}\"")
        view.answer(await narrator.ask(project=PROJECT, question=question))

        _heading(console, "The weekly digest, as COCO posts it on Fridays:  coco digest --project nines")
        view.digest(await narrator.digest(project=PROJECT))

    _try_it_yourself(console, demo_home, history)
    total = time.perf_counter() - started
    console.print(f"[dim]Demo finished in {total:.1f} s (training and logging {history.seconds:.1f} s, "
                  f"COCO {total - history.seconds:.1f} s).[/]")
    return 0


def _coco_command() -> str:
    """How to call this very ``coco``, as a person can paste it: ``.venv/bin/coco`` from the clone,
    else its absolute path (``coco`` alone is "command not found" without an activated venv)."""
    import sys

    exe = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path("coco")
    if exe.name != "coco" or not exe.exists():  # run as `python -m bot.cli` or from a test harness
        exe = Path(sys.executable).with_name("coco")
    exe = exe.absolute()
    try:
        relative = exe.relative_to(Path.cwd())
    except ValueError:
        return shlex.quote(str(exe))
    return shlex.quote(str(relative))


def try_it_commands(*, coco: str, demo_home: Path, no_seed_prefix: str, no_seed_name: str) -> list[tuple[str, str]]:
    """The commands the demo suggests, each working as printed (tests run them literally)."""
    q = shlex.quote
    store, database = f"sqlite:///{demo_home / 'mlflow.db'}", f"sqlite:///{demo_home / 'coco.db'}"
    return [
        (f"export COCO_DATABASE_URL={q(database)} MLFLOW_TRACKING_URI={q(store)}",
         "the demo's COCO database and MLflow store; --project may be left out: there is one project"),
        (f"{coco} phase", "the summary again"),
        (f"{coco} entries --since 7d", "the entries it filed, as it filed them"),
        (f"{coco} ask \"what did class weighting do?\"", "ask anything"),
        (f"{coco} reproduce {no_seed_prefix}", f"{no_seed_name} was logged without commit, dataset version or seed"),
        (f"echo \"tried isotonic calibration, brier went down\" | {coco} log --author you",
         "log your own end-of-day note"),
        (f"make mlflow-ui STORE={q(store)}", "browse the runs and COCO's notes at http://127.0.0.1:5000 (run "
                                             "it in the clone; installs the full mlflow once)"),
    ]


def _try_it_yourself(console: Console, demo_home: Path, h: DemoHistory) -> None:
    no_seed = h["hgb_slow"]
    _heading(console, "Try it yourself")
    for command, why in try_it_commands(coco=_coco_command(), demo_home=demo_home, no_seed_prefix=no_seed.prefix,
                                        no_seed_name=no_seed.name):
        # The comment on its own line: the command line can be copied whole, and the block pasted as is.
        console.print(f"  [dim]# {why}[/]")
        console.print(f"  {command}", markup=False, soft_wrap=True)
