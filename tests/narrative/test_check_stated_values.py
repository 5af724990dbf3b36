"""A variant said in the candidate's own words (h/checks12): another value of the plan's setting in a statement or in
a run's params, another value written as an identifier, a change asked "with" a technique, a statement that names
only the plan's technique while its runs ran another model. Sentences written for the test; each class fails on
the code before the round (the plans were answered "Already tried")."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import synthesis, vocab
from narrative.check_stated import identifier_off, params_value_off, plan_identifiers, plan_values, stated_value_off
from narrative.types import ProjectHistory
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import history as walkthrough_history

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="probe", primary_metric="val_loss", goal="min",
                        experiment_ids=["1"])


def _run(key: str, name: str, hours: float, params: dict[str, str], value: float) -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user="ana", status="FINISHED", start=start,
                       end=start + dt.timedelta(hours=2), params=params, metrics={"val_loss": value})


@pytest.mark.parametrize(("plan", "text"), [
    ("dropout 0.5", "dropout 0.3 helped a bit"),
    ("a base learning rate of 1e-6", "lr: 0.000004 loss: 0.2606 (0.2654)"),
    ("an STFT loss weight of 0.1", "then added a multi-resolution STFT loss on top of si-snr, weight 0.5: 3.01"),
    ("reverb augmentation on 80% of the clips", "reverb augmentation with simulated RIRs on 30% of clips: 2.97"),
    ("l1 plus 0.5 * stft loss", "l1-loss+0.1* multi-resolution STFT loss"),
    ("weight decay of 0.1", "weight decay 0.01 was the default"),
])
def test_a_statement_naming_the_setting_at_another_value_is_a_variant(plan: str, text: str) -> None:
    assert stated_value_off(plan_values(plan), text), (plan, plan_values(plan))


@pytest.mark.parametrize(("plan", "text"), [
    ("dropout 0.3", "dropout 0.3 helped a bit"),
    ("lr 3e-4", "lr=0.0003 was the best"),
    ("a learning rate of 1e-4", "learning rate 1e-4 gave 0.91 auc"),
    ("train for 20 epochs", "20 epochs of training gave 0.8"),
    ("weight decay 0.01", "weight decay 0.01 and dropout 0.1"),
    ("dropout 0.5", "added dropout after the encoder, val loss 0.41"),
    ("reverb on 30% of clips", "reverb augmentation on 30% of the clips"),
    ("an STFT loss weight of 0.5", "we added the stft loss, it removed the artifacts"),
    ("a learning rate below 0.08", "learning rate 0.08 diverged"),
    ("fine-tune resnet-50", "resnet-18 was worse at 0.71"),
    ("batch size 32", "batch size 32 with lr 0.1"),
    ("dropout", "dropout 0.3 helped"),
])
def test_a_statement_at_the_same_value_or_with_none_is_not(plan: str, text: str) -> None:
    assert not stated_value_off(plan_values(plan), text), (plan, plan_values(plan))


@pytest.mark.parametrize(("plan", "params", "off"), [
    ("8 random negatives per query", {"negatives": "random", "num_negatives": "4"}, True),
    ("reverb augmentation on 80% of the clips", {"reverb_aug": "rir_sim", "reverb_prob": "0.3"}, True),
    ("reverb augmentation on 30% of the clips", {"reverb_aug": "rir_sim", "reverb_prob": "0.3"}, False),
    ("8 random negatives per query", {"negatives": "random", "num_negatives": "8"}, False),
    ("dropout 0.5", {"dropout": "0.5", "attention_dropout": "0.1"}, False),
    ("dropout 0.5", {"lr": "0.5", "model": "mlp"}, False),
    ("lora rank 16", {"lora_r": "16", "lora_alpha": "32"}, False),
    ("dropout 0.5", {"dropout": "true"}, False),
])
def test_a_run_holding_the_setting_at_another_value(plan: str, params: dict[str, str], off: bool) -> None:
    assert params_value_off(plan_values(plan), params) is off


@pytest.mark.parametrize(("plan", "text", "off"), [
    ("monitor val_acc for the checkpoint", "monitor='val_weighted_acc' in ModelCheckpoint", True),
    ("monitor val_acc for the checkpoint", "checkpoint_monitor val_loss", True),
    ("monitor val_acc for the checkpoint", "checkpointed on val_acc: 81.2", False),
    ("monitor val_acc", "val acc 0.81 at the best epoch", False),
    ("switch the scheduler to reduce_on_plateau", "reduce_on_plateau with patience 3: better", False),
    ("set stft_loss to true", "stft_loss true", False),
    ("lower learning_rate to 1e-4", "lr 3e-4", False),
    ("use label_smoothing", "label smoothing 0.1", False),
])
def test_a_value_written_as_an_identifier(plan: str, text: str, off: bool) -> None:
    assert identifier_off(plan_identifiers(plan), text) is off, plan_identifiers(plan)


def test_the_stated_values_answer_not_tried_with_the_closest() -> None:
    runs = [_run("a", "drop-03", 1, {"model": "mlp"}, 0.5),
            _run("b", "ckpt-wacc", 3, {"model": "mlp", "checkpoint_monitor": "val_weighted_acc"}, 0.52)]
    notes = [(6, "dropout 0.3 on the hidden layer (drop-03) gave 0.50."),
             (8, "checkpointing on val_weighted_acc (ckpt-wacc) was worse, 0.52.")]
    h = walkthrough_history(PROJECT, runs, notes, days=3, t0=T0, author="ana")
    for plan in ("dropout 0.5 on the hidden layer", "checkpoint on val_acc"):
        got = synthesis.check(plan, h)
        assert not got.already_tried and got.message.startswith("Not tried; closest"), (plan, got.message)
    for plan in ("dropout 0.3 on the hidden layer", "checkpoint on val_weighted_acc"):
        assert synthesis.check(plan, h).already_tried, plan


def _precision_history() -> ProjectHistory:
    runs = [_run("c", "fp16-base", 1, {"precision": "fp16", "lr": "1e-4", "model": "tasnet"}, 2.0),
            _run("d", "fp16-lowlr", 3, {"precision": "fp16", "lr": "1e-5", "model": "tasnet"}, 1.9),
            _run("e", "bf16-base", 5, {"precision": "bf16", "lr": "1e-4", "model": "tasnet"}, 1.8),
            _run("f", "dccrn-fp32", 7, {"precision": "fp32", "lr": "1e-4", "model": "dccrn"}, 1.7)]
    notes = [(9, "fp16 autocast on tasnet (fp16-base) went nan, so did a lower lr (fp16-lowlr). bf16 (bf16-base) is "
                 "stable at 1.8. dccrn in plain fp32 (dccrn-fp32) is best at 1.7.")]
    return walkthrough_history(PROJECT, runs, notes, days=3, t0=T0, author="ana")


@pytest.mark.parametrize(("plan", "tried"), [
    ("bf16 with a lower learning rate", False),
    ("a lower lr with bf16", False),
    ("fp16 with a lower learning rate", True),
    ("bf16", True),
    ("fp16 on dccrn", False),
    ("fp16 on tasnet", True),
])
def test_a_change_with_a_technique_and_a_technique_on_another_model(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _precision_history())
    assert got.already_tried is tried, (plan, got.message)


@pytest.mark.parametrize(("text", "concept", "present"), [
    ("l1-loss", "l1_loss", True),
    ("L1 regularization", "l1_loss", False),
    ("l1 ratio 0.5", "l1_loss", False),
    ("smooth l1 loss", "l1_loss", False),
    ("train in full fp32", "fp32", True),
    ("fp16 mixed precision", "fp32", False),
    ("multi-resolution STFT loss", "stft_loss", True),
    ("multi-resolution STFT loss", "resolution", False),
    ("a higher resolution", "resolution", True),
    ("si-snr loss", "si_snr", True),
    ("si-snr loss", "snr_loss", False),
    ("an snr loss", "snr_loss", True),
    ("musan noise at snr 5-20", "snr_loss", False),
    ("reverb with simulated RIRs", "reverb_augment", True),
    ("reverb with simulated RIRs", "noise_augment", False),
    ("add musan noise", "noise_augment", True),
])
def test_sibling_concepts_of_the_round(text: str, concept: str, present: bool) -> None:
    assert (concept in vocab.concepts_in(vocab.norm(text))) is present
