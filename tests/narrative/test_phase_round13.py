"""Classes of real research-log language for ``coco phase`` / ``coco next`` (issue 8, round h/phase13), read on
new tune notes (an experiment history, detection result tables, an issue comment) and on the open set's lab
notebook. Each class has sentences that fail on the old rules and near-miss sentences that must keep their reading:
the phase must never close a line nobody closed, mark adopted from a next step, or form a line from a word that
names nothing the team works on.

1. A pasted configuration or command is data ("{'lr': 2e-05, ..., 'dropout_mlp': 0.4}", "--balance none"): it
   opens, closes or switches off nothing (kept from round h/phase12, whose merge was reverted whole).
2. What only the explanation after a verdict names is a cause, not a line judged ("has not been effective -
   ... interacting badly with LoRA"); an absence heading a result row ("No pretrain: ... dev: 59.266") labels the
   row (both kept from h/phase12).
3. A phrase led by a count ("768 hidden layers") is a setting's value, no line of work; a verdict whose only head
   is such a setting judges what its "#### Training X" heading trains.
4. A model's name holding "regression" ("Logistic Regression > LinearSVC") is no regression of a result.
5. ``next``: a setup list's line ("- Dataset: Pascal VOC 2012, random 80-20 split") states the conditions of the
   reported runs, no idea to run; an item ticked in a later to-do list is done (kept from h/phase12).
"""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import vocab
from narrative.answer_next import next_steps, stated_result
from narrative.approach_cues import data_line, explained_only, settings_dump
from narrative.approach_names import doing_heading, head_phrase, valued_phrase
from narrative.approaches import derive
from narrative.history_index import HistoryIndex
from narrative.replacements import switched_off_in
from storage.records import RunSnapshot
from tests.narrative.conftest import make_run
from tests.narrative.test_phase_lists import daily_history

T0 = dt.datetime(2022, 4, 21, 19, tzinfo=dt.UTC)
CLOSED = ("exhausted", "abandoned")


def _index(texts: list[str], runs: list[RunSnapshot]) -> HistoryIndex:
    return daily_history(texts, runs, author="hilly", start=T0)


def _status(texts: list[str], runs: list[RunSnapshot]) -> dict[str, str]:
    return {a.name: a.status for a in derive(_index(texts, runs))}


def _steps(texts: list[str], runs: list[RunSnapshot]) -> list[str]:
    idx = _index(texts, runs)
    return next_steps(idx, derive(idx))[0]


# ---- 1. pasted configurations and commands are data

CFG = ("- **Config**: {'lr': 2e-05, 'batch_size': 32, 'hidden_size': 40, 'output_size': 25, 'dropout_mlp': 0.4, "
       "'dropout_roberta': 0.16, 'epochs': 5}")
CFG_RUNS = [make_run("r1", name="gentle-heron-12", params={"lr": "2e-05", "dropout_mlp": "0.4"},
                     metrics={"humor_f1": 0.9327}),
            make_run("r2", name="silver-yak-90", params={"lr": "2e-05", "dropout_mlp": "0.4"},
                     metrics={"humor_f1": 0.9367})]


def test_a_pasted_config_opens_no_line() -> None:
    status = _status([f"## 5-26 performances (dev set)\n{CFG}\n- humor f1: 0.9327",
                      f"## 5-27 performances (dev set)\n{CFG}\n- humor f1: 0.9367"], CFG_RUNS)
    assert "dropout" not in status, status  # the old rules opened a dropout line from the two config dicts


@pytest.mark.parametrize(("text", "dump"), [
    ("{'lr': 2e-05, 'batch_size': 32, 'hidden_size': 40, 'dropout_mlp': 0.4}", True),
    ("lr=3e-4 bs=64 wd=0.01 warmup=500", True),
    # near misses: a sentence with a setting or two in it is a sentence
    ("dropout: 0.1 helped a lot", False),
    ("lr=3e-4, bs=64: best so far, keeping dropout", False),
    ("val acc: 0.81, test acc: 0.80 with dropout and mixup and label smoothing on the big model", False),
    ("tried dropout 0.3 and it hurt", False),
    ("batch size 64 was worse than 32", False),
    ("weight decay 0.01 gives 0.84, 0.1 gives 0.80", False),
])
def test_what_reads_as_a_settings_dump(text: str, dump: bool) -> None:
    assert settings_dump(text) is dump


