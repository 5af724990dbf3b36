"""Issue 9, through the real `coco` binary on a real MLflow sqlite store: run notes keep every entry,
one run resolver, the primary metric checked at `project add`, tables lead with the primary metric,
`reproduce` invents no command, `decide` keeps every criterion, the digest's header and chart."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from tests.conftest import CocoCli, MlflowStore, RunSpec

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
# What sklearn autologging writes: training_* metrics first in the alphabet, and every default param.
AUTOLOG_METRICS = {"training_accuracy_score": 0.99, "training_f1_score": 0.98, "training_log_loss": 0.05,
                   "training_precision_score": 0.99, "training_recall_score": 0.98, "training_roc_auc": 0.999}
SVC_PARAMS = {"C": "1.0", "break_ties": "False", "cache_size": "200", "class_weight": "None", "coef0": "0.0",
              "decision_function_shape": "ovr", "degree": "3", "gamma": "scale", "kernel": "rbf", "max_iter": "-1",
              "probability": "False", "random_state": "None", "shrinking": "True", "tol": "0.001",
              "verbose": "False"}


def _err(proc: object) -> str:
    err = proc.stderr.decode()  # type: ignore[attr-defined]
    assert "Traceback" not in err
    return err


def _one_line(proc: object) -> str:
    err = _err(proc)
    assert err.count("\n") == 1 and err.startswith("coco: "), err
    return err


def _wide(coco: CocoCli) -> CocoCli:
    return CocoCli(env={**coco.env, "COLUMNS": "200"}, cwd=coco.cwd)


def _seed(store: MlflowStore) -> dict[str, str]:
    start = NOW - dt.timedelta(hours=6)
    return {
        "svc": store.add(RunSpec("svc-rbf-C1", "ana", start, minutes=3, params=SVC_PARAMS,
                                 metrics={**AUTOLOG_METRICS, "val_auc": 0.941, "val_acc": 0.9})),
        "logreg": store.add(RunSpec("logreg-C1", "ana", start + dt.timedelta(minutes=20), minutes=1,
                                    params={"C": "1.0", "seed": "3"}, metrics={"val_auc": 0.902, "val_acc": 0.88})),
        "forest": store.add(RunSpec("rf-300", "bob", start + dt.timedelta(minutes=40), minutes=25,
                                    params={"n_estimators": "300"}, metrics={"val_auc": 0.95, "val_acc": 0.9})),
        "crash": store.add(RunSpec("svc-poly", "bob", start + dt.timedelta(minutes=70), minutes=1, status="FAILED",
                                   params=SVC_PARAMS, metrics={"training_accuracy_score": 0.4})),
    }


def _project(coco: CocoCli) -> None:
    out = coco("project", "add", "churn", "--mlflow-experiment", "churn-model", "--primary-metric", "val_auc")
    assert out.returncode == 0, _err(out)


def test_primary_metric_typo_is_refused_when_runs_exist_and_warned_when_none(
    coco: CocoCli, mlflow_store: MlflowStore
) -> None:
    out = coco("project", "add", "early", "--mlflow-experiment", "churn-model", "--primary-metric", "val_acu")
    assert out.returncode == 0, _err(out)
    assert "no runs yet" in _err(out) and "val_acu" in _err(out)
    _seed(mlflow_store)
    out = coco("project", "add", "churn", "--mlflow-experiment", "churn-model", "--primary-metric", "val_acu")
    assert out.returncode == 2
    err = _one_line(out)
    assert "val_acu" in err and "val_acc" in err and "val_auc" in err
    out = coco("project", "list", "--json")
    assert "churn" not in [p["name"] for p in json.loads(out.stdout)]
    out = coco("project", "add", "churn", "--mlflow-experiment", "churn-model", "--primary-metric", "val_auc")
    assert out.returncode == 0 and _err(out) == ""


def test_one_resolver_for_every_command(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    ids = _seed(mlflow_store)
    twin = mlflow_store.add(RunSpec("logreg-C1", "bob", NOW - dt.timedelta(hours=1), params={"C": "1.0"},
                                    metrics={"val_auc": 0.903}))
    _project(coco)
    for ref in ("svc-rbf-C1", ids["svc"][:6], ids["svc"]):
        out = coco("reproduce", "--project", "churn", "--json", ref)
        assert out.returncode == 0, _err(out)
        assert json.loads(out.stdout)["run_id"] == ids["svc"]
    out = coco("decide", "--project", "churn", "--finalist", "svc-rbf-C1", "--finalist", ids["forest"][:8], "--json")
    assert out.returncode == 0, _err(out)
    assert [f["run_id"] for f in json.loads(out.stdout)["finalists"]] == [ids["svc"], ids["forest"]]
    # The same name twice: one line naming both runs.
    out = coco("decide", "--project", "churn", "--finalist", "logreg-C1", "--finalist", "rf-300")
    assert out.returncode == 2
    err = _one_line(out)
    assert ids["logreg"][:8] in err and twin[:8] in err and "2 runs" in err
    # Unknown: one line with the closest names.
    out = coco("reproduce", "--project", "churn", "svc-rbf-C2")
    assert out.returncode == 2
    assert "svc-rbf-C1" in _one_line(out)


def test_reproduce_shows_no_invented_command_and_a_failed_run_says_so_first(
    coco: CocoCli, mlflow_store: MlflowStore
) -> None:
    ids = _seed(mlflow_store)
    _project(coco)
    out = _wide(coco)("reproduce", "--project", "churn", "svc-poly")
    assert out.returncode == 0, _err(out)
    text = out.stdout.decode()
    assert text.splitlines()[0].startswith("This run FAILED")
    assert not re.search(r"python \S+\.py|mlflow run", text) and "--C" not in text and "--kernel" not in text
    assert "command that started this run is unknown" in text and "C=1.0" in text and "more in the run's" in text
    report = json.loads(coco("reproduce", "--project", "churn", "--json", ids["crash"]).stdout)
    assert report["status"] == "FAILED" and report["command"] is None
    assert report["params"] == SVC_PARAMS


def test_decide_keeps_every_criterion_with_tracker_times_and_run_links(
    coco: CocoCli, mlflow_store: MlflowStore, tmp_path: Path
) -> None:
    ids = _seed(mlflow_store)
    _project(coco)
    md_path = tmp_path / "decision.md"
    out = coco("decide", "--project", "churn", "--finalist", "svc-rbf-C1", "--finalist", "rf-300",
               "--finalist", "logreg-C1", "--criterion", "val_auc", "--criterion", "training time",
               "--criterion", "interpretability", "--markdown", str(md_path), "--json")
    assert out.returncode == 0, _err(out)
    doc = json.loads(out.stdout)
    assert [m["criterion"] for m in doc["measures"]] == ["val_auc", "training time", "interpretability"]
    assert [m["source"] for m in doc["measures"]] == ["metric", "wall_time", "judgement"]
    assert doc["selected_run_id"] == ids["forest"]
    md = md_path.read_text()
    for criterion in ("val_auc", "training time", "interpretability"):
        assert f"| {criterion} |" in md
    assert "_fill in_" in md
    assert "3.0 min" in md and "25 min" in md and "1.0 min" in md  # from the tracker's start and end times
    assert re.search(rf"\[rf-300\]\(http[^)]*/runs/{ids['forest']}\)", md)
    assert not re.search(r"\b0 vs 0 min", md)
    assert any("faster to train (3.0 min vs 25 min)" in t for t in doc["tradeoffs"])


def test_log_table_leads_with_the_primary_metric_and_the_note_keeps_every_entry(
    coco: CocoCli, mlflow_store: MlflowStore
) -> None:
    from mlflow.tracking import MlflowClient

    ids = _seed(mlflow_store)
    _project(coco)
    client = MlflowClient(tracking_uri=mlflow_store.uri)
    client.set_tag(ids["svc"], "mlflow.note.content", "ana's own note: used the 80/20 split")
    wide = _wide(coco)
    first = wide("log", "--project", "churn", "--author", "ana", "--at", (NOW - dt.timedelta(hours=2)).isoformat(),
                 stdin=f"svc {ids['svc']} is the baseline, val_acc .9 too\nq: is the split stratified?")
    assert first.returncode == 0, _err(first)
    header = next(line for line in first.stdout.decode().splitlines() if "linked by" in line)
    # The primary metric, then the metric the person quoted, before any autologged training_* column.
    assert header.index("val_auc") < header.index("val_acc")
    assert "training_" not in header
    second = coco("log", "--project", "churn", "--author", "bob", "--at", (NOW - dt.timedelta(hours=1)).isoformat(),
                  "--json", stdin=f"re-ran {ids['svc']} with the same params: same auc")
    assert second.returncode == 0, _err(second)
    entries = [json.loads(second.stdout)["entry_id"]]
    note = client.get_run(ids["svc"]).data.tags["mlflow.note.content"]
    assert note.startswith("ana's own note: used the 80/20 split")
    lines = [line for line in note.splitlines() if line.startswith("- ")]
    assert len(lines) == 2 and entries[0] in lines[0] and "· bob ·" in lines[0] and "· ana ·" in lines[1]


def test_digest_header_sections_and_chart(coco: CocoCli, mlflow_store: MlflowStore, tmp_path: Path) -> None:
    ids = _seed(mlflow_store)
    _project(coco)
    out = coco("log", "--project", "churn", "--author", "ana", "--at", (NOW - dt.timedelta(hours=2)).isoformat(),
               stdin=f"svc {ids['svc']} and the forest {ids['forest']}.\nq: is the split stratified?")
    assert out.returncode == 0, _err(out)
    chart = tmp_path / "charts" / "out.png"
    out = _wide(coco)("digest", "--project", "churn", "--chart", str(chart))
    assert out.returncode == 0, _err(out)
    text = out.stdout.decode()
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"written to {chart.resolve()}" in " ".join(text.split())
    days = sorted({(NOW - dt.timedelta(hours=h)).date().isoformat() for h in (2, 6, 5)})
    assert f"work of {days[0]}" in text and "week of" not in text
    assert "Open questions" in text and "open_questions" not in text
    out = coco("digest", "--project", "churn", "--json", "--chart", str(chart))
    assert out.returncode == 0, _err(out)
    assert json.loads(out.stdout)["work_to"] == days[-1]
    assert f"chart written to {chart.resolve()}" in _err(out)
