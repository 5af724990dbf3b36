""""Already tried?" classes from the h/checks13 round (variants and paraphrases against runs' params), each on
sentences written for the test:

- a name with its number attached is one member of a family ("CIFAR-10" is not "cifar-100", "PyramidNet-110" is
  not a note naming "Resnet-110" and "PyramidNet-200");
- what a note sets against what it did ("step decay, not the cosine schedule", "instead of the default layers
  (q_proj, v_proj)", "rather than Adam") is not done by that note;
- a setting's spoken name that the runs' key abbreviates ("rank 8" and ``lora_r``) names that key;
- a block of the model a plan names ("LoRA on the attention modules", "on the MLP blocks") is not answered by runs
  whose listed projections are all in another block;
- what a swap replaces ("replace cross entropy with lovasz loss") is not what the plan asks for.
"""

from __future__ import annotations

import pytest

from narrative import synthesis, vocab
from narrative.check_ratios import ratios_in
from narrative.check_settings import spoken_keys
from narrative.check_sizes import size_off, sizes_in
from narrative.check_verdicts import absent_spans
from narrative.history_index import HistoryIndex
from narrative.plan_reading import plan_terms
from tests.narrative.test_check_values_sizes import _history, _run

# ---- a name with its number attached

REPRO_RUNS = [
    _run(1, "pyr200-cutmix", {"net_type": "pyramidnet", "depth": "200", "dataset": "cifar100", "cutmix_prob": "0.5"},
         {"top1_err": 15.3}),
    _run(2, "rn110-a", {"net_type": "resnet", "depth": "110", "dataset": "cifar100", "cutmix_prob": "0.5"},
         {"top1_err": 20.2}),
]
REPRO_NOTES = ["I ran the code on cifar-100 using Resnet-110 because PyramidNet-200 takes a long time to finish. "
               "Resnet-110 got 20.2."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("train on CIFAR-10", False),
    ("PyramidNet-110 on CIFAR-100", False),
    ("ResNet-56 on cifar-100", False),
    # the same member, written with or without its hyphen, is the same thing
    ("train on CIFAR-100", True),
    ("Resnet-110 on cifar-100", True),
    ("PyramidNet-200 with cutmix", True),
])
def test_a_numbered_name_is_one_member(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(REPRO_NOTES, REPRO_RUNS))
    assert got.already_tried is tried, (plan, got.message)


def test_numbered_names_read() -> None:
    assert sizes_in("PyramidNet-110 on CIFAR-100") == {"pyramidnet": frozenset({"110"}),
                                                       "cifar": frozenset({"100"})}
    assert sizes_in("vgg16 and resnet50")["resnet"] == frozenset({"50"})
    assert size_off(sizes_in("train on CIFAR-10"), "results on cifar-100")


@pytest.mark.parametrize("text", [
    # must not fire: counts, indices, versions, formats, dates, units and names with a word after the number
    "top-5 error 4.4", "epoch10 try1", "llama-3.2-3b", "float16 and bfloat16", "python3 with cuda11",
    "the 2021-04-08 run", "conv-tasnet", "wrn-28-10", "seq_len 2048", "step-1000 checkpoint", "layer4 features",
    "fcn_unet_s5-d16_128x128_40k_chase_db1",
])
def test_numbered_name_probes(text: str) -> None:
    assert sizes_in(text) == {}, text


def test_a_generic_size_ignores_numbered_names() -> None:
    # "the tiny model" says nothing about a candidate's "cifar-100"
    assert not size_off(sizes_in("the tiny model"), "a resnet on cifar-100")
    # a candidate naming both members answers either
    assert not size_off(sizes_in("train on cifar-10"), "cifar-10 and cifar-100 both")


# ---- what a note sets against what it did

def _spans(text: str) -> list[str]:
    low = vocab.norm(text)
    return [low[a:b].strip() for a, b in absent_spans(text)]


