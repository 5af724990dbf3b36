"""Failed starts a rerun replaced: not what a note describes.

A run that crashes at once is relaunched as it was (same settings, often the same name) and the note tells
what the rerun did. The tracker then holds two runs a description fits equally: the failed start and the
rerun. Read as equals, a quoted setting or a group ("the GAN runs") either fits both — and the note links
none of them — or takes in the failed start beside the run it means. A failed run whose settings a later
run of the same author holds unchanged (all of them; a rerun may log more) is such a start; so is a failed
run that logged no settings at all and whose name a later run of the author carries. A run stopped by hand
("killed") or one that crashed after logging its first values is the same start when the rerun holds its
settings: the values it logged are the run's first steps, not a result a note reports. Description reads
past them; a pasted id, a name or a run number still links them (:mod:`narrative.link_explicit`). A note that
tells a failure or a stop ("crashed with an OOM", "OOM'd at step 10 and I restarted it", "1e-3 blew up around
ep40", "I stopped it after an hour") may speak of the failed start: a start its failure sentences tell of (by its
name, or by a value of a setting its author's runs vary) is not read past, and the failure words choose as before,
or leave a tie between the start and its rerun unlinked (``narrative.linking._infer_failed``,
``_divergence_only_lead``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable

from narrative import lexicon
from narrative.link_evidence import FAILED_STATUSES, _metric_matches, _quoted_metric_values
from narrative.statements import split_sentences
from storage.records import RunSnapshot

# A rerun follows its failed start within the working day or the next; a run a week later with the same
# settings is a new experiment that happens to repeat them (a seed replica, a control).
RELAUNCH_WITHIN = dt.timedelta(hours=36)
# A run stopped on purpose is told in other words than a crash; a note saying so may mean the stopped run.
_STOP_CUES = ("stopped", "stop it", "stopping", "cancel*", "abort*", "interrupt*", "preempt*", "ctrl-c", "ctrl+c",
              "restart*", "relaunch*", "resubmit*", "requeue*", "killing", "kill it", "early stop*")


def is_failed(run: RunSnapshot) -> bool:
    return run.status.upper() in FAILED_STATUSES


def _replaces(rerun: RunSnapshot, start: RunSnapshot, *, same_name: bool) -> bool:
    if is_failed(rerun) or rerun.user.strip().lower() != start.user.strip().lower():
        return False
    if not start.start < rerun.start <= start.start + RELAUNCH_WITHIN:
        return False
    name = start.run_name.strip().lower()
    named_alike = bool(name) and rerun.run_name.strip().lower() == name
    if same_name and not named_alike:
        return False
    if start.params:
        return all(rerun.params.get(key) == value for key, value in start.params.items())
    return named_alike


def superseded_starts(runs: Iterable[RunSnapshot], *, same_name: bool = False) -> set[str]:
    """Ids of the failed runs among ``runs`` that a later run among them relaunched unchanged; with
    ``same_name``, only those relaunched under their own name (a name or number written in the note cannot
    tell those two apart, while it does tell a failed "run 84" from its rerun "run 85")."""
    pool = list({r.run_id: r for r in runs}.values())
    failed = [r for r in pool if is_failed(r)]
    if not failed:
        return set()
    # A history holds up to 10k runs: each start is held against its own name's runs, or its author's runs of
    # the next hours, never against all of them.
    if same_name:
        by_name: dict[tuple[str, str], list[RunSnapshot]] = {}
        for run in pool:
            by_name.setdefault((run.user.strip().lower(), run.run_name.strip().lower()), []).append(run)
        return {start.run_id for start in failed
                if any(_replaces(rerun, start, same_name=True)
                       for rerun in by_name[(start.user.strip().lower(), start.run_name.strip().lower())])}
    by_user: dict[str, list[RunSnapshot]] = {}
    for run in sorted(pool, key=lambda r: r.start):
        by_user.setdefault(run.user.strip().lower(), []).append(run)
    starts = {user: [r.start for r in runs] for user, runs in by_user.items()}
    superseded: set[str] = set()
    for start in failed:
        user = start.user.strip().lower()
        first = bisect.bisect_right(starts[user], start.start)
        last = bisect.bisect_right(starts[user], start.start + RELAUNCH_WITHIN)
        if any(_replaces(rerun, start, same_name=False) for rerun in by_user[user][first:last]):
            superseded.add(start.run_id)
    return superseded


def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    words = [re.escape(c[:-1]) + r"\w*" if c.endswith("*") else re.escape(c) for c in cues]
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")(?![a-z0-9])")


_FAILURE_WORDS = _cue_pattern((*lexicon.FAILURE_CUES, *_STOP_CUES))


def _value_at(clause: str, value: str) -> bool:
    return re.search(rf"(?<![a-z0-9.]){re.escape(value)}(?![a-z0-9]|\.\d)", clause) is not None


# A clause ends at punctuation or a contrast: "depths 2,4 did better than depth 8, and depth 16 failed" tells the
# failure of depth 16 only; "depths 2 and 4 failed" of both.
_CLAUSE_END = re.compile(r"[,;:()]|\s(?:but|while|whereas|though|although)\s")


# "it might result in out of memory errors", "if it crashes again": a failure foreseen or supposed, not told.
_SUPPOSED = re.compile(r"\b(?:might|may|could|would|if|whether|unless|in case|risk)\b")


def _told_values(sentences: list[str], values: set[str]) -> set[str] | None:
    """The setting values written in the clauses telling a failure, or None when a clause tells one without
    any ("the wide runs crashed", "run4 OOM'd"): then which run failed is not read from values."""
    told: set[str] = set()
    for sentence in sentences:
        for clause in _CLAUSE_END.split(sentence):
            if _FAILURE_WORDS.search(clause) and not _SUPPOSED.search(clause):
                here = {value for value in values if _value_at(clause, value)}
                if not here:
                    return None
                told |= here
    return told


def read_past(text: str, runs: Iterable[RunSnapshot], *, same_name: bool = False) -> set[str]:
    """The superseded starts among ``runs`` a note reads past: all of them when it tells no failure, else those
    its failure sentences do not tell of: by name, or by the value of a setting its author's runs vary written in
    the clause of a failure word. A clause telling a failure by no such value keeps every start; a start whose
    logged value the note quotes is never read past."""
    pool = list(runs)
    superseded = superseded_starts(pool, same_name=same_name)
    if not superseded:
        return superseded
    # A start that logged values before it stopped is the run a note quoting one of them means.
    quoted = [q for q in _quoted_metric_values(text) if not q.baseline]
    superseded = {r.run_id for r in pool if r.run_id in superseded
                  and not (r.metrics and any(_metric_matches(q, r) for q in quoted))}
    failing = [s for s in (x.lower() for x in split_sentences(text))
               if any(_FAILURE_WORDS.search(c) and not _SUPPOSED.search(c) for c in _CLAUSE_END.split(s))]
    if not failing:
        return superseded
    starts = [r for r in pool if r.run_id in superseded]
    authors = {s.user.strip().lower() for s in starts}
    values: dict[tuple[str, str], set[str]] = {}
    for run in pool:
        if (user := run.user.strip().lower()) in authors:
            for key, value in run.params.items():
                values.setdefault((user, key), set()).add(str(value).strip().lower())
    varied = {pair: seen for pair, seen in values.items() if len(seen) > 1}
    # A history holds up to 10k runs, each with its own values: only those written in a failure's sentence count.
    written = " ".join(failing)
    told = _told_values(failing, {v for seen in varied.values() for v in seen if v and v in written})
    if told is None:
        return set()

    def told_of(start: RunSnapshot) -> bool:
        name = start.run_name.strip().lower()
        user = start.user.strip().lower()
        return (bool(name) and any(lexicon.contains_phrase(s, name) for s in failing)) or any(
            str(v).strip().lower() in told for k, v in start.params.items() if (user, k) in varied)

    return {r.run_id for r in starts if not told_of(r)}
