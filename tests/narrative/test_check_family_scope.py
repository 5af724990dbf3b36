"""A plan that names a model family is answered by what was done on that family; a purpose clause is no part
of the plan, but after a verb of intending "to" opens the plan itself. Own notes and runs (a fraud model)."""

from __future__ import annotations

import datetime as dt

from narrative import checking
from narrative.history_index import HistoryIndex
from narrative.types import ProjectHistory
from storage.records import EntryRecord, EntryStructure, LinkedRun, ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
HGB = "HistGradientBoostingClassifier"


def _run(key: str, name: str, hours: float, params: dict[str, str], value: float) -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user="mia", status="FINISHED", start=start,
                       end=start + dt.timedelta(minutes=40), params=params, metrics={"val_pr_auc": value})


RUNS = [
    _run("g", "gentle-owl-3", 1, {"model": "RandomForestClassifier", "n_estimators": "300",
                                  "class_weight": "balanced"}, 0.52),
    _run("s", "sincere-ray-77", 3, {"model": HGB, "learning_rate": "0.1", "max_depth": "6"}, 0.58),
    _run("w", "wise-fox-5", 26, {"model": HGB, "learning_rate": "0.05", "max_depth": "6"}, 0.61),
    _run("r", "rare-elk-41", 28, {"model": HGB, "learning_rate": "0.05", "max_depth": "6", "sampler": "SMOTE"},
         0.55),
]
NOTES = [
    (8, "RF with balanced class weights gets to .52, hist gbm .58 out of the box.", RUNS[:2]),
    (33, "lr 0.05 gave .61, a small but real gain. SMOTE made things worse (.55).", RUNS[2:]),
]


def _index() -> HistoryIndex:
    entries = [EntryRecord(id=f"e{i}", workspace_id="w", project_id="p", author="mia",
                           at=T0 + dt.timedelta(hours=hours), raw_text=text, status="structured",
                           structure=EntryStructure(runs=[LinkedRun(run_id=r.run_id, run_name=r.run_name, how="name")
                                                          for r in runs]))
               for i, (hours, text, runs) in enumerate(NOTES)]
    project = ProjectRecord(id="p", workspace_id="w", name="fraud", primary_metric="val_pr_auc",  # type: ignore[arg-type]
                            goal="max", experiment_ids=["1"])
    return HistoryIndex(ProjectHistory(project=project, entries=entries, runs={r.run_id: r for r in RUNS},
                                       now=T0 + dt.timedelta(days=3)))


def test_a_purpose_clause_is_no_part_of_the_plan() -> None:
    for plan in ("try SMOTE to balance the classes", "SMOTE to see if it helps", "SMOTE to tackle the imbalance"):
        res = checking.check(plan, _index())
        assert res.already_tried, plan
        assert RUNS[3].run_id in {r for m in res.matches for r in m.run_ids}, plan


def test_after_a_verb_of_intending_to_opens_the_plan() -> None:
    for plan in ("try to reduce the learning rate", "want to reduce the learning rate", "trying to lower the lr"):
        res = checking.check(plan, _index())
        assert res.already_tried, plan
        assert RUNS[2].run_id in {r for m in res.matches for r in m.run_ids}, plan


def test_a_plan_naming_a_model_family_is_answered_by_that_family() -> None:
    tried = checking.check("class weights on the random forest", _index())
    assert tried.already_tried
    assert RUNS[0].run_id in {r for m in tried.matches for r in m.run_ids}
    for plan in ("class weights on the gbm", "SMOTE on the random forest"):
        res = checking.check(plan, _index())
        assert not res.already_tried, plan
        assert "closest" in res.message, plan


def test_a_purpose_verb_is_a_whole_word() -> None:
    from narrative.plan_reading import ASIDE
    for kept in ("switch to balanced class weights", "set class weights to balanced", "switch to smoothed labels",
                 "move to rebalanced data", "go back to regularized loss"):
        assert ASIDE.sub(" ", kept) == kept
    assert checking.check("switch to balanced class weights", _index()).already_tried


def test_a_value_of_no_known_family_is_not_told_apart_by_a_family() -> None:
    from narrative.check_scope import plan_scope
    runs = [_run("m", "melgan", 1, {"experiment_class": "MelGanExperiment"}, 0.5),
            _run("f", "filterbank", 2, {"experiment_class": "FilterBankExperiment"}, 0.4)]
    project = ProjectRecord(id="p", workspace_id="w", name="voc", primary_metric="val_pr_auc",  # type: ignore[arg-type]
                            goal="max", experiment_ids=["1"])
    idx = HistoryIndex(ProjectHistory(project=project, entries=[], runs={r.run_id: r for r in runs}, now=T0))
    # the filterbank model may be a GAN too: "GAN" names neither value apart
    assert plan_scope("switch the filterbank GAN to a least-squares loss", idx) == {}
    assert "model" in plan_scope("SMOTE on the random forest", _index())
