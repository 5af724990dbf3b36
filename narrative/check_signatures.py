"""The tracker's signatures (distinct settings) as the setting checks read them: which runs of a signature show a
setting was tried, whether a signature is inside the plan's named values, and a setting's numbers over them."""

from __future__ import annotations

import itertools

from narrative import lexicon
from narrative.history_index import HistoryIndex, ParamSig
from storage.records import RunSnapshot


def sig_runs(idx: HistoryIndex, sig: ParamSig, limit: int | None = None) -> list[RunSnapshot]:
    """The runs of a signature that show the setting was tried: a run that failed after logging metrics
    ("NaN after ~70k steps") trained with it; one that died before logging anything may never have started."""
    ok = (r for r in (idx.run_by_id[rid] for rid in sig.run_ids)
          if r.status.upper() not in ("FAILED", "KILLED") or r.metrics)
    return list(itertools.islice(ok, limit))


def in_scope(sig: ParamSig, scope: dict[str, frozenset[str]] | None) -> bool:
    """Whether the signature holds, for each param whose value the plan names, one of those values."""
    if not scope:
        return True
    items = dict(sig.items)
    return all(items[k] in named for k, named in scope.items() if k in items)


def numbers_held(idx: HistoryIndex, key: str, scope: dict[str, frozenset[str]] | None, *,
                 per_signature: int) -> list[tuple[RunSnapshot, float]] | None:
    """(run, value) for the runs that set ``key`` to a number, inside ``scope``; None when the setting has words for
    values (read by the concepts, not as a number)."""
    held: list[tuple[RunSnapshot, float]] = []
    for sig in idx.sigs:
        value = dict(sig.items).get(key)
        if value is None or not in_scope(sig, scope):
            continue
        number = lexicon.parse_number(value)
        if number is None:
            return None
        held += [(run, number) for run in sig_runs(idx, sig, per_signature)]
    return held
