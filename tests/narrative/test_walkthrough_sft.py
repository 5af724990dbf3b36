"""Two authors' weeks of LLM instruction tuning (LoRA rank and lr, packing, QLoRA, DPO after SFT; judged win rate on
a held-out set, an MMLU subset), read as the teammate who asks in the thread weeks later. Fixed, each wrong on the
old code:

- "why did we go to 64?" found nothing: the question names no setting, only the value moved to, and the note says
  "going to 64 because the judge set has a lot of long-form answers ..."; now that sentence, not tagged a plan (the
  r64 runs were logged before it), with the r64 runs from the tracker;
- "did qlora help?" said "QLoRA was abandoned (ran out of memory)" off "40% less memory": memory saved is a gain;
- "who ran the dpo run and what did it get?" quoted the notes but never said who ran it: now the tracker's user;
- "did the lower lr help?" now carries the tracker's pair that moved the lr alone, with both values.
"""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import synthesis, vocab
from narrative.answer_values import moved_to
from narrative.answering import _WHO_Q
from narrative.history_index import HistoryIndex
from narrative.types import ProjectHistory
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import T0, history

PROJECT = ProjectRecord(id="p", workspace_id="w", name="sft", primary_metric="judge_winrate", goal="max",
                        experiment_ids=["1"])
BASE = "meta-llama/Llama-3.1-8B"


def _run(key: str, name: str, hours: float, params: dict[str, str], winrate: float, mmlu: float,
         user: str = "ana") -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    full = {"model_name_or_path": BASE, "lora_alpha": "32", "learning_rate": "2e-4", "packing": "True",
            "num_train_epochs": "3", **params}
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user=user, status="FINISHED", start=start,
                       end=start + dt.timedelta(hours=3), params=full,
                       metrics={"judge_winrate": winrate, "mmlu_subset": mmlu})


R64 = {"lora_r": "64", "packing": "False", "lora_alpha": "128"}
DPO = {**R64, "learning_rate": "5e-6", "stage": "dpo"}
RUNS = [
    _run("a", "sft-lora-r16", 1, {"lora_r": "16"}, 0.412, 0.631),
    _run("b", "sft-lora-r16-nopack", 3, {"lora_r": "16", "packing": "False"}, 0.448, 0.634),
    _run("c", "sft-lora-r64-nopack", 49, R64, 0.471, 0.629),
    _run("d", "sft-lora-r64-lr1e-4", 51, {**R64, "learning_rate": "1e-4"}, 0.486, 0.633),
    _run("e", "sft-qlora-r64", 73, {**R64, "learning_rate": "1e-4", "load_in_4bit": "True"}, 0.479, 0.628),
    _run("f", "dpo-beta0.1", 170, {**DPO, "beta": "0.1"}, 0.534, 0.622, user="tomas"),
    _run("g", "dpo-beta0.3", 172, {**DPO, "beta": "0.3"}, 0.509, 0.630, user="tomas"),
]
ANA = [
    (8, "first sft runs on llama 3.1 8b, lora r16 alpha 32, lr 2e-4, 3 epochs.\n- packed: judge winrate .412\n"
        "- no packing: .448\npacking hurts, i think cross-contamination between packed examples w/o proper attn "
        "masking. dropping packing for now\nmmlu subset flat either way (~.63)"),
    (56, "rank sweep. r64 (alpha 128) gets .471 vs .448 at r16, so higher rank helps a bit. lr 1e-4 at r64 better "
         "again, .486. going to 64 because the judge set has a lot of long-form answers and r16 seemed to underfit "
         "them\ntodo: qlora to see if we can fit bigger batch"),
    (80, "qlora r64 (4bit nf4): .479, basically same as the bf16 lora (.486) within noise, 40% less memory. keeping "
         "bf16 lora as main, qlora as fallback if we go to 70b"),
]
TOMAS = [
    (176, "dpo on top of ana's best sft ckpt (r64 lr1e-4). ultrafeedback pairs, lr 5e-6\n* beta 0.1 -> .534 winrate, "
          "mmlu .622 (small drop)\n* beta 0.3 -> .509\nbeta 0.1 it is. mmlu drop is a bit worrying, might be "
          "alignment tax. next: try mixing some sft data into dpo"),
    (200, "looked at judge outputs for the dpo run, answers are ~30% longer on average, judge might be rewarding "
          "length. need a length-controlled winrate before we claim the gain"),
]


def _history() -> ProjectHistory:
    first = history(PROJECT, RUNS, ANA, days=30, author="ana")
    second = history(PROJECT, RUNS, TOMAS, days=30, author="tomas")
    for i, e in enumerate(second.entries):
        e.id = f"t{i}"
    first.entries.extend(second.entries)
    return first


