"""How a plan or a question is read and scored against the history index (for ``narrative.checking``
and ``narrative.answering``).

The main clause is mapped to concepts (paraphrases folded by ``narrative.vocab``) and content tokens
with weights (``PlanTerms``); ``Query`` scores the index's facts, param signatures and runs by the share
of that weight they cover, memoised per param signature, and shortlists candidates through the
index's postings so that a check stays bounded on large projects.
"""

from __future__ import annotations

import heapq
import itertools
import re
from dataclasses import dataclass, field

from narrative import concepts as concept_table
from narrative import lexicon, vocab
from narrative.approaches import UMBRELLA
from narrative.history_index import Fact, HistoryIndex, ParamSig

SHORTLIST = 300  # facts fully scored per check (the best by their own words)
MAX_COMPOUND_CHARS = 40
_CLAUSE_END = re.compile(
    # whitespace runs are entered at their start only: linear on any paste (issue 11)
    r"\?\s+|\.\s+(?=[A-Za-z])|(?:,|(?<![\s,]))\s+(?:it'?s|it|since|because|so that|so the|so we|which|as it|"
    r"that way|hoping|in case|might|would|could)\s+(?=\w)|(?<!\s)\s+-{1,2}\s+",
    re.I,
)
# Verbs after which "to" opens what is intended, not a purpose ("try to reduce the lr", "want to fix the seed").
_INTENDING = ("try", "trying", "tried", "want", "wants", "wanted", "need", "needs", "plan", "planning", "going",
              "gonna", "hope", "attempt", "decide", "decided", "like", "able", "have", "has", "had", "worth trying",
              "aim", "start", "begin", "continue", "how", "way", "ways", "time")
ASIDE = re.compile(r"\b(instead of|rather than|in place of|similar to|as with|like(?! to\b)|e\.g\.?|such as|"
                   # a purpose says what the plan is for, not what it is made of ("noisy nets for exploration",
                   # "double Q-learning to reduce overestimation", "SMOTE to balance the classes") -- but after a
                   # verb of intending, "to" opens the plan itself ("try to reduce the lr")
                   + "".join(f"(?<!{verb} )" for verb in _INTENDING) +
                   r"(?:in order )?to (?:reduce|avoid|improve|fix|prevent|help|speed (?:\w+ )?up|stabili[sz]e|"
                   r"mitigate|handle|cut|lower|shrink|save|smooth|balance|rebalance|tackle|counteract|compensate|"
                   r"correct|offset|overcome|regulari[sz]e|equali[sz]e|get rid of|account for|make up for|"
                   r"(?:see|check|test|find out) (?:if|whether)|"
                   r"deal with|boost|counter|combat|address|encourage|curb|limit)(?![a-z])|so that|"
                   r"for (?:better|(?:more|less|fewer)(?! (?:epochs?|steps?|iterations?|rounds?|trees?|layers?|data|"
                   r"samples?|updates?|episodes?|frames?|hours?|negatives?)\b)|faster|exploration|stability|regulari[sz]ation|robustness|"
                   r"generali[sz]ation)\b)"
                   r"(?:\s+[^,.;?!]*)?", re.I)
_ALSO = re.compile(r"\b(as well|too|also)\b", re.I)
# "switch the MSE from mean-reduced to sum-reduced": after a verb of changing, what it changes *from* is the old
# setting, not part of what the plan asks for (a number is left to the settings reading: "lr from 1e-3 to 1e-4")
_FROM_OLD = re.compile(r"(\b(?:switch|chang|mov|go|going|went|turn|convert|swap)[a-z]{0,4}\b[^.;]{0,40}?)"
                       r"\bfrom\s{1,3}(?:the\s{1,3}|a\s{1,3}|an\s{1,3})?[a-z][a-z0-9-]{0,30}(?:\s[a-z][a-z0-9-]{0,30})?"
                       r"\s{1,3}(?=to\s)", re.I)
_IDENT = re.compile(r"\b[A-Za-z]+[_][A-Za-z0-9_]+\b|\b[A-Za-z]+\d+[A-Za-z0-9]*\b|\b[a-z]+[A-Z][A-Za-z0-9]+\b")
_FILLER = re.compile(r"^\s*(what if we|what about|how about|should we( just)?|could we|can we|let'?s|"
                     r"i want to|we should|thinking (of|about)|planning to|i'?m going to|gonna|maybe|why not|"
                     r"i'?d like to|going to|plan:?|idea:?|next:?|try(ing)?)\b", re.I)


