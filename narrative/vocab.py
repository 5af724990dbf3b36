"""Synthesis vocabulary: ML concepts with their paraphrases, cue words, tokenisation.

A *concept* is a line of work a team can talk about in many ways ("downsampling the majority class",
"undersample 1:1", ``sampler=undersample_1:1``). Text and run params are both mapped to concept ids so
that "you already tried this?" and thread answers match paraphrases. Everything here is generic ML
vocabulary; nothing is specific to one project.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from narrative import lexicon


@dataclass(frozen=True)
class Concept:
    id: str
    name: str
    kind: str  # model | technique | feature | eval | tuning | generic
    patterns: tuple[str, ...]
    broader: tuple[str, ...] = ()  # concepts this one implies (smote -> oversampling)
    weight: float = 2.0
    param_keys: tuple[str, ...] = ()  # param keys whose presence (non-null) means the concept
    compiled: tuple[re.Pattern[str], ...] = field(default=(), compare=False)


def _c(
    cid: str,
    name: str,
    kind: str,
    *patterns: str,
    broader: tuple[str, ...] = (),
    weight: float = 2.0,
    keys: tuple[str, ...] = (),
) -> Concept:
    return Concept(
        cid, name, kind, tuple(patterns), broader, weight, keys,
        tuple(re.compile(p) for p in patterns),
    )


# Patterns run on ``norm()`` text: lowercase, ``_``/``-``/``/`` turned into spaces.
CONCEPTS: tuple[Concept, ...] = (
    # ---- model families
    _c("logreg", "logistic regression", "model", r"\blog(istic)? ?reg\w*\b", r"\blogit\b", broader=("linear",)),
    _c("linear", "linear model", "model", r"\blinear (model|regression|baseline|classifier)\b", r"\bridge\b",
       r"\blasso\b", r"\belastic ?net\b", r"\bsgd ?classifier\b"),
    _c("random_forest", "random forest", "model", r"\brandom ?forests?\b", r"\brf\b", r"\bextra ?trees\b",
       broader=("trees",)),
    _c("decision_tree", "decision tree", "model", r"\bdecision ?trees?\b", broader=("trees",)),
    _c("xgboost", "XGBoost", "model", r"\bxgb(oost)?\b", broader=("gbm", "trees")),
    _c("lightgbm", "LightGBM", "model", r"\blight ?gbm\b", r"\blgbm\b", r"\blgb\b", broader=("gbm", "trees")),
    _c("catboost", "CatBoost", "model", r"\bcat ?boost\b", broader=("gbm", "trees")),
    _c("gbm", "gradient boosting", "model", r"\bgbms?\b", r"\bgradient ?boost\w*", r"\bgbdt\b",
       r"\bboosted (decision )?trees?\b", r"\bhist ?gradient", broader=("trees",)),
    _c("trees", "tree models", "model", r"\btree (models?|ensembles?|based)\b", weight=1.0),
    _c("svm", "SVM", "model", r"\bsvms?\b", r"\bsupport vector"),
    _c("knn", "k-NN", "model", r"\bk ?nn\b", r"\bnearest neighbou?rs? (model|classifier|regressor)"),
    _c("naive_bayes", "naive Bayes", "model", r"\bnaive ?bayes\b", r"\bnb\b"),
    _c("mlp", "MLP / neural net", "model", r"\bmlps?\b", r"\bneural ?(net|network)s?\b", r"\bnets\b",
       r"\bdnns?\b", r"\bfeed ?forward\b", r"\bmulti ?layer perceptron", r"\btabnet\b", r"\bft ?transformer\b"),
    _c("isolation_forest", "isolation forest", "model", r"\bisolation ?forests?\b", r"\biforest\b",
       broader=("unsupervised",)),
    _c("autoencoder", "autoencoder", "model", r"\bauto ?encoders?\b", broader=("unsupervised",)),
    _c("unsupervised", "unsupervised detectors", "technique", r"\bunsupervised\b", r"\banomaly (detect\w*|scor\w*)",
       r"\bone ?class svm\b", r"\boutlier detect\w*"),
    _c("prophet", "Prophet", "model", r"\bprophet\b", r"\bfacebook'?s? (forecast\w*|time ?series)",
       r"\bmeta'?s (forecast\w*|time ?series)", r"\bfb ?prophet\b"),
    _c("arima", "ARIMA", "model", r"\bs?arimax?\b", r"\bauto ?arima\b"),
    _c("ets", "exponential smoothing", "model", r"\bets\b", r"\bexponential smoothing\b", r"\bholt ?winters?\b"),
    _c("seasonal_naive", "seasonal naive", "model", r"\bseasonal ?naive\b", r"\bsnaive\b",
       r"\bnaive (forecast|baseline)\w*"),
    _c("nbeats", "N-BEATS", "model", r"\bn ?beats\b", r"\bn ?hits\b"),
    _c("tft", "temporal fusion transformer", "model", r"\btft\b", r"\btemporal fusion"),
    _c("deepar", "DeepAR", "model", r"\bdeep ?ar\b"),
    _c("rnn", "LSTM / RNN", "model", r"\b(bi ?)?lstms?\b", r"\bgrus?\b", r"\brnns?\b", r"\brecurrent\b"),
    _c("tcn", "TCN", "model", r"\btcn\b", r"\btemporal conv\w*"),
    _c("tfidf", "TF-IDF", "model", r"\btf ?idf\b", r"\bbag of words\b", r"\bbow\b"),
    _c("bert", "BERT", "model", r"\bbert\b(?! ?large)", r"\bbert base\b", broader=("transformer_text",)),
    _c("distilbert", "DistilBERT", "model", r"\bdistil ?bert\b", broader=("transformer_text",)),
    _c("roberta", "RoBERTa", "model", r"\broberta\b", broader=("transformer_text",)),
    _c("roberta_large", "RoBERTa-large", "model", r"\broberta large\b", broader=("roberta", "large_model")),
    _c("deberta", "DeBERTa", "model", r"\bdeberta\w*", broader=("transformer_text",)),
    _c("electra", "ELECTRA", "model", r"\belectra\b", broader=("transformer_text",)),
    _c("t5", "T5", "model", r"\b(flan ?)?t5\b", broader=("transformer_text",)),
    _c("setfit", "SetFit", "model", r"\bsetfit\b", r"\bsentence ?transformers?\b"),
    _c("llm", "LLM", "model", r"\bllms?\b", r"\blarge language models?\b", r"\bgpt ?\w*", r"\bchat ?gpt\b",
       r"\bllama\w*", r"\bmistral\b", r"\bclaude\b", r"\bgemma\b", r"\bqwen\w*", r"\bprompt\w*"),
    _c("transformer_text", "transformer encoder", "model", r"\bencoders?\b", r"\btransformers?\b", weight=1.0),
    _c("large_model", "bigger model", "tuning", r"\b(bigger|larger|huge) (model|encoder|backbone|network)s?\b",
       r"\b\w+ large\b", weight=1.0),
    _c("resnet", "ResNet", "model", r"\bresnet ?\d*\b", broader=("cnn",)),
    _c("efficientnet", "EfficientNet", "model", r"\beff(icient)? ?net\w*", broader=("cnn",)),
    _c("convnext", "ConvNeXt", "model", r"\bconv ?next\w*", broader=("cnn",)),
    _c("vit", "ViT", "model", r"\bvit\w*", r"\bvision transformers?\b", r"\bdeit\b", r"\bswin\b"),
    _c("dinov2", "DINOv2", "model", r"\bdino ?(v ?2)?\b"),
    _c("clip", "CLIP", "model", r"\bclip\b", r"\bsiglip\b"),
    _c("cnn", "CNN", "model", r"\bcnns?\b", r"\bconv ?nets?\b", weight=1.0),
    _c("yolo", "YOLO", "model", r"\byolo\w*"),
    _c("unet", "U-Net", "model", r"\bu ?net\b"),
    _c("two_tower", "two-tower model", "model", r"\btwo ?tower\b", r"\bdual ?encoder\b"),
    _c("matrix_factorization", "matrix factorization", "model", r"\bmatrix factori[sz]ation\b", r"\bals\b",
       r"\bmf\b"),
    _c("ensemble", "ensembling / blending", "technique", r"\bensembl\w*", r"\bblend\w*", r"\bstack(ing|ed)\b",
       r"\baverag\w* (the )?(two |both )?models\b", r"\bmodel soup\b"),
    # ---- imbalance
    _c("undersampling", "undersampling", "technique", r"\b(under|down) ?sampl\w*", r"\bsub ?sampl\w* (the )?"
       r"(majority|negatives?|non)", r"\bdrop\w* (some of )?the majority\b", r"\brandom under\w*",
       r"\bbalanced (training )?(set|batches)\b", r"\b50 ?/ ?50\b", broader=("imbalance",)),
    _c("oversampling", "oversampling", "technique", r"\b(over|up) ?sampl\w*", r"\brepeat\w* (the )?(rare|minority)",
       broader=("imbalance",)),
    _c("smote", "SMOTE", "technique", r"\bsmote\w*", r"\badasyn\b", r"\bsynthetic minority",
       broader=("oversampling", "imbalance")),
    _c("class_weight", "class weighting", "technique", r"\bclass ?weight\w*", r"\bscale pos weight\b", r"\bspw\b",
       r"\bpos ?weight\b", r"\bre ?weight\w*", r"\bcost ?sensitive\b",
       r"\bweight\w*\b[^.?!;]{0,30}\b(class|positives?|minority|fraud|churn\w*|rare)\b",
       r"\b(class|positives?|minority)\b[^.?!;]{0,20}\bweight\w*", r"\bauto class weights\b",
       r"\bbalanced\b(?! (training )?(set|batches))", broader=("imbalance",)),
    _c("imbalance", "class imbalance handling", "technique", r"\bimbalanc\w*", r"\brare (class|intents?|labels?)\b",
       r"\bminority class\b", weight=1.0),
    _c("focal", "focal loss", "technique", r"\bfocal\b"),
    # ---- training recipe
    _c("label_smoothing", "label smoothing", "technique", r"\blabel smooth\w*", r"\bls ?=? ?0?\.\d"),
    _c("mixup", "mixup", "technique", r"\bmix ?up\b", broader=("augmentation",)),
    _c("cutmix", "CutMix", "technique", r"\bcut ?mix\b", broader=("augmentation",)),
    _c("randaugment", "RandAugment", "technique", r"\brand ?aug\w*", r"\bauto ?aug\w*", r"\btrivial ?aug\w*",
       broader=("augmentation",)),
    _c("augmentation", "data augmentation", "technique", r"\baugment\w*", r"\baug\b", weight=1.0),
    _c("backtranslation", "back-translation", "technique", r"\bback ?translat\w*", r"\bround ?trip\w*",
       r"\btranslat\w*\b[^.?!;]{0,50}\b(and|then) back\b", r"\btranslat\w* (it |them )?back\b",
       r"\ben ?>? ?(de|fr|es) ?>? ?en\b", broader=("augmentation",)),
    _c("paraphrase_gen", "generated paraphrases", "technique", r"\bparaphras\w* (generation|generated|with)",
       r"\b(generate|generated|generating|synthetic) paraphras\w*", r"\bparaphras\w* (for|of) the rare",
       broader=("synthetic_data",)),
    _c("synthetic_data", "synthetic data", "technique", r"\bsynthetic (data|examples|samples|utterances)\b",
       r"\bgenerat\w* (new |more |extra )?(training )?(data|examples|samples|utterances)\b"),
    _c("tta", "test-time augmentation", "technique", r"\btta\b", r"\btest ?time aug\w*",
       r"\baverag\w*\b[^.?!;]{0,50}\b(flip\w*|crops?|augmented|copies|views)\b",
       r"\bflip\w*\b[^.?!;]{0,40}\binference\b", r"\binference\b[^.?!;]{0,40}\bflip\w*"),
    _c("pseudo_label", "pseudo-labelling", "technique", r"\bpseudo ?label\w*", r"\bself ?train\w*",
       r"\bnoisy student\b", r"\bunlabel+ed\b"),
    _c("distillation", "knowledge distillation", "technique", r"\bdistil+(ation|ling|led|l)?\b(?! ?bert)",
       r"\bknowledge distil\w*", r"\bkd\b", r"\bteacher\b", r"\bstudent\b"),
    _c("ema", "EMA weights", "technique", r"\bema\b", r"\bexponential moving average\b", r"\bswa\b",
       r"\bweight averag\w*"),
    _c("rdrop", "R-Drop", "technique", r"\br ?drop\b"),
    _c("dropout", "dropout", "tuning", r"\bdropout\b"),
    _c("batchnorm", "batch norm", "technique", r"\bbatch ?norm\w*", r"\bbn\b", r"\blayer ?norm\w*"),
    _c("weight_decay", "weight decay", "tuning", r"\bweight ?decay\b", r"\bwd\b"),
    _c("layer_decay", "layer-wise lr decay", "tuning", r"\blayer ?(wise )?(lr )?decay\b", r"\bllrd\b"),
    _c("learning_rate", "learning rate", "tuning", r"\blearning ?rate\b", r"\blr\b", r"\beta\b", weight=1.2),
    _c("lr_schedule", "lr schedule / warmup", "tuning", r"\bwarm ?up\w*", r"\bcosine\b", r"\bone ?cycle\b",
       r"\blr schedul\w*"),
    _c("epochs", "more epochs", "tuning", r"\bepochs?\b", r"\bep\b", r"\blonger training\b", weight=1.2),
    _c("batch_size", "batch size", "tuning", r"\bbatch ?size\b", r"\bbs\b", weight=1.2),
    _c("depth", "tree depth", "tuning", r"\bmax ?depth\b", r"\bdepth\b", r"\bdeeper\b", r"\bshallow\w*",
       weight=1.5),
    _c("num_leaves", "num_leaves", "tuning", r"\bnum ?leaves\b", r"\bleaves\b", weight=1.5),
    _c("n_estimators", "number of trees", "tuning", r"\bn ?estimators\b", r"\bnum ?(boost )?rounds?\b",
       r"\b\d+ trees\b", weight=1.0),
    _c("tuning", "hyperparameter tuning", "tuning", r"\bhyper ?param\w*", r"\btun(e|ed|ing)\b", r"\bsweeps?\b",
       r"\boptuna\b", r"\bgrid search\b", weight=1.0),
    _c("resolution", "input resolution", "tuning", r"\bresolution\b", r"\bimg ?size\b", r"\bimage ?size\b",
       r"\b\d{3} ?px\b", r"\bpx\b", r"\bhigher res\b", r"\bimage size\b"),
    _c("max_len", "max sequence length", "tuning", r"\bmax ?len\w*\b", r"\bmax (seq|sequence) len\w*",
       r"\bsequence length\b", r"\bseq ?len\b", r"\bcontext (length|window)\b", r"\blonger (inputs?|sequences?)",
       r"\btruncat\w*"),
    _c("linear_probe", "linear probe on frozen features", "technique", r"\blinear (probe|probing|head)\b",
       r"\bfrozen (backbone|encoder|features|layers|weights)\b", r"\bfreez\w* (the )?(backbone|encoder|layers|"
       r"weights|base)\b"),
    _c("fine_tune", "fine-tuning", "technique", r"\bfine ?tun\w*", r"\bfull ft\b", weight=0.8),
    _c("lora", "LoRA / adapters", "technique", r"\blo ?ra\b", r"\bq ?lora\b", r"\badapters?\b", r"\bpeft\b",
       r"\blow ?rank (adapt\w*|updates?|matri\w*)", r"\blora ?r\b"),
    _c("quantization", "quantization", "technique", r"\bquanti[sz]\w*", r"\bint8\b", r"\bint4\b", r"\bonnx\b"),
    _c("pruning", "pruning", "technique", r"\bprun(e|ed|ing)\b"),
    _c("mixed_precision", "mixed precision", "technique", r"\bfp16\b", r"\bbf16\b", r"\bmixed precision\b"),
    _c("early_stopping", "early stopping", "technique", r"\bearly ?stop\w*"),
    _c("optimizer", "optimizer", "tuning", r"\badamw?\b", r"\bsgd\b", r"\blion\b", r"\boptimi[sz]er\b", weight=1.0),
    # ---- losses / objectives
    _c("tweedie", "Tweedie objective", "technique", r"\btweedie\b"),
    _c("poisson", "Poisson objective", "technique", r"\bpoisson\b"),
    _c("quantile_loss", "quantile loss", "technique",
       r"\bquantile\b(?! (bin\w*|transform\w*|features?|normali\w*|encod\w*|buckets?))", r"\bpinball\b"),
    _c("huber", "Huber loss", "technique", r"\bhuber\b"),
    _c("l2_loss", "L2 / squared-error objective", "technique",
       r"\bl2\b(?!\s*[=:]?\s*\d)(?! (reg\w*|penalt\w*|norm\w*|weight\w*|lambda|decay))", r"\bsquared error\b",
       r"\bmse (loss|objective)\b", weight=1.2),
    _c("monotone", "monotone constraints", "technique", r"\bmonoton\w*", r"\bshape constraints?\b",
       r"\bonly (go|goes|going|move|moves) (up|down)\b", r"\b(non ?)?(increasing|decreasing) in\b",
       r"\bmono ?\("),
    _c("dart", "DART boosting", "technique", r"\bdart\b"),
    # ---- features / encodings
    _c("target_encoding", "target encoding", "feature", r"\btarget ?enc\w*", r"\bmean ?encod\w*", r"\bte\b",
       r"\bout of fold enc\w*"),
    _c("one_hot", "one-hot encoding", "feature", r"\bone ?hot\w*", r"\bohe\b", r"\bdummy (variables|encoding)\b"),
    _c("hashing", "feature hashing", "feature", r"\bhash\w*"),
    _c("cat_embedding", "categorical embeddings", "feature", r"\b(entity|categorical) embedd?\w*"),
    _c("velocity", "velocity features", "feature", r"\bvelocity\b", r"\btxn counts?\b",
       r"\btransaction counts?\b"),
    _c("graph", "graph features", "feature", r"\bgraph\w*", r"\bfan ?out\b", r"\bneighbou?r\w*", r"\bhops?\b"),
    _c("two_hop", "2-hop graph features", "feature", r"\b2 ?hop\b", r"\btwo ?hops?\b",
       r"\bneighbou?rs?\W+of\W+neighbou?rs?\b", r"\bsecond ?order neighbou?r\w*", r"\bmulti ?hop\b",
       broader=("graph",)),
    _c("lag_features", "lag features", "feature", r"\blags?\b", r"\blagged\b"),
    _c("rolling_features", "rolling-window features", "feature", r"\brolling\b", r"\bmoving averages?\b"),
    _c("lead_features", "lead / future-known features", "feature", r"\blead\w* (promo\w*|features?|indicators?)",
       r"\bupcoming\b", r"\bstarts? within\b", r"\bahead of (the )?(promo|promotion|holiday)\w*"),
    _c("promo", "promotion features", "feature", r"\bpromo\w*", r"\bdiscount\w*"),
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
       r"\bhierarch\w*", r"\btop ?down\b", r"\bbottom ?up\b"),
    _c("per_series", "per-series models", "technique", r"\b(per|each|every)[ -]series\b",
       r"\bseparately for (each|every)\b", r"\blocal models?\b"),
    _c("global_model", "global model", "technique", r"\bglobal (model|lightgbm|lgbm|gbm)\b"),
    _c("backtest", "backtesting", "eval", r"\bback ?test\w*", r"\brolling origin\b", r"\bwalk ?forward\b",
       r"\bbacktest folds?\b"),
    _c("cross_validation", "cross-validation", "eval", r"\bcross ?valid\w*", r"\bk ?fold\b", r"\bcv\b"),
    _c("time_split", "time-based split", "eval", r"\btime ?(based )?split\w*", r"\btemporal split\w*",
       r"\bout of time\b"),
    _c("random_split", "random split", "eval", r"\brandom (80 20 )?split\w*"),
    _c("leakage", "leakage", "eval", r"\bleak\w*"),
    _c("calibration", "probability calibration", "technique", r"\bcalibrat\w*", r"\bisotonic\b", r"\bplatt\b",
       r"\btemperature scaling\b", r"\breliability (diagram|curve)s?\b", r"\bece\b"),
    _c("shap", "SHAP / explanations", "eval", r"\bshap\b", r"\bfeature importances?\b", r"\bexplanations?\b"),
    _c("seeds", "seed variance", "eval", r"\bseeds?\b", r"\brandom state\b", weight=1.0),
    _c("threshold", "decision threshold", "tuning", r"\bthresholds?\b", r"\bthr\b", r"\bconfidence\b", weight=1.2),
    # ---- ranking / retrieval
    _c("cross_encoder", "cross-encoder re-ranker", "model", r"\bcross ?encod\w*", r"\bmono ?t5\b",
       r"\bbert (style|based) (re ?rank\w*|scor\w*)", broader=("transformer_text",)),
    _c("bi_encoder", "bi-encoder", "model", r"\bbi ?encod\w*", broader=("transformer_text",)),
    _c("learning_to_rank", "learning to rank", "model", r"\blambda ?(mart|rank)\b", r"\blearning to rank\b",
       r"\bltr\b", r"\b(pairwise|listwise) (loss|rank\w*|objective)\b", r"\bxendcg\b"),
    _c("logq", "logQ / sampling-bias correction", "technique", r"\blog ?q\b", r"\bsampl\w* bias correct\w*",
       r"\bpopularity (bias )?correct\w*", r"\bcorrect\w*\b[^.?!;]{0,60}\bpopular\w*",
       r"\bpopular\w*\b[^.?!;]{0,30}\bcorrect\w*", r"\b(item )?frequency correct\w*", broader=("sampled_softmax",)),
    _c("sampled_softmax", "sampled softmax", "technique", r"\bsampled softmax\b", r"\bin ?batch (negatives|softmax)",
       weight=1.2),
    _c("hard_negatives", "hard negatives", "technique", r"\bhard ?neg\w*", r"\bnegative mining\b",
       r"\bmin(ed|ing) negatives\b", r"\bsemi ?hard\b"),
    _c("contrastive", "contrastive loss", "technique", r"\bcontrastive\b", r"\binfo ?nce\b", r"\btriplet\b",
       r"\bnt ?xent\b"),
    # ---- LLM tuning
    _c("dpo", "preference optimisation (DPO)", "technique", r"\bdpo\b", r"\bipo\b", r"\bkto\b", r"\borpo\b",
       r"\bsimpo\b", r"\bpreference (optimi[sz]\w*|tuning|pairs|data)\b", broader=("preference_tuning",)),
    _c("rlhf", "RLHF / PPO", "technique", r"\brlhf\b", r"\bppo\b", r"\breward model\w*", r"\brlaif\b",
       broader=("preference_tuning",)),
    _c("preference_tuning", "preference tuning", "technique", r"\balign(ment)? tuning\b",
       r"\bhuman feedback\b", weight=1.0),
    _c("sft", "supervised fine-tuning", "technique", r"\bsft\b", r"\bsupervised fine ?tun\w*",
       r"\binstruction ?tun\w*"),
    # ---- targets / transforms
    _c("log_target", "log-transformed target", "feature", r"\blog ?1p\b", r"\blog (target|transform\w*|scale)\b",
       r"\blog (of )?(the )?(\w+ ){0,2}(targets?|amounts?|claims?|prices?|sales|labels?|revenue|values?|costs?|"
       r"counts?|severity|dollars|y)\b", r"\b(predict\w*|model\w*|regress\w*|fit\w*) (on )?(the )?log (of )?(the )?\w+",
       r"\blog ?transform\w*", r"\blogged target\b", r"\bbox ?cox\b",
       r"\byeo ?johnson\b", r"\bsmearing\b", r"\bsqrt (target|transform\w*)"),
    _c("per_unit_threshold", "per-unit thresholds", "tuning",
       r"\b(per|each|every) ?(unit|machine|compressor|device|sensor|asset|pump|turbine|segment|store|series|"
       r"customer|region|line|site|class)\b[^.?!;]{0,25}\b(thresholds?|cut ?offs?|alarm levels?)",
       r"\b(thresholds?|cut ?offs?)\b[^.?!;]{0,15}\b(per|for each|for every|by) (unit|machine|compressor|device|"
       r"sensor|asset|pump|turbine|segment|store|series|customer|region|line|site|class)\b",
       r"\b(separate|individual|own|dedicated|unit ?specific|device ?specific|per ?unit|local)\b[^.?!;]{0,20}"
       r"\bthresholds?\b", broader=("threshold",)),
    _c("latency", "latency", "eval", r"\blatency\b", r"\bp9[59]\b", r"\bms ?/ ?img\b", r"\binference (time|speed|cost)",
       weight=1.0),
)

CONCEPT_BY_ID: dict[str, Concept] = {c.id: c for c in CONCEPTS}

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
    "lora_r": "lora", "lora_rank": "lora", "quantization": "quantization", "warmup_ratio": "lr_schedule",
    "sampler": "", "augmentation": "", "aug": "", "objective": "", "loss": "", "boosting": "", "strategy": "",
    "batchnorm": "batchnorm", "te_folds": "target_encoding", "hash_bits": "hashing",
    "max_depth": "depth", "depth": "depth", "num_leaves": "num_leaves",
}

OBJECTIVE_KEYS = frozenset({"objective", "loss", "loss_function", "criterion", "metric_loss"})
L2_OBJECTIVES = frozenset({"regression", "regression_l2", "l2", "mse", "squared_error", "rmse", "reg:squarederror",
                           "squarederror", "mean_squared_error"})
NULL_VALUES = {"", "none", "null", "false", "no", "off", "0", "0.0", "nan", "n/a", "na", "default", "basic"}
WEIGHT_NULLS = {"1", "1.0"}
MODEL_KEYS = ("model", "model_name", "model_type", "backbone", "arch", "architecture", "estimator",
              "algorithm", "base_model", "encoder", "classifier", "regressor", "learner")

def _words(text: str) -> list[str]:
    return text.split()


STOPWORDS = frozenset(_words("""
a about above after again against all also am an and any are aren't as at be because been before being
below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here
here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself
let's me more most mustn't my myself no nor not of off on once only or other ought our ours ourselves
out over own same shan't she she'd she'll she's should shouldn't so some such than that that's the their
theirs them themselves then there there's these they they'd they'll they're they've this those through
to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when when's
where where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're
you've your yours yourself yourselves lets let us via vs w just like really actually maybe probably ok
okay yeah also still even much many per etc ie eg i.e e.g tho though anyway pretty quite bit lot lots
"""))

# Chat filler and generic ML verbs: never evidence of novelty nor of a match on their own.
GENERIC = frozenset(_words("""
think thinking thought try trying tried tries want wanted wanting going go goes went gone give given
giving get got getting make made making use used using add added adding adds run runs ran running rerun
reran train trained training model models experiment experiments idea ideas plan plans planning tomorrow
today tonight yesterday week weeks next day days time times new old same instead rather than something
anything thing things way ways maybe should could would might will shall can let lets see look looking
check checked checking test tested testing need needs needed work works worked working help helps helped
better worse best good bad great nice quick quickly again also well whether what if how about any one
two three first second last final result results number numbers value values score scores improve
improved improvement gain gains drop dropped start starts started set sets setting settings put keep
kept stay stays change changes changed version approach approaches option options option more less fewer
higher lower bigger smaller large small long longer short shorter much very heavily slightly separately
every each whole data dataset feature features method methods technique techniques config configs
configuration recipe setup pipeline baseline team folks guys people someone anyone everyone go-to worth
effort trying consider considering suggest question answer tell say says said show shows showed instead
probably definitely possibly basically inference validation val metric metrics performance accuracy
thinking ahead apply applying applied during while within across around through based top bottom side
half full fully entire fit fits fitting revisit revisiting worth helpful stop stopped stopping ship
shipping shipped current candidate abandon abandoned switch switched why go going heavy
"""))

NEGATIVE_CUES = re.compile(
    r"\b(worse|hurt\w*|didn'?t help|did not help|no gain|no better|nothing|not worth|dead|drop(ping|ped)? it|"
    r"abandon\w*|shelv\w*|park(ing|ed)?|giv(e|ing) up|gave up|not pursuing|not spending|stop(ped|ping)?|"
    r"no more|out regardless|ruled out|behind|lag(s|ged)? behind|fail\w*|blew up|nan|diverg\w*|oom|"
    r"out of memory|too slow|slower|flat|no improvement|doesn'?t help|does not help|not convinced|"
    r"inside the noise|within (the )?noise|coin flip|noise|closing|close (it|this)|done with|is done|"
    r"not shippable|over budget|useless|regress\w*|killed|crash\w*|lying)\b",
    re.IGNORECASE,
)
CLOSE_CUES = re.compile(
    r"\b(calling \w+ dead|dead|abandon\w*|shelv\w*|park(ing|ed)|not worth|giv(e|ing) up|gave up|not pursuing|"
    r"not spending (more|any)|stop (touching|tuning|using|trying)|stop(ped|ping) (it|using|with)|no more|"
    r"ruled out|rule it out|out regardless|drop(ping|ped)? (it|this|that|the)\b|dropping|closing|for good|"
    r"won'?t (ship|use|pursue)|not shippable|is done|are done|done with|moving on from|kill(ing|ed)? (it|this)|"
    r"not going to|no point|not (really )?worth it|never catches up|didn'?t bother|no \w+ in prod|"
    r"is out|are out|never again|off the table|not convinced)\b",
    re.IGNORECASE,
)
ADOPT_CUES = re.compile(
    r"\b(going (with|w/)|go(ing)? with|went with|switching to|switch to|sticking with|stick with|keeping|"
    r"keep (it|the|using)|adopt\w*|from here on|from now on|it is\b|the way\b|stays|winner|ship candidate|"
    r"candidate|settled on|locking in|lock in|we use|default now|new default|workhorse|moving to|"
    r"replac(e|es|ing) \w+)\b",
    re.IGNORECASE,
)
OPEN_CUES = re.compile(
    r"\b(next|todo|to do|tmrw|tomorrow|plan(ning)?|want to|wanna|gonna|will try|going to try|should try|"
    r"open q|open question|need to|still like|might still|worth (a )?try(ing)?|later|follow ?up|monday)\b",
    re.IGNORECASE,
)

# A run the team declared void (leaked, contaminated, buggy): never best, never a baseline.
VOID_CUES = re.compile(
    r"\b(void|invalid(ated)?|leak(s|ed|y|ing|age)?|is a leak|contaminat\w*|bogus|buggy|bugged|"
    r"can'?t (be )?trust(ed)?|cannot (be )?trust(ed)?|don'?t count|doesn'?t count|disregard\w*|"
    r"thrown out|throw (them|those|these|it) out|not (a )?(fair|valid) (comparison|result|run)s?)\b",
    re.IGNORECASE,
)
VOID_NEGATED = re.compile(
    r"\b(no|not|without|free of|fix\w*|remov\w*|check\w*( for)?|plug\w*|guard\w*( against)?|avoid\w*|"
    r"prevent\w*|no sign of|after)\s+(\w+\s+){0,2}(leak|contaminat|bug)\w*",
    re.IGNORECASE,
)


def declares_void(text: str) -> bool:
    return bool(VOID_CUES.search(text)) and not VOID_NEGATED.search(text)


REASON_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("memory", re.compile(r"\b(oom|out of memory|memory|ram|vram|cuda oom|\d+(\.\d+)? ?(gb|gib)|pod size|"
                          r"doesn'?t fit|does not fit|index size)\b", re.I)),
    ("latency", re.compile(r"\b(latency|p9[59]|ms\b|ms/img|inference (time|cost|budget)|budget|real ?time|"
                           r"doubles inference)", re.I)),
    ("speed", re.compile(r"\b(slow\w*|too long|minutes?|mins?|min/run|hours?|hrs?|\d+ ?h\b|iteration( time)?|"
                         r"train(ing)? time|runtime|x slower|faster|speed|gpu time|refit|takes? \d+)", re.I)),
    ("stability", re.compile(r"\b(nan|diverg\w*|blew up|unstable|instabilit\w*|exploded|"
                             r"noisy (training|loss|gradients?|curves?)|loss spikes?)\b", re.I)),
    ("accuracy", re.compile(r"\b(worse|behind|hurt\w*|no gain|nothing|flat|no better|didn'?t help|lower|"
                            r"below|under|no improvement|lags?|within (the )?(seed )?noise|inside the noise|"
                            r"in the noise|no (real )?difference|leak\w*|void)\b", re.I)),
)

_NORM_SUB = re.compile(r"[_\-/]+")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9.:+']*[a-z0-9]|[a-z0-9]")


def norm(text: str) -> str:
    """Lowercase, with ``_ - /`` as spaces (patterns run on this)."""
    return _NORM_SUB.sub(" ", text.lower())


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """A tiny, deterministic suffix stripper: folds plurals, -ing/-ed, and derivations such as
    monotone / monotonic / monotonicity or encoder / encoding / encode onto one stem."""
    w = word
    if len(w) <= 3 or any(ch.isdigit() for ch in w):
        return w
    for suffix, repl in (("icity", ""), ("ically", ""), ("ical", ""), ("ities", ""), ("ity", ""),
                         ("ization", "iz"), ("isation", "iz"), ("ations", ""), ("ation", ""),
                         ("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: len(w) - len(suffix)] + repl
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    if len(w) >= 7 and w.endswith(("er", "or")) and not w.endswith(("ier", "eer")):
        w = w[:-2]  # encoder -> encod, booster -> boost
    if len(w) >= 6 and w.endswith("ic"):
        w = w[:-2]  # monotonic -> monoton
    if len(w) >= 5 and w.endswith("e") and w[-2] not in "aeiou":
        w = w[:-1]  # monotone -> monoton, encode -> encod
    return w


_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z][A-Z][a-z]")
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_ALNUM_NUM = re.compile(r"^([a-z]{1,3})(\d+)$|^(\d+)([a-z]{1,3})$")


def tokens(text: str) -> list[str]:
    """Stemmed content tokens (stopwords removed).

    Near forms are added too: the parts of camelCase words (``CrossEncoder`` -> cross, encod) and the
    number of a short prefixed number (``d128`` -> 128), so that "128-dim" meets "d128".
    """
    out = []
    for tok in _TOKEN.findall(norm(text)):
        tok = tok.strip(".:+'")
        if not tok or tok in STOPWORDS:
            continue
        out.append(tok if len(tok) <= 3 or tok.isdigit() else stem(tok))
        m = _ALNUM_NUM.match(tok)
        if m:
            out.append(m.group(2) or m.group(3))
    if _CAMEL.search(text):
        for word in re.findall(r"[A-Za-z0-9]+", text):
            if _CAMEL.search(word):
                out += [stem(p.lower()) for p in _CAMEL_PART.findall(word) if len(p) > 1]
    return out


def is_generic(tok: str) -> bool:
    return tok in GENERIC_STEMS or tok in STOPWORDS


GENERIC_STEMS = frozenset(stem(w) for w in GENERIC) | GENERIC


_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_QUANT = frozenset("?*{")


def _trigger(pattern: str) -> frozenset[str] | None:
    """Word prefixes (1-3 chars) one of which a match must start with; None when it cannot be told."""
    body = pattern[2:] if pattern.startswith(r"\b") else ""
    if not body:
        return None
    if body[0] == "(":
        close = body.find(")")
        group = body[1:close]
        if close < 0 or any(ch in group for ch in "()[]\\?*+{. ") or body[close + 1: close + 2] in _QUANT:
            return None
        alts = group.split("|")
        if not all(alts):
            return None
        return frozenset(a[:3] for a in alts)
    out = ""
    for i, ch in enumerate(body):
        if ch not in _ALNUM:
            break
        if i + 1 < len(body) and body[i + 1] in _QUANT:
            break
        out += ch
        if len(out) == 3:
            break
    return frozenset({out}) if out else None


# (concept, compiled pattern, trigger prefixes or None) for every pattern, in CONCEPTS order
_PATTERNS: tuple[tuple[Concept, re.Pattern[str], frozenset[str] | None], ...] = tuple(
    (c, pat, _trigger(src)) for c in CONCEPTS for src, pat in zip(c.patterns, c.compiled, strict=True)
)
_WORD_HEAD = re.compile(r"\b\w{1,3}")
_ALWAYS: tuple[int, ...] = tuple(i for i, entry in enumerate(_PATTERNS) if entry[2] is None)
_BY_HEAD: dict[str, tuple[int, ...]] = {}
for _i, _entry in enumerate(_PATTERNS):
    for _h in _entry[2] or ():
        _BY_HEAD[_h] = (*_BY_HEAD.get(_h, ()), _i)


@lru_cache(maxsize=1 << 16)
def _concepts_norm(t: str) -> tuple[tuple[str, tuple[tuple[int, int], ...]], ...]:
    todo: set[int] = set(_ALWAYS)
    for w in _WORD_HEAD.findall(t):
        for h in (w[:1], w[:2], w):
            got = _BY_HEAD.get(h)
            if got:
                todo.update(got)
    found: dict[str, list[tuple[int, int]]] = {}
    for i in sorted(todo):
        cpt, cpat, _ = _PATTERNS[i]
        for m in cpat.finditer(t):
            found.setdefault(cpt.id, []).append(m.span())
    for cid in list(found):
        for b in CLOSURE[cid]:
            found.setdefault(b, [])
    return tuple((cid, tuple(sp)) for cid, sp in found.items())


def concepts_in(text: str) -> dict[str, list[tuple[int, int]]]:
    """Concept id -> spans (in ``norm(text)``) where the concept is mentioned, with implied broader ones.

    Only the patterns whose literal head occurs at a word start of the text are run, and results are
    cached per distinct text, so mapping 100k runs' params and 50k sentences stays linear and cheap.
    """
    return {cid: list(sp) for cid, sp in _concepts_norm(norm(text))}


@lru_cache(maxsize=1 << 16)
def concept_frozenset(text: str) -> frozenset[str]:
    return frozenset(cid for cid, _ in _concepts_norm(norm(text)))


def concept_set(text: str) -> set[str]:
    return set(concept_frozenset(text))


def _closure(cid: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
    out: set[str] = set()
    for b in CONCEPT_BY_ID[cid].broader:
        if b not in seen and b != cid:
            out.add(b)
            out |= _closure(b, seen | {cid})
    return frozenset(out)


# concept -> every broader concept it implies (transitively)
CLOSURE: dict[str, frozenset[str]] = {c.id: _closure(c.id) for c in CONCEPTS}
# concept -> every narrower concept that implies it (transitively)
NARROWER: dict[str, frozenset[str]] = {
    c.id: frozenset(o.id for o in CONCEPTS if c.id in CLOSURE[o.id]) for c in CONCEPTS
}


def cover(concepts: Iterable[str]) -> frozenset[str]:
    """The concepts plus all they imply."""
    return _cover(concepts if isinstance(concepts, frozenset) else frozenset(concepts))


@lru_cache(maxsize=1 << 14)
def _cover(concepts: frozenset[str]) -> frozenset[str]:
    out = set(concepts)
    for c in concepts:
        out |= CLOSURE.get(c, frozenset())
    return frozenset(out)


def is_null_param(key: str, value: str) -> bool:
    v = value.strip().lower()
    if v in NULL_VALUES:
        return True
    return "weight" in key.lower() and v in WEIGHT_NULLS


def param_concepts(params: dict[str, str]) -> set[str]:
    """Concepts a run's params say were used."""
    out: set[str] = set()
    for key, value in params.items():
        out |= param_value_concepts(key, value)
    return out


