"""A metric the question spells in words (issue 8, class 6, h/answers12): "the best LTR NDCG", "the BM25 NDCG with the
click features" name the tracker's ltr_ndcg / bm25_ndcg. Before, "LTR" was read as a subject (learning to rank) that
no run carries, and the answer was "I found nothing"; a value question scoped by "the click features" tied the run
named for them with a later run whose params mention clicks among others; "who ran the hybrid run?" did not look up
the run named hybrid-rrf-ce by that word. The runs below are written for the tests."""

from __future__ import annotations

import datetime as dt

from narrative import synthesis
from narrative.answering import _metric_spans
from narrative.history_index import HistoryIndexCache
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import T0, history

PROJECT = ProjectRecord(id="p", workspace_id="w", name="search", primary_metric="ltr_ndcg", goal="max",
                        experiment_ids=["1"])


def _run(key: str, name: str, hours: float, params: dict[str, str], metrics: dict[str, float],
         user: str = "ines") -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user=user, status="FINISHED", start=start,
                       end=start + dt.timedelta(minutes=30), params=params, metrics=metrics)


RUNS = [
    _run("a", "rerank-base", 1, {"features": "title_match"}, {"ltr_ndcg": 0.301, "bm25_ndcg": 0.288}),
    _run("b", "rerank-click-features", 5, {"features": "title_match,clickCount,clickRate"},
         {"ltr_ndcg": 0.344, "bm25_ndcg": 0.290}),
    _run("c", "rerank-price-brand", 9, {"features": "title_match,clickCount,clickRate,price,brand"},
         {"ltr_ndcg": 0.322, "bm25_ndcg": 0.287}),
    _run("d", "hybrid-rrf-ce", 14, {"features": "title_match", "retriever": "bm25+dense"},
         {"ltr_ndcg": 0.330, "bm25_ndcg": 0.289}, user="lena"),
]
NOTES = [
    (2, "baseline reranker with the title match only: .301"),
    (6, "added two click features, clickCount and clickRate: .344, nice"),
    (10, "price and brand on top made it worse, .322"),
]


def _ask(q: str) -> tuple[str, set[str]]:
    ans = synthesis.answer(q, history(PROJECT, RUNS, NOTES, author="ines"), indexes=HistoryIndexCache())
    return ans.answer, {r[0] for it in ans.citations for r in it.run_ids}


def test_the_best_of_a_metric_spelled_with_a_concept_word() -> None:
    text, cited = _ask("what was the best LTR NDCG and which run?")
    assert "0.344" in text and "rerank-click-features" in text and cited == {"b"}


def test_a_value_of_a_named_metric_for_the_run_named_by_the_question() -> None:
    text, cited = _ask("what was the bm25 ndcg with the click features?")
    assert "0.29" in text and "rerank-click-features" in text and "rerank-price-brand" not in text
    assert cited == {"b"}


def test_a_metric_spelled_inside_a_longer_one_is_the_longer_one() -> None:
    h = history(PROJECT, RUNS, NOTES, author="ines")
    idx = synthesis._index(h, HistoryIndexCache())
    assert [k for _, _, k in _metric_spans(idx, "the best LTR NDCG")] == ["ltr_ndcg"]
    assert [k for _, _, k in _metric_spans(idx, "the bm25 ndcg")] == ["bm25_ndcg"]
    # must not change: no metric spelled, or only a shared word ("ndcg" alone is both keys' word, no key's name)
    for q in ("why did the price features hurt?", "did the click features help?", "what did ines try?",
              "which run was best?", "how many runs did we do?", "what is ndcg?", "who ran rerank-base?",
              "what learning to rank model did we use?"):
        assert [k for _, _, k in _metric_spans(idx, q)] == [], q


def test_the_x_run_names_the_one_run_with_that_word_in_its_name() -> None:
    # "hybrid-rrf-ce" is the only run whose name holds "hybrid": the tracker's card, with who ran it
    text, cited = _ask("who ran the hybrid run?")
    assert text.startswith("hybrid-rrf-ce: run by lena") and cited == {"d"}
    # several runs share the word ("rerank"), or the word asks otherwise ("the best run"): not read as one run
    text, _ = _ask("who ran the rerank run?")
    assert not text.startswith("rerank-")
    assert "hybrid-rrf-ce: run by" not in _ask("who ran the best run?")[0]
    # only a who-question: "what happened with the hybrid run?" wants the notes on it
    assert not _ask("what happened with the hybrid run?")[0].startswith("hybrid-rrf-ce: run by")
