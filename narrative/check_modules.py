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


# the module groups a plan names by their block ("LoRA on the MLP", "the attention projections", "feed-forward
# layers") and the projection heads configs list for them (``target_modules=gate_proj,up_proj,down_proj``)
_GROUPS = {"attention_modules": _ATTENTION, "mlp_modules": frozenset({"gate", "up", "down", "fc", "mlp", "ffn"})}


def group_missed(got: CheckResult, plan: str, idx: HistoryIndex) -> CheckResult | None:
    """A "tried" citing runs that list their modules: each block the plan names (attention, MLP) must be among a
    cited run's heads. Runs on another block are dropped from the citation; when every cited run is on another
    block, not tried, closest those runs. None when the plan names no block, or names projections one by one
    (``module_missed`` reads those), or no cited run lists modules."""
    if plan_heads(plan) - {"attention"}:
        return None
    from narrative import vocab  # the concept table is loaded by the engine before any check

    groups = [heads for cid, heads in _GROUPS.items() if cid in vocab.concepts_in(vocab.norm(plan))]
    rids = list(dict.fromkeys(r for m in got.matches for r in m.run_ids if r in idx.run_by_id))
    if not groups or not rids:
        return None
    listed = {r: run_heads(idx.run_by_id[r].params) for r in rids}
    # a run's heads are read only when each is a known head of a block ("c_proj" in GPT-2 names no block)
    known = frozenset().union(*_GROUPS.values())
    off = {r for r, h in listed.items() if h is not None and h <= known and not all(h & g for g in groups)}
    if not off:
        return None
    if len(off) < len(rids):
        kept = [m.model_copy(update={"run_ids": [r for r in m.run_ids if r not in off]}) for m in got.matches]
        return got.model_copy(update={"matches": [m for m in kept if m.run_ids or m.entry_id]})
    r0 = idx.run_by_id[rids[0]]
    held = ", ".join(sorted(set().union(*(h for h in listed.values() if h))))
    summary = f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d}"
    return CheckResult(already_tried=False, message=(
        f"Not tried on those modules: the runs found were on {held}; closest: {summary}."),
        matches=[CheckMatch(entry_id=None, run_ids=rids[:3], score=0.0, summary=summary, author=r0.user,
                            at=r0.start)])
