"""The rows of COCO's concept table (``narrative.concepts``): one ``Concept`` per model family,
technique, feature, target and setting, with the regexes and aliases that spell it, how people
describe it without its name, and its parent concepts.

Data only: ``narrative.concepts`` adds the settings' params, the param-key map and the lookups.
Patterns run on ``norm()`` text: lowercase, ``_``/``-``/``/`` turned into spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Concept:
    id: str
    name: str
    kind: str  # model | technique | feature | eval | tuning | target
    patterns: tuple[str, ...]
    broader: tuple[str, ...] = ()  # parent concepts this one implies (smote -> oversampling)
    weight: float = 2.0
    param_keys: tuple[str, ...] = ()  # param keys whose presence (non-null) means the concept
    compiled: tuple[re.Pattern[str], ...] = field(default=(), compare=False)
    # plain spellings (whole words) in text and in run param values; a model family is found by these
    aliases: tuple[str, ...] = ()
    # spellings too short to trust in prose ("cb", "ae", "nn"): only in param values and for linking
    value_aliases: tuple[str, ...] = ()
    # how people explain the concept without naming it ("weight each example by the inverse of ...")
    descriptions: tuple[str, ...] = ()
    family: bool = False  # a model family (what linking and structuring call a family)

    @property
    def parents(self) -> tuple[str, ...]:
        return self.broader


def alias_pattern(alias: str) -> str:
    """A regex over ``norm()``-ed text for a plain alias: separators optional, plural allowed."""
    parts = [re.escape(p) for p in re.split(r"[\s_\-/]+", alias.lower()) if p]
    return r"\b" + " ?".join(parts) + r"s?\b"


def _not_after(*words: str) -> str:
    """Lookbehinds refusing a match right after any of ``words`` ("in depth", "the graph"); put them after
    the pattern's leading ``\\b`` so that the word-head prefilter still reads the pattern's head."""
    return "".join(rf"(?<!\b{w} )" for w in words)


# Words that make an up/down-sample a class resampling ("upsample the rare class", "downsampling the
# non-churners") rather than an image, feature-map or signal resize ("upsampled to 512x512", "decoder
# upsampling layers")
_CLASS_WORDS = ("class", "classes", "minority", "majority", "rare", "positive", "positives", "negative", "negatives",
                "label", "labels", "intent", "intents", "category", "categories", "fraud", "frauds", "churn",
                "churners", "default", "defaults", "anomaly", "anomalies", "non", "imbalanced")
_CLASS_WORD = r"(" + "|".join(_CLASS_WORDS) + r")"


def _c(
    cid: str,
    name: str,
    kind: str,
    *patterns: str,
    broader: tuple[str, ...] = (),
    weight: float = 2.0,
    keys: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    value_aliases: tuple[str, ...] = (),
    desc: tuple[str, ...] = (),
    family: bool = False,
) -> Concept:
    # an alias the regexes already read (or deliberately refuse, as "mlp blocks") adds no pattern
    own = [re.compile(p) for p in patterns]
    extra = tuple(alias_pattern(a) for a in aliases
                  if not any(p.search(re.sub(r"[_\-/]+", " ", a.lower())) for p in own))
    allp = tuple(patterns) + extra
    return Concept(
        cid, name, kind, allp, broader, weight, keys, tuple(re.compile(p) for p in allp),
        aliases, value_aliases, desc, family,
    )


CONCEPT_ROWS: tuple[Concept, ...] = (
    # ---- model families
    _c("logreg", "logistic regression", "model", r"\blog(istic)? ?reg\w*\b", r"\blogit (model|regression)s?\b",
       broader=("linear",),
       family=True, aliases=("logreg", "logistic regression", "logistic", "lr_model")),
    _c("linear", "linear model", "model", r"\blinear (model|regression|baseline|classifier)\b", r"\bridge\b",
       r"\blasso\b", r"\belastic ?net\b", r"\bsgd ?classifier\b",
       family=True, aliases=("linear regression", "ridge", "lasso", "elasticnet", "elastic net")),
    _c("random_forest", "random forest", "model", r"\brandom ?forests?\b", r"\brf\b", broader=("trees",),
       family=True, aliases=("random forest", "random_forest", "randomforest", "rf"),
       desc=("many deep trees on bootstrap samples with votes averaged",)),
    _c("extra_trees", "extra trees", "model", r"\bextra ?trees\b", r"\bextremely randomi[sz]ed trees\b",
       broader=("trees",), family=True, aliases=("extra trees", "extra_trees", "extratrees")),
    _c("decision_tree", "decision tree", "model", r"\bdecision ?trees?\b", broader=("trees",), family=True,
       aliases=("decision tree", "decision_tree", "decisiontree")),
    _c("xgboost", "XGBoost", "model", r"\bxgb(oost)?\b", broader=("gbm", "trees"), family=True,
       aliases=("xgboost", "xgb")),
    _c("lightgbm", "LightGBM", "model", r"\blight ?gbm\b", r"\blgbm\b", r"\blgb\b", broader=("gbm", "trees"),
       family=True, aliases=("lightgbm", "lgbm", "light gbm", "lgb")),
    _c("catboost", "CatBoost", "model", r"\bcat ?boost\b", broader=("gbm", "trees"), family=True,
       aliases=("catboost", "cat boost"), value_aliases=("cb",)),
    _c("gbm", "gradient boosting", "model", r"\bgbms?\b", r"\bgradient ?boost\w*", r"\bgbdt\b",
       r"\bboosted (decision )?trees?\b", r"\bhist ?gradient", r"\bhgbm?\b", broader=("trees",), family=True,
       aliases=("gbm", "gbdt", "gradient boosting", "boosted trees", "hist_gb", "histgradientboosting"),
       desc=("trees fit one after another on the residual errors",)),
    _c("trees", "tree models", "model", r"\btree (models?|ensembles?|based)\b", weight=1.0),
    _c("svm", "SVM", "model", r"\bsvms?\b", r"\bsupport vector", family=True, aliases=("svm", "svc", "svr")),
    _c("knn", "k-NN", "model", r"\bk ?nn\b", r"\bnearest neighbou?rs? (model|classifier|regressor)",
       r"\bk neighbou?rs (classifier|regressor)\b",
       family=True, aliases=("knn", "k-nn", "nearest neighbour", "nearest neighbor")),
    # "NB:" opens a nota bene, not a model
    _c("naive_bayes", "naive Bayes", "model", r"\bnaive ?bayes\b", r"\bnb\b(?! ?:)", family=True,
       aliases=("naive bayes", "naive_bayes", "nb")),
    _c("mlp", "MLP / neural net", "model", r"\bmlps?\b(?! (blocks?|layers?|modules?|projections?|sublayers?))",
       # "nets" alone is any network ("more complex nets", "target nets"), not the MLP family; "dense net" is an
       # MLP of dense layers but "densenet" is the CNN
       r"\bneural ?(net|network)s?\b", r"\bdense (nets?|networks?)\b", r"\bdnns?\b",
       r"\bfeed ?forward\b(?! (blocks?|layers?|modules?))",
       r"\bmulti ?layer perceptron", family=True,
       aliases=("mlp", "mlps", "neural net", "neural nets", "feedforward", "dense net"), value_aliases=("nn",)),
    _c("tabnet", "TabNet", "model", r"\btabnet\b", broader=("mlp",), family=True, aliases=("tabnet",)),
    _c("ft_transformer", "FT-Transformer", "model", r"\bft ?transformer\b", broader=("mlp",), family=True,
       aliases=("ft-transformer", "ft_transformer", "fttransformer")),
    _c("isolation_forest", "isolation forest", "model", r"\bisolation ?forests?\b", r"\bi ?forest\b",
       broader=("unsupervised",), family=True,
       aliases=("isolation forest", "isolation_forest", "iforest", "i-forest")),
    _c("autoencoder", "autoencoder", "model", r"\bauto ?encoders?\b", r"\breconstruction (error|loss)\b",
       broader=("unsupervised",), family=True,
       aliases=("autoencoder", "auto-encoder", "dense_autoencoder"), value_aliases=("ae",),
       desc=("a network trained to reconstruct its input through a narrow bottleneck",)),
    # a VAE is an autoencoder, but not a plain one: a plan for a VAE is not answered by a plain autoencoder
    _c("vae", "variational autoencoder", "model", r"\bvaes?\b", r"\bvariational (auto ?encoders?|ae)\b",
       broader=("autoencoder",), family=True, aliases=("vae", "variational autoencoder"),
       desc=("an autoencoder with a probabilistic latent space and a kl term",)),
    # variants of a VAE with their own names: a plain VAE does not answer a plan for one of them
    _c("beta_vae", "beta-VAE", "model", r"\b(?:beta|β) ?vaes?\b", broader=("vae",), aliases=("beta-vae", "beta_vae"),
       desc=("a vae whose kl term is weighted by a factor beta",)),
    _c("vq_vae", "VQ-VAE", "model", r"\bvq ?vaes?\b", r"\bvector ?quanti[sz]ed (?:vaes?|variational|auto ?encoders?)",
       broader=("autoencoder",), aliases=("vq-vae", "vq_vae", "vqvae"),
       desc=("an autoencoder with a discrete codebook latent",)),
    _c("unsupervised", "unsupervised detectors", "technique", r"\bunsupervised\b", r"\banomaly (detect\w*|scor\w*)",
       r"\bone ?class svm\b", r"\boutlier detect\w*"),
    _c("prophet", "Prophet", "model", r"\bprophet\b", r"\bfacebook'?s? (forecast\w*|time ?series)",
       r"\bmeta'?s (forecast\w*|time ?series)", r"\bfb ?prophet\b", family=True, aliases=("prophet",)),
    _c("arima", "ARIMA", "model", r"\bs?arimax?\b", r"\bauto ?arima\b", family=True,
       aliases=("arima", "sarima", "auto-arima", "autoarima")),
    _c("ets", "exponential smoothing", "model", r"\bets\b", r"\bexponential smoothing\b", r"\bholt ?winters?\b",
       family=True,
       aliases=("ets", "exponential smoothing", "holt-winters", "holt winters")),
    _c("seasonal_naive", "seasonal naive", "model", r"\bseasonal ?naive\b", r"\bsnaive\b",
       r"\bnaive (forecast|baseline)\w*", family=True,
       aliases=("seasonal naive", "seasonal_naive", "snaive")),
    _c("nbeats", "N-BEATS", "model", r"\bn ?beats\b", family=True, aliases=("nbeats", "n-beats", "n beats")),
    _c("nhits", "N-HiTS", "model", r"\bn ?hits\b", family=True, aliases=("nhits", "n-hits")),
    _c("patchtst", "PatchTST", "model", r"\bpatch ?tst\b", family=True, aliases=("patchtst",)),
    _c("informer", "Informer", "model", r"\binformer\b", r"\bautoformer\b", r"\bfedformer\b", family=True,
       aliases=("informer", "autoformer", "fedformer")),
    _c("tsmixer", "TSMixer", "model", r"\bts ?mixer\b", family=True, aliases=("tsmixer",)),
    _c("ts_foundation", "pretrained time-series model", "model", r"\bchronos\b", r"\btimes ?fm\b", r"\bmoirai\b",
       r"\blag ?llama\b", family=True, aliases=("chronos", "timesfm", "moirai")),
    _c("croston", "Croston (intermittent demand)", "model", r"\bcroston\b", r"\bintermittent demand (model|method)",
       family=True, aliases=("croston",)),
    _c("tft", "temporal fusion transformer", "model", r"\btft\b", r"\btemporal fusion( transformers?)?", family=True,
       aliases=("tft", "temporal fusion transformer")),
    _c("deepar", "DeepAR", "model", r"\bdeep ?ar\b", family=True, aliases=("deepar",)),
    _c("rnn", "RNN", "model", r"\brnns?\b", r"\brecurrent\b", family=True, aliases=("rnn", "rnns")),
    _c("lstm", "LSTM", "model", r"\b(bi ?|b)?lstms?\b", r"\blong short ?term memory\b", broader=("rnn",), family=True,
       aliases=("lstm", "lstms", "bilstm")),
    _c("gru", "GRU", "model", r"\b(bi ?)?grus?\b", r"\bgated recurrent units?\b", broader=("rnn",), family=True,
       aliases=("gru", "grus")),
    _c("tcn", "TCN", "model", r"\btcn\b", r"\btemporal conv\w*", family=True, aliases=("tcn",)),
    _c("fasttext", "fastText", "model", r"\bfast ?text\b", family=True, aliases=("fasttext",)),
    _c("tfidf", "TF-IDF", "model", r"\btf ?idf\b", r"\bbag of words\b", r"\bbow\b", family=True,
       aliases=("tfidf", "tf-idf")),
    _c("bert", "BERT", "model", r"\bbert\b(?! ?large)", r"\bbert base\b", broader=("transformer_text",),
       family=True, aliases=("bert", "bert-base")),
    _c("distilbert", "DistilBERT", "model", r"\bdistil ?bert\b", broader=("transformer_text",), family=True,
       aliases=("distilbert", "distil-bert", "distilbert-base-uncased")),
    _c("roberta", "RoBERTa", "model", r"\broberta\b", broader=("transformer_text",), family=True,
       aliases=("roberta", "roberta-base", "roberta-large")),
    _c("roberta_large", "RoBERTa-large", "model", r"\broberta large\b", broader=("roberta", "large_model")),
    _c("deberta", "DeBERTa", "model", r"\bdeberta\w*", broader=("transformer_text",), family=True,
       aliases=("deberta", "deberta-v3")),
    _c("electra", "ELECTRA", "model", r"\belectra\b", broader=("transformer_text",), family=True,
       aliases=("electra",)),
    _c("t5", "T5", "model", r"\b(flan ?)?t5\b", broader=("transformer_text",), family=True, aliases=("t5", "flan-t5")),
    _c("setfit", "SetFit", "model", r"\bsetfit\b", r"\bsentence ?transformers?\b", family=True, aliases=("setfit",)),
    _c("llm", "LLM", "model", r"\bllms?\b", r"\blarge language models?\b", r"\bclaude\b",
       r"\b" + _not_after("command") + r"prompt(s|ing)?\b",
       r"\bprompted\b(?! (me|us|them)\b)",
       r"\bphi ?[234]\w*", r"\bfalcon\b", r"\bmixtral\b", r"\bdeepseek\w*", r"\bpythia\w*"),
    _c("gpt", "GPT", "model", r"\bgpt ?\w*", r"\bchat ?gpt\b", r"\bnano ?gpt\b", broader=("llm",), family=True,
       aliases=("gpt", "gpt2", "gpt-2")),
    _c("llama", "Llama", "model", r"\bllama\w*", broader=("llm",), family=True, aliases=("llama", "llama2", "llama3")),
    _c("mistral", "Mistral", "model", r"\bmistral\b", broader=("llm",), family=True, aliases=("mistral",)),
    _c("gemma", "Gemma", "model", r"\bgemma\w*", broader=("llm",), family=True, aliases=("gemma",)),
    _c("qwen", "Qwen", "model", r"\bqwen\w*", broader=("llm",), family=True, aliases=("qwen",)),
    _c("transformer_text", "transformer encoder", "model", r"\b" + _not_after("label", "hot", "ordinal", "target")
       + r"encoders?\b", r"\btransformers?\b", weight=1.0,
       family=True, aliases=("transformer",)),
    _c("large_model", "bigger model", "tuning", r"\b(bigger|larger|huge) (model|encoder|backbone|network)s?\b",
       # "<model> large" is a size of that model; "too large", "a large batch" are not a bigger model
       r"\b(bert|roberta|deberta( ?v ?\d)?|electra|xlm( ?r| roberta)?|t5|flan ?t5|bart|vit|beit|swin|convnext|"
       r"whisper|wav ?2 ?vec ?2?|hubert|wavlm|gpt ?\d?|clip|yolo ?v?\d*|efficientnet|resnet|e5|bge|gte|minilm|mpnet) "
       r"large\b", r"\blarge (models?|variants?|checkpoints?|versions?|backbones?|encoders?)\b", weight=1.0),
    _c("resnet", "ResNet", "model", r"\bresnet ?\d*\b", broader=("cnn",), family=True,
       aliases=("resnet", "resnet18", "resnet34", "resnet50", "resnet101")),
    # the classic CNN backbones, named with their depth ("vgg16", "densenet-121") or without ("a VGG backbone")
    _c("vgg", "VGG", "model", r"\bvgg ?\d*\w*", broader=("cnn",), family=True, aliases=("vgg", "vgg16", "vgg19")),
    _c("densenet", "DenseNet", "model", r"\bdensenet ?\d*\b", broader=("cnn",), family=True,
       aliases=("densenet", "densenet121")),
    _c("efficientnet", "EfficientNet", "model", r"\beff(icient)? ?net\w*", broader=("cnn",), family=True,
       aliases=("efficientnet", "effnet", "efficient net")),
    _c("convnext", "ConvNeXt", "model", r"\bconv ?next\w*", broader=("cnn",), family=True,
       aliases=("convnext", "conv next")),
    _c("vit", "ViT", "model", r"\bvit(s|[bslhg]?\d+\w*|[bslhg])?\b", r"\bvision transformers?\b",
       r"\bdeit\b", r"\bswin\b", family=True,
       aliases=("vit", "vision transformer")),
    _c("dinov2", "DINOv2", "model", r"\bdino ?(v ?2)?\b", family=True, aliases=("dinov2",)),
    _c("clip", "CLIP", "model",
       # "clip" alone is as often a clipping ("gpu-clip" runs, "leave clip, but increase it to 100"): the model
       # is named with what makes it one (its maker, a part, a use), never by the bare word
       r"\b(?:openai|laion|open) clip\b",
       r"\bclip (?:\w+ ){0,3}(?:vit|embeddings?|encoders?|models?|features?|scores?|zero shot|backbone|"
       r"retrieval|rn50|b 32|b 16|l 14)\b",
       r"\b(?:fine ?tun\w*|frozen|pretrained|pre trained) clip\b",
       r"\bsiglip\b", family=True, aliases=("siglip",), value_aliases=("clip",)),
    _c("cnn", "CNN", "model", r"\bcnns?\b", r"\bconv ?nets?\b", r"\bconvolutional\b", weight=1.0, family=True,
       aliases=("cnn", "convnet")),
    _c("yolo", "YOLO", "model", r"\byolo\w*", family=True, aliases=("yolo",)),
    _c("detr", "DETR", "model", r"\b(rt ?|deformable ?)?detr\b", family=True, aliases=("detr",)),
    _c("rcnn", "Faster / Mask R-CNN", "model", r"\b(faster|mask|cascade) ?r ?cnn\b", family=True,
       aliases=("faster rcnn", "mask rcnn", "faster-rcnn", "mask-rcnn")),
    _c("unet", "U-Net", "model", r"\bu ?net\b", family=True, aliases=("unet", "u-net")),
    _c("diffusion", "diffusion model", "model", r"\bdiffusion (model|unet)s?\b", r"\bddpm\b", r"\bddim\b",
       r"\bstable diffusion\b", family=True, aliases=("ddpm",)),
    # GAN objectives and regularisers: variants of one another under "adversarial loss"
    _c("adversarial_loss", "adversarial loss", "technique", r"\badversarial (loss|objective|training)\b", weight=1.0),
    _c("lsgan", "least-squares GAN loss", "technique", r"\bls ?gan\b", r"\bleast ?squares? (gan|loss|adversarial|"
       r"objective)\b", r"\bleast ?squares?\b", broader=("adversarial_loss",)),
    _c("wgan", "Wasserstein loss", "technique", r"\bw ?gan\w*", r"\bwasserstein\b", r"\bearth mover\w*",
       broader=("adversarial_loss",)),
    _c("hinge_loss", "hinge loss", "technique", r"\bhinge\b(?! (on|upon)\b)", broader=("adversarial_loss",)),
    _c("gradient_penalty", "gradient penalty", "technique", r"\bgradient penalty\b", r"\bgp\b",
       r"\br1 (penalty|reg\w*)\b"),
    _c("spectral_norm", "spectral normalization", "technique", r"\bspectral ?norm\w*", r"\bsn ?gan\b"),
    _c("weight_norm", "weight normalization", "technique", r"\bweight ?norm\w*"),
    _c("ddsp", "DDSP (differentiable DSP)", "model", r"\bddsp\b", r"\bdifferentiable (dsp|digital signal|"
       r"oscillators?|synth\w*)\b", r"\boscillator (bank|banks)\b", family=True, aliases=("ddsp",),
       desc=("differentiable oscillators and filters as the generator",)),
    _c("gan", "GAN", "model", r"\bgans?\b", r"\bgenerative adversarial\b", r"\bstyle ?gan\w*",
       r"\b(mel|cycle|big|pro|dc|star|info|giga|parallel ?wave|vq|sr|esr|pix2pix) ?gans?\b", family=True,
       aliases=("gan",)),
    # ---- speech
    _c("conformer", "Conformer", "model", r"\bconformers?\b", family=True, aliases=("conformer",)),
    _c("wav2vec", "wav2vec 2.0 / HuBERT", "model", r"\bwav ?2 ?vec\w*", r"\bw2v ?2\b", r"\bhubert\b", r"\bwavlm\b",
       family=True, aliases=("wav2vec", "wav2vec2", "w2v2", "hubert", "wavlm")),
    _c("whisper", "Whisper", "model", r"\bwhisper\b", family=True, aliases=("whisper",)),
    _c("ctc", "CTC loss", "technique", r"\bctc\b", r"\bconnectionist temporal\b"),
    _c("transducer", "RNN-T / transducer", "model", r"\brnn ?t\b", r"\btransducers?\b", family=True,
       aliases=("rnnt", "rnn-t", "transducer")),
    _c("tts_model", "TTS acoustic model", "model", r"\btacotron\w*", r"\bfast ?speech\w*", r"\bvits\b",
       r"\bhifi ?gan\b", r"\bvocoders?\b", family=True, aliases=("tacotron", "fastspeech", "hifigan")),
    _c("kws", "keyword / wake-word spotting", "model", r"\bkws\b", r"\bwake ?words?\b", r"\bhot ?words?\b",
       r"\bkeyword spott\w*", r"\btrigger (word|phrase)s?\b", weight=1.0),
    _c("spec_augment", "SpecAugment", "technique", r"\bspec ?aug\w*", r"\b(time|frequency) mask\w*",
       broader=("augmentation",)),
    _c("speed_perturb", "speed perturbation", "technique", r"\bspeed (perturb\w*|aug\w*)", broader=("augmentation",),
       desc=("resample the audio slightly faster and slower",)),
    _c("noise_augment", "noise augmentation", "technique",
       r"\b(background |additive )?noise (aug\w*|injection|mix\w*)", r"\bmix\w* in (background )?noise\b",
       r"\bmusan\b", broader=("augmentation",),
       desc=("add background noise to the training audio",)),
    # reverberation is a sibling of additive noise, not a kind of it: a room's echo convolved into the audio
    _c("reverb_augment", "reverberation augmentation", "technique", r"\breverb\w*", r"\broom impulse\w*",
       r"\brirs?\b", broader=("augmentation",), desc=("convolve the training audio with room impulse responses",)),
    _c("vad", "voice activity detection", "technique", r"\bvad\b", r"\bvoice activity\b"),
    _c("mel_features", "mel filterbank features", "feature", r"\bmel\b", r"\blog ?mel\w*", r"\bmfccs?\b",
       r"\bfilter ?banks?\b", r"\bfbank\w*"),
    # ---- recommenders
    _c("two_tower", "two-tower model", "model", r"\btwo ?tower\b", r"\bdual ?encoder\b", family=True,
       aliases=("two-tower", "two tower", "two_tower")),
    _c("ncf", "neural collaborative filtering", "model", r"\bncf\b", r"\bneural (collaborative|cf)\b",
       r"\bneu ?mf\b", family=True, aliases=("ncf", "neumf")),
    _c("deepfm", "DeepFM / factorization machines", "model", r"\bdeep ?fm\b", r"\bfactori[sz]ation machines?\b",
       r"\bx ?deep ?fm\b", family=True, aliases=("deepfm", "xdeepfm")),
    _c("dcn", "deep & cross network", "model", r"\bdcn( ?v ?2)?\b", r"\bdeep (and|&) cross\b", r"\bcross ?net\w*",
       family=True, aliases=("dcn", "dcnv2")),
    _c("wide_deep", "wide & deep", "model", r"\bwide (and|&|n) deep\b", family=True, aliases=("wide&deep",)),
    _c("seq_rec", "sequential recommender", "model", r"\bsas ?rec\b", r"\bbert ?4 ?rec\b", r"\bgru ?4 ?rec\b",
       family=True, aliases=("sasrec", "bert4rec", "gru4rec")),
    _c("propensity", "inverse propensity weighting", "technique", r"\b(inverse )?propensit\w*", r"\bips\b",
       r"\bipw\b", r"\bsnips\b", r"\bexposure bias\b", r"\bposition bias correct\w*",
       r"\binverse (examination|exposure|position|display) (weight\w*|scor\w*|probabilit\w*)",
       desc=("weight each example by the inverse of the probability it was shown",
             "divide the loss by the probability of exposure",
             "correct for which items users were exposed to")),
    _c("negative_sampling", "negative sampling", "technique", r"\bnegative sampl\w*", r"\bsampl\w* negatives\b",
       r"\bnegatives? (per|ratio)\b", weight=1.2),
    _c("random_negatives", "random negatives", "technique", r"\brandom(ly)? (sampled )?negatives?\b",
       r"\brandom negative sampl\w*", r"\buniform(ly)? (sampled )?negatives?\b",
       r"\bsampl\w* negatives?\b[^.?!;]{0,20}\b(at random|uniformly|randomly)\b", broader=("negative_sampling",),
       desc=("negatives drawn uniformly at random",)),
    _c("embedding_dim", "embedding size", "tuning", r"\bembedd?ing (dim\w*|size|width)s?\b", r"\bemb ?dim\b",
       r"\b(wider|bigger|larger|smaller|narrower) embedd?ings?\b", r"\bembedd?ings? \w+ (as )?(wide|big|large)\b",
       r"\bembedd?ings? (width|dimension|dim|size)\b",
       r"\bembedd?ings? (\w+ )?(wider|bigger|larger|smaller|narrower)\b",
       weight=1.5,
       desc=("make the embedding vectors wider", "the number of dimensions of each embedding")),
    _c("latent_dim", "latent size", "tuning", r"\blatent (dim\w*|size|width|channels|code size)s?\b",
       r"\b(z|code|bottleneck) (dim\w*|size)\b", r"\b(wider|bigger|larger|smaller|narrower) latents?\b",
       r"\blatents? (\w+ )?(wider|bigger|larger|smaller|narrower)\b", weight=1.5,
       desc=("the number of dimensions of the latent code", "make the bottleneck wider")),
    _c("matrix_factorization", "matrix factorization", "model", r"\bmatrix factori[sz]ation\b", r"\bals\b",
       r"\bmf\b", family=True, aliases=("als", "matrix factorization", "matrix factorisation", "mf")),
    _c("ensemble", "ensembling / blending", "technique", r"\bensembl\w*", r"\bblend\w*", r"\b" + _not_after("frame")
       + r"stack(ing|ed)\b(?! (\d+|two|three|four)\b)"
       # layers stacked in a network, a couple of words on ("stacking more conv layers"), are no model ensemble
       r"(?! (\w+ ){0,2}((bi ?)?lstms?|grus?|rnns?|layers?|conv\w*|blocks?|frames?|encoders?|decoders?|transformers?|"
       r"cnns?)\b)",
       r"\baverag\w* (the )?(two |both )?models\b", r"\bmodel soup\b", family=True,
       aliases=("ensemble", "blend", "stacking", "stacked")),
    # ---- imbalance
    _c("undersampling", "undersampling", "technique", r"\bunder ?sampl\w*",
       r"\bdown ?sampl\w*(?=[^.?!;]{0,40}\b" + _CLASS_WORD + r"\b)",
       r"\b" + _CLASS_WORD + r"\b[^.?!;]{0,30}\bdown ?sampl\w*",
       r"\bsub ?sampl\w* (the )?"
       r"(majority|negatives?|non)", r"\bdrop\w* (some of )?the majority\b", r"\brandom under\w*",
       r"\bbalanced (training )?(set|batches)\b", r"\b50 ?/ ?50\b", broader=("imbalance",)),
    _c("oversampling", "oversampling", "technique", r"\bover ?sampl\w*",
       r"\bup ?sampl\w*(?=[^.?!;]{0,40}\b" + _CLASS_WORD + r"\b)",
       r"\b" + _CLASS_WORD + r"\b[^.?!;]{0,30}\bup ?sampl\w*",
       r"\brepeat\w* (the )?(rare|minority)", r"\brandom ?over ?sampl\w*",
       broader=("imbalance",)),
    # the other sense of up/down-sampling: resizing images, feature maps or sequences ("decoder upsampling
    # layers", "upsampled to 512x512", "the upsampled encoder output"), a change of architecture or input
    _c("upsample_resize", "upsampling (resize)", "technique",
       r"\b" + _not_after(*_CLASS_WORDS) + r"up ?sampl\w*(?![^.?!;]{0,40}\b" + _CLASS_WORD + r"\b)"),
    _c("downsample_resize", "downsampling (resize)", "technique",
       r"\b" + _not_after(*_CLASS_WORDS) + r"down ?sampl\w*(?![^.?!;]{0,40}\b" + _CLASS_WORD + r"\b)"),
    _c("smote", "SMOTE", "technique", r"\bsmote\w*", r"\badasyn\b", r"\bsynthetic minority",
       broader=("oversampling", "imbalance")),
    _c("dim_reduction", "dimensionality reduction", "technique", r"\bpca\b", r"\bprincipal components?\b",
       r"\btruncated ?svd\b", r"\bdimensional\w* reduction\b", r"\breduc\w* (the )?(dimension\w*|dims?)\b"),
    _c("class_weight", "class weighting", "technique", r"\bclass ?weight\w*", r"\bscale pos weight\b", r"\bspw\b",
       r"\bpos ?weight\b", r"\bcost ?sensitive\b",
       r"\b(re ?|up ?)?weight\w*\b[^.?!;]{0,30}\b(class|positives?|minority|fraud|churn\w*|rare)\b",
       r"\b(class|positives?|minority)\b[^.?!;]{0,20}\bweight\w*", r"\bauto class weights\b",
       r"\bweighted (loss|cross ?entropy|ce|bce|nll)( loss)?\b",
       r"\bbalanced\b(?! (training )?(set|batches))(?! (accuracy|acc|error)\b)", broader=("imbalance",)),
    _c("imbalance", "class imbalance handling", "technique", r"\bimbalanc\w*", r"\brare (class|intents?|labels?)\b",
       r"\bminority class\b", weight=1.0),
    _c("focal", "focal loss", "technique", r"\bfocal\b(?! (length|point|plane)s?\b)"),
    # ---- training recipe
    _c("label_smoothing", "label smoothing", "technique", r"\blabel smooth\w*", r"\bls ?=? ?0?\.\d",
       desc=("soften the one-hot labels",)),
    _c("mixup", "mixup", "technique", r"\bmix ?up\b|\bmixedup\b", broader=("augmentation",)),
    _c("cutmix", "CutMix", "technique", r"\bcut ?mix\b", broader=("augmentation",)),
    _c("randaugment", "RandAugment", "technique", r"\brand ?aug\w*", r"\bauto ?aug\w*", r"\btrivial ?aug\w*",
       broader=("augmentation",)),
    _c("basic_augs", "rotations / color jitter", "technique", r"\bcolou?r ?jitter\w*", r"\brot ?90\b",
       broader=("augmentation",)),
    _c("augmentation", "data augmentation", "technique", r"\baugment\w*",
       r"\baug\b(?! ?\d{1,2}\b)(?<!\d aug)", weight=1.0),  # not the month ("29 aug 2023")
    _c("backtranslation", "back-translation", "technique", r"\bback ?translat\w*", r"\bround ?trip\w*",
       r"\btranslat\w*\b[^.?!;]{0,50}\b(and|then) back\b", r"\btranslat\w* (it |them )?back\b",
       r"\ben ?>? ?(de|fr|es) ?>? ?en\b", broader=("augmentation",)),
    _c("paraphrase_gen", "generated paraphrases", "technique", r"\bparaphras\w* (generation|generated|with)",
       r"\b(generate|generated|generating|synthetic) paraphras\w*", r"\bparaphras\w* (for|of) the rare",
       broader=("synthetic_data",)),
    _c("synthetic_data", "synthetic data", "technique", r"\bsynthetic (data|examples|samples|utterances)\b",
       r"\bgenerat\w* (new |more |extra )?(training )?(data|examples|utterances)\b",
       # a GAN's or a TTS model's "generated samples" are its outputs, not new training data
       r"\bgenerat\w* (new |more |extra |training )(training )?samples\b"),
    _c("tta", "test-time augmentation", "technique", r"\btta\b", r"\btest ?time aug\w*",
       r"\baverag\w*\b[^.?!;]{0,50}\b(flip\w*|crops?|augmented|copies|views)\b",
       r"\bflip\w*\b[^.?!;]{0,40}\binference\b", r"\binference\b[^.?!;]{0,40}\bflip\w*"),
    _c("pseudo_label", "pseudo-labelling", "technique", r"\bpseudo ?label\w*", r"\bself ?train\w*",
       r"\bnoisy student\b", r"\bunlabel+ed\b"),
    _c("distillation", "knowledge distillation", "technique", r"\bdistil+(ation|ling|led|l)?\b(?! ?bert)",
       r"\bknowledge distil\w*", r"\bkd\b", r"\bteacher\b(?! forc\w*)", r"\bstudent\b"),
    _c("ema", "EMA weights", "technique", r"\bema\b", r"\bexponential moving average\b", r"\bswa\b",
       r"\bweight averag\w*", desc=("a moving average of the weights",)),
    _c("rdrop", "R-Drop", "technique", r"\br ?drop\b"),
    _c("dropout", "dropout", "tuning", r"\bdropout\b"),
    # activation functions are siblings: a leaky-ReLU plan is not answered by ReLU runs
    _c("activation", "activation functions", "technique", r"\bactivation (functions?|fns?)\b", weight=1.0),
    _c("relu", "ReLU", "technique", r"\b" + _not_after("leaky") + r"relus?\b", broader=("activation",)),
    _c("leaky_relu", "leaky ReLU", "technique", r"\bleaky ?relus?\b", r"\bl ?relus?\b", r"\bprelus?\b",
       broader=("activation",)),
    _c("gelu", "GELU", "technique", r"\bgelus?\b", broader=("activation",)),
    _c("silu", "SiLU / swish", "technique", r"\bsilus?\b", r"\bswish\b", broader=("activation",)),
    _c("elu", "ELU", "technique", r"\bs?elus?\b", broader=("activation",)),
    _c("mish", "Mish", "technique", r"\bmish\b", broader=("activation",)),
    # normalisation layers are siblings: a layer-norm plan is not answered by batch-norm runs
    _c("normalization", "normalization layers", "technique", r"\bnormali[sz]ation layers?\b", weight=1.0),
    _c("batchnorm", "batch norm", "technique", r"\bbatch ?norm\w*", r"\bbn\b", broader=("normalization",)),
    _c("layernorm", "layer norm", "technique", r"\blayer ?norm\w*", r"\bln\b(?= (after|before|on|in)\b)",
       r"\brms ?norm\w*", broader=("normalization",)),
    _c("groupnorm", "group norm", "technique", r"\bgroup ?norm\w*", r"\binstance ?norm\w*",
       broader=("normalization",)),
    _c("weight_decay", "weight decay", "tuning", r"\bweight ?decay\b", r"\bwd\b"),
    _c("layer_decay", "layer-wise lr decay", "tuning", r"\blayer ?(wise )?(lr )?decay\b", r"\bllrd\b"),
    _c("learning_rate", "learning rate", "tuning", r"\blearning ?rates?\b", r"\blrs?\b",
       # XGBoost's eta, not an ETA ("eta 2 hours", "eta is tomorrow")
       r"\beta\b(?! (\d+ ?(h|hrs?|hours?|m|mins?|minutes?|days?|d|s|secs?|weeks?)\b|(is|of|for|to|on|tomorrow|today|"
       r"around|about|~)\b))",
       r"\bstep ?sizes?\b", weight=1.2),
    # a learning rate of its own for a part of the model (actor vs critic, generator vs discriminator, head vs
    # backbone): a different line of work than moving the one learning rate
    _c("separate_lr", "separate learning rates per component", "tuning",
       r"\b(separate|different|two|distinct|own|individual|per ?(group|layer|component)) (learning ?rates?|lrs?|"
       r"step ?sizes?)\b", r"\b(learning ?rates?|lrs?|step ?sizes?) (for|of) (the )?\w+ and (the )?\w+\b",
       r"\bttur\b", r"\b(discriminative|differential|layer.?wise) (learning ?rates?|lrs?|fine ?tun\w*)\b"),
    _c("lr_schedule", "lr schedule", "tuning", r"\blr schedul\w*", r"\blearning ?rate schedul\w*",
       r"\b(lr|learning ?rate) (decay|annealing)\b", r"\bschedulers?\b"),
    # kinds of schedule are siblings: a cosine plan is not answered by a step-decay run
    _c("warmup", "lr warmup", "tuning", r"\bwarm ?up\w*", broader=("lr_schedule",),
       desc=("ramp the lr up over the first epochs", "start from a small lr and increase it")),
    _c("cosine_schedule", "cosine lr schedule", "tuning",
       r"\bcosine\b(?! (similarit\w*|distances?|sim|loss|embeddings?|metric|scores?)\b)",
       r"\bsgdr\b", broader=("lr_schedule",)),
    _c("onecycle", "one-cycle schedule", "tuning", r"\bone ?cycle\b", broader=("lr_schedule",)),
    _c("step_decay", "step lr decay", "tuning", r"\bstep ?lr\b", r"\bmulti ?step\b",
       r"\bstep\b(?= ?(lr|decay|gamma|schedul))", r"\b(lr|learning ?rate) decay\b[^.;]{0,40}\bevery\b",
       r"\bgamma ?[=:]? ?[.\d]+ every\b", broader=("lr_schedule",)),
    _c("plateau_schedule", "reduce-on-plateau schedule", "tuning", r"\breduce ?lr ?on ?plateau\b",
       r"\bplateau schedul\w*", broader=("lr_schedule",)),
    _c("epochs", "more epochs", "tuning", r"\bepochs?\b", r"\bep\b", r"\blonger training\b", weight=1.2),
    _c("batch_size", "batch size", "tuning", r"\bbatch ?size\b", r"\bbs\b",
       r"\b(bigger|larger|smaller|large|small|big|huge|tiny) (mini ?)?batch(es)?\b", r"\bbatch(es)? of \d+",
       r"\bbatch ?[=:]? ?\d+\b", r"\bbatch(es)? (bigger|larger|smaller|greater) than\b",
       weight=1.2),
    # a tree's or a network's depth; not "in depth", "bit depth", a depth map or a depthwise conv
    _c("depth", "tree depth", "tuning", r"\bmax ?depth\b",
       r"\b" + _not_after("in", "in more", "in greater", "in some", "in full", "bit", "color", "colour", "queue",
                          "promo", "discount", "market")
       + r"depth\b(?! (wise|separable|maps?|estimat\w*|predict\w*|sensors?|images?|cameras?|first|"
       r"of (understanding|knowledge|analysis|detail|field|focus))\b)",
       # "deeper trees", "the net got deeper"; not "dig deeper", "a deeper understanding", "a shallow copy"
       r"\b" + _not_after("dig", "dug", "digging", "digs", "wade", "wading", "delve", "delving", "look", "looking",
                          "go", "going", "goes", "went", "dive", "diving", "probe", "much")
       + r"(deeper|shallower)\b(?! (into|in|on|at|than|dive|look|understanding|insights?|dig|analysis|"
       r"investigation|meaning|level|reason|issue|problem)\b)",
       r"\bshallow\b(?! (copy|copies|understanding|water|end|analysis|look|dive)\b)", weight=1.5),
    _c("num_leaves", "num_leaves", "tuning", r"\bnum ?leaves\b",
       # "leaves" is also the verb ("which leaves us with two options", "that leaves the question open")
       r"\b" + _not_after("which", "that", "this", "it", "what", "also", "still", "only", "just", "he", "she")
       + r"leaves\b(?! (us|you|me|them|him|her|the|a|an|it|room|open|out|behind|no|some|little|much|something|"
       r"nothing|plenty)\b)", weight=1.5),
    _c("n_estimators", "number of trees", "tuning", r"\bn ?estimators\b", r"\bnum ?(boost )?rounds?\b",
       r"\b\d+ trees\b", weight=1.0),
    _c("tuning", "hyperparameter tuning", "tuning", r"\bhyper ?param\w*",
       # "fine-tuned", "prompt tuning" are their own lines of work, not a hyperparameter search
       r"\b" + _not_after("fine", "prompt", "prefix", "instruction") + r"tun(e|ed|ing)\b", r"\bsweeps?\b",
       r"\boptuna\b", r"\bgrid search\b", weight=1.0),
    _c("resolution", "input resolution", "tuning", r"\b" + _not_after("multi") + r"resolution\b", r"\bimg ?size\b",
       r"\bimage ?size\b",
       r"\b\d{3} ?px\b", r"\bpx\b", r"\bhigher res\b", r"\bimage size\b",
       # "an input size of 380": an image's side in pixels (an "input size" of 8 is a feature count)
       r"\binput ?size (?:of |= ?|to |at )?(?=\d{3}\b)"),
    _c("max_len", "max sequence length", "tuning", r"\bmax ?len\w*\b", r"\bmax (seq|sequence) len\w*",
       r"\bsequence length\b", r"\bseq ?len\b", r"\bcontext (length|window)\b", r"\blonger (inputs?|sequences?)",
       r"\btruncat\w*"),
    _c("linear_probe", "linear probe on frozen features", "technique", r"\blinear (probe|probing|head)\b",
       r"\bfrozen (backbone|encoder|features|layers|weights)\b", r"\bfreez\w* (the )?(backbone|encoder|layers|"
       r"weights|base)\b"),
    _c("fine_tune", "fine-tuning", "technique", r"\bfine ?tun\w*", r"\bfull ft\b", weight=0.8),
    # every weight trained: a variant of fine-tuning apart from LoRA, adapters or a linear probe
    _c("full_finetune", "full fine-tuning", "technique", r"\bfull(y)? (ft|fine ?tun\w*|finetun\w*)\b",
       r"\bfine ?tun\w* (all|every|the (whole|entire)) (\w+ )?(weights?|params?|parameters?|layers?|model|network)\b",
       broader=("fine_tune",), weight=1.0),
    _c("lora", "LoRA / adapters", "technique", r"\blo ?ra\b", r"\badapters?\b", r"\bpeft\b",
       r"\blow ?rank (adapt\w*|updates?|matri\w*)", r"\blora ?r\b", family=True, aliases=("lora",),
       desc=("train small low rank matrices added to frozen weights",)),
    _c("qlora", "QLoRA", "technique", r"\bq ?lora\b", r"\b4 ?bit lora\b", broader=("lora", "quantization"),
       aliases=("qlora",)),
    _c("prompt_tuning", "prompt / prefix tuning", "technique", r"\b(soft )?prompt tuning\b", r"\bprefix ?tuning\b",
       r"\bp ?tuning\b", r"\bia3\b"),
    # where an adapter, a freeze or a change is applied inside a transformer: a variant's target
    _c("attention_modules", "attention projections", "target", r"\battention (layers?|blocks?|modules?|projections?|"
       r"weights|matri\w*)\b", r"\b[qkvo] ?proj\w*", r"\b(query|key|value)( and (key|value))? (proj\w*|matri\w*|"
       r"weights)\b", r"\b(qkv|c ?attn|self ?attn)\b", r"\battn\b", r"\bon (the )?attention\b"),
    _c("mlp_modules", "MLP / feed-forward blocks", "target", r"\b(mlp|ffn|feed ?forward|fc) (blocks?|layers?|modules?|"
       r"projections?|sublayers?|weights)\b", r"\b(up|down|gate) ?proj\w*", r"\bffns?\b", r"\bfc ?[12]\b",
       r"\bc ?fc\b", r"\bon (the )?mlps?\b"),
    _c("gradient_checkpointing", "gradient checkpointing", "technique", r"\bgrad(ient)? checkpoint\w*",
       r"\bactivation checkpoint\w*", r"\brecompute activations\b"),
    _c("flash_attention", "flash attention", "technique", r"\bflash ?attn\w*", r"\bflash ?attention\w*", r"\bsdpa\b"),
    _c("grad_accum", "gradient accumulation", "technique", r"\bgrad(ient)? accum\w*", r"\baccumulat\w* (the )?grad\w*"),
    _c("grad_clip", "gradient clipping", "technique", r"\bgrad(ient)? (norm )?clip\w*", r"\bclip(ping)? (the )?grad\w*",
       r"\bmax ?grad ?norm\b", desc=("cap the norm of the gradients",)),
    # quantizing a model's weights; not the vector quantizer of a VQ-VAE ("vector-quantized", "the quantizer")
    _c("quantization", "quantization", "technique",
       r"\b" + _not_after("vector") + r"quanti[sz](e|ed|es|ing|ation|ations)\b",
       r"\bint ?8\b", r"\bint ?4\b", r"\bonnx\b",
       r"\bgptq\b", r"\bawq\b", r"\b(4|8) ?bit\b"),
    _c("pruning", "pruning", "technique", r"\bprun(e|ed|ing)\b"),
    _c("mixed_precision", "mixed precision", "technique", r"\bmixed precision\b", r"\bamp\b", r"\bhalf precision\b",
       # apex's opt levels O1-O3 are mixed precision (O0 is plain fp32)
       r"\bapex\b", r"\bopt level o[123]\b", weight=1.0),
    # bf16 is not fp16: a plan for one is not answered by the other
    _c("fp16", "fp16", "technique", r"\bfp ?16\b", r"\bfloat ?16\b",
       r"\bhalf\b(?= ?(precision|floats?|prec|mode)\b)", r"\.half\(\)", broader=("mixed_precision",)),
    _c("bf16", "bf16", "technique", r"\bbf ?16\b", r"\bbfloat ?16\b", r"\bbrain ?float\w*",
       broader=("mixed_precision",)),
    _c("fp8", "fp8", "technique", r"\bfp ?8\b", r"\bfloat ?8\b", broader=("mixed_precision",)),
    # full precision is the sibling the half-precision formats fall back to, not a kind of mixed precision
    _c("fp32", "full precision (fp32)", "technique", r"\bfp ?32\b", r"\bfloat ?32\b", r"\bfull precision\b",
       r"\bsingle precision\b"),
    _c("early_stopping", "early stopping", "technique", r"\bearly ?stop\w*",
       r"\b" + _not_after("my", "our", "of", "lost", "losing", "your", "some", "little") + r"patience\b",
       desc=("stop training when the validation loss stops improving",)),
    _c("optimizer", "optimizer", "tuning", r"\boptimi[sz]ers?\b", weight=1.0),
    _c("adam", "Adam", "tuning", r"\badam\b", r"\bnadam\b", r"\bradam\b", broader=("optimizer",), aliases=("adam",)),
    _c("adamw", "AdamW", "tuning", r"\badam ?w\b", r"\bdecoupled weight decay\b", broader=("adam", "optimizer"),
       aliases=("adamw",)),
    _c("sgd", "SGD (momentum)", "tuning", r"\bsgd\b(?! ?classifier)", r"\bnesterov\b",
       r"\bstochastic gradient descent\b",
       broader=("optimizer",), aliases=("sgd",)),
    _c("lion", "Lion", "tuning", r"\blion\b", broader=("optimizer",), aliases=("lion",)),
    _c("adafactor", "Adafactor", "tuning", r"\badafactor\b", broader=("optimizer",), aliases=("adafactor",)),
    _c("lamb", "LAMB / LARS", "tuning", r"\blamb\b", r"\blars\b", broader=("optimizer",), aliases=("lamb", "lars")),
    _c("shampoo", "Shampoo / SOAP", "tuning", r"\bshampoo\b", r"\bsoap\b",
       broader=("optimizer",), aliases=("shampoo",)),
    _c("muon", "Muon", "tuning", r"\bmuon\b", broader=("optimizer",), aliases=("muon",)),
    _c("rmsprop", "RMSprop", "tuning", r"\brms ?prop\b", broader=("optimizer",), aliases=("rmsprop",)),
    _c("sam", "sharpness-aware minimisation", "tuning", r"\bsharpness ?aware\b", r"\basam\b",
       broader=("optimizer",)),
    # ---- losses / objectives
    _c("tweedie", "Tweedie objective", "technique", r"\btweedie\b"),
    _c("poisson", "Poisson objective", "technique", r"\bpoisson\b"),
    _c("quantile_loss", "quantile loss", "technique",
       r"\bquantile\b(?! (bin\w*|transform\w*|features?|normali\w*|encod\w*|buckets?))", r"\bpinball\b"),
    _c("huber", "Huber loss", "technique", r"\bhuber\b"),
    _c("l2_loss", "L2 / squared-error objective", "technique",
       r"\bl2\b(?!\s*[=:]?\s*\d)(?! (reg\w*|penalt\w*|norm\w*|weight\w*|lambda|decay))", r"\bsquared error\b",
       r"\bmse (loss|objective)\b", weight=1.2),
    # the absolute-error sibling of L2 ("l1-loss"); an L1 penalty, norm or ratio is regularisation, not the loss
    _c("l1_loss", "L1 / absolute-error objective", "technique",
       r"\b" + _not_after("smooth") + r"l1\b(?!\s*[=:]?\s*\d)"
       r"(?! (reg\w*|penalt\w*|norm\w*|weight\w*|lambda|decay|ratio))",
       r"\bmae (loss|objective)\b", r"\babsolute error (loss|objective)\b", weight=1.2),
    # the scale-invariant SNR (SI-SNR / SI-SDR) and the plain SNR are sibling waveform losses
    _c("si_snr", "scale-invariant SNR loss", "technique", r"\bsi ?s[nd]r\b", r"\bscale ?invariant (snr|sdr)\b"),
    _c("snr_loss", "SNR loss", "technique", r"\b" + _not_after("si") + r"snr (loss|objective)\b"),
    # a loss on the spectrogram (speech enhancement, vocoders): its terms are spectral convergence and log magnitude
    _c("stft_loss", "STFT / spectral loss", "technique", r"\bstft ?loss\w*", r"\bmulti ?resolution stft\b",
       r"\bspectral (convergence|loss)\b", r"\bmr ?stft\b"),
    _c("monotone", "monotone constraints", "technique", r"\bmonoton\w*", r"\bshape constraints?\b",
       r"\bonly (go|goes|going|move|moves) (up|down)\b", r"\b(non ?)?(increasing|decreasing) in\b",
       r"\bmono ?\("),
    _c("dart", "DART boosting", "technique", r"\bdart\b"),
    # ---- features / encodings
    _c("target_encoding", "target encoding", "feature", r"\btarget ?enc\w*", r"\bmean ?encod\w*", r"\bte\b",
       r"\bout of fold enc\w*"),
    _c("one_hot", "one-hot encoding", "feature", r"\bone ?hot\w*", r"\bohe\b", r"\bdummy (variables|encoding)\b"),
    _c("hashing", "feature hashing", "feature", r"\b" + _not_after("commit", "git", "sha", "md5", "file", "run")
       + r"hash(ing|ed|es)?\b(?! (maps?|tables?|of the (commit|code|repo|file))\b)"),
    _c("cat_embedding", "categorical embeddings", "feature", r"\b(entity|categorical) embedd?\w*"),
    _c("velocity", "velocity features", "feature",
       # transaction velocity; not a physical one ("rein in velocity", "the angular velocity of the joint")
       r"\b" + _not_after("in", "angular", "linear", "initial", "terminal", "slip", "sliding", "wind", "particle",
                          "joint", "escape", "current", "max", "target", "agent's")
       + r"velocity\b(?! (of|from|in|at|profile|field|vectors?|control\w*|estimat\w*|commands?)\b)",
       r"\btxn counts?\b",
       r"\btransaction counts?\b"),
    # a graph of entities (users, cards, devices) and features over it; not a plot ("the graph shows", "loss
    # graph"), a compute graph, nearest neighbours or an STFT hop
    _c("graph", "graph features", "feature",
       r"\b" + _not_after("the", "a", "this", "that", "these", "those", "my", "our", "loss", "reward", "rewards",
                          "accuracy", "training", "learning", "validation", "val", "bar", "line", "pretty", "nice",
                          "following", "metric", "metrics", "tensorboard", "wandb", "computational", "computation",
                          "compute", "cuda", "static", "dynamic", "autograd", "tf", "error", "results", "in", "on",
                          "to", "generating", "generate", "plot", "plotted", "plotting", "draw", "drew", "some", "more",
                          "few", "simple", "interactive", "dependency", "call", "scene")
       + r"graphs?\b(?! (shows?|showed|shown|showing|below|above|of|mode|breaks?|captures?|compil\w*|looks?|is|are|"
       r"that|which|with)\b)",
       r"\bgraph (features?|embedd\w*|neural\w*|nets?|networks?|based|signals?|edges?|structure|convolution\w*|"
       r"attention|walks?|jobs?|stats?|statistics|counts?|degree\w*|users?|cards?|devices?|accounts?|merchants?|"
       r"ip|nodes?)\b",
       r"\b(transaction|user|social|knowledge|entity|interaction|citation|device|account|merchant|"
       r"bipartite) graphs?\b", r"\bgnns?\b", r"\bgraph ?sage\b", r"\bnode ?2 ?vec\b", r"\bpage ?rank\b",
       r"\bfan ?out\b", r"\b" + _not_after("nearest", "k") + r"neighbou?r(s|hood|hoods)?\b",
       r"\b" + _not_after("hip") + r"hops?\b(?! (length|size))"),
    _c("two_hop", "2-hop graph features", "feature", r"\b2 ?hop\b", r"\btwo ?hops?\b",
       r"\bneighbou?rs?\W+of\W+neighbou?rs?\b", r"\bsecond ?order neighbou?r\w*", r"\bmulti ?hop\b",
       broader=("graph",)),
    _c("lag_features", "lag features", "feature", r"\blags?\b(?!( \w+)? behind\b)", r"\blagged\b"),
    _c("rolling_features", "rolling-window features", "feature",
       r"\brolling\b(?! (back|out|release)\b)", r"\bmoving averages?\b"),
    _c("lead_features", "lead / future-known features", "feature", r"\blead\w* (promo\w*|features?|indicators?)",
       r"\bupcoming (promo\w*|holidays?|events?|sales?|campaigns?|features?)\b", r"\bstarts? within\b",
       r"\bahead of (the )?(promo|promotion|holiday)\w*"),
    _c("promo", "promotion features", "feature", r"\bpromo(s|tions?|tional)?\b",
       r"\bdiscount(s|ed|ing)?\b(?! (factors?|rates?|gamma|returns?|rewards?|sums?)\b)"),
    _c("holiday", "holiday features", "feature", r"\bholiday\w*", r"\bcalendar (features?|events?)\b", r"\bhol\b"),
    _c("price", "price features", "feature", r"\bprices?\b", r"\bpricing\b"),
    _c("weather", "weather features", "feature", r"\bweather\b", r"\btemperature data\b"),
    _c("feature_selection", "feature selection", "feature", r"\bfeature selection\b", r"\brfe\b"),
    _c("text_features", "text features", "feature", r"\bn ?grams?\b", r"\bchar(acter)? n ?grams?\b"),
    _c("embeddings", "embeddings", "feature", r"\bembedd?ings?\b", weight=1.0),
    # ---- forecasting / evaluation set-up
    _c("direct_strategy", "direct multi-horizon strategy", "technique", r"\bdirect\b[^.?!;]{0,25}\b(strateg\w*|"
       r"horizon\w*|models?)\b", r"\bmulti ?horizon\b", r"\bone model per (horizon|step|day)\b",
       r"\bdirect \d+ models\b"),
    _c("recursive_strategy", "recursive forecasting", "technique", r"\brecursive\b", r"\bautoregressive\b"),
    _c("reconciliation", "hierarchical reconciliation", "technique", r"\breconcil\w*", r"\bmint\b",
       r"\bhierarch\w*\b(?! (clustering|softmax|attention|vaes?|labels?|classification)\b)",
       r"\btop ?down\b", r"\bbottom ?up\b"),
    _c("per_series", "per-series models", "technique", r"\b(per|each|every)[ -]series\b",
       r"\bseparately for (each|every)\b", r"\blocal models?\b"),
    _c("global_model", "global model", "technique", r"\bglobal (model|lightgbm|lgbm|gbm)\b"),
    _c("backtest", "backtesting", "eval", r"\bback ?test\w*", r"\brolling origin\b", r"\bwalk ?forward\b",
       r"\bbacktest folds?\b"),
    _c("cross_validation", "cross-validation", "eval", r"\bcross ?valid\w*", r"\bk ?fold\b", r"\bcv\b"),
    _c("time_split", "time-based split", "eval", r"\btime ?(based )?split\w*", r"\btemporal split\w*",
       r"\bout of time\b"),
    _c("random_split", "random split", "eval", r"\brandom (80 20 )?split\w*"),
    # data leakage; not a LeakyReLU ("leakyrelu", "leaky relu") nor a memory leak
    _c("leakage", "leakage", "eval", r"\b" + _not_after("memory", "ram", "gpu memory")
       + r"leak(s|ed|ing|age|ages|y)?\b(?! ?(relu|re lu|rectif\w*|integrat\w*))"),
    _c("calibration", "probability calibration", "technique", r"\bcalibrat\w*", r"\bisotonic\b", r"\bplatt\b",
       r"\btemperature scaling\b", r"\breliability (diagram|curve)s?\b", r"\bece\b"),
    _c("shap", "SHAP / explanations", "eval", r"\bshap\b", r"\bfeature importances?\b",
       # "one explanation is that ..." is English; explanations of a model are SHAP's line of work
       r"\b(model|feature|local|global|shap|lime|counterfactual|prediction) explanations?\b",
       r"\bexplanations? (of|for) (the )?(model|predictions?|scores?)\b"),
    _c("seeds", "seed variance", "eval", r"\bseeds?\b", r"\brandom state\b", weight=1.0),
    _c("threshold", "decision threshold", "tuning", r"\bthresholds?\b", r"\bthr\b",
       r"\bconfidence\b(?! (intervals?|bands?)\b)",
       weight=1.2),
    # the rest: ``narrative.concept_rows_tail``
)
