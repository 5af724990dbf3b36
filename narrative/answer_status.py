"""Where the work stands, asked in a thread: "what's still open?", "what have we ruled out?", "where are we?".

The answer is the phase's lines of work in short (``approaches.derive``): the ones still open, the ones closed
with the reason in words, and the best run by the metric in force, each cited. A question that names a topic
besides the state ("is the GAN still open?") is left to the topical answer, which states one line's status.
"""

from __future__ import annotations

import re

from narrative import reading, vocab
from narrative.answer_next import next_steps, unlabelled
from narrative.approaches import Approach, derive
from narrative.entry_text import clip
from narrative.history_index import HistoryIndex, fmt
from narrative.types import Answer, Citation

_OPEN_Q = re.compile(r"\bwhat(?:'?s|\s{1,3}is|\s{1,3}are)\s{1,3}(?:still\s{1,3})?(?:open|left|remaining|pending|"
                     r"outstanding|unresolved)\b|\bwhat\s{1,3}(?:remains|is\s{1,3}left)\b|"
                     r"\b(?:which|what)\s{1,3}(?:lines?|approaches|directions|ideas)\s{1,3}(?:are|is)\s{1,3}"
                     r"(?:still\s{1,3})?(?:open|alive|active|left)\b", re.I)
_CLOSED_Q = re.compile(r"\b(?:what|which)\b[\w\s']{0,30}?\b(?:ruled\s{1,3}out|exhausted|closed|dead\s{1,3}ends?|"
                       r"abandon(?:ed)?|given\s{1,3}up\s{1,3}on|gave\s{1,3}up\s{1,3}on|drop(?:ped)?)\b", re.I)
_WHERE_Q = re.compile(r"\bwhere\s{1,3}(?:are|do)\s{1,3}we\s{1,3}(?:at|stand)\b|"
                      r"\bstate\s{1,3}of\s{1,3}(?:play|things)\b|"
                      r"\bstatus\s{1,3}(?:so\s{1,3}far|update|of\s{1,3}the\s{1,3}project)\b", re.I)
# the words that ask for the state; any other content word names a topic
_STATE_WORDS = frozenset(vocab.tokens(
    "what which is are still open left remain remains remaining pending outstanding unresolved ruled out "
    "exhausted closed dead end ends abandon abandoned given gave up on drop dropped we where do stand at state "
    "of play "
    "things status so far update the project lines line approaches approach directions ideas alive active "
    "have has did been haven't hasn't didn't our work"))
_MAX_CHARS = 880


def asks_status(question: str) -> bool:
    """Whether the question asks where the work stands, and about nothing narrower."""
    if len(question) > 200 or not (_OPEN_Q.search(question) or _CLOSED_Q.search(question)
                                    or _WHERE_Q.search(question)):
        return False
    return not (set(vocab.tokens(question)) - _STATE_WORDS)


def status_answer(question: str, idx: HistoryIndex) -> Answer | None:
    """The lines of work still open and the ones closed (with why), the best run; None when the notes give no
    line of work."""
    aps = [a for a in derive(idx) if standing_told(a)]
    opened = [a for a in aps if a.status in ("open", "adopted")]
    closed = [a for a in aps if a.status in ("exhausted", "abandoned")]
    if not opened and not closed:
        return None
    asked_open = bool(_OPEN_Q.search(question) or _WHERE_Q.search(question))
    parts: list[str] = []
    cites: list[Citation] = []

    def add(label: str, group: list[Approach]) -> None:
        if group:
            parts.append(f"{label}: " + "; ".join(_line(a) for a in group[:5]) + ".")
            cites.extend(_citation(a) for a in group[:5])

    if asked_open:
        add("Open", opened)
        # what is still to do is open too: the latest notes' next steps and questions, as ``phase`` lists them
        steps, step_cites = next_steps(idx, aps)
        said = [(st, c) for st, c in zip(steps, step_cites, strict=False) if c.entry_id][:3]
        if said:
            parts.append("Next in the latest notes: " + "; ".join(_said(st) for st, _ in said) + ".")
            cites += [c for _, c in said]
        add("Closed", closed)
    else:
        add("Closed", closed)
        _dropped(idx, closed, parts, cites)
        add("Open", opened)
    metric, goal = idx.metric_now()
    best = idx.best_run(metric, goal) if metric else None
    if best is not None and metric:
        parts.append(f"Best by {metric}: {best.run_name or best.run_id[:8]} ({fmt(best.metrics[metric])}).")
        cites.append(Citation(run_ids=[best.run_id]))
    text = " ".join(parts)
    if len(text) > _MAX_CHARS:
        text = text[: _MAX_CHARS - 3].rsplit(" ", 1)[0] + "..."
    return Answer(answer=text, citations=[c for c in cites if c.entry_id or c.run_ids])


