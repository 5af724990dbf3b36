"""Wrong-link stress over the fixtures: beside every run, a trap twin; counts of links to the twins.

Kinds of twin (same settings, name and metrics unless said):

* ``failed``: the same author's failed start ten minutes before a finished run, no metrics (a crash at launch,
  relaunched unchanged);
* ``other``: another person's copy a minute later (a teammate running the same config);
* ``old``: the author's copy forty days before the first note, metrics a little lower (the same named config
  run in an earlier phase);
* ``probe``: the author's short probe fifteen minutes before a finished run: two minutes, ``max_steps`` 100,
  metrics at 60%, named as the run with ``-debug`` (a quick try before the real run);
* ``probe-named``: the same probe under the run's own name and settings;
* ``killed``: the author's copy stopped by hand twenty minutes before a finished run, after six minutes, with
  the first values it logged (metrics at 60%; a run killed because something was off, relaunched as it was);
* ``coincide``: the author's run of another configuration in the same hours whose metrics happen to equal the
  run's to the last digit (every setting value changed, named apart): only a number ties it to the note;
* ``stray``: the author's short run of another configuration twenty minutes before (three minutes, every setting
  value changed, metrics halved, named apart): a run nobody mentions;
* ``running``: the author's copy launched ten minutes after a finished run and still running, named apart,
  metrics at 80% (a second try of the same config going while the note reports the first).

A link to a twin is a wrong link; true links lost to the twins show what the ambiguity costs. Held fixtures
print totals only, as ``link_counts`` does.

    .venv/bin/python -m tests.narrative.link_traps [failed|other|old ...]

``running`` is measured, not gated: whether a second running copy of a configuration belongs to a description
of it ("the lr 3e-4 runs") is for the note to say, and the twins take 83 links over the fixtures on 45c0ca7.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.narrative.scenario_loader import SCENARIO_DIR, load_scenario, parse_time

FIXTURES = Path(__file__).parent / "data" / "real_links"
OPEN_REAL = Path(__file__).resolve().parents[1] / "scenarios" / "real"
KINDS = ("failed", "other", "probe", "probe-named", "old", "killed", "coincide", "running", "stray")


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _other_value(value: str) -> str:
    """Another value of the same kind, sharing no word or rounding with it: a number moved far, a flag flipped, a word
    replaced."""
    flags = {"true": "false", "false": "true", "yes": "no", "no": "yes"}
    if value.lower() in flags:
        return flags[value.lower()]
    try:
        return f"{float(value) * 13 + 1000.5:.6g}"
    except ValueError:
        return "qzv"


def with_twins(data: dict[str, Any], kind: str) -> tuple[dict[str, Any], set[str]]:
    """The scenario with a ``kind`` twin beside each run, and the twins' keys."""
    twinned = copy.deepcopy(data)
    first_note = min(parse_time(m["at"]) for m in data["messages"])
    twins: set[str] = set()
    for run in data["runs"]:
        finished = run.get("status", "FINISHED") == "FINISHED"
        if kind in ("failed", "probe", "probe-named", "killed", "running") and not finished:
            continue
        twin = copy.deepcopy(run)
        twin["key"] = f"{run['key']}x"
        start = parse_time(run["start"])
        if kind == "failed":
            twin.update(status="FAILED", minutes=3, metrics={}, start=_iso(start - dt.timedelta(minutes=10)))
        elif kind.startswith("probe"):
            twin.update(minutes=2, start=_iso(start - dt.timedelta(minutes=15)),
                        metrics={k: round(float(v) * 0.6, 4) for k, v in run.get("metrics", {}).items()})
            if kind == "probe":
                twin.update(run_name=f"{run['run_name']}-debug", params={**run.get("params", {}), "max_steps": "100"})
        elif kind == "killed":
            twin.update(status="KILLED", minutes=6, start=_iso(start - dt.timedelta(minutes=20)),
                        metrics={k: round(float(v) * 0.6, 4) for k, v in run.get("metrics", {}).items()})
        elif kind == "coincide":
            twin.update(run_name=f"zq{len(twins)}", start=_iso(start + dt.timedelta(minutes=7)),
                        params={k: _other_value(str(v)) for k, v in run.get("params", {}).items()})
        elif kind == "stray":
            twin.update(run_name=f"zs{len(twins)}", minutes=3, start=_iso(start - dt.timedelta(minutes=20)),
                        params={k: _other_value(str(v)) for k, v in run.get("params", {}).items()},
                        metrics={k: round(float(v) * 0.5, 4) for k, v in run.get("metrics", {}).items()})
        elif kind == "running":
            twin.update(status="RUNNING", minutes=0, run_name=f"{run['run_name']}-again",
                        start=_iso(start + dt.timedelta(minutes=10)),
                        metrics={k: round(float(v) * 0.8, 4) for k, v in run.get("metrics", {}).items()})
        elif kind == "other":
            twin.update(user="zz-visitor", start=_iso(start + dt.timedelta(minutes=1)))
        else:
            twin["start"] = _iso(first_note - dt.timedelta(days=40) + (start - first_note) / 100)
            twin["metrics"] = {k: round(float(v) * 0.97 + 0.0013, 4) for k, v in run.get("metrics", {}).items()}
        twinned["runs"].append(twin)
        twins.add(twin["key"])
    return twinned, twins


def _linked(data: dict[str, Any]) -> dict[str, set[str]]:
    from narrative.structuring import structure_entry

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.json"
        path.write_text(json.dumps(data))
        scenario = load_scenario(path)
    key_of = {v: k for k, v in scenario.ids.items()}
    return {key: {key_of[r.run_id] for r in structure_entry(request).runs if r.run_id in key_of}
            for key, request in scenario.requests}


@functools.cache
def _linked_as_is(path: Path) -> dict[str, set[str]]:
    return _linked(json.loads(path.read_text()))


def measure(path: Path, kind: str) -> tuple[int, int, int]:
    """(links to twins, true links without twins, true links with them)."""
    data = json.loads(path.read_text())
    twinned, twins = with_twins(data, kind)
    before, after = _linked_as_is(path), _linked(twinned)
    wrong = kept = found = 0
    for want in data["expect"]["entries"]:
        expected = set(want["linked_runs"])
        wrong += len(after[want["message"]] & twins)
        found += len(before[want["message"]] & expected)
        kept += len(after[want["message"]] & expected)
    return wrong, found, kept


def fixture_sets() -> dict[str, list[Path]]:
    links = sorted(FIXTURES.glob("*.json"))
    held = [p for p in links if json.loads(p.read_text()).get("split") == "held"]
    return {"dev": sorted(SCENARIO_DIR.glob("*.json")), "open-real": sorted(OPEN_REAL.glob("*.json")),
            "links-tune": [p for p in links if p not in held], "links-held": held}


def main(argv: list[str] | None = None) -> int:
    kinds = list(sys.argv[1:] if argv is None else argv) or list(KINDS)
    for kind in kinds:
        for name, paths in fixture_sets().items():
            figures = [measure(p, kind) for p in paths]
            wrong, found, kept = (sum(f[i] for f in figures) for i in range(3))
            print(f"{kind:<7} {name:<11} files {len(paths):>3}  links to twins {wrong:>3}  "
                  f"true links {found} -> {kept}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
