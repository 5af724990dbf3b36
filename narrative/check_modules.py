"""Plans that name one module of a model by its projection ("LoRA on the key projection", "add k_proj to the
targets", "adapters on the gate and up proj") against runs whose params list the modules they put it on
(``target_modules=query_proj,value_proj``): a run that lists modules and not the named one did another thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from narrative.check_verdicts import tried_in_runs
from narrative.history_index import HistoryIndex
from narrative.types import CheckMatch, CheckResult
from storage.records import RunSnapshot

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


# a group of modules named by the block it sits in: the attention block's projections, the MLP's
_GROUP_HEADS = {"attention": _ATTENTION, "mlp": frozenset({"gate", "up", "down", "fc1", "fc2", "w1", "w2", "w3"})}
_GROUP_WORDS = {"attention": re.compile(r"\b(?:self[\s-]?)?(?:attention|attn)\b"),
                "mlp": re.compile(r"\b(?:mlps?|feed[\s-]?forward|ffns?)\b")}


# what a plan moves away from is not asked for ("on the MLP instead of the attention modules")
_FROM = re.compile(r"\b(?:instead\s+of|rather\s+than|in\s+place\s+of)\b")


def plan_groups(plan: str) -> frozenset[str]:
    """The module groups a plan puts a method on by the block's name ("LoRA on the attention modules", "on the MLP",
    "attention and MLP together"); none when it names no block."""
    low = plan.lower()
    cut = _FROM.search(low)
    low = low[: cut.start()] if cut else low
    return frozenset(g for g, rx in _GROUP_WORDS.items() if rx.search(low))


def _group_missed(groups: frozenset[str], heads: frozenset[str]) -> bool:
    """Whether a run listing ``heads`` (all of them projections of a known block) lacks one of the plan's groups."""
    known = frozenset().union(*_GROUP_HEADS.values())
    if not heads or not heads <= known:
        return False  # a run listing modules of no known block: its own words decide
    return any(heads.isdisjoint(_GROUP_HEADS[g]) for g in groups)


def module_missed(got: CheckResult, plan: str, idx: HistoryIndex,
                  holders: Callable[[], list[RunSnapshot]] = list) -> CheckResult | None:
    """A "tried" whose cited runs list the modules they adapt and none lists every projection the plan names: not
    tried, closest those runs. None when the plan names no projection, or a cited run lists no modules (a
    statement's word is then all there is), or a cited run holds the plan's projections."""
    said = plan_heads(plan)  # first: most plans name no projection, and then nothing else is read
    groups = frozenset() if said else plan_groups(plan)
    if not said and not groups:
        return None
    # a statement's runs (its entry's) stand for it where the plan names a block or "only" some projections
    tied = list(dict.fromkeys(r for m in got.matches for r in (m.run_ids or idx.entry_runs.get(m.entry_id or "", []))
                              if r in idx.run_by_id))
    if groups:
        return _group_off(got, groups, tied, idx, holders) if tied else None
    alone = _only_heads(got, frozenset(said), tied, idx) if tied and _ONLY.search(plan) else None
    if alone is not None:
        return alone
    rids = list(dict.fromkeys(r for m in got.matches for r in m.run_ids if r in idx.run_by_id))
    if not rids:
        return None
    # a group of modules ("the MLP projections", "attention projections") names no one module: only heads some run
    # lists, or the four attention projections, are read
    heads = frozenset(h for h in said if h in _ATTENTION or h in _known_heads(idx))
    if not heads:
        return None
    listed = [(r, run_heads(idx.run_by_id[r].params)) for r in rids]
    if any(h is None or heads <= h for _, h in listed):
        return None
    return _not_tried(f"Not tried on that module ({', '.join(sorted(heads))})", rids, listed, idx)


def _summary(run: RunSnapshot) -> str:
    return f"run {run.run_name or run.run_id[:8]} by {run.user or 'someone'} on {run.start:%Y-%m-%d}"


def _not_tried(head: str, rids: list[str], listed: list[tuple[str, frozenset[str] | None]],
               idx: HistoryIndex) -> CheckResult:
    """Not tried, closest the first of ``rids``, saying which modules the runs found were on."""
    r0 = idx.run_by_id[rids[0]]
    held = ", ".join(sorted(set().union(*(h for _, h in listed if h))))
    summary = _summary(r0)
    return CheckResult(already_tried=False, message=f"{head}: the runs found were on {held}; closest: {summary}.",
                       matches=[CheckMatch(entry_id=None, run_ids=rids[:3], score=0.0, summary=summary,
                                           author=r0.user, at=r0.start)])


def _group_off(got: CheckResult, groups: frozenset[str], rids: list[str], idx: HistoryIndex,
               holders: Callable[[], list[RunSnapshot]]) -> CheckResult | None:
    """"LoRA on the attention modules" cited by runs that list only MLP projections (``gate_proj,up_proj``), or "on
    the attention and the MLP" by runs listing one block: not tried, closest those runs. Cited runs that hold every
    group the plan names are kept as the citation; a cited run listing no modules leaves the answer to the rest."""
    if not groups:
        return None
    listed = [(r, run_heads(idx.run_by_id[r].params)) for r in rids]
    if any(h is None for _, h in listed):
        return None
    off = [r for r, h in listed if h is not None and _group_missed(groups, h)]
    if not off:
        return None
    keep = [r for r in rids if r not in off]
    if not keep:
        # the runs holding every value the plan names ("rank 32") on the plan's block are the plan done
        keep = [r.run_id for r in holders() if (h := run_heads(r.params)) is not None and not _group_missed(groups, h)]
        if keep:
            r0 = idx.run_by_id[keep[0]]
            return tried_in_runs(idx, cited=keep[:3], summary=_summary(r0), author=r0.user, at=r0.start)
    if keep:
        return got.model_copy(update={"matches": [m.model_copy(update={"run_ids": [r for r in m.run_ids if r in keep]})
                                                  for m in got.matches if not m.run_ids or set(m.run_ids) & set(keep)]})
    return _not_tried(f"Not tried on the {' and '.join(sorted(groups))} modules", off, listed, idx)


_ONLY = re.compile(r"\b(?:only|alone|just)\b", re.I)


def _only_heads(got: CheckResult, heads: frozenset[str], rids: list[str], idx: HistoryIndex) -> CheckResult | None:
    """"LoRA on down_proj only" cited by runs that list other projections as well (gate, up and down): they did
    more; the runs listing exactly the plan's projections are the plan done, else not tried, closest the cited."""
    listed = [(r, run_heads(idx.run_by_id[r].params)) for r in rids]
    if any(h is None or h == heads for _, h in listed):
        return None
    exact = [r for r, h in ((r.run_id, run_heads(r.params)) for r in sorted(idx.run_by_id.values(),
                                                                              key=lambda r: r.start)) if h == heads]
    if exact:
        r0 = idx.run_by_id[exact[0]]
        summary = f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d}"
        return tried_in_runs(idx, cited=exact[:3], summary=summary, author=r0.user, at=r0.start)
    r0 = idx.run_by_id[rids[0]]
    held = ", ".join(sorted(set().union(*(h for _, h in listed if h))))
    summary = f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d}"
    return CheckResult(already_tried=False, message=(
        f"Not tried on {', '.join(sorted(heads))} alone: the runs found were on {held}; closest: {summary}."),
        matches=[CheckMatch(entry_id=None, run_ids=rids[:3], score=0.0, summary=summary, author=r0.user,
                            at=r0.start)])
