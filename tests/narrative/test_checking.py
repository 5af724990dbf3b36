""""Already tried" needs evidence: runs or statements of what happened, the same concept and variant,
paraphrases and param changes read against the runs, and plans answered as plans.

Own texts in several fields (recommenders, keyword spotting, LLM fine-tuning, anomaly detection)."""

from __future__ import annotations

import datetime as dt

from narrative import checking
from narrative.check_verdicts import describe_outcome
from narrative.history_index import HistoryIndex
from narrative.types import ProjectHistory
from storage.records import EntryRecord, EntryStructure, LinkedRun, ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _run(key: str, name: str, hours: float, params: dict[str, str], metrics: dict[str, float],
         user: str = "noor") -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=(key * 32)[:32], run_name=name, user=user, status="FINISHED",
                       start=start, end=start + dt.timedelta(minutes=30), params=params, metrics=metrics)


def _entry(i: int, hours: float, text: str, runs: list[RunSnapshot], author: str = "noor",
           **structure: object) -> EntryRecord:
    st = EntryStructure(runs=[LinkedRun(run_id=r.run_id, run_name=r.run_name, how="name") for r in runs],
                        **structure)  # type: ignore[arg-type]
    return EntryRecord(id=f"e{i}", workspace_id="w", project_id="p", author=author,
                       at=T0 + dt.timedelta(hours=hours), raw_text=text, status="structured", structure=st)


def _hist(runs: list[RunSnapshot], entries: list[EntryRecord], metric: str, goal: str = "max") -> ProjectHistory:
    project = ProjectRecord(id="p", workspace_id="w", name="t", primary_metric=metric, goal=goal,  # type: ignore[arg-type]
                            experiment_ids=["1"])
    return ProjectHistory(project=project, entries=entries, runs={r.run_id: r for r in runs},
                          now=T0 + dt.timedelta(days=20))


# ---------------------------------------------------------------- a recommender team
REC = {"model": "two_tower", "embedding_dim": "64", "negatives": "in_batch", "lr": "0.001", "seed": "0"}
REC_RUNS = [
    _run("a", "tt-base", 1, dict(REC), {"val_recall_at_50": 0.231}),
    _run("b", "tt-d128", 3, {**REC, "embedding_dim": "128"}, {"val_recall_at_50": 0.244}),
    _run("c", "tt-ips", 26, {**REC, "embedding_dim": "128", "propensity_clip": "0.05"}, {"val_recall_at_50": 0.252}),
    _run("d", "tt-randneg", 28, {**REC, "embedding_dim": "128", "negatives": "uniform_random_20"},
         {"val_recall_at_50": 0.239}),
]
REC_ENTRIES = [
    _entry(1, 4, "Baseline two-tower at 0.231 recall@50. Going from 64 to 128 dims on the embeddings gave 0.244.",
           REC_RUNS[:2]),
    _entry(2, 30, "Added inverse propensity scoring (clipped at 0.05): 0.252, our best so far. Also sampled 20 "
                  "random negatives per positive on top of in-batch: 0.239, worse.\n\nNext:\n"
                  "- try a DCN-v2 ranker on top\n- check popularity slices",
           REC_RUNS[2:], next_steps=["try a DCN-v2 ranker on top", "check popularity slices"]),
    _entry(3, 50, "What I should have done, but didn't:\n- a time-based split for validation\n"
                  "- checking for duplicate users\n\nIf recall stalls, I'd switch the loss to sampled softmax.",
           [], author="lin"),
]


def _rec() -> ProjectHistory:
    return _hist(REC_RUNS, REC_ENTRIES, "val_recall_at_50")


def test_a_paraphrase_of_a_tried_technique_is_found() -> None:
    res = checking.check("what if we divided each training row's loss by the odds the item got displayed?",
                         HistoryIndex(_rec()))
    assert res.already_tried
    assert REC_RUNS[2].run_id in {r for m in res.matches for r in m.run_ids}


def test_a_param_change_is_read_against_the_runs_values() -> None:
    tried = checking.check("let's make the embeddings twice as wide", HistoryIndex(_rec()))
    assert tried.already_tried
    assert REC_RUNS[1].run_id in tried.matches[0].run_ids
    untried = checking.check("embeddings 4x wider", HistoryIndex(_rec()))
    assert not untried.already_tried
    assert "embedding_dim" in untried.message
    assert not checking.check("a lower learning rate for the two tower", HistoryIndex(_rec())).already_tried


