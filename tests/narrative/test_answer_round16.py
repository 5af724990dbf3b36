"""Round 16 of issue 8 (h/answers16): thread answers on issue and pull-request threads.

Three classes, each found on the new tune threads (data/real_answers/alpaca-lora-lr-thread.json,
snowfall-amp-pr-thread.json) and stated in general words:

1. "without X" in a question rules out the runs that have X on (``narrative.answer_negation``): "what was the
   test-other WER without AMP?" had been answered with the AMP run's value (a false answer).
2. A run named by the one param value that sets it apart ("who ran the 2e-5 run?") is that run
   (``narrative.answer_value_run``); several runs holding the value name none.
3. For a did-it-help question, the verdict sentence beside the line that names the asked value ("this doesn't seem
   to actually help. Purple line is with 2e-5, ...") is quoted first (``narrative.answer_verdict_near``), above
   another note's announcement of the change ("Updating to 2e-5 as in the original paper.").

Each class: a test that fails on the code before it, must-not-fire probes, a walkthrough through the notes
structured as the service does, and an adversarial (long / odd) input.
"""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace
from typing import Any, cast

from narrative import synthesis
from narrative.answer_negation import negated_words, off_matches, ruled_out
from narrative.answer_value_run import value_named_run
from narrative.answer_verdict_near import help_verdict
from narrative.history_index import HistoryIndexCache
from narrative.types import ProjectHistory
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import history, run

# --- a small project: an ASR recipe with and without AMP, an LR thread ----------------------------------------------

ASR = ProjectRecord(id="p", workspace_id="w", name="asr", primary_metric="wer_clean", goal="min", experiment_ids=["1"])


def _asr_run(key: str, name: str, hours: float, params: dict[str, str], clean: float, other: float,
             user: str = "piotr") -> RunSnapshot:
    r = run(key, name, hours, params, "wer_clean", clean, 600, user=user)
    r.metrics["wer_other"] = other
    return r


ASR_RUNS = [
    _asr_run("a", "conformer-noamp-md450", 1, {"amp": "false", "max_duration": "450"}, 6.51, 17.39),
    _asr_run("b", "conformer-amp-md650", 20, {"amp": "true", "max_duration": "650"}, 6.55, 17.2),
    _asr_run("c", "tdnn-baseline", 22, {"amp": "false", "max_duration": "500", "model": "tdnn"}, 8.9, 21.0,
             user="fang"),
]
ASR_NOTES = [
    (21, "Update: with `max_duration=650` AMP fits a 32GB GPU and an epoch takes ~1h:10min, ~30% faster than "
         "without AMP."),
    (40, "Without AMP (max_duration=450) the WER was 6.51 on test-clean after epoch 2."),
]


def _asr() -> ProjectHistory:
    return history(ASR, ASR_RUNS, ASR_NOTES, author="piotr")


LR = ProjectRecord(id="p", workspace_id="w", name="lora", primary_metric="train_loss", goal="min",
                   experiment_ids=["1"])


def _lr_run(key: str, name: str, hours: float, lr: str, r: str, loss: float, user: str) -> RunSnapshot:
    return run(key, name, hours, {"learning_rate": lr, "lora_r": r, "batch_size": "128"}, "train_loss", loss, 300,
               user=user)


LR_RUNS = [
    _lr_run("a", "lr3e-4", 1, "3e-4", "4", 1.08, "hana"),
    _lr_run("b", "lr2e-5", 8, "2e-5", "4", 1.10, "hana"),
    _lr_run("c", "r4-baseline", 2, "3e-4", "4", 1.08, "tom"),
    _lr_run("d", "r8", 30, "3e-4", "8", 1.05, "tom"),
]
LR_NOTES: list[tuple[float, str, str]] = [
    (0.5, "hana", "The default learning rate might be too high? The loss is not going down after LR increases "
                  "beyond ~1e-4."),
    (0.7, "tom", "Updating to 2e-5 as in the original paper. I'll check in the morning if it works better."),
    (14, "hana", "this doesn't seem to actually help. Purple line is with 2e-5, green line 3e-4.\n\n"
                 "Maybe this is just the best result obtainable with these parameters?"),
    (36, "tom", "Fwiw I've been able to eke out some small gains setting LORA_R to 8 instead of 4."),
]


def _lr() -> ProjectHistory:
    return history(LR, LR_RUNS, LR_NOTES)


