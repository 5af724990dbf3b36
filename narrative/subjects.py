"""What a sentence says was tried: its subject ("xgb on raw feats: roc .931" -> "xgb on raw feats"), the
thing a verdict judges ("Label smoothing hasn't helped"), and whether a phrase names something tried at
all (not a run id alone, not a result cut at its number, not something that was not done).

``narrative.structuring`` reads each segment with these; they hold no state.
"""

from __future__ import annotations

import re

from narrative import acts, lexicon, metric_moves, reading
from narrative.entry_text import FIRST_RESULT_NUMBER, MAX_SUBJECT_CHARS, clip
from narrative.run_refs import KnownRunIds

RESULT_MARKER = re.compile(
    # (?<!\s): a whitespace run is entered at its start only (linear on any paste, issue 11)
    r"(?<!\s)\s*(?:->|→|=>|⇒|<-+)\s*|:\s+(?=[-+~]?\.?\d)|\s(?:gets|got|gives|gave|hit|hits|lands at|is at|went|"
    r"goes|scored|scores|reaches|reached|takes?|yields?|came in at|=)\s+(?=[^a-z]*\.?\d)"
)


# What a verdict is about: the words before its verb ("Label smoothing hasn't helped at all").
_VERDICT_SUBJECT = re.compile(
    r"^(?P<np>[\w+/.\-]+(?:\s+[\w+/.\-]+){0,5}?)\s+(?:seems?|seemed|appears?|works?|worked|is|was|were|are|has|"
    r"have|had|hasn'?t|haven'?t|didn'?t|doesn'?t|don'?t|did|does|helped|helps|hurt|hurts|gave|gives|made|makes|"
    r"performs?|performed|results?|resulted|led|leads|improved|improves|beat|beats|failed|fails|broke|breaks|"
    r"brought|brings|gets|got|yields?|yielded|killed|kills|diverged|diverges|overfits?|underperform\w*|"
    r"converged|converges)\b",
    re.IGNORECASE,
)


_NOT_A_SUBJECT = frozenset({
    "it", "this", "that", "there", "i", "we", "they", "he", "she", "you", "neither", "both", "which", "result",
    "results", "everything", "nothing", "all", "what", "who", "one", "none", "each", "these", "those", "so",
    "but", "and", "the", "a", "an", "still", "also", "then", "now", "here", "model", "training", "performance",
    "speed", "loss", "accuracy", "version", "run", "runs", "experiment", "my", "our", "his", "her", "their",
    "its", "something", "anything", "ok", "okay", "well", "overall", "seems", "again",
    "not",  # "not convinced the transformer head is worth it": a stance taken, its object no subject
})


_ACTION_FIRST = re.compile(r"^(?:(?:i|we)\s+)?(?:(?:tried|trying)(?:\s+to)?|tested|testing|added|adding|"
                           r"(?:am\s+|'m\s+|are\s+|'re\s+)?using|use)\s+(?=\S)", re.IGNORECASE)
# "So I made some adjustments by switching the optimizer to Adam": the change is what was tried; the
# connective and the frame around it are not.


REPORT_FRAME = re.compile(
    r"^(?:(?:so|then|and|also|next|finally|afterwards|after\s+that|first(?:ly)?|second(?:ly)?|third(?:ly)?|"
    r"additionally|in\s+addition|this\s+time|today|yesterday|now),?\s+)?(?:i|we)\s+(?:have\s+|had\s+)?"
    r"(?:(?:immediately|then|also|first|quickly|just)\s+)?"
    r"(?:(?:made|did)\s+(?:some\s+|a\s+few\s+|an?\s+)?(?:adjustments?|changes?|tweaks?|modifications?)\s+"
    r"(?:by\s+|:\s*)?)?(?=(?:switch|chang|swapp|replac|tri|test|add|remov|enabl|disabl|lower|rais|reduc|increas|"
    r"decreas|introduc|doubl|halv|bump|train|retrain|experiment|tweak|expand|set)\w*\s)", re.IGNORECASE)


