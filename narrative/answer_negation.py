"""What a question's "without X" says about the runs it asks of (issue 8, round 16).

"What was the test-other WER without AMP at epoch 1?" was answered with the AMP run's value: the run's name
(conformer-amp-md650) and its params (amp=true) carry the question's word "amp" more often than the run without
it (conformer-noamp-md450, amp=false), so the word-overlap scoring of runs picked exactly the run the question
rules out. A word after "without" / "w/o" / "no" / "non-" is a property the asked runs do NOT have:

- a run that has it on (a word of its name, a param named by it with a value that is not off, or a param value
  that is the word: precision=amp) is never one of the asked runs;
- a run that has it explicitly off (amp=false, warmup_steps=0, a name word "noamp" / "no-amp") is the one asked.

The word counts neither way when no run carries it ("without any gain" names no property of a run).
"""

from __future__ import annotations

import itertools
import re

from narrative import vocab
from storage.records import RunSnapshot

# the negation, then one word (a dash or spaces between): "without AMP", "w/o amp", "no-warmup", "non-EMA"
_NEG = re.compile(r"\b(?:without|w/o|sans|no|non)[\s\-]{1,3}([a-z][a-z0-9.]{1,30})", re.I)
# a param value that says the thing is off
_OFF = frozenset({"false", "0", "0.0", "none", "no", "off", "disabled", "null", "n", "f"})


def negated_words(question: str) -> set[str]:
    """The words the question puts after a negation, in ``vocab.tokens`` form and as written ("without AMP" ->
    {"amp"})."""
    out: set[str] = set()
    for m in _NEG.finditer(question[:2000]):
        toks = vocab.tokens(m.group(1))
        if toks and len(toks[0]) >= 2 and not vocab.is_generic(toks[0]):
            out |= {toks[0], m.group(1).lower()}  # the token, and the word as a run name spells it
    return out


def _state(run: RunSnapshot, word: str) -> tuple[bool, bool]:
    """(on, off): whether the run shows the property named by ``word`` on, and whether explicitly off."""
    on = off = False
    name = vocab.tokens((run.run_name or "").replace("_", " "))
    if word in name:
        on = True
    if ("no" + word) in name or any(a in ("no", "non", "without") and b == word
                                    for a, b in itertools.pairwise(name)):
        off = True
    for k, v in run.params.items():
        ktoks = vocab.tokens(str(k).replace("_", " "))
        vtoks = vocab.tokens(str(v))
        if word in ktoks:
            if str(v).strip().lower() in _OFF:
                off = True
            else:
                on = True
        elif word in vtoks and not ("no" in vtoks or "no" + word in vtoks):
            on = True
        elif ("no" + word) in vtoks:
            off = True
    return on, off


def ruled_out(run: RunSnapshot, words: set[str]) -> bool:
    """The run has on a property the question asks to be without."""
    return any(_state(run, w)[0] for w in words)


def off_matches(run: RunSnapshot, words: set[str]) -> int:
    """How many of the question's "without" properties the run shows explicitly off (and never on)."""
    n = 0
    for w in words:
        on, off = _state(run, w)
        n += int(off and not on)
    return n
