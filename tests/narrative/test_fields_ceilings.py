"""Classes of language an entry's fields read (round fields9): a result measure held below where it was wanted (a
ceiling, a plateau, "not high enough", "can't get it past X"), a result below the paper told with a noun or "less
than", "only X% while Y% in the paper", a not-understood told without a question mark ("I have not figured out the
reason"), a run asked of someone without a question mark, labels announcing changes still to make, and a thing
the writer made ("I have generated 2M images", "so far I have collected ...") as what was tried, a success
told in the future (expected, not had) and "it might be good to X" (a suggestion). Sentences
are written for the classes, not copied; each class has sentences sharing its trigger words that must not fire."""

from __future__ import annotations

import pytest

from narrative import acts, shortfalls
from narrative.reading import modality, verdict_of
from tests.narrative.entry_helpers import structure_text


def _failed(text: str) -> bool:
    return any(c.verdict == "did_not_work" for c in structure_text(text).conclusions)


@pytest.mark.parametrize("text", [
    "I trained it with the default config and got lower results than the ones reported in the paper.",
    "With seed 3 I get 71.2 top-1, which is about 2% less than the accuracy claimed in the paper.",
    "test accuracy 0.412 where the paper has 0.455.",
    "on the dev split: only 64.3% while 67.0% in the paper.",
    "The F1 is not high enough yet.",
    "But the recall is still not good enough for the rare class.",
    "I can't seem to get the val accuracy past 0.7, even with dropout.",
    "I cannot push the AUC above 0.81 whatever I change.",
    "Accuracy has been around 62% for a long time now.",
    "The val f1 has been stuck at 0.55 for 20 epochs.",
    "the val acc sits at 0.55 for 20 epochs now",
    "I added label smoothing, but the val accuracy is only 48%.",
    "The loss can't go any lower.",
    "the WER doesn't seem to drop any further after epoch 20",
])
def test_a_result_held_below_where_it_was_wanted_fails(text: str) -> None:
    assert _failed(text), structure_text(text)


@pytest.mark.parametrize("text", [
    "I got higher results than the ones reported in the paper.",
    "Accuracy is now 91%, more than the 88% reported in the paper.",
])
def test_above_the_reference_is_a_success(text: str) -> None:
    assert shortfalls.shortfall(" ".join(text.lower().split())) == "worked"


@pytest.mark.parametrize("text", [
    "I use less data than the paper does.",                         # "less than the paper": not a result
    "The warmup is only 500 steps while the paper uses 2000.",      # a setting, not a measure
    "The lr is only 1e-4 and the batch is only 32.",
    "I set dropout to 0.1 where the paper uses 0.3.",
    "We do not have enough data for the rare classes.",
    "I think the dropout is not high enough for this dataset.",     # a setting's level, a cause put forward
    "GPU utilisation has been around 95% for the whole run.",       # not a result measure
    "The lr can't go any lower without the run stalling.",
    "It uses more memory than the baseline.",
    "GPU memory is around 70% for the whole run.",
    "The val accuracy is at 0.91 for the final checkpoint.",            # a value, no stretch of time
])
def test_settings_and_budgets_are_no_ceiling(text: str) -> None:
    assert shortfalls.shortfall(" ".join(text.lower().split())) != "did_not_work"


@pytest.mark.parametrize("text", [
    "The val loss jumps at epoch 3 and I have not figured out the reason.",
    "I haven't figured out why the loss spikes every 500 steps.",
    "Still haven't worked out what makes the eval so noisy.",
    "We have yet to find out why the eval is so noisy.",
])
def test_a_not_understood_without_a_question_mark_is_asked(text: str) -> None:
    assert modality(text) == "question"
    assert structure_text(text).open_questions, structure_text(text)


@pytest.mark.parametrize("text", [
    "I finally figured out why the loss spiked: the lr schedule restarted.",
    "I haven't figured out the new API yet, so I used the old one.",
])
def test_an_answer_found_or_a_tool_not_learnt_is_not_asked(text: str) -> None:
    assert modality(text) != "question"