@pytest.mark.parametrize(("sentence", "off"), [
    # a command's flags switch nothing off (the old rules read "--max-length 128 ... none" as max length off)
    ("python train.py --ranks 8 16 --lr 1e-4 --max-length 128 --balance none", set()),
    # near misses keep their reading
    ("Mixup: off", {"mixup"}),
    ("dataset: no Mixup (epoch=4)", {"mixup"}),
    ("use_ema = false", {"ema"}),
    ("no pretraining this time", {"pretraining"}),
    ("no improvement from mixup", set()),
])
def test_a_pasted_command_switches_nothing_off(sentence: str, off: set[str]) -> None:
    assert set(switched_off_in(sentence)) == off


def test_a_command_is_a_data_line_and_a_plan_is_not() -> None:
    assert data_line("python train.py --ranks 8 16 --lr 1e-4 --max-length 128 --balance none")
    assert not data_line("next: try a max length of 256 with balanced sampling")
    assert not data_line("dropped the max length to 128 - no change")


# ---- 2. an explanation names a cause; an absence heading a result row labels the row

@pytest.mark.parametrize(("sentence", "cause"), [
    ("weighted loss has not been effective - magnified gradients interacting badly with LoRA", {"lora"}),
    # near misses: no verdict before the dash, or the concept judged named before it
    ("tried mixup - and cutmix, both hurt", set()),
    ("LoRA did not help because the rank was too small", set()),
    ("dropout hurt - as expected", set()),
    ("mixup - 0.81, cutmix - 0.83", set()),
    ("switched to AdamW since SGD diverged", set()),
    ("label smoothing - 0.1 - helped", set()),
    ("focal loss helped", set()),
])
def test_what_only_an_explanation_names(sentence: str, cause: set[str]) -> None:
    assert set(explained_only(sentence)) == cause


@pytest.mark.parametrize(("sentence", "off"), [
    ("No pretrain: epoch 48:, loss: 0.901, dev: 59.266, test: 59.986", set()),
    ("no pretraining this time", {"pretraining"}),
    ("Mixup: off", {"mixup"}),
])
def test_an_absence_heading_a_result_row_labels_it(sentence: str, off: set[str]) -> None:
    assert set(switched_off_in(sentence)) == off


# ---- 3. a count-led phrase is a setting; the section's "Training X" heading names the line

RNN_RUNS = [make_run("r1", name="rnn-768-bce", params={"model": "rnn", "hidden": "768", "lr": "0.005"},
                     metrics={"val_acc": 0.60}),
            make_run("r2", name="svm-baseline", params={"model": "svm"}, metrics={"val_acc": 0.89})]
RNN_SENTENCE = ("Training with 768 hidden layers, BCELoss(), LR=0.005, epochs=5, results in the loss functions going "
                "down, but accuracy staying about the same. Getting accuracy scores hovering around 60%.")


def test_a_verdict_on_a_settings_list_judges_the_heading_s_model() -> None:
    status = _status([f"#### Training RNN\n- {RNN_SENTENCE}"], RNN_RUNS)
    assert status.get("RNN") == "exhausted", status
    assert "hidden layers" not in status  # the old rules closed "hidden layers", a setting's value


@pytest.mark.parametrize("heading", ["#### Notes", "#### Results", "## 4-21 Hilly", ""])
def test_a_settings_list_under_another_heading_closes_nothing(heading: str) -> None:
    status = _status([f"{heading}\n- {RNN_SENTENCE}".strip()], RNN_RUNS)
    assert not any(s in CLOSED for s in status.values()), status


