"""Ranking for thread answers: which noted sentence answers a why- or did-it-help question, the reasons next
to a sentence, and the runs a question's subject describes (split from ``narrative.answering``)."""

from __future__ import annotations

import datetime as dt
import heapq
import re

from narrative import reading, vocab
from narrative.answer_follow import results_under
from narrative.answer_intent import not_prose, tabular
from narrative.answer_quotes import (
    BECAUSE,
    OFF_WORDS,
    action_match,
    carried_only,
    gives_cause,
    heading_level,
    is_plan,
    is_reason,
    numbers,
    outcome_after,
    quote_key,
    section_head,
    section_toks,
    states_reason,
    whole_sentence,
    with_section,
)
from narrative.answer_sections import under_aim_label
from narrative.history_index import Fact, HistoryIndex, ParamSig
from narrative.plan_reading import PlanTerms, Query, plan_terms, score_cover
from narrative.run_answers import runs_named

_CHANGE_S = re.compile(r"\b(improv\w*|better|worse|degrad\w*|drop(ped|s)?|jump(ed|s)?|dramatic\w*|"
                       r"went (up|down)|gone (up|down))\b", re.I)
_OUTCOME = re.compile(r"\b(improv\w*|better|worse|gain\w*|hurt\w*|no (obvious |real |big )?difference|"
                      r"(validation|val|test|dev) (loss|error|score|accuracy|f1|auc)|accuracy|overfit\w*)\b", re.I)
# a change reported with its size or direction: "reduced from 1 hour to 37 minutes", "sped up 3x", "down to 2.1"
_ACHIEVED = re.compile(r"\b(reduc\w{1,4}|decreas\w{1,3}|increas\w{1,3}|improv\w{1,4}|sped up|speeds? up|cut|"
                       r"halv\w{1,3}|doubl\w{1,3}|(went|gone|got|came|brought) (down|up)|down to|up to)\b"
                       r"|\bfrom\s{1,3}\S{1,20}(\s{1,3}\w{1,12})?\s{1,3}to\s{1,3}\S", re.I)
# the way a change went: "how did we get X down?" is answered by a line reporting a cut ("reduced from 1 hour
# to 37 minutes"), not one reporting that something improved
_DOWN_Q = re.compile(r"\b(down|lower\w{0,2}|reduc\w{1,4}|cut|shorten\w{0,3}|faster|quicker|halv\w{1,3}|"
                     r"speed\w{0,3})\b", re.I)
_UP_S = re.compile(r"\b(increas\w{1,3}|improv\w{1,4}|up to|(went|gone|got|came|brought) up|doubl\w{1,3})\b", re.I)
_DOWN_S = re.compile(r"\b(reduc\w{1,4}|decreas\w{1,3}|cut|halv\w{1,3}|sped up|speeds? up|down to|"
                     r"(went|gone|got|came|brought) down)\b", re.I)


# "why did we lower the LR?" is answered by the line that finds it too high, "why a bigger batch?" by "too small"
_TOO = {"down": re.compile(r"\b(too|overly|very) (high|large|big|aggressive|fast|long)\b", re.I),
        "up": re.compile(r"\b(too|overly|very) (low|small|slow|few|little|short|conservative|weak)\b", re.I)}
_UP = re.compile(r"\b(larg(e|er|est)|bigger|more|higher|increas\w{0,3}|rais(e|ed|ing)|wider|deeper|longer|"
                 r"doubl\w{1,3}|grow\w{0,3})\b", re.I)
_DOWN = re.compile(r"\b(small(er|est)?|fewer|less|lower(ed|ing)?|reduc\w{1,4}|decreas\w{1,3}|cut(ting)?|"
                   r"shrink\w{0,3}|narrower|shallower|shorter|halv\w{1,3})\b", re.I)


_CLAUSE = re.compile(r"[,;]|\band\b|\bbut\b")
_WORD4 = re.compile(r"[a-z]{4,20}")


def direction(text: str, about: str = "") -> str | None:
    """The one way a sentence moves a setting ("larger", "reducing"): "up", "down", or None when it says
    neither or both. With ``about`` (the question), only the clauses that name one of its longer words count:
    "reducing the batch size to 512, increasing entropy" moves the batch size down."""
    if about:
        words = {w for w in _WORD4.findall(about.lower()) if not (_UP.fullmatch(w) or _DOWN.fullmatch(w))}
        near = [c for c in _CLAUSE.split(text) if words & set(_WORD4.findall(c.lower()))]
        text = " ".join(near) if near else text
    up, down = bool(_UP.search(text)), bool(_DOWN.search(text))
    return "up" if up and not down else "down" if down and not up else None


def holds_value(idx: HistoryIndex, f: Fact, values: set[float]) -> bool:
    """The run the line is about (its first) was set to one of ``values``."""
    run = idx.run_by_id.get(f.run_ids[0]) if f.run_ids else None
    return run is not None and any(numbers(v) & values for v in run.params.values())


