"""``coco phase`` names what the notes gave up and what they plan (issue 8, round h/phase15).

Classes (each a reading of English or of a log's structure, not of one log's phrases):
1. a verdict on one value of a setting, told by the value's identifier ("`contrastive_mse` does not work", and a
   later note's "`contrastive_mse` indeed doesn't work"), closes a line named by that identifier, the author's own
   word for what was given up; the concept row the identifier holds ("contrastive") matched only part of it and
   would have closed, or kept open, the whole family. Said only when the runs try two or more values of one setting
   that hold the concept's word: otherwise the identifier is the concept ("focal_loss") or no value of the runs.
2. a wish told with "would" contracted ("In addition, it'd be nice to develop an anti-meron detector") is a plan
   for the next steps, as "it would be nice to ..." already was; it was read as a verdict that something worked
   ("nice"). Only with a verb to carry out after "to": "it'd be good enough for the demo" still judges.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from narrative import reading
from narrative.approach_values import _IDENT, judged_value
from narrative.approaches import derive
from narrative.history_index import HistoryIndex
from narrative.statements import _PLAN
from narrative.types import ProjectHistory
from storage.records import Conclusion, EntryRecord, EntryStructure, ProjectRecord, RunSnapshot

T0 = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)
LOSSES = ("mse", "cos_dist", "contrastive_mse", "contrastive_cos_dist")


def _runs(extra: dict[str, str] | None = None) -> dict[str, RunSnapshot]:
    runs = {}
    for n, loss in enumerate(LOSSES):
        params = {"loss_type": loss, "grad_accumulation_steps": "8", **(extra or {})}
        run = RunSnapshot(project_id="p", run_id=f"{n:032x}", run_name=f"depth-{loss}", user="ana",
                          status="FINISHED", start=T0 + dt.timedelta(hours=n), end=T0 + dt.timedelta(hours=n + 1),
                          params=params, metrics={"eval_wins": float(n)})
        runs[run.run_id] = run
    return runs


def _history(notes: list[tuple[str, str]], extra: dict[str, str] | None = None) -> ProjectHistory:
    """Notes as (text, verdict) a day apart, after the runs."""
    entries = [EntryRecord(
        id=f"e{n}", workspace_id="w", project_id="p", author="ana", at=T0 + dt.timedelta(days=n + 1),
        raw_text=text, status="structured",
        structure=EntryStructure(conclusions=[Conclusion(text=text, verdict=verdict, run_ids=[])] if verdict else []))
        for n, (text, verdict) in enumerate(notes)]
    project = ProjectRecord(id="p", workspace_id="w", name="x", primary_metric="eval_wins", goal="max")
    return ProjectHistory(project=project, entries=entries, runs=_runs(extra), now=T0 + dt.timedelta(days=30))


def _lines(h: ProjectHistory) -> dict[str, str]:
    return {a.name: a.status for a in derive(HistoryIndex(h))}


# 1. a verdict on one value of a setting, told by its identifier


@pytest.mark.parametrize("note", [
    "`contrastive_mse` does not work.",
    "- `contrastive_mse` does not work. Presumably it is because very hard negatives.",
    "contrastive_mse doesn't work, the negatives push against the positives",
])
def test_a_verdict_on_one_value_closes_the_line_named_by_the_identifier(note: str) -> None:
    lines = _lines(_history([(note, "did_not_work")]))
    assert lines.get("contrastive_mse") in ("exhausted", "abandoned"), lines
    # the family is not closed with the one value
    assert lines.get("contrastive loss") not in ("exhausted", "abandoned"), lines


def test_a_later_notes_verdict_on_the_same_value_keeps_one_line() -> None:
    lines = _lines(_history([("`contrastive_mse` does not work.", "did_not_work"),
                             ("`contrastive_mse` indeed doesn't work, it was the worst version", "did_not_work")]))
    assert [n for n in lines if "contrastive_mse" in n] == ["contrastive_mse"], lines
    assert lines["contrastive_mse"] in ("exhausted", "abandoned")


def test_the_identifier_is_found_where_the_concept_word_is_one_part_of_it() -> None:
    h = HistoryIndex(_history([("x", "")]))
    assert judged_value(h, "`contrastive_mse` does not work.", "contrastive") == "contrastive_mse"
    assert judged_value(h, "so contrastive_cos_dist was worse", "contrastive") == "contrastive_cos_dist"


@pytest.mark.parametrize(("text", "cid"), [
    # must not fire: the concept told on its own, as a whole identifier, as a setting's key, or a value no run has
    ("Contrastive losses aren't more effective.", "contrastive"),
    ("contrastive loss does not work", "contrastive"),
    ("`lr_schedule` did not help", "lr_schedule"),
    ("`contrastive_lam` = 1 did not help", "contrastive"),
    ("contrastive_triplet does not work", "contrastive"),
    ("the contrastive-mse idea does not work", "contrastive"),
    ("mixup_alpha 0.4 was worse", "mixup"),
    ("dropout does not work", "dropout"),
    ("resnet50 did not help", "resnet"),
])
def test_what_is_no_value_of_a_setting_keeps_the_concept(text: str, cid: str) -> None:
    h = HistoryIndex(_history([("x", "")], {"model": "resnet50"}))
    assert judged_value(h, text, cid) == ""


def test_a_concept_word_in_only_one_value_is_that_concept() -> None:
    # "focal_loss" is the only value holding "focal": the identifier names the concept itself, no narrower line
    runs = {"a": {"loss": "focal_loss"}, "b": {"loss": "ce_loss"}}
    project = ProjectRecord(id="p", workspace_id="w", name="x", primary_metric="acc", goal="max")
    snaps = {k: RunSnapshot(project_id="p", run_id=k * 32, run_name=k, user="ana", status="FINISHED", start=T0,
                            end=T0, params=v, metrics={"acc": 0.5}) for k, v in runs.items()}
    h = HistoryIndex(ProjectHistory(project=project, entries=[], runs=snaps, now=T0))
    assert judged_value(h, "focal_loss did not help", "focal") == ""


@pytest.mark.parametrize(("note", "verdict"), [
    # must not fire: a verdict that it worked, or a mention, names no closed value line
    ("`contrastive_cos_dist` works best", "worked"),
    ("we tried `contrastive_mse` and `contrastive_cos_dist`", ""),
])
def test_a_value_named_without_a_negative_verdict_opens_no_value_line(note: str, verdict: str) -> None:
    lines = _lines(_history([(note, verdict)]))
    assert not [n for n in lines if "_" in n], lines


def test_the_identifier_scan_is_linear_on_long_input() -> None:
    for unit in ("a_", "ab-", "x_y_z ", "a" * 40 + "_"):
        text = unit * (100_000 // len(unit))
        t = time.perf_counter()
        list(_IDENT.finditer(text))
        assert time.perf_counter() - t < 3.0


# 2. a wish with "would" contracted is a plan


@pytest.mark.parametrize("sentence", [
    "In addition, it'd be nice to develop an anti-meron detector and a tool to visualize them.",
    "It’d be nice to try mixup on the small set",
    "it'd be useful to log the seeds next time",
    "it'd be great to rerun with the fixed loader",
])
def test_a_contracted_wish_is_a_plan(sentence: str) -> None:
    r = reading.read(sentence)
    assert (r.role, r.modality, r.verdict) == ("plan", "planned", None)
    assert _PLAN.search(sentence.lower())


@pytest.mark.parametrize("sentence", [
    # must not fire: a judgement, however it is worded (each keeps the old reading: a verdict that it worked)
    "it was nice",
    "the new head is nice",
    "I'd say it was nice",
    "that looks nice",
    "It'd have been good to log the seeds",
    "the curve'd be good if it were smoother",
    "nice, it'd be good enough for the demo",
    "I'd better rerun it",
    "Good results, we'd be happy with 0.8",
])
def test_a_judgement_is_no_wish(sentence: str) -> None:
    r = reading.read(sentence)
    assert (r.role, r.verdict) == ("conclusion", "worked")


def test_the_uncontracted_wish_reads_as_before() -> None:
    assert reading.read("it would be nice to develop an anti-meron detector").role == "plan"
    assert reading.read("it would have been nice to have more data").modality == "counterfactual"


def test_the_wish_patterns_are_linear_on_long_input() -> None:
    for unit in ("it'd be nice ", "'d be good to ", "x'd ", "'d be "):
        text = unit * (100_000 // len(unit))
        t = time.perf_counter()
        _PLAN.search(text)
        reading.read(text[:20_000])
        assert time.perf_counter() - t < 3.0
