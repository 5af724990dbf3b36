"""Round 18 of "already tried?" (h/checks18): classes found on the round's tune files, tested on sentences written
for the test (no fixture text).

Class 1, a negated bound: "lr no lower than 1e-3", "a batch not above 64", "grad_clip no higher than 0.5" ask for
values on the other side of the number from the comparative ("no lower than 1e-3" is 1e-3 and up). The comparative
alone was read ("lower": runs below 1e-3 answered "tried"). Now "no" / "not" / "never" right before the comparative
of "than" or before the bound word flips the asked direction, on the table's settings (``check_settings``) and on
any logged param (``check_bounds.bound_before``); a run exactly at the number still does not answer (bounds stay
strict, as "at least" is).
"""

from __future__ import annotations

import datetime as dt

import pytest

from narrative import synthesis
from narrative.check_bounds import bound_before, negated_bound
from narrative.types import ProjectHistory
from storage.records import ProjectRecord
from tests.narrative.walkthrough_util import history, run

T0 = dt.datetime(2021, 5, 3, 9, 0, tzinfo=dt.UTC)
PROJECT = ProjectRecord(id="p", workspace_id="w", name="nmt", primary_metric="valid_loss", goal="min",
                        experiment_ids=["1"])


def _history() -> ProjectHistory:
    runs = [
        run("a", "base-lr3e-3", 1, {"lr": "0.003", "batch_size": "128", "grad_clip": "1.0", "label_eps": "0.1"},
            "valid_loss", 4.9, t0=T0),
        run("b", "base-lr2e-3", 5, {"lr": "0.002", "batch_size": "128", "grad_clip": "1.0", "label_eps": "0.1"},
            "valid_loss", 4.6, t0=T0),
        run("c", "base-lr5e-4-bs256", 9, {"lr": "0.0005", "batch_size": "256", "grad_clip": "0.5",
                                          "label_eps": "0.2"}, "valid_loss", 4.2, t0=T0),
    ]
    notes = [(2, "base at lr 3e-3 is unstable early, loss spikes"),
             (10, "lr 5e-4 with batch 256 is the best so far, 4.2")]
    return history(PROJECT, runs, notes, days=2, t0=T0)


@pytest.fixture(scope="module")
def hist() -> ProjectHistory:
    return _history()


# ---- the class: these read "tried" on the old code (a run on the comparative's side was cited) ----

@pytest.mark.parametrize("plan", [
    "lr no higher than 4e-4",           # runs at 3e-3, 2e-3, 5e-4: all above 4e-4
    "a learning rate not higher than 4e-4",
    "lr not above 4e-4",
    "lr no lower than 5e-3",            # nothing at 5e-3 or up
    "a batch size no smaller than 512",
    "label_eps not above 0.05",         # a param outside the concept table
    "grad_clip no lower than 2.0",
])
def test_a_negated_bound_asks_the_other_side(hist: ProjectHistory, plan: str) -> None:
    got = synthesis.check(plan, hist)
    assert not got.already_tried, got.message


@pytest.mark.parametrize(("plan", "cited"), [
    ("lr no lower than 1e-3", {"a", "b"}),       # 3e-3 and 2e-3 ran
    ("lr not below 1e-3", {"a", "b"}),
    ("lr no higher than 1e-3", {"c"}),           # 5e-4 ran
    ("grad_clip no higher than 0.8", {"c"}),
])
def test_a_negated_bound_met_by_a_run_is_tried(hist: ProjectHistory, plan: str, cited: set[str]) -> None:
    got = synthesis.check(plan, hist)
    assert got.already_tried, got.message
    ids = {r[0] for m in got.matches for r in m.run_ids}  # run("a", ...) has the id "aaa..."
    assert ids and ids <= cited, (ids, got.message)


# ---- must not fire: no negation, or a negation that is not the bound's ----

