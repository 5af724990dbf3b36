"""Thread questions the tracker answers by counting or ranking runs (issue 8, h/answers5): who ran the most,
how many runs, which run had the lowest X, which <kind> run was best, what setting some runs used, the fastest
run. Histories are real notes (tests/narrative/data/real_answers, tune files) and a dev scenario."""

from __future__ import annotations

from pathlib import Path

from narrative import synthesis
from narrative.history_index import HistoryIndexCache
from tests.narrative.scenario_loader import SCENARIO_DIR
from tests.narrative.synthesis_dev import build_history, cited_keys

DATA = Path(__file__).parent / "data" / "real_answers"


def _ask(path: Path, question: str) -> tuple[str, set[str]]:
    hist, key_of, entry_runs, _ = build_history(path, False)
    ans = synthesis.answer(question, hist, indexes=HistoryIndexCache())
    return ans.answer, cited_keys(ans.citations, key_of, entry_runs)


def test_counts_of_runs_come_from_the_tracker() -> None:
    text, cited = _ask(DATA / "ast-warmup-attempts.json", "who ran the most experiments?")
    assert text.startswith("nadia ran the most: 3 of the 3 runs") and cited
    text, cited = _ask(DATA / "ast-warmup-attempts.json", "how many runs did we do?")
    assert text.startswith("3 runs in the tracker") and cited


def test_a_metric_is_named_by_its_words_or_its_one_head_word() -> None:
    # CS50 traffic notes: loss_main and loss_small share "loss"; acc_main is the one accuracy
    path = DATA / "traffic-cnn-versions.json"
    text, cited = _ask(path, "which run had the lowest main loss?")
    assert text.startswith("Lowest loss_main: traffic-2.5") and cited == {"r06"}
    text, _ = _ask(path, "which version had the best accuracy?")
    assert text.startswith("Best by acc_main: traffic-2.5")


def test_the_asked_setting_of_a_named_run_is_shown() -> None:
    text, cited = _ask(DATA / "ast-warmup-attempts.json", "what head LR did ast-v2-nowarmup use?")
    assert "head_lr=1e-3" in text and "v2" in cited


def test_best_of_a_kind_is_one_of_that_kind() -> None:
    path = SCENARIO_DIR / "churn-telco-imbalance.json"
    text, cited = _ask(path, "which lightgbm run was best?")
    assert "lgbm" in text and "r24" in cited and len(cited) <= 6
    # its note keeps xgb: "LightGBM was adopted" would be wrong, so no standing is stated
    text, _ = _ask(path, "did lightgbm help?")
    assert "adopted" not in text and "sticking with xgb" in text


def test_fastest_run_and_setting_of_described_runs() -> None:
    path = SCENARIO_DIR / "support-intent-finetune.json"
    text, cited = _ask(path, "which run was slowest?")
    assert text.startswith("Longest finished run: ") and len(cited) == 1
    text, cited = _ask(path, "what learning rate did the distilbert runs use?")
    assert text.startswith("lr: ") and 1 <= len(cited) <= 6
