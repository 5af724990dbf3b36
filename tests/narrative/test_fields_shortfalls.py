"""Classes of language an entry's fields read (round fields8): failures told without a verdict word (a result
measured against the paper or a baseline, a ceiling, a trouble still there or met again, a reproduction that falls
short, a measure that hardly moves), a cause put forward under a hedge, suggestions to someone else, questions
asked as "I would like to ask" or with a typographic apostrophe. Sentences are written for the classes, not copied."""

from __future__ import annotations

import pytest

from narrative import shortfalls
from narrative.reading import modality, verdict_of
from tests.narrative.entry_helpers import structure_text


@pytest.mark.parametrize("text", [
    "Val acc 0.61 vs 0.64 for the baseline.",
    "After 10 epochs the WER is still 45%, much higher than the 12% reported in the paper.",
    "My reproduction gets a BLEU of 24.1 compared to 27.3 in the paper.",
    "Using the larger model, the accuracy only reaches 0.52.",
    "It still diverges with warmup.",
    "The loss is still around 2.3 after 20 epochs.",
    "I fine-tuned on 10k samples and the model outputs only blank predictions.",
    "The generated captions are all the same sentence for every image.",
    "Training on 4 GPUs instead of 1 gives the same numbers.",
    "I also tried with the pretrained checkpoint, same result.",
    "I reran it with a fresh environment and ran into the same error.",
    "I still get spikes in the loss after clipping the gradients.",
    "Even after matching the learning rate, I can't replicate the reported accuracy.",
    "The numbers are 3 points off the paper.",
    "The test F1 is lower than the paper's.",
    "The training loss hardly drops after the first epoch.",
    "When I set the dropout to 0.5, the accuracy drops to 60%.",
])
def test_failures_without_a_verdict_word(text: str) -> None:
    structure = structure_text(text)
    assert [c for c in structure.conclusions if c.verdict == "did_not_work"], structure


@pytest.mark.parametrize("text", [
    "Val acc 0.68 vs 0.64 for the baseline.",
    "The validation loss is lower than the paper's.",
])
def test_better_than_the_reference_is_no_failure(text: str) -> None:
    assert verdict_of(text) == "worked"


@pytest.mark.parametrize("text", [
    "I got 0.91 after 10 epochs.",                               # no reference named
    "The paper trains for 90 epochs while we train for 30.",     # counts, not measurements
    "Accuracy is still 95% after pruning half the heads.",      # "still" at a value of a score: kept, not stuck
    "We only get to run 2 seeds per config.",                    # "only get" with no measured value
])
def test_no_failure_read_into_plain_reports(text: str) -> None:
    assert shortfalls.shortfall(" ".join(text.lower().split())) is None


@pytest.mark.parametrize("text", [
    "Probably the learning rate is too high for the small batch.",
    "Perhaps the augmentations are too strong.",
    "It could be that the vocabulary file does not match the checkpoint.",
    "Seems like the warmup is too short.",
])
def test_a_hedged_cause_is_a_hypothesis(text: str) -> None:
    _assert_a_hypothesis_not_a_failure(text)


@pytest.mark.parametrize("text", [
    "It seems like it's stuck at a poor local optimum.",         # judges the run just told
    "It seems adding dropout didn't help.",                      # a hedged verdict on a change
])
def test_a_hedged_outcome_stays_a_verdict(text: str) -> None:
    assert not shortfalls.conjecture(text.lower())


@pytest.mark.parametrize("text", [
    "I would suggest lowering the batch size.",
    "Maybe you should check the sampling rate of your data.",
    "You might want to normalise the inputs first.",
])
def test_a_suggestion_is_a_next_step(text: str) -> None:
    assert structure_text(text).next_steps


@pytest.mark.parametrize("text", [
    "I would like to ask why the eval script gives a different number.",
    "I don’t know if the checkpoint was trained with mixed precision.",
])
def test_questions_without_a_mark(text: str) -> None:
    assert modality(text) == "question"


@pytest.mark.parametrize("text", [
    "It should be an order of magnitude lower, I believe.",
    "There might be a bug in the data loader.",
    "It's likely a data issue rather than a model issue.",
    "I'd guess the augmentation is too aggressive.",
])
def test_a_claim_put_forward_is_a_hypothesis(text: str) -> None:
    _assert_a_hypothesis_not_a_failure(text)


@pytest.mark.parametrize("text", [
    "The model was trained on LibriSpeech 960h for 30 epochs.",
    "Training was done with 8 GPUs and a total batch size of 256.",
])
def test_a_run_told_in_the_passive_is_what_was_tried(text: str) -> None:
    assert structure_text(text).hypotheses


def test_a_clause_that_asks_judges_nothing() -> None:
    text = "I'm not sure whether the augmentation or the longer training is responsible for the gain."
    structure = structure_text(text)
    assert structure.open_questions
    assert not [c for c in structure.conclusions if c.verdict == "worked"]


def test_an_indirect_question_standing_alone() -> None:
    assert modality("- why eval loss spikes at epoch 3") == "question"


def _assert_a_hypothesis_not_a_failure(text: str) -> None:
    structure = structure_text(text)
    assert structure.hypotheses
    assert not [c for c in structure.conclusions if c.verdict == "did_not_work"]
