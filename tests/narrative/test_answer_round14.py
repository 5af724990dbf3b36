"""How an experiment went, told under its section's outcome labels (issue 8, h/answers14).

Seen on new real notes (an experiment log kept as one "### Experiment E28: Warmup Sweep" section per experiment
with "- Goal:" / "- Setup:" / "- Findings:" / "- Conclusion:" labels and their content on the bullets under
them; see data/real_answers/README.md). Three classes, each failing on the code before it:

- a yes/no question whether a change did what it was for ("did the warmup sweep recover the baseline?", "did
  switching to BCELoss fix the collapse?") asks how it went, as "did it help?" does;
- a line under a bare aim label ("- Goal:" then "  - Recover baseline behavior by ...") is the experiment's stated
  aim: for a did-it-help question it says nothing of how it went, whatever words it shares with the question;
- a did-it-help question whose subject a section's heading carries is answered by what that section says under
  its outcome labels (Conclusion, Findings, Result ...), lines that share no word with the question.

The runs and notes below are written for the tests.
"""

from __future__ import annotations

import time

from narrative import answering, synthesis
from narrative.answer_sections import AIM_LABEL, heading_outcome, heading_runs, section_verdict, under_aim_label
from narrative.history_index import HistoryIndex, HistoryIndexCache
from narrative.plan_reading import plan_terms
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative.walkthrough_util import history, run

PROJECT = ProjectRecord(id="p", workspace_id="w", name="kws", primary_metric="val_acc", goal="max",
                        experiment_ids=["1"])


def _run(key: str, name: str, hours: float, params: dict[str, str], value: float) -> RunSnapshot:
    return run(key, name, hours, params, "val_acc", value, 50, user="lena")


RUNS = [
    _run("a", "base_s1", 1, {"lr": "0.001", "schedule": "step", "spec_augment": "false"}, 0.90),
    _run("b", "cosrestart_s1", 3, {"lr": "0.001", "schedule": "cosine_restarts", "spec_augment": "false"}, 0.88),
    _run("c", "cosrestart_s2", 4, {"lr": "0.001", "schedule": "cosine_restarts", "spec_augment": "false"}, 0.87),
    _run("d", "specaug_s1", 6, {"lr": "0.001", "schedule": "step", "spec_augment": "true"}, 0.93),
    _run("e", "specaug_s2", 7, {"lr": "0.001", "schedule": "step", "spec_augment": "true"}, 0.92),
]
LOG = """### Experiment 4: Cosine Restart Schedule (`cosrestart`, 2 seeds)
- Goal:
  - Recover the accuracy lost after the loss spike by restarting the schedule.
- Setup:
  - `lr=0.001`, `schedule=cosine_restarts`, seeds `1/2`
- Findings:
  - Seed 1: val_acc 0.88
  - Seed 2: val_acc 0.87
- Conclusion:
  - Worse than the step baseline on both seeds; the spike comes back after each restart.

### Experiment 5: SpecAugment (`specaug`, 2 seeds)
- Goal:
  - Test whether time and frequency masking reduces overfitting to the clean recordings.
- Findings:
  - Seed 1: val_acc 0.93
  - Seed 2: val_acc 0.92
- Conclusion:
  - Masking beats the baseline by 2-3 points on both seeds; keeping it on.
"""
NOTES = [(8, LOG)]


def _history() -> object:
    return history(PROJECT, RUNS, NOTES, author="lena")


def _idx() -> HistoryIndex:
    return synthesis._index(_history(), HistoryIndexCache())


def _ask(q: str) -> tuple[str, set[str]]:
    ans = synthesis.answer(q, _history(), indexes=HistoryIndexCache())
    return ans.answer, {r[0] for it in ans.citations for r in it.run_ids}


def _helpq(q: str) -> bool:
    return answering._then(answering._HELP_A, answering._HELP_B, q)


# --- a question whether a change did what it was for is a did-it-help question -----------------------------------


def test_did_a_change_fix_or_recover_something_asks_how_it_went() -> None:
    for q in ("did the cosine restarts recover the accuracy?", "did switching to BCELoss fix the collapse?",
              "did gradient clipping stabilize training?", "did the new sampler solve the class imbalance?",
              "did masking prevent the overfitting?", "did the longer warmup pay off?",
              "does label smoothing resolve the overconfidence?", "did the restart succeed?"):
        assert _helpq(q), q


