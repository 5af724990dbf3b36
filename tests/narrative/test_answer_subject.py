"""A why-question about how a thing went ("why did mixup hurt?") is answered by what the notes say of that thing, in
the passage that explains it, not by a line that says the same verdict of another thing ("Cutout doesn't hurt")
nor by the plan that came next; "what next?" reads the lines under a next-steps heading, however worded, and an
experiment's stated aim is no idea "not run yet" once its note links runs (issue 8, h/answers9). Notes below are
written for the tests."""

from __future__ import annotations

import json
from pathlib import Path

from narrative import synthesis
from narrative.history_index import HistoryIndexCache
from narrative.types import ProjectHistory
from tests.narrative.synthesis_dev import build_history, cited_keys

MIXUP = """# Exp 7: mixup on the 20k subset

## Purpose
Test whether mixup helps the rare classes.

## Results
- val acc 81.2 (baseline 82.0)
- **Mixup degraded accuracy** and made the loss noisier.

## Analysis
Mixup blends the labels of two images, so the rare classes lose their signal.
The label smoothing we already use adds to that: the targets get too soft.

## Next steps
- Lower the mixup alpha to 0.1
- Mixup only after epoch 5
"""

CUTOUT = """# Exp 8: cutout

Cutout doesn't hurt accuracy, but it doesn't help either (82.1 vs 82.0).
Keeping it off for now, it just costs time.
"""


def _history(tmp_path: Path) -> tuple[ProjectHistory, dict[str, str], dict[str, set[str]]]:
    base = {"model": "resnet18", "mixup": "false", "cutout": "false"}
    spec = [("r1", "baseline", {}, 0.820), ("r2", "mixup-a0.4", {"mixup": "true", "mixup_alpha": "0.4"}, 0.812),
            ("r3", "cutout-16", {"cutout": "true"}, 0.821)]
    runs = [{"key": k, "run_name": n, "user": "dana", "start": f"2026-02-0{i + 1}T09:00:00Z", "minutes": 40,
             "status": "FINISHED", "params": {**base, **p}, "metrics": {"val_acc": v}, "tags": {}}
            for i, (k, n, p, v) in enumerate(spec)]
    msgs = [{"key": "m1", "at": "2026-02-02T18:00:00Z", "author": "dana", "kind": "log", "text": MIXUP},
            {"key": "m2", "at": "2026-02-03T18:00:00Z", "author": "dana", "kind": "log", "text": CUTOUT}]
    fx = {"name": "subject", "description": "TEST", "project": "aug", "experiment": "aug", "primary_metric": "val_acc",
          "primary_metric_goal": "max", "runs": runs, "messages": msgs,
          "expect": {"entries": [{"message": "m1", "linked_runs": ["r2"]}, {"message": "m2", "linked_runs": ["r3"]}],
                     "checks": [], "phase": {}, "reproduce": [], "questions": []}}
    path = tmp_path / "subject.json"
    path.write_text(json.dumps(fx))
    hist, key_of, entry_runs, _ = build_history(path, False)
    return hist, key_of, entry_runs


def test_why_a_thing_went_badly_quotes_its_own_explanation(tmp_path: Path) -> None:
    hist, key_of, entry_runs = _history(tmp_path)
    indexes = HistoryIndexCache()
    for question in ("why did mixup hurt?", "why did mixup hurt accuracy?", "why didn't mixup help?"):
        ans = synthesis.answer(question, hist, indexes=indexes)
        assert "blends the labels" in ans.answer, (question, ans.answer)
        # the same verdict said of another thing is no answer, first or second
        assert "Cutout" not in ans.answer, (question, ans.answer)
        # nor is what was planned next the reason it went badly
        assert not ans.answer.split('"')[1].startswith("Try"), (question, ans.answer)
        assert "r2" in cited_keys(ans.citations, key_of, entry_runs), (question, ans.answer)


def test_the_explanation_runs_on_past_its_first_line(tmp_path: Path) -> None:
    hist, *_ = _history(tmp_path)
    ans = synthesis.answer("why did mixup hurt?", hist, indexes=HistoryIndexCache())
    assert "label smoothing" in ans.answer, ans.answer


def test_next_steps_are_the_lines_under_their_heading_and_an_aim_that_ran_is_no_idea(tmp_path: Path) -> None:
    hist, *_ = _history(tmp_path)
    indexes = HistoryIndexCache()
    for question in ("what should we try next with mixup?", "what's next for mixup?", "next steps for mixup?"):
        ans = synthesis.answer(question, hist, indexes=indexes)
        assert "alpha to 0.1" in ans.answer and "after epoch 5" in ans.answer, (question, ans.answer)
        assert "Test whether" not in ans.answer and "not run yet" not in ans.answer, (question, ans.answer)


