"""Classes of language an entry's fields read (round fields13): how practitioners state hypotheses and verdicts in
issue threads and experiment logs. A cause named outright, with no hedge ("Too few epochs was the issue", "the
preprocessing causes the problem"); a prediction about a thing ("X should be very helpful", "clipping should solve
the nans"); a thing judged helpful or effective after use; a failure named without a verdict word (a blow-up told in
the present, "result: fail", a collapse that came later, a model stuck on one output); a gain denied against a
reference ("the loss is not lower than the baseline"); full-width punctuation as sentence breaks; "either ... or"
offered as things to do; a failure and its fix told on one line; and a gain on the training side with a held-out
failure after it. Sentences are written for the classes, not copied from the corpus; each class has sentences sharing
its trigger words that must keep their old reading."""

from __future__ import annotations

import pytest

from narrative import claims
from narrative.reading import modality, verdict_of
from narrative.segmenting import split_segments
from tests.narrative.entry_helpers import structure_text


def _verdicts(text: str) -> set[str]:
    return {c.verdict for c in structure_text(text).conclusions}


def _hypothesis(text: str) -> bool:
    words = set(text.lower().split())
    return any(len(set(h.lower().split()) & words) >= 3 for h in structure_text(text).hypotheses)


# --- a cause named outright ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Indeed too few warmup steps was the issue.",
    "The data loader was the bottleneck, so I cached the decoded images.",
    "A stale tokenizer cache was the real problem all along.",
    "This was a problem due to the augmentation order.",
    "The label smoothing causes the problem, I forgot it was on for eval too.",
    "The shuffling bug was causing these nans in the second epoch.",
    "The gap could happen due to a different random seed.",
    "Such variance can come from the tiny validation set.",
    "That seems to be a packaging bug in the loader.",
    "May be your learning rate schedule is off.",
])
def test_a_cause_named_outright_is_a_hypothesis(text: str) -> None:
    assert claims.explains(text), text
    structure = structure_text(text)
    assert _hypothesis(text) and not structure.conclusions, structure


@pytest.mark.parametrize("text", [
    "This is the problem I mentioned yesterday.",          # a pronoun names no cause
    "What was the issue?",
    "lr 0.1 was the problem, the runs at 0.01 are fine.",  # a measured report
    "The fix caused the problem to go away.",              # a fix told
    "The problem was discussed in the standup.",
    "Rerunning may be the fastest way to check.",
    "It seems to be working now.",
    "The issue is tracked in the repo.",
    "Dropout caused a drop of two points.",
])
def test_look_alikes_name_no_cause(text: str) -> None:
    assert not claims.explains(text), text


# --- a prediction about a thing --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Something like random resized crops should be very helpful here.",
    "Gradient clipping should solve the nans.",
    "A longer warmup should make training more stable.",
    "This schedule should give smoother curves.",
    "Label smoothing should be quite useful on the noisy classes.",
])
def test_a_prediction_is_a_hypothesis_not_a_verdict(text: str) -> None:
    structure = structure_text(text)
    assert _hypothesis(text), structure
    assert not structure.conclusions, structure


@pytest.mark.parametrize(("text", "mode"), [
    ("We should make the eval set bigger.", "planned"),
    ("I should give it another try tomorrow.", "planned"),
    ("You should reduce the lr to 1e-4.", "planned"),
    ("Maybe you should fix the seed.", "planned"),
    ("should reduce lr next time", "planned"),
    ("Lowering the lr solved the problem.", "asserted"),
    ("Dropout was very helpful.", "asserted"),
    ("The loss should have gone down by now.", "counterfactual"),
])
def test_plans_and_reports_with_the_same_words_keep_their_mode(text: str, mode: str) -> None:
    assert modality(text) == mode, text


# --- a thing judged helpful after use --------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Mixup was very helpful on the small split.",
    "Label smoothing was effective only on the larger backbone.",
    "The cosine schedule proved quite useful for the long runs.",
    "Freezing the stem turned out to be beneficial.",
])
def test_helpful_after_use_worked(text: str) -> None:
    assert verdict_of(text) == "worked", text
    assert "worked" in _verdicts(text), structure_text(text)


@pytest.mark.parametrize("text", [
    "Mixup was not very helpful here.",
    "Cutout wasn't effective at all.",
    "It would be helpful to add a unit test.",
    "That was useful to know.",
    "Your answer was very helpful for me, thanks.",
    "wow this code was useful!",
    "A profiler is useful for this.",
    "Is mixup helpful for small sets?",
])
def test_helpful_look_alikes_do_not_succeed(text: str) -> None:
    assert verdict_of(text) != "worked", text