def verdict_subject(clause: str) -> str:
    """The thing a verdict judges when the sentence names it first, else ""."""
    match = _VERDICT_SUBJECT.match(clause.strip(" *_`"))
    if not match:
        return ""
    # "tried isotonic calibration, brier went down": what was tried is the calibration, not the trying.
    phrase = _ACTION_FIRST.sub("", match.group("np").strip(), count=1) or match.group("np").strip()
    # "The 5-epoch warmup was too short": the article is not part of what was tried.
    phrase = re.sub(r"^(?:the|a|an)\s+(?=\S+\s*\S)", "", phrase, count=1, flags=re.IGNORECASE)
    tokens = phrase.lower().split()
    if FRAGMENT_START.match(phrase) or _FRAGMENT_END.search(phrase) or tokens[0] in _NOT_A_SUBJECT or all(
            t in _NOT_A_SUBJECT or t in METRIC_NAME_WORDS for t in tokens):
        return ""
    if len(tokens) == 1 and not (lexicon.families_in(tokens[0]) or re.search(r"[A-Z0-9=_\-]", phrase)):
        return ""
    return clip(phrase, MAX_SUBJECT_CHARS)


FRAGMENT_START = re.compile(
    r"^(?:that|that's|thats|this|these|those|it|it's|its|there|there's|so|which|and|but|or|then|also|"
    r"here|now|still|even|who|where|what|when|why|how|despite|although|though|while|whereas|because|since|after|"
    r"before|once|if|unless|interestingly|surprisingly|unfortunately|sadly|luckily|apparently|overall|"
    r"finally|found|turns\s+out|seems|ok|okay|yes|yeah|well|hmm|anyway|consequently|therefore|hence|thus|however|"
    r"upon|in\s+an\s+effort)\b", re.IGNORECASE)


_FRAGMENT_END = re.compile(
    r"\b(?:the|a|an|final|around|about|roughly|approx(?:imately)?|nearly|almost|only|just|than|from|by|"
    r"between|over|under|below|above|after|before|into|out|up|down|is|are|was|were|be|been|has|have|had|"
    r"tops|sits|stays|stuck|plateaus?|plateaued|still|like|as|for|on|in|ending|peaking|peaked|hovering|"
    r"hovers|maxes|achieve|reach|get|hit|obtain|of|with|that|which|who|to|able|and|or|but)\s*$|[~≈<>\[(]\s*$",
    re.IGNORECASE)


# Words that name nothing tried: "I tried the same", "the other one".


_NAMES_NOTHING = frozenset({"the", "a", "an", "same", "other", "one", "ones", "thing", "things", "stuff", "this",
                           "that", "it", "again", "too", "also", "more", "some", "another", "idea", "tried",
                           "trying", "try", "tested", "used", "using", "use"})


def worth_a_hypothesis(subject: str, refs: KnownRunIds) -> bool:
    """A thing tried needs a few words or a parameter ("depth 6", "hard negs k=200"), not a run id
    or a name alone."""
    if FRAGMENT_START.match(subject) or _FRAGMENT_END.search(subject):
        # "That's the final", "so RF tops out around": the front of a sentence cut at its number.
        return False
    if metric_moves.states_metric_move(subject) or _REPORTS_OUTCOME.search(subject):
        return False  # "The valid loss decreased to around 0.5" is a result
    rest = refs.without_refs(subject)
    if re.search(r"\w=\S", rest):
        return True
    if len(rest.split()) < 2:
        # One token ("calm-otter-41", "rf-500") is how a run is named, not what was tried in it.
        return False
    words_left = [w for w in lexicon.words(rest) if w not in METRIC_NAME_WORDS and w not in _NAMES_NOTHING]
    return len(words_left) >= 2 or (len(words_left) == 1 and bool(lexicon.families_in(words_left[0])))


def balanced(text: str) -> str:
    """Cut an unclosed parenthesis ("day 1 (noisy digits" -> "day 1")."""
    depth = 0
    cut = None
    for position, char in enumerate(text):
        if char == "(":
            if depth == 0:
                cut = position
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                cut = None
    return text[:cut].rstrip(" ,;:-") if cut is not None and depth else text


# Words that report how a run went, not what it tried; and a clause opened by a moment of training
# ("By epoch 50, grad norms were ...") reports what happened then.
_REPORTS_OUTCOME = re.compile(
    r"\b(?:improved|improving|got\s+(?:better|worse)|collapsed|diverged|degraded|plateau\w*|converged)\b|"
    r"^(?:by|at|after|around|until|from|near)\s+(?:the\s+)?(?:end\s+of\s+)?(?:epoch|ep|step|iter\w*|round)s?\b",
    re.IGNORECASE)