def test_a_variant_is_not_what_was_tried() -> None:
    res = checking.check("mine hard negatives from the current model's top-scored wrong items", HistoryIndex(_rec()))
    assert not res.already_tried
    assert "closest" in res.message.lower()


def test_a_plan_never_run_is_answered_as_a_plan() -> None:
    res = checking.check("thinking about a DCN-v2 ranker", HistoryIndex(_rec()))
    assert not res.already_tried
    assert res.planned and res.planned[0].entry_id == "e2" and res.planned[0].author == "noor"
    assert "planned on 2026-03-03 by noor" in res.message


def test_counterfactual_and_conditional_statements_are_not_evidence() -> None:
    assert not checking.check("use a time-based split for validation", HistoryIndex(_rec())).already_tried
    res = checking.check("switch the loss to sampled softmax", HistoryIndex(_rec()))
    assert not res.already_tried and not res.planned


# ---------------------------------------------------------------- variants in other fields
def test_bf16_is_not_fp16_and_lora_targets_differ() -> None:
    base = {"model": "llama3_8b", "lora_r": "16", "lora_target_modules": "q_proj,v_proj", "precision": "fp16"}
    runs = [_run("e", "lora-attn", 1, dict(base), {"val_win_rate": 0.41}),
            _run("f", "lora-attn-r32", 5, {**base, "lora_r": "32"}, {"val_win_rate": 0.43})]
    entries = [_entry(1, 6, "LoRA on the attention projections (q_proj, v_proj), fp16 mixed precision: "
                            "win rate 0.41 at r=16, 0.43 at r=32.", runs)]
    h = _hist(runs, entries, "val_win_rate")
    assert checking.check("LoRA with r=32 on q and v", HistoryIndex(h)).already_tried
    assert not checking.check("train in bf16 instead", HistoryIndex(h)).already_tried
    res = checking.check("put the LoRA adapters on the MLP blocks (up_proj / down_proj)", HistoryIndex(h))
    assert not res.already_tried
    assert "closest" in res.message.lower()


def test_a_vae_is_not_a_plain_autoencoder() -> None:
    runs = [_run("g", "ae-64", 1, {"model": "dense_autoencoder", "bottleneck": "64"}, {"val_auprc": 0.31})]
    entries = [_entry(1, 3, "Plain dense autoencoder, reconstruction error as the score: AUPRC 0.31.", runs)]
    h = _hist(runs, entries, "val_auprc")
    assert checking.check("a dense autoencoder", HistoryIndex(h)).already_tried
    res = checking.check("a variational autoencoder, scoring by ELBO", HistoryIndex(h))
    assert not res.already_tried


def test_a_described_technique_matches_its_name_in_the_log() -> None:
    runs = [_run("h", "kws-confusable", 1, {"model": "ds_cnn", "negatives": "confusable_v2"}, {"val_frr": 0.05})]
    entries = [_entry(1, 3, "Added the confusable-word negatives set to training: FRR 5% at 1 FA/h.", runs)]
    h = _hist(runs, entries, "val_frr", "min")
    plan = "train with utterances that sound like the keyword as negatives"
    assert checking.check(plan, HistoryIndex(h)).already_tried


def test_plan_and_modality_of_statements() -> None:
    from narrative.history_index import heading_modality, statement_modality

    assert statement_modality("thinking of trying label smoothing on monday") == "plan"
    assert statement_modality("we never got around to trying mixup") == "negated"
    assert statement_modality("in hindsight we should have used a held-out month") == "counterfactual"
    assert statement_modality("if the loss spikes again, turn off bf16") == "conditional"
    assert statement_modality("mixup: 0.912 vs 0.905, keeping it") == "done"
    assert heading_modality("## Next steps") == "plan"
    assert heading_modality("Things I wish we had tried:") == "counterfactual"
    assert heading_modality("mixup gave 0.91") is None


# ---------------------------------------------------------------- values read from the runs
SPEECH = {"model": "conformer", "hop_ms": "10", "n_mels": "80", "warmup_epoch": "5", "lr": "0.001",
          "reward_scale": "1.0"}
SPEECH_RUNS = [
    _run("k", "conf-base", 1, dict(SPEECH), {"val_wer": 0.112}),
    _run("l", "conf-mel128", 3, {**SPEECH, "n_mels": "128"}, {"val_wer": 0.108}),
    _run("m", "conf-warm1", 5, {**SPEECH, "warmup_epoch": "1", "enc_lr": "0.0005", "dec_lr": "0.002"},
         {"val_wer": 0.115}),
    _run("n", "conf-lr-sweep-a", 7, {**SPEECH, "lr": "0.0005"}, {"val_wer": 0.110}),
]
SPEECH_ENTRIES = [
    _entry(1, 8, "More mel bins helped a bit: 0.108 WER. Warmup from the first epoch was worse.", SPEECH_RUNS),
    _entry(2, 30, "Todo:\n- give encoder and decoder their own learning rates\n- spec augment with 2 masks",
           [], author="ari"),
]


