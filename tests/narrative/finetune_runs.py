"""Runs of two fine-tuning projects as their tools log them (links round 10): an NLP one (HF Trainer output dirs as
run names, Trainer args as params) and a vision one (Lightning ``version_N``, then W&B made-up names, then a sweep)."""

from __future__ import annotations

import datetime as dt

from narrative.linking import link_runs
from narrative.types import StructureRequest
from storage.records import ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
NLP = ProjectRecord(id="p", workspace_id="w", name="tickets", primary_metric="eval_f1", goal="max",  # type: ignore[arg-type]
                    experiment_ids=["1"])
VISION = ProjectRecord(id="p", workspace_id="w", name="leaf-disease", primary_metric="val_acc", goal="max",  # type: ignore[arg-type]
                       experiment_ids=["1"])


def run(i: int, name: str, hours: float, params: dict[str, str], metrics: dict[str, float], user: str = "ana",
        status: str = "FINISHED") -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=f"{i:02d}" + ("abcdef0123456789" * 2)[:30],
                       run_name=name, user=user, status=status, start=start, end=start + dt.timedelta(minutes=50),
                       params=params, metrics=metrics)


F1, ACC = "eval_f1", "eval_accuracy"


def _hf(model: str, lr: str, bs: str, sched: str = "linear", seed: str = "42", warm: str = "0.0") -> dict[str, str]:
    return {"model_name_or_path": model, "learning_rate": lr, "per_device_train_batch_size": bs,
            "lr_scheduler_type": sched, "seed": seed, "weight_decay": "0.01", "num_train_epochs": "3",
            "warmup_ratio": warm}


D, B, R = "microsoft/deberta-v3-base", "bert-base-uncased", "roberta-base"
COS = _hf(D, "2e-05", "16", sched="cosine", warm="0.1")
NLP_RUNS = [
    run(1, "bert-base-lr2e-5-bs32", 1, _hf(B, "2e-05", "32"), {F1: 0.884, ACC: 0.902}),
    run(2, "roberta-base-lr2e-5-bs32", 2, _hf(R, "2e-05", "32"), {F1: 0.897, ACC: 0.911}),
    run(3, "deberta-v3-lr2e-5-bs16", 25, _hf(D, "2e-05", "16"), {F1: 0.912, ACC: 0.925}),
    run(4, "deberta-v3-lr3e-5-bs16", 26, _hf(D, "3e-05", "16"), {F1: 0.905, ACC: 0.921}),
    run(5, "deberta-v3-lr5e-5-bs16", 27, _hf(D, "5e-05", "16"), {F1: 0.861, ACC: 0.884}),
    run(6, "raj-deberta-lr1e-5", 27.5, _hf(D, "1e-05", "16"), {F1: 0.909, ACC: 0.920}, user="raj"),
    run(7, "deberta-v3-lr2e-5-bs16-seed1", 49, _hf(D, "2e-05", "16", seed="1"), {F1: 0.915, ACC: 0.927}),
    run(8, "deberta-v3-lr2e-5-bs16-seed2", 50, _hf(D, "2e-05", "16", seed="2"), {F1: 0.908, ACC: 0.922}),
    run(9, "deberta-v3-lr2e-5-bs16-seed3", 51, _hf(D, "2e-05", "16", seed="3"), {F1: 0.911, ACC: 0.924}),
    run(10, "deberta-v3-cosine-warm0.1", 52, COS, {F1: 0.918, ACC: 0.93}),
    run(11, "deberta-v3-cosine-warm0.06", 53, _hf(D, "2e-05", "16", sched="cosine", warm="0.06"),
        {F1: 0.916, ACC: 0.929}),
    run(12, "deberta-v3-cosine-frozen-emb", 73, {**COS, "freeze_embeddings": "True"}, {F1: 0.913, ACC: 0.926}),
    run(13, "deberta-v3-cosine-iso", 74, {**COS, "calibration": "isotonic"}, {F1: 0.918, ACC: 0.93, "ece": 0.021}),
    run(14, "deberta-v3-cosine-temp", 75, {**COS, "calibration": "temperature"},
        {F1: 0.918, ACC: 0.93, "ece": 0.034}),
]


