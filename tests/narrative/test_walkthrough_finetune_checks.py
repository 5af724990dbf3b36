"""A new user's week fine-tuning a ticket-intent classifier with Hugging Face (runs as MLflow autolog logs the
Trainer's args), checked before spending compute: a change asked "for full ft" is judged on the runs' values,
not answered by a note about one value; a module the runs' target list lacks ("the key projection") was not
tried; a plan that names a value is not "planned, not run yet" because an older, vaguer plan was run since.
The notes and plans are written for these tests."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import synthesis
from narrative.check_modules import plan_heads, run_heads
from narrative.check_settings import plan_changes
from narrative.plan_reading import plan_terms
from narrative.types import ProjectHistory
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative import walkthrough_util

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="ticket-intent", primary_metric="eval_f1", goal="max",  # type: ignore[arg-type]
                        experiment_ids=["1"])
BASE = {"model_name_or_path": "roberta-base", "learning_rate": "2e-05", "per_device_train_batch_size": "32",
        "num_train_epochs": "3", "warmup_ratio": "0.0", "weight_decay": "0.0", "fp16": "True", "bf16": "False",
        "max_seq_length": "128"}
DEB = {"model_name_or_path": "microsoft/deberta-v3-base", "warmup_ratio": "0.1", "weight_decay": "0.01",
       "learning_rate": "3e-05", "per_device_train_batch_size": "16", "fp16": "False", "bf16": "True"}
LORA = {**DEB, "learning_rate": "0.0002", "lora_target_modules": "query_proj,value_proj"}


def _run(key: str, name: str, hours: float, value: float, **params: str) -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user="kai", status="FINISHED", start=start,
                       end=start + dt.timedelta(minutes=90), params={**BASE, **params}, metrics={"eval_f1": value})


RUNS = [
    _run("a", "roberta-base-bs32", 1, 0.812),
    _run("b", "roberta-base-wu", 2, 0.824, warmup_ratio="0.1", weight_decay="0.01"),
    _run("c", "roberta-base-len256", 26, 0.829, warmup_ratio="0.1", weight_decay="0.01", max_seq_length="256"),
    _run("d", "deberta-v3-base-full", 28, 0.851, **DEB),
    _run("e", "deberta-lora-r8", 50, 0.839, **LORA, lora_r="8", lora_alpha="16"),
    _run("f", "deberta-lora-r16", 52, 0.843, **LORA, lora_r="16", lora_alpha="32"),
    _run("g", "deberta-full-5ep", 75, 0.848, **DEB, num_train_epochs="5"),
]
NOTES = [
    (4, "## mon\nroberta-base baseline, bs32 lr 2e-5 3 ep -> f1 .812.\nadding warmup (10%) + wd 0.01 helped a bit, "
        ".824\nnext: try longer max len (lots of tickets get truncated at 128), and deberta-v3-base"),
    (30, "longer seqs (256) only +.005, not worth the 2x time imo\ndeberta-v3-base full ft w/ bf16 is way better: "
         ".851 (had to drop to bs16 for memory, lr 3e-5)\nfp16 on deberta gave nan loss after ~300 steps so stick "
         "with bf16"),
    (54, "lora on deberta, targets q/v proj only\n- r=8 a=16: .839\n- r=16 a=32: .843\nso lora is ~1pt under full "
         "ft but trains 3x faster. might try adding the dense/ffn layers to the targets later, and r=64"),
    (78, "full ft for 5 epochs instead of 3: .848, no gain, starts overfitting after ep3 (eval loss goes up)\n"
         "todo: label smoothing 0.1, and maybe deberta-v3-large if we can get an a100"),
]


def _history() -> ProjectHistory:
    return walkthrough_util.history(PROJECT, RUNS, NOTES, 6, author="kai", t0=T0)


HISTORY = _history()


def _cited(plan: str) -> tuple[bool, set[str], str]:
    got = synthesis.check(plan, HISTORY)
    names = {HISTORY.runs[r].run_name for m in got.matches for r in m.run_ids}
    return got.already_tried, names, got.message


@pytest.mark.parametrize(("plan", "tried", "cite"), [
    # what was done, in other words than the params
    ("warmup + weight decay on roberta", True, {"roberta-base-wu"}),
    ("use a warmup schedule", True, {"roberta-base-wu"}),
    ("train with longer sequences", True, {"roberta-base-len256"}),
    ("switch to deberta-v3-base", True, {"deberta-v3-base-full"}),
    ("lora r=16", True, {"deberta-lora-r16"}),
    ("lora with alpha 32", True, {"deberta-lora-r16"}),
    ("more epochs", True, {"deberta-full-5ep"}),
    ("mixed precision", True, set()),
    ("lora on q and v proj", True, {"deberta-lora-r8", "deberta-lora-r16"}),
    # variants and changes that were not run
    ("bf16 on roberta", False, set()),
    ("smaller batch on roberta", False, set()),
    ("max_seq_length 512", False, {"roberta-base-len256"}),
    ("lora r=64", False, {"deberta-lora-r16"}),
    ("try distilbert", False, set()),
    ("freeze the encoder and train only the head", False, set()),
])
def test_the_week_checked(plan: str, tried: bool, cite: set[str]) -> None:
    got, names, msg = _cited(plan)
    assert got is tried, (plan, msg)
    assert cite <= names, (plan, names, msg)


@pytest.mark.parametrize(("plan", "tried", "key"), [
    ("twice the learning rate for full ft", True, "learning_rate"),
    ("lower lr on deberta full ft", False, "learning_rate"),
    ("a smaller batch for full fine-tuning", True, "per_device_train_batch_size"),
    ("half the lr during full fine-tuning", False, "learning_rate"),
])
def test_a_change_for_a_regime_is_judged_on_the_runs(plan: str, tried: bool, key: str) -> None:
    """The note "full ft ... lr 3e-5" reports one value: it is not the lr lowered or halved (the old code answered
    "Already tried" quoting it); the runs' values decide."""
    got, _, msg = _cited(plan)
    assert got is tried, (plan, msg)
    assert key in msg and "full ft w/ bf16" not in msg, (plan, msg)


