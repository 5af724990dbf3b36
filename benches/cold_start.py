"""Cold-start time of `coco check` and `coco log`, each in a fresh process.

    .venv/bin/python benches/cold_start.py [--repeat 15]

Builds a small real project (a sqlite MLflow store with a few runs, a COCO SQLite with a few
entries) in a temporary folder, then times whole command invocations. Prints medians and spreads;
targets: `coco check` median under 1.0 s. `python -c pass` is printed too, as the floor.
COCO's packages are byte-compiled first, as `make` leaves them: where PYTHONDONTWRITEBYTECODE is set
an editable install would otherwise compile them from source in every process (~0.25 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COCO = str(Path(sys.executable).with_name("coco"))
_PACKAGES = ("bot", "core", "adapters", "narrative", "storage")


def _time(cmd: list[str], *, env: dict[str, str], stdin: str | None = None, repeat: int) -> list[float]:
    out: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, input=stdin, env=env, capture_output=True, text=True, check=False)
        out.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[1:3]} failed: {proc.stderr.strip()}")
    return out


def _seed(work: Path, env: dict[str, str]) -> None:
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"])
    exp = client.create_experiment("bench")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    for i in range(30):
        t = int((start + dt.timedelta(minutes=10 * i)).timestamp() * 1000)
        run = client.create_run(exp, start_time=t, tags={"mlflow.user": "ana"}, run_name=f"xgb-d{i % 8}")
        client.log_batch(run.info.run_id, metrics=[Metric("val_auc", 0.7 + i / 1000, t, 0)],
                         params=[Param("model", "xgboost"), Param("max_depth", str(i % 8))])
        client.set_terminated(run.info.run_id, end_time=t + 60_000)
    subprocess.run([COCO, "project", "add", "bench", "--mlflow-experiment", "bench", "--primary-metric",
                    "val_auc"], env=env, check=True, capture_output=True)
    for day in range(3):
        subprocess.run([COCO, "log", "--project", "bench", "--author", "ana"], env=env, check=True,
                       capture_output=True, text=True,
                       input=f"day {day}: xgb depth {day + 3} was worse than depth 4, undersampling didn't help. "
                             "next: try lightgbm. q: is the split time-based?")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *_PACKAGES], cwd=root, check=True)
    with tempfile.TemporaryDirectory(prefix="coco-bench-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, COCO_HOME=str(work / "home"), COCO_DATABASE_URL=f"sqlite:///{work}/coco.db",
                   MLFLOW_TRACKING_URI=f"sqlite:///{work}/mlflow.db", COCO_ENGINE="local",
                   MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true")
        _seed(work, env)
        floor = _time([sys.executable, "-c", "pass"], env=env, repeat=args.repeat)
        check = _time([COCO, "check", "--project", "bench", "--json", "try undersampling the negatives"],
                      env=env, repeat=args.repeat)
        logs = _time([COCO, "log", "--project", "bench", "--author", "ana", "--json"], env=env,
                     stdin="xgb depth 5 was fine, next: lightgbm", repeat=max(5, args.repeat // 3))
    for name, xs in (("python -c pass", floor), ("coco check", check), ("coco log", logs)):
        # Under ten samples a decile is not a figure: the spread is then min..max.
        if len(xs) >= 10:
            q = statistics.quantiles(xs, n=10)
            spread = f"p10 {q[0]:.3f}   p90 {q[-1]:.3f}"
        else:
            spread = f"min {min(xs):.3f}   max {max(xs):.3f}"
        print(f"{name:<16} median {statistics.median(xs):.3f} s   {spread}   (n={len(xs)})")
    print(f"coco check median / target 1.0 s: {statistics.median(check) / 1.0:.2f}")
    print(f"coco log median / target 3.0 s: {statistics.median(logs) / 3.0:.2f}")


if __name__ == "__main__":
    main()
