"""``coco phase`` / ``coco next``: which lines of work a phase lists, what closes them and what is still to do
(h/phase12, on sentences written for each class, each with the everyday sentences that share its trigger words).

Classes: (1) SAC, TD3 and DDPG are lines of their own; (2) what only a verdict's explanation names ("... - interacting
badly with LoRA") is a cause, not a line judged; (3) a pasted command or configuration is data: its "--balance none"
switches nothing off, its keys plan nothing; (4) "No pretrain: ... dev: 59.3" labels a result row, it does not switch
pretraining off; (5) "After X achieved ..., we switched to Y" replaces X by Y; (6) the family that holds the best run
is listed; (7) a to-do item ticked in a later version, and the objective of an experiment its own note reports, are no
next steps; (8) the floor asked for fits the task (BM25 for ranking).
"""

from __future__ import annotations

import pytest

from narrative import synthesis, vocab
from narrative.approach_cues import data_line, explained_only, settings_dump
from narrative.approaches import _subjects_of
from narrative.replacements import replacement_in, switched_off_in
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import history, run


# ---- (1) SAC, TD3, DDPG
@pytest.mark.parametrize(("sentence", "concepts"), [
    ("going with sac, td3 dropped", {"sac", "td3"}),
    ("soft actor-critic beat ppo", {"sac"}),
    ("td3 got 9120 on halfcheetah", {"td3"}),
    ("ddpg diverged after 200k steps", {"ddpg"}),
])
def test_sac_td3_ddpg_are_lines_of_their_own(sentence: str, concepts: set[str]) -> None:
    found = {c for c, spans in vocab.concepts_in_once(sentence).items() if spans} & {"sac", "td3", "ddpg"}
    assert found == concepts
    assert vocab.CONCEPT_BY_ID["sac"].name == "SAC"
    assert "ddpg" in vocab.CONCEPT_BY_ID["td3"].broader and "sac" not in vocab.CONCEPT_BY_ID["td3"].broader


# ---- (2) a verdict's explanation
def test_what_only_the_explanation_of_a_verdict_names_is_no_subject() -> None:
    sentence = "weighted loss has not been effective - magnified gradients interacting badly with LoRA"
    assert explained_only(sentence) == {"lora"}
    assert "lora" not in _subjects_of(sentence) and "class_weight" in _subjects_of(sentence)
    assert explained_only("dropped xgboost because lightgbm is faster") == {"lightgbm"}
    assert explained_only("focal loss hurt because the label smoothing was already on") == {"label_smoothing"}
    assert explained_only("class weights did not help since we oversample already") == {"oversampling"}


@pytest.mark.parametrize("sentence", [
    "tried mixup - and cutmix too, both hurt",  # no verdict before the dash
    "switched to adamw - cosine schedule kept",  # no verdict before the dash
    "Since the switch to AdamW, warmup is no longer needed",  # nothing before "since"
    "lora rank 16 - worse than rank 8",  # the verdict comes after the dash
    "mixup and cutmix - both hurt",
    "focal loss hurt because the labels are noisy",  # the explanation names no line of work
    "class weights did not help - no idea why",
    "xgboost with lr 0.05 - 0.812 auc",
    "the ensemble of lightgbm and catboost helped",
])
def test_no_explanation_to_set_aside(sentence: str) -> None:
    assert not explained_only(sentence)


# ---- (3) commands and configurations are data
def test_a_pasted_command_switches_nothing_off() -> None:
    line = "```python train.py --ranks 8 16 32 64 --folds 2 --max-length 128 --balance none```"
    assert not switched_off_in(line)
    assert data_line(line)
    assert settings_dump("{'n_vocab': 33000, 'n_embed': 32, 'n_epoch': 20, 'n_batch': 256, 'dropout': 0.1}")


@pytest.mark.parametrize(("sentence", "off"), [
    ("Mixup: off", {"mixup"}),
    ("dataset: no Mixup (epoch=4)", {"mixup"}),
    ("use_ema = false", {"ema"}),
    ("no dropout from now on, it hurt", {"dropout"}),
    ("No augmentation (epoch=4)", {"augmentation"}),
    ("EMA off", {"ema"}),
    ("turned off dropout", {"dropout"}),
    ("no label smoothing (epoch=10)", {"label_smoothing"}),
    ("specaug: off", {"spec_augment"}),
    ("augmentation = none", {"augmentation"}),
])
def test_a_setting_switched_off_in_prose_still_is(sentence: str, off: set[str]) -> None:
    assert set(switched_off_in(sentence)) == off


@pytest.mark.parametrize("sentence", [
    "try dropout 0.3 next, and lr: 1e-4 with warmup",
    "next: dropout=0.3, lr=1e-4, wd=0.01 to fight the overfitting we saw on the val set",
    "maybe increase dropout to 0.3 and weight decay to 0.01",
    "dropout 0.3 helped: val acc 0.81 vs 0.79",
    "lr 3e-4 was best, 1e-3 diverged",
    "ran python train.py yesterday, it crashed",  # a command named in prose, no flags
    "xgboost: 0.812, lightgbm: 0.815",  # two results, not a configuration
    "switched to a batch size of 64 - more stable",
])
def test_prose_with_settings_is_no_data_line(sentence: str) -> None:
    assert not data_line(sentence)


# ---- (4) an absence heading a result row
@pytest.mark.parametrize("sentence", [
    "No pretrain: epoch 48:, loss: 0.901, dev: 59.266, test: 59.986",
    "no mixup: val acc 0.81",
    "without augmentation: test f1 0.71",
])
def test_an_absence_labelling_a_result_row_switches_nothing_off(sentence: str) -> None:
    assert not switched_off_in(sentence)


