"""What a thread question asks for, and which noted lines can answer at all (split from ``narrative.answering``).

A line of a note is evidence only when it is prose: pasted code, a row of a pasted table, an HTML tag or a
``**Field:** value`` line of a run card is data the note shows (its numbers and names count for runs and
ranking), never a sentence to quote as what someone said. A question about a setting ("which learning rate
worked for the small model?") is answered from the runs that vary that setting, within the scope the question
names; a question asking what should have been done differently wants the author's own hindsight.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict

from narrative import vocab
from narrative.answer_negation import negated_words
from narrative.answer_quotes import in_code, numbers
from narrative.data_lines import UNMARK, data_line, header_rows
from narrative.history_index import Fact, HistoryIndex
from storage.records import RunSnapshot

# "which learning rate worked?", "what batch size was best for LoRA?": a setting's best value (the asked
# setting is what plan reading finds as the question's key concept; this only says the question asks for a pick)
WHICH_SETTING = re.compile(r"^\s{0,8}(which|what)\b.{0,80}?\b(work(s|ed)?|help(s|ed)?|best|better|optimal|"
                           r"right one|good one|was (good|right)|gave the best|"
                           # "what weight decay should we use at d20?": the value that did best there
                           r"should\s{1,3}(we|i)\s{1,3}(use|pick|choose|set))\b", re.I)
# "how does depth affect auc?", "what was the effect of dropout?", "does batch size matter?": the same table of a
# setting's values against the metric answers it
EFFECT_Q = re.compile(r"^\s{0,8}how\s{1,3}(does|did|do)\b.{0,60}?\b(affect|impact|influence|change)\w{0,2}\b|"
                      r"\b(effect|impact|influence)\s{1,3}of\b|^\s{0,8}(does|did|do)\b.{0,60}?\bmatter\b", re.I)
# "what should we have done differently?", "in hindsight ...", "any regrets / mistakes?": the author's hindsight
HINDSIGHT_Q = re.compile(r"\b(should\s{1,3}(we|i|they|you)\s{1,3}have|(done|do)\s{1,3}(it\s{1,3}|things\s{1,3})?"
                         r"differently|in\s{1,3}hindsight|hindsight|regrets?|mistakes?|would\s{1,3}(we|i)\s{1,3}"
                         r"(change|redo))\b", re.I)


@functools.lru_cache(maxsize=256)
def _headers(raw: str) -> frozenset[str]:
    return header_rows(raw)


def _rows(raw: str) -> tuple[frozenset[str], ...]:
    """The cells (two characters or more) of each pasted table row of a note."""
    out = []
    for line in raw.splitlines():
        t = line.strip()
        if t.startswith("|") and t.count("|") >= 2:
            cells = (c.strip().strip("*").strip() for c in t.strip("|").split("|"))
            out.append(frozenset(c for c in cells if len(c) >= 2))
    return tuple(out)


_rows_of = functools.lru_cache(maxsize=256)(_rows)


def tabular(idx: HistoryIndex, f: Fact) -> bool:
    """A row of a pasted table, as a sentence ("Run3 | g5.2xlarge | ... | Bad run") or as the structured item
    read off it: a summary of a run, which gives a reason only when a cell states one."""
    if f.kind == "sentence" and f.text.count(" | ") >= 2:
        return True
    e = idx.entry_by_id.get(f.entry_id) if f.entry_id is not None else None
    return (e is not None and "|" in e.raw_text
            and any(sum(c in f.text for c in row) >= 2 for row in _rows_of(e.raw_text)))


def not_prose(idx: HistoryIndex, f: Fact) -> bool:
    """A noted line that is data, not something its author says: never quoted as an answer."""
    t = f.text.strip()
    if data_line(t):
        return True
    e = idx.entry_by_id.get(f.entry_id) if f.entry_id is not None else None
    if e is None:
        return False
    if f.kind == "sentence":
        return in_code(idx, f) or ("|" in t and t in _headers(e.raw_text))
    # a structured item restating a line of data ("Name: Run3-g5-2xlarge-lr" from "**Name**: ...") is data too
    plain = UNMARK.sub("", t)
    return any(g.kind == "sentence" and UNMARK.sub("", g.text.strip()) == plain and not_prose(idx, g)
               for g in idx.entry_facts.get(e.id, ()))


# "how did we get the epoch time down?", "how did we speed up training?", "how did we fix the loss spikes?": the
# action that brought a change, read off the line that reports the change
HOW_ACHIEVED_Q = re.compile(r"^\s{0,8}how\s{1,3}(did|do|can|could|have)\s{1,3}(we|i|you|they)\b.{0,80}?"
                            r"\b(down|up|lower\w{0,2}|higher|faster|quicker|reduc\w{1,4}|cut|shorten\w{0,3}|"
                            r"improv\w{1,4}|fix\w{0,3}|get rid|halv\w{1,3}|speed\w{0,3})\b", re.I)
_WORD = re.compile(r"[a-z][a-z0-9]{1,30}|\d{1,6}(?:\.\d{1,6})?")
# words of a setting question that ask rather than scope
_ASKING = frozenset(("which", "what", "work", "works", "worked", "help", "helps", "helped", "best", "better",
                     "optimal", "good", "right", "one", "gave", "give", "run", "runs", "setting", "value", "values",
                     "model", "models", "we", "our", "did", "does", "was", "were", "for", "the", "with", "on", "in",
                     "of", "to", "and", "or", "a", "an", "is", "use", "used", "using", "training", "train"))


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def scoped_runs(idx: HistoryIndex, question: str, keys: set[str]) -> list[RunSnapshot] | None:
    """The runs holding one of ``keys`` that the question's other words scope it to ("for the size 10 model",
    "for LoRA", "from scratch"): a word counts when it is a param value or a run-name word of some of those
    runs but not all. None when the question names no such scope."""
    held = [r for r in idx.runs if any(k.lower() in keys for k in r.params)]
    if len(held) < 2:
        return None
    asked_values = {w for r in held for k, v in r.params.items() if k.lower() in keys for w in _words(v)}
    scope = _words(question) - _ASKING - vocab.STOPWORDS - asked_values
    if not scope:
        return None
    words_of = {r.run_id: _words(" ".join([r.run_name or "", *r.params.values()])) for r in held}
    kept = held
    for w in sorted(scope):
        having = [r for r in kept if w in words_of[r.run_id]]
        if having and len(having) < len(kept):
            kept = having
    return kept if kept is not held and len(kept) >= 2 else None


# params that tell runs apart without being a setting a sweep varies
_NOISE_KEYS = frozenset(("seed", "run", "run_name", "resume", "resume_from", "checkpoint", "output_dir", "out_dir",
                         "name", "tag", "notes", "git_commit", "commit"))


def sweep_runs(runs: list[RunSnapshot], keys: set[str]) -> list[RunSnapshot]:
    """Of ``runs``, those in a sweep of the asked setting: runs equal in every other param, two values of it or
    more. "Which learning rate was best?" is read off the LR sweep, not off a batch-size sweep that happened to
    run at one learning rate. All of ``runs`` when no such sweep exists."""
    groups: dict[frozenset[tuple[str, str]], list[RunSnapshot]] = {}
    for r in runs:
        rest = frozenset((k.lower(), v) for k, v in r.params.items()
                         if k.lower() not in keys and k.lower() not in _NOISE_KEYS)
        groups.setdefault(rest, []).append(r)
    swept = [r for g in groups.values()
             if len({v for r in g for k, v in r.params.items() if k.lower() in keys}) >= 2 for r in g]
    return swept if len({v for r in swept for k, v in r.params.items() if k.lower() in keys}) >= 2 else runs


_HINDSIGHT_MAX = 200


def hindsight_facts(idx: HistoryIndex) -> list[Fact]:
    """The latest noted lines that say what should have been done ("Should have started with higher LR")."""
    out = [f for f in idx.facts if f.kind == "sentence" and f.modality == "counterfactual" and not not_prose(idx, f)]
    return out[-_HINDSIGHT_MAX:]


# "on 12.xx", "the 11.x runs", "v1_* models": a lineage of runs named by a wildcard on their name's prefix
_LINEAGE = re.compile(r"(?<![\w.])([a-z]{0,6}\d{1,4})([._-])(x{1,3}|\*)(?![\w*])", re.I)


def lineage_runs(idx: HistoryIndex, question: str) -> list[RunSnapshot]:
    """The runs of the lineage the question names by a wildcard ("did lowering the LR help on 12.xx?"), in
    time order; empty when it names none or no run's name has that prefix."""
    m = _LINEAGE.search(question)
    if m is None:
        return []
    prefix = (m.group(1) + m.group(2)).lower()
    return sorted((r for r in idx.runs if (r.run_name or "").lower().startswith(prefix)), key=lambda r: r.start)


