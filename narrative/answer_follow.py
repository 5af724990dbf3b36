"""What a topical answer reads beyond its best line: the days a question names, the outcome a later note gives of
a change, and the action the line before a result reports.

- ``question_window``: "why was the loss going up in late June?", "what happened on October 23?" name days of the
  notes; the facts written then rank first (the words of the date are no topic).
- ``outcome_later``: "did restoring the learning rate work?" is answered by how it went, which a daily log tells
  in the author's next note ("It is glad to see that the training is much more stable today"), not by the line
  that reports the change.
- ``action_before``: "why did the throughput quadruple?" quotes "The throughput is quadrupled now!"; its cause is
  the action the sentence right before reports ("Then we have resumed the training on a cluster with 32 A100 GPUs").
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from narrative import reading, vocab
from narrative.answer_quotes import ASKED_ABOUT, BECAUSE, PROBLEM, heading_level, is_plan, numbers, quote_key
from narrative.answer_sections import OUTCOME_LABEL
from narrative.data_lines import data_line
from narrative.history_index import Fact, HistoryIndex
from narrative.plan_reading import PlanTerms, plan_terms
from narrative.run_answers import QWORDS

__all__ = [
    "Window",
    "action_before",
    "keys_of",
    "outcome_later",
    "question_window",
    "reported_later",
    "reports_action",
    "restored_runs",
    "then_label",
]

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
# "on October 23", "on 23 Oct", "on 2022-10-23", "in late June", "in early Oct", "in June", "mid-June"
_DAY_OF = re.compile(r"\b(?:on\s{1,3})?(?:(?P<mon1>" + _MONTH + r")\.?\s{1,3}(?P<d1>\d{1,2})(?:st|nd|rd|th)?"
                     r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s{1,3}(?:of\s{1,3})?(?P<mon2>" + _MONTH + r"))\b"
                     r"|\b(?:on\s{1,3})?(?P<iso>\d{4}-\d{2}-\d{2})\b", re.I)
_PART_OF = re.compile(r"\b(?:(?:in|during|over)\s{1,3}(?:the\s{1,3})?)?(?:(?P<part>early|mid|late|end of|start of|"
                      r"beginning of)[\s\-]{1,3}(?:the\s{1,3})?)?(?P<mon>" + _MONTH + r")\b(?!\s{0,3}\d)", re.I)
_MAY_VERB = re.compile(r"\bmay\s{1,3}(?:be|have|not|help|hurt|work|need|explain|cause|come|also)\b", re.I)


@dataclass(frozen=True)
class Window:
    """Days of the year a question names (any year: a log spans one or two), and the question without them."""
    month: int
    first: int
    last: int
    rest: str

    def holds(self, at: dt.datetime) -> bool:
        return at.month == self.month and self.first <= at.day <= self.last


def read_dated(question: str, idx: HistoryIndex) -> tuple[Window | None, str, PlanTerms]:
    """The days a question names, its body (asking words out) and that body's plan terms: the words of a date are
    no topic, unless they are all it asks ("what happened with # 2017-10-27?")."""
    window = question_window(question)
    if window is not None:
        body = QWORDS.sub(" ", window.rest)
        terms = plan_terms(body, idx, initials=True)
        if terms.concepts or any(not t.startswith(tuple(ASKED_ABOUT)) for t in terms.tokens):
            return window, body, terms
    body = QWORDS.sub(" ", question)
    return window, body, plan_terms(body, idx, initials=True)


def question_window(question: str) -> Window | None:
    """The days a topical question names, or None ("may" as a verb is no month)."""
    m = _DAY_OF.search(question)
    if m is not None and m["mon2"] and len(m["mon2"]) < 5 and not re.match(r"\s{0,3}on\b", m.group(0), re.I):
        m = None  # "the 8 dec layers": a count and a word; "on 8 Dec", "8 December" are days
    if m is not None:
        try:
            if m["iso"]:
                d = dt.date.fromisoformat(m["iso"])
                month, day = d.month, d.day
            else:
                month = _MONTH_NAMES.index((m["mon1"] or m["mon2"]).lower()[:3]) + 1
                day = int(m["d1"] or m["d2"])
                dt.date(2000, month, day)  # a real day of that month
        except ValueError:
            return None
        return Window(month, day, day, (question[: m.start()] + " " + question[m.end():]).strip())
    for m in _PART_OF.finditer(question):
        if m["mon"].lower() == "may" and _MAY_VERB.match(question, m.start("mon")):
            continue
        if not m["part"] and not re.search(r"\b(in|during|over|early|late|through)\s{1,3}$", question[: m.start("mon")],
                                           re.I):
            continue  # a month is named "in June" or "late June"; alone "may", "dec", "mar" are words first
        part = (m["part"] or "").lower()
        first, last = {"early": (1, 10), "start of": (1, 10), "beginning of": (1, 10), "mid": (11, 20),
                       "late": (21, 31), "end of": (21, 31)}.get(part, (1, 31))
        month = _MONTH_NAMES.index(m["mon"].lower()[:3]) + 1
        return Window(month, first, last, (question[: m.start()] + " " + question[m.end():]).strip())
    return None


# a line that reports something done: "we reduced ...", "has been restored", "we skipped ...", "resumed on ..."
_NOT_DONE = r"(?!(?:want|plann|need|hop|decid|intend|consider|expect|propos|suggest|wonder|guess|assum)ed\b)"
_DONE = re.compile(r"\b(we|i|they)\s{1,3}(have\s{1,3}|had\s{1,3})?(" + _NOT_DONE + r"\w{2,20}ed|made|put|set|cut|ran|"
                   r"took|moved|went|switched|began|fell back|chose|kept)\b"
                   r"|\b(has|have|had|was|were)\s{1,3}(been\s{1,3})?("
                   + _NOT_DONE + r"\w{2,20}ed|cut|set|made|put)\b", re.I)
_OUTCOME_WINDOW = dt.timedelta(days=3)
_FIELD = re.compile(r"^\W{0,4}[A-Z][\w ]{0,24}:\s{0,3}\S")  # "Time: October, 19 2022", "Recorder: @zh-zheng"
_CHANGE_WORDS = re.compile(r"\b(quadrupl\w{0,3}|tripl\w{0,3}|doubl\w{0,3}|halv\w{0,3}|(sped|speeds?) up|faster|slower|"
                           r"went up|go(es|ing)? up|jump\w{0,3}|spik\w{0,3}|drop\w{0,3}|fell(?! back)|rose|"
                           r"increas\w{0,3}|"
                           r"decreas\w{0,3}|better|worse)\b", re.I)


_HEDGE = re.compile(r"\b(if|unless|would|could|might|should|maybe|perhaps|will|going to|next)\b|'ll\b", re.I)


def reports_action(text: str) -> bool:
    """Whether the line reports something done ("According to our training plan, we increased the maximum input
    length": done, whatever word of planning it holds), not one hedged or to come."""
    return bool(_DONE.search(text)) and not _HEDGE.search(text)


def _sentences(idx: HistoryIndex, entry_id: str | None) -> list[Fact]:
    return sorted((g for g in idx.entry_facts.get(entry_id or "", []) if g.kind == "sentence"
                   and not heading_level(g.text)), key=lambda g: g.position)


def _anchor(idx: HistoryIndex, f: Fact) -> Fact | None:
    key = quote_key(f.text)[:60]
    return next((g for g in _sentences(idx, f.entry_id) if quote_key(g.text)[:60] == key), None)


def _judges(g: Fact) -> bool:
    if is_plan(g) or g.modality in ("plan", "conditional", "question", "counterfactual"):
        return False
    return bool(g.verdict or g.negative or reading.verdict_of(g.text) is not None or PROBLEM.search(g.text))


def outcome_later(idx: HistoryIndex, f: Fact) -> Fact | None:
    """How a change ``f`` reports went: a sentence after it in its note, or in its author's next note within three
    days (a daily log), that judges how things went. Only for a line that reports a change, not one that judges."""
    if not reports_action(f.text) or _judges(f):
        return None
    anchor = _anchor(idx, f)
    if anchor is None:
        return None
    for g in _sentences(idx, f.entry_id):
        # the next lines of the note, while they speak of nothing the change did not ("For the same model with
        # learning rate increased ..." after a line on leaky ReLU is another experiment)
        if anchor.position < g.position <= anchor.position + 3 and _judges(g) and g.concepts <= f.concepts:
            return g
    later = sorted((e for e in idx.entries if e.author == f.author and f.at < e.at <= f.at + _OUTCOME_WINDOW),
                   key=lambda e: e.at)
    if not later:
        return None
    # its first lines of prose (a daily log opens on its figures: "Time: ...", "Begin: 2.65")
    prose = [g for g in _sentences(idx, later[0].id) if len(g.toks) >= 4 and not data_line(g.text)
             and not _FIELD.match(g.text)]
    return next((g for g in prose[:3] if _judges(g) and g.concepts <= f.concepts), None)


# what a plan sets out to try, as the words after its verb: "will try dice loss next", "next: try deeplab, and bump
# img_size", "todo: add musan noise", "switch to a conformer"
_TRIED_OBJECT = re.compile(r"\b(?:try|trying|test|testing|add|adding|use|using|switch\w{0,3}\s{1,3}to|bump|"
                           r"swap\w{0,3}\s{1,3}in|give)\s{1,3}((?:[\w+\-./]{1,30}[ \t]{0,3}){1,3})", re.I)
# words of a plan's object that name no one thing ("try a bigger lr", "use more data", "test it again")
_PLAIN_OBJECT = frozenset(vocab.tokens(
    "loss model models more less lower higher bigger smaller larger next again some that this bit different other "
    "another new run runs setting settings config data thing things same stuff also then first later with without "
    "tomorrow today week"))
_RESULT_NUMBER = re.compile(r"(?<![\w.])\.\d{2,}\b|\d\.\d|\d%")
_RESULT_WINDOW = dt.timedelta(days=14)


def reported_later(idx: HistoryIndex, step: str, planned_at: dt.datetime, asked: str = "") -> Fact | None:
    """A line of a later note (within two weeks, anyone's) that reports a result of what the plan ``step`` set out
    to try: it names the plan's object ("dice" of "will try dice loss next") and states a number, said as done
    ("dice+bce on top of the v5 setup: version_6 .683"); None when no note reports on it. Given the question
    ``asked``, only what it names counts ("try deeplab, and bump img_size": the deeplab result does not say how
    the bigger size went)."""
    wanted = {t for m in _TRIED_OBJECT.finditer(step) for t in vocab.tokens(m.group(1))
              if len(t) >= 4 and not t.isdigit()} - vocab.STOPWORDS - _PLAIN_OBJECT
    if asked:
        wanted &= set(vocab.tokens(asked))
    if not wanted:
        return None
    for e in sorted(idx.entries, key=lambda e: e.at):
        if not planned_at < e.at <= planned_at + _RESULT_WINDOW:
            continue
        for g in _sentences(idx, e.id):
            if is_plan(g) or g.modality in ("plan", "conditional", "question", "counterfactual", "negated"):
                continue
            if not _RESULT_NUMBER.search(g.text) or reading.modality(g.text) in ("planned", "question", "wished"):
                continue
            toks = set(vocab.tokens(g.text))
            # "deeplabv3" for "deeplab", "dice+bce" for "dice": the object's word opens the reported one
            if any(t.startswith(w) and (len(t) == len(w) or len(w) >= 5 or not t[len(w)].isalnum())
                   for t in toks for w in wanted):
                return g
    return None


def action_before(idx: HistoryIndex, f: Fact) -> Fact | None:
    """For a line stating a change in a result with no reason of its own ("The throughput is quadrupled now!"),
    the sentence right before it in its paragraph when that one reports an action (its cause), else None."""
    if not _CHANGE_WORDS.search(f.text) or BECAUSE.search(f.text) or reports_action(f.text):
        return None
    anchor = _anchor(idx, f)
    if anchor is None or anchor.para < 0:
        return None
    prev = [g for g in _sentences(idx, f.entry_id) if g.para == anchor.para and g.position == anchor.position - 1]
    if prev and reports_action(prev[0].text) and not is_plan(prev[0]):
        return prev[0]
    return None


# "did restoring the learning rate work?", "why did we go back to 1e-4?": a setting returned to its usual value
RESTORE_Q = re.compile(r"\b(restor\w{1,4}|revert\w{0,3}|undo\w{0,3}|undid|put\w{0,3} back|back to|go(ing)? back|"
                       r"went back|roll\w{0,3} back)\b", re.I)
_RESTORE_WINDOW = dt.timedelta(days=7)


def restored_runs(idx: HistoryIndex, concepts: frozenset[str] | set[str], author: str, at: dt.datetime, question: str
                  ) -> list[str]:
    """For a question that asks about setting something back, the author's runs of the week before ``at`` that
    set a param of ``concepts`` back, right after runs that held another value: to the value the question names
    ("why did we go back to batch size 128?"), else to the value most runs hold ("restoring the learning rate").
    At most two; the caller cites them beside, not instead of, the runs it had."""
    if not RESTORE_Q.search(question):
        return []
    asked = numbers(question)
    out: list[str] = []
    lowered = keys_of(concepts)
    for key in sorted({k for r in idx.run_by_id.values() for k in r.params if k.lower() in lowered}):
        runs = sorted((r for r in idx.run_by_id.values() if key in r.params), key=lambda r: r.start)
        values = Counter(r.params[key] for r in runs)
        if len(values) < 2:
            continue
        usual = values.most_common(1)[0][0]

        def target(v: str, usual: str = usual) -> bool:
            return bool(numbers(v) & asked) if asked else v == usual

        out += [r.run_id for prev, r in pairwise(runs)
                if target(r.params[key]) and not target(prev.params[key]) and r.user == author
                and dt.timedelta(0) <= at - r.start <= _RESTORE_WINDOW]
    return out[:2]


def keys_of(concepts: frozenset[str] | set[str]) -> set[str]:
    """The tracker param keys of the settings ``concepts`` name ("learning rate" -> lr, learning_rate ...)."""
    return {k.lower() for c in concepts if (con := vocab.CONCEPT_BY_ID.get(c)) is not None for k in con.param_keys}


def then_label(f: Fact, outcome: Fact) -> str:
    """How an outcome is introduced: "Then:" in the same note, with its author and day from a later one."""
    return "Then:" if outcome.entry_id == f.entry_id else f"Then, {outcome.author} ({outcome.at:%Y-%m-%d}):"


_PLAIN_SHARE = 3  # a plain word in more than a third of the candidates tells none of them apart


def plain_bonus(pool: list[Fact], body: str, kept: frozenset[str]) -> dict[int, float]:
    """A little score for the candidates that carry a word of the question plan reading sets aside as generic
    ("why did we lower the learning rate after the baseline run?": every candidate names the learning rate;
    "Baseline LR 0.02 is way too high" also names the baseline). Only words few candidates carry count: they tell
    the candidates apart, where the setting every line names does not."""
    words = {t for t in vocab.tokens(body) if t not in vocab.STOPWORDS and t not in kept}
    if not words or not pool:
        return {}
    hits = {f.idx: words.intersection(vocab.tokens(f.text)) for f in pool}
    share = {w: sum(w in h for h in hits.values()) for w in words}
    rare = {w for w, n in share.items() if 0 < n * _PLAIN_SHARE <= len(pool)}
    return {i: 0.15 * min(2, len(h & rare)) for i, h in hits.items() if h & rare}


# a result as notes write it: ".534", "0.81", "71.2%", "+3 pts" (not a setting: "lr 1e-4", "r64", "3 epochs")
_RESULT_NUM = re.compile(r"(?<![\w.\-])(?:0?\.\d{2,4}|\d{1,3}\.\d{1,2}\s?%|\d{1,3}\s?%)(?![\w.])")
_ITEM = re.compile(r"^\s{0,8}(?:[-*+•]|\d{1,2}[.)])\s")
# a label with nothing after it ("**Result**:"): its content is on the lines under it, not this item
_LABEL_ONLY = re.compile(r"^[*_]{0,3}[^:]{1,40}:\s{0,2}[*_]{0,3}\s{0,2}$")


def _plain(text: str) -> str:
    """``text`` whitespace-folded, without bold / code marks (``*``, backticks)."""
    return " ".join(text.replace("*", "").replace("`", "").split())


def results_under(idx: HistoryIndex, f: Fact, limit: int = 2) -> list[str]:
    """For a did-it-help question whose quote names the subject but states no result ("dpo on top of ana's best
    sft ckpt (r64 lr1e-4)."): the list items right under its line that do ("* beta 0.1 -> .534 winrate, mmlu
    .622 (small drop)"), which name the subject only through it; empty when the quote states a result itself."""
    if _RESULT_NUM.search(f.text):
        return []
    entry = idx.entry_by_id.get(f.entry_id or "")
    # the line is found by its end with emphasis marks set aside: a structured item drops them ("Commit 2ff15f7:
    # Revert ..." is "**Commit 2ff15f7**: Revert ..." in the note)
    tail = _plain(f.text)[-40:]
    if entry is None or len(tail) < 12:
        return []
    lines = entry.raw_text.splitlines()[:3000]
    start = next((i for i, ln in enumerate(lines) if tail in _plain(ln)), -1)
    if start < 0 or _ITEM.match(lines[start]):
        return []  # an item's next item is its sibling, not its result
    numbered: list[str] = []
    labelled: list[str] = []
    for ln in lines[start + 1:start + 6]:
        if not ln.strip() or not _ITEM.match(ln):
            break
        item = _ITEM.sub("", ln, count=1).strip()
        if OUTCOME_LABEL.match(item) and not _LABEL_ONLY.match(item):
            # "**Commit 2ff15f7**: Revert IM loss ..." then "- **Result**: FAILED - WORSE than before!" and
            # "- **Conclusion**: IM loss target NOT the root cause": the items its author labelled as how it went
            # say so in words, with no number; they come before an item that only states a number
            labelled.append(item)
        elif _RESULT_NUM.search(ln):
            numbered.append(item)
    return (labelled + numbered)[:limit]
