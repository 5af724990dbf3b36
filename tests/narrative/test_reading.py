"""Reading like a careful colleague: polarity with negation scope, modality, headings, pasted logs.

The fixtures are short excerpts of real practitioners' notes (sources in the comments), plus a few
plain sentences written for one grammatical point each.
"""

from __future__ import annotations

from narrative import reading
from narrative.segmenting import is_data_line, split_segments
from narrative.structuring import structure_entry
from storage.records import EntryStructure
from tests.narrative.conftest import make_request


def structure(text: str) -> EntryStructure:
    return structure_entry(make_request(text, []))


def negatives(entry: EntryStructure) -> str:
    return " | ".join(c.text.lower() for c in entry.conclusions if c.verdict == "did_not_work")


def positives(entry: EntryStructure) -> str:
    return " | ".join(c.text.lower() for c in entry.conclusions if c.verdict == "worked")


def everything(entry: EntryStructure) -> str:
    return " | ".join([*entry.hypotheses, *entry.observations, *entry.next_steps, *entry.open_questions,
                       *(c.text for c in entry.conclusions)]).lower()


# --- polarity: negation and its scope ---------------------------------------------------------

def test_negated_success_is_a_failure() -> None:
    for sentence in ("Label smoothing hasn't helped at all.",
                     "Mixup doesn't lead to better results.",
                     "Tried Lookahead but was unable to get a significant boost over Adam.",
                     "Both schedulers worked really bad.",
                     "Neither performs as well as the original formulation.",
                     "It results in significantly less intelligible speech.",
                     "The hypothesis that higher clipping would help is clearly rejected."):
        assert reading.verdict_of(sentence) == "did_not_work", sentence


def test_negation_reaches_no_further_than_its_clause() -> None:
    # "not just memorising" is no negated success; a comma ends the negator's reach.
    assert reading.verdict_of("the model is learning and not just memorising training data") is None
    assert reading.verdict_of("didn't touch the lr, warmup helped a lot") == "worked"
    assert reading.verdict_of("not bad at all") == "worked"


def test_negated_failure_is_no_failure() -> None:
    assert reading.verdict_of("so model is not overfitting significantly") != "did_not_work"
    assert reading.verdict_of("no longer diverges, nice") == "worked"


def test_superlative_inside_a_name_is_no_verdict() -> None:
    # Feature names of the breast-cancer data: "worst concave points", "worst radius".
    assert reading.verdict_of("Looking at the importances, worst concave points dominates") is None
    assert reading.verdict_of("best_params were lr 3e-4 and depth 6") is None
    assert reading.verdict_of("the rf run was the worst of the lot") == "did_not_work"
    assert reading.verdict_of("lgbm is best on val auc") == "worked"


def test_a_rank_denied_is_no_verdict() -> None:
    # The demo's day-2 note: "lr .05 w/ 400 iters (calm-otter-41) .973, better than depth 3 at lr .1 but
    # not the best." Its last clause was filed as *worked*.
    assert reading.verdict_of("but not the best") is None
    assert reading.verdict_of("it was not the very best run of the week") is None
    assert reading.verdict_of("calm-otter-41 .973, better than depth 3") == "worked"
    assert reading.verdict_of("the rf run was the worst of the lot") == "did_not_work"


def test_a_purpose_is_no_outcome() -> None:
    assert reading.verdict_of("Introduce a class to inspect parameters in an attempt to land on more "
                              "intelligible speech") is None


# --- modality ---------------------------------------------------------------------------------

def test_plans_wishes_conditionals_and_counterfactuals_are_unrealised() -> None:
    assert reading.modality("thinking about trying class weights tomorrow") == "planned"
    assert reading.modality("if it doesn't work, disable fp16 and rerun") == "conditional"
    assert reading.modality("I should have run a proper lr sweep first") == "counterfactual"
    assert reading.modality("Still don't understand why reward normalization breaks things.") == "question"
    assert reading.modality("When I lowered the lr, the loss stopped diverging") == "asserted"
    assert reading.modality("Tried focal loss, it hurt recall") == "asserted"


def test_plans_and_conditionals_never_become_things_tried_or_verdicts() -> None:
    entry = structure("thinking about trying class weights tomorrow\n"
                      "if it doesn't work, disable fp16 and rerun.\n")
    assert not entry.hypotheses and not entry.conclusions
    joined = " | ".join(entry.next_steps)
    assert "class weights" in joined and "fp16" in joined


