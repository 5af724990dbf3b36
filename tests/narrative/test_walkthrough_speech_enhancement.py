"""A new user's week on speech enhancement (own notes; Conv-TasNet then DCCRN-E on VoiceBank-DEMAND, PESQ higher
better), read as the teammate who asks "did we try ...?" before starting a run. Variants of what was done (another
value, another model, a sibling loss or mask, another augmentation) must answer "not tried", paraphrases "tried".
Fixed in h/checks12, each wrong on the old code:

- "an STFT loss weight of 0.1" and "reverb augmentation on 80% of the clips" were answered by the statements at
  weight 0.5 and on 30% of clips (another value of the same setting, said in the statement's own words);
- "fp16 on dccrn-e" was answered by "fp16 autocast on tasnet" (the statement named the plan's fp16, which hid
  that its run was the tasnet one);
- "noise augmentation with musan" was answered by the reverb note (reverb was read as noise augmentation);
- "SNR loss instead of SI-SNR" was answered by the si-snr baseline (no concept told the two apart);
- "a causal LSTM so it can stream" missed "made the LSTM unidirectional for streaming".
Left: "an STFT loss on tasnet" is answered by the DCCRN-E note ("tasnet" is not read as the value conv-tasnet, so
the plan has no model scope).
"""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import synthesis
from narrative.types import ProjectHistory
from storage.records import ProjectRecord, RunSnapshot
from tests.narrative import walkthrough_util
from tests.narrative.walkthrough_util import history as wh

T0 = dt.datetime(2026, 9, 7, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="se", workspace_id="w", name="denoise-calls", primary_metric="pesq", goal="max",
                        experiment_ids=["5"])

def _run(key: str, name: str, hours: float, params: dict[str, str], value: float, user: str = "noor") -> RunSnapshot:
    return walkthrough_util.run(key, name, hours, params, "pesq", value, 300, user=user, project_id="se", t0=T0)

DCCRN = {"model": "dccrn-e", "lr": "5e-4", "mask": "cirm"}
B: dict[str, str] = {"model": "conv-tasnet", "dataset": "voicebank-demand", "loss": "si-snr", "lr": "1e-3",
                     "batch_size": "16", "precision": "fp32", "segment_s": "4"}


def p(**kw: str) -> dict[str, str]:
    return {**B, **kw}
RUNS = [
    _run("a", "tasnet-base", 1, p(), 2.71),
    _run("b", "tasnet-lr5e-4", 8, p(lr="5e-4"), 2.78),
    _run("c", "tasnet-fp16", 26, p(lr="5e-4", precision="fp16"), 2.77),
    _run("d", "dccrn-e", 30, p(**DCCRN), 2.93),
    _run("e", "dccrn-e-irm", 50, p(model="dccrn-e", lr="5e-4", mask="irm"), 2.84),
    _run("f", "dccrn-e-reverb", 74, p(**DCCRN, reverb_aug="rir_sim", reverb_prob="0.3"), 2.97),
    _run("g", "dccrn-e-l1stft", 98, p(**DCCRN, loss="si-snr+stft", stft_weight="0.5"), 3.01),
    _run("h", "dccrn-e-lstm-uni", 122,
         p(**DCCRN, loss="si-snr+stft", stft_weight="0.5", lstm="unidirectional"), 2.95),
]
NOTES = [
    (12, "conv-tasnet baseline on voicebank-demand with si-snr loss: pesq 2.71 (tasnet-base). halving lr to "
         "5e-4 gave 2.78 (tasnet-lr5e-4), keeping 5e-4."),
    (34, "fp16 autocast on tasnet: same pesq (2.77) and ~1.6x faster, but it's still the tasnet. switched the "
         "model to DCCRN-E with a complex ratio mask (cIRM) -> 2.93, big jump. the complex mask matters imo"),
    (54, "tried the plain ideal ratio mask (IRM, magnitude only) on dccrn-e instead of the cIRM: 2.84. phase "
         "matters, back to cIRM."),
    (100, "reverb augmentation with simulated RIRs on 30% of clips: 2.97 (dccrn-e-reverb). then added a "
          "multi-resolution STFT loss on top of si-snr, weight 0.5: 3.01, best so far. artifacts in the high "
          "band are gone."),
    (126, "made the LSTM unidirectional for streaming: 2.95, small drop, acceptable for real-time. next: try a "
          "lookahead of 2 frames, and maybe DNS challenge data for training. haven't touched batch size at all."),
]
VARIANTS = [
    "use the bidirectional LSTM for streaming",
    "an STFT loss weight of 0.1",
    "lr 1e-4 on dccrn",
    "bf16 autocast on tasnet",
    "fp16 on dccrn-e",
    "a plain magnitude mask with phase from the noisy input on conv-tasnet",
    "reverb augmentation on 80% of the clips",
    "train on the DNS challenge data",
    "a batch size of 32",
    "replace si-snr with an L1 waveform loss",
    "measured room impulse responses instead of simulated ones",
    "a complex ratio mask on conv-tasnet",
    "an STFT loss on tasnet",
    "a lookahead of 2 frames",
    "SNR loss instead of SI-SNR",
    "DCCRN-CL instead of DCCRN-E",
    "4 second segments with lr 1e-3 on dccrn",
    "noise augmentation with musan",
]
PARAS = [
    "halve the learning rate on conv-tasnet",
    "mixed precision with fp16 on the tasnet",
    "a complex-valued mask on dccrn",
    "magnitude-only ratio mask on dccrn-e",
    "simulated room reverberation as augmentation",
    "add a spectral loss to si-snr",
    "a causal LSTM so it can stream",
    "multi-resolution STFT loss weighted 0.5",
    "conv-tasnet trained with the si-snr objective",
]


def history() -> ProjectHistory:
    return wh(PROJECT, RUNS, NOTES, days=20, t0=T0, author="noor")


LEFT = {"an STFT loss on tasnet"}


@pytest.mark.parametrize("plan", [v for v in VARIANTS if v not in LEFT])
def test_a_variant_is_not_tried(plan: str) -> None:
    got = synthesis.check(plan, history())
    assert not got.already_tried, (plan, got.message)


@pytest.mark.parametrize("plan", sorted(LEFT))
@pytest.mark.xfail(strict=True, reason="'tasnet' is not read as the model value conv-tasnet: no scope")
def test_left_a_variant_on_a_model_named_by_part_of_its_value(plan: str) -> None:
    assert not synthesis.check(plan, history()).already_tried


@pytest.mark.parametrize("plan", PARAS)
def test_a_paraphrase_is_tried(plan: str) -> None:
    got = synthesis.check(plan, history())
    assert got.already_tried, (plan, got.message)


@pytest.mark.parametrize(("plan", "closest"), [
    ("an STFT loss weight of 0.1", "weight 0.5"),
    ("reverb augmentation on 80% of the clips", "30% of clips"),
    ("fp16 on dccrn-e", "fp16 autocast on tasnet"),
    ("use the bidirectional LSTM for streaming", "unidirectional"),
    ("lr 1e-4 on dccrn", "lr=0.0005"),
])
def test_a_variant_names_what_was_done_as_the_closest(plan: str, closest: str) -> None:
    got = synthesis.check(plan, history())
    assert "closest" in got.message and closest in got.message, (plan, got.message)


def test_the_notes_link_their_runs() -> None:
    linked = [{r.run_name for r in e.structure.runs} for e in history().entries if e.structure]
    assert linked[1] >= {"tasnet-fp16", "dccrn-e"} and linked[4] == {"dccrn-e-lstm-uni"}, linked
