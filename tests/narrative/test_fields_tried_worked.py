"""Classes of language an entry's fields read (round fields12): things tried and positive verdicts that the rules
missed outside the notes they were written from. A change told without a subject whose new value follows ("Altered
dropout on the input layer (0.2 -> 0.4)"), after an answer's "yes"/"ok", or quoting settings in backticks; a belief
held before ("at first I thought ..."); the manner of training as a verdict ("it trained well"); a capability or a
check reached ("is now able to", "passes now"); satisfaction with a result; what happens when the writer does X ("If I
add back the BNs then it converges fine"); and a metric compared with a yardstick, judged by the metric's direction
("the val loss went much lower than with the dense model"). Sentences are written for the classes, not copied; each
class has sentences sharing its trigger words that must not fire."""

from __future__ import annotations

import pytest

from narrative import acts, claims
from narrative.reading import modality, verdict_of
from narrative.segmenting import is_data_line
from tests.narrative.entry_helpers import structure_text


def _verdicts(text: str) -> set[str]:
    return {c.verdict for c in structure_text(text).conclusions}


def _tried(text: str) -> bool:
    words = set(text.lower().split())
    return any(len(set(h.lower().split()) & words) >= 3 for h in structure_text(text).hypotheses)


@pytest.mark.parametrize("text", [
    "After I removed the final ReLU, it trained well.",
    "With lr 3e-4 the model trains nicely now.",
    "With AdamW the network learned really well.",
    "The student learns well once the teacher is frozen.",
    "the car is now able to stay on the track after these changes",
    "The gradient check for the custom layer passes now.",
    "We're happy with how the distilled model turned out.",
    "Overall I am pleased with the results of the longer schedule.",
    "The new sampler is finally working.",
])
def test_a_positive_outcome_told_plainly_worked(text: str) -> None:
    assert verdict_of(text) == "worked", text
    assert "worked" in _verdicts(text), structure_text(text)


@pytest.mark.parametrize("text", [
    "We trained well into the night.",                     # an idiom of time, no outcome
    "Now pass the config to the trainer.",                 # an instruction
    "I'd be happy with 0.8 F1.",                           # a wish
    "Happy to share the config if needed.",
    "Is it now able to run on the CPU?",
    "I am working on the loader today.",
    "The GPU is working at full load.",
])
def test_look_alikes_judge_nothing(text: str) -> None:
    assert "worked" not in _verdicts(text), structure_text(text)


@pytest.mark.parametrize("text", [
    "it didn't train well with the new tokenizer",
    "the model does not converge properly at bf16",
    "It doesn't train that well with fp16.",
    "the gradient check still doesn't pass now",
    "We're not happy with the new tokenizer.",
    "I am not too satisfied with these results.",
])
def test_the_same_outcome_negated_failed(text: str) -> None:
    assert verdict_of(text) == "did_not_work", text


@pytest.mark.parametrize("text", [
    "If I add back the norm layers then it converges fine.",
    "When we freeze the encoder, it works fine.",
    "If I lower the lr to 1e-4 then it converges nicely.",
])
def test_what_happens_when_the_writer_does_x_is_a_report(text: str) -> None:
    assert "worked" in _verdicts(text), structure_text(text)


@pytest.mark.parametrize("text", [
    "If it overfits, then the problem is with the model.",        # reasons about a case
    "If it still does not start converging I must be missing something.",
    "If I get time, I will try mixup.",                            # a plan
    "If we lower the lr, it might converge.",                      # an expectation
    "If I had used a bigger batch it would have trained well.",    # never done
])
def test_conditions_that_report_nothing(text: str) -> None:
    assert not _verdicts(text) & {"worked", "did_not_work"}, structure_text(text)


@pytest.mark.parametrize(("text", "verdict"), [
    ("The val loss went much lower than with the dense model.", "worked"),
    ("the total loss got much below what it reached with the MLP", "worked"),
    ("On set12 the PSNR is higher than the original.", "worked"),
    ("Accuracy is higher than before.", "worked"),
    ("val accuracy is lower than the baseline", "did_not_work"),
    ("The WER is now higher than with greedy decoding.", "did_not_work"),
])
def test_a_metric_compared_with_a_yardstick_moves_by_its_direction(text: str, verdict: str) -> None:
    assert verdict_of(text) == verdict, text


