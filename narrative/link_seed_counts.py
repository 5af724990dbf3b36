"""Seed replicas a sentence counts (links round 11): "specaug on (mask_time_prob 0.05): both seeds agree, ~19.0 wer",
"cosine schedule, the three seeds are within .2".

A description that fits several of the author's runs equally links none of them (narrative.linking); but when the
runs it fits are the replicas of one configuration — the same settings but for a seed (and the names and output
folders the tools derive from the run's name) — and the same clause counts exactly that many seeds or runs ("both
seeds", "two seeds", "the 3 runs"), the description names them all. Nothing when the count is not the number of
replicas, when a replica of the window is left out of the tie, or when the runs differ in a real setting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from narrative.link_groups import elsewhere, not_run
from narrative.link_setting_values import _is_metric, _runs_with, _written_settings
from storage.records import RunSnapshot

_COUNTS = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
_COUNTED = re.compile(r"(?<![\w\-.])(both|two|three|four|five|[2-5])(?:[ \t]{1,2}(?:the|of[ \t]{1,2}the))?"
                      r"[ \t]{1,2}(seeds|runs|replicas|repeats)(?![\w\-])")


def counted_replicas(text: str) -> int | None:
    """The number of seeds or runs a clause counts ("both seeds", "3 runs"), when it counts once."""
    counts = {_COUNTS[m.group(1)] for m in _COUNTED.finditer(text.lower())}
    return counts.pop() if len(counts) == 1 else None


def _setting_keys(run: RunSnapshot) -> dict[str, str]:
    """A run's settings but its seed and what the tools derive from its name (output_dir, run_name, logging_dir)."""
    name = run.run_name.strip().lower()
    return {k.lower(): v.strip().lower() for k, v in run.params.items()
            if "seed" not in k.lower() and not (name and name in v.strip().lower())}


def seed_replicas(runs: Sequence[RunSnapshot], window: Sequence[RunSnapshot]) -> bool:
    """Whether ``runs`` (two or more) are all the replicas the window holds of one configuration, by seed."""
    if len(runs) < 2:
        return False
    settings = _setting_keys(runs[0])
    if any(_setting_keys(run) != settings for run in runs[1:]):
        return False
    seeds = {next((v for k, v in run.params.items() if "seed" in k.lower()), None) for run in runs}
    if None in seeds or len(seeds) != len(runs):
        return False  # the same seed twice is a rerun, not a replica
    ids = {run.run_id for run in runs}
    return not any(_setting_keys(run) == settings for run in window if run.run_id not in ids)


# Seeds written as a list or a range (links round 13): "seeds 1-3 at lr 0.3 agree", "lr 0.3 seeds 1 and 2 look fine",
# "seed 0/1/2", "seeds 0..4". Each seed names the author's window run with that seed and the sentence's other
# settings — every seed of the list exactly one run, or none is named.
_SEED_LIST = re.compile(r"(?<![\w\-])seeds?[ \t]{0,2}[:=#]?[ \t]{0,2}(\d{1,5})"
                        r"((?:[ \t]{0,2}(?:,|/|&|\band\b|-|–|\bto\b|\.\.)[ \t]{0,2}\d{1,5}(?![\w.]\d)){1,12})(?![\w.])")
_SEED_JOINT = re.compile(r"[ \t]{0,2}(,|/|&|and|-|–|to|\.\.)[ \t]{0,2}(\d{1,5})")
_SENTENCE = re.compile(r"\n|(?<=[.!;])[ \t]")
_NEGATION = re.compile(r"\b(?:not|never|no|didn't|didnt|haven't|without)\b")
_MAX_SEEDS = 24


def _seeds_written(first: str, rest: str) -> list[str] | None:
    seeds = [int(first)]
    for joint, number in _SEED_JOINT.findall(rest):
        if joint in ("-", "–", "to", ".."):
            low, high = seeds[-1], int(number)
            if not 0 < high - low < _MAX_SEEDS:
                return None
            seeds += list(range(low + 1, high + 1))
        else:
            seeds.append(int(number))
    return [str(s) for s in seeds] if len(set(seeds)) == len(seeds) >= 2 else None


def seed_list_references(text: str, window_runs: list[RunSnapshot],
                         people: frozenset[str] = frozenset()) -> list[tuple[str, RunSnapshot]]:
    """(as written, run) for each seed of a list or range that names exactly one of the author's window runs."""
    finished = [r for r in window_runs if r.status.upper() == "FINISHED"]
    if len(finished) < 2 or "seed" not in text.lower():
        return []
    found: list[tuple[str, RunSnapshot]] = []
    for sentence in _SENTENCE.split(text.lower()):
        for match in _SEED_LIST.finditer(sentence):
            seeds = _seeds_written(match.group(1), match.group(2))
            before = sentence[: match.start()]
            if (seeds is None or "?" in sentence or not_run(sentence) or elsewhere(sentence, people)
                    or _NEGATION.search(before)):
                continue
            fitting = {r.run_id for r in finished}
            for _written, name, value in _written_settings(sentence[: match.start()] + " " + sentence[match.end():]):
                if "seed" in name or _is_metric(name, finished):
                    continue
                said = _runs_with(name, value, finished)
                if said is not None:  # a setting no run logs ("1 and" read as a count) neither picks nor rules out
                    fitting &= said[1]
            named: list[RunSnapshot] = []
            for seed in seeds:
                holding = [r for r in finished if r.run_id in fitting
                           and any("seed" in k.lower() and v.strip() == seed for k, v in r.params.items())]
                if len(holding) != 1:
                    named = []
                    break
                named.append(holding[0])
            found += [(match.group(0), run) for run in named]
    return found