# --- a failure named without a verdict word --------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "the loss explodes after 40 epochs",
    "result: fail - explodes",
    "-> fail, gave up on it",
    "okay until epoch 90, then collapse",
    "The classifier predicts the same label for every input.",
    "The net keeps on choosing only one of the classes.",
    "The outputs of my model are always the same.",
    "the generator samples same mode after a while",
    "I could barely get a third of the defects detected.",
])
def test_a_failure_named_plainly_did_not_work(text: str) -> None:
    assert verdict_of(text) == "did_not_work", text
    assert "did_not_work" in _verdicts(text), structure_text(text)


@pytest.mark.parametrize("text", [
    "Gradient clipping keeps the loss from exploding.",
    "To avoid diverging, the lr is warmed up.",
    "We used the same class weights for every run.",
    "The student outputs the same class as the teacher.",
    "I always use the same seed.",
    "We always pick the same class order for the labels file.",
    "The failure cases are listed in the appendix.",
    "pass/fail threshold is the usual one",
    "The diverging branch of the net was pruned.",
])
def test_failure_look_alikes_judge_nothing(text: str) -> None:
    assert verdict_of(text) is None, text


# --- a gain denied against a reference -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "The loss is not lower than the baseline.",
    "The val loss is no lower than the baseline.",
    "Accuracy is not higher than the paper reported.",
    "The error isn't much lower than the baseline.",
])
def test_a_denied_gain_did_not_work(text: str) -> None:
    assert verdict_of(text) == "did_not_work", text


@pytest.mark.parametrize(("text", "verdict"), [
    ("The loss is lower than the baseline.", "worked"),
    ("Accuracy is higher than the paper reported.", "worked"),
    ("The loss is higher than the baseline.", "did_not_work"),
    ("Accuracy is lower than the paper reported.", "did_not_work"),
    ("The new model is no better than the baseline.", "did_not_work"),
    ("The loss is not worse than the baseline.", None),
    ("We report lower numbers than the paper for the small model only.", "did_not_work"),
])
def test_comparisons_keep_their_direction(text: str, verdict: str | None) -> None:
    assert verdict_of(text) == verdict, text


def test_a_denied_drop_of_a_score_is_no_failure() -> None:
    # "not lower" of accuracy denies a drop: read by the metric's move (it was a failure through "lower than")
    assert verdict_of("Accuracy is not lower than the baseline.") != "did_not_work"


# --- full-width punctuation ------------------------------------------------------------------------------------------

def test_full_width_marks_end_sentences_and_questions() -> None:
    structure = structure_text("换了 cosine 学习率。Val loss went up！What else can I try？")
    assert "did_not_work" in {c.verdict for c in structure.conclusions}, structure
    assert structure.open_questions == ["What else can I try?"], structure
    segments = split_segments("I tried mixup on the small split。The validation loss went up again。")
    assert [s.text for s in segments] == ["I tried mixup on the small split.", "The validation loss went up again."]


@pytest.mark.parametrize("text", [
    "Val acc 0.71, much worse than the baseline.",
    "Tried mixup. It didn't help.",
    "What else can I try?",
    "lr 1e-3: diverged",
    "试了 mixup",
    "「mixup」 didn't help",
    "acc（val）went up",
    "Added mixup (0.2) and cutout.",
])
def test_text_without_full_width_marks_reads_as_before(text: str) -> None:
    assert [s.text for s in split_segments(text)] == [text], text


# --- "either ... or" offered as things to do -------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "which means you either need to augment the data or regularize the model.",
    "You can either lower the lr or add warmup.",
    "We could either freeze the encoder or use a smaller lr.",
])
def test_either_or_offered_as_options_is_no_question(text: str) -> None:
    assert not structure_text(text).open_questions, structure_text(text)


@pytest.mark.parametrize("text", [
    "Either the labels are noisy or the model is too small.",
    "either lower lr or more warmup, not sure which",
    "Should we use either adam or sgd?",
    "either mixup or cutout for the next run",
    "Either way or the other, we need to pick one.",
    "It's either the loader or the sampler.",
    "Either seed 1 or seed 2 is the outlier.",
    "either the eval is broken or the model is, no idea which",
])
def test_either_or_weighing_options_stays_a_question(text: str) -> None:
    assert structure_text(text).open_questions, structure_text(text)


