"""The shared vocabulary of ML work: model families, parameter and metric names, verdict cues.

Data plus small pure functions, so that structuring, linking and synthesis agree on what words mean.
Everything is lowercase; callers lowercase their text before matching.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Literal

from narrative import concepts, outcome_phrases

Direction = Literal["max", "min"]

# Model families: concept id -> the ways people (and run params) spell it, read from the one concept
# table (``narrative.concepts``) so that linking, structuring and synthesis name a family alike. An
# alias matches a whole word (or a run param value token), so short aliases like "rf" do not fire
# inside words.
MODEL_FAMILIES: dict[str, tuple[str, ...]] = {
    c.id: tuple(dict.fromkeys(a.lower() for a in (*c.aliases, *c.value_aliases))) for c in concepts.FAMILIES
}
# family -> its ancestor families ("qlora" -> "lora"): when both are found in one place the narrower wins
_FAMILY_PARENTS: dict[str, frozenset[str]] = {}


def _ancestors(cid: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
    out: set[str] = set()
    for b in concepts.CONCEPT_BY_ID[cid].broader:
        if b not in seen:
            out.add(b)
            out |= _ancestors(b, seen | {cid})
    return frozenset(out)


for _fam in MODEL_FAMILIES:
    _FAMILY_PARENTS[_fam] = _ancestors(_fam) & MODEL_FAMILIES.keys()

# Parameter names people say -> substrings of the run's param keys they can mean. The key itself
# always matches too (``max_depth`` in text matches the param ``max_depth``).
PARAM_ALIASES: dict[str, tuple[str, ...]] = {
    "lr": ("learning_rate", "lr", "eta"),
    "learning rate": ("learning_rate", "lr", "eta"),
    "eta": ("eta", "learning_rate"),
    "depth": ("max_depth", "depth"),
    "max depth": ("max_depth", "depth"),
    "d": ("max_depth", "depth"),
    "trees": ("n_estimators", "iterations", "num_boost_round", "num_trees"),
    "estimators": ("n_estimators",),
    "rounds": ("num_boost_round", "n_estimators", "iterations"),
    "iterations": ("iterations", "n_estimators"),
    "iters": ("iterations", "n_estimators"),
    "leaves": ("num_leaves",),
    "num leaves": ("num_leaves",),
    "spw": ("scale_pos_weight",),
    "pos weight": ("scale_pos_weight", "pos_weight"),
    "bs": ("batch_size",),
    "batch": ("batch_size",),
    "batch size": ("batch_size",),
    "ep": ("epochs",),
    "eps": ("epochs",),
    "epoch": ("epochs",),
    "epochs": ("epochs",),
    "ls": ("label_smoothing",),
    "label smoothing": ("label_smoothing",),
    "p": ("tweedie_variance_power", "power"),
    "power": ("tweedie_variance_power", "power"),
    "seed": ("seed",),
    "seeds": ("seed",),
    "t": ("temperature",),
    "temp": ("temperature",),
    "temperature": ("temperature",),
    "alpha": ("alpha",),
    "gamma": ("gamma",),
    "thr": ("threshold",),
    "threshold": ("threshold",),
    "w": ("weight",),
    "weight": ("weight",),
    "img": ("img_size", "image_size", "resolution"),
    "res": ("img_size", "image_size", "resolution"),
    "resolution": ("img_size", "image_size", "resolution"),
    "image size": ("img_size", "image_size", "resolution"),
    "dropout": ("dropout",),
    "hidden": ("hidden",),
    "wd": ("weight_decay",),
    "weight decay": ("weight_decay",),
    "warmup": ("warmup",),
    "max len": ("max_len", "max_length", "max_seq_len"),
    "maxlen": ("max_len", "max_length"),
    "seq len": ("max_len", "max_seq_len", "max_length", "seq_len"),
    "c": ("c",),
    "k": ("k", "n_neighbors", "top_k"),
    "rank": ("rank", "lora_r", "r"),
    "r": ("lora_r", "rank"),
    "contamination": ("contamination",),
    "bottleneck": ("bottleneck",),
    "shots": ("n_shots", "shots"),
    "horizon": ("horizon",),
    "season": ("season_length",),
    "quantile": ("alpha", "quantile", "tau", "q"),
    "delta": ("delta", "huber_delta", "alpha"),
    "huber delta": ("huber_delta", "delta", "alpha"),
}

# Words that appear before a number and name a parameter ("depth 4", "lr .05", "bs=1024").
# Longest first so "learning rate" wins over "rate".
PARAM_WORDS: tuple[str, ...] = tuple(sorted(PARAM_ALIASES, key=len, reverse=True))

# Words that appear after a number and name a parameter ("1500 trees", "30 ep", "3ep").
PARAM_SUFFIX_WORDS: dict[str, str] = {
    "trees": "trees", "tree": "trees", "estimators": "trees", "rounds": "rounds", "iterations": "iterations",
    "iters": "iterations", "ep": "epochs", "eps": "epochs", "epoch": "epochs", "epochs": "epochs",
    "leaves": "leaves", "layers": "layers", "px": "img", "bits": "bits", "folds": "folds", "shots": "shots",
}

# Metric names as spoken -> substrings of metric keys (checked in order; first key found wins).
METRIC_ALIASES: dict[str, tuple[str, ...]] = {
    "pr-auc": ("pr_auc", "prauc", "average_precision", "aucpr", "ap"),
    "pr auc": ("pr_auc", "prauc", "average_precision", "aucpr", "ap"),
    "prauc": ("pr_auc", "prauc", "aucpr"),
    "auprc": ("pr_auc", "auprc", "aucpr", "average_precision"),
    "average precision": ("average_precision", "pr_auc", "ap"),
    "pr": ("pr_auc", "prauc", "aucpr", "average_precision"),
    "roc-auc": ("roc_auc", "auc"),
    "roc auc": ("roc_auc", "auc"),
    "roc": ("roc_auc", "auc"),
    "auroc": ("roc_auc", "auroc", "auc"),
    "auc": ("auc",),
    "macro f1": ("macro_f1", "f1_macro", "f1"),
    "macro-f1": ("macro_f1", "f1_macro", "f1"),
    "f1": ("f1",),
    "f-1": ("f1",),
    "precision": ("precision",),
    "recall": ("recall",),
    "accuracy": ("acc",),
    "acc": ("acc",),
    "top1": ("top1", "top_1", "acc"),
    "top-1": ("top1", "top_1", "acc"),
    "logloss": ("logloss", "log_loss"),
    "log loss": ("logloss", "log_loss"),
    "loss": ("loss",),
    "brier": ("brier",),
    "rmse": ("rmse",),
    "mae": ("mae",),
    "mape": ("mape",),
    "smape": ("smape",),
    "wape": ("wape",),
    "mse": ("mse",),
    "r2": ("r2",),
    "ndcg": ("ndcg",),
    "map": ("map",),
    "mrr": ("mrr",),
    "hit rate": ("hit_rate", "hitrate", "hr"),
    "bleu": ("bleu",),
    "rouge": ("rouge",),
    "perplexity": ("perplexity", "ppl"),
    "ppl": ("ppl", "perplexity"),
    "latency": ("latency",),
    "p95": ("p95",),
    "bias": ("bias",),
    "exact match": ("exact_match", "em"),
    "win rate": ("win_rate",),
    "normalized entropy": ("ne", "normalized_entropy", "norm_entropy"),
    "normalised entropy": ("ne", "normalized_entropy", "norm_entropy"),
    "recall at": ("recall_at",),
    "recall@": ("recall_at",),
}
METRIC_WORDS: tuple[str, ...] = tuple(sorted(METRIC_ALIASES, key=len, reverse=True))

# Metric families by direction, as whole words of a metric key ("val_ne" -> "ne"). A key is read
# head first: in "recall_at_1fpr" the head is "recall" and "1fpr" is only the operating point.
LOWER_IS_BETTER_WORDS: frozenset[str] = frozenset({
    "loss", "logloss", "nll", "error", "err", "errors", "rmse", "rmsle", "mse", "mae", "mape", "wape", "smape",
    "mase", "brier", "ece", "perplexity", "ppl", "latency", "ms", "seconds", "secs", "sec", "time", "duration",
    "cost", "bias", "cer", "wer", "fpr", "fnr", "far", "eer", "ne", "entropy", "crps", "pinball", "deviance",
    "regret", "memory", "mb", "gb", "size", "misses", "miscalibration",
    # distances and distortions of generated output, bits per unit, error rates by their initials
    "fid", "kid", "lpips", "bpc", "bpd", "bpb", "kl", "kld", "divergence", "distortion", "mcd", "der", "ter",
    "epe", "ade", "fde", "bce",
})
HIGHER_IS_BETTER_WORDS: frozenset[str] = frozenset({
    "auc", "auroc", "auprc", "aucpr", "roc", "ap", "f1", "fbeta", "f2", "recall", "precision", "accuracy", "acc",
    "ndcg", "map", "mrr", "hitrate", "hit", "hits", "win", "winrate", "r2", "bleu", "rouge", "meteor", "chrf",
    "tpr", "sensitivity", "specificity", "coverage", "top1", "top5", "em", "exact", "match", "kappa", "mcc",
    "iou", "miou", "dice", "psnr", "ssim", "throughput", "qps", "gain", "lift", "ctr", "reward", "score",
    "likelihood", "correlation", "spearman", "pearson", "gini", "ks",
})
# Substrings that mark a lower-is-better key even inside a compound word ("valloss", "trainrmse").
LOWER_IS_BETTER: tuple[str, ...] = ("loss", "error", "rmse", "mape", "wape", "perplexity", "latency", "brier")
# Last resort for keys none of whose words is a known family: lower-is-better fragments anywhere in the
# key ("valerr", "p95_ms", "calibration_error", "norm_entropy", "val_ne").
_LOWER_IS_BETTER_FRAGMENT = re.compile(
    r"(loss|err|rmse|mse|mae|mape|wape|smape|brier|latency|logloss|perplexity|ppl|wer|cer|bias|"
    r"_ms\b|seconds|time|cost|fpr|fnr|entropy|nll|\bece\b|(^|_)ne($|_)|calibration_error)"
)
_CONDITION_WORDS = frozenset({"at", "for", "given", "when", "under", "per"})

# Verdict cues. Matched as substrings of a lowercased clause (with word boundaries where written
# with a leading/trailing space). Negative cues win over positive ones inside one clause.
NEGATIVE_CUES: tuple[str, ...] = (
    "didn't help", "did not help", "doesn't help", "does not help", "didnt help", "no help", "not help",
    "didn't work", "did not work", "doesn't work", "didnt work", "not working", "no gain", "no improvement",
    "no better", "not better", "no lift", "not faster", "not worth", "isn't worth", "wasn't worth",
    "worse", "worst", "hurt", "hurts", "hurting", "dnf", "dead", "parking", "park it", "parked", "shelving", "shelve",
    "shelved", "dropping", "drop it", "dropped it", "abandon", "giving up", "give up", "gave up", "not pursuing",
    "not spending", "stop tuning", "no more", "is out", "ruled out", "rule out", "not shippable",
    "unshippable", "oom", "ooms", "oomed", "out of memory", "blew up", "blown up", "exploded", "diverged", "diverge",
    "went nan", "nan loss", "loss nan", "crashed", "died", "killed", "failed", "timed out", "timeout",
    "flat", "nothing", "no change", "no difference", "under plain", "lower than", "dropped",
    "went down", "overfit", "leak", "fiction", "bogus", "can't trust", "cannot trust", "don't transfer",
    "doesn't transfer", "didn't transfer", "adds nothing", "added nothing", "slower", "too slow",
    "not convinced", "closing", "closed", "kill it", "killing it", "scrap", "scrapped",
    "regress", "tanked", "so no", "not in prod", "no longer",
    "meh", "useless", "broke", "broken", "over budget", "too expensive",
    "❌", "👎", "💀", "😬", "🙃", "retiring", "retire", "retired", "void", "voided", "too conservative",
    "too aggressive", "too noisy", "too unstable", "overfit*", "overfitting", "overfits", "nope",
    # leaked data, not a LeakyReLU ("leak*" read "switched to leakyrelu" as a failed idea)
    "leaks", "leaked", "leaking", "leakage", "leaky split", "leaky feature", "leaky features", "is leaky", "as leaky",
    "was leaky", "are leaky", "were leaky", "too leaky",
    "lost to", "loses to", "lose to", "underperform*", "no quality", "no win", "not a win", "no real gain",
    "not helpful", "unhelpful", "not usable", "unusable", "regressed", "did nothing", "does nothing",
    "brings nothing", "bought nothing", "buys nothing", "doesn't buy", "didn't buy", "not retrying",
    "not re-running", "won't retry", "reverting", "revert", "reverted", "rolled back", "roll back",
    "backfire*",
    "contaminat*", "too good to be true", "collapsed", "collapses", "collapsing", "mode collapse",
    "slowed down", "slows down", "slowed", "negatively", "crash*", "catastrophic forgetting", "unlearn*",
    # said plainly of a thing tried: "the mixup thing was a bust", "cutout was a dud", "a waste of time"
    "a bust", "a dud", "was a flop", "flopped", "waste of time", "no dice", "didn't pan out", "did not pan out",
    "doesn't pan out", "never panned out", "didn't work out", "did not work out",
    # an attempt that came to nothing: "tried lr 1e-4 or 1e-5 but with no success", "to no avail", "in vain"
    "to no avail", "in vain", "unsuccessful", "unsuccessfully",
    # round 16: "It didn't make a difference" (a thing that "made a difference" worked)
    "didn't make a difference", "did not make a difference", "doesn't make a difference", "does not make a difference",
    "didn't make any difference", "didn't make much difference", "doesn't make much difference",
)
# Negative verdicts that need a little grammar: "no <quality> win", "not <much of> a gain".
NEGATIVE_PATTERNS: tuple[re.Pattern[str], ...] = (
    # "still behind xgb"; not "put it behind the hybrid retrieval" (a place in a pipeline)
    re.compile(r"(?<!\bit )(?<!\bthem )(?<!\bthis )(?<!\bthat )(?<!\bthese )(?<![\w'])behind\b"),
    re.compile(r"\bno\s+(?:\w+\s+){0,2}(?:win|gain|lift|uplift|boost|improvement|benefit|upside)s?\b"),
    # A gain named, then denied its size ("the boost from CSCL itself is not significant", "the gain was negligible",
    # "improvements are marginal at best"); "the gain is significant", "not significant" of a cost and "the boost is
    # within noise" (inconclusive) keep their old reading
    re.compile(r"\b(?:gain|boost|lift|uplift|improvement|benefit)s?\b[^.;!?]{0,50}?\b(?:is|was|are|were|seems?|"
               r"looks?|remains?|stays?)\s{1,3}(?:(?:still|very|rather|pretty|quite|fairly|really)\s{1,3})?(?:not\s{1,3}"
               r"(?:(?:statistically|that|very|really|so)\s{1,3})?significant|insignificant|negligible|marginal)\b"),
    re.compile(r"\bnot\s+(?:a\s+|any\s+|much\s+(?:of\s+a\s+)?)?(?:win|gain|improvement|better)\b"),
    re.compile(r"\bso\s+no\b"),
    # "the rpn's recall is very low", "accuracy is still so low": a task's score told low ("the loss is very low" is
    # good; "the variance of the accuracy is very low" is not the score)
    re.compile(r"(?<!\bof )(?<!\bof the )\b(?:acc|accuracy|recall|precision|m?ap|f1|auc|bleu|m?iou|dice|ndcg)\s+"
               r"(?:is|was|are|were|remains|remained|stays|stayed|looks|seems)\s+(?:still\s+)?(?:very|so|really|"
               r"extremely|quite|pretty|rather|super|way)\s+low\b"),
    # "I also test with batch_size = 200, 250, 300 but it is still unchangeable": nothing moved after a change
    # ("the config is still unchanged from the paper" tells a setting kept, not a result)
    re.compile(r"\b(?:it|this|that|they|results?|outputs?|predictions?|scores?|accuracy|acc|loss|metrics?|performance|"
               r"f1|map|auc|recall|precision)\s{1,3}(?:(?:is|are|was|were|stays|remains)\s{1,3})?still\s{1,3}"
               r"(?:unchanged|unchangeable|not\s{1,3}changing)\b"),
    # "but with no success", "without any success"; "no success criteria yet", "the success rate" name a measure
    re.compile(r"\b(?:with\s+no|without(?:\s+any)?|no)\s+success\b(?!\s+(?:criteri\w*|metrics?|rates?|measures?|"
               r"definitions?|conditions?|cases?|signals?)\b)"),
    # A whitespace run is entered at its start only (linear on any paste, issue 11); the same texts match.
    re.compile(r"(?:^|[,;:(]|(?<!\s)\s)\s*(?:(?:-|→|->)\s*)?nope\b"),
    # A failure named without a verdict word. A blow-up told in the present ("the loss explodes after 50 epochs";
    # kept "from exploding", "to avoid diverging" is the trouble prevented), "fail" as a result's label ("result: fail
    # - explodes"), a collapse that came later ("okay until epoch 140, then collapse").
    re.compile(r"(?<!from )(?<!prevent )(?<!avoid )(?<!stop )(?<!keep )(?<!the )(?<!a )(?<!an )"
               r"\b(?:explod(?:es|ing)|diverg(?:es|ing))\b"
               r"(?!\s+(?:gradients?|loss(?:es)?|problems?|issues?)\b)"),
    re.compile(r"(?:[:=]|->|→|=>)\s{0,3}fail(?:ed|ure|s)?\s{0,3}(?:$|[-–—,;.!(])"),
    re.compile(r"\b(?:then|and|but)\s{1,3}(?:it\s{1,3})?collapse\b"),
    # A degenerate model ("predicts the same output for every input", "keeps on selecting only one of the classes",
    # "the outputs of the model are always the same class", "generator samples same mode"); "the same class weights
    # for every run", "outputs the same class as the teacher" describe a set-up or a match.
    re.compile(r"\bsame\s{1,3}(?:[\w-]{1,20}\s{1,3})?(?:class|output|prediction|label|token|answer)s?\s{1,3}"
               r"(?:for|on|to|regardless|no\s{1,3}matter|across)\s{1,3}(?:of\s{1,3})?(?:every|all|each|any|what)\b"),
    re.compile(r"\b(?:always|keeps?\s{1,3}(?:on\s{1,3})?)(?:[\w-]{1,20}\s{1,3})?[a-z]{0,6}(?:predict|output|select|return|"
               r"generat|choos|pick)\w{0,4}\s{1,3}(?:only\s{1,3})?(?:the\s{1,3}same|one\s{1,3}of\s{1,3}the|a\s{1,3}single)"
               r"\s{1,3}(?:[\w-]{1,20}\s{1,3})?(?:class|output|label|token|answer|categor)\w{0,4}\b(?!\s{1,3}as\b)"),
    re.compile(r"\b(?:outputs?|predictions?)\s{1,3}(?:of\s{1,3}(?:the|my|our)\s{1,3}[\w-]{1,20}\s{1,3})?(?:are|is|were|was)"
               r"\s{1,3}always\s{1,3}the\s{1,3}same\b"),
    re.compile(r"\b(?:samples?|generates?|produces?)\s{1,3}(?:the\s{1,3})?same\s{1,3}mode\b"),
    # "accuracy staying about the same", "val f1 stayed flat": a measure that did not move after a change
    re.compile(r"\b(?:acc(?:uracy)?|f1|auc|scores?|bleu|map|iou|dice|recall|precision|metrics?)\s{1,3}"
               r"(?:scores?\s{1,3})?(?:stay(?:s|ed|ing)?|remain(?:s|ed|ing)?)\s{1,3}(?:about\s{1,3}|roughly\s{1,3}|"
               r"basically\s{1,3}|pretty\s{1,3}much\s{1,3})?(?:the\s{1,3}same|unchanged|flat)\b"),
    # "I now get an error at the trainer", "we keep getting the same exception": an error met is a failure; an error
    # rate, an error bar or "error analysis" is a measure or a method, "if I get an error" a condition, and "the
    # expected error message" what a check wanted.
    re.compile(r"(?<!\bif )\b(?:i|we)\s{1,3}(?:now\s{1,3}|still\s{1,3}|then\s{1,3}|just\s{1,3})?(?:get|got|getting|"
               r"hit|am\s{1,3}getting|keep\s{1,3}getting)\s{1,3}(?:an?|the|this|that|same|the\s{1,3}same)\s{1,3}"
               r"(?!(?:expected|intended|correct|right|proper|desired)\b)(?:[\w-]{1,20}\s{1,3}){0,2}?(?:error|exception|segfault|traceback)s?\b"
               r"(?!\s{1,3}(?:rates?|of|bars?|analysis|metrics?|curves?|is|was)\b)"),
    *outcome_phrases.NEGATIVE,   # round 18: a stall, a breakdown named or caused
)
# A success told as a target met rather than with a verdict word: the reported numbers reproduced ("we have reproduced
# the reported results", "finally reproduced the paper's mAP"), the result sought obtained ("I got the desired result",
# "reached the expected accuracy"). Denied or still sought ("couldn't reproduce the reported results", "trying to get
# the desired result", "how to get the expected accuracy") and a bug reproduced are no success.
POSITIVE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<!n't )(?<!not )(?<!never )(?<!yet )(?<!to )\b(?:(?:successfully|finally|now)\s{1,3})?"
               r"reproduced\s{1,3}(?:the|their|your|its|all\s{1,3}the|paper'?s?)\s{1,3}(?:[\w'-]{1,20}\s{1,3}){0,2}?"
               r"(?:results?|numbers|scores?|accuracy|performance|m?ap|ap|bleu|f1|metrics?|ppl|perplexity)\b"),
    re.compile(r"(?<!n't )(?<!not )(?<!never )(?<!cannot )(?<!to )\b(?:got|obtained|achieved|reached|matched|hit)"
               r"\s{1,3}(?:the\s{1,3})?(?:desired|expected|reported|target|paper'?s?)\s{1,3}(?:[\w'-]{1,20}\s{1,3}){0,2}?"
               r"(?:results?|numbers|scores?|accuracy|performance|m?ap|ap|bleu|f1|metrics?)\b"),
    # Round 16: a thing judged worth having after use ("the probe is hugely valuable", "it was invaluable for me",
    # "What really made a difference was lr .05", "MTE and PRN also contribute to performance"). "it would be valuable
    # to try X" is a wish, "valuable insights" an attribute, "made no difference" a failure, "data is valuable" no try.
    re.compile(r"(?<!\bdata )(?<!\bdataset )(?<!\bfeedback )(?<!\binformation )(?<!\btime )\b(?:is|was|are|were|"
               r"proved|proves|been)\s{1,3}(?:(?:hugely|very|really|extremely|quite|super|incredibly|so|most)\s{1,3})?"
               r"(?:in)?valuable\b(?!\s{1,3}to\s{1,3}(?!me\b|us\b))"),
    re.compile(r"(?<!n't )(?<!not )(?<!never )\b(?:made|makes)\s{1,3}(?:a|all\s{1,3}the)\s{1,3}"
               r"(?:(?:big|huge|real|massive|significant|noticeable|clear)\s{1,3})?difference\b"),
    re.compile(r"(?<!n't )(?<!not )(?<!never )\b(?:contribute[sd]?|contributing)\s{1,3}"
               r"(?:(?:\w+ly|a\s{1,3}lot|much)\s{1,3})?to\s{1,3}(?:the\s{1,3})?(?:[\w-]{1,20}\s{1,3})?(?:performance|accuracy|results?|gains?|improvements?)\b"),
    *outcome_phrases.POSITIVE,   # round 18: a change that cost no score
)
POSITIVE_CUES: tuple[str, ...] = (
    "best", "big jump", "jump", "better", "improv", "win", "wins", "helped", "helps", "works", "worked",
    "gain", "beats", "beat ", "new best", "up to", "lifts", "lift", "boost", "🎉", "✅", "👍", "🚀",
    "clearly the way", "way to go", "real", "solid", "nice", "great", "good", "keeping", "going with",
    "sticking with", "ship", "candidate", "comfortably", "essential", "crucial", "indispensable", "positively",
)
INCONCLUSIVE_CUES: tuple[str, ...] = (
    "inside the noise", "within noise", "within the noise", "coin flip", "inconclusive", "unclear",
    "not sure", "hard to say", "mixed", "noise", "~same", "about the same", "roughly the same", "on par",
    "tie", "wash",
)

NEXT_STEP_CUES: tuple[str, ...] = (
    "next:", "next up", "next week", "next step", "next i", "next we", "next,", "next -", "next ",
    "tomorrow", "tmrw", "tmr", "todo", "to do:", "to-do", "plan:", "plan is", "plan ", "want to",
    "wanna", "going to", "gonna", "will ", "i'll", "we'll", "let's", "lets ", "monday", "tuesday",
    "wednesday", "thursday", "friday", "need to", "needs to", "should try", "could try", "worth trying",
    "idea", "then ", "thinking we", "thinking of", "first)", "first.", " first", "follow up", "follow-up",
)
QUESTION_CUES: tuple[str, ...] = (
    "?", "q:", "open q", "open:", "open question", "question", "not sure", "unsure", "wonder",
    "would love a", "2nd pair of eyes", "second pair of eyes", "need to ask", "ask ", "either",
    "whether", "no idea", "unclear", "check how", "check if", "check whether", "is it",
)

# Phrases that announce a change of the primary metric.
METRIC_SWITCH_CUES: tuple[str, ...] = (
    "primary metric", "main metric", "north star", "headline metric", "optimise for", "optimize for",
    "optimising for", "optimizing for", "we optimise", "we optimize", "switching the metric",
    "switch the metric", "switching to", "switch to", "judge on", "judged on", "target metric",
    "from now on", "metric is now", "metric to",
)
ADOPT_CUES: tuple[str, ...] = (
    "going with", "go with", "sticking with", "stick with", "keeping", "keep ", "switching to",
    "switch to", "it'll be", "ship candidate", "is the candidate", "is our", "adopt", "settle on",
    "settled on", "from here on", "from now on",
)
ABANDON_CUES: tuple[str, ...] = (
    "dead", "parking", "parked", "shelving", "shelved", "dropping", "abandon", "not pursuing",
    "no more", "is out", "ruled out", "giving up", "stop tuning", "not spending", "closing",
    "not worth", "stop touching", "is done", "void", "retiring", "retire", "retired", "not retrying",
)
FAILURE_CUES: tuple[str, ...] = (
    "oom", "out of memory", "blew up", "blown up", "exploded", "nan", "diverged", "crashed", "died",
    "killed", "failed", "fail", "timed out", "timeout", "segfault", "broke", "didn't finish",
    # a run that stopped on an error; "the error went up to 140" is a measure, not a failure
    "an error", "errored", "errors out", "error out", "error message", "cuda error", "runtime error",
    "runtimeerror", "traceback", "exception",
    "did not finish", "never finished", "stuck", "diverg*", "crash*", "explod*", "segfault*", "oom*",
    "went nan", "nan'd", "hung", "hangs",
    # a process the system stopped: "Segmentation fault: 11", "core dumped", "bus error"
    "segmentation fault", "core dumped", "bus error", "illegal instruction",
)
# Failure of the training, not of the process: a run that diverged or went NaN often runs to its end and is
# logged as finished, so these words alone do not tell a failed start from a finished run of the same settings.
DIVERGENCE_CUES: tuple[str, ...] = (
    "blew up", "blown up", "exploded", "explod*", "nan", "went nan", "nan'd", "diverged", "diverg*", "stuck",
)
PROCESS_FAILURE_CUES: tuple[str, ...] = tuple(c for c in FAILURE_CUES if c not in DIVERGENCE_CUES)

# Param-value tokens too common to tell runs apart.
STOP_TOKENS: frozenset[str] = frozenset({
    "none", "true", "false", "default", "defaults", "base", "basic", "all", "the", "and", "with", "on",
    "off", "yes", "no", "v1", "v2", "v3", "1", "0", "model", "x", "a", "of", "to", "in", "auto",
})

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lowercase alphanumeric words of ``text`` (underscores, dashes, plus signs split words)."""
    return _WORD.findall(text.lower())


