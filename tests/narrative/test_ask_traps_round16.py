"""Round 16 (h/asktraps): classes found by ``tests.narrative.ask_traps`` (questions nothing in the history answers).

Class "a part of a compound name is not the name": asked about "SpecAugment" or "CatBoost" in a history that never
names them, the last-resort answer (the lines of work whose names carry a word of the question) matched one part
of the compound ("augment", "boost") to a broader or sibling line of work ("data augmentation", "DART boosting")
and told its status as the answer. A compound name's part alone names a broader thing than the compound does;
the compound is asked only when the line's name carries all of its parts (or the whole word).
"""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import pytest

from narrative import synthesis
from narrative.answer_status import _names_asked, approaches_in_words
from narrative.history_index import HistoryIndex, HistoryIndexCache
from narrative.run_answers import unlogged_metric
from narrative.types import ProjectHistory
from tests.narrative.scenario_loader import SCENARIO_DIR
from tests.narrative.synthesis_dev import build_history

ANSWERS = Path(__file__).parent / "data" / "real_answers"
FRAUD = SCENARIO_DIR / "card-fraud-metric-switch.json"
STEEL = SCENARIO_DIR / "steel-defect-transfer.json"
CONVMIXER = ANSWERS / "convmixer-changelog.json"
SAM2 = ANSWERS / "sam2-prompt-log.json"


@cache
def _history(path: Path) -> tuple[ProjectHistory, HistoryIndex]:
    hist = build_history(path, False)[0]
    return hist, HistoryIndexCache().index(hist)


# questions naming a compound the history never names: the old code answered each with a broader line's status
@pytest.mark.parametrize(("path", "question"), [
    (FRAUD, "why did we abandon CatBoost?"),
    (FRAUD, "did AdaBoost help?"),
    (STEEL, "did SpecAugment help?"),
    (CONVMIXER, "did SpecAugment help?"),
    (CONVMIXER, "who ran RandAugment?"),
    (SAM2, "what did SpecAugment get?"),
])
def test_a_compound_part_alone_does_not_answer(path: Path, question: str) -> None:
    assert approaches_in_words(question, _history(path)[1]) is None


# must not fire: a word the question writes whole, or a compound the line's name spells, is still answered
@pytest.mark.parametrize(("path", "question", "line"), [
    (FRAUD, "what did we try with boosting?", "DART boosting"),
    (FRAUD, "did DART help?", "DART boosting"),
    (FRAUD, "why did we leave XGBoost?", "XGBoost"),
    (FRAUD, "where are we with LightGBM?", "LightGBM"),
    (STEEL, "did EfficientNet pay off?", "EfficientNet"),
    (STEEL, "what did CutMix give?", "CutMix"),
    (STEEL, "why did we drop ConvNeXt?", "ConvNeXt"),
    (STEEL, "what came of the augmentation idea?", "test-time augmentation"),
    (CONVMIXER, "did AdamW help?", "AdamW"),
    (CONVMIXER, "what about augmentation?", "data augmentation"),
    (SAM2, "what did LoRA get?", "LoRA"),
])
def test_words_asked_whole_still_answer(path: Path, question: str, line: str) -> None:
    out = approaches_in_words(question, _history(path)[1])
    assert out is not None and line in out.answer


def test_a_compound_meets_a_name_that_spells_all_its_parts() -> None:
    assert _names_asked({"spec", "augment"}, set(), [{"spec", "augment"}])
    assert not _names_asked({"data", "augment"}, set(), [{"spec", "augment"}])
    assert _names_asked({"xgboost", "xg", "boost"}, {"xgboost"}, [{"xg", "boost"}])


def test_walkthrough_asking_an_absent_compound_says_nothing_found() -> None:
    # as a user asks: the whole answering path, not the last resort alone
    hist, _ = _history(CONVMIXER)
    indexes = HistoryIndexCache()
    for q in ("did SpecAugment help?", "why did we abandon SpecAugment?", "who ran SpecAugment?"):
        assert synthesis.answer(q, hist, indexes=indexes).answer.startswith("I found nothing"), q
    # the word asked whole is still answered from the notes that use it
    assert "augmentation" in synthesis.answer("what about augmentation?", hist, indexes=indexes).answer


def test_adversarial_long_camel_question_stays_fast() -> None:
    idx = _history(CONVMIXER)[1]
    start = time.perf_counter()
    approaches_in_words("did " + "SpecAugmentXy" * 3000 + " help?", idx)
    approaches_in_words("aB" * 20000, idx)
    assert time.perf_counter() - start < 2.0


# Class "a metric the named run never logged": "what BLEU did gpt2-fw-baseline get?" was answered with the run's
# tracker line alone, which reads as the answer; the line now says first that the run logged no BLEU.
WAKE = ANSWERS / "wake2vec-devlog.json"
SUPPORT = SCENARIO_DIR / "support-intent-finetune.json"


@pytest.mark.parametrize(("path", "question", "said"), [
    (WAKE, "what BLEU did gpt2-fw-baseline get?", "no BLEU logged"),
    (WAKE, "what perplexity did tinyllama-p1-rerun reach?", "no perplexity logged"),
    (FRAUD, "what RMSE did lgbm-dart get?", "no RMSE logged"),
    (SUPPORT, "what AUC did distilbert-base get?", "no AUC logged"),
])
def test_a_metric_the_named_run_never_logged_is_said_missing(path: Path, question: str, said: str) -> None:
    out = synthesis.answer(question, _history(path)[0], indexes=HistoryIndexCache())
    assert said in out.answer


# must not fire: the run logged the metric asked (under its own key), or the question asks no metric name
@pytest.mark.parametrize(("keys", "question"), [
    (["val_loss", "train_loss"], "what val loss did gpt2-fw-baseline get?"),
    (["val_roc_auc", "val_pr_auc"], "what AUC did lgbm-dart get?"),
    (["val_roc_auc", "val_pr_auc"], "what PR AUC did lgbm-dart get?"),
    (["val_macro_f1", "val_acc"], "what macro F1 did distilbert-base get?"),
    (["val_macro_f1", "val_acc"], "what accuracy did distilbert-base reach?"),
    (["val_macro_f1", "val_acc"], "what F1 did distilbert-base get?"),
    (["test_acc"], "what top-1 did v8-adamw get?"),
    (["rmse", "mae"], "what RMSE did lgbm-v2 get?"),
    (["val_bleu"], "what BLEU did mt-base get?"),
    ([], "what did gpt2-fw-baseline get?"),
    (["val_loss"], "what precision did gpt2-fw-baseline train in?"),
    (["val_loss"], "which map size did run-7 use?"),
])
def test_a_metric_logged_or_not_asked_is_not_said_missing(keys: list[str], question: str) -> None:
    assert unlogged_metric(question, keys) is None


def test_adversarial_long_metric_question_stays_fast() -> None:
    start = time.perf_counter()
    assert unlogged_metric("what " + "bleu-" * 20000 + " did x get?", ["val_loss"]) is not None
    assert unlogged_metric("f1" * 50000, []) is None
    assert time.perf_counter() - start < 2.0
