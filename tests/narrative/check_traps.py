"""Near-miss stress for "already tried?": plans made from each fixture's own runs, counted by kind and set.

Kinds of plan (made from the history's runs, never from its judged text):

* ``moved``: a logged numeric setting at a value no run of the history has and no note writes ("try lr 0.0007"
  when runs used 1e-3 and 3e-4): must NOT read as tried;
* ``used``: the same setting at a value a run did use ("try lr 0.001"): should read as tried (the recall control);
* ``family``: a model family of the concept table that no run or note names, a sibling (same broader concept) of
  one a run uses ("try DeBERTa" where only BERT ran): must NOT read as tried;
* ``reversed``: a setting moved the other way from its first run where every later run moved it one way only
  ("lower the dropout" where the first run had the lowest dropout and the others raised it): must NOT read as tried.

A "tried" on a must-not kind is a false tried; a "not tried" on ``used`` is a miss. Held files print totals only.

    .venv/bin/python -m tests.narrative.check_traps [--detail] [moved|used|family|reversed ...]

``--detail`` prints the false cases of dev, open-real and tune (never held).
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.narrative.scenario_loader import SCENARIO_DIR, parse_time

CHECKS = Path(__file__).parent / "data" / "real_checks"
OPEN_REAL = Path(__file__).resolve().parents[1] / "scenarios" / "real"
KINDS = ("moved", "used", "family", "reversed")
MUST_NOT = frozenset({"moved", "family", "reversed"})
_SKIP_KEYS = re.compile(r"seed|path|dir|file|commit|version|device|gpu|worker|id$|^n_?jobs|log|save|eval_steps")
_PER_FILE = 3  # settings per history and kind (the ones most runs log)


def _num(value: Any) -> float | None:
    try:
        x = float(str(value))
    except ValueError:
        return None
    return x if x == x and abs(x) != float("inf") else None


def _fmt(x: float, like: str) -> str:
    if "e" in like.lower():
        return f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e")
    if float(x).is_integer() and "." not in like:
        return str(int(x))
    return f"{x:.3g}"


def _notes(data: dict[str, Any]) -> str:
    return "\n".join(m.get("text", "") for m in data["messages"]).lower()


def _settings(data: dict[str, Any]) -> list[tuple[str, list[tuple[str, float, str]]]]:
    """Numeric settings worth a plan: (key, [(start, value, spelled)] in run order), most-logged first."""
    by_key: dict[str, list[tuple[str, float, str]]] = {}
    for run in data["runs"]:
        for key, value in run.get("params", {}).items():
            x = _num(value)
            if x is not None and not _SKIP_KEYS.search(key.lower()) and len(key) >= 2:
                by_key.setdefault(key, []).append((run["start"], x, str(value)))
    keys = sorted(by_key, key=lambda k: (-len({v for _, v, _ in by_key[k]}), -len(by_key[k]), k))
    return [(k, sorted(by_key[k], key=lambda t: parse_time(t[0]))) for k in keys]


def _spoken(key: str) -> str:
    return key.replace("_", " ") if "_" in key and len(key) > 12 else key


def _moved(key: str, vals: list[tuple[str, float, str]], notes: str) -> str | None:
    used = {v for _, v, _ in vals}
    like = vals[0][2]
    for factor in (0.7, 1.6, 0.45, 2.7):
        x = min(used) * factor if factor < 1 else max(used) * factor
        if all(u == int(u) for u in used) and "." not in like and "e" not in like.lower():
            x = float(round(x)) or 1.0
        spelled = _fmt(x, like)
        y = _num(spelled)
        if y is None or any(abs(y - u) <= 1e-9 * max(1.0, abs(u)) for u in used):
            continue
        if re.search(r"(?<![\w.])" + re.escape(spelled.lower()) + r"(?![\w]|\.\d)", notes):
            continue
        return f"try {_spoken(key)} {spelled}"
    return None


def _reversed(key: str, vals: list[tuple[str, float, str]], notes: str) -> str | None:
    first = vals[0][1]
    later = [v for _, v, _ in vals[1:] if v != first]
    if not later:
        return None
    word = _spoken(key)
    if all(v > first for v in later):
        direction = "lower"
    elif all(v < first for v in later):
        direction = "raise"
    else:
        return None
    # a note telling the move itself ("lowered the dropout") may tell a try no run logged
    if re.search(direction[:4] + r"\w*\s+(?:the\s+)?" + re.escape(word.lower()), notes):
        return None
    return f"{direction} {word} below {vals[0][2]}" if direction == "lower" else f"raise {word} above {vals[0][2]}"


@functools.cache
def _families() -> tuple[Any, ...]:
    from narrative.concepts import CONCEPTS

    return tuple(c for c in CONCEPTS if c.family and c.kind == "model")


def _family_plans(data: dict[str, Any], notes: str) -> list[str]:
    """Siblings (a shared broader concept) of a family a run uses, named by nothing in the history."""
    blob = notes + "\n" + json.dumps(data["runs"]).lower().replace("_", " ").replace("-", " ")
    fams = _families()

    def named(c: Any) -> bool:
        # glued spellings count too ("FlexVGG" in a run's name is a VGG): an alias anywhere inside a word
        return any(p.search(blob) for p in c.compiled) or any(
            a.lower().replace("_", " ").replace("-", " ") in blob for a in c.aliases if len(a) >= 3) or any(
            re.search(r"(?<![a-z0-9])" + re.escape(a.lower()) + r"(?![a-z0-9])", blob) for a in c.value_aliases)

    runs_text = json.dumps([r.get("params", {}) for r in data["runs"]] + [r.get("run_name", "") for r in
                                                                          data["runs"]]).lower()
    in_runs = [c for c in fams if any(re.search(r"(?<![a-z0-9])" + re.escape(a.lower()) + r"(?![a-z0-9])",
                                                runs_text) for a in c.aliases)]
    plans: list[str] = []
    for c in in_runs:
        for s in fams:
            if s.id != c.id and set(s.broader) & set(c.broader) and not named(s) and s.id not in c.broader \
                    and c.id not in s.broader:
                plan = f"try {s.name} instead of {c.name}"
                if plan not in plans:
                    plans.append(plan)
                break
    return plans[:_PER_FILE]


def plans(data: dict[str, Any], kind: str) -> list[str]:
    notes = _notes(data)
    if kind == "family":
        return _family_plans(data, notes)
    out: list[str] = []
    for key, vals in _settings(data):
        if kind == "moved":
            plan = _moved(key, vals, notes)
        elif kind == "used":
            plan = f"try {_spoken(key)} {vals[-1][2]}"
        else:
            plan = _reversed(key, vals, notes)
        if plan:
            out.append(plan)
        if len(out) >= _PER_FILE:
            break
    return out


@functools.cache
def _history(path: Path) -> tuple[Any, Any]:
    from narrative.history_index import HistoryIndexCache
    from tests.narrative.synthesis_dev import build_history

    hist, _key_of, _entry_runs, _sc = build_history(path, False)
    return hist, HistoryIndexCache()


def outcomes(path: Path, kind: str) -> Iterator[tuple[str, bool, str]]:
    """(plan, read as tried, message) for each plan of ``kind`` made from ``path``'s runs."""
    from narrative import synthesis

    data = json.loads(path.read_text())
    made = plans(data, kind)
    if not made:
        return
    hist, indexes = _history(path)
    for plan in made:
        got = synthesis.check(plan, hist, indexes=indexes)
        yield plan, got.already_tried, got.message


