"""How a line of work is named: the head phrase of a sentence about it, whether the runs carry that phrase, one key
however a sentence ends or numbers it, and the team's own words for a line the concept table names."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from narrative import vocab
from narrative.approach_measures import names_a_measure
from narrative.history_index import HistoryIndex

if TYPE_CHECKING:
    from narrative.approaches import Approach

_HEAD_STOP = re.compile(r"\s{0,8}(?::|->|→|=>|=|\(|\bgives?\b|\bgets?\b|\bgot\b|\bon top\b|\bhit\b|\blands?\b|"
                        r"\btakes?\b|\bwent\b|\bis\b|\bwas\b|\bwere\b|\bare\b|,|"
                        r"\bfor (?:now|the moment|the time being)\b|"
                        # an infinitive of purpose ends it too: "reducing lr slightly to prevent this" is about the
                        # lr, "clipping to fix the spikes" about clipping ("switch to adam": no verb, no end)
                        r"(?<=\w )(?:in order |so as )?to (?:prevent|avoid|fix|see|check|test|stop|keep|counter|"
                        r"handle|deal|mitigate|address|stabili[sz]e|reduce overfitting|compensate|make up)\b|"
                        # a verb of outcome ends the name: "xlnet large reaches 0.861" is about xlnet
                        r"(?<=\w )(?:reach|achiev|scor|yield|peak|top|beat|hurt|help|improv|overfit|diverg|crash|fail|"
                        r"perform|work|enabl|allow|caus|lead|result|seem|appear|mak|produc|slow)(?:e?s|e?d|ing)?(?![\w-])|"
                        # so does an auxiliary or a negation after the subject: "dense layers don't help",
                        # "breakout-v4 not converging", "graphs of sigma have shown", "this batch size uses"
                        r"(?<=\w )(?:(?:do|does|did|has|have|had|can|could|will|would|should|may|might|must|is|are|was|"
                        r"were|wo|ca)n['’]?t|do|does|did|has|have|had|can|could|will|would|should|may|might|must|"
                        r"not|never|uses)(?![\w-]))")
# "the changes I've made to the critic": a contraction's tail is no word of a name
_CONTRACTION_TAIL = re.compile(r"(?<=\w)['’](?:ve|ll|re|d|m|s)(?!\w)", re.I)
# an adverb ("Predictably my test images did poorly") says how, never names a line of work
_ADVERB = re.compile(r"^[a-z]{3,}(?:ably|ibly|ally|edly|ently|antly|ously|ively|ingly|fully|ately)$", re.I)

_MARKUP = re.compile(r"[`*_#>]+")
# a leading verb of trying or of setting aside is no part of the line's name ("Remove double layers for now" is
# about double layers)
_LEAD_FILLER = re.compile(r"^(also|then|and|so|plus|\+|-|tried|trying|added|adding|remov(?:e|ed|ing)|"
                          r"disabl(?:e|ed|ing)|drop(?:ped|ping)?|turn(?:ed|ing)?\s{1,3}off|comment(?:ed|ing)?\s{1,3}out|"
                          r"gave\s{1,3}up\s{1,3}on|give\s{1,3}up\s{1,3}on|stop(?:ped)?\s{1,3}using)\s+", re.I)
_WORD = re.compile(r"[A-Za-z][\w\-.]*")
# a version or date stamp ("v2021", "0312", "20230415") names a snapshot, never a line of work
_STAMP = re.compile(r"^(?:(v|ver|version)?\d{4}(\d{2}){0,2}|"
                    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\d{1,2})$", re.I)


# Which way a setting was moved, and the verb that moved it, name a value of its sweep, not a line of work of its
# own: "larger seq size" and "Large seq size" are the seq size line ("large", "more" are dropped as generic words
# already), "decrease entropy beta" the entropy beta line, "I first played around with batch sizes" the batch size
# line. Read at the edges of a name only, and a verb only where English makes it one (a gerund, a past participle
# after its noun, a base form before a determiner or "with"): "double DQN", "double layers", "reduced precision",
# "lower bound" keep their words.
# (a change of shape keeps its word: "deeper network", "wider embeddings" name the depth or the width tried)
_COMPARATIVE = frozenset({"larger", "smaller", "bigger", "higher", "lower", "longer", "shorter", "fewer", "greater",
                          "lesser"})
# "lower layers" (the bottom of a network), "higher order", "lower bound": a comparative that names a place or a kind
_COMPARATIVE_HEADS = frozenset({"order", "bound", "bounds", "level", "levels", "layer", "layers", "case", "half",
                                "triangular", "precision", "rank"})
_CHANGE_STEMS = ("increas", "decreas", "reduc", "rais", "lower", "doubl", "halv", "bump", "tweak", "adjust", "vary",
                 "vari", "chang", "play", "experiment", "mess", "fiddl", "toy", "tinker")
# a base form that is only ever a verb (not "double", "lower", "change", which also name things)
_ALWAYS_VERBS = frozenset({"increase", "decrease", "reduce", "raise", "halve", "bump", "tweak", "adjust", "vary"})
_VERB_OBJECT = frozenset({"the", "a", "an", "my", "our", "its", "their", "this", "that", "these", "those", "with",
                          "around", "about"})
# "learning rate adjustments", "dropout changes": the act of moving a setting, after its name
_CHANGE_NOUNS = frozenset({"adjustment", "adjustments", "change", "changes", "tweak", "tweaks", "increase",
                           "increases", "decrease", "decreases", "reduction", "reductions", "sweep", "sweeps",
                           "variation", "variations"})
# a measure followed by its value ("gain the mAP=0.8101", "epochs loss = 5.95") is the outcome, not the line's name
_MEASURES = frozenset({"acc", "accuracy", "auc", "auroc", "f1", "map", "miou", "iou", "dice", "bleu", "rouge", "wer",
                       "cer", "loss", "mse", "mae", "rmse", "ppl", "perplexity", "nll", "precision", "recall", "top1",
                       "top5", "ndcg", "mrr", "psnr", "ssim", "fid", "r2", "score", "logloss", "error", "err", "eer"})
_VALUE_NEXT = re.compile(r"\s{0,3}(?:=|:|->|→|=>)\s{0,3}[-+~≈]?\.?\d")


def _measured(raw: list[str], word: str) -> bool:
    """Whether ``word`` (a measure, before its value) is the outcome: "loss", "error" and "score" also end the names
    of techniques ("focal loss: 0.25", "dice loss: 0.31"), so they are the outcome only after a time ("After 2
    epochs loss = 5.95") or a verb of getting ("and got the loss = ...")."""
    if word.lower() not in _ALSO_NAMES:
        return True
    at = max(i for i, w in enumerate(raw) if w == word)
    return at > 0 and raw[at - 1].lower() in _BEFORE_OUTCOME


_ALSO_NAMES = frozenset({"loss", "error", "err", "score"})
_BEFORE_OUTCOME = frozenset({"epoch", "epochs", "step", "steps", "iteration", "iterations", "iter", "iters", "gain",
                             "gained", "get", "got", "gets", "reach", "reached", "achieve", "achieved", "the"})


def _change_verb(word: str) -> bool:
    return word.startswith(_CHANGE_STEMS) and (word.endswith(("ed", "ing")) or word in _ALWAYS_VERBS)


def _drop_verbs(raw: list[str], words: list[str]) -> list[str]:
    """``words`` (the kept words of ``raw``, in order) without a verb of moving or trying a setting that stands
    before its object ("double the epochs", "played around with batch sizes", "tweaked the warmup steps")."""
    lowered = [w.lower() for w in raw]
    verbal = {i for i, w in enumerate(lowered) if w.startswith(_CHANGE_STEMS) and i + 1 < len(lowered)
              and lowered[i + 1] in _VERB_OBJECT}
    return [w for i, w in enumerate(raw) if i not in verbal and w in words][:len(words)]


def sweep_base(words: list[str]) -> list[str]:
    """A name's words without the direction of a setting's move at its edges ("larger seq size" -> "seq size",
    "decrease entropy beta" -> "entropy beta", "base transformer reduced" -> "base transformer", "learning rate
    adjustments" -> "learning rate"); one word is always left."""
    kept = list(words)
    while len(kept) > 1:
        first, second = kept[0].lower(), kept[1].lower()
        if (first in _COMPARATIVE and second not in _COMPARATIVE_HEADS) or (
                _change_verb(first) and (first.endswith("ing") or first in _ALWAYS_VERBS)):
            kept.pop(0)
            continue
        last = kept[-1].lower()
        if last in _CHANGE_NOUNS or (_change_verb(last) and last.endswith("ed")):
            kept.pop()
            continue
        break
    return kept


@functools.lru_cache(maxsize=1 << 16)
def head_phrase(text: str) -> str:
    """"tenure buckets on top of full_v2: nothing" -> "tenure buckets"."""
    # "Optimizing `mse` seemed": markup taken out leaves one space, so the verb after the name still ends it
    t = " ".join(_MARKUP.sub(" ", text).split())
    t = _CONTRACTION_TAIL.sub("", _LEAD_FILLER.sub("", t))
    stop = _HEAD_STOP.search(t)
    head = t[:stop.start()] if stop else t
    raw = _WORD.findall(head)
    words = [w for w in raw
             if len(w) > 1 and not _ADVERB.match(w)
             and w.lower() not in vocab.STOPWORDS and not vocab.is_generic(vocab.stem(w.lower()))]
    if stop is not None and _VALUE_NEXT.match(t, stop.start()):
        while len(words) > 1 and words[-1].lower() in _MEASURES and _measured(raw, words[-1]):
            words.pop()
    return " ".join(_drop_verbs(raw, words[:3])).lower()


def _people(idx: HistoryIndex) -> frozenset[str]:
    """The lowercased names of the project's people (runs' users, notes' authors), three letters or more, that are
    written as a word into the name of a run ("conv_robert_2" by robert)."""
    got = idx.cache.get("people_in_run_names")
    if not isinstance(got, frozenset):
        names = {(r.user or "").strip().lower() for r in idx.runs} | {(e.author or "").strip().lower()
                                                                       for e in idx.entries}
        names = {n for n in names if len(n) >= 3}
        in_names = {w for r in idx.runs for w in re.split(r"[^a-z0-9]+", (r.run_name or "").lower()) if w in names}
        got = idx.cache["people_in_run_names"] = frozenset(in_names)
    return got


def _phrase_in_data(idx: HistoryIndex, phrase: str) -> bool:
    """A phrase names a line of work only when the runs carry one of its words (params, values, names): a
    heading word ("note", "private") or a contraction left over from a sentence is not an approach, and
    neither is one run's name ("calm-otter-41"): a run is an instance of a line of work, not the line."""
    toks = {t for t in vocab.tokens(phrase) if len(t) >= 3 and not vocab.is_generic(t) and not _STAMP.match(t)}
    if not toks:
        return False
    if idx.name_to_runs.get(phrase.strip().lower()):
        return False
    # "oct08 gpu-no-short-rw params": a piece of a run's name ("Oct08_18-23-34_gpu-no-short-rw") is that run
    pieces = idx.cache.get("run_name_pieces")
    if not isinstance(pieces, frozenset):
        pieces = idx.cache["run_name_pieces"] = frozenset(
            p for r in idx.runs for p in (r.run_name or "").lower().split("_") if p.count("-") + p.count(".") >= 2)
    if any(w in pieces for w in phrase.lower().split()):
        return False
    # "conv_robert_2, kernel_size=7 ...: not good" heads its row with a run's name that holds its owner's name: a
    # person on the project (a run's user, a note's author) written into the runs' names is who ran them, never a
    # part of a method's name ("max pooling" stays a phrase beside a user max whose runs are not named after him)
    if not _people(idx).isdisjoint(phrase.lower().split()):
        return False
    if names_a_measure(idx, phrase):  # "loss on val-data is noticably lower": the measure, not what was tried
        return False
    seen = idx.cache.get("run_tokens")
    if not isinstance(seen, frozenset):
        acc: set[str] = set()
        for d in idx.run_docs.values():
            acc |= d.toks
        seen = idx.cache["run_tokens"] = frozenset(acc)
    return not toks.isdisjoint(seen)


_PHRASE_TAIL = ".,;:!? "
# a plural's ending ("epochs", "epoches", "layers"): one line of work whatever the number it is told in; a word
# whose own "s" follows s, u, i or a ("loss", "focus", "analysis", "bias") keeps it
_PLURAL = re.compile(r"(?<=[a-z]{3})(?:(?<=ch|sh)es|(?<![suia])s)$")


def _phrase_key(phrase: str) -> str:
    """One key for a phrase however a sentence ends it or numbers it: "input sequence format." and "input
    sequence format", "epoches" and "epochs" are one line of work, not two; and whichever way it moved the setting
    ("larger seq size" and "seq size" are one line, ``sweep_base``)."""
    return " ".join(_PLURAL.sub("", w) for w in sweep_base(phrase.lower().rstrip(_PHRASE_TAIL).split()))


def name_sweeps(by_key: dict[str, Approach], spoken: dict[str, set[str]]) -> None:
    """A line told in two ways ("larger seq size", "Large seq size") is named by what they share ("seq size"); a line
    told one way keeps the words it was told in ("larger sigma": the notes said no more than that)."""
    for k, names in spoken.items():
        if k in by_key and len({" ".join(_PLURAL.sub("", w) for w in n.lower().split()) for n in names}) > 1:
            by_key[k].name = k[len("phrase:"):]


def _name_in_team_words(ap: Approach, *, facts_read: int = 30) -> None:
    """A line of work the notes call by a description is named in their words first ("differential learning
    rates (separate learning rates per component)"): the table's name alone is not what the team will
    search for. A short alias ("rf") or words that hold the table name's head keep the table name."""
    concept = vocab.CONCEPT_BY_ID.get(ap.key)
    if concept is None or ap.name != concept.name:
        return
    said: dict[str, int] = {}
    for e in ap.events[:facts_read]:
        text = vocab.concept_text(e.fact.text)
        for a, b in vocab.concepts_in(e.fact.text).get(ap.key, []):
            surface = " ".join(text[a:b].split())
            said[surface] = said.get(surface, 0) + 1
    if not said:
        return
    words = max(said, key=lambda w: (said[w], w)).split()
    while words and words[-1] in vocab.STOPWORDS:  # a description's span can end on "for", "and"
        words.pop()
    head = vocab.norm(concept.name).split()[0]
    if len(words) >= 2 and head[:5] not in "".join(words):  # "up sampled" is "upsampling" respelled
        ap.name = f"{' '.join(words)} ({concept.name})" if "(" not in concept.name else \
            f"{' '.join(words)}: {concept.name}"
    elif len(words) == 1 and len(words[0]) >= 3 and head[:5] not in words[0] \
            and not _abbreviates(words[0], vocab.norm(concept.name)):
        # a name of its own for a kin the table folds in ("SWA" under EMA weights, "reverb" under noise
        # augmentation) is what the team calls it; an abbreviation ("rf", "lgbm", "tta") is the table's name
        ap.name = f"{words[0]} ({concept.name})" if "(" not in concept.name else f"{words[0]}: {concept.name}"


def _abbreviates(word: str, name: str) -> bool:
    """Whether ``word``'s letters come in order in ``name`` ("lgbm" in "lightgbm", "rf" in "random forest")."""
    letters = iter(name.replace(" ", ""))
    return all(ch in letters for ch in word)


# "baseline-plus-augms (vs baseline): ...", "resnet_mixup vs resnet: ...": a run compared with the one it extends
_LEAD_VERSUS = re.compile(r"^\W{0,4}([A-Za-z][\w\-.+/]{0,60}?)\s{0,3}\(?\s{0,3}\bvs\.?\s{1,3}"
                          r"([A-Za-z][\w\-.+/]{0,60})", re.I)
_NAME_PARTS = re.compile(r"[-_+\s/.]+")
_JOINERS = frozenset({"plus", "with", "and", "w", "add", "added"})


def added_over(text: str) -> tuple[str, str]:
    """(the run name a sentence opens with, what it adds to the run it is compared with) when the other run's
    name is the start of it ("baseline-plus-weightedsampler (vs baseline)" -> "weightedsampler"); ("", "")
    otherwise."""
    m = _LEAD_VERSUS.match(text)
    if m is None:
        return "", ""
    mine = [w for w in _NAME_PARTS.split(m.group(1).lower()) if w]
    theirs = [w for w in _NAME_PARTS.split(m.group(2).lower()) if w]
    if not theirs or len(theirs) >= len(mine) or mine[:len(theirs)] != theirs:
        return "", ""
    return m.group(1).lower(), " ".join(w for w in mine[len(theirs):] if w not in _JOINERS)


# "Experiment 3: Theta=2k", "# v1_7: Try a larger learning rate", "Run 4 - mixup": a numbered experiment's label
_EXP_HEADING = re.compile(r"^\W{0,8}(?:experiment|exp|run|trial|attempt|version|ver|v|iteration|iter|ablation)"
                          r"\s{0,2}\d[\w.]{0,8}\s{0,3}[:.)\-–]\s{0,3}(?P<name>\S[^\n]{1,80})$", re.I)


def heading_name(raw: str, text: str) -> str:
    """The name a numbered experiment heading gives the section ``text`` sits in ("Experiment 3: Theta=2k" over
    "DNF: same as exp 1" gives "Theta=2k"); "" when the text is not found under such a heading, or is the heading."""
    at = raw.find(text[:40].strip())
    if at < 0 or not text.strip():
        return ""
    lines = raw[:at].split("\n")
    if _EXP_HEADING.match(lines[-1] + text[:40]):
        return ""  # the heading itself: its own words name it already
    for line in reversed(lines[:-1] if lines[-1].strip() else lines):
        m = _EXP_HEADING.match(line.strip())
        if m:
            return m.group("name").strip()
    return ""


def merge_short_forms(by_key: dict[str, Approach]) -> None:
    """A one-word name that is the head of exactly one other line's name ("Scaling slowed down convergence" beside
    "reward scaling") is that line told short, not a line of its own: its events join the longer one. With two
    lines to choose from ("layers" beside "dense layers" and "additional layers") it stays as it is."""
    heads: dict[str, list[str]] = {}
    for k, ap in by_key.items():
        words = _phrase_key(ap.name.split(" (")[0]).split()
        if len(words) >= 2:
            heads.setdefault(words[-1], []).append(k)
    for k in sorted(by_key):
        word = k[len("phrase:"):] if k.startswith("phrase:") else ""
        into = heads.get(word, []) if word and " " not in word else []
        if len(into) == 1 and into[0] in by_key:
            by_key[into[0]].events.extend(by_key.pop(k).events)
