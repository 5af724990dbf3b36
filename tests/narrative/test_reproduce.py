from __future__ import annotations

import datetime as dt

from narrative.reproduce import reproduce
from storage.records import EntryRecord, RunSnapshot

T0 = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)


def snap(run_id: str, params: dict[str, str], tags: dict[str, str], metrics: dict[str, float]) -> RunSnapshot:
    return RunSnapshot(project_id="p", run_id=run_id, run_name=f"run-{run_id[:4]}", start=T0,
                       end=T0 + dt.timedelta(minutes=5), status="FINISHED", params=params, tags=tags,
                       metrics=metrics)


def test_everything_present_flags_nothing_with_forbidden_words() -> None:
    run = snap("a" * 32, {"seed": "3", "lr": "0.1"},
               {"mlflow.source.git.commit": "abc123def456", "dataset_version": "v2",
                "mlflow.source.name": "train.py", "mlflow.source.type": "LOCAL"}, {"val_auc": 0.81})
    rep = reproduce(run, entries=[])
    for item in rep.missing:
        low = item.lower()
        assert "git" not in low and "dataset" not in low and "seed" not in low
    assert any("environment" in m for m in rep.missing)
    assert rep.present["git_commit"].startswith("abc")
    # The recorded script is shown; its arguments were not recorded, so none are made up.
    assert rep.command == "python train.py" and rep.command_source == "mlflow.source.name"
    assert any("python train.py" in s for s in rep.steps)
    assert not any("--lr" in s for s in rep.steps)
    assert any("lr=0.1" in s for s in rep.steps)


def test_missing_items_named_with_contract_words() -> None:
    run = snap("b" * 32, {"lr": "0.1"}, {"mlflow.source.name": "nb.ipynb", "mlflow.source.type": "NOTEBOOK"},
               {"val_auc": 0.8})
    rep = reproduce(run, entries=[])
    text = " | ".join(rep.missing).lower()
    assert "git commit" in text and "dataset version" in text and "seed" in text and "environment" in text


def test_seed_siblings_set_tolerance_and_entries_found() -> None:
    params = {"lr": "0.1", "seed": "1"}
    tags = {"mlflow.source.git.commit": "abc", "data_version": "d1"}
    run = snap("c" * 32, params, tags, {"val_auc": 0.810})
    sib = snap("d" * 32, {"lr": "0.1", "seed": "2"}, tags, {"val_auc": 0.806})
    other = snap("e" * 32, {"lr": "0.3", "seed": "2"}, tags, {"val_auc": 0.7})
    entry = EntryRecord(id="e1", workspace_id="w", project_id="p", author="x", at=T0,
                        raw_text=f"rerun {run.run_id[:8]} looks fine")
    rep = reproduce(run, entries=[entry], siblings=[sib, other])
    assert rep.entries == ["e1"]
    assert rep.notes == [f"x, {T0:%Y-%m-%d} (entry e1): \"rerun {run.run_id[:8]} looks fine\""]
    assert any("0.004" in c and "2 seeds" in c for c in rep.checks)
    assert not any("dataset" in m.lower() for m in rep.missing)


def test_dirty_tree_is_flagged_without_forbidden_word() -> None:
    run = snap("f" * 32, {"seed": "1"}, {"mlflow.source.git.commit": "abc", "git_dirty": "true",
                                         "dataset_version": "v1"}, {})
    rep = reproduce(run, entries=[])
    assert any("uncommitted" in m for m in rep.missing)
    assert not any("git" in m.lower() for m in rep.missing)


def test_data_filter_param_is_not_a_dataset_version() -> None:
    run = snap("1" * 32, {"train_data": "normal_only", "seed": "3"}, {"mlflow.source.git.commit": "abc"},
               {"val_auc": 0.8, "fit_seconds": 12.5})
    rep = reproduce(run, entries=[])
    assert any("dataset version" in m for m in rep.missing)
    assert not any("fit_seconds" in c for c in rep.checks)
    assert any("val_auc" in c for c in rep.checks)