def reports_change(question: str, text: str) -> bool:
    """The line reports a change the way the question asks ("reduced from 1 hour to 37 minutes" for "down")."""
    return bool(_ACHIEVED.search(text)) and _same_way(question, text)


def _same_way(question: str, text: str) -> bool:
    """A reported change that goes the way the question asks: down (a cut), or up; a bare "from A to B" either."""
    if not _DOWN_Q.search(question):
        return True
    return bool(_DOWN_S.search(text)) or not _UP_S.search(text)


_LIST_SEP = re.compile(r",|;|\band\b|\bor\b|&")
# Words a why-question asks with ("what was wrong", "the problem"): they say what kind of answer is
# wanted, not what it is about.
_ASKING_WORDS = ("wrong", "problem", "issue", "reason", "happen", "went", "cause", "bug")


# an experiment's stated aim: a "Purpose:"/"Objective:"/"Goal:" label, or a line that opens with the aim
# itself ("To regularize the model ... and observe if ...", "Test whether ...", "Evaluate grayscale input ...")
_AIM = re.compile(r"^\W{0,8}(purpose|objective|goal|aim|motivation|(primary\s{1,3})?lever)\W{0,6}:"
                  r"|^\W{0,4}(to\s{1,3}\w{2,20}\b.{0,200}\b(and\s{1,3}(observe|see|check)|to\s{1,3}(see|check))\b"
                  r"|(test|check|verify|investigate|determine|assess)\s{1,3}(whether|if)\b|evaluate\s{1,3}\w)",
                  re.I)
# a title: the whole line in bold ("📅 **2025/06/06 Experiment Log — MobileNetV2 + Dropout**")
_TITLE = re.compile(r"^[^\w*]{0,8}\*\*[^*\n]{3,160}\*\*\W{0,4}$")


def stated_aim(text: str) -> bool:
    return bool(_AIM.match(text.strip()))


def aim_item(idx: HistoryIndex, f: Fact) -> bool:
    """``f`` (a line, or the structured item read off it) sits under a bare "- Goal:" / "Purpose:" label: the
    experiment's stated aim, whatever result words it hopes for ("Recover baseline behavior by ...")."""
    if f.verdict:
        return False
    entry = idx.entry_by_id.get(f.entry_id)
    return entry is not None and under_aim_label(entry.raw_text, f.text)


def title_line(text: str) -> bool:
    return bool(_TITLE.match(text.strip()))


_TODO = re.compile(r"^\W{0,4}\[ \]")  # an unticked to-do: "- [ ] Optionally reduce augmentation ..."


def no_outcome(f: Fact) -> bool:
    """A line that says nothing of how something went: a log's title, an experiment's stated aim, a to-do."""
    return title_line(f.text) or stated_aim(f.text) or f.modality == "plan" or bool(_TODO.match(f.text.strip()))


def specific_tokens(terms: PlanTerms) -> frozenset[str]:
    """The question's own words beyond its concepts and its asking words: what it is specifically about."""
    return frozenset(t for t in terms.tokens if not t.startswith(_ASKING_WORDS))


# how a thing went, as a question asks it ("why did sharpening hurt?", "why didn't the warmup help?"): the verdict
# asked about, said of the question's subject; a line with the verdict word about another subject ("Symmetric loss
# doesn't hurt performance") does not answer it
_VERDICT_WORDS = ("hurt", "help", "work", "improv", "wors", "better", "fail", "succe", "benefit", "gain", "harm")


# a heading whose section explains ("## Analysis", "## Root cause", "### Why add dropout?", "## Rationale"): the
# lines under it are the author's reasons
_EXPLAIN_HEAD = re.compile(r"^\s{0,3}#{1,6}\s{1,4}(\d{1,2}[.)]\s{1,3})?\W{0,3}(analysis|root\s{1,3}causes?|causes?|"
                           r"diagnosis|explanation|why\b|reasons?\b|rationale|what went wrong|post.?mortem|"
                           r"(observed\s{1,3})?failure\s{1,3}modes?)", re.I)