def test_contrasted_spans() -> None:
    assert _spans("we run the experiments using step decaying learning rates, not the cosine learning rate "
                  "scheduling.") == ["the cosine learning rate scheduling"]
    assert _spans("used cosine, not step decay") == ["step decay"]
    assert _spans("I used SGD rather than Adam") == ["adam"]
    assert "q proj" in _spans('instead of the default layers (`["q_proj", "v_proj"]`).')[0]
    assert "v proj" in _spans('instead of the default layers (`["q_proj", "v_proj"]`).')[0]


@pytest.mark.parametrize("text", [
    # must not fire: a result's tail, a plain negation, an adverb after "not"
    "we tried cosine, not bad at all", "it did not help with cosine", "cosine, not sure it helped",
    "we ran cosine, not much better", "cosine helped, not significantly though", "lr 0.1, not 0.25",
    "tried cosine and it was not stable", "label smoothing, not yet merged",
])
def test_contrast_probes(text: str) -> None:
    assert _spans(text) == [], text


SCHED_RUNS = [_run(1, "step-a", {"model": "resnet", "lr_schedule": "step"}, {"acc": 0.8})]
SCHED_NOTES = ["We ran the experiments using step decaying learning rates as in the paper, not the cosine learning "
               "rate scheduling."]


@pytest.mark.parametrize(("plan", "tried", "notes"), [
    ("cosine learning rate decay", False, SCHED_NOTES),
    ("step decaying learning rate", True, SCHED_NOTES),
    # the thing done, before "instead of" / "rather than", is still done
    ("AdamW", True, ["Trained with AdamW instead of Adam, it converged faster."]),
    ("Adam", False, ["Trained with AdamW rather than Adam; it converged faster."]),
    ("cosine schedule", True, ["We tried the cosine schedule, not bad at all: 0.81."]),
])
def test_a_contrast_is_not_done(plan: str, tried: bool, notes: list[str]) -> None:
    got = synthesis.check(plan, _history(notes, SCHED_RUNS))
    assert got.already_tried is tried, (plan, got.message)


# ---- a setting's spoken name, and the block of the model a plan names

LORA_RUNS = [
    _run(1, "attn-r32", {"peft": "lora", "lora_r": "32", "target_modules": "q_proj,v_proj"}, {"acc": 0.48}),
    _run(2, "mlp-r10", {"peft": "lora", "lora_r": "10", "target_modules": "gate_proj,up_proj,down_proj"},
         {"acc": 0.51}),
    _run(3, "mlp-r8", {"peft": "lora", "lora_r": "8", "target_modules": "gate_proj,up_proj,down_proj"}, {"acc": 0.5}),
]
LORA_NOTES = ["LoRA on the MLP projections beats the default attention targets: 0.51 vs 0.48."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("rank 8 on the MLP", True),
    ("rank 10 on the attention projections", False),
    ("LoRA on the attention modules with rank 10", False),
    ("rank 16 on the MLP", False),
    # must keep their reading
    ("LoRA rank 8 on the MLP", True),
    ("rank 32 on the attention projections", True),
    ("LoRA on the attention projections", True),
    ("LoRA on the MLP blocks", True),
])
def test_rank_and_block(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(LORA_NOTES, LORA_RUNS))
    assert got.already_tried is tried, (plan, got.message)


def test_a_block_is_not_read_from_unknown_heads() -> None:
    # GPT-2 names (c_attn, c_proj) say no block: the attention plan keeps its reading from the runs
    runs = [_run(1, "gpt2-lora", {"peft": "lora", "lora_r": "8", "target_modules": "c_attn,c_proj"}, {"acc": 0.4})]
    got = synthesis.check("LoRA on the attention layers with rank 8", _history([], runs))
    assert got.already_tried, got.message


def test_spoken_keys() -> None:
    keytoks = {"lora_r": frozenset({"lora", "r"}), "lr": frozenset({"lr"})}
    assert spoken_keys(["rank"], keytoks) == frozenset({"lora_r"})
    assert spoken_keys(["the", "rank"], keytoks) == frozenset({"lora_r"})
    # must not fire: no alias, an alias whose keys the runs lack, two held keys for one alias
    assert spoken_keys(["depth"], keytoks) == frozenset()
    assert spoken_keys(["rank"], {"lr": frozenset({"lr"})}) == frozenset()
    assert spoken_keys(["rank"], {"lora_r": frozenset({"lora", "r"}), "rank": frozenset({"rank"})}) == frozenset()
    assert spoken_keys([], keytoks) == frozenset()


