"""Round 18 (roles18): recall of things tried and verdicts read as nothing, by class, with sentences written for these
tests in the shapes the thirteenth corpus batch's tune part shows (never copied from held text).

Classes: a change told to move a measure that is its object ("dropout reduced the val loss") is judged by the measure's
direction; a stall or a breakdown of the training named as the outcome ("the val accuracy is plateauing", "learning
collapse", "the high LR caused divergence") did not work; a change that cost no score ("there was no drop in
accuracy") worked; a difference told small between the things compared ("little difference between the two") did not
work; "Target:" labels what a model of a series tries. Each class has tests that fail on the base engine (45cff01) and
must-not-fire probes that pass on both.
"""

from __future__ import annotations

import pytest

from narrative.reading import verdict_of
from narrative.segmenting import heading_section
from tests.narrative.role_corpus import Item, engine_role


def _role(text: str, context: str = "") -> str:
    return engine_role(Item(id="x", split="tune", source="", context=context, text=text, role="other"))


# --- a change moving a measure that is its object --------------------------------------------------------------------

@pytest.mark.parametrize(("text", "verdict"), [
    ("Layer norm clearly increases the validation accuracy.", "worked"),
    ("The extra augmentation reduced the test error on both folds.", "worked"),
    ("Label smoothing lowered our perplexity a little.", "worked"),
    ("The bf16 run increased the val loss.", "did_not_work"),
    ("The bigger head decreased the mAP on the small objects.", "did_not_work"),
    ("Mixup did not increase the F1 at all.", "did_not_work"),
    ("The new sampler doesn't reduce the WER.", "did_not_work"),
])
def test_a_change_moving_its_object_measure_is_judged_by_the_measure(text: str, verdict: str) -> None:
    assert verdict_of(text) == verdict, text
    assert _role(text) == verdict, text


@pytest.mark.parametrize("text", [
    "I reduced the loss weight of the auxiliary head to 0.1.",      # a setting named by the measure
    "We reduced the model size by half.",                           # a cost cut, a thing done
    "I increased the learning rate to 3e-4.",                       # a setting
    "Regularization usually reduces the test error.",               # a habit, no outcome seen
    "This can increase the accuracy on small datasets.",            # a possibility
    "Increase the accuracy by tuning the schedule.",                # an instruction
    "We need to reduce the loss on the long sequences.",            # a need
    "In order to reduce the val loss I added dropout.",             # a purpose
    "Does the warmup reduce the loss?",                             # a question
    "It raised the batch size to 64.",                              # a setting
])
def test_object_measure_must_not_fire(text: str) -> None:
    assert verdict_of(text) is None, text


# --- a stall or a breakdown named as the outcome ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "- Val accuracy is low and it is plateauing",
    "The dev loss plateaued at 2.3 after the switch.",
    "With the smaller lr we hit a plateau around epoch 8.",
    "Quite a strong representation collapse in the second run.",
    "The larger warmup caused early divergence in two seeds.",
    "Turning off clipping led to instability after 10k steps.",
])
def test_a_stall_or_breakdown_named_as_the_outcome_did_not_work(text: str) -> None:
    assert verdict_of(text) == "did_not_work", text
    assert _role(text) == "did_not_work", text


@pytest.mark.parametrize("text", [
    "Train until the val loss plateaus, then decay.",               # a condition
    "We use ReduceLROnPlateau with patience 3.",                     # a scheduler's name
    "Reduce the lr on plateau.",
    "| Baseline | random init | 5.72 | long plateau |",             # the noun in a table
    "Once it plateaus we stop the run.",
    "The stop-gradient is there to avoid representation collapse.",  # a breakdown avoided
    "No collapse this time.",
    "What caused the divergence?",                                   # asked
    "A very high lr could cause divergence.",                        # a possibility
    "We track the KL divergence between the two policies.",          # a measure
    "Why does the loss plateau so early?",
    "It plateaued around 96% accuracy, which is fine for this task.",   # a plateau judged good
])
def test_stall_and_breakdown_must_not_fire(text: str) -> None:
    assert verdict_of(text) != "did_not_work", text


# --- a change that cost no score -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "We pruned a third of the heads and there was no drop in accuracy.",
    "There wasn't any loss in performance after quantizing.",
    "Freezing the encoder came without any loss in recall.",
    "After int8 quantization we did not see any loss in accuracy.",
])
def test_a_change_that_cost_no_score_worked(text: str) -> None:
    assert verdict_of(text) == "worked", text
    assert _role(text) == "worked", text


@pytest.mark.parametrize("text", [
    "If there is no drop in accuracy we keep the pruned model.",     # a condition
    "Hoping for no loss in accuracy with int8.",                     # a wish
    "Is there a loss in performance with fp16?",                     # a question
    "The goal is to quantize with no drop in accuracy.",             # a goal
    "We should see no degradation in quality.",                      # an expectation
    "There is no loss function for the ranking head yet.",           # no measure
    "no loss curve was logged for this run",
    "We want to ensure no drop in recall.",
])
def test_no_cost_must_not_fire(text: str) -> None:
    assert verdict_of(text) != "worked", text


# --- a difference told small between the things compared -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "I think there's little difference between the two so far.",
    "Hardly any difference with the deeper encoder.",
    "Not much difference between AdamW and Lion on this set.",
])
def test_a_small_difference_between_compared_things_did_not_work(text: str) -> None:
    assert verdict_of(text) == "did_not_work", text


@pytest.mark.parametrize("text", [
    "There is little difference between train and test accuracy.",   # a small gap: no overfitting
    "I expect little difference between the two.",                   # an expectation
    "Is there much difference between them?",                        # a question
    "The little differences in preprocessing matter a lot.",          # small differences that matter
    "It would make little difference if we froze the encoder.",       # a condition
    "Very little difference between val and dev scores.",             # splits
    "What is the difference between the two samplers?",
    "There is a big difference between the two.",
])
def test_small_difference_must_not_fire(text: str) -> None:
    assert verdict_of(text) != "did_not_work", text


# --- "Target:" labels what a model of a series tries -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "context"), [
    ("- Add a 1x1 transition after the second block", "### **Target**"),
    ("- Reduce the number of channels to stay under 8k parameters", "Target:"),
    ("- Setting up the data loaders and a first network", "**Targets**"),
])
def test_target_labels_what_is_tried(text: str, context: str) -> None:
    assert heading_section(context) == "hypothesis", context
    assert _role(text, context) == "hypothesis", text


@pytest.mark.parametrize("label", [
    "Target variable", "target modules", "Target metric", "Targets met", "target lr", "Target audience",
    "target accuracy reached", "results",
])
def test_other_target_labels_are_not_a_hypothesis_block(label: str) -> None:
    assert heading_section(label) != "hypothesis", label