def test_version_like_param_counts_as_dataset_version() -> None:
    for key, value in (("dataset", "2026q1_v1"), ("data_version", "v2"), ("sft_dataset", "sft_v2"),
                       ("data_snapshot", "2026-03-01")):
        rep = reproduce(snap("2" * 32, {key: value, "seed": "1"}, {}, {}), entries=[])
        assert not any("dataset" in m.lower() for m in rep.missing), key


def test_autologged_run_without_a_recorded_command_gets_no_invented_one() -> None:
    params = {f"p{i:02d}": str(i) for i in range(24)}
    run = snap("c" * 32, params, {"estimator_class": "sklearn.svm._classes.SVC"}, {"training_score": 0.99})
    rep = reproduce(run, entries=[])
    assert rep.command is None
    assert not any(s.startswith("python") or "--p0" in s for s in rep.steps)
    said = " ".join(rep.steps)
    assert "unknown" in said and "p00=0" in said and "and 12 more" in said
    assert any(m.startswith("command") for m in rep.missing)
    assert rep.params == params


def test_logged_command_line_and_project_entry_point_are_shown_verbatim() -> None:
    run = snap("d" * 32, {"lr": "0.1"}, {"command": "python  fit.py --lr 0.1 --cfg a.yaml"}, {})
    rep = reproduce(run, entries=[])
    assert rep.command == "python fit.py --lr 0.1 --cfg a.yaml" and rep.command_source == "tag command"
    run = snap("e" * 32, {"alpha": "0.5"}, {"mlflow.project.entryPoint": "train", "mlflow.source.name":
                                             "https://github.com/org/repo", "mlflow.source.git.commit": "abc1234"}, {})
    rep = reproduce(run, entries=[])
    assert rep.command == "mlflow run https://github.com/org/repo -e train --version abc1234"
    assert not any("missing" in m and "command" in m for m in rep.missing)


def test_notebook_kernel_is_not_a_command() -> None:
    run = snap("f" * 32, {"lr": "0.1"}, {"mlflow.source.name": "/usr/lib/python3/ipykernel_launcher.py"}, {})
    rep = reproduce(run, entries=[])
    assert rep.command is None
    assert any("notebook" in s for s in rep.steps)


def test_failed_run_says_so_first() -> None:
    run = snap("9" * 32, {"seed": "1"}, {}, {"val_auc": 0.5}).model_copy(update={"status": "FAILED"})
    rep = reproduce(run, entries=[])
    assert rep.status == "FAILED" and rep.steps[0].startswith("This run FAILED")


def test_the_notes_say_what_the_log_said_of_the_run() -> None:
    from storage.records import Conclusion, EntryStructure, LinkedRun

    run = snap("f" * 32, {"lr": "0.05"}, {}, {"val_auc": 0.973})
    run = run.model_copy(update={"run_name": "calm-otter-41"})
    tied = EntryRecord(id="e2", workspace_id="w", project_id="p", author="sam", at=T0,
                       raw_text="depth 6: .976. lr .05 w/ 400 iters (calm-otter-41) .973, better than depth 3.",
                       structure=EntryStructure(runs=[LinkedRun(run_id=run.run_id, run_name="calm-otter-41",
                                                                 how="name")],
                                                conclusions=[Conclusion(text="depth 6: .976", verdict="worked"),
                                                             Conclusion(text="lr .05 (calm-otter-41) .973, better",
                                                                        verdict="worked", run_ids=[run.run_id])]))
    named = EntryRecord(id="e3", workspace_id="w", project_id="p", author="maya", at=T0,
                        raw_text="Undersampling is out.\nAlso tried it on calm-otter-41's config: worse (.954).")
    rep = reproduce(run, entries=[tied, named])
    assert rep.notes == [f"sam, {T0:%Y-%m-%d} (entry e2): \"lr .05 (calm-otter-41) .973, better\"",
                         f"maya, {T0:%Y-%m-%d} (entry e3): \"Also tried it on calm-otter-41's config: worse (.954).\""]
