"""Reproduction audit of one run: what the tracker holds, what is missing, how to re-run and verify it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from adapters import recorded_facts, recorded_user_tags
from adapters.tracker import RunFacts
from narrative.history_index import fmt
from narrative.types import ReproReport
from storage.records import EntryRecord, RunSnapshot

# Tags that name the data a run used: their value is the version, whatever it looks like.
_DATA_TAG = re.compile(r"^(dataset(_version|_hash|_digest|_id|_snapshot)?|data_version|data_hash|data_snapshot|"
                       r"dvc(\.|_).*)$", re.I)
# Params count only when the name says version/snapshot/dataset AND the value looks like a version:
# ``train_data=normal_only`` is a filter, ``dataset=2026q1_v1`` or ``data_version=v2`` is a version.
_DATA_PARAM = re.compile(r"(version|snapshot|dataset|data_?hash|data_?tag|data_?rev)", re.I)
# A content digest or commit id used as a data version ("3f9a2c1"): 7 to 64 hex digits. Not a run reference.
_DIGEST = r"^[0-9A-Fa-f]{7,64}$"
_VERSION_VALUE = re.compile(
    r"(?:^|[^a-z])v\d+(?:\.\d+)*(?:$|[^a-z])|_v\d+|\d{4}[-_]?\d{2}[-_]?\d{2}|\d{4}[-_]?(?:q[1-4]|w\d{1,2}|h[12])|"
    rf"{_DIGEST}|^\d+(?:\.\d+)+$|@|:|rev|snapshot|release",
    re.I,
)
# Metrics that time or size a run are not reproduction checks: they vary with the machine.
_NOT_QUALITY = re.compile(r"(seconds|_secs?$|_s$|time|duration|runtime|wall|latency|_ms$|memory|_mb$|_gb$|"
                          r"throughput|qps|samples_per|tokens_per|gpu_util|cpu|epoch$|^epoch|step$)", re.I)
_SEED = ("seed", "random_state", "random_seed", "rng_seed", "global_seed")
_ENV_TAG = re.compile(r"(requirements|conda|docker|image|python_version|python|pip|environment|env|"
                      r"cuda|torch_version|sklearn_version|lockfile|poetry)", re.I)
# Tags or params that hold the command line a run was started with, as the training code logged it.
_COMMAND_KEY = re.compile(r"^(command|cmd|command_?line|cmdline|cli|argv|sys\.argv|launch_command|"
                          r"entrypoint_command)$", re.I)
# A Jupyter kernel's launcher is what a tracker records as the source of a run started from a notebook.
_KERNEL = re.compile(r"(ipykernel_launcher|ipykernel|colab_kernel_launcher|jupyter)", re.I)
# More params than this are listed as a count: an autologged estimator logs every default.
PARAMS_SHOWN = 12
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
    # The cache keeps a run's tags as the tracker recorded them: the adapter tells the person's tags
    # from the tracker's facts (its other fields are read like tags when looking for an environment).
    facts = recorded_facts(run.tags)
    labels = facts.labels
    tags, params = recorded_user_tags(run.tags), run.params
    recorded = {**tags, **facts.other}

    commit = facts.git_commit or tags.get("git_commit") or tags.get("git.commit")
    if commit:
        present["git_commit"] = commit
        dirty = next((v for k, v in recorded.items() if _DIRTY.search(k)), None)
        if dirty is not None and str(dirty).lower() in ("true", "1", "yes"):
            present["uncommitted_changes"] = "the working tree was dirty when this ran"
            missing.append("a clean checkout: the tree had uncommitted changes, so the recorded commit "
                           "does not hold the exact code")
    else:
        missing.append(f"git commit (no {labels.commit} tag: the exact code version is unknown)")

    data = next(((k, v) for k, v in tags.items() if _DATA_TAG.match(k) and v), None) or facts.dataset
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

    env = {k: v for k, v in recorded.items() if _ENV_TAG.search(k)}
    if env:
        present["environment"] = ", ".join(f"{k}={v}" for k, v in list(env.items())[:4])
    else:
        missing.append("environment (no requirements / conda / docker image / python version recorded)")

    source = facts.source_name
    stype = facts.source_type
    notebook = stype.upper() == "NOTEBOOK" or source.endswith(".ipynb") or _KERNEL.search(source) is not None
    if source:
        present["entry_point"] = source + (f" ({stype.lower()})" if stype else "")
        if notebook:
            missing.append("a script entry point: the run came from a notebook, whose cell order is not recorded")
    command, command_source = _recorded_command(recorded, params, facts)
    if command is None and not notebook:
        missing.append(f"command (none recorded: no {labels.project_entry}, no {labels.source}, "
                       "no logged command line)")
    entry = facts.entry_point
    if entry:
        present["project_entry_point"] = entry

    steps: list[str] = []
    failed = run.status.upper() in ("FAILED", "KILLED")
    if failed:
        steps.append(f"This run {run.status.upper()}: a re-run reproduces a failure, and its metrics may be "
                     "partial. Reproduce a finished run instead unless the failure is what you are chasing.")
    if commit:
        steps.append(f"check out the code at {commit[:12]}")
    if data:
        steps.append(f"fetch the data snapshot {data[0]}={data[1]}")
    shown = _params_text(params)
    if command is not None:
        steps.append(f"run the recorded command ({command_source}): {command}")
        if command_source == labels.source and params:
            steps.append(f"its arguments were not recorded; the run logged these params: {shown}")
        elif command_source == labels.project_entry and params:
            steps.append(f"{labels.project_params}; the run logged: {shown}")
    elif notebook:
        steps.append(f"re-execute the notebook {source} top to bottom"
                     + (f" with these params: {shown}" if params else ""))
    else:
        steps.append("the command that started this run is unknown"
                     + (f"; pass these params to your training code: {shown}" if params else
                        " and it logged no params"))

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

    if failed and checks:
        checks.insert(0, "these are the failed run's last values: a successful re-run may end elsewhere")
    talked = [e for e in entries if run.run_id in e.run_ids
              or run.run_id[:8] in e.raw_text or (run.run_name and run.run_name in e.raw_text)]
    discussed = [e.id for e in talked]
    return ReproReport(
        run_id=run.run_id, run_name=run.run_name, url=run.url, status=run.status, present=present,
        missing=missing, steps=steps, checks=checks, entries=discussed, command=command,
        command_source=command_source, params=dict(params), notes=[n for e in talked if (n := note_on_run(run, e))],
    )


def note_on_run(run: RunSnapshot, entry: EntryRecord) -> str:
    """The entry's words about this run: a conclusion tied to it, else the first sentence naming it, else the
    entry's title (the whole note is one click away; a reproduction wants the sentence that matters)."""
    said = next((c.text for c in (entry.structure.conclusions if entry.structure else []) if run.run_id in c.run_ids),
                None)
    if said is None:
        names = [n for n in (run.run_name, run.run_id[:8]) if n]
        said = next((s.strip() for s in _SENTENCE_END.split(entry.raw_text) if any(n in s for n in names)), None)
    if said is None and entry.structure and entry.structure.title:
        said = entry.structure.title
    if not said:
        return ""
    said = " ".join(said.split())
    return f"{entry.author}, {entry.at:%Y-%m-%d} (entry {entry.id}): \"{said[:280]}\""


