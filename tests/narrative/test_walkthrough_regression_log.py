"""A teammate reads a three-day regression log weeks later (issue 8, h/answers15): the real GainAKT work log
(data/real_answers/gainakt-auc-regression-log.json, tune) structured note by note, then asked what each attempt got.

The log lists each commit as "**Commit abc1234**: <the change>" with bullets under it, two labelled "**Result**:"
and "**Conclusion**:"; its summary note says why the team reverted. A did-it-help answer must carry the labelled
result of the attempt it quotes (before this round it quoted the commit line alone), never the plan of another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from narrative import synthesis
from narrative.history_index import HistoryIndexCache
from tests.narrative.scenario_loader import fill
from tests.narrative.synthesis_dev import build_history

_FILE = Path(__file__).parent / "data" / "real_answers" / "gainakt-auc-regression-log.json"
_BUILT: list[Any] = []


def _ask(q: str) -> tuple[str, set[str]]:
    if not _BUILT:
        _BUILT.extend((*build_history(_FILE, False), HistoryIndexCache()))
    hist, key_of, _entry_runs, sc, indexes = _BUILT
    ans = synthesis.answer(fill(q, sc.ids), hist, indexes=indexes)
    return ans.answer, {key_of[r] for it in ans.citations for r in it.run_ids if r in key_of}


def test_did_an_attempt_help_is_answered_by_its_labelled_result() -> None:
    text, cited = _ask("did restoring the 714616 parameters fix it?")
    assert "Parameters not the issue" in text and "AUC still degraded" in text, text
    assert "r10" in cited, cited
    text, cited = _ask("did reverting the IM loss target help?")
    assert "WORSE than before" in text and "NOT the root cause" in text, text
    assert "r11" in cited, cited
    assert len(text) < 900


def test_why_we_reverted_and_what_won() -> None:
    text, _ = _ask("why did we revert to 2acdc355?")
    assert any(w in text for w in ("exhausted", "performance remains degraded", "root cause was not identified")), text
    text, cited = _ask("which run had the best val AUC?")
    assert "exp714616_baseline" in text and "r01" in cited, text


def test_what_next_after_the_revert_comes_from_the_recommendations() -> None:
    text, _ = _ask("what should we do after the revert?")
    assert "714616" in text or "Single Change" in text or "Stable Baseline" in text, text
