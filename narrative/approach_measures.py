"""A phrase that names a measure is no line of work (round h/phase17).

The phrase lines of ``approaches.derive`` are the heads of verdict sentences. When the sentence is about a metric
("loss on val-data is noticably lower", "SBERT cos and mse was still broken", "Optimizing `mse` seemed more
general") its head is the metric's name, and the phase closed a line called "loss val-data" or "sbert cos mse". The
rule, stated generally: a phrase made only of metric words plus filler names what was measured, not what was tried.
Metric words are the runs' metric keys told in words ("loss on val-data" is ``val_loss``), the words the notes
themselves call metrics ("with fixed SBERT cos and mse metrics") and the lexicon's metric names; filler is a
stopword, a generic word ("val", "data", "set") or a verb of measuring or optimising. A word that names a setting
of the runs (a param key or value: ``loss=dice``) is a method word unless the notes call it a metric, so "dice
loss" and "loss" beside a ``loss`` param stay lines.
"""

from __future__ import annotations

import re

from narrative import lexicon, vocab
from narrative.history_index import HistoryIndex

_SPLIT = re.compile(r"[^a-z0-9]+")
# "optimizing mse", "measured accuracy": a verb of measuring or optimising says what was done to a metric
_MEASURING = re.compile(r"^(?:optimi[sz]|minimi[sz]|maximi[sz]|comput|measur|evaluat|report|track|monitor)"
                        r"(?:e|es|ed|ing|ation)?$")
# "(with fixed SBERT cos and mse metrics)", "For SBERT metrics": up to four words before "metric(s)", read back
# to the first stopword other than a conjunction (each start tried once: linear)
_CALLED = re.compile(r"((?:[A-Za-z][\w-]{0,30}[ \t]{1,3}){1,4})metrics?\b")
_JOINERS = frozenset({"and", "or", "&"})
# lexicon metric names that also name things of a model or a system ("mixed precision", "bias", "latency")
_AMBIGUOUS = frozenset({"precision", "bias", "latency", "p95", "pr", "roc", "map", "at", "rate", "hit", "match",
                        "exact", "win", "normalized", "normalised", "entropy", "log", "average", "macro", "top"})
_LEXICON = frozenset(w for name in lexicon.METRIC_WORDS for w in _SPLIT.split(name) if w) - _AMBIGUOUS


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text.lower()) if w]


def _filler(word: str) -> bool:
    return word in vocab.STOPWORDS or vocab.is_generic(vocab.stem(word)) or bool(_MEASURING.match(word))


def _called_metrics(idx: HistoryIndex) -> frozenset[str]:
    """The words the notes call metrics ("SBERT cos and mse metrics" -> sbert, cos, mse)."""
    got = idx.cache.get("words_called_metrics")
    if isinstance(got, frozenset):
        return got
    out: set[str] = set()
    for e in idx.entries:
        for m in _CALLED.finditer((e.raw_text or "")[:100_000]):
            for w in reversed(_words(m.group(1))):
                if w in vocab.STOPWORDS and w not in _JOINERS:
                    break
                # a method's name before "metrics" ("xgboost f1 metrics") is whose metrics, never a metric
                if w not in _JOINERS and not vocab.is_generic(vocab.stem(w)) and not vocab.concept_frozenset(w):
                    out.add(w)
    got = idx.cache["words_called_metrics"] = frozenset(out)
    return got


def _setting_words(idx: HistoryIndex) -> frozenset[str]:
    got = idx.cache.get("setting_words")
    if not isinstance(got, frozenset):
        got = idx.cache["setting_words"] = frozenset(
            w for r in idx.runs for k, v in r.params.items() if len(v) <= 200 for w in _words(f"{k} {v}"))
    return got


def names_a_measure(idx: HistoryIndex, phrase: str) -> bool:
    """Whether ``phrase`` is made only of metric words and filler (see the module's docstring)."""
    words = _words(phrase)[:12]
    content = [w for w in words if not _filler(w)]
    if not words:
        return False
    settings = _setting_words(idx)
    primary = idx.metric_now()[0] or ""
    keys = [k for k in {*idx.metric_keys, primary} if k]
    # a metric key told in words: every word of the key is in the phrase, the rest is filler ("loss on val-data"),
    # and the key holds a word no setting of the runs has (a ``loss`` param leaves a ``loss`` key ambiguous)
    for key in keys:
        kw = set(_words(key))
        if kw and kw <= set(words) and not kw <= settings and all(w in kw for w in content):
            return True
    if not content:
        return False
    called = _called_metrics(idx)
    key_words = {w for k in keys for w in _words(k)}
    return all((w in called) or (w not in settings and (w in key_words or w in _LEXICON)) for w in content) and any(
        w in called or w in key_words for w in content)
