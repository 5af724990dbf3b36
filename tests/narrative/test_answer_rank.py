"""Which noted line answers a did-it-help or how-did-we question, and which runs it rests on (issue 8, h/answers3).

Each test reads a real practitioner's notes from ``data/real_answers`` (sources in each file's description).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from narrative import synthesis
from narrative.history_index import HistoryIndexCache
from tests.narrative.synthesis_dev import build_history, cited_keys

DATA = Path(__file__).parent / "data" / "real_answers"
_HISTORIES: dict[str, Any] = {}


def _ask(name: str, question: str) -> tuple[str, set[str]]:
    if name not in _HISTORIES:
        _HISTORIES[name] = (*build_history(DATA / name, False), HistoryIndexCache())
    hist, key_of, entry_runs, _, indexes = _HISTORIES[name]
    ans = synthesis.answer(question, hist, indexes=indexes)
    return ans.answer, cited_keys(ans.citations, key_of, entry_runs)


def test_an_aim_a_title_or_a_todo_is_not_how_it_went() -> None:
    from narrative.answer_rank import stated_aim, title_line

    # activity-recognizer logs (hojjang98/CV-Projects)
    assert stated_aim("**🎯 Purpose**: Evaluate grayscale input with a custom CNN architecture")
    assert stated_aim("To regularize the model using Dropout after the global pooling layer, and observe if it "
                      "enhances generalization when combined with strong augmentation techniques.")
    assert stated_aim("Test whether grayscale transformation and a custom-built CNN can provide comparable results")
    assert not stated_aim("Augmentation strengthening across all classes appears to help with generalization")
    assert not stated_aim("To our surprise the loss went down.")
    assert title_line("📅 **2025/06/06 Experiment Log — MobileNetV2 Fine-Tuning + Dropout + Strong Augmentation**")
    assert not title_line("**Augmentation**: Rotation ±30°, width/height shift ±20%")

    # the verdict on the stronger augmentation, not the dropout log's aim that names "strong augmentation"
    answer, cited = _ask("activity-recognizer-logs.json", "did the stronger augmentation help?")
    assert answer.split('"')[1].startswith("Augmentation strengthening"), answer
    assert "observe if" not in answer and "📅" not in answer and "[ ]" not in answer, answer
    assert "r03" in cited


def test_dropout_is_no_status_word_and_a_variant_is_not_the_approach() -> None:
    # CS50 traffic notes: the notes never closed dropout; they removed the input dropout, then put it back.
    # "dropout" is not "drop", and a question about one variant is not answered by the approach's standing.
    answer, cited = _ask("traffic-cnn-versions.json", "what happened when we removed the input dropout?")
    assert "was closed" not in answer, answer
    assert "overfitted" in answer and "r09" in cited
    answer, _ = _ask("traffic-cnn-versions.json", "did raising the hidden layer dropout to 0.5 help?")
    assert "was closed" not in answer and "decreased accuracy" in answer, answer


def test_a_why_about_part_of_an_approach_gets_no_standing_of_the_whole() -> None:
    # metaseq OPT-175B chronicles: the GPT-2 BPE was a fallback; that "GPT" runs were closed is no answer
    answer, _ = _ask("opt175b-chronicles.json", "why did we end up on the GPT-2 BPE?")
    assert "was closed" not in answer and "fell back to using the GPT-2 BPE" in answer, answer


def test_the_note_on_the_run_set_to_the_asked_value_comes_first() -> None:
    # CS50 traffic notes: 2.2 raised the hidden dropout to 0.5 ("has decreased accuracy"); 2.4 lowered it to 0.05
    answer, _ = _ask("traffic-cnn-versions.json", "did raising the hidden layer dropout to 0.5 help?")
    assert "Increase in hidden layer dropout" in answer.split('"')[1], answer


def test_a_group_of_runs_named_by_a_word_of_their_names_is_cited() -> None:
    from narrative.answer_intent import name_group_runs
    from narrative.history_index import HistoryIndex

    # LayoutLM tuning log: "the encoder LR sweep" is the sweep1-* runs, which the note quoted links none of
    answer, cited = _ask("resume-ocr-tuning-log.json", "did the encoder LR sweep find anything better?")
    assert "no better results" in answer and cited & {"r07", "r08", "r09", "r10"}, (answer, cited)
    hist, *_ = build_history(DATA / "cnn-training-notes.json", False)
    idx = HistoryIndex(hist)
    # "the 10 layer model" names one model by its count: not every run with "layer" in its name
    assert name_group_runs(idx, "why did the 10 layer model fail?") == []


def test_how_did_we_get_it_down_quotes_the_cut_and_the_runs_that_logged_it() -> None:
    from narrative.answer_rank import reports_change

    q = "how did we get the epoch time down?"
    assert reports_change(q, "Training time per epoch reduced from 1 hour to 37 min")
    assert not reports_change(q, "Training improved after fixes")
    # ResNet50 ImageNet notes: the line that reports the cut links no run and its entry links ten; the runs that
    # logged the 37 minutes it states are cited
    answer, cited = _ask("resnet50-imagenet-notes.json", "how did we get the epoch time down?")
    assert "37 minutes" in answer and "GPU utilization" not in answer, answer
    assert "r10" in cited


def test_a_stated_value_names_the_runs_that_logged_it() -> None:
    from types import SimpleNamespace

    from narrative.answer_rank import stated_value_runs
    from storage.records import RunSnapshot

    def run(rid: str, minutes: float) -> RunSnapshot:
        return RunSnapshot(project_id="p", run_id=rid, run_name=rid, user="x", status="FINISHED",
                           start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), metrics={"epoch_minutes": minutes})

    idx: Any = SimpleNamespace(entry_runs={"e1": ["a", "b"]}, run_by_id={"a": run("a", 60), "b": run("b", 37)})
    f: Any = SimpleNamespace(entry_id="e1")
    assert stated_value_runs(idx, f, "reduced to **37 minutes**") == ["b"]
    assert stated_value_runs(idx, f, "much faster now") == []


def test_the_note_on_the_best_run_is_not_its_card_field() -> None:
    # activity-recognizer logs: "**🧪 Experiment ID**: `exp_..._augdropout`" names the best run and says nothing
    answer, cited = _ask("activity-recognizer-logs.json", "what was the best validation accuracy and which run?")
    assert "0.544" in answer and "Experiment ID" not in answer, answer
    assert "r06" in cited


def test_a_variant_is_named_by_a_setting_a_result_is_not() -> None:
    from types import SimpleNamespace

    from narrative import vocab
    from narrative.answer_intent import names_a_setting
    from storage.records import RunSnapshot

    run = RunSnapshot(project_id="p", run_id="a", run_name="a", user="x", status="FINISHED",
                      start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), params={"input_dropout": "0.1", "bpe": "gpt2",
                                                                             "hidden_dropout": "0.5"})
    idx: Any = SimpleNamespace(runs=[run], cache={})
    assert names_a_setting(idx, frozenset(vocab.tokens("input")), set())  # "removed the input dropout"
    assert names_a_setting(idx, frozenset(), {0.5})  # "raising the hidden dropout to 0.5"
    # "why undersampling worse (0.828)?": a result word and a metric value name no variant
    assert not names_a_setting(idx, frozenset(vocab.tokens("worse")), {0.828})


def test_the_lines_under_a_bold_label_are_its_reasons() -> None:
    # HAB-F ConvLSTM notes (jbcox-noaa/HAB-F): "**Patience = 10:**" heads the reasons listed under it; the table rows
    # holding "patience 10" say how their runs went ("Overfitting"), not why the setting was picked
    answer, cited = _ask("hab-convlstm-dropout.json", "why did we use patience 10?")
    assert answer.split('"')[1].startswith("Patience = 10: More tolerant than Run 1"), answer
    assert "more fluctuation" in answer and "r4" in cited, answer
    answer, _ = _ask("hab-convlstm-dropout.json", "why did we raise the batch size back to 16?")
    assert "Batch Size = 16: Proven in Run 1; Run 2 used batch_size=4 (too small, noisy gradients)" in answer, answer


def test_a_command_or_a_path_is_data_and_a_lever_is_an_aim() -> None:
    from narrative.answer_rank import stated_aim
    from narrative.data_lines import data_line

    assert data_line("- Command: `conda run -n eeg python scripts/run_loso.py --exp-name tick_wpred_v1`")
    assert data_line("Outputs: `outputs/experiments/20260107_103321_tick_wpred_v1/summary_all.json`")
    assert not data_line("best CC: `0.84`")  # a result, not a path
    assert stated_aim("Primary lever: **DG loss tick sampling** (uniform → `w_pred`-weighted)")
    # SyncDG_CTM iteration reports: the verdict on w_pred, not its command line
    answer, cited = _ask("syncdg-iteration-reports.json", "did w_pred tick sampling help?")
    assert "Treat as" in answer and "negative" in answer and "Command:" not in answer, answer
    assert "v4" in cited


def test_a_line_of_work_whose_absence_failed_is_not_closed() -> None:
    from narrative.approaches import _absence_hurts

    assert "dropout" in _absence_hurts("Without dropout: 67% failure rate (Runs 2 & 3)")[0]
    answer, _ = _ask("hab-convlstm-dropout.json", "did dropout help?")
    assert "dropout was closed" not in answer and "no gain" not in answer, answer


def test_no_verdict_when_the_successs_own_paragraph_reports_a_worse_result() -> None:
    # SyncDG_CTM iteration 5: "Burn-in succeeded mechanically" sits beside "Mean acc slightly below Iter3"
    answer, cited = _ask("syncdg-iteration-reports.json", "did the burn-in help?")
    assert "Verdict" not in answer and "succeeded mechanically" in answer and "v5" in cited, answer
    # a success alone keeps its verdict
    answer, _ = _ask("activity-recognizer-logs.json", "did fine-tuning help over the frozen backbone?")
    assert answer.startswith("Verdict: it helped."), answer
