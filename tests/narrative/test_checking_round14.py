"""Round 14 of "already tried?": near misses that must answer "not tried", and the real repeats that must stay
"tried" (the must-not-fire probes of each class). The sentences are written for these tests.

Classes:
- a one-letter run key (``r``, PEFT's LoRA rank) is named by its spoken setting name ("rank 16"), also said apart
  from the method's name ("LoRA on the MLP with a rank lower than 8");
- a method placed on a block of the model ("the attention modules", "the MLP") is not a run whose listed projections
  all sit in the other block, and "only" some projections is not a run listing more;
- a percentage ("95%", "half of") of a setting the runs record as a fraction (0.95) is that fraction; an ordinal
  right before a number ("the first 80%") is not a value;
- "we should investigate / explore / compare ..." is a plan; a document as the subject of a saying verb ("The X blog
  mentions that ...") reports its claim; words said only inside a document's name ("the settings from the Quotient
  Remainder paper") are no method done;
- "without K" against runs logging the flag ``K=True`` by that very name; a word given a value ("with sparse=False")
  is a setting, not a kind of the thing.
"""

from __future__ import annotations

import re
import time

import pytest

from narrative import synthesis
from narrative.statements import statement_modality
from narrative.types import CheckResult
from tests.narrative.test_check_values_sizes import _history, _run


def _cited(got: CheckResult) -> set[int]:
    return {int(r) for m in got.matches for r in m.run_ids}


def _assert(plan: str, got: CheckResult, tried: bool, cite: set[int]) -> None:
    assert got.already_tried is tried, (plan, got.message)
    if tried and cite:
        assert _cited(got) & cite, (plan, _cited(got), got.message)


# ---- LoRA targets and ranks (PEFT's ``r`` and ``target_modules``) ----
MLP = "gate_proj,up_proj,down_proj"
LORA = [
    _run(1, "lora-attn-r32", {"method": "lora", "target_modules": "q_proj,v_proj", "r": "32"}, {"acc": 48.2}),
    _run(2, "lora-mlp-r10", {"method": "lora", "target_modules": MLP, "r": "10"}, {"acc": 51.3}),
    _run(3, "lora-mlp-r8", {"method": "lora", "target_modules": MLP, "r": "8"}, {"acc": 50.7}),
    _run(4, "lora-mlp-r32", {"method": "lora", "target_modules": MLP, "r": "32"}, {"acc": 52.4}),
]
LORA_NOTES = ["Targeting the MLP with LoRA instead of the default q_proj,v_proj: rank 10 on the MLP matches the "
              "parameter count of rank 32 on attention, and scores 51.3 vs 48.2. Ranks 8 and 32 on the MLP too."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    # near misses (fail on the old rules)
    ("LoRA on the MLP modules at rank 16", False, set()),
    ("LoRA rank 64 on the MLP", False, set()),
    ("LoRA on the attention modules at rank 10", False, set()),
    ("LoRA on the attention at rank 8", False, set()),
    ("LoRA on down_proj only", False, set()),
    # must not fire: the real repeats stay tried
    ("LoRA on the MLP modules at rank 32", True, {4}),
    ("LoRA on the MLP at rank 10", True, {2}),
    ("LoRA rank 8 on the MLP", True, {3}),
    ("LoRA on the attention modules at rank 32", True, {1}),
    ("LoRA on q_proj and v_proj at rank 32", True, {1}),
    ("LoRA on gate_proj, up_proj and down_proj", True, {2, 3, 4}),
    ("target the MLP with LoRA instead of the attention modules", True, {2, 3, 4}),
    ("LoRA on q_proj and v_proj only", True, {1}),
    ("LoRA with rank 10", True, {2}),
    ("LoRA on the MLP", True, {2, 3, 4}),
])
def test_lora_rank_key_and_module_blocks(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(LORA_NOTES, LORA)), tried, cite)


BERT = [_run(1, "bert-lr3e-5", {"model": "bert-base", "learning_rate": "3e-5", "batch_size": "32"}, {"f1": 0.81}),
        _run(2, "bert-lr5e-5", {"model": "bert-base", "learning_rate": "5e-5", "batch_size": "32"}, {"f1": 0.83})]
