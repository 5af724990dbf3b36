"""The decision record: every criterion appears, measured from the tracker or left to the person."""

from __future__ import annotations

import datetime as dt

from narrative.decision import decide, fmt_duration, markdown, measure
from narrative.history_index import HistoryIndex
from narrative.types import ProjectHistory
from storage.records import ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def run(
    key: str, name: str, *, seconds: float | None, metrics: dict[str, float], status: str = "FINISHED"
) -> RunSnapshot:
    end = T0 + dt.timedelta(seconds=seconds) if seconds is not None else None
    return RunSnapshot(project_id="p", run_id=(key * 32)[:32], run_name=name, user="ana", status=status, start=T0,
                       end=end, metrics=metrics, url=f"http://127.0.0.1:5057/#/experiments/1/runs/{(key * 32)[:32]}")


def history(runs: list[RunSnapshot], metric: str = "val_acc") -> ProjectHistory:
    project = ProjectRecord(id="p", workspace_id="w", name="iris", tracker_kind="mlflow", tracker_uri="sqlite://",
                            experiment_ids=["1"], experiment_names=["iris"], primary_metric=metric, goal="max")
    return ProjectHistory(project=project, runs={r.run_id: r for r in runs}, now=T0 + dt.timedelta(days=1))


def index(runs: list[RunSnapshot], metric: str = "val_acc") -> HistoryIndex:
    return HistoryIndex(history(runs, metric))


SVC = run("a", "svc-rbf-C1", seconds=2.4, metrics={"val_acc": 0.967, "inference_latency_ms": 3.1})
LOGREG = run("b", "logreg-C1", seconds=0.8, metrics={"val_acc": 0.933, "inference_latency_ms": 0.4})
FOREST = run("c", "rf-300", seconds=95.0, metrics={"val_acc": 0.967, "inference_latency_ms": 9.0})


def test_every_criterion_appears_measured_or_to_fill_in() -> None:
    doc = decide(index([SVC, LOGREG, FOREST]), finalists=[SVC.run_id, LOGREG.run_id, FOREST.run_id],
                 criteria=["val_acc", "training time", "inference latency", "interpretability"])
    by = {m.criterion: m for m in doc.measures}
    assert list(by) == ["val_acc", "training time", "inference latency", "interpretability"]
    assert by["val_acc"].source == "metric" and by["val_acc"].metric == "val_acc"
    # SVC and the forest tie at the shown precision: no best is claimed.
    assert by["val_acc"].best_run_id is None
    assert by["training time"].source == "wall_time"
    assert by["training time"].values[FOREST.run_id] == 95.0 / 60
    assert by["inference latency"].metric == "inference_latency_ms" and by["inference latency"].goal == "min"
    assert by["inference latency"].best_run_id == LOGREG.run_id
    assert by["interpretability"].source == "judgement"
    md = doc.markdown
    for criterion in ("val_acc", "training time", "inference latency", "interpretability"):
        assert f"| {criterion} |" in md
    assert "_fill in_" in md and "## For you to fill in" in md
    # Run links, and wall times that are not rounded to nothing.
    assert f"[svc-rbf-C1]({SVC.url})" in md
    assert "2.4 s" in md and "1.6 min" in md
    assert "wall time —" not in md


def test_no_tradeoff_for_a_difference_nobody_would_notice() -> None:
    quick = run("d", "svc-quick", seconds=2.3, metrics={"val_acc": 0.95})
    doc = decide(index([SVC, quick]), finalists=[SVC.run_id, quick.run_id], criteria=["val_acc", "training time"])
    assert doc.selected_run_id == SVC.run_id
    assert not any("faster" in t for t in doc.tradeoffs)  # 2.3 s vs 2.4 s is the same
    assert not any("0 vs 0" in t for t in doc.tradeoffs)
    slow = run("e", "svc-slow", seconds=600, metrics={"val_acc": 0.99})
    doc = decide(index([quick, slow]), finalists=[quick.run_id, slow.run_id], criteria=["training time"])
    assert doc.selected_run_id == slow.run_id  # the primary metric is always a criterion
    assert doc.criteria[0] == "val_acc"
    assert any("faster to train (2.3 s vs 10 min)" in t for t in doc.tradeoffs)


def test_missing_end_time_and_metric_are_said_not_invented() -> None:
    running = run("f", "still-running", seconds=None, metrics={}, status="RUNNING")
    m = measure("training time", [SVC, running], primary="val_acc", goal="max")
    assert m.values[running.run_id] is None and m.best_run_id is None
    doc = decide(index([SVC, running]), finalists=[SVC.run_id, running.run_id], criteria=["val_acc"])
    assert "not logged" in doc.markdown
    assert doc.selected_run_id == SVC.run_id


def test_markdown_of_a_record_without_measures_lists_criteria() -> None:
    doc = decide(index([SVC, LOGREG]), finalists=[SVC.run_id, LOGREG.run_id], criteria=["simplicity"])
    bare = doc.model_copy(update={"measures": []})
    assert "| simplicity | your judgement: fill in |" in markdown(bare)


def test_fmt_duration() -> None:
    assert fmt_duration(0.04) == "2.4 s"
    assert fmt_duration(0.5) == "30 s"
    assert fmt_duration(3.25) == "3.2 min"
    assert fmt_duration(180) == "3.0 h"
    assert fmt_duration(None) == "—"


def test_the_record_carries_the_history_behind_the_choice() -> None:
    # test_synthesis's history: undersampling declared dead on day 1, xlnet parked as too slow on day 2.
    from tests.narrative.test_synthesis import ENTRIES, RUNS

    project = ProjectRecord(id="p", workspace_id="w", name="sentiment", primary_metric="val_acc", goal="max")
    hist = ProjectHistory(project=project, entries=list(ENTRIES), runs={r.run_id: r for r in RUNS},
                          now=RUNS[-1].start + dt.timedelta(days=1))
    gru_attn, xlnet = RUNS[4], RUNS[3]
    doc = decide(HistoryIndex(hist), finalists=[gru_attn.run_name, xlnet.run_name], criteria=["val_f1"])
    trail = "\n".join(doc.history)
    assert doc.history[0].startswith("Experiments considered: 7 runs and 3 log entries over 3 days"), trail
    assert any(h.startswith("undersampling — exhausted") for h in doc.history), trail
    assert any(h.lower().startswith("xlnet — abandoned") and "slow" in h for h in doc.history), trail
    assert not any(h.startswith("GRU — exhausted") for h in doc.history), trail  # undersampling was tried *for* it
    cited_entries = {c.entry_id for c in doc.citations}
    assert {"e1", "e2"} <= cited_entries, doc.citations
    assert "## History behind the choice" in doc.markdown