def test_counterfactual_list_is_next_steps_never_conclusions() -> None:
    entry = structure("What I should have done, but didn't\n"
                      "- run a proper lr sweep before touching the architecture\n"
                      "- log the seeds\n\n"
                      "What didn't work:\n"
                      "- dropout 0.5 on the embeddings\n")
    assert any("lr sweep" in s for s in entry.next_steps)
    assert "lr sweep" not in everything(EntryStructure(hypotheses=entry.hypotheses,
                                                       conclusions=entry.conclusions))
    assert "dropout 0.5" in negatives(entry)


# --- real formatting --------------------------------------------------------------------------

def test_idea_config_result_blocks() -> None:
    entry = structure("### Exp17\n"
                      "- Idea: replace the GRU encoder with a small conformer\n"
                      "- Config: lr=5e-4, batch 32, 40 epochs\n"
                      "- Result: WER 14.2 vs 15.1 for the GRU baseline, a clear win\n\n"
                      "### Exp18\n"
                      "- Idea\n"
                      "  - freeze the first 6 layers to cut memory\n"
                      "- Result\n"
                      "  - WER 14.9, worse than Exp17, not worth the savings\n")
    assert any("conformer" in h for h in entry.hypotheses)
    assert any("freeze the first 6 layers" in h for h in entry.hypotheses)
    assert "14.9" in negatives(entry) and "14.2" in positives(entry)
    assert not any("wer" in h.lower() for h in entry.hypotheses)


def test_markdown_sections_of_a_lab_notebook() -> None:
    # white-richard/latent-space, experiments/.../notes.md
    entry = structure("## Hypothesis:\n\n"
                      "The previous experiment seemed to converge too slowly. Trying a higher learning rate "
                      "might improve convergence and accuracy\n\n"
                      "## Results:\n\n"
                      "- Testing accuracy improved from 85% to 86%\n"
                      "- Validation loss decreased more rapidly than previous\n\n"
                      "## Next steps:\n\n"
                      "- Test learning rates of 0.02 and 0.05\n")
    assert any("higher learning rate" in h for h in entry.hypotheses)
    assert "85% to 86%" in positives(entry)
    assert entry.next_steps == ["Test learning rates of 0.02 and 0.05"]


def test_hard_wrapped_prose_is_rejoined() -> None:
    # JohnVinyard-style wrapped log; the wrap falls mid-sentence.
    segments = split_segments("After ~12 hours of training, using spectrograms sampled at ~80hz still resulted\n"
                              "in less than intelligible speech.\n")
    assert [s.text for s in segments] == ["After ~12 hours of training, using spectrograms sampled at ~80hz "
                                          "still resulted in less than intelligible speech."]
    # Short result lines are not a wrap.
    assert len(split_segments("xgb on raw feats: roc .931\nlgbm: .94\n")) == 2


def test_wrapped_bullet_continuations_join_their_bullet() -> None:
    segments = split_segments("• Training and validation accuracies are improving alongside each other with a\n"
                              "  narrow gap between them, so model is not overfitting significantly\n")
    assert len(segments) == 1 and segments[0].text.endswith("not overfitting significantly")


def test_pasted_training_logs_are_data_never_prose() -> None:
    # IDoCodingStuffs/python-doodles freeform-log.md (tqdm lines) and a Megatron-style log line.
    text = ("### 8 PM\n"
            "Well it still does not do great after epoch 1. Let's try with image augmentation\n"
            "Before:\n"
            "Training Sagittal T2/STIR:  9/30 [1:05:09<2:32:01, 434.38s/it]\n"
            " iteration     7000/  159576 | consumed samples:      7168000 | elapsed time per iteration (ms): "
            "1502.3 | learning rate: 5.992E-05 | lm loss: 2.131E+00 |\n"
            "Epoch 100/100, Train Loss: 0.5609, Train Acc: 84.16%, Val Loss: 0.6332, Val Acc: 81.55%\n"
            "```\npython train.py --lr 3e-4 --epochs 30\n```\n"
            "Model still refuses to train... Gonna try BCEWithLogits loss before tearing everything down.\n")
    kinds = {s.text[:20]: s.kind for s in split_segments(text)}
    assert kinds["Training Sagittal T2"] == "data"
    assert kinds["iteration     7000/ "] == "data"
    assert kinds["Epoch 100/100, Train"] == "data"
    assert kinds["python train.py --lr"] == "data"
    entry = structure(text)
    blob = everything(entry)
    assert "consumed samples" not in blob and "s/it" not in blob and "train.py" not in blob
    assert "refuses to train" in negatives(entry)
    assert any("bcewithlogits" in s.lower() for s in entry.next_steps)
    assert not any("bcewithlogits" in h.lower() for h in entry.hypotheses)


