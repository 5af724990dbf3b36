"""Compact parts of the history index: a multimap from strings to run ids that stores one id per key until
a key has several, run ids by their prefix, and the runs' ``RunDoc`` mapping that makes each doc when first
asked for."""

from __future__ import annotations

import array
import bisect
import itertools
import operator
import weakref
from collections.abc import Iterable, Iterator, KeysView, Sequence
from typing import TYPE_CHECKING

from adapters.tracker import RUN_ID_MIN_PREFIX
from narrative.param_sigs import RunDoc

if TYPE_CHECKING:
    from narrative.history_index import HistoryIndex


class RunMultimap:
    """A multimap from strings to run ids (lists), stored as one id per key until a key has several: 100k
    runs with unique names or id prefixes would otherwise be 100k one-element lists."""

    __slots__ = ("_d",)

    def __init__(self) -> None:
        self._d: dict[str, str | list[str]] = {}

    def add(self, key: str, rid: str) -> None:
        self.add_all(((key, rid),))

    def add_all(self, pairs: Iterable[tuple[str, str]]) -> None:
        d = self._d
        for key, rid in pairs:
            got = d.get(key)
            if got is None:
                d[key] = rid
            elif isinstance(got, str):
                d[key] = [got, rid]
            else:
                got.append(rid)

    def get(self, key: str, default: list[str] | tuple[()] = ()) -> list[str]:
        got = self._d.get(key)
        if got is None:
            return list(default)
        return [got] if isinstance(got, str) else got

    def __getitem__(self, key: str) -> list[str]:
        return self.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._d

    def __len__(self) -> int:
        return len(self._d)


class RunPrefixes:
    """Run ids by their first ``RUN_ID_MIN_PREFIX`` characters, lowercased; ``get`` gives the runs of one in
    the order they were added. The ids are kept sorted by that key and searched by bisection: a dict would
    hold one prefix string per run besides its table (9 MiB at 100k runs; issue 14)."""

    __slots__ = ("_added", "_low", "_memo", "_rids", "_seq")

    def __init__(self) -> None:
        self._low: list[str] = []  # each id with its prefix lowercased (the id itself when it is), sorted
        # the ids, in that order: the same list as ``_low`` while every id is lowercase already (tracker ids
        # mostly are), else their own
        self._rids: list[str] = self._low
        self._added: list[str] = []  # the ids in the order they were added
        # the order each was added in, for the ids in ``_low``'s order: made when a prefix first has several
        # runs (machine ints: 100k int objects were 4 MiB at 100k runs; issue 14)
        self._seq: array.array[int] | None = None
        self._memo: dict[str, tuple[str, ...]] = {}

    def add(self, rids: Sequence[str]) -> None:
        n = RUN_ID_MIN_PREFIX
        self._memo.clear()
        low: list[str]
        if all(map(operator.eq, map(str.lower, rids), rids)):
            low = list(rids)  # lowercase already: the ids themselves
        else:
            low = []
            for rid in rids:
                key = rid[:n].lower()
                low.append(rid if rid.startswith(key) else key + rid[n:])
        shared = all(map(operator.is_, low, rids))
        if self._rids is self._low and not shared:
            self._rids = list(self._low)  # an id that is not its own lowercase: the ids on their own from now
        first = len(self._added)
        self._added += rids
        if self._low:
            seq = self._seq
            for k, (rid, lowered) in enumerate(zip(rids, low, strict=True)):
                at = bisect.bisect_right(self._low, lowered)
                self._low.insert(at, lowered)
                if self._rids is not self._low:
                    self._rids.insert(at, rid)
                if seq is not None:
                    seq.insert(at, first + k)
            return
        if shared:
            # sorted as they are (no key, no index list): ties only between equal ids
            self._low = self._rids = sorted(low)
            self._seq = None
            return
        order = sorted(range(len(low)), key=low.__getitem__)
        self._low = list(map(low.__getitem__, order))
        self._rids = list(map(rids.__getitem__, order))
        self._seq = array.array("l", order)

    def _order(self) -> array.array[int]:
        """The order each id in ``_rids`` was added in."""
        if self._seq is None:
            pos = {rid: i for i, rid in enumerate(self._added)}
            self._seq = array.array("l", map(pos.__getitem__, self._rids))
        return self._seq

    def get(self, key: str, default: list[str] | tuple[()] = ()) -> list[str]:
        """The runs whose id's prefix, lowercased, is ``key`` (as a dict keyed by it would give)."""
        return list(self.ids(key) or default)

    def ids(self, key: str) -> tuple[str, ...]:
        """``get`` as a tuple, remembered until runs are added: a build asks for every word of every note."""
        got = self._memo.get(key)
        if got is None:
            got = self._find(key)
            if len(self._memo) < 1 << 14:
                self._memo[key] = got
        return got

    def _find(self, key: str) -> tuple[str, ...]:
        low, n = self._low, RUN_ID_MIN_PREFIX
        at = bisect.bisect_left(low, key)
        hits: list[int] = []
        while at < len(low) and low[at].startswith(key):
            if low[at][:n] == key:
                hits.append(at)
            at += 1
        if len(hits) > 1:
            hits.sort(key=self._order().__getitem__)
        return tuple(self._rids[i] for i in hits)

    def __len__(self) -> int:
        return len(self._low)