@pytest.mark.parametrize("text", [
    "Could you rerun the sweep with a smaller learning rate and a bigger batch.",
    "Can you try the same config with fp32 please.",
    "Please rerun the eval with the fixed tokenizer.",
])
def test_a_run_asked_of_someone_without_a_question_mark_is_a_plan(text: str) -> None:
    assert modality(text) == "planned"


@pytest.mark.parametrize("text", [
    "Could you share the config you used?",
    "Could you run it on the old checkpoint and post the log?",
])
def test_a_request_with_a_question_mark_stays_a_question(text: str) -> None:
    assert modality(text) == "question"


@pytest.mark.parametrize("text", [
    "Improvements to make:\n- early stopping on val loss\n- log grad norms",
    "Quick fixes to try:\n- early stopping on val loss\n- log grad norms",
    "Changes for tomorrow:\n- early stopping on val loss\n- log grad norms",
])
def test_a_label_of_changes_to_make_heads_plans(text: str) -> None:
    steps = " ".join(structure_text(text).next_steps).lower()
    assert "early stopping" in steps and "grad norms" in steps, structure_text(text)


def test_a_label_of_changes_made_heads_no_plans() -> None:
    structure = structure_text("Changes to the data loader:\n- workers 4 -> 8\n- pinned memory on")
    assert not structure.next_steps, structure


@pytest.mark.parametrize("text", [
    "I have generated about 2 million synthetic images with random fonts.",
    "So far I have collected 40k labelled crops from the street scenes.",
    "Currently we have produced a cleaned split without duplicates.",
])
def test_a_thing_the_writer_made_is_what_was_tried(text: str) -> None:
    assert acts.reports_action(text)
    assert structure_text(text).hypotheses, structure_text(text)


@pytest.mark.parametrize("text", [
    "The model generated garbage after epoch 5.",     # what the model did, not the writer
    "Generated samples look blurry.",
    "So far I noticed the loss spikes at epoch 3.",   # perceiving changes nothing
    "Currently I have no GPU access.",
])
def test_what_a_model_did_or_saw_is_no_action_of_the_writer(text: str) -> None:
    assert not acts.reports_action(text)


@pytest.mark.parametrize("text", [
    "A more effective discriminator will undoubtedly improve the generator as they are trained together.",
    "This will make training more stable.",
    "A better tokenizer is going to give cleaner outputs.",
])
def test_a_success_told_in_the_future_is_expected_not_had(text: str) -> None:
    assert verdict_of(text) is None


@pytest.mark.parametrize("text", [
    "Adding warmup helped, and I think it will help the big model too.",
    "Mixup worked; will try cutmix next.",
    "The new sampler is better, we'll keep it.",
])
def test_a_success_reported_before_a_future_stays(text: str) -> None:
    assert verdict_of(text) == "worked"


@pytest.mark.parametrize("text", ["It won't converge with lr 1e-2.", "It will still diverge with warmup."])
def test_a_failure_that_recurs_stays_a_failure(text: str) -> None:
    assert verdict_of(text) == "did_not_work"


@pytest.mark.parametrize("text", [
    "Some posts say it might be good to add noise to the discriminator inputs.",
    "It could be useful to freeze the encoder for the first epoch.",
])
def test_it_might_be_good_to_suggests(text: str) -> None:
    assert modality(text) == "planned"


def test_it_might_be_good_to_know_suggests_nothing() -> None:
    assert modality("It might be good to know that the loader caches to /tmp.") != "planned"


def test_please_note_orders_no_run() -> None:
    assert modality("Please note that the loader caches to /tmp.") != "planned"


