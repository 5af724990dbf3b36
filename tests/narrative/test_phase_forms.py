"""Forms of language read for ``coco phase`` (h/phase9): how a step is carried out is no closing, a verdict told
as it goes on is one. Sentences written for the tests, several wordings each, with the everyday sentences that
share their trigger words."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import reading, vocab
from narrative.approaches import derive
from narrative.entry_decisions import decisions_in
from narrative.replacements import switched_off_in
from tests.narrative.conftest import make_run
from tests.narrative.test_phase_lists import daily_history


@pytest.mark.parametrize(("sentence", "closes"), [
    # the passive of doing, told with its manner: how a step is carried out
    ("Rotation is done like this:", False),
    ("Normalization is done per speaker.", False),
    ("Augmentation is done on the fly in the dataloader", False),
    ("Tokenization was done with BPE", False),
    ("The split is done by patient id", False),
    ("This is done once per epoch", False),
    ("the grid search was done on 4 GPUs", False),
    # finished with a line of work: still closes
    ("I am done with dropout, it never helped", True),
    ("We are done with mixup.", True),
    ("done with mixup", True),
    ("focal loss is done.", True),
    ("Hyperparameter tuning is done for now", True),
])
def test_how_a_step_is_done_is_no_closing(sentence: str, closes: bool) -> None:
    negative, closing, _adopt, _open = vocab.cue_flags(sentence)
    assert closing is closes and negative is closes
    if not closes:
        assert not decisions_in(sentence, [], [])


@pytest.mark.parametrize(("sentence", "verdict"), [
    ("augmentations are helping", "worked"),
    ("mixup is really helping a lot", "worked"),
    ("cutmix was helping early on", "worked"),
    ("the warmup is also helping.", "worked"),
    ("dropout isn't helping", "did_not_work"),
    ("mixup is not really helping", "did_not_work"),
    ("label smoothing is hurting", "did_not_work"),
    # a person helping is no verdict
    ("he is helping me debug the loader", None),
    ("she was helping with the labels", None),
    ("thanks for helping", None),
])
def test_a_verdict_told_as_it_goes_on(sentence: str, verdict: str | None) -> None:
    assert reading.verdict_of(sentence) == verdict


def _names(texts: list[str], runs: list) -> dict[str, str]:
    idx = daily_history(texts, runs, author="mei", start=dt.datetime(2024, 3, 4, 18, tzinfo=dt.UTC))
    return {a.key: a.name for a in derive(idx)}


@pytest.mark.parametrize(("said", "key", "name"), [
    # a name of its own for a kin the table folds in is what the team calls it
    ("SWA", "ema", "swa (EMA weights)"),
    ("musan", "noise_augment", "musan (noise augmentation)"),
    # an abbreviation of the table's name keeps the table's name
    ("TTA", "tta", "test-time augmentation"),
    ("EMA", "ema", "EMA weights"),
])
def test_a_line_named_by_the_team_s_own_word(said: str, key: str, name: str) -> None:
    runs = [make_run("r1", name="base", params={"lr": "0.001"}, metrics={"val_acc": 0.80}),
            make_run("r2", name="trial", params={"lr": "0.001", key: "true"}, metrics={"val_acc": 0.79})]
    names = _names([f"- {said} on top of the base run: no gain, dropping it.", f"- {said} again, still worse."], runs)
    assert names.get(key) == name


@pytest.mark.parametrize(("sentence", "verdict"), [
    # a trouble put off is a gain
    ("Overfitting occurs much later with augmentations.", "worked"),
    ("overfitting starts later with dropout", "worked"),
    ("divergence sets in later with the lower lr", "worked"),
    # a trouble that comes, or comes earlier, is none; "later" as a time to come is no remedy
    ("overfitting occurs much earlier with the bigger model", "did_not_work"),
    ("Overfitting occurs after epoch 7", "did_not_work"),
    ("overfitting, will check later", "did_not_work"),
])
def test_a_trouble_put_off(sentence: str, verdict: str) -> None:
    assert reading.verdict_of(sentence) == verdict


def _aug_runs() -> list:
    return [make_run("r1", name="base", params={"aug": "none"}, metrics={"val_acc": 0.80}),
            make_run("r2", name="base-aug", params={"aug": "flip_rotate"}, metrics={"val_acc": 0.84})]


def _statuses(texts: list[str]) -> dict[str, str]:
    idx = daily_history(texts, _aug_runs(), author="mei", start=dt.datetime(2024, 3, 4, 18, tzinfo=dt.UTC))
    return {a.key: a.status for a in derive(idx)}


def test_augmentation_told_as_a_whole_is_a_line_of_work() -> None:
    # "augmentations" with no kind named is the line the notes judge: it is neither closed nor invisible
    status = _statuses(["- base-aug (vs base): augmentations are helping. Overfitting occurs much later.",
                        "- augmentations are helping again on the rerun"])
    assert status.get("augmentation") in ("open", "adopted")


def test_a_kind_of_augmentation_is_its_own_line() -> None:
    # a kind named keeps its own line: the family is not closed by the kind's failure
    status = _statuses(["- mixup augmentation on top of base: worse, dropping it",
                        "- mixup again with alpha 0.2: still worse"])
    assert status.get("mixup") in ("exhausted", "abandoned")
    assert status.get("augmentation") not in ("exhausted", "abandoned")


@pytest.mark.parametrize(("sentence", "off"), [
    # what evaluation leaves out is how a model is scored
    ("no dropout on the validation set, obviously", set()),
    ("no augmentation at test time", set()),
    ("without dropout during eval", set()),
    # a switch in training still is one
    ("no mixup, val acc 0.8", {"mixup"}),
    ("no dropout in the decoder", {"dropout"}),
    ("dataset: no Mixup (epoch=4)", {"mixup"}),
])
def test_what_evaluation_leaves_out_is_no_switch(sentence: str, off: set[str]) -> None:
    assert set(switched_off_in(sentence)) == off


@pytest.mark.parametrize(("text", "closed"), [
    # a run compared with the run it extends: the line judged is what its name adds
    ("- base-plus-tokenmix (vs base): results are similar to the base, a bit worse.", "tokenmix"),
    ("- base_tokenmix vs base: worse", "tokenmix"),
    # no comparison, or a comparison with another run: the run's name is no line of work
    ("- base-plus-tokenmix: a bit worse.", None),
    ("- base-plus-tokenmix (vs v0): a bit worse.", None),
])
def test_a_run_compared_with_the_one_it_extends(text: str, closed: str | None) -> None:
    runs = [make_run("r1", name="base", params={"tokenmix": "false"}, metrics={"val_acc": 0.80}),
            make_run("r2", name="base-plus-tokenmix", params={"tokenmix": "true"}, metrics={"val_acc": 0.79}),
            make_run("r3", name="base_tokenmix", params={"tokenmix": "true"}, metrics={"val_acc": 0.78})]
    idx = daily_history([text], runs, author="mei", start=dt.datetime(2024, 3, 4, 18, tzinfo=dt.UTC))
    names = {a.name for a in derive(idx) if a.status in ("exhausted", "abandoned")}
    assert names == ({closed} if closed else set())


def _log_lines(text: str) -> dict[str, str]:
    runs = [make_run("r1", name="base", params={"aug": "none", "label_smoothing": "0.0"}, metrics={"val_acc": 0.80}),
            make_run("r2", name="exp1", params={"aug": "none", "label_smoothing": "0.1"}, metrics={"val_acc": 0.79}),
            make_run("r3", name="exp2", params={"aug": "mixup", "label_smoothing": "0.0"}, metrics={"val_acc": 0.70})]
    idx = daily_history([text], runs, author="mei", start=dt.datetime(2024, 3, 4, 18, tzinfo=dt.UTC))
    return {a.name: a.status for a in derive(idx)}


def test_a_verdict_without_subject_judges_its_numbered_heading() -> None:
    status = _log_lines("Experiment 1: label smoothing 0.1\nResult: worse than baseline, dropping it\n\n"
                        "Experiment 2: Mixup=0.4\nDNF: loss exploded at step 2k\n\n"
                        "Experiment 3: baseline again\nGood: 0.80 after 3 epochs")
    assert status.get("label smoothing") in ("exhausted", "abandoned")
    assert status.get("mixup") in ("exhausted", "abandoned")


@pytest.mark.parametrize("text", [
    # a verdict that names its own subject is about that subject, not the heading's
    "Experiment 2: Mixup=0.4\nPrevious version slightly outperforms the new version",
    # a heading that is no numbered experiment names nothing
    "## Mixup\nDNF: loss exploded at step 2k",
    # a verdict before any heading
    "DNF: loss exploded at step 2k\n\nExperiment 2: Mixup=0.4",
])
def test_what_a_heading_does_not_name(text: str) -> None:
    assert "mixup" not in {n for n, s in _log_lines(text).items() if s in ("exhausted", "abandoned")}


@pytest.mark.parametrize(("sentence", "verdict"), [
    ("DNF: same as exp 1", "did_not_work"),  # did not finish
    ("run 3 DNF (preempted)", "did_not_work"),
])
def test_did_not_finish(sentence: str, verdict: str) -> None:
    assert reading.verdict_of(sentence) == verdict