def contains_phrase(text: str, phrase: str) -> bool:
    """``phrase`` in lowercase ``text`` as whole words (emoji and punctuation cues as substrings)."""
    if not phrase or not any(ch.isalnum() for ch in phrase):
        return phrase in text
    start = 0
    while True:
        index = text.find(phrase, start)
        if index < 0:
            return False
        before = text[index - 1] if index else " "
        end = index + len(phrase)
        after = text[end] if end < len(text) else " "
        left_ok = not (phrase[0].isalnum() and before.isalnum())
        right_ok = not (phrase[-1].isalnum() and after.isalnum())
        if left_ok and right_ok:
            return True
        start = index + 1


# "Rotation is done like this:", "augmentation is done on the fly", "tokenization was done with BPE": the passive
# of doing, told with its manner, is how a step is carried out; "X is done" alone, "done with X" and "we are done
# with X" still close the line
_DONE_AS_PERFORMED = re.compile(
    r"(?<!\bi )(?<!\bwe )(?<!\byou )(?<!\bthey )\b((?:is|are|was|were|be|been|being|gets?|got)\s{1,3})done"
    r"(?=\s{1,3}(?:like|per|on|with|by|in|using|via|at|as|through|inside|during|before|after|once|twice|again|"
    r"separately|manually|offline|online|automatically|here|there|similarly|differently|first|only|beforehand|"
    r"(?:this|that|the\s{1,3}same)\s{1,3}way|for\s{1,3}(?:each|every|all))\b)", re.IGNORECASE)


