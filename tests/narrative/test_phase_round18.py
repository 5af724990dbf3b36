"""Round h/phase18 (issue 8): a refusal to use something sets it aside, it does not adopt it.

"Not using color jitter because we use autoaugment" (a to-add list on the tune files of ``data/real_phase/``) made
color jitter an *adopted* line: the sentence's adopting cue ("we use") took every concept of its only clause,
the refused one included. A sentence that opens on a refusal ("Not using X because ...", "We don't use X, since
...", "not going to use X for now", "I no longer use X.") sets X aside (``replacements.refused_in``): X is never
adopted by it and is closed as called off (no metric said it failed); what the reason clause uses is still
adopted. The refusal must stand alone, followed by a reason, a pause or the end, with no verb of its own: "Not
using dropout was a mistake" judges the refusal, and "The baseline, not using augmentation, scored 0.71"
describes a run.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from narrative import synthesis
from narrative.approaches import derive
from narrative.history_index import HistoryIndex
from narrative.replacements import refused_in
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.test_phase_round16 import _walk
from tests.narrative.walkthrough_util import history

T0 = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("sentence", "concept"), [
    ("Not using mixup because cutmix already covers it", "mixup"),
    ("We don't use dropout, since the model is tiny", "dropout"),
    ("not going to use label smoothing for now", "label_smoothing"),
    ("I no longer use label smoothing.", "label_smoothing"),
    ("- Not using mixup here: it hurt recall", "mixup"),
    ("We won't use gradient clipping - the loss never spikes", "grad_clip"),
])
def test_a_sentence_opening_on_a_refusal_sets_the_thing_aside(sentence: str, concept: str) -> None:
    assert concept in refused_in(sentence), sorted(refused_in(sentence))


@pytest.mark.parametrize("sentence", [
    "Not using dropout was a mistake, adding it back",  # judges the refusal
    "Not using dropout hurt recall, so it is back in",  # the refusal is the subject of a verdict
    "The baseline, not using augmentation, scored 0.71",  # describes a run, mid-sentence
    "Not only using dropout but also weight decay",  # "not only" adds
    "Not sure about using label smoothing",  # a doubt, not a refusal
    "We don't use dropout at test time",  # how a model is scored
    "If not using augmentation, the model overfits",  # a condition
    "We are using dropout because it helps",  # no negation
    "Not using the GPU because it was busy",  # no line of work named
    "Still not using mixed precision? we should try it",  # a question and a plan
    "We never used mixup in the final model, and it did fine",  # a past description, not "never using"
])
def test_what_is_no_refusal(sentence: str) -> None:
    assert refused_in(sentence) == frozenset()


def _runs() -> list[RunSnapshot]:
    def run(n: int, params: dict[str, str], acc: float) -> RunSnapshot:
        start = T0 + dt.timedelta(hours=6 * n)
        return RunSnapshot(project_id="p", run_id=f"{n:032x}", run_name=f"exp{n:02d}", user="mia",
                           status="FINISHED", start=start, end=start + dt.timedelta(hours=1), params=params,
                           metrics={"val_accuracy": acc})
    return [run(1, {"aug": "mixup"}, 0.70), run(2, {"aug": "cutmix"}, 0.74), run(3, {"aug": "cutmix"}, 0.75)]


def _project() -> ProjectRecord:
    return ProjectRecord(id="p", workspace_id="w", name="x", primary_metric="val_accuracy", goal="max")


def _lines(notes: list[tuple[float, str]]) -> dict[str, tuple[str, str]]:
    h = history(_project(), _runs(), notes, days=30, t0=T0)
    return {a.name.lower(): (a.status, a.reason) for a in derive(HistoryIndex(h))}


def test_the_refused_line_is_called_off_and_the_used_one_adopted() -> None:
    lines = _lines([(30, "Not using mixup because we use cutmix (see the timm notes)")])
    mixup = next(v for k, v in lines.items() if "mixup" in k and "cutmix" not in k)
    assert mixup[0] == "abandoned" and mixup[1].startswith("called off"), lines
    assert any("cutmix" in k and s == "adopted" for k, (s, _) in lines.items()), lines


@pytest.mark.parametrize("note", [
    "We are using mixup because we use cutmix too",  # no refusal: nothing is set aside
    "Not using mixup was a mistake, we use cutmix and mixup together now",  # the refusal judged, not made
    "If not using mixup, we use cutmix instead?",  # a question
])
def test_no_refusal_closes_nothing(note: str) -> None:
    lines = _lines([(30, note)])
    assert not any("mixup" in k and "cutmix" not in k and s == "abandoned" and r.startswith("called off")
                   for k, (s, r) in lines.items()), lines


def test_walkthrough_to_add_notes_set_color_jitter_aside() -> None:
    report = synthesis.phase(_walk("vision-pretraining-todo-notes"))
    lines = {a.name: (a.status, a.reason) for a in report.approaches}
    jitter = [v for k, v in lines.items() if "jitter" in k.lower()]
    assert jitter and all(s == "abandoned" for s, _ in jitter), lines
    assert any("randaugment" in k.lower() and s == "adopted" for k, (s, _) in lines.items()), lines


def test_a_long_odd_input_is_read_quickly() -> None:
    text = "Not using " + "very " * 4000 + "long mixup because " + "x" * 20000
    start = time.perf_counter()
    refused_in(text)
    refused_in("we don't use " + "a, " * 5000)
    assert time.perf_counter() - start < 0.5