def test_prose_lines_with_numbers_are_not_data() -> None:
    assert not is_data_line("Mixup (alpha 0.2) actually hurt a little, 89.9 vs 90.2 -- my guess is that "
                            "blending two textures makes a scratch look like a patch, n=2 m=9 better still")
    assert not is_data_line("`w=0.5` -> .265")
    assert is_data_line("[2025-04-23 23:38:33] Train acc: 11.16% | Val acc: 28.31%")


def test_no_fragments_as_hypotheses() -> None:
    entry = structure("That's the final 2.13 loss, so RF tops out around 0.93 on this split anyway.\n"
                      "Despite some oddly promising early results, the DDSP-style generators seem to be "
                      "unstable and very difficult to train.\n")
    for hypothesis in entry.hypotheses:
        assert not hypothesis.lower().startswith(("that's", "so ", "despite")), hypothesis
    assert "ddsp" in negatives(entry)


def test_entry_is_never_empty_when_the_text_has_content() -> None:
    entry = structure("Introduce a report generator to assess how close generations are to recordings")
    assert everything(entry)
    only_log = structure("iteration     7000/  159576 | consumed samples:      7168000 | lm loss: 2.131E+00 |\n"
                         "iteration     7100/  159576 | consumed samples:      7270400 | lm loss: 2.127E+00 |\n")
    assert everything(only_log)


# --- real notes end to end ---------------------------------------------------------------------

def test_issue_thread_report_of_a_failed_change() -> None:
    # huangzehao/caffe-vdsr issue #7
    entry = structure("I divide learning rate by 10 when the error plateaus, however, it seems not helpful at "
                      "all. The error did not reduce.")
    assert "not helpful" in negatives(entry)
    assert not positives(entry)


def test_abandoned_attempt_in_a_readme() -> None:
    # jpe9at/Wikiart Readme.md, "Measure 4: Use of Focal Loss"
    entry = structure("4. **Measure 4: Use of Focal Loss**\n"
                      "     - I also tried to implement a focal loss function, which you can still find as an "
                      "option, but it consequently lead to overflow.\n"
                      "     - As the overflow still occured after several regulatory measures (like gradient "
                      "clipping) I abandoned this attempt.\n")
    assert "focal loss" in negatives(entry)
    assert any("focal loss" in h for h in entry.hypotheses)
    assert any(d.kind == "abandon" for d in entry.decisions)


def test_rejected_hypothesis_in_a_pull_request_report() -> None:
    # wandb/senpai pull request #2881
    entry = structure("Both gradient clipping values are **significantly worse than the 4.619% baseline**. "
                      "All 8 runs eventually diverged. The hypothesis that higher gradient clipping would help "
                      "DrivAerML training is clearly rejected.")
    assert "rejected" in negatives(entry) and "worse" in negatives(entry)
    assert not positives(entry)


def test_todo_items_ticked_off_with_an_outcome_were_done() -> None:
    # A DQN extensions log (2017-10-28): plans followed by what came of them.
    entry = structure("Factorized noise v1 converges badly. Will try:\n"
                      "1. separate random var for bias (v2) -- not helped much\n"
                      "2. remove requires_grad=False from vars (v4)\n\n"
                      "Independent noise works perfectly.\n")
    assert "separate random var for bias" in negatives(entry)
    assert any("requires_grad" in s for s in entry.next_steps)
    assert not any("requires_grad" in h for h in entry.hypotheses)
    assert "independent noise" in positives(entry)
    assert "factorized noise v1" in negatives(entry)