BERT_NOTES = ["Fine-tuned bert-base at lr 3e-5 and 5e-5 with batch 32: 0.81 and 0.83 F1."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    # a setting's spoken name said apart from the method's ("LoRA ... a rank lower than 8"), a target opening on its
    # preposition ("on the MLP")
    ("LoRA on the MLP with a rank lower than 8", False, set()),
    ("LoRA on the attention modules with a rank higher than 32", False, set()),
    ("LoRA with a rank lower than 8", False, set()),
    # must not fire
    ("LoRA on the MLP with a rank higher than 8", True, {2, 4}),
    ("LoRA on the MLP with a rank lower than 32", True, {2, 3}),
    ("LoRA with a rank above 16", True, {1, 4}),
    ("a lower LoRA rank", True, {2, 3}),
    ("LoRA at rank 10", True, {2}),
    ("LoRA on the MLP with a rank below 16", True, {2, 3}),
    ("LoRA on the attention with a rank lower than 64", True, {1}),
])
def test_rank_bounds_said_apart(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(LORA_NOTES, LORA)), tried, cite)


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    ("a learning rate below 1e-5 for bert-base", False, set()),
    ("bert-base on the task with a batch size above 64", False, set()),
    # must not fire
    ("fine-tune bert-base on the task with a learning rate lower than 5e-5", True, {1}),
    ("bert-base with a batch size of 32", True, {1, 2}),
])
def test_bounds_of_named_settings_unchanged(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(BERT_NOTES, BERT)), tried, cite)


# ---- a fraction recorded, a percentage planned ----
FREEZE = [
    _run(1, "unet-freeze0", {"arch": "unet", "encoder_freeze_percent": "0.0"}, {"acc": 90.0}),
    _run(2, "unet-freeze95", {"arch": "unet", "encoder_freeze_percent": "0.95"}, {"acc": 91.13}),
    _run(3, "unet-freeze100", {"arch": "unet", "encoder_freeze_percent": "1.0"}, {"acc": 91.0}),
]
FREEZE_NOTES = ["Partial encoder freezing for the unet: a 95% freeze was good for accuracy and training speed."]
SPLIT = [
    _run(1, "val20", {"model": "gbm", "val_fraction": "0.2"}, {"auc": 0.81}),
    _run(2, "val30", {"model": "gbm", "val_fraction": "0.3"}, {"auc": 0.82}),
]
SPLIT_NOTES = ["gbm with 20% and 30% held out for validation, auc 0.81 and 0.82."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    ("freeze 95% of the encoder", True, {2}),
    ("freeze the first 80% of the encoder layers", False, set()),
    ("freeze half of the encoder", False, set()),
    ("freeze 90 percent of the encoder", False, set()),
    # must not fire
    ("freeze 100% of the encoder", True, {3}),
    ("freeze 0% of the encoder", True, {1}),
    ("encoder_freeze_percent 0.95", True, {2}),
    ("freeze 95 percent of the encoder", True, {2}),
])
def test_percent_of_a_fraction(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(FREEZE_NOTES, FREEZE)), tried, cite)


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    ("a validation fraction of 30%", True, {2}),
    ("a validation fraction of 20%", True, {1}),
    ("a validation fraction of 0.3", True, {2}),
    ("hold out half of the data for validation", False, set()),
    ("hold out 40% for validation", False, set()),
])
def test_percent_on_another_fraction_key(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(SPLIT_NOTES, SPLIT)), tried, cite)


# ---- plans of inquiry, documents that say things, names of documents ----
@pytest.mark.parametrize(("text", "modality"), [
    ("We should investigate if freezing the ResNet encoder and running a few warmup epochs to initialize the "
     "decoder layers (then unfreezing parts or all of it) helps.", "plan"),
    ("We should explore a cosine schedule for the decoder.", "plan"),
    ("We should compare against the frozen baseline.", "plan"),
    ('The ["LoRA Without Regret" blog](https://example.org/lora) mentions that targeting the MLP part is more '
     "effective than targeting the attention modules.", "quoted"),
    ("The PEFT docs recommend rank 16 for small models.", "quoted"),
    ("The original paper states that warmup is essential.", "quoted"),
    # must not fire
    ("I should have investigated the data first.", "counterfactual"),
    ("The paper says lr 1e-3; we used it and got 71.2.", "done"),
    ("The report shows mixup gave +1.2 on our val set.", "done"),
    ("The final run reports 81.5 top-1.", "done"),
    ("Investigated the dead neurons: 30% of the units never fire, lowered the lr to 1e-4.", "done"),
    ("The new schedule gave 0.91.", "done"),
    ("We compared the frozen and unfrozen encoders: frozen 0.71, unfrozen 0.69.", "done"),
    ("Our blog post mentions the 0.91 we got with mixup.", "done"),
])
def test_inquiry_plans_and_documents(text: str, modality: str) -> None:
    assert statement_modality(text) == modality, text


