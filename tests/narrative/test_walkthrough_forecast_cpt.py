"""A new user's two projects read field by field: a demand forecast (LightGBM with lags, N-BEATS, TFT, Prophet;
sMAPE lower is better) and a continued pretraining run (pasted Megatron log lines, a loss spike, a restart from a
checkpoint, a batch ramp). Each field holds what the author meant: a plan with numbers or a condition stays a plan,
what was tried carries no verdict of its own, "what I expected" is no belief, a terse hedged cause is no verdict."""

from __future__ import annotations

import datetime as dt

from narrative import next_split, reading, shortfalls
from narrative.structuring import structure_entry
from narrative.subjects import subject_of
from narrative.types import StructureRequest
from storage.records import EntryStructure, ProjectRecord, RunSnapshot

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
CPT = ProjectRecord(id="p", workspace_id="w", name="cpt", primary_metric="val_loss", goal="min",
                    experiment_ids=["1"])
DEMAND = ProjectRecord(id="p", workspace_id="w", name="demand", primary_metric="smape",
                       goal="min", experiment_ids=["1"])


def _run(key: str, name: str, hours: float, params: dict[str, str], metrics: dict[str, float]) -> RunSnapshot:
    start = T0 + dt.timedelta(hours=hours)
    return RunSnapshot(project_id="p", run_id=key * 32, run_name=name, user="kai", status="FINISHED", start=start,
                       end=start + dt.timedelta(hours=3), params=params, metrics=metrics)


CPT_RUNS = [
    _run("f", "cpt-1b-lr3e4", 1, {"lr": "3e-4", "warmup_steps": "500"}, {"val_loss": 2.41}),
    _run("g", "cpt-1b-lr1e4", 20, {"lr": "1e-4", "warmup_steps": "2000"}, {"val_loss": 2.36}),
    _run("h", "cpt-1b-lr1e4-resume", 45, {"lr": "1e-4", "global_batch_size": "1024"}, {"val_loss": 2.33}),
]
DEMAND_RUNS = [
    _run("a", "lgbm_lags_v1", 1, {"model": "LGBMRegressor", "num_leaves": "63"}, {"smape": 14.2}),
    _run("b", "lgbm_lags_roll", 3, {"model": "LGBMRegressor", "rolling": "7,28"}, {"smape": 13.1}),
    _run("e", "prophet_base", 50, {"model": "Prophet"}, {"smape": 17.5}),
]


def _entry(project: ProjectRecord, runs: list[RunSnapshot], hours: float, text: str) -> EntryStructure:
    at = T0 + dt.timedelta(hours=hours)
    return structure_entry(StructureRequest(text=text, author="kai", at=at, project=project,
                                            window_runs=[r for r in runs if r.start < at], known_runs=runs,
                                            resolved_refs={}, window_start=None))


SPIKE = ("cpt on the 1b with lr 3e-4, 500 warmup, cosine to 3e-5\n"
         " iteration     1200/   50000 | consumed samples: 614400 | lm loss: 2.312E+00 | grad norm: 0.87 |\n"
         " iteration     1400/   50000 | consumed samples: 716800 | lm loss: 4.871E+00 | grad norm: 12.40 |\n"
         "loss spiked at 1400 and didn't really recover, killed it.\n"
         "probably lr too high for continued pretraining, the base was trained with a much lower peak.\n"
         "next: lr 1e-4 with 2k warmup")
RESTART = ("restarted from step 1000 ckpt w/ lr 1e-4, 2k warmup. no spikes through 8k iters, val loss 2.36.\n"
           "not sure if the spike was lr or a bad data shard, the timing lined up with shard 17 starting.\n"
           "if it spikes again, skip shard 17 and see.")
RAMP = ("## batch size ramp\n"
        "ramped global batch 512 -> 1024 at 10k iters (resume run). val loss 2.33, small gain.\n\n"
        "## what didn't work\n"
        "- z-loss 1e-4: no visible effect on stability, removed\n"
        "- tried bf16 grads reduce, diverged after 300 iters\n")
LATER = ("Decided to keep lr 1e-4 and the 1024 batch for the rest of the run.\n"
         "I think the data mix matters more than the optimizer at this point. Plan is to\n"
         "bump code from 10% to 20% of the mix and watch the val loss on the code split.\n"
         "Might also try a shorter cosine (30k instead of 50k) if we run out of budget.")
BASELINE = ("baseline lgbm w/ lags 1,7,14,28 -> smape 14.2 on the 3 backtest folds, mae 31\n"
            "adding rolling means (7, 28) helped: 13.1 smape.\n"
            "next: add day-of-week x promo interaction, maybe lr 0.03 with 2000 rounds")
BACKTEST = ("Spent most of the day on the backtest setup. Fixed it so each fold\n"
            "starts after the previous horizon ends. Re-ran lgbm_lags_roll: smape went from 13.1 to\n"
            "13.6 which is about what I expected. TFT still ahead.")


def _all_text(entry: EntryStructure) -> list[str]:
    return [*entry.hypotheses, *entry.observations, *entry.next_steps, *entry.open_questions,
            *(c.text for c in entry.conclusions)]


# --- a plan stays a plan ----------------------------------------------------------------------------------------

