"""Compact parts of the history index: a multimap from strings to run ids that stores one id per key until
a key has several, and the runs' ``RunDoc`` mapping that makes each doc when first asked for."""

from __future__ import annotations

from collections.abc import Iterator, KeysView
from typing import TYPE_CHECKING

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
        d = self._d
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


class RunDocs(dict[str, RunDoc]):
    """Each run's ``RunDoc``, made when first asked for (most are never asked for), then kept.

    ``values()`` goes over every run without keeping what it makes; ``len`` and ``in`` count every run.
    """

    def __init__(self, index: HistoryIndex) -> None:
        super().__init__()
        self._index = index

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