@dataclass
class PlanTerms:
    concepts: dict[str, float]  # concept -> weight
    tokens: dict[str, float]  # token -> weight
    key_concepts: set[str]
    # a token made of two adjacent plan words ("maxpool" from "max pool") -> its parts: either spelling covers
    joins: dict[str, tuple[str, str]] = field(default_factory=dict)
    # a token -> its usual abbreviations or full forms ("averag" <-> "avg"): either spelling covers
    alts: dict[str, frozenset[str]] = field(default_factory=dict)
    # a key concept -> the words right before it that make it a variant ("a *vector quantized* VAE", "a
    # *denoising* autoencoder"): a candidate that holds the concept without any of them did the plain thing
    premods: dict[str, frozenset[str]] = field(default_factory=dict)
    # concepts and tokens said only in the plan's target ("... to the *half precision* run"): which runs the
    # plan is for, not what it does; a candidate holding only them is no evidence
    scope_only: frozenset[str] = frozenset()
    # concepts the plan asks to go without ("bf16 *without quantisation*"): a run holding one did another thing
    excluded: frozenset[str] = frozenset()


# Abbreviations people and configs use for the same word ("avg pooling", ``pooling: avg``, "average pooling").
_ABBREVIATIONS = {
    "average": ("avg", "mean"), "maximum": ("max",), "minimum": ("min",), "dimension": ("dim", "dims"),
    "convolution": ("conv",), "convolutional": ("conv",), "normalization": ("norm",), "normalisation": ("norm",),
    "embedding": ("emb", "embed"), "validation": ("val",), "augmentation": ("aug",), "regularization": ("reg",),
    "temperature": ("temp",), "sequence": ("seq",), "image": ("img",), "parameter": ("param",),
    "vertical": ("vert", "v"), "horizontal": ("horiz", "h"), "iteration": ("iter", "iters"), "number": ("num",),
    "gradient": ("grad",), "accumulation": ("accum",), "attention": ("attn",), "hidden": ("hid",),
    "probability": ("prob",), "learning": ("learn",), "discriminator": ("disc",), "generator": ("gen",),
    "initialization": ("init",), "initialisation": ("init",), "scheduler": ("sched",),
    # not an abbreviation but the same kind: a causal LSTM or conv is the unidirectional one (no future frames)
    "causal": ("unidirectional",),
}


# words many keys share ("hidden_dim", "embed_dim"; "num_layers", "num_heads"): never a key's own word
SHARED_KEY_WORDS = frozenset({"dim", "dims", "size", "sizes", "num", "n", "nb", "rate", "max", "min", "ratio", "type",
                              "count", "step", "steps", "per", "total", "use", "enable", "is", "init", "value", "k"})


def _alt_table() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for full, shorts in _ABBREVIATIONS.items():
        group = {vocab.stem(full), *(vocab.stem(x) for x in shorts)}
        for w in group:
            out.setdefault(w, set()).update(group - {w})
    return {k: frozenset(v) for k, v in out.items()}


_ALL_ALTS = _alt_table()
# one-letter forms only ever prefix a word ("vflip", "hflip"): they join, they never cover a word alone
ALTS = {k: frozenset(a for a in v if len(a) > 1) for k, v in _ALL_ALTS.items() if len(k) > 1}


_ABBREV = re.compile(r"\b(i\.e|e\.g|a\.k\.a|etc|vs|approx|incl)\.", re.I)
_RESTATE = re.compile(r"\b(ie|aka|namely|that is|in other words|meaning)\b", re.I)
_MODIFIER_AFTER = re.compile(r"^\s*(style|like|based|type|ish|flavou?red|inspired|esque|ish)\b")
UNIT_WORDS = frozenset({"dim", "dims", "dimensional", "d", "k", "bit", "bits", "heads", "layer", "layers", "px",
                         "rank", "leaves", "trees", "epochs", "ep", "shots", "neighbors", "neighbours", "folds"})
_MODIFIER_WORDS = frozenset({"style", "like", "based", "type", "ish", "esque", "flavoured", "flavored", "inspired"})
_NUMBER = re.compile(r"\d+(\.\d+)?(e-?\d+)?")
# the plan's target: a trailing phrase that names the runs or the model it applies to ("for the fp16 run",
# "to the half precision model"); norm()-ed text, bounded repeats
_TARGET = re.compile(r"\b(?:for|to|on|in|of|into)\s(?:the|a|an|our|my|this|that|these|those|its|their)\s"
                     r"(?:[a-z0-9.+']{1,30}\s){0,3}?(?:runs?|models?|nets?|networks?|experiments?|setups?|"
                     r"baselines?|versions?|variants?|configs?|checkpoints?)\b")
# "without quantisation", "no dropout", "w/o BN" (norm() turns "/" into a space)
WITHOUT = re.compile(r"\b(?:without|no|w o|sans|minus)\s"
                     r"(?:(?!(?:in|on|with|for|and|or|but|to|at|of|using|via|then|instead)\s)[a-z0-9]{1,20}\s){0,2}$")
