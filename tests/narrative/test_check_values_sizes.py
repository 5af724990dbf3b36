"""Checks that name a value range, a bound, a model size or a model's depth, and notes that only advise.

"a bigger batch than 800" is not answered by the run at 800; "dropout between 0.3 and 0.5" is answered by the
run at 0.4; "drop path 0.2" is not answered by a note on "--drop-path 0.1"; "biformer-small" and "ResNet-50"
are not answered by the tiny model or by ResNet-18 (they are the closest); a run that failed after logging
metrics was tried; "You can try X", "Try X also." and "whether X or Y" report nothing done. The sentences are
written for these tests.
"""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import structuring, synthesis
from narrative.check_sizes import size_off, sizes_in
from narrative.statements import statement_modality
from narrative.types import ProjectHistory, StructureRequest
from storage.records import EntryRecord, ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="cls", primary_metric="val_acc", goal="max")


def _run(i: int, name: str, params: dict[str, str], metrics: dict[str, float], status: str = "FINISHED"
         ) -> RunSnapshot:
    return RunSnapshot(project_id="p", run_id=f"{i:032d}", run_name=name, user="kim", status=status,
                       start=T0 + dt.timedelta(hours=i), end=T0 + dt.timedelta(hours=i, minutes=50), params=params,
                       metrics=metrics)


def _history(notes: list[str], runs: list[RunSnapshot]) -> ProjectHistory:
    entries = []
    for i, text in enumerate(notes):
        at = T0 + dt.timedelta(hours=20 + i)
        req = StructureRequest(text=text, author="kim", at=at, project=PROJECT, window_runs=runs, resolved_refs={},
                               unresolved_refs={}, known_runs=runs, previous_entries=[])
        entries.append(EntryRecord(id=f"e{i}", workspace_id="w", project_id="p", author="kim", at=at, raw_text=text,
                                   status="structured", structure=structuring.structure_entry(req)))
    return ProjectHistory(project=PROJECT, entries=entries, runs={r.run_id: r for r in runs},
                          now=T0 + dt.timedelta(days=2))


RUNS = [
    _run(1, "rn18-bs400", {"model": "resnet18", "dropout": "0.2", "batch_size": "400", "drop_path": "0.1"},
         {"val_acc": 0.81}),
    _run(2, "rn18-bs800", {"model": "resnet18", "dropout": "0.4", "batch_size": "800", "drop_path": "0.1"},
         {"val_acc": 0.83}),
    _run(3, "rn18-bs64", {"model": "resnet18", "dropout": "0.4", "batch_size": "64", "drop_path": "0.1"},
         {"val_acc": 0.84}),
]
NOTES = ["Ran resnet18 at batch 400, 800 and 64, --drop-path 0.1 in all of them.",
         "Dropout 0.4 beat 0.2."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("a bigger batch than 800", False),
    ("a batch bigger than 500", True),
    ("a batch smaller than 64", False),
    ("a batch smaller than 100", True),
    ("dropout between 0.3 and 0.5", True),
    ("dropout between 0.5 and 0.7", False),
    ("an effective batch of 2048", False),
    ("drop path 0.2", False),
    ("drop path 0.1", True),
])
def test_a_bound_a_range_or_a_value_is_judged_on_the_runs_values(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(NOTES, RUNS))
    assert got.already_tried is tried, got.message


def test_a_model_at_another_size_or_depth_is_the_closest_not_the_plan() -> None:
    runs = [_run(1, "biformer_tiny_b128", {"model": "biformer_tiny", "lr": "5e-4"}, {"val_acc": 0.81})]
    hist = _history(["I trained `biformer-tiny` with lr 5e-4 and resnet18 as a baseline: 0.81 and 0.78."], runs)
    assert not synthesis.check("train biformer-small", hist).already_tried
    assert synthesis.check("train biformer-tiny", hist).already_tried
    assert not synthesis.check("the ResNet-50", hist).already_tried
    assert synthesis.check("a resnet18 baseline", hist).already_tried


def test_sizes_are_read_attached_to_a_model_or_before_a_generic_word() -> None:
    assert sizes_in("deit_base_patch16_224 and ViT-B/16") == {"deit": frozenset({"base"}),
                                                              "vit": frozenset({"base"})}
    assert sizes_in("the tiny model") == {"*": frozenset({"tiny"})}
    assert sizes_in("a small-batch run on the code-base") == {}
    assert sizes_in("biformer_tiny_b128x8") == {"biformer": frozenset({"tiny"})}
    assert size_off({"deit": frozenset({"small"})}, "DeiT-Tiny got 72.3")
    assert not size_off({"deit": frozenset({"small"})}, "DeiT got 72.3")


def test_a_run_that_failed_after_logging_metrics_was_tried() -> None:
    runs = [_run(1, "bs64", {"batch_size": "64"}, {"val_acc": 0.7}),
            _run(2, "bs512", {"batch_size": "512"}, {"val_acc": 0.5}, status="FAILED"),
            _run(3, "bs1024", {"batch_size": "1024"}, {}, status="FAILED")]
    hist = _history(["bs 64 fine, 512 went NaN after 70k steps, 1024 crashed at start."], runs)
    got = synthesis.check("have we tried a batch size of 512?", hist)
    assert got.already_tried, got.message
    assert not synthesis.check("a batch size of 1024", hist).already_tried


def test_a_classic_backbone_is_named_with_or_without_its_depth() -> None:
    runs = [_run(1, "dss-v1", {"backbone": "vgg16", "pretrained": "torchvision", "batch_norm": "False"},
                 {"val_acc": 0.9})]
    hist = _history(["You can try larger batch sizes and a VGG with batch normalization."], runs)
    assert synthesis.check("a pretrained VGG backbone", hist).already_tried
    assert not synthesis.check("use VGG with batch normalization as the backbone", hist).already_tried


@pytest.mark.parametrize(("text", "modality"), [
    ("You can try larger batchsize and can also use vgg with batch normalization.", "plan"),
    ("Try `batch_size=256` (hence the effective batch size is 256 x 8=2048) also.", "plan"),
    ("Try reducing learning rate.", "plan"),
    ("try mixup, got 0.81", "done"),
    ("It doesn't matter whether the script is based on hydra_main or slurm.", "question"),
    ("Tested whether fp16 or bf16 is faster.", "done"),
    ("you can see the loss going down", ""),
])
def test_advice_and_an_open_choice_report_nothing_done(text: str, modality: str) -> None:
    assert statement_modality(text) == modality
