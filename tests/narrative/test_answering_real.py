"""Thread answers on real practitioners' notes (issue 8): the questions a teammate asks weeks later.

The notes are the practitioners' own text (sources in each file's ``description``: metaseq's OPT-175B
chronicles, a course team's CNN training notes, a SAM2 prompt log, an ARC model changelog, a SHREC results
table, a ConvMixer changelog, a from-scratch BERT debugging note, a LayoutLM tuning log; from 2026-12-03 a
transfer-learning report and a VOC2012 daily log (tune), a CS336 LM ablation note and a brain-tumor CNN
ablation series (held: written blind, measured once before and once after, never tuned on)); in a later round
(h/answers2) a ResNet50 ImageNet run log, the Wake2vec devlog and a model-size results note (tune), and the QuickDraw
LAMB experiment queue and GPT-2 Alpaca LoRA notes (held); in h/answers3 a CS50 traffic CNN version log and
activity-recognizer experiment logs (tune), a VGG-16 fine-tuning log and PDE-RNN developer notes (held); in
h/answers4 a Toribash PPO log and multitask NN run notes (tune), RVQ training-run notes and an MNIST shrinking
log (held); in h/answers5 AST fine-tuning attempt notes (tune) and SALMONN stage-1 attempt logs (held); in
h/answers7 the CPM-Live daily training logs (tune); in h/answers9 seq-JEPA experiment notes and nanochat's dev
log (tune); see
data/real_answers/README.md. The runs were
reconstructed to agree with them. Each
question's expected words were decided by reading the notes, before looking at how ``coco ask`` answers.
The history goes through the real structuring engine, as ``coco log`` does.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from narrative import synthesis
from narrative.history_index import HistoryIndexCache
from tests.narrative.scenario_loader import fill as fill_ids
from tests.narrative.synthesis_dev import build_history, cited_keys, has_any

DATA = Path(__file__).parent / "data" / "real_answers"
# Still wrong (what is left, each a class of its own):
KNOWN_MISSES = {
    # held: the question's value (lr 1e-2) does not pick the note that states it over its 5e-3 neighbour
    "what happened with SGD at lr 1e-2?",
    # held (h/answers2: written blind, measured before and after, answers not read, so not diagnosed here)
    "which learning rate worked best for LoRA?",
    "what was the effect of warmup?",
    "for the medium model, did LoRA match full fine-tuning?",
    "why did the multi-GPU baseline do worse?",
    "what does LAMB need to work?",
    # held (h/answers3: written blind, measured before and after, answers not read, so not diagnosed here)
    "what led to better network learning?",
    "what was the best test accuracy and which run?",
    # held (h/answers4: written blind, measured before and after, answers not read, so not diagnosed here)
    "why did we abandon the first run?",
    "have we tried an even larger model, like 896 wide?",
    "what was the best val loss and which run?",
    # held (h/answers5: written blind, measured before and after, answers not read, so not diagnosed here)
    "what bug kept coming back across the attempts?",
    "what did we plan to change next?",
    # tune: the notes on the run set to the asked value (lr 0.0003) are an unlinked entry (its pasted config
    # matches one run, yet nothing links it), so the answer quotes lines about the learning rate in general
    "did lowering the learning rate to 0.0003 help?",
    # tune (h/answers7): the right line is quoted, but the run it speaks of is linked by nothing the line says
    # (the NaN fix's run carries attn_score_fix; the run stopped for maintenance is the one that ended that day)
    "how did we stop the loss going NaN on October 23?",
    "why was the training suspended in early June?",
    # tune (h/answers8): the notes call the runs "Run 1".."Run 4" and no line pairs a label with a tracked run's
    # name, so a question naming "run 2" names no run; "without dropout" makes dropout the subject of a question
    # about run 1's luck; two runs compared by those labels find nothing
    "why did run 1 succeed without dropout?",
    "how much better was run 4 than run 1?",
    "what was wrong with run 2?",
    # tune (h/answers8): "in the first place" asks for the first reason; the first report's motivation line names
    # no checkpoint (its title does) and later reports' lines on val-NLL outrank it
    "why did we checkpoint by val NLL in the first place?",
    # tune (h/answers8): the later report's restatement of the pathology is quoted, not the burn-in report's own
    # lines, so the burn-in run is not cited
    "why did the burn-in run pick a chance-level model for target 4?",
    # tune (h/answers9, seq-JEPA): "why did we add X?" quotes the ingredient list naming X, not the stability issue
    # before the note's "May need: ... LR schedule, or warmup period"; "dropping the EMA teacher" is not read as the
    # runs with ema=false (the EMA runs are cited, "Verdict: no gain" read off a mixed line); "what did it need to
    # pass the gate?" quotes gate_pass table rows; "in the quick test" does not scope to the quick runs' comparison
    "why did we add warmup and a cosine schedule to the teacherless run?",
    "did dropping the EMA teacher work?",
    "what did the teacherless run need to pass the gate?",
    "how did stop-grad compare with EMA in the quick test?",
    # tune (h/answers9, nanochat log): the note names no run, so the bug line cites none; "did the residual scalars
    # help?" ranks the note's heading first and its verdict lines ("Consistent improvement across all model sizes")
    # never reach the pool (they lack the subject's words; the title holds them); the reason "Multiplying the residual
    # compounds through layers" is the second sentence of a list item whose first is outranked
    "what bug did we find in the clipping?",
    "why does resid_lambdas need a smaller learning rate?",
    # tune (h/answers12, new fixtures, measured before any fix): a why-question whose reason is a one-line
    # "**Root Cause**:" label (tried as a section, it cost a held question) or a heading that states the aim
    # ("Mission Accomplished: Fixed Finance-Instruct Decline"); a verdict in a results table; a recommendation
    # under "Approach 2"
    "why did we add Finance-Instruct pairs to the Reddit data?",
    "why did MT-Bench keep declining?",
    "did lowering beta to 0.015 help?",
    "which configuration did we recommend for production?",
    # tune (h/answers12, LTR notes): a sweep that moves two weights at once (main and rescore query weights)
    "which rescore weights worked best?",
    # tune (h/answers12): "what should we try after X?" reads the latest notes' next steps, not those of X's note
    "what should we try after the grad accum fix?",
    # tune (h/answers13, new fixtures, measured blind: 26/41 before, 29/41 after): a subject spelled otherwise
    # than the notes ("Accelerate" / "Acceleration": the stemmer folds -ation but not -ate; "vision" / "visual";
    # "heavier regularization" / "Over-Regularized"); the line about going without X is outranked by a line about
    # X ("Long warmup" for "did skipping warmup help?"); "raising top-k to 4" (top and k are plain words, "rais"
    # no line holds); "settings ... for full training" under "## Recommended Configurations" (a code block);
    # two variants compared by their LoRA targets; "why did version 1 fail?" (the version's block, split by
    # markdown hard breaks, is not read as the run's own item); "what should we try after X?" reads the latest
    # notes, not X's note (its options are in a code block); "the CORAL run" names no run by name (use_coral is
    # a param); the huge-loss reasons cite no run (the note links fifteen)
    "did skipping warmup help?",
    "why was the loss so huge?",
    "which settings should we use for full training?",
    "did raising top-k to 4 help?",
    "did the heavier regularization help?",
    "who ran the CORAL run?",
    "what should we try after label smoothing?",
    "did MLP-only LoRA beat attention-only LoRA?",
    "why did version 1 fail?",
    "did Accelerate help?",
    "did tuning the vision encoder help?",
}
# misses named with their file, where the question's words are asked of another fixture too (h/answers14, new
# fixtures measured blind 20/38, 23/38 after): a what-did-we-try question answered by experiments' stated aims;
# notes that name the models the runs are named after but link none (the runs are cited only when the question
# names them); the notes' composite "best for koko", not the primary metric; a decision "Use decay = 0" not read as
# dropping weight decay; an early "dropout 0 performs better" over the later conclusion; the reason in the sentence
# after "feasible-leaf-53 looks promising."; a plan line ("Consider adding in weight-decay, early-stopping ...") for
# "what did we plan against X?"; runs that lowered the LR started after the note that says so
KNOWN_MISSES_IN = {
    "addition-transformer-experiments": {"what did we try to improve time-to-99%?"},
    "ensemble-findings-notes": {"did pos_weight help?", "what did we try to stop the MLP collapse?",
                                "what was the best model for koko?", "why did we center the mixer output per example?",
                                "what happened when we removed the alpha gate?",
                                "why did initializing both U and V to zero fail?",
                                "did training in probability space with a clamp work?",
                                "what should we try next for cross-label coupling?"},
    "tm-topology-wandb-notes": {"why did we drop weight decay?", "did dropout help?",
                                "why did feasible-leaf-53 look promising?", "what did we plan against overfitting?",
                                "how many LSTM layers should we use?"},
    # h/answers15 (five new tune sources, measured blind 18/41, 25/41 after): a 3-decimal tracker value beside the
    # notes' 4-decimal one (0.7232, 66.28%); a pick named in other words than the question's ('training set' / '914
    # sequences'); next steps that link no run of their subject; a "**Problem:**" line over its "Root Cause" block;
    # other words ('more steps' / 'Longer, 140K'); a table row's 'instead of' read as adopting GELU
    'ace-ablation-custom-flag': {'why were the three ablation results identical?',
                                 'can we use the first ablation runs?',
                                 'what should we check once the rerun finishes?',
                                 'how much slower are the Qwen ablations?',
                                 'what did we learn from the failed ablations?',
                                 'what loss do we expect from the new ablations?'},
    'antibody-strict-qc-archive': {"what did we conclude about the gap to Novo's 71%?",
                                   'what accuracy did the production model get on Jain?',
                                   'which training set should we use?',
                                   'why did we try removing X in the frameworks?'},
    'gainakt-auc-regression-log': {'which run had the best val AUC?', 'did the V3 differentiation strategy work?'},
    'gaussian-image-divergence': {'what should we try after the divergence?',
                                  "why didn't we want to run N=45 and N=55 with the same settings?",
                                  'what is the top priority next?'},
    'sudoku-cosine-lr-experiments': {'did training for more steps help?'},
    # h/answers16 (issue and pull-request threads; tune measured blind 15/23, 20/23 after): a right answer ("Neither
    # proposed change ... is supported by the data") the expected words miss; a metric named in words ("per step"
    # for sec_per_step); the clause past the quote's cut ("This is a ~45% effective batch size increase")
    'portos-lora-defaults-issues': {'should we cut the default steps from 1200 to 600?',
                                    'how fast was the 4B fidelity run per step?'},
    'snowfall-amp-pr-thread': {'how much larger batches does AMP allow?'},
    # held (written blind, counted only; their answers not read): the names of the two that miss were read
    'entrenar-run8-divergence': {'why did run 8 diverge?', 'why was run 8 killed?'},
    # h/answers18 tune: a conclusion question (about X, on a day), two values of one setting compared, a ranking the
    # runs do not record ("'sum'>'max'>'mean'"), a verdict on the last run of a value, a machine named in the notes, a
    # duration line whose note links no run; held (names read from a count-only listing, answers not read)
    'rlct-prior-std-log': {'is a prior std of 0.05 still worth trying?', 'which machine did we run these on?'},
    'gnn-cdch-training-logbook': {'how long did the 200k-event training take?',
                                  'what did we conclude about adding more training data?',
                                  'hidden size 1000 vs 250: which was better?', 'which aggregator worked best?',
                                  'what did we conclude on 31 March?',
                                  'what were our hypotheses for the inefficiency?'},
    'cifar-overnight-sweep-notes': {'how long did the overnight sweep take?',
                                    'what did we conclude about the batch size?'},
    'k2-conformer-100h-thread': {'how long was the first model trained?', 'is a smaller d_model worth trying?'},
}

_HISTORIES: dict[Path, Any] = {}


def _history(path: Path) -> Any:
    if path not in _HISTORIES:
        _HISTORIES[path] = (*build_history(path, False), HistoryIndexCache())
    return _HISTORIES[path]


CASES = [(p, q) for p in sorted(DATA.glob("*.json")) for q in json.loads(p.read_text())["expect"]["questions"]]


@pytest.mark.parametrize(("path", "q"), CASES, ids=[f"{p.stem}:{q['q'][:40]}" for p, q in CASES])
def test_real_question(path: Path, q: dict[str, Any]) -> None:
    if q["q"] in KNOWN_MISSES or q["q"] in KNOWN_MISSES_IN.get(path.stem, set()):
        pytest.xfail("a known miss, see KNOWN_MISSES")
    hist, key_of, entry_runs, sc, indexes = _history(path)
    ans = synthesis.answer(fill_ids(q["q"], sc.ids), hist, indexes=indexes)
    assert len(ans.answer) <= 900
    # as the scorer reads it: a stem the question itself holds is no answer
    fresh = [n for n in q["answer_any"] if not has_any([q["q"]], [n])] or q["answer_any"]
    assert has_any([ans.answer], fresh), ans.answer
    if q.get("cite_runs_any"):
        got = cited_keys(ans.citations, key_of, entry_runs)
        assert got & set(q["cite_runs_any"]), (sorted(got), ans.answer)


def test_a_param_key_is_named_by_its_words_or_their_initials() -> None:
    from narrative.answer_quotes import fold, key_named

    def words(text: str) -> list[str]:
        return [fold(w) for w in text.lower().replace("-", " ").split()]

    assert key_named("k_size", words("which kernel size worked better, 7 or 11?"))
    assert key_named("p_size", words("did smaller patch sizes help?"))
    assert key_named("lr", words("a bigger learning rate (0.01/0.001)"))
    assert not key_named("lr", words("did label smoothing help?"))
    assert not key_named("k_size", words("did the larger kernel help?"))  # no "size": another param


def test_numbers_are_setting_values_not_pieces_of_names() -> None:
    from narrative.answer_quotes import numbers

    # metaseq OPT chronicles: "11.xx" and "GPT-3" are names; CNN notes: "(0.0001)" is a value
    assert numbers("why did we abandon the 11.xx lineage?") == set()
    assert numbers("a much higher LR than GPT-3 175B") == set()
    assert numbers("so going to decrease learning rate (0.0001), try again..") == {0.0001}
    assert numbers("Swiched from 1e-3 to 1e-1.") == {0.001, 0.1}


def test_a_long_sentence_is_clipped_around_the_clause_that_answers() -> None:
    from narrative.answer_quotes import clip_to

    # metaseq OPT chronicles, 10% update: the reason comes last in a 330-character sentence
    text = ("We started taking more and more drastic actions then, starting with increasing weight decay to 0.1, "
            "lowering Adam beta2 to 0.95, lowering LR again, until finally by experiment 11.10 we hot-swapped in "
            "ReLU and also switched to a more stable MHA calculation (noting that the x**3 term in GeLU might be a "
            "source of instability with FP16).")
    out = clip_to(text, 230, "swap GeLU for ReLU")
    assert len(out) <= 240
    assert "x**3 term in GeLU" in out


def test_a_label_that_carries_the_subject_after_with_is_about_something_else() -> None:
    from narrative.answer_quotes import carried_only

    # ARC changelog: "# v1_20: Small size model with skip to final output" is about the size
    assert carried_only(["skip", "output"], "# v1_20: Small size model with skip to final output")
    assert not carried_only(["skip", "output"], "# v1_16: Skip test input to final output layer to encourage copying")
    assert not carried_only(["skip"], "Skip connections with gating")


def test_a_stated_trouble_is_a_reason() -> None:
    from narrative.answer_quotes import PROBLEM, states_reason

    # ConvMixer changelog, VOC2012 daily notes, a transfer-learning report
    assert PROBLEM.search("When decreasing patch size (and increasing internal resolution) the model overfits quickly")
    assert states_reason("Later the loss overshooted to something in the order of 10^5")
    assert states_reason("I didn't realized it was very high for my model (default L2 value)")
    assert not states_reason("In the next model, we increase the number of layers in CNN with some changes")


def test_what_next_quotes_the_plans_of_the_latest_notes() -> None:
    from narrative.answer_next import reads_as_plan as _reads_as_plan

    # CNN course notes: the plan is the answer, with its author and date, and the note is cited
    path = DATA / "cnn-training-notes.json"
    hist, _, _, _, indexes = _history(path)
    ans = synthesis.answer("what should we try next?", hist, indexes=indexes)
    assert ans.answer.startswith("Next steps in the latest notes:")
    assert "going to decrease learning rate" in ans.answer
    assert ans.citations and all(c.entry_id for c in ans.citations)
    # a report told with "next" is no plan; a "=>" line and "Task for tomorrow" are
    assert not _reads_as_plan("For the next experiment I tried a learning rate of 0.0003 and added a drop out")
    assert _reads_as_plan("=> Combine best run (*) with smaller kernel sizes (see v9)")
    assert _reads_as_plan("Task for tomorrow: Increase the dropout further and check the results.")


def test_a_word_the_notes_never_use_is_read_as_the_one_they_spell_within_two_letters() -> None:
    from narrative.answer_spelling import _within

    # SHREC results: the notes write "data argumentation"; a teammate asks about augmentation
    assert _within("augment", "argument", 2)
    assert not _within("augment", "argument", 1)
    assert not _within("dropout", "droplet", 1)
    path = DATA / "shrec-gesture-results.json"
    hist, _, _, _, indexes = _history(path)
    ans = synthesis.answer("what's the idea for improving the data augmentation?", hist, indexes=indexes)
    # the line sits under "## Future Improvements": the section is quoted, with the idea in its next line
    assert "Future Improvements:" in ans.answer and "random noise" in ans.answer


def test_a_why_answer_leaves_out_the_next_sentences_about_other_lines_of_work(tmp_path: Path) -> None:
    # a day's note tells several things one after another (the demo's own note): why random forest was
    # dropped is the first sentence; the SVC crash and the undersampling result that follow are not reasons
    runs = [{"key": k, "run_name": n, "user": "sam", "start": f"2026-11-30T{h}:00:00Z", "minutes": 5,
             "status": "FINISHED", "params": p, "metrics": {"val_auc": m}, "tags": {}}
            for k, n, h, p, m in [
                ("r1", "rf-500", "09", {"model": "random_forest", "n_estimators": "500"}, 0.957),
                ("r2", "quick-lynx-7", "10", {"model": "hist_gbm", "max_depth": "3"}, 0.979),
                ("r3", "svc-rbf-proba", "11", {"model": "svc", "gamma": "-0.1"}, 0.0),
                ("r4", "hgb-d3-undersample", "12", {"model": "hist_gbm", "undersample": "true"}, 0.954)]]
    note = ("rf-500 took 1.98s a fit for .957, and even the best rf is under the best gbm (quick-lynx-7, .979) "
            "and ~3x slower to fit, so i'd drop random forest. the svc run (svc-rbf-proba) crashed, i "
            "fat-fingered gamma=-0.1, so no number there, svm probabilites are slow anyway. also tried "
            "undersampling again (hgb-d3-undersample), and it was worse again (.954), so i'm calling "
            "undersampling dead for this one.")
    scenario = {"name": "rf", "description": "COCO's demo note", "project": "churn", "experiment": "churn",
                "primary_metric": "val_auc", "primary_metric_goal": "max", "runs": runs,
                "messages": [{"key": "m01", "at": "2026-11-30T18:00:00Z", "author": "sam", "kind": "log",
                              "text": note}],
                "expect": {"entries": [], "checks": [], "questions": [], "phase": {}, "reproduce": []}}
    path = tmp_path / "rf.json"
    path.write_text(json.dumps(scenario))
    hist, *_ = build_history(path, False)
    ans = synthesis.answer("why did we abandon random forest?", hist, indexes=HistoryIndexCache())
    assert "slower to fit" in ans.answer
    assert "svc" not in ans.answer.lower() and "undersampl" not in ans.answer.lower(), ans.answer


def test_a_next_label_is_a_plan() -> None:
    from narrative.answer_next import reads_as_plan as _reads_as_plan

    # "next:" written as a label (COCO's demo notes, many terse logs): no word follows the colon directly
    assert _reads_as_plan("next: class weighting on quick-lynx-7's config + a seed check.")
    assert _reads_as_plan("Next : try a deeper net")
    assert not _reads_as_plan("the next run was worse")


def test_a_run_card_field_or_a_table_header_is_data_not_a_saying() -> None:
    from narrative.data_lines import data_line, field_line, header_rows

    # ResNet50 ImageNet notes: "**Name**: Run3-g5-2xlarge-lr" and "**Specs:** ..." are a run card's fields
    assert field_line("**Name**: Run3-g5-2xlarge-lr")
    assert field_line("**Specs:** 8 vCPU, 32 GB RAM, 24 GB GPU")
    assert field_line("**Epochs:** 90 (ran for 10 epochs)")
    assert data_line('<img src="logs/imagenet/run10-graphs.png" width="520">')
    # a field that says something, or judges a result, is prose; a bold phrase without a colon is no field
    assert not field_line("**Next steps:** Add diagnostics and recheck code.")
    assert not field_line("**Status:** T4 disconnected at step 510. Resume tomorrow from checkpoint-500.")
    assert not field_line("**Status**: COMPLETED - **FAILED**")
    assert not field_line("**Blood vessel hardest** - tiny structures (0.5% of pixels)")
    raw = "| Run Name | LR | Notes |\n|---|---|---|\n| Run3 | 0.1 | Bad run |\n"
    assert header_rows(raw) == {"Run Name | LR | Notes"}


def test_which_setting_worked_reads_the_runs_in_the_scope_the_question_names() -> None:
    # model-size results note: "for the size 10 model" keeps the size-10 runs; ResNet50 notes: "from scratch"
    # keeps the runs trained from scratch, and says which values never finished
    hist, _, _, _, indexes = _history(DATA / "model-size-cc-notes.json")
    ans = synthesis.answer("which learning rate worked for the size 10 model?", hist, indexes=indexes)
    assert ans.answer.startswith("Best learning rate by val_cc among runs that differ only in it: lr=1e-5"), ans.answer
    assert "size25" not in ans.answer
    hist, _, _, _, indexes = _history(DATA / "resnet50-imagenet-notes.json")
    ans = synthesis.answer("which learning rate worked for training from scratch?", hist, indexes=indexes)
    assert "lr=0.05" in ans.answer and "the only value with a finished run" in ans.answer
    assert "lr=0.1" in ans.answer and "5e-5" not in ans.answer


def test_a_setting_is_read_off_its_own_sweep() -> None:
    from narrative.answer_intent import sweep_runs
    from storage.records import RunSnapshot

    def run(rid: str, lr: str, bs: str) -> RunSnapshot:
        return RunSnapshot(project_id="p", run_id=rid, run_name=rid, user="x", status="FINISHED",
                           start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), params={"lr": lr, "batch_size": bs})

    # CS336 notes: the LR sweep ran at batch 32; the batch-size sweep at lr 3e-3 is no evidence about the LR
    runs = [run("a", "1e-3", "32"), run("b", "3e-3", "32"), run("c", "3e-3", "8"), run("d", "3e-3", "64")]
    assert {r.run_id for r in sweep_runs(runs, {"lr"})} == {"a", "b"}


def test_hindsight_questions_quote_what_should_have_been_done() -> None:
    hist, _, _, _, indexes = _history(DATA / "resnet50-imagenet-notes.json")
    ans = synthesis.answer("what should we have done differently for Run4 and Run5?", hist, indexes=indexes)
    assert "should have" in ans.answer, ans.answer


def test_a_lineage_wildcard_scopes_the_runs_cited() -> None:
    from narrative.answer_intent import lineage_runs

    # OPT-175B chronicles: "on 12.xx" is the 12.* lineage; the run of it that lowered the LR is cited first
    hist, key_of, entry_runs, _, indexes = _history(DATA / "opt175b-chronicles.json")
    ans = synthesis.answer("did lowering the LR help on 12.xx?", hist, indexes=indexes)
    assert "r33" in cited_keys(ans.citations, key_of, entry_runs)
    assert "Tracker: 12.40" in ans.answer
    idx = indexes.index(hist)
    assert {r.run_name for r in lineage_runs(idx, "why did we abandon the 11.xx lineage?")} >= {"11.0", "11.10"}
    assert lineage_runs(idx, "what did 12.40 get?") == []