# a determiner, then one or two words right before a concept: its pre-modifiers (after a preposition the word
# may be a verb: "to *disable* epsilon greedy")
_PREMOD = re.compile(r"\b(?:a|an|the|some|our|my|its|their|this|that|these|those)\s"
                     r"((?:[a-z][a-z0-9]{1,20}\s){1,2})$")
# degree, order and plain-ness words: they grade or restate a thing, they name no variant of it
_GRADING = frozenset(vocab.stem(w) for w in (
    "bigger", "larger", "smaller", "deeper", "shallower", "wider", "narrower", "longer", "shorter", "new", "simple",
    "simpler", "plain", "vanilla", "standard", "basic", "same", "different", "another", "other", "second", "first",
    "better", "good", "proper", "full", "quick", "small", "large", "big", "tiny", "huge", "heavier", "lighter",
    "stronger", "weaker", "more", "less", "fewer", "whole", "single", "separate", "custom", "own", "current",
    "extra", "additional", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "two", "three",
    "four", "five", "six", "seven", "eight", "nine", "ten", "twice", "double", "half", "couple"))


def main_clause(plan: str) -> str:
    text = _ABBREV.sub(lambda m: m.group(1).replace(".", ""), plan.strip())
    parts = [p for p in _CLAUSE_END.split(text) if p and p.strip()]
    head = parts[0] if parts else text
    if len(parts) > 1 and len(re.findall(r"[a-z]{3,}", head.lower())) < 2:
        # a one-word clause is no plan: "turn it into classification" is cut at "it", and "turn" alone
        # would match every sentence that turned anything
        head = f"{head} {parts[1]}"
    if not (vocab.concept_set(head) - UMBRELLA) and len(parts) > 1:
        # the first clause is only filler ("quick question?"): take the first with substance
        head = next((p for p in parts if vocab.concept_set(p) - UMBRELLA), head)
    return head


def _param_number_positions(words: list[str]) -> set[int]:
    """Indexes of numbers that are a parameter's value ("rank 64", "lr 0.05", "1500 trees")."""
    out: set[int] = set()
    for i, w in enumerate(words):
        if not _NUMBER.fullmatch(w):
            continue
        prev = words[i - 1] if i else ""
        prev2 = f"{words[i - 2]} {prev}" if i >= 2 else ""
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if (prev in lexicon.PARAM_ALIASES or prev2 in lexicon.PARAM_ALIASES or nxt in lexicon.PARAM_SUFFIX_WORDS
                or nxt in UNIT_WORDS):
            out.add(i)
    return out


def _outermost(spans: dict[str, list[tuple[int, int]]]) -> dict[str, list[tuple[int, int]]]:
    """Concepts whose every mention lies inside a longer concept's mention are dropped: the "nets" of
    "noisy nets" is no second concept (an MLP)."""
    every = [(cid, a, b) for cid, sp in spans.items() for a, b in sp]

    def inside(cid: str, a: int, b: int) -> bool:
        return any(other != cid and a2 <= a and b <= b2 and b2 - a2 > b - a for other, a2, b2 in every)

    return {cid: sp for cid, sp in spans.items() if not sp or not all(inside(cid, a, b) for a, b in sp)}