# what a deciding sentence closes or keeps, as the words after its verb: "dropping deeplab for now", "keeping b3 as
# the encoder", "switched to a small conformer", "gave up on mixup"
# the verb's object runs to the next clause ("a small conformer since w2v2 won't fit": the conformer)
_OBJECT = (r"([^,;:.()!?\n]{1,40}?)(?=\s(?:since|because|as|but|so|instead|for|from|and|then|which|while|until)\b|"
           r"[,;:.()!?\n]|$)")
_CLOSES = re.compile(r"\b(?:drop(?:s|ped|ping)?|abandon\w{0,3}|stop(?:s|ped|ping)?|ditch\w{0,3}|shelv\w{1,3}|"
                     r"park(?:s|ed|ing)?|giv\w{1,3}\s{1,3}up\s{1,3}on|gave\s{1,3}up\s{1,3}on|"
                     r"mov\w{1,3}\s{1,3}(?:off|away\s{1,3}from)|back\s{1,3}off)\s{1,3}" + _OBJECT, re.I)
_KEEPS = re.compile(r"\b(?:keep(?:s|ing)?|kept|stick\w{0,4}\s{1,3}with|stay\w{0,3}\s{1,3}with|go(?:ing)?\s{1,3}with|"
                    r"went\s{1,3}with|switch\w{0,3}\s{1,3}to|mov\w{1,3}\s{1,3}to|adopt\w{0,3}|settl\w{1,3}\s{1,3}on)"
                    r"\s{1,3}" + _OBJECT, re.I)
_PRONOUN = frozenset({"it", "that", "this", "them", "those", "these", "one", "all", "everything"})


def _names(ap: Approach, words: str) -> bool | None:
    """Whether the words a verb takes name the line of work ``ap`` (None: a pronoun, it cannot be told)."""
    raw = words.lower().split()
    if not raw or raw[0] in _PRONOUN or (raw[0] in {"the", "a", "an"} and len(raw) > 1 and raw[1] in _PRONOUN):
        return None
    toks = vocab.tokens(words)[:4]
    return ap.key in vocab.concepts_in(words) or bool(
        {t for t in toks if len(t) >= 3} & {t for t in vocab.tokens(ap.name) if len(t) >= 3})


def standing_told(ap: Approach) -> bool:
    """Whether the sentence that decided ``ap``'s standing does not tell another story: "dropping deeplab for now"
    closes deeplab, not the U-Net it was filed under; "keeping b3 as the encoder" adopts no ResNet; "switched to a
    small conformer since w2v2 won't fit" adopts the conformer it was read to abandon. A sentence with no such verb,
    or one that names the line of work as its verb's object, tells no other story."""
    fact = ap.decided_by
    if fact is None or ap.status == "open":
        return True
    if ap.key.startswith("phrase:") and reading.modality(fact.text) == "hedged":
        return False  # "too much masking of the actual keyword i guess" guesses a cause; it closes no line of work
    same, other = (_CLOSES, _KEEPS) if ap.status in ("abandoned", "exhausted") else (_KEEPS, _CLOSES)
    told = [_names(ap, m.group(1)) for m in same.finditer(fact.text)]
    if any(n is not False for n in told):
        return True
    if any(_names(ap, m.group(1)) for m in other.finditer(fact.text)):
        return False  # its verb says the opposite of the standing, of this very line of work
    return not told  # only other things closed (kept): this line's standing is not what the sentence says


