"""Round 16 (roles16): recall of things tried, verdicts and plans, by class, with sentences written for these tests
in the shapes the twelfth corpus batch and the old tune batches show (never copied from held text).

Classes: a measure told unmoved after a change did not work; a thing judged valuable, said to make a difference or to
contribute to performance worked; an error met did not work; an instruction carrying a value is a plan; a check of an
outcome ("find out whether X helped") asks, it tells no verdict; "Purpose:", "Objective:" label what is tried, "Key
findings:" the results, "Tasks:" the work to do; "Y instead of X" proposed (verbless, asked, an idea, an imperative)
adopts nothing. Each class has tests that fail on the base engine and must-not-fire probes that pass on both.
"""

from __future__ import annotations

import time

import pytest

from narrative.reading import verdict_of
from narrative.replacements import replacement_in
from tests.narrative.role_corpus import Item, engine_role, structure_of


def _role(text: str, context: str = "") -> str:
    return engine_role(Item(id="x", split="tune", source="", context=context, text=text, role="other"))


# --- a measure told unmoved after a change ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Accuracy seems to be the same as before.",
    "I switched to AdamW and the val loss is the same as before.",
    "Doubled the batch size, the results are pretty much the same as with 32.",
    "Same mAP: 0.5145",
    "Same val accuracy, 0.812.",
    "The F1 stayed the same as the run without dropout.",
])
def test_a_measure_unmoved_after_a_change_did_not_work(text: str) -> None:
    assert verdict_of(text) == "did_not_work", text
    assert _role(text) == "did_not_work", text


@pytest.mark.parametrize("text", [
    "I used the same learning rate as before.",          # a setting kept, no measure
    "The data split is the same as before.",
    "My accuracy is the same as the paper reports.",     # a match with a reference
    "The results are the same as yours.",
    "The accuracy is the same across seeds.",            # a spread
    "The results are the same for all three runs.",
    "The accuracy is the same after pruning half the heads.",   # a cost cut that kept its score
    "Same learning rate as the baseline.",
    "The loss function is the same as in the paper.",
    "Is the accuracy the same as before?",
])
def test_unmoved_must_not_fire(text: str) -> None:
    assert verdict_of(text) != "did_not_work", text


# --- a thing judged valuable, making a difference, contributing ------------------------------------------------------

@pytest.mark.parametrize("text", [
    "- learning a small probe alongside the classifier is hugely valuable.",
    "The EMA weights were invaluable for the late epochs.",
    "What really made a difference was the warmup of 2k steps.",
    "The cosine schedule made a big difference.",
    "Both auxiliary heads contribute to performance.",
    "Label smoothing also contributes to the accuracy.",
])
def test_a_thing_judged_valuable_worked(text: str) -> None:
    assert verdict_of(text) == "worked", text
    assert _role(text) == "worked", text


@pytest.mark.parametrize("text", [
    "It would be valuable to try mixup next.",
    "This dataset is valuable.",
    "Thanks, that feedback is valuable to the team.",
    "We got valuable insights from the error analysis.",
    "It didn't make a difference.",
    "The warmup did not make a difference either.",
    "The second head does not contribute to performance.",
    "Does the auxiliary loss contribute to accuracy?",
    "Let's see if the schedule makes a difference.",
])
def test_valuable_must_not_fire(text: str) -> None:
    assert verdict_of(text) != "worked", text


def test_a_difference_denied_did_not_work() -> None:
    assert verdict_of("It didn't make a difference.") == "did_not_work"
    assert verdict_of("Switching the optimizer did not make any difference.") == "did_not_work"


# --- an error met ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "I now get an error at the trainer.",
    "With fp16 we keep getting the same CUDA error.",
    "After the upgrade I get an exception in the data loader.",
])
def test_an_error_met_did_not_work(text: str) -> None:
    assert verdict_of(text) == "did_not_work", text


@pytest.mark.parametrize("text", [
    "I get an error rate of 3% on the test set.",
    "We got the expected error message.",
    "If I get an error, I restart the job.",
    "I got the error bars from five seeds.",
    "We get an error analysis from the notebook.",
    "The error is gone after the fix.",
    "No error this time.",
    "The training error is 0.12.",
])
def test_error_met_must_not_fire(text: str) -> None:
    assert verdict_of(text) != "did_not_work", text


# --- an instruction carrying a value is a plan -----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Set lr to 3e-4 and rerun.",
    "Finally, try decreasing the learning rate to 0.0001",
    "Achieve 82% dice score on the segmentation set",
    "Try a batch size of 64 with warmup 500.",
    "I will set the dropout to 0.2 for the next sweep.",
])
def test_an_instruction_with_a_value_is_a_plan(text: str) -> None:
    assert _role(text) == "next_step", text