def plan_terms(plan: str, idx: HistoryIndex, *, exclusions: bool = False, initials: bool = False) -> PlanTerms:
    """The plan's weighted concepts and tokens. With ``exclusions`` (a check), what the plan asks to go without
    ("bf16 without quantisation") is left out of what it asks for; a question keeps it as its subject ("why the
    run with no epsilon greedy?"). With ``initials`` (a thread question), words the notes write by their
    initials ("chain of thought" for "CoT") also read as that initialism."""
    head = main_clause(plan)
    # a plain-language description of a concept ("... that sound like the keyword") is read before asides
    # are cut, since its own words may look like one
    whole = vocab.norm(head)
    described: dict[str, float] = {}
    described_stems: set[str] = set()
    for cid, (a, b) in concept_table.described(whole):
        described[cid] = 1.0
        described_stems |= {vocab.stem(w) for w in re.findall(r"[a-z0-9]+", whole[a:b])}
    head = ASIDE.sub(" ", head)
    head = _FROM_OLD.sub(r"\1", head)
    head = _FILLER.sub(" ", head)
    also = bool(_ALSO.search(head))
    ident_parts: set[str] = set()
    for ident in _IDENT.findall(head):
        ident_parts |= {vocab.stem(t) for t in re.split(r"[_\-]", ident.lower()) if t}
    spans = _outermost(vocab.concepts_in(head))
    normed = vocab.norm(head)
    restated_at = min((m.start() for m in _RESTATE.finditer(normed)), default=-1)
    concepts: dict[str, float] = {}
    modifiers: set[str] = set()
    covered_chars: set[int] = set()
    for cid, sp in spans.items():
        if not sp:
            continue
        c = vocab.CONCEPT_BY_ID[cid]
        if all(_MODIFIER_AFTER.match(normed[b:]) for _, b in sp):
            # "BERT-style cross-encoder", "transformer-based detector": a modifier, not the object
            modifiers.add(cid)
            w = 0.25
        elif cid in UMBRELLA:
            w = 0.25
        elif not _in_history(idx, cid):
            w = 3.0  # a family or technique nobody has touched: the plan is about something new
        else:
            w = c.weight * (0.5 if also else 1.0)
        concepts[cid] = w
        for a, b in sp:
            covered_chars.update(range(a, b))
    # drop a broad concept when a narrower one was named
    for cid in list(concepts):
        for broad in vocab.CLOSURE[cid]:
            if broad in concepts and broad != cid:
                concepts[broad] = min(concepts[broad], 0.25)
    for cid in described:
        if cid not in concepts:
            concepts[cid] = 3.0 if not _in_history(idx, cid) else vocab.CONCEPT_BY_ID[cid].weight
            for broad in vocab.CLOSURE[cid]:
                concepts[broad] = min(concepts.get(broad, 0.25), 0.25)
    key = {c for c in concepts if c not in UMBRELLA and c not in modifiers}
    if restated_at >= 0:
        # "an attention-based detector, i.e. a transformer": what follows names the object
        after = {cid for cid, sp in spans.items() if sp and all(a > restated_at for a, _ in sp)}
        before = {cid for cid, sp in spans.items() if sp and cid not in after}
        if after:
            for cid in before - after:
                concepts[cid] = min(concepts.get(cid, 0.25), 0.25)
                key.discard(cid)
            for cid in after:
                if _in_history(idx, cid):
                    concepts[cid] = max(concepts[cid], 1.0)
                    key.add(cid)
    restated_objects = restated_at >= 0 and any(
        sp and all(a > restated_at for a, _ in sp) for sp in spans.values())
    if not key:
        # only broad terms ("a transformer", "an encoder"): they are the object of the plan
        for cid, sp in spans.items():
            if sp and cid in UMBRELLA and cid not in modifiers and _in_history(idx, cid):
                concepts[cid] = max(concepts[cid], 1.0)
                key.add(cid)
    excluded = {cid for cid, sp in spans.items()
                if exclusions and sp and all(WITHOUT.search(normed[max(0, a - 40): a]) for a, _ in sp)}
    for cid in excluded:
        concepts.pop(cid, None)
        key.discard(cid)
    targets = [(m.start(), m.end()) for m in _TARGET.finditer(normed)]
    scope_only = {cid for cid, sp in spans.items()
                  if sp and targets and all(any(a2 <= a and b <= b2 for a2, b2 in targets) for a, b in sp)}
    # only a qualifier the team's own notes or runs use somewhere ("Next: denoising autoencoder") sets a variant
    # apart; a word the history never uses ("the *neural* ensemble") is more likely a paraphrase
    premods = {cid: mods for cid in key for a, b in spans.get(cid, [])[:1]
               if (mods := frozenset(t for t in _premods(normed, a, covered_chars) if _names_variant(idx, cid, t))
                   | _variant_words(normed, a, b, covered_chars) | _kind_word(idx, cid, normed, a, covered_chars)
                   | _head_after(idx, cid, normed, b, covered_chars))}
    toks: dict[str, float] = {}
    max_idf = idx.idf("__never_seen__")
    matches = list(re.finditer(r"[a-z0-9][a-z0-9.:+']*[a-z0-9]|[a-z0-9]", normed))
    words = [m.group(0).strip(".:+'") for m in matches]
    param_numbers = _param_number_positions(words)
    kept: list[str] = []
    for i, (m, raw) in enumerate(zip(matches, words, strict=True)):
        if any(j in covered_chars for j in range(m.start(), m.end())):
            continue
        if not raw or raw in vocab.STOPWORDS or (described_stems and vocab.stem(raw) in described_stems):
            continue
        tok = raw if raw.isdigit() else vocab.stem(raw)
        if vocab.is_generic(tok) or (len(tok) < 2 and i not in param_numbers) or raw in _MODIFIER_WORDS:
            continue
        if _NUMBER.fullmatch(tok) and i not in param_numbers:
            continue  # bare numbers are supporting detail, not the object of the plan
        df = idx.df.get(tok, 0)
        if df == 0 and 8 <= len(tok) <= MAX_COMPOUND_CHARS:
            # a compound the history spells apart ("crossencoder" vs "cross encoder"); a longer token is
            # no compound word, and splitting it at every place was quadratic on a pasted blob (issue 11)
            split = next(((tok[:k], tok[k:]) for k in range(3, len(tok) - 2)
                          if idx.df.get(vocab.stem(tok[:k])) and idx.df.get(vocab.stem(tok[k:]))), None)
            if split:
                for part in split:
                    pt = vocab.stem(part)
                    toks[pt] = max(toks.get(pt, 0.0), 0.3 + 0.7 * (idx.idf(pt) / max_idf))
                continue
        w = 0.5 if df == 0 else 0.3 + 0.7 * (idx.idf(tok) / max_idf)
        if i in param_numbers:
            w = 0.6
        if tok in ident_parts:
            w += 0.8  # identifiers (device_model, dinov2) are the object of the plan
        if 0 <= m.start() < restated_at and restated_objects:
            w *= 0.5  # described again after "i.e.": the restatement is what to match
        toks[tok] = max(toks.get(tok, 0.0), w)
        kept.append(tok)
        if any(a2 <= m.start() < b2 for a2, b2 in targets):
            scope_only.add(tok)
    # two words the history writes as one ("cross encoder" vs "crossencoder")
    joins: dict[str, tuple[str, str]] = {}
    alts = {t: ALTS[t] for t in toks if t in ALTS}
    for a_tok, b_tok in itertools.pairwise(kept):
        for a_form in (a_tok, *sorted(_ALL_ALTS.get(a_tok, ()))):
            joined = a_form + b_tok
            if idx.df.get(joined) and joined not in toks:
                toks[joined] = 0.3 + 0.7 * (idx.idf(joined) / max_idf)
                joins[joined] = (a_tok, b_tok)
                break
    for short, pair in (_initialisms(words, idx, toks) if initials else {}).items():
        toks[short] = 0.3 + 0.7 * (idx.idf(short) / max_idf)
        joins[short] = pair
    # a token said outside the target too is part of what the plan does
    outside = {tok for m in matches if not any(a2 <= m.start() < b2 for a2, b2 in targets)
               for tok in (vocab.stem(m.group(0).strip(".:+'")),)}
    scope = frozenset(t for t in scope_only if t in concepts or t not in outside)
    return PlanTerms(concepts, toks, key, joins, alts, premods, scope, frozenset(excluded))


