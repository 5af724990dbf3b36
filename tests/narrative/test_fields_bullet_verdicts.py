"""A bullet saying a verdict under a line ("Tried cutmix" / "- Didn't help") judges that line; a label ends the
block of a bullet label above it (narrative.segmenting.split_segments)."""

from __future__ import annotations

import pytest

from narrative.segmenting import split_segments
from tests.narrative.entry_helpers import structure_text


def _sections(text: str) -> list[tuple[str, str]]:
    return [(s.text, s.section) for s in split_segments(text) if s.kind != "data"]


def test_a_verdict_bullet_judges_the_line_above() -> None:
    structure = structure_text("Tried cutmix on xgb-d4\n- Didn't help\nNext\n- smote on the minority class")
    assert [c.verdict for c in structure.conclusions] == ["did_not_work"]
    assert "cutmix" in structure.conclusions[0].text
    assert structure.next_steps == ["smote on the minority class"]


@pytest.mark.parametrize("bullet", ["- Didn't help", "- didn't work", "* Worked", "- Failed"])
def test_a_verdict_bullet_is_an_item(bullet: str) -> None:
    assert _sections(f"Tried label smoothing 0.1\n{bullet}")[1] == (bullet[2:], "")


@pytest.mark.parametrize(("text", "expected"), [
    # with a colon, or over items of its own, it labels them
    ("- Didn't help:\n  - cutmix", [("cutmix", "negative")]),
    ("- What didn't help\n  - cutmix\n  - mixup", [("cutmix", "negative"), ("mixup", "negative")]),
    ("- Worked\n  - mixup", [("mixup", "positive")]),
    ("- Failures\n  - oom at bs 64", [("oom at bs 64", "negative")]),
    ("## What didn't work\n- cutmix", [("cutmix", "negative")]),
    ("What didn't work:\n- cutmix", [("cutmix", "negative")]),
    ("- **Didn't help**\n  - cutmix", [("cutmix", "negative")]),
    # not a verdict label: unchanged
    ("- Next\n  - smote", [("smote", "next")]),
    ("- Results:\n  - 0.91\nNext:\n- try X", [("0.91", "result"), ("try X", "next")]),
])
def test_verdict_labels_still_label(text: str, expected: list[tuple[str, str]]) -> None:
    assert _sections(text) == expected


def test_a_label_line_ends_a_bullet_labels_block() -> None:
    assert _sections("- Results:\n  - 0.91\nNext\n- try X")[-1] == ("try X", "next")