def _speech() -> ProjectHistory:
    return _hist(SPEECH_RUNS, SPEECH_ENTRIES, "val_wer", "min")


def test_a_value_next_to_a_param_name_is_read_from_the_runs() -> None:
    res = checking.check("use 128 mels for the front end", HistoryIndex(_speech()))
    assert res.already_tried and SPEECH_RUNS[1].run_id in res.matches[0].run_ids
    assert not checking.check("use 40 mels for the front end", HistoryIndex(_speech())).already_tried


def test_a_value_after_from_to_and_a_sweep() -> None:
    res = checking.check("bump the learning rate from 0.001 to 0.0005", HistoryIndex(_speech()))
    assert res.already_tried and SPEECH_RUNS[3].run_id in res.matches[0].run_ids


def test_a_plan_that_a_later_run_carried_out_is_tried() -> None:
    res = checking.check("separate learning rates for the encoder and the decoder", HistoryIndex(_speech()))
    assert res.already_tried
    assert SPEECH_RUNS[2].run_id in {r for m in res.matches for r in m.run_ids}


def test_a_plan_still_open_is_planned() -> None:
    res = checking.check("SpecAugment with two frequency masks", HistoryIndex(_speech()))
    assert not res.already_tried and res.planned and res.planned[0].author == "ari"


