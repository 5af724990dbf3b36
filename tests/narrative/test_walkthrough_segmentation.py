"""A new user's two weeks on roof segmentation (own notes; Lightning runs named version_0..6, mIoU higher better),
read as the teammate who asks in the thread a month later. Fixed, each on the old code wrong:

- a why-answer quotes the verdict and misses the guess its writer put right after it ("cutmix hurt (...). think it
  pastes roof halves across tiles");
- "what happened with mosaic?" answered "Verdict: no gain." for "didn't get to mosaic, parking it" (never run);
- "did dice loss help?" quoted only the plan, not the later note that reports it ("dice+bce ... version_6 .683");
- "what's next?" listed steps later notes report done ("will try dice loss next", "try deeplab, and bump img_size");
- a line of work's standing read off a sentence that closes (keeps) another thing ("dropping deeplab for now" filed
  under U-Net: "input resolution / U-Net was abandoned"; "keeping b3 as the encoder": "ResNet adopted");
- "did the color augmentations help?" answered "Verdict: no gain." from "cutmix hurt".
"""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import synthesis
from narrative.answer_follow import reported_later
from narrative.answer_rank import offers_cause
from narrative.answer_topical import _NOT_GOT_TO
from narrative.history_index import HistoryIndex
from narrative.types import Answer, ProjectHistory
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import history as walkthrough_history

T0 = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="v", workspace_id="w", name="roofseg", primary_metric="val_miou", goal="max",
                        experiment_ids=["1"])
B3 = "efficientnet-b3"


def _run(key: str, n: int, hours: float, params: dict[str, str], value: float, user: str = "ana") -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="v", run_id=key * 32, run_name=f"version_{n}", user=user, status="FINISHED",
                       start=start, end=start + dt.timedelta(hours=2), params={"arch": "unet", **params},
                       metrics={"val_miou": value})


RUNS = [
    _run("a", 0, 1, {"encoder_name": "resnet34", "img_size": "512", "augs": "flip"}, 0.612),
    _run("b", 1, 3, {"encoder_name": B3, "img_size": "512", "augs": "flip"}, 0.638),
    _run("c", 2, 26, {"arch": "deeplabv3plus", "encoder_name": B3, "img_size": "512", "augs": "flip"}, 0.629, "tom"),
    _run("d", 3, 28, {"encoder_name": B3, "img_size": "768", "augs": "flip"}, 0.661),
    _run("e", 4, 50, {"encoder_name": B3, "img_size": "768", "augs": "flip,cutmix"}, 0.647, "tom"),
    _run("f", 5, 52, {"encoder_name": B3, "img_size": "768", "augs": "flip,rot90,colorjitter"}, 0.674),
    _run("g", 6, 74, {"encoder_name": B3, "img_size": "768", "augs": "flip,rot90,colorjitter", "loss": "dice+bce"},
         0.683),
]
NOTES = [
    (6, "ana", "baseline day. unet + resnet34 (version_0) gets .612 miou on val, swapping the encoder to effnet-b3 "
               "(version_1) -> .638. keeping b3 as the encoder from here on.\n"
               "next: try deeplab, and bump img_size, tiles are 1024 and we downsample to 512 which kills thin roof "
               "edges"),
    (31, "tom", "## deeplab vs unet\n- deeplabv3+ w/ b3 (version_2): .629, a bit worse than unet and 2x slower per "
                "epoch\n- unet at img_size 768 (version_3): .661. big jump, best so far\n\n"
                "dropping deeplab for now, not worth the slowdown. thin structures (gutters, chimneys) really need "
                "the resolution"),
    (55, "tom", "augs:\n* cutmix hurt (version_4, .647 vs .661). think it pastes roof halves across tiles and the "
                "model learns seams\n* rot90 + color jitter (version_5) -> .674, new best\n\nwill try dice loss next, "
                "class imbalance is bad (background is ~80% of pixels)"),
    (78, "ana", "dice+bce on top of the v5 setup: version_6 .683. small but consistent over 3 seeds (+/- .003). "
                "this is the one we ship for the demo.\n"
                "didn't get to mosaic, parking it. maybe tta later if we need another point"),
]


def history(notes: list[tuple[int, str, str]] = NOTES, runs: list[RunSnapshot] = RUNS) -> ProjectHistory:
    return walkthrough_history(PROJECT, runs, notes, days=35, t0=T0)