# (?<!\s): a whitespace run is entered at its start only (linear on any paste, issue 11)
_VERDICT_VERB_END = re.compile(r"(?<!\s)\s+(?:(?:really|also|clearly|definitely|slightly|actually|def)\s+)?"
                               r"(?:(?:didn'?t|did\s+not|doesn'?t|does\s+not|hasn'?t|has\s+not)\s+(?:really\s+)?"
                               r"(?:help|work|pay\s+off|do\s+(?:much|anything))|"
                               r"(?:was|were|is|are)\s+(?:(?:slightly|a\s+bit|much|way|clearly|somewhat)\s+)?"
                               r"(?:worse|better)|"
                               r"helped|helps|hurt|hurts|worked|works|failed|fails|backfired|paid\s+off)(?:\s+(?:a\s+(?:lot|bit)|"
                               r"a\s+little|somewhat|too|again))?$", re.IGNORECASE)
# "no spikes through 8k iters", "no nans since the fix": an absence of trouble reports how a run went (unlike "no
# dropout", a thing left out on purpose)
_NO_TROUBLE = re.compile(r"^no\s+(?:more\s+|further\s+|real\s+|visible\s+)?(?:spikes?|nans?|infs?|divergences?|"
                         r"blow-?ups?|crash(?:es)?|ooms?|issues?|problems?|instabilit(?:y|ies)|change|gain|difference|"
                         r"effect|improvement)\b", re.IGNORECASE)


_SETTING_CHANGE = re.compile(
    r"\b(?:increas|decreas|rais|lower|reduc|chang|bump|switch|mov|cut|doubl|halv|ramp)\w*\s+(?:the\s+|my\s+|our\s+)?"
    r"[a-z][\w -]{0,40}?\s+(?:from\s+\S+\s+to\s+[\w.%-]+|"
    # "ramped global batch 512 -> 1024": the values of the change, joined by an arrow
    r"~?\d[\w.%]*\s*(?:->|→|=>)\s*~?\d[\w.%]*)", re.IGNORECASE)


# "we do not conduct experiments about ...", "I haven't tried X": what was not done was not tried.
_NOT_DONE = re.compile(r"^(?:i|we)\s+(?:(?:do|did|does|have|has|had)\s*(?:not|n't)|don'?t|didn'?t|haven'?t|hadn'?t|"
                       r"never|not\s+yet)\b", re.IGNORECASE)


# "k1=1.2 b=0.75 gives .318": a value glued to its key by "=" is a setting of what was tried, unless the key is a
# metric ("acc=0.85")
_SET_KEY = re.compile(r"([A-Za-z][\w.@-]{0,30})=$")


def _set_value(text: str, start: int) -> bool:
    key = _SET_KEY.search(text[max(0, start - 32):start])
    return key is not None and not metric_moves.names_metric(re.split(r"[_\W]+", key.group(1).lower()))


# (each whitespace run entered at its start only: linear on any paste, issue 11)
# "RF with class weights gets to .52": every linking word before the number goes, not only the last;
# "zero-shot it's .389", "fine-tuned (2 epochs) it gets .437": the pronoun takes the subject up again
_LINKING_END = re.compile(r"(?:(?<!\s)\s+(?:is|was|gets|got|at|of|to|and|with|w/|=|took|takes|takes about|"
                          r"took about|up|it'?s|it|they|they'?re|"
                          r"gives|gave|lands|landed|ran|runs|hit|hits|scored|reached|came in)){1,4}$")
_METRIC_END = re.compile(r"(?:(?<!\s)\s+(?:val|valid|test)?[-_]?[a-z]*[-_]?(?:auc|f1|rmse|mae|loss|acc|ndcg|mape|wape|"
                         r"recall|precision)(?:@\d+)?)+$")


