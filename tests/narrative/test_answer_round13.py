"""A subject the question names in other words than the notes and the tracker (issue 8, h/answers13).

Three classes, seen on new real notes (a QwenChart LoRA version log, a MoE ablation summary; see
data/real_answers/README.md), each answered "I found nothing" before:

- a run named with spaces where its name has a separator: "who ran version 21?" for the run ``Version_21``;
- an initialism the notes use for words the question spells out: "did chain-of-thought help?" when the notes
  say "Add CoT", "mixture of experts" for "MoE";
- a did-it-help question whose subject is all plain words ("did the smaller model help?"): the verdict word
  ("help") is the question's form, and the result line says the rest of the subject in its heading
  ("### Model Size Trade-offs" / "- Small (256d, 4L): Val loss 7.70").

The runs and notes below are written for the tests.
"""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.history_index import HistoryIndex, HistoryIndexCache
from narrative.plan_reading import plan_terms
from narrative.run_answers import runs_named
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import T0, history, run

PROJECT = ProjectRecord(id="p", workspace_id="w", name="chartqa", primary_metric="rouge1_f1", goal="max",
                        experiment_ids=["1"])


def _run(key: str, name: str, hours: float, params: dict[str, str], value: float) -> RunSnapshot:
    return run(key, name, hours, params, "rouge1_f1", value, 50, user="lukas")


RUNS = [
    _run("a", "Version_3", 1, {"target_modules": "q_proj,v_proj"}, 0.614),
    _run("b", "Version_4", 5, {"target_modules": "up_proj,down_proj"}, 0.623),
    _run("c", "Version_12", 9, {"target_modules": "all", "prompt": "cot"}, 0.767),
    _run("d", "psa-run7", 13, {"loss": "coral"}, 0.70),
    _run("e", "lr_0.01", 17, {"lr": "0.01"}, 0.61),
    _run("f", "moe-8x", 21, {"experts": "8"}, 0.64),
]
NOTES = [
    (2, "Version 3: LoRA on q_proj and v_proj only, as in the tutorial. mp (mixed precision) on."),
    (6, "Version 4: the MLP layers only, slightly better."),
    (10, "Version 12: Add CoT - the answer is reasoned first: 0.767, best so far"),
    (22, "MoE with 8 experts and top-2 routing: 0.64, below the dense model"),
]


def _idx() -> HistoryIndex:
    h = history(PROJECT, RUNS, NOTES, author="lukas")
    return synthesis._index(h, HistoryIndexCache())


def _ask(q: str) -> tuple[str, set[str]]:
    ans = synthesis.answer(q, history(PROJECT, RUNS, NOTES, author="lukas"), indexes=HistoryIndexCache())
    return ans.answer, {r[0] for it in ans.citations for r in it.run_ids}


# --- a run named with spaces for its separator ------------------------------------------------------------------


def test_who_ran_a_run_named_with_a_space_for_its_underscore() -> None:
    text, cited = _ask("who ran version 12?")
    assert text.startswith("Version_12: run by lukas") and cited == {"c"}


def test_spaced_names_name_only_whole_run_names() -> None:
    idx = _idx()
    assert [r.run_name for r in runs_named(idx, "did version 3 beat version 4?")] == ["Version_3", "Version_4"]
    assert [r.run_name for r in runs_named(idx, "what did lr 0.01 get?")] == ["lr_0.01"]
    assert [r.run_name for r in runs_named(idx, "who ran Version_4?")] == ["Version_4"]  # the old exact path
    # must not fire: a word that is only part of a name, a name no run has, words without a digit or a letter
    for q in ("what happened with run 7?",  # psa-run7 is the name, "run 7" only its tail
              "who ran version 5?", "what happened in epoch 3?", "what did the 3 runs get?",
              "which version was best?", "did the moe help?", "what did version 3b get?",
              "did 0 01 help?", "who ran psa run?"):
        assert runs_named(idx, q) == [], q


# --- an initialism the notes use ---------------------------------------------------------------------------------


def test_chain_of_thought_spelled_out_finds_the_notes_cot() -> None:
    text, cited = _ask("did chain-of-thought help?")
    assert "Add CoT" in text and "c" in cited


def test_mixture_of_experts_finds_the_notes_moe() -> None:
    text, _ = _ask("did the mixture of experts help?")
    assert "MoE with 8 experts" in text