# ---- what a swap replaces

LOSS_RUNS = [
    _run(1, "ce", {"model": "unet", "loss": "cross_entropy"}, {"dice": 0.80}),
    _run(2, "focal", {"model": "unet", "loss": "focal", "focal_gamma": "0.5"}, {"dice": 0.79}),
]
LOSS_NOTES = ["Even with the best gamma, focal loss can't beat cross entropy loss on the dice score."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("replace cross entropy with lovasz loss", False),
    ("replace the cross entropy loss by a lovasz hinge", False),
    ("swap cross entropy for lovasz", False),
    # the new side decides
    ("replace cross entropy with focal loss", True),
    ("swap cross entropy for focal loss", True),
    ("focal loss instead of cross entropy", True),
    ("cross entropy loss", True),
])
def test_a_swap_asks_for_the_new_thing(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(LOSS_NOTES, LOSS_RUNS))
    assert got.already_tried is tried, (plan, got.message)


def test_swap_reading_keeps_the_new_side() -> None:
    idx = HistoryIndex(_history(LOSS_NOTES, LOSS_RUNS))

    def words(plan: str) -> str:
        t = plan_terms(plan, idx, exclusions=True)
        return " ".join([*t.tokens, *t.concepts])

    # must not fire where there is no "with/by/for" after the verb, or nothing between
    for plan, want in [("replace the optimizer with adamw", "adamw"), ("replace dropout", "dropout"),
                       ("replace with mse", "mse"), ("replace dropout with stochastic depth", "stochast")]:
        assert want in words(plan), plan
    assert "entrop" not in words("replace cross entropy with lovasz loss")
    assert "lovasz" in words("replace cross entropy with lovasz loss")


# ---- a ratio names one weighting of a combination

RATIO_RUNS = [
    _run(1, "ce-dice-1-1", {"model": "unet", "loss": "ce+dice", "loss_weight": "1:1"}, {"dice": 0.80}),
    _run(2, "ce-dice-1-3", {"model": "unet", "loss": "ce+dice", "loss_weight": "1:3"}, {"dice": 0.82}),
    _run(3, "focal-dice-1-4", {"model": "unet", "loss": "focal+dice", "loss_weight": "1:4"}, {"dice": 0.81}),
]
RATIO_NOTES = ["CE + dice loss beats CE alone on every dataset; focal + dice also helps."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("CE + dice loss at 3:1", False),
    ("focal + dice loss with weights 1:1", False),
    ("focal + dice 1:2", False),
    # must keep their reading: the ratio run, no ratio named, two ratios named (a comparison)
    ("CE + dice loss at 1:3", True),
    ("focal + dice at 1:4", True),
    ("CE + dice loss", True),
    ("focal + dice loss", True),
])
def test_a_ratio_is_a_variant(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(RATIO_NOTES, RATIO_RUNS))
    assert got.already_tried is tried, (plan, got.message)


def test_ratios_read() -> None:
    assert ratios_in("CE + dice at 3:1") == {(3.0, 1.0)}
    assert ratios_in("weights 0.5 : 1") == {(0.5, 1.0)}
    assert ratios_in("1:3 or 3:1") == {(1.0, 3.0), (3.0, 1.0)}


@pytest.mark.parametrize("text", [
    # must not fire: clock times, urls, ids, plain numbers, a date, a version
    "at 10:30 tomorrow", "http://localhost:8080/x", "step 1000", "lr 0.1", "on 2021-08-24", "v1.2.3",
    "exp1:3b", "12:45",
])
def test_ratio_probes(text: str) -> None:
    assert ratios_in(text) == frozenset(), text


# ---- an object the history never names

