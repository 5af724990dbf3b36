"""Recorded answers of the history index, so that making the index faster cannot change what COCO says.

``PYTHONHASHSEED=0 python -m tests.narrative.index_golden --write`` records, for a set of histories (the check-latency
bench's synthetic history at small scale, the hand-made histories of ``test_synthesis`` /
``test_checking`` and the project-owned open scenarios under ``tests/scenarios``), a digest of every
``check`` / ``answer`` / ``phase`` / ``digest`` / ``next_plan`` output over a fixed set of queries into
``tests/narrative/data/index_golden.json``. It was first run on main before the index changed;
``test_index_differential`` recomputes the digests and compares. Only digests are stored (no scenario
text ends up in the repository); ``--dump DIR`` writes the full outputs to compare by hand.

The seed is fixed because some outputs depend on the iteration order of sets of strings (which approach
a tie goes to), which Python's hash randomisation changes from one process to the next.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

from narrative import structuring, synthesis
from narrative.history_index import HistoryIndexCache
from narrative.types import ProjectHistory
from storage.records import EntryRecord

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "data" / "index_golden.json"
SCENARIOS = sorted((ROOT / "tests" / "scenarios").glob("*.json")) + sorted(
    (ROOT / "tests" / "scenarios" / "real").glob("*.json"))

GENERIC_PLANS = [
    "try a deeper model with more trees",
    "downsample the majority class so the training set is balanced",
    "lower the learning rate",
    "add dropout",
    "switch the loss to focal loss",
    "try a different seed",
]
GENERIC_QUESTIONS = [
    "what is the best run so far?",
    "what did we try that did not work?",
    "why did we change the primary metric?",
    "which run is best on the metric in force?",
    "how noisy are the seeds?",
    "what should we try next?",
]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_latency_bench", ROOT / "benches" / "check_latency.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _scenario_history(path: Path) -> ProjectHistory:
    from tests.narrative.scenario_loader import load_scenario

    scenario = load_scenario(path)
    entries: list[EntryRecord] = []
    for i, (key, request) in enumerate(scenario.requests):
        structure = structuring.structure_entry(request)
        entries.append(EntryRecord(id=f"{i:04d}-{key}", workspace_id="w", project_id="p", author=request.author,
                                   at=request.at, raw_text=request.text, status="structured", structure=structure))
    runs = {r.run_id: r for r in scenario.runs.values()}
    last = max([e.at for e in entries] + [r.start for r in runs.values()])
    return ProjectHistory(project=scenario.project, entries=entries, runs=runs, now=last + dt.timedelta(days=1))


def histories() -> Iterator[tuple[str, Callable[[], ProjectHistory]]]:
    """(name, builder) of every recorded history; builders so that each test builds afresh."""
    bench = _bench()
    yield "bench-600x80", lambda: bench.build(600, 80)
    yield "bench-3000x300", lambda: bench.build(3000, 300, seed=11)
    from tests.narrative import test_checking as tc
    from tests.narrative import test_synthesis as ts

    project = ts.ProjectRecord(id="p", workspace_id="w", name="sentiment", primary_metric="val_acc", goal="max")
    yield "synthesis-sentiment", lambda: ProjectHistory(
        project=project, entries=list(ts.ENTRIES), runs={r.run_id: r for r in ts.RUNS},
        now=ts.T0 + dt.timedelta(days=3))
    yield "synthesis-price", lambda: ts._hist(ts.PRICE_RUNS, ts.PRICE_ENTRIES)
    yield "checking-rec", tc._rec
    yield "checking-speech", tc._speech
    for path in SCENARIOS:
        yield f"scenario-{path.stem}", (lambda p=path: _scenario_history(p))  # type: ignore[misc]


def _queries(history: ProjectHistory) -> tuple[list[str], list[str]]:
    """Plans and questions: the generic ones plus each entry's own sentences and items read back."""
    plans = list(GENERIC_PLANS)
    questions = list(GENERIC_QUESTIONS)
    for e in sorted(history.entries, key=lambda e: (e.at, e.id))[:40]:
        first = e.raw_text.strip().split("\n")[0][:160]
        if first:
            plans.append(first)
        s = e.structure
        if s is not None:
            plans += [h[:160] for h in s.hypotheses[:1]] + [n[:160] for n in s.next_steps[:1]]
            if s.conclusions:
                questions.append(f"why {s.conclusions[0].text[:120]}?")
            if s.title:
                questions.append(f"what happened with {s.title[:80]}?")
    return list(dict.fromkeys(plans)), list(dict.fromkeys(questions))


def with_stored_features(history: ProjectHistory) -> ProjectHistory:
    """The same history as a database written by this version returns it: each entry with its features."""
    from narrative.index_features import features_for_storage

    entries = [e.model_copy(update={"features": features_for_storage(e)}) for e in history.entries]
    return history.model_copy(update={"entries": entries})


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def outputs(history: ProjectHistory, *, indexes: HistoryIndexCache | None = None) -> dict[str, str]:
    """Every output over the history, serialised as JSON (key: job and query)."""
    indexes = indexes if indexes is not None else HistoryIndexCache()
    plans, questions = _queries(history)
    out: dict[str, str] = {}
    for plan in plans:
        out[f"check:{plan}"] = synthesis.check(plan, history, indexes=indexes).model_dump_json()
    for question in questions:
        out[f"answer:{question}"] = synthesis.answer(question, history, indexes=indexes).model_dump_json()
    out["phase"] = synthesis.phase(history, indexes=indexes).model_dump_json()
    out["digest"] = synthesis.digest(history, days=7, indexes=indexes).model_dump_json()
    out["next_plan"] = synthesis.next_plan(history, indexes=indexes).model_dump_json()
    return out


def digests(history: ProjectHistory, *, indexes: HistoryIndexCache | None = None) -> dict[str, str]:
    return {_digest(k): _digest(v) for k, v in outputs(history, indexes=indexes).items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="record the digests into the golden file")
    ap.add_argument("--dump", type=Path, help="write the full outputs here, one JSON file per history")
    args = ap.parse_args(argv)
    if os.environ.get("PYTHONHASHSEED") != "0":
        print("run with PYTHONHASHSEED=0 (outputs depend on set order)", file=sys.stderr)
        return 2
    recorded: dict[str, dict[str, str]] = {}
    for name, make in histories():
        history = make()
        full = outputs(history)
        recorded[name] = {_digest(k): _digest(v) for k, v in full.items()}
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            (args.dump / f"{name}.json").write_text(json.dumps(full, indent=1, sort_keys=True))
        print(f"{name}: {len(full)} outputs", file=sys.stderr)
    if args.write:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    else:
        for name, make in histories():  # and read from stored features, as a database hands them over
            recorded[f"{name} (stored features)"] = digests(with_stored_features(make()))
        old = json.loads(GOLDEN.read_text())
        old.update({f"{n} (stored features)": d for n, d in list(old.items())})
        bad = [f"{n}:{k}" for n, d in recorded.items() for k, v in d.items() if old.get(n, {}).get(k) != v]
        bad += [n for n, d in old.items() if n in recorded and set(d) != set(recorded[n])]
        print(f"{len(bad)} outputs differ from the recording", file=sys.stderr)
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