def test_a_verdict_naming_its_own_line_keeps_it_under_a_training_heading() -> None:
    status = _status(["#### Training RNN\n- the SVM baseline was much better, 89%"], RNN_RUNS)
    assert status.get("RNN") != "exhausted", status
    assert status.get("SVM") not in CLOSED, status


@pytest.mark.parametrize(("text", "phrase", "valued"), [
    ("Training with 768 hidden layers, BCELoss()", "hidden layers", True),
    ("with 3 layers it overfits", "layers", True),
    ("64 filters per block: no change", "filters block", True),
    # near misses: no count right before the phrase
    ("tenure buckets on top of full_v2: nothing", "tenure buckets", False),
    ("hidden layers did not help", "hidden layers", False),
    ("double layers: trains too slow", "double layers", False),
    ("resnet50 backbone: worse", "resnet50 backbone", False),
    ("v2 layers: worse", "layers", False),
    ("focal loss 2.0: worse", "focal loss", False),
])
def test_a_phrase_led_by_a_count_is_a_setting(text: str, phrase: str, valued: bool) -> None:
    assert valued_phrase(text, phrase) is valued


@pytest.mark.parametrize(("raw", "name"), [
    ("#### Training RNN\n- it stayed at 60%", "RNN"),
    ("## Trying focal loss\n- it stayed at 60%", "focal loss"),
    # near misses: the nearest heading is of another kind, or there is none
    ("#### Training RNN\n- it went to 50%\n#### Results\n- it stayed at 60%", ""),
    ("#### Stuff that needs to be done on classifier:\n- it stayed at 60%", ""),
    ("- it stayed at 60%", ""),
    ("## Training data\n- it stayed at 60%", "data"),  # named, but "data" forms no line (below)
])
def test_the_name_a_training_heading_gives(raw: str, name: str) -> None:
    assert doing_heading(raw, "it stayed at 60%") == name


def test_a_heading_on_data_forms_no_line() -> None:
    status = _status([f"## Training data\n- {RNN_SENTENCE}"], RNN_RUNS)
    assert not any(s in CLOSED for s in status.values()), status


def test_head_phrase_unchanged() -> None:
    assert head_phrase("Training with 768 hidden layers, BCELoss()") == "hidden layers"


# ---- 4. a model named "... regression" is no regression

@pytest.mark.parametrize(("sentence", "negative"), [
    ("The accuracy on Ubuntu dataset is Random Forest > SVC > Logistic Regression > LinearSVC", False),
    ("we tried logistic regression as a baseline", False),
    ("linear regression gives 0.8", False),
    ("ridge regression and lasso regression both fit in a second", False),
    # near misses: a result that regressed stays one
    ("a regression in accuracy after the change", True),
    ("there was a regression on dev", True),
    ("logistic regression regressed badly after the feature change", True),
    ("the linear probe regressed", True),
    ("f1 regressed by 2 points", True),
    ("big regression after the merge", True),
])
def test_a_model_named_regression_is_no_regression(sentence: str, negative: bool) -> None:
    assert vocab.cue_flags(sentence)[0] is negative


PAPER = ("- Checked the HurtBERT paper. The accuracy on Ubuntu dataset is Random Forest > SVC > Logistic Regression > "
         "LinearSVC > MultinomialNB")


def test_a_paper_s_ranking_closes_no_model_of_the_team() -> None:
    runs = [make_run("r1", name="svm-baseline", params={"model": "svm"}, metrics={"val_acc": 0.89}),
            make_run("r2", name="rf-probe", params={"model": "random_forest"}, metrics={"val_acc": 0.71})]
    status = _status([PAPER], runs)
    assert not any(s in CLOSED for s in status.values()), status
    # read as no verdict, the ranking must not turn into an idea to run either
    assert not any("Ubuntu" in s for s in _steps([PAPER], runs))


