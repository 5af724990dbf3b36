"""One source of metric direction for structuring and synthesis."""

from __future__ import annotations

import pytest

from narrative import lexicon, vocab


@pytest.mark.parametrize(
    ("metric", "direction"),
    [
        ("recall_at_1fpr", "max"),  # the "fpr" is the operating point, not the quantity
        ("precision@5", "max"),
        ("val_ne", "min"),
        ("val_nll", "min"),
        ("index_mb", "min"),
        ("inference_ms_per_img", "min"),
        ("val_wape", "min"),
        ("ndcg_at_10", "max"),
    ],
)
def test_structuring_and_synthesis_agree_on_direction(metric: str, direction: str) -> None:
    assert lexicon.metric_direction(metric) == direction
    assert vocab.metric_goal(metric) == direction


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("switching to val_ne, lower is better", "min"),
        ("primary metric is latency (goal: min)", "min"),
        ("recall at 1% fpr is what ops reads, we want it up", "max"),
        ("primary metric is val_top1 (max)", "max"),
    ],
)
def test_a_stated_direction_wins(text: str, direction: str) -> None:
    assert lexicon.stated_direction(text) == direction
    assert vocab.stated_direction(text) == direction


# ---------------------------------------------------------------- one concept table
from narrative import concepts  # noqa: E402


def _family_aliases() -> list[tuple[str, str]]:
    return [(fam, alias) for fam, aliases in lexicon.MODEL_FAMILIES.items() for alias in aliases]


@pytest.mark.parametrize(("family", "alias"), _family_aliases())
def test_every_family_alias_names_exactly_one_concept(family: str, alias: str) -> None:
    """Linking/structuring (lexicon) and synthesis/check (vocab) read one table: an alias of a family is
    that one family for both, up to specificity (vocab adds the parents: GRU is also an RNN)."""
    assert family in concepts.CONCEPT_BY_ID
    assert lexicon.families_in(alias) == {family}
    assert lexicon.family_of_value(alias) == frozenset({family})
    if alias in concepts.CONCEPT_BY_ID[family].value_aliases:
        return  # too short to read in prose ("cb", "nn"): only a param value
    found = vocab.concept_set(alias)
    assert family in found
    allowed = {family} | vocab.CLOSURE[family]
    # what vocab adds beyond the family and its parents must itself be broader than something found
    # (an umbrella such as "large_model"), never a different family
    other_families = {c for c in found - allowed if concepts.CONCEPT_BY_ID[c].family}
    assert not other_families, other_families


def test_every_family_is_one_concept_and_no_alias_is_shared() -> None:
    owner: dict[str, str] = {}
    for fam, alias in _family_aliases():
        assert owner.setdefault(alias, fam) == fam, f"{alias!r} belongs to {owner[alias]} and {fam}"
    assert set(lexicon.MODEL_FAMILIES) == {c.id for c in concepts.CONCEPTS if c.family}


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("a GRU encoder", "gru"), ("bi-LSTM", "lstm"), ("extra trees", "extra_trees"), ("N-HiTS", "nhits"),
        ("N-BEATS", "nbeats"), ("a variational autoencoder", "vae"), ("bf16", "bf16"), ("fp16 training", "fp16"),
        ("QLoRA", "qlora"), ("AdamW", "adamw"), ("PPO", "ppo"), ("conformer", "conformer"),
        ("SASRec", "seq_rec"), ("inverse propensity scoring", "propensity"),
    ],
)
def test_the_table_covers_many_fields(text: str, concept: str) -> None:
    assert concept in vocab.concept_set(text)


@pytest.mark.parametrize(
    ("narrow", "broad"),
    [("vae", "autoencoder"), ("gru", "rnn"), ("lstm", "rnn"), ("bf16", "mixed_precision"),
     ("fp16", "mixed_precision"), ("qlora", "lora"), ("hard_negatives", "negative_sampling"),
     ("random_negatives", "negative_sampling"), ("adamw", "optimizer")],
)
def test_variants_imply_their_parent_but_not_each_other(narrow: str, broad: str) -> None:
    assert broad in vocab.CLOSURE[narrow]
    assert narrow not in vocab.CLOSURE[broad]


@pytest.mark.parametrize(
    ("a", "b"),
    [("bf16", "fp16"), ("hard_negatives", "random_negatives"),
     ("attention_modules", "mlp_modules"), ("gru", "lstm"), ("extra_trees", "random_forest"),
     ("nhits", "nbeats")],
)
def test_variants_are_distinct_concepts(a: str, b: str) -> None:
    assert a != b and b not in vocab.CLOSURE[a] and a not in vocab.CLOSURE[b]


@pytest.mark.parametrize(
    ("text", "concept", "absent"),
    [
        ("LoRA on the MLP blocks", "mlp_modules", "mlp"),  # a block of a transformer, not an MLP model
        ("lora on q_proj and v_proj", "attention_modules", "mlp_modules"),
        ("mining the hardest negatives each epoch", "hard_negatives", "random_negatives"),
        ("sampled negatives uniformly at random", "random_negatives", "hard_negatives"),
    ],
)
def test_targets_and_negatives_are_told_apart(text: str, concept: str, absent: str) -> None:
    found = vocab.concept_set(text)
    assert concept in found and absent not in found


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        # plain-language descriptions: the words are folded onto senses, not matched as phrases
        ("divide each impression's loss by the chance the item was displayed", "propensity"),
        ("add utterances that are acoustically close to the hotword as negatives", "confusable_negatives"),
        ("inject background noise into the training audio", "noise_augment"),
    ],
)
def test_descriptions_find_paraphrases(text: str, concept: str) -> None:
    assert concept in vocab.concept_set(text)


def test_descriptions_need_most_of_their_meaning() -> None:
    assert "propensity" not in vocab.concept_set("the probability calibration was shown in the report")
    assert "confusable_negatives" not in vocab.concept_set("the wake word model sounds fine")


@pytest.mark.parametrize(
    ("metric", "direction"),
    [
        # a compound is named by its last family word: an error of the top-5 guess is an error
        ("top5_err", "min"), ("val_top1_error", "min"), ("top5_error_rate", "min"), ("acc_err", "min"),
        ("dice_loss", "min"), ("iou_loss", "min"), ("f1_loss", "min"), ("bleu_loss", "min"),
        # what comes before names of what; "score" and units are no head
        ("val_top1_acc", "max"), ("fid_score", "min"), ("bleu_score", "max"), ("ece_score", "min"),
        ("p95_latency_ms", "min"), ("throughput_mb", "max"),
        # an area under a curve goes the curve's way
        ("error_rate_auc", "min"), ("loss_auc", "min"), ("roc_auc", "max"),
        ("dev_wer", "min"), ("test_cer", "min"), ("val_ppl", "min"), ("perplexity", "min"),
    ],
)
def test_a_compound_metric_goes_its_head_word_s_way(metric: str, direction: str) -> None:
    assert lexicon.metric_direction(metric) == direction