@pytest.mark.parametrize(("plan", "tried"), [
    ("lr lower than 1e-3", True),                # plain bounds keep their direction
    ("lr higher than 1e-3", True),
    ("lr below 1e-3", True),
    ("lr above 1e-3", True),
    ("a batch size bigger than 128", True),
    ("label_eps above 0.1", True),
    ("grad_clip below 1.0", True),
    ("lr 5e-4", True),                           # no bound at all
    ("lr lower than 4e-4", False),               # nothing below 4e-4
    ("a batch size larger than 256", False),
])
def test_plain_bounds_are_unchanged(hist: ProjectHistory, plan: str, tried: bool) -> None:
    assert synthesis.check(plan, hist).already_tried is tried


@pytest.mark.parametrize("text", [
    "lr lower than 1e-3",
    "no warmup, lr below 1e-3",                  # "no" belongs to another word
    "not sure lr below 1e-3 helps",
    "no more runs at lr 3e-3",                   # "no more" with no "than"
    "a lr other than 3e-3",
    "not a lower lr than 1e-3",                  # the negation is two words away from the comparative
    "never tried lr 5e-4",
    "lr below 1e-3, not above",                  # the negated word bounds no number
    "no lr schedule; batch above 128",
])
def test_must_not_read_a_negated_bound(text: str) -> None:
    assert not negated_bound(text)


@pytest.mark.parametrize(("words", "sign"), [
    (["eps", "no", "lower", "than", "0.1"], 1),
    (["eps", "not", "above", "0.1"], -1),
    (["eps", "not", "more", "than", "0.1"], -1),
    (["eps", "lower", "than", "0.1"], -1),        # must not flip: no negation
    (["eps", "above", "0.1"], 1),
    (["no", "eps", "above", "0.1"], 1),           # the negation is not right before the bound word
    (["not", "eps", "lower", "than", "0.1"], -1),
    (["eps", "no", "other", "than", "0.1"], 0),   # "other than" asks no direction, negated or not
    (["eps", "at", "least", "0.1"], 1),
    (["eps", "at", "most", "0.1"], -1),
])
def test_bound_before_reads_the_negation_only_right_before_the_bound(words: list[str], sign: int) -> None:
    assert bound_before(words, len(words) - 1) == sign


# ==== Class 2: a name with another number is another value ("CIFAR-100" against runs on cifar10) ====
#
# A plan's name with its number ("CIFAR-100", "WMT 14", "float 16") is one value; a run that logs the same name
# only with another number ("dataset=cifar10") or a statement that gives it so ("tried it on cifar10") did a variant
# (``narrative.check_numbered``). Glued, spaced and hyphenated forms are one value.

from narrative.check_numbered import numbered_names, numbered_value_off  # noqa: E402


def _cifar_history() -> ProjectHistory:
    runs = [
        run("a", "vit-s-cifar10", 1, {"model": "vit_small", "dataset": "cifar10", "epochs": "20", "dtype": "float32"},
            "valid_loss", 0.61, t0=T0),
        run("b", "vit-s-cifar10-long", 5, {"model": "vit_small", "dataset": "cifar10", "epochs": "40",
                                           "dtype": "float32"}, "valid_loss", 0.55, t0=T0),
    ]
    notes = [(2, "fine-tuned the small ViT on cifar10 for 20 epochs, loss .61"),
             (6, "40 epochs helps a bit: .55")]
    return history(PROJECT, runs, notes, days=2, t0=T0)


@pytest.fixture(scope="module")
def cifar() -> ProjectHistory:
    return _cifar_history()


@pytest.mark.parametrize("plan", [
    "fine-tune the small ViT on CIFAR-100",
    "fine-tune the small ViT on cifar100",
    "the small ViT on CIFAR 100 for 40 epochs",
])
def test_another_number_of_the_name_is_not_the_plan(cifar: ProjectHistory, plan: str) -> None:
    assert not synthesis.check(plan, cifar).already_tried


@pytest.mark.parametrize("plan", [
    "fine-tune the small ViT on CIFAR-10",       # the same value, written apart
    "fine-tune the small ViT on cifar-10",
    "fine-tune the small ViT on cifar10",
    "the small ViT for 40 epochs",               # no numbered name at all
    "train for 40 epochs",                       # a count after a setting's name is no name's number
])
def test_the_same_name_and_number_still_answers(cifar: ProjectHistory, plan: str) -> None:
    assert synthesis.check(plan, cifar).already_tried


