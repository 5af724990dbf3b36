"""The one ML concept table: every model family, technique, feature, target and setting COCO knows.

A *concept* is a line of work a team can talk about in many ways ("downsampling the majority class",
"undersample 1:1", ``sampler=undersample_1:1``). Each row holds its id and display name, its kind, the
regexes and plain aliases that spell it, plain-language descriptions (how a person explains it without
its name), its parent concepts (a VAE is an autoencoder; bf16 is mixed precision) and the run params
that express it. ``narrative.vocab`` (concept matching over text and params) and ``narrative.lexicon``
(model families for linking and structuring) are both views over this table, so they cannot disagree.

Wide on purpose: tabular, vision, NLP/LLM, speech, time series, recommenders, RL and optimisers.
Nothing here is specific to one project.

The rows themselves are in ``narrative.concept_rows``; this module adds the settings' params, the
param-key map, the value conventions and the lookups (by id, by plain-language description).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from narrative.concept_rows import CONCEPT_ROWS, Concept, alias_pattern
from narrative.concept_rows_tail import TAIL_ROWS

__all__ = ["CONCEPTS", "CONCEPT_BY_ID", "FAMILIES", "Concept", "alias_pattern", "described"]


# Settings: the run params whose value expresses the concept ("lower lr" is about ``learning_rate``).
# A plan that changes a setting is judged against these params' values in the runs.
SETTING_PARAMS: dict[str, tuple[str, ...]] = {
    "learning_rate": ("learning_rate", "lr", "eta", "base_lr", "max_lr", "peak_lr", "blr"),
    "batch_size": ("batch_size", "train_batch_size", "per_device_train_batch_size", "bs", "global_batch_size",
                   "micro_batch_size", "batchsize"),
    "embedding_dim": ("embedding_dim", "embed_dim", "emb_dim", "embedding_size", "embedding_width", "emb_size",
                      "embedding_dimension"),
    "latent_dim": ("latent_dim", "latent_size", "z_dim", "latent_channels", "code_size", "bottleneck_dim", "nz"),
    "depth": ("max_depth", "depth", "num_layers", "n_layers", "layers"),
    "epochs": ("epochs", "num_epochs", "max_epochs", "num_train_epochs", "n_epochs"),
    "n_estimators": ("n_estimators", "num_boost_round", "iterations", "num_trees", "n_trees", "num_rounds"),
    "num_leaves": ("num_leaves",),
    "dropout": ("dropout", "dropout_rate", "hidden_dropout", "drop_rate", "dropout_ratio"),
    "weight_decay": ("weight_decay", "wd"),
    "resolution": ("img_size", "image_size", "resolution", "input_size", "imgsz"),
    "max_len": ("max_len", "max_length", "max_seq_len", "max_seq_length", "seq_len", "context_length"),
    "label_smoothing": ("label_smoothing",),
    "threshold": ("threshold", "decision_threshold"),
    "lora": ("lora_r", "lora_rank", "r"),  # PEFT's LoraConfig names the rank r
    "warmup": ("warmup_steps", "warmup_ratio", "warmup_epochs"),
    "n_step": ("n_steps", "n_step", "nstep"),
    "reward_scaling": ("reward_scale", "reward_scaling"),
    "reward_clipping": ("reward_clip", "clip_rewards"),
}
CONCEPTS: tuple[Concept, ...] = tuple(
    replace(c, param_keys=SETTING_PARAMS[c.id]) if c.id in SETTING_PARAMS else c
    for c in (*CONCEPT_ROWS, *TAIL_ROWS)
)

# param keys -> concept (presence of a non-null value means the concept was used in the run)
PARAM_KEY_CONCEPTS: dict[str, str] = {
    "scale_pos_weight": "class_weight", "class_weight": "class_weight", "auto_class_weights": "class_weight",
    "pos_weight": "class_weight", "class_weights": "class_weight",
    "focal_gamma": "focal", "label_smoothing": "label_smoothing", "ema": "ema", "ema_decay": "ema",
    "tta": "tta", "pseudo_label_threshold": "pseudo_label", "pseudo_label_source": "pseudo_label",
    "teacher": "distillation", "kd_alpha": "distillation", "kd_temperature": "distillation",
    "rdrop_alpha": "rdrop", "monotone_constraints": "monotone", "drop_rate": "dart",
    "calibration": "calibration", "reconciliation": "reconciliation", "tweedie_variance_power": "tweedie",
    "img_size": "resolution", "image_size": "resolution", "resolution": "resolution",
    "max_len": "max_len", "max_length": "max_len", "max_seq_length": "max_len",
    "layer_decay": "layer_decay", "weight_decay": "weight_decay", "dropout": "dropout",
    "dropout_ratio": "dropout",  # Caffe's name of the dropout layer's rate
    "lora_r": "lora", "lora_rank": "lora", "quantization": "quantization", "warmup_ratio": "warmup",
    "sampler": "", "opt_level": "",
    "augmentation": "", "aug": "", "objective": "", "loss": "", "boosting": "", "strategy": "",
    "batchnorm": "batchnorm", "te_folds": "target_encoding", "hash_bits": "hashing",
    "max_depth": "depth", "depth": "depth", "num_leaves": "num_leaves",
    # flags and sizes named by their key ("fp16": "true", "embedding_dim": "256")
    "fp16": "fp16", "bf16": "bf16", "fp8": "fp8", "amp": "mixed_precision", "use_amp": "mixed_precision",
    "gradient_checkpointing": "gradient_checkpointing", "grad_checkpointing": "gradient_checkpointing",
    "gradient_accumulation_steps": "grad_accum", "grad_accum": "grad_accum", "accumulate_grad_batches": "grad_accum",
    "max_grad_norm": "grad_clip", "grad_clip": "grad_clip", "gradient_clip_val": "grad_clip",
    "clip_grad_norm": "grad_clip",
    "embedding_dim": "embedding_dim", "embed_dim": "embedding_dim", "emb_dim": "embedding_dim",
    "embedding_size": "embedding_dim", "embedding_width": "embedding_dim",
    "latent_dim": "latent_dim", "latent_size": "latent_dim", "z_dim": "latent_dim", "latent_channels": "latent_dim",
    "code_size": "latent_dim", "bottleneck_dim": "latent_dim",
    "propensity_clip": "propensity", "ips_clip": "propensity", "propensity_weighting": "propensity",
    "hard_negatives": "hard_negatives", "num_hard_negatives": "hard_negatives",
    "spec_augment": "spec_augment", "specaugment": "spec_augment", "speed_perturb": "speed_perturb",
    "noise_aug": "noise_augment", "noise_augmentation": "noise_augment", "replay_buffer_size": "replay",
    "entropy_coef": "exploration", "ent_coef": "exploration",
    "epsilon_greedy": "exploration", "reward_shaping": "reward_shaping", "frame_stack": "frame_stack",
    "frame_skip": "frame_skip", "frameskip": "frame_skip", "action_repeat": "frame_skip", "norm_obs": "obs_norm",
    "normalize_obs": "obs_norm", "obs_norm": "obs_norm", "normalize_observations": "obs_norm",
    "lora_alpha": "lora", "lora_dropout": "lora", "lora_target_modules": "lora", "patience": "early_stopping",
    "early_stopping_patience": "early_stopping",
    "early_stopping_rounds": "early_stopping", "grad_clip_norm": "grad_clip",
    "optimizer": "", "optim": "", "precision": "", "dtype": "", "torch_dtype": "", "mixed_precision": "",
    "negatives": "", "negative_sampler": "", "neg_sampler": "", "negative_sampling": "", "target_modules": "",
    "dueling": "dueling", "double": "double_dqn", "double_dqn": "double_dqn", "noisy": "noisy_nets",
    "noisy_nets": "noisy_nets", "n_steps": "n_step", "n_step": "n_step", "nstep": "n_step",
    "prioritized_replay": "prioritized_replay", "per_alpha": "prioritized_replay", "reward_scale": "reward_scaling",
    "reward_clip": "reward_clipping", "clip_rewards": "reward_clipping", "target_sync": "target_network",
    "fusion": "hybrid_retrieval", "fb_terms": "query_expansion", "fb_docs": "query_expansion",
    "query_expansion": "query_expansion",
    "sync_frames": "target_network", "target_update": "target_network", "spectral_norm": "spectral_norm",
    "weight_norm": "weight_norm", "gradient_penalty": "gradient_penalty", "gp_weight": "gradient_penalty",
}

OBJECTIVE_KEYS = frozenset({"objective", "loss", "loss_function", "criterion", "metric_loss"})
L2_OBJECTIVES = frozenset({"regression", "regression_l2", "l2", "mse", "squared_error", "rmse", "reg:squarederror",
                           "squarederror", "mean_squared_error"})
NULL_VALUES = {"", "none", "null", "false", "no", "off", "0", "0.0", "nan", "n/a", "na", "default", "basic"}
WEIGHT_NULLS = {"1", "1.0"}
MODEL_KEYS = ("model", "model_name", "model_type", "backbone", "arch", "architecture", "estimator",
              "algorithm", "base_model", "encoder", "classifier", "regressor", "learner")


# ---------------------------------------------------------------- plain-language descriptions
# Word senses: the words people use for one idea fold onto one sense, so that a description matches
# its paraphrases ("how likely it was shown" ~ "probability of exposure"). Generic English of ML work.
_SENSE_GROUPS: tuple[tuple[str, str], ...] = (
    ("prob", "probability probabilities probable likely likelihood chance chances propensity propensities odds"),
    ("expos", "shown show shows showing displayed display displays exposed exposure exposures impression "
              "impressions served surfaced presented seen"),
    ("invers", "inverse inversely reciprocal"),
    ("weight", "weight weights weighted weighting reweight reweighted reweighting reweights upweight "
               "upweighted downweight downweighted weigh"),
    ("exampl", "example examples sample samples instance instances row rows record records interaction "
               "interactions datapoint datapoints"),
    ("divid", "divide divided divides dividing"),
    ("loss", "loss losses objective"),
    ("wide", "wide wider width widen widening dim dims dimension dimensions dimensional"),
    ("vector", "vector vectors"),
    ("embed", "embedding embeddings embed embedded"),
    ("neg", "negative negatives"),
    ("utter", "phrase phrases utterance utterances word words sentence sentences"),
    ("sound", "sound sounds sounding acoustically acoustic phonetically phonetic pronounced pronunciation "
              "rhyme rhymes rhyming"),
    ("similar", "similar similarly like alike almost close closely near nearly resembling resemble resembles"),
    ("wake", "wake wakeword keyword keywords hotword hotwords trigger"),
    ("hard", "hard hardest harder difficult tricky confusing"),
    ("mine", "mine mining mined"),
    ("random", "random randomly uniform uniformly"),
    ("audio", "audio speech waveform waveforms recording recordings"),
    ("noise", "noise noises noisy"),
    ("background", "background ambient"),
    ("add", "add adds added adding inject injected injecting mix mixed mixing"),
    ("fast", "fast faster slow slower speed tempo"),
    ("resampl", "resample resampled resampling stretch stretched"),
    ("model", "model models network networks net nets"),
    ("split", "split splits splitting separate separated separating two"),
    ("score", "score scores scored rank ranks ranked"),
    ("confus", "confuse confuses confused mistakes mistake"),
    ("train", "train trains trained training fit fits fitted"),
    ("small", "small smaller tiny low lower"),
    ("matri", "matrix matrices"),
    ("rank", "rank"),
    ("frozen", "frozen freeze freezing"),
    ("reconstruct", "reconstruct reconstructs reconstruction reconstructing"),
    ("input", "input inputs"),
    ("bottleneck", "bottleneck narrow"),
    ("latent", "latent"),
    ("kl", "kl kullback"),
    ("easy", "easy easier easiest simple simpler"),
    ("first", "first start begin beginning"),
    ("reward", "reward rewards"),
    ("progress", "progress intermediate"),
    ("tree", "tree trees"),
    ("residual", "residual residuals"),
    ("error", "error errors"),
    ("bootstrap", "bootstrap bootstrapped bagging bagged"),
    ("vote", "vote votes voting averaged average"),
    ("deep", "deep"),
    ("after", "after sequentially"),
    ("user", "user users"),
    ("item", "item items"),
    ("correct", "correct corrects corrected correcting correction"),
    # settings explained in plain words (warm-up, label smoothing, clipping, early stopping, weight averaging)
    ("lr", "lr"),
    ("increas", "increase increases increased increasing ramp ramps ramped ramping raise raised raising grow "
                "growing up"),
    ("soft", "soft softer soften softened softening softens"),
    ("label", "label labels target targets"),
    ("hot", "hot onehot"),
    ("cap", "cap caps capped capping clip clips clipped clipping limit limits limited limiting"),
    ("grad", "gradient gradients grad grads"),
    ("stop", "stop stops stopped stopping halt halts halted"),
    ("valid", "validation val dev held"),
    ("improv", "improve improves improved improving improvement improvements plateau plateaus plateaued"),
    ("moving", "moving running"),
)
SENSES: dict[str, str] = {w: sense for sense, ws in _SENSE_GROUPS for w in ws.split()}
# Function words never carry a description's meaning.
_DESC_STOP = frozenset({
    "a", "an", "the", "of", "to", "in", "on", "for", "by", "with", "and", "or", "it", "its", "it's", "they",
    "them", "their", "that", "this", "these", "those", "was", "were", "is", "are", "be", "been", "being", "how",
    "what", "which", "who", "each", "every", "any", "some", "as", "at", "from", "into", "than", "then", "so", "if",
    "we", "our", "you", "your", "i", "one",
})
_WORD_RE = re.compile(r"[a-z0-9]+")


def _sense(word: str) -> str:
    got = SENSES.get(word)
    if got:
        return got
    for suf in ("ies", "es", "s", "ed", "ing", "ly"):
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            base = word[: -len(suf)]
            got = SENSES.get(base) or SENSES.get(base + "e")
            if got:
                return got
    return word


def senses_of(text: str) -> list[tuple[str, int, int]]:
    """(sense, start, end) of each content word of lowercase ``text``."""
    out: list[tuple[str, int, int]] = []
    words = list(_WORD_RE.finditer(text))
    for i, m in enumerate(words):
        w = m.group(0)
        if w in _DESC_STOP or (w == "rate" and i and words[i - 1].group(0) == "learning"):
            continue
        if w == "learning" and i + 1 < len(words) and words[i + 1].group(0) == "rate":
            out.append(("lr", m.start(), words[i + 1].end()))  # "learning rate" is the lr, not "learning"
            continue
        out.append((_sense(w), m.start(), m.end()))
    return out


@dataclass(frozen=True)
class Description:
    concept: str
    senses: frozenset[str]
    needed: int  # how many of its senses a text must hold


def _description(cid: str, text: str) -> Description:
    senses = frozenset(s for s, _, _ in senses_of(text.lower()))
    n = len(senses)
    return Description(cid, senses, n if n <= 4 else n - 1)


DESCRIPTIONS: tuple[Description, ...] = tuple(
    _description(c.id, d) for c in CONCEPTS for d in c.descriptions
)
# sense -> descriptions holding it (a text is only compared with descriptions it shares a sense with)
_DESC_BY_SENSE: dict[str, tuple[int, ...]] = {}
for _i, _d in enumerate(DESCRIPTIONS):
    for _s in _d.senses:
        _DESC_BY_SENSE[_s] = (*_DESC_BY_SENSE.get(_s, ()), _i)


@lru_cache(maxsize=1 << 15)
def described(text: str) -> tuple[tuple[str, tuple[int, int]], ...]:
    """(concept, span) for each description that lowercase ``text`` paraphrases.

    A description matches when the text holds all of its senses (one may be missing when it has five or
    more) close together: within a window of a few words more than the description has.
    """
    found = senses_of(text)
    if len(found) < 3:
        return ()
    at: dict[str, list[tuple[int, int, int]]] = {}
    for pos, (s, a, b) in enumerate(found):
        at.setdefault(s, []).append((pos, a, b))
    cand: set[int] = set()
    for s in at:
        cand.update(_DESC_BY_SENSE.get(s, ()))
    out: list[tuple[str, tuple[int, int]]] = []
    for i in sorted(cand):
        d = DESCRIPTIONS[i]
        hits = [at[s] for s in d.senses if s in at]
        if len(hits) < d.needed or len(hits) < 3:
            continue
        firsts = [h[0] for h in hits]
        lo, hi = min(p for p, _, _ in firsts), max(p for p, _, _ in firsts)
        if hi - lo > len(d.senses) * 2 + 4:
            continue
        span = (min(a for _, a, _ in firsts), max(b for _, _, b in firsts))
        out.append((d.concept, span))
    return tuple(out)


CONCEPT_BY_ID: dict[str, Concept] = {c.id: c for c in CONCEPTS}
FAMILIES: tuple[Concept, ...] = tuple(c for c in CONCEPTS if c.family)


def _check_table() -> None:
    ids = [c.id for c in CONCEPTS]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise ValueError(f"concept ids defined twice: {sorted(dup)}")
    for c in CONCEPTS:
        for b in c.broader:
            if b not in CONCEPT_BY_ID:
                raise ValueError(f"{c.id}: unknown parent {b}")


_check_table()