SMOOTHING = """Added label smoothing 0.1 (ls-01): val acc 82.4 vs 82.0 without it.
Label smoothing is essential for the rare classes, keeping it in every config from now on.
"""


def test_an_unsettled_standing_is_said_only_when_the_standing_is_asked(tmp_path: Path) -> None:
    # "label smoothing is still open" beside "Label smoothing is essential" says nothing of whether it helped
    runs = [{"key": "r1", "run_name": "base-02", "user": "dana", "start": "2026-02-04T09:00:00Z", "minutes": 40,
             "status": "FINISHED", "params": {"label_smoothing": "0"}, "metrics": {"val_acc": 0.820}, "tags": {}},
            {"key": "r2", "run_name": "ls-01", "user": "dana", "start": "2026-02-04T11:00:00Z", "minutes": 40,
             "status": "FINISHED", "params": {"label_smoothing": "0.1"}, "metrics": {"val_acc": 0.824}, "tags": {}}]
    msgs = [{"key": "m1", "at": "2026-02-04T18:00:00Z", "author": "dana", "kind": "log", "text": SMOOTHING}]
    fx = {"name": "ls", "description": "TEST", "project": "aug", "experiment": "aug", "primary_metric": "val_acc",
          "primary_metric_goal": "max", "runs": runs, "messages": msgs,
          "expect": {"entries": [{"message": "m1", "linked_runs": ["r2"]}], "checks": [], "phase": {},
                     "reproduce": [], "questions": []}}
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(fx))
    hist, *_ = build_history(path, False)
    indexes = HistoryIndexCache()
    for question in ("did label smoothing help?", "did label smoothing work?", "why did we add label smoothing?"):
        ans = synthesis.answer(question, hist, indexes=indexes)
        assert "still open" not in ans.answer and "label smoothing 0.1" in ans.answer, (question, ans.answer)


def test_the_asking_words_are_cut_at_a_word_boundary() -> None:
    from narrative.run_answers import QWORDS

    # "why do|es", "what we|ight": a cut inside a word left "es" as a topic and lost the "weight" of "weight decay"
    assert QWORDS.sub(" ", "why does the warmup need a lower lr?").split()[:2] == ["the", "warmup"]
    assert QWORDS.sub(" ", "what weight decay did we use?").split()[0] == "weight"
    assert QWORDS.sub(" ", "what were the results?").split() == ["the", "results?"]
    assert QWORDS.sub(" ", "why didn't it work?").split() == ["it", "work?"]
    assert QWORDS.sub(" ", "how do we fix it?").split() == ["fix", "it?"]


def test_what_setting_should_we_use_is_the_value_that_did_best_in_the_scope_asked(tmp_path: Path) -> None:
    spec = [("r1", 12, "0.1", 0.979), ("r2", 12, "0.2", 0.977), ("r3", 24, "0.05", 0.851), ("r4", 24, "0.2", 0.858)]
    runs = [{"key": k, "run_name": f"d{d}-wd{wd}", "user": "dana", "start": f"2026-02-0{i + 1}T09:00:00Z",
             "minutes": 60, "status": "FINISHED", "params": {"depth": str(d), "weight_decay": wd},
             "metrics": {"val_loss": v}, "tags": {}} for i, (k, d, wd, v) in enumerate(spec)]
    msgs = [{"key": "m1", "at": "2026-02-05T18:00:00Z", "author": "dana", "kind": "log",
             "text": "Swept weight decay at depth 12 and 24, the deeper model wants less of it."}]
    fx = {"name": "wd", "description": "TEST", "project": "lm", "experiment": "lm", "primary_metric": "val_loss",
          "primary_metric_goal": "min", "runs": runs, "messages": msgs,
          "expect": {"entries": [{"message": "m1", "linked_runs": []}], "checks": [], "phase": {}, "reproduce": [],
                     "questions": []}}
    path = tmp_path / "wd.json"
    path.write_text(json.dumps(fx))
    hist, key_of, entry_runs, _ = build_history(path, False)
    indexes = HistoryIndexCache()
    for question in ("what weight decay should we use at d24?", "which weight decay should I pick for d24?"):
        ans = synthesis.answer(question, hist, indexes=indexes)
        assert "weight_decay=0.05" in ans.answer, (question, ans.answer)
        assert "r3" in cited_keys(ans.citations, key_of, entry_runs), (question, ans.answer)