@pytest.fixture(scope="module")
def hist() -> ProjectHistory:
    return _history()


def test_a_why_question_about_a_value_quotes_the_move_and_its_reason(hist: ProjectHistory) -> None:
    # old code: "I found nothing in the log or the tracker about that."
    answer = synthesis.answer("why did we go to 64?", hist)
    assert "because the judge set has a lot of long-form answers" in answer.answer, answer.answer
    assert "a plan" not in answer.answer, answer.answer  # the r64 runs came before the note: a move made
    assert "sft-lora-r64-nopack" in answer.answer and "sft-lora-r16 " not in answer.answer, answer.answer


@pytest.mark.parametrize("said,want", [
    ("going to 64 because r16 underfits", {64.0}),
    ("bumped hidden to 768 since 512 underfit", {768.0}),
    ("dropped the lr to 1e-4", {1e-4}),
    ("switched the rank up to r64", {64.0}),
    ("settled on 31 leaves", {31.0}),
])
def test_a_move_onto_a_value_is_read(said: str, want: set[float]) -> None:
    assert moved_to(said) == want


@pytest.mark.parametrize("said", [
    "batch 64 OOM'd on the a100",
    "r64 (alpha 128) gets .471 vs .448 at r16",
    "63 was probably overfitting the small segments",
    "ran 64 epochs, loss still going down",
    "going to try a bigger rank next week",
    "the 64 run went fine",
    "moved the eval to the new judge set",
    "set up the judge with gpt-4o",
    "went back to the old tokenizer",
])
def test_what_moves_no_setting_onto_a_value_is_no_move(said: str) -> None:
    assert moved_to(said) == set(), said


def test_memory_saved_is_no_memory_trouble(hist: ProjectHistory) -> None:
    # old code: "QLoRA was abandoned (ran out of memory)." off "40% less memory"
    answer = synthesis.answer("did qlora help?", hist).answer
    assert "ran out of memory" not in answer, answer
    assert ".479, basically same as the bf16 lora (.486)" in answer, answer


@pytest.mark.parametrize("said", [
    "qlora: same winrate, 40% less memory",
    "4bit saves ~6gb of vram at the same loss",
    "gradient checkpointing cuts memory by half, 20% slower",
    "lower peak memory with paged adamw",
    "memory savings are real but the judge score drops",
])
def test_a_memory_saving_is_no_memory_reason(said: str) -> None:
    assert vocab.reason_kind(said) != "memory", said


@pytest.mark.parametrize("said", [
    "OOM at bs 64 on the 80gb card",
    "ran out of memory at seq len 4096",
    "70b doesn't fit on one node",
    "uses less memory but still OOMs at bs 32",
    "needs 90gb, not enough vram",
    "memory blew up with packing on",
    "vram is the bottleneck here",
    "cuda oom after step 300",
])
def test_a_memory_shortage_still_reads_as_memory(said: str) -> None:
    assert vocab.reason_kind(said) == "memory", said


def test_who_ran_a_run_described_in_a_note_says_the_trackers_user(hist: ProjectHistory) -> None:
    # old code: the notes' quotes and the win rates, never who ran it
    answer = synthesis.answer("who ran the dpo run and what did it get?", hist).answer
    assert "Run by (tracker): tomas (dpo-beta0.1" in answer, answer
    assert "0.534" in answer, answer


@pytest.mark.parametrize("asked", [
    "how did the dpo run go?", "what did the dpo run get?", "why did tomas run dpo?", "which run is best?",
    "whose idea was dpo?", "did dpo help?", "what's our best winrate and which run?", "when did we run qlora?",
])
def test_only_a_who_question_asks_who_ran(asked: str) -> None:
    assert not _WHO_Q.search(asked), asked


def test_a_who_question_elsewhere_says_no_user_when_no_run_is_cited(hist: ProjectHistory) -> None:
    for asked in ("did dpo help?", "why did we drop packing?"):
        assert "Run by (tracker)" not in synthesis.answer(asked, hist).answer, asked


def test_did_the_lower_lr_help_carries_the_trackers_pair(hist: ProjectHistory) -> None:
    answer = synthesis.answer("did the lower lr help?", hist).answer
    assert "learning_rate 2e-4 -> 1e-4: judge_winrate 0.471 -> 0.486" in answer, answer


def test_the_index_reads_both_authors(hist: ProjectHistory) -> None:
    idx = HistoryIndex(hist)
    assert {f.author for f in idx.facts} == {"ana", "tomas"}
