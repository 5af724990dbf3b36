"""A verdict's polarity on real notes (issue 8, detection and sensor-anomaly walkthroughs): words that name a thing,
a setting or no harm done are no verdict, and a negator reaches verbs of success only, not words that begin like them.

Each rule has sentences it must read (they failed before) and look-alikes it must leave as they were."""

from __future__ import annotations

import pytest

from narrative.reading import verdict_of
from narrative.vocab import reason_kind

# "the last good ckpt", "3 seeds of the best config": a checkpoint or a setting picked out, no success claimed.
NAMED_GOOD = [
    "the last good ckpt from exp 2 is still what's deployed on the demo box",
    "restarted from the last good checkpoint, lr halved",
    "reran 3 seeds of the best config",
    "loaded the best ckpt and exported it to onnx",
    "resumed from the previous good state, lr halved",
]
NAMED_GOOD_KEEP = [
    ("the best config was lr 3e-4 with mosaic on", "worked"),
    ("yolov8m is the best model so far", "worked"),
    ("good gain from the bigger image size, +3 pts", "worked"),
    ("the last run was good, 0.47", "worked"),
    ("best so far: 0.468", "worked"),
    ("bigger batch is better", "worked"),
    ("the good news: the tags class finally gets detected", "worked"),
    ("the last good ckpt diverged on resume", "did_not_work"),
]

# "hurt nothing", "nothing new trained": no harm done, no run to judge.
NO_HARM = [
    "hurt nothing, same f1 and a bit faster",
    "conv AE trains faster and breaks nothing",
    "nothing new trained today",
    "nothing ran overnight",
]
NO_HARM_KEEP = [
    ("nothing helped", "did_not_work"),
    ("tried it: nothing", "did_not_work"),
    ("the extra channel did nothing", "did_not_work"),
    ("it hurt, nothing else changed", "did_not_work"),
    ("dropout hurt a lot", "did_not_work"),
    ("nothing changed after the lr drop", "did_not_work"),
    ("mosaic off hurts small objects", "did_not_work"),
    ("adds nothing over the baseline", "did_not_work"),
]

# IsolationForest's contamination is a setting, not contaminated data.
CONTAMINATION_SETTING = [
    "contamination 0.01 is a guess, haven't tuned it",
    "iforest with contamination=0.02, window 300",
    "set contamination to auto and w=120",
    "the contamination param is still at its default",
]
CONTAMINATION_KEEP = [
    ("the contamination from the test set explains the jump", "did_not_work"),
    ("found label contamination between train and val", "did_not_work"),
    ("val is contaminated with train windows", "did_not_work"),
    ("there is contamination of the holdout by the augmented copies", "did_not_work"),
    ("contamination across folds, so the 0.9 is fiction", "did_not_work"),
    ("leakage again, test windows overlap train", "did_not_work"),
    ("contaminated labels in the march batch", "did_not_work"),
    ("data contamination explains it", "did_not_work"),
]

# A negator reaches "win", "works", not "window", "workers", "workflow".
# A step ruled out ("don't need to train up to 1e6") reports no move of a metric.
RULED_OUT = ["I likely don't need to train up to 1e6 episodes for the first stage", "no need to go up to 1280"]

NEGATOR_SCOPE = [
    "rewrote the eval so precision@k is computed per incident not per window",
    "the loader is not using 8 workers anymore",
    "scores are per sensor not per window now",
]
NEGATOR_SCOPE_KEEP = [
    ("not a win, 0.43 vs 0.44", "did_not_work"),
    ("didn't work at all", "did_not_work"),
    ("not working with workers=8", "did_not_work"),
    ("it doesn't win against the iforest", "did_not_work"),
    ("never wins on the drift incidents", "did_not_work"),
    ("the bigger window did not help", "did_not_work"),
    ("not winning anything with the conv head", "did_not_work"),
    ("doesn't work for the slow drifts", "did_not_work"),
]


@pytest.mark.parametrize("sentence", NAMED_GOOD + NO_HARM + CONTAMINATION_SETTING + NEGATOR_SCOPE + RULED_OUT)
def test_no_verdict_is_read_in_a_name_a_setting_or_no_harm(sentence: str) -> None:
    assert verdict_of(sentence) is None, sentence


@pytest.mark.parametrize(("sentence", "verdict"),
                         NAMED_GOOD_KEEP + NO_HARM_KEEP + CONTAMINATION_KEEP + NEGATOR_SCOPE_KEEP)
def test_look_alikes_keep_their_verdict(sentence: str, verdict: str | None) -> None:
    assert verdict_of(sentence) == verdict, sentence


# A threshold's percentile ("p99.5") is no latency; a latency said with its unit or its name still is.
def test_a_threshold_percentile_is_no_latency_reason() -> None:
    assert reason_kind("Raising the threshold to p99.5 backfired: f1 dropped to 0.55") != "latency"
    assert reason_kind("threshold p99 is too tight") != "latency"


@pytest.mark.parametrize("text", [
    "p99 latency went to 80ms", "p95 40ms, too much", "over the p99 latency budget", "inference time doubled",
    "tta hurts latency too much", "p99 lat is 120 ms on the jetson", "blows the latency budget", "p95 35 ms per image",
])
def test_latency_said_with_its_unit_or_name_is_latency(text: str) -> None:
    assert reason_kind(text) == "latency", text