def _premods(normed: str, at: int, covered: set[int]) -> frozenset[str]:
    """Stems of the words between a determiner and the concept at ``at`` that name a variant of it."""
    m = _PREMOD.search(normed[max(0, at - 60): at])
    if m is None:
        return frozenset()
    out = set()
    start = max(0, at - 60) + m.start(1)
    for w in re.finditer(r"[a-z][a-z0-9]*", m.group(1)):
        if start + w.start() in covered:
            continue
        tok = vocab.stem(w.group(0))
        if (w.group(0) in vocab.STOPWORDS or vocab.is_generic(tok) or tok in _GRADING or w.group(0) in UNIT_WORDS
                or w.group(0) in _MODIFIER_WORDS):
            continue
        out.add(tok)
    return frozenset(out)


# words that name a kind of the thing they qualify in any ML domain ("a *bidirectional* LSTM", "SGD with
# *momentum*", "cosine with warm *restarts*"): a candidate that never says them did the plain thing or another kind
VARIANT_WORDS = frozenset(vocab.stem(w) for w in (
    "bidirectional", "stacked", "residual", "nesterov", "momentum", "restarts", "dilated", "depthwise", "separable",
    "grouped", "causal", "masked", "gated", "hierarchical", "weighted", "conditional", "variational", "denoising",
    "contractive", "sparse", "distilled", "layerwise", "learnable", "trainable", "multiscale",
    "multilingual", "multitask", "tied", "untied", "rotary", "sinusoidal", "stochastic", "quantized", "quantised",
    "pruned", "attentive", "semi", "focal", "measured", "simulated"))
# a complement after the thing: "SGD with nesterov momentum", "cosine schedule with warm restarts"
_COMPLEMENT = re.compile(r"^(?:\s(?:schedule|scheduler|decay|layers?|model|net|network))?\s(?:with|using|plus)\s"
                         r"(?:(?:a|an|the)\s)?([a-z][a-z0-9]{1,20})(?:\s([a-z][a-z0-9]{1,20}))?")


_ASSIGNED = re.compile(r"\s?[=:]")


def _variant_words(normed: str, a: int, b: int, covered: set[int]) -> frozenset[str]:
    """Stems of kind-naming words right before the concept at ``a``..``b`` (with or without a determiner) or in
    a "with ..." complement right after it."""
    out: set[str] = set()
    before = list(re.finditer(r"[a-z][a-z0-9]*", normed[max(0, a - 40): a]))[-2:]
    for w in before:
        if max(0, a - 40) + w.start() not in covered and vocab.stem(w.group(0)) in VARIANT_WORDS:
            out.add(vocab.stem(w.group(0)))
    m = _COMPLEMENT.match(normed[b: b + 60])
    if m and not _ASSIGNED.match(normed, b + m.end(1)):
        # "amsgrad with sparse=False": a word given a value is a setting of the run, not a kind of the thing
        out |= {vocab.stem(w) for w in m.groups() if w and vocab.stem(w) in VARIANT_WORDS}
    return frozenset(out)


