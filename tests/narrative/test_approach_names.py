"""An approach is named in the team's words when they describe it rather than name it."""

from __future__ import annotations

import datetime as dt

from narrative.approaches import derive, head_phrase
from narrative.history_index import HistoryIndex
from narrative.types import ProjectHistory
from storage.records import Conclusion, EntryRecord, EntryStructure, LinkedRun, ProjectRecord, RunSnapshot

T0 = dt.datetime(2022, 2, 14, 21, 0, tzinfo=dt.UTC)


def _history(sentence: str, params: dict[str, str]) -> ProjectHistory:
    run = RunSnapshot(project_id="p", run_id="a" * 32, run_name="gan-008", user="ryan", status="FINISHED",
                      start=T0, end=T0 + dt.timedelta(hours=2), params=params, metrics={"val_iou": 0.61})
    entry = EntryRecord(id="e1", workspace_id="w", project_id="p", author="ryan", at=T0 + dt.timedelta(hours=3),
                        raw_text=sentence, status="structured",
                        structure=EntryStructure(runs=[LinkedRun(run_id=run.run_id, run_name=run.run_name, how="name")],
                                                 conclusions=[Conclusion(text=sentence, verdict="did_not_work",
                                                                         run_ids=[run.run_id])]))
    project = ProjectRecord(id="p", workspace_id="w", name="glas", primary_metric="val_iou", goal="max")
    return ProjectHistory(project=project, entries=[entry], runs={run.run_id: run}, now=T0 + dt.timedelta(days=1))


def test_a_described_line_of_work_is_named_in_the_teams_words() -> None:
    h = _history("differential learning rates didn't improve results for models", {"sn_lr": "0.001", "en_lr": "1e-4"})
    names = [a.name for a in derive(HistoryIndex(h))]
    assert "differential learning rates (separate learning rates per component)" in names, names


def test_a_named_line_of_work_keeps_the_table_name() -> None:
    h = _history("undersampling the majority class didn't improve results", {"sampler": "undersample_1:1"})
    names = [a.name for a in derive(HistoryIndex(h))]
    assert "undersampling" in names, names


def test_a_name_ends_at_the_verb_and_holds_no_contraction_or_adverb_left_over() -> None:
    # own sentences, of the shapes real logs use: a negated auxiliary, "not" + participle, a present-tense
    # verb of outcome or use, an adverb before the subject, a contraction inside the subject
    assert head_phrase("Dense layers don't magically improve things") == "dense layers"
    assert head_phrase("These additional layers didn't provide any improvement") == "additional layers"
    assert head_phrase("Breakout-v4 not converging") == "breakout-v4"
    assert head_phrase("Multi-headed FFT experiment produces very phase-y audio") == "multi-headed fft"
    assert head_phrase("This batch size uses on average 80% of memory") == "batch size"
    assert head_phrase("Scaling slowed down convergence a lot") == "scaling"
    assert head_phrase("Surprisingly the warmup schedule hurt") == "warmup schedule"
    assert head_phrase("The changes I've made to the critic don't appear to fix it") == "critic"
    assert head_phrase("fix initialization and f(x) (v3): not converging") == "fix initialization"
    # a colon still ends it
    assert head_phrase("tenure buckets on top of full_v2: nothing") == "tenure buckets"


def test_a_piece_of_a_run_name_is_no_line_of_work_and_a_bare_clip_is_no_clip_model() -> None:
    from narrative import vocab

    h = _history("Oct08_18-23-34_gpu-no-short-rw -- the same params, no short reward updates: worse",
                 {"short_reward": "false"})
    run = next(iter(h.runs.values()))
    h.runs[run.run_id] = run.model_copy(update={"run_name": "Oct08_18-23-34_gpu-no-short-rw"})
    assert not [a.name for a in derive(HistoryIndex(h)) if "gpu-no-short-rw" in a.name]
    assert "clip" not in vocab.concept_set("Oct08_11-36-22_gpu-clip -- target net + gradient clipping")
    assert "clip" not in vocab.concept_set("Next try is to leave clip, but increase it to 100.0")
    assert "clip" in vocab.concept_set("We used CLIP as the image encoder")
    assert "clip" in vocab.concept_set("fine-tuned CLIP ViT-B/32 on our captions")