@pytest.mark.parametrize(("plan", "params"), [
    ("fine-tune on CIFAR-10", {"dataset": "cifar10"}),
    ("fine-tune on CIFAR-10", {"dataset": "cifar-10"}),
    ("lr 0.001 on cifar10", {"dataset": "cifar10", "lr": "0.001"}),
    ("the llama 3.1 model", {"model": "llama3"}),       # a decimal gives no whole number
    ("resnet50 with fp16", {"model": "resnet50", "dtype": "fp32"}),   # "fp" is too short a name
    ("efficientnet b3", {"model": "efficientnet_b0"}),  # a variant code, not a name's number (round 16's class)
    ("train 100 epochs", {"epochs": "40"}),             # a number alone
    ("imagenet at 224", {"dataset": "imagenet1k"}),     # "at 224" is no name's number
    ("word2vec embeddings", {"emb": "word2vec"}),       # a number inside a word is no name's number
    ("on wmt14", {"dataset": "wmt14_en_de", "other": "wmt16_en_de"}),  # a run holding the plan's own value too
    ("train on VOC07 trainval", {"train_set": "voc2007_trainval"}),    # a year said by its last two digits
    ("fine-tune on ImageNet-1k", {"dataset": "imagenet2012", "pretrained": "imagenet21k"}),  # a year vs a size
    ("wmt 2014 en-de", {"dataset": "wmt14"}),
])
def test_must_not_read_another_number(plan: str, params: dict[str, str]) -> None:
    assert not numbered_value_off(numbered_names(plan), params)


@pytest.mark.parametrize(("plan", "params"), [
    ("fine-tune on CIFAR-100", {"dataset": "cifar10"}),
    ("translate wmt 14", {"dataset": "wmt16_en_de"}),
    ("cast to float 16", {"dtype": "float32"}),
    ("pre-train on imagenet 1k", {"pretrained": "imagenet21k"}),
    ("train on voc 2012", {"train_set": "voc07"}),
])
def test_reads_another_number_of_the_name(plan: str, params: dict[str, str]) -> None:
    assert numbered_value_off(numbered_names(plan), params)


# ==== Class 3: a line that is only a link states nothing done ====
#
# "![image](https://github.com/org/dinov2/assets/...)": the address's words (a repository's name) matched a plan
# naming the same model, and the bare link answered "already tried". A line that is only links is no evidence
# (``narrative.check_link_lines``); a line with its own words beside a link is read as before.

from narrative.check_link_lines import link_only  # noqa: E402


@pytest.mark.parametrize("text", [
    "![image](https://github.com/org/segformer/assets/1234/abcd)",
    "https://github.com/org/segformer/blob/main/train.py#L10-L20",
    "[log.zip](https://github.com/org/segformer/files/1/log.zip)",
    "- https://example.org/segformer-b2.png",
])
def test_a_link_alone_is_link_only(text: str) -> None:
    assert link_only(text)


@pytest.mark.parametrize("text", [
    "trained segformer with the poly schedule: https://example.org/run/1",
    "![image](https://x.org/a.png) segformer-b2 reached 0.47 miou",
    "segformer b2 on ade20k, 160k iters",
    "see the plot above",
    "no link here at all",
    "[segformer-b2 results](https://x.org/r) were worse than b1",
    "train.py --lr 0.01",
    "the loss curves look the same with and without the scheduler",
])
def test_must_not_read_a_line_with_words_as_link_only(text: str) -> None:
    assert not link_only(text)


def test_a_link_line_is_no_evidence_but_its_words_beside_are() -> None:
    runs = [run("a", "segformer-b2-ade", 1, {"model": "segformer_b2", "dataset": "ade20k"}, "valid_loss", 0.4, t0=T0)]
    hist = history(PROJECT, runs, [(2, "![image](https://github.com/org/mask2former/assets/1/plot.png)")],
                   days=2, t0=T0)
    assert not synthesis.check("try mask2former", hist).already_tried
    hist2 = history(PROJECT, runs, [(2, "tried mask2former on ade20k, worse than segformer: "
                                        "https://github.com/org/mask2former/assets/1/plot.png")], days=2, t0=T0)
    assert synthesis.check("try mask2former", hist2).already_tried
