"""``coco phase`` says less (issue 8, round h/phase14): a line of work is named once, not once per direction or
value of its sweep, and the outcome a sentence measures is no part of the line's name.

Classes (each a reading of English, not of one log's phrases):
1. the direction a setting moved in ("larger seq size", "Larger batch sizes") and the verb that moved it ("decrease
   entropy beta", "played around with batch sizes", "learning rate adjustments") name a value of a sweep, not a line
   of its own: the name keeps the setting ("seq size"), so the values tried are one line. The positive forms
   ("large", "more", "longer") were dropped already; the comparatives "larger", "smaller", "bigger" were not.
   A word English uses for a kind or a shape keeps its place ("Double DQN", "double layers", "reduced precision",
   "deeper network", "lower layers").
2. a measure followed by its value ("gain the mAP=0.8101", "After 2 epochs loss = 5.95") is the outcome; "loss",
   "error" and "score" also end techniques' names ("dice loss: 0.31"), so they are an outcome only after a time or
   a verb of getting.
   An infinitive of purpose ("reducing lr slightly to prevent this") ends the name like a verb of outcome does.
3. a one-word name that is the head of exactly one other line's name is that line told short.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from narrative.approach_names import _PLURAL, _VALUE_NEXT, _phrase_key, head_phrase, merge_short_forms
from narrative.approaches import Approach, derive
from narrative.history_index import HistoryIndex
from narrative.types import ProjectHistory
from storage.records import Conclusion, EntryRecord, EntryStructure, LinkedRun, ProjectRecord, RunSnapshot

T0 = dt.datetime(2023, 5, 2, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("sentence", "key"), [
    ("Larger seq size didn't seem to improve anything", "seq size"),
    ("Larger batch sizes run faster (to a point): smaller batches run slower", "batch size"),
    ("I first played around with batch sizes, despite that being something to do later", "batch size"),
    ("Try to decrease entropy beta to 0.01 -> dynamic is almost the same", "entropy beta"),
    ("Learning rate adjustments (Experiments 20 and 21) did not result in better accuracy", "learning rate"),
    ("Increasing seq frequency doesn't change performance much", "seq frequency"),
    ("no_base_transformer_reduced_lr: same as no_base_transformer, still diverges", "base transformer"),
    ("we tweaked the warmup steps, no change", "warmup step"),
    ("Bigger crop size did not help", "crop size"),
])
def test_a_setting_moved_one_way_is_the_settings_line(sentence: str, key: str) -> None:
    assert _phrase_key(head_phrase(sentence)) == key


@pytest.mark.parametrize(("sentence", "name"), [
    # a verb before its object is no part of the name; a direction is, as long as the notes tell it one way only
    ("I first played around with batch sizes, despite that being something to do later", "batch sizes"),
    ("we tweaked the warmup steps, no change", "warmup steps"),
    ("I tried to double the epochs and gain the mAP=0.8101, it was even worse", "epochs"),
    ("Larger sigma: Has little effect on val scores or val loss", "larger sigma"),
])
def test_a_verb_goes_a_direction_stays_in_the_spoken_name(sentence: str, name: str) -> None:
    assert head_phrase(sentence) == name


@pytest.mark.parametrize(("sentence", "name"), [
    # must not fire: words of a kind or a shape, a past participle that names a variant, a noun that merely
    # starts like a verb of change
    ("Double DQN did not help", "double dqn"),
    ("double layers did not help", "double layers"),
    ("reduced precision training was unstable", "reduced precision"),
    ("increased capacity hurt", "increased capacity"),
    ("deeper network overfit", "deeper network"),
    ("wider embeddings hurt", "wider embeddings"),
    ("lower layers frozen: worse", "layers frozen"),
    ("tweaked resnet was worse", "tweaked resnet"),
    ("experimental features hurt", "experimental"),  # ("features" is a generic word already)
    ("variable length batching hurt", "variable length batching"),
    ("player embeddings did not help", "player embeddings"),
    ("weighted sampler: worse", "weighted sampler"),
    ("fine tuning hurt", "fine tuning"),
])
def test_words_of_a_kind_or_a_shape_keep_their_place(sentence: str, name: str) -> None:
    assert head_phrase(sentence) == name
    assert _phrase_key(name) == " ".join(_PLURAL.sub("", w) for w in name.split())


@pytest.mark.parametrize(("sentence", "name"), [
    ("I tried to double the epochs and gain the mAP=0.8101, it was even worse", "epochs"),
    ("After 2 epochs loss = 5.95. Too much", "epochs"),
    ("cosine schedule and got the loss = 0.31", "cosine schedule"),
    ("ema weights top1: 0.71", "ema weights"),
])
def test_a_measure_with_its_value_is_no_part_of_the_name(sentence: str, name: str) -> None:
    assert head_phrase(sentence) == name


@pytest.mark.parametrize(("sentence", "name"), [
    # must not fire: a technique named with a measure word, a value of a setting, a measure with no value after it
    ("dice loss: 0.31 worse", "dice loss"),
    ("focal loss: 0.25 then worse", "focal loss"),
    ("hinge loss = 0.4, no better", "hinge loss"),
    ("tversky loss: 0.8 worse", "tversky loss"),
    ("label smoothing 0.1: acc 0.88", "label smoothing"),
    ("random erasing: 0.91 acc", "random erasing"),
    ("f1 score: 0.80 flat", "f1"),  # ("score" is a generic word already)
    ("contrastive loss: worse", "contrastive loss"),
    ("reconstruction error: 0.2 higher", "reconstruction error"),
])
def test_a_technique_named_with_a_measure_word_keeps_it(sentence: str, name: str) -> None:
    assert head_phrase(sentence) == name


def _history(notes: list[str], params: dict[str, str]) -> ProjectHistory:
    runs, entries = {}, []
    for n, note in enumerate(notes):
        run = RunSnapshot(project_id="p", run_id=f"{n:032x}", run_name=f"r{n}", user="ana", status="FINISHED",
                          start=T0 + dt.timedelta(days=n), end=T0 + dt.timedelta(days=n, hours=2), params=params,
                          metrics={"val_acc": 0.6 - n / 100})
        runs[run.run_id] = run
        entries.append(EntryRecord(
            id=f"e{n}", workspace_id="w", project_id="p", author="ana", at=T0 + dt.timedelta(days=n, hours=3),
            raw_text=note, status="structured",
            structure=EntryStructure(
                runs=[LinkedRun(run_id=run.run_id, run_name=run.run_name, how="name")],
                conclusions=[Conclusion(text=note, verdict="did_not_work", run_ids=[run.run_id])])))
    project = ProjectRecord(id="p", workspace_id="w", name="x", primary_metric="val_acc", goal="max")
    return ProjectHistory(project=project, entries=entries, runs=runs, now=T0 + dt.timedelta(days=len(notes) + 1))


def test_the_values_of_one_sweep_are_one_line_of_work() -> None:
    h = _history(["Larger seq size didn't seem to improve anything", "Large seq size performs poorly",
                  "Smaller seq size did not help either"], {"seq_size": "64"})
    names = [a.name for a in derive(HistoryIndex(h))]
    assert names.count("seq size") == 1 and not [n for n in names if "larger" in n or "smaller" in n], names


def test_a_line_told_one_way_keeps_its_words() -> None:
    h = _history(["Larger sigma: Has little effect on val scores or val loss"], {"sigma": "2.0"})
    assert [a.name for a in derive(HistoryIndex(h))] == ["larger sigma"]


def test_two_kinds_stay_two_lines() -> None:
    h = _history(["Double DQN did not help", "dueling heads did not help"], {"double": "true", "dueling": "true"})
    names = [a.name.lower() for a in derive(HistoryIndex(h))]
    assert any("double" in n for n in names), names


def test_the_readings_stay_linear_on_long_input() -> None:
    long = "larger " * 4000 + "seq size = " + "1" * 4000
    t = time.perf_counter()
    head_phrase(long)
    _VALUE_NEXT.match(" " * 5000 + "= 1")
    head_phrase("played with the " * 3000 + "batch size: 0.1")
    assert time.perf_counter() - t < 1.0


# 3. a one-word name that is the head of exactly one other line's name ("Scaling slowed down convergence a lot"
#    beside "reward scaling") is that line told short: one line, not two.

def _aps(*pairs: tuple[str, str]) -> dict[str, Approach]:
    return {k: Approach(key=k, name=n) for k, n in pairs}


@pytest.mark.parametrize("pairs", [
    (("reward_scaling", "reward scaling"), ("phrase:scaling", "scaling")),
    (("reward_scaling", "reward scaling (rw-scale)"), ("phrase:scaling", "scaling")),
    (("phrase:seq block", "seq blocks"), ("phrase:block", "blocks")),
    (("label_smoothing", "label smoothing"), ("phrase:smoothing", "smoothing"), ("adam", "Adam")),
])
def test_a_line_told_short_is_the_line(pairs: tuple[tuple[str, str], ...]) -> None:
    by_key = _aps(*pairs)
    merge_short_forms(by_key)
    assert pairs[1][0] not in by_key and pairs[0][0] in by_key


@pytest.mark.parametrize("pairs", [
    # must not fire: two lines share the head, the word is not the head, the short one is a concept of its own,
    # nothing longer, a name of one word
    (("phrase:dense layer", "dense layers"), ("phrase:additional layer", "additional layers"),
     ("phrase:layer", "layers")),
    (("graph_features", "graph features"), ("phrase:velocity feature", "velocity features"),
     ("phrase:feature", "features")),
    (("phrase:sigma weight", "sigma weight"), ("phrase:sigma", "sigma")),
    (("phrase:base transformer", "base transformer"), ("transformer", "transformer")),
    (("phrase:spatial dropout", "spatial dropout"), ("dropout", "dropout")),
    (("gradient_clipping", "gradient clipping"), ("phrase:net without clipping", "net without clipping"),
     ("phrase:clipping", "clipping")),
    (("phrase:epoch", "epochs"),),
    (("batchnorm", "batch norm"), ("layernorm", "layer norm"), ("phrase:norm", "norm")),
    (("xgboost", "XGBoost"), ("phrase:xgboost", "xgboost")),
    (("phrase:seq block", "seq blocks"), ("phrase:single layer seq block", "single layer seq blocks")),
])
def test_a_word_shared_or_of_its_own_stays(pairs: tuple[tuple[str, str], ...]) -> None:
    by_key = _aps(*pairs)
    merge_short_forms(by_key)
    assert set(by_key) == {k for k, _ in pairs}


@pytest.mark.parametrize(("sentence", "name"), [
    ("reducing lr slightly to prevent this: this still diverged", "reducing lr"),
    ("added dropout to avoid overfitting: no help", "dropout"),
    ("gradient clipping to fix the spikes didn't help", "gradient clipping"),
    ("warmup to see if it stabilises: no", "warmup"),
    ("mixup to test robustness hurt", "mixup"),
])
def test_a_purpose_ends_the_name(sentence: str, name: str) -> None:
    assert head_phrase(sentence) == name


@pytest.mark.parametrize(("sentence", "name"), [
    # must not fire: "to" before a thing, a value or a place, and a purpose that opens the sentence
    ("switch to adam: worse", "adam"),
    ("set dropout to 0.1: worse", "dropout"),
    ("path to checkpoints was wrong", "path checkpoints"),
    ("tried to test the mixup: no", "mixup"),
    ("resize to 224 hurt", "resize"),
    ("cutout to 16px patches hurt", "cutout px patches"),
    ("label smoothing to 0.2: worse", "label smoothing"),
    ("moved the eval to the gpu, slower", "moved eval gpu"),
])
def test_to_before_a_thing_or_a_value_is_no_purpose(sentence: str, name: str) -> None:
    assert head_phrase(sentence) == name


# 4. the model every run of the project is (same settings) is the setup a verdict was reached on, not what it
#    judges, when the verdict also names something the runs vary; with no verdict or decision of its own it is no
#    line of work to list.

def _runs_history(notes: list[tuple[str, str]], params: list[dict[str, str]]) -> ProjectHistory:
    runs = {}
    for n, p in enumerate(params):
        run = RunSnapshot(project_id="p", run_id=f"{n:032x}", run_name=f"r{n}", user="ana", status="FINISHED",
                          start=T0 + dt.timedelta(hours=n), end=T0 + dt.timedelta(hours=n + 1), params=p,
                          metrics={"map": 0.81 - n / 1000})
        runs[run.run_id] = run
    entries = []
    for n, (note, verdict) in enumerate(notes):
        conclusions = [Conclusion(text=note, verdict=verdict, run_ids=[])] if verdict else []  # type: ignore[arg-type]
        entries.append(EntryRecord(id=f"e{n}", workspace_id="w", project_id="p", author="ana",
                                   at=T0 + dt.timedelta(days=1, hours=n), raw_text=note, status="structured",
                                   structure=EntryStructure(conclusions=conclusions)))
    project = ProjectRecord(id="p", workspace_id="w", name="x", primary_metric="map", goal="max")
    return ProjectHistory(project=project, entries=entries, runs=runs, now=T0 + dt.timedelta(days=3))


YOLO_RUNS = [{"model": "yolo3_darknet53", "mixup": "false"}, {"model": "yolo3_darknet53", "mixup": "true"},
             {"model": "yolo3_darknet53", "mixup": "true", "epochs": "400"}]


def _statuses(h: ProjectHistory) -> dict[str, str]:
    return {a.key: a.status for a in derive(HistoryIndex(h))}


def test_the_model_every_run_is_is_not_closed_with_what_was_tried_on_it() -> None:
    got = _statuses(_runs_history([("train YoloV3 on VOC: mixup does not improve the baseline at all",
                                    "did_not_work")], YOLO_RUNS))
    assert got.get("mixup") == "exhausted" and "yolo" not in got, got


@pytest.mark.parametrize(("notes", "params", "want"), [
    # must not fire: the verdict names the constant alone; the constant adopted or praised; a setting every run
    # logs at different values; a model one run lacks; too few runs to call anything the setup
    ([("yolov3 does not work on this data", "did_not_work")], YOLO_RUNS, {"yolo": "exhausted"}),
    ([("sticking with yolov3, it is the one", "")], YOLO_RUNS, {"yolo": "adopted"}),
    ([("weight decay and dropout did not help", "did_not_work")],
     [{"weight_decay": "0.01", "dropout": "0.1"}, {"weight_decay": "0.001", "dropout": "0.1"},
      {"weight_decay": "0.0001", "dropout": "0.1"}], {"dropout": "exhausted"}),  # a technique every run carries
    ([("yolov3 with mixup did not help", "did_not_work")],
     [{"model": "yolo3_darknet53", "mixup": "true"}, {"model": "yolo3_darknet53", "mixup": "false"},
      {"model": "resnet50", "mixup": "false"}], {"yolo": "exhausted", "mixup": "exhausted"}),
    ([("train YoloV3 on VOC: mixup does not improve the baseline at all", "did_not_work")], YOLO_RUNS[:2],
     {"mixup": "exhausted"}),
    ([("yolov3 works great on this data", "worked")], YOLO_RUNS, {"yolo": "open"}),
    ([("yolov3 with mixup did not help", "did_not_work")],
     [{"model": "yolo3_darknet53", "mixup": "true"}, {"model": "yolo3_darknet53", "mixup": "true", "depth": "53"},
      {"model": "yolo3_darknet53", "mixup": "true", "depth": "101"}], {"mixup": "exhausted"}),  # nothing varies
    ([("mixup and cutmix did not help", "did_not_work")],
     [{"mixup": "true", "mixup_alpha": "0.2", "cutmix": "true"}, {"mixup": "true", "mixup_alpha": "0.4"},
      {"mixup": "true", "mixup_alpha": "1.0"}], {"mixup": "exhausted", "cutmix": "exhausted"}),
    ([("dropping yolov3, moving to detr for good", "")], YOLO_RUNS, {"yolo": "exhausted"}),
])
def test_a_verdict_on_the_constant_itself_stands(notes: list[tuple[str, str]], params: list[dict[str, str]],
                                                 want: dict[str, str]) -> None:
    got = _statuses(_runs_history(notes, params))
    assert all(got.get(k) == v for k, v in want.items()), got
