"""A plan's variant and target against what was done: "only" one part of a model, full fine-tuning vs LoRA,
semi-hard vs hard negatives, a thing taken away, a model code that rules the runs out, and what someone else's
work suggests.

"LoRA on the feed-forward layers only" is not the run whose adapters sit on the attention and the MLP
projections, nor a note that *added* the FFN layers to the others; full fine-tuning is not LoRA fine-tuning;
semi-hard negatives are not the hardest ones; "remove warmup and label smoothing" is the run that logged both at
0; "label smoothing on B1" where only A0 runs had it names those runs as the closest; "The X paper suggests ..."
and "Your work suggests ..." (in a thread) report a claim, no run of the writer's. The sentences are written for
these tests.
"""

from __future__ import annotations

import pytest

from narrative import synthesis
from narrative.statements import statement_modality
from tests.narrative.test_check_values_sizes import _history, _run

LORA = [
    _run(1, "lora-attn", {"model": "mistral-7b", "lora_target": "q_proj,k_proj,v_proj,o_proj", "lora_r": "16"},
         {"eval_loss": 1.21}),
    _run(2, "lora-attn-mlp", {"model": "mistral-7b", "lora_r": "16",
                              "lora_target": "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"},
         {"eval_loss": 1.19}),
]
LORA_NOTES = ["LoRA r16 on the attention projections first. Then I added the FFN layers too, loss 1.19 vs 1.21.",
              "The QLoRA paper suggests targeting all linear layers is what matters.",
              "Your work suggests that the embedding layer has to be trained for long context."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    ("LoRA on the feed-forward layers only", False, set()),
    ("LoRA on the MLP blocks only", False, set()),
    ("LoRA on the attention projections only", True, {1}),
    ("add LoRA to the MLP layers as well", True, {2}),
    ("full fine-tuning of the 7B", False, set()),
    ("fine-tune every weight of the model", False, set()),
    ("QLoRA with 4-bit weights", False, set()),
    ("train the embedding layer", False, set()),
])
def test_only_a_part_and_full_fine_tuning(plan: str, tried: bool, cite: set[int]) -> None:
    got = synthesis.check(plan, _history(LORA_NOTES, LORA))
    assert got.already_tried is tried, (plan, got.message)
    if tried:
        cited = {int(r) for m in got.matches for r in m.run_ids}
        assert cited & cite, (plan, cited, got.message)


NEG = [
    _run(1, "triplet-base", {"loss": "triplet", "margin": "0.2", "hard_mining": "none"}, {"recall_at_1": 0.61}),
    _run(2, "triplet-mined", {"loss": "triplet", "margin": "0.2", "hard_mining": "offline"}, {"recall_at_1": 0.64}),
]
NEG_NOTES = ["Triplet loss with the hardest negatives mined offline after every epoch: recall@1 0.61 -> 0.64."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    ("hard negative mining", True, {2}),
    ("mine hard negatives offline", True, {2}),
    ("semi-hard negatives", False, set()),
    ("semi-hard negative mining for the triplet loss", False, set()),
])
def test_semi_hard_is_a_variant_of_hard_negatives(plan: str, tried: bool, cite: set[int]) -> None:
    got = synthesis.check(plan, _history(NEG_NOTES, NEG))
    assert got.already_tried is tried, (plan, got.message)
    if tried:
        cited = {int(r) for m in got.matches for r in m.run_ids}
        assert cited & cite, (plan, cited, got.message)


@pytest.mark.parametrize(("text", "modality"), [
    ("The QLoRA paper suggests that tuning all linear layers is important.", "quoted"),
    ("The original ViT paper used a batch of 4096.", "quoted"),
    ("Your work suggests that the norm layers must be trained.", "quoted"),
    ("Their code uses label smoothing of 0.1.", "quoted"),
    ("The paper used mixup, so we tried it too.", "done"),
    ("The new schedule gave 0.91.", "done"),
])
def test_others_work_named_before_its_noun(text: str, modality: str) -> None:
    assert statement_modality(text) == modality


OFF = [
    _run(1, "vit-base", {"model": "vit_s16", "warmup_epochs": "5", "label_smoothing": "0.1", "lr": "1e-3"},
         {"top1": 0.781}),
    _run(2, "vit-nowarm", {"model": "vit_s16", "warmup_epochs": "0", "label_smoothing": "0.1", "lr": "1e-3"},
         {"top1": 0.774}),
    _run(3, "vit-bare", {"model": "vit_s16", "warmup_epochs": "0", "label_smoothing": "0", "lr": "1e-3"},
         {"top1": 0.769}),
    _run(4, "rn50-base", {"model": "resnet50", "warmup_epochs": "5", "label_smoothing": "0.1", "lr": "1e-1"},
         {"top1": 0.762}),
]
OFF_NOTES = ["ViT-S/16 baseline 78.1. Stripped things one at a time: 77.4, then 76.9.", "ResNet-50 at 76.2."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    ("remove warmup and label smoothing", True, {3}),
    ("remove the warmup", True, {2, 3}),
    ("train the ViT without warmup", True, {2, 3}),
    ("drop label smoothing", True, {3}),
    ("remove warmup on the resnet50", False, set()),
    ("remove dropout", False, set()),
    ("turn off the EMA of the weights", False, set()),
])
def test_removal_answered_by_runs_logging_it_off(plan: str, tried: bool, cite: set[int]) -> None:
    got = synthesis.check(plan, _history(OFF_NOTES, OFF))
    assert got.already_tried is tried, (plan, got.message)
    if tried:
        cited = {int(r) for m in got.matches for r in m.run_ids}
        assert cited and cited <= cite, (plan, cited, got.message)


CODES = [
    _run(1, "net-a0-ls", {"arch": "Net-A0", "label_smoothing": "0.1", "lr": "0.1"}, {"top1": 0.71}),
    _run(2, "net-b1", {"arch": "Net-B1", "label_smoothing": "0", "lr": "0.1"}, {"top1": 0.77}),
]
CODES_NOTES = ["Both nets trained for 120 epochs on the same data."]  # the runs alone say what was done


@pytest.mark.parametrize(("plan", "tried", "closest"), [
    ("label smoothing on B1", False, {1}),
    ("label smoothing on A0", True, {1}),
])
def test_a_model_code_ruling_runs_out_names_them_closest(plan: str, tried: bool, closest: set[int]) -> None:
    got = synthesis.check(plan, _history(CODES_NOTES, CODES))
    assert got.already_tried is tried, (plan, got.message)
    cited = {int(r) for m in got.matches for r in m.run_ids}
    assert cited == closest, (plan, cited, got.message)


KINDS = [
    _run(1, "lstm-adam", {"model": "lstm", "optimizer": "adam", "lr": "1e-3", "lr_schedule": "cosine"}, {"acc": 0.8}),
    _run(2, "lstm-sgd", {"model": "lstm", "optimizer": "sgd", "lr": "1e-1", "lr_schedule": "step"}, {"acc": 0.78}),
]
KINDS_NOTES = ["Trained the LSTM with Adam and a cosine schedule: acc 0.80. Plain SGD with a step schedule got 0.78."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("SGD with momentum", False),
    ("SGD with nesterov momentum", False),
    ("cosine schedule with warm restarts", False),
    ("a bidirectional LSTM", False),
    ("stacked LSTM layers", False),
    ("an LSTM", True),
    ("SGD", True),
    ("a cosine schedule", True),
])
def test_a_kind_naming_word_makes_a_variant(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(KINDS_NOTES, KINDS))
    assert got.already_tried is tried, (plan, got.message)