def test_a_metric_moving_is_judged_by_the_metrics_direction() -> None:
    assert reading.verdict_of("val loss went down to 0.31") == "worked"
    assert reading.verdict_of("WER dropped from 15.1 to 14.2") == "worked"
    assert reading.verdict_of("val_rmse 4.1 -> 4.6") == "did_not_work"
    assert reading.verdict_of("accuracy decreased a lot") == "did_not_work"
    assert reading.verdict_of("latency went up 3x") == "did_not_work"
    # A setting that moved is no verdict; what else the clause says still counts.
    assert reading.verdict_of("the learning rate dropped to 1e-5") is None
    assert reading.verdict_of("class_weight=balanced: f1 .31 -> .37, auc basically flat (.748)") == "did_not_work"


def test_things_not_yet_tried_are_not_things_tried() -> None:
    entry = structure("haven't tried class weights yet.\nI expected warmup to help, but it didn't.")
    assert not any("class weights" in h for h in entry.hypotheses)
    assert any("class weights" in s for s in entry.next_steps)
    assert "warmup" in negatives(entry)


def test_every_sentence_gets_a_role() -> None:
    assert reading.read("thinking about trying class weights tomorrow").role == "plan"
    assert reading.read("Does mixup help on the small split?").role == "question"
    assert reading.read("Label smoothing hasn't helped at all.").role == "conclusion"
    assert reading.read("Label smoothing hasn't helped at all.").polarity == "negative"
    assert reading.read("rf-200 gets .957 val auc").role == "result"
    assert reading.read("I suspect the lr is too high for the small batch").role == "hypothesis"
    assert reading.read("What I should have done: a proper sweep").modality == "counterfactual"


def test_a_report_then_a_wish_in_one_sentence_splits() -> None:
    entry = structure("Tried focal loss on the detector; would try class-balanced sampling if I had more time.\n"
                      "We could have tried label smoothing but ran out of time.\n"
                      "Swapped Adam for AdamW, val loss went down to 0.412.\n")
    assert any("focal loss" in h for h in entry.hypotheses)
    assert any("class-balanced" in s for s in entry.next_steps)
    assert not any("class-balanced" in h or "label smoothing" in h for h in entry.hypotheses)
    assert any("label smoothing" in s for s in entry.next_steps)
    assert "Swapped Adam for AdamW" in entry.hypotheses
    assert "adamw" in positives(entry)


def test_a_conditional_adoption_is_no_decision() -> None:
    entry = structure("lgbm matches xgb at a third of the cost.\nswitching to lightgbm if the latency holds on the "
                      "full set.\nif it doesn't work, disable fp16 and rerun.")
    assert not any(d.kind == "adopt" for d in entry.decisions)
    assert any("switching to lightgbm" in s for s in entry.next_steps)


def test_negated_metric_movement_and_plateaus() -> None:
    # "The error did not reduce." (huangzehao/caffe-vdsr issue #7); a plateau judged good is good.
    assert reading.verdict_of("The error did not reduce.") == "did_not_work"
    assert reading.verdict_of("the loss did not really go down") == "did_not_work"
    assert reading.verdict_of("it plateaued at about 95% accuracy, which is very good") == "worked"


def test_expectations_conditions_and_avoid_lists_in_a_training_changelog() -> None:
    # jshan9078/PSAGradePredictor CHANGELOG.md
    entry = structure("**Expected Impact:** Reduce train/val gap significantly, lower val loss 25-35%, "
                      "potentially improve QWK to 0.78-0.80\n\n"
                      "**Result:** Val QWK 0.287 at epoch 13 (WORST EVER - stopped immediately)\n\n"
                      "**Avoid for now:**\n"
                      "- Mixup - too aggressive, slows learning significantly\n\n"
                      "### If Label Smoothing Fails (Val QWK < 0.70 or Loss > 3.4)\n"
                      "- Return to pure baseline (no label smoothing)\n"
                      "- Try focal loss\n")
    # An expectation is a claim to test, never an outcome.
    assert any("reduce train/val gap" in h.lower() for h in entry.hypotheses)
    assert "0.78" not in positives(entry)
    assert "0.287" in negatives(entry) and "mixup" in negatives(entry)
    assert any("focal loss" in s for s in entry.next_steps)
    assert not any("focal loss" in h for h in entry.hypotheses)
    assert not any("**" in t for t in [*entry.hypotheses, *entry.next_steps, *(c.text for c in entry.conclusions)])


