"""The shape of the code, read from its source (``ast``): which package may import which, how long a
module may grow, and where tracker specifics (run-id syntax, MLflow tag names) and the repository
may appear.

Import direction: ``bot -> narrative -> (adapters, storage) -> core``. Each test's failure message
lists the offending files and lines, so that it says what to move.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = ("bot", "core", "adapters", "narrative", "storage")
# A chat platform, the HTTP client the trackers' REST adapter uses, or a command line: front-end matters
# the narrative layer must never know.
PLATFORM_PACKAGES = frozenset({"slack_bolt", "slack_sdk", "aiohttp", "microsoft_agents", "argparse"})
MAX_MODULE_LINES = 700
# Run-id syntax: hex character classes in a pattern (MLflow's ids; W&B's are base-36).
RUN_ID_SYNTAX = ("[0-9a-f]", "[a-f0-9]", "0-9a-fA-F", "0123456789abcdef")
MLFLOW_TAG = re.compile(r"mlflow\\?\.(?!db\b)")  # a tag name or the tag namespace, not the file mlflow.db



@dataclass(frozen=True)
class Module:
    path: Path
    package: str  # the project package it belongs to
    tree: ast.Module
    lines: int

    @property
    def name(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


def _modules(*packages: str) -> Iterator[Module]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            yield Module(path, package, ast.parse(text, filename=str(path)), len(text.splitlines()))


def _imports(module: Module) -> Iterator[tuple[int, str]]:
    """(line, dotted module name) of every import, lazy ones in functions included; relative imports
    stay in their own package."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                yield node.lineno, module.package
            elif node.module:
                yield node.lineno, node.module
                for alias in node.names:
                    # "from storage import repository" imports the module storage.repository
                    yield node.lineno, f"{node.module}.{alias.name}"


def _violations(packages: tuple[str, ...], forbidden: set[str] | frozenset[str]) -> list[str]:
    out: list[str] = []
    for module in _modules(*packages):
        for line, name in _imports(module):
            if name.split(".")[0] in forbidden:
                out.append(f"{module.name}:{line} imports {name}")
    return sorted(set(out))


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the string constants that are docstrings (prose about a tag is no use of it)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _strings(module: Module) -> Iterator[tuple[int, str]]:
    skip = _docstrings(module.tree)
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def test_core_imports_nothing_of_the_project() -> None:
    bad = _violations(("core",), set(PROJECT_PACKAGES) - {"core"})
    assert not bad, "core/ must import nothing of the project:\n" + "\n".join(bad)


@pytest.mark.parametrize("package", ["storage", "adapters"])
def test_storage_and_adapters_import_only_core(package: str) -> None:
    bad = _violations((package,), set(PROJECT_PACKAGES) - {"core", package})
    assert not bad, f"{package}/ may import only core/ (and itself):\n" + "\n".join(bad)


def test_narrative_imports_no_front_end() -> None:
    bad = _violations(("narrative",), PLATFORM_PACKAGES | {"bot"})
    assert not bad, "narrative/ must not import bot/ or a platform package:\n" + "\n".join(bad)


def test_the_checks_see_what_they_look_for() -> None:
    """The readers above are not vacuous: they find the imports and strings that are there."""
    imported = {name for m in _modules("bot") for _, name in _imports(m)}
    assert "core.errors" in imported and any(name.startswith("narrative.") for name in imported)
    assert any(name.startswith("storage.") for m in _modules("adapters", "narrative") for _, name in _imports(m))
    narrative_strings = [s for m in _modules("narrative") for _, s in _strings(m)]
    assert len(narrative_strings) > 1000


def test_no_module_is_over_700_lines() -> None:
    long = [f"{m.name}: {m.lines} lines" for m in _modules(*PROJECT_PACKAGES)
            if m.lines > MAX_MODULE_LINES and not m.name.startswith("storage/migrations/")]
    assert not long, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(long)


def test_no_run_id_syntax_or_mlflow_tag_outside_adapters() -> None:
    found: list[str] = []
    for module in _modules(*(p for p in PROJECT_PACKAGES if p != "adapters")):
        for line, text in _strings(module):
            syntax = [s for s in RUN_ID_SYNTAX if s in text]
            if syntax:
                found.append(f"{module.name}:{line} run-id syntax {syntax[0]!r}")
            if MLFLOW_TAG.search(text):
                found.append(f"{module.name}:{line} MLflow tag name in {text[:60]!r}")
    assert not found, "tracker specifics outside adapters/:\n" + "\n".join(found)


def test_bot_does_not_touch_the_repository() -> None:
    found: list[str] = []
    for module in _modules("bot"):
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Attribute) and node.attr == "repo":
                found.append(f"{module.name}:{node.lineno} uses .repo")
        for line, name in _imports(module):
            if name == "storage.repository" or name.startswith("storage.repository."):
                found.append(f"{module.name}:{line} imports {name}")
    assert not found, "bot/ must go through the service, not the repository:\n" + "\n".join(sorted(set(found)))