def done_as_performed(text: str) -> str:
    """``text`` with each "done" that tells how a step is carried out written "performed" (no closing cue)."""
    return _DONE_AS_PERFORMED.sub(r"\1performed", text) if "done" in text.lower() else text


_IT_IS_CHOICE = re.compile(r"\w\s+it\s+is\s*[.!]*\s*$")


def has_cue(text: str, cues: tuple[str, ...]) -> bool:
    """Whether any cue occurs in lowercase ``text`` (word-bounded at its alphanumeric ends; a cue
    ending in ``*`` matches the start of a word: ``overfit*`` finds "overfitting")."""
    for cue in cues:
        if cue.endswith("*"):
            if re.search(rf"(?<![a-z0-9]){re.escape(cue[:-1])}", text):
                return True
        elif contains_phrase(text, cue):
            return True
    if cues is NEGATIVE_CUES:
        return any(p.search(text) for p in NEGATIVE_PATTERNS)
    # "lightgbm it is." — a choice, said at the end of a clause (not "it is a leak").
    return (cues is POSITIVE_CUES or cues is ADOPT_CUES) and bool(_IT_IS_CHOICE.search(text))


def families_in(text: str) -> set[str]:
    """Canonical model families mentioned in lowercase ``text``."""
    hits: list[tuple[str, int, int]] = []
    for family, aliases in MODEL_FAMILIES.items():
        for alias in aliases:
            start = _phrase_at(text, alias)
            if start >= 0:
                hits.append((family, start, start + len(alias)))
    # an alias inside a longer alias of another family is part of that name ("transformer" in
    # "vision transformer", "nn" in "k-nn")
    found = {f for f, a, b in hits if not any(g != f and a2 <= a and b <= b2 and (b2 - a2) > (b - a)
                                             for g, a2, b2 in hits)}
    return _narrowest(found)