def value_words(idx: HistoryIndex, question: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words of a question about a choice that are a value of some runs' setting and no key ("why isotonic?":
    calibration=isotonic), with the words of that setting's other values ("platt"); empty when the question names
    none, a value every run of the setting shares (no choice was made there), or asks about more than the value."""
    asked = frozenset(t for t in vocab.tokens(question) if len(t) >= 3) - vocab.STOPWORDS
    if not asked:
        return frozenset(), frozenset()
    by_key, keys = _setting_values(idx)
    chosen: set[str] = set()
    others: set[str] = set()
    for values in by_key.values():
        hit = {t for v in values for t in v & asked} - keys
        if hit and len(values) >= 2 and not all(hit <= v for v in values):
            chosen |= hit
            others |= {t for v in values if not v & hit for t in v}
    if asked - chosen - _CHOICE_WORDS:
        # "why did we halve the learning rate on CPM-Bee?": the value ("bee") scopes a question about something
        # else; only a question about the choice itself ("why isotonic?", "why go with isotonic?") is read here
        return frozenset(), frozenset()
    return frozenset(chosen), frozenset(others - chosen - keys)


def _setting_values(idx: HistoryIndex) -> tuple[dict[str, frozenset[frozenset[str]]], frozenset[str]]:
    """Each param key's values as sets of words, and the words of all the keys: read once per index (an update
    clears ``idx.cache``), not every run's params per why-question (1.9 s an answer at 100,000 runs)."""
    got = idx.cache.get("answer:setting_values")
    if isinstance(got, tuple):
        return got
    pairs = {(k, str(v)) for r in idx.runs for k, v in r.params.items()}
    values: dict[str, set[frozenset[str]]] = {}
    for k, v in pairs:
        values.setdefault(k, set()).add(frozenset(vocab.tokens(v.replace("_", " "))))
    by_key = {k: frozenset(v) for k, v in values.items()}
    keys = frozenset(t for k in by_key for t in vocab.tokens(k.replace("_", " ")))
    idx.cache["answer:setting_values"] = (by_key, keys)
    return by_key, keys


# the words a question about a choice asks with ("why did we go with / pick / switch to X?")
_CHOICE_WORDS = frozenset(vocab.tokens("go went going pick picked choose chose chosen use used using switch switched "
                                       "settle settled stick stuck keep kept prefer preferred end ended up instead"))


def subject_words(terms: PlanTerms) -> frozenset[str]:
    """The question's specific words that name its subject (its verdict words, "hurt", "help", left out)."""
    return frozenset(t for t in specific_tokens(terms) if not t.startswith(_VERDICT_WORDS))


def off_subject_line(idx: HistoryIndex, terms: PlanTerms, f: Fact) -> bool:
    """For a question asking how its subject went ("why did mixup hurt?", "why didn't the warmup help?"): ``f``
    names neither the subject's words nor its concepts, in its text or its heading, so a verdict word it shares
    with the question ("Cutout doesn't hurt accuracy") is said of another thing. False for other questions."""
    if not any(t.startswith(_VERDICT_WORDS) for t in terms.tokens):
        return False
    subject = frozenset(t for t in subject_words(terms) if idx.df.get(t))  # a word no note holds tells nothing apart
    keys = terms.key_concepts
    if not subject and not keys:
        return False
    h = section_head(idx, f)
    if subject and not subject.isdisjoint(f.toks | section_toks(idx, f)):
        return False
    return not keys or keys.isdisjoint(vocab.cover(f.concepts) | (vocab.concept_frozenset(h.text) if h else set()))


# an effect with its size: "adds ~1%", "gives +0.4", "costs 2 points", "+9.4%"
_EFFECT = re.compile(r"\b(adds?|added|gives?|gave|costs?|cost|loses?|lost|buys?|bought)\s{1,3}"
                     r"(~|about |around |roughly |\+|-)?\s?\d|"
                     r"(?<![\w.])[+\-−]\d{1,3}(\.\d{1,3})?\s?(%|pp|points?)", re.I)


# a why-question about how a run went ("why did run 2 fail?", "what was wrong with ...?"), which a row's outcome
# cell can answer, unlike one about why a setting was chosen
_OUTCOME_Q = re.compile(r"\b(fail\w{0,3}|wrong|bad|worse|poor\w{0,2}|diverg\w{0,4}|overfit\w{0,4}|problem\w?|issues?|"
                        r"stuck|unstable|instabilit\w{1,3}|crash\w{0,3}|nan|collaps\w{0,3}|degrad\w{0,4}|succe\w{0,6}|"
                        r"better|best|good|work(ed|s)?|hurt\w{0,3}|harm\w{0,3}|help(ed|s)?)\b", re.I)
# "**Patience = 10:**", "**Problem Identified:**": a whole-bold label that opens a paragraph heads the lines under
# it (the reasons listed for that setting), as a markdown heading heads its section
_PARA_LABEL = re.compile(r"^\s{0,3}\*\*[^*\n]{2,60}?(?::\*\*|\*\*\s{0,2}:)\s{0,2}$")


def para_label(idx: HistoryIndex, f: Fact) -> Fact | None:
    """The bold label line that opens ``f``'s paragraph, when ``f`` is a line under one."""
    if f.kind != "sentence" or f.para < 0 or f.entry_id is None:
        return None
    first = min((g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and g.para == f.para),
                key=lambda g: g.position, default=None)
    if first is None or first is f or first.position >= f.position or not _PARA_LABEL.match(first.text):
        return None
    return first