@pytest.mark.parametrize(("words", "text", "off"), [
    ({"quotient", "remaind"}, "I used the settings from the Quotient Remainder paper.", True),
    ({"regret"}, "Following the LoRA Without Regret blog I set the lr to 2e-4.", True),
    # must not fire: the method said outside the document's name
    ({"quotient", "remaind"}, "Implemented the quotient remainder trick from the Quotient Remainder paper.", False),
    ({"quotient", "remaind"}, "Quotient remainder embeddings: 79.1 after one epoch.", False),
    ({"mixup"}, "mixup as in the paper gave +1.2.", False),
    ({"mixup"}, "The mixup paper's alpha of 0.2 with mixup on: 0.91.", False),
    ({"cosin"}, "cosine decay, 0.88.", False),
    ({"cosin"}, "Read the paper, nothing run yet.", False),
    ({"warmup"}, "warmup for 5 epochs as the ViT paper did.", False),
    (set(), "the settings from the Quotient Remainder paper", False),
])
def test_names_document_only(words: set[str], text: str, off: bool) -> None:
    from narrative.check_names import names_document_only

    assert names_document_only(frozenset(words), text) is off, text


DLRM = [
    _run(1, "md-sgd", {"model": "dlrm", "optimizer": "sgd", "sparse": "true", "flags": "run_and_time"},
         {"val_acc": 78.97}),
    _run(2, "md-amsgrad", {"model": "dlrm", "optimizer": "adam", "amsgrad": "true", "sparse": "false",
                           "flags": "run_and_time"}, {"val_acc": 79.13}),
    _run(3, "md-amsgrad-qr-settings", {"model": "dlrm", "optimizer": "adam", "amsgrad": "true", "sparse": "false",
                                       "flags": "qr_paper"}, {"val_acc": 79.04}),
]
DLRM_NOTES = ["Changed the optimizer to Adam with amsgrad=True; had to set sparse=False for the embedding bags.",
              "Tried the run_and_time.sh flags and the settings from the Quotient Remainder paper: 79.13 and 79.04."]


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    ("plain Adam without amsgrad", False, set()),
    ("Adam w/o amsgrad", False, set()),
    ("the quotient-remainder trick", False, set()),
    # must not fire
    ("Adam with amsgrad", True, {2, 3}),
    ("amsgrad with sparse=False", True, {2, 3}),
    ("Adam with amsgrad and sparse=False for the embedding bags", True, {2, 3}),
    ("the settings from the Quotient Remainder paper", True, {3}),
    ("the run_and_time.sh flags", True, {1, 2}),
    ("SGD with sparse embeddings", True, {1}),
    ("Adam", True, {2, 3}),
    ("SGD without amsgrad", True, {1}),
])
def test_flags_gone_without_and_document_names(plan: str, tried: bool, cite: set[int]) -> None:
    _assert(plan, synthesis.check(plan, _history(DLRM_NOTES, DLRM)), tried, cite)


# ---- the new patterns stay linear on long adversarial input ----
def _patterns() -> list[re.Pattern[str]]:
    from narrative.check_combined import _WITHOUT_WORD
    from narrative.check_modules import _FROM, _GROUP_WORDS, _ONLY
    from narrative.check_names import _DOCUMENT
    from narrative.check_spoken import _CLAUSE_END, _SPOKEN_WORD
    from narrative.check_spoken import GLUED_MOVE as _GLUED_MOVE
    from narrative.plan_reading import _ASSIGNED
    from narrative.setting_fractions import HALF_OF as _HALF_OF
    from narrative.setting_fractions import PERCENT as _PERCENT
    from narrative.statements import _DOC_SAYS, _MD_LINK

    return [_DOCUMENT, _DOC_SAYS, _MD_LINK, _WITHOUT_WORD, _FROM, _ONLY, _PERCENT, _HALF_OF, _GLUED_MOVE,
            _ASSIGNED, _SPOKEN_WORD, _CLAUSE_END, *_GROUP_WORDS.values()]


@pytest.mark.parametrize("i", range(14))
def test_new_patterns_no_backtracking(i: int) -> None:
    rx = _patterns()[i]
    texts = ["the " * 20000, "A" * 50000, "aB" * 25000, "[" * 20000 + "(" * 20000, "without " * 10000,
             "the x y z w " * 5000 + "paper", "self attention " * 8000, "95 % " * 10000, "down_" * 20000,
             '"' * 30000 + " blog"]
    for t in texts:
        t0 = time.process_time()
        list(rx.finditer(t))
        rx.match(t)
        assert time.process_time() - t0 < 1.0, (rx.pattern, t[:20])


def test_long_plan_check_stays_fast() -> None:
    hist = _history(LORA_NOTES, LORA)
    plan = "LoRA on the MLP modules " + "with DoRA and TensorFlow on the attention " * 300 + "at rank 16 only"
    t0 = time.process_time()
    synthesis.check(plan, hist)
    assert time.process_time() - t0 < 5.0
