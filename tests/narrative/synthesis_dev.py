"""Score the synthesis jobs in-process against the dev scenarios, the way score.py does.

    .venv/bin/python -m tests.narrative.synthesis_dev [-v] [--oracle] [FILES]

``--oracle`` links each entry to the scenario's expected runs instead of running the structuring
engine (isolates synthesis quality from linking quality).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

from narrative import synthesis
from narrative.history_index import HistoryIndexCache
from narrative.reproduce import reproduce
from narrative.types import ProjectHistory
from storage.records import EntryRecord, EntryStructure, LinkedRun
from tests.narrative.scenario_loader import SCENARIO_DIR, fill, load_scenario

CLOSED = {"exhausted", "abandoned", "closed"}
OPEN = {"open", "active", "promising", "planned", "adopted"}
REPRO_KINDS = {"git": ("tag", "mlflow.source.git.commit"), "dataset": ("tag", "dataset_version"),
               "seed": ("param", "seed")}


def has_any(texts: list[str], needles: list[str]) -> bool:
    """As the official scorer reads it: a needle counts where a word starts with it ("gbm" is not in "lightgbm")."""
    blob = " \n".join(t.lower() for t in texts)
    return any(re.search(r"(?<![a-z0-9])" + re.escape(n.lower()), blob) for n in needles)


def build_history(path: Path, oracle: bool) -> tuple[ProjectHistory, dict[str, str], dict[str, set[str]], Any]:
    sc = load_scenario(path)
    key_of = {v: k for k, v in sc.ids.items()}
    expected = {e["message"]: e["linked_runs"] for e in sc.data["expect"]["entries"]}
    structure_entry = None
    if not oracle:
        try:
            from narrative.structuring import structure_entry
        except ImportError:
            structure_entry = None
    entries: list[EntryRecord] = []
    entry_runs: dict[str, set[str]] = {}
    for n, (mkey, req) in enumerate(sc.requests):
        if structure_entry is not None:
            req.previous_entries = [e for e in entries if e.author == req.author]
            st = structure_entry(req)
        else:
            st = EntryStructure(runs=[LinkedRun(run_id=sc.ids[k], run_name=sc.runs[k].run_name, how="name")
                                      for k in expected.get(mkey, [])])
        eid = f"e{n + 1:02d}"
        entries.append(EntryRecord(id=eid, workspace_id="w", project_id="p", author=req.author, at=req.at,
                                   raw_text=req.text, status="structured", structure=st))
        entry_runs[eid] = {key_of[r.run_id] for r in st.runs if r.run_id in key_of}
    now = max(r.end or r.start for r in sc.runs.values())
    now = max([now, *(e.at for e in entries)])
    hist = ProjectHistory(project=sc.project, entries=entries, runs={r.run_id: r for r in sc.runs.values()},
                          now=now)
    return hist, key_of, entry_runs, sc


def cited_keys(items: list[Any], key_of: dict[str, str], entry_runs: dict[str, set[str]]) -> set[str]:
    keys: set[str] = set()
    for it in items:
        keys |= {key_of[r] for r in it.run_ids if r in key_of}
        if it.entry_id is not None:
            keys |= entry_runs.get(str(it.entry_id), set())
    return keys if len(keys) <= 6 else set()


def score(path: Path, verbose: bool, oracle: bool) -> dict[str, float]:
    hist, key_of, entry_runs, sc = build_history(path, oracle)
    exp = sc.data["expect"]
    indexes = HistoryIndexCache()  # one index for every question about this history
    misses: list[str] = []
    check_ok = []
    t0 = time.perf_counter()
    for chk in exp["checks"]:
        out = synthesis.check(fill(chk["text"], sc.ids), hist, indexes=indexes)
        ok = out.already_tried == chk["already_tried"]
        if ok and chk["already_tried"] and chk.get("cite_runs_any"):
            ok = bool(cited_keys(out.matches, key_of, entry_runs) & set(chk["cite_runs_any"]))
        check_ok.append(ok)
        if not ok or verbose:
            misses.append(f"{'ok ' if ok else 'MISS'} check {chk['text'][:60]!r}: {out.already_tried} cited "
                          f"{sorted(cited_keys(out.matches, key_of, entry_runs))} want {chk.get('cite_runs_any')}"
                          f" | {out.message[:200]}")
    q_ok = []
    for q in exp["questions"]:
        ans = synthesis.answer(fill(q["q"], sc.ids), hist, indexes=indexes)
        ok = len(ans.answer) <= 900 and has_any([ans.answer], q["answer_any"])
        if q.get("cite_runs_any"):
            ok = ok and bool(cited_keys(ans.citations, key_of, entry_runs) & set(q["cite_runs_any"]))
        q_ok.append(ok)
        if not ok or verbose:
            misses.append(f"{'ok ' if ok else 'MISS'} ask {q['q'][:60]!r}: {ans.answer[:400]!r} cited "
                          f"{sorted(cited_keys(ans.citations, key_of, entry_runs))} want {q.get('cite_runs_any')}")
    ph = synthesis.phase(hist, indexes=indexes)
    want = exp["phase"]
    best = key_of.get(ph.best.run_id) if ph.best else None
    # judged by the approach's name, as the official scorer does: a reason that mentions another line is no match
    closed = [a.name for a in ph.approaches if a.status in CLOSED]
    opened = [a.name for a in ph.approaches if a.status in OPEN] + ph.next_steps
    phase_ok = [best == want["best_run"], has_any(closed, want["exhausted_any"]), has_any(opened, want["open_any"])]
    if not all(phase_ok) or verbose:
        misses.append(f"phase best {best} want {want['best_run']}; closed ok {phase_ok[1]} open ok {phase_ok[2]}")
        for a in ph.approaches:
            misses.append(f"   [{a.status}] {a.name} :: {a.reason[:120]} runs={[key_of.get(r) for r in a.run_ids]}")
        misses.append(f"   next: {ph.next_steps[:6]}")
    repro_ok = []
    for probe in exp["reproduce"]:
        run = sc.runs[probe["run"]]
        rep = reproduce(run, entries=hist.entries, siblings=list(hist.runs.values()))
        raw = next(r for r in sc.data["runs"] if r["key"] == probe["run"])
        present = [k for k, (w, n) in REPRO_KINDS.items() if n in raw.get("tags" if w == "tag" else "params", {})]
        ok = all(has_any(rep.missing, [n]) for n in probe["missing_any"]) and not any(
            has_any(rep.missing, [k]) for k in present)
        repro_ok.append(ok)
        if not ok or verbose:
            misses.append(f"{'ok ' if ok else 'MISS'} reproduce {probe['run']}: {rep.missing} "
                          f"want {probe['missing_any']}")
    dt_ms = (time.perf_counter() - t0) * 1000

    def mean(xs: list[bool]) -> float:
        return sum(xs) / len(xs) if xs else 1.0

    s = {"checks": mean(check_ok), "questions": mean(q_ok), "phase": mean(phase_ok), "reproduce": mean(repro_ok)}
    print(f"{path.name:<36} checks {s['checks']:.2f} ask {s['questions']:.2f} phase {s['phase']:.2f} "
          f"repro {s['reproduce']:.2f}  ({dt_ms:.0f} ms)")
    for m in misses:
        print("    " + m)
    return s


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    verbose = "-v" in args
    oracle = "--oracle" in args
    paths = [Path(a) for a in args if not a.startswith("-")] or sorted(SCENARIO_DIR.glob("*.json"))
    res = [score(p, verbose, oracle) for p in paths]
    keys = ["checks", "questions", "phase", "reproduce"]
    print("MEAN " + " ".join(f"{k} {sum(r[k] for r in res) / len(res):.2f}" for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
