"""Reproduction audit of one run: what the tracker holds, what is missing, how to re-run and verify it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from narrative.history_index import fmt
from narrative.types import ReproReport
from storage.records import EntryRecord, RunSnapshot

# Tags that name the data a run used: their value is the version, whatever it looks like.
_DATA_TAG = re.compile(r"^(dataset(_version|_hash|_digest|_id|_snapshot)?|data_version|data_hash|data_snapshot|"
                       r"dvc(\.|_).*|mlflow\.datasets?.*)$", re.I)
# Params count only when the name says version/snapshot/dataset AND the value looks like a version:
# ``train_data=normal_only`` is a filter, ``dataset=2026q1_v1`` or ``data_version=v2`` is a version.
_DATA_PARAM = re.compile(r"(version|snapshot|dataset|data_?hash|data_?tag|data_?rev)", re.I)
_VERSION_VALUE = re.compile(
    r"(?:^|[^a-z])v\d+(?:\.\d+)*(?:$|[^a-z])|_v\d+|\d{4}[-_]?\d{2}[-_]?\d{2}|\d{4}[-_]?(?:q[1-4]|w\d{1,2}|h[12])|"
    r"^[0-9a-f]{7,64}$|^\d+(?:\.\d+)+$|@|:|rev|snapshot|release",
    re.I,
)
# Metrics that time or size a run are not reproduction checks: they vary with the machine.
_NOT_QUALITY = re.compile(r"(seconds|_secs?$|_s$|time|duration|runtime|wall|latency|_ms$|memory|_mb$|_gb$|"
                          r"throughput|qps|samples_per|tokens_per|gpu_util|cpu|epoch$|^epoch|step$)", re.I)
_SEED = ("seed", "random_state", "random_seed", "rng_seed", "global_seed")
_ENV_TAG = re.compile(r"(requirements|conda|docker|image|python_version|python|pip|environment|env|"
                      r"cuda|torch_version|sklearn_version|lockfile|poetry)", re.I)
_DIRTY = re.compile(r"(dirty|uncommitted|git\.is_dirty|source\.git\.dirty)", re.I)


def _find(mapping: dict[str, str], keys: Sequence[str]) -> tuple[str, str] | None:
    low = {k.lower(): (k, v) for k, v in mapping.items()}
    for key in keys:
        if key in low and str(low[key][1]).strip():
            return low[key]
    return None


def reproduce(
    run: RunSnapshot, *, entries: Sequence[EntryRecord], siblings: Sequence[RunSnapshot] = ()
) -> ReproReport:
    present: dict[str, str] = {}
    missing: list[str] = []
    tags, params = run.tags, run.params

    commit = tags.get("mlflow.source.git.commit") or tags.get("git_commit") or tags.get("git.commit")
    if commit:
        present["git_commit"] = commit
        dirty = next((v for k, v in tags.items() if _DIRTY.search(k)), None)
        if dirty is not None and str(dirty).lower() in ("true", "1", "yes"):
            present["uncommitted_changes"] = "the working tree was dirty when this ran"
            missing.append("a clean checkout: the tree had uncommitted changes, so the recorded commit "
                           "does not hold the exact code")
    else:
        missing.append("git commit (no mlflow.source.git.commit tag: the exact code version is unknown)")

    data = next(((k, v) for k, v in tags.items() if _DATA_TAG.match(k) and v), None)
    data = data or next(((k, v) for k, v in params.items()
                         if _DATA_PARAM.search(k) and v and _VERSION_VALUE.search(str(v))), None)
    if data:
        present["dataset_version"] = f"{data[0]}={data[1]}"
    else:
        missing.append("dataset version (no dataset_version / data_version tag or param: which data snapshot "
                       "was used is unknown)")

    seed = _find(params, _SEED) or _find(tags, _SEED)
    if seed:
        present["seed"] = f"{seed[0]}={seed[1]}"
    else:
        missing.append("seed (no seed / random_state param: reruns may differ by noise)")

    env = {k: v for k, v in tags.items() if _ENV_TAG.search(k) and not k.lower().startswith("mlflow.source")}
    if env:
        present["environment"] = ", ".join(f"{k}={v}" for k, v in list(env.items())[:4])
    else:
        missing.append("environment (no requirements / conda / docker image / python version recorded)")

    source = tags.get("mlflow.source.name", "")
    stype = tags.get("mlflow.source.type", "")
    entry = tags.get("mlflow.project.entryPoint", "")
    if source:
        present["entry_point"] = source + (f" ({stype.lower()})" if stype else "")
        if stype.upper() == "NOTEBOOK" or source.endswith(".ipynb"):
            missing.append("a script entry point: the run came from a notebook, whose cell order is not recorded")
    else:
        missing.append("entry point / command (no mlflow.source.name tag)")
    if entry:
        present["project_entry_point"] = entry

    cmd_params = " ".join(f"--{k} {v}" for k, v in params.items())
    steps: list[str] = []
    if commit:
        steps.append(f"check out the code at {commit[:12]}")
    if data:
        steps.append(f"fetch the data snapshot {data[0]}={data[1]}")
    if entry:
        steps.append(f"mlflow run . -e {entry} " + " ".join(f"-P {k}={v}" for k, v in params.items()))
    elif source and not source.endswith(".ipynb"):
        steps.append(f"python {source} {cmd_params}".strip())
    elif source:
        steps.append(f"re-execute {source} top to bottom with: " + ", ".join(f"{k}={v}" for k, v in params.items()))
    else:
        steps.append("re-run the training entry point with: " + ", ".join(f"{k}={v}" for k, v in params.items()))

    checks: list[str] = []
    same = [s for s in siblings if s.run_id != run.run_id and s.status.upper() not in ("FAILED", "KILLED")
            and {k: v for k, v in s.params.items() if k.lower() not in _SEED}
            == {k: v for k, v in params.items() if k.lower() not in _SEED}]
    for name, value in sorted(run.metrics.items()):
        if _NOT_QUALITY.search(name):
            continue
        vals = [s.metrics[name] for s in same if name in s.metrics] + [value]
        spread = max(vals) - min(vals) if len(vals) >= 2 else 0.0
        tol = max(spread, abs(value) * 0.005, 1e-3)
        src = f"the spread across {len(vals)} seeds" if len(vals) >= 2 else "0.5% relative"
        checks.append(f"{name} within ±{fmt(tol)} of {fmt(value)} ({src})")

    discussed = [e.id for e in entries if run.run_id in e.run_ids
                 or run.run_id[:8] in e.raw_text or (run.run_name and run.run_name in e.raw_text)]
    return ReproReport(
        run_id=run.run_id, run_name=run.run_name, url=run.url, present=present, missing=missing,
        steps=steps, checks=checks, entries=discussed,
    )

