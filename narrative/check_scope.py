"""What a plan scopes itself to, read against the runs' own param values, for ``narrative.checking``.

A plan that names a value one param takes in some runs and not in others ("mixup on the *mobilenet*",
"tune eta for the *breast cancer* classifier") is about the runs holding that value: a run that holds
another value of the same param (an EfficientNet, the Franke data) did something else, however close its
other params are. A plan that names a param by its own key and asks to vary it ("tune eta and lambda") is
tried when the runs in its scope hold several values of that key.
"""

from __future__ import annotations

import functools
import itertools
import re

from adapters import is_tracker_key
from narrative import lexicon, vocab
from narrative.check_numbered import numbered_names, numbered_scope
from narrative.check_signatures import sig_runs
from narrative.check_verdicts import MAX_CITED, run_words, tried_in_runs
from narrative.history_index import HistoryIndex
from narrative.plan_reading import _GRADING, ASIDE, main_clause
from narrative.types import CheckMatch, CheckResult
from storage.records import RunSnapshot

_SPLIT = re.compile(r"[^a-z0-9]+")
# a verb that asks for a setting to take several values
_VARY = re.compile(r"\b(?:sweep\w*|vary|varying|tun(?:e|ed|ing)|grid|search\w*|scan\w*)\b")


def value_words(value: str) -> frozenset[str]:
    """The words that name a param value: the head word of the value and of each item of a list value
    ("mobilenet_v3_small": mobilenet; "hflip,colorjitter": hflip, colorjitter; "he_normal": normal, after a
    prefix of one or two letters). A later word is a modifier
    ("skip_encoder" is no encoder; "no_blstm" no BLSTM), so it names nothing alone."""
    out = set()
    for item in re.split(r"[,;+|]", value.lower()):
        words = [w for w in _SPLIT.split(item) if w]
        if len(words) >= 2 and len(words[0]) < 3 and words[0] not in ("no", "wo", "w") and not words[0].isdigit():
            words = words[1:]  # a short prefix names no head ("he_normal" is a normal init; "no_blstm" stays)
        if words and len(words[0]) >= 3 and not words[0].isdigit():
            head = vocab.stem(words[0])
            if head not in vocab.GENERIC_STEMS:
                out.add(head)
    return frozenset(out)


def _scope_words(value: str) -> frozenset[str]:
    """A value's words with the model families it names (only where its head names something: "no_blstm")."""
    words = value_words(value)
    return words | _family_words(lexicon.family_of_value(value)) if words else words


def _family_words(families: set[str] | frozenset[str]) -> frozenset[str]:
    """Model families as words of their own, with the families they belong to: "the gbm" names the
    HistGradientBoostingClassifier and XGBClassifier values, "xgboost" only the second."""
    out = set(families)
    for family in families:
        out |= lexicon.family_ancestors(family)
    return frozenset(f"family:{f}" for f in out)


_MODIFYING = re.compile(r"\b[a-z0-9]+(?: |-)(?:style|like|based|type|inspired|esque|ish)\b")


def _plan_words(plan: str) -> frozenset[str]:
    """The plan's word stems, less the words of a name of several words ("variational autoencoder" names a VAE,
    not the plain autoencoder its last word would)."""
    head = vocab.norm(ASIDE.sub(" ", main_clause(plan)))
    # the families the plan names as its object (a "BERT-style cross-encoder" is no BERT), not their broader ones:
    # "xgboost" names the XGBClassifier runs, not every gradient-boosting run
    said = _MODIFYING.sub(" ", head)
    families = frozenset(f"family:{f}" for f in lexicon.families_in(said))
    for sp in vocab.concepts_in(head).values():
        for a, b in sp:
            if " " in head[a:b].strip():
                head = head[:a] + " " * (b - a) + head[b:]
    words = [w for w in _SPLIT.split(head) if w]
    # "CIFAR-10", "ImageNet 1k": a name and its number written apart name the value the runs write glued ("cifar10")
    glued = {vocab.stem(a + b) for a, b in itertools.pairwise(words)
             if len(a) >= 3 and a.isalpha() and _GLUED_NUMBER.fullmatch(b)}
    return frozenset(vocab.stem(w) for w in words) | glued | families


_GLUED_NUMBER = re.compile(r"\d{1,4}[a-z]?")


# a variant code after a model's name: a letter or two and a number ("a0", "b1", "v3"), not a plain number
_CODE = re.compile(r"[a-z]{1,2}\d{1,3}")