@pytest.mark.parametrize("text", [
    "Set lr to 3e-4, loss went down.",          # a report told without a subject
    "Try lr 1e-4 -> 0.83",                     # an instruction with its outcome
    "Tried lr 1e-4 and got 0.81.",
    "Train baseline model (done) accuracy: 91.6%",
    "Set lr to 3e-4 and the loss diverged.",
    "Lowered lr to 1e-4, it converges now.",
    "Try 0.1 dropout: results were worse.",
    "Increased the warmup to 2k, val acc 0.78.",
    "Compare the two schedulers: loss=2.31 vs 2.35",
    "Test the small model in streaming mode, found that its rtf is 0.16.",
])
def test_value_plan_must_not_fire(text: str) -> None:
    assert _role(text) != "next_step", text


def test_the_value_readers_alone() -> None:
    from narrative.valued_plans import instructs, values_only
    assert instructs("Set lr to 3e-4 and rerun.") and instructs("put dropout at 0.2, then retrain")
    assert not instructs("Set lr to 3e-4, loss went down.") and not instructs("set lr to 3e-4 and it diverged")
    assert values_only("try lr 3e-4 with warmup 500") and not values_only("try lr 3e-4 -> 0.82")
    assert not values_only("try lr 3e-4, gave 0.82") and not values_only("try 3e-4 (done)")


# --- a check of an outcome asks ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Find out whether dropout helped the small model.",
    "Next I want to find out if label smoothing helps.",
    "Check if the warmup improves the val loss.",
])
def test_a_check_of_an_outcome_is_a_plan_not_a_verdict(text: str) -> None:
    assert verdict_of(text) is None, text
    assert _role(text) == "next_step", text


@pytest.mark.parametrize(("text", "verdict"), [
    ("Warmup helped; now checking whether it helps the big model too.", "worked"),
    ("The larger batch hurt, so I want to see if a longer warmup fixes it.", "did_not_work"),
    ("I checked the logs and the loss diverged at step 400.", "did_not_work"),
    ("Tested it on the val set, it improved by 2 points.", "worked"),
])
def test_check_must_not_hide_a_report_before_it(text: str, verdict: str) -> None:
    assert verdict_of(text) == verdict, text


# --- labels that set a section ---------------------------------------------------------------------------------------

def test_purpose_and_objective_label_the_thing_tried() -> None:
    assert _role("- Purpose: Add dropout only to the fully connected layers.") == "hypothesis"
    assert _role("Objective: freeze the encoder for the first two epochs.") == "hypothesis"


def test_tasks_label_the_work_to_do() -> None:
    assert _role("1. Experiment with dice loss and focal loss", context="# Tasks") == "next_step"
    assert _role("- Task for tomorrow: plot the per-class recall.") == "next_step"


def test_key_findings_label_results_not_tries() -> None:
    text = "Key findings:\n- Dropout 0.3 reduced overfitting.\n- Val accuracy 84.0%."
    s = structure_of(Item(id="x", split="tune", source="", context="", text=text, role="other"))
    assert any(c.verdict == "worked" and "Dropout 0.3" in c.text for c in s.conclusions), s
    assert not any("Key findings" in h for h in s.hypotheses), s


@pytest.mark.parametrize("text", [
    "Purpose of the sweep was never clear to me.",
    "The tasks took longer than planned.",
    "Key findings were shared with the team on Monday.",
])
def test_label_words_in_prose_set_no_section(text: str) -> None:
    assert _role(text) not in ("hypothesis", "next_step"), text


# --- a swap proposed adopts nothing ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "GELU instead of ReLU",
    "Maybe GELU instead of ReLU?",
    "Idea: GELU instead of ReLU in the MLP.",
    "Try GELU instead of ReLU.",
    "We could use GELU instead of ReLU.",
])
def test_a_swap_proposed_replaces_nothing(text: str) -> None:
    assert replacement_in(text) is None, text


@pytest.mark.parametrize("text", [
    "Switched to GELU instead of ReLU.",
    "exp-12 uses GELU instead of ReLU, val acc 0.71 -> 0.74.",
    "We went with GELU instead of ReLU.",
    "Try GELU instead of ReLU: GELU better.",
    "Kept GELU instead of ReLU after the sweep.",
    "Using GELU instead of ReLU from now on.",
    "Replaced ReLU with GELU.",
    "Switched from Adam to SGD.",
])
def test_swap_made_still_replaces(text: str) -> None:
    assert replacement_in(text) is not None, text


# --- adversarial: long and odd input stays fast and safe -----------------------------------------------------------

def test_long_odd_input_is_linear_and_safe() -> None:
    from narrative.valued_plans import instructs, values_only
    pieces = [
        "accuracy is " * 3000 + "the same",
        "same " * 5000 + "map",
        "i get " * 4000 + "an error",
        "find out " * 4000 + "whether",
        "set lr " * 3000 + "and rerun",
        "x instead of " * 3000 + "y",
        "is hugely " * 4000 + "valuable",
        "contributes to " * 3000 + "performance",
    ]
    start = time.perf_counter()
    for text in pieces:
        verdict_of(text)
        replacement_in(text[:5000])
        instructs(text)
        values_only(text)
        _role(text[:20000])
    assert time.perf_counter() - start < 20.0
