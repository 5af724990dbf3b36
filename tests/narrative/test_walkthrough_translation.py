"""A new user's three weeks on German-English machine translation (fairseq-style runs: transformer base then big,
label smoothing, BPE vocabulary, back-translation, checkpoint averaging, R-Drop), read as a demanding lead reads
``phase`` and ``next``: an ablation that measures a technique's removal keeps the technique ("without label smoothing
30.4 vs 31.2, so label smoothing stays"); what a note keeps after "on top of" is the addition, not the base it sits
on; lines dropped by their verdicts (beam BT, R-Drop, the small vocab) are closed and not suggested again; ideas only
planned stay open; a translation project is not told to log a logistic-regression baseline. The notes and runs are
written for these tests."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.approaches import _subjects_of
from narrative.types import ProjectHistory
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative import walkthrough_util

T0 = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)
M = "valid_bleu"
PROJECT = ProjectRecord(id="p", workspace_id="w", name="de-en-nmt", primary_metric=M, goal="max", experiment_ids=["1"])
BASE = {"arch": "transformer_base", "vocab": "bpe_32k", "label_smoothing": "0.1", "lr": "5e-4",
        "warmup_updates": "4000", "max_tokens": "4096", "dropout": "0.3", "beam": "5", "data": "wmt14_de_en"}
BIG = {**BASE, "arch": "transformer_big"}
SAMPLED_BT = {**BIG, "backtranslation": "sampled", "bt_ratio": "1:1"}


def r(key: str, name: str, hours: float, params: dict[str, str], bleu: float, chrf: float) -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user="ines", status="FINISHED", start=start,
                       end=start + dt.timedelta(hours=20), params=params, metrics={M: bleu, "valid_chrf": chrf})


RUNS = [
    r("a", "tbase-bpe32k", 0, BASE, 31.2, 57.9),
    r("b", "tbase-bpe32k-ls0", 26, {**BASE, "label_smoothing": "0.0"}, 30.4, 57.1),
    r("c", "tbase-bpe8k", 28, {**BASE, "vocab": "bpe_8k"}, 30.9, 57.6),
    r("d", "tbig-bpe32k", 74, BIG, 32.6, 58.8),
    r("e", "tbig-bpe32k-bt", 170, SAMPLED_BT, 33.9, 59.7),
    r("f", "tbig-bpe32k-bt-beam", 196, {**SAMPLED_BT, "backtranslation": "beam"}, 33.1, 59.2),
    r("g", "tbig-bt-ckptavg10", 220, {**SAMPLED_BT, "avg_checkpoints": "10"}, 34.3, 60.0),
    r("h", "tbig-bt-rdrop", 290, {**SAMPLED_BT, "rdrop_alpha": "5"}, 34.0, 59.9),
]
NOTES = [
    (24, "transformer-base on wmt14 de-en, bpe 32k joint, label smoothing 0.1: 31.2 bleu on newstest2013 after 100k "
         "updates. that's our baseline. plan for the week: ls ablation, smaller bpe vocab, then transformer-big"),
    (50, "ls ablation: without label smoothing 30.4 vs 31.2, so label smoothing stays at 0.1.\n"
         "bpe 8k instead of 32k: 30.9, slightly worse and 30% slower (longer sequences). dropping the small vocab "
         "idea, 32k it is."),
    (98, "transformer-big: 32.6 (+1.4 over base). clearly worth the extra compute, moving to big for everything from "
         "now on.\nnext: back-translation from the 20M monolingual news crawl, sampled vs beam outputs"),
    (222, "back-translation with sampled outputs, 1:1 with bitext: 33.9. beam BT only 33.1, sampling is better as the "
          "paper says, beam BT dropped.\n"
          "averaging the last 10 checkpoints on top of sampled BT: 34.3, best so far, keeping it.\n"
          "maybe try tagged BT at some point, and a bigger monolingual slice"),
    (314, "r-drop (alpha 5) on top of big + BT: 34.0 vs 34.3 without, no gain for 2x the cost per step - not worth it, "
          "r-drop is out.\nstill to do: tagged BT, and an ensemble of 4 big models for the final submission. "
          "also haven't checked chrF vs bleu disagreements on the noisy sentences"),
]


def _history() -> ProjectHistory:
    return walkthrough_util.history(PROJECT, RUNS, NOTES, 16, author="ines", t0=T0)


def _lines() -> dict[str, tuple[str, str, float | None]]:
    return {a.name: (a.status, a.reason, a.best_value) for a in synthesis.phase(_history()).approaches}


def test_the_best_run_and_the_lines_kept() -> None:
    report = synthesis.phase(_history())
    assert report.best is not None and report.best.run_name == "tbig-bt-ckptavg10"
    lines = _lines()
    # "without label smoothing 30.4 vs 31.2, so label smoothing stays at 0.1" was read as label smoothing switched off
    # (closed, "no gain") on the old code
    assert lines["label smoothing"][0] == "adopted", lines["label smoothing"]
    # "averaging the last 10 checkpoints on top of sampled BT: 34.3, ... keeping it" keeps the averaging
    assert lines["checkpoint averaging"][0] == "adopted" and lines["checkpoint averaging"][2] == 34.3
    assert lines["back-translation"][0] in ("open", "adopted")


def test_the_lines_dropped_are_closed_and_not_suggested_again() -> None:
    lines = _lines()
    assert lines["R-Drop"][0] == "exhausted" and "34.0 vs 34.3" in lines["R-Drop"][1]
    assert lines["beam bt"][0] == "exhausted"
    assert next(v for k, v in lines.items() if "vocab" in k)[0] == "abandoned"
    plan = synthesis.next_plan(_history())
    titles = " | ".join(e.title.lower() for e in plan.experiments)
    assert "r-drop" not in titles and "beam bt" not in titles and "8k" not in titles, titles
    assert any("r-drop" in low.text.lower() for low in plan.low_roi)


def test_ideas_only_planned_stay_open() -> None:
    steps = synthesis.phase(_history()).next_steps
    assert any("tagged BT" in s for s in steps), steps
    assert not any(s.startswith("continue R-Drop") or s.startswith("continue beam") for s in steps)


def test_a_translation_project_is_asked_for_no_classifier_floor() -> None:
    # the old code asked for "a logistic/linear model, seasonal naive, TF-IDF + linear" baseline
    assert synthesis.next_plan(_history()).missing_baseline is None


def test_what_sits_under_an_addition_is_its_base() -> None:
    assert _subjects_of("ema on top of mixup: worse") == {"ema"}
    assert _subjects_of("swa on top of the sampled mixup: 0.81, keeping it") == {"ema"}
    # not a base: "on top of that", an addition said after its verdict, a list
    assert _subjects_of("on top of that, dropout helped") == {"dropout"}
    assert _subjects_of("cutmix helped on top") == {"cutmix"}
    assert _subjects_of("mixup and cutmix: both worse") == {"mixup", "cutmix"}
    assert _subjects_of("focal loss for the gru: worse") == {"focal"}
