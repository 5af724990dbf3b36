"""Words that name a thing rather than judge it, masked before a clause is read for its verdict.

Split out of ``narrative.reading`` (near the file-size limit). "work up to harder ones", "the crashing experiment":
a way of working, a name; "320 epochs with better lr scheduler strategy": "better" names the setting; "learning
rate", "mixed precision", "real time": a setting or a way to train whose "learning", "mixed" or "real" is no verdict.
"""

from __future__ import annotations

import re

_NO_VERDICT_PHRASE = re.compile(r"\bwork(?:ing)?\s+(?:up\s+to|on|through|around)\b|"
                                r"\bnot\s{1,3}(?:(?:the|a|our|my)\s{1,3})?(?:very\s{1,3})?(?:best|worst)\b|"
                                r"\bthe\s+(?:crash|diverg|fail|explod)\w*\s+(?:experiment|run|model|job|setup|config|case|one)\b")
_ATTRIBUTIVE_BETTER = re.compile(r"\b(with|using|use|uses|used|try|trying|tried)\s+(?:much\s+|slightly\s+|far\s+)?"
                                 r"better\b(?=\s+[a-z])(?!\s+(?:than|results?|score|performance|accuracy)\b)")
_LEARNING_RATE = re.compile(r"\blearning[ _-]rates?\b")
_MIXED_PRECISION = re.compile(r"\bmixed[ _-]precision\b")
_REAL_TIME = re.compile(r"\breal[ _-]time\b")


def mask_attributive(lowered: str) -> str:
    """A way of working or a name ("work up to", "the crashing run", "not the best"), and an attributive "better"."""
    # "work up to harder ones", "the crashing experiment": a way of working, a name; "but not the best"
    lowered = _NO_VERDICT_PHRASE.sub(" ", lowered)
    # "320 epochs with better lr scheduler strategy": "better" names the setting, it judges nothing.
    return _ATTRIBUTIVE_BETTER.sub(r"\1 ", lowered)


def mask_names(lowered: str) -> str:
    """Settings and ways to train whose words would read as verdicts ("learning rate", "mixed precision")."""
    # "learning rate" names a setting: its "learning" is no verdict ("no experiments about learning rates").
    lowered = _LEARNING_RATE.sub("lr", lowered)
    # "mixed precision" names a way to train: its "mixed" is no verdict.
    lowered = _MIXED_PRECISION.sub("amp", lowered)
    # "make it real time on CPU": "real" names a latency class here, it judges nothing.
    return _REAL_TIME.sub("realtime", lowered)
