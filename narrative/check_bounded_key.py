"""A bound on a logged param named by its own words: "epsilon above 0.25", "grad_clip below 0.5".

The concept rules (``narrative.check_settings.check_change``) read a bound on the table's settings ("lr below
1e-4"); a param outside the table ("samplerate", "accum_steps") was matched by its words alone, so any run that
logged it answered "tried" -- a run at 16000 for "samplerate below 16000". Here the runs' logged values decide, as
they do for the table's settings: tried when a run's value lies past the bound in the asked direction (a run at the
bound is not past it), not tried when the runs logged the param only on the other side, closest the nearest value.
Read only when the param's every word stands within five words before the bound word, and one logged key has the
most of them (``num_envs`` rather than ``env`` for "num envs below 16").
"""

from __future__ import annotations

import re

from narrative import lexicon, vocab
from narrative.check_bounds import bound_before
from narrative.check_settings import SCIENTIFIC, decimal_value, key_tokens
from narrative.check_signatures import numbers_held
from narrative.check_verdicts import tried_in_runs
from narrative.history_index import HistoryIndex, fmt
from narrative.plan_reading import ASIDE, main_clause
from narrative.types import CheckMatch, CheckResult

_WORD = re.compile(r"[a-z0-9][a-z0-9.]*")
# between the param's name and the bound word: nothing, or a verb of moving it ("epsilon kept above 0.25")
_LINK = frozenset({"of", "to", "at", "kept", "set", "go", "goes", "stay", "stays", "well", "somewhere", "just"})


def bounded_key(plan: str, idx: HistoryIndex, *, scope: dict[str, frozenset[str]] | None = None
                ) -> CheckResult | None:
    head = vocab.norm(SCIENTIFIC.sub(decimal_value, ASIDE.sub(" ", main_clause(plan)[:2000])))
    words = _WORD.findall(head)
    keytoks = None
    for i, w in enumerate(words):
        sign = bound_before(words, i)
        num = lexicon.parse_number(w) if sign else None
        if num is None or sign is None:
            continue
        j = i - 2 if words[i - 1] == "than" else i - 1  # the bound word ("above", "higher" of "higher than")
        while j > 0 and words[j - 1] in _LINK:
            j -= 1
        near = {vocab.stem(x) for x in words[max(0, j - 5): j] if not x[0].isdigit()}
        keytoks = key_tokens(idx) if keytoks is None else keytoks
        keys = [k for k, toks in keytoks.items() if toks and toks <= near]
        # "num_envs below 16" names num_envs, not also env: the key with the most of the plan's words
        most = max((len(keytoks[k]) for k in keys), default=0)
        keys = [k for k in keys if len(keytoks[k]) == most]
        if len(keys) != 1:
            continue
        key = keys[0]
        held = numbers_held(idx, key, scope, per_signature=3)
        if held is None:
            return None  # a param with words for values is read by the concepts, not here
        if not held:
            continue
        word = "above" if sign > 0 else "below"
        past = sorted([(r, n) for r, n in held if (n > num if sign > 0 else n < num)], key=lambda rn: rn[0].start)
        if past:
            r0, n0 = past[0]
            cited = list(dict.fromkeys(r.run_id for r, _ in past))[:3]
            summary = (f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d} "
                       f"used {key}={fmt(n0)}")
            return tried_in_runs(idx, cited=cited, summary=summary, author=r0.user, at=r0.start)
        run, n = min(held, key=lambda rn: (abs(rn[1] - num), rn[0].start))
        values = sorted({fmt(v) for _, v in held}, key=float)
        summary = f"run {run.run_name or run.run_id[:8]} with {key}={fmt(n)}"
        return CheckResult(already_tried=False, message=(
            f"Not tried: no run has {key} {word} {fmt(num)} (runs used {key} = {', '.join(values[:6])}); "
            f"closest: {summary}."),
            matches=[CheckMatch(entry_id=None, run_ids=[run.run_id], score=0.0, author=run.user, at=run.start,
                                summary=summary)])
    return None