def _phrase_at(text: str, phrase: str) -> int:
    """Where ``phrase`` first occurs in ``text`` as whole words, or -1."""
    start = 0
    while True:
        index = text.find(phrase, start)
        if index < 0:
            return -1
        end = index + len(phrase)
        before = text[index - 1] if index else " "
        after = text[end] if end < len(text) else " "
        if not (phrase[0].isalnum() and before.isalnum()) and not (phrase[-1].isalnum() and after.isalnum()):
            return index
        start = index + 1


def family_ancestors(family: str) -> frozenset[str]:
    """The families a family belongs to ("xgboost" -> "gbm", "qlora" -> "lora")."""
    return _FAMILY_PARENTS.get(family, frozenset())


def _narrowest(found: set[str]) -> set[str]:
    """Drop a family whose narrower family was found too ("qlora" names QLoRA, not also LoRA)."""
    if len(found) < 2:
        return found
    implied = set().union(*(_FAMILY_PARENTS.get(f, frozenset()) for f in found))
    return found - implied


# A class name as code writes it ("XGBClassifier", "sklearn.ensemble.RandomForestRegressor"): capitals start
# its words, dots separate its module path.
_NAME_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMEL_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


@functools.lru_cache(maxsize=4096)
def spoken_identifier(value: str) -> str:
    """How people say a class name a run logged as its model: "XGBClassifier" -> "xgb classifier",
    "sklearn.neighbors.KNeighborsRegressor" -> "k neighbors regressor"; "" for anything else (a value with
    spaces, a lowercase word, a number), which is read as it is."""
    parts = value.strip().split(".")
    name = parts[-1]
    if (len(value) > 200 or not all(_NAME_PART.fullmatch(p) for p in parts) or not name[0].isupper()
            or not any(c.islower() for c in name)):
        return ""
    words = _CAMEL_WORD.findall(name)
    return " ".join(words).lower() if len(words) >= 2 else ""


