"""Classes of language an entry's fields read (round fields6): a future told of a thing is a forecast, not a
plan; a plan named in a concession or appraised after it stays what it was; an error owned, a benefit denied
and a trouble reported are failures; a technique asked in a few words is a thing to try; a qualified setup
label heads what was tried; a question in brackets is an aside; a link's address holds no result."""

from __future__ import annotations

import pytest

from narrative.entry_text import candidate_to_try, has_number
from narrative.forecasts import thing_subject
from narrative.reading import modality, verdict_of
from narrative.segmenting import heading_section
from tests.narrative.entry_helpers import structure_text


@pytest.mark.parametrize("text", [
    "The bigger eval set is going to slow every sweep down a lot.",
    "Note that this prior will push the policy towards short episodes.",
    "I doubt that stacking the two encoders is going to buy much.",
    "It will take most of the night to finish.",
    "as the decoder needs to learn the alignment from scratch",
])
def test_a_future_told_of_a_thing_is_no_plan(text: str) -> None:
    assert modality(text) != "planned"
    assert not structure_text(text).next_steps


@pytest.mark.parametrize("text", [
    "I will try a cosine schedule tomorrow.",
    "will rerun with the fixed seed",
    "We are going to switch the tokenizer.",
    "The next step will be a proper held-out split.",
    "This time will also use 40 epochs.",
    "The next thing to try, after the data fix, is label smoothing.",
    "The encoder will be retrained on the cleaned shards.",
])
def test_an_intention_stays_a_plan(text: str) -> None:
    assert modality(text) == "planned"
    assert structure_text(text).next_steps


def test_the_subject_decides() -> None:
    text = "the wall clock is going to grow"
    assert thing_subject(text, text.index("is going"))
    text = "i think we will need more data"
    assert not thing_subject(text, text.index("will"))


def test_a_plan_in_a_concession_leaves_the_report() -> None:
    text = "I tuned the warmup first, despite that being something I should leave for later."
    assert modality(text) != "planned"
    structure = structure_text(text)
    assert not structure.next_steps
    assert any("warmup" in h for h in structure.hypotheses)


def test_a_plan_appraised_is_not_a_plan_run() -> None:
    structure = structure_text("Some notes on the day.\n\nThe next thing to do is to try stochastic weight averaging. "
                           "It seems like a cheap way of smoothing the minima.")
    assert any("weight averaging" in s for s in structure.next_steps)


@pytest.mark.parametrize("text", [
    "This is my own fault, as I set the clip value far too high.",
    "I messed up the split between train and dev.",
    "Swapping the head was a mistake.",
    "I added the EMA copy, which hadn't provided much utility as far as I could tell.",
    "The short clips are still giving me trouble.",
    "I have found the model performance going down since the new data came in.",
])
def test_failures_told_plainly(text: str) -> None:
    assert verdict_of(text) == "did_not_work"


@pytest.mark.parametrize("text", ["not my fault", "the performance cost went down", "it fixed the issues"])
def test_no_false_failure(text: str) -> None:
    assert verdict_of(text) != "did_not_work"


@pytest.mark.parametrize("text, to_try", [
    ("- Label smoothing?", True),
    ("2. mixup?", True),
    ("Cache features on disk?", True),
    ("Correct patch size?", False),
    ("overfitting?", False),
    ("Why slow?", False),
    ("Is the lr too high?", False),
    ("lr=3e-4?", False),
])
def test_a_technique_asked_is_a_thing_to_try(text: str, to_try: bool) -> None:
    assert candidate_to_try(text) is to_try


def test_asked_techniques_in_a_list_are_next_steps() -> None:
    structure = structure_text("Ideas for the plateau\n- Label smoothing?\n- Correct patch size?")
    assert any("Label smoothing" in s for s in structure.next_steps)
    assert any("patch size" in q for q in structure.open_questions)


@pytest.mark.parametrize("label", ["Experimental settings", "training setup", "current change", "Model config"])
def test_a_qualified_setup_label(label: str) -> None:
    assert heading_section(label) == "config"


def test_next_changes_is_no_setup() -> None:
    assert heading_section("planned changes") != "config"


def test_a_question_in_brackets_is_an_aside() -> None:
    structure = structure_text("I think the drop comes from the resampling step (maybe the filter is too sharp?).")
    assert not structure.open_questions
    assert structure.hypotheses


def test_a_link_address_holds_no_result() -> None:
    assert not has_number("try implementing [this](https://arxiv.org/pdf/1704.00109.pdf)")
    assert has_number("val acc 0.913, see [log](https://x.org/a)")


def test_seeing_how_much_is_a_claim_under_test() -> None:
    structure = structure_text("I wanted to see how well the distilled model holds up on long inputs.")
    assert structure.hypotheses
    assert not structure.open_questions