def _codes(value: str) -> frozenset[str]:
    """The variant codes of a value after its head word ("RepVGG-B1": b1; "efficientnet_b0": b0)."""
    parts = [w for w in _SPLIT.split(value.lower()) if w]
    return frozenset(w for w in parts[1:] if _CODE.fullmatch(w))


def _key_values(idx: HistoryIndex) -> dict[str, dict[str, frozenset[str]]]:
    """param key -> value -> its words, for the keys that take several values across the runs (cached)."""
    got = idx.cache.get("scope:key_values")
    if isinstance(got, dict):
        return got
    values: dict[str, dict[str, frozenset[str]]] = {}
    for sig in idx.sigs:
        for k, v in sig.items:
            if not is_tracker_key(k) and not vocab.is_null_param(k, v):
                values.setdefault(k, {}).setdefault(v, _scope_words(v))
    out = {k: vs for k, vs in values.items() if len(vs) >= 2}
    idx.cache["scope:key_values"] = out
    return out


def _all_values(idx: HistoryIndex) -> dict[str, frozenset[str]]:
    """param key -> every value the runs logged for it, tracker keys aside (cached)."""
    got = idx.cache.get("scope:all_values")
    if isinstance(got, dict):
        return got
    values: dict[str, set[str]] = {}
    for sig in idx.sigs:
        for k, v in sig.items:
            if not is_tracker_key(k):
                values.setdefault(k, set()).add(v)
    out = {k: frozenset(vs) for k, vs in values.items()}
    idx.cache["scope:all_values"] = out
    return out


def plan_scope(plan: str, idx: HistoryIndex, *, technique: frozenset[str] | set[str] = frozenset()
               ) -> dict[str, frozenset[str]]:
    """param key -> the values of it the plan names by a word that tells them apart from the key's other
    values ("mobilenet" names model=mobilenet_v3_small, not model=efficientnet_b0). A key whose other values hold the
    plan's own technique is what the plan changes, not where it applies ("downsample the majority class":
    sampler=undersample is the plan, so sampler=class_weight is no scope of it)."""
    words = _plan_words(plan)
    out: dict[str, frozenset[str]] = {}
    for key, values in _key_values(idx).items():
        shared = frozenset.intersection(*values.values())
        if not all(any(w.startswith("family:") for w in ws) for ws in values.values()):
            # a value of no family we know ("FilterBankExperiment") may well be of the family the plan names:
            # only the values' own words tell them apart then
            shared |= frozenset(w for ws in values.values() for w in ws if w.startswith("family:"))
        named = frozenset(v for v, ws in values.items() if (ws - shared) & words)
        if not named:
            # "B1" names RepVGG-B1 among RepVGG-A0 and RepVGG-B1: a model's variant code, held by no other value
            codes = {v: _codes(v) for v in values}
            named = frozenset(v for v, cs in codes.items()
                              if cs & words and not any(cs & c for u, c in codes.items() if u != v))
        if technique and named and not any(technique & vocab.param_value_concepts(key, v) for v in named) and any(
                technique & vocab.param_value_concepts(key, v) for v in values):
            continue  # the plan's technique is another value of this key: the key is what the plan changes
        if named and len(named) < len(values):
            out[key] = named
    # "on CIFAR-100": the runs' values giving the name with another number (dataset=cifar10) are out of scope
    for key, kept in numbered_scope(numbered_names(ASIDE.sub(" ", main_clause(plan))), _all_values(idx)).items():
        out[key] = out[key] & kept if key in out else kept
    return out


def off_scope(scope: dict[str, frozenset[str]], run: RunSnapshot) -> bool:
    """Whether the run holds another value of a param whose value the plan names."""
    return any(k in run.params and run.params[k] not in named for k, named in scope.items())


_JOIN = frozenset({"and", "or", "the", "its", "a", "an", "both"})


def _varied_words(words: list[str]) -> set[str]:
    """The words a verb of varying takes as its object: the run of nouns right after it ("tune eta and
    lambda for ...") or right before it ("eta/lambda tuning", "lr sweep"), up to the first other word."""
    out: set[str] = set()
    for i, w in enumerate(words):
        if not _VARY.fullmatch(w):
            continue
        for side in (words[i + 1: i + 6], list(reversed(words[max(0, i - 5): i]))):
            for x in side:
                if _VARY.fullmatch(x) or not x:
                    break
                if x in _JOIN:
                    continue
                if x in vocab.STOPWORDS:
                    break
                out.add(x)
    return out