@pytest.mark.parametrize("text", [
    "train loss is much lower than val loss",        # a gap between splits, not a gain
    "the lr is higher than the default",             # a setting
    "the memory use is higher than before",          # a cost
    "batch size is lower than in the paper",
])
def test_comparisons_that_are_no_gain(text: str) -> None:
    assert verdict_of(text) != "worked", text


@pytest.mark.parametrize("text", [
    "-> Altered dropout on the input layer (0.2 -> 0.4).",
    "- Capped sequence length to 512.",
    "- Clipped gradient norm to 1.0 for the second run",
    "And yes i have swapped the tokenizer for the byte-level one.",
    "Ok so we froze the backbone for the first two epochs.",
])
def test_a_change_made_is_an_action(text: str) -> None:
    assert acts.reports_action(text), text


@pytest.mark.parametrize("text", [
    "Normalized inputs",
    "Repeated letters in the output",
    "Mixed results from 3 seeds.",
    "Related work to read.",
    "Reduced accuracy to 0.5 on the noisy split",     # a result, its object a metric
    "Improved val loss to 0.31",
    "Yes, I agree with the plan.",
    "Okay I noticed the loss spikes at step 400.",
])
def test_look_alikes_are_no_action(text: str) -> None:
    assert not acts.reports_action(text), text


@pytest.mark.parametrize("text", [
    "Question about the loss\n-> Altered dropout on the input layer (0.2 -> 0.4).",
    "Question about the loss\nAnd yes i have swapped the tokenizer for the byte-level one.",
    "Question about the loss\nIn the first run, I changed `lr: 1e-4` and `bs: 64`(default: `lr: 1e-3` and `bs: 128`.",
    "Question about the loss\nAt first I thought the tokenizer was the bottleneck.",
])
def test_the_thing_tried_is_a_hypothesis(text: str) -> None:
    assert _tried(text.splitlines()[-1]) or any(
        len(set(h.lower().split()) & set(text.splitlines()[-1].lower().split())) >= 3
        for h in structure_text(text).hypotheses), structure_text(text)


def test_a_sentence_telling_what_the_writer_changed_is_prose() -> None:
    assert not is_data_line("In the first run, I changed `lr: 1e-4` and `bs: 64`(default: `lr: 1e-3`, `bs: 128`.")
    assert is_data_line("step 100 | loss: 0.52 | acc: 0.81 | lr: 0.001 | gnorm: 1.2")
    assert is_data_line("epoch 3 train_loss=0.41 val_loss=0.52 acc=0.88 lr=1e-4")


@pytest.mark.parametrize(("text", "explains"), [
    ("At first I thought the tokenizer was the bottleneck.", True),
    ("Initially we assumed the labels were clean.", True),
    ("I thought about trying mixup.", False),          # an idea considered
    ("I thought so.", False),
    ("I thought it would help but it made things worse.", False),   # a verdict
])
def test_a_belief_held_before_is_a_claim(text: str, explains: bool) -> None:
    assert claims.explains(text) is explains, text


@pytest.mark.parametrize("text", [
    "Sounds like the learning rate is still too high.",
    "Seems like your augmentation is too aggressive for this dataset.",
    "Looks like the tokenizer was dropping the rare characters.",
    "The problem was when we normalised twice, the inputs collapsed to zero.",
    "The issue was that the scheduler never stepped.",
    "From the curves, it might be that the model always predicts the majority class.",
    "Judging by the logs, the loader resets every epoch, which would explain the flat loss.",
])
def test_a_diagnosis_or_a_possibility_put_forward_is_a_claim(text: str) -> None:
    assert claims.explains(text), text