def _cited_runs(answer: Answer, h: ProjectHistory) -> set[str]:
    return {h.runs[r].run_name or "" for c in answer.citations for r in c.run_ids}


def test_a_why_answer_quotes_the_guess_put_right_after_the_verdict() -> None:
    answer = synthesis.answer("why did cutmix hurt?", history()).answer
    assert "pastes roof halves across tiles" in answer, answer


def test_never_run_is_no_verdict() -> None:
    answer = synthesis.answer("what happened with mosaic?", history()).answer
    assert "didn't get to mosaic" in answer and "Verdict" not in answer, answer


def test_a_plan_is_quoted_with_the_later_note_that_reports_it() -> None:
    h = history()
    a = synthesis.answer("did dice loss help?", h)
    assert "version_6 .683" in a.answer and "version_6" in _cited_runs(a, h), a.answer


def test_whats_next_leaves_out_steps_later_notes_report() -> None:
    answer = synthesis.answer("what's next?", history()).answer
    assert "tta" in answer, answer
    assert "dice loss" not in answer and "try deeplab" not in answer, answer


def test_a_standing_is_not_read_off_a_sentence_about_another_thing() -> None:
    h = history()
    answer = synthesis.answer("did the bigger image size help?", h).answer
    assert "was abandoned" not in answer, answer
    status = synthesis.answer("what did we abandon?", h).answer
    assert "U-Net" not in status and "ResNet (adopted)" not in status, status
    assert "dropping deeplab" in status and "CutMix" in status, status


def test_a_verdict_rests_on_a_line_that_names_what_was_asked() -> None:
    answer = synthesis.answer("did the color augmentations help?", history()).answer
    assert "Verdict: no gain" not in answer and "rot90 + color jitter" in answer, answer
    answer = synthesis.answer("why did we use rot90?", history()).answer
    assert "rot90 + color jitter" in answer and "cutmix" not in answer, answer
    assert "Verdict: no gain" in synthesis.answer("did cutmix help?", history()).answer  # its own line still says


# ---- the class in other words, and what must not fire

@pytest.mark.parametrize("text", [
    "think it pastes roof halves across tiles and the model learns seams",
    "too much masking of the actual keyword i guess.",
    "the far-field test clips are noisy so makes sense",
    "my guess is the warmup was too short",
    "probably the val split leaks tiles from the same house",
    "i suspect the labels on the small roofs are off",
])
def test_a_guess_at_a_cause_is_offered(text: str) -> None:
    assert offers_cause(text)


@pytest.mark.parametrize("text", [
    "i think we should try mosaic next",
    "probably worth another seed",
    "think i'll rerun with 3 seeds tomorrow",
    "keeping snr 5-20.",
    "maybe try a lower lr?",
    "i guess we need more data",
    "likely need to rerun it on the full set",
    "rot90 + color jitter (version_5) -> .674, new best",
    "thinking about tta",
])
def test_no_cause_offered(text: str) -> None:
    assert not offers_cause(text)


@pytest.mark.parametrize("text", [
    "didn't get to mosaic, parking it.", "never got around to tta", "ran out of time for the lr sweep",
    "we still haven't run the 1024 one", "no time to try mixup this week",
])
def test_not_got_to(text: str) -> None:
    assert _NOT_GOT_TO.search(text)


@pytest.mark.parametrize("text", [
    "didn't get to .70 even with tta", "cutmix hurt", "didn't help at all", "we never got to 0.7 miou",
    "the loss didn't get to zero", "the model never got to the target", "it never ran to completion, oom at epoch 3",
    "we didn't get to see much gain from flips", "lr 1e-4 never tried to converge",
])
def test_not_got_to_does_not_fire(text: str) -> None:
    assert not _NOT_GOT_TO.search(text)


def test_reported_later_wants_the_plans_object_and_a_number() -> None:
    idx = HistoryIndex(history())
    at = T0 + dt.timedelta(hours=40)
    assert reported_later(idx, "will try dice loss next", at) is not None
    # the plan's object in other words a later note reports with a number
    assert reported_later(idx, "todo: test dice+bce on the v5 config", at) is not None
    for step in ("will try focal loss next", "try a bigger lr", "maybe use more data", "test it again tomorrow",
                 "next: try mosaic", "add tta at inference", "try lovasz loss", "swap in a swin encoder"):
        assert reported_later(idx, step, at) is None, step
    # nor a note from before the plan
    assert reported_later(idx, "try deeplab", T0 + dt.timedelta(hours=60)) is None
