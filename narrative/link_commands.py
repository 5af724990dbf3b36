"""Runs named by a pasted command line: ``./src/run_model_basic.py -d "/data/x.embd" -f 1 -nn vastness -mn count``,
``th train.lua -jemb_use_global 0 -id 11``, ``python train.py --lr 3e-4 --seed 2``.

A command is what started a run, so its flags are that run's settings: the line names the author's run that
logs every flag it writes with the written value, when exactly one run does (two or more flags logged, so that
one shared setting names nothing). A flag a run logs with another value rules the run out; flags no run logs
(``-p``, an output redirection) neither pick nor rule out. Killed runs count: a pasted command stopped by hand
("ok (stopped)") is still the run it reports; a failed start of the same command is not, when it was relaunched.
Plans ("next: python train.py --lr 1e-4") and questions name none.

Runs that share a name (``-nn vastness`` for every model of a sweep) are told apart by the other flags, and a
line whose flags name no run is not read further for a description: a command's words (paths, script names)
are not evidence of a run.
"""

from __future__ import annotations

import re

from narrative.link_groups import NOT_DONE
from narrative.link_setting_blocks import fits_settings
from storage.records import RunSnapshot

# One flag and its value: "-nn vastness", "--lr=3e-4", '-d "/data/sef/count-110k-p.embd"'. A flag starts a word
# (so "3-5 jun" and "res_2-8-64" are none); a value is quoted, or a word that is not itself a flag nor a shell
# operator.
_FLAG = re.compile(r"(?<![^\s`'\"(])--?([a-z][a-z0-9_\-]{0,30})(?:[= ][ \t]{0,3}(\"[^\"\n]{1,120}\"|'[^'\n]{1,120}'"
                   r"|-?\d[\w.\-+]{0,40}|[a-z./~][^\s`'\"|<>;&]{0,120}))?")
# A command's program: a script path, or an interpreter / launcher word followed by a script or a module.
_PROGRAM = re.compile(r"(?:^|[\s`|$(])(?:[\w./~\-]{1,80}\.(?:py|lua|sh|jl|r)\b|(?:python3?|th|torchrun|accelerate"
                      r"|deepspeed|fairseq-train|bash|sh)\s)")
# Flags every launcher has that say nothing of the run's settings.
_NOT_SETTINGS = frozenset({"m", "u", "c"})


def _flags(line: str) -> list[tuple[str, str]]:
    """The flags a command line writes with a value (the value unquoted)."""
    found: list[tuple[str, str]] = []
    for match in _FLAG.finditer(line):
        name, value = match.group(1).strip("-"), match.group(2)
        if value is None or name in _NOT_SETTINGS:
            continue
        found.append((name.replace("-", "_"), value.strip("\"'")))
    return found


def _fit(run: RunSnapshot, flags: list[tuple[str, str]]) -> int:
    """How many of the flags the run logs with the written value; -1 when one it logs has another value."""
    fits, logged = fits_settings(run, flags)
    return logged if fits else -1


def command_lines(text: str) -> list[str]:
    """The lines of ``text`` that paste a command with at least one flag."""
    return [line for line in text.split("\n") if _PROGRAM.search(line.lower()) and _flags(line.lower())]


def command_references(text: str, window_runs: list[RunSnapshot]) -> list[tuple[str, RunSnapshot]]:
    """(the line as written, run) for every pasted command line that names one run of ``window_runs``."""
    found: list[tuple[str, RunSnapshot]] = []
    if not window_runs:
        return found
    for line in command_lines(text):
        lowered = line.lower()
        if NOT_DONE.search(lowered):
            continue
        flags = _flags(lowered)
        fitting = [run for run in window_runs if _fit(run, flags) >= 2]
        if len(fitting) > 1:
            # A start that failed with the same command was relaunched: the pasted command reports the relaunch.
            fitting = [run for run in fitting if run.status.upper() != "FAILED"]
        if len(fitting) == 1:
            found.append((line, fitting[0]))
    return found
