"""Why-questions answered by the section its author wrote to explain, and how-much questions by the note's stated
gain (issue 8, class 6: the wrong passage quoted).

Experiment write-ups carry their reasons under a heading of their own: "### Reasoning" under "## Experiment 3:
Gradient Accumulation", "#### Root Cause Identification" under "## EXPERIMENT 4 COMPLETE: 3-Way Hybrid DPO Training
(Failed)", "#### Why Progressive Training Succeeded". The lines of such a section rarely repeat the subject (it is
in the headings above them: "Better Gradient Estimates: Larger effective batch size provides more stable
gradients"), so ranking single lines by the question's words passes them over for a line that names the subject
and says nothing of why ("Switched from SGD to AdamW"). Here the headings decide: a why-question whose subject's
every word the index knows stands in the chain of headings over an explaining section is answered with that
section's lines, and the note's runs are cited.
"""

from __future__ import annotations

import re

from narrative import vocab
from narrative.answer_quotes import clip, heading_level
from narrative.history_index import Fact, HistoryIndex
from narrative.plan_reading import PlanTerms
from narrative.run_answers import Cites, run_label

# a heading that explains, whatever decoration opens it ("#### **🔍 Root Cause Analysis - ...**", "### Reasoning",
# "#### **Why Progressive Training Succeeded**", "## Motivation"); "### Quantitative Analysis" explains nothing
_REASON_HEAD = re.compile(r"^\s{0,3}#{1,6}\s{1,4}[^\w\n]{0,8}(?:\d{1,2}[.)]\s{1,3})?[^\w\n]{0,4}"
                          r"(reasoning|rationale|motivation|root\s{1,3}causes?|causes?\s{1,3}of|why\b|reasons?\b|"
                          r"diagnosis|explanation|what\s{1,3}went\s{1,3}wrong|post.?mortem|"
                          # "### Observed failure mode: MLP learns a global negative suppressor": how it failed
                          r"(?:observed\s{1,3})?failure\s{1,3}modes?)", re.I)
# words a why-question asks with, or judges with, that name no subject ("why did we switch to X?", "why did X
# fail?", "why did Y drop in the Z run?")
_ASKING = frozenset(vocab.tokens(
    "why what how did does do was were is are we they you our the a an this that it run runs experiment "
    "switch switched go went move moved try tried add added use used pick picked choose chose drop dropped "
    "stop stopped keep kept need start started change changed turn turned make made get got "
    "fail failed work worked help helped hurt succeed succeeded improve improved better worse"))
# "switch from SGD to AdamW": what was left ("from SGD") is no subject of the reasons for the move
_FROM_TO = re.compile(r"\bfrom\s{1,3}(?:[\w.\-+/]{1,30}\s{1,3}){1,3}?(?=to\b)", re.I)
# a whole-bold line that names one cause of a list ("**📉 Data Dilution Effect**", "1. **📊 Data Ratio Imbalance**")
_BOLD_LABEL = re.compile(r"^\s{0,3}(?:\d{1,2}[.)]\s{1,3})?\*\*[^*:=\d\n]{3,60}\*\*\s{0,2}$")
# "why did we drop / stop / abandon X?": a question of an approach's standing, not of one note's reasons
_WE_STOPPED = re.compile(r"\b(?:we|i|you|they|team)\s{1,3}(?:stop|abandon|drop|park|shelv|kill|give\s{1,3}up|"
                         r"gave\s{1,3}up|quit|ditch)\w{0,4}\b", re.I)
_WITHOUT = re.compile(r"\b(without|w/o|absent|minus)\b", re.I)
# a heading or label of causes (as against reasons for a choice: "Reasoning", "Rationale", "Motivation")
_CAUSE_HEAD = re.compile(r"\b(root\s{1,3}causes?|causes?|diagnosis|what\s{1,3}went\s{1,3}wrong|post.?mortem|"
                         r"failure\s{1,3}modes?|"
                         r"fail\w{0,4}|succe\w{0,6}|work\w{0,3})\b", re.I)
# a why-question about how something went, which causes answer
_OUTCOME = re.compile(r"\b(fail\w{0,3}|wrong|bad|worse|poor\w{0,2}|diverg\w{0,4}|overfit\w{0,4}|nan|collaps\w{0,3}|"
                      r"degrad\w{0,4}|drop\w{0,3}|declin\w{0,3}|fell|succe\w{0,6}|work(ed|s)?|help(ed|s)?|"
                      r"hurt\w{0,3}|unstable|instabilit\w{1,3}|crash\w{0,3})\b", re.I)
