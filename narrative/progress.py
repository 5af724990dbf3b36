"""Work still under way, and failures told by what the output does, in weekly logs and lab notebooks.

A weekly log ends with what is still going on: "I am currently debugging a VAE with convolutional layers",
"Currently running the ablation without positional encodings", "the 1.3B run is still training", "still
waiting on the cluster", "I have decided to solve this by overloading Forward()". None of it is done and none
of it is a result: it is the work that comes next, a next step. What marks it is grammar: a progressive
verb of doing (not of seeing: "I'm still getting NaNs" is a trouble) held by "currently", "now" or "still",
a run said to be still running or in progress, a decision to do something.

The same notes tell failures by what the model puts out rather than by a verdict word: "the reconstruction
loss isn't decreasing at all", "generates barely recognizable digits", "sampling didn't generate defined
results", "the model just predicts the majority class". ``FAILURE`` reads these shapes for
``narrative.reading``.
"""

from __future__ import annotations

import re

# Verbs of doing, in their progressive form (stems before "ing"): what a person is busy with.
_DOING = (r"(?:debugg|train|runn|re-?runn|writ|implement|work|test|try|putt|port|add|tun|sweep|evaluat|investigat|"
          r"look|fix|refactor|prepar|collect|build|retrain|wait|benchmark|profil|explor|experiment|check|cod|"
          r"integrat|label|annotat|clean|generat|fine-?tun|launch|sett|wrapp|rewrit|redo|re-?do|measur|comput|"
          r"gather|download|process|preprocess|extract|plott|analy[sz]|compar|ablat|reproduc|validat|verify)ing\b")
_IN_PROGRESS = re.compile(
    # "I am currently debugging ...", "we're now training ...", "I'm still waiting for ..."
    r"\b(?:i|we)(?:'m|’m|'re|’re|\s{1,3}am|\s{1,3}are)\s{1,3}(?:\w{1,12}ly\s{1,3})?(?:currently|now|still|"
    r"in\s{1,3}the\s{1,3}(?:middle|process)\s{1,3}of)\s{1,3}" + _DOING +
    # "Currently running the ablation", "still waiting on the cluster" (a log's subject-less voice)
    r"|^\W{0,8}(?:currently|still|now)\s{1,3}" + _DOING +
    # "the 1.3B run is still training", "the sweep is in progress", "jobs are queued"
    r"|\b(?:is|are|'s|’s)\s{1,3}still\s{1,3}(?:running|training|in\s{1,3}progress|ongoing|queued|pending)\b"
    r"|\b(?:is|are)\s{1,3}(?:currently\s{1,3}|now\s{1,3})?(?:in\s{1,3}progress|ongoing|underway|under\s{1,3}way|queued)\b"
    # "I have decided to solve this by ...": a decision to do, not yet done
    r"|\b(?:i|we)\s{1,3}(?:have|'ve|’ve)\s{1,3}(?:now\s{1,3}|finally\s{1,3})?decided\s{1,3}to\b",
    re.IGNORECASE)
# "still" or "now" before a verb that reports what is seen is a state, not work: "still getting NaNs".
_NOT_DOING = re.compile(r"\b(?:not|n't|never|no\s+longer)\b", re.IGNORECASE)


def in_progress(lowered: str) -> bool:
    """Whether a sentence tells work still under way (or decided on), which is what comes next."""
    match = _IN_PROGRESS.search(lowered)
    if match is None:
        return False
    return not _NOT_DOING.search(lowered, max(0, match.start() - 12), match.end())


# Failures told by what a model or a measure does: a loss that does not go down, output barely usable or
# not produced, a model that only ever predicts one thing.
FAILURE = re.compile(
    # (a decimal point inside a value between the measure and its verb ends nothing: "loss (~130.0) doesn't decrease")
    r"\b(?:loss|losses|error|errors|perplexity|ppl|wer|cer)\b(?:[^.;,!?]|(?<=\d)\.(?=\d)){0,40}?(?:\bnot\b|n't|n’t|"
    r"\bnever\b)\s{1,3}"
    r"(?:\w{1,12}\s{1,3})?(?:decreas\w*|go(?:ing|es)?\s{1,3}down|dropp\w*|reduc\w*|fall\w*|shrink\w*|going\s{1,3}lower)"
    r"|\b(?:barely|hardly|scarcely)\s{1,3}(?:\w{1,12}\s{1,3})?(?:recogni[sz]able|intelligible|legible|readable|usable|"
    r"distinguishable|coherent|trainable)\b"
    r"|(?:\bnot\b|n't|n’t|\bnever\b|\bfail\w*\s{1,3}to)\s{1,3}(?:\w{1,12}\s{1,3})?(?:generate|produce|yield|output|create)"
    r"\s{1,3}(?:any\s{1,3})?(?:[\w*'-]{1,20}\s{1,3}){0,2}?(?:results?|samples?|outputs?|images?|speech|audio|text|"
    r"digits?|predictions?|faces?)\b"
    r"|\b(?:just|only|always)\s{1,3}(?:predict|output|generat|return|emit)\w*\s{1,3}(?:the\s{1,3}|a\s{1,3})?"
    r"(?:majority|same|single|one|constant|mean|average|zeros?|blank|empty)\b"
    r"|\bpredicts?\s{1,3}(?:only\s{1,3})?the\s{1,3}majority\s{1,3}class\b"
    # after a change: "Same result.", "results are basically identical", "no luck": nothing moved
    r"|(?:^|[.;!]\s{1,3})\W{0,4}(?:(?:exactly|basically|pretty\s{1,3}much|roughly)\s{1,3})?(?:the\s{1,3})?same\s{1,3}(?:results?|thing|story|"
    r"numbers|outcome|behaviou?r|problem|issue)\b|\b(?:are|were|is|was|looks?|looked)\s{1,3}(?:\w{1,12}\s{1,3})?identical\b"
    r"|\bno\s{1,3}luck\b",
    re.IGNORECASE)
