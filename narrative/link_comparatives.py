"""Runs named in prose by a setting in the team's words: "the shallower models of depths 2,4", "the deepest
network", "the models with wider channels ... than the ones with narrower channels", "the bigger batch".

People compare runs by what a setting does to the model (depth, width, batch, learning rate) and leave the
setting's name to the code ("layers_per_block", "filters_per_layer", "num_hiddens"). An alias map takes a
word to an axis and a direction; the axis takes the author's window runs to the one numeric setting of that
axis that varies among them. Then, inside the author's window only:

- values written after the noun ("of depths 2,4", "of depth 16") link every run with one of them, when each
  value is a run's;
- a superlative ("the deepest", "the most shallow") links the runs with the extreme value;
- a comparative ("the shallower models") links the runs on its side when the setting has exactly two values;
  both sides in one sentence ("wider ... than ... narrower") link every run the setting tells apart;
- a singular noun without values ("the deepest network") links only when one run has that value.

Plans, questions and expectations link nothing ("the deeper models ... will perform better"); a setting with
no single varying key, or two keys of the same axis varying at once, links nothing.
"""

from __future__ import annotations

import re

from narrative.link_groups import NOT_DONE
from storage.records import RunSnapshot

# Axis -> the fragments of param keys that hold it ("num_layers", "layers_per_block", "filters_per_layer").
AXIS_KEYS: dict[str, tuple[str, ...]] = {
    "depth": ("depth", "layers", "n_layers", "num_layers", "n_layer", "layers_per_block", "num_blocks", "blocks"),
    "width": ("width", "hidden", "hidden_size", "hidden_dim", "num_hiddens", "d_model", "n_embd", "filters",
              "filters_per_layer", "channels", "units", "embedding_dim", "embed_dim", "dim"),
    "batch": ("batch_size", "bs", "batch"),
    "lr": ("learning_rate", "lr"),
    "epochs": ("epochs", "num_epochs", "n_epochs", "max_epochs"),
    "dropout": ("dropout", "drop_rate", "dropout_rate"),
}
# Comparative and superlative words -> (axis or "" when the noun says it, direction, superlative).
_ADJECTIVES: dict[str, tuple[str, int, bool]] = {
    "deeper": ("depth", 1, False), "deepest": ("depth", 1, True), "deep": ("depth", 1, True),
    "shallower": ("depth", -1, False), "shallowest": ("depth", -1, True), "shallow": ("depth", -1, True),
    "wider": ("width", 1, False), "widest": ("width", 1, True), "wide": ("width", 1, True),
    "narrower": ("width", -1, False), "narrowest": ("width", -1, True), "narrow": ("width", -1, True),
    "bigger": ("", 1, False), "biggest": ("", 1, True), "larger": ("", 1, False), "largest": ("", 1, True),
    "smaller": ("", -1, False), "smallest": ("", -1, True), "higher": ("", 1, False), "highest": ("", 1, True),
    "lower": ("", -1, False), "lowest": ("", -1, True), "longer": ("epochs", 1, False),
    "shorter": ("epochs", -1, False),
}
# Nouns after a generic adjective that name the axis ("the bigger batch", "the lower learning rate").
_AXIS_NOUNS: dict[str, str] = {
    "batch": "batch", "batches": "batch", "batch size": "batch", "batch sizes": "batch", "learning rate": "lr",
    "learning rates": "lr", "lr": "lr", "dropout": "dropout", "channels": "width", "filters": "width",
    "layers": "depth", "hidden size": "width", "hidden units": "width", "epochs": "epochs",
}
# Nouns that stand for runs; a singular one names one run.
_RUN_NOUNS = frozenset({"models", "model", "networks", "network", "nets", "net", "runs", "run", "ones", "one",
                        "variants", "variant", "experiments", "experiment", "configs", "config", "versions"})
_SINGULAR = frozenset({"model", "network", "net", "run", "one", "variant", "experiment", "config"})
# Spoken setting words for values written after the noun ("of depths 2,4", "with width 64").
_VALUE_WORDS: dict[str, str] = {"depth": "depth", "depths": "depth", "width": "width", "widths": "width",
                                "layers": "depth", "batch size": "batch", "batch sizes": "batch"}

_ADJ = "|".join(sorted(_ADJECTIVES, key=len, reverse=True))
_NOUN = "|".join(sorted([*_RUN_NOUNS, *_AXIS_NOUNS], key=len, reverse=True))
_VALUES = r"(\d{1,5}(?:\s{0,2}(?:,|and|&|/|or)\s{0,2}\d{1,5}){0,7})(?![\d.])"
# "the shallower models", "the most shallow model", "the ones with narrower channels", "the bigger batch".
_COMPARED = re.compile(
    rf"(?<![a-z])(?:the|those|these|our|my|all)\s{{1,3}}(?:(?P<most>most|least)\s{{1,3}})?(?P<adj>{_ADJ})"
    rf"\s{{1,3}}(?P<noun>{_NOUN})(?![a-z])"
    rf"|(?<![a-z])(?:the|those|these)\s{{1,3}}(?P<noun2>models|ones|networks|runs|model|network|one)\s{{1,3}}"
    rf"with\s{{1,3}}(?:the\s{{1,3}})?(?P<adj2>{_ADJ})\s{{1,3}}(?P<what>channels|filters|layers|hidden units|"
    rf"hidden size|batch(?:es| size)?|learning rates?|dropout)(?![a-z])")
