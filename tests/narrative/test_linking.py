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


def test_error_as_a_measure_does_not_point_at_a_failed_run() -> None:
    # "the error" that rose is the metric; only a run that stopped on an error is a failed run's story
    base = {"model": "cnn", "loss": "mse", "seed": "7"}
    runs = [make_run("dup-a", params=base | {"flips": "x4"}, metrics={"val_mse": 131.0}),
            make_run("dup-b", params=base | {"flips": "x4", "dense": "256"}, metrics={"val_mse": 129.5}),
            make_run("fixed-a", params=base | {"flips": "x4_fixed"}, metrics={"val_mse": 142.3}),
            make_run("fixed-b", params=base | {"flips": "x4_fixed", "dense": "256"}, metrics={"val_mse": 141.1}),
            make_run("crash", status="FAILED", params=base | {"flips": "x4_fixed", "dense": "512"})]
    assert "crash-run" not in linked(runs, "Once I had fixed all of the flips I found the error had gone up.")
    assert linked(runs, "the fixed flips with dense 512 stopped with a CUDA error") == {"crash-run": "inferred"}


def test_unresolved_reference_becomes_a_warning() -> None:
    request = make_request("what about run deadbeef42?", [])
    request.unresolved_refs = {"deadbeef42": "matches no run"}
    assert any("deadbeef42" in w for w in link_runs(request).warnings)


def test_window_alone_is_not_a_link() -> None:
    runs = [make_run("a", params=GBM, metrics={"val_auc": 0.8})]
    assert linked(runs, "spent the day on slides for the review, nothing trained") == {}


# --- description in long prose, units, seeds, failures (cases written for these mechanisms) ---

def _demand_runs() -> list:
    base = {"model": "lightgbm", "objective": "regression", "learning_rate": "0.03", "seed": "7"}
    return [
        make_run("q50", name="sunny-otter-3", params={**base, "objective": "quantile", "alpha": "0.5"},
                 metrics={"val_wape": 18.42, "val_rmse": 912.6}),
        make_run("q80", name="brave-heron-9", params={**base, "objective": "quantile", "alpha": "0.8"},
                 metrics={"val_wape": 21.07, "val_rmse": 1004.2}),
        make_run("hub", name="calm-ibis-2", params={**base, "objective": "huber", "alpha": "250"},
                 metrics={"val_wape": 19.1, "val_rmse": 897.9}),
    ]


def test_prose_with_rounded_metric_values_links_each_run() -> None:
    text = ("This afternoon I went back to the loss question. The pinball loss at p50 gave RMSE 913, "
            "clearly worse on the metric we track, and the huber variant with delta 250 came in at 898. "
            "I am not convinced either is worth the complexity.")
    got = linked(_demand_runs(), text, metric="val_rmse", goal="min")
    assert got == {"sunny-otter-3": "inferred", "calm-ibis-2": "inferred"}


def test_integer_that_is_a_parameter_value_is_not_a_result() -> None:
    runs = [make_run("a", params={"model": "ridge", "n_features": "900"}, metrics={"val_rmse": 899.8}),
            make_run("b", params={"model": "ridge", "n_features": "400"}, metrics={"val_rmse": 951.0})]
    assert linked(runs, "went with 900 this time, the fit is slow", metric="val_rmse") == {}
    assert linked(runs, "the wider one lands at rmse 900", metric="val_rmse") == {"a-run": "inferred"}


def test_rounded_values_of_seed_reruns_link_both() -> None:
    cfg = {"model": "catboost", "depth": "6", "learning_rate": "0.05"}
    runs = [make_run("s1", params={**cfg, "seed": "1"}, metrics={"val_mae": 412.3}),
            make_run("s2", params={**cfg, "seed": "2"}, metrics={"val_mae": 409.8}),
            make_run("s0", params={**cfg, "seed": "0"}, metrics={"val_mae": 420.9}, user="kim")]
    got = linked(runs, "reran the catboost cfg with seed 1 + 2 -> 412 / 410, noise ~±2", metric="val_mae")
    assert got == {"s1-run": "inferred", "s2-run": "inferred"}


def test_quantile_spoken_as_pNN_picks_the_quantile_run() -> None:
    got = linked(_demand_runs(), "the quantile objective at p80 overshoots badly, parking it")
    assert got == {"brave-heron-9": "inferred"}


def test_killed_run_described_by_what_happened() -> None:
    runs = [make_run("ok", params={"model": "t5", "learning_rate": "1e-4"}, metrics={"val_rouge": 0.41}),
            make_run("dv", status="FAILED", params={"model": "t5", "learning_rate": "3e-4"})]
    assert linked(runs, "bumping the learning rate to 3e-4 made it diverge after 2k steps") == {"dv-run": "inferred"}


def test_british_spelling_meets_param_value() -> None:
    runs = [make_run("a", params={"model": "gru", "pooling": "length_normalized"}, metrics={"val_loss": 1.2}),
            make_run("b", params={"model": "gru", "pooling": "mean"}, metrics={"val_loss": 1.3})]
    assert linked(runs, "the length-normalised pooling variant trains a lot smoother, keeping it") == {
        "a-run": "inferred"}


def test_rounded_value_of_another_authors_run_is_not_linked() -> None:
    runs = [make_run("mine", params={"model": "ridge"}, metrics={"val_rmse": 1530.2}),
            make_run("theirs", user="lee", params={"model": "ridge"}, metrics={"val_rmse": 1498.7})]
    assert linked(runs, "ridge baseline is at 1530 vs lee's 1499", metric="val_rmse") == {"mine-run": "inferred"}


def test_year_is_not_a_metric_value() -> None:
    runs = [make_run("a", params={"model": "prophet"}, metrics={"val_rmse": 2024.4})]
    assert linked(runs, "the holiday table only goes back to 2024, need older data") == {}


def test_the_window_without_an_earlier_entry_follows_the_requests_lookback() -> None:
    ten_days = make_run("old", hours_ago=240, metrics={"val_auc": 0.845})
    assert linked([ten_days], "still at .845") == {}  # 7 days by default
    request = make_request("still at .845", [ten_days])
    request.lookback = dt.timedelta(days=14)
    assert {r.run_name: r.how for r in link_runs(request).runs} == {"old-run": "inferred"}


def test_a_line_pasting_a_known_id_of_any_shape_is_about_that_run() -> None:
    # a W&B id (8 base-36 characters) is a run reference because the run is known, whatever its syntax
    pasted = make_run("w", name="alpha", metrics={"val_auc": 0.80}).model_copy(update={"run_id": "k3x9p2qz"})
    other = make_run("b", metrics={"val_auc": 0.812})
    request = make_request("k3x9p2qz got .812 on the rerun", [pasted, other])
    request.resolved_refs = {"k3x9p2qz": pasted}
    assert {r.run_name: r.how for r in link_runs(request).runs} == {"alpha": "id"}