@lru_cache(maxsize=1 << 16)
def param_value_concepts(key: str, value: str) -> frozenset[str]:
    """Concepts one ``key=value`` param says was used (cached: 100k runs share a few hundred values)."""
    k = key.lower()
    if is_null_param(k, value):
        return frozenset()
    out: set[str] = set()
    mapped = PARAM_KEY_CONCEPTS.get(k)
    if mapped:
        out.add(mapped)
        out |= CLOSURE[mapped]
    if k in ("seed", "random_state", "random_seed", "epochs", "batch_size", "lr", "learning_rate", "eta"):
        return frozenset(out)
    if k in OBJECTIVE_KEYS and value.strip().lower() in L2_OBJECTIVES:
        out.add("l2_loss")  # LightGBM/XGBoost/sklearn names of the plain squared-error objective
    if k.startswith("mlflow.") or len(value) > 200:
        return frozenset(out)
    out |= concept_frozenset(f"{k} {value}" if mapped == "" or k in MODEL_KEYS else value)
    return frozenset(out)


def stated_direction(text: str) -> str:
    """"min" / "max" when the text says which way the metric goes ("lower is better"), else ""."""
    return lexicon.stated_direction(text) or ""


def reason_kind(text: str) -> str:
    for kind, pat in REASON_PATTERNS:
        if pat.search(text):
            return kind
    return ""


