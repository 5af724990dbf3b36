"""Classes of language an entry's fields read (the fourth role-corpus round): explanations are
hypotheses, a metric's trend is judged by the metric's goal, headings say what their items are, a ticked
item with its outcome in brackets is a result, and a thing not understood is an open question."""

from __future__ import annotations

import pytest

from narrative.claims import explains
from narrative.reading import modality, verdict_of
from tests.narrative.entry_helpers import structure_text


@pytest.mark.parametrize("text", [
    "This suggests the augmentation is far too strong for such small crops.",
    "That could be the case of label noise in the second shard.",
    "I suspect the scheduler restarts too often.",
    "My best guess: the tokenizer splits the numbers.",
    "Probably because the warmup is too short.",
    "It's not related to the optimizer, it is related to the padding.",
    "I think the eval set is too small to tell.",
])
def test_an_explanation_is_a_claim(text: str) -> None:
    assert explains(text)
    structure = structure_text(text)
    assert not structure.conclusions
    assert structure.hypotheses


@pytest.mark.parametrize("text", [
    "I think it helped a lot.",
    "Dropout failed, probably because the model is tiny.",
    "The new loader worked because the shards are shuffled now.",
])
def test_a_report_with_a_reason_keeps_its_verdict(text: str) -> None:
    assert not explains(text)
    assert structure_text(text).conclusions


@pytest.mark.parametrize(("text", "verdict"), [
    ("CER on the rise since the new vocabulary", "did_not_work"),
    ("the validation loss keeps on climbing", "did_not_work"),
    ("top-1 accuracy started to rise after epoch 4", "worked"),
    ("perplexity is going down nicely", "worked"),
    ("recall keeps dropping with every extra negative", "did_not_work"),
    ("Adding EMA: accuracy 81.2% (+0.7%)", "worked"),
    ("Swapping the head: WER 14.9 (+1.1)", "did_not_work"),
    ("Bigger context: eval loss 2.31 (-0.04)", "worked"),
    ("the gap between train and validation accuracy keeps growing", "did_not_work"),
])
def test_a_trend_is_judged_by_the_metric_goal(text: str, verdict: str) -> None:
    assert verdict_of(text) == verdict


@pytest.mark.parametrize("text", [
    "the val loss started to rise while the val WER continues to fall",
    "lr keeps increasing during warmup",
])
def test_a_mixed_or_setting_trend_is_no_verdict(text: str) -> None:
    assert verdict_of(text) is None


def test_items_under_a_discarded_heading_are_failures_not_plans() -> None:
    structure = structure_text("## Discarded experiments\n- cutout 16px\n- a second attention head")
    assert {c.verdict for c in structure.conclusions} == {"did_not_work"}
    assert not structure.next_steps


def test_items_under_possible_solutions_are_plans() -> None:
    structure = structure_text(
        "## Possible fixes for the divergence\n1. Clip the gradients\n2. Lower the lr - try 3e-4")
    assert len(structure.next_steps) == 2
    assert not structure.conclusions and not structure.hypotheses


def test_a_ticked_item_with_its_outcome_in_brackets_is_a_result() -> None:
    structure = structure_text("## Todo\n- [x] Port the loss to fp16 (training is 30% faster, loss improved)\n"
                           "- [ ] Try a larger vocabulary")
    assert [c.verdict for c in structure.conclusions] == ["worked"]
    assert "Port the loss to fp16" in structure.hypotheses
    assert structure.next_steps == ["Try a larger vocabulary"]


def test_a_thing_not_known_is_an_open_question() -> None:
    assert modality("Don't know why the grad norm spikes every 500 steps.") == "question"
    assert structure_text("Don't know why the grad norm spikes every 500 steps.").open_questions
