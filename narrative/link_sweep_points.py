"""Points of a sweep over a run's budget are runs of their own, not probes (links round 16).

A probe (:mod:`narrative.link_probe_runs`) is a short try of a configuration before its real run: the same settings
bar the budget (steps, epochs), a small part of its length. A sweep over the budget looks the same run by run: in a
grid of batch size by epochs (5, 20 and 50 epochs at each batch size) the 5-epoch run is a tenth of the 50-epoch run
of its batch size and starts before it. What tells them apart is the design: a sweep runs the same three or more
budgets at two or more configurations, and a note reports its points ("91.5% with a batch size of 4 and 5 epochs").
A budget value is a sweep's point where two or more configurations each ran it among three or more values of the same
budget keys (those of the configuration's longest run). A habit of probing every configuration once gives two budgets
per configuration (the probe's and the run's); a probe that adds a key the runs do not log (``max_steps``) is of other
keys; a probe's budget that no other configuration repeats (a one-epoch check beside a grid of 5, 20 and 50) stays a
probe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from narrative.link_failed_starts import is_failed
from narrative.link_probe_runs import _what_it_is, probe_runs
from storage.records import RunSnapshot

# A sweep runs at least this many budgets at each of at least this many configurations.
SWEEP_BUDGETS = 3
SWEEP_CONFIGURATIONS = 2


def _length(run: RunSnapshot) -> dt.timedelta:
    return run.end - run.start if run.end is not None and run.end >= run.start else dt.timedelta(0)


def sweep_points(runs: Iterable[RunSnapshot]) -> set[str]:
    """Ids of the finished runs among ``runs`` that are points of one author's sweep over the budget: a budget's
    value that two or more configurations each ran among three or more values of the budget keys their longest
    run has."""
    configurations: dict[tuple[str, frozenset[tuple[str, str]]], list[tuple[dict[str, str], RunSnapshot]]] = {}
    for run in {r.run_id: r for r in runs}.values():
        if not is_failed(run):
            setup = _what_it_is(run)
            budget = {k: v for k, v in run.params.items() if k not in setup}
            if budget:
                key = (run.user.strip().lower(), frozenset(setup.items()))
                configurations.setdefault(key, []).append((budget, run))
    axes: dict[tuple[str, frozenset[str]], list[dict[tuple[str, ...], list[str]]]] = {}
    for (user, _), members in configurations.items():
        keys = frozenset(max(members, key=lambda m: _length(m[1]))[0])
        values: dict[tuple[str, ...], list[str]] = {}
        for budget, run in members:
            if frozenset(budget) == keys:   # a probe adding a key of its own ("max_steps") is no point of the axis
                values.setdefault(tuple(budget[k] for k in sorted(keys)), []).append(run.run_id)
        if len(values) >= SWEEP_BUDGETS:
            axes.setdefault((user, keys), []).append(values)
    found: set[str] = set()
    for swept in axes.values():
        for values in swept:
            for value, ids in values.items():
                if sum(value in other for other in swept) >= SWEEP_CONFIGURATIONS:
                    found.update(ids)
    return found


def short_probes(runs: Iterable[RunSnapshot], *, same_name: bool = False) -> set[str]:
    """:func:`narrative.link_probe_runs.probe_runs` without the points of a budget sweep."""
    pool = list(runs)
    probes = probe_runs(pool, same_name=same_name)
    return probes - sweep_points(pool) if probes else probes
