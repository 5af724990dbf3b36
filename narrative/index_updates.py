"""In-place updates of a history index: runs and entries that arrive on a built index are taken in without
a rebuild, so that the index answers as one built afresh from the changed history would (the
differential tests compare every answer). ``HistoryIndex.apply`` and ``HistoryIndexCache.update`` call it.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from adapters.tracker import RUN_ID_MIN_PREFIX
from narrative import vocab
from storage.records import EntryRecord, RunSnapshot

if TYPE_CHECKING:
    from narrative.history_index import HistoryIndex


def apply(idx: HistoryIndex, *, runs: Sequence[RunSnapshot] = (), entries: Sequence[EntryRecord] = ()) -> bool:
    """Take in runs and entries that were added to or changed in ``idx.history`` (they are there already),
    so that the index answers as one built afresh from the history would. False when the change is not
    one this can do in place (an entry edited or added before the newest, a run added before the newest
    or whose params, name or start changed): the caller builds a new index then, and this one is spoiled.

    New runs and entries arrive newest last in a live project, which keeps every order the same as a
    build's: runs by start, entries by time, signatures by first run, facts by entry.
    """
    run_by_id = idx.run_by_id
    redo: set[str] = set()
    fresh: list[RunSnapshot] = []
    for r in sorted(runs, key=lambda r: r.start):
        old = run_by_id.get(r.run_id)
        if old is None:
            last = fresh[-1] if fresh else (idx.runs[-1] if idx.runs else None)
            if last is not None and r.start < last.start:
                return False
            fresh.append(r)
            continue
        if old is r:
            continue
        if old.params != r.params or old.run_name != r.run_name or old.start != r.start:
            return False
        at = bisect.bisect_left(idx.runs, r.start, key=lambda x: x.start)
        while idx.runs[at] is not old:
            at += 1
        idx.runs[at] = r
        run_by_id[r.run_id] = r
        dict.pop(idx.run_docs, r.run_id, None)
        if old.metrics.keys() - r.metrics.keys():  # a metric it no longer has may be no run's now
            idx._metric_keys = {k for x in idx.runs for k in x.metrics}
        idx._metric_keys.update(r.metrics)
        redo.update(idx.run_entries.get(r.run_id, ()))  # a value its entries quote may now match
    if fresh:
        idx.runs += fresh
        for r in fresh:
            run_by_id[r.run_id] = r
        idx._index_runs(fresh)
        for r in fresh:
            for eid in idx._waiting.pop(r.run_id, ()):
                redo.add(eid)  # an entry that links it before it was synced
            low = r.run_id.lower()
            for eid in idx._word_entries.get(low[:RUN_ID_MIN_PREFIX], ()):
                redo.add(eid)  # may paste its id (checked again when the entry is read again)
    idx.metric_keys = sorted(idx._metric_keys)
    for e in sorted(entries, key=lambda e: e.at):
        known = idx.entry_by_id.get(e.id)
        if known is not None:
            if known is e:
                continue
            if idx.entries[-1].id != e.id or (len(idx.entries) > 1 and e.at < idx.entries[-2].at):
                return False
            _drop_last_entry(idx)
        elif idx.entries and e.at < idx.entries[-1].at:
            return False
        idx.entries.append(e)
        idx.entry_by_id[e.id] = e
        idx.entry_runs[e.id] = [rid for rid in e.run_ids if rid in run_by_id]
        for rid in e.run_ids:
            if rid in run_by_id:
                idx.run_entries[rid].append(e.id)
            else:
                idx._waiting[rid].append(e.id)
        idx._add_entry(e, idx._features_of(e))
        redo.discard(e.id)
    for eid in sorted(redo, key=functools.partial(_entry_position, idx)):
        _redo_entry(idx, eid)
    idx.n_docs = len(idx.facts) + len(idx.run_docs) + 1
    idx._metric = None
    idx._switches = None
    idx.cache.clear()
    return True

def _entry_position(idx: HistoryIndex, eid: str) -> int:
    facts = idx.entry_facts.get(eid)
    return facts[0].idx if facts else -1

def _drop_last_entry(idx: HistoryIndex) -> None:
    """Undo the newest entry (to add it again as it now is): its facts are the last ones."""
    e = idx.entries.pop()
    del idx.entry_by_id[e.id]
    for rid in idx.entry_runs.pop(e.id, []):
        got = idx.run_entries.get(rid)
        if got and got[-1] == e.id:
            got.pop()
    for rids in idx._waiting.values():
        while e.id in rids:
            rids.remove(e.id)
    facts = idx.entry_facts.pop(e.id, [])
    for f in reversed(facts):
        for t in f.toks:
            idx.df[t] -= 1
        idx.token_facts.pop(f.idx, f.toks)
        idx.concept_facts.pop(f.idx, vocab.cover(f.concepts))  # what ``_post`` filed it under
        idx.ctx_concept_facts.pop(f.idx, f.ctx_cover)
        idx.ctx_token_facts.pop(f.idx, f.ctx_toks)
    if facts:
        del idx.facts[facts[0].idx:]

def _redo_entry(idx: HistoryIndex, eid: str) -> None:
    """Attribute an entry's facts again (its runs changed); its text, so its facts' own postings, did not."""
    e = idx.entry_by_id[eid]
    old = idx.entry_facts[eid]
    if not old:
        return
    linked = idx.entry_runs[eid]
    now = [rid for rid in e.run_ids if rid in idx.run_by_id]
    for rid in now:
        if rid not in linked:
            got = idx.run_entries[rid]
            got.append(eid)
            got.sort(key=functools.partial(_entry_position, idx))
    idx.entry_runs[eid] = now
    feats = idx._features_of(e)
    new = idx._make_facts(e, feats, old[0].idx)
    for f_old, f in zip(old, new, strict=True):
        f.ctx_cover, f.ctx_toks = idx._ctx(f, feats.models_cover)
        idx.ctx_concept_facts.move(f.idx, f_old.ctx_cover, f.ctx_cover)
        idx.ctx_token_facts.move(f.idx, f_old.ctx_toks, f.ctx_toks)
        idx.facts[f.idx] = f
    idx.entry_facts[eid] = new