class RunDocs(dict[str, RunDoc]):
    """Each run's ``RunDoc``, made when first asked for (most are never asked for), then kept.

    ``values()`` goes over every run without keeping what it makes; ``len`` and ``in`` count every run.
    """

    def __init__(self, index: HistoryIndex) -> None:
        super().__init__()
        # A proxy, not the index: the index holds this mapping, and a cycle would keep an evicted index
        # (frozen out of the cyclic GC's sight by the app) alive for the life of the process.
        self._index = weakref.proxy(index)

    def __missing__(self, rid: str) -> RunDoc:
        doc = self._index._make_doc(rid)
        self[rid] = doc
        return doc

    def __contains__(self, rid: object) -> bool:
        return rid in self._index.run_by_id

    def __len__(self) -> int:
        return len(self._index.run_by_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index.run_by_id)

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        return self._index.run_by_id.keys()

    def values(self) -> Iterator[RunDoc]:  # type: ignore[override]
        got, make = dict.get, self._index._make_doc
        for rid in self._index.run_by_id:
            doc = got(self, rid)
            yield doc if doc is not None else make(rid)

    def items(self) -> Iterator[tuple[str, RunDoc]]:  # type: ignore[override]
        got, make = dict.get, self._index._make_doc
        for rid in self._index.run_by_id:
            doc = got(self, rid)
            yield rid, doc if doc is not None else make(rid)

    def get(self, rid: str, default: RunDoc | None = None) -> RunDoc | None:  # type: ignore[override]
        return self[rid] if rid in self._index.run_by_id else default

    def cover(self, rid: str) -> frozenset[str]:
        """``self[rid].cover`` without making (and keeping) the doc: scans over every run read only this, and
        keeping a doc per run for them held ~10 MiB at 100,000 runs."""
        index = self._index
        extra = index._name_extra.get(rid)
        sig = index._sig_of[rid]
        return sig.cover | extra[1] if extra is not None and extra[1] else sig.cover


class FactPostings:
    """Term -> the facts (their ascending positions) whose set of terms holds it: an inverted index stored
    by distinct set, each term's list made when first asked for.

    Facts repeat a few sets (interned: a structured item restates a sentence, facts share a concept cover
    or a context), so a build files each fact once under its set and each distinct set once under its terms,
    instead of every fact under every term (~1.1M list slots at 10k entries, a fifth of a cold build; issue
    14). ``get`` gives what a dict of lists filled fact by fact would give: the facts in ascending order.
    """

    __slots__ = ("_made", "_sets", "_with")

    def __init__(self) -> None:
        self._sets: dict[frozenset[str], list[int]] = {}  # a set of terms -> its facts, ascending
        self._with: dict[str, list[frozenset[str]]] = {}  # a term -> the sets that hold it
        self._made: dict[str, list[int]] = {}  # a term -> its facts, once asked for (kept up to date)

    def extend(self, facts: Iterable[tuple[int, frozenset[str]]]) -> None:
        """File facts (position, set of terms), each after every fact filed so far."""
        sets, made = self._sets, self._made
        for i, s in facts:
            got = sets.get(s)
            if got is None:
                self._new_set(s, i)
            else:
                got.append(i)
            if made:
                for t in s:
                    posting = made.get(t)
                    if posting is not None:
                        posting.append(i)

    def _new_set(self, s: frozenset[str], i: int) -> None:
        self._sets[s] = [i]
        with_ = self._with
        for t in s:
            holders = with_.get(t)
            if holders is None:
                with_[t] = [s]
            else:
                holders.append(s)

    def pop(self, i: int, s: frozenset[str]) -> None:
        """Unfile the last fact filed (at ``i``, under ``s``)."""
        got = self._sets[s]
        assert got[-1] == i, "only the last fact filed can be taken back"
        got.pop()
        for t in s:
            posting = self._made.get(t)
            if posting is not None:
                posting.pop()

    def move(self, i: int, old: frozenset[str], new: frozenset[str]) -> None:
        """File the fact at ``i`` under ``new`` instead of ``old`` (its position stays)."""
        if old == new:
            return
        self._sets[old].remove(i)
        got = self._sets.get(new)
        if got is None:
            self._new_set(new, i)
        else:
            bisect.insort(got, i)
        made = self._made
        for t in old - new:
            posting = made.get(t)
            if posting is not None:
                posting.remove(i)
        for t in new - old:
            posting = made.get(t)
            if posting is not None:
                bisect.insort(posting, i)

    def counts(self) -> Iterator[tuple[frozenset[str], int]]:
        """Each distinct set and how many facts hold it."""
        for s, facts in self._sets.items():
            yield s, len(facts)

    def get(self, t: str, default: list[int] | tuple[()] = ()) -> list[int] | tuple[()]:
        """The facts whose set holds ``t``, ascending (``default`` when no fact ever held it)."""
        got = self._made.get(t)
        if got is None:
            holders = self._with.get(t)
            if holders is None:
                return default
            sets = self._sets
            if len(holders) == 1:
                got = list(sets[holders[0]])
            else:
                got = sorted(itertools.chain.from_iterable(map(sets.__getitem__, holders)))
            self._made[t] = got
        return got

    def __contains__(self, t: object) -> bool:
        return t in self._with

    def __len__(self) -> int:
        return len(self._with)
