"""The status ``coco phase`` states for a line of work is read from the sentence that decided it: each test is a
grammatical class of sentence that used to give a false adopted/exhausted status (own sentences, of the
shapes real logs use)."""

from __future__ import annotations

import datetime as dt

from narrative.approaches import Approach, derive
from narrative.history_index import HistoryIndex
from narrative.types import ProjectHistory
from storage.records import Conclusion, EntryRecord, EntryStructure, LinkedRun, ProjectRecord, RunSnapshot

T0 = dt.datetime(2023, 5, 2, 18, 0, tzinfo=dt.UTC)


def _status(sentence: str, params: dict[str, str], verdict: str = "") -> dict[str, Approach]:
    run = RunSnapshot(project_id="p", run_id="b" * 32, run_name="exp-12", user="kim", status="FINISHED",
                      start=T0, end=T0 + dt.timedelta(hours=1), params=params, metrics={"val_acc": 0.7})
    conclusions = [Conclusion(text=sentence, verdict=verdict, run_ids=[run.run_id])] if verdict else []
    entry = EntryRecord(id="e1", workspace_id="w", project_id="p", author="kim", at=T0 + dt.timedelta(hours=2),
                        raw_text=sentence, status="structured",
                        structure=EntryStructure(runs=[LinkedRun(run_id=run.run_id, run_name=run.run_name, how="name")],
                                                 conclusions=conclusions))
    project = ProjectRecord(id="p", workspace_id="w", name="x", primary_metric="val_acc", goal="max")
    h = ProjectHistory(project=project, entries=[entry], runs={run.run_id: run}, now=T0 + dt.timedelta(days=1))
    return {a.key: a for a in derive(HistoryIndex(h))}


def _st(aps: dict[str, Approach], key: str) -> str:
    return aps[key].status if key in aps else "none"


def test_a_demotion_is_no_adoption() -> None:
    aps = _status("The GAN generator should be removed from the winner's circle, for now.", {"model": "gan"})
    assert _st(aps, "gan") == "exhausted"


def test_a_description_of_the_current_setup_is_no_adoption() -> None:
    aps = _status("Right now, we use batch norm after every conv block.", {"norm": "batchnorm"})
    assert _st(aps, "batchnorm") != "adopted"


def test_a_motive_is_no_adoption() -> None:
    aps = _status("I started out hoping to switch to AdamW for every model.", {"optimizer": "adamw"})
    assert _st(aps, "adamw") != "adopted"


def test_an_attempt_at_a_switch_is_no_adoption() -> None:
    aps = _status("We tried switching to plain SGD, only to find our learning rate was far too low.",
                  {"optimizer": "sgd"})
    assert _st(aps, "sgd") != "adopted"


def test_it_is_adopts_only_at_the_end_of_a_clause() -> None:
    aps = _status("The lora losses show no clear pattern, suggesting that it is random chance.", {"lora_r": "8"})
    assert _st(aps, "lora") != "adopted"
    assert _st(_status("Tried a few adapters. LoRA it is.", {"lora_r": "8"}), "lora") == "adopted"


def test_a_line_whose_absence_went_badly_is_not_closed() -> None:
    aps = _status("No dropout also performs poorly (heavy overfitting).", {"dropout": "0.1"}, "did_not_work")
    assert _st(aps, "dropout") not in ("exhausted", "abandoned")
    aps = _status("removing the dropout on the input layer overfitted badly", {"dropout": "0.1"}, "did_not_work")
    assert _st(aps, "dropout") not in ("exhausted", "abandoned")
    # no effect either way is a closure: kept
    aps = _status("Without dropout the loss is the same as with it.", {"dropout": "0.1"}, "did_not_work")
    assert _st(aps, "dropout") == "exhausted"


def test_x_matters_is_a_positive_finding() -> None:
    aps = _status("Image size matters a lot here.", {"image_size": "256"}, "did_not_work")
    assert _st(aps, "resolution") not in ("exhausted", "abandoned")
    aps = _status("Weight decay was crucial in preventing overfitting.", {"weight_decay": "0.01"}, "did_not_work")
    assert _st(aps, "weight_decay") not in ("exhausted", "abandoned")


def test_a_regression_problem_early_stopping_and_a_falling_loss_are_no_verdicts() -> None:
    aps = _status("Input resolution seems important in a regression problem.", {"image_size": "256"})
    assert _st(aps, "resolution") not in ("exhausted", "abandoned")
    aps = _status("It is too much work to implement an early stopping criterion here.", {"early_stopping": "1"})
    assert _st(aps, "early_stopping") not in ("exhausted", "abandoned")
    aps = _status("We continue with Adam, the loss keeps dropping steadily.", {"optimizer": "adam"})
    assert _st(aps, "adam") not in ("exhausted", "abandoned")


def test_a_plan_filed_as_a_result_stays_open() -> None:
    aps = _status("Next experiment is to use separate learning rates for the policy and the value.",
                  {"policy_lr": "1e-3", "value_lr": "1e-4"}, "did_not_work")
    assert _st(aps, "separate_lr") not in ("exhausted", "abandoned")
    aps = _status("Consider adding weight decay next time.", {"weight_decay": "0.01"}, "did_not_work")
    assert _st(aps, "weight_decay") not in ("exhausted", "abandoned")


def test_a_setting_set_to_zero_right_after_it_was_named_is_closed() -> None:
    aps = _status("Weight decay only helps on the small split.\nUse decay = 0", {"weight_decay": "0.01"})
    assert _st(aps, "weight_decay") == "exhausted"


def test_a_bug_fixed_is_no_failed_line_of_work() -> None:
    aps = _status("cross_attn_fixed: there was a bug where the attention value was added twice. This run has it fixed.",
                  {"cross_attn": "fixed"}, "did_not_work")
    assert not [k for k, a in aps.items() if a.status in ("exhausted", "abandoned")], aps


def test_the_line_a_worse_result_is_compared_with_is_not_closed() -> None:
    aps = _status("The multiscale variant gives much less intelligible speech than the GAN baseline.",
                  {"model": "gan"}, "did_not_work")
    assert _st(aps, "gan") not in ("exhausted", "abandoned")
    aps = _status("Neither variant performs as well as the original GAN.", {"model": "gan"}, "did_not_work")
    assert _st(aps, "gan") not in ("exhausted", "abandoned")


def test_the_trigger_of_a_mechanism_is_no_failure() -> None:
    aps = _status("I also added an early stopping callback to stop iterating when val_acc didn’t improve after 3 "
                  "epochs.",
                  {"callbacks": "early_stopping"}, "did_not_work")
    assert _st(aps, "early_stopping") not in ("exhausted", "abandoned")
