""""Already tried?" for variants, targets and exclusions (issue 8, classes 2-4): what a plan qualifies, what it
applies to and what it goes without decide whether a run or a note did the same thing."""

from __future__ import annotations

from narrative import checking
from narrative.history_index import HistoryIndex
from narrative.statements import statement_modality
from tests.narrative.test_checking import _entry, _hist, _run


def test_a_need_stated_with_a_noun_is_a_to_do() -> None:
    assert statement_modality("Need a held-out set before tuning further.") == "plan"
    assert statement_modality("**Notes**: Need warmup / smaller steps for the big model") == "plan"
    assert statement_modality("we still need a cleaner label file") == "plan"
    assert statement_modality("tried warmup: 0.81, need a longer schedule") == "done"


def test_what_the_thing_done_is_likened_to_was_not_done() -> None:
    runs = [_run("a", "sparse-ae", 1, {"model": "autoencoder", "reg": "l1"}, {"val_mse": 0.02})]
    entries = [_entry(1, 2, "Added L1 on the code. It is similar to a dropout on the latent, in spirit.", runs)]
    r = checking.check("add dropout on the latent", HistoryIndex(_hist(runs, entries, "val_mse", "min")))
    assert not r.already_tried


def test_a_qualifier_the_team_uses_sets_a_variant_apart() -> None:
    runs = [_run("a", "ae", 1, {"model": "autoencoder", "latent": "32"}, {"val_mse": 0.02}),
            _run("b", "ae-2", 3, {"model": "autoencoder", "latent": "64"}, {"val_mse": 0.018})]
    entries = [_entry(1, 4, "Implemented the autoencoder, latent 32 and 64.\nNext: a sparse autoencoder.", runs)]
    idx = HistoryIndex(_hist(runs, entries, "val_mse", "min"))
    assert not checking.check("train a sparse autoencoder", idx).already_tried
    assert checking.check("an autoencoder with a 64-dim latent", idx).already_tried


def test_the_plans_target_is_not_what_it_does() -> None:
    runs = [_run("a", "fp16-run", 1, {"fp16": "true", "lr": "1e-4"}, {"loss": 2.1})]
    entries = [_entry(1, 2, "The fp16 run diverged. Need loss scaling.", runs)]
    r = checking.check("add loss scaling to the fp16 run", HistoryIndex(_hist(runs, entries, "loss", "min")))
    assert not r.already_tried


def test_what_a_plan_goes_without_answers_it_only_when_absent() -> None:
    runs = [_run("a", "qlora", 1, {"lora_r": "16", "quantization": "4bit", "bf16": "true"}, {"loss": 1.6}),
            _run("b", "lora-half", 3, {"lora_r": "16", "fp16": "true"}, {"loss": 1.9})]
    idx = HistoryIndex(_hist(runs, [], "loss", "min"))
    r = checking.check("LoRA in fp16 without quantization", idx)
    assert r.already_tried and runs[1].run_id in r.matches[0].run_ids
    assert not checking.check("LoRA in bf16 without quantization", idx).already_tried


def test_a_plan_in_unknown_words_finds_the_runs_holding_them() -> None:
    runs = [_run("a", "x1", 1, {"reg": "none"}, {"acc": 0.8}),
            _run("b", "x2", 3, {"reg": "orthogonal"}, {"acc": 0.82})]
    entries = [_entry(1, 4, "Added orthogonal regularization today, slightly better.", runs[:1])]
    r = checking.check("try orthogonal regularization", HistoryIndex(_hist(runs, entries, "acc")))
    assert r.already_tried and runs[1].run_id in {x for m in r.matches for x in m.run_ids}


def test_a_qualifier_the_team_uses_in_reports_is_its_name_for_the_thing() -> None:
    runs = [_run("a", "ens-1", 1, {"ensemble": "kfold", "features": "pca"}, {"f1": 0.9})]
    entries = [_entry(1, 2, "The sparse ensemble got 0.90 on dev.", runs),
               _entry(2, 4, "Ensemble with PCA features: 0.90.", runs)]
    r = checking.check("PCA features for the sparse ensemble", HistoryIndex(_hist(runs, entries, "f1")))
    assert r.already_tried