def test_a_conditional_whose_main_clause_is_an_order_is_a_next_step() -> None:
    """Failed on the old code: "if it spikes again, skip shard 17 and see." was dropped."""
    entry = _entry(CPT, CPT_RUNS, 22, RESTART)
    assert "if it spikes again, skip shard 17 and see." in entry.next_steps
    for plan in ("if it spikes again, skip shard 17 and see", "if grad norm climbs past 5, clip at 1.0",
                 "if val loss stalls, roll back to the 20k ckpt", "if it diverges again, halve the lr and resume",
                 "if the loader hangs again, just restart from the last ckpt"):
        assert reading.conditional_plans(plan), plan


def test_a_conditional_whose_main_clause_starts_with_no_order_plans_nothing() -> None:
    for main in ("the skip connection is to blame", "skip connections are the culprit", "cut rate is what matters",
                 "clip ratio was too low", "reset is automatic anyway", "freeze layers were the issue",
                 "warmup was too short", "restarting helps nobody", "shuffled data looked fine",
                 "kill switch is on", "pause time goes up"):
        assert not next_split.contingency_action(main), main


def test_a_hedged_plan_with_an_adverb_and_numbers_is_a_next_step() -> None:
    """Failed on the old code: "Might also try a shorter cosine (30k instead of 50k) ..." was lost."""
    entry = _entry(CPT, CPT_RUNS, 70, LATER)
    assert any(s.startswith("Might also try a shorter cosine (30k instead of 50k)") for s in entry.next_steps)
    for plan in ("might also try a 2k warmup", "could maybe try lr 3e-4", "maybe also try 1024 batch",
                 "could instead run the 350m first"):
        assert reading.modality(plan) == "planned", plan
    for said in ("might also be the warmup", "could also explain the spike", "might just be noise",
                 "may also help the long tail", "it could instead be the shard", "might also look worse at h=28",
                 "could first be a data issue", "the lr may look fine but the grad norm isn't"):
        assert reading.modality(said) != "planned", said


# --- what was tried carries no verdict --------------------------------------------------------------------------

def test_what_was_tried_is_not_its_verdict() -> None:
    """Failed on the old code: hypotheses held "rolling means (7, 28) helped", "z-loss 1e-4: no visible effect on
    stability, removed", "no spikes through 8k iters" and "ramped global batch 512" (cut at the arrow)."""
    hypotheses = [*_entry(DEMAND, DEMAND_RUNS, 5, BASELINE).hypotheses, *_entry(CPT, CPT_RUNS, 22, RESTART).hypotheses,
                  *_entry(CPT, CPT_RUNS, 47, RAMP).hypotheses]
    assert "rolling means (7, 28)" in hypotheses and "z-loss 1e-4" in hypotheses, hypotheses
    assert "ramped global batch 512 -> 1024" in hypotheses, hypotheses
    assert not any(h.startswith("no spikes") or h.endswith("helped") or "no visible effect" in h for h in hypotheses)
    ramp = _entry(CPT, CPT_RUNS, 47, RAMP)
    assert any(c.verdict == "did_not_work" and c.text.startswith("z-loss 1e-4") for c in ramp.conclusions)


def test_subjects_of_other_shapes_are_unchanged() -> None:
    assert subject_of("no dropout: 0.81") == "no dropout"
    assert subject_of("dropout 0.3: 0.81 f1") == "dropout 0.3"
    assert subject_of("label smoothing 0.1: helped a lot, 0.83") == "label smoothing 0.1"
    assert subject_of("no augmentation -> 0.70") == "no augmentation"
    assert subject_of("warmup 2k: 2.36") == "warmup 2k"
    assert subject_of("doubled the batch from 512 to 1024, val loss 2.31") == "doubled the batch from 512 to 1024"
    assert subject_of("bumped warmup 500 -> 2000 steps: stable") .startswith("bumped warmup 500 -> 2000")
    assert subject_of("no weight decay at all: 2.40") == "no weight decay at all"


def test_what_i_expected_is_no_belief() -> None:
    """Failed on the old code: "expected. TFT still ahead." was filed as a hypothesis."""
    entry = _entry(DEMAND, DEMAND_RUNS, 75, BACKTEST)
    assert not any(h.lower().startswith("expected") for h in entry.hypotheses), entry.hypotheses
    belief = _entry(DEMAND, DEMAND_RUNS, 75, "Re-ran lgbm_lags_roll with tweedie, 13.5. I expected the tweedie "
                                             "loss to help on the zeros.")
    assert any("tweedie loss to help" in h for h in belief.hypotheses), belief.hypotheses


def test_a_terse_hedged_cause_is_a_hypothesis_not_a_verdict() -> None:
    """Failed on the old code: "probably lr too high for continued pretraining, ..." was a did_not_work verdict."""
    entry = _entry(CPT, CPT_RUNS, 3, SPIKE)
    cause = "probably lr too high for continued pretraining, the base was trained with a much lower peak"
    assert cause in entry.hypotheses
    assert not any(c.text.startswith("probably lr") for c in entry.conclusions), entry.conclusions
    assert entry.next_steps == ["lr 1e-4 with 2k warmup"]
    assert not any("iteration" in t for t in _all_text(entry))
    for guess in ("maybe warmup too short", "probably batch was too small for this", "perhaps lr way too high"):
        assert shortfalls.conjecture(guess), guess
    for said in ("maybe too slow to matter", "probably too early to say", "perhaps lr too high, it helped though",
                 "probably fine", "probably overfitting", "maybe the cosine helped", "probably worth a try",
                 "possibly better with 2k warmup"):
        assert not shortfalls.conjecture(said), said