def label_block(idx: HistoryIndex, f: Fact, why: bool, limit: int = 3) -> str:
    """For a why-question, a line under a bold paragraph label quoted as the label with its lines ("Patience = 10:
    More tolerant than Run 1 (patience=5); Allows model more time to improve with dropout; ..."): the reasons
    listed together, the quoted line among them."""
    label = para_label(idx, f) if why else None
    if label is None:
        return ""
    lines = sorted((g for g in idx.entry_facts.get(f.entry_id or "", []) if g.kind == "sentence"
                    and g.para == f.para and g.position > label.position), key=lambda g: g.position)
    at = next((i for i, g in enumerate(lines) if g is f), 0)
    start = 0 if at < limit else at - 1
    body = [g.text.lstrip("-* ").replace("**", "").strip() for g in lines[start:start + limit]]
    said = " ".join(t if t.endswith(":") or i == len(body) - 1 else t + ";" for i, t in enumerate(body))
    return f"{label.text.replace('**', '').strip()} {said}" if body else ""


def explain_block(idx: HistoryIndex, f: Fact, why: bool, limit: int = 4) -> str:
    """For a why-question, a line of a section that explains ("## Analysis", "## Root cause") quoted with the lines
    after it in that section ("The DINO sharpening applies softmax ... This conflicts with: 1. Cosine similarity
    loss ...; 2. Coding rate ..."): the author's reasoning runs on past one line."""
    if not why:
        return ""
    if f.kind != "sentence" or f.para < 0:
        key = quote_key(f.text)
        g = next((x for x in idx.entry_facts.get(f.entry_id or "", []) if x.kind == "sentence" and x.para >= 0
                  and quote_key(x.text) == key), None)
        if g is None:
            return ""
        f = g
    h = section_head(idx, f)
    if h is None or not _EXPLAIN_HEAD.match(h.text):
        return ""
    lines = sorted((g for g in idx.entry_facts.get(f.entry_id or "", []) if g.kind == "sentence"
                    and g.position >= f.position), key=lambda g: g.position)
    body: list[str] = []
    for g in lines:
        if heading_level(g.text) or len(body) >= limit:
            break
        body.append(g.text.replace("**", "").strip())
    if len(body) < 2:
        return ""
    return " ".join(t if t.endswith((":", ".", ";")) or i == len(body) - 1 else t + ";" for i, t in enumerate(body))


# a result reported worse than a run before ("Mean acc slightly **below** Iter3", "accuracy regressed vs ...")
_WORSE_THAN = re.compile(r"\b(below|worse|regress\w{0,3}|lower than|fell|dropped)\b.{0,60}?\b(vs\.?|than|iter\w{0,6}|"
                         r"baseline|before|previous|prior|run|v\d)", re.I)


# the noun of a loss with the number it fell from or by ("tiny drop from .793", "a dip of 0.4 pts"); the verb
# ("dropped lr from 1e-3") moves a setting, and is left out
_DROP_OF = re.compile(r"\b(drop|dip|decrease|regression)\s{1,3}(of|from|vs\.?)\s{0,3}[-~]?\s{0,2}\.?\d", re.I)


def mixed_outcome(idx: HistoryIndex, f: Fact) -> bool:
    """Whether the paragraph of a line judged a success also reports the result worse than before: the verdict
    "it helped" would pick a side its own note does not (the quotes say both)."""
    # the line's own sentence (a conclusion drawn from it starts as it does) may report the loss itself: "auc .790,
    # tiny drop from .793 but the pd curves are now sane ... keeping them"
    head = f.text[:40]
    if any(_DROP_OF.search(s.text) for s in idx.entry_facts.get(f.entry_id or "", [])
           if s.kind == "sentence" and (s is f or (len(head) >= 20 and s.text.startswith(head)))):
        return True
    g = next((s for s in idx.entry_facts.get(f.entry_id or "", []) if s.kind == "sentence"
              and quote_key(s.text) == quote_key(whole_sentence(idx, f))), None) if f.para < 0 else f
    if g is None:
        return False
    return any(s.kind == "sentence" and s.para == g.para and s is not g and _WORSE_THAN.search(s.text)
               for s in idx.entry_facts.get(g.entry_id or "", []))


def specific_label(terms: PlanTerms, f: Fact, label: Fact) -> bool:
    """Whether the label names what the question asks about: one of its concepts or words."""
    return bool(set(terms.tokens) & set(label.toks)) or not terms.key_concepts.isdisjoint(
        vocab.cover(vocab.concept_frozenset(label.text)))


# "why did we abandon / drop / stop / archive / revert X?": why a line of work ended, not why it began
# ("we dropped X", "X was archived"; not "why did recall drop?", a result)
_STOPPED_Q = re.compile(r"\b(?:we|i|you|they|team|was|were|is|are|got)\s{1,3}(?:[\w\-]{1,12}\s{1,3}){0,3}?"
                        r"(?:stop|abandon|drop(?!out)|park|shelv|kill|give\s{1,3}up|gave\s{1,3}up|quit|ditch|"
                        r"archiv|revert|back\s{1,3}out)\w{0,4}\b", re.I)
# a label that says why a thing was begun: "Hypothesis:", "**Reasoning:**", "Prediction:", "Motivation:"
_MOTIVE = re.compile(r"^\W{0,8}(hypothes[ie]s|prediction|motivation|reasoning|rationale|purpose|objective|goal|aim)"
                     r"\W{0,6}:", re.I)


