"""Short probe runs: a quick try of a configuration before its real run ("does it start, does the loss
move"), cut to a few steps or a sample of the data. Notes rarely speak of them; they report the real run.

Such a probe has the real run's settings, bar the ones that set the budget (steps, epochs, iterations, a
data fraction, a debug flag), starts before it the same day or the next, and lasts a small part of it. Read
as a run of its own, a description of the real run ("the lr 3e-4 runs", "label smoothing helped") fits the
probe too and takes it in, or ties with it and links neither. Description reads past probes; a pasted id or
the probe's own name still links one (:mod:`narrative.link_explicit`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from narrative.link_failed_starts import RELAUNCH_WITHIN, is_failed
from storage.records import RunSnapshot

# Words of a setting's key that size a run's budget rather than say what it is ("max_steps", "limit_train_batches",
# "fast_dev_run", "debug"); a key is split into its words, so "sampler" or "step_lr_gamma" stay what the run is.
_BUDGET_WORDS = frozenset({"step", "steps", "epoch", "epochs", "iter", "iters", "iteration", "iterations", "limit",
                           "debug", "subset", "smoke", "dry", "dryrun", "fast", "quick", "samples", "batches"})
_KEY_WORD = re.compile(r"[a-z]+")
# A probe lasts at most this part of the real run, and the real run is long enough for a probe to make sense.
PROBE_SHARE = 0.2
REAL_RUN_AT_LEAST = dt.timedelta(minutes=10)
MAX_PROBE = dt.timedelta(minutes=30)


def _duration(run: RunSnapshot) -> dt.timedelta | None:
    return run.end - run.start if run.end is not None and run.end >= run.start else None


def _what_it_is(run: RunSnapshot) -> dict[str, str]:
    return {k: v for k, v in run.params.items() if not _BUDGET_WORDS.intersection(_KEY_WORD.findall(k.lower()))}


def _probes(probe: RunSnapshot, real: RunSnapshot, *, same_name: bool) -> bool:
    """Whether ``probe`` is a short try of ``real`` (their settings bar the budget already found equal)."""
    if same_name and probe.run_name.strip().lower() != real.run_name.strip().lower():
        return False
    if is_failed(real) or not probe.start < real.start <= probe.start + RELAUNCH_WITHIN:
        return False
    short, long = _duration(probe), _duration(real)
    return not (short is None or long is None or long < REAL_RUN_AT_LEAST or short > PROBE_SHARE * long)


def probe_sets(runs: Iterable[RunSnapshot]) -> tuple[set[str], set[str]]:
    """Ids of the finished runs among ``runs`` that are short probes of a later run among them, and of those the
    ones bearing the real run's name (which the name therefore means), found in one pass."""
    pool = list({r.run_id: r for r in runs}.values())
    probes = [r for r in pool if not is_failed(r) and (d := _duration(r)) is not None and d <= MAX_PROBE]
    if not probes:
        return set(), set()
    # Runs are grouped by author and settings once: a history holds up to 10k runs.
    alike: dict[tuple[str, frozenset[tuple[str, str]]], list[RunSnapshot]] = {}
    for run in pool:
        alike.setdefault((run.user.strip().lower(), frozenset(_what_it_is(run).items())), []).append(run)
    found: set[str] = set()
    named: set[str] = set()
    for probe in probes:
        setup = frozenset(_what_it_is(probe).items())
        if not setup:
            continue
        reals = alike[(probe.user.strip().lower(), setup)]
        if any(_probes(probe, real, same_name=False) for real in reals):
            found.add(probe.run_id)
            if any(_probes(probe, real, same_name=True) for real in reals):
                named.add(probe.run_id)
    return found, named


def probe_runs(runs: Iterable[RunSnapshot], *, same_name: bool = False) -> set[str]:
    """Ids of the finished runs among ``runs`` that are short probes of a later run among them; with
    ``same_name``, only those bearing the real run's name."""
    found, named = probe_sets(runs)
    return named if same_name else found