# --- a failure and its fix on one line -------------------------------------------------------------------------------

def test_the_fix_after_a_failure_is_not_judged_by_it() -> None:
    structure = structure_text("The loss diverged, so I lowered lr to 1e-4.")
    assert [(c.verdict, c.text) for c in structure.conclusions] == [("did_not_work", "The loss diverged")], structure
    assert any("lowered lr to 1e-4" in h for h in structure.hypotheses), structure


def test_a_fix_with_its_own_outcome_is_judged_by_it() -> None:
    structure = structure_text("Original lr too big and the loss diverged, lowered it to 1e-4 and it converges.")
    verdicts = [(c.verdict, c.text) for c in structure.conclusions]
    assert ("did_not_work", "Original lr too big and the loss diverged") in verdicts, structure
    assert any(v == "worked" and "lowered it to 1e-4" in t for v, t in verdicts), structure


@pytest.mark.parametrize(("text", "verdicts"), [
    ("Val acc went up, so I increased the epochs.", {"worked"}),        # no failure before the change
    ("Added mixup, removed dropout, val acc went up.", {"worked"}),
    ("The loss diverged.", {"did_not_work"}),
    ("The loss diverged and I don't know why.", set()),                # asked, as before
    ("lr 1e-2 diverged, lr 1e-3 converged.", {"did_not_work"}),
    ("Tried a bigger batch, so far it looks fine.", set()),
    ("The loss diverged, so the run was stopped.", {"did_not_work"}),
    ("Accuracy dropped, then recovered after the lr decay.", {"did_not_work"}),
])
def test_lines_without_a_fix_after_a_failure_read_as_before(text: str, verdicts: set[str]) -> None:
    assert _verdicts(text) == verdicts, structure_text(text)


# --- a training-side gain, then a held-out failure -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Label smoothing raised the CV score but it did worse on the test data.",
    "It trains well on the train split, but it failed on the test split.",
    "The training loss is decreasing while the validation loss is increasing.",
])
def test_a_training_side_gain_with_a_held_out_failure_did_not_work(text: str) -> None:
    assert _verdicts(text) == {"did_not_work"}, structure_text(text)


@pytest.mark.parametrize(("text", "verdicts"), [
    ("Training loss went down and val loss went down too.", {"worked"}),
    ("Train acc improved but it is slower per epoch.", {"worked", "did_not_work"}),
    ("Val acc improved but the test set got worse.", {"worked", "did_not_work"}),
    ("The training loss is decreasing.", {"worked"}),
    ("Test acc improved but training got slower.", {"worked", "did_not_work"}),
    ("The val loss went up.", {"did_not_work"}),
    ("Train loss dropped and test accuracy improved.", {"worked"}),
    ("Training is faster but the val loss is worse.", {"did_not_work"}),
])
def test_other_mixes_keep_their_verdicts(text: str, verdicts: set[str]) -> None:
    assert _verdicts(text) == verdicts, structure_text(text)


# --- work under way ("I've been tuning X") ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "I've been tuning the warmup for better convergence.",
    "We've been trying different augmentations to get better results.",
    "I have been improving the data pipeline.",
    "We are experimenting with a deeper head for higher recall.",
])
def test_work_under_way_is_no_verdict(text: str) -> None:
    assert verdict_of(text) is None, text
    assert not structure_text(text).conclusions, structure_text(text)


@pytest.mark.parametrize(("text", "verdict"), [
    ("I've been tuning the lr and the loss is better now.", "worked"),
    ("Been tweaking the optimizer all day, still diverges.", "did_not_work"),
    ("I've been tuning the lr; no gain so far.", "did_not_work"),
    ("I've been training with mixup and it works great.", "worked"),
    ("We are trying a smaller lr, which helped a lot.", "worked"),
    ("I am improving steadily on the leaderboard.", "worked"),
    ("I'm playing with the augmentations - val acc up 2 points.", "worked"),
    ("Tuning the warmup gave better convergence.", "worked"),
])
def test_what_is_said_after_the_work_still_judges(text: str, verdict: str) -> None:
    assert verdict_of(text) == verdict, text


@pytest.mark.parametrize("text", [
    "I tried to train your model but cannot seem to get anything near to 60%.",
    "Can't seem to reach the reported accuracy.",
])
def test_cannot_seem_to_reach_did_not_work(text: str) -> None:
    assert verdict_of(text) == "did_not_work", text