# families whose members are named by a word before the family's name ("cutout augmentation", "lookahead
# optimizer", "polynomial scheduler", "swish activation", "group normalization")
_KIND_FAMILIES = frozenset({"augmentation", "optimizer", "lr_schedule", "activation", "normalization"})
# words before a family's name that say what it acts on or how much, not which member it is
_NOT_KIND = frozenset(vocab.stem(w) for w in (
    "data", "image", "text", "audio", "input", "feature", "token", "word", "sequence", "online", "offline", "train",
    "training", "test", "time", "spatial", "geometric", "strong", "heavy", "light", "mild", "aggressive", "weak",
    "default", "usual", "typical", "common", "simple", "lr", "learning", "rate", "batch", "layer", "some", "any",
    "no", "without", "with", "the", "a", "an", "our", "my", "add", "use", "try", "more", "less", "different"))


def _kind_word(idx: HistoryIndex, cid: str, normed: str, at: int, covered: set[int]) -> frozenset[str]:
    """The word right before a family's name that names a member the history never mentions ("cutout
    augmentation" where the notes only say "augmentation (flips and crops)"): a candidate holding the family
    without that word did another member."""
    if cid not in _KIND_FAMILIES:
        return frozenset()
    m = re.search(r"([a-z][a-z0-9]{2,20})\s+$", normed[max(0, at - 30): at])
    if m is None or max(0, at - 30) + m.start(1) in covered:
        return frozenset()
    word = m.group(1)
    tok = vocab.stem(word)
    if (word in vocab.STOPWORDS or vocab.is_generic(tok) or tok in _GRADING or tok in _NOT_KIND
            or word in UNIT_WORDS or word in _MODIFIER_WORDS or idx.df.get(tok)):
        return frozenset()
    return frozenset({tok})


# a setting's name used as a modifier of another noun ("a learning rate finder", "a batch size ramp"): the noun is
# the thing planned, and a candidate that only names the setting did not do it
_SETTINGS = frozenset({"learning_rate", "batch_size", "epochs"})
_MOVES = re.compile(r"(?:sweep|search|scan|grid|tun|increas|decreas|rais|lower|higher|bigger|smaller|larger|doubl|"
                    r"halv|change|vary|value|setting|multipl|divid|scal|bump|drop|cut)")


def _head_after(idx: HistoryIndex, cid: str, normed: str, end: int, covered: set[int]) -> frozenset[str]:
    """The noun right after a setting's name that the history never uses ("finder" in "a learning rate finder")."""
    if cid not in _SETTINGS:
        return frozenset()
    m = re.match(r"\s+([a-z][a-z]{2,20})\b(?!\s*[-\d])", normed[end: end + 30])
    if m is None or end + m.start(1) in covered:
        return frozenset()
    word = m.group(1)
    tok = vocab.stem(word)
    if (word in vocab.STOPWORDS or vocab.is_generic(tok) or tok in _GRADING or tok in _NOT_KIND or _MOVES.match(word)
            or word in UNIT_WORDS or word in _MODIFIER_WORDS or idx.df.get(tok)):
        return frozenset()
    return frozenset({tok})


def _names_variant(idx: HistoryIndex, cid: str, tok: str) -> bool:
    """Whether the notes put ``tok`` right before a mention of ``cid`` only where nothing is reported done
    ("Next: denoising autoencoder"): the team names that variant as a thing apart, so a mention of the concept
    without it is another thing. Said in a report too ("the neural ensemble got 0.93"), it is just their name for
    what they ran."""
    if not idx.df.get(tok):
        return False
    with_concept = set(idx.concept_facts.get(cid, ())[:2000])
    named = False
    for i in idx.token_facts.get(tok, ())[:500]:
        if i not in with_concept:
            continue
        f = idx.facts[i]
        low = vocab.norm(f.text)
        for a, _ in vocab.concepts_in(low).get(cid, []):
            before = re.findall(r"[a-z][a-z0-9]*", low[max(0, a - 40): a])[-2:]
            if any(vocab.stem(w) == tok for w in before):
                if f.evidence:
                    return False
                named = True
    return named


def lacks_modifier(terms: PlanTerms, cover: frozenset[str] | set[str], words: set[str] | frozenset[str]) -> bool:
    """Whether a candidate holds a concept the plan qualifies ("a denoising autoencoder") without any of the
    plan's qualifying words: it did the plain thing or another variant, not the plan."""
    for cid, mods in terms.premods.items():
        if cid not in cover:
            continue
        forms = set(mods) | {a for t in mods for a in terms.alts.get(t, ())}
        if forms.isdisjoint(words):
            return True
    return False


