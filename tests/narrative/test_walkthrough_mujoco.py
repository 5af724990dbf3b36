"""A new user's weeks on HalfCheetah (own notes; runs named and logged as Stable-Baselines3 runs are), read as a lead
reading ``phase`` and ``next``: a technique tried on a model ("reward shaping on sac") judges the technique, not
the model; "it backfired", "reverting the shaping" are verdicts; a decision ("keeping norm_obs on") is no
experiment to run; an RL project is not told to log a logistic baseline; observation normalization, frame skip
and the entropy coefficient are lines of work of their own."""

from __future__ import annotations

import pytest

from narrative import synthesis, vocab
from narrative.answer_next import decided_here
from narrative.approaches import _subjects_of
from storage.records import DecisionNote, ProjectRecord
from tests.narrative.walkthrough_util import history, run

M = "eval/mean_reward"
PROJECT = ProjectRecord(id="p", workspace_id="w", name="cheetah", primary_metric=M, goal="max", experiment_ids=["1"])
PPO = {"algo": "PPO", "env_id": "HalfCheetah-v4", "ent_coef": "0.0", "learning_rate": "0.0003", "norm_obs": "False",
       "frame_skip": "1", "total_timesteps": "1000000"}
SAC = {"algo": "SAC", "env_id": "HalfCheetah-v4", "learning_rate": "0.0003", "ent_coef": "auto", "tau": "0.005",
       "norm_obs": "False", "frame_skip": "1", "total_timesteps": "1000000"}
TD3 = {"algo": "TD3", "env_id": "HalfCheetah-v4", "learning_rate": "0.001", "policy_noise": "0.2", "norm_obs": "False",
       "frame_skip": "1", "total_timesteps": "1000000"}
RUNS = [
    run("a", "ppo-hc-s0", 1, {**PPO, "seed": "0"}, M, 1480.0, 180),
    run("b", "ppo-hc-s1", 2, {**PPO, "seed": "1"}, M, 1720.0, 180),
    run("c", "ppo-hc-normobs-s0", 20, {**PPO, "norm_obs": "True", "seed": "0"}, M, 2310.0, 180),
    run("d", "ppo-hc-normobs-s1", 21, {**PPO, "norm_obs": "True", "seed": "1"}, M, 2650.0, 180),
    run("e", "ppo-hc-normobs-ent001-s0", 44, {**PPO, "norm_obs": "True", "ent_coef": "0.01", "seed": "0"}, M, 2190.0,
        180),
    run("f", "ppo-hc-normobs-fs4-s0", 46, {**PPO, "norm_obs": "True", "frame_skip": "4", "seed": "0"}, M, 1890.0, 90),
    run("g", "sac-hc-s0", 170, {**SAC, "seed": "0"}, M, 9850.0, 400),
    run("h", "sac-hc-s1", 171, {**SAC, "seed": "1"}, M, 10420.0, 400),
    run("i", "td3-hc-s0", 172, {**TD3, "seed": "0"}, M, 9120.0, 300),
    run("j", "td3-hc-s1", 173, {**TD3, "seed": "1"}, M, 8700.0, 300),
    run("k", "sac-hc-shaped-s0", 240, {**SAC, "reward_shaping": "fwd_vel_bonus", "seed": "0"}, M, 7900.0, 400),
    run("l", "sac-hc-ent02-s0", 245, {**SAC, "ent_coef": "0.2", "seed": "0"}, M, 9300.0, 400),
]
NOTES = [
    (10, "ppo baseline on halfcheetah-v4 (sb3 defaults), 2 seeds: 1480 / 1720 at 1M steps. slow and noisy as expected"),
    (26, "obs normalization (VecNormalize norm_obs=True) on ppo: 2310 / 2650, big jump (+~900). keeping norm_obs on "
         "from now on"),
    (50, "- ent coef 0.01 on top: 2190, slightly worse than normobs alone, not worth it\n"
         "- frame skip 4: 1890. faster wall clock but it backfired on return, reverting to fs=1\n"
         "ppo seems to plateau around 2.5k, probably need an off-policy method"),
    (180, "SAC vs TD3 on halfcheetah, 2 seeds each:\n"
          "sac 9850 / 10420, td3 9120 / 8700\n"
          "both way above ppo. going with sac as the main algo, td3 dropped (lower and more seed variance)"),
    (250, "tried reward shaping on sac (forward velocity bonus): 7900, it backfired, agent learns to flip and wiggle. "
          "reverting the shaping.\nfixed ent coef 0.2 instead of auto: 9300, worse than auto tuning.\n"
          "next: try sac on hopper and walker2d, and maybe layer norm in the critic"),
]


