"""Failed starts a rerun replaced: not what a note describes.

A run that crashes at once is relaunched as it was (same settings, often the same name) and the note tells
what the rerun did. The tracker then holds two runs a description fits equally: the failed start and the
rerun. Read as equals, a quoted setting or a group ("the GAN runs") either fits both — and the note links
none of them — or takes in the failed start beside the run it means. A failed run whose settings a later
run of the same author holds unchanged (all of them; a rerun may log more) is such a start; so is a failed
run that logged no settings at all and whose name a later run of the author carries. Description reads
past them; a pasted id, a name or a run number still links them (:mod:`narrative.link_explicit`). A note that
tells a failure ("crashed with an OOM", "OOM'd at step 10 and I restarted it", "1e-3 blew up around ep40") may
speak of the failed start: there nothing is read past, and the failure words choose as before, or leave a tie
between the start and its rerun unlinked (``narrative.linking._infer_failed``, ``_divergence_only_lead``).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable

from narrative import lexicon
from narrative.link_evidence import FAILED_STATUSES
from storage.records import RunSnapshot

# A rerun follows its failed start within the working day or the next; a run a week later with the same
# settings is a new experiment that happens to repeat them (a seed replica, a control).
RELAUNCH_WITHIN = dt.timedelta(hours=36)


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
    failed = [r for r in pool if is_failed(r) and not r.metrics]
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


def read_past(text: str, runs: Iterable[RunSnapshot], *, same_name: bool = False) -> set[str]:
    """The superseded starts among ``runs`` a note reads past: none when it tells a failure."""
    if lexicon.has_cue(text.lower(), lexicon.FAILURE_CUES):
        return set()
    return superseded_starts(runs, same_name=same_name)
