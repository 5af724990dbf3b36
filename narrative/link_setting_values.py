"""A run named by one setting's value that only it has: "with batch size 512 it was worse", "the lr=3e-4 one
diverged", "I changed the batchsize to 25 and got sad=66.7".

A setting written by its name right before one number names the author's window run whose logged value of that
setting is the number — only when exactly one run of the window has it, at least two runs log the setting, their
values differ (so the value tells runs apart) and the name means one key of each run. Several settings in one
clause narrow to the run that has all of them. Nothing is linked from a plan or a question (the segment's section
or its clause), after a negation or a comparison's other side ("not lr 1e-3", "better than bs 256", "instead of
lr 1e-3"), from a list or a range of values ("lr 1e-3 and 3e-4", "bs 256-512": other rules read those), from a
metric's name ("acc=0.91", "sad=66.7": the run's metrics, not its settings), from training progress ("at epoch 20",
"step 500": epochs and steps only in ``key=value`` form) or from a line of settings only (the settings-block rule,
``narrative.link_setting_blocks``, reads those). A failed or killed run is named so only where the sentence says it
failed.
"""

from __future__ import annotations

import re

from narrative import lexicon
from narrative.link_evidence import param_keys_for, value_matches
from narrative.link_groups import elsewhere, not_run
from narrative.link_setting_blocks import settings_of_line
from storage.records import RunSnapshot

# A setting's name as written: the lexicon's spoken names (longest first), their joined spellings ("batchsize",
# "batch_size", "learning-rate") and a key written as code ("weight_decay", "num_layers").
_SPOKEN = sorted({w for w in lexicon.PARAM_WORDS if len(w) > 2 or w in {"lr", "bs", "wd"}}
                 | {w.replace(" ", "") for w in lexicon.PARAM_WORDS if " " in w}, key=len, reverse=True)
_NAME = (r"(?:" + "|".join(re.escape(w).replace(r"\ ", r"[ _\-]") for w in _SPOKEN)
         + r"|[a-z][a-z0-9]{1,20}(?:_[a-z0-9]{1,20}){1,3})")
# "batchsize", "batch-size", "learning_rate" as the lexicon spells them ("batch size", "learning rate").
_JOINED = {w.replace(" ", ""): w for w in lexicon.PARAM_WORDS if " " in w}
_NUMBER = r"\d{0,6}\.?\d{1,8}(?:e-?\d{1,3})?"
_SETTING_VALUE = re.compile(
    rf"(?<![a-z0-9_\-.])({_NAME})s?[ \t]{{0,2}}(?:(?:of|at|to|=|:|is|was|set to|changed to)[ \t]{{0,2}})?"
    rf"(-?{_NUMBER})(?![\w.%]|[ \t]{{0,2}}(?:[,/&+\-]|and\b|or\b|to\b)[ \t]{{0,2}}\.?\d)"
)
# Words right before the name that place the value on a comparison's other side or deny it.
_NOT_THIS = re.compile(
    r"(?:\b(?:not|no|without|never|except(?: for)?|instead of|rather than|other than|unlike|besides|apart from|"
    r"than|vs\.?|versus|from|over|compared (?:to|with)|default|paper(?:'s)?)|n't)[ \t]{1,2}(?:(?:the|a|an|my|our)"
    r"[ \t]{1,2})?(?:[a-z]{1,12}[ \t]{1,2})?$"
)
# Someone else's setting earlier in the clause: "you used lr 1e-5", "the paper's batch size 16".
# A hypothetical or a thing not done anywhere before it: "if batch size 512 works", "I didn't get to run lr 1e-2".
_SOMEONE_ELSE = re.compile(r"\b(?:you|your|they|their|he|she|his|her|paper|papers|authors?|official|recommended|"
                           r"suggested|default|defaults|if|unless|whether|never|instead)\b|n't\b|\bnot\b")
