"""A line of work closed by its numbers alone: a change the notes report with no verdict word, every run of it
worse (by the project's goal) than the run it was changed from. The words always decide when there are any."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from narrative import synthesis
from narrative.history_index import HistoryIndexCache
from tests.narrative.synthesis_dev import build_history


def _scenario(tmp_path: Path, texts: list[str], runs: list[tuple[str, dict[str, str], float]],
              *, goal: str = "max") -> Path:
    data: dict[str, Any] = {
        "name": "numbers", "description": "unit", "split": "tune", "project": "numbers", "experiment": "numbers",
        "primary_metric": "val_acc", "primary_metric_goal": goal,
        "runs": [{"key": f"r{i + 1:02d}", "run_name": name, "user": "ada", "start": f"2024-05-0{i + 1}T09:00:00Z",
                  "minutes": 60, "status": "FINISHED", "params": params, "metrics": {"val_acc": value}, "tags": {}}
                 for i, (name, params, value) in enumerate(runs)],
        "messages": [{"key": f"m{i + 1:02d}", "at": f"2024-05-0{i + 4}T18:00:00Z", "author": "ada", "kind": "log",
                      "text": t} for i, t in enumerate(texts)],
        "expect": {"entries": [], "checks": [], "questions": [],
                   "phase": {"best_run": "r01", "exhausted_any": [], "open_any": []}, "reproduce": []},
    }
    path = tmp_path / "numbers.json"
    path.write_text(json.dumps(data))
    return path


def _statuses(path: Path) -> dict[str, tuple[str, str]]:
    hist, _key_of, _e, _sc = build_history(path, False)
    ph = synthesis.phase(hist, indexes=HistoryIndexCache())
    return {a.name.lower(): (a.status, a.reason) for a in ph.approaches}


BASE = {"model": "resnet18", "lr": "0.001", "epochs": "20"}
RUNS = [("base", BASE, 0.735), ("ls-0.1", {**BASE, "label_smoothing": "0.1"}, 0.712),
        ("ls-0.2", {**BASE, "label_smoothing": "0.2"}, 0.705)]


def test_a_change_told_only_by_its_numbers_is_closed_by_them(tmp_path: Path) -> None:
    got = _statuses(_scenario(tmp_path, ["| run | val acc |\n|---|---|\n| base | 0.735 |\n| label smoothing 0.1 |"
                                         " 0.712 |\n| label smoothing 0.2 | 0.705 |"], RUNS))
    status, reason = got["label smoothing"]
    assert status == "exhausted" and "by its numbers" in reason


def test_a_verdict_word_decides_instead_of_the_numbers(tmp_path: Path) -> None:
    got = _statuses(_scenario(tmp_path, ["label smoothing 0.1 looks promising, keep going with it"], RUNS))
    assert "by its numbers" not in got.get("label smoothing", ("", ""))[1]


def test_a_change_that_beat_its_origin_stays_open(tmp_path: Path) -> None:
    runs = [RUNS[0], ("ls-0.1", {**BASE, "label_smoothing": "0.1"}, 0.741), RUNS[2]]
    got = _statuses(_scenario(tmp_path, ["| run | val acc |\n|---|---|\n| base | 0.735 |\n| label smoothing 0.1 |"
                                         " 0.741 |\n| label smoothing 0.2 | 0.705 |"], runs))
    assert got.get("label smoothing", ("open", ""))[0] == "open"


def test_a_run_of_another_setup_is_no_yardstick(tmp_path: Path) -> None:
    # the label-smoothing runs also changed the model and the lr: three settings, not a change of one
    runs = [RUNS[0], ("ls-0.1", {**BASE, "model": "vit", "lr": "0.0003", "label_smoothing": "0.1"}, 0.712)]
    got = _statuses(_scenario(tmp_path, ["| run | val acc |\n|---|---|\n| base | 0.735 |\n| vit label smoothing"
                                         " 0.1 | 0.712 |"], runs))
    assert "by its numbers" not in got.get("label smoothing", ("", ""))[1]


def test_one_phrase_however_a_sentence_ends_or_numbers_it() -> None:
    from narrative.approaches import _phrase_key

    assert _phrase_key("input sequence format.") == _phrase_key("input sequence format")
    assert _phrase_key("Epoches") == _phrase_key("epochs") == _phrase_key("epoch")
    assert _phrase_key("dense layers") != _phrase_key("additional layers")
    assert _phrase_key("loss") == "loss" and _phrase_key("bias") == "bias"  # short words keep their ending
