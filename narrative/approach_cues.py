"""The sentence-level cues of ``narrative.approaches``: hedges, plans, adoptions that adopt nothing, absences that
hurt, table rows. Functions of a sentence's text alone (remembered); split off to keep each file short."""

from __future__ import annotations

import functools
import re

from narrative import vocab
from narrative.history_index import Fact

# "if it doesn't work, disable fp16" is a plan; "should have used class weights" never happened
_CONDITIONAL = re.compile(r"^\W{0,4}(if|unless|in case|otherwise)\b|[,;:]\s{0,3}(if|unless|in case)\b", re.I)
_COUNTERFACTUAL = re.compile(r"\b(should|would|could|might|must) (have|'ve)\b|\b(should|would|could)'ve\b|"
                             r"\bwish(ed)?\b|\bif only\b", re.I)


# a gain limited to a part ("only helps on TM", "just improves recall") is no verdict on the whole line
_RESTRICTED = re.compile(r"\b(only|just|merely)\s{1,8}(help|work|improve|boost|gain)\w*\b", re.I)


# "testing to see whether X is the way to go" weighs options; it adopts nothing yet
_UNDECIDED = re.compile(r"\b(whether|to see if|to find out if|not sure if|wonder(ing)? if)\b", re.I)


# Adoption cues that adopt nothing (each a class of its own):
# a demotion ("removed from the winner's circle", "no longer the default", "demoted") closes what it names
_DEMOTION = re.compile(
    r"\b(?:remov\w{1,3}|drop(?:ped|ping)?|kick\w{0,3}|taken|took)\s{1,3}(?:out\s{1,3})?from\s{1,3}(?:the\s{1,3})?"
    r"(?:winner|default|candidate|ship)|\bno\s{1,3}longer\s{1,3}(?:the\s{1,3})?(?:winner|default|candidate)|\bdemot\w{1,4}",
    re.I)
_NOT_ADOPTING = re.compile(
    # a description of the current setup: "Right now, we use separate channels"
    r"\b(?:right\s{1,3}now|currently|at\s{1,3}the\s{1,3}moment|at\s{1,3}present|presently)\W{0,3}(?:\w{1,20}\s{1,3}){0,2}?"
    r"(?:we|i)\s{1,3}(?:use|are\s{1,3}using|am\s{1,3}using)\b|"
    # an attempt at a switch: "we tried switching to true vanilla SGD then, ... only to find"
    r"\b(?:tried|try|trying|attempt\w{0,3}|test\w{0,3})\s{1,3}(?:out\s{1,3})?(?:switching|moving|going)\b", re.I)
# a motive or a wish, before the cue: "I came into this project wanting to 'understand' how to build ..."
_MOTIVE = re.compile(r"\b(?:wanting|wanted|hoping|hoped|in\s{1,3}order|aiming|aimed)\s{1,3}to\b", re.I)
# "X matters", "X was crucial in preventing overfitting": a positive finding about X, whatever words follow
_MATTERS = re.compile(r"\b(?:matters|mattered|(?:is|was|are|were)\s{1,3}(?:crucial|essential|critical|key|vital))\b",
                      re.I)
_MATTERS_NOT = re.compile(r"\b(?:barely|hardly|not|n't|never|little|rarely|no\s{1,3}longer)\s{1,3}(?:\w{1,20}\s{1,3})?"
                          r"(?:matter|crucial|essential|critical|key|vital)|\bdoesn'?t\s{1,3}matter", re.I)
# a bug found and fixed is a repair, not a failed line of work ("there was a bug ... This run has it fixed")
_REPAIRED = re.compile(r"\b(?:bug|glitch)s?\b.{0,120}?\b(?:fixed|patched|resolved)\b|"
                       r"\b(?:fixed|patched)\s{1,3}(?:the|a|this|that)\s{1,3}(?:bug|glitch)", re.I | re.S)
# the trigger of a mechanism ("an early stopping callback to stop when val_accuracy didn't improve after 3
# epochs") states when it acts, not that anything failed
_TRIGGER = re.compile(r"\b(?:when|whenever|once|until)\s{1,3}(?:[\w.]{1,20}\s{1,3}){0,4}?"
                      r"(?:didn['’]?t|doesn['’]?t|does\s{1,3}not|did\s{1,3}not|stops?|no\s{1,3}longer|fails?\s{1,3}to)"
                      r"\s{1,3}improv", re.I)