def subject_of(text: str) -> str:
    """What was tried: the words before the first result ("xgb on raw feats: roc .931" -> "xgb on raw feats")."""
    cut = len(text)
    marker = RESULT_MARKER.search(text)
    if marker:
        cut = min(cut, marker.start())
    number = next((m for m in FIRST_RESULT_NUMBER.finditer(text) if not _set_value(text, m.start())), None)
    if number:
        cut = min(cut, number.start())
    change = _SETTING_CHANGE.search(text)
    if change and change.start() <= cut:
        # "I increased the number of training epochs from 3 to 10": the numbers are the change tried.
        cut = max(cut, change.end())
    # "Tried Lookahead on SGD but was unable to ...": what was tried ends where the outcome starts.
    turn = re.search(r",?\s+(?:but|however|though|although|whereas|and it|which)\b|[.;]\s|"
                     # "Tried label smoothing 0.1 today, hasn't helped at all": the verdict, subject left out
                     r",\s+(?:has|had|hasn'?t|hadn'?t|didn'?t|did\s+not|doesn'?t|does\s+not|helped|hurt|made|"
                     r"gave|worked|failed|no\s+(?:gain|change|difference|effect|improvement))\b", text)
    if turn:
        cut = min(cut, turn.start())
    labelled = re.search(r":\s", text[:cut])
    if labelled and reading.verdict_of(text[labelled.end():cut]) is not None:
        # "z-loss 1e-4: no visible effect on stability, removed": after the label's colon is its verdict
        cut = labelled.start()
    # "Swapped Adam for AdamW, val loss went down": the clause that names a metric is the outcome.
    for comma in re.finditer(r",\s+", text[:cut]):
        head = text[comma.end(): comma.end() + 30].split(" ")[0:2]
        if not any(ch.isdigit() for ch in "".join(head)) and metric_moves.names_metric(head):
            cut = comma.start()
            break
    subject = text[:cut].strip(" :,-(=*`~").strip().rstrip(".")
    # "In an effort to enhance performance further, I decreased ...": the purpose is not what was tried
    subject = re.sub(r"^(?:in\s+an\s+(?:effort|attempt)|in\s+order|trying|hoping|aiming)\s+to\s+[^,]{1,80},\s*",
                     "", subject, flags=re.IGNORECASE)
    subject = REPORT_FRAME.sub("", subject, count=1) or subject
    subject = _ACTION_FIRST.sub("", subject, count=1) or subject
    subject = re.sub(r"^(?:again|once\s+more)\s+(?=\S)", "", subject, flags=re.IGNORECASE)
    subject = balanced(subject)
    subject = re.sub(r"\s+(?:today|yesterday|tonight|this\s+(?:morning|afternoon|evening)|again)$", "", subject)
    subject = _LINKING_END.sub("", subject).strip(" :,-(")
    # a metric's name before its value ("..., pr-auc .41", "val_auc 0.8"), and the verb before the name ("b=0.75
    # gives ndcg@10 .318")
    subject = _LINKING_END.sub("", _METRIC_END.sub("", subject).strip(" :,-(")).strip(" :,-(")
    # "adding rolling means (7, 28) helped": the verdict's verb closes the subject, it is no part of it
    subject = _VERDICT_VERB_END.sub("", subject).strip(" :,-(")
    if (len(subject) < 4 or metric_moves.states_metric_move(subject) or _REPORTS_OUTCOME.search(subject)
            or _NOT_DONE.match(subject) or _NO_TROUBLE.match(subject)):
        # "The valid loss decreased to around", "Model improved steadily during warmup": the result
        # itself, cut at its number.
        return ""
    return clip(subject, MAX_SUBJECT_CHARS)


METRIC_NAME_WORDS = frozenset(w for word in lexicon.METRIC_WORDS for w in lexicon.words(word)) | {
    "val", "valid", "test", "train", "auc", "score",
}


def names_subject(clause: str) -> bool:
    """Whether a clause names what it is about before any yardstick ("X slower than Y": X): a model
    family, a ``name=value`` setting or an identifier such as a run name ("rf-200", "two-tower-d128")."""
    head = re.split(r"\b(?:than|vs\.?|versus|compared (?:to|with)|against|for|relative to|over|of the)\b", clause,
                    maxsplit=1)[0].lower()
    if lexicon.families_in(head) or re.search(r"\w=\S", head):
        return True
    return any(not set(lexicon.words(ident)) <= METRIC_NAME_WORDS
               for ident in re.findall(r"[a-z]+[-_][a-z0-9]+(?:[-_][a-z0-9]+)*", head))


def alternatives(better: str, worse: str) -> bool:
    """``X > Y`` ranks Y below X only when both are things one could pick (methods, settings, models),
    not a metric, a budget or the noise."""
    for side in (better, worse):
        words_in = lexicon.words(side)
        if not words_in or len(words_in) > 6:
            return False
        if any(w in _NOT_ALTERNATIVES for w in words_in) or all(w in METRIC_NAME_WORDS for w in words_in):
            return False
        if words_in[-1] in _RELATIVE or all(w in _POINTING for w in words_in):
            return False  # "first thing that clearly beats xgb", "the one that beats xgb": the winner points back
    return True


