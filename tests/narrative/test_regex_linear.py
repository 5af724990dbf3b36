"""No regex of the answering and phase code can backtrack super-linearly on text a person controls.

Two checks: a structural one over every compiled pattern of the modules (an unbounded repeat may only end
the pattern, or start right after an anchor or a lookbehind that forbids its own characters, so a search
restarts inside a long run at most once), and a timing one: ``answer()`` on 100,000 adversarial characters
costs at most a bounded multiple of the same on 1,000 characters (a quadratic step would cost 10,000x).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from types import ModuleType
from typing import Any

import pytest

from narrative import answer_topical, answering, approaches, run_answers, synthesis
from narrative.history_index import HistoryIndex
from narrative.types import ProjectHistory
from storage.records import ProjectRecord
from tests.narrative.test_synthesis import ENTRIES, RUNS, T0

_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}
_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}


def _pins(item: tuple[Any, Any]) -> bool:
    """``^`` or a lookbehind: what follows starts only where the anchor or the lookbehind allows."""
    op, av = item
    if op == C.AT:
        return bool(av == C.AT_BEGINNING)
    return op in (C.ASSERT, C.ASSERT_NOT) and av[0] == -1


def _problems(items: list[tuple[Any, Any]], *, tail: bool, anchored_start: bool, depth: int = 0
              ) -> list[str]:
    """Unbounded repeats in ``items`` that are neither at the pattern's end nor pinned to a run's start."""
    out: list[str] = []
    for i, (op, av) in enumerate(items):
        rest_zero = all(o in _ZERO_WIDTH for o, _ in items[i + 1:])
        here_tail = tail and rest_zero
        prev = items[i - 1] if i else None
        if op in _REPEATS:
            _lo, hi, sub = av
            if hi == C.MAXREPEAT:
                pinned = (prev is None and anchored_start) or (prev is not None and _pins(prev))
                if not (here_tail or pinned):
                    out.append(f"unbounded repeat at item {i} (depth {depth}) is followed by more pattern")
                if depth and not here_tail:
                    out.append(f"unbounded repeat nested at depth {depth}")
            out += _problems(list(sub), tail=here_tail and hi == C.MAXREPEAT, anchored_start=False,
                             depth=depth + 1)
        elif op == C.SUBPATTERN:
            sub = av[-1]
            out += _problems(list(sub), tail=here_tail, anchored_start=prev is None and anchored_start,
                             depth=depth)
        elif op == C.BRANCH:
            for alt in av[1]:
                out += _problems(list(alt), tail=here_tail, anchored_start=prev is None and anchored_start,
                                 depth=depth)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            out += _problems(list(av[1]), tail=False, anchored_start=False, depth=depth)
    return out


def _patterns(mod: ModuleType) -> list[tuple[str, re.Pattern[str]]]:
    return [(name, v) for name, v in vars(mod).items() if isinstance(v, re.Pattern)]


def lint(pattern: re.Pattern[str]) -> list[str]:
    tree = P.parse(pattern.pattern, pattern.flags)
    return _problems(list(tree), tail=True, anchored_start=False)


@pytest.mark.parametrize("mod", [answering, answer_topical, run_answers, approaches, synthesis],
                         ids=lambda m: m.__name__)
def test_every_pattern_is_linear_by_construction(mod: ModuleType) -> None:
    pats = _patterns(mod)
    bad = {name: lint(p) for name, p in pats}
    assert not {k: v for k, v in bad.items() if v}


def test_the_lint_catches_the_patterns_that_were_quadratic() -> None:
    assert lint(re.compile(r"\b(why|reason)\b.*\b(stop|abandon)"))  # issue 11: 17 s at 40k characters
    assert lint(re.compile(r"\s*(?::|->|\bgives?\b)"))
    assert lint(re.compile(r"\s+(?:but|while)\s+"))
    assert lint(re.compile(r"(a|b+)*c"))
    assert not lint(re.compile(r"(?<!\s)\s+(?:but|while)\s+"))
    assert not lint(re.compile(r"^\s*(why|how)\b"))
    assert not lint(re.compile(r"\b(ship\w*|go with)\b"))


def _history() -> ProjectHistory:
    project = ProjectRecord(id="p", workspace_id="w", name="sentiment", primary_metric="val_acc", goal="max")
    return ProjectHistory(project=project, entries=list(ENTRIES), runs={r.run_id: r for r in RUNS},
                          now=T0 + dt.timedelta(days=3))


def _cost(question: str, idx: HistoryIndex) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.process_time()
        answering.answer(question, idx)
        best = min(best, time.process_time() - t)
    return best


@pytest.mark.parametrize("unit", ["why ", "why not stop ", "a", "throw", " ", "1.", "seeds noise ", "- ", "é"])
def test_answer_on_100k_adversarial_characters_costs_like_a_short_question(unit: str) -> None:
    idx = HistoryIndex(_history())  # built outside the timing
    answering.answer("why gru?", idx)
    small = (unit * (1000 // len(unit) + 1))[:1000]
    big = (unit * (100_000 // len(unit) + 1))[:100_000]
    ref = _cost(small, idx)
    took = _cost(big, idx)
    # linear would be ~100x the 1,000-character cost; the question is bounded, so far less; quadratic: 10,000x
    assert took <= 30 * ref + 0.05, (unit, took, ref)
