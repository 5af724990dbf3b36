"""A did-it-help question whose best line names the subject but states no result (issue 8, class 6, h/answers12):
"did label smoothing help?" when the note reads "label smoothing on the v3 setup, eps 0.1" then "- val acc .842 vs
.836 before": the results listed under the line come with it, and that line is quoted first. Notes and runs below
are written for the tests (an image classifier)."""

from __future__ import annotations

from narrative import synthesis
from narrative.answer_follow import _RESULT_NUM, results_under
from narrative.history_index import HistoryIndexCache
from storage.records import ProjectRecord
from tests.narrative.walkthrough_util import history, run

PROJECT = ProjectRecord(id="p", workspace_id="w", name="leaves", primary_metric="val_acc", goal="max",
                        experiment_ids=["1"])
BASE = {"model": "convnext-t", "lr": "1e-4", "epochs": "30"}
RUNS = [
    run("a", "cnx-v3", 1, BASE, "val_acc", 0.836),
    run("b", "cnx-v3-ls0.1", 20, {**BASE, "label_smoothing": "0.1"}, "val_acc", 0.842),
]
NOTES = [
    (3, "v3 setup: convnext-t, lr 1e-4, 30 epochs. .836 val acc"),
    (22, "label smoothing on the v3 setup, eps 0.1 (run cnx-v3-ls0.1)\n- val acc .842 vs .836 before\n"
         "- confusion between the two rust classes a bit lower\nworth keeping, small but consistent"),
    (30, "read up on label smoothing vs focal loss, might try focal next week"),
]


def test_did_it_help_quotes_the_results_listed_under_the_line_naming_it() -> None:
    ans = synthesis.answer("did label smoothing help?", history(PROJECT, RUNS, NOTES), indexes=HistoryIndexCache())
    assert ".842 vs .836" in ans.answer, ans.answer
    assert ans.answer.index(".842") < ans.answer.index("focal") if "focal" in ans.answer else True


def test_results_under_reads_only_result_items_right_under_a_line_without_one() -> None:
    h = history(PROJECT, RUNS, NOTES)
    idx = synthesis._index(h, HistoryIndexCache())
    by_text = {f.text: f for f in idx.facts if f.kind == "sentence"}
    head = next(f for t, f in by_text.items() if t.startswith("label smoothing on the v3 setup"))
    assert results_under(idx, head) == ["val acc .842 vs .836 before"]
    # must not fire: a line that states its result, an item (its next item is a sibling), a line with no items
    for start in ("v3 setup: convnext-t", "val acc .842", "read up on label smoothing", "worth keeping"):
        f = next((f for t, f in by_text.items() if t.startswith(start)), None)
        assert f is None or results_under(idx, f) == [], start
    # a setting is no result
    for setting in ("lr 1e-4", "r64", "3 epochs", "eps 0.1", "batch 32", "v3.1", "2e-4", "beta 0.3", "1.5x"):
        assert not _RESULT_NUM.search(setting), setting
    for result in (".842", "0.81", "71.2%", "acc 93 %", "-> .534 winrate"):
        assert _RESULT_NUM.search(result), result


RANK_RUNS = [
    run("a", "gbdt-v1", 1, {"features": "bm25_fields"}, "val_acc", 0.372),
    run("b", "gbdt-v2", 2, {"features": "bm25_fields+ctr"}, "val_acc", 0.401),
    run("c", "gbdt-v3", 3, {"features": "bm25_fields+ctr+price"}, "val_acc", 0.396),
]
RANK_NOTES = [(4, "gbdt ranker day\n- bm25 field scores only: .372\n- + ctr features from the click logs: .401\n"
                  "- + price: .396, no help\n\nctr features are worrying though, they leak popularity.")]


def test_did_the_x_features_help_cites_the_runs_with_x_not_the_one_without() -> None:
    from narrative.answer_values import carrying_runs

    h = history(PROJECT, RANK_RUNS, RANK_NOTES)
    ans = synthesis.answer("did the ctr features help?", h, indexes=HistoryIndexCache())
    cited = {r[0] for c in ans.citations for r in c.run_ids}
    assert "a" not in cited and cited & {"b", "c"}, (ans.answer, cited)
    idx = synthesis._index(h, HistoryIndexCache())
    f = next(f for f in idx.facts if f.kind == "sentence" and f.text.startswith("ctr features are worrying"))
    a, b, c = ("a" * 32, "b" * 32, "c" * 32)
    assert carrying_runs(idx, frozenset({"ctr"}), f, [a]) == [b, c]
    # must not change: a word every run's settings hold, a word none holds, a setting's key, no words, runs that
    # all carry it already, a word of another field, a number
    for words, runs in ((frozenset({"bm25"}), [a]), (frozenset({"lambdarank"}), [a]), (frozenset({"featur"}), [a]),
                        (frozenset(), [a]), (frozenset({"ctr"}), [b]), (frozenset({"ctr"}), [b, c]),
                        (frozenset({"click"}), [a]), (frozenset({"401"}), [a])):
        assert carrying_runs(idx, words, f, runs) == runs, (words, runs)
