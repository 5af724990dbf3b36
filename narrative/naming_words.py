"""Words that name a thing rather than judge it, masked before a clause is read for its verdict.

Split out of ``narrative.reading`` (near the file-size limit). "work up to harder ones", "the crashing experiment":
a way of working, a name; "320 epochs with better lr scheduler strategy": "better" names the setting; "learning
rate", "mixed precision", "real time": a setting or a way to train whose "learning", "mixed" or "real" is no verdict;
"the last good ckpt", "reran the best config": a thing picked out; "hurt nothing", "nothing new trained": no harm, no
run; "contamination 0.01": a setting.
"""

from __future__ import annotations

import re

_NO_VERDICT_PHRASE = re.compile(r"\bwork(?:ing)?\s+(?:up\s+to|on|through|around)\b|"
                                r"\bnot\s{1,3}(?:(?:the|a|our|my)\s{1,3})?(?:very\s{1,3})?(?:best|worst)\b|"
                                r"\bthe\s+(?:crash|diverg|fail|explod)\w*\s+(?:experiment|run|model|job|setup|config|case|one)\b")
_ATTRIBUTIVE_BETTER = re.compile(r"\b(with|using|use|uses|used|try|trying|tried)\s+(?:much\s+|slightly\s+|far\s+)?"
                                 r"better\b(?=\s+[a-z])(?!\s+(?:than|results?|score|performance|accuracy)\b)")
# "rolled back to the last good ckpt", "3 seeds of the best config": a good or best thing named as the object of a
# verb or preposition is a checkpoint or a setting picked out, no verdict on what was tried.
_NAMED_GOOD = re.compile(r"\b(?:(?:last|latest|previous|prior|known|old)[ -](?:known[ -])?good|"
                         r"(?:(?:of|from|with|to|for|on|into|loaded|load|loading|reran|rerun|re-ran|re-run|rerunning|"
                         r"deployed|deploy|deploying|restored|restore|resumed|resume|resuming|kept|keep|use|used|using|"
                         r"picked|pick|took|take|ship|shipped|export|exported)\s+(?:the|our|my|that)\s+)best)"
                         r"(?=[ _-](?:ckpt|checkpoint|config|cfg|weights|epoch|state|commit|version|snapshot|seed|"
                         r"params|hparams|model|run)s?\b)")
# "hurt nothing, faster", "breaks nothing": no harm done, no failure; "nothing new trained", "nothing ran today":
# no run to judge, no verdict (not "nothing helped", "tried it: nothing").
_NO_HARM = re.compile(r"\b(?:hurt|hurts|harm(?:s|ed)?|broke|breaks|cost|costs)\s+nothing\b|"
                      r"\bnothing\s+(?:new\s+)?(?:was\s+|got\s+)?(?:trained|ran|run|launched|logged|started|submitted|"
                      r"queued|finished)\b|\bnothing\s+new\s+(?:today|to\s+report|since)\b")
# IsolationForest's "contamination 0.01", "contamination=auto": a setting named, not contaminated data.
_CONTAMINATION_SETTING = re.compile(r"\bcontamination(?=\s{0,3}(?:[=:]\s{0,3}|to\s+|of\s+)?(?:[-+~]?\.?\d|auto\b)|"
                                    r"\s+(?:param\w*|setting|value|rate|level|arg\w*)\b)")
_LEARNING_RATE = re.compile(r"\blearning[ _-]rates?\b")
_MIXED_PRECISION = re.compile(r"\bmixed[ _-]precision\b")
_REAL_TIME = re.compile(r"\breal[ _-]time\b")


def mask_attributive(lowered: str) -> str:
    """A way of working or a name ("work up to", "the crashing run", "not the best"), and an attributive "better"."""
    # "work up to harder ones", "the crashing experiment": a way of working, a name; "but not the best"
    lowered = _NO_VERDICT_PHRASE.sub(" ", lowered)
    lowered = _NAMED_GOOD.sub(" ", _NO_HARM.sub(" ", lowered))
    # "320 epochs with better lr scheduler strategy": "better" names the setting, it judges nothing.
    return _ATTRIBUTIVE_BETTER.sub(r"\1 ", lowered)


def mask_names(lowered: str) -> str:
    """Settings and ways to train whose words would read as verdicts ("learning rate", "mixed precision")."""
    # "learning rate" names a setting: its "learning" is no verdict ("no experiments about learning rates").
    lowered = _LEARNING_RATE.sub("lr", lowered)
    lowered = _CONTAMINATION_SETTING.sub("outlier share", lowered)
    # "mixed precision" names a way to train: its "mixed" is no verdict.
    lowered = _MIXED_PRECISION.sub("amp", lowered)
    # "make it real time on CPU": "real" names a latency class here, it judges nothing.
    return _REAL_TIME.sub("realtime", lowered)