def motive_line(idx: HistoryIndex, f: Fact) -> bool:
    """Whether ``f`` states why a line of work was begun: a hypothesis, a line under (or opening with) a
    "Hypothesis:" / "Reasoning:" / "Prediction:" / aim label, the item read off such a line, or a heading whose
    lines are all such; a line that judges how it went is none."""
    if f.kind == "hypothesis" or _MOTIVE.match(f.text.strip()) or aim_item(idx, f):
        return not f.verdict
    mine = [g for g in idx.entry_facts.get(f.entry_id or "", []) if g.kind == "sentence" and g.para >= 0]
    if f.kind != "sentence" or f.para < 0:
        # an item read off a line ("should lift recall" read as a conclusion): the line it was read off
        key = quote_key(f.text)
        f = next((g for g in mine if key and key in quote_key(g.text)), f)
        if f.kind != "sentence" or f.para < 0:
            return False
    if f.verdict:
        return False
    if heading_level(f.text):
        under = []
        for g in sorted((g for g in mine if g.position > f.position), key=lambda g: g.position):
            if heading_level(g.text):
                break
            under.append(g)
        return bool(under) and all(_PARA_LABEL.match(g.text) or _under_motive(idx, g) for g in under)
    return _under_motive(idx, f)


def _under_motive(idx: HistoryIndex, f: Fact) -> bool:
    if _MOTIVE.match(f.text.strip()):
        return True
    label = para_label(idx, f)
    return label is not None and bool(_MOTIVE.match(label.text.replace("**", "").strip()))


