"""Precision of the concept table: a common English word, or the other technical sense of a word, is not a
technique. Each case holds a sentence in the false sense next to one in the true sense, so a fix that only
removes the pattern fails here too.

Sentences are short and written in the style of practitioners' notes; the ones quoted from real notes say
where they come from.
"""

from __future__ import annotations

import pytest

from narrative import lexicon, vocab


def _has(text: str, concept: str) -> bool:
    return concept in vocab.concept_set(text)


# (concept, a sentence where the word is English or another sense, a sentence where it is the technique)
PAIRS: list[tuple[str, str, str]] = [
    # tree / network depth
    ("depth", "It really calls for a more in depth evaluation of the images.",  # badisa/optpresso blog
     "Set max_depth to 8 and retrained."),
    ("depth", "as I wade deeper into it the harder it is to pin down",  # badisa/optpresso blog
     "tree depth 6 overfits less than depth 8"),
    ("depth", "This gives a deeper understanding of why the loss plateaus.", "deeper trees just overfit"),
    ("depth", "I had to dig deeper into the data loader.", "shallower trees are clearly the way"),
    ("depth", "predict a depth map from the stereo pair", "xgb with depth 6 got .81"),
    ("depth", "made a shallow copy of the config dict", "the network got deeper and started to overfit"),
    # leakage
    ("leakage", "Switched every activation to LeakyReLU.", "the random split has data leakage"),
    ("leakage", "leaky relu in the critic instead of relu", "this feature is a target leak"),
    ("leakage", "fixed a memory leak in the data loader", "the reserve column leaks the label"),
    # up/down-sampling of a class vs of an image, a feature map or a sequence
    ("oversampling", "Add BLSTM after up-sampled (repeated) encoder output.",  # CyanD/cyand.github.io log
     "upsample the rare class x4"),
    ("oversampling", "the decoder upsampling layers use transposed convs", "we up-sampled the positives"),
    ("oversampling", "images were upsampled to 512x512 before the encoder", "oversample the minority class"),
    ("undersampling", "downsampled the images to 256 px", "downsampling the non-churners tomorrow"),
    # the MLP family
    ("mlp", "we should try some more complex nets", "neural nets on tabular data"),
    ("mlp", "both nets are synced every 1000 frames", "an MLP with two hidden layers"),
    # graph features
    ("graph", "the graph shows the loss going down", "2-hop graph features on the device/IP graph"),
    ("graph", "see the loss graph below", "graph features help on lightgbm"),
    ("graph", "a k nearest neighbours baseline", "neighbour counts per card"),
    ("graph", "hop length 256 for the stft", "2 hops out from the merchant"),
    # others of the same kind
    ("large_model", "the batch is too large for the gpu", "roberta large gets .87"),
    ("num_leaves", "which leaves us with two options", "127 leaves overfits"),
    ("num_leaves", "that leaves the question of the split open", "try leaves on full_v2"),
    ("learning_rate", "eta 2 hours for the sweep", "eta 0.1 with 500 rounds"),
    ("replay", "in hindsight the lr was too high", "hindsight experience replay on the sparse task"),
    ("exploration", "out of curiosity I tried it on the old split", "curiosity bonus for exploration"),
    ("cosine_schedule", "cosine similarity between the embeddings", "cosine schedule with warmup"),
    ("shap", "one explanation is that the split is easier", "shap explanations of the top features"),
    ("threshold", "plotted the fit with the 95% confidence interval",  # badisa/optpresso blog
     "pseudo-labels above confidence 0.95"),
    ("lag_features", "the autoencoder scorers lag far behind", "lags 7/14/28 helped"),
    ("promo", "promoted the model to production", "promo flags for the next week"),
    ("promo", "a slightly greedier discount factor",  # RyanJamesSchultz/RL-SSldr notes
     "a 20% discount on weekends"),
    ("depth", "promo depth and discount depth as features", "depth=4 on the promo model"),
    ("ensemble", "stacked 3 LSTM layers", "stacking the two models helped"),
    ("distillation", "trained the decoder with teacher forcing", "distil the roberta teacher into a bilstm"),
    ("vit", "this is vital for training", "vit-b/16 at 224"),
    ("hashing", "the commit hash is in the run tags", "target encoding vs hashing"),
    ("rolling_features", "rolling back to the old config", "rolling 7/28 means of sales"),
    ("class_weight", "balanced accuracy went up", "balanced class weights on the loss"),
    ("hinge_loss", "it all hinge on the data", "hinge loss for the discriminator"),
    ("synthetic_data", "the generated samples sound metallic", "generated extra training samples for rare intents"),
    ("policy_gradient", "should hopefully reinforce this lesson",  # RyanJamesSchultz/RL-SSldr notes
     "REINFORCE with a baseline"),
    ("transformer_text", "fit a label encoder on the classes", "a frozen encoder and a linear head"),
    ("focal", "the focal length of the camera changed", "focal loss with gamma 2"),
    ("logreg", "the logit of the positive class", "a logistic regression baseline"),
    ("llm", "that promptly broke the loader", "few-shot prompting with the llm"),
    # an auto-generated run name's noun (MLflow / W&B adjective-noun-number) is not the model or optimizer
    ("llm", "even the best rf (bold-falcon-23, .974) is under the best gbm", "fine-tuned falcon-7b with lora"),
    ("lamb", "swift-lamb-2 diverged after 3k steps", "switched the optimizer to lamb for the large batch"),
    ("transformer_text", "rare-transformer-3 got .81 (it is an lstm)", "a small transformer encoder on the tokens"),
    ("graph", "adding in the ability to graph the validation points while training",  # badisa/optpresso blog
     "velocity and device/IP graph features help"),
    ("graph", "generating graphs that show the effectiveness of the model", "xgb-vel-graph"),
    ("velocity", "a tendency to rein in velocity from whatever the current step",  # RyanJamesSchultz/RL-SSldr notes
     "velocity_1h_24h_7d counts per card"),
    ("tuning", "weights of fine-tuned BERT and a feature vector", "tune depth/lr on xgb"),
    ("augmentation", "Try 14 (29 Aug 2023)", "aug=backtranslation_de on the rare intents"),
    # Antfield-Creations/fafa-vae journal (held out while tuning, read after)
    ("quantization", "refactored the autoencoder to a vector-quantized VAE", "int8 quantization of the encoder"),
    ("early_stopping", "a noisy learning curve, and it's testing my patience", "early stopping with patience 5"),
    ("leakage", "it looks like a memory leak, but the gpu memory is flat", "little to no leakage between the splits"),
    ("large_model", "these spikes are so large that the model can't recover", "a slightly larger network"),
]