def _phase() -> dict[str, tuple[str, str, float | None]]:
    report = synthesis.phase(history(PROJECT, RUNS, NOTES))
    return {a.name: (a.status, a.reason, a.best_value) for a in report.approaches}


def test_the_model_a_technique_was_tried_on_stays_adopted() -> None:
    lines = _phase()
    # "tried reward shaping on sac ... it backfired" closed SAC (exhausted) on the old code
    sac = lines["SAC / TD3 / DDPG"]
    assert sac[0] == "adopted" and sac[2] == 10420.0, sac
    # and the adoption's reason carries no "no gain on the metric" label (that was about td3)
    assert not sac[1].startswith("no gain"), sac
    assert lines["reward shaping"][0] == "exhausted"
    # PPO is replaced by the family adopted, not left open with "continue PPO"
    assert lines["PPO"][0] == "exhausted" and lines["PPO"][1].startswith("replaced by SAC"), lines["PPO"]


def test_rl_settings_are_lines_of_their_own() -> None:
    lines = _phase()
    norm = next(v for k, v in lines.items() if "observation normalization" in k)
    assert norm[0] == "adopted" and norm[2] == 2650.0
    ent = next(v for k, v in lines.items() if "ent coef" in k)
    assert ent[0] == "exhausted"
    # "it backfired on return, reverting to fs=1" is the notes' verdict: not "by its numbers", not "too slow"
    fs = lines["frame skip"]
    assert fs[0] == "exhausted" and "by its numbers" not in fs[1] and "too slow" not in fs[1], fs


def test_next_runs_no_decision_and_asks_no_logistic_baseline() -> None:
    h = history(PROJECT, RUNS, NOTES)
    for context in ("", "3 days left, 1 gpu, target 11000"):
        plan = synthesis.next_plan(h, context=context)
        titles = [e.title for e in plan.experiments]
        assert not any("keeping norm_obs" in t or "going with sac" in t for t in titles), titles
        assert "hopper" in titles[0]
        assert plan.missing_baseline is None
    plan = synthesis.next_plan(h, context="3 days left, 1 gpu, target 11000")
    assert "580 to go" in plan.experiments[0].why
    steps = synthesis.phase(h).next_steps
    assert not any(s.startswith(("keeping", "going with", "continue PPO")) for s in steps), steps


@pytest.mark.parametrize(("text", "subject"), [
    ("tried reward shaping on sac: 7900, it backfired", "reward_shaping"),
    ("obs normalization on ppo: big jump", "obs_norm"),
    ("frame stack on dqn hurt", "frame_stack"),
    ("class weights for logreg: +4 pts", "class_weight"),
])
def test_a_technique_on_a_model_judges_the_technique(text: str, subject: str) -> None:
    assert set(_subjects_of(text)) == {subject}


@pytest.mark.parametrize(("text", "model"), [
    ("sac on halfcheetah: 10420", "sac"),
    ("on sac, reward shaping backfired", "sac"),
    ("reward shaping on top of sac: worse", "sac"),
    ("obs normalization with ppo: big jump", "ppo"),
    ("class weights in logreg and in the rf", "logreg"),
    ("reward shaping and sac both worse", "sac"),
    ("moved on to sac after reward shaping", "sac"),
    ("ppo on the cheetah env with frame stack 4", "ppo"),
    ("dqn for pong, frame stack 4 helped", "dqn"),
])
def test_a_model_not_named_bare_behind_a_technique_stays_a_subject(text: str, model: str) -> None:
    assert model in _subjects_of(text)


