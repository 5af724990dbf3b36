"""Issue 9 point 3 against a real `mlflow server`: a run linked by several entries keeps one line per
entry in its note, newest first, the person's own note kept, within MLflow's 8,000 characters."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

from adapters._mlflow_names import NOTE_TAG
from adapters.tracker import NOTE_LIMIT
from tests.conftest import COCO


def test_the_note_keeps_every_entry_on_a_real_server(mlflow_server: str, tmp_path: Path) -> None:
    from mlflow.entities import Metric
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=mlflow_server)
    exp = client.create_experiment(f"first-hour-{tmp_path.name}")
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    # A long note of the person's own leaves room for a few of COCO's lines only.
    own = "ana: the 80/20 split, stratified. " + "Feature notes: petal width dominates. " * 197
    run = client.create_run(exp, start_time=int(start.timestamp() * 1000), run_name="svc-rbf-C1",
                            tags={"mlflow.user": "ana", NOTE_TAG: own})
    run_id = run.info.run_id
    client.log_batch(run_id, metrics=[Metric("val_acc", 0.96, int(start.timestamp() * 1000) + 1000, 0)])
    client.set_terminated(run_id, end_time=int(start.timestamp() * 1000) + 120_000)
    env = {**os.environ, "COCO_HOME": str(tmp_path / "home"), "HOME": str(tmp_path),
           "COCO_DATABASE_URL": f"sqlite:///{tmp_path / 'coco.db'}", "MLFLOW_TRACKING_URI": mlflow_server,
           "COCO_ENGINE": "local"}
    env.pop("ANTHROPIC_API_KEY", None)

    def coco(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([COCO, *args], input=stdin.encode() if stdin else None, capture_output=True, env=env,
                              cwd=tmp_path, timeout=180, check=False)

    out = coco("project", "add", "iris", "--mlflow-experiment", str(exp), "--primary-metric", "val_acc")
    assert out.returncode == 0, out.stderr.decode()
    entry_ids = []
    for i in range(8):
        when = start + dt.timedelta(hours=1 + i)
        text = f"entry {i}: looked again at {run_id[:10]}. " + "the margin looks wide and stable across folds. " * 12
        out = coco("log", "--project", "iris", "--author", "ana" if i % 2 else "bob", "--at", when.isoformat(),
                   "--json", stdin=text)
        assert out.returncode == 0, out.stderr.decode()
        logged = json.loads(out.stdout)
        assert [r["run_id"] for r in logged["runs"]] == [run_id]
        entry_ids.append(logged["entry_id"])
    note = client.get_run(run_id).data.tags[NOTE_TAG]
    assert note.startswith(own.rstrip())
    assert len(note) <= NOTE_LIMIT
    lines = [line for line in note.splitlines() if line.startswith("- ")]
    shown = [line for line in lines if " · entry " in line]
    assert len(shown) >= 2
    # Newest first: the lines follow the entries backwards from the last one.
    assert [next(e for e in entry_ids if e in line) for line in shown] == entry_ids[::-1][: len(shown)]
    assert len(shown) < len(entry_ids)
    assert lines[-1] == f"- … and {len(entry_ids) - len(shown)} older entries: see `coco entries`"