@functools.lru_cache(maxsize=4096)
def family_of_value(value: str) -> frozenset[str]:
    """Families a run's param value (e.g. ``"distilbert-base-uncased"``, ``"XGBClassifier"``) belongs to."""
    spoken = spoken_identifier(value)
    if not spoken:
        return _family_of_value(value)
    # the class's own name, not its module path ("sklearn.ensemble" is no ensemble), read as written first
    return _family_of_value(value.strip().rsplit(".", 1)[-1]) or frozenset(families_in(spoken))


def _family_of_value(value: str) -> frozenset[str]:
    lowered = value.lower()
    tokens = set(re.split(r"[^a-z0-9]+", lowered)) | {lowered}
    hits: dict[str, str] = {}
    for family, aliases in MODEL_FAMILIES.items():
        for alias in aliases:
            if alias in tokens or (len(alias) >= 4 and alias.replace(" ", "_") in lowered):
                hits[family] = alias
                break
    # "bert" inside "roberta", "distilbert", "bert4rec": part of the longer family's name
    found = {f for f, alias in hits.items() if not any(
        g != f and len(other) > len(alias) and alias in other and other in lowered for g, other in hits.items())}
    return frozenset(_narrowest(found))


def _metric_words(text: str) -> list[str]:
    """Words of a metric name with operating-point digits dropped ("1fpr" -> "fpr", "p99" kept)."""
    found = []
    for word in re.split(r"[^a-z0-9]+", text.lower().replace("@", "_at_")):
        if not word:
            continue
        stripped = word.lstrip("0123456789") or word
        found.append(stripped)
    return found


