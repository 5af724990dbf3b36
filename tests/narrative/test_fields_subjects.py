"""What was tried, read from the front of a result line: every linking word before the number goes ("gets to",
"got up to"), a metric's name goes whatever its spelling ("pr-auc"), and an item said twice is kept once. Own
sentences."""

from __future__ import annotations

from narrative.entry_text import add_item
from narrative.structuring import structure_entry
from tests.narrative.conftest import make_request


def hypotheses(text: str) -> list[str]:
    return structure_entry(make_request(text, [])).hypotheses


def test_the_words_between_a_subject_and_its_number_are_cut_whole() -> None:
    assert hypotheses("RF w/ balanced class weights gets to .52.") == ["RF w/ balanced class weights"]
    assert hypotheses("the logreg baseline got up to .41.") == ["the logreg baseline"]
    assert "started w/ a logreg baseline" in hypotheses("started w/ a logreg baseline, pr-auc .41")
    assert hypotheses("dropout 0.3 was at 0.81") == ["dropout 0.3"]


def test_an_item_said_twice_is_kept_once() -> None:
    items: list[str] = []
    for text in ("the logreg baseline", "logreg baseline.", "Logreg baseline", "the logreg baseline with l2"):
        add_item(items, text)
    assert items == ["the logreg baseline", "the logreg baseline with l2"]
