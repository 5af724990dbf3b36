""""Already tried?" classes from the h/checks3 round, each on sentences written for the test: a task-list box says
what its item is whatever the heading; what a result motivated is an idea; a plan for "only X" is not answered by
a run that holds more; what a switch changes *from* is not asked for; clipped param keys ("init") and British
spellings meet the full words; a param value with a short prefix ("he_normal") names its head word."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import structuring, synthesis, vocab
from narrative.check_members import compact
from narrative.check_scope import holds_more, only_words, plan_scope, value_words
from narrative.history_index import HistoryIndexCache
from narrative.plan_reading import ALTS
from narrative.statements import fact_modality, scoped_sentences, statement_modality
from narrative.types import ProjectHistory, StructureRequest
from storage.records import EntryRecord, ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="vox", primary_metric="val_loss", goal="min")


def _run(rid: str, name: str, hours: int, params: dict[str, str]) -> RunSnapshot:
    return RunSnapshot(project_id="p", run_id=rid * 32, run_name=name, user="kim", status="FINISHED",
                       start=T0 + dt.timedelta(hours=hours), end=T0 + dt.timedelta(hours=hours + 1), params=params,
                       metrics={"val_loss": 1.0})


def _history(runs: list[RunSnapshot], notes: list[tuple[int, str]]) -> ProjectHistory:
    entries = []
    for i, (hours, text) in enumerate(notes):
        at = T0 + dt.timedelta(hours=hours)
        req = StructureRequest(text=text, author="kim", at=at, project=PROJECT,
                               window_runs=[r for r in runs if r.start <= at], resolved_refs={}, unresolved_refs={},
                               known_runs=runs, previous_entries=[])
        entries.append(EntryRecord(id=f"e{i}", workspace_id="w", project_id="p", author="kim", at=at, raw_text=text,
                                   status="structured", structure=structuring.structure_entry(req)))
    return ProjectHistory(project=PROJECT, entries=entries, runs={r.run_id: r for r in runs},
                          now=T0 + dt.timedelta(days=3))


def _modalities(text: str) -> dict[str, str]:
    return {s: fact_modality(statement_modality(s), scope, "sentence", False, s) for _, s, scope in
            scoped_sentences(text)}


def test_a_box_says_what_its_item_is_whatever_the_heading() -> None:
    got = _modalities("## Experiments\n- [x] mixup on the small model\n- [ ] cutmix on the small model\n\n"
                      "# Plan\n- [x] label smoothing on the small model\n- [ ] a cosine schedule")
    assert got["[ ] cutmix on the small model"] == "plan"
    assert got["[x] label smoothing on the small model"] == "done"
    assert got["[ ] a cosine schedule"] == "plan"
    assert got["[x] mixup on the small model"] == "done"


def test_an_unticked_item_under_a_report_heading_is_no_evidence() -> None:
    runs = [_run("a", "small-mixup", 0, {"model": "small", "mixup": "0.2"})]
    hist = _history(runs, [(2, "## Experiments\n- [x] mixup on the small model\n- [ ] cutmix on the small model")])
    assert not synthesis.check("cutmix on the small model", hist).already_tried
    assert synthesis.check("mixup on the small model", hist).already_tried


@pytest.mark.parametrize("text", ["This trade-off motivated techniques like beta-VAE and VAE-GAN.",
                                  "The blur motivates perceptual losses such as LPIPS.",
                                  "Inspired by SimCLR, contrastive pretraining of the encoder."])
def test_what_a_result_motivated_is_an_idea(text: str) -> None:
    assert statement_modality(text) == "plan"


@pytest.mark.parametrize("text", ["Inspired by the paper, we tried mixup.", "motivated by the overfitting, added "
                                  "dropout 0.3"])
def test_motivated_beside_a_verb_of_doing_is_still_done(text: str) -> None:
    assert statement_modality(text) == "done"


def test_a_motivated_technique_is_not_tried() -> None:
    runs = [_run("a", "vae-b1", 0, {"model": "vae", "beta": "1"})]
    hist = _history(runs, [(2, "Trained the VAE with beta 1, sharp samples but a messy latent space.\n\n"
                               "This trade-off motivated techniques like label smoothing.")])
    assert not synthesis.check("try label smoothing", hist).already_tried


def test_only_words() -> None:
    assert only_words("continual training of the MAE with only the decoder unfrozen") == {"decod", "unfrozen"}
    assert only_words("LoRA on the attention projections only") == {"attention", "projection"}
    assert only_words("the MAE with only a warmup") == {"warmup"}


def test_a_run_that_holds_more_than_the_plans_only_thing_is_not_the_plan() -> None:
    both = _run("a", "ft-both", 0, {"model": "mae", "stage": "finetune", "trainable": "encoder_layernorm,decoder"})
    assert holds_more(only_words("finetune with only the decoder unfrozen"), both)
    hist = _history([both], [(2, "ft-both: finetuned the MAE with the encoder layernorm and the decoder trainable.")])
    assert not synthesis.check("finetune the MAE with only the decoder trainable", hist).already_tried
    alone = _run("b", "ft-dec", 3, {"model": "mae", "stage": "finetune", "trainable": "decoder"})
    assert not holds_more(only_words("finetune with only the decoder unfrozen"), alone)


def test_a_switch_asks_for_what_it_switches_to() -> None:
    runs = [_run("a", "vae-1", 0, {"model": "vae", "beta": "1", "mse_reduction": "mean"}),
            _run("b", "vae-2", 30, {"model": "vae", "beta": "1", "mse_reduction": "sum"})]
    hist = _history(runs, [(2, "Trained the VAE with beta 1. The KL term dominates. Next: switch the MSE from "
                               "mean-reduced to sum-reduced."), (32, "Ran it again, the samples look sharper now.")])
    got = synthesis.check("switch the MSE from mean-reduced to sum-reduced", hist)
    assert got.already_tried and any(runs[1].run_id in m.run_ids for m in got.matches)
    assert not synthesis.check("switch from the mean-reduced MSE to a max-reduced one", hist).already_tried


def test_a_clipped_key_meets_the_full_word() -> None:
    assert "init" in ALTS[vocab.stem("initialization")] and "init" in ALTS[vocab.stem("initialisation")]
    runs = [_run("a", "cnn-1", 0, {"model": "cnn", "init": "default"}),
            _run("b", "cnn-2", 2, {"model": "cnn", "init": "xavier"})]
    hist = _history(runs, [(4, "Two cnn runs today, the second one is better.")])
    got = synthesis.check("xavier initialization", hist)
    assert got.already_tried and any(runs[1].run_id in m.run_ids for m in got.matches)


def test_spellings_and_compound_forms_meet() -> None:
    assert compact("nearest neighbours") == compact("nearest neighbors")
    assert compact("normalise") == compact("normalize")
    assert "mixup" in vocab.concept_set("the cvx-mixedup training set")
    assert "mixup" not in vocab.concept_set("I mixed up the labels")


def test_a_value_with_a_short_prefix_names_its_head_word() -> None:
    assert value_words("he_normal") == {"normal"}
    assert value_words("no_blstm") == frozenset()
    assert value_words("mobilenet_v3_small") == {"mobilenet"}


def test_a_name_of_several_words_scopes_nothing_by_its_last_word() -> None:
    runs = [_run("a", "ae", 0, {"model": "autoencoder"}), _run("b", "vae", 2, {"model": "vae"})]
    idx = HistoryIndexCache().index(_history(runs, [(4, "Trained an autoencoder, then a VAE.")]))
    # the name as a whole names the VAE (its model family), never the plain autoencoder by its last word
    assert plan_scope("a variational autoencoder", idx) == {"model": frozenset({"vae"})}
    assert plan_scope("the plain autoencoder", idx) == {"model": frozenset({"autoencoder"})}


def test_a_plan_done_later_is_answered_only_by_runs_in_its_scope() -> None:
    runs = [_run("a", "vae-1", 0, {"model": "vae", "kernel_init": "glorot_uniform"}),
            _run("g", "gan-he", 1, {"model": "dcgan", "kernel_init": "he_normal"}),
            _run("b", "vae-2", 30, {"model": "vae", "kernel_init": "glorot_uniform"})]
    hist = _history(runs, [(2, "Trained the VAE.\n\nNext: he_normal init on the VAE."),
                           (32, "Ran the VAE again with a bigger latent.")])
    assert not synthesis.check("he_normal init on the VAE", hist).already_tried