def test_done_lists_and_struck_items_were_tried() -> None:
    # A TODO/DONE research log (struck-through items are done).
    entry = structure("# TODO\n"
                      "- try conditional discriminator\n\n"
                      "# DONE\n"
                      "- ~~try multiscale experiment without low-res FFT component~~\n"
                      "    - This results in significantly less intelligible speech than the baseline formulation.\n")
    assert any("without low-res fft" in h.lower() for h in entry.hypotheses)
    assert not any("without low-res" in s for s in entry.next_steps)
    assert any("conditional discriminator" in s for s in entry.next_steps)
    assert "without low-res fft" in negatives(entry)


def test_a_claim_under_test_is_a_hypothesis_not_a_question() -> None:
    entry = structure("Starting to investigate whether my choice of frequency scale is causing intelligibility "
                      "problems.")
    assert any("frequency scale" in h for h in entry.hypotheses)
    assert not entry.open_questions


def test_reports_done_is_the_evidence_a_check_may_rest_on() -> None:
    assert reading.reports_done("Tried Lookahead on top of SGD, no gain")
    assert reading.reports_done("class weights helped recall a lot")
    assert not reading.reports_done("thinking about trying class weights tomorrow")
    assert not reading.reports_done("I should have tried class weights")
    assert not reading.reports_done("if it doesn't work, disable fp16")
    assert not reading.reports_done("should we try class weights?")


# --- issue threads where practitioners report what they ran (GitHub issues, quoted as written) ----

def test_the_trouble_that_stays_is_a_failure() -> None:
    # keras-team/keras#1597; fvmassoli/cross-resolution-face-recognition#5
    entry = structure("I have reduced my batch size (even to 1) and reduced the number of layers but the "
                      "problem persists.")
    assert "problem persists" in negatives(entry)
    stalled = structure("All the losses went down soon.The valid loss decreased to around 0.5.\n"
                        "but after reaching the bottom,all losses stopped decreasing.")
    assert "stopped decreasing" in negatives(stalled) and "stopped decreasing" not in positives(stalled)
    assert not any("loss" in h.lower() for h in stalled.hypotheses)  # results are not things tried


def test_stopped_with_a_bad_trend_is_no_verdict() -> None:
    assert reading.verdict_of("the val loss stopped increasing after epoch 3") is None
    assert reading.verdict_of("accuracy stopped improving after epoch 3") == "did_not_work"


def test_a_collapse_after_progress_ends_it() -> None:
    entry = structure("Diverged. Model improved steadily during warmup (epochs 1-5), continued improving to "
                      "val=11.33% at epoch 31, then collapsed. By epoch 50, grad norms were 2.4x normal.\n"
                      "The 5-epoch warmup was too short.")
    assert "then collapsed" in negatives(entry) and "collapsed" not in positives(entry)
    assert entry.hypotheses == ["5-epoch warmup"]


def test_nothing_beat_it_is_no_comparison_and_no_question() -> None:
    entry = structure("Hypothesis not supported. None of the warmup schedules beat the baseline on either "
                      "surface_mse or volume_mse.")
    assert not entry.hypotheses and not entry.open_questions
    assert "none of the warmup schedules beat" in negatives(entry)
    assert "(vs none" not in negatives(entry)
    asks = structure("either label smoothing or mixup for the next round")
    assert asks.open_questions


def test_the_change_reported_is_what_was_tried() -> None:
    entry = structure("So I made some adjustment by switching optimizer to Adam with weight_decay=3e-04 and "
                      "initial learning rate to 5e-4.")
    assert any(h.startswith("switching optimizer to Adam") for h in entry.hypotheses)
    smoothed = structure("Tried label smoothing 0.1 today, hasn't helped at all. Loss curves identical.")
    assert smoothed.hypotheses == ["label smoothing 0.1"]


def test_bullets_of_a_list_of_plans_are_plans() -> None:
    # alex-hh/profam#74
    entry = structure("- Use max learning rate of 6e-5 instead of 1e-4\n- Use a gradient clipping value of 0.3 "
                      "instead of 1.0\n- Fully shuffle data\n- Reintroduce LayerNorm at embedding layer (LNem)\n")
    assert len(entry.next_steps) == 4 and not entry.hypotheses and not entry.conclusions
    done = structure("Done:\n- Use max learning rate of 6e-5\n- Use gradient clipping 0.3\n- Fully shuffle data\n")
    assert not any("shuffle" in s for s in done.next_steps)