@pytest.mark.parametrize(("text", "result"), [
    ("The accuracy on Ubuntu dataset is Random Forest > SVC > Logistic Regression > LinearSVC", True),
    ("val f1 was 0.81 with mixup", True),
    ("the WER is 6.79% without specaug", True),
    ("The F1 on their test set is Random Forest > SVC > LinearSVC", True),  # a test set is no plan to test
    # near misses: ideas that mention a measure
    ("maybe accuracy is higher with 2 layers", False),
    ("try mixup, the accuracy is 0.8 without it", False),
    ("focal loss should help since the loss is dominated by easy negatives", False),
    ("accuracy is the metric we report", False),
    ("Ensemble classifier that learns weights of fine-tuned BERT & feature vector", False),
    ("if the loss is 0.3 or lower, we will ship it", False),
    ("test whether recall is above 0.9 with class weights", False),
])
def test_a_stated_result_is_no_idea(text: str, result: bool) -> None:
    assert stated_result(text) is result


# ---- 5. next: setup lines and ticked items are no steps

VOC_RUNS = [make_run("r1", name="fpn-adamw", params={"neck": "fpn", "optimizer": "adamw"}, metrics={"val_map": 25.8}),
            make_run("r2", name="fpn-dcnv2", params={"neck": "fpn_dcnv2", "optimizer": "adamw"},
                     metrics={"val_map": 37.5})]


def test_a_setup_list_line_is_no_idea() -> None:
    steps = _steps(["### Experiment 1\n\n- Dataset: Pascal VOC 2012, random 80-20 split from `trainval` set\n"
                    "- Batch size: 128\n\nNeck | Optimizer | mAP\n-----|-----|-----\nFPN | AdamW | 25.8\n"
                    "FPN with DCNv2 | AdamW | 37.5"], VOC_RUNS)
    assert not any("80-20" in s for s in steps), steps


@pytest.mark.parametrize("line", [
    "- Idea: try a random 80-20 split instead of k-fold",
    "- Next: try a random 80-20 split instead of k-fold",
    "- maybe try a random 80-20 split instead of k-fold",
])
def test_an_idea_under_its_own_label_stays_one(line: str) -> None:
    steps = _steps([f"### Experiment 1\n\n- Batch size: 128\n{line}\n\nFPN | AdamW | 25.8"], VOC_RUNS)
    assert any("80-20" in s for s in steps), steps


LORA_RUNS = [make_run("r1", name="lora-r8", params={"lora_rank": "8"}, metrics={"val_f1": 0.50}),
             make_run("r2", name="lora-r32", params={"lora_rank": "32"}, metrics={"val_f1": 0.55})]
CV_ITEM = "CV for each LoRA rank 32 with different handling of class imbalance"


def test_an_item_ticked_later_is_no_idea() -> None:
    steps = _steps([f"## TODO\n- [ ] {CV_ITEM}\n- [ ] Train with back-translated augmentations",
                    f"## TODO\n- [x] {CV_ITEM}\n- [ ] Train with back-translated augmentations"], LORA_RUNS)
    assert not any("CV for each" in s for s in steps), steps
    assert any("back-translated" in s for s in steps), steps  # still unticked: still to do


def test_an_item_ticked_before_and_listed_again_stays() -> None:
    steps = _steps([f"## TODO\n- [x] {CV_ITEM}", f"## TODO\n- [ ] {CV_ITEM}"], LORA_RUNS)
    assert any("CV for each" in s for s in steps), steps


def test_an_item_ticked_in_another_wording_stays() -> None:
    steps = _steps([f"## TODO\n- [ ] {CV_ITEM}", "## TODO\n- [x] CV for LoRA rank 8"], LORA_RUNS)
    assert any("CV for each" in s for s in steps), steps


def test_a_next_step_is_never_adopted() -> None:
    status = _status(["- FPN with DCNv2 is much better, +11.7 mAP", "- next: try Bi-FPN with DCNv2, and maybe SGD"],
                     VOC_RUNS)
    assert status.get("SGD") not in ("adopted", *CLOSED), status


def test_a_note_heading_forms_no_line() -> None:
    status = _status(["## Note\n- FPN with DCNv2 is much better, +11.7 mAP", "### Notes:\n- note: SGD runs pending"],
                     VOC_RUNS)
    assert not any("note" in n.lower() for n in status), status