_SENTENCE_END = re.compile(r"(?<=[.!?])\s{1,8}|\n")


def recorded_command(run: RunSnapshot) -> tuple[str | None, str]:
    """The command that started the run, only as the tracker recorded it, and where it was found.

    In order: a logged command line (a tag or param such as ``command`` or ``sys.argv``), a project
    entry point (the tracker's own re-run command, which passes the run's params), a script named as
    the run's source. Nothing is made up: ``(None, "")`` when none is recorded."""
    facts = recorded_facts(run.tags)
    return _recorded_command({**recorded_user_tags(run.tags), **facts.other}, run.params, facts)


def _recorded_command(
    tags: Mapping[str, str], params: Mapping[str, str], facts: RunFacts
) -> tuple[str | None, str]:
    for where, mapping in (("tag", tags), ("param", params)):
        for key, value in mapping.items():
            if _COMMAND_KEY.match(key) and str(value).strip():
                return " ".join(str(value).split()), f"{where} {key}"
    source = facts.source_name.strip()
    if facts.rerun_command:
        # Its params go with the tracker's own syntax; which of the logged params the entry point
        # declares is in the project's definition, not in the run, so they are listed apart.
        return facts.rerun_command, facts.labels.project_entry
    if source and source.endswith(".py") and not _KERNEL.search(source):
        return f"python {source}", facts.labels.source
    return None, ""


def _params_text(params: Mapping[str, str], *, limit: int = PARAMS_SHOWN) -> str:
    items = [f"{k}={v}" for k, v in sorted(params.items())]
    more = f" (and {len(items) - limit} more in the run's parameters)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more