@pytest.mark.parametrize(("text", "verdict"), [
    ("Result: dice on the val crops went from 0.71 to 0.69, small lesions still missed.", "did_not_work"),
    ("accuracy on the test split went from 81% to 84%", "worked"),
    ("the loss for the big model went from 2.1 to 2.4", "did_not_work"),
])
def test_a_metric_named_with_what_it_was_measured_on_moves(text: str, verdict: str) -> None:
    assert verdict_of(text) == verdict


def test_counts_measured_over_are_no_move() -> None:
    assert verdict_of("We measured accuracy on the val set from 3 to 5 seeds") is None


@pytest.mark.parametrize(("text", "verdict"), [
    ("Training is more stable now, no more spikes", "worked"),
    ("no more NaNs after the fix", "worked"),
    ("the mixup thing was a bust", "did_not_work"),
    ("cutout was a dud", "did_not_work"),
    ("No dice with the bigger lr either.", "did_not_work"),
])
def test_troubles_ended_and_failures_said_plainly(text: str, verdict: str) -> None:
    assert verdict_of(text) == verdict


def test_a_flop_of_compute_is_no_failure() -> None:
    assert verdict_of("each token costs a flop per parameter") is None


@pytest.mark.parametrize("text", ["dunno why seed 2 is so much worse than the others", "idk if the gain is real"])
def test_dunno_why_asks(text: str) -> None:
    assert modality(text) == "question"


@pytest.mark.parametrize("text", [
    "mixup was a bust.\ncutmix next i think.",
    "mixup was a bust. cutmix next, then randaug.",
])
def test_a_thing_named_before_next_is_the_plan(text: str) -> None:
    structure = structure_text(text)
    assert any("cutmix" in s.lower() for s in structure.next_steps), structure
    assert [c for c in structure.conclusions if c.verdict == "did_not_work"], structure


def test_next_i_will_still_splits() -> None:
    assert structure_text("Mixup was a bust, next I will try cutmix.").next_steps


@pytest.mark.parametrize("text", [
    "It did not: accuracy on the tie-heavy slice stayed at 61%",
    "It did not, accuracy stayed at 61%",
    "nope, it didn't - same loss as before",
    "SWA did not pan out",
    "Also tried margin 0.5, same story.",
])
def test_a_no_told_first_and_plain_words_of_failure(text: str) -> None:
    assert verdict_of(text) == "did_not_work"


def test_a_label_of_things_that_did_not_pan_out_heads_failures() -> None:
    structure = structure_text("Things that didn't pan out this week:\n- SWA over the last 10 epochs\n"
                               "- gradient centralization")
    failed = " ".join(c.text for c in structure.conclusions if c.verdict == "did_not_work").lower()
    assert "swa" in failed and "centralization" in failed, structure


@pytest.mark.parametrize("text", [
    "Config: ctx 2048, rope scaling 2x.\nResult: EM 41.3 -> 40.8.",
    "Ran: ctx 2048, rope scaling 2x, same data.\nResult: EM 41.3 -> 40.8, short docs unchanged.",
    "Day 4\nIdea: a longer context helps the long docs.\nConfig: ctx 2048, rope 2x.\n"
    "Result: EM went down 41.3 -> 40.8.",
])
def test_a_result_under_a_config_block_judges_the_block_s_change(text: str) -> None:
    failed = [c.text for c in structure_text(text).conclusions if c.verdict == "did_not_work"]
    assert failed and "2048" in failed[0], structure_text(text)


def test_a_result_naming_its_own_subject_or_far_from_the_block_keeps_its_words() -> None:
    own = structure_text("Setup: 300 epochs, AdamW, wd 0.05.\nResult: cosine decay did worse than step decay.")
    assert [c.text for c in own.conclusions] == ["cosine decay did worse than step decay"], own
    far = structure_text("Config: ctx 2048.\nNotes: the loader was slow.\nSomething else entirely.\n"
                         "Result: EM 41.3 -> 40.8.")
    assert all("2048" not in c.text for c in far.conclusions), far
