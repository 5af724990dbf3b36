"""`coco chat`: the same conversation in a terminal, through the real binary."""

from __future__ import annotations

import datetime as dt

from tests.conftest import CocoCli, MlflowStore, RunSpec


def test_chat_logs_answers_and_corrects(coco: CocoCli, mlflow_store: MlflowStore) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    smote = mlflow_store.add(RunSpec("xgb-smote", "ana", start, params={"sampler": "smote"},
                                     metrics={"val_auc": 0.781}))
    mlflow_store.add(RunSpec("xgb-d4", "ana", start, metrics={"val_auc": 0.803}))
    out = coco("project", "add", "churn", "--mlflow-experiment", "churn-model", "--primary-metric", "val_auc")
    assert out.returncode == 0, out.stderr.decode()
    script = "\n".join([
        "today: xgb-d4 beat everything. SMOTE oversampling (xgb-smote) did not help, dropping smote.",
        "next: tune max_depth on xgb",
        "",
        "/coco ask why did we drop smote?",
        "/coco check smote oversampling",
        "/coco frobnicate",
        "> actually it was max_depth 4",
        "/quit",
    ]) + "\n"
    env_out = coco("chat", "--user", "ana", stdin=script)
    assert env_out.returncode == 0, env_out.stderr.decode()
    text = env_out.stdout.decode()
    assert "xgb-smote" in text and smote[:8] in text  # the entry, with its runs
    assert "You already tried this" in text  # /coco check
    assert "I don't know `frobnicate`" in text  # unknown -> help
    assert "Updated entry" in text  # the correction
    assert "Traceback" not in env_out.stderr.decode()
