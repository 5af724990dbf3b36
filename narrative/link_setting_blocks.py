"""Runs named by a heading or a block of settings: "### lr = 0.001", "**lr=3e-4**", and a run's settings
written one per line ("1. lr = 0.001 / batch_size = 1024 / num_epochs = 50 / ...", a pasted command line's
"--val_every=4").

A heading that is nothing but settings names the runs of the author's window that have them: a family by a
shared setting, when the setting tells them from the window's other runs
(failed and killed starts left out of both). A block of two or more setting
lines describes one run: it links the author's run that has every stated setting the runs log, when exactly
one does. Settings no run logs ("val_every" when only the code knows it) neither pick nor rule out; a
stated setting a run logs with another value rules it out. Plans and questions link nothing.
"""

from __future__ import annotations

import re

from narrative.link_evidence import param_keys_for, value_matches
from narrative.link_groups import NOT_DONE
from storage.records import RunSnapshot

# One setting: "lr = 0.001", "batch_size=1024", "--val_every=4", "learning rate: 0.01", "num_layers = 1".
_SETTING = re.compile(r"(?<![\w\-])(?:--)?([a-z][a-z0-9_]{0,30}(?: [a-z][a-z0-9_]{0,14})?)\s{0,2}[=:]\s{0,2}"
                      r"([a-z0-9][\w./\-]{0,40})(?![\w./\-])")
# A line that is settings only (after a list marker, a heading's #s, bold marks), with a trailing comment
# in parentheses or a shell continuation allowed.
_MARKERS = re.compile(r"^\s{0,12}(?:#{1,6}\s{1,3}|\d{1,3}[.)]\s{1,3}|[-*+]\s{1,3})?(?:\*\*|__)?")
_HEADING = re.compile(r"^\s{0,3}(?:#{1,6}\s|(?:\*\*|__)[^*_]{1,60}(?:\*\*|__)\s{0,3}$)")
_SEPARATORS = re.compile(r"[\s,;|*_`\\]{0,12}")
_COMMENT = re.compile(r"\([^()\n]{0,80}\)")
_STOPPED = frozenset({"FAILED", "KILLED"})
# Keys that are not settings of a run ("Date: 3", "Note: 1", "step: 10" of a log line).
_NOT_KEYS = frozenset({"date", "time", "note", "notes", "step", "epoch", "loss", "acc", "accuracy", "http",
                       "https", "result", "results", "total", "score", "version"})


def settings_of_line(line: str) -> list[tuple[str, str]] | None:
    """The settings a line consists of, or None when the line says anything else."""
    lowered = line.lower()
    rest = _COMMENT.sub(" ", lowered[_MARKERS.match(lowered).end():])  # type: ignore[union-attr]
    settings: list[tuple[str, str]] = []
    cursor = 0
    for match in _SETTING.finditer(rest):
        if _SEPARATORS.fullmatch(rest[cursor:match.start()]) is None:
            return None
        key = match.group(1).strip()
        if key in _NOT_KEYS:
            return None
        settings.append((key, match.group(2)))
        cursor = match.end()
    if not settings or _SEPARATORS.fullmatch(rest[cursor:]) is None:
        return None
    return settings


def fits_settings(run: RunSnapshot, settings: list[tuple[str, str]]) -> tuple[bool, int]:
    """Whether a run has every stated setting it logs, and how many it logs."""
    logged = 0
    for key, value in settings:
        keys = param_keys_for(key, run.params)
        if not keys:
            continue
        if not any(value_matches(value, run.params[k]) for k in keys):
            return False, logged
        logged += 1
    return True, logged


def setting_block_references(text: str, window_runs: list[RunSnapshot]) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for settings headings and settings blocks of ``text`` (module docstring)."""
    if not window_runs:
        return []
    lines = text.split("\n")
    found: list[tuple[str, RunSnapshot]] = []
    index = 0
    while index < len(lines):
        settings = settings_of_line(lines[index])
        if settings is None:
            index += 1
            continue
        start = index
        block = list(settings)
        heading = bool(_HEADING.match(lines[index]))
        index += 1
        while not heading and index < len(lines):
            more = settings_of_line(lines[index])
            if more is None or _HEADING.match(lines[index]):
                break
            block += more
            index += 1
        before = lines[start - 1] if start else ""
        if NOT_DONE.search(" ".join(lines[start:index]).lower()) or NOT_DONE.search(before.lower()):
            continue
        scored = [(run, *fits_settings(run, block)) for run in window_runs]
        if heading:
            # A section reports an experiment: a failed or killed start with the same settings is not it.
            fitting = [run for run, fits, logged in scored
                       if fits and logged >= 1 and run.status.upper() not in _STOPPED]
            finished = [run for run in window_runs if run.status.upper() not in _STOPPED]
            if 0 < len(fitting) < len(finished):  # a setting every run has tells none apart
                found += [(lines[start].strip(), run) for run in fitting]
        elif index - start >= 2:
            fitting = [run for run, fits, logged in scored if fits and logged >= 2]
            if len(fitting) == 1 and len(window_runs) > 1:
                found.append((lines[start].strip(), fitting[0]))
    return found
