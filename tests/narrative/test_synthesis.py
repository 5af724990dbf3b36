"""Synthesis jobs on a small hand-made history (a sentiment classifier team)."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import Conclusion, DecisionNote, EntryRecord, EntryStructure, LinkedRun, ProjectRecord, RunSnapshot

T0 = dt.datetime(2025, 2, 3, 9, 0, tzinfo=dt.UTC)


def run(key: str, name: str, hours: float, minutes: int, params: dict[str, str], metrics: dict[str, float],
        status: str = "FINISHED", user: str = "ada") -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=(key * 32)[:32], run_name=name, user=user, status=status, start=start,
                       end=start + dt.timedelta(minutes=minutes), params=params, metrics=metrics)


RUNS = [
    run("a", "svm-baseline", 0, 3, {"model": "linear_svm", "ngrams": "1,2"}, {"val_acc": 0.801, "val_f1": 0.62}),
    run("b", "gru-base", 2, 30, {"model": "gru", "sampler": "none", "emb": "glove"},
        {"val_acc": 0.842, "val_f1": 0.66}),
    run("c", "gru-downsample", 4, 25, {"model": "gru", "sampler": "undersample_1:1", "emb": "glove"},
        {"val_acc": 0.828, "val_f1": 0.64}),
    run("d", "xlnet-big", 26, 240, {"model": "xlnet_large", "sampler": "none"}, {"val_acc": 0.861, "val_f1": 0.69}),
    run("e", "gru-attn", 28, 35, {"model": "gru", "attention": "additive", "sampler": "none"},
        {"val_acc": 0.851, "val_f1": 0.72}),
    run("f", "gru-attn-crash", 30, 2, {"model": "gru", "attention": "multihead"}, {"val_acc": 0.99}, status="FAILED"),
    run("g", "gru-attn-s2", 50, 35, {"model": "gru", "attention": "additive", "sampler": "none", "seed": "2"},
        {"val_acc": 0.849, "val_f1": 0.71}),
]


def entry(i: int, hours: float, text: str, runs: list[RunSnapshot], author: str = "ada",
          **structure: object) -> EntryRecord:
    st = EntryStructure(runs=[LinkedRun(run_id=r.run_id, run_name=r.run_name, how="name") for r in runs],
                        **structure)  # type: ignore[arg-type]
    return EntryRecord(id=f"e{i}", workspace_id="w", project_id="p", author=author,
                       at=T0 + dt.timedelta(hours=hours), raw_text=text, status="structured", structure=st)


ENTRIES = [
    entry(1, 6, "svm baseline 0.801 acc. GRU on glove gets 0.842. I also tried undersampling the majority "
                "class for the gru: worse, 0.828, so undersampling is dead.", RUNS[:3],
          conclusions=[Conclusion(text="undersampling worse (0.828)", verdict="did_not_work")]),
    entry(2, 30, "xlnet large reaches 0.861 but one run takes four hours, far too slow to iterate on, parking it. "
                 "Attention on the GRU: 0.851 acc and f1 0.72.", [RUNS[3], RUNS[4]], author="bo"),
    entry(3, 52, "Talked to the product team: what matters is f1 on the negative class, so from now on the "
                 "primary metric is val_f1. Seed rerun of gru-attn gives 0.849. Next: try character n-grams.",
          [RUNS[6]], decisions=[DecisionNote(kind="metric_switch", text="primary metric is val_f1",
                                             metric="val_f1", goal="max")], next_steps=["character n-grams"]),
]


@pytest.fixture()
def history() -> ProjectHistory:
    project = ProjectRecord(id="p", workspace_id="w", name="sentiment", primary_metric="val_acc", goal="max")
    return ProjectHistory(project=project, entries=list(ENTRIES), runs={r.run_id: r for r in RUNS},
                          now=T0 + dt.timedelta(days=3))


def cited_runs(items: list[object], history: ProjectHistory) -> set[str]:
    out: set[str] = set()
    by_id = {e.id: e for e in history.entries}
    for it in items:
        out |= set(it.run_ids)  # type: ignore[attr-defined]
        eid = it.entry_id  # type: ignore[attr-defined]
        if eid is not None:
            out |= set(by_id[eid].run_ids)
    return out


def test_paraphrase_check_is_already_tried(history: ProjectHistory) -> None:
    res = synthesis.check("what about down-sampling the majority class on the GRU?", history)
    assert res.already_tried
    assert RUNS[2].run_id in cited_runs(res.matches, history)
    assert len(cited_runs(res.matches, history)) <= 6


def test_shared_words_but_new_object_is_not_tried(history: ProjectHistory) -> None:
    assert not synthesis.check("undersampling for the sentiment_lexicon model as well", history).already_tried
    assert not synthesis.check("add attention to the xlnet model with LoRA adapters", history).already_tried


def test_metric_switch_changes_best_and_failed_run_never_best(history: ProjectHistory) -> None:
    report = synthesis.phase(history)
    assert report.primary_metric == "val_f1"
    assert report.best is not None and report.best.run_id == RUNS[4].run_id  # by f1, not the xlnet run by acc
    assert report.best.value == pytest.approx(0.72)
    # by the old metric the failed run has the highest value but must never win
    history.project.primary_metric = "val_acc"
    history.entries = history.entries[:2]
    report = synthesis.phase(history)
    assert report.best is not None and report.best.run_id == RUNS[3].run_id


def test_abandonment_reason_speed_in_answer(history: ProjectHistory) -> None:
    ans = synthesis.answer("why did we park xlnet?", history)
    text = ans.answer.lower()
    assert "slow" in text or "four hours" in text
    assert RUNS[3].run_id in cited_runs(ans.citations, history)
    assert len(ans.answer) <= 900


def test_phase_statuses(history: ProjectHistory) -> None:
    report = synthesis.phase(history)
    closed = " ".join(f"{a.name} {a.reason}".lower() for a in report.approaches
                      if a.status in ("abandoned", "exhausted"))
    assert ("undersampl" in closed and "xlnet" in closed) or "slow" in closed
    assert any("n-grams" in s for s in report.next_steps)
    assert len(report.approaches) <= 12


def test_citation_limit_respected(history: ProjectHistory) -> None:
    for q in ("which run is best?", "why did we switch the primary metric?", "did attention help?"):
        ans = synthesis.answer(q, history)
        assert len(cited_runs(ans.citations, history)) <= 6
    ans = synthesis.answer("why did we switch the primary metric?", history)
    assert "f1" in ans.answer.lower()


def test_digest_next_decide(history: ProjectHistory) -> None:
    d = synthesis.digest(history, days=7)
    assert d.best is not None and d.series
    plan = synthesis.next_plan(history)
    assert plan.experiments and plan.experiments[0].priority == 1
    doc = synthesis.decide(history, finalists=[RUNS[3].run_id, RUNS[4].run_id[:8]], criteria=["val_f1"])
    assert doc.selected_run_id == RUNS[4].run_id
    assert "| run |" in doc.markdown


def test_check_is_fast_on_a_large_history(history: ProjectHistory) -> None:
    import time

    synthesis.check("undersampling on the GRU", history)
    t0 = time.perf_counter()
    for _ in range(20):
        synthesis.check("undersampling on the GRU", history)
    assert (time.perf_counter() - t0) / 20 < 0.05