def key_sweep(plan: str, idx: HistoryIndex, scope: dict[str, frozenset[str]]) -> CheckResult | None:
    """"tune eta and lambda for the breast cancer classifier": the plan names params by their own keys and
    asks to vary them; tried when the runs in the plan's scope hold several values of each named key."""
    head = vocab.norm(ASIDE.sub(" ", main_clause(plan)))
    named = _varied_words(_SPLIT.split(head))
    keys = [k for k in _key_values(idx)
            if k.lower() in named and k not in scope and vocab.stem(k.lower()) not in vocab.GENERIC_STEMS]
    if not keys:
        return None
    runs = [r for sig in idx.sigs for r in sig_runs(idx, sig) if not off_scope(scope, r)]
    varied: list[RunSnapshot] = []
    for key in keys:
        holding = [r for r in runs if key in r.params]
        if len({r.params[key] for r in holding}) < 2:
            return None
        varied += holding
    cited = list(dict.fromkeys(r.run_id for r in sorted(varied, key=lambda r: r.start)))[:MAX_CITED]
    first = idx.run_by_id[cited[0]]
    seen = {k: sorted({r.params[k] for r in varied if k in r.params}) for k in keys}
    summary = (f"runs by {first.user or 'someone'} from {first.start:%Y-%m-%d} varied "
               + "; ".join(f"{k} over {', '.join(vs[:5])}" for k, vs in seen.items()))
    return tried_in_runs(idx, cited=cited, summary=summary, author=first.user, at=first.start)


# "only the decoder unfrozen", "LoRA on the attention projections only": what the plan restricts itself to
_ONLY_BEFORE = re.compile(r"\bonly\s{1,3}(?:(?:the|a|an|its|on|in|to|at)\s{1,3}){0,2}([a-z][a-z0-9_-]{1,30})"
                          r"(?:\s{1,3}([a-z][a-z0-9_-]{1,30}))?")
_ONLY_AFTER = re.compile(r"\b([a-z][a-z0-9_-]{1,30})(?:\s{1,3}([a-z][a-z0-9_-]{1,30}))?\s{1,3}only"
                         r"(?=\s{0,3}(?:$|[,.;:)]|(?:for|with|on|in|and|but|to|at|this|next)\b))")
_ITEMS = re.compile(r"[,;+|&/]|\band\b")


def only_words(plan: str) -> frozenset[str]:
    """Stems of the thing a plan says it does *only* ("with only the decoder unfrozen": decod)."""
    head = vocab.norm(ASIDE.sub(" ", main_clause(plan)))
    out: set[str] = set()
    after = [m for m in _ONLY_AFTER.finditer(head) if not any(w in vocab.STOPWORDS for w in m.groups() if w)]
    for m in (*_ONLY_BEFORE.finditer(head), *after):
        for w in m.groups():
            if w and w not in vocab.STOPWORDS and w != "only":
                tok = vocab.stem(w)
                if not vocab.is_generic(tok):
                    out.add(tok)
    return frozenset(out)


def only_targets(plan: str) -> frozenset[str]:
    """The parts of a model a plan restricts itself to ("LoRA on the MLP blocks only": mlp_modules): the target
    concepts named inside its "only" phrase."""
    head = vocab.norm(ASIDE.sub(" ", main_clause(plan)))
    spans = [(m.start(), m.end()) for m in (*_ONLY_BEFORE.finditer(head), *_ONLY_AFTER.finditer(head))]
    if not spans:
        return frozenset()
    return frozenset(cid for cid, sp in vocab.concepts_in(head).items()
                     if vocab.CONCEPT_BY_ID[cid].kind == "target"
                     and any(a < b2 and a2 < b for a, b in sp for a2, b2 in spans))


# a statement that adds the thing to what was there ("I have tried to include the MLP projections", "added the
# FFN layers too"): it did more than "only" that thing
_ADDED = re.compile(r"\b(?:includ\w*|add(?:s|ed|ing)?|also|as well|too|in addition|on top of|plus|extra)\b")


def targets_more(targets: frozenset[str], cover: frozenset[str] | set[str], text: str = "") -> bool:
    """Whether a candidate holding the plan's "only" part holds another part too (a run whose cover has the
    attention and the MLP projections, for "LoRA on the MLP blocks only"), or is a statement that says the part was
    added to the others."""
    if not targets or targets.isdisjoint(cover):
        return False
    others = [c for c in cover if c not in targets and vocab.CONCEPT_BY_ID[c].kind == "target"
              and not any(c in vocab.CLOSURE[t] or t in vocab.CLOSURE[c] for t in targets)]
    return bool(others) or bool(text and _ADDED.search(vocab.norm(text)))