# Words that measure or qualify the quantity a key names, never its head: a unit ("latency_ms", "index_mb") and
# "score", which any metric may carry ("fid_score" is a FID, "bleu_score" a BLEU).
_NO_HEAD = frozenset({"ms", "time", "size", "mb", "gb", "score"})


def _direction_of_words(found: list[str]) -> Direction | None:
    if any(w in HIGHER_IS_BETTER_WORDS for w in found):
        heads = [w for w in found if (w in HIGHER_IS_BETTER_WORDS or w in LOWER_IS_BETTER_WORDS) and w not in _NO_HEAD]
        if any(w in LOWER_IS_BETTER_WORDS for w in heads):
            # a compound names its last family word ("top5_err" is an error of the top-5 guess, "dice_loss" a
            # loss, "acc_err" an error rate): what comes before says of what; an area under a curve is the
            # curve's ("error_rate_auc", "loss_auc" are better lower)
            while len(heads) > 1 and heads[-1] == "auc":
                heads.pop()
            return "max" if heads[-1] in HIGHER_IS_BETTER_WORDS else "min"
        return "max"
    if any(w in LOWER_IS_BETTER_WORDS for w in found) or any(f in w for w in found for f in LOWER_IS_BETTER):
        return "min"
    return None


def metric_direction(metric_key: str) -> Direction:
    """``min`` for losses, errors, entropies (NE, NLL), calibration errors (ECE), latencies and costs;
    ``max`` for scores and rates of hits. The one answer to "which way is better" for every module.

    The head of the name decides: in ``recall_at_1fpr`` or ``precision@5`` what follows "at" is an
    operating point, so the metric is a recall (higher is better) although "fpr" is a lower-is-better word.
    """
    found = _metric_words(metric_key)
    for index, word in enumerate(found):
        if word in _CONDITION_WORDS and index > 0:
            head = _direction_of_words(found[:index])
            if head:
                return head
            break
    direction = _direction_of_words(found)
    if direction:
        return direction
    return "min" if _LOWER_IS_BETTER_FRAGMENT.search(metric_key.lower()) else "max"


