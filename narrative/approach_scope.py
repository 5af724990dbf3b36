"""Which lines of work a sentence's verdict reaches (split from ``narrative.approaches``): an adoption reaches
what its cue names, not every family the sentence compares; a result worse at first that caught up is no
negative verdict; a model family the team moved on from is replaced by the one it adopted."""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from narrative import vocab

if TYPE_CHECKING:
    from narrative.approaches import Approach
    from narrative.history_index import HistoryIndex

# the clauses of a sentence: a comma, a semicolon, a colon, a dash or a "but" ends one
_CLAUSE_END = re.compile(r"[,;:]\s+|(?<!\s)\s+(?:--?|—)\s+|(?<!\s)\s+(?:but|while|whereas|although|though|and then)\s+|"
                         r"(?<=[.!?])\s+", re.I)


def _clauses(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE_END.finditer(text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return out


@functools.lru_cache(maxsize=1 << 14)
def adopted_scope(text: str) -> tuple[frozenset[str], bool, frozenset[str]] | None:
    """What an adopting sentence adopts: the concepts of the clause its cue stands in ("so gbm it is" in
    "RF .49, hist gbm .53, so gbm it is, logreg is just the floor now"), and whether that clause names a value
    rather than a concept ("keeping 0.01": a setting kept, not the model family it was tuned on; "so trees it
    is": a word no concept holds), with the clause's own words. None when no cue is found (the caller keeps
    every subject)."""
    cue = vocab.ADOPT_CUES.search(text)
    if cue is None:
        return None
    for a, b in _clauses(text):
        if a <= cue.start() < max(b, a + 1):
            clause = text[a:b]
            named = vocab.cover(vocab.concept_frozenset(clause))
            if named:
                return named, False, frozenset()
            # "so trees it is": the clause names what it keeps, in a word no concept holds; "keeping both",
            # "going with that" point back at the sentence's subjects
            words = frozenset(re.findall(r"[a-z]+", vocab.ADOPT_CUES.sub(" ", clause.lower()))) - _POINTING
            return frozenset(), bool(re.search(r"\d", clause)) or bool(words), words
    return None


# the words of an adopting clause that point back or fill it, naming nothing of their own
_POINTING = frozenset({
    "so", "then", "ok", "okay", "it", "is", "them", "both", "that", "this", "these", "those", "all", "one", "ones",
    "the", "a", "an", "we", "i", "are", "for", "now", "and", "with", "w", "to", "on", "here", "in", "of", "as", "be",
    "rest", "project", "yes", "yeah", "fine", "good", "think", "guess", "will", "ll", "am", "just", "too", "also",
    "going", "keep", "keeping", "stick", "sticking", "from", "out", "until", "further", "notice", "while",
})


# "worse at first, then caught up", "behind early on but matched it by the end", "dipped initially, then
# recovered": a lag that closed, not a verdict that the change failed
_RECOVERED = re.compile(
    r"\b(?:worse|slower|behind|lower|dip(?:ped|s)?|lagg?(?:ed|ing|s)?|bad|unstable|noisier)\s{1,3}"
    r"(?:at\s{1,3}(?:first|the\s{1,3}start)|initially|early(?:\s{1,3}on)?|in\s{1,3}the\s{1,3}beginning|"
    r"for\s{1,3}the\s{1,3}first\s{1,3}[\w.]{1,12}(?:\s{1,3}(?:steps|epochs|iters|episodes|k))?)\b"
    r"[^.;]{0,60}?(?<!never\s)(?<!not\s)(?<!n't\s)(?<!nt\s)\b(?:caught\s{1,3}up|catch(?:es)?\s{1,3}up|recover(?:ed|s)?|closed\s{1,3}the\s{1,3}gap|"
    r"matched|overtook|overtakes|passed\s{1,3}it|ended\s{1,3}(?:up\s{1,3})?(?:higher|better|ahead|level))\b", re.I)


@functools.lru_cache(maxsize=1 << 14)
def recovered(text: str) -> bool:
    """Whether the sentence's only bad word is a lag that closed: "ent_coef 0.01: worse at first, then caught
    up" (a bad word elsewhere in it still counts: "worse at first, then caught up, but diverged later")."""
    m = _RECOVERED.search(text)
    if m is None:
        return False
    rest = text[:m.start()] + " " + text[m.end():]
    return not vocab.cue_flags(rest)[0]


def related(a: str, b: str) -> bool:
    """Whether one concept is the other or broader than it (xgboost and gbm are one line of models)."""
    return a == b or a in vocab.cover({b}) or b in vocab.cover({a})


def is_family(cid: str) -> bool:
    c = vocab.CONCEPT_BY_ID.get(cid)
    return c is not None and c.family


def merge_variants(by_key: dict[str, Approach]) -> None:
    """A way to rebalance the classes followed beside the narrower kinds of it is one line of work: SMOTE and
    random oversampling are both oversampling (events merged under the broader one, named with its variants)."""
    from narrative.approaches import UMBRELLA  # (that module imports this one)

    for k in sorted(by_key):
        if k.startswith("phrase:") or vocab.CONCEPT_BY_ID[k].kind != "technique":
            continue
        # the ways to rebalance the classes only (a hard-negative miner is no kind of negative sampling to merge)
        into = [b for b in vocab.CONCEPT_BY_ID[k].broader if b in by_key and b not in UMBRELLA
                and vocab.CONCEPT_BY_ID[b].kind == "technique" and "imbalance" in vocab.CONCEPT_BY_ID[b].broader]
        if len(into) == 1:
            ap = by_key.pop(k)
            broad = by_key[into[0]]
            broad.events.extend(ap.events)
            broad.name = f"{broad.name} ({ap.name})" if "(" not in broad.name else broad.name[:-1] + f", {ap.name})"


def supersede(idx: HistoryIndex, aps: list[Approach]) -> None:
    """A model family the team moved on from is replaced by the family adopted after its last word ("switching
    to sac for the rest of the project" after the PPO runs; "so gbm it is" after the random forest): closed,
    not still open. Not when a later note speaks for it, a run of it came later, or the adopting clause names it
    too ("going with an ensemble of RF and gbm")."""
    from narrative.approaches import _reason_text  # (that module imports this one)

    for new in aps:
        if new.status != "adopted" or new.decided_by is None or not is_family(new.key):
            continue
        at = new.decided_by.at
        scope = adopted_scope(new.decided_by.text)
        named = scope[0] if scope else frozenset()
        for old in aps:
            if old is new or old.status not in ("open", "adopted") or not is_family(old.key) \
                    or related(old.key, new.key) or old.key in named or not old.run_ids:
                continue
            if old.first_at is None or old.first_at >= at or any(
                    e.at > at and e.signal != "mention" for e in old.events):
                continue
            if old.status == "adopted" and old.decided_by is not None and old.decided_by.at >= at:
                continue
            if any(idx.run_by_id[r].start >= at for r in old.run_ids if old.key in idx.run_docs.cover(r)):
                continue
            old.status, old.reason_kind, old.decided_by = "exhausted", "replaced", new.decided_by
            old.reason = f"replaced by {new.name}: {_reason_text('', new.decided_by)}"[:400]


def other_family(idx: HistoryIndex, cid: str, rid: str) -> bool:
    """Whether a run a statement about model family ``cid`` cites is of another family by its own params ("gcn 3
    layers: 1.05, worse than xgb" cites the GCN run, which is no XGBoost run): such a run is not the family's."""
    concept = vocab.CONCEPT_BY_ID.get(cid)
    if concept is None or not concept.family or concept.kind != "model" or rid not in idx.run_docs:
        return False
    cover = idx.run_docs.cover(rid)
    return cid not in cover and any((other := vocab.CONCEPT_BY_ID.get(k)) is not None and other.family for k in cover)