def _dropped(idx: HistoryIndex, closed: list[Approach], parts: list[str], cites: list[Citation]) -> None:
    """The abandonments the notes state in their own words that no closed line of work stands for ("dropping
    deeplab for now, not worth the slowdown", "didn't get to mosaic, parking it"): asked what was dropped, they
    are the answer, whatever line of work they were filed under."""
    told = " ".join(" ".join(a.decided_by.text.lower().split()) for a in closed if a.decided_by is not None)
    said: list[str] = []
    for e in idx.entries:
        for d in e.structure.decisions if e.structure is not None else []:
            text = " ".join(d.text.split())
            if d.kind == "abandon" and text and text.lower()[:60] not in told and len(said) < 3:
                said.append(f"{e.author} ({e.at:%Y-%m-%d}): \"{clip(text, 120)}\"")
                cites.append(Citation(entry_id=e.id, run_ids=[]))
    if said:
        parts.append("Dropped in the notes: " + "; ".join(said) + ".")


def _said(step: str) -> str:
    """A step quoted, COCO's label ("open question: ") outside the quotation marks."""
    quote = f'"{clip(unlabelled(step), 120)}"'
    if step.startswith("open question: "):
        return f"asked {quote}"
    return f"{quote} (not run yet)" if step.startswith("idea, not run yet: ") else quote


def _line(a: Approach) -> str:
    if a.status == "adopted":
        return f"{a.name} (adopted)"
    if a.status in ("exhausted", "abandoned"):
        return f"{a.name} ({vocab.reason_label(a.reason_kind, default='no gain')})"
    return a.name


def _citation(a: Approach) -> Citation:
    # the runs the deciding note linked, else the line's best or latest runs: a claim about a line of work
    # rests on its runs as much as on the note
    runs = [a.best_run_id] if a.best_run_id else a.run_ids[-2:]
    fact = a.decided_by
    if fact is not None:
        return Citation(entry_id=fact.entry_id, run_ids=fact.run_ids[:3] or runs)
    return Citation(entry_id=a.entry_ids[-1] if a.entry_ids else None, run_ids=runs)


def _compound_parts(question: str) -> list[set[str]]:
    """The parts of each compound name the question spells in one word ("SpecAugment" -> {spec, augment})."""
    out = []
    for word in re.findall(r"[A-Za-z0-9]+", question):
        parts = set(vocab.tokens(word)) - set(vocab.tokens(word.lower()))
        if len(parts) >= 2:
            out.append(parts)
    return out


def _names_asked(name: set[str], asked: set[str], compounds: list[set[str]]) -> bool:
    """A line of work's name carries a word the question asks: a word as the question wrote it, or every part of a
    compound name ("SpecAugment" asks "spec augment", not "data augmentation": one part of a compound names a
    broader thing than the compound does, so it alone is not what was asked)."""
    return bool(asked & name) or any(parts <= name for parts in compounds)


def approaches_in_words(question: str, idx: HistoryIndex) -> Answer | None:
    """"what did we try for exploration?": the lines of work whose names carry a content word of the question
    ("epsilon greedy (exploration schedule)"), each with its status and the note that decided it; None when no
    name does. The last resort before saying nothing was found: the notes never used the word themselves."""
    asked = {t for t in vocab.tokens(question.lower()) if len(t) >= 4 and not vocab.is_generic(t)} - _STATE_WORDS
    compounds = _compound_parts(question)
    if not asked and not compounds:
        return None
    hits = [a for a in derive(idx) if _names_asked(set(vocab.tokens(a.name)), asked, compounds)][:3]
    if not hits:
        return None
    parts: list[str] = []
    for a in hits:
        line = f"{a.name}: still open" if a.status == "open" else f"{a.name}: {a.status}"
        if a.status in ("exhausted", "abandoned"):
            line += f" ({vocab.reason_label(a.reason_kind, default='no gain')})"
        fact = a.decided_by
        if fact is not None:
            line += f"; {fact.author} ({fact.at:%Y-%m-%d}): \"{clip(fact.text, 160)}\""
        parts.append(line)
    text = ". ".join(parts)
    return Answer(answer=text[:_MAX_CHARS], citations=[c for c in map(_citation, hits) if c.entry_id or c.run_ids])