def technique_missed(terms: PlanTerms, cover: frozenset[str] | set[str], words: set[str] | frozenset[str]) -> bool:
    """Whether a candidate holds only the plan's target ("the half precision run") and nothing of what the
    plan does there ("add gradient scaling"): it is the run to change, not the change."""
    if not terms.scope_only:
        return False
    doing_c = [c for c in terms.concepts if c not in terms.scope_only]
    doing_t = [t for t, w in terms.tokens.items() if t not in terms.scope_only and w >= 0.5]
    if not doing_c and not doing_t:
        return False
    return not any(c in cover for c in doing_c) and not any(t in words for t in doing_t)


def _in_history(idx: HistoryIndex, cid: str) -> bool:
    # postings are keyed by closed concepts: a narrower mention (SMOTE) counts for the broader one
    return bool(idx.concept_facts.get(cid) or idx.concept_sigs.get(cid) or idx.name_concept_runs.get(cid))


def _initialisms(words: list[str], idx: HistoryIndex, toks: dict[str, float]) -> dict[str, tuple[str, str]]:
    """Three or four words in a row that the notes write by their initials ("chain-of-thought" -> the notes'
    "CoT", "mixture of experts" -> "MoE"): the initialism -> the first and last word's stems, so that either
    spelling covers the other (as ``joins`` does). Only from letters-only words whose first and last are no
    stopwords, and only an initialism the history holds that is no stopword or word of its own in the plan;
    two letters are left out ("mean pooling" is not "mp", mixed precision)."""
    out: dict[str, tuple[str, str]] = {}
    for n in (4, 3):
        for i in range(len(words) - n + 1):
            span = words[i:i + n]
            if not all(w.isalpha() for w in span) or span[0] in vocab.STOPWORDS or span[-1] in vocab.STOPWORDS:
                continue
            short = "".join(w[0] for w in span)
            if short in toks or short in out or short in vocab.STOPWORDS or not idx.df.get(short):
                continue
            out[short] = (vocab.stem(span[0]), vocab.stem(span[-1]))
    return out


def _near_concepts(terms: PlanTerms) -> set[str]:
    out = set(terms.key_concepts)
    for c in terms.key_concepts:
        out |= vocab.CLOSURE[c]
    return out - UMBRELLA


def score_cover(terms: PlanTerms, cover: frozenset[str], toks: set[str] | frozenset[str]) -> tuple[float, bool]:
    """Share of the plan's weight a candidate covers (``cover`` already closed under "broader")."""
    total = covered = 0.0
    key_hit = False
    for cid, w in terms.concepts.items():
        total += w
        if cid in cover:
            covered += w
            if cid in terms.key_concepts:
                key_hit = True
    for tok, w in terms.tokens.items():
        total += w
        if tok in toks or (terms.alts and not terms.alts.get(tok, frozenset()).isdisjoint(toks)):
            covered += w
        elif terms.joins:
            # "max pool" in the plan and "maxpool" in the run (or the other way): one thing, either spelling
            parts = terms.joins.get(tok)
            if (parts and parts[0] in toks and parts[1] in toks) or any(
                    tok in pair and joined in toks for joined, pair in terms.joins.items()):
                covered += w
    return (covered / total if total else 0.0), key_hit