# ---- walkthrough: a student team's sarcasm-detection notebook, read with `coco phase` and `coco next`

def test_walkthrough_a_course_team_s_notebook() -> None:
    from narrative import synthesis
    from storage.records import ProjectRecord
    from tests.narrative.walkthrough_util import T0 as W0
    from tests.narrative.walkthrough_util import history, run

    project = ProjectRecord(id="p", workspace_id="w", name="sarcasm", primary_metric="val_f1", goal="max",
                            experiment_ids=["1"])
    runs = [
        run("a", "gru-512-bce", 2, {"model": "gru", "hidden": "512", "lr": "0.01", "epochs": "4"}, "val_f1", 0.58,
            user="ana"),
        run("b", "svm-tfidf", 26, {"model": "svm", "features": "tfidf"}, "val_f1", 0.81, user="ana"),
        run("c", "mlp-sklearn", 27, {"model": "mlp", "hidden_size": "64"}, "val_f1", 0.83, user="ana"),
        run("d", "amber-lynx-3", 74, {"lr": "2e-05", "batch_size": "16", "dropout_head": "0.3", "epochs": "3",
                                      "transformer": "distilroberta-base"}, "val_f1", 0.88, user="ana"),
        run("e", "brisk-owl-9", 98, {"lr": "2e-05", "batch_size": "16", "dropout_head": "0.3", "epochs": "3",
                                     "transformer": "distilroberta-base", "features": "lexicon"}, "val_f1", 0.90,
            user="ana"),
    ]
    notes = [
        (4, "ana", "#### Training GRU\n- Training with 512 hidden units, BCELoss, LR=0.01, epochs=4: the loss goes "
                   "down but f1 stays flat around 0.58."),
        (28, "ana", "### 11-03\n- Current results:\n  - SVM (tfidf): 0.81\n  - MLP (sklearn): 0.83\n"
                    "- To do:\n  - [ ] Add a sarcasm lexicon feature\n  - [ ] Try a transformer encoder"),
        (30, "ben", "### 11-03 Ben\n- Read the iSarcasm paper. The F1 on their test set is Random Forest > SVC > "
                    "Logistic Regression > LinearSVC.\n- Maybe try emoji counts as features"),
        (76, "ana", "## 11-05 transformer runs (dev)\n- Dataset: iSarcasm train, random 90-10 split\n"
                    "- **Config**: {'lr': 2e-05, 'batch_size': 16, 'dropout_head': 0.3, 'epochs': 3}\n"
                    "- f1: 0.88 (amber-lynx-3)\n- To do:\n  - [x] Try a transformer encoder\n"
                    "  - [ ] Add a sarcasm lexicon feature"),
        (100, "ana", "## 11-06 lexicon feature\n- **Config**: {'lr': 2e-05, 'batch_size': 16, 'dropout_head': 0.3, "
                     "'epochs': 3}\n- f1: 0.90 with the lexicon feature (brisk-owl-9), best so far\n- To do:\n"
                     "  - [x] Add a sarcasm lexicon feature\n  - [ ] Try emoji counts"),
    ]
    h = history(project, runs, notes, t0=W0)
    ph = synthesis.phase(h)
    status = {a.name: a.status for a in ph.approaches}
    assert ph.best is not None and ph.best.run_name == "brisk-owl-9"
    assert status.get("GRU") == "exhausted", status  # flat at 0.58 under "#### Training GRU"
    assert not any("hidden" in n.lower() for n in status), status  # "512 hidden units" is a setting
    assert not any("dropout" in n.lower() for n in status), status  # only in pasted configs
    assert status.get("SVM") not in CLOSED and status.get("random forest") not in CLOSED, status  # a paper's ranking
    steps = " | ".join(ph.next_steps)
    assert "90-10" not in steps and "Random Forest >" not in steps, steps  # a setup line, a paper's result
    assert "Try a transformer encoder" not in steps, steps  # ticked off later
    plan = synthesis.next_plan(h)
    titles = " | ".join(e.title for e in plan.experiments)
    assert "90-10" not in titles and "Random Forest >" not in titles, titles
