"""A new user's week on product search (BM25, a LightGBM ranker, a cross-encoder re-ranker, dense and hybrid first
stages), read end to end through entries, check, ask and phase: what was wrong, pinned by class."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import synthesis
from narrative.check_settings import part_of_a_name
from narrative.check_sizes import sizes_in
from narrative.doubts import negligible_cost
from narrative.lexicon import NEGATIVE_CUES, has_cue
from narrative.reading import verdict_of
from narrative.statements import statement_modality
from narrative.subjects import subject_of
from narrative.types import ProjectHistory
from storage.records import EntryStructure, ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import history as walkthrough_history
from tests.narrative.walkthrough_util import structures

T0 = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="search", primary_metric="ndcg_at_10", goal="max",
                        experiment_ids=["1"])
BM = {"retriever": "bm25", "index": "title+body"}
LG = {"model": "LGBMRanker", "objective": "lambdarank", "learning_rate": "0.05", "num_leaves": "31"}
CE = {"model": "cross-encoder/ms-marco-MiniLM-L-6-v2", "rerank_depth": "100", "max_length": "256"}
FT = {**CE, "finetune": "true", "learning_rate": "2e-5", "epochs": "2", "negatives": "random"}


def _run(key: str, name: str, hours: float, params: dict[str, str], value: float, user: str = "sam") -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user=user, status="FINISHED", start=start,
                       end=start + dt.timedelta(minutes=40), params=params, metrics={"ndcg_at_10": value})


RUNS = [
    _run("a", "bm25_k1.2_b0.75", 1, {**BM, "k1": "1.2", "b": "0.75"}, 0.318),
    _run("b", "bm25_k0.9_b0.4", 2, {**BM, "k1": "0.9", "b": "0.4"}, 0.331),
    _run("c", "bm25_rm3", 3, {**BM, "k1": "0.9", "b": "0.4", "expansion": "rm3", "fb_terms": "10"}, 0.327),
    _run("d", "lgbm_lambdarank_v1", 25, {**LG, "features": "bm25_fields"}, 0.372),
    _run("e", "lgbm_lambdarank_v2", 26, {**LG, "features": "bm25_fields+ctr"}, 0.401),
    _run("f", "lgbm_lambdarank_v3", 27, {**LG, "features": "bm25_fields+ctr", "num_leaves": "127"}, 0.396),
    _run("g", "ce-minilm-zeroshot", 49, {**CE, "finetune": "false"}, 0.389),
    _run("h", "ce-minilm-ft", 51, FT, 0.437),
    _run("i", "ce-minilm-ft-depth50", 53, {**FT, "rerank_depth": "50"}, 0.431),
    _run("j", "e5-base-dense", 73, {"retriever": "dense", "model": "intfloat/e5-base-v2"}, 0.355, "lena"),
    _run("k", "hybrid-rrf-ce", 75, {"retriever": "bm25+dense", "fusion": "rrf", **CE, "finetune": "true"}, 0.452,
         "lena"),
    _run("l", "ce-minilm-ft-len512", 97, {**FT, "max_length": "512"}, 0.439),
    _run("m", "ce-minilm-ft-hardneg", 99, {**FT, "negatives": "bm25_hard"}, 0.447),
]
NOTES = [
    (8.5, "sam", "bm25 baselines on the product search judgments (2.1k queries, graded 0-3).\n"
                 "default k1=1.2 b=0.75 gives ndcg@10 .318. lowering b to 0.4 (k1 .9) -> .331, titles are short so "
                 "length norm was hurting i think.\nrm3 expansion didn't help (.327), and it's slower, so no rm3.\n"
                 "tomorrow: learning to rank on top of bm25 field scores"),
    (32.5, "sam", "## LTR day\n- lambdarank (lightgbm) on bm25 field scores only: .372, nice jump over bm25\n"
                  "- + ctr features from the click logs: .401\n"
                  "- num_leaves 127 instead of 31 was slightly worse (.396), probably overfitting with only 2k "
                  "queries\n"
                  "\nctr features are worrying though, they leak popularity and new products have none. need to check "
                  "ndcg on the cold-start slice before trusting .401."),
    (57, "sam", "cross-encoder reranking (ms-marco minilm-l6) over the bm25 top 100.\n"
                "zero-shot it's .389, worse than the lgbm ranker. fine-tuned on our click pairs (2 epochs, lr 2e-5) it "
                "gets .437, best so far by a margin.\nreranking only the top 50 costs almost nothing (.431) and halves "
                "latency, so depth 50 might be the right tradeoff for prod."),
    (80, "lena", "tried dense retrieval as first stage: e5-base alone is .355 ndcg but recall@100 goes .73 -> .81 vs "
                 "bm25.\nfusing bm25 + e5 with rrf and then the finetuned CE on top: .452, new best.\n"
                 "cost: we'd need to host an ann index, talk to infra"),
    (105, "sam", "CE follow ups\n1. max_length 512 instead of 256: .439 vs .437, basically nothing, and p95 latency "
                 "doubles (184ms). staying at 256.\n2. hard negatives mined from bm25 instead of random: .447 / .444 "
                 "over two seeds, so about +.01. this is real.\n\n"
                 "decision: finetuned minilm with bm25 hard negatives is our reranker. next is to put it behind lena's "
                 "hybrid retrieval, and check the cold-start slice for the lgbm ctr model (still haven't done that).\n"
                 "maybe try the L-12 minilm if latency budget allows?"),
]


@pytest.fixture(scope="module")
def h() -> ProjectHistory:
    return walkthrough_history(PROJECT, RUNS, NOTES, days=6, t0=T0)


def _structure(h: ProjectHistory, i: int) -> EntryStructure:
    return structures(h)[i]


def test_what_was_tried_keeps_its_settings_and_loses_the_verdict_and_the_pronoun(h: ProjectHistory) -> None:
    first = _structure(h, 0).hypotheses
    assert "default k1=1.2 b=0.75" in first, first
    assert "rm3 expansion" in first and not any("didn't help" in x for x in first), first
    assert not any(x.strip(". ").lower() == "i think" for x in first), first
    assert "titles are short so length norm was hurting i think" in first, first
    third = _structure(h, 2).hypotheses
    assert not any(x.endswith((" it", " it's")) for x in third), third


def test_a_guessed_cause_after_a_gain_is_no_failure(h: ProjectHistory) -> None:
    bad = [c.text for c in _structure(h, 0).conclusions if c.verdict == "did_not_work"]
    assert not any("lowering b" in t for t in bad), bad


def test_a_plan_that_names_a_result_is_no_observation(h: ProjectHistory) -> None:
    second = _structure(h, 1)
    assert not any("cold-start" in o for o in second.observations), second.observations
    assert any("cold-start" in n for n in second.next_steps), second.next_steps


def test_a_doubt_and_a_negligible_cost_are_no_failures(h: ProjectHistory) -> None:
    bad = [c.text for i in (1, 2) for c in _structure(h, i).conclusions if c.verdict == "did_not_work"]
    assert not any("worrying" in t for t in bad), bad
    assert not any("costs almost nothing" in t for t in bad), bad


def test_a_labelled_decision_is_a_decision_only(h: ProjectHistory) -> None:
    last = _structure(h, 4)
    assert any(d.kind == "adopt" and d.text.startswith("finetuned minilm") for d in last.decisions), last.decisions
    for items in (last.hypotheses, last.next_steps, last.observations):
        assert not any("is our reranker" in x for x in items), items


def test_check_reads_retrieval_words(h: ProjectHistory) -> None:
    prf = synthesis.check("pseudo relevance feedback on bm25", h)
    assert prf.already_tried and prf.matches[0].outcome and "abandoned" in prf.matches[0].outcome, prf
    hybrid = synthesis.check("hybrid retrieval with reciprocal rank fusion", h)
    assert hybrid.already_tried and any("k" * 32 in m.run_ids for m in hybrid.matches), hybrid
    assert "exhausted" not in (hybrid.matches[0].outcome or ""), hybrid.matches[0].outcome


def test_a_model_at_another_depth_is_not_the_one_tried(h: ProjectHistory) -> None:
    got = synthesis.check("minilm L-12 reranker", h)
    assert not got.already_tried, got
    assert "rerank_depth=12" not in got.message, got.message


def test_a_plan_said_still_undone_is_planned(h: ProjectHistory) -> None:
    got = synthesis.check("evaluate the ctr model on the cold-start slice", h)
    assert not got.already_tried and got.planned, got


def test_placing_a_stage_behind_another_closes_nothing(h: ProjectHistory) -> None:
    hybrid = next(a for a in synthesis.phase(h).approaches if "hybrid" in a.name.lower())
    assert hybrid.status != "exhausted", (hybrid.status, hybrid.reason)


# ---- the rules one by one, with what must not fire


@pytest.mark.parametrize(("text", "subject"), [
    ("default k1=1.2 b=0.75 gives ndcg@10 .318", "default k1=1.2 b=0.75"),
    ("zero-shot it's .389", "zero-shot"),
    ("fine-tuned on clicks (2 epochs) it gets .437", "fine-tuned on clicks (2 epochs)"),
    ("rm3 expansion didn't help (.327)", "rm3 expansion"),
    ("num_leaves 127 was slightly worse (.396)", "num_leaves 127"),
    # must not change
    ("acc=0.85 with lr 1e-3", ""),
    ("dropout=0.3 val_auc=0.812", "dropout=0.3"),
    ("RF with class weights gets to .52", "RF with class weights"),
    ("bert base is .81 f1", "bert base"),
    ("it gets .437", ""),
    ("xgb on raw feats: auc .931", "xgb on raw feats"),
    ("lr=0.001 -> auc .81", "lr=0.001"),
    ("the it-ops model .71", "the it-ops model"),
])
def test_subject_of(text: str, subject: str) -> None:
    assert subject_of(text) == subject


@pytest.mark.parametrize(("text", "verdict"), [
    ("lowering b to 0.4 -> .331, titles are short so length norm was hurting i think", None),
    ("gin 5 layers 1.01, the graphs are tiny so it overfits probably", None),
    # must not fire: the tail is the verdict, or there is no result before it
    ("rm3 -> .327, didn't help i think", "did_not_work"),
    ("x -> .41, the model was worse i think", "did_not_work"),
    ("dropout .3 gave .71, worse because it underfits i think", "did_not_work"),
    ("lowering b helped (.331), titles are short so length norm was hurting i think", "worked"),
    ("the deeper model hurt, the data is small so it overfits i think", "did_not_work"),
    ("lr 3e-4 diverged, the warmup is short so it blows up probably", "did_not_work"),
    ("rf is worse, trees are shallow so it underfits i think", "did_not_work"),
    ("gcn .91 vs gin .88, gin was worse", "did_not_work"),
])
def test_a_hedged_cause_after_a_result_judges_the_cause(text: str, verdict: str | None) -> None:
    assert verdict_of(text) == verdict


@pytest.mark.parametrize(("text", "verdict"), [
    ("ctr features are worrying though, they leak popularity", "inconclusive"),
    ("the new split looks suspicious, i don't trust it yet", "inconclusive"),
    ("i'm a bit skeptical of the gain from mixup", "inconclusive"),
    # must not fire
    ("the target encoding leaks the label", "did_not_work"),
    ("this is concerning, accuracy dropped 5 points", "did_not_work"),
    ("rf is worse", "did_not_work"),
    ("mixup was no better than the baseline", "did_not_work"),
    ("label smoothing hurt", "did_not_work"),
    ("dropout hurt, which is worrying", "did_not_work"),
    ("ema helped a lot", "worked"),
])
def test_a_doubt_is_no_verdict(text: str, verdict: str) -> None:
    assert verdict_of(text) == verdict


@pytest.mark.parametrize(("text", "negligible"), [
    ("reranking only the top 50 costs almost nothing (.431)", True),
    ("int8 loses basically nothing", True),
    ("pruning cost us next to nothing on val", True),
    # must not fire
    ("the warmup did nothing", False),
    ("it costs nothing", False),
    ("int8 loses 2 points", False),
    ("nothing changed", False),
    ("adds nothing", False),
    ("almost nothing improved", False),
    ("costs almost double", False),
])
def test_negligible_cost(text: str, negligible: bool) -> None:
    assert negligible_cost(text) is negligible


@pytest.mark.parametrize(("text", "negative"), [
    ("next is to put it behind lena's hybrid retrieval", False),
    ("keep them behind a feature flag", False),
    ("put this behind the ann index", False),
    # must still fire
    ("rf is still behind xgb", True),
    ("gcn 1pt behind gin", True),
    ("lagged behind the baseline", True),
    ("way behind", True),
    ("the small model falls behind on long queries", True),
    ("it's behind the baseline", True),
    ("behind by 2 points", True),
    ("clearly behind bm25", True),
])
def test_behind_as_a_place_is_no_lag(text: str, negative: bool) -> None:
    assert has_cue(text, NEGATIVE_CUES) is negative


@pytest.mark.parametrize(("text", "mode"), [
    ("next: check the cold-start slice for the ctr model (still haven't done that).", "plan"),
    ("we need to check the slice, not done yet", "plan"),
    # must not fire
    ("i didn't try mixup", "negated"),
    ("haven't done that yet", "negated"),
    ("need to rerun, haven't done it since the fix because of the queue", "negated"),
    ("never ran the bigger model", "negated"),
    ("didn't get to mosaic", "negated"),
    ("we didn't use class weights", "negated"),
    ("still haven't tried focal loss", "negated"),
])
def test_a_plan_said_undone_stays_a_plan(text: str, mode: str) -> None:
    assert statement_modality(text) == mode


@pytest.mark.parametrize(("plan", "number", "named"), [
    ("minilm L-12 reranker", "12", True),
    ("try the b-3 encoder", "3", True),
    # must not fire
    ("rerank the top-20", "20", False),
    ("lr 3e-4", "4", False),
    ("batch 64", "64", False),
    ("resnet 50", "50", False),
    ("depth 12", "12", False),
    ("warmup 1-2 epochs", "2", False),
    ("bump k1 to 1.5", "1.5", False),
    ("12 layers", "12", False),
])
def test_a_number_in_a_model_name_is_no_setting(plan: str, number: str, named: bool) -> None:
    assert part_of_a_name(plan, number) is named


@pytest.mark.parametrize(("text", "sizes"), [
    ("minilm L-12 reranker", {"minilm": frozenset({"12 layers"})}),
    ("cross-encoder/ms-marco-MiniLM-L-6-v2", {"minilm": frozenset({"6 layers"})}),
    ("vit-l/16", {"vit": frozenset({"large"})}),
    ("gpt2-medium", {"gpt2": frozenset({"medium"})}),
    ("the l2 penalty", {}),
    ("lr 1e-4 with l2 1e-5", {}),
    ("ridge-l2", {}),
    ("the minilm l12 model", {}),
])
def test_layer_counts_are_sizes(text: str, sizes: dict[str, frozenset[str]]) -> None:
    assert sizes_in(text) == sizes


def test_did_the_ctr_features_help_cites_the_runs_with_ctr(h: ProjectHistory) -> None:
    # before (h/answers12): the tracker line and citation were lgbm_lambdarank_v1, the run without the ctr features
    ans = synthesis.answer("did the ctr features help?", h)
    cited = {r[0] for c in ans.citations for r in c.run_ids}
    assert "d" not in cited and "e" in cited, (ans.answer, cited)
    assert "lgbm_lambdarank_v1" not in ans.answer