def test_initialisms_only_of_three_words_or_more_the_history_holds() -> None:
    idx = _idx()
    assert plan_terms("did chain of thought help?", idx, initials=True).joins.get("cot") == ("chain", "thought")
    # must not fire: two letters ("mean pooling" is not the notes' "mp"), initials no note holds, a stopword at
    # either end, words with digits, the initialism already said
    for q in ("did mean pooling help?", "did the new test set help?", "did the chain of custody matter?",
              "was it on the test?", "did top 5 accuracy improve?", "did the cot help?", "did a big change help?",
              "did more training help?", "why did the model fail?"):
        joins = plan_terms(q, idx, initials=True).joins
        assert not any(len(k) <= 4 and k in ("mp", "nts", "coc", "ott", "t5a", "abc", "mth", "mt") for k in joins), q
        assert "cot" not in joins or q == "did the cot help?", q


# --- a subject of plain words in a did-it-help question ---------------------------------------------------------

SIZE_PROJECT = ProjectRecord(id="p", workspace_id="w", name="moe", primary_metric="val_loss", goal="min",
                             experiment_ids=["1"])
SIZE_RUNS = [
    RunSnapshot(project_id="p", run_id="g" * 32, run_name="1_baseline", user="vuk", status="FINISHED",
                start=T0 + dt.timedelta(hours=1), end=T0 + dt.timedelta(hours=1, minutes=5),
                params={"hidden_size": "512", "num_hidden_layers": "8"}, metrics={"val_loss": 7.08}),
    RunSnapshot(project_id="p", run_id="h" * 32, run_name="7_small_model", user="vuk", status="FINISHED",
                start=T0 + dt.timedelta(hours=2), end=T0 + dt.timedelta(hours=2, minutes=5),
                params={"hidden_size": "256", "num_hidden_layers": "4"}, metrics={"val_loss": 7.70}),
]
SIZE_NOTES = [
    (3, "## Findings\n\n### 1. Model Size Trade-offs\n- Baseline (512d, 8L): Val loss 7.08, Time: 10.7s\n"
        "- Small (256d, 4L): Val loss 7.70, Time: 6.6s (38% faster)\n\n"
        "### 2. Why the loss looks huge\n- Small model size (512d, 8L)\n- Very short training (100 steps)\n\n"
        "### 3. What was wrong with the baseline\n- The baseline had a bad warmup"),
]


def _ask_size(q: str) -> str:
    return synthesis.answer(q, history(SIZE_PROJECT, SIZE_RUNS, SIZE_NOTES, author="vuk"),
                            indexes=HistoryIndexCache()).answer


def test_did_the_smaller_model_help_reads_the_line_under_its_heading() -> None:
    text = _ask_size("did the smaller model help?")
    assert "7.70" in text or "7.7" in text


def test_plain_word_questions_keep_their_old_reading() -> None:
    # must not fire: one plain word after the verdict is no subject; a question without a verdict word reads
    # as before (every word in one line)
    assert _ask_size("did the model help?").startswith("I found nothing")
    assert _ask_size("did it help?").startswith("I found nothing")
    assert "bad warmup" in _ask_size("what was wrong with the baseline?")


# --- going without the thing: its own standing is no answer ------------------------------------------------------

DROP_PROJECT = ProjectRecord(id="p", workspace_id="w", name="lm", primary_metric="val_loss", goal="min",
                             experiment_ids=["1"])
DROP_RUNS = [
    RunSnapshot(project_id="p", run_id=k * 32, run_name=name, user="vuk", status="FINISHED",
                start=T0 + dt.timedelta(hours=h), end=T0 + dt.timedelta(hours=h, minutes=5),
                params={"dropout": d, "skip_connections": "true"}, metrics={"val_loss": v})
    for k, name, h, d, v in (("i", "base-drop0.1", 1, "0.1", 7.08), ("j", "drop0.05", 2, "0.05", 6.99),
                             ("k", "no-dropout", 3, "0.0", 6.93))
]
DROP_NOTES = [
    (1.5, "base run with dropout 0.1: 7.08"),
    (4, "Dropout hurts short training: dropout 0.05 gives 6.99, worse than none. No dropout: 6.93, best. "
        "Dropout is not worth it for short runs, dropping it."),
]