def test_an_outcome_verb_that_names_a_setting_or_a_thing_asks_nothing_of_how_it_went() -> None:
    # must not fire: "fixed", "recovery", "solver", "success", "resolution", "prevention" as adjectives or nouns,
    # and questions that do not open with did/does/was ...
    for q in ("did we use a fixed seed?", "did we log the recovery time?", "did the solver settings stay the same?",
              "did the success rate get logged?", "did we train at resolution 512?",
              "did the fixed_full_rank runs use seed 42?", "who fixed the data loader?",
              "how did we stabilize training?", "why did we fix the seed?", "what did we prevent with masking?",
              "did the stabilizer weights ship?", "did we run the prevention baseline?"):
        assert not _helpq(q), q


# --- a line under a bare aim label is the experiment's aim ------------------------------------------------------


def test_a_line_under_a_bare_goal_label_is_a_stated_aim() -> None:
    assert under_aim_label(LOG, "Recover the accuracy lost after the loss spike by restarting the schedule.")
    assert under_aim_label(LOG, "Test whether time and frequency masking reduces overfitting to the clean recordings.")
    assert under_aim_label("**Purpose:**\n- Check if the warmup matters at all.\n",
                           "Check if the warmup matters at all.")


def test_lines_under_other_labels_or_beside_the_goal_block_are_not_aims() -> None:
    # must not fire: lines under Findings / Conclusion / Setup labels, a label with its content on the same line,
    # a top-level line right after the aim's bullets, a line no label heads, a line absent from the note
    for text in ("Seed 1: val_acc 0.88", "Worse than the step baseline on both seeds; the spike comes back after each "
                 "restart.", "`lr=0.001`, `schedule=cosine_restarts`, seeds `1/2`",
                 "Masking beats the baseline by 2-3 points on both seeds; keeping it on.", "Seed 2: val_acc 0.92"):
        assert not under_aim_label(LOG, text), text
    assert not under_aim_label("- Goal: reach 0.9\n- Restarts made it worse on both seeds.\n",
                               "Restarts made it worse on both seeds.")
    assert not under_aim_label("Plain prose about the restarts, worse on both seeds.\n",
                               "Plain prose about the restarts, worse on both seeds.")
    assert not under_aim_label(LOG, "A sentence that is nowhere in the note at all.")
    assert not under_aim_label("- Goal:\n  - Recover the accuracy.\n- Result:\n  - The restarts made it worse.\n",
                               "The restarts made it worse.")
    for line in ("- Goal: reach 0.9", "Goals and results:", "## Goal", "- Findings:", "- Goalkeeper:"):
        assert not AIM_LABEL.match(line), line


# --- a section's own outcome answers a did-it-help question about its subject ----------------------------------


def test_did_it_help_quotes_the_section_conclusion_not_its_aim() -> None:
    text, cited = _ask("did the cosine restart schedule recover the accuracy?")
    assert "Worse than the step baseline" in text and "Recover the accuracy lost" not in text
    assert cited & {"b", "c"} and "d" not in cited
    text, cited = _ask("did specaugment help?")
    assert "Masking beats the baseline" in text and cited & {"d", "e"}


def test_heading_outcome_reads_the_blocks_verdict_first() -> None:
    out = heading_outcome(LOG, "### Experiment 4: Cosine Restart Schedule (`cosrestart`, 2 seeds)")
    assert out.startswith("Conclusion: Worse than the step baseline") and "Findings: Seed 1: val_acc 0.88" in out
    assert heading_outcome(LOG, "### Experiment 9: Not There") == ""
    assert heading_outcome("### Exp 1: Dropout\n- Problem:\n  - Overfits after epoch 3.\n", "### Exp 1: Dropout") == ""


def test_a_heading_names_runs_by_the_code_span_their_names_start_with() -> None:
    idx = _idx()
    assert sorted(heading_runs(idx, "### Experiment 4: Cosine Restart Schedule (`cosrestart`, 2 seeds)")) == [
        "b" * 32, "c" * 32]
    # must not fire: a span no run name starts with, one that is only part of a name, a span with no run
    for head in ("### Experiment 9 (`warmup`)", "### Exp (`restart`)", "### Setup (`lr=0.001`)", "### Base",
                 "### Exp (`cosrest`)"):
        assert heading_runs(idx, head) == [], head