@pytest.mark.parametrize(("plan", "tried"), [
    ("focal + dice loss on ADE20K", False),
    ("CE + dice loss with an HRNet backbone", False),
    # must keep their reading: names the history holds, concepts the vocabulary knows, lower-case words
    ("CE + dice loss with a UNet", True),
    ("focal + dice loss with AdamW", False),
    ("CE + dice loss on the current data", True),
])
def test_an_unnamed_object_is_new(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(RATIO_NOTES, RATIO_RUNS))
    assert got.already_tried is tried, (plan, got.message)


# ---- a hyphenated model name's last part names it

def test_hyphen_tail() -> None:
    from narrative.check_scope import _tail

    assert _tail("conv-tasnet") == vocab.stem("tasnet")
    # must not fire: a short or coded tail, a size, a negation, an underscored identifier, three parts, a number
    for value in ("dccrn-e", "vit-large", "bert-base", "no-dropout", "skip_encoder", "skip-encoder",
                  "resnet-50", "mobilenet-v2", "a-b-c", "w-norm"):
        assert _tail(value) is None, value


TASNET_RUNS = [
    _run(1, "tas", {"model": "conv-tasnet", "loss": "si-snr"}, {"pesq": 2.7}),
    _run(2, "dcc", {"model": "dccrn-e", "loss": "si-snr+stft", "stft_weight": "0.5"}, {"pesq": 3.0}),
    _run(3, "uni", {"model": "unet-enhancer", "loss": "si-snr"}, {"pesq": 2.5}),
]
TASNET_NOTES = ["Added a multi-resolution STFT loss on dccrn-e, weight 0.5: 3.0."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("an STFT loss on tasnet", False),
    ("STFT loss on the tasnet model", False),
    ("STFT loss on the enhancer", False),
    # must keep their reading
    ("an STFT loss on dccrn-e", True),
    ("an STFT loss", True),
    ("si-snr loss on tasnet", True),
    ("si-snr loss on conv-tasnet", True),
])
def test_a_model_named_by_its_last_part(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(TASNET_NOTES, TASNET_RUNS))
    assert got.already_tried is tried, (plan, got.message)


# ---- a factor names one multiple, not its neighbours

FACTOR_RUNS = [
    _run(1, "base", {"model": "gpt2", "lr": "6e-4", "batch_size": "64", "seq_len": "1024"}, {"val_loss": 3.08}),
    _run(2, "lr3x", {"model": "gpt2", "lr": "1.8e-3", "batch_size": "64", "seq_len": "1024"}, {"val_loss": 3.04}),
    _run(3, "bs3x", {"model": "gpt2", "lr": "6e-4", "batch_size": "192", "seq_len": "1024"}, {"val_loss": 3.06}),
    _run(4, "lr-third", {"model": "gpt2", "lr": "2e-4", "batch_size": "64", "seq_len": "1024"}, {"val_loss": 3.10}),
]


@pytest.mark.parametrize(("plan", "tried"), [
    ("a 4x learning rate", False),
    ("double the batch size", False),
    ("quadruple the batch size", False),
    ("2x the learning rate", False),
    # must keep their reading: the factor run, a third written as 3x lower, a direction with no factor
    ("a 3x learning rate", True),
    ("triple the batch size", True),
    ("a 3x lower learning rate", True),
    ("a higher learning rate", True),
    ("a bigger batch", True),
    ("a lower learning rate", True),
])
def test_a_factor_is_one_multiple(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history([], FACTOR_RUNS))
    assert got.already_tried is tried, (plan, got.message)


def test_a_spoken_name_before_a_list_names_no_one_value() -> None:
    # must not fire: "seed 1 + 2" lists two seeds; the note about both runs stays the answer, citing both
    runs = [_run(1, "s1", {"model": "lgbm", "random_state": "1"}, {"rmse": 3252.4}),
            _run(2, "s2", {"model": "lgbm", "random_state": "2"}, {"rmse": 3249.6})]
    got = synthesis.check("ran the ref cfg w/ seed 1 + 2",
                          _history(["ran the ref cfg w/ seed 1 + 2 -> 3252 / 3250, so seed noise is small"], runs))
    assert got.already_tried, got.message
    assert {r for m in got.matches for r in m.run_ids} == {runs[0].run_id, runs[1].run_id}, got.message