def test_what_names_nothing_is_no_hypothesis() -> None:
    # WongKinYiu/yolov7#257; ultralytics/yolov3#1605
    entry = structure("I tried the same, but as @DavidWZX mentioned, the mAP drops directly to 0. Then I tried to "
                      "set the learning rate to a smaller value when I stop augmentation (around 0.0005).")
    assert "tried the same" not in entry.hypotheses and "the same" not in entry.hypotheses
    assert any(h.startswith("set the learning rate to a smaller value") for h in entry.hypotheses)
    used = structure("I use the yolov3 which have a resnet50 bachbone, the orange one with a bit overfitting "
                     "trained without mosaic. Finally the orange one is much lower than the blue one in mAP.")
    assert not any(h.endswith("which") or h.lower().startswith("i use") for h in used.hypotheses)


def test_a_list_of_rolled_back_changes_is_what_did_not_pay_off() -> None:
    # Shmuma/pytorch_tests pract_rl/hw7 log.md
    entry = structure("Scaling slowed down convergence a lot.\n\nRolled back changes:\n1. reward scale\n"
                      "2. random policy or value rounds\n")
    assert "slowed down convergence" in negatives(entry)
    assert "reward scale" in negatives(entry) and "random policy or value rounds" in negatives(entry)


def test_what_was_not_done_and_questions_with_a_try_in_them() -> None:
    # xuyige/BERT4doc-Classification#11; huggingface/transformers#587; ed-donner/llm_engineering#892
    entry = structure("we do not conduct experiments about learning rates on large bert, but we empirically "
                      "observe that bert-large has similar results comparing to bert-base.")
    assert not entry.hypotheses and not negatives(entry)
    asked = structure("Wonder how to to calculate the warm up proportion to make it drop a bit slower(e.g. if you "
                      "want to try out 4-5 epochs)?")
    assert asked.open_questions and not asked.next_steps
    again = structure("I tested again using updated Learning rate and warmup ratios configuration, but the results "
                      "actually became worse:\nLEARNING_RATE = 3e-4\n")
    assert again.hypotheses[0].startswith("using updated Learning rate") and "became worse" in negatives(again)


def test_a_kaggle_style_log_of_headed_experiments() -> None:
    # osfork.com "Tips for Kaggling": the CV/LB log kept under one heading per change
    entry = structure("## Original\nCV = 0.7299\nLB = 0.67291\n\n## added feature count of zeros\nCV = 0.7312\n"
                      "LB = 0.67402\nslightly better on both, keeping it.\n\n## dropped the id-based features\n"
                      "CV = 0.7340, LB = 0.6701\nCV up but LB down, probably overfitting, reverting.\n")
    assert entry.hypotheses == ["added feature count of zeros", "dropped the id-based features"]
    assert "dropped the id-based features" not in negatives(entry)  # a heading names, it does not judge
    assert "overfitting" in negatives(entry) and "slightly better" in positives(entry)


def test_what_not_to_do_lists_what_failed() -> None:
    # hackernoon "I Found 10,000 Ways That Didn't Work"
    entry = structure("What not to do as first steps includes;\n\n- Field-aware Factorisation Machines.\n"
                      "This 50/50 sample of outliers might look promising, but the extreme imbalance of the dataset "
                      "adds too much noice for it to yield anything useful in the end\n")
    assert "field-aware factorisation machines" in negatives(entry)
    assert "Field-aware Factorisation Machines" in entry.hypotheses[0]
    assert "too much noice" in negatives(entry) and not entry.next_steps


def test_better_without_a_yardstick_is_better_than_the_sentence_before() -> None:
    # JohnVinyard/music-synthesis README (research log, March 2020)
    entry = structure("Multi-headed FFT experiment produces very phase-y sounding audio.  Single-headed\n"
                      "generator and discriminator pair worked much better.\n")
    assert "multi-headed fft experiment" in negatives(entry)
    assert "single-headed" in positives(entry)
    apart = structure("Multi-headed FFT experiment produces very phase-y sounding audio.\n\n\n"
                      "Later that day: the single-headed pair worked much better.\n")
    assert "multi-headed" not in negatives(apart)  # another paragraph: not what it was compared with
    assert reading.verdict_of("Flattening features from each band is essential") == "worked"


