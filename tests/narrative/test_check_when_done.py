"""A when-clause whose main clause reports what happened ("When switching back to the paper default, I got 73.66",
"Once I added warmup, training was stable") tells what was done; one whose main clause is an order, a plan or a
rule ("When the job ends, rerun it with fp16", "Once it converged, I'll try a bigger batch") waits on it. The
sentences are written for these tests."""

from __future__ import annotations

import pytest

from narrative import synthesis
from narrative.statements import statement_modality
from tests.narrative.test_check_values_sizes import _history


@pytest.mark.parametrize(("text", "mode"), [
    ("When switching back to the paper default, I got 73.66.", "done"),
    ("When I lowered the lr to 1e-4, the loss stopped diverging.", "done"),
    ("When we switched to AdamW, val loss dropped to 0.41.", "done"),
    ("Once I added warmup, training was stable.", "done"),
    ("When the loss plateaus, lower the lr.", "conditional"),
    ("When we get the A100s, try bf16.", "conditional"),
    ("Once it converged, I'll try a bigger batch.", "conditional"),
    ("When training finished, start the eval on the test set.", "conditional"),
    ("When the job ended, rerun it with fp16.", "conditional"),
    ("When the batch was increased to 512, run it again with warmup.", "conditional"),
    ("When it helps, we keep it.", "conditional"),
    ("If it doesn't help, we drop dropout.", "conditional"),
])
def test_a_when_clause_with_a_report(text: str, mode: str) -> None:
    assert statement_modality(text) == mode, text


NOTES = ["When moving to the cosine schedule, we got 0.78 top-1.",
         "Once we enabled gradient clipping, the loss spikes were gone.",
         "When the A100s arrive, rerun everything with bf16."]


@pytest.mark.parametrize(("plan", "tried"), [
    ("a cosine learning rate schedule", True),
    ("gradient clipping", True),
    ("train in bf16", False),
])
def test_a_when_report_is_evidence(plan: str, tried: bool) -> None:
    got = synthesis.check(plan, _history(NOTES, []))
    assert got.already_tried is tried, (plan, got.message)
