"""What a note says was left out ("No perceptual or adversarial loss."), what was read about and a hedged
expectation ("could help with blur") are no evidence that a thing was tried; the run's own setting still is."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import structuring, synthesis
from narrative.segmenting import split_segments
from narrative.statements import statement_modality
from narrative.types import ProjectHistory, StructureRequest
from storage.records import EntryRecord, ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="vae", primary_metric="val_loss", goal="min")
RUN = RunSnapshot(project_id="p", run_id="a" * 32, run_name="vae-b4", user="kim", status="FINISHED", start=T0,
                  end=T0 + dt.timedelta(hours=1), params={"model": "vae", "beta": "4"}, metrics={"val_loss": 81.2})
NOTES = ["Trained the VAE with beta 4 on the voxels. No perceptual or adversarial loss. The reconstructions are "
         "blurry.", "Read about techniques like VQ-VAE and hierarchical VAEs, could help with blur."]


def _history() -> ProjectHistory:
    entries = []
    for i, text in enumerate(NOTES):
        at = T0 + dt.timedelta(hours=2 + i)
        req = StructureRequest(text=text, author="kim", at=at, project=PROJECT, window_runs=[RUN], resolved_refs={},
                               unresolved_refs={}, known_runs=[RUN], previous_entries=[])
        entries.append(EntryRecord(id=f"e{i}", workspace_id="w", project_id="p", author="kim", at=at, raw_text=text,
                                   status="structured", structure=structuring.structure_entry(req)))
    return ProjectHistory(project=PROJECT, entries=entries, runs={RUN.run_id: RUN}, now=T0 + dt.timedelta(days=1))


@pytest.mark.parametrize("plan", ["add a perceptual loss", "try an adversarial loss", "try a VQ-VAE",
                                  "try a hierarchical VAE"])
def test_left_out_read_about_or_hoped_for_is_not_tried(plan: str) -> None:
    assert not synthesis.check(plan, _history()).already_tried


def test_the_runs_setting_is_still_tried() -> None:
    assert synthesis.check("train with beta 4", _history()).already_tried


def test_an_absence_is_its_own_sentence_and_a_verdict_tail_is_not() -> None:
    assert [s.text for s in split_segments("Trained it. No augmentation.")] == ["Trained it.", "No augmentation."]
    assert [s.text for s in split_segments("lr 1e-3. No improvement.")] == ["lr 1e-3. No improvement."]
    assert statement_modality("No improvement from dropout.") == "done"
    assert statement_modality("tried mixup, might help more with longer training") == "done"
    assert statement_modality("mixup could help with overfitting") == "plan"
