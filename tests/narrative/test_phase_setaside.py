"""Classes of real research-log language for ``coco phase`` (issue 8, round h/phase8): a part set aside "for
now" closes its line under the part's own name, a return to one family member closes the sibling the sentence
names, and a setting's size moving ("padding size from 30 to 32") is no metric moving (a false "no gain")."""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import lexicon, reading, vocab
from narrative.approaches import derive, head_phrase
from narrative.history_index import HistoryIndex
from narrative.replacements import replacement_in
from tests.narrative.conftest import make_run
from tests.narrative.test_phase_lists import daily_history


@pytest.mark.parametrize(("sentence", "verdict"), [
    ("Bump padding size from 30 to 32", None),  # a setting's size: no metric moved
    ("kernel size from 3 to 5", None),
    ("batch size from 32 to 64", None),
    ("model size from 30 to 32 MB", "did_not_work"),  # the model's size is a cost: it went the wrong way
    ("val loss from 0.5 to 0.4", "worked"),
])
def test_a_setting_size_moving_is_no_verdict(sentence: str, verdict: str | None) -> None:
    assert reading.verdict_of(sentence) == verdict


@pytest.mark.parametrize(("sentence", "closing"), [
    ("Remove double layers for now", True),
    ("disabled EMA for the time being", True),
    ("commented out the attention block for now", True),
    ("removed outliers for now", False),  # a cleaning step applied, not a part set aside
    ("Removed the bug in the loader", False),
    ("keep dropout for now", False),
    ("Dropped label smoothing", True),  # the team's act, told first
    ("we reverted the focal loss change", True),
    ("accuracy dropped to 0.8", False),  # a measure that fell
    ("Dropped to 0.3 after epoch 2", False),
    ("the loss dropped sharply", False),
    ("reverted to the LSTM", False),  # a return: the sibling named, if any, is replaced
])
def test_a_part_set_aside_for_now_closes(sentence: str, closing: bool) -> None:
    assert vocab.cue_flags(sentence)[1] is closing


@pytest.mark.parametrize(("sentence", "name"), [
    ("Remove double layers for now", "double layers"),
    ("gave up on focal loss", "focal loss"),
    ("tried dropout 0.3: worse", "dropout"),
])
def test_the_verb_of_setting_aside_is_no_part_of_the_name(sentence: str, name: str) -> None:
    assert head_phrase(sentence) == name


@pytest.mark.parametrize(("sentence", "old", "new"), [
    ("back to Adam, SGD never caught up", {"sgd"}, {"adam"}),
    ("switched back to Adam after the SGD runs diverged", {"sgd"}, {"adam"}),
    ("reverted to xgboost, lightgbm overfit", {"lightgbm"}, {"xgboost"}),
])
def test_a_return_closes_the_sibling_named(sentence: str, old: set[str], new: set[str]) -> None:
    rep = replacement_in(sentence)
    assert rep is not None and set(rep.old) == old and set(rep.new) == new


@pytest.mark.parametrize("sentence", [
    "went back to Adam and added dropout",  # dropout is no optimizer: nothing replaced
    "went back to the baseline",  # no sibling named
    "Doesn't seem like an improvement (reverted)",
])
def test_a_return_with_no_sibling_replaces_nothing(sentence: str) -> None:
    assert replacement_in(sentence) is None


def _history(texts: list[str]) -> HistoryIndex:
    t0 = dt.datetime(2020, 5, 4, 19, tzinfo=dt.UTC)
    runs = [make_run(f"r{i}", name=f"v1_{i}", params={"padding": pad, "double_layers": dbl},
                     metrics={"test_loss": loss})
            for i, (pad, dbl, loss) in enumerate([("30", "false", 0.4), ("32", "false", 0.3),
                                                  ("32", "true", 0.32), ("32", "false", 0.1)])]
    return daily_history(texts, runs, author="logan", start=t0)


def test_phase_closes_a_part_set_aside_and_not_a_setting_bumped() -> None:
    idx = _history(["- Add random roll to all images\n- Bump padding size from 30 to 32\n- Test loss reduced",
                    "- Double layers\n- trains too slow",
                    "- Skip test input to final output layer\n- Remove double layers for now\n- Greatly improves"])
    status = {a.name: a.status for a in derive(idx)}
    assert status.get("double layers") == "exhausted"
    assert not any("padding" in n for n, s in status.items() if s in ("exhausted", "abandoned"))


@pytest.mark.parametrize(("metric", "goal"), [
    ("val_fid", "min"), ("fid_score", "min"), ("lpips", "min"), ("bpc", "min"), ("val_bpb", "min"), ("kl", "min"),
    ("mcd", "min"), ("der", "min"), ("epe", "min"), ("ade", "min"), ("fde", "min"),
    ("inception_score", "max"), ("psnr", "max"), ("val_wer", "min"), ("bleu", "max"),
])
def test_the_best_run_goes_the_metric_s_way(metric: str, goal: str) -> None:
    # distances, distortions and bits per unit are better lower: the best run is their minimum
    assert lexicon.metric_direction(metric) == goal


@pytest.mark.parametrize(("text", "closed"), [
    ("Dropped dropout to 0.1, loss went down", False),             # lowered, and it helped
    ("Dropped the weight decay to 1e-5. Better.", False),
    ("Dropped weight decay, it did nothing", True),                 # taken away
    ("Dropped dropout to 0, loss went up", True),                   # to 0 is off
])
def test_a_setting_dropped_to_a_value_is_lowered_not_closed(text: str, closed: bool) -> None:
    idx = _history(["- Added dropout 0.3 and weight decay\n- Test loss reduced", text])
    status = {a.name: a.status for a in derive(idx)}
    assert any(s in ("exhausted", "abandoned") for s in status.values()) is closed, status