def rerank(idx: HistoryIndex, terms: PlanTerms, facts: list[tuple[float, Fact]], *, why: bool,
            change: bool = False, question: str = "", hindsight: bool = False, achieved: bool = False,
            asked: str = "") -> list[tuple[float, Fact]]:
    """Why-questions want the sentence that gives the reason for what was asked, not one that merely shares a
    word: the question's own words beyond its concepts (the action: "restarted", "stopped", "larger") weigh,
    and a stated reason or purpose counts. Did-it-help questions want the verdict sentence. ``asked`` is the
    question as put (``question`` may have lost its asking words)."""
    total = sum(terms.tokens.values()) or 1.0
    specific = specific_tokens(terms)
    # "why did we abandon the strict QC?": the hypothesis that started it, when a later note on the same subject
    # exists, says why it began, not why it ended (that later note does)
    stopping = why and bool(_STOPPED_Q.search(asked))
    latest_on = max((g.at for _, g in facts if specific & g.toks), default=None) if stopping else None
    asked_values = (numbers(question) - {0.0, 1.0}) if question else set()  # "1:1", "x1" set nothing apart
    out: list[tuple[float, Fact]] = []
    way = direction(question) if terms.key_concepts else None
    chosen, others = value_words(idx, question) if why else (frozenset(), frozenset())
    for s, f in facts:
        if chosen:
            # "why isotonic?": the runs' value asked about (calibration=isotonic), not its setting's other values
            # ("platt: ece .018") nor the setting in general ("calibration: raw lgbm ece .043 ...")
            s += 0.4 if chosen & f.toks else -0.2 if others & f.toks or not specific_tokens(terms) else 0.0
        label = para_label(idx, f) if why else None
        if label is not None and asked_values & numbers(label.text) and specific_label(terms, f, label):
            # "why did we use patience 10?": the lines under "**Patience = 10:**" are its reasons, whatever
            # other value they compare it with ("More tolerant than Run 1 (patience=5)")
            s += 0.5
        elif asked_values and holds_value(idx, f, asked_values):
            s += 0.1  # "did raising the dropout to 0.5 help?": the note on the run set to 0.5, not on its neighbour
        elif asked_values and (said := numbers(f.text) - {0.0, 1.0}):
            # "why did we cut the batch size to 512?": the line that names 512, not the one with 3200
            s += 0.2 if asked_values & said else -0.1
        if way is not None and direction(f.text, question) not in (None, way):
            # "did a larger batch size help?" is not answered by "I'll try reducing the batch size": a line that
            # moves the setting the other way is about another change
            s -= 0.3
        # a line under "# Trying 6th Layer" is about the 6th layer: its heading's words count for it (half)
        head = section_toks(idx, f)
        if head:
            cover = vocab.cover(f.concepts)
            s += 0.8 * (score_cover(terms, cover, f.toks | head)[0] - score_cover(terms, cover, f.toks)[0])
        share = sum(w if t in f.toks else 0.5 * w for t, w in terms.tokens.items()
                    if t in f.toks or t in head) / total
        s += 0.25 * action_match(question, with_section(idx, f)) if question else 0.0
        if achieved and reports_change(question, f.text):
            s += 0.25  # "how did we get the epoch time down?": the line that reports the change it asks about
        elif achieved:
            s -= 0.15  # a line that reports no change that way ("GPU utilization: ~11 GB") does not say how
        if achieved and tabular(idx, f):
            s -= 0.3  # a table row sums up a run; it does not report how a change was made
        if hindsight:
            # "what should we have done differently?": the author's own "should have ..." answers it
            s += 0.35 if f.modality == "counterfactual" else -0.15
        off_topic = off_subject_line(idx, terms, f)
        if off_topic:
            s -= 0.4  # "why did sharpening hurt?": "Symmetric loss doesn't hurt performance" is about another thing
        if latest_on is not None and f.at.date() < latest_on.date() and motive_line(idx, f):
            s -= 0.4  # "Hypothesis: Novo likely used stricter QC" (Nov 4) is why it began; Nov 6 says why it ended
        if carried_only(terms.tokens, f.text):
            s -= 0.15  # "Small size model with skip to final output" is about the size; the skip is carried over
        if why and terms.key_concepts and action_match(question, f.text) > 0 and is_reason(f.text) \
                and not terms.key_concepts.isdisjoint(vocab.concept_frozenset(f.text)):
            # "why was the entropy coefficient lowered?": the line that itself names the setting and the change
            # with its reason ("I made a mistake and lowered the entropy coefficient"), not one that has it only
            # from its note, nor a bare label ("double net")
            s += 0.15
        if why and way is not None and _TOO[way].search(f.text) and not terms.key_concepts.isdisjoint(f.concepts):
            s += 0.6  # "why did we lower the LR?": "Baseline LR 0.02 is way too high", not the lines that lower it
        if why:
            # "what was wrong with my initialization ...": a reason about something else is no answer.
            off_subject = (bool(specific) and specific.isdisjoint(f.toks)) or off_topic
            if change:
                names_change = bool(_CHANGE_S.search(f.text)) or any(
                    _CHANGE_S.search(g.text) for g in reasons_near(idx, f, limit=2))
                if names_change:
                    s += 0.2
                elif vocab.reason_kind(f.text) in ("speed", "latency", "memory"):
                    off_subject = True  # "training is 3x slower" is no cause of a better result
            if tabular(idx, f) and not is_reason(f.text):
                s -= 0.3  # a table row's "Bad run" judges the run; the notes on it say why
            elif tabular(idx, f) and not _OUTCOME_Q.search(question):
                # "why did we use patience 10?" asks why a setting was chosen: a row's outcome cell ("Overfitting")
                # says how its run went, not why the setting was picked
                s -= 0.5
            h = section_head(idx, f) if _OUTCOME_Q.search(question) else None  # why a thing went as it did
            if h is not None and _EXPLAIN_HEAD.match(h.text) and not off_subject:
                s += 0.25  # "## Analysis" / "The DINO sharpening applies softmax which ...": the author explains
            if (is_plan(f) or f.modality == "plan") and not gives_cause(f.text) and _OUTCOME_Q.search(question):
                s -= 0.3  # "Try lower sharpening temperature" is what comes next, not why it went as it did
            if is_reason(f.text):
                s += 0.1 if off_subject else 0.25
            elif reasons_near(idx, f, limit=1):
                s += 0.1
            else:
                s -= 0.1
            s += 0.3 * share
        else:
            if f.kind == "conclusion" or f.verdict or f.negative or f.closing:
                s += 0.2
            # "did X help?" asks about the result: a sentence that says how the result moved is the verdict,
            # one that only says X ran faster or slower is not
            if _EFFECT.search(f.text):
                s += 0.1  # "TTA adds ~1%": the size of the effect is the verdict with its number
            elif f.kind == "sentence" and results_under(idx, f):
                s += 0.05  # "dpo on top of ...", then "* beta 0.1 -> .534 winrate": the results come with it
            if not _OUTCOME.search(f.text) and vocab.reason_kind(f.text) in ("speed", "latency"):
                s -= 0.3
            if stated_aim(f.text) or aim_item(idx, f):
                # an experiment's stated aim ("Purpose: Evaluate grayscale input ...", "To regularize ... and
                # observe if it enhances generalization ...") repeats the subject under a title that names it
                # too; it says nothing of how it went, whatever result words it hopes for ("improves")
                s -= 0.6
            elif (is_plan(f) or f.modality == "plan" or _TODO.match(f.text.strip())) and outcome_after(idx, f) is None:
                # A plan is not a result: whatever words it shares with the question, the verdict on
                # the same idea comes first; a plan followed by how it went is quoted with that outcome.
                # An unticked to-do ("[ ] Compare against RGB input") is a plan.
                s -= 0.4
            elif title_line(f.text) and not (f.verdict or f.negative or f.closing):
                s -= 0.45  # a log's bold title names what was run ("... + Dropout + Strong Augmentation"), not how

            s += 0.15 * share
        out.append((s, f))
    out.sort(key=lambda x: (x[0], x[1].at), reverse=True)
    return out