@pytest.mark.parametrize("text", [
    "It seems like it's stuck at a wrong local optimum.",          # a state of the run, judged
    "It looks like it starts to diverge.",
    "Looks like the new schedule is working.",                      # a success
    "Seems like the loss is going down nicely now.",
    "The output looks like the model understood the pattern.",
    "Looks like overfitting again.",
    "The problem is that val loss rises after epoch 3.",            # a failure described, not a cause found
    "Val acc dropped to 0.6, which would explain the bad test score.",   # a report first keeps its verdict
    "It may be that simple.",
])
def test_states_and_reports_are_no_claim(text: str) -> None:
    assert not claims.explains(text), text


@pytest.mark.parametrize("text", [
    "lr 3e-4 diverged at step 2k.\nprob needs warmup.",
    "lr 3e-4 diverged at step 2k.\nprob the lr is too high.",
    "Throughput is flat.\nprob the loader is the bottleneck.",
])
def test_prob_at_a_clause_start_hedges_a_claim(text: str) -> None:
    claim = text.replace("\n", " ").split("prob", 1)[1].split()[0]
    assert any(h.startswith("prob") and claim in h for h in structure_text(text).hypotheses), structure_text(text)


@pytest.mark.parametrize("text", [
    "class prob drops to 0.2 after calibration",
    "prob of 0.3 for the rare class is too low",
    "the prob is capped at 0.9",
    "we plot the prob distribution per class",
])
def test_prob_as_a_noun_hedges_nothing(text: str) -> None:
    assert modality(text) != "hedged", text


def test_a_day_label_is_a_title_and_an_empty_cell_says_nothing() -> None:
    text = ("Autoencoder day. LSTM-AE on 300-step windows gets f1 0.58.\n\n"
            "| model | window | thr | f1 |\n|---|---|---|---|\n"
            "| iforest | 300 | - | 0.47 |\n| lstm-ae | 300 | p99 | 0.58 |\n")
    structure = structure_text(text)
    assert not any("Autoencoder day" in h for h in structure.hypotheses), structure.hypotheses
    assert not any(" -" in h or "-:" in h for h in structure.hypotheses), structure.hypotheses


@pytest.mark.parametrize("text", [
    "Trained for a day. Loss went down to 0.3.\nnext: eval",
    "Tried the cosine schedule. Loss went down to 0.3.\nnext: eval",
    "Warmup sweep. Loss went down to 0.3.\nnext: eval",   # not a day's label: the sweep is what was tried
])
def test_a_first_sentence_that_tells_a_try_is_no_day_label(text: str) -> None:
    from narrative.structuring import _DAY_LABEL, _FUNCTION_WORD
    first = text.split(". ")[0] + "."
    assert not (_DAY_LABEL.fullmatch(first) and not _FUNCTION_WORD.search(first) and not acts.reports_action(first))


def test_an_adoption_of_it_is_a_decision_not_a_next_step() -> None:
    structure = structure_text("conv1d AE, same windows: f1 0.61. hurt nothing, faster. switching to it.")
    assert not any(step.strip(" .").lower() == "switching to it" for step in structure.next_steps), structure
    kept = structure_text("conv1d AE: f1 0.61.\nswitching to the cosine schedule next.")
    assert any("cosine" in step for step in kept.next_steps), kept


@pytest.mark.parametrize(("text", "verdict"), [
    ("I set bs 64 and lr 1e-5, and got results very close to the results from the provided checkpoints.", "worked"),
    ("My top-1 is very close to the ones reported.", "worked"),
    ("I got 76.1, close to the 76.3 reported in the paper.", "worked"),
    ("The accuracy matches the paper now.", "worked"),
    ("The accuracy does not match the paper.", "did_not_work"),
    ("My numbers are not even close to the paper.", "did_not_work"),
])
def test_a_reproduction_that_lands_worked(text: str, verdict: str) -> None:
    assert verdict_of(text) == verdict, text


@pytest.mark.parametrize("text", [
    "the loss is close to zero at the end",
    "we are close to the deadline",
    "the val acc is close to the train acc",
    "I matched the learning rate of the paper.",
    "I got 61.1, far from the 76.3 reported in the paper.",
])
def test_closeness_that_is_no_reproduction(text: str) -> None:
    assert verdict_of(text) != "worked", text
