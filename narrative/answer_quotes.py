"""How a thread answer quotes the notes and finds the runs a question means: the sentence around a
fact (its section heading, the list its colon announces, the clause that answers), the runs a quote
names, and the runs a question describes by a param. Split from ``narrative.answering``, which uses
these to build answers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from narrative import forecasts, reading, vocab
from narrative.answer_lists import with_list as with_list
from narrative.data_lines import data_line
from narrative.history_index import Fact, HistoryIndex
from storage.records import RunSnapshot

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
BECAUSE = re.compile(r"\b(because|since|due to|as it|so it|turns? out|which means|the reason|caus\w*|overwrit\w*|"
                      r"result(s|ed)? in|led to|leads? to|explains?|"
                      r"not worth|too (slow|big|large|expensive)|doesn'?t fit|over budget|"
                      # an unintended change: its reason is the slip ("I made a mistake and lowered the entropy")
                      r"(by|a|my) mistake|mistakenly|by accident|accidentally|inadvertently|"
                      # a party's requirement or a named reason ("risk insisted on it for the adverse action
                      # reasons", "required by compliance"); "for some reason" names none
                      r"insist(ed|s) on|(required|mandated|demanded|requested) by|"
                      r"for (?!(some|whatever|unknown|unclear|other|no|any)\b)(the )?[\w\-]{2,20}( [\w\-]{2,20}){0,2} "
                      r"reasons?)\b", re.I)


_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s")


# "I'll try reducing ...", "We will add ...": the writer's own future is a plan, whatever numbers it names
# "Try 11 (26 July 2023)." heads a numbered attempt by its name; "try 3 seeds" is still a plan
_PLANNY = re.compile(r"\W{0,4}((i|we)['’]ll|(i|we)\s{1,3}will|try(?!\s{0,2}#?\d{1,6}\s{0,2}(?:[(:.,\-–]|$))|let'?s|"
                     r"maybe|perhaps|plan(ning)? to|will|going to|gonna|todo|to do|next|should|want to|need to|idea)\b",
                     re.I)


_PURPOSE = re.compile(r",\s{0,3}so\b|\b(so that|in order to|as (it|they|the|a|an|we|this|that|\d)|so (we|it|that)|"
                      r"otherwise|"
                      r"to (fit|avoid|reduce|save|speed|keep|stay|get|make|check|test|see|match|compare|prevent)|"
                      # what a thing is there for ("centering prevents the mixer from learning a global shift")
                      r"preven(ts|ted)|"
                      r"weird|broke\w{0,3}|bug\w{0,3}|wrong|fail\w{0,3}|suspicious|problem|issue)\b", re.I)
# A trouble observed is what a change answers ("the model overfits quickly", "loss overshooted", "I didn't
# realize it was very high"): stated as a finding, it is the reason for the fix that follows it.
PROBLEM = re.compile(r"\b(over-?fit\w{0,5}|under-?fit\w{0,5}|unstable|instabilit\w{0,3}|diverg\w{0,5}|"
                     r"plateau\w{0,3}|stuck|stall\w{0,3}|collaps\w{0,3}|explod\w{0,3}|overshoot\w{0,3}|"
                     r"oscillat\w{0,5}|high variance|(too|very|way) (high|low|large|small|big|slow|noisy))\b", re.I)


def clip(text: str, n: int = 230) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3].rsplit(" ", 1)[0] + "..."


def quote_key(text: str) -> str:
    return _NON_ALNUM.sub(" ", text.lower()).strip()


# a quote that opens on a pronoun ("All of them did better ...") says nothing without what it points to
_ANAPHOR = re.compile(r"^\W{0,4}(all of them|both of them|each of them|none of them|most of them|they|them|"
                      r"these|those|this|it|both)\b", re.I)
_CONSEQUENCE = re.compile(r"^\W{0,4}(=>|->|→|⇒|so\b|hence\b|therefore\b|thus\b|that'?s why\b)", re.I)
_RUN_WINDOW = dt.timedelta(days=7)
_WORD = re.compile(r"[A-Za-z0-9_]+")


def _namey_words(text: str) -> list[str]:
    """Capitalised words inside a sentence and identifier-like words (digits, underscores)."""
    out = []
    for m in _WORD.finditer(text):
        w, before = m.group(), text[max(0, m.start() - 8):m.start()].rstrip()[-1:]
        if any(c.isdigit() or c == "_" for c in w) or (w[0].isupper() and (before.islower() or before.isdigit()
                                                                          or before in ",;:)")):
            out.append(w)
    return out


def antecedent(idx: HistoryIndex, f: Fact) -> str:
    """The sentence before ``f`` in its paragraph when ``f`` opens on a pronoun, else "". A line that draws a
    consequence ("=> Retrain with lower LR", "so we ...") takes the line before it, across a blank line: that is
    its reason; when that line states no trouble and one a bullet or two above it in the same list does ("the
    model overfits quickly"), that one comes first."""
    consequence = bool(_CONSEQUENCE.match(f.text))
    if not (_ANAPHOR.match(f.text) or consequence) or f.para < 0:
        return ""
    prev = [g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and g.position < f.position
            and (g.para == f.para or (consequence and g.para == f.para - 1)) and not heading_level(g.text)]
    if not prev:
        return ""
    last = max(prev, key=lambda g: g.position)
    if consequence and not PROBLEM.search(last.text):
        near = [g for g in prev if g.para == last.para and last.position - 3 <= g.position < last.position
                and PROBLEM.search(g.text)]
        if near:
            return f"{max(near, key=lambda g: g.position).text} {last.text}"
    return last.text


@lru_cache(maxsize=256)
def _fenced(raw: str) -> tuple[str, str]:
    """The lines of a note inside ``` (or ~~~) fences, and the lines outside them, each joined by newlines."""
    inside: list[str] = []
    outside: list[str] = []
    fenced = False
    for line in raw.splitlines():
        t = line.strip()
        if t.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        (inside if fenced else outside).append(" ".join(t.split()))
    return "\n".join(inside), "\n".join(outside)


def in_code(idx: HistoryIndex, f: Fact) -> bool:
    """A line of pasted code or output (inside a fence) is data the note shows, not something it says:
    ``Dense(64, activation=leaky_relu)`` answers no question about leaky ReLU."""
    e = idx.entry_by_id.get(f.entry_id) if f.entry_id is not None else None
    if e is None or f.kind != "sentence" or ("```" not in e.raw_text and "~~~" not in e.raw_text):
        return False
    inside, outside = _fenced(e.raw_text)
    text = " ".join(f.text.split())
    return text in inside and text not in outside


def runs_named_in(idx: HistoryIndex, f: Fact, context: str) -> list[str]:
    """Runs of the author's own window whose names carry a distinctive word the quote says ("the Nvidia
    models" -> nvidia-a, nvidia-b): the tracker's facts for a note whose entry linked nothing."""
    # names, not prose: a capitalised word inside a sentence ("the Nvidia models") or an identifier
    words = {t for w in _namey_words(f"{context} {f.text}") for t in vocab.tokens(w)}
    out: list[str] = []
    for t in sorted(words):
        if len(t) < 3 or vocab.is_generic(t):
            continue
        carriers = set(idx.name_token_runs.get(t, ())) | {r for sig in idx.token_sigs.get(t, ()) for r in sig.run_ids}
        rids = sorted((r for r in carriers if idx.run_by_id[r].user == f.author
                       and dt.timedelta(0) <= f.at - idx.run_by_id[r].start <= _RUN_WINDOW),
                      key=lambda r: idx.run_by_id[r].start)
        if 0 < len(rids) <= 4:
            out += [r for r in rids if r not in out]
    return out[:4] if len(out) <= 4 else []


def heading_level(text: str) -> int:
    m = _HEADING.match(text)
    return len(m.group(1)) if m else 0


def with_section(idx: HistoryIndex, f: Fact, limit: int = 3, asked: frozenset[str] = frozenset()) -> str:
    """A heading is a label, not an answer: quote it with the first sentences of its section, or, when some of
    its lines name what the question asks about ("controversy:" in a nested list of results), those lines and
    the two under each."""
    level = heading_level(f.text)
    if not level:
        return f.text
    label = f.text.lstrip("#").strip()
    lines: list[Fact] = []
    after = sorted((g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence"
                    and g.position > f.position), key=lambda g: g.position)
    for g in after:
        lv = heading_level(g.text)
        if lv and lv <= level:
            break
        if not lv and not data_line(g.text):  # a run card's "**Specs:** ..." says nothing
            lines.append(g)
        if len(lines) >= 40:
            break
    hits = [i for i, g in enumerate(lines) if asked & g.toks] if asked else []
    if hits and len(hits) < len(lines):
        keep = sorted({j for i in hits[:2] for j in range(i, min(i + 3, len(lines)))})
        body = [lines[j].text.lstrip("-* ").replace("**", "").strip() for j in keep]
    else:
        body = [g.text.lstrip("-* ").replace("**", "").strip() for g in lines[:limit]]
    return f"{label}: {' '.join(body)}" if body else label


def section_title(idx: HistoryIndex, f: Fact) -> str:
    """The markdown heading ``f`` sits under (its own text when it is one), or ""."""
    if heading_level(f.text):
        return f.text
    if f.kind != "sentence" or f.para < 0:
        whole = whole_sentence(idx, f)
        same = next((g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence"
                     and quote_key(g.text) == quote_key(whole)), None)
        if same is None:
            return ""
        f = same
    heads = [g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and g.position < f.position
             and heading_level(g.text)]
    return max(heads, key=lambda g: g.position).text if heads else ""


ASKED_ABOUT = frozenset(("wrong", "problem", "issue", "happen", "went", "cause", "bug", "reason"))
# the verdict a did-it-help question asks for ("did X help / work / improve / matter?"), stems
_ASK_FORM = ("help", "work", "improv", "hurt", "wors", "better", "succe", "benefit", "gain", "harm", "matter")


def plain_word_facts(idx: HistoryIndex, body: str, limit: int = 2, *, verdict_form: bool = False
                     ) -> list[tuple[float, Fact]]:
    """Sentences and headings that carry the question's plain words (those plan reading counts as generic),
    best covered first; none when the question has no such word or nothing carries them all. With
    ``verdict_form`` (the question is "did X help / work ...?") the verdict word is no word of the subject."""
    words = {t for t in vocab.tokens(body) if t not in vocab.STOPWORDS and not t.startswith(tuple(ASKED_ABOUT))}
    subject = {t for t in words if not t.startswith(_ASK_FORM)}
    verdict_asked = verdict_form and subject != words
    if verdict_asked:
        # "did the smaller model help?": the verdict asked for is the question's form, not its subject, and no
        # line that reports the result need say "help"; one plain word alone ("did the model help?") names
        # nothing in particular
        words = subject if len(subject) >= 2 else set()
    if not words:
        return []
    postings = _sentence_words(idx)
    if verdict_asked:
        # the result is often a line under a heading that holds the rest of the subject ("### 5. Model Size
        # Trade-offs" / "- Small (256d, 4L): Val loss 7.70"): the lines the subject's words cover with their
        # heading, those in a section on the subject and stating a number first
        ranked = []
        for i in sorted(set().union(*(postings.get(w, ()) for w in words))):  # the index's order
            f = idx.facts[i]
            if heading_level(f.text):
                continue
            head = _heading_tokens(idx, f)
            if words <= set(vocab.tokens(f.text)) | head:
                ranked.append(((bool(words & head), bool(_NUMBER_IN.search(f.text)), f.at, -f.position), f))
        ranked.sort(key=lambda x: x[0], reverse=True)
        return [(0.45, f) for _, f in ranked[:limit]]
    having = sorted((postings.get(w, ()) for w in words), key=len)
    common = set(having[0]).intersection(*having[1:])
    full = [idx.facts[i] for i in sorted(common)]  # the index's order, as the sort below is stable
    full.sort(key=lambda f: (heading_level(f.text) > 0, f.at), reverse=True)
    return [(0.45, f) for f in full[:limit]]


def _sentence_words(idx: HistoryIndex) -> dict[str, list[int]]:
    """Each word of the index's sentences, with the generic words the index leaves out of ``Fact.toks`` -> the
    positions in ``idx.facts`` of the sentences holding it: made once per index (an update clears
    ``idx.cache``), not by reading every sentence's words per question (0.2 s a question at 10,000 entries)."""
    got = idx.cache.get("answer:sentence_words")
    if isinstance(got, dict):
        return got
    postings: dict[str, list[int]] = {}
    for i, f in enumerate(idx.facts):
        if f.kind == "sentence":
            for t in set(vocab.tokens(f.text)):
                postings.setdefault(t, []).append(i)
    idx.cache["answer:sentence_words"] = postings
    return postings


_NUMBER_IN = re.compile(r"\d")


def _heading_tokens(idx: HistoryIndex, f: Fact) -> set[str]:
    """The tokens of the nearest heading above ``f`` in its note (none when no heading is above it)."""
    above = [g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and g.position < f.position
             and heading_level(g.text)]
    return set(vocab.tokens(max(above, key=lambda g: g.position).text)) if above else set()


_KEY_PARTS = re.compile(r"[_\-. ]+")
_PLAIN_VALUES = frozenset(("true", "false", "none", "null", "yes", "no", "0", "1"))
_PARAM_WINDOW = dt.timedelta(days=14)
_ALPHA_WORD = re.compile(r"[a-z][a-z0-9]{0,40}")
_VALUE_WORD = re.compile(r"[a-z0-9][a-z0-9.\-]{0,60}[a-z0-9]|[a-z0-9]")


def key_named(key: str, words: list[str]) -> bool:
    """The text names the param ``key``: a part of three letters or more is one of its words and every
    one-letter part is the initial of one ("kernel size" names k_size, "patch sizes" p_size); a short key is
    the initials of words in a row ("learning rate" names lr, "weight decay" wd)."""
    parts = [fold(p) for p in _KEY_PARTS.split(key.lower()) if p]
    long = [p for p in parts if len(p) >= 3]
    if not long:
        short = "".join(parts)
        n = len(short)
        return 2 <= n <= 3 and short.isalpha() and any(
            "".join(w[:1] for w in words[i:i + n]) == short for i in range(len(words) - n + 1))
    if any(p not in words for p in long):
        return False
    return all(any(w.startswith(p) for w in words) for p in parts if len(p) < 3)


def fold(word: str) -> str:
    """One form for "size", "sizes" and "sized" (the stemmer gives "size" and "siz")."""
    return vocab.stem(word).rstrip("e")


# going without a thing ("did removing dropout help?", "the ref cfg w/o the log target")
OFF_WORDS = re.compile(r"\b(without|w/o|w/out|remov(e|ed|es|ing)|disabl(e|ed|es|ing)|dropp(ed|ing)|drop|"
                       r"turn(ed|ing)? off|switch(ed|ing)? off|no)\b", re.I)


def param_runs(idx: HistoryIndex, body: str, author: str, at: dt.datetime, quote: str = ""
                ) -> tuple[list[str], int]:
    """The runs of ``author``'s two weeks before ``at`` that the question (or the quote answering it) describes
    by a param: with the values the question names ("reflect vs constant padding", "kernel size, 7 or 11"),
    else the values the quote names ("a bigger learning rate (0.01/0.001)"), else those that moved the param
    off its usual value ("smaller patch sizes"). Second: 2 when the question's values picked them, 1 the
    quote's, 0 none. None when that is more than a handful."""
    pool = [r for r in idx.runs
            if (not r.user or r.user == author) and dt.timedelta(0) <= at - r.start <= _PARAM_WINDOW]
    if not pool:
        return [], 0
    texts = [body, quote] if quote else [body]
    keys: list[str] = []
    for text in texts:
        words = [fold(w) for w in _ALPHA_WORD.findall(vocab.norm(text))]
        keys = sorted({k for r in pool for k in r.params if key_named(k, words)})
        if keys:
            break
    out: list[str] = []
    explicit = 0
    for key in keys:
        have = [r for r in pool if key in r.params]
        picked: list[RunSnapshot] = []
        for level, text in zip((2, 1), texts, strict=False):
            raw = set(_VALUE_WORD.findall(text.lower()))
            nums = numbers(text)
            picked = [r for r in have if _value_named(r.params[key], raw, nums)]
            if picked:
                explicit = max(explicit, level)
                break
        if not picked:
            values = Counter(r.params[key] for r in idx.runs if key in r.params)
            if len(values) < 2:
                continue
            usual = values.most_common(1)[0][0]
            picked = [r for r in have if r.params[key] != usual]
            if not vocab.is_null_param(key, usual) and not any(OFF_WORDS.search(t) for t in texts):
                # "did half precision help?" when most runs have it on: the one run with mixed_precision=false
                # moved off the usual value, but it did not do the thing asked about (unless the question or the
                # quote speaks of going without: "Remove BLSTM layer")
                picked = [r for r in picked if not vocab.is_null_param(key, r.params[key])]
        out += [r.run_id for r in picked if r.run_id not in out]
    return (out, explicit) if 0 < len(out) <= 6 else ([], 0)


def _value_named(v: str, raw: set[str], nums: set[float]) -> bool:
    v = v.lower()
    if v in _PLAIN_VALUES:
        return False
    if v in raw:
        return True
    try:
        return float(v) in nums
    except ValueError:
        return False


_ORDINAL = re.compile(r"^(\d{1,6})(st|nd|rd|th)$")


def section_head(idx: HistoryIndex, f: Fact) -> Fact | None:
    """The markdown heading ``f`` sits under in its entry (None for a heading or a structured item)."""
    if heading_level(f.text) or f.para < 0 or f.kind != "sentence":
        return None  # a structured item's position is not a line's: its heading is not known
    heads = [g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and g.position < f.position
             and heading_level(g.text)]
    return max(heads, key=lambda g: g.position) if heads else None


def section_toks(idx: HistoryIndex, f: Fact) -> frozenset[str]:
    """The tokens of the markdown heading ``f`` sits under in its entry (ordinals as numbers: "6th" -> "6")."""
    h = section_head(idx, f)
    if h is None:
        return frozenset()
    toks = set(h.toks)
    for t in vocab.tokens(h.text.lstrip("#")):
        m = _ORDINAL.match(t)
        toks.add(m.group(1) if m else t)
    return frozenset(toks)


def asks(text: str) -> bool:
    """Whether a line ends as a question, once the emphasis closing it is set aside ("**Why Adam?**", "_why?_")."""
    return text.rstrip().rstrip("*_` ").endswith("?")


def with_answer(idx: HistoryIndex, f: Fact, text: str) -> str:
    """A note's own question ("can llm/ai helps?") is no answer; the sentences after it in its paragraph are
    ("The answer is NOOOOOO! They just can't."). A question set in bold or italics ("**What causes divergence?**"
    then "Answer: Momentum accumulation + ...") is a question too: the markup after its "?" closes the emphasis."""
    if not asks(text) or f.kind != "sentence" or f.para < 0:
        return text
    after = sorted((g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and g.para == f.para
                    and g.position > f.position), key=lambda g: g.position)
    said: list[str] = []
    for g in after:
        if heading_level(g.text) or asks(g.text):
            break
        said.append(g.text)
        if sum(len(x) for x in said) >= 60:
            break
    return f"{text} {' '.join(said)}" if said else text


def whole_sentence(idx: HistoryIndex, f: Fact) -> str:
    """A structured item is often a piece of its sentence ("We tried switching to true vanilla SGD then, ..."
    without "only to find that our learning rate might have been set too low"): the sentence it was cut from."""
    if f.kind == "sentence":
        return f.text
    key = quote_key(f.text)[:60]
    if not key:
        return f.text
    whole = [g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and key in quote_key(g.text)]
    longer = [g.text for g in whole if len(g.text) > len(f.text)]  # a hard-wrapped line is no whole sentence
    return min(longer, key=len) if longer else f.text


# the clause of a long sentence that answers: a cause, a purpose, an outcome ("only to find that ...")
_ANSWER_CLAUSE = re.compile(r"\b(only to (find|realize|see|discover)|noting|turn(s|ed)? out|which (seems|seemed|led|"
                            r"leads|made|means|meant|caused|helped|hurt)|effect|too (low|high|slow|small|large|big))\b",
                            re.I)
# single spaces (the text is whitespace-folded first): ``\s+`` before a lookahead is quadratic on a run of spaces
_CLAUSE_SPLIT = re.compile(r"(?<=[,;:])\s|\s(?=\()|\s(?=(?:which|only to|but|because|since|noting|given|so)\b)")


def clip_to(text: str, n: int, question: str) -> str:
    """``text`` clipped to ``n`` characters, keeping the clause that answers when it lies past the cut: the
    sentence's head, then " ... " and that clause (a reason, a purpose, an outcome, the question's words)."""
    text = " ".join(text.split())
    head = clip(text, n)
    if len(text) <= n:
        return text
    shown = len(head) - 3
    qtoks = set(vocab.tokens(question))
    best, best_s = "", 0.0
    for clause in _CLAUSE_SPLIT.split(text[shown:]):
        c = clause.strip()
        if len(c) < 12:
            continue
        sc = (1.0 if BECAUSE.search(c) or _ANSWER_CLAUSE.search(c) or _PURPOSE.search(c) else 0.0)
        sc += 0.5 * len(qtoks & set(vocab.tokens(c)))
        if sc > best_s:
            best, best_s = c, sc
    if not best:
        return head
    tail = clip(best, max(60, n // 2))
    return f"{clip(text, max(60, n - len(tail) - 5))} {tail}"


def is_plan(f: Fact) -> bool:
    """An idea, a next step or an imperative to oneself ("Try controlling the lr ...") is not a result."""
    planny = _PLANNY.match(f.text)
    return (f.kind in ("hypothesis", "next_step", "question") or f.opening
            or bool(planny and not forecasts.done_move(f.text.lower(), planny.start(1))))


def states_reason(text: str, question: str = "") -> bool:
    """``is_reason`` without the loosest cue (a word of the accuracy kind, "lower", "under"): a sentence that
    says why, not one that only mentions a result. A trouble the question itself names ("why couldn't the
    model overfit?") is what is asked about, not its reason."""
    q = question.lower()
    trouble = any(m.group()[:6].lower() not in q for m in PROBLEM.finditer(text))
    return bool(BECAUSE.search(text) or _PURPOSE.search(text) or trouble or vocab.declares_void(text)
                or vocab.reason_kind(text) in ("memory", "latency", "speed", "stability"))


def gives_cause(text: str) -> bool:
    """A cause, purpose or problem said in words ("because", "to avoid", "exploded"), not a topic's reason kind."""
    return bool(BECAUSE.search(text) or _PURPOSE.search(text) or PROBLEM.search(text))


def is_reason(text: str) -> bool:
    return bool(BECAUSE.search(text) or _PURPOSE.search(text) or vocab.reason_kind(text)
                or vocab.declares_void(text) or PROBLEM.search(text))


# What a question asks was done ("why a higher LR", "why did we drop the lr to 1e-4", "why swap GeLU for
# ReLU", "why did we start with ..."): plan reading counts these words as generic, yet between two sentences
# that name the same setting they tell the one that did it from the one that only mentions it. Each class
# folds the ways notes say it ("decrease", "lowering", "reduce" for "drop").
_ACTIONS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.I) for p in (
    r"\b(high(er)?|larg(e|er)|bigger|increas\w*|rais(e|ed|ing)|doubl\w*|grow\w*|boost\w*)\b",
    r"\b(low(er|ered|ering)?|small(er)?|decreas\w*|reduc\w*|drop(s|ped|ping)?|cut(s|ting)?|less|fewer|halv\w*|"
    r"shrink\w*)\b",
    r"\b(swap\w*|switch\w*|replac\w*|fell back|fall(ing)? back|mov(e|ed|ing) (back )?to|went (back )?to|"
    r"instead of)\b",
    r"\b(stop\w*|abandon\w*|drop(s|ped|ping)?|terminat\w*|abort\w*|kill\w*|gave up|give up|shelv\w*|"
    r"revert\w*|roll(ed)? back)\b",
    r"\b(start(ed|ing)?|initial(ly)?|began|begin|launch\w*|kick(ed)? off|chose|chosen)\b",
    r"\b(remov\w*|delet\w*|took out|take out|taking out|got rid|get rid|strip(ped|ping)?)\b",
    r"\b(add(s|ed|ing)?|introduc\w*|insert\w*|put in)\b",
))
# a setting's value ("0.0001", "1e-4", "16"), not a piece of a name ("11.xx", "GPT-3", "exp29")
_NUM = re.compile(r"(?<![\w.\-])(\d{1,12}(?:\.\d{1,12})?(?:e-?\d{1,3})?)(?![\w\-]|\.\w)", re.I)


def numbers(text: str) -> set[float]:
    out: set[float] = set()
    for m in _NUM.finditer(text):
        try:
            out.add(float(m.group(1)))
        except ValueError:
            continue
    return out


def action_match(question: str, text: str) -> float:
    """Share of the question's actions (and of its numbers) that ``text`` states too, 0 when it asks none."""
    asked = [p for p in _ACTIONS if p.search(question)]
    nums = {n for n in numbers(question) if n not in (0.0, 1.0)}
    if not asked and not nums:
        return 0.0
    hit = sum(1 for p in asked if p.search(text)) + (1 if nums and nums & numbers(text) else 0)
    return hit / (len(asked) + (1 if nums else 0))



_TROUBLE_WINDOW = dt.timedelta(days=14)


def trouble_before(idx: HistoryIndex, subject: frozenset[str], concepts: frozenset[str] = frozenset()
                   ) -> tuple[Fact, Fact] | None:
    """For "why did we add dropout?" when no note near it gives a reason: the sentence where the subject first
    comes up in the notes and the latest trouble its author noted before it (the same note, or one of the two
    weeks before: "the model is moving towards overfitting"), or None."""
    subject = frozenset(t for t in subject if not any(p.search(t) for p in _ACTIONS))
    if not subject and not concepts:
        return None
    first = next((f for f in sorted(idx.facts, key=lambda g: (g.at, g.position))
                  if f.kind == "sentence" and f.para >= 0 and subject <= f.toks
                  and concepts <= vocab.cover(f.concepts)), None)
    if first is None:
        return None
    before = [g for g in idx.facts if g.kind == "sentence" and g.para >= 0 and g.author == first.author
              and ((g.entry_id == first.entry_id and g.position < first.position)
                   or (g.entry_id != first.entry_id and dt.timedelta(0) < first.at - g.at <= _TROUBLE_WINDOW))
              and PROBLEM.search(g.text) and not g.planned and not in_code(idx, g) and not _answered(idx, g)]
    if not before:
        return None
    return first, max(before, key=lambda g: (g.at, g.position))


def _answered(idx: HistoryIndex, trouble: Fact) -> bool:
    """A trouble its own note already answers ("... a lot of bias, due to overfitting. Hence the next model is
    more simplified."; "underfitting, and we need to make a more robust model") explains that step, not a
    later one."""
    if _CONSEQUENCE.search(trouble.text) or _RESPONSE.search(trouble.text):
        return True
    return any(g.kind == "sentence" and g.para == trouble.para and 0 < g.position - trouble.position <= 2
               and _CONSEQUENCE.match(g.text) for g in idx.entry_facts.get(trouble.entry_id, []))


_RESPONSE = re.compile(r"\b(so|hence|therefore|thus|and)\s{1,3}(we|i)\s{1,3}(need|have|had|will|'ll|should|decided|"
                       r"went|switched|changed|moved|reduced|lowered|increased|added|removed)\b|"
                       r"\b(hence|therefore|thus)\b", re.I)


_WITH = re.compile(r"\s(with|w/|using|on top of|plus)\s", re.I)


def carried_only(tokens: Iterable[str], text: str) -> bool:
    """The question's words all come after "with" in a label ("v1_20: Small size model with skip to final
    output"): the label names a change of something else, made on top of what the question asks about."""
    m = _WITH.search(text) if len(text) <= 160 else None
    asked = set(tokens)
    if m is None or not asked:
        return False
    head, tail = set(vocab.tokens(text[:m.start()])), set(vocab.tokens(text[m.end():]))
    return asked <= tail and not asked & head


def pieces_quoted(text: str, quoted: set[str]) -> bool:
    """A shortened restatement ("... a large batch…: doesn't seem ...") of a sentence already quoted."""
    pieces = [quote_key(p) for p in text.split("…")]
    return len(pieces) > 1 and all(any(p in k for k in quoted) for p in pieces if p)


# What explains a trouble told before ("I find I can not overfit"): a later line of the same author that names
# a cause ("The make me realize that the model maybe stuck in a local minimum, due to the large learning rate").
_CAUSAL = re.compile(r"\b(because|due to|caused by|the (reason|cause|culprit) (is|was)|turn(s|ed)? out|"
                     r"realiz\w{1,3}|realis\w{1,3}|the problem (is|was))\b", re.I)
_CAUSE_WINDOW = dt.timedelta(days=7)


def cause_after(idx: HistoryIndex, f: Fact, asked: frozenset[str]) -> Fact | None:
    """The first later sentence of ``f``'s author (the same note or a week after) that names a cause and
    shares a word with ``f`` or the question, or None."""
    words = {t for t in f.toks | asked if len(t) >= 4}
    later = [g for g in idx.facts if g.kind == "sentence" and g.para >= 0 and g.author == f.author
             and ((g.entry_id == f.entry_id and g.position > f.position)
                  or (g.entry_id != f.entry_id and dt.timedelta(0) < g.at - f.at <= _CAUSE_WINDOW))
             and _CAUSAL.search(g.text) and words & g.toks and not in_code(idx, g)]
    return min(later, key=lambda g: (g.at, g.position)) if later else None


# How a note reports what came of the plan just before it ("Result looks more stable", "It diverged").
_OUTCOME_LEAD = re.compile(r"^(?:the\s{1,3})?(?:results?|outcome|it|this|that)\s{1,3}(?:\w{1,30}\s{1,3})?"
                           r"(?:looks?|looked|was|were|is|seems?|seemed|gave|got|did|didn'?t|does|doesn'?t|went|made|"
                           r"helped|hurt)\b|"
                           r"^(?:results?|outcome)\s{0,3}:", re.IGNORECASE)


def outcome_after(idx: HistoryIndex, plan: Fact) -> Fact | None:
    """The sentence right after a plan, in the same entry, that says how it went, or None."""
    sents = sorted((g for g in idx.entry_facts.get(plan.entry_id, []) if g.kind == "sentence"),
                   key=lambda g: g.position)
    anchor = next((g for g in sents if quote_key(g.text)[:60] == quote_key(plan.text)[:60]), None)
    if anchor is None:
        return None
    for g in sents:
        if anchor.position < g.position <= anchor.position + 3 and _OUTCOME_LEAD.match(g.text) and (
                g.verdict or g.negative or reading.verdict_of(g.text) is not None):
            return g
    return None


_RESULT_WORDS = re.compile(r"\b(best|better|improv\w{0,4}|worse|gain\w{0,2}|beat\w{0,2}|outperform\w{0,4}|"
                           r"highest|lowest|accuracy|loss|score)\b", re.I)


def note_on_run(idx: HistoryIndex, run: RunSnapshot) -> Fact | None:
    """The note's sentence about one run (it names the run, or it is one of at most two runs the sentence is
    about), one that says how it did or why first: what "the best run and why?" wants beside the numbers."""
    name = (run.run_name or "").lower()
    best: tuple[tuple[int, int, int], Fact] | None = None
    for f in idx.facts:
        if f.kind != "sentence" or f.para < 0 or heading_level(f.text):
            continue
        named = len(name) >= 4 and name in f.text.lower()
        if not named and not (run.run_id in f.run_ids and len(f.run_ids) <= 2):
            continue
        if in_code(idx, f) or f.planned or data_line(f.text):
            continue  # "**🧪 Experiment ID**: `exp_20250606_...`" names the run; it says nothing of it
        key = (int(named), int(states_reason(f.text)) + int(bool(_RESULT_WORDS.search(f.text))), -f.idx)
        if best is None or key > best[0]:
            best = (key, f)
    return best[1] if best else None


def section_quote(idx: HistoryIndex, f: Fact, asked: frozenset[str]) -> str:
    """A line among the first two of a section whose heading names a word of the question the line lacks
    ("## Future Improvements" for "the idea for improving ..."): the heading with its first lines, or ""."""
    if heading_level(f.text) or not asked:
        return ""
    if f.kind != "sentence" or f.para < 0:
        key = quote_key(f.text)
        same = next((g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and g.para >= 0
                     and quote_key(g.text) == key), None)
        if same is None:
            return ""
        f = same
    heads = [g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and g.position < f.position
             and heading_level(g.text)]
    if not heads:
        return ""
    head = max(heads, key=lambda g: g.position)
    between = [g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence"
               and head.position < g.position < f.position]

    def names(toks: frozenset[str], t: str) -> bool:  # "improv" (improving) names "improvement"
        return any(h.startswith(t) or t.startswith(h) for h in toks if min(len(h), len(t)) >= 4)

    if len(between) > 1 or not any(names(head.toks, t) and not names(f.toks, t) for t in asked):
        return ""
    return with_section(idx, head)