_SAYS_MIN = re.compile(
    r"\b(?:lower|smaller|less|fewer)\s+(?:is|=|==|means)\s+better\b|\blower[- ]is[- ]better\b|\bminimi[sz]\w*|"
    r"\bwant(?:s|ed)?\s+(?:it|that|this|them)\s+(?:down|lower|low|small)\b|\bdrive\s+(?:it\s+)?down\b|"
    r"\bthe\s+lower\s+the\s+better\b|\bbetter\s+when\s+lower\b|\bgoal:?\s?min\b|\(min\)|↓"
)
_SAYS_MAX = re.compile(
    r"\b(?:higher|bigger|larger|more)\s+(?:is|=|==|means)\s+better\b|\bhigher[- ]is[- ]better\b|\bmaximi[sz]\w*|"
    r"\bwant(?:s|ed)?\s+(?:it|that|this|them)\s+(?:up|higher|high|big)\b|\bthe\s+higher\s+the\s+better\b|"
    r"\bbetter\s+when\s+higher\b|\bgoal:?\s?max\b|\(max\)|↑"
)


def stated_direction(text: str) -> Direction | None:
    """The direction a text states for a metric ("lower is better", "minimise it", "we want it up")."""
    lowered = text.lower()
    says_min, says_max = _SAYS_MIN.search(lowered), _SAYS_MAX.search(lowered)
    if says_min and not says_max:
        return "min"
    if says_max and not says_min:
        return "max"
    if says_min and says_max:
        return "min" if says_min.start() < says_max.start() else "max"
    return None