def _tp(model: str, lr: str, aug: str = "basic", mix: str = "0.0", seed: str = "0", dp: str = "0.1",
        freeze: str = "False") -> dict[str, str]:
    return {"model": model, "lr": lr, "batch_size": "64", "max_epochs": "30", "augment": aug, "mixup_alpha": mix,
            "seed": seed, "drop_path_rate": dp, "freeze_backbone": freeze, "optimizer": "AdamW"}


CT = "convnext_tiny"
VA, VL = "val_acc", "val_loss"
VISION_RUNS = [
    run(1, "version_3", 1, _tp("resnet50", "0.001"), {VA: 0.871, VL: 0.412}),
    run(2, "version_4", 2, _tp("resnet50", "0.0003"), {VA: 0.884, VL: 0.377}),
    run(3, "version_5", 26, _tp(CT, "0.0003"), {VA: 0.902, VL: 0.331}),
    run(4, "version_6", 27, _tp(CT, "0.0001"), {VA: 0.896, VL: 0.349}),
    run(5, "version_7", 28, _tp(CT, "0.0003", freeze="True"), {VA: 0.861, VL: 0.45}),
    run(6, "version_8", 28.5, _tp("vit_small_patch16_224", "0.0003"), {}, status="FAILED"),
    run(7, "wise-fox-12", 50, _tp(CT, "0.0003", aug="randaug"), {VA: 0.909, VL: 0.318}),
    run(8, "gentle-river-13", 51, _tp(CT, "0.0003", aug="randaug", mix="0.2"), {VA: 0.915, VL: 0.305}),
    run(9, "brisk-moon-14", 52, _tp(CT, "0.0003", aug="randaug", mix="0.8"), {VA: 0.906, VL: 0.33}),
    run(10, "proud-sky-15", 52.5, _tp(CT, "0.0003", aug="trivialaug"), {VA: 0.907, VL: 0.32}, user="tom"),
    run(11, "sweep-k3x9-1", 74, _tp(CT, "0.0003", aug="randaug", mix="0.2", dp="0.2"), {VA: 0.917, VL: 0.3}),
    run(12, "sweep-k3x9-2", 74.5, _tp(CT, "0.0003", aug="randaug", mix="0.2", dp="0.3"), {VA: 0.913, VL: 0.31}),
    run(13, "sweep-k3x9-3", 75, _tp(CT, "0.0003", aug="randaug", mix="0.2", dp="0.0"), {VA: 0.912, VL: 0.312}),
    run(14, "convnext-seed1", 76, _tp(CT, "0.0003", aug="randaug", mix="0.2", dp="0.2", seed="1"),
        {VA: 0.916, VL: 0.301}),
    run(15, "convnext-seed2", 76.5, _tp(CT, "0.0003", aug="randaug", mix="0.2", dp="0.2", seed="2"),
        {VA: 0.919, VL: 0.298}),
]


def linked(project: ProjectRecord, runs: list[RunSnapshot], text: str, hours: float, since: float,
           author: str = "ana") -> set[str]:
    """The names of the runs a note written at ``hours`` (the author's previous note at ``since``) links."""
    at, previous = T0 + dt.timedelta(hours=hours), T0 + dt.timedelta(hours=since)
    request = StructureRequest(text=text, author=author, at=at, project=project,
                               window_runs=[r for r in runs if previous <= r.start < at],
                               known_runs=[r for r in runs if r.start < at], resolved_refs={}, window_start=previous)
    names = {r.run_id: r.run_name for r in runs}
    return {names[r.run_id] for r in link_runs(request).runs if r.run_id in names}


def segment_links(project: ProjectRecord, runs: list[RunSnapshot], text: str, hours: float, since: float
                  ) -> list[tuple[str, set[str]]]:
    """(segment text, names of the runs it links) for each segment of the note."""
    at, previous = T0 + dt.timedelta(hours=hours), T0 + dt.timedelta(hours=since)
    request = StructureRequest(text=text, author="ana", at=at, project=project,
                               window_runs=[r for r in runs if previous <= r.start < at],
                               known_runs=[r for r in runs if r.start < at], resolved_refs={}, window_start=previous)
    names = {r.run_id: r.run_name for r in runs}
    return [(s.segment.text, {names[r] for r in s.run_ids if r in names}) for s in link_runs(request).segments]
