"""Brain dump -> structured entry: sections, verdicts, decisions, warnings, length discipline."""

from __future__ import annotations

import random
import time

from narrative.structuring import structure_entry
from storage.records import EntryStructure
from tests.narrative.conftest import make_request, make_run


def structure(text: str, runs: list | None = None, **kwargs: object) -> EntryStructure:
    return structure_entry(make_request(text, runs or [], **kwargs))  # type: ignore[arg-type]


def negatives(entry: EntryStructure) -> str:
    return " | ".join(c.text.lower() for c in entry.conclusions if c.verdict == "did_not_work")


def section_chars(entry: EntryStructure) -> int:
    return sum(len(t) for t in (*entry.hypotheses, *entry.observations, *entry.next_steps,
                                *entry.open_questions, *(c.text for c in entry.conclusions)))


def test_bullets_split_into_sections() -> None:
    entry = structure(
        "ranking v2 notes\n"
        "- two-tower w/ hard negatives: ndcg .412 -> .431\n"
        "- bigger embedding dim 256 didn't help, .429\n"
        "- next: try in-batch negatives\n"
        "- q: is the eval set leaking popular items?\n"
    )
    assert entry.title == "ranking v2 notes"
    assert any("hard negatives" in h for h in entry.hypotheses)
    assert "embedding" in negatives(entry)
    assert any("in-batch" in s for s in entry.next_steps)
    assert any("leaking" in q for q in entry.open_questions)


def test_prose_with_verdicts_and_plans() -> None:
    entry = structure(
        "Spent the afternoon on focal loss for the detector because the rare classes were being ignored. "
        "It made recall on rare classes slightly worse and training got unstable, so I'm shelving focal loss. "
        "Tomorrow I want to try class-balanced sampling instead. Not sure the val split has enough rare examples."
    )
    assert "focal" in negatives(entry)
    assert any("class-balanced" in s for s in entry.next_steps)
    assert any("val split" in q for q in entry.open_questions)
    assert any("focal" in h.lower() for h in entry.hypotheses)


def test_slack_style_with_emoji_and_typos() -> None:
    entry = structure("mixup on teh resnet hurt 😬 88.1 vs 88.9. cutmix was better 🎉 89.4. tmrw: randaug")
    assert "mixup" in negatives(entry)
    assert any("randaug" in s for s in entry.next_steps)


def test_pasted_table_rows_are_observed_and_linked() -> None:
    a = make_run("a", name="gru-small", metrics={"val_rmse": 4.1})
    b = make_run("b", name="gru-large", metrics={"val_rmse": 4.4})
    text = (f"| Run ID | model | val_rmse |\n|---|---|---|\n| {a.run_id[:8]} | gru small | 4.10 |\n"
            f"| {b.run_id[:8]} | gru large | 4.40 |\n")
    entry = structure(text, [a, b], metric="val_rmse", goal="min")
    assert {r.how for r in entry.runs} == {"prefix"}
    # A pasted table lists results side by side: rows are observations, not verdicts...
    assert negatives(entry) == ""
    assert any("gru large" in o for o in entry.observations)
    # ...unless the text says which one lost.
    entry = structure(text + "\nthe large gru overfits, not worth it", [a, b], metric="val_rmse", goal="min")
    assert "gru" in negatives(entry)


def test_failed_linked_run_is_a_negative_conclusion_from_data() -> None:
    failed = make_run("f", status="FAILED", params={"model": "vit", "batch_size": "512"})
    entry = structure("vit with bs 512 crashed after an hour", [failed])
    assert [r.how for r in entry.runs] == ["inferred"]
    assert any(c.verdict == "did_not_work" for c in entry.conclusions)


def test_metric_switch_maps_spoken_name_to_the_metric_key() -> None:
    runs = [make_run("a", metrics={"val_roc_auc": 0.9, "val_pr_auc": 0.31, "val_logloss": 0.2})]
    entry = structure("After the review: from now on we optimise PR AUC, not ROC.", runs)
    switch = [d for d in entry.decisions if d.kind == "metric_switch"]
    assert switch and switch[0].metric == "val_pr_auc" and switch[0].goal == "max"
    entry = structure("switching the primary metric to log loss", runs)
    switch = [d for d in entry.decisions if d.kind == "metric_switch"]
    assert switch and switch[0].metric == "val_logloss" and switch[0].goal == "min"


def test_adopt_and_abandon_decisions() -> None:
    entry = structure("calling the svm line dead. going with catboost for the rest of the sprint.")
    kinds = {d.kind for d in entry.decisions}
    assert {"abandon", "adopt"} <= kinds