def _verdict(q: str, heads: list[str]) -> object:
    idx = _idx()
    facts = [f for fs in idx.entry_facts.values() for f in fs if f.kind == "sentence"]
    ranked = [(1.0, f) for h in heads for f in facts if f.text.strip() == h]
    assert len(ranked) == len(heads)
    return section_verdict(idx, plan_terms(q, idx), ranked, q)


def test_section_verdict_must_not_fire_without_a_heading_carrying_the_subject() -> None:
    e4 = "### Experiment 4: Cosine Restart Schedule (`cosrestart`, 2 seeds)"
    e5 = "### Experiment 5: SpecAugment (`specaug`, 2 seeds)"
    assert _verdict("did the cosine restart schedule help?", [e4, e5]) is not None
    # must not fire: the subject is in no heading, only in part of one, or the ranked lines hold no heading
    for q in ("did mixup help?", "did the larger batch size help?", "did dropout work?", "did the lr warmup help?",
              "did label smoothing pay off?", "did the teacher model help?", "did pruning work?",
              "did the new tokenizer fix it?"):
        assert _verdict(q, [e4, e5]) is None, q
    assert _verdict("did specaugment help?", []) is None


def test_section_verdict_must_not_fire_on_three_tied_headings_or_a_section_without_outcomes() -> None:
    notes = [(8, "### Warmup A\n- Findings:\n  - flat\n\n### Warmup B\n- Findings:\n  - flat\n\n"
                 "### Warmup C\n- Findings:\n  - flat\n\n### Dropout sweep\n- Setup:\n  - p in 0.1, 0.3\n")]
    h = history(PROJECT, RUNS, notes, author="lena")
    idx = synthesis._index(h, HistoryIndexCache())
    facts = [f for fs in idx.entry_facts.values() for f in fs if f.text.startswith("###")]
    ranked = [(1.0, f) for f in facts]
    assert section_verdict(idx, plan_terms("did the warmup help?", idx), ranked, "did the warmup help?") is None
    assert section_verdict(idx, plan_terms("did the dropout sweep help?", idx), ranked,
                           "did the dropout sweep help?") is None


def test_the_new_patterns_stay_linear_on_adversarial_input() -> None:
    long = "did " + "fix " * 20000 + "x"
    start = time.perf_counter()
    answering._HELP_B.search(long)
    AIM_LABEL.match("- " + "*" * 5000 + "goal" + " " * 5000 + ":" * 5000)
    under_aim_label("- Goal:\n" + "  - a\n" * 3000, "a b c d e f g h")
    heading_runs(_idx(), "### " + "`" * 3000 + "a" * 3000)
    heading_outcome("### X\n" + "- Findings:\n" * 3000, "### X")
    assert time.perf_counter() - start < 3.0


# --- an item's indented lines go on with it; its siblings are none of its content ---------------------------------

FINDINGS = """## What worked
- **Per-example centering** of the mixer output:
  - `delta -= delta.mean(dim=1)`
  prevents the mixer from learning a pure global shift across labels.
- **Alpha gate**:
  - initialize `V=0` so the mixer starts as a no-op.
"""


def test_an_indented_line_under_an_item_goes_on_with_it() -> None:
    from narrative.answer_quotes import with_list

    h = history(PROJECT, RUNS, [(8, FINDINGS)], author="lena")
    idx = synthesis._index(h, HistoryIndexCache())
    out = with_list(idx, "**Per-example centering** of the mixer output:")
    assert "prevents the mixer from learning a pure global shift" in out
    assert "no-op" not in out and "Alpha gate" not in out  # the next item is a sibling, not the content


def test_why_is_answered_by_what_the_thing_prevents() -> None:
    text, _ = synthesis.answer("why did we center the mixer output?", history(PROJECT, RUNS, [(8, FINDINGS)],
                                                                           author="lena"),
                               indexes=HistoryIndexCache()).answer, None
    assert "global shift" in text and not text.startswith("No note says why")