_RELATIVE = frozenset({"that", "which", "who", "whom", "whose", "what"})
_POINTING = _RELATIVE | {"the", "a", "an", "one", "ones", "thing", "things", "first", "only", "something", "this",
                         "it", "model", "models", "run", "runs", "same", "other", "another", "new"}


_NOT_ALTERNATIVES = frozenset({"noise", "variance", "budget", "chance", "spread", "std", "sla", "limit",
                               "expected", "gain", "gains", "cost", "costs",
                               # "None of the schedules beat the baseline": nothing beat it
                               "none", "no", "neither", "nothing", "nobody"})


# Words a verdict's subject may hold and still name nothing tried: a measure, the model, the results, a pronoun,
# a sentence adverb. "Val loss got worse", "Results are basically identical", "Unfortunately this made no difference".
_GENERIC_SUBJECT_WORDS = frozenset({
    "the", "a", "an", "this", "that", "it", "these", "those", "they", "its", "our", "my", "their", "results", "result",
    "model", "models", "training", "run", "runs", "everything", "things", "performance", "quality", "output",
    "outputs", "samples", "generation", "numbers", "metrics", "unfortunately", "sadly", "however", "but", "so",
    "and", "then", "again", "also", "still", "surprisingly", "alas", "same", "overall", "final", "eval",
    "evaluation", "validation", "curve", "curves", "net", "network", "nothing",
    # "first thing that clearly beats xgb", "finally one that works": the rank of what the line before named
    "first", "thing", "one", "clearly", "finally", "definitely",
})
_YARDSTICK = re.compile(r"\b(?:beats?|beating|than|vs\.?|versus|over|outperform\w*|against|compared\s+(?:to|with)|"
                        r"relative\s+to)\b")


def about_the_last(clause: str) -> bool:
    """Whether a verdict clause names nothing tried of its own, so that it judges what the sentence before it
    described ("Added dropout after every block. Val loss got worse."): its subject is a measure, the model,
    the results or a pronoun, and it names no model family, setting value or identifier."""
    # "first thing that clearly beats rt-detr", "better than xgb": the yardstick after the comparison is no subject
    lowered = _YARDSTICK.split(clause.lower(), maxsplit=1)[0]
    if lexicon.families_in(lowered) or re.search(r"\w=\S|[a-z]+[-_][a-z0-9]+", lowered):
        return False
    if _reports_its_own_change(clause):
        return False
    head = verdict_subject(clause)
    return all(w in _GENERIC_SUBJECT_WORDS or w in METRIC_NAME_WORDS for w in lexicon.words(head))


# "Tried it again, worse", "Did the same, no gain": an action on the thing before it
_ON_THE_LAST = re.compile(r"^\s{0,8}\S{1,40}\s{1,3}(?:it|this|that|them|these|those|again|the\s{1,3}same)\b", re.I)


def _reports_its_own_change(clause: str) -> bool:
    """Whether a verdict clause opens on a change of its own ("Increased hidden channels to 256. Overfitting
    issues."): the line before it, another change ("Increased the batch size to 32. 60%! Huge."), is not what it
    judges."""
    text = clause.strip()
    return acts.reports_action(text) and acts.action_from(text) == text and not _ON_THE_LAST.match(text)


_COMPARED_LAST = re.compile(r"^(?P<tried>\S.{1,80}?)\s+(?:(?:much|slightly|way|a\s+bit|clearly|a\s+lot)\s+)?"
                            r"(?:better|worse)\b", re.IGNORECASE)


def without_verdict(item: str) -> str:
    """What a result's subject names as tried, its verdict left out ("w=300 better" -> "w=300"); the item itself when
    no clean subject is found ("Dueling modification implemented and converges good" still names the try)."""
    if not item or reading.verdict_of(item) is None:
        return item
    if re.match(r"\W{0,3}not\s", item, re.IGNORECASE):
        return ""  # "not convinced the transformer head is worth it": a stance, no try
    compared = _COMPARED_LAST.match(item)
    tried = verdict_subject(item) or (compared.group("tried") if compared else "")
    return tried if tried and reading.verdict_of(tried) is None else item