def test_a_weekly_report_in_prose() -> None:
    # codingheather.github.io week 4 (a student's research report)
    entry = structure(
        "Firstly, I increased the number of training epochs from 3 to 10. This change resulted in a substantial "
        "boost in performance, elevating it from 73% to 84%.\nIn an effort to enhance performance further, I "
        "decreased the dropout rate from 0.5 to 0.3. Upon analyzing the generated figures, I observed that the "
        "data did not exhibit signs of overfitting. Consequently, this change positively affected the "
        "performance, increasing it from 84% to 86%.\nNext, I introduced an additional dropout layer after the "
        "fully connected layer. However, this adjustment did not yield any noticeable improvement in performance.\n")
    assert entry.hypotheses == ["increased the number of training epochs from 3 to 10",
                                "decreased the dropout rate from 0.5 to 0.3",
                                "introduced an additional dropout layer after the fully connected layer"]
    assert not entry.next_steps  # "Next, I introduced ..." tells what came next, in the past
    assert "signs of overfitting" not in negatives(entry)
    assert "positively affected" in positives(entry) and "noticeable improvement" in negatives(entry)


def test_markdown_escapes_of_a_copied_page_are_not_quoted_back() -> None:
    text = r"Once the flips were fixed the error went up. Next: try fp\_16 and \*more\* data."
    got = structure_entry(make_request(text, []))
    quoted = " ".join([*got.observations, *got.next_steps, *(c.text for c in got.conclusions)])
    assert "fp_16" in quoted and "*more*" in quoted and "\\" not in quoted


# --- classes learned from the role corpus (tests/narrative/data/real_roles.jsonl, tune half) ----------

def test_a_model_that_does_not_train_or_move_is_a_failure() -> None:
    # IDoCodingStuffs/python-doodles freeform-log.md; lukoshkin/SR_research; ZhiyinL daily log
    for sentence in ("T2STIR model still not training.",
                     "Not training as of epoch 22.",
                     "But the val loss and acc still not changing per epoch...",
                     "L1Loss is not making much difference either.",
                     "Still no signs of loss going down.",
                     "However, the results are not promising.",
                     "And the answer is, not well at all.",
                     "appeared to flatline after 50 epoch"):
        assert reading.verdict_of(sentence) == "did_not_work", sentence
    # a setup, not an outcome
    assert reading.verdict_of("Not training the backbone this time, only the head.") is None


def test_nan_outcomes_are_failures() -> None:
    # facebookresearch/maskrcnn-benchmark#487, microsoft/SDNet#8
    for sentence in ("the features output from backbone is nan, and loss is nan then.",
                     "the train loss met nan.",
                     "I have tried decrease the learning rate, add gradient clipping, but it seems the nan will "
                     "still exists."):
        assert reading.verdict_of(sentence) == "did_not_work", sentence


def test_hedged_success_and_less_trouble_are_gains() -> None:
    # python-doodles; JoeCameron1/IndividualProject Week16; valemore/leaf-disease TODO.md
    for sentence in ("It's seeming to work.",
                     "Well. Seems it is training now, finally.",
                     "This change already resulted in noticeably less overfitting.",
                     "The run with GetPatches that went reasonably well"):
        assert reading.verdict_of(sentence) == "worked", sentence


def test_purpose_and_activity_are_no_outcome() -> None:
    # JoeCameron1/IndividualProject Week15/16; ZhiyinL daily log; a purpose clause ends at its boundary
    for sentence in ("I switched from the RMS prop optimiser function to the Adam optimiser function to gain a more "
                     "consistent validation accuracy.",
                     "I then decided to further tackle the issue of overfitting I spotted in my classifier.",
                     "Today I worked on improving the performance of my regression model.",
                     "I also added class weights to try to fix the overfitting issue."):
        assert reading.verdict_of(sentence) is None, sentence
    assert reading.verdict_of("Tried MinT reconciliation so that totals add up: SKU-level WAPE gets slightly "
                              "worse") == "did_not_work"
    assert reading.verdict_of("Dropout helped to reduce the error a lot") == "worked"