def test_verdict_only_sentence_names_its_subject() -> None:
    entry = structure("dropout 0.5 on the head -> .701 vs .702 before. not worth it, reverting.")
    assert "dropout" in negatives(entry)


def test_sections_stay_within_budget_and_item_size() -> None:
    text = " ".join(f"- variant {i} with lr {i}e-4 gets .{700 + i} which is worse than before." for i in range(60))
    entry = structure(text)
    assert all(len(t) <= 400 for t in (*entry.hypotheses, *entry.observations, *entry.next_steps,
                                       *entry.open_questions))
    assert section_chars(entry) <= 1.5 * len(text) + 200


def test_ambiguity_is_a_warning_in_the_entry() -> None:
    runs = [make_run("a", params={"model": "xgboost", "max_depth": "4", "seed": "1"}),
            make_run("b", params={"model": "xgboost", "max_depth": "4", "seed": "2"}),
            make_run("c", params={"model": "logreg", "C": "1.0", "seed": "1"})]
    entry = structure("the xgb depth 4 run with the shallow trees looked fine", runs)
    assert entry.runs == [] and entry.warnings


def test_binary_junk_and_huge_pastes_stay_linear() -> None:
    # Relative, not absolute: the same machine structures a tenth of the input first, so a loaded CI
    # box slows both sides alike. Linear work gives a ratio near 10; a quadratic step gives ~100.
    rng = random.Random(7)
    runs = [make_run(f"r{i}", params={"model": "xgboost", "max_depth": str(i % 9)},
                     metrics={"val_auc": 0.7 + i / 1000}) for i in range(300)]

    def cost(junk_chars: int, table_rows: int) -> float:
        junk = "".join(chr(rng.randrange(0, 0x3000)) for _ in range(junk_chars))
        table = "| a | b |\n|--|--|\n" + "| xgb d4 | 0.745 |\n" * table_rows
        started = time.process_time()
        structure(junk, runs)
        structure(table, runs)
        return time.process_time() - started

    cost(3_000, 500)  # warm caches and compiled patterns
    small = min(cost(30_000, 5_000) for _ in range(2))
    large = cost(300_000, 50_000)
    assert large < 30 * small + 0.5, (small, large)


# --- metric switches: direction from the text, then from the metric family; questions decide nothing ---

def _switch(text: str, metrics: dict[str, float]) -> tuple[str | None, str | None] | None:
    entry = structure(text, [make_run("a", metrics=metrics)])
    found = [d for d in entry.decisions if d.kind == "metric_switch"]
    return (found[0].metric, found[0].goal) if found else None


def test_metric_switch_goal_follows_the_metric_family() -> None:
    metrics = {"val_auc": 0.9, "val_ne": 0.83, "recall_at_1fpr": 0.41, "val_brier": 0.08}
    assert _switch("from now on the primary metric is val_ne", metrics) == ("val_ne", "min")
    assert _switch("after the risk review we optimise recall_at_1fpr from now on", metrics) == (
        "recall_at_1fpr", "max")
    assert _switch("switching the primary metric to brier", metrics) == ("val_brier", "min")


def test_metric_switch_goal_follows_what_the_text_says() -> None:
    metrics = {"val_auc": 0.9, "val_cal_score": 0.2}
    assert _switch("from now on we are judged on val_cal_score, lower is better", metrics) == ("val_cal_score", "min")
    assert _switch("new north star: val_cal_score, we want it up", metrics) == ("val_cal_score", "max")


def test_question_about_the_metric_is_not_a_switch() -> None:
    metrics = {"val_auc": 0.9, "val_pr_auc": 0.4}
    assert _switch("open q: should the primary metric be pr_auc instead of auc?", metrics) is None
    assert _switch("wondering whether we should switch to pr auc given the imbalance", metrics) is None


# --- verdicts from language ---

def test_negative_verdict_language_variants() -> None:
    cases = {
        "1024-token context on the summariser: .412 vs .415, so no": "1024-token",
        "retiring the one-class svm, it never beat the autoencoder": "one-class svm",
        "cosine restarts w/o warmup -> 0.381 ❌": "cosine restarts",
        "label smoothing 0.2 gives no accuracy win over 0.1": "label smoothing",
        "kl beta 0.1 too conservative, policy barely moved": "kl beta",
        "lr 5e-6 on the reward model: overfitting after epoch 1": "lr 5e-6",
        "the clicks-as-labels runs are void, the join leaked future clicks": "clicks-as-labels",
    }
    for text, subject in cases.items():
        assert subject in negatives(structure(text)), text