def _ask(q: str, hist: ProjectHistory) -> tuple[str, set[str]]:
    ans = synthesis.answer(q, hist, indexes=HistoryIndexCache())
    names = {r.run_id: r.run_name for r in hist.runs.values()}
    return ans.answer, {names[r] or "" for c in ans.citations for r in c.run_ids if r in names}


def _fake(name: str, params: dict[str, str]) -> RunSnapshot:
    return cast(RunSnapshot, SimpleNamespace(run_name=name, params=params))


# --- 1. "without X" rules out the runs with X on ----------------------------------------------------------------------


def test_a_value_asked_without_a_thing_comes_from_the_run_without_it() -> None:
    text, cited = _ask("what was the test-other WER without AMP?", _asr())
    assert "17.39" in text and "17.2" not in text, text  # before: the AMP run's 17.2
    # every run without AMP is one asked about (fang's tdnn run too); the AMP run never is
    assert "conformer-noamp-md450" in cited and "conformer-amp-md650" not in cited, cited


def test_negated_words_read_the_word_after_the_negation() -> None:
    assert "amp" in negated_words("what WER did we get without AMP?")
    assert "ema" in negated_words("the run w/o EMA")
    assert "warmup" in negated_words("what did the no-warmup run reach?")


def test_a_run_with_the_thing_on_is_ruled_out_and_one_with_it_off_matches() -> None:
    without = negated_words("what WER did we get without AMP?")
    assert ruled_out(_fake("conformer-amp-md650", {"amp": "true"}), without)
    assert ruled_out(_fake("zipformer", {"precision": "amp"}), without)  # a param value that is the word
    assert not ruled_out(_fake("conformer-noamp-md450", {"amp": "false"}), without)
    assert off_matches(_fake("conformer-noamp-md450", {"amp": "false"}), without) == 1
    assert off_matches(_fake("baseline", {"use_amp": "0"}), without) == 1
    no_dropout = negated_words("the runs with no dropout")
    assert ruled_out(_fake("r1", {"dropout": "0.1"}), no_dropout)
    assert not ruled_out(_fake("r2", {"dropout": "0.0"}), no_dropout)


def test_negation_must_not_fire_where_nothing_is_negated_of_a_run() -> None:
    amp_run = _fake("conformer-amp-md650", {"amp": "true", "max_duration": "650"})
    for q in ("what WER did the AMP run get?",
              "did the nonlinear head help?",  # "non" inside a word
              "notable runs with amp?",  # "no" inside a word
              "what did the amp run get, no kidding?",  # a negated word no run carries
              "was there no improvement with AMP?",
              "is AMP worth it?",
              "what did we get with amp=true?",
              "which run had the lowest WER, not counting fang's?",
              "the know-how on AMP",
              "anon run with amp"):
        assert not ruled_out(amp_run, negated_words(q)), q
    # the word of another thing: "without speed perturbation" says nothing of AMP
    assert not ruled_out(amp_run, negated_words("what did the AMP run get without speed perturbation?"))


def test_a_question_naming_the_runs_with_the_thing_still_gets_them() -> None:
    text, cited = _ask("what was the test-other WER with AMP at max_duration 650?", _asr())
    assert "17.2" in text and "conformer-amp-md650" in cited, (text, cited)


def test_walkthrough_without_amp() -> None:
    hist = _asr()
    text, cited = _ask("what test-other WER did the run without AMP get?", hist)
    assert "17.39" in text and "conformer-amp-md650" not in cited, (text, cited)
    text, _ = _ask("did AMP speed up training?", hist)
    assert "30%" in text, text


def test_negation_on_a_long_odd_question_stays_linear() -> None:
    q = "without " * 4000 + "no-" * 3000 + "w/o amp " * 2000
    t0 = time.perf_counter()
    words = negated_words(q)
    assert time.perf_counter() - t0 < 1.0
    assert len(words) <= 6
    text, _ = _ask("what was the WER " + "without " * 300 + "AMP?", _asr())
    assert len(text) <= 900


# --- 2. a run named by the one value that sets it apart --------------------------------------------------------------


def test_who_ran_the_value_run_names_the_one_run_holding_it() -> None:
    text, cited = _ask("who ran the 2e-5 run?", _lr())
    assert "hana" in text and cited == {"lr2e-5"}, (text, cited)  # before: the notes alone, no run cited


