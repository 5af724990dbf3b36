"""Conservative run linking: ids, prefixes, names, and inference inside the author's window."""

from __future__ import annotations

import datetime as dt

from narrative.linking import link_runs
from tests.narrative.conftest import AT, make_request, make_run

GBM = {"model": "lightgbm", "learning_rate": "0.05", "num_leaves": "63", "features": "core_v2"}


def linked(request_runs: list, text: str, **kwargs: object) -> dict[str, str]:
    result = link_runs(make_request(text, request_runs, **kwargs))  # type: ignore[arg-type]
    return {r.run_name: r.how for r in result.runs}


def test_full_id_and_prefix_are_linked_with_how() -> None:
    a = make_run("a", name="alpha-1")
    b = make_run("b", name="beta-2", user="someone-else")
    got = linked([a, b], f"see {a.run_id} and {b.run_id[:8]} for details")
    assert got == {"alpha-1": "id", "beta-2": "prefix"}


def test_run_name_links_even_for_another_author() -> None:
    mine = make_run("m", name="brisk-heron-12")
    theirs = make_run("t", name="tidal-otter-7", user="bob")
    got = linked([mine, theirs], "compared against bob's tidal-otter-7, mine (brisk-heron-12) wins")
    assert got == {"brisk-heron-12": "name", "tidal-otter-7": "name"}


def test_common_word_run_name_is_not_a_name_match() -> None:
    assert linked([make_run("x", name="baseline")], "the baseline is still fine") == {}


def test_quoted_metric_value_infers_the_run() -> None:
    runs = [make_run("a", params={**GBM, "num_leaves": "31"}, metrics={"val_auc": 0.771}),
            make_run("b", params=GBM, metrics={"val_auc": 0.783})]
    got = linked(runs, "- lgbm with 63 leaves -> .783, nice")
    assert got == {"b-run": "inferred"}


def test_percentage_style_value_matches_fraction_metric() -> None:
    runs = [make_run("a", metrics={"val_top1": 0.874}), make_run("b", metrics={"val_top1": 0.861})]
    assert linked(runs, "cosine schedule gets 87.4 top1", metric="val_top1") == {"a-run": "inferred"}


def test_parameters_in_any_spelling_pick_the_run() -> None:
    runs = [make_run("a", params={"model": "xgboost", "max_depth": "3", "n_estimators": "900", "eta": "0.02"}),
            make_run("b", params={"model": "xgboost", "max_depth": "7", "n_estimators": "900", "eta": "0.02"})]
    assert linked(runs, "xgb d3, learning rate 0.02, 900 trees finished fine and looks promising") == {
        "a-run": "inferred"}


def test_ambiguous_description_links_nothing_and_warns() -> None:
    runs = [make_run("a", params={"model": "xgboost", "max_depth": "4", "seed": "1"}),
            make_run("b", params={"model": "xgboost", "max_depth": "4", "seed": "2"}),
            make_run("c", params={"model": "catboost", "depth": "8", "seed": "1"})]
    result = link_runs(make_request("the xgb depth 4 one with the shallow trees looked ok", runs))
    assert result.runs == []
    assert any("fits 2 runs" in w for w in result.warnings)


def test_other_authors_run_is_never_inferred() -> None:
    runs = [make_run("theirs", user="bob", metrics={"val_auc": 0.812}, params=GBM)]
    assert linked(runs, "lgbm lr .05 got .812 today") == {}


def test_scheduled_job_in_window_is_not_inferred() -> None:
    nightly = make_run("n", user="svc-airflow", name="nightly-retrain-0412", metrics={"val_auc": 0.9})
    mine = make_run("m", metrics={"val_auc": 0.905})
    assert linked([nightly, mine], "new aug recipe lands at .905, vs ~.90 for the old one") == {"m-run": "inferred"}


def test_run_before_the_window_start_is_not_inferred() -> None:
    old = make_run("old", hours_ago=30, metrics={"val_auc": 0.845})
    got = linked([old], "still at .845", window_start=AT - dt.timedelta(hours=20))
    assert got == {}


def test_failed_run_is_linked_by_description() -> None:
    runs = [make_run("ok", params={"model": "mlp", "batch_size": "256"}, metrics={"val_auc": 0.75}),
            make_run("oom", status="FAILED", params={"model": "mlp", "batch_size": "8192"})]
    assert linked(runs, "tried bs 8192 on the mlp and it died with cuda OOM") == {"oom-run": "inferred"}


def test_unresolved_reference_becomes_a_warning() -> None:
    request = make_request("what about run deadbeef42?", [])
    request.unresolved_refs = {"deadbeef42": "matches no run"}
    assert any("deadbeef42" in w for w in link_runs(request).warnings)


def test_window_alone_is_not_a_link() -> None:
    runs = [make_run("a", params=GBM, metrics={"val_auc": 0.8})]
    assert linked(runs, "spent the day on slides for the review, nothing trained") == {}
