"""A deleted entry's line leaves COCO's block of a run note; the person's own note text stays whole."""

from __future__ import annotations

from adapters.tracker import COCO_SECTION_BEGIN, drop_note_line, merge_note


def test_the_entry_line_goes_and_the_persons_text_stays() -> None:
    note = merge_note("my own words about this run", "2026-03-02 18:00 · ana · entry e1 — a", entry_id="e1")
    note = merge_note(note, "2026-03-03 09:00 · bob · entry e2 — b", entry_id="e2")
    dropped, newest = drop_note_line(note, "e2")
    assert "e2" not in dropped and "entry e1" in dropped and dropped.startswith("my own words about this run")
    assert newest == "e1"
    alone, newest = drop_note_line(dropped, "e1")
    assert alone == "my own words about this run" and newest == ""
    assert COCO_SECTION_BEGIN not in alone


def test_a_note_that_never_named_the_entry_is_unchanged() -> None:
    note = merge_note("", "2026-03-02 18:00 · ana · entry e1 — a", entry_id="e1")
    assert drop_note_line(note, "e9") == (note, "e1")
    assert drop_note_line("just a person's note", "e1") == ("just a person's note", "")