def changed_in(runs: list[RunSnapshot], keys: set[str]) -> list[RunSnapshot]:
    """Of a lineage's runs (time order), those whose value of the asked setting differs from its first run's:
    where the lineage tried the change the question asks about."""
    def value(r: RunSnapshot) -> str | None:
        return next((v for k, v in r.params.items() if k.lower() in keys), None)

    first = next((value(r) for r in runs if value(r) is not None), None)
    return [r for r in runs if first is not None and value(r) not in (None, first)]


_COUNTED = re.compile(r"\d{1,6}(?:st|nd|rd|th)?[\s-]{1,2}([a-z]{3,20})", re.I)


def name_group_runs(idx: HistoryIndex, question: str) -> list[RunSnapshot]:
    """The runs the question names as a group by a word of their names ("did the encoder LR sweep find anything
    better?": sweep1-0 ... sweep1-3), in time order: the question's word (three letters or more, not one it asks
    with, nor counted: "the 10 layer model" is one model) that is a word of the fewest run names, some but not all;
    empty when it names none."""
    words = {w for w in _words(question) if len(w) >= 3 and w.isalpha()} - _ASKING - vocab.STOPWORDS
    words -= {m.group(1).lower() for m in _COUNTED.finditer(question)}  # "the 10 layer model" names one model
    words -= negated_words(question)  # "the runs without AMP" are not the runs named "amp"
    if not words or len(idx.runs) < 2:
        return []
    by_word = _runs_by_name_word(idx)
    group: list[RunSnapshot] = []
    for w in sorted(words):
        having = by_word.get(w, [])
        if having and len(having) < len(idx.runs) and (not group or len(having) < len(group)):
            group = having
    return sorted(group, key=lambda r: r.start)