# words of any experiment's heading that set no section apart ("## Exp 3:", "COMPLETE", "Training")
_GENERIC = frozenset(vocab.tokens("exp experiment experiments complete completed attempt run runs training train "
                                  "analysis identification results result notes"))
_DECOR = re.compile(r"[*`#]|[^\w\s.,:;%()+\-/'=<>~&]")


def _plain(text: str) -> str:
    """A line as said: markdown marks and pictographs out, spaces joined ("**Root Cause**: X" -> "Root Cause: X")."""
    return " ".join(_DECOR.sub(" ", text).split()).replace(" :", ":")


def _subject(body: str) -> frozenset[str]:
    """The question's words that name what it asks about (asking, judging and run words set aside; "from X"
    in "from X to Y" too)."""
    return frozenset(t for t in vocab.tokens(_FROM_TO.sub(" ", body)) if t not in _ASKING)


def _sections(idx: HistoryIndex, eid: str) -> list[tuple[Fact, list[Fact], list[Fact]]]:
    """Each explaining heading of an entry, with the headings over it (nearest first) and its lines."""
    sents = sorted((f for f in idx.entry_facts.get(eid, []) if f.kind == "sentence"), key=lambda f: f.position)
    out = []
    for i, h in enumerate(sents):
        level = heading_level(h.text)
        if not level or not _REASON_HEAD.match(h.text):
            continue
        over: list[Fact] = []
        top = level
        for g in reversed(sents[:i]):
            gl = heading_level(g.text)
            if gl and gl < top:
                over.append(g)
                top = gl
        lines: list[Fact] = []
        for g in sents[i + 1:]:
            if heading_level(g.text):
                break  # a sub-heading is a section of its own ("## Rationale" then "### Why Add Dropout?")
            if _plain(g.text) and not set(_plain(g.text)) <= set("-|: "):
                lines.append(g)
        if lines:
            out.append((h, over, lines))
    return out


def _quote(lines: list[Fact], subject: frozenset[str]) -> str:
    """The section's reasons: the causes it lists under bold labels, else its first four lines (one of them a line
    that names the subject, when there is one), in the author's order."""
    labels = [g for g in lines if _BOLD_LABEL.match(g.text)]
    if len(labels) >= 2:
        first = lines[lines.index(labels[0]) + 1:lines.index(labels[0]) + 2]
        said = [_plain(g.text).rstrip(":") for g in labels[:4]]
        head = "; ".join(said)
        return f"{head}. {_plain(first[0].text)}" if first and first[0] not in labels else head
    chosen = lines[:4]
    named = [g for g in lines if subject & set(vocab.tokens(g.text)) and not g.text.rstrip("* ").endswith(":")]
    if named and not any(g in chosen for g in named):
        chosen = [*lines[:3], named[0]]  # "why the lr floor?": the reason given for it is among those quoted
    while chosen and _plain(chosen[-1].text).endswith(":"):
        chosen = chosen[:-1]  # a label whose lines were left out ("Dropout prevents overfitting by:")
    body = [_plain(g.text) for g in chosen]
    return " ".join(t if t.endswith((".", ";", ":")) or i == len(body) - 1 else t + ";" for i, t in enumerate(body))


def reason_section_answer(idx: HistoryIndex, body: str, terms: PlanTerms, parts: list[str], cites: Cites, *,
                          metric: str | None, question: str = "") -> bool:
    """For a why-question: the explaining section whose headings name the whole subject, quoted, its note's
    runs cited. False (nothing added) when no section's headings name it."""
    if _WE_STOPPED.search(question or body):
        return False  # "why did we drop warmup?": its standing ("was abandoned") and failing verdict, elsewhere
    if _WITHOUT.search(question or body):
        return False  # "why did run 1 succeed without dropout?": the reasons for dropout answer the opposite
    asked = _subject(body)
    if any(any(c.isdigit() for c in t) and not idx.df.get(t) for t in asked):
        return False  # "why did exp 5 fail?": a number no note holds names a thing the notes never tell of
    subject = frozenset(t for t in asked if idx.df.get(t))
    concepts = frozenset(terms.key_concepts)
    if not subject - _GENERIC and not concepts:
        return False  # "exp", "run", "training" alone name no section's subject
    outcome = bool(_OUTCOME.search(body))
    best: tuple[tuple[bool, int, int, float], str, Fact, list[Fact]] | None = None
    for eid in idx.entry_facts:
        for h, over, lines in _sections(idx, eid):
            chain = " ".join(g.text for g in [h, *over])
            toks = set(vocab.tokens(chain))
            if not subject <= toks:
                continue  # every word of the subject stands over the section, or it is about something else
            if concepts and not concepts <= vocab.cover(vocab.concept_frozenset(chain)):
                continue
            # a section of the kind asked first (a cause for "why did X fail?", a reasoning for "why did we
            # switch to X?"), then the chain that names least besides the subject ("Exp 2: TFT" over "Exp 3: TFT
            # with quantile loss" for "why did we switch to the TFT?"), then the latest
            kind = bool(_CAUSE_HEAD.search(h.text)) == outcome
            own = len(subject & set(vocab.tokens(h.text)))  # "### Why Add Dropout?" over "## Rationale"
            rank = (kind, own, -len(toks - subject - _GENERIC), h.at.timestamp())
            if best is None or rank > best[0]:
                best = (rank, eid, h, lines)
    if best is None:
        return False
    _, eid, h, lines = best
    said = clip(_quote(lines, subject), 420)
    parts.append(f"{h.author} ({h.at:%Y-%m-%d}) under \"{clip(_plain(h.text), 80)}\": \"{said}\"")
    _cite_note_runs(idx, eid, parts, cites, metric=metric)
    return True