def fact_holds_more(idx: HistoryIndex, words: frozenset[str], run_ids: list[str]) -> bool:
    """Whether the runs a statement is about (its own, else its entry's) all hold more than the plan's "only"."""
    return bool(words and run_ids) and all(holds_more(words, idx.run_by_id[r]) for r in run_ids[:4])


def holds_more(words: frozenset[str], run: RunSnapshot) -> bool:
    """Whether a param of the run lists the plan's "only" thing among other items
    (trainable=encoder_layernorm,decoder for "only the decoder"): the run did more than the plan."""
    if not words:
        return False
    for k, v in run.params.items():
        if is_tracker_key(k):
            continue
        items = [value_words(item) for item in _ITEMS.split(v.lower())]
        items = [it for it in items if it]
        if len(items) >= 2 and any(words & it for it in items) and not all(words & it for it in items):
            return True
    return False


def cite_only(got: CheckResult, plan: str, idx: HistoryIndex, key_concepts: set[str]) -> CheckResult | None:
    """A "tried" for "only" a part ("LoRA on the attention projections only") citing runs that hold more than
    that part (the attention-and-MLP run the note's entry is tied to): cite the runs that hold the plan's part
    and nothing more in their place. None when no cited run holds more, or no run holds the part alone."""
    targets, words = only_targets(plan), only_words(plan)
    if not targets and not words:
        return None

    def more(rid: str) -> bool:
        return holds_more(words, idx.run_by_id[rid]) or targets_more(targets, idx.run_docs.cover(rid))

    cited = [r for m in got.matches for r in m.run_ids if r in idx.run_docs]
    if not cited or not any(more(r) for r in cited):
        return None
    need = key_concepts | targets
    alone = [r.run_id for r in sorted(idx.run_by_id.values(), key=lambda r: r.start)
             if r.run_id in idx.run_docs and need <= idx.run_docs.cover(r.run_id) and not more(r.run_id)]
    if not alone:
        return None
    matches = [m.model_copy(update={"run_ids": [r for r in m.run_ids if not more(r)]}) for m in got.matches]
    if not any(m.run_ids for m in matches):
        matches[0] = matches[0].model_copy(update={"run_ids": alone[:MAX_CITED]})
    return got.model_copy(update={"matches": matches})


def scope_closest(idx: HistoryIndex, key_concepts: set[str], scope: dict[str, frozenset[str]],
                  words: frozenset[str] = frozenset()) -> CheckResult | None:
    """"label smoothing on B1" where only A0 runs used label smoothing: not tried, and the runs that did the thing
    on another value of the plan's scope are the closest. None when no run outside the scope holds it."""
    if not scope or not key_concepts:
        return None
    holding = [r for r in sorted(idx.run_by_id.values(), key=lambda r: r.start)
               if r.run_id in idx.run_docs and key_concepts <= idx.run_docs.cover(r.run_id)]
    # off_scope read once a run (100,000 runs hold a common technique by the tens of thousands)
    off = [off_scope(scope, r) for r in holding]
    inside = [r for r, o in zip(holding, off, strict=True) if not o and all(k in r.params for k in scope)
              and words <= run_words(idx, r.run_id, families=True)]
    if inside:
        # "mixed negatives on the two tower": a run holding the plan's concepts logs the named value itself
        r0 = inside[0]
        used = ", ".join(f"{k}={r0.params[k]}" for k in scope)
        return tried_in_runs(idx, cited=[r.run_id for r in inside[:3]], author=r0.user, at=r0.start,
                             summary=f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on "
                                     f"{r0.start:%Y-%m-%d} used {used}")
    runs = [r for r, o in zip(holding, off, strict=True) if o]
    if not runs:
        return None
    r0 = runs[0]
    want = "; ".join(f"{k}={', '.join(sorted(v))}" for k, v in scope.items())
    used = "; ".join(f"{k}={r0.params[k]}" for k in scope if k in r0.params)
    summary = f"run {r0.run_name or r0.run_id[:8]} by {r0.user or 'someone'} on {r0.start:%Y-%m-%d} ({used})"
    return CheckResult(already_tried=False, message=f"Not tried with {want}: the runs that did it used another "
                       f"value; closest: {summary}.", matches=[CheckMatch(
                           entry_id=None, run_ids=[r.run_id for r in runs[:MAX_CITED]], score=0.0, summary=summary,
                           author=r0.user, at=r0.start)])


