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