def test_noise_statement_and_table_rows_are_not_failures() -> None:
    entry = structure("reran the winner with two more seeds: seed noise is ~±.002")
    assert negatives(entry) == ""


def test_comparison_marks_the_loser_only_between_alternatives() -> None:
    assert "focal" in negatives(structure("dice loss > focal loss on the small lesions"))
    assert negatives(structure("gain from the new crop > seed noise, so it is real")) == ""


def test_clause_after_but_keeps_the_segments_subject() -> None:
    entry = structure("- knn-50 (k=50) .861: beats the centroid baseline, but 40ms per query vs 2ms for "
                      "the centroid baseline (~20x slower)")
    slow = [c.text for c in entry.conclusions if c.verdict == "did_not_work"]
    assert slow and slow[0].startswith("knn-50")


# --- next steps as headings and trailing paragraphs; hypotheses are claims, not fragments ---

def test_next_steps_under_headings_and_labels() -> None:
    entry = structure(
        "segmentation, week 2\n"
        "unet with dice loss: .71 miou\n\n"
        "## Next\n\n"
        "Port the decoder to the int8 runtime and measure it on the edge box.\n"
        "**Plan.** Freeze the encoder for the first 5 epochs.\n"
    )
    joined = " | ".join(entry.next_steps).lower()
    assert "int8" in joined and "freeze the encoder" in joined
    assert not any("int8" in h.lower() for h in entry.hypotheses)


def test_bold_next_label_and_open_questions_heading() -> None:
    entry = structure("bert-tiny distilled: 0.842 f1.\n**Next.** Try the 6-layer student.\n\nOpen questions:\n"
                      "- is the teacher itself calibrated\n")
    assert any("6-layer" in s for s in entry.next_steps)
    assert any("calibrated" in q for q in entry.open_questions)


def test_title_line_and_plans_are_not_hypotheses() -> None:
    entry = structure("fraud graph, day 2 (sparse edges\n"
                      "- gnn with 2 hops: .871 auc, better than the flat mlp\n"
                      "- next: 3 hops with neighbour sampling\n"
                      "- q: should the edges be time-decayed?")
    assert any("gnn with 2 hops" in h for h in entry.hypotheses)
    for h in entry.hypotheses:
        assert "day 2" not in h and "next" not in h.lower() and "time-decayed" not in h


def test_a_run_name_alone_is_no_hypothesis() -> None:
    runs = [make_run("a", name="calm-otter-41", params={"model": "hgb", "learning_rate": "0.05"}),
            make_run("b", name="hgb-d3-lr0.1", params={"model": "hgb", "learning_rate": "0.1"})]
    entry = structure("- calm-otter-41 (lr 0.05, 400 iterations) did no better than hgb-d3-lr0.1", runs)
    assert all(h.strip().lower() != "calm-otter-41" for h in entry.hypotheses), entry.hypotheses
    assert [c.verdict for c in entry.conclusions] == ["did_not_work"]


def test_an_expected_outcome_is_a_hypothesis_not_a_verdict() -> None:
    # a hedged modal before a bare verb states what the writer expects, not what a run showed
    for text in ("I think a larger batch might lead to better recall.", "I expect dropout to help with overfitting.",
                 "maybe a larger batch would give better recall"):
        entry = structure(text)
        assert entry.hypotheses and not entry.conclusions, (text, entry.conclusions)
    # a verdict stated first, a hedged report, a measurement, and a judged hypothesis stay verdicts
    for text in ("label smoothing hurt, might revert", "dropout seems to help",
                 "I think dropout helped, auc .81 -> .83"):
        assert structure(text).conclusions, text
    assert negatives(structure("The hypothesis that higher gradient clipping would help is clearly rejected."))


def test_a_sentence_on_what_a_run_costs_gets_no_verdict_from_its_metric() -> None:
    # the tracker's metric judges a run, never a sentence reporting its memory or time; a failed run still did
    # not work whatever the sentence measures
    a = make_run("a", name="seg-bs16", params={"batch_size": "16"}, metrics={"val_auc": 0.85})
    b = make_run("b", name="seg-bs8", params={"batch_size": "8"}, metrics={"val_auc": 0.80})
    entry = structure("seg-bs16 reached 0.85. seg-bs8 uses about 80% of GPU memory, with one spike to 97%.", [a, b])
    assert "memory" not in negatives(entry), entry.conclusions
    failed = make_run("f", status="FAILED", name="seg-bs32", params={"batch_size": "32"})
    entry = structure("seg-bs16 reached 0.85. seg-bs32 used 23 GB of GPU memory before it stopped.", [a, failed])
    assert "memory" in negatives(entry), entry.conclusions