def test_train_better_and_validation_worse_is_overfitting() -> None:
    # ZhiyinL daily log, January 7th
    sentence = "in all three cases, the training loss goes down hugely and the validation loss rises slightly"
    assert reading.verdict_of(sentence) == "did_not_work"


def test_conditionals_plan_only_when_their_main_clause_does() -> None:
    # python-doodles freeform-log.md
    assert not reading.conditional_plans("If it overfits, then the problem is with the model.")
    assert not reading.conditional_plans("If it still does not start converging I must be missing something "
                                         "fundamental.")
    assert reading.conditional_plans("If that fails, I will try some penalized loss.")
    assert reading.conditional_plans("If it gets a bad score still, the next step will be setting up a benchmark.")
    # microsoft/SDNet#8: a past "when" reports what happened
    assert reading.modality("When I set previous QA to 0 in conf, the train loss met nan.") != "conditional"


def test_labels_set_the_role_of_their_items() -> None:
    # ZhiyinL daily log ("3) My plan for tomorrow."); lukoshkin/SR_research (a verdict label)
    entry = structure("3) My plan for tomorrow.\na) Dimensionality reduction first and then run the codes\n"
                      "b) Try a simpler model such as gradient booster.")
    assert "dimensionality reduction" in " ".join(entry.next_steps).lower()
    assert "gradient booster" in " ".join(entry.next_steps).lower()
    entry = structure("***These are the points that lead to a better network learning:***\n"
                      "1. Balance among loss terms\n1. Expanded sampling domain")
    assert "balance among loss terms" in positives(entry)
    assert "expanded sampling domain" in positives(entry)


def test_hedged_claims_are_hypotheses_and_questions_are_not_plans() -> None:
    # python-doodles freeform-log.md; ZhiyinL daily log
    entry = structure("Maybe the final FC is not getting trained that's what's up.")
    assert "final fc is not getting trained" in " ".join(entry.hypotheses).lower()
    entry = structure("I want to know how to solve this overfitting issue, so I went to ask Lauren.")
    assert entry.open_questions and not entry.next_steps
    assert not structure("No wonder it fails to train, duh.").open_questions


def test_runs_fine_and_same_results() -> None:
    # NVIDIA/apex#175, ml-struct-bio/cryodrgn#45, OpenNMT/OpenNMT-tf#798, huggingface/accelerate#101
    for sentence in ("Without apex the network trains fine.",
                     "Actually it runs fine with --do-pose-sgd.",
                     "But if I use the pytorch way (autocast in the code myself), the training is normal.",
                     "The experiment without mixed-precision has now exceeded 1 million iterations without crashing."):
        assert reading.verdict_of(sentence) == "worked", sentence
    for sentence in ("I have tried both static and dynamic loss scaling, with the same results.",
                     "While everything goes normally except the loss does't decrease during training.",
                     "I tried to evaluate with different metrics during training, but always got OOMs.",
                     "We do not suggest AMP training, which leads a significant performance degradation."):
        assert reading.verdict_of(sentence) == "did_not_work", sentence
    # awestover/FDT: a way of working is no verdict
    assert reading.verdict_of("start with easy mazes, work up to harder ones.") is None


def test_a_factual_conditional_is_read_as_a_report() -> None:
    # huggingface/accelerate#101
    entry = structure("If I set in the code `Accelerator(fp16=True)` then amp is triggered, but the loss becomes "
                      "inf right away.")
    assert "inf" in negatives(entry)
    assert not entry.next_steps


def test_a_negated_gain_before_its_metric_is_a_failure() -> None:
    # a text-classifier fitting log (role corpus, third tune batch)
    assert reading.verdict_of("Further training did not lead to higher accuracy") == "did_not_work"
    assert reading.verdict_of("lower lr gave higher accuracy") == "worked"


def test_a_setting_dropped_beside_a_metric_move_is_the_change_not_a_verdict() -> None:
    # "Dropped dropout to 0.1, loss went down": "dropped" lowers a setting; the loss going down is the verdict
    assert reading.verdict_of("Dropped dropout to 0.1, loss went down") == "worked"
    assert reading.verdict_of("Dropped the lr to 1e-4, val loss went down") == "worked"
    assert reading.verdict_of("Dropped dropout to 0.1, loss went up") == "did_not_work"
    assert reading.verdict_of("loss went down, dropped it") == "did_not_work"   # abandoned all the same
