"""``coco phase`` on real practitioners' notes (phase synthesis): the best run, the closed lines of work and the
open ones, read from text nobody on the team wrote.

The scenarios in ``data/real_phase/`` are split by source (each file's ``split``): ``tune`` was read while the
rules were written, ``held`` was labelled before. Besides the scorer's three phase checks, ``must_not_close``
names lines of work the notes keep going (a wrongly closed approach is a false statement in the report).
The unit tests below pin the classes of language the rules read: stated replacements, false friends, stamps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from narrative import synthesis, vocab
from narrative.approach_names import _STAMP
from narrative.approaches import _is_table_row
from narrative.history_index import HistoryIndexCache
from narrative.replacements import absent_in, replacement_in, replacement_lost, switched_off_in
from tests.narrative.synthesis_dev import CLOSED, OPEN, build_history, has_any

DATA = Path(__file__).parent / "data" / "real_phase"
FILES = sorted(DATA.glob("*.json"))
# Still wrong (each a class of its own):
KNOWN_MISSES = {
    # the open line is a colour-space choice ("loss: sRGB transfer") the concept table has no row for, and a
    # "key: value" settings list gives no phrase head either: no approach is formed for it
    ("srn-deblur-mixup-transfer-notes", "open"),
    # held, h/phase3 (described from the text, not from the output): a line closed only by its numbers, the metric
    # going down after the change with no verdict word (VGG augmentation tries in pasted logs; "Bert + LSTM +
    # augmentation" below "Bert + LSTM" in a score board whose only words are "reason: many unrelated output")
    ("fashion-mnist-vgg-resnet", "closed"),
    ("slu-score-board", "closed"),
    # tune, h/phase4: the line closed by its numbers is L1 regularization ("wd=0.00001_L1 | 0.453"), which the
    # concept table has no row for ("L2" there reads as the squared-error objective): no approach to close
    ("caffenet-regularization-table", "closed"),
    # tune, h/phase14 (the old rules missed these too): three runs tie at the best accuracy (80.95%) and the label
    # is the one the team exported; a comparison of two amounts of one setting ("more unfreezed layers (3) did not
    # consistently outperform ... fewer") closes the setting
    ("mvit-action-recognition-reports", "best"),
    ("mvit-action-recognition-reports", "not_wrongly_closed"),
    # tune, h/phase14: "produced the same accuracy as the baseline" closes pitch shifting, while the table's
    # Decision column says "Defer" (a results table's decision column is not read; "Defer" is no open cue)
    ("echo-audio-augmentation-benchmark", "not_wrongly_closed"),
    # tune, seen when this test began judging approaches by their names only, as the official scorer does: the line
    # closed is named "dropout" by the concept table, while the notes call it "input dropout" (its reason says so)
    ("caffenet-augmentation-table", "closed"),
    # held, h/phase15 (described from the text, counted only): the class-balanced sampler is left for a donor-aware
    # one after its first epoch dipped; the notes say so only as an option taken ("consider ... switching to
    # `balance_strategy: class_donor`", then a run with it) and later by "avoided the dramatic collapse seen in run4"
    ("geneformer-colon-training-history", "closed"),
    # tune, h/phase16 (the old rules missed these too): verdicts only in a results table's comment column ("deeper
    # conv layer didn't improve", "pocket with CE loss is not good", "larger kernel_size seems to work better") are
    # read as the row's conclusion, with no concept row for a stacked conv, the pocket trick or the kernel size
    ("adl-conv-head-results-table", "closed"),
    ("adl-conv-head-results-table", "open"),
    # tune, h/phase16: "37.83% vs. 34.86% with He" and "Remove gain/bias" close no line (no concept row for an
    # initialisation's gain). (Mixed precision, kept by every later run after a lower figure, is no longer closed:
    # h/phase17, ``approach_kept``.)
    ("gat-node-recommender-numbered-log", "closed"),
    # tune, h/phase18 (the old rules missed these too): two runs tie at the best accuracy (0.903580) and the label
    # takes the one the notes list first; "memory error at 2nd" (a run that never finished) closes no line
    ("vehicle-recognition-experiment-comments", "best"),
    ("vehicle-recognition-experiment-comments", "closed"),
    # tune, h/phase18: a glossary line of a to-add list ("mstd0.5 -> use 0.5 std dev for random noise") reads as a
    # verdict ("noise" as in "within the noise"), which closes data augmentation
    ("vision-pretraining-todo-notes", "not_wrongly_closed"),
    # held, h/phase18 (counted only: the failing check's name was read, no text or output): a line the pages keep
    # (label smoothing, dropout at .25 or the 85% hard negatives) is closed
    ("radr-parameter-effects-pages", "not_wrongly_closed"),
}


def _phase_checks(path: Path) -> dict[str, bool]:
    hist, key_of, _entry_runs, sc = build_history(path, False)
    ph = synthesis.phase(hist, indexes=HistoryIndexCache())
    want: dict[str, Any] = sc.data["expect"]["phase"]
    # judged by the approach's name, as the official scorer does: a reason that mentions another line is no match
    closed = [a.name for a in ph.approaches if a.status in CLOSED]
    closed_names = [a.name.lower() for a in ph.approaches if a.status in CLOSED]
    opened = [a.name for a in ph.approaches if a.status in OPEN] + ph.next_steps
    best = key_of.get(ph.best.run_id) if ph.best else None
    return {
        "best": best == want["best_run"],
        # an empty list: the notes close no line, so no approach may be closed (saying less is right there)
        "closed": has_any(closed, want["exhausted_any"]) if want["exhausted_any"] else not closed_names,
        # an empty list: the notes name no line still open (an issue thread that ends on a verdict)
        "open": has_any(opened, want["open_any"]) if want["open_any"] else True,
        "not_wrongly_closed": not any(n in name for n in want.get("must_not_close", []) for name in closed_names),
    }


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_real_phase(path: Path) -> None:
    got = _phase_checks(path)
    wrong = {k for k, ok in got.items() if not ok and (path.stem, k) not in KNOWN_MISSES}
    assert not wrong, got


def test_real_phase_split_by_source() -> None:
    splits = {json.loads(p.read_text())["split"] for p in FILES}
    assert splits == {"tune", "held"}


@pytest.mark.parametrize(("sentence", "old", "new"), [
    ("switched from Adam to SGD with Nesterov momentum", {"adam"}, {"sgd"}),
    ("we moved from xgboost to lightgbm because it is faster", {"xgboost"}, {"lightgbm"}),
    ("replaced the LSTM with a transformer encoder, val loss dropped", {"lstm"}, {"transformer_text"}),
    ("swapped random forest for catboost", {"random_forest"}, {"catboost"}),
    ("Implemented simple undersampling instead of aggressive augmentation", {"augmentation"}, {"undersampling"}),
    # the new side names something the table does not know: the old one is still replaced
    ("Reverted to standard cross-entropy loss instead of focal loss", {"focal"}, set()),
    # a variant of the old on the new side replaces it all the same
    ("replace L2 regularizer + Adam with AdamW", {"adam"}, {"adamw"}),
    ("optimizer: Adam => SGD", {"adam"}, {"sgd"}),
])
def test_a_stated_replacement_names_the_old_and_the_new(sentence: str, old: set[str], new: set[str]) -> None:
    rep = replacement_in(sentence)
    assert rep is not None
    assert set(rep.old) == old and set(rep.new) == new


@pytest.mark.parametrize("sentence", [
    "changed lr from 1e-3 to 3e-4",  # a setting tuned in place
    "switched from lr 1e-3 to 3e-4",  # the new side is a value
    "the score went from 0.8 to 0.9",  # a metric's move
    "look at val loss instead of accuracy",  # no approach on either side
    "val size: 256 => 64",  # an arrow between values
    "quantile obj p50 on raw target -> mae 1587",  # in prose an arrow points at an outcome
    "switched from resnet18 to resnet50",  # the same family on both sides
])
def test_what_is_no_replacement(sentence: str) -> None:
    assert replacement_in(sentence) is None


def test_false_friends_are_not_approaches() -> None:
    assert "naive_bayes" not in vocab.concepts_in_once("NB: the val set is tiny")
    assert "naive_bayes" in vocab.concepts_in_once("tried NB and SVM")
    assert "ensemble" not in vocab.concepts_in_once("stacking more conv layers did not help")
    assert "ensemble" in vocab.concepts_in_once("stacking lgbm and xgb helped")


def test_version_and_date_stamps_are_no_evidence() -> None:
    assert all(_STAMP.match(t) for t in ("v2021", "0312", "20230415"))
    assert not any(_STAMP.match(t) for t in ("v2", "resnet50", "gpt2"))


@pytest.mark.parametrize(("sentence", "off"), [
    ("Mixup: off", {"mixup"}),
    ("dataset: no Mixup (epoch=4)", {"mixup"}),
    ("use_ema = false", {"ema"}),
    ("Mixup: on - linear on inputs", set()),
    ("no improvement from mixup", set()),  # "no" governs "improvement", not the technique
])
def test_a_setting_switched_off(sentence: str, off: set[str]) -> None:
    assert set(switched_off_in(sentence)) == off


def test_a_flag_switched_on_in_the_params_names_its_technique() -> None:
    assert "mixup" in vocab.param_value_concepts("mixup", "on")
    assert not vocab.param_value_concepts("mixup", "off")


def test_what_a_setup_lacks_is_neither_adopted_nor_dropped() -> None:
    assert absent_in("It is the same as generous-aardvark but just has no label-smoothing.") == {"label_smoothing"}
    assert absent_in("trained without dropout this time") == {"dropout"}
    assert not absent_in("no improvement from mixup")


def test_a_table_row_is_no_verdict() -> None:
    assert _is_table_row("| TM | Worse | Better | Best |")
    assert _is_table_row("TM | Worse | Better | Best")
    assert not _is_table_row("dropout | 0.1 helped")


def test_a_replacement_told_as_what_was_found_instead() -> None:
    rep = replacement_in("ResNet ==> Found U-Net instead and took inspiration from it")
    assert rep is not None and set(rep.old) == {"resnet"} and set(rep.new) == {"unet"}
    assert replacement_in("ResNet ==> found it instead of the bug") is None  # "instead of": no slot of a new thing


@pytest.mark.parametrize(("line", "lost"), [
    ("Try with SGD instead of Adam ==> Adam seems better", {"sgd"}),
    ("switched from Adam to SGD -> Adam is still best", {"sgd"}),
    ("Try with SGD instead of Adam ==> SGD seems better", None),  # the new one won
    ("Try with SGD instead of Adam ==> seems better", None),  # no winner named
])
def test_a_replacement_that_lost_to_the_old_one(line: str, lost: set[str] | None) -> None:
    rep = replacement_lost(line)
    assert (set(rep.new) if rep else None) == lost
