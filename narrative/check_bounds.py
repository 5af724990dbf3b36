"""A bound written before a setting's number: the plan asks for values past the number, not the number itself.

"epsilon above 0.25", "grad_clip below 0.5", "warmup of at least 5", "a gamma higher than 0.99": a run at 0.25 did
not try "above 0.25". The concept rules of ``narrative.check_settings`` read bounds on the table's settings ("lr
below 1e-4"); this reads them for any logged param named by its own words (``named_value``), whose number was
taken as the value asked. Kept apart because ``check_settings`` is at its size limit.
"""

from __future__ import annotations

import re

from narrative import lexicon

# the bound word right before the number, and the direction it asks (+1: past it upwards, -1: below it)
_BOUND_WORDS = {"above": 1, "beyond": 1, "exceeding": 1, "least": 1, "below": -1, "under": -1, "most": -1}
# the comparative before "than" ("higher than 0.99", "fewer than 200"); "other than 0.25" asks only "not 0.25"
_THAN_UP = frozenset({"higher", "bigger", "larger", "greater", "more", "longer", "wider", "deeper", "above"})
_THAN_DOWN = frozenset({"lower", "smaller", "less", "fewer", "shorter", "narrower", "shallower", "below"})


def bound_before(words: list[str], i: int) -> int | None:
    """The direction a bound word right before ``words[i]`` asks (1 up, -1 down, 0 only "not this value"), or None
    when the number is not bounded ("epsilon 0.25", "lr to 0.3")."""
    prev = words[i - 1] if i >= 1 else ""
    flip = -1 if negated_at(words, i) else 1  # "not above 0.25" asks the other side
    if prev in _BOUND_WORDS:
        return flip * _BOUND_WORDS[prev]
    if prev == "than":
        before = words[i - 2] if i >= 2 else ""
        return flip * (1 if before in _THAN_UP else -1 if before in _THAN_DOWN else 0)
    return None


def past_bound(value: str, bound: float, sign: int) -> bool:
    """Whether a run's logged ``value`` lies past the plan's ``bound`` in the asked direction (a run at the bound
    is not; "other than" asks no direction and no run answers it here)."""
    n = lexicon.parse_number(value)
    return n is not None and ((n > bound) if sign > 0 else (n < bound) if sign < 0 else False)


# a negation right before the bound ("no lower than 1e-3", "not above 0.5", "never more than 4"): the asked values
# lie on the other side of the number ("no lower than 1e-3" asks 1e-3 or more, never a run below it)
_NEGATORS = frozenset({"no", "not", "never"})


def negated_at(words: list[str], i: int) -> bool:
    """Whether the bound read before ``words[i]`` (its number) is negated: "no" / "not" / "never" right before the
    comparative of "than" ("no lower than 1e-3") or right before the bound word ("not above 0.5")."""
    j = i - 3 if i >= 3 and words[i - 1] == "than" else i - 2
    return j >= 0 and words[j] in _NEGATORS


_COMPARATIVES = "|".join(sorted(_THAN_UP | _THAN_DOWN))
_NEGATED_TEXT = re.compile(
    rf"\b(?:no|not|never)\s+(?:(?:{_COMPARATIVES})\s+than|above|below|under|beyond|exceeding)\s+\d")


def negated_bound(text: str) -> bool:
    """Whether ``text`` (a plan's words from a setting's name on) holds a negated bound ("lr no lower than 1e-3")."""
    return _NEGATED_TEXT.search(text) is not None