# a plan however it was filed ("Next experiment is to have two learning rates", "Consider adding weight decay")
_PLAN_OPENER = re.compile(r"^\W{0,4}(?:next\s{1,3}(?:step|experiment|run|thing|up|time)s?\b|todo\b|to\s{1,3}do\b|"
                          r"consider\b|(?:i|we)\s{1,3}(?:will|plan|need|want)\b|(?:i|we)'ll\b|let'?s\b)", re.I)
# a line of work whose absence went badly ("No input transformer also performs poorly", "removing the dropout
# on the input layer overfitted", "with gradient clipping removed: overfitting", "Without dropout: 67% failure
# rate") helps; it is not closed
_ABSENCE = re.compile(r"(?:^\W{0,4}no\s{1,3}|\bwithout\s{1,3}|\b(?:removing|disabling|dropping)\s{1,3}(?:the\s{1,3})?)"
                      r"([^.;:!?,()\n]{1,40})|\bwith\s{1,3}([^.;:!?,()\n]{1,40}?)\s{1,3}(?:removed|disabled|turned\s{1,3}off)\b",
                      re.I)
_BAD_OUTCOME = re.compile(r"\b(?:poor(?:ly)?|worse|overfit\w{0,4}|diverg\w{0,4}|hurt\w{0,3}|unstable|degrad\w{0,4}|"
                          r"fail(?:s|ed|ing|ures?)?|"
                          r"collaps\w{0,3}|(?:decreas|reduc|lower)\w{0,3}\s{1,3}(?:the\s{1,3})?(?:acc\w{0,6}|performance|scores?))\b",
                          re.I)


@functools.lru_cache(maxsize=1 << 16)
def _absence_hurts(sentence: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The concepts (and the bare words) whose absence the sentence says went badly."""
    if not _BAD_OUTCOME.search(sentence):
        return frozenset(), ()
    cs: set[str] = set()
    slots: list[str] = []
    for m in _ABSENCE.finditer(sentence):
        slot = m.group(1) or m.group(2) or ""
        if _BAD_OUTCOME.search(sentence, m.start()):
            cs |= vocab.concept_frozenset(slot)
            slots.append(slot.lower())
    return frozenset(cs), tuple(slots)


def _adopts(f: Fact) -> bool:
    """Whether an adoption cue (or an adopting decision) really adopts: not a demotion, a setup described,
    an attempt at a switch, nor a motive stated before the cue."""
    if _NOT_ADOPTING.search(f.text) or _DEMOTION.search(f.text):
        return False
    motive = _MOTIVE.search(f.text)
    cue = vocab.ADOPT_CUES.search(f.text)
    return not (motive and (cue is None or motive.start() < cue.start()))


@functools.lru_cache(maxsize=1 << 16)
def _hedges(sentence: str) -> tuple[bool, bool]:
    """Whether the sentence is counterfactual, and whether conditional or undecided (remembered, as
    ``_subjects_of``)."""
    return (bool(_COUNTERFACTUAL.search(sentence)),
            bool(_CONDITIONAL.search(sentence) or _UNDECIDED.search(sentence)))


# a markdown table row ("TM | Worse | Better | Best"): its verdict words compare the columns' runs, they
# say nothing of a line of work named elsewhere in the table
def _is_table_row(text: str) -> bool:
    return text.count("|") >= 3 and any(line.count("|") >= 3 for line in text.split("\n"))


# "maybe not worth the compute", "probably not worth pursuing": a closing cue under a hedge weighs a line, it does
# not close it (unless another cue of the sentence closes it: "probably not worth it, dropping it")
_HEDGED_CLOSE = re.compile(r"\b(?:maybe|perhaps|probably|possibly|might|may)\s{1,3}(?:not\s{1,3}(?:be\s{1,3})?worth"
                           r"(?:\s{1,3}(?:it|the\s{1,3}\w{1,20}|\w{1,20}ing))?|drop\w{0,4}|park\w{0,3}|shelve?\w{0,3}|"
                           r"abandon\w{0,3})\b", re.I)


@functools.lru_cache(maxsize=1 << 16)
def hedged_close(sentence: str) -> bool:
    """Whether the sentence's only closing cue is hedged ("X might help but maybe not worth the compute")."""
    if not _HEDGED_CLOSE.search(sentence):
        return False
    rest = _HEDGED_CLOSE.sub(" ", sentence)
    neg, close = vocab.cue_flags(rest)[:2]
    return not close and not neg