def subject_runs(idx: HistoryIndex, terms: PlanTerms, f: Fact, have: list[str], *, subjects: list[str],
                  limit: int = 3) -> list[str]:
    """The runs the question's subject describes (params, names) that the sentence's author ran in the two weeks
    before writing it, when the sentence's own runs are not about that subject."""
    lo = f.at - dt.timedelta(days=14)
    groups = [terms]
    if len(subjects) > 1:
        groups = [plan_terms(piece, idx) for piece in subjects]  # "basic, 2-step and double DQN": each one
    out: list[str] = []
    for g in groups:
        hits = rank_runs(idx, g)
        if not hits:
            continue
        top = hits[0][0]
        best = {rid for s, rid in hits if s >= top - 1e-9}
        mine = sorted((rid for rid in best if rid not in out and (not idx.run_by_id[rid].user or
                                                                    idx.run_by_id[rid].user == f.author)
                       and lo <= idx.run_by_id[rid].start <= f.at), key=lambda rid: idx.run_by_id[rid].start)
        if set(have) & best and len(groups) == 1:
            # the sentence's runs are about the subject, yet a later variant of it ("leaky relu, lr 0.1"):
            # the run that brought the subject in comes with them
            if mine and mine[0] not in have and all(idx.run_by_id[mine[0]].start < idx.run_by_id[r].start
                                                    for r in set(have) & best):
                out.append(mine[0])
            continue
        out += mine[-2:]
    return sorted(out, key=lambda rid: idx.run_by_id[rid].start)[-limit:]


def list_items(body: str) -> list[str]:
    """The items of an enumeration in the question ("basic, 2-step and double DQN"), each a subject."""
    items = [x.strip() for x in _LIST_SEP.split(body) if x and x.strip()]
    return items if 2 <= len(items) <= 6 else []


_NUMBERED = re.compile(r"^\s{0,12}\d{1,3}[.)]\s{1,4}")


def _numbered_item(idx: HistoryIndex, f: Fact) -> bool:
    """``f`` is an item of a numbered list in its note ("3. **LR 0.0015 for extended training** -> instability")."""
    entry = idx.entry_by_id.get(f.entry_id)
    head = " ".join(f.text.replace("*", "").split())[:40]
    if entry is None or len(head) < 8:
        return False
    for line in entry.raw_text.splitlines()[:3000]:
        if head in " ".join(line.replace("*", "").split()):
            return bool(_NUMBERED.match(line))
    return False