# The value said to be a source's after it: "warmup 0.1 is what the paper recommends", "bs 32 is the authors' default".
_SOURCE_AFTER = re.compile(r"[ \t]{0,2}(?:is|was|'s|=)[ \t]{1,2}(?:[a-z']{1,12}[ \t]{1,2}){0,3}?"
                           r"(?:paper|papers|paper's|authors?|authors'|official|recommended|suggested|default|defaults)\b")
# Training progress, not a setting, unless written as ``key=value``.
_PROGRESS = frozenset({"epoch", "epochs", "ep", "eps", "step", "steps", "iter", "iters", "iteration",
                       "iterations", "round", "rounds"})
# A count before the setting it sets: "with 2 gpus", "4 heads", "1500 trees".
_COUNT_NOUN = re.compile(r"(?<![\w.\-])(\d{1,5})[ \t]{1,2}([a-z]{3,20})(?![\w\-])")
# Counts that are no run's setting: progress, time, the runs themselves, a family's seeds ("the 3 seeds").
_NOT_COUNTED = _PROGRESS | frozenset({
    "seed", "seeds", "run", "runs", "experiment", "experiments", "model", "models", "trial", "trials", "times",
    "hours", "hrs", "minutes", "mins", "secs", "seconds", "days", "weeks", "samples", "examples", "images",
    "points", "percent", "gb", "mb", "more", "less", "fewer", "other", "others", "out", "versions", "tries"})
# A number closing a list or a range ("2 and 4 gpus", "2-4 gpus"): the count is not one run's.
_LISTED_BEFORE = re.compile(r"\d[ \t]{0,2}(?:,|/|&|\+|-|and|or|to|vs\.?)[ \t]{0,2}$")
_COUNTS = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_RUN_COUNT = re.compile(r"\b(\d{1,2}|both|two|three|four|five|six)[ \t]{1,2}(?:runs|experiments|trials|attempts|tries|"
                        r"jobs)\b|\bout of[ \t]{1,2}(\d{1,2}|two|three|four|five|six)\b")
_STOPPED = frozenset({"FAILED", "KILLED"})
_SENTENCE = re.compile(r"(?<=[.!?])[ \t]{1,4}(?=\S)")
_CLAUSE = re.compile(r"[;\n]|[.!?](?:\s|$)|,\s|\s(?:but|while|whereas|then)\s|\s[-–—]\s|->|→|[()]")


def _runs_with(name: str, value: str, runs: list[RunSnapshot]) -> tuple[frozenset[str], set[str]] | None:
    """The setting's keys and the ids of the runs whose one key for ``name`` holds ``value``; None when no run logs
    the setting or the name means several keys of a run ("lr" for ``lr`` and ``min_lr``)."""
    keys_seen: set[str] = set()
    holding: set[str] = set()
    for run in runs:
        keys = param_keys_for(name, run.params)
        if len(keys) > 1:
            return None
        if keys:
            keys_seen.add(keys[0])
            if value_matches(value, run.params[keys[0]].strip().lower()):
                holding.add(run.run_id)
    return (frozenset(keys_seen), holding) if keys_seen else None


def _is_metric(name: str, runs: list[RunSnapshot]) -> bool:
    spoken = name.replace("-", "_").replace(" ", "_")
    if spoken in lexicon.METRIC_WORDS or any(part in lexicon.METRIC_WORDS for part in spoken.split("_")):
        return True
    return any(spoken == key.lower() or spoken in key.lower().split("_") for run in runs for key in run.metrics)