def metric_goal(name: str) -> str:
    """"min" / "max": which way a metric key is better (``lexicon.metric_direction``)."""
    return lexicon.metric_direction(name)


def metric_words(name: str) -> set[str]:
    """Loose words a team uses for a tracker metric key (``val_pr_auc`` -> {"pr auc", "prauc", ...})."""
    n = norm(name)
    core = re.sub(r"^(val|valid|validation|test|eval|dev|holdout|oof)\s+", "", n).strip()
    words = {n, core, core.replace(" ", ""), n.replace(" ", "")}
    alias = {
        "roc auc": {"roc", "auc roc", "rocauc", "auroc"}, "auc": {"roc auc", "auroc"},
        "pr auc": {"prauc", "average precision", "ap", "auprc", "pr"}, "top1": {"top 1", "top-1", "accuracy"},
        "macro f1": {"macro-f1", "f1 macro", "macro f 1"}, "acc": {"accuracy"}, "f1": {"f 1"},
    }
    for k, vs in alias.items():
        if core == k:
            words |= vs
    return {w for w in words if w}


def join_names(items: Iterable[str], limit: int = 4) -> str:
    xs = [x for x in items if x][:limit]
    if len(xs) <= 1:
        return "".join(xs)
    return ", ".join(xs[:-1]) + " and " + xs[-1]


