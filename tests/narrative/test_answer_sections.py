"""Thread answers that quote the passage a colleague would (issue 8, h/answers6): a run's outcome labels with
their content on the bullets under them, a label line with its bullets, a setting the asked runs do not record,
a run that brought a technique in. Notes below are written for the tests; histories are tune fixtures and a dev
scenario."""

from __future__ import annotations

from pathlib import Path

from narrative import synthesis, vocab
from narrative.answer_sections import outcome_blocks
from narrative.history_index import HistoryIndexCache
from tests.narrative.scenario_loader import SCENARIO_DIR
from tests.narrative.synthesis_dev import build_history, cited_keys

DATA = Path(__file__).parent / "data" / "real_answers"

NOTE = """## Try 4: `mlp-wide`

**Goal**: more width, same depth

**Config**:
- hidden: 1024

**Outcome**: worse than try 3
- val loss 0.91 vs 0.84
- overfits after epoch 6

**Root cause**:

- too many params for 8k rows

- **Note**: rerun with weight decay
"""


def _ask(path: Path, question: str) -> tuple[str, set[str]]:
    hist, key_of, entry_runs, _ = build_history(path, False)
    ans = synthesis.answer(question, hist, indexes=HistoryIndexCache())
    return ans.answer, cited_keys(ans.citations, key_of, entry_runs)


def test_outcome_blocks_take_the_bullets_under_a_label() -> None:
    blocks = outcome_blocks(NOTE.splitlines())
    assert blocks[0] == "Outcome: worse than try 3 / val loss 0.91 vs 0.84 / overfits after epoch 6"
    # the label's content is only on its bullets, after a blank line; a bold label of another kind ends it
    assert blocks[1] == "Root cause: too many params for 8k rows"
    assert not any("Goal" in b or "hidden" in b for b in blocks)


def test_noise_with_a_value_is_a_setting_not_a_verdict() -> None:
    assert not vocab.cue_flags("Reduced regularization (dropout 0.3, noise 0.2)")[0]
    assert not vocab.cue_flags("white noise: 0.8 for the first runs")[0]
    assert vocab.cue_flags("the gain is within noise")[0]
    assert vocab.cue_flags("honestly that is noise.")[0]


def test_why_naming_a_run_quotes_its_outcome_labels() -> None:
    text, cited = _ask(DATA / "gru-ctc-run-tracking.json", "what went wrong in gru_ctc_reg3?")
    assert "Gradient explosions after warmup" in text and "Purpose" not in text and cited == {"r3"}


def test_a_root_cause_label_is_quoted_with_its_bullets() -> None:
    text, _ = _ask(DATA / "ast-warmup-attempts.json", "what was the root cause of the divergence?")
    assert "Warmup scheduler + CosineAnnealing conflict; Warmup increased LR" in text


def test_a_setting_the_runs_do_not_record_is_said_so() -> None:
    text, cited = _ask(DATA / "gru-ctc-run-tracking.json", "what batch size did the gru_ctc runs use?")
    assert text.startswith("The runs don't record a batch size") and 1 <= len(cited) <= 6
    text, cited = _ask(SCENARIO_DIR / "support-intent-finetune.json", "what max len did setfit use?")
    assert text.startswith("The run doesn't record a max sequence length: the run asked about (setfit-fewshot)")
    assert "r05" in cited
    # a setting the runs do record is still read off them
    text, _ = _ask(SCENARIO_DIR / "support-intent-finetune.json", "what learning rate did the distilbert runs use?")
    assert text.startswith("lr: ")


def test_a_technique_is_evidenced_by_the_run_that_brought_it_in() -> None:
    # the summary line links no run that has mixed precision on; the run with it off did not do it
    text, cited = _ask(DATA / "gru-ctc-run-tracking.json", "did half precision training speed things up?")
    assert "2x speedup" in text and "r2" in cited and "r1" not in cited


def test_a_run_named_by_the_notes_label_is_that_run() -> None:
    # "## Run #6: `gru_ctc_reg6`" makes "run 6" / "the sixth run" gru_ctc_reg6 (found nothing before)
    for q in ("why did we kill run 6?", "why was the sixth run stopped?"):
        text, cited = _ask(DATA / "gru-ctc-run-tracking.json", q)
        assert "instability" in text and cited == {"r6"}, q
    # a question of fact about the plans is not turned into the run's card
    text, _ = _ask(DATA / "gru-ctc-run-tracking.json", "what do we try if run 7 is still unstable?")
    assert "0.0012" in text