# "how much did AdamW improve over the baseline?", "by how much did X cut the loss?", "how much better was X?"
HOW_MUCH_Q = re.compile(r"\b(how\s{1,3}much|by\s{1,3}how\s{1,3}much|how\s{1,3}big\s{1,3}(?:a|was\s{1,3}the))\b"
                        r"[^?]{0,80}?\b(improv\w{0,4}|better|gain\w{0,2}|reduc\w{0,4}|lower\w{0,2}|cut|help\w{0,2})\b",
                        re.I)
# a line that states a gain with its size: "Validation Loss Improvement: 0.308 (17.6% reduction)"
_GAIN_SIZE = re.compile(r"\b(improv\w{0,6}|reduction|gain\w{0,2}|better|lower|decrease\w{0,1})\b", re.I)
_SIZE = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,2})?\s?%|(?<![\w.])[+\-]?0?\.\d{2,4}(?![\w.])")


def magnitude_answer(idx: HistoryIndex, body: str, question: str, parts: list[str], cites: Cites, *,
                     metric: str | None) -> bool:
    """"How much did X improve?": the lines that state a gain with its size in the note whose headings name X
    (they rarely repeat X: "Validation Loss Improvement: 0.308 (17.6% reduction)" under "## Experiment 1: AdamW
    + ..."), two at most, the note's runs cited. False when no such note or line."""
    if not HOW_MUCH_Q.search(question):
        return False
    # "over the baseline": what it is compared with is no subject of the note
    asked = _subject(re.sub(r"\b(over|than|vs\.?|versus|compared\s{1,3}(?:to|with))\b.{0,60}$", " ", body))
    asked = frozenset(t for t in asked if not _GAIN_SIZE.match(t))
    subject = frozenset(t for t in asked if idx.df.get(t)) - _GENERIC
    if not subject or len(subject) < len(asked - _GENERIC):
        return False  # a word no note holds: the notes do not tell of that thing
    best: tuple[tuple[int, float], str, list[Fact]] | None = None
    for eid, facts in idx.entry_facts.items():
        sents = sorted((f for f in facts if f.kind == "sentence"), key=lambda f: f.position)
        titles = [f for f in sents if heading_level(f.text)]
        if not titles or not subject <= set(vocab.tokens(" ".join(h.text for h in titles[:1]))):
            continue  # the note's own title names the subject ("## Experiment 1: AdamW + ...")
        lines = [f for f in sents if not heading_level(f.text) and _GAIN_SIZE.search(f.text) and _SIZE.search(f.text)]
        if not lines:
            continue
        rank = (len(lines), sents[0].at.timestamp())
        if best is None or rank > best[0]:
            best = (rank, eid, lines)
    if best is None:
        return False
    _, eid, lines = best
    first = lines[0]
    said = "; ".join(clip(_plain(f.text), 200) for f in lines[:2])
    parts.append(f"{first.author} ({first.at:%Y-%m-%d}): \"{said}\"")
    _cite_note_runs(idx, eid, parts, cites, metric=metric)
    return True


def _cite_note_runs(idx: HistoryIndex, eid: str, parts: list[str], cites: Cites, *, metric: str | None) -> None:
    """Cite the note with three of its runs at most, and give the tracker's figure of each on the metric."""
    runs = [r for r in idx.entry_runs.get(eid, []) if r in idx.run_by_id][:3]
    cites.add(eid, runs)
    if metric:
        nums = [run_label(idx, idx.run_by_id[r], metric) for r in runs if metric in idx.run_by_id[r].metrics]
        if nums:
            parts.append("Tracker: " + "; ".join(nums) + ".")