# "<word> <key>": a word right before a param's own name ("warp loss", "popularity negatives", "adamw optimizer")
_WORD_THEN = re.compile(r"\b([a-z][a-z0-9]{2,20})\s+([a-z][a-z_]{2,20})\b")
# "<count><unit> <key>": a value written in a run value's own shape ("a 1x schedule" where the run has
# schedule=3x, "16k vocab" and vocab=32k): a number glued to a short unit
_SHAPED_THEN = re.compile(r"(?<![\w.])(\d{1,4}(?:\.\d{1,3})?[a-z]{1,3})\s+([a-z][a-z_]{2,20})\b")


_SHAPED = re.compile(r"(?<![\w.])\d{1,4}(?:\.\d{1,3})?[a-z]{1,3}(?![\w.])")


def _shape(value: str) -> str:
    return re.sub(r"\d+(?:\.\d+)?", "#", value)


def _shaped_value_off(head: str, keys: dict[str, str]) -> bool:
    """Whether the plan writes a key's value in the shape the run's value has ("1x schedule", run schedule=3x)
    and the run holds another one. The shape stands for the history's use of the word: "1x" need not occur
    anywhere, "3x" in the same key says what kind of value it is."""
    for m in _SHAPED_THEN.finditer(head):
        word, key = m.group(1), m.group(2)
        got = keys.get(key) or keys.get(vocab.stem(key))
        if got is not None and _shape(got) == _shape(word) and got != word:
            return True
    return False


@functools.lru_cache(maxsize=256)
def _asked_shapes(plan: str) -> frozenset[tuple[str, str]]:
    # once per plan, not once per statement it is compared with
    return frozenset((m.group(2), m.group(1)) for m in _SHAPED_THEN.finditer(vocab.norm(main_clause(plan))))


def shaped_said_off(plan: str, text: str) -> bool:
    """Whether a statement says another value in the shape of the plan's ("on the 3x schedule", "resnet50 1x" for
    "a 6x schedule") and never the plan's own: it is about that value's runs."""
    asked = _asked_shapes(plan)
    if not asked:
        return False
    said = set(_SHAPED.findall(vocab.norm(text)))
    # "resnet50 1x gives 35.1" says its schedule without the word: any value of the plan's shape counts
    return any(_shape(v) == _shape(w) for _, w in asked for v in said) and not {w for _, w in asked} & said


def keyed_value_off(plan: str, run: RunSnapshot, idx: HistoryIndex) -> bool:
    """Whether the plan names a value right before the name of a param the run logs ("warp loss" where the run has
    loss=bpr, "popularity negatives" where it has negatives=in_batch) and the run's value is another one. Only a
    one-word param name, and a word the run's value does not hold, a comparison ("lower loss") or stopword never;
    only a word the history uses somewhere (as ``plan_reading`` sets variants apart: "the *neural* ensemble" that
    no note says is more likely a paraphrase of the kfold one)."""
    keys = {k.lower(): v.lower() for k, v in run.params.items() if re.fullmatch(r"[a-z]{3,20}", k.lower())}
    if not keys:
        return False
    cover = idx.run_docs.cover(run.run_id) if run.run_id in idx.run_docs else frozenset()
    head = vocab.norm(ASIDE.sub(" ", main_clause(plan)))
    if _shaped_value_off(head, keys):
        return True
    for m in _WORD_THEN.finditer(head):
        word, key = m.group(1), m.group(2)
        got = keys.get(key) or keys.get(vocab.stem(key)) or next(
            (v for k, v in keys.items() if vocab.stem(k) == vocab.stem(key)), None)
        if got is None or word in vocab.STOPWORDS or vocab.stem(word) in _GRADING or vocab.is_generic(vocab.stem(word)):
            continue
        if lexicon.parse_number(word) is not None or word in ("no", "without", "with", "and", "or"):
            continue
        tok = vocab.stem(word)
        if not (idx.df.get(tok) or tok in idx.token_sigs or tok in idx.name_token_runs):
            continue
        parts = [w for w in re.split(r"[^a-z0-9]+", got) if len(w) >= 2]
        held = value_words(got) | {vocab.stem(w) for w in parts}
        if vocab.stem(word) in held or word in got or any(word.startswith(w) or w.startswith(word) for w in parts):
            continue  # "cosine scheduler" for scheduler=cos
        # "random forest model" for model=rf, "cross entropy loss" for loss=ce: a concept the run's params show
        w0 = m.start(1)
        if any(c in cover and any(a <= w0 < b for a, b in sp) for c, sp in vocab.concepts_in(head).items()):
            continue
        return True
    return False
