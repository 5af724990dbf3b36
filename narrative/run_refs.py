"""Which words of a text are run references: the id of a run the request knows, or an unambiguous
prefix of one (``adapters.tracker.RUN_ID_MIN_PREFIX`` characters or more).

The narrative never spells a tracker's id syntax (MLflow's 32 hex characters, W&B's 8 base-36 ones):
a word is a run reference because it names one of the runs in front of it, not because of its shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from adapters.tracker import RUN_ID_MIN_PREFIX

# A word, with the parentheses around it when it is written "(a1b2c3d4)"; a backtick is markup.
_WORD_OR_TICK = re.compile(r"\(?\b[0-9A-Za-z]+\b\)?|`")


class KnownRunIds:
    """The run ids a request knows, to tell run references from other words."""

    def __init__(self, run_ids: Iterable[str]) -> None:
        self._ids = frozenset(rid.lower() for rid in run_ids)
        self._by_head: dict[str, list[str]] = {}
        for rid in self._ids:
            self._by_head.setdefault(rid[:RUN_ID_MIN_PREFIX], []).append(rid)

    def is_ref(self, word: str) -> bool:
        """``word`` is a known run id, or a prefix of exactly one (long enough to be meant as one)."""
        low = word.lower()
        if low in self._ids:
            return True
        if len(low) < RUN_ID_MIN_PREFIX:
            return False
        return sum(1 for rid in self._by_head.get(low[:RUN_ID_MIN_PREFIX], ()) if rid.startswith(low)) == 1

    def without_refs(self, text: str) -> str:
        """``text`` with each run reference (and its parentheses) and each backtick turned into a space."""

        def blank(match: re.Match[str]) -> str:
            found = match.group(0)
            return " " if found == "`" or self.is_ref(found.strip("()")) else found

        return _WORD_OR_TICK.sub(blank, text)