def test_a_value_several_runs_hold_names_none() -> None:
    idx = SimpleNamespace(runs=LR_RUNS)
    assert value_named_run(cast(Any, idx), "2e-5") is LR_RUNS[1]
    assert value_named_run(cast(Any, idx), "0.00002") is LR_RUNS[1]  # the same number written otherwise
    for word in ("3e-4", "4", "128", "lr", "baseline", "2e-6", "nan", "inf", "-", "2e-5e-5", "r8x"):
        assert value_named_run(cast(Any, idx), word) is None, word
    text, cited = _ask("who ran the 3e-4 run?", _lr())
    assert len(cited) != 1 or "lr3e-4" not in cited or "hana" in text  # never one run picked out of three


def test_walkthrough_value_named_run() -> None:
    text, cited = _ask("who ran the 2e-5 run and what did it get?", _lr())
    assert "hana" in text and "1.1" in text and cited == {"lr2e-5"}, (text, cited)


def test_a_long_value_word_is_no_run() -> None:
    idx = SimpleNamespace(runs=LR_RUNS)
    assert value_named_run(cast(Any, idx), "9" * 5000) is None
    text, _ = _ask("who ran the " + "2e-5" * 400 + " run?", _lr())
    assert len(text) <= 900


# --- 3. the verdict beside the line naming the value -----------------------------------------------------------------


def test_did_it_help_quotes_the_verdict_beside_the_value() -> None:
    text, cited = _ask("did lowering the learning rate to 2e-5 help?", _lr())
    assert "doesn't seem to actually help" in text, text  # before: "Updating to 2e-5 as in the original paper."
    assert "lr2e-5" in cited, cited


def test_help_verdict_reads_only_a_short_verdict() -> None:
    for t in ("this doesn't seem to actually help.", "It did not improve anything.", "no difference at all",
              "That helped a lot.", "didn't really help"):
        assert help_verdict(t), t
    for t in ("Will this help?",  # a question
              "Updating to 2e-5 as in the original paper.",
              "I'll check in the morning if it works better.",
              "Purple line is with 2e-5, green line 3e-4.",
              "## Did not help",  # a heading
              "helpful links below",
              "the helper script moved",
              "nothing changed in the data loader",
              "This is a long sentence that does not help anyone because it goes on and on about the data loader "
              "and the tokenizer and the cluster and everything else a note can hold in one line."):
        assert not help_verdict(t), t


def test_a_verdict_beside_another_value_is_not_lifted() -> None:
    notes: list[tuple[float, str, str]] = [
        (0.7, "tom", "Updating to 2e-5 as in the original paper."),
        (14, "hana", "this doesn't seem to actually help. Purple line is with 3e-4 only.\n\nMore tomorrow."),
    ]
    text, _ = _ask("did lowering the learning rate to 2e-5 help?", history(LR, LR_RUNS, notes))
    assert "doesn't seem to actually help" not in text, text
    text, _ = _ask("did raising LORA_R to 8 help?", _lr())
    assert "small gains" in text and "doesn't seem" not in text, text


def test_walkthrough_lr_thread() -> None:
    hist = _lr()
    text, _ = _ask("did the 2e-5 learning rate help?", hist)
    assert "doesn't seem to actually help" in text, text
    text, _ = _ask("why did we try a smaller learning rate?", hist)
    assert "too high" in text or "not going down" in text, text


def test_verdict_reading_on_a_long_odd_note() -> None:
    t0 = time.perf_counter()
    assert not help_verdict("not " * 20000 + "help")
    assert not help_verdict("doesn't " + "seem " * 5000 + "help")
    assert time.perf_counter() - t0 < 1.0
    notes: list[tuple[float, str, str]] = [(14, "hana", "doesn't help. " * 300 + "Purple line is with 2e-5.")]
    text, _ = _ask("did 2e-5 help?", history(LR, LR_RUNS, notes, t0=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)))
    assert len(text) <= 900


# --- 4. a why-answer from notes that link no run cites the runs that made the move asked about ---------------------


def test_why_a_move_answered_from_unlinked_notes_cites_the_runs_that_made_it() -> None:
    text, cited = _ask("why did we try a smaller learning rate?", _lr())
    assert "too high" in text or "not going down" in text, text
    assert "lr2e-5" in cited, (text, cited)  # before: the reason quoted, no run cited
    assert "learning_rate 3e-4 -> 2e-5" in text, text


def test_the_move_runs_are_not_added_where_they_do_not_belong() -> None:
    hist = _lr()
    for q in ("why did we change the learning rate?",  # no direction asked
              "why was the loss not going down?",  # no setting moved
              "why did we try a larger batch size?",  # no run moved the batch size
              "why did we try a larger learning rate?",  # no run raised it with nothing else changed
              "what learning rate did the paper use?",  # not a why-question
              "who ran the r8 run?",
              "why did tom use LORA_R 8?",
              "what did hana say about the purple line?"):
        text, _ = _ask(q, hist)
        assert "with nothing else changed: learning_rate 3e-4 -> 2e-5" not in text, (q, text)