# Values after the noun: "of depths 2,4", "of depth 16", "with width 64".
_VALUE_WORD = "|".join(sorted(_VALUE_WORDS, key=len, reverse=True))
_AFTER = re.compile(rf"\s{{1,3}}(?:of|with|at)\s{{1,3}}(?P<word>{_VALUE_WORD})"
                    rf"\s{{0,2}}(?:of|=|:)?\s{{0,2}}{_VALUES}")
# A run noun with values and no comparative: "the models of depth 8", "the network of depth 16".
_PLAIN = re.compile(rf"(?<![a-z])(?:the|those|these)\s{{1,3}}(?P<noun>models|networks|nets|runs|model|network|"
                    rf"net|run|ones|one)(?={_AFTER.pattern})")
_NEGATION = re.compile(r"(?<![a-z])(?:no|not|without|never)\s{1,3}$")
_STATEMENT = re.compile(r"(?<=[.!;])\s|\n")


def _number(value: str) -> float | None:
    try:
        return float(value.strip())
    except ValueError:
        return None


def axis_key(axis: str, runs: list[RunSnapshot]) -> str | None:
    """The one numeric setting of ``axis`` whose value varies among ``runs``, else None."""
    fragments = AXIS_KEYS[axis]
    varying = []
    for key in {k for r in runs for k in r.params}:
        lowered = key.lower()
        if not (lowered in fragments or any(f in lowered.split("_") for f in fragments if "_" not in f)):
            continue
        values = {_number(r.params[key]) for r in runs if key in r.params}
        if None in values:
            continue
        if len(values) >= 2:
            varying.append(key)
    return varying[0] if len(varying) == 1 else None


def _values(raw: str) -> list[float]:
    return [float(v) for v in re.findall(r"\d{1,5}", raw)]


def _runs_with(runs: list[RunSnapshot], key: str, values: list[float]) -> list[RunSnapshot]:
    """Runs whose ``key`` is one of ``values``; nothing unless every value is some run's."""
    picked = [r for r in runs if _number(r.params.get(key, "x")) in values]
    found = {_number(r.params[key]) for r in picked}
    return picked if values and all(v in found for v in values) else []


def comparative_references(text: str, window_runs: list[RunSnapshot]) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for the runs a statement names by a setting in words, read against the author's
    window runs (module docstring)."""
    if len(window_runs) < 2:
        return []
    found: list[tuple[str, RunSnapshot]] = []
    for statement in _STATEMENT.split(text.lower()):
        if not statement.strip() or NOT_DONE.search(statement):
            continue
        sides: dict[str, set[int]] = {}
        for match in _COMPARED.finditer(statement):
            if _NEGATION.search(statement[: match.start()]):
                continue
            adj = match["adj"] or match["adj2"]
            axis, direction, superlative = _ADJECTIVES[adj]
            noun = match["noun"] or match["noun2"]
            if match["what"]:
                axis = axis or _AXIS_NOUNS.get(match["what"], "")
            elif noun in _AXIS_NOUNS:
                axis = axis or _AXIS_NOUNS[noun]
            if match["most"]:
                superlative, direction = True, direction if match["most"] == "most" else -direction
            if not axis:
                continue  # "the bigger models": bigger in what
            key = axis_key(axis, window_runs)
            if key is None:
                continue
            after = _AFTER.match(statement, match.end())
            if after and _VALUE_WORDS[after["word"]] == axis:
                found += [(match.group(0), r) for r in _runs_with(window_runs, key, _values(after.group(2)))]
                continue
            sides.setdefault(key, set()).add(direction)
            values = sorted({v for v in (_number(r.params.get(key, "x")) for r in window_runs) if v is not None})
            if superlative:
                side = [values[-1] if direction > 0 else values[0]]
            elif len(values) == 2:
                side = [values[1] if direction > 0 else values[0]]
            else:
                continue
            runs = _runs_with(window_runs, key, side)
            if noun in _SINGULAR and len(runs) != 1:
                continue
            found += [(match.group(0), r) for r in runs]
        for key, directions in sides.items():
            if len(directions) == 2:  # "wider ... than ... narrower": every run the setting tells apart
                found += [(key, r) for r in window_runs if _number(r.params.get(key, "x")) is not None]
        for match in _PLAIN.finditer(statement):
            after = _AFTER.match(statement, match.end())
            if after is None or _NEGATION.search(statement[: match.start()]):
                continue
            key = axis_key(_VALUE_WORDS[after["word"]], window_runs)
            if key is not None:
                found += [(match.group(0), r) for r in _runs_with(window_runs, key, _values(after.group(2)))]
    return found
