"""Round 16 of "already tried?" (issue 8): precision on model families named by their designation.

Sentences written for the test (not the held text). Classes:
- a family named with its designation ("ViT-B/16", "EfficientNet-B3", "bert-large-cased", "GPT-2 medium",
  "VGG-19") is one member: a note or run naming the family only as other members did a variant
  (``narrative.model_designations``), read through the concept table for every family alike;
- a value the runs write glued ("cifar10") is named by a plan that writes it apart ("CIFAR-10") (``check_scope``);
- an image's side said as "an input size of 300" or "456x456" is the input resolution (``concept_rows``,
  ``check_settings``);
- a model at a size ("bert-large", "the large model") or the training verb the plan opens on ("fine-tune ... with a
  lower lr") is what the plan is about, not another change: the setting's move is read (``check_settings``).
Each class has must-not-fire probes (real repeats that stay "tried", or readings that must not change).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from narrative import synthesis
from narrative.model_designations import Designation, designation_off, designations
from narrative.types import ProjectHistory
from storage.records import ProjectRecord
from tests.conftest import MlflowStore, RunSpec
from tests.narrative.walkthrough_util import history, run

T0 = dt.datetime(2021, 3, 1, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="vision", primary_metric="top1", goal="max",  # type: ignore[arg-type]
                        experiment_ids=["1"])


# ---- class 1: designations read the same way for every family ----

@pytest.mark.parametrize(("text", "family", "want"), [
    ("ViT-B/16", "vit", Designation("base", "", frozenset({"16"}))),
    ("vit_l16_ft", "vit", Designation("large", "", frozenset({"16"}))),
    ("ViT_base_patch16_384", "vit", Designation("base", "", frozenset({"16"}))),  # 384: the resolution
    ("EfficientNet-B3", "efficientnet", Designation("base", "", frozenset({"3"}))),
    ("effnet_b0", "efficientnet", Designation("base", "", frozenset({"0"}))),
    ("bert-large-cased", "bert", Designation("large", "cased", frozenset())),
    ("GPT-2 medium", "gpt", Designation("medium", "", frozenset({"2"}))),
    ("gpt2-xl", "gpt", Designation("xl", "", frozenset({"2"}))),
    ("VGG-19", "vgg", Designation("", "", frozenset({"19"}))),
    ("resnet 101", "resnet", Designation("", "", frozenset({"101"}))),
])
def test_designations_are_read_for_every_family(text: str, family: str, want: Designation) -> None:
    assert designations(text)[family] == [want]


@pytest.mark.parametrize("text", [
    "the ViT runs", "an lstm 0.5 dropout", "effnet 5 epochs", "resnet 50 epochs", "bert on CoLA",
    "the gpt baseline", "a vgg backbone", "dropout 0.1 on the transformer",
    # a number after a family the table does not number is a run's count; l1/l2 are norms
    "catboost-24", "xgboost-3 depth 6", "catboost depth sweep, best was catboost-272", "ridge-l2", "lstm-2",
])
def test_no_designation_where_none_is_said(text: str) -> None:
    assert not designations(text)


@pytest.mark.parametrize(("plan", "text"), [
    ("ViT-B/32", "ViT-B/16 finetune got 0.78"),
    ("ViT-L/32 on ImageNet", "the best I get is 84.1% with ViT-L16"),
    ("EfficientNet-B0 at lr 1e-8", "model efficientnet-b3 lr 1e-08"),
    ("bert-large-cased", "I set train_batch_size to 16 for bert-large-uncased; bert-large only predicts one class"),
    ("GPT-2 medium", "fine-tuned GPT-2 small on Topical-Chat"),
    ("VGG-19", "the vgg16 backbone"),
    ("resnet-152", "resnet 101 and resnet50"),
    ("gpt2-xl", "gpt2-large with gradient checkpointing"),
])
def test_another_member_is_off(plan: str, text: str) -> None:
    assert designation_off(designations(plan), text)


@pytest.mark.parametrize(("plan", "text"), [
    ("ViT-B/16", "model ViT_base_patch16_384 lr 0.003"),      # the patch size is shared
    ("ViT-L/16", "the ViT runs got 84%"),                       # no designation: says nothing
    ("bert-large-uncased", "bert-large predicts one class"),    # the vaguer mention, nothing fuller given
    ("bert-large", "bert-large-uncased at batch 16"),           # the plan names less than the note
    ("EfficientNet-B3", "effnet-b3 and effnet-b0"),             # the plan's member is among them
    ("GPT-2 medium", "gpt2-medium OOMs on 8 V100s"),
    ("VGG-16", "vgg16 with batch norm"),
    ("resnet50", "a ResNet-50 backbone"),
    ("a ViT", "ViT-B/16"),                                       # the plan names no member
])
def test_the_same_member_is_not_off(plan: str, text: str) -> None:
    assert not designation_off(designations(plan), text)


def _vit_history() -> ProjectHistory:
    runs = [
        run("a", "vit_b16_ft_in1k", 1, {"model": "ViT_base_patch16_384", "dataset": "imagenet1k", "lr": "0.003",
                                       "grad_clip": "0.5"}, "top1", 0.7805, user="guo", t0=T0),
        run("b", "vit_l16_ft_in1k", 5, {"model": "ViT_large_patch16_384", "dataset": "imagenet1k", "lr": "0.03",
                                       "weight_decay": "0.0001"}, "top1", 0.8503, user="guo", t0=T0),
        run("c", "vit-b16-cifar10", 9, {"model": "ViT-B_16", "dataset": "cifar10", "lr": "0.03"}, "top1", 0.9889,
            user="zhi", t0=T0),
    ]
    notes = [
        (3, "guo", "ViT-B/16 finetune, Top1 Acc: 0.7805. lr from 0.03 to 0.003, global gradient clip from 1.0 to 0.5"),
        (7, "guo", "ViT-L/16 finetune, Top1 Acc 85.03% based on JAX checkpoint, added 0.0001 weight decay"),
        (11, "zhi", "ViT-B/16 on CIFAR-10 reached 98.9%"),
    ]
    return history(PROJECT, runs, notes, days=3, t0=T0)


@pytest.mark.parametrize("plan", [
    "fine-tune ViT-B/32",
    "fine-tune ViT-L/32 on ImageNet-1k",
    "ViT-H/14 fine-tune",
    "ViT-L/16 on CIFAR-10",
    "ViT-L/16 at lr 0.003",
    "fine-tune ViT-B/16 on ImageNet-1k at lr 0.03",
])
def test_other_members_and_values_are_not_tried(plan: str) -> None:
    got = synthesis.check(plan, _vit_history())
    assert not got.already_tried, got.message


@pytest.mark.parametrize(("plan", "run_name"), [
    ("fine-tune ViT-B/16 with lr 0.003", "vit_b16_ft_in1k"),
    ("ViT-L/16 with a weight decay of 1e-4", "vit_l16_ft_in1k"),
    ("ViT-B/16 on CIFAR-10", "vit-b16-cifar10"),
    ("the vit_b16 fine-tune with gradient clipping at 0.5", "vit_b16_ft_in1k"),
])
def test_the_same_member_stays_tried(plan: str, run_name: str) -> None:
    h = _vit_history()
    got = synthesis.check(plan, h)
    assert got.already_tried, got.message
    cited = {r.run_name for r in h.runs.values() for m in got.matches if r.run_id in m.run_ids}
    cited |= {r.run_name for e in h.entries for m in got.matches if m.entry_id == e.id and e.structure
              for lr in e.structure.runs for r in h.runs.values() if r.run_id == lr.run_id}
    assert run_name in cited, (plan, got.message)


# ---- class 2: a value written apart in the plan, glued in the runs ----

def _data_history() -> ProjectHistory:
    runs = [
        run("a", "wrn-c10", 1, {"model": "wrn28", "dataset": "cifar10"}, "top1", 0.95, t0=T0),
        run("b", "wrn-svhn", 3, {"model": "wrn28", "dataset": "svhn"}, "top1", 0.97, t0=T0),
        run("c", "rn18-c100", 5, {"model": "resnet18", "dataset": "cifar100"}, "top1", 0.76, t0=T0),
    ]
    notes = [(2, "wrn-c10 finished: 95%"), (4, "wrn-svhn finished: 97%"), (6, "rn18-c100 baseline finished: 76%")]
    return history(PROJECT, runs, notes, days=2, t0=T0)


@pytest.mark.parametrize(("plan", "want"), [
    ("wrn28 on CIFAR-100", False),          # only the resnet18 ran on cifar100
    ("resnet18 on CIFAR-10", False),        # only wrn28 ran on cifar10
    ("wrn28 on CIFAR 100", False),
    ("wrn28 on ImageNet-1k", False),
    ("wrn28 on CIFAR-10 with mixup", False),
    # must not fire: the same value said apart or glued stays tried
    ("wrn28 on CIFAR-10", True),
    ("wrn28 on CIFAR10", True),
    ("wrn28 on cifar 10", True),
    ("wrn28 on SVHN", True),
    ("resnet18 on CIFAR-100", True),
    ("resnet 18 on cifar 100", True),
    ("the wrn28 run on the CIFAR-10 data", True),
    ("resnet18 on CIFAR100", True),
])
def test_glued_values_named_apart(plan: str, want: bool) -> None:
    got = synthesis.check(plan, _data_history())
    assert got.already_tried is want, got.message


# ---- class 3: an image's side as "input size of N" or "NxN" ----

def _effnet_history() -> ProjectHistory:
    runs = [
        run("a", "effnet-b3-224", 1, {"model": "efficientnet-b3", "image_size": "224"}, "val_acc", 0.11, t0=T0),
        run("b", "effnet-b4-380", 3, {"model": "efficientnet-b4", "image_size": "380"}, "val_acc", 0.10, t0=T0),
        run("c", "lstm-feat", 5, {"model": "lstm", "input_size": "8", "hidden": "64"}, "val_acc", 0.7, t0=T0),
    ]
    notes = [(6, "B3 at 224 collapsed in the first epoch, B4 with input size 380 still gave nan loss; "
                 "the lstm on 8 input features is fine")]
    return history(PROJECT, runs, notes, days=2, t0=T0)


@pytest.mark.parametrize(("plan", "want"), [
    ("EfficientNet-B3 at its own input size of 300", False),
    ("fine-tune B3 at 300x300", False),
    ("B4 at 380x380", True),
    ("EfficientNet-B4 with an input size of 380", True),
    ("EfficientNet-B3 at an input size of 224", True),
    ("B4 at 456x456", False),
])
def test_input_size_in_pixels(plan: str, want: bool) -> None:
    got = synthesis.check(plan, _effnet_history())
    assert got.already_tried is want, got.message


@pytest.mark.parametrize("text", [
    "the lstm input size 8", "an input size of 32 features", "input sizes vary", "a 2x2 grid", "3x3 convs",
    "a 16x16 patch", "the input size", "1024x768 screenshots are out of scope",
])
def test_input_size_without_pixels_is_no_resolution(text: str) -> None:
    from narrative import vocab
    assert "resolution" not in vocab.concepts_in(text)


# ---- class 4: a model at a size, or the training verb, is the plan's subject ----

def _bert_history() -> ProjectHistory:
    runs = [
        run("a", "cola-base", 1, {"bert_model": "bert-base-uncased", "task_name": "CoLA", "train_batch_size": "32",
                                  "learning_rate": "5e-5", "num_train_epochs": "3"}, "mcc", 0.53, t0=T0),
        run("b", "cola-large", 3, {"bert_model": "bert-large-uncased", "task_name": "CoLA",
                                   "train_batch_size": "16", "learning_rate": "5e-5", "num_train_epochs": "3"},
            "mcc", 0.0, t0=T0),
        run("c", "cola-large-lr2e-5", 5, {"bert_model": "bert-large-uncased", "task_name": "CoLA",
                                          "train_batch_size": "16", "learning_rate": "2e-5",
                                          "num_train_epochs": "3"}, "mcc", 0.58, t0=T0),
    ]
    notes = [(6, "finetuning bert-large on CoLA predicts one class at 5e-5 with batch 16; bert-base-uncased "
                 "got mcc 0.53. At 2e-5 the large model works: 0.58")]
    return history(PROJECT, runs, notes, days=2, t0=T0)


@pytest.mark.parametrize(("plan", "want"), [
    ("fine-tune bert-large on CoLA with a lower learning rate", True),     # the 2e-5 run
    ("fine-tune bert-base on CoLA with a lower learning rate", False),     # base only ran at 5e-5
    ("BERT-large on CoLA for more epochs", False),
    ("the large model on CoLA for more epochs", False),
    ("fine-tune the large model with a bigger batch", False),
    ("fine-tune bert-large-uncased on CoLA with a batch size of 16", True),
    ("fine-tune BERT-large on CoLA at batch size 32", False),
    ("bert-base on CoLA with train_batch_size 32", True),
    ("fine-tune bert-large-cased on CoLA", False),
])
def test_a_model_at_a_size_is_the_subject(plan: str, want: bool) -> None:
    got = synthesis.check(plan, _bert_history())
    assert got.already_tried is want, got.message


# ---- walkthrough through the service: log notes, then check as a user would ----

async def test_walkthrough_through_the_service(tmp_path: Path, mlflow_store: MlflowStore) -> None:
    from adapters import open_tracker
    from narrative.local_engine import LocalEngine
    from narrative.service import Narrator
    from storage.db import open_repository

    now = dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC)
    for name, hours, params, value in [
        ("effnet-b0-full", 30, {"model": "efficientnet-b0", "image_size": "224", "lr": "0.001"}, 0.95),
        ("effnet-b3-full", 28, {"model": "efficientnet-b3", "image_size": "224", "lr": "0.001"}, 0.11),
        ("effnet-b3-lr1e-8", 26, {"model": "efficientnet-b3", "image_size": "224", "lr": "1e-08"}, 0.11),
        ("effnet-b4-380", 24, {"model": "efficientnet-b4", "image_size": "380", "lr": "0.001"}, 0.10),
    ]:
        mlflow_store.add(RunSpec(name, "ana", now - dt.timedelta(hours=hours), params=params,
                                 metrics={"val_acc": value}))
    repo = await open_repository(f"sqlite:///{tmp_path / 'coco.db'}")
    tracker = open_tracker(mlflow_store.uri)
    try:
        workspace = await repo.ensure_workspace("cli:test", platform="cli")
        narrator = Narrator(repo=repo, workspace_id=workspace.id, engine=LocalEngine(),
                            tracker_for=lambda _project: tracker, clock=lambda: now)
        await narrator.add_project(name="effnet", tracker=tracker, experiments=["churn-model"],
                                   primary_metric="val_acc", goal="max")
        await narrator.log(project="effnet", author="ana", at=now - dt.timedelta(hours=20), text=(
            "B0 with image size 224,224 works fine but B3 is collapsing in the first epoch, B4 gives nan. "
            "Tried with very low lr as 1e-08 but did not work."))
        await narrator.log(project="effnet", author="ana", at=now - dt.timedelta(hours=19),
                           text="Tried B4 with input size 380 and still got Nan loss.")
        for plan, want in [
            ("EfficientNet-B0 at 224", True),
            ("EfficientNet-B3 at lr 1e-8", True),
            ("B4 with an input size of 380", True),
            ("EfficientNet-B0 at lr 1e-8", False),
            ("EfficientNet-B3 at its own input size of 300", False),
            ("EfficientNet-B5 at 456x456", False),
            ("fine-tune EfficientNet-B6", False),
        ]:
            got = await narrator.check(project="effnet", text=plan)
            assert got.already_tried is want, (plan, got.message)
    finally:
        await tracker.aclose()
        await repo.aclose()


# ---- adversarial: long and odd input stays linear and does not crash ----

@pytest.mark.parametrize("text", [
    "vit-" * 5000,
    "efficientnet" + "-b3" * 4000,
    "gpt 2 " * 4000 + "medium",
    "bert-large-" + "cased-uncased-" * 3000,
    ("resnet 50 " + "1 " * 5000),
    "input size of " * 3000 + "300",
    "224x" * 5000,
])
def test_long_odd_input_is_linear(text: str) -> None:
    t = time.perf_counter()
    designations(text)
    designation_off(designations("ViT-B/16"), text)
    synthesis.check(text[:4000], _vit_history())
    assert time.perf_counter() - t < 10.0