@pytest.mark.parametrize(("concept", "false_sense", "true_sense"), PAIRS)
def test_a_word_names_the_technique_only_in_its_technical_sense(
    concept: str, false_sense: str, true_sense: str
) -> None:
    assert not _has(false_sense, concept), (concept, false_sense, sorted(vocab.concept_set(false_sense)))
    assert _has(true_sense, concept), (concept, true_sense, sorted(vocab.concept_set(true_sense)))


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("the decoder upsampling layers use transposed convs", "upsample_resize"),
        ("Add BLSTM after up-sampled (repeated) encoder output.", "upsample_resize"),
        ("downsampled the images to 256 px", "downsample_resize"),
    ],
)
def test_resizing_is_its_own_line_of_work(text: str, concept: str) -> None:
    found = vocab.concept_set(text)
    assert concept in found
    assert not found & {"oversampling", "undersampling", "imbalance"}


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("upsample the rare class x4", "upsample_resize"),
        ("rare-intent upsampling helped", "upsample_resize"),
        ("downsampling the non-churners tomorrow", "downsample_resize"),
    ],
)
def test_class_resampling_is_not_a_resize(text: str, concept: str) -> None:
    assert concept not in vocab.concept_set(text)


def test_a_name_that_starts_with_hurt_is_no_verdict() -> None:
    # a lexicon of hurtful words used as a feature source, and the verb
    named = "Built the ensemble; it does not have HurtLex features in it yet."
    assert not vocab.NEGATIVE_CUES.search(named)
    assert vocab.reason_kind(named) == ""
    assert vocab.NEGATIVE_CUES.search("the extra features hurt recall")
    assert vocab.NEGATIVE_CUES.search("adding them hurts PR-AUC")


def test_a_leaky_relu_is_no_leak() -> None:
    relu = "switched to LeakyReLU in the discriminator, loss is smoother"
    assert not lexicon.has_cue(relu.lower(), lexicon.NEGATIVE_CUES)
    assert not vocab.declares_void(relu)
    assert not vocab.declares_void("used a leaky relu instead")
    assert not vocab.declares_void("found a memory leak in the loader")
    assert vocab.declares_void("the random split leaks the label, run is void")
    assert vocab.declares_void("the split was leaky, those runs don't count")
    assert lexicon.has_cue("a random split is exposed as leaky", lexicon.NEGATIVE_CUES)
    assert lexicon.has_cue("the reserve column leaked the target", lexicon.NEGATIVE_CUES)


def test_a_plain_word_for_networks_is_no_model_family() -> None:
    assert "mlp" not in lexicon.families_in("we should try some more complex nets")
    assert "mlp" in lexicon.families_in("neural nets on tabular, quick verdict")


def test_a_lookbehind_keeps_the_pattern_prefiltered() -> None:
    # "\b(?<!\bin )depth\b" must still be tried only on texts with a word starting "dep"
    assert vocab._trigger(r"\b(?<!\bin )(?<!\bbit )depth\b") == frozenset({"dep"})
    assert vocab._trigger(r"\b(?<!\b(a|b) )depth\b") is None