class Query:
    """One plan's scoring against the index, memoised per param signature (runs share them)."""

    def __init__(self, idx: HistoryIndex, terms: PlanTerms) -> None:
        self.idx, self.terms = idx, terms
        self.near = frozenset(_near_concepts(terms))
        self.tokset = frozenset(terms.tokens)
        self.cset = frozenset(terms.concepts)
        self._sig: dict[int, tuple[float, bool]] = {}

    def sig_score(self, sig: ParamSig) -> tuple[float, bool]:
        got = self._sig.get(sig.sid)
        if got is None:
            got = self._sig[sig.sid] = score_cover(self.terms, sig.cover, sig.toks_near(self.near))
        return got

    def run_score(self, rid: str) -> tuple[float, bool]:
        doc = self.idx.run_docs[rid]
        if (doc.name_cover and not self.cset.isdisjoint(doc.name_cover)) or (
                doc.name_toks and not self.tokset.isdisjoint(doc.name_toks)):
            return score_cover(self.terms, doc.cover, doc.toks_near(self.near))
        return self.sig_score(doc.sig)

    def fact_score(self, f: Fact) -> float:
        terms = self.terms
        s, key_hit = score_cover(terms, f.ctx_cover, f.ctx_toks)
        if terms.key_concepts and not key_hit:
            s *= 0.5
        for rid in f.run_ids[:4]:
            rs, rk = self.run_score(rid)
            if rk or not terms.key_concepts:
                s = max(s, rs)
        return s

    def shortlist(self, cand: set[int], keep: int = SHORTLIST) -> list[int]:
        """The ``keep`` candidates whose own words cover the plan best (accumulated over postings), so that
        the full score (with the runs' params) is computed for a bounded number of facts."""
        if len(cand) <= keep:
            return list(cand)
        idx, terms = self.idx, self.terms
        acc: dict[int, float] = dict.fromkeys(cand, 0.0)
        keyed: set[int] = set()
        for cid, w in terms.concepts.items():
            posting = idx.ctx_concept_facts.get(cid, ())
            hits = [i for i in posting if i in acc] if len(posting) < 4 * len(acc) else [
                i for i in acc if cid in idx.facts[i].ctx_cover]
            for i in hits:
                acc[i] += w
            if cid in terms.key_concepts:
                keyed.update(hits)
        for tok, w in terms.tokens.items():
            posting = idx.ctx_token_facts.get(tok, ())
            hits = [i for i in posting if i in acc] if len(posting) < 4 * len(acc) else [
                i for i in acc if tok in idx.facts[i].ctx_toks]
            for i in hits:
                acc[i] += w
        if terms.key_concepts:
            for i in acc:
                if i not in keyed:
                    acc[i] *= 0.5
        facts = idx.facts
        return heapq.nlargest(keep, acc, key=lambda i: (acc[i], bool(facts[i].run_ids), facts[i].at))

    def candidate_facts(self, skip_umbrella: bool = True, token_cap: int = 400) -> set[int]:
        idx, terms = self.idx, self.terms
        cand: set[int] = set()
        for cid in terms.concepts:
            if skip_umbrella and cid in UMBRELLA and terms.key_concepts and cid not in terms.key_concepts:
                continue
            cand.update(idx.concept_facts.get(cid, ()))
        for tok in terms.tokens:
            posting = idx.token_facts.get(tok, ())
            if 0 < len(posting) <= token_cap:
                cand.update(posting)
        return cand

    def top_runs(self, limit: int = 50, concepts: set[str] | None = None) -> list[tuple[float, str]]:
        """Best-scoring runs carrying one of ``concepts`` (default: the plan's key concepts), best first.

        Scores are computed once per param signature; only the best signatures are expanded to runs.
        """
        idx = self.idx
        want = self.terms.key_concepts if concepts is None else concepts
        keyed = bool(self.terms.key_concepts)
        sigs: dict[int, tuple[float, ParamSig]] = {}
        for cid in want:
            for sig in idx.concept_sigs.get(cid, ()):
                if sig.sid not in sigs:
                    s, key_hit = self.sig_score(sig)
                    sigs[sig.sid] = (s if key_hit or not keyed else s * 0.5, sig)
        if not keyed and concepts is None:
            # a plan in words the concept table does not know ("contractive regularization"): the runs whose
            # param values hold those words (reg=contractive) are the runs that did it
            for tok in self.tokset:
                for sig in idx.token_sigs.get(tok, ())[:2000]:
                    if sig.sid not in sigs:
                        words = set(sig.fam_toks).union(*(p.toks for p in sig.parts))
                        sigs[sig.sid] = (score_cover(self.terms, sig.cover, words)[0], sig)
        scored: dict[str, float] = {}
        ordered = sorted(sigs.values(), key=lambda x: (-x[0], idx.run_by_id[x[1].run_ids[0]].start))
        for s, sig in ordered:
            if len(scored) >= limit:
                break  # signatures come best first (ties: earliest run first)
            for rid in sig.run_ids[:limit]:
                scored[rid] = s
        # runs whose name adds what their params do not say
        extra: set[str] = set()
        for cid in want:
            extra.update(idx.name_concept_runs.get(cid, ())[:2000])
        for tok in self.tokset:
            extra.update(idx.name_token_runs.get(tok, ())[:2000])
        for rid in extra:
            doc = idx.run_docs[rid]
            if want and doc.cover.isdisjoint(want):
                continue
            s, key_hit = self.run_score(rid)
            scored[rid] = max(scored.get(rid, -1.0), s if key_hit or not keyed else s * 0.5)
        top = heapq.nsmallest(limit, scored.items(), key=lambda kv: (-kv[1], idx.run_by_id[kv[0]].start))
        return [(s, rid) for rid, s in top]

def specific_keys(terms: PlanTerms) -> set[str]:
    """The plan's key concepts that no other key concept implies (SMOTE, not also oversampling)."""
    keys = set(terms.key_concepts)
    return {k for k in keys if not any(k in vocab.CLOSURE[o] for o in keys if o != k)}