def measure(path: Path, kind: str) -> tuple[int, int]:
    """(wrong answers, plans): a "tried" on a must-not kind, a "not tried" on ``used``."""
    wrong = total = 0
    for _plan, tried, _msg in outcomes(path, kind):
        total += 1
        wrong += tried if kind in MUST_NOT else not tried
    return wrong, total


def _desc(path: Path) -> str:
    return str(json.loads(path.read_text()).get("description", ""))


def fixture_sets() -> dict[str, list[Path]]:
    checks = sorted(CHECKS.glob("*.json"))
    held = [p for p in checks if _desc(p).startswith("HELD")]
    return {"dev": sorted(SCENARIO_DIR.glob("*.json")), "open-real": sorted(OPEN_REAL.glob("*.json")),
            "checks-tune": [p for p in checks if _desc(p).startswith("TUNE")], "checks-held": held}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    detail = "--detail" in args
    kinds = [a for a in args if not a.startswith("--")] or list(KINDS)
    for kind in kinds:
        for name, paths in fixture_sets().items():
            wrong = total = 0
            for p in paths:
                for plan, tried, msg in outcomes(p, kind):
                    total += 1
                    bad = tried if kind in MUST_NOT else not tried
                    wrong += bad
                    if bad and detail and name != "checks-held":
                        print(f"    {p.stem}: {plan!r} -> {msg[:160]!r}")
            what = "false tried" if kind in MUST_NOT else "missed"
            print(f"{kind:<8} {name:<11} files {len(paths):>3}  plans {total:>3}  {what} {wrong:>3}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
