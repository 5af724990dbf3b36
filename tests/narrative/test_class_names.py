"""A run that logs its model as a class name ("XGBClassifier", "sklearn.ensemble.RandomForestRegressor",
``type(model).__name__`` in a training script, the estimator name MLflow's autolog records) names the family
its words name, for linking, "already tried" and phase alike. Own runs and notes (a fraud model on tabular data)."""

from __future__ import annotations

import datetime as dt

from narrative import checking, lexicon, vocab
from narrative.history_index import HistoryIndex
from narrative.linking import link_runs
from narrative.types import ProjectHistory
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.conftest import AT, make_request, make_run


def test_a_class_name_is_read_as_the_words_it_is_made_of() -> None:
    assert lexicon.spoken_identifier("XGBClassifier") == "xgb classifier"
    assert lexicon.spoken_identifier("sklearn.neighbors.KNeighborsRegressor") == "k neighbors regressor"
    assert lexicon.spoken_identifier("HistGradientBoostingClassifier") == "hist gradient boosting classifier"
    for plain in ("xgboost", "lr=0.1", "0.05", "Adam", "random forest", "SVC", "v2_velocity", "1e-4"):
        assert lexicon.spoken_identifier(plain) == "", plain


def test_class_names_name_their_families() -> None:
    expected = {"XGBClassifier": "xgboost", "MLPClassifier": "mlp", "LGBMRegressor": "lightgbm",
                "CatBoostClassifier": "catboost", "RandomForestClassifier": "random_forest",
                "ExtraTreesRegressor": "extra_trees", "LogisticRegression": "logreg",
                "sklearn.ensemble.RandomForestClassifier": "random_forest", "xgboost.XGBRegressor": "xgboost"}
    for value, family in expected.items():
        assert lexicon.family_of_value(value) == {family}, value
        assert family in vocab.param_value_concepts("model", value), value
    assert "knn" in vocab.param_value_concepts("estimator", "KNeighborsClassifier")
    # the module path is no concept of its own: "sklearn.ensemble" is not an ensemble of models
    assert "ensemble" not in vocab.param_value_concepts("model", "sklearn.ensemble.RandomForestClassifier")
    # a name that already says what it is keeps its own reading
    assert lexicon.family_of_value("DistilBERT") == {"distilbert"}
    assert "adamw" in vocab.param_value_concepts("optimizer", "AdamW")


def _runs() -> list[RunSnapshot]:
    gbm = {"model": "HistGradientBoostingClassifier", "learning_rate": "0.05", "max_depth": "6"}
    return [
        make_run("g", name="wise-fox-5", hours_ago=6, params=dict(gbm), metrics={"val_pr_auc": 0.61}),
        make_run("x", name="able-hen-8", hours_ago=5, params={**gbm, "model": "XGBClassifier"},
                 metrics={"val_pr_auc": 0.6}),
        make_run("m", name="brave-gnu-6", hours_ago=4, status="FAILED",
                 params={"model": "MLPClassifier", "hidden_layer_sizes": "(256, 128)", "alpha": "1e-4"}),
    ]


def test_a_failed_run_of_a_class_named_family_is_linked_by_its_family() -> None:
    window = AT - dt.timedelta(hours=8)
    for text in ("The MLP attempt crashed with NaNs after a few epochs.", "the mlp diverged", "MLP run crashed"):
        request = make_request(text, _runs(), metric="val_pr_auc", window_start=window)
        assert {r.run_name for r in link_runs(request).runs} == {"brave-gnu-6"}, text
    for text in ("next: an MLP with scaled inputs", "would an MLP crash here too?"):
        request = make_request(text, _runs(), metric="val_pr_auc", window_start=window)
        assert link_runs(request).runs == [], text


def test_already_tried_knows_a_family_from_its_class_name() -> None:
    runs = _runs()
    project = ProjectRecord(id="p", workspace_id="w", name="fraud", primary_metric="val_pr_auc",  # type: ignore[arg-type]
                            goal="max", experiment_ids=["1"])
    history = ProjectHistory(project=project, entries=[], runs={r.run_id: r for r in runs}, now=AT)
    tried = checking.check("try xgboost instead of the sklearn gbm", HistoryIndex(history))
    assert tried.already_tried
    assert runs[1].run_id in {r for m in tried.matches for r in m.run_ids}
    assert not checking.check("try catboost", HistoryIndex(history)).already_tried