@pytest.mark.parametrize("plan", [
    # the regime is a second thing the plan does, or said before the setting: not read as its target
    "separate learning rates for the encoder and the head",
    "lower lr and full fine-tuning",
    "lower lr, then full ft",
    "lower lr so full ft stops diverging",
    "full fine-tuning at twice the lr",
    "lower lr. full ft next week",
])
def test_a_regime_said_otherwise_is_no_target(plan: str) -> None:
    idx = synthesis._index(HISTORY, None)
    assert plan_changes(plan, plan_terms(plan, idx, exclusions=True), idx) == [], plan


@pytest.mark.parametrize("plan", ["full ft with a lower lr", "a lower lr with full fine-tuning"])
def test_a_change_made_with_a_technique_is_asked_of_its_runs(plan: str) -> None:
    """h/checks12: "X with a lower lr" (X joined by "with") asks the change of X's runs, as "bf16 with a lower lr"
    does; it was read as two things, and the concept alone answered it (the lr change unread)."""
    idx = synthesis._index(HISTORY, None)
    changes = plan_changes(plan, plan_terms(plan, idx, exclusions=True), idx)
    assert [(c.concept, c.sign, c.targets) for c in changes] == [("learning_rate", -1, frozenset({"full_finetune"}))]


@pytest.mark.parametrize(("plan", "cite"), [
    ("lora on the key projection", {"deberta-lora-r8", "deberta-lora-r16"}),
    ("add k_proj to the lora targets", {"deberta-lora-r8", "deberta-lora-r16"}),
    ("lora on the output projection", {"deberta-lora-r16"}),
    ("adapters on the q, k and v proj", {"deberta-lora-r16"}),
])
def test_a_module_the_runs_do_not_list_was_not_tried(plan: str, cite: set[str]) -> None:
    """The LoRA runs list query_proj,value_proj; the old code answered "Already tried" from "targets q/v proj"."""
    got, names, msg = _cited(plan)
    assert not got, (plan, msg)
    assert cite <= names, (plan, names, msg)


@pytest.mark.parametrize("plan", [
    "lora on all linear layers", "project the embeddings to 256 dims", "a projection head for the classifier",
    "projector with 2 layers", "lora on the input projection", "the projected gradient trick",
    "projections of the loss curve", "lora on the attention projections only",
])
def test_no_module_read_where_none_is_named(plan: str) -> None:
    assert plan_heads(plan) == frozenset(), plan


def test_module_lists_read_from_params() -> None:
    assert run_heads({"lora_target_modules": "query_proj,value_proj"}) == {"query", "value"}
    assert run_heads({"target_modules": "['q_proj', 'k_proj', 'o_proj']"}) == {"query", "key", "output"}
    assert run_heads({"model_name_or_path": "roberta-base", "optim": "adamw_torch"}) is None


def test_a_vaguer_plan_run_since_is_not_the_value_planned() -> None:
    """"next: try longer max len" was run (256): 512 is not "planned on 2026-11-23, not run yet" (the old code
    said so); the run nearest 512 is the closest. A plan naming the value stays planned."""
    got = synthesis.check("max_seq_length 512", HISTORY)
    assert not got.planned and "planned" not in got.message, got.message
    assert "max_seq_length=256" in got.message, got.message
    smooth = synthesis.check("label smoothing 0.1", HISTORY)
    assert smooth.planned and not smooth.already_tried, smooth.message
    large = synthesis.check("deberta-v3-large", HISTORY)
    assert large.planned and not large.already_tried, large.message
