"""Model sizes named by a plan ("biformer-small", "DeiT-Base", "the tiny model"), for ``narrative.checking``.

A size is a variant of a model: a plan for the small model is not answered by a candidate that ran the same
model only at another size ("especially `biformer-tiny`", a run with ``model=deit_tiny_patch16_224``); that
candidate is the closest, not the plan done. A candidate naming the model with no size says nothing either
way and is left to the other rules.
"""

from __future__ import annotations

import re

# the size words of model families, and the one-letter forms written after a hyphen ("ViT-B/16", "DeiT-Ti")
_SIZES = {"tiny": "tiny", "ti": "tiny", "small": "small", "s": "small", "base": "base", "b": "base",
          "medium": "medium", "m": "medium", "large": "large", "l": "large", "huge": "huge", "h": "huge",
          "xl": "xl", "xxl": "xxl", "giant": "giant", "g": "giant", "mini": "mini", "nano": "nano",
          "micro": "micro"}
_LONG = "tiny|small|base|medium|large|huge|xxl|xl|giant|mini|nano|micro"
# a model's name with its size attached ("biformer-small", "deit_base_patch16", "gpt2-medium", "vit-l/16")
_ATTACHED = re.compile(r"(?<![\w-])([a-z][a-z0-9]{1,20})[-_](" + _LONG + r"|ti|[sbmlhg])(?![a-z0-9]|-\d)")
# a depth written as layers ("MiniLM-L-6", "minilm L12", "bert L-12"): another size of the same model, not "large"
# (a space before the "l" only with a hyphen after it, and "l1"/"l2" glued are norms: "with l2 1e-5", "ridge-l2")
_LAYERS = re.compile(r"(?<![a-z0-9])([a-z][a-z0-9]{1,20})(?:[-_]l-|[-_]l(?=[3-9]|\d\d)| l-)(\d{1,2})(?![\d.])")
# a size before a generic word for the model ("the tiny model", "small networks", "the base version")
_GENERIC = re.compile(r"\b(" + _LONG + r")\s+(?:models?|networks?|nets?|versions?|variants?|configs?)\b"
                      # "the small one": a size standing for the model the talk is about
                      r"|\bthe\s+(" + _LONG + r")\s+ones?\b")
# words that a size word follows without naming a model ("a small-batch run", "code-base", "the lr_base")
_NOT_MODELS = frozenset({"batch", "data", "code", "knowledge", "lr", "learning", "rate", "use", "case", "the",
                         "a", "an", "model", "models", "net", "network", "size", "step", "sample", "very",
                         "too", "extra", "super", "pre", "non", "fine", *_SIZES})
ANY = "*"


def sizes_in(text: str) -> dict[str, frozenset[str]]:
    """Model name (or ``ANY`` for a generic "the tiny model") -> the sizes the text names it at."""
    low = text.lower()
    out: dict[str, set[str]] = {}
    for m in _ATTACHED.finditer(low):
        if m.group(1) not in _NOT_MODELS:
            out.setdefault(m.group(1), set()).add(_SIZES[m.group(2)])
    for m in _LAYERS.finditer(low):
        if m.group(1) not in _NOT_MODELS:
            out.setdefault(m.group(1), set()).add(f"{int(m.group(2))} layers")
    for m in _GENERIC.finditer(low):
        out.setdefault(ANY, set()).add(_SIZES[m.group(1) or m.group(2)])
    return {k: frozenset(v) for k, v in out.items()}


def size_off(plan_sizes: dict[str, frozenset[str]], text: str) -> bool:
    """Whether a candidate names the plan's model only at other sizes than the plan's."""
    if not plan_sizes:
        return False
    got = sizes_in(text)
    if not got:
        return False
    for model, want in plan_sizes.items():
        # a generic "the tiny model" is about whichever model the candidate names
        seen = set().union(*got.values()) if model == ANY else set(got.get(model, ())) | set(got.get(ANY, ()))
        if seen and not seen & want:
            return True
    return False