def _ask_drop(q: str) -> str:
    return synthesis.answer(q, history(DROP_PROJECT, DROP_RUNS, DROP_NOTES, author="vuk"),
                            indexes=HistoryIndexCache()).answer


def test_did_going_without_it_help_is_not_answered_by_its_own_standing() -> None:
    for q in ("did turning off dropout help?", "did removing dropout help?", "did skipping dropout help?"):
        text = _ask_drop(q)
        assert "dropout was" not in text.lower() and "Verdict: no gain" not in text, (q, text)
        assert "6.93" in text, (q, text)
    from narrative.answer_topical import _WITHOUT
    for q in ("did skipping warmup help?", "did no augmentation help?", "did turning off ema help?",
              "did removing the bias help?", "did training without mixup help?"):
        assert _WITHOUT.search(q), q
    # must not fire: a "skip" or "drop" that is a thing of its own, words that only contain "no"
    for q in ("did the skip connections help?", "did drop path help?", "did dropout help?", "did the nose help?",
              "did know-how help?", "did dropout 0.1 help?", "did skip layers help?"):
        assert not _WITHOUT.search(q), q


def test_the_standing_still_answers_the_thing_itself() -> None:
    # must not fire: the thing asked about itself (the standing or the verdict is said as before)
    for q in ("did dropout help?", "did dropout 0.05 help?", "was dropout worth it?",
              "what happened with dropout 0.05, dropping it?"):
        text = _ask_drop(q)
        assert "dropout was" in text.lower() or "verdict" in text.lower(), (q, text)


# --- a version log's item: the lines under its first line are about the run that line names --------------------

ITEM_RUNS = [
    _run("m", "Version_13", 1, {"chartqa": "true"}, 0.619),
    _run("n", "Version_14", 5, {"chartqa": "false"}, 0.735),
    _run("o", "Version_15", 9, {"chartqa": "false"}, 0.742),
    _run("p", "Version_16", 10, {"chartqa": "false"}, 0.724),
]
ITEM_NOTES = [
    (12, "✅ Version 13: [config](LoRa_versions/Version_13/adapter_config.json)\\\nadd ChartQA again\\\n"
         "[Scores](Scores_versions/Version_13/scores.txt)\n\n"
         "✅ Version 14: [config](LoRa_versions/Version_14/adapter_config.json)\\\n"
         "remove ChartQA add OCR with new box tokens\\\n[Scores](Scores_versions/Version_14/scores.txt)\n\n"
         "✅ Version 15 & 16: [config 15](LoRa_versions/Version_15/adapter_config.json) "
         "[config 16](LoRa_versions/Version_16/adapter_config.json)\\\nbigger rank for the text decoder\\"),
    (13, "Version_13 looked fine at first. The decoder rank change was odd."),
]


def _ask_items(q: str) -> tuple[str, set[str]]:
    ans = synthesis.answer(q, history(PROJECT, ITEM_RUNS, ITEM_NOTES, author="lukas"), indexes=HistoryIndexCache())
    return ans.answer, {r[0] for it in ans.citations for r in it.run_ids}


def test_a_line_under_a_version_item_cites_that_version() -> None:
    text, cited = _ask_items("did the OCR box tokens help?")
    assert "Version_14 (rouge1_f1 0.735)" in text and "n" in cited


def test_item_runs_only_for_one_run_named_by_the_first_line() -> None:
    from narrative.answer_topical import _item_runs
    h = history(PROJECT, ITEM_RUNS, ITEM_NOTES, author="lukas")
    idx = synthesis._index(h, HistoryIndexCache())
    facts = [f for f in idx.facts if f.kind == "sentence"]
    by_text = {f.text.rstrip("\\"): f for f in facts}
    assert _item_runs(idx, by_text["remove ChartQA add OCR with new box tokens"]) == ["n" * 32]
    # must not fire: the item's first line itself, an item whose first line names two runs
    head = next(f for t, f in by_text.items() if t.startswith("✅ Version 14"))
    assert _item_runs(idx, head) == []
    assert _item_runs(idx, by_text["bigger rank for the text decoder"]) == []
    # nor in prose: a paragraph's first sentence naming a run is no header of the sentences after it
    assert _item_runs(idx, by_text["The decoder rank change was odd."]) == []