def test_a_plans_purpose_and_a_word_inside_a_longer_name_are_not_what_it_is_made_of() -> None:
    """ "noisy nets for exploration": the purpose is no component, and the "nets" of "noisy nets" is no
    MLP; either made the plan look like an untried variant."""
    from narrative.plan_reading import plan_terms

    idx = HistoryIndex(ProjectHistory(project=ProjectRecord(id="p", workspace_id="w", name="rl",
                                                            primary_metric="reward", goal="max"),
                                      entries=[], runs={}, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    assert set(plan_terms("noisy nets for exploration", idx).concepts) == {"noisy_nets"}
    assert "double_dqn" in plan_terms("double Q-learning to reduce overestimation", idx).concepts
    assert "exploration" not in plan_terms("noisy nets for exploration", idx).concepts


# ---------------------------------------------------------------- a small-image CNN (issue 8, new real notes)
# Sentences from real lab notes: PatrickedFleming/Comp3330GroupAssignment NotesOnTraining.md and
# grrrao/ERAv2-S6-ipnyb README.md ("Explorations"), lightly cut; the runs are what those notes describe.
CNN = {"optimizer": "adam", "lr": "0.001", "conv_layers": "4", "batch_size": "64", "epochs": "25"}
CNN_RUNS = [
    _run("p", "adam-lr1e-3", 1, dict(CNN), {"val_accuracy": 0.069}),
    _run("q", "five-layers-256", 20, {**CNN, "conv_layers": "5", "layer5_channels": "256"}, {"val_accuracy": 0.138}),
    _run("r", "six-layers", 22, {**CNN, "conv_layers": "6"}, {"val_accuracy": 0.138}),
    _run("s", "bs16", 70, {**CNN, "conv_layers": "6", "batch_size": "16", "epochs": "75"}, {"val_accuracy": 0.172}),
    _run("t", "bn-every-conv", 90, {**CNN, "conv_layers": "6", "batchnorm": "after_conv"}, {"val_accuracy": 0.31}),
]
CNN_ENTRIES = [
    _entry(1, 2, "Trying different learning rates. lr=0.001 still going down after 25 epochs.", CNN_RUNS[:1]),
    _entry(2, 24, "Trying 5th layer with 256 nodes: much better accuracy. Trying 6th layer: same val acc.\n"
                  "Still no regularisation in the model, it does not have dropout yet.", CNN_RUNS[1:3]),
    _entry(3, 72, "Trying a batchsize of 16 (lr=0.001, 6 convolution layers): 17% val, worse.", CNN_RUNS[3:4]),
    _entry(4, 92, "adding BN after each convolution: accuracy 31%", CNN_RUNS[4:]),
]


def _cnn() -> ProjectHistory:
    return _hist(CNN_RUNS, CNN_ENTRIES, "val_accuracy")


def test_what_a_note_says_is_missing_is_not_tried() -> None:
    r = checking.check("add dropout before the classifier", HistoryIndex(_cnn()))
    assert not r.already_tried


def test_a_named_value_is_read_from_the_runs_not_from_a_statement_of_another_value() -> None:
    r = checking.check("add a fifth conv layer", HistoryIndex(_cnn()))
    assert r.already_tried and CNN_RUNS[1].run_id in r.matches[0].run_ids


def test_layer_norm_is_a_sibling_of_batch_norm() -> None:
    idx = HistoryIndex(_cnn())
    assert checking.check("add batch norm after every conv layer", idx).already_tried
    r = checking.check("try layer norm instead of batchnorm", idx)
    assert not r.already_tried and "closest" in r.message


def test_a_run_shows_a_model_family_without_the_projects_domain_word() -> None:
    # the runs of project "review-sentiment" never say "sentiment": an svm run is an SVM tried for sentiment
    runs = [_run("u", "svm-baseline", 1, {"model": "svm", "features": "tfidf"}, {"sentiment_f1": 0.81}),
            _run("v", "rf-baseline", 2, {"model": "random_forest"}, {"sentiment_f1": 0.78})]
    entries = [_entry(1, 30, "Next: stack the tfidf model and the transformer with a learned blender.", [],
                      next_steps=["stack the tfidf model and the transformer with a learned blender"])]
    hist = _hist(runs, entries, "sentiment_f1")
    hist.project.name = "review-sentiment"
    r = checking.check("try an SVM classifier for sentiment", HistoryIndex(hist))
    assert r.already_tried and runs[0].run_id in r.matches[0].run_ids


def test_a_thing_named_by_its_own_name_must_be_named_by_the_evidence() -> None:
    runs = [_run("w", "kfold-ensemble", 1, {"model": "mlp_ensemble", "cv": "kfold_5"}, {"f1": 0.95}),
            _run("x", "rf-lexicon", 5, {"model": "random_forest", "features": "nrclex_counts"}, {"f1": 0.88})]
    entries = [_entry(1, 2, "Built an ensemble model with k-fold cross-validation. It does not have NRCLex "
                            "features in it yet.", runs[:1]),
               _entry(2, 6, "Random forest with nrclex counts: 0.88", runs[1:])]
    r = checking.check("add NRCLex counts as features to the k-fold neural ensemble",
                       HistoryIndex(_hist(runs, entries, "f1")))
    assert not r.already_tried


def test_a_param_key_that_names_a_technique_shows_it_with_a_kind_as_value() -> None:
    # "ensemble": "kfold" and "features": "pca" say an ensemble on PCA features ran
    runs = [_run("a2", "calm-finch-58", 1, {"ensemble": "kfold", "features": "pca", "lr": "2e-05"}, {"f1": 0.93}),
            _run("b2", "rf-raw", 2, {"model": "random_forest", "features": "raw"}, {"f1": 0.86})]
    r = checking.check("reduce the feature vector with PCA before the neural ensemble",
                       HistoryIndex(_hist(runs, [], "f1")))
    assert r.already_tried and r.matches[0].run_ids == [runs[0].run_id]


def test_a_purpose_clause_and_a_joined_word_do_not_hide_what_was_done() -> None:
    runs = [_run("y", "16k", 1, {"channels": "8-8-16", "transition_1x1": "after_maxpool"}, {"acc": 0.993})]
    entries = [_entry(1, 2, "Adding 1x1 after max pool and reducing channels to 8: 20.1k parameters, 99.3", runs)]
    r = checking.check("put a 1x1 conv after the max pool to cut channels", HistoryIndex(_hist(runs, entries, "acc")))
    assert r.already_tried


def test_kinds_of_lr_schedule_are_variants_of_each_other() -> None:
    # lukoshkin/SR_research developer_notes.md: a step schedule was tried, a cosine one was not
    runs = [_run("z", "rnnlike-320ep", 1, {"epochs": "320", "scheduler": "step_gamma_0.9", "lr": "0.1"},
                 {"best_loss": 0.012})]
    entries = [_entry(1, 5, "RNNLike; 320 epochs with better lr scheduler strategy (gamma .9 every 2 steps), "
                            "bs=128, loss ~ MAE -- loss320/best: .013/.012", runs)]
    idx = HistoryIndex(_hist(runs, entries, "best_loss", "min"))
    r = checking.check("use a cosine annealing lr schedule", idx)
    assert not r.already_tried and "closest" in r.message
    assert checking.check("train for more epochs, 320", idx).already_tried


def test_a_hedged_aside_is_no_evidence() -> None:
    # rgreenblatt/neural-render notes: an idea floated in parentheses, never run
    runs = [_run("k", "seq-blocks", 1, {"seq_blocks": "2", "opt_level": "O1"}, {"test_loss": 0.002})]
    entries = [_entry(1, 5, "Overfitting with the seq blocks.\n(maybe dropout or a variant of stochastic depth).",
                      runs)]
    r = checking.check("add dropout or stochastic depth to the seq blocks",
                       HistoryIndex(_hist(runs, entries, "test_loss", "min")))
    assert not r.already_tried


def test_the_runs_cited_carry_the_plans_identifier_and_its_abbreviation() -> None:
    runs = [_run("l", "spheres_O1", 1, {"opt_level": "O1", "epochs": "100"}, {"test_loss": 0.0023}),
            _run("m", "spheres_O2", 2, {"opt_level": "O2", "epochs": "100"}, {"test_loss": 0.0021}),
            _run("n", "base-maxpool", 3, {"pooling": "max"}, {"test_loss": 0.004}),
            _run("o", "base-avgpool", 4, {"pooling": "avg"}, {"test_loss": 0.005})]
    entries = [_entry(1, 5, "Finished spheres_O1, spheres_O2.", runs[:1]),
               # badisa/optpresso work log, day 3
               _entry(2, 6, "The obvious alternate is average pooling which emits the average value of the cells.",
                      [])]
    idx = HistoryIndex(_hist(runs, entries, "test_loss", "min"))
    r = checking.check("train with apex O2 mixed precision", idx)
    assert r.already_tried and r.matches[0].run_ids == [runs[1].run_id]
    r = checking.check("try average pooling instead of max pooling", idx)
    assert r.already_tried and runs[3].run_id in r.matches[0].run_ids


def test_an_offer_of_what_could_be_done_is_no_evidence_and_a_weighted_loss_is_class_weighting() -> None:
    # bsyh/SHREC2021 readme ("Future Improvements"), and a public v0-v8 list of skin-lesion experiments
    runs = [_run("f", "adamw-lr1e-5", 1, {"optimizer": "adamw", "lr": "1e-5"}, {"acc": 0.92}),
            _run("g", "v2-weighted-loss", 30, {"loss": "weighted_ce", "class_weight": "melanoma:5"}, {"acc": 0.89})]
    entries = [_entry(1, 5, "The current data augmentation method is a simple replication of the same data. We can "
                            "add random noise to the replicates, which encourages the robustness of models.", runs[:1]),
               _entry(2, 31, "v2: Custom loss\n- Weighted loss function (weighted to melanoma) (Bad)", runs[1:])]
    idx = HistoryIndex(_hist(runs, entries, "acc"))
    assert not checking.check("add random noise to the replicated training samples", idx).already_tried
    r = checking.check("use a class-weighted loss for melanoma", idx)
    assert r.already_tried and runs[1].run_id in r.matches[0].run_ids


def test_a_closed_line_in_a_check_outcome_says_why_in_words() -> None:
    idx = HistoryIndex(_rec())
    assert describe_outcome(idx, None, [], None, "exhausted", "accuracy") == "exhausted (no gain on the metric)"
    assert describe_outcome(idx, None, [], None, "abandoned", "latency") == "abandoned (over the latency budget)"
    assert describe_outcome(idx, None, [], None, "abandoned", "") == "abandoned (no gain)"


def test_a_target_value_in_scientific_notation_is_the_value_asked_for_and_printed_as_written() -> None:
    # "lower the lr to 1e-6" is not done by the lr=1e-5 run (it was answered so, and printed "lr=0")
    runs = [_run("a", "ft-lr1e-4", 1, {"lr": "1e-4", "model": "bert"}, {"acc": 0.81}),
            _run("b", "ft-lr1e-5", 5, {"lr": "1e-5", "model": "bert"}, {"acc": 0.84})]
    entries = [_entry(1, 6, "Lowered the learning rate from 1e-4 to 1e-5: accuracy 0.81 -> 0.84.", runs)]
    idx = HistoryIndex(_hist(runs, entries, "acc"))
    r = checking.check("lower the learning rate to 1e-6", idx)
    assert not r.already_tried and "lr=1e-6" in r.message and "lr=0 " not in r.message, r.message
    r = checking.check("reduce lr from 1e-4 to 1e-5", idx)
    assert r.already_tried and "lr=1e-5" in r.message, r.message
    assert checking.check("lower the learning rate", idx).already_tried
