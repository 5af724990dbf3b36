"""Stated replacements: "switched from X to Y", "Y instead of X", "replaced X with Y", "swapped X for Y".

A practitioner who says one technique took another's place has closed the old line of work and opened the
new one, whatever verdict words the sentence lacks. The reading is by grammar: a verb of change with its
two slots (``from X to Y``, ``X with/by Y``, ``X for Y``) or a substitution preposition (``instead of``,
``rather than``, ``in place of``) between the new thing and the old. Each slot is read for concepts on its
own, bounded by the clause, so "switched from Adam to SGD with momentum, loss is lower" closes Adam and
opens SGD and nothing else. A setting changed in place ("lr from 1e-3 to 3e-4") names the same concept on
both sides: that is tuning within one line, not a replacement, and is left alone.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from narrative import reading, vocab

# a slot ends where the clause ends: punctuation that closes a clause, a coordinating or subordinating word
_SLOT = r"([^.;:!?,()\n]{1,60}?)"
_SLOT_END = r"(?=\s{0,4}(?:[.;:!?,()\n]|$|\s(?:and|but|which|because|since|so|as|while|where|after|before|"\
    r"gives?|gave|got|helped|hurt|did|does|is|was|were|are)\b))"
# verbs of change, any tense; "went from" is left out: it reports a metric's move far more often
_CHANGE_VERB = r"\b(?:switch(?:ed|ing|es)?|mov(?:ed|ing|es|e)|migrat(?:ed|ing|es|e)|chang(?:ed|ing|es|e)|"\
    r"convert(?:ed|ing|s)?|transition(?:ed|ing|s)?)"
_FROM_TO = re.compile(_CHANGE_VERB + r"(?:\s+\w+){0,2}?\s+from\s+" + _SLOT + r"\s+(?:to|into|for)\s+" + _SLOT
                      + _SLOT_END, re.I)
_REPLACE = re.compile(r"\b(?:replac(?:ed|ing|es|e)|substitut(?:ed|ing|es|e))\s+" + _SLOT + r"\s+(?:with|by)\s+"
                      + _SLOT + _SLOT_END, re.I)
_SWAP = re.compile(r"\b(?:swap(?:ped|ping|s)?|trad(?:ed|ing|es|e))\s+(?:out\s+)?" + _SLOT + r"\s+for\s+" + _SLOT
                   + _SLOT_END, re.I)
# "<new> instead of <old>": the new thing is the words before the preposition, back to the clause start
_INSTEAD = re.compile(r"([^.;:!?,()\n]{1,60}?)\s{1,4}"
                      r"(?:instead\s+of|rather\s+than|in\s+place\s+of|in\s+lieu\s+of)\s+" + _SLOT + _SLOT_END, re.I)
_INSTEAD_CUE = re.compile(r"\b(?:instead|rather|place|lieu)\b", re.I)
# a change noted as an arrow in a settings line ("Activation: Swish => ReLU"): old on the left, new on the
# right. Only after a "key:": in prose an arrow points at an outcome ("quantile obj p50 -> mae 1587")
_ARROW = re.compile(r"(?:^|\n)[ \t]{0,8}[\w .\-]{1,30}:[ \t]{0,8}([^.;:!?,()\n=>\-]{1,40}?)\s{0,4}(?:=>|->|→)\s*"
                    + _SLOT + _SLOT_END, re.I)
# "ResNet ==> Found U-Net instead": the item tried on the left, what took its place on the right
_FOUND_INSTEAD = re.compile(r"(?:^|\n|\]\s)[ \t]{0,8}([^.;:!?,()\n=>\-\[\]]{1,40}?)\s{0,4}(?:==>|=>|-->|->|→)\s{0,4}"
                            r"(?:found|used|use|chose|picked|took|went\s+with|switched\s+to|moved\s+to|using|adopted)"
                            r"\s{1,3}([^.;:!?,()\n]{1,40}?)\s{1,3}instead\b(?!\s{1,3}of)", re.I)
# what an outcome says won: "Adam seems better", "the baseline is still best", "X wins"
# "went back to Adam, SGD never caught up", "reverted to Adam after the SGD runs": a return to X replaces the
# sibling the sentence names (one broader family: another optimizer); with no sibling named nothing is said closed
_BACK_TO = re.compile(r"(?:\b(?:went|go|goes|going|switch(?:ed|ing|es)?|revert(?:ed|ing|s)?|mov(?:ed|ing|es|e)|"
                      r"fell|fall(?:ing|s)?|came|coming|roll(?:ed|ing)?)\s{1,3}back\s{1,3}to|\breverted\s{1,3}to|"
                      r"^\W{0,4}back\s{1,3}to)\s{1,3}" + _SLOT + _SLOT_END, re.I)
_WON = re.compile(r"\b(?:better|best|wins?|won|outperform\w{0,3}|superior|stronger)\b", re.I)
_VERDICT_START = re.compile(r"\b(?:is|was|are|were|seems?|seemed|looks?|looked|remains?|stays?|still|wins?|won|"
                            r"outperform\w{0,3}|better|best)\b", re.I)
# "use X rather than" as a comparison of quality ("better rather than worse") has no concept on a side
# and so reads as nothing; what the slot starts with decides nothing else


@dataclass(frozen=True, slots=True)
class Replacement:
    old: frozenset[str]  # the concepts the sentence says were replaced
    new: frozenset[str]  # the concepts that took their place


def _narrowest(concepts: frozenset[str]) -> frozenset[str]:
    broader = {b for c in concepts for b in vocab.CONCEPT_BY_ID[c].broader}
    return frozenset(c for c in concepts if c not in broader) or concepts


def _side(text: str) -> frozenset[str]:
    return _narrowest(vocab.concept_frozenset(text))


_WORDY = re.compile(r"[a-z]{3,}", re.I)


def _names_a_thing(text: str) -> bool:
    """Whether a slot that names no known concept still names something ("standard cross-entropy") rather
    than a value ("3e-4", "0.9"): only then has the other side been replaced by it."""
    return any(w.lower() not in vocab.STOPWORDS for w in _WORDY.findall(text))


# Round 16: "Y instead of X" has no verb of change of its own. Told without a verb ("GELU instead of ReLU" as a
# bare line), asked ("Maybe GELU instead of ReLU?"), proposed ("Idea: ...", "Try GELU instead of ReLU") or
# planned, it proposes the swap: nothing is adopted or closed by it. A verb says it was made ("switched to GELU
# instead of ReLU", "exp-12 uses GELU instead of ReLU", "GELU instead of ReLU gave +0.3").
_A_VERB = re.compile(r"\b(?:[a-z]{2,}ed|use[sd]?|using|now|went|chose|picked|ran|runs?|trains?|is|are|was|were|gives?|"
                     r"gave|got|gets|took|takes?|has|have|had|did|does|helps?|works?|beats?|wins?|won|keep(?:s|ing)?|"
                     r"kept|'s|'re)\b", re.I)
_PROPOSAL_LEAD = re.compile(r"^\W{0,4}(?:maybe|perhaps|possibly|idea|ideas|proposal|proposed(?:\s+\w+)?|todo|to-?do|"
                            r"next|try|trying|consider|what\s+about|how\s+about|could|should|might)\b", re.I)


def instead_told_done(sentence: str) -> bool:
    """Whether a sentence with "instead of" tells a swap made rather than one proposed (see above)."""
    if "[x]" in sentence.lower() or _OUTCOME_ARROW.search(sentence):
        return True   # "- [x] Try SGD instead of Adam ==> ...": ticked off, its outcome told
    if sentence.rstrip().endswith("?"):
        return False
    if reading.verdict_of(sentence) is not None:
        return True   # "Try GELU instead of ReLU: GELU better": a swap judged was made
    if _PROPOSAL_LEAD.search(sentence):
        return False
    if reading.modality(sentence) in ("planned", "question", "wished", "conditional", "counterfactual"):
        return False
    return bool(_A_VERB.search(sentence))


def replacement_in(sentence: str) -> Replacement | None:
    """The replacement a sentence states, or None. The old side loses every concept the new side also names
    (a setting changed in place, "from lr 1e-3 to lr 3e-4", replaces nothing)."""
    return _replacement(sentence, True)


@functools.lru_cache(maxsize=1 << 14)
def _replacement(sentence: str, told_done: bool) -> Replacement | None:
    """``replacement_in``; ``told_done=False`` reads a swap proposed too (a try whose outcome follows it)."""
    old: set[str] = set()
    new: set[str] = set()
    named_new = False  # the new side names something, known concept or not
    pairs = [(m.group(1), m.group(2)) for rx in (_FROM_TO, _REPLACE, _SWAP) for m in rx.finditer(sentence)]
    # _INSTEAD and _ARROW try a match at nearly every position: only run where their cue is (deriving the
    # approaches reads every sentence of a project: 0.25 s of 53k sentences otherwise)
    if _INSTEAD_CUE.search(sentence) and (not told_done or instead_told_done(sentence)):
        pairs += [(m.group(2), m.group(1)) for m in _INSTEAD.finditer(sentence)]
    if "=>" in sentence or "->" in sentence or "→" in sentence:
        pairs += [(m.group(1), m.group(2)) for m in _ARROW.finditer(sentence)]
        if _INSTEAD_CUE.search(sentence):
            pairs += [(m.group(1), m.group(2)) for m in _FOUND_INSTEAD.finditer(sentence)]
    for old_text, new_text in pairs:
        old |= _side(old_text)
        new |= _side(new_text)
        named_new = named_new or _names_a_thing(new_text)
    if "back" in sentence.lower() or "reverted" in sentence.lower():
        for m in _BACK_TO.finditer(sentence):
            back = _side(m.group(1))
            families = {b for c in back for b in vocab.CONCEPT_BY_ID[c].broader}
            rest = _side(sentence[: m.start()] + " ; " + sentence[m.end():]) - back
            siblings = {c for c in rest if families & set(vocab.CONCEPT_BY_ID[c].broader)}
            if siblings:
                old |= siblings
                new |= back
    # a concept named on both sides was tuned, not replaced ("lr from 1e-3 to 3e-4"); a variant of the old
    # one on the new side is a replacement all the same ("Adam with AdamW" closes plain Adam)
    both = frozenset(new) & frozenset(old)
    old_only = frozenset(c for c in old if c not in both)
    new_only = frozenset(c for c in new if c not in both)
    if not old_only or not (new_only or (named_new and not both)):
        return None
    return Replacement(old=old_only, new=new_only)


@functools.lru_cache(maxsize=1 << 14)
def kept_old(tried: str, outcome: str) -> bool:
    """Whether the outcome of a tried replacement names the replaced thing as the winner ("Try with SGD
    instead of Adam" / "Adam seems better"): the replacement did not work, the old line stays."""
    rep = _replacement(tried, False)
    won = _WON.search(outcome)
    if rep is None or won is None:
        return False
    # the winner is the subject, named before the verdict words ("Adam seems better"), not what it beat
    start = _VERDICT_START.search(outcome)
    subject = outcome[: start.start()] if start else outcome[: won.start()]
    named = _side(subject)
    return bool(named & rep.old) and not named & rep.new


# the arrows a to-do line puts between what was tried and how it went ("- [x] SGD instead of Adam ==> Adam better")
OUTCOME_ARROWS = r"(?:-->|==>|--|—|->|→|=>)"
_OUTCOME_ARROW = re.compile(rf"\s{OUTCOME_ARROWS}\s")


def replacement_lost(sentence: str) -> Replacement | None:
    """The replacement a "tried ==> outcome" line reports as lost to the old one, or None."""
    m = _OUTCOME_ARROW.search(sentence)
    if m is None or not kept_old(sentence[: m.start()], sentence[m.end():]):
        return None
    return _replacement(sentence[: m.start()], False)


# A setting switched off: "Mixup: off", "tanh = false", "EMA off", "no Mixup", "without SWA", "disabled mixup".
# The concept is read in the words the switch governs, nothing further: the key before "off", the noun
# phrase after "no"/"without" up to the clause's end.
_OFF_VALUE = re.compile(r"([A-Za-z][\w\- .]{0,40}?)\s*(?:[:=]\s*|\s)(?:off|false|disabled|none)\b"
                        r"(?!\s*[-:]?\s*\w)", re.I)
_OFF_CUE = re.compile(r"\b(?:off|false|disabled|none)\b", re.I)  # what _OFF_VALUE ends on, found cheaply
_OFF_WORD = re.compile(r"(?:^|[(:,;]\s*)(?:no|without|disabled?|removed?|turn(?:ed)?\s+off)\s+"
                       r"([^.;:!?,()\n]{1,40})", re.I)


def _heads(slot: str) -> frozenset[str]:
    """The concepts named at the very start of ``slot`` (the words a switch or an absence governs)."""
    return frozenset(c for c, spans in vocab.concepts_in_once(slot).items() if any(a == 0 for a, _ in spans))


@functools.lru_cache(maxsize=1 << 14)
def switched_off_in(sentence: str) -> frozenset[str]:
    """The concepts a sentence says were switched off ("Mixup: off", "no Mixup (epoch=4)")."""
    out: set[str] = set()
    for m in _OFF_VALUE.finditer(sentence) if _OFF_CUE.search(sentence) else ():
        out |= _side(m.group(1))
    for m in _OFF_WORD.finditer(sentence):
        # "no Mixup (epoch=4)" names the thing left out; "no improvement from mixup" names no setting: the
        # concept must be the words right after the switch
        slot = m.group(1).strip()
        if _EVAL_SCOPE.search(slot):
            continue  # "no dropout on the validation set": how evaluation runs, nothing switched off in training
        out |= _narrowest(_heads(slot))
    return frozenset(out)


# what evaluation leaves out ("no augmentation at test time", "without dropout during eval") is how a model is
# scored, not a line of work given up
_EVAL_SCOPE = re.compile(r"\b(?:on|at|for|during|in)\s{1,3}(?:the\s{1,3})?(?:val(?:id\w*|idation)?|dev|test\w*|eval\w*|"
                         r"inference|predict\w*|scoring)\b(?!\s{0,3}(?:loss|acc\w*|auc|f1|score|metric|error)\b)", re.I)


# A thing said to be absent from a run's setup ("just has no label-smoothing", "trained without dropout"):
# a description of one configuration, neither a decision to drop the technique nor one to adopt it
_ABSENT = re.compile(r"\b(?:has|have|had|with|uses?|used|using)\s+no\s+([^.;:!?,()\n]{1,40})|"
                     r"\bwithout\s+([^.;:!?,()\n]{1,40})", re.I)


@functools.lru_cache(maxsize=1 << 14)
def absent_in(sentence: str) -> frozenset[str]:
    """The concepts a sentence says a setup lacks, read right after "has no" / "without"."""
    out: set[str] = set()
    for m in _ABSENT.finditer(sentence):
        slot = (m.group(1) or m.group(2) or "").strip()
        out |= _heads(slot)
    return _narrowest(frozenset(out)) if out else frozenset()


# A sentence that opens on a refusal to use something ("Not using color jitter because we use autoaugment",
# "We don't use dropout, since ...", "not going to use SWA for now") sets that thing aside. The refusal must be
# followed by a reason, a pause or the end, with no verb of its own: "Not using dropout was a mistake" judges the
# refusal instead.
_REFUSED = re.compile(
    r"^[\s*\->•]*(?:(?:we|i)(?:'re|'m|\s{1,3}are|\s{1,3}am)?\s{1,3})?"
    r"(?:(?:not|never)\s{1,3}(?:using|going\s{1,3}to\s{1,3}use|gonna\s{1,3}use)|"
    r"(?:don'?t|do\s{1,3}not|won'?t|will\s{1,3}not|no\s{1,3}longer)\s{1,3}use)\s{1,3}"
    r"((?:(?!\b(?:was|is|were|are|has|had|hurt|hurts|helped|helps|made|makes|gave|gives|seem\w*|led|leads|"
    r"turned|proved|caused|would|did|does|improved|worked|works)\b)[^.;:!?,()\n]){1,40}?)"
    r"(?=\s*(?:$|[.;,:(!]|\s-\s|\s(?:because|since|as|for\s{1,3}now|anymore|any\s{1,3}more|here|either)\b))",
    re.I)


@functools.lru_cache(maxsize=1 << 14)
def refused_in(sentence: str) -> frozenset[str]:
    """The concepts a sentence opens by refusing to use ("Not using X because ..."): set aside, never adopted."""
    m = _REFUSED.search(sentence)
    if m is None or _EVAL_SCOPE.search(m.group(1)):
        return frozenset()  # "we don't use dropout at test time": how a model is scored, nothing set aside
    return _narrowest(_heads(m.group(1).strip()))


def set_aside(sentence: str) -> frozenset[str]:
    """What a sentence switches off ("Mixup: off") or refuses to use ("Not using X because ...")."""
    return switched_off_in(sentence) | refused_in(sentence)