def setting_value_references(text: str, window_runs: list[RunSnapshot],
                             earlier_runs: list[RunSnapshot] = (),  # type: ignore[assignment]
                             people: frozenset[str] = frozenset()) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for each clause of ``text`` whose settings' values only one window run has (and none of
    the author's earlier runs: the value may be theirs)."""
    if not window_runs:
        return []
    by_id = {run.run_id: run for run in window_runs}
    every = [*window_runs, *(run for run in earlier_runs if run.run_id not in by_id)]
    found: list[tuple[str, RunSnapshot]] = []
    sentences = [sentence for line in text.split("\n") if settings_of_line(line) is None  # the block rule's
                 for sentence in _SENTENCE.split(line.lower())]
    for sentence in sentences:
        if not_run(sentence):
            continue  # a plan or a question
        # A failed or killed run is named by its settings only where the sentence says it failed (a crashed run's
        # config in the team's words is its description; the same config without it may be the relaunch's).
        failing = lexicon.has_cue(sentence, lexicon.FAILURE_CUES)
        linkable = {rid for rid, run in by_id.items() if failing or run.status.upper() not in _STOPPED}
        for clause in _CLAUSE.split(sentence):
            if elsewhere(clause, people):
                continue  # another person's run, or one from long before the window
            mentions = [(written, *said) for written, name, value in _written_settings(clause)
                        if not _is_metric(name, window_runs) and (said := _runs_with(name, value, every))]
            if not mentions:
                continue
            keys = [m[1] for m in mentions]
            if len(set(keys)) == len(keys):
                # Several settings of one run: the run that has them all ("batch size 512 with lr 1e-3").
                fitting = set.intersection(*(m[2] for m in mentions))
                if len(fitting) == 1 and next(iter(fitting)) in linkable:
                    found.append((mentions[0][0], by_id[next(iter(fitting))]))
                elif len(fitting) > 1 and fitting <= linkable and _counted_runs(sentence) == len(fitting):
                    # "I tried batch size = 1 ... 2 out of 3 experiments": the count says it is all of them.
                    found += [(mentions[0][0], by_id[rid]) for rid in sorted(fitting)]
                continue
            # One setting with several values ("the run with 2 gpus and the runs with 4 gpus"): each on its own.
            found += [(written, by_id[next(iter(runs))]) for written, _keys, runs in mentions
                      if len(runs) == 1 and next(iter(runs)) in linkable]
    return found


def _counted_runs(sentence: str) -> int | None:
    """The number of runs a sentence counts ("3 experiments", "both runs", "out of three"), when it counts once."""
    written = [m.group(1) or m.group(2) for m in _RUN_COUNT.finditer(sentence)]
    counts = {int(w) if w.isdigit() else _COUNTS[w] for w in written}
    return counts.pop() if len(counts) == 1 else None


def canonical(name: str) -> str:
    """A setting's name as the lexicon spells it ("batchsize", "batch-size" -> "batch size")."""
    return _JOINED.get(re.sub(r"[ _\\-]", "", name), name)


_PLURAL_AT = re.compile(r"s[ \t]{1,2}at[ \t]{1,2}-?[0-9.]")


def _written_settings(clause: str) -> list[tuple[str, str, str]]:
    """(as written, setting's name, value) for each setting of a clause written with its value: "batch size 512",
    "lr=3e-4", "with 2 gpus"."""
    found: list[tuple[str, str, str]] = []
    for match in _SETTING_VALUE.finditer(clause):
        name, value = match.group(1), match.group(2)
        if _PLURAL_AT.search(match.group(0)):
            continue  # "the 3 seeds at 3e-4": the seeds' values are several; what "at" gives is another setting's
        name = canonical(name)
        if name in _PROGRESS and "=" not in match.group(0):
            continue
        if (not _NOT_THIS.search(clause[: match.start()]) and not _SOMEONE_ELSE.search(clause[: match.start()])
                and not _SOURCE_AFTER.match(clause, match.end())):
            found.append((match.group(0), name, value))
    for match in _COUNT_NOUN.finditer(clause):
        value, noun = match.group(1), match.group(2)
        before = clause[: match.start()]
        if (noun in _NOT_COUNTED or _LISTED_BEFORE.search(before) or _NOT_THIS.search(before)
                or _SOMEONE_ELSE.search(before)):
            continue
        found.append((match.group(0), noun, value))
    return found
