"""Load an acceptance scenario (``../shared/eval/scenarios/*.json``) in-process, without MLflow.

``load_scenario(path)`` turns a scenario into RunSnapshots with deterministic fake run ids and one
``StructureRequest`` per message, built the way ``narrative.service`` builds it (14-day window of
all users' runs, known runs before ``at``, resolved hex references, the author's previous message
as ``window_start``). ``python -m tests.narrative.scenario_loader [-v] [FILES]`` scores the local
structuring + linking against the scenarios' expectations, like ``score.py`` does for entries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narrative.types import StructureRequest
from storage.records import EntryStructure, ProjectRecord, RunSnapshot

SCENARIO_DIR = Path(__file__).resolve().parents[3] / "shared" / "eval" / "scenarios"
PLACEHOLDER = re.compile(r"\{(r\d+)(?::(\d+))?\}")
HEX_REF = re.compile(r"(?<![0-9a-zA-Z])[0-9a-f]{6,32}(?![0-9a-zA-Z])")
WINDOW = dt.timedelta(days=14)
MAX_ITEM_CHARS = 400


@dataclass
class Scenario:
    data: dict[str, Any]
    runs: dict[str, RunSnapshot]
    ids: dict[str, str]
    requests: list[tuple[str, StructureRequest]]
    project: ProjectRecord
    texts: dict[str, str] = field(default_factory=dict)


def parse_time(iso: str) -> dt.datetime:
    return dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def fake_run_id(scenario_name: str, key: str) -> str:
    return hashlib.md5(f"{scenario_name}:{key}".encode()).hexdigest()


def fill(text: str, ids: dict[str, str]) -> str:
    """Replace ``{r01}`` by the full run id and ``{r01:8}`` by its first 8 characters."""

    def substitute(match: re.Match[str]) -> str:
        run_id = ids[match.group(1)]
        return run_id[: int(match.group(2))] if match.group(2) else run_id

    return PLACEHOLDER.sub(substitute, text)


def load_scenario(path: str | Path) -> Scenario:
    data = json.loads(Path(path).read_text())
    name = data.get("name") or Path(path).stem
    project = ProjectRecord(
        id="p",
        workspace_id="w",
        name=data.get("project", name),
        experiment_ids=["1"],
        experiment_names=[data.get("experiment", "")],
        primary_metric=data.get("primary_metric"),
        goal=data.get("primary_metric_goal", "max"),
    )
    ids = {run["key"]: fake_run_id(name, run["key"]) for run in data["runs"]}
    runs: dict[str, RunSnapshot] = {}
    for run in data["runs"]:
        start = parse_time(run["start"])
        runs[run["key"]] = RunSnapshot(
            project_id="p",
            run_id=ids[run["key"]],
            run_name=run["run_name"],
            experiment_id="1",
            user=run["user"],
            status=run.get("status", "FINISHED"),
            start=start,
            end=start + dt.timedelta(minutes=int(run.get("minutes", 0))),
            params={k: str(v) for k, v in run.get("params", {}).items()},
            metrics={k: float(v) for k, v in run.get("metrics", {}).items()},
            tags=dict(run.get("tags", {})),
        )
    all_runs = list(runs.values())
    requests: list[tuple[str, StructureRequest]] = []
    texts: dict[str, str] = {}
    last_at_by_author: dict[str, dt.datetime] = {}
    for message in sorted(data["messages"], key=lambda m: m["at"]):
        at = parse_time(message["at"])
        text = fill(message["text"], ids)
        texts[message["key"]] = text
        resolved: dict[str, RunSnapshot] = {}
        unresolved: dict[str, str] = {}
        lowered = text.lower()
        refs = [m.group(0) for m in HEX_REF.finditer(lowered)   # as narrative.service: no decimal's digits
                if not re.search(r"\d[.,]$", lowered[max(0, m.start() - 2): m.start()])]
        for ref in dict.fromkeys(refs):
            matches = [r for r in all_runs if r.run_id.startswith(ref)]
            if len(matches) == 1:
                resolved[ref] = matches[0]
            elif len(ref) >= 8:
                unresolved[ref] = "matches no run" if not matches else "matches several runs"
        request = StructureRequest(
            text=text,
            author=message["author"],
            at=at,
            project=project,
            window_runs=[r for r in all_runs if at - WINDOW <= r.start <= at],
            resolved_refs=resolved,
            unresolved_refs=unresolved,
            known_runs=[r for r in all_runs if r.start < at],
            previous_entries=[],
            window_start=last_at_by_author.get(message["author"]),
        )
        last_at_by_author[message["author"]] = at
        requests.append((message["key"], request))
    return Scenario(data=data, runs=runs, ids=ids, requests=requests, project=project, texts=texts)


def _has_any(texts: list[str], needles: list[str]) -> bool:
    blob = " \n".join(t.lower() for t in texts)
    return any(n.lower() in blob for n in needles)


def _section_texts(structure: EntryStructure) -> list[str]:
    return [
        *structure.hypotheses,
        *structure.observations,
        *structure.next_steps,
        *structure.open_questions,
        *(c.text for c in structure.conclusions),
    ]


def score_scenario(path: str | Path, *, verbose: bool = False) -> dict[str, Any]:
    """Link precision/recall/F1, wrong links and field hits of the local engine on one scenario."""
    from narrative.structuring import structure_entry

    scenario = load_scenario(path)
    key_of = {v: k for k, v in scenario.ids.items()}
    by_message = dict(scenario.requests)
    tp = fp = fn = wrong = 0
    hits: list[bool] = []
    misses: list[str] = []
    for want in scenario.data["expect"]["entries"]:
        request = by_message[want["message"]]
        structure = structure_entry(request)
        got = {key_of[r.run_id] for r in structure.runs if r.run_id in key_of}
        expected = set(want["linked_runs"])
        tp += len(got & expected)
        fp += len(got - expected)
        fn += len(expected - got)
        wrong += len(got & set(want.get("must_not_link", [])))
        if got != expected:
            misses.append(f"{want['message']}: linked {sorted(got)} want {sorted(expected)} "
                          f"(extra {sorted(got - expected)}, missing {sorted(expected - got)})")
        texts = _section_texts(structure)
        if not (all(len(t) <= MAX_ITEM_CHARS for t in texts)
                and sum(map(len, texts)) <= 1.6 * len(request.text) + 200):
            misses.append(f"{want['message']}: sections copy the message wholesale")
            structure = EntryStructure()
        negatives = [c.text for c in structure.conclusions if c.verdict == "did_not_work"]
        for name, field_texts, needles in (
            ("hypotheses", structure.hypotheses, want.get("hypotheses_any")),
            ("negative_findings", negatives, want.get("negative_findings_any")),
            ("next_steps", structure.next_steps, want.get("next_steps_any")),
            ("open_questions", structure.open_questions, want.get("open_questions_any")),
        ):
            if needles:
                ok = _has_any(list(field_texts), needles)
                hits.append(ok)
                if not ok:
                    misses.append(f"{want['message']}: {name} lacks any of {needles}: {list(field_texts)}")
        if verbose:
            ratio = sum(map(len, _section_texts(structure))) / max(1, len(request.text))
            print(f"  {want['message']} length ratio {ratio:.2f}, warnings {structure.warnings}")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"scenario": Path(path).name, "precision": precision, "recall": recall, "f1": f1,
            "wrong": wrong, "fields": sum(hits) / len(hits) if hits else 1.0, "misses": misses}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    verbose = "-v" in args
    paths = [Path(a) for a in args if a != "-v"] or sorted(SCENARIO_DIR.glob("*.json"))
    results = []
    for path in paths:
        result = score_scenario(path, verbose=verbose)
        results.append(result)
        print(f"{result['scenario']:<36} link P {result['precision']:.2f} R {result['recall']:.2f} "
              f"F1 {result['f1']:.2f} wrong {result['wrong']}  fields {result['fields']:.2f}")
        if verbose:
            for miss in result["misses"]:
                print(f"    miss: {miss}")
    if results:
        mean_f1 = sum(r["f1"] for r in results) / len(results)
        mean_fields = sum(r["fields"] for r in results) / len(results)
        print(f"MEAN link F1 {mean_f1:.3f}  wrong {sum(r['wrong'] for r in results)}  fields {mean_fields:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
