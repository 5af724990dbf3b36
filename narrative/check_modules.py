"""Plans that name one module of a model by its projection ("LoRA on the key projection", "add k_proj to the
targets", "adapters on the gate and up proj") against runs whose params list the modules they put it on
(``target_modules=query_proj,value_proj``): a run that lists modules and not the named one did another thing.
"""

from __future__ import annotations

import re

from narrative.history_index import HistoryIndex
from narrative.types import CheckMatch, CheckResult

# the one- and two-letter names configs give the attention projections, and the words people say for them
_SHORT = {"q": "query", "k": "key", "v": "value", "o": "output", "out": "output", "qry": "query", "val": "value",
          "attn": "attention"}
# "key projection", "k_proj", "the k proj", "gate/up proj": a head word, then proj; a slash or "and" lists heads
_PLAN_PROJ = re.compile(r"\b((?:[a-z]{1,6}\s*(?:/|,|\band\b|&)\s*)*[a-z]{1,6})[\s_-]?proj(?:ection)?s?\b")
_ITEM = re.compile(r"^([a-z]{1,6})[_-]?proj$")
_ATTENTION = frozenset({"query", "key", "value", "output"})
_HEAD_STOP = frozenset({"the", "a", "an", "to", "on", "of", "and", "all", "every", "each", "its", "our", "more", "one",
                        "linear", "input", "in"})


def _norm(head: str) -> str:
    return _SHORT.get(head, head)


def plan_heads(plan: str) -> frozenset[str]:
    """The projection heads a plan names ("key" for "the key projection" and for "k_proj")."""
    out: set[str] = set()
    for m in _PLAN_PROJ.finditer(plan.lower()):
        for h in re.split(r"\s*(?:/|,|\band\b|&)\s*", m.group(1)):
            h = h.strip().split()[-1] if h.strip() else ""
            if h and h not in _HEAD_STOP:
                out.add(_norm(h))
    return frozenset(out)


def run_heads(params: dict[str, str]) -> frozenset[str] | None:
    """The projection heads a run's params list (None when no param lists projections)."""
    got: set[str] | None = None
    for v in params.values():
        items = [x.strip().strip("'\"[] ") for x in re.split(r"[,;| ]+", v.lower()) if x.strip()]
        heads = [m.group(1) for x in items if (m := _ITEM.match(x))]
        if heads:
            got = (got or set()) | {_norm(h) for h in heads}
    return frozenset(got) if got is not None else None


def _known_heads(idx: HistoryIndex) -> frozenset[str]:
    """The projection heads any run lists, read once per index from its param signatures (many runs share one;
    reading every run's params on each check cost ~1 s a check on 100,000 runs). ``idx.cache`` is cleared when
    runs arrive."""
    got = idx.cache.get("check_modules:heads")
    if not isinstance(got, frozenset):
        got = idx.cache["check_modules:heads"] = frozenset(
            h for sig in idx.sigs for h in (run_heads(dict(sig.items)) or ()))
    return got


def module_missed(got: CheckResult, plan: str, idx: HistoryIndex) -> CheckResult | None:
    """A "tried" whose cited runs list the modules they adapt and none lists every projection the plan names: not
    tried, closest those runs. None when the plan names no projection, or a cited run lists no modules (a
    statement's word is then all there is), or a cited run holds the plan's projections."""
    said = plan_heads(plan)  # first: most plans name no projection, and then nothing else is read
    rids = list(dict.fromkeys(r for m in got.matches for r in m.run_ids if r in idx.run_by_id))
    if not said or not rids:
        return None
    # a group of modules ("the MLP projections", "attention projections") names no one module: only heads some run
    # lists, or the four attention projections, are read
    heads = frozenset(h for h in said if h in _ATTENTION or h in _known_heads(idx))
    if not heads:
        return None
    listed = [(r, run_heads(idx.run_by_id[r].params)) for r in rids]
    if any(h is None or heads <= h for _, h in listed):
        return None
    r0 = idx.run_by_id[rids[0]]
    held = ", ".join(sorted(set().union(*(h for _, h in listed if h))))
    summary = f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d}"
    return CheckResult(already_tried=False, message=(
        f"Not tried on that module ({', '.join(sorted(heads))}): the runs found were on {held}; closest: "
        f"{summary}."), matches=[CheckMatch(entry_id=None, run_ids=rids[:3], score=0.0, summary=summary,
                                            author=r0.user, at=r0.start)])