def metric_key_for(spoken: str, metric_keys: list[str]) -> str | None:
    """The run metric key a spoken metric name means ("PR AUC" -> ``val_pr_auc``), if any.

    Prefers keys with a ``val`` / ``valid`` / ``test`` prefix, the usual selection metric.
    """
    lowered = spoken.lower().strip()
    normalised = re.sub(r"[\s\-]+", "_", lowered)
    exact = [k for k in metric_keys if k.lower() == lowered or k.lower() == normalised]
    if exact:
        return exact[0]
    fragments = METRIC_ALIASES.get(lowered) or METRIC_ALIASES.get(lowered.replace("_", " ")) or (normalised,)
    ordered = sorted(metric_keys, key=lambda k: (not k.lower().startswith(("val", "valid", "test")), len(k)))
    for fragment in fragments:
        for key in ordered:
            key_words = re.split(r"[^a-z0-9]+", key.lower())
            joined = "_".join(key_words)
            if fragment in key_words or (f"_{fragment}" in f"_{joined}_" and f"{fragment}_" in f"{joined}_"):
                # ``auc`` must not grab ``pr_auc`` when a plain ``auc``/``roc_auc`` key exists.
                if fragment == "auc" and "pr" in key_words and any(
                    "pr" not in re.split(r"[^a-z0-9]+", k.lower()) and "auc" in k.lower() for k in metric_keys
                ):
                    continue
                return key
    return None


def parse_number(token: str) -> float | None:
    """A number as people write it: ``.05``, ``5e-5``, ``1,500``, ``2^12``; None if not a number."""
    cleaned = token.strip().rstrip("%").replace(",", "") if token.count(",") <= 1 else token
    if "^" in cleaned:
        base, _, exponent = cleaned.partition("^")
        try:
            return float(base) ** float(exponent)
        except (ValueError, OverflowError):
            return None
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def same_value(spoken: str, stored: str) -> bool:
    """Whether a value as spoken (``.05``, ``5e-5``, ``d4``) equals a run's stored param value."""
    spoken_l, stored_l = spoken.strip().lower(), stored.strip().lower()
    if spoken_l == stored_l:
        return True
    a, b = parse_number(spoken_l), parse_number(stored_l)
    if a is not None and b is not None:
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return False