# ---- (5) "After X ..., we switched to Y"
@pytest.mark.parametrize(("sentence", "old", "new"), [
    ("After the DQN training achieved 30% success rate in 300k steps, we switched to PPO and got 100%", "dqn", "ppo"),
    ("After tuning xgboost for a day, we switched to lightgbm", "xgboost", "lightgbm"),
    ("after xgboost plateaued at 0.81, switched to catboost", "xgboost", "catboost"),
])
def test_a_switch_after_a_line_replaces_it(sentence: str, old: str, new: str) -> None:
    rep = replacement_in(sentence)
    assert rep is not None and rep.old == {old} and rep.new == {new}


@pytest.mark.parametrize("sentence", [
    "After warmup, we switched to cosine decay",  # no model family on either side
    "After 10 epochs, we switched to SGD",
    "After the first week, I switched to lightgbm",  # nothing left behind
    "After adding mixup to the resnet, we switched to adamw",  # an optimizer is no model family
    "After the catboost run finished, we switched to checking the features",
    "We switched to PPO after DQN plateaued",  # another word order: said less, not guessed
    "After 0.5 days, switched to catboost",
    "After xgboost, lightgbm is next on the list",  # no switch
])
def test_what_is_no_switch_after_a_line(sentence: str) -> None:
    assert replacement_in(sentence) is None


# ---- (6)-(8) the phase and the plan
M = "ndcg_at_10"
RANK = ProjectRecord(id="p", workspace_id="w", name="search", primary_metric=M, goal="max", experiment_ids=["1"])


def _ranking_runs(with_bm25: bool) -> list[RunSnapshot]:
    runs = [run("b", "ce-minilm", 30, {"model": "cross-encoder", "reranker": "minilm"}, M, 0.401),
            run("c", "ce-minilm-hn", 60, {"model": "cross-encoder", "hard_negatives": "true"}, M, 0.412)]
    if with_bm25:
        runs.insert(0, run("a", "bm25-k1.2", 2, {"model": "bm25", "k1": "1.2", "b": "0.75"}, M, 0.331))
    return runs


NOTES = [(70, "cross-encoder re-ranking over the top 100: .401 ndcg@10, hard negatives on top: .412. keeping both.")]


def test_a_ranking_project_with_bm25_runs_has_its_floor() -> None:
    plan = synthesis.next_plan(history(RANK, _ranking_runs(True), NOTES))
    assert plan.missing_baseline is None


def test_a_ranking_project_is_asked_for_bm25_not_a_logistic_model() -> None:
    plan = synthesis.next_plan(history(RANK, _ranking_runs(False), NOTES))
    assert plan.missing_baseline is not None and "BM25" in plan.missing_baseline
    assert "logistic" not in plan.missing_baseline


def test_a_tabular_project_is_still_asked_for_a_simple_model() -> None:
    tab = ProjectRecord(id="p", workspace_id="w", name="churn", primary_metric="auc", goal="max", experiment_ids=["1"])
    runs = [run("a", "xgb-d6", 2, {"model": "xgboost", "max_depth": "6"}, "auc", 0.81)]
    plan = synthesis.next_plan(history(tab, runs, [(5, "xgboost depth 6: .81 auc, a decent start")]))
    assert plan.missing_baseline is not None and "logistic" in plan.missing_baseline


def test_the_best_runs_family_is_a_line_and_an_aim_reported_is_no_step() -> None:
    acc = "dev_acc"
    proj = ProjectRecord(id="p", workspace_id="w", name="nli", primary_metric=acc, goal="max", experiment_ids=["1"])
    runs = [run("a", "disan", 2, {"model": "disan"}, acc, 82.4),
            run("b", "gpt-dec-last", 30, {"model": "gpt_decoder", "pool": "last"}, acc, 83.4),
            run("c", "gpt-dec-gelu", 60, {"model": "gpt_decoder", "activation": "gelu"}, acc, 85.7)]
    notes = [(5, "# DiSAN\ndev: 82.4"),
             (70, "## Objective\n\nTest GPT as an alternative to DiSAN for the sentence pairs.\n\n## Results\n\n"
                  "| model | dev |\n|---|---|\n| last pooling | 83.4 |\n| gelu | 85.7 |\n\n"
                  "## Next Steps\n\n- Try a larger decoder")]
    report = synthesis.phase(history(proj, runs, notes))
    gpt = [a for a in report.approaches if a.name == "GPT"]
    assert gpt and gpt[0].status == "open"
    assert not any("Test GPT as an alternative" in s for s in report.next_steps), report.next_steps


def test_an_item_ticked_in_a_later_list_is_no_next_step() -> None:
    proj = ProjectRecord(id="p", workspace_id="w", name="pcl", primary_metric="val_f1", goal="max",
                         experiment_ids=["1"])
    runs = [run("a", "rank32", 2, {"lora_rank": "32"}, "val_f1", 0.47),
            run("b", "rank32-oversample", 50, {"lora_rank": "32", "balance": "oversample"}, "val_f1", 0.52)]
    tail = "CV for each LoRA rank with class weights\n- [ ] Train with label smoothing"
    notes = [(5, "- [x] LoRA rank sweep\n- [ ] " + tail), (60, "- [x] LoRA rank sweep\n- [x] " + tail)]
    steps = synthesis.phase(history(proj, runs, notes)).next_steps
    assert not any("CV for each LoRA rank" in s for s in steps), steps
    assert any("label smoothing" in s for s in steps)  # the item still unticked stays