def reasons_near(idx: HistoryIndex, f: Fact, limit: int = 2) -> list[Fact]:
    """Sentences next to ``f`` that give the reason (leak, memory, speed, because ...): in its paragraph,
    or opening the next one about the same thing."""
    if f.para < 0:
        sents = [g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence"]
        key = quote_key(f.text)[:60]
        same = next((g for g in sents if (k := quote_key(g.text)[:60]) == key
                     or (min(len(k), len(key)) >= 20 and (k.startswith(key) or key.startswith(k)))), None)
        if same is None:
            return []
        f = same
    # ... or the sentence right after a blank line that names the same thing ("2. ... with scaling of the
    # reward", then "Scaling slowed down convergence a lot.")
    sents = [g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and g.idx != f.idx and (
        (g.para == f.para and abs(g.position - f.position) <= 4)
        or (abs(g.para - f.para) == 1 and abs(g.position - f.position) <= 2 and bool(g.toks & f.toks)))]
    sents.sort(key=lambda g: (g.position < f.position, abs(g.position - f.position)))
    out = []
    numbered = _numbered_item(idx, f)
    for g in sents:
        if not_prose(idx, g):
            continue  # "**Specs:** 8 vCPU, 32 GB RAM" is a run card's field, no reason
        if numbered and _numbered_item(idx, g):
            continue  # "2. LR schedules that push LR too high" and "4. Too much noise -> slows learning": two points
        if reading.modality(g.text) == "planned" and not BECAUSE.search(g.text):
            continue  # "next up: int8 quantization + check latency": a step still to take, not why the last one went
        if g.para == f.para and g.position == f.position + 1 and offers_cause(g.text):
            out.append(g)
            break  # the guess its writer made right after the result is its reason, not a sentence further off
        if vocab.declares_void(g.text) or BECAUSE.search(g.text) or vocab.reason_kind(g.text) in (
                "memory", "latency", "speed", "stability") or (
                g.para == f.para and g.position == f.position - 1 and states_reason(g.text)):
            # ... or the sentence right before the decision that judges what came ("this appears to be a move
            # in the wrong direction. I'll revert back to Try13's reward function")
            out.append(g)
        if len(out) >= limit:
            break
    return out


# A cause put forward as a guess, in the sentence right after a result: "think it pastes roof halves across tiles",
# "too much masking of the keyword i guess", "my guess is the lr", "the test clips are noisy so makes sense",
# "probably the augs leaking". A guess about what comes next ("i think we should try X") is a plan, not a cause.
_OFFERED = re.compile(r"^\W{0,4}(?:(?:i\s{1,3})?(?:think|guess|suspect|reckon|bet)\b|my\s{1,3}(?:guess|bet|theory)\b|"
                      r"prob(?:ably)?\b|likely\b|presumably\b|maybe\s{1,3}(?:because|since|it'?s|the)\b)|"
                      r"\b(?:i\s{1,3}(?:guess|think|suspect))\W{0,4}$|\b(?:so|which)\s{1,3}(?:that\s{1,3})?makes\s{1,3}"
                      r"sense\b", re.I)


_ADVISED = re.compile(r"\b(?:worth|need\w{0,2}|should|ought|want\w{0,2}|enough|fine|ok(?:ay)?)\b", re.I)


def offers_cause(text: str) -> bool:
    """A guess at why the result before it came out so: not a plan, not a question."""
    return bool(_OFFERED.search(text)) and not _ADVISED.search(text) and reading.modality(text) not in (
        "planned", "question", "wished")


def useful_runs(idx: HistoryIndex, terms: PlanTerms, f: Fact) -> list[str]:
    runs = list(f.run_ids)
    off = bool(OFF_WORDS.search(f.text))
    if terms.key_concepts:
        keyed = [r for r in runs if not idx.run_docs.cover(r).isdisjoint(terms.key_concepts)]
        # the line's own runs lack the thing it speaks of (a summary linked to the baseline) and it names no run
        # ("logreg depth sweep ..., best was logreg-133" names its own): the runs that brought the thing in
        runs = keyed or (introduced_runs(idx, terms.key_concepts, off) if runs and not runs_named(idx, f.text) else []
                         ) or runs
        if not runs:
            linked = idx.entry_runs.get(f.entry_id, [])
            runs = [r for r in linked if not idx.run_docs.cover(r).isdisjoint(terms.key_concepts)]
            if not runs:
                runs = introduced_runs(idx, terms.key_concepts, off)
            if not runs:
                runs = [rid for _, rid in Query(idx, terms).top_runs(limit=3)]
    return runs[:3]


def introduced_runs(idx: HistoryIndex, concepts: set[str], off: bool = False) -> list[str]:
    """A line that links no run ("Mixed precision training (FP16/BF16, ~2x speedup)" in a summary): the run that
    first holds the concept in its params (it brought the thing in; the runs before it lack it) and the latest that
    holds it. Empty when every run holds it or none does: then it singles out nothing."""
    if off:
        return []  # "also tried the ref cfg w/o the log target": a line about going without it
    having = sorted((r for r in idx.runs if not idx.run_docs.cover(r.run_id).isdisjoint(concepts)),
                    key=lambda r: r.start)
    if not having or len(having) == len(idx.runs):
        return []
    return list(dict.fromkeys([having[0].run_id, having[-1].run_id]))


def rank_runs(idx: HistoryIndex, terms: PlanTerms, limit: int = 50) -> list[tuple[float, str]]:
    """Runs the question's terms describe best (params, names), via the signature postings."""
    if not terms.tokens and not terms.key_concepts:
        return []
    q = Query(idx, terms)
    sigs: dict[int, ParamSig] = {}
    for cid in terms.concepts:
        for sig in idx.concept_sigs.get(cid, ()):
            sigs[sig.sid] = sig
    for tok in terms.tokens:
        for sig in idx.token_sigs.get(tok, ()):
            sigs[sig.sid] = sig
    scored: list[tuple[float, dt.datetime, str]] = []
    for sig in sigs.values():
        s, _ = score_cover(terms, sig.cover, sig.toks)
        if s >= 0.5:
            scored += [(s, idx.run_by_id[r].start, r) for r in sig.run_ids[-limit:]]
    extra: set[str] = set()
    for cid in terms.concepts:
        extra.update(idx.name_concept_runs.get(cid, ())[-2000:])
    for tok in terms.tokens:
        extra.update(idx.name_token_runs.get(tok, ())[-2000:])
    for rid in extra:
        doc = idx.run_docs[rid]
        s, _ = score_cover(terms, doc.cover, doc.toks)
        if s >= 0.5:
            scored.append((s, doc.run.start, rid))
    del q
    best: dict[str, float] = {}
    for s, _, rid in scored:
        best[rid] = max(best.get(rid, 0.0), s)
    top = heapq.nlargest(limit, best.items(), key=lambda kv: (kv[1], idx.run_by_id[kv[0]].start))
    return [(s, rid) for rid, s in top]


def stated_value_runs(idx: HistoryIndex, f: Fact, text: str) -> list[str]:
    """The runs of the quote's entry whose tracked result the quote states ("reduced from 1 hour to 37 minutes":
    the runs logging epoch_minutes 37): what a line linking no run rests on, when its entry links many."""
    nums = numbers(text)
    if not nums or f.entry_id is None:
        return []
    out = []
    for rid in idx.entry_runs.get(f.entry_id, []):
        r = idx.run_by_id.get(rid)
        vals = [v for v in (r.metrics.values() if r is not None else []) if isinstance(v, (int, float))]
        if any(abs(v - n) <= 1e-9 * max(1.0, abs(n)) or abs(v * 100 - n) <= 1e-6 for v in vals for n in nums):
            out.append(rid)
    return out
