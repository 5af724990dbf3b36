"""`check` latency on a large synthetic project: 100,000 runs and 10,000 entries.

    .venv/bin/python benches/check_latency.py [--runs 100000] [--entries 10000] [--queries 200] [--updates] [--phase]

Builds the project history in memory (runs with realistic params across model families, entries
written from templates with linked runs and verdicts, each entry with the features its writer stores
with it: ``narrative.index_features``, computed at write time and timed apart), then times:
  * the cold index build (into a cache like the app's, which freezes large ones) and the first `check`
    on it (which also derives the project's approaches once),
  * warm calls of `check` over varied plans (paraphrases, new ideas) — median, p95, max,
  * with ``--phase``: `phase` on the warm index and from a fresh one,
  * with ``--updates``: 100 new runs and 10 new entries arriving on the warm index (``HistoryIndexCache.
    update``, no rebuild), and the first `check` after them,
and memory: the process peak RSS (history and index; measured before anything else is built) and what
the index holds (tracemalloc of a second build, afterwards).
Targets: cold build under 1.0 s, peak RSS under 300 MB, warm p95 under 50 ms, updates under 100 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import statistics
import time
import tracemalloc

from narrative import synthesis
from narrative.approaches import derive
from narrative.history_index import HistoryIndex, HistoryIndexCache
from narrative.index_features import features_for_storage
from narrative.types import ProjectHistory
from storage.records import Conclusion, EntryRecord, EntryStructure, LinkedRun, ProjectRecord, RunSnapshot

FAMILIES = {
    "xgboost": {"max_depth": ["3", "4", "6", "8"], "learning_rate": ["0.01", "0.05", "0.1"]},
    "lightgbm": {"num_leaves": ["31", "63", "127"], "learning_rate": ["0.03", "0.05"]},
    "random_forest": {"n_estimators": ["200", "500"], "max_depth": ["8", "12", "None"]},
    "logreg": {"C": ["0.1", "1.0", "10"], "class_weight": ["none", "balanced"]},
    "catboost": {"depth": ["6", "8"], "iterations": ["1000", "2000"]},
    "mlp": {"hidden": ["128", "256,128"], "dropout": ["0.1", "0.2"]},
}
SAMPLERS = ["none", "smote", "undersample_1:1", "class_weight"]
FEATURES = ["base_v1", "base_v1+usage_trend", "full_v2", "full_v2+tenure_bucket"]
TEMPLATES = [
    ("tried {fam} with {sampler} on {feat}: {verdict_word}", "{fam} {sampler}"),
    ("{fam} depth sweep on {feat}, best was {name}; deeper trees overfit", "{fam} depth"),
    ("{sampler} again with {fam}, auc {value:.3f}, {verdict_word}", "{sampler}"),
]
PLANS = [
    "thinking about downsampling the majority class so the training set is 50/50",
    "should we give catboost a go? it handles categoricals natively",
    "let's try a deeper xgboost with more trees on the full feature set",
    "going to try focal loss on the MLP",
    "target-encode device_model, it's high-cardinality",
    "try SMOTE oversampling on the text model",
    "lightgbm with 255 leaves on full_v2",
    "calibrate the probabilities with isotonic regression",
]


def build(n_runs: int, n_entries: int, seed: int = 7, *, features: bool = False, first: int = 0) -> ProjectHistory:
    """A synthetic history; ``features``: each entry carries what its writer stores (as written by COCO
    now); ``first``: number runs and entries from there (a later batch of the same project)."""
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    project = ProjectRecord(id="p", workspace_id="w", name="bench", primary_metric="val_auc", goal="max",
                            experiment_ids=["1"])
    runs: dict[str, RunSnapshot] = {}
    run_list: list[RunSnapshot] = []
    for i in range(n_runs):
        fam = rng.choice(list(FAMILIES))
        params = {"model": fam, "sampler": rng.choice(SAMPLERS), "features": rng.choice(FEATURES),
                  "seed": str(rng.choice([7, 42, 123]))}
        params.update({k: rng.choice(v) for k, v in FAMILIES[fam].items()})
        t = start + dt.timedelta(minutes=7 * (first + i))
        run = RunSnapshot(project_id="p", run_id=f"{rng.getrandbits(128):032x}", run_name=f"{fam}-{first + i}",
                          experiment_id="1", user=rng.choice(["ana", "bo", "cy"]),
                          status="FAILED" if rng.random() < 0.03 else "FINISHED", start=t,
                          end=t + dt.timedelta(minutes=5), params=params,
                          metrics={"val_auc": round(rng.uniform(0.7, 0.86), 4),
                                   "val_f1": round(rng.uniform(0.3, 0.5), 4)})
        run = RunSnapshot.model_validate(run.model_dump())  # as the database hands it over: every field set
        runs[run.run_id] = run
        run_list.append(run)
    entries: list[EntryRecord] = []
    first_entry = first // 10
    for j in range(n_entries):
        linked = rng.sample(run_list, 3)
        lead = linked[0]
        verdict = rng.choice(["worked", "did_not_work", "inconclusive"])
        word = {"worked": "clear win", "did_not_work": "didn't help, dropping it", "inconclusive": "flat"}[verdict]
        template, hyp = rng.choice(TEMPLATES)
        fields = {"fam": lead.params["model"], "sampler": lead.params["sampler"], "feat": lead.params["features"],
                  "verdict_word": word, "name": lead.run_name, "value": lead.metrics["val_auc"]}
        text = template.format(**fields)
        structure = EntryStructure(
            title=text[:60], hypotheses=[hyp.format(**fields)], observations=[text],
            runs=[LinkedRun(run_id=r.run_id, run_name=r.run_name, how="name", metrics=dict(r.metrics)) for r in linked],
            conclusions=[Conclusion(text=text, verdict=verdict, run_ids=[lead.run_id])],
            next_steps=["try " + rng.choice(PLANS).split(" ", 3)[-1]],
        )
        entry = EntryRecord(id=f"{first_entry + j:012x}", workspace_id="w", project_id="p", author=lead.user,
                            at=lead.end or lead.start, raw_text=text, status="structured", structure=structure)
        if features:
            entry.features = features_for_storage(entry)
        entries.append(EntryRecord.model_validate(entry.model_dump()))  # as the database hands it over
    return ProjectHistory(project=project, entries=entries, runs=runs, decisions=[],
                          now=start + dt.timedelta(days=800))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _updates(history: ProjectHistory, indexes: HistoryIndexCache, n_runs: int) -> None:
    """100 new runs and 10 new entries (linking them) arrive on the warm index."""
    batch = build(100, 10, seed=99, features=True, first=n_runs)
    # the new entries are written after the new runs, and link them
    t0, c0 = time.perf_counter(), time.process_time()
    idx = indexes.index(history)
    got = indexes.update(history, runs=list(batch.runs.values()), entries=batch.entries)
    took, took_cpu = time.perf_counter() - t0, time.process_time() - c0
    assert got is idx, "the update rebuilt the index"
    t0, c0 = time.perf_counter(), time.process_time()
    synthesis.check(PLANS[2], history, indexes=indexes)
    after, after_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    synthesis.check(PLANS[3], history, indexes=indexes)
    warm = time.perf_counter() - t0
    print(f"updates: 100 runs + 10 entries in place: {took * 1000:.0f} ms wall, {took_cpu * 1000:.0f} ms CPU "
          f"(target < 100 ms; index now {len(idx.runs):,} runs, {len(idx.entries):,} entries)")
    print(f"  first check after them (derives the approaches again): {after * 1000:.0f} ms wall, "
          f"{after_cpu * 1000:.0f} ms CPU; the next one {warm * 1000:.0f} ms")


def _phase(history: ProjectHistory, indexes: HistoryIndexCache) -> None:
    """`phase` reads every approach, and closing one by its numbers compares its runs with earlier runs one
    setting apart: on the warm index (approaches already derived by the first check) and from nothing."""
    t0, c0 = time.perf_counter(), time.process_time()
    report = synthesis.phase(history, indexes=indexes)
    warm, warm_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    synthesis.phase(history, indexes=HistoryIndexCache(freeze_large=True))
    fresh, fresh_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"phase ({len(report.approaches)} approaches): on the warm index {warm * 1000:.0f} ms wall, "
          f"{warm_cpu * 1000:.0f} ms CPU; from a fresh index (build, approaches, phase) {fresh * 1000:.0f} ms "
          f"wall, {fresh_cpu * 1000:.0f} ms CPU")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--entries", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--updates", action="store_true", help="also time runs and entries arriving on the warm index")
    ap.add_argument("--phase", action="store_true", help="also time `phase` on the warm index and on a fresh one")
    args = ap.parse_args()
    t0 = time.perf_counter()
    history = build(args.runs, args.entries)
    built = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    for e in history.entries:  # what each entry's writer stores with it (paid once, when it is written)
        e.features = features_for_storage(e)
    feats, feats_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"built synthetic history: {args.runs:,} runs, {args.entries:,} entries in {built:.1f} s; their stored "
          f"features (write time) {feats:.1f} s wall, {feats_cpu:.1f} s CPU; RSS now {_rss_mb():.0f} MiB")
    indexes = HistoryIndexCache(freeze_large=True)  # as the app builds it, so warm calls reuse the index
    t0, c0 = time.perf_counter(), time.process_time()
    indexes.index(history)
    cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    synthesis.check(PLANS[0], history, indexes=indexes)
    first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    times: list[float] = []
    cpu: list[float] = []
    rng = random.Random(1)
    for i in range(args.queries):
        plan = PLANS[i % len(PLANS)] if i % 3 else f"{rng.choice(PLANS)} with seed {rng.randint(1, 999)}"
        t0, c0 = time.perf_counter(), time.process_time()
        synthesis.check(plan, history, indexes=indexes)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    times.sort()
    cpu.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    cpu95 = cpu[int(0.95 * (len(cpu) - 1))]
    print(f"cold index build: {cold * 1000:.0f} ms wall, {cold_cpu * 1000:.0f} ms CPU (target < 1.0 s); "
          f"first check on it: {first * 1000:.0f} ms wall, {first_cpu * 1000:.0f} ms CPU")
    print(f"warm check: median {statistics.median(times) * 1000:.1f} ms  p95 {p95 * 1000:.1f} ms  "
          f"max {times[-1] * 1000:.1f} ms wall; CPU median {statistics.median(cpu) * 1000:.1f} ms  "
          f"p95 {cpu95 * 1000:.1f} ms  (n={len(times)}; target p95 < 50 ms)")
    if args.updates:
        _updates(history, indexes, args.runs)
    rss_mb = _rss_mb()
    print(f"process peak RSS: {rss_mb:.0f} MiB (target < 300 MB)")
    if args.phase:  # after the peak RSS is read: a second, fresh index would raise it
        _phase(history, indexes)
    # memory: the same index built again under tracemalloc (tracing slows the build, so it is not timed; it
    # raises the RSS, so the peak above is taken before)
    tracemalloc.start()
    idx = HistoryIndex(history)
    derive(idx)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"memory held by the index: {held / 2**20:.0f} MiB (peak while building {peak / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