def _runs_by_name_word(idx: HistoryIndex) -> dict[str, list[RunSnapshot]]:
    """A word of run names (three letters or more) -> the runs whose name holds it, in the index's order; read
    once per index (an update clears ``idx.cache``), not every run's name per question (0.5-0.7 s a question
    at 100,000 runs)."""
    got = idx.cache.get("answer:name_words")
    if isinstance(got, dict):
        return got
    by_word: defaultdict[str, list[RunSnapshot]] = defaultdict(list)
    find = _NAME_WORD.findall
    for r in idx.runs:
        if r.run_name:
            for w in set(find(r.run_name.lower())):
                by_word[w].append(r)
    out = idx.cache["answer:name_words"] = dict(by_word)
    return out


_NAME_WORD = re.compile(r"[a-z]{3,}")


def names_a_setting(idx: HistoryIndex, tokens: frozenset[str], values: set[float]) -> bool:
    """One of ``tokens`` is a word of some run's param key or value ("input" of input_dropout, "bpe"), or one of
    ``values`` is some run's param value (dropout 0.5): the question names a variant, not a result ("worse",
    an AUC of 0.828)."""
    got = idx.cache.get("answer:setting_words")
    if not isinstance(got, tuple):
        words: set[str] = set()
        nums: set[float] = set()
        for r in idx.runs:
            for k, v in r.params.items():
                words.update(vocab.tokens(f"{k} {v}".replace("_", " ")))
                nums |= numbers(str(v))
        got = idx.cache["answer:setting_words"] = (frozenset(words), frozenset(nums))
    return bool(tokens & got[0]) or bool(values & got[1])
