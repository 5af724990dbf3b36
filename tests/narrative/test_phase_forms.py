"""Forms of language read for ``coco phase`` (h/phase9): how a step is carried out is no closing, a verdict told
as it goes on is one. Sentences written for the tests, several wordings each, with the everyday sentences that
share their trigger words."""

from __future__ import annotations

import pytest

from narrative import reading, vocab
from narrative.entry_decisions import decisions_in


@pytest.mark.parametrize(("sentence", "closes"), [
    # the passive of doing, told with its manner: how a step is carried out
    ("Rotation is done like this:", False),
    ("Normalization is done per speaker.", False),
    ("Augmentation is done on the fly in the dataloader", False),
    ("Tokenization was done with BPE", False),
    ("The split is done by patient id", False),
    ("This is done once per epoch", False),
    ("the grid search was done on 4 GPUs", False),
    # finished with a line of work: still closes
    ("I am done with dropout, it never helped", True),
    ("We are done with mixup.", True),
    ("done with mixup", True),
    ("focal loss is done.", True),
    ("Hyperparameter tuning is done for now", True),
])
def test_how_a_step_is_done_is_no_closing(sentence: str, closes: bool) -> None:
    negative, closing, _adopt, _open = vocab.cue_flags(sentence)
    assert closing is closes and negative is closes
    if not closes:
        assert not decisions_in(sentence, [], [])


@pytest.mark.parametrize(("sentence", "verdict"), [
    ("augmentations are helping", "worked"),
    ("mixup is really helping a lot", "worked"),
    ("cutmix was helping early on", "worked"),
    ("the warmup is also helping.", "worked"),
    ("dropout isn't helping", "did_not_work"),
    ("mixup is not really helping", "did_not_work"),
    ("label smoothing is hurting", "did_not_work"),
    # a person helping is no verdict
    ("he is helping me debug the loader", None),
    ("she was helping with the labels", None),
    ("thanks for helping", None),
])
def test_a_verdict_told_as_it_goes_on(sentence: str, verdict: str | None) -> None:
    assert reading.verdict_of(sentence) == verdict
