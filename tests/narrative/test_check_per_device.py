"""A batch per device against the runs' device counts, a model's variant code, "Nx" factors, and the runs a
"tried" cites.

"256 per GPU on 8 GPUs" is a global batch of 2048: a run recording ``batch_size=2048, gpus=8`` holds it, one
recording ``batch_size=256, gpus=8`` holds it only where the project counts per device (a
``global_batch_size`` key beside it says so; a plain key alone is read both ways, the global reading first). "B1"
names ``arch=RepVGG-B1`` among RepVGG-A0 runs; "up 8x" is a factor of 8; a "tried" cites the runs that hold
every value the plan names, not the first run holding one of them. The sentences are written for these tests.
"""

from __future__ import annotations

import pytest

from narrative import synthesis
from narrative.check_settings import per_device
from tests.narrative.test_check_values_sizes import _history, _run

GLOBAL = [  # batch_size counts all devices (the ImageNet example's -b)
    _run(1, "net-a0-8gpu", {"arch": "Net-A0", "batch_size": "1024", "gpus": "8", "lr": "0.1"}, {"top1": 70.1}),
    _run(2, "net-a0-4gpu", {"arch": "Net-A0", "batch_size": "256", "gpus": "4", "lr": "0.1"}, {"top1": 71.0}),
    _run(3, "net-b1-8gpu", {"arch": "Net-B1", "batch_size": "1024", "gpus": "8", "lr": "0.4"}, {"top1": 76.2}),
    _run(4, "net-a0-lr", {"arch": "Net-A0", "batch_size": "1024", "gpus": "8", "lr": "0.2"}, {"top1": 71.4}),
]
GLOBAL_NOTES = ["Net-A0 and Net-B1 at batch 1024 on 8 gpus; A0 again on 4 gpus at 256; A0 with lr 0.2."]

PER = [  # batch_size per device, global_batch_size beside it
    _run(1, "one-gpu", {"num_devices": "1", "batch_size": "32", "global_batch_size": "32"}, {"acc": 0.6}),
    _run(2, "two-gpu", {"num_devices": "2", "batch_size": "32", "global_batch_size": "64"}, {"acc": 0.5}),
]
PER_NOTES = ["Ran one gpu at bs 32, then two gpus at bs 32 each."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    ("128 per GPU on 8 GPUs", True, {1, 3, 4}),
    ("A0 with 64 images per GPU on 4 GPUs", True, {2}),
    ("a batch of 32 per GPU on 4 GPUs", False, set()),
    ("a batch of 512 per GPU", False, set()),
    ("A0 on 4 gpus with lr 0.1", True, {2}),      # cites the run holding both, not the first at lr 0.1
    ("B1 at lr 0.1", False, set()),               # lr 0.1 ran on A0 only
    ("B1 with batch 1024", True, {3}),
    ("A0 on a single GPU", False, set()),
    ("raise the lr 2x on A0", True, {4}),
    ("raise the lr 8x on B1", False, set()),
])
def test_global_batches_and_variant_codes(plan: str, tried: bool, cite: set[int]) -> None:
    got = synthesis.check(plan, _history(GLOBAL_NOTES, GLOBAL))
    assert got.already_tried is tried, (plan, got.message)
    if tried:
        cited = {int(r) for m in got.matches for r in m.run_ids}
        assert cited and cited <= cite, (plan, cited, got.message)


@pytest.mark.parametrize(("plan", "tried"), [
    ("32 per GPU on 2 GPUs", True),
    ("a global batch of 64 on a single GPU", False),
    ("a global batch of 64", True),
    ("16 per GPU on 2 GPUs", False),
    ("batch 32 per gpu on 4 gpus", False),
])
def test_per_device_batches(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(PER_NOTES, PER))
    assert got.already_tried is tried, (plan, got.message)


@pytest.mark.parametrize(("words", "i", "per"), [
    (["256", "per", "gpu", "on", "8", "gpus"], 0, True),
    (["256", "per", "gpu", "on", "8", "gpus"], 4, False),
    (["64", "images", "per", "gpu"], 0, True),
    (["batch", "size", "per", "gpu", "64"], 4, True),
    (["batch", "64", "on", "4", "gpus"], 1, False),
])
def test_a_number_per_device(words: list[str], i: int, per: bool) -> None:
    assert per_device(words, i) is per


WARM = [
    _run(1, "no-warm", {"model": "resnet50", "lr": "0.05", "warm_epoch": "0"}, {"mAP": 0.71}),
    _run(2, "warm5", {"model": "resnet50", "lr": "0.05", "warm_epoch": "5", "label_smoothing": "0.1"},
         {"mAP": 0.69}),
]
WARM_NOTES = ["Tried warm up for 5 epochs with label smoothing 0.1, it made mAP worse than no warm up."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("ramp the learning rate up over the first few epochs", True),   # a warm-up, not a higher lr
    ("start from a small learning rate and increase it", True),
    ("a higher learning rate", False),
    ("soften the one-hot labels", True),                              # label smoothing
    ("cap the norm of the gradients", False),                         # clipping: never run
    ("stop training when the validation loss stops improving", False),
])
def test_plain_word_descriptions(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(WARM_NOTES, WARM))
    assert got.already_tried is tried, (plan, got.message)


@pytest.mark.parametrize(("text", "concept", "found"), [
    ("ramp up the lr over the first 1000 steps", "warmup", True),
    ("we start with a small deep learning model and increase its size", "warmup", False),
    ("we raised the learning rate to 0.1 on the first run", "warmup", False),
    ("use soft labels instead of hard one-hot targets", "label_smoothing", True),
    ("keep a running average of the weights", "ema", True),
    ("a weighted average of the models", "ema", False),
    ("stop when validation loss plateaus", "early_stopping", True),
])
def test_descriptions_read(text: str, concept: str, found: bool) -> None:
    from narrative.concepts import described
    assert (concept in {c for c, _ in described(text)}) is found
