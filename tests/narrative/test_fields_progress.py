"""Classes of language an entry's fields read (round fields7): work still under way in a weekly log is a next
step; the latest day of a dated log is in progress and earlier days' bare items were done; failures told by what
the model puts out; questions asked without a mark; a verdict that names only a measure judges the change told
just before it, and is named by it; an effect expected of a thing is a hypothesis."""

from __future__ import annotations

import pytest

from narrative.forecasts import expected_effect
from narrative.progress import in_progress
from narrative.reading import modality, verdict_of
from tests.narrative.entry_helpers import structure_text


@pytest.mark.parametrize("text", [
    "I am currently debugging a VAE model using convolutional layers.",   # tune s654 (mlpack/blog, Atharva)
    "I'm now training a ResNet-50 on the full split.",
    "Currently running the ablation without positional encodings.",
    "Still waiting on the cluster for the long-context sweep.",
    "The 1.3B run is still training.",
    "I have decided to solve this by freezing the encoder.",
])
def test_work_under_way_is_a_next_step(text: str) -> None:
    assert in_progress(text.lower())
    structure = structure_text(text)
    assert structure.next_steps
    assert not [c for c in structure.conclusions if c.verdict == "did_not_work"]


@pytest.mark.parametrize("text", [
    "I'm still getting NaNs after the first epoch.",
    "We are not currently training the backbone.",
    "I trained the model for 20 epochs.",
    "The loss is still going down.",
])
def test_a_state_or_a_report_is_not_work_under_way(text: str) -> None:
    assert not in_progress(text.lower())


def test_a_wip_label_heads_work_in_progress() -> None:
    assert structure_text("WIP: distillation into the small model.").next_steps


@pytest.mark.parametrize("text", [
    "I tried training it on MNIST. But, the reconstruction loss isn't decreasing at all over iterations.",  # s641
    "Training with `ReconstructionLoss` generates barely recognizable digits.",                           # s649
    "sampling from the prior didn't generate **defined** results",                                         # s658
    "The model just predicts the majority class.",
    "Switched to AdamW. Same result.",
    "Turned on EMA for the weights. Results are basically identical.",
    "I also tried mixup; no luck.",
])
def test_a_failure_told_by_the_output(text: str) -> None:
    assert verdict_of(text) == "did_not_work"


@pytest.mark.parametrize("text", [
    "The loss is decreasing nicely.",
    "Barely any overfitting this time.",
    "The model predicts the minority class well now.",
])
def test_a_working_output_is_no_failure(text: str) -> None:
    assert verdict_of(text) != "did_not_work"


@pytest.mark.parametrize("text", [
    "Not clear yet if the gain is real or just seed variance.",
    "Unclear how much of it is the data.",
    "Need to figure out why the eval is so slow.",
])
def test_a_question_without_a_mark(text: str) -> None:
    assert modality(text) == "question"
    assert structure_text(text).open_questions


def test_a_plan_to_look_into_something_stays_a_plan() -> None:
    text = "I will discuss this with Sumedh tonight and try to figure out what's going wrong."  # s642
    assert modality(text) == "planned"
    assert structure_text(text).next_steps


@pytest.mark.parametrize(("text", "technique"), [
    ("Added dropout 0.3 after every block. Val loss got worse.", "dropout"),
    ("We added label smoothing to the decoder. Unfortunately this made no difference.", "label smoothing"),
    ("Then tried a cosine schedule. Loss diverged after 2k steps.", "cosine"),
    ("I experimented with freezing the first six layers. The model stopped learning after epoch 2.", "freezing"),
])
def test_a_verdict_on_the_change_before_names_it(text: str, technique: str) -> None:
    failures = [c.text for c in structure_text(text).conclusions if c.verdict == "did_not_work"]
    assert failures and all(technique in f for f in failures)


def test_a_verdict_with_its_own_subject_keeps_it() -> None:
    text = "Added dropout after every block of the encoder. Mixup with alpha 0.4 hurt the accuracy on the dev set."
    failures = [c.text for c in structure_text(text).conclusions if c.verdict == "did_not_work"]
    assert failures and not any("dropout" in f for f in failures)


@pytest.mark.parametrize("text", [
    "Hopefully the larger batch will stabilise things.",
    "This should make training more stable.",
    "Once done, I think it will give better results.",     # tune s655
    "Intuitively, sharing the embeddings should regularise the decoder.",
])
def test_an_effect_expected_of_a_thing_is_a_hypothesis(text: str) -> None:
    assert expected_effect(text)
    structure = structure_text(text)
    assert structure.hypotheses
    assert not structure.conclusions


@pytest.mark.parametrize("text", ["I will try a cosine schedule tomorrow.", "We should try label smoothing.",
                                  "It will take most of the night to finish."])
def test_a_plan_or_a_duration_expects_no_effect(text: str) -> None:
    assert not expected_effect(text)


DATED_LOG = """# Week 4

## 2020/09/21 Mon.

* Apply mean-variance normalization on acoustic features
* Use a denoiser on the target speech

## 2020/09/22 Tue.

* Compare the two vocoders: rtf=0.06 vs 0.09
* Port the duration model to the streaming decoder
"""


def test_a_dated_log_earlier_days_were_done_the_latest_is_in_progress() -> None:
    structure = structure_text(DATED_LOG)
    assert any("normalization" in h for h in structure.hypotheses)
    assert any("denoiser" in h for h in structure.hypotheses)
    assert not any("normalization" in n or "denoiser" in n for n in structure.next_steps)
    assert any("streaming decoder" in n for n in structure.next_steps)
    assert not any("rtf" in n for n in structure.next_steps)


@pytest.mark.parametrize("text", ["My hypothesis is that the tokenizer splits numbers badly.",
                                  "The motivation is that the decoder overfits to speaker identity."])
def test_a_stated_hypothesis_is_no_failure(text: str) -> None:
    structure = structure_text(text)
    assert structure.hypotheses
    assert not [c for c in structure.conclusions if c.verdict == "did_not_work"]
