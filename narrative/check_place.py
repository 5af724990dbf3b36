"""Where in the model a plan puts a technique: "dropout on the embeddings", "weight decay on the biases", "noise
to the input". A candidate that puts the same technique on another part ("dropout 0.3 on the output layer", a run
with ``dropout_on=output``) and never names the plan's part did a variant, not the plan.

A place is a part of a model named in a prepositional phrase right after the technique (on / to / in / at / for /
after / before / of / between); only the parts a model is made of are read (embeddings, input, output, head,
encoder, decoder, attention, feed-forward, classifier, backbone, biases, gates, hidden, residual, projections,
logits, recurrent, convolutional), so "dropout on CIFAR" or "mixup for the ResNet" scope nothing here. A
candidate that names no place says nothing either way. Split from ``narrative.checking`` (its own reading).
"""

from __future__ import annotations

import re

from adapters import is_tracker_key
from narrative import vocab
from narrative.approaches import UMBRELLA

_PARTS = (
    ("embed", "embed"), ("input", "input"), ("output", "output"), ("head", "head"), ("encod", "encoder"),
    ("decod", "decoder"), ("attention", "attention"), ("attn", "attention"), ("self-attention", "attention"),
    ("ffn", "ffn"), ("mlp", "ffn"), ("feedforward", "ffn"), ("feed-forward", "ffn"), ("classifier", "head"),
    ("backbone", "backbone"), ("bias", "bias"), ("gate", "gate"), ("hidden", "hidden"), ("residual", "residual"),
    ("proj", "projection"), ("logit", "logits"), ("recurren", "recurrent"), ("conv", "conv"),
)
_PREP = re.compile(r"^(?:\s+[\w.=]+){0,2}?\s+(?:on|to|in|at|for|after|before|of|between|into|inside)\s+"
                   r"((?:[\w\-]+\s*(?:,|and)?\s*){1,5})")
_WORD = re.compile(r"[a-z][a-z\-]*")


def part_of(word: str) -> str | None:
    for prefix, part in _PARTS:
        if word.startswith(prefix):
            return part
    return None


def _parts(words: str) -> frozenset[str]:
    return frozenset(p for w in _WORD.findall(words) if (p := part_of(w)) is not None)


def places_in(text: str) -> dict[str, frozenset[str]]:
    """concept id -> the model parts a prepositional phrase right after it names ("dropout on the embeddings")."""
    low = vocab.norm(text)
    out: dict[str, frozenset[str]] = {}
    for cid, spans in vocab.concepts_in(low).items():
        if cid in UMBRELLA:
            continue
        for _, b in spans:
            m = _PREP.match(low[b: b + 80])
            if m and (parts := _parts(m.group(1))):
                out[cid] = out.get(cid, frozenset()) | parts
    return out


def place_off(places: dict[str, frozenset[str]], text: str) -> bool:
    """A statement that puts one of the plan's placed techniques on other parts and names none of the plan's."""
    if not places:
        return False
    said = places_in(text)
    named = _parts(vocab.norm(text))
    return any(cid in said and named.isdisjoint(want) for cid, want in places.items())


def run_place_off(places: dict[str, frozenset[str]], params: dict[str, str]) -> bool:
    """A run whose params for a placed technique name other parts only (``dropout_on=output``, ``out_dropout``)."""
    for cid, want in places.items():
        got: set[str] = set()
        for k, v in params.items():
            if is_tracker_key(k) or cid not in vocab.param_value_concepts(k, "on"):
                continue
            got |= _parts(f"{k.replace('_', ' ')} {v.replace('_', ' ').lower()}")
        if got and got.isdisjoint(want):
            return True
    return False
