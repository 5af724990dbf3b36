"""A value named in a role: "train on MVTec" asks for MVTec as the *training* data, and a run that holds mvtec only
under another role's key (``test_dataset=mvtec`` beside ``train_dataset=visa``) trained on something else.

The role is the word before "on" / "with" / "using" ("train on X", "evaluate on X", "fine-tune with X"); it names
keys when it is one of their words beside another ("train" in ``train_dataset``, not a plain ``dataset``). A run
goes against the plan when it has keys of that role, none of them holds the value, and another key does. Numbers are
left to the settings' own reading.
"""

from __future__ import annotations

import re

from narrative import vocab
from narrative.check_settings import key_tokens
from narrative.check_verdicts import tried_in_runs
from narrative.history_index import HistoryIndex
from narrative.plan_reading import ASIDE, main_clause
from narrative.types import CheckMatch, CheckResult

_PHRASE = re.compile(r"\b([a-z][a-z\-]{2,20})\s+(?:it\s+|them\s+|the model\s+)?(?:on|with|using)\s+(?:the\s+)?"
                     r"([a-z][a-z0-9]{1,30})\b")
# the stems of one role's words that differ ("evaluate" / "eval", "validation" / "val")
_ALIAS = {"evaluat": "eval", "evalu": "eval", "valid": "val", "validat": "val", "finetun": "fine-tun"}


def _role(word: str) -> str:
    s = vocab.stem(word)
    return _ALIAS.get(s, s)


def _holds(value: str, v: str) -> bool:
    return value in re.split(r"[^a-z0-9]+", v.lower())


Role = tuple[frozenset[str], frozenset[str], str]  # the role's keys, their sibling keys of other roles, the value


def role_values(plan: str, idx: HistoryIndex) -> list[Role]:
    """For each value the plan names in a role that some run's keys carry: the keys of that role, the keys of the
    same thing in other roles (``test_dataset`` beside ``train_dataset``), and the value."""
    head = vocab.norm(ASIDE.sub(" ", main_clause(plan)))
    ktoks = {k: frozenset(_ALIAS.get(t, t) for t in ts) for k, ts in key_tokens(idx).items()}
    out: list[Role] = []
    for m in _PHRASE.finditer(head):
        role, value = _role(m.group(1)), m.group(2)
        keys = frozenset(k for k, ts in ktoks.items() if role in ts and len(ts) >= 2)
        # the same thing in another role: a key sharing the rest of a role key's words ("dataset")
        rest = [ktoks[k] - {role} for k in keys]
        siblings = frozenset(k for k, ts in ktoks.items() if k not in keys and role not in ts
                             and any(len(ts) == len(r) + 1 and r < ts for r in rest))
        if keys and siblings:
            out.append((keys, siblings, value))
    return out


def _against(params: dict[str, str], role: Role) -> bool:
    keys, siblings, value = role
    mine = [k for k in params if k in keys]
    return (bool(mine) and not any(_holds(value, params[k]) for k in mine)
            and any(_holds(value, params[k]) for k in params if k in siblings))


def role_off(got: CheckResult, plan: str, idx: HistoryIndex) -> CheckResult | None:
    """A "tried" citing only runs that hold the plan's value in another role: not tried, those runs the closest."""
    if not got.already_tried or not got.matches or not all(m.run_ids for m in got.matches):
        return None
    roles = role_values(plan, idx)
    if not roles:
        return None
    rids = [r for r in dict.fromkeys(r for m in got.matches for r in m.run_ids) if r in idx.run_by_id]
    if not rids or not all(any(_against(idx.run_by_id[r].params, ro) for ro in roles) for r in rids):
        return None
    # the runs that hold every value in its role did it ("test on Cityscapes" cited the run trained on it)
    good = [r for r in sorted(idx.run_by_id.values(), key=lambda r: r.start)
            if all(any(_holds(ro[2], r.params[k]) for k in r.params if k in ro[0]) for ro in roles)]
    if good:
        g0 = good[0]
        summary = f"run {g0.run_name or g0.run_id[:8]} by {g0.user or 'someone'} on {g0.start:%Y-%m-%d}"
        return tried_in_runs(idx, cited=[r.run_id for r in good[:3]], summary=summary, author=g0.user, at=g0.start)
    r0 = idx.run_by_id[rids[0]]
    ks, _, v = next(ro for ro in roles if _against(r0.params, ro))
    held = ", ".join(f"{k}={r0.params[k]}" for k in sorted(ks) if k in r0.params)
    summary = f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d} ({held})"
    return CheckResult(already_tried=False, message=(
        f"Not tried: the runs hold {v} in another role; closest: {summary}."),
        matches=[CheckMatch(entry_id=None, run_ids=rids[:3], score=0.0, summary=summary, author=r0.user,
                            at=r0.start)])
