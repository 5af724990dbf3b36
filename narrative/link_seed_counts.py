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