def test_a_why_answer_whose_quote_cites_runs_gets_no_pair() -> None:
    notes: list[tuple[float, str, str]] = [
        (9, "hana", "lr2e-5 is a smaller learning rate because the loss was not going down at 3e-4."),
    ]
    text, cited = _ask("why did we try a smaller learning rate?", history(LR, LR_RUNS, notes))
    assert "lr2e-5" in cited and "with nothing else changed" not in text, (text, cited)


def test_a_long_why_question_about_a_move_stays_short() -> None:
    text, _ = _ask("why did we try a smaller " + "learning rate " * 200 + "?", _lr())
    assert len(text) <= 900


# --- 5. a plan that takes a thing away is not done by runs that kept it on -------------------------------------------


def _q_runs() -> list[RunSnapshot]:
    return [run(k, n, h, {"learning_rate": lr, "lora_r": "4", "load_in_8bit": "true"}, "train_loss", v, 300,
                user="hana") for k, n, h, lr, v in (("a", "lr3e-4", 1, "3e-4", 1.08), ("b", "lr2e-5", 8, "2e-5", 1.10))]


_Q_NOTES: list[tuple[float, str, str]] = [
    (9, "tom", "Could also be worth trying to disable the int8 quantization. Will check tomorrow."),
]


def test_a_removal_plan_is_not_tried_by_runs_that_kept_it_on() -> None:
    from narrative.checking import check

    idx = HistoryIndexCache().index(history(LR, _q_runs(), _Q_NOTES))
    got = check("disable the int8 quantization", idx)
    assert not got.already_tried, got.message  # before: "Already tried: run lr3e-4 ..."
    assert got.planned and "disable the int8" in got.planned[0].text, got
    text, _ = _ask("did we try disabling the int8 quantization?", history(LR, _q_runs(), _Q_NOTES))
    assert text.startswith("Not run: planned on"), text


def test_removal_kept_on_must_not_fire() -> None:
    from narrative.checking import check

    off = [*_q_runs(), run("c", "fp16-full", 20, {"learning_rate": "3e-4", "lora_r": "4", "load_in_8bit": "false"},
                           "train_loss", 1.04, 300, user="tom")]
    idx_on = HistoryIndexCache().index(history(LR, _q_runs(), _Q_NOTES))
    idx_off = HistoryIndexCache().index(history(LR, off, _Q_NOTES))
    said = [*_Q_NOTES, (30, "tom", "We disabled the int8 quantization last week and the loss was the same.")]
    idx_said = HistoryIndexCache().index(history(LR, _q_runs(), said))
    # a plan that uses the thing the runs have on: tried
    assert check("use int8 quantization", idx_on).already_tried
    assert check("lr 3e-4", idx_on).already_tried
    # a run that logged it off did the removal
    assert check("disable the int8 quantization", idx_off).already_tried
    assert check("turn off the int8 quantization", idx_off).already_tried
    # a statement that reports the removal is left to the statement rules (it says it was done)
    assert check("disable the int8 quantization", idx_said).already_tried
    # a lowered value is not a removal ("drop the lr to 2e-5"): the runs at 2e-5 did it
    assert check("drop the learning rate to 2e-5", idx_on).already_tried
    # plans that take away something no run has are not changed by this rule
    for plan in ("remove dropout", "disable warmup", "drop label smoothing"):
        got = check(plan, idx_on)
        assert not got.already_tried or got.matches, plan


def test_removal_kept_on_walkthrough_through_ask_and_check_agree() -> None:
    from narrative.checking import check

    hist = history(LR, _q_runs(), _Q_NOTES)
    idx = HistoryIndexCache().index(hist)
    text, _ = _ask("did we ever try turning off the int8 quantization?", hist)
    got = check("turn off the int8 quantization", idx)
    assert not got.already_tried and "tom" in text, (text, got.message)


def test_a_long_removal_plan_stays_fast() -> None:
    from narrative.checking import check

    idx = HistoryIndexCache().index(history(LR, _q_runs(), _Q_NOTES))
    t0 = time.perf_counter()
    got = check("disable " + "the int8 quantization and " * 200, idx)
    assert time.perf_counter() - t0 < 5.0
    assert not got.already_tried or got.matches
