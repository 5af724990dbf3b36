"""Issue 11 point 2: no regex is super-linear on text a person controls.

Every compiled pattern of the project (module-level ``re.Pattern`` objects, also inside module-level
tuples, lists and dicts, in every module of ``narrative``, ``bot``, ``storage``, ``adapters`` and
``core``) is fed adversarial text: repeated words, one huge token, repeated punctuation, long
whitespace runs, nested brackets. A pattern is first screened on 1,000 and 16,000 characters (a
quadratic pattern costs 256x more on 16x the text, a linear one 16x: the margin survives a loaded
machine's noise), so a regression fails before the long run, then run on 100,000 characters under a
fixed time bound. The text entry points (structuring a note,
check, ask, phase) get the same treatment on 100,000-character notes and questions.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
import time
from collections.abc import Iterator
from types import ModuleType

import pytest

import adapters
import bot
import core
import narrative
import storage

# What a person can paste: the 40,000-character "why why why", a single huge token, runs of
# punctuation, whitespace and brackets, and the shapes the readers look for (numbers, arrows, keys).
UNITS = ("why ", "a", "x.", " ", "\n", "((", "a1", ":", "why not stop ", "sk-")
BIG = 100_000
SMALL, MEDIUM = 1_000, 16_000
# On 100,000 characters a linear pattern takes milliseconds (tens under a loaded CI machine); the
# quadratic ones this test caught took 10 s to several minutes.
BOUND_S = 3.0


def _modules() -> Iterator[ModuleType]:
    for package in (narrative, bot, storage, adapters, core):
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" in info.name:
                continue
            try:
                yield importlib.import_module(info.name)
            except ImportError:  # an optional vendor SDK (Teams) not installed here
                continue


def _collect(value: object, name: str, found: dict[tuple[str, int], tuple[str, re.Pattern[str]]],
             depth: int = 0) -> None:
    if isinstance(value, re.Pattern):
        if isinstance(value.pattern, str):
            found.setdefault((value.pattern, value.flags), (name, value))
    elif depth < 3 and isinstance(value, list | tuple | set | frozenset):
        for i, item in enumerate(value):
            _collect(item, f"{name}[{i}]", found, depth + 1)
    elif depth < 3 and isinstance(value, dict):
        for key, item in value.items():
            _collect(item, f"{name}[{key!r}]", found, depth + 1)


def project_patterns() -> list[tuple[str, re.Pattern[str]]]:
    found: dict[tuple[str, int], tuple[str, re.Pattern[str]]] = {}
    for module in _modules():
        for attr, value in vars(module).items():
            if not (attr.startswith("__") or isinstance(value, ModuleType)):
                _collect(value, f"{module.__name__}.{attr}", found)
    return sorted(found.values(), key=lambda item: item[0])


PATTERNS = project_patterns()


def _text(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _cost(pattern: re.Pattern[str], text: str, *, repeat: int = 1) -> float:
    """CPU seconds of this process (not wall time: other processes on a busy machine must not count)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for _match in pattern.finditer(text):
            pass
        best = min(best, time.process_time() - started)
    return best


def test_the_collection_sees_the_project_s_patterns() -> None:
    names = {name for name, _ in PATTERNS}
    assert len(PATTERNS) > 300
    assert any(n.startswith("narrative.answering.") for n in names)
    assert any(n.startswith("narrative.redact._PATTERNS") for n in names)


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_pattern_is_linear_on_100k_adversarial_characters(name: str, pattern: re.Pattern[str]) -> None:
    for unit in UNITS:
        small = _cost(pattern, _text(unit, SMALL), repeat=3)
        medium = _cost(pattern, _text(unit, MEDIUM))
        # Screen: 16x the text may cost at most 64x (linear: 16x; quadratic: 256x); tiny costs are noise.
        assert medium < 0.02 or medium <= 64 * small, (name, unit, small, medium)
        took = _cost(pattern, _text(unit, BIG))
        assert took < BOUND_S, (name, unit, took)


def test_nested_brackets_and_mixed_junk_stay_fast() -> None:
    nested = "(" * 30_000 + "x" + ")" * 30_000 + "[" * 20_000 + "]" * 20_000
    mixed = ("lr=0.1 -> auc .81; why? " + "a" * 5_000 + " :: " + "\t" * 5_000) * 8
    for text in (nested[:BIG], mixed[:BIG]):
        started = time.process_time()
        for _name, pattern in PATTERNS:
            for _match in pattern.finditer(text):
                pass
        assert time.process_time() - started < 20 * BOUND_S


# -- the text entry points ----------------------------------------------------------------------------------


def _history():  # type: ignore[no-untyped-def]
    from narrative.types import ProjectHistory
    from storage.records import ProjectRecord
    from tests.narrative.test_synthesis import ENTRIES, RUNS, T0

    project = ProjectRecord(id="p", workspace_id="w", name="sentiment", primary_metric="val_acc", goal="max")
    return ProjectHistory(project=project, entries=list(ENTRIES), runs={r.run_id: r for r in RUNS},
                          now=T0 + dt.timedelta(days=3))


ENTRY_UNITS = ("why ", "a", "why not stop ", " ", "\n", "x.", "lr=0.1 -> ", "- ", "((", "auc .81 ")


@pytest.mark.parametrize("unit", ENTRY_UNITS)
def test_check_ask_and_phase_on_100k_characters_are_bounded(unit: str) -> None:
    from narrative import synthesis

    history = _history()
    text = _text(unit, BIG)
    for label, work in (("check", lambda: synthesis.check(text, history)),
                        ("ask", lambda: synthesis.answer(text, history))):
        started = time.process_time()
        work()
        assert time.process_time() - started < 10 * BOUND_S, (label, unit)
    long_note = history.entries[0].model_copy(update={"raw_text": text})
    history.entries.append(long_note)
    started = time.process_time()
    synthesis.phase(history)
    assert time.process_time() - started < 10 * BOUND_S, ("phase", unit)


@pytest.mark.parametrize("unit", ENTRY_UNITS)
async def test_structuring_a_100k_note_is_bounded(unit: str) -> None:
    from narrative.local_engine import LocalEngine
    from narrative.service import MAX_STRUCTURED_CHARS
    from narrative.types import StructureRequest
    from tests.narrative.test_synthesis import RUNS, T0

    # The service hands an engine at most MAX_STRUCTURED_CHARS of a note (the whole note is stored).
    request = StructureRequest(text=_text(unit, BIG)[:MAX_STRUCTURED_CHARS], author="ana", at=T0,
                               project=_history().project, window_runs=list(RUNS))
    started = time.process_time()
    await LocalEngine().structure(request)
    assert time.process_time() - started < 10 * BOUND_S, unit