@pytest.mark.parametrize("text", [
    "it backfired", "the shaping backfired badly", "reverting the shaping.", "reverted it, back to fs=1",
    "faster wall clock but it backfired on return",
])
def test_an_undone_change_is_a_negative_verdict(text: str) -> None:
    assert vocab.cue_flags(text)[0]


@pytest.mark.parametrize("text", [
    "it never backfired", "not reverting, keeping it", "shaping did not backfire", "no backfire this time",
    "the revert button in the ui", "reversed the order of the frames", "backfill the missing episodes",
    "reverse kl instead of forward kl", "no reverting needed, it held up",
])
def test_what_only_looks_like_an_undone_change(text: str) -> None:
    assert not vocab.cue_flags(text)[0]


@pytest.mark.parametrize(("text", "concept"), [
    ("obs normalization on ppo", "obs_norm"), ("VecNormalize on the env", "obs_norm"), ("norm_obs=True", "obs_norm"),
    ("frame skip 4", "frame_skip"), ("action repeat 2", "frame_skip"), ("ent coef 0.01", "exploration"),
    ("entropy coef 0.2", "exploration"), ("fasttext w/ bigrams", "fasttext"),
])
def test_rl_and_text_words_name_their_concept(text: str, concept: str) -> None:
    assert concept in vocab.concept_frozenset(text)


@pytest.mark.parametrize(("text", "concept"), [
    ("observation window of 30 days", "obs_norm"), ("obs per user", "obs_norm"), ("normalized the rewards", "obs_norm"),
    ("frame rate 30 fps", "frame_skip"), ("skip connections in the critic", "frame_skip"),
    ("the agent skipped frames of the video", "frame_skip"), ("cross entropy loss", "exploration"),
    ("coefficient of variation", "exploration"), ("a fast test suite", "fasttext"),
])
def test_near_words_name_no_such_concept(text: str, concept: str) -> None:
    assert concept not in vocab.concept_frozenset(text)


def test_an_automatic_entropy_coefficient_is_the_default() -> None:
    assert not vocab.param_value_concepts("ent_coef", "auto")
    assert not vocab.param_value_concepts("ent_coef", "auto_0.1")
    assert not vocab.param_value_concepts("frame_skip", "1")
    assert "exploration" in vocab.param_value_concepts("ent_coef", "0.2")
    assert "frame_skip" in vocab.param_value_concepts("frame_skip", "4")
    assert "class_weight" in vocab.param_value_concepts("class_weight", "auto")  # no default there


def _decision(text: str) -> list[DecisionNote]:
    return [DecisionNote(kind="adopt", text=text)]


@pytest.mark.parametrize(("step", "decided"), [
    ("keeping norm_obs on from now on", "keeping norm_obs on from now on"),
    ("going with sac as the main algo", "going with sac as the main algo, td3 dropped"),
    ("sticking with deberta-v3-base @256", "deberta is the new best, sticking with deberta-v3-base @256"),
])
def test_a_decision_is_no_step_to_run(step: str, decided: str) -> None:
    assert decided_here(step, _decision(decided))


@pytest.mark.parametrize(("step", "decided"), [
    ("switching to sac tomorrow", "switching to sac tomorrow"),
    # a switch told as under way is the next thing done (an open real scenario expects it as a next step)
    ("Switching to path traced images.", "Switching to path traced images."),
    ("we're moving to the v2 tokenizer", "we're moving to the v2 tokenizer"),
    ("will keep norm_obs on for the hopper runs", "will keep norm_obs on for the hopper runs"),
    ("try sac on hopper and walker2d", "going with sac as the main algo"),
    ("next: larger batch (512)", "keeping norm_obs on from now on"),
    ("maybe layer norm in the critic", "keeping norm_obs on from now on"),
    ("going to try td3 with target smoothing off", "going with sac as the main algo"),
    ("", "keeping norm_obs on"),
    ("rerun ppo with 4 envs", ""),
    ("need to rerun the sac seeds", "need to rerun the sac seeds"),
])
def test_a_step_that_is_no_decision_stays(step: str, decided: str) -> None:
    assert not decided_here(step, _decision(decided))
