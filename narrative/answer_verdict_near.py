"""The verdict a thread gives in the sentence beside the one that names the change (issue 8, round 16).

In a thread the verdict and its subject are often two sentences of one short comment: "this doesn't seem to
actually help. Purple line is with 2e-5, green line 3e-4." Asked "did lowering the learning rate to 2e-5 help?",
the ranking found the second sentence (it names 2e-5) and the other person's "Updating to 2e-5 as in the
original paper." (the change announced, no result), but never the first: it shares no word with the question
but "help", one of the asking words. For a did-it-help question, a sentence of a candidate's own paragraph, right
before or after it, that says whether something helped is that candidate's verdict, when the candidate names
the question's value or its specific words and the verdict sentence names nothing else (no value, no heading,
no question, no plan): it is quoted first, above the lines that only name the change.
"""

from __future__ import annotations

import re

from narrative.answer_quotes import asks, is_plan, numbers
from narrative.history_index import Fact, HistoryIndex

# whether it helped, said of "it" / "this": "doesn't seem to actually help", "did not improve anything",
# "no difference", "helped a lot", "made it worse"
_HELP_VERDICT = re.compile(
    r"\b(?:does\s{1,3}not|doesn'?t|did\s{1,3}not|didn'?t|do\s{1,3}not|don'?t|won'?t|not)\s{1,3}"
    r"(?:(?:seem|appear|really|actually|much|to|at|all|really)\s{1,3}){0,4}(?:help|improve|matter|change)\w{0,2}\b"
    r"|\bno\s{1,3}(?:gain|improvement|difference|change|effect)\b"
    r"|\b(?:helped|helps|hurt|made\s{1,3}(?:it|things)\s{1,3}(?:worse|better))\b", re.I)
_MAX_VERDICT_CHARS = 120


def help_verdict(text: str) -> bool:
    """A short sentence that says whether a change helped, and nothing else a reader would need the question for."""
    t = text.strip()
    return (len(t) <= _MAX_VERDICT_CHARS and _HELP_VERDICT.search(t) is not None and not asks(t)
            and not t.lstrip().startswith("#"))


def verdict_beside(idx: HistoryIndex, f: Fact) -> Fact | None:
    """The sentence right before or after ``f`` in its paragraph that gives a help verdict, or None."""
    if f.kind != "sentence" or f.para < 0:
        return None
    for g in idx.entry_facts.get(f.entry_id, []):
        if (g.kind == "sentence" and g.para == f.para and abs(g.position - f.position) == 1
                and help_verdict(g.text) and not (numbers(g.text) - {0.0, 1.0}) and not is_plan(g)):
            return g
    return None


def lift_verdicts(idx: HistoryIndex, facts: list[tuple[float, Fact]], question: str,
                  specific: frozenset[str]) -> list[tuple[float, Fact]]:
    """For a did-it-help question: the verdict beside one of the first candidates that names the question's value
    (or, when it names none, its specific words) goes first; the rest keep their order."""
    asked = numbers(question) - {0.0, 1.0}
    if not facts:
        return facts
    top = facts[0][0]
    for _s, f in facts[:4]:
        about = bool(asked & numbers(f.text)) if asked else bool(specific) and specific <= f.toks
        if not about:
            continue
        g = verdict_beside(idx, f)
        if g is None or any(h is g for _, h in facts[:1]):
            continue
        rest = [(sc, h) for sc, h in facts if h is not g and h is not f]
        return [(top + 0.06, g), (top + 0.05, f), *rest]
    return facts
