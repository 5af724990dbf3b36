"""``coco today [--json] [--project P] [--author A]`` through the real binary (issue 15): the table the
end-of-day nudge shows, and a person's mistake as one line with exit status 2."""

from __future__ import annotations

import datetime as dt
import json

from tests.conftest import CocoCli, MlflowStore, RunSpec


def _seed(coco: CocoCli, store: MlflowStore) -> list[str]:
    out = coco("project", "add", "churn", "--mlflow-experiment", "churn-model", "--primary-metric", "val_auc",
               "--goal", "max")
    assert out.returncode == 0, out.stderr
    # Inside today so far (UTC, the CLI workspace's zone), whatever time the test runs.
    now = dt.datetime.now(dt.UTC)
    step = (now - now.replace(hour=0, minute=0, second=0, microsecond=0)) / 5
    start = now - 4 * step
    return [
        store.add(RunSpec("gru-lr3e4", "ana", start, minutes=1, params={"lr": "3e-4", "model": "gru"},
                          metrics={"val_auc": 0.781})),
        store.add(RunSpec("gru-lr1e2", "ana", start + step, minutes=1, status="FAILED",
                          params={"lr": "1e-2", "model": "gru"}, metrics={"val_auc": 0.5})),
        store.add(RunSpec("rf-bob", "bob", start + 2 * step, minutes=1,
                          params={"model": "rf"})),
        store.add(RunSpec("gru-old", "ana", start - dt.timedelta(days=2), params={"lr": "1e-3"})),
    ]


def test_today_json_prints_the_day_s_runs_failed_first(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    ids = _seed(coco, mlflow_store)
    coco.env["TZ"] = "UTC"
    out = coco("today", "--json", "--author", "ana")
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout)
    assert shown["author"] == "ana" and shown["runs"] == 2
    (table,) = shown["tables"]
    assert table["project"] == "churn" and table["primary_metric"] == "val_auc"
    assert [r["run_id"] for r in table["runs"]] == [ids[1], ids[0]]  # FAILED first
    assert table["runs"][0]["status"] == "FAILED" and table["runs"][0]["metric"] == 0.5
    assert table["differing_params"] == ["lr"]
    text = coco("today", "--author", "ana", "--project", "churn")
    assert text.returncode == 0, text.stderr
    printed = text.stdout.decode()
    assert "gru-lr1e2" in printed and "FAILED" in printed and "What did not work?" in printed
    assert printed.index("gru-lr1e2") < printed.index("gru-lr3e4")
    assert "gru-old" not in printed and "rf-bob" not in printed
    nobody = coco("today", "--json", "--author", "zed")
    assert nobody.returncode == 0 and json.loads(nobody.stdout)["tables"] == []


def test_today_for_an_unknown_project_is_one_line_and_exit_2(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    _seed(coco, mlflow_store)
    out = coco("today", "--project", "nope", "--author", "ana")
    assert out.returncode == 2
    lines = out.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "nope" in lines[0] and "Traceback" not in out.stderr.decode()