def test_what_a_thing_prevents_is_its_purpose_and_nothing_else_reads_so() -> None:
    from narrative.answer_quotes import states_reason

    for text in ("Centering prevents the mixer from learning a global shift.", "We clip to prevent NaNs.",
                 "The gate prevented the early blow-up."):
        assert states_reason(text), text
    # must not fire: the words near "prevent" that name something else, and plain results
    for text in ("Prevention set: 200 clips.", "val_acc 0.93 on seed 1", "The preview images look fine.",
                 "Seed 2: val_acc 0.92", "Masking beats the baseline by 2 points.", "We kept the event log.",
                 "Prevalence of the rare class is 3%.", "The eval uses 5 folds."):
        assert not states_reason(text), text


# --- a pasted config, code spans and separators only, is data ----------------------------------------------------


def test_a_list_of_code_spans_is_data() -> None:
    from narrative.data_lines import data_line

    for t in ("`n_layer=1`, `d_model=8`, `d_ff=28`, `n_head=1`", "- `lr=0.015`, `train_steps=30000`",
              "seeds: `42`, `43`, `44`", "`batch_size=512`; `lr=0.02`"):
        assert data_line(t), t
    # must not fire: prose around code spans, one code span, a span then words, a verdict with spans
    for t in ("Added `fixed_full_rank` to `ModelConfig`.", "`pos_rank=6` can reach near-perfect performance",
              "Removed `RMSNorm` usage entirely.", "use `lr=0.01` and `wd=0.1` next time",
              "`n_layer=1`", "Seed 42: `best_val_exact=0.9872` (step `29500`) [near miss]",
              "Failed stability constraint (`0/3` seeds reached `>=0.99`).",
              "`a`, `b` and `c` all failed", "Setup was `x=1`, `y=2` but it diverged"):
        assert not data_line(t), t
    start = time.perf_counter()
    data_line("`a`, " * 20000 + "x")
    data_line("- " + "`" * 20000)
    assert time.perf_counter() - start < 2.0


# --- "Observed failure mode" heads the account of how something failed -------------------------------------------


def test_a_failure_mode_heading_is_an_explaining_section() -> None:
    from narrative.answer_reasons import _CAUSE_HEAD, _REASON_HEAD

    for h in ("### Observed failure mode: the MLP learns a global suppressor", "## Failure modes",
              "#### 2. Failure mode (koko)"):
        assert _REASON_HEAD.match(h) and _CAUSE_HEAD.search(h), h
    # must not fire: headings that only mention failure, or name a mode of something else
    for h in ("### Failed attempts", "## Mode collapse in the GAN", "### Failure rate by seed",
              "## Eval mode", "### What failed", "## Observed results", "### Modes of the data",
              "## Failure cases gallery"):
        assert not _REASON_HEAD.match(h), h


# --- a question names runs by the start of their names ------------------------------------------------------------


def test_a_question_names_runs_by_the_start_of_their_names() -> None:
    from narrative.answer_sections import prefix_runs

    idx = _idx()
    assert sorted(prefix_runs(idx, "why did cosrestart collapse?")) == []  # a plain word is no run-name word
    runs = [_run("m", "mix_gate-koko", 1, {}, 0.3), _run("n", "mix_gate-yso", 2, {}, 0.6),
            _run("o", "mix_gate_v2-koko", 3, {}, 0.4), _run("q", "mlp-koko", 4, {}, 0.2)]
    h = history(PROJECT, runs, [(8, "notes")], author="lena")
    idx = synthesis._index(h, HistoryIndexCache())
    assert sorted(prefix_runs(idx, "why did mix_gate_v2 collapse?")) == ["o" * 32]
    assert sorted(prefix_runs(idx, "why did mix_gate-koko collapse?")) == ["m" * 32]
    # must not fire: a word no name starts with, part of a word, a plain word, a number, a path, a name inside
    # backticks of a longer token, a metric-like word
    for q in ("why did mix_gat collapse?", "did gate-koko help?", "why did mlp collapse?", "what did 0.5 do?",
              "why did the mix gate fail?", "why did a/mix_gate_v2 fail?", "why did val_loss rise?",
              "why did x_mix_gate fail?", "did mix_gate_v3 help?"):
        assert prefix_runs(idx, q) == [], q
    start = time.perf_counter()
    prefix_runs(idx, "a_" * 30000)
    assert time.perf_counter() - start < 2.0