def _top_alternatives(pattern: str) -> list[str] | None:
    r"""``\b(a|b(c|d)|e)\b`` -> ["a", "b(c|d)", "e"]; None when the pattern is not one such group."""
    if not pattern.startswith(r"\b("):
        return None
    depth, start, alts = 0, 3, []
    i = 3
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                alts.append(pattern[start:i])
                rest = pattern[i + 1:]
                return alts if rest in ("", r"\b") else None
            depth -= 1
        elif ch == "|" and depth == 0:
            alts.append(pattern[start:i])
            start = i + 1
        i += 1
    return None


class _Prefiltered:
    """A cue regex run only when one of its alternatives' literal heads starts a word of the text."""

    def __init__(self, pat: re.Pattern[str]) -> None:
        self.pat = pat
        alts = _top_alternatives(pat.pattern)
        heads: set[str] | None = set()
        for alt in alts or [""]:
            trig = _trigger(r"\b" + alt) if alt else None
            if trig is None or heads is None:
                heads = None
                break
            heads |= trig
        self.heads = frozenset(heads) if heads is not None else None

    def hit(self, text: str, heads: set[str]) -> bool:
        if self.heads is not None and heads.isdisjoint(self.heads):
            return False
        return bool(self.pat.search(text))


def word_heads(text: str) -> set[str]:
    """The 1-3 character prefixes of the words of ``text`` (lowercased)."""
    heads: set[str] = set()
    for w in _WORD_HEAD.findall(text.lower()):
        heads.add(w[:1])
        heads.add(w[:2])
        heads.add(w)
    return heads


_FLAG_CUES = tuple(_Prefiltered(p) for p in (NEGATIVE_CUES, CLOSE_CUES, ADOPT_CUES, OPEN_CUES))


def cue_flags(text: str) -> tuple[bool, bool, bool, bool]:
    """(negative, closing, adopting, opening) of a sentence, with one word scan for all four cue lists."""
    heads = word_heads(text)
    neg, close, adopt, opening = (c.hit(text, heads) for c in _FLAG_CUES)
    return neg, close, adopt, opening
