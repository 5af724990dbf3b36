"""What a project's notes state, sentence by sentence: the ``Fact`` record, splitting raw text into
sentences and paragraphs, what a statement says about having done a thing (its modality, and the modality a
heading sets for the lines under it), and the numbers a sentence quotes with how they match tracker values.

Pure functions over text; :mod:`narrative.history_index` builds its facts from them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from narrative import forecasts, vocab
from narrative.segmenting import ABSENT, CHECKBOX, rejoin

# (?<!\s): a whitespace run is entered at its start only, so splitting is linear on any paste (issue 11).
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z`(\[*_\"'a-z0-9])|(?<!\s)\s+--\s+|;\s+|(?<!\s)\s+\|\s+(?=[a-z])")
_BULLET = re.compile(r"^\s*(?:[-*•>]+|\d+[.)])\s+")
_MD_HEADING = re.compile(r"^#{1,6}\s")
_NUM = re.compile(r"(?<![\w.])(\d*\.\d+|\d+(?:\.\d+)?)(%?)(?![\w])")


@dataclass(slots=True)
class Fact:
    idx: int
    entry_id: str
    author: str
    at: dt.datetime
    text: str
    kind: str  # sentence | conclusion | hypothesis | next_step | question | decision | observation
    concepts: frozenset[str]  # shared between facts (interned): never mutated
    toks: frozenset[str]
    run_ids: list[str] = field(default_factory=list)
    verdict: str = ""
    negative: bool = False
    closing: bool = False
    adopting: bool = False
    opening: bool = False
    position: int = 0
    para: int = 0  # paragraph of the raw text (sentences), -1 for structured items
    # what the sentence covers with its runs' model families (concepts closed under "broader")
    ctx_cover: frozenset[str] = frozenset()
    ctx_toks: frozenset[str] = frozenset()
    # what the statement says about having done it: done | plan | counterfactual | conditional | negated |
    # question | "" (nothing either way). Only "done" (or a run) is evidence that something was tried.
    modality: str = ""
    # the concepts it is about (``narrative.line_subjects``), read when its entry was written
    subjects: frozenset[str] = frozenset()

    @property
    def evidence(self) -> bool:
        """Whether the statement may show the thing was done: a run or a statement of what happened, or a
        plain note that says nothing either way ("Prio replay buffer" in a list of things done). Plans,
        questions and negated, conditional or counterfactual statements never are."""
        return self.modality in ("done", "")

    @property
    def planned(self) -> bool:
        return self.modality == "plan"


@lru_cache(maxsize=1 << 14)
def analyse(text: str) -> tuple[frozenset[str], frozenset[str], tuple[bool, bool, bool, bool]]:
    """Concepts, tokens and cue flags of a sentence (the same sentence recurs as raw text and section item)."""
    return vocab.concept_frozenset(text), frozenset(vocab.tokens(text)), vocab.cue_flags(text)


@lru_cache(maxsize=1 << 14)
def tokset(text: str) -> frozenset[str]:
    return frozenset(vocab.tokens(text))


def _split_paragraphs(text: str) -> list[tuple[int, str]]:
    """(paragraph number, sentence) of a raw text; blank lines, headings and tables start paragraphs."""
    return [(p, s) for p, s, _ in _split_lines(text)]


def _split_lines(text: str) -> list[tuple[int, str, int]]:
    """(paragraph number, sentence, line number) of a raw text."""
    out: list[tuple[int, str, int]] = []
    para = 0
    in_table = False
    # hard-wrapped prose is one line again ("It's probably worth trying out\nweight norm with both ..."): a
    # sentence cut at the wrap column was two facts, the second a fragment answers quoted
    for line_no, raw_line in rejoin(text.splitlines()):
        line = raw_line.strip()
        if not line:
            para += 1
            continue
        if line.startswith("|"):
            if not in_table:
                para += 1
                in_table = True
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) or not c for c in cells):
                continue
            out.append((para, " | ".join(c for c in cells if c), line_no))
            continue
        if in_table:
            para += 1
            in_table = False
        line = _BULLET.sub("", line)
        # a markdown heading is one label, whatever its punctuation ("## 4. Run3 — *higher lr*" is not the
        # sentence "## 4." and then another)
        for part in [line] if _MD_HEADING.match(line) else _SENT_SPLIT.split(line):
            part = (part or "").strip()
            if len(part) >= 3:
                out.append((para, part, line_no))
    return out


def split_sentences(text: str) -> list[str]:
    return [s for _, s in _split_paragraphs(text)]


# ------------------------------------------------------------------ modality: was it done?
# full-width punctuation (CJK keyboards: "why resnet18 performed better？") read as its ASCII form, one for one
_FULL_WIDTH = str.maketrans("？！，。：；（）", "?!,.:;()")
# "Any thought or intuition as to why ...", "Any ideas on ...": a request for an explanation, asked without "?"
_ASKS_FOR = re.compile(r"^\W{0,4}any\s{1,3}(?:thoughts?|ideas?|intuitions?|insights?|hints?|pointers?|advice|"
                       r"explanations?|clues?)(?:\s{1,3}or\s{1,3}\w{1,20})?\s{1,3}(?:as\s{1,3}to|on|about|why|how|"
                       r"what|whether|regarding)\b", re.I)
_Q_START = re.compile(r"^\s*(should|shall|could|can|would|do|does|did|is|are|was|were|why|what|which|how|who|"
                      r"whether|any ?one|anybody)\b", re.I)
_COUNTERFACTUAL = re.compile(
    r"\b(should|could|would|might|must|ought to) ?(have|'ve)\b(?! (a|an|the|some|no|any|it)\b)|\bshould'?ve\b|"
    r"\bwould'?ve\b|\bcould'?ve\b|\bif (only )?(i|we|they) (had|'d)\b|\bwish(ed)? (i|we)\b|\bin hindsight\b|"
    r"\bmissed (the )?chance\b", re.I)
_NEGATED_DONE = re.compile(
    r"\b(didn'?t|did not|haven'?t|have not|hasn'?t|has not|hadn'?t|never|not yet|no time to|couldn'?t|could not|"
    r"wasn'?t able to|were not able to|weren'?t able to|unable to|forgot to|failed to|skipped|without)\b"
    r"(\s+\w+){0,3}?\s+(try|tried|trying|run|ran|test|tested|get (to|around)|got (to|around)|gotten (to|around)|"
    r"attempt\w*|do|done|use|used|using|implement\w*|include\w*|enable\w*|add|added|adding|finish\w*|start\w*|launch\w*|touch\w*)\b|"
    r"\b(not|never|nothing) (been )?(tried|tested|run|done)\b|\buntried\b|\bnot (yet )?(been )?(tried|run)\b",
    re.I)
# a remark that the plan before it is not done yet ("(still haven't done that)", "not done yet")
_STILL_TO_DO = re.compile(r"\(?\b(?:still\s+)?(?:haven'?t|have\s+not|hasn'?t|has\s+not|not)\s+(?:done|got(?:ten)?\s+"
                          r"(?:to|around\s+to))\s+(?:it|that|this|them)?\s*(?:yet)?\s*\)?\s*[.!]?\s*$", re.I)
# The grammar of not having done a thing, whatever the verb: a first-person (or subjectless) negated past or
# perfect of an action ("Possibly because I didn't extend my dataset", "we never normalised the inputs").
# Verbs of perceiving, knowing and getting report an outcome of what was done ("I didn't see much improvement"),
# and a thing as the subject reports a result ("it didn't converge"): neither is negated.
_NOT_DONE_BY_ME = re.compile(
    r"(?:^\W*|\b(?:i|we)\s+)(?:didn'?t|did not|haven'?t|have not|hadn'?t|never)\s+(?:\w+ly\s+)?"
    r"(?!(?:see|saw|seen|notice\w*|observe\w*|find|found|get|got|gotten|expect\w*|think|thought|know|knew|"
    r"feel|felt|like|want|need|realiz\w*|understand|care|mind|believe|have|had|be|been|hear|heard|"
    r"mean|intend\w*|bother\w*)\b)[a-z]{3,}", re.I)
# Someone else's work as the subject of the sentence ("The book ultimately got over 99.6% using 60 epochs",
# "According to the paper, ...", "The QLoRA paper suggests", "Your work suggests" in a thread): what a book, a paper,
# its authors or the addressee's work did or claims is no run of the writer's, unless the
# writer is in the sentence as well ("the paper used X, so we tried it").
_OTHERS_WORK = re.compile(
    r"^\W{0,8}(?:according\s+to\b|(?:(?:in|per|as\s+in)\s+)?(?:(?:the|this|that|their|an?)?\s{0,4}"
    r"(?:original\s+|reference\s+)?(?:[a-z][\w.-]{1,20}\s{1,4}){0,2}?(?:book|paper|papers|authors?|article|tutorial|"
    r"blog\s*post|textbook|lecture|[A-Z][a-z]+\s+et\s+al\.?)|(?:your|their|his|her)\s{1,4}(?:\w+\s{1,4})?"
    r"(?:work|paper|code|repo\w*|implementation|method|approach|results?))"
    r"\b(?:\s{1,4}\([^)]{0,80}\))?,?\s{1,4}(?:\w+\s{1,4}){0,2}?"
    r"(?:got|gets|reports?|reported|achiev\w+|reach\w*|used|uses|trained|trains|did|does|shows?|showed|shown|"
    r"claims?|claimed|obtain\w*|found|finds|suggest\w*|recommend\w*|propos\w*)\b)", re.I)
# what other people say or report, as the sentence's subject ("Other people report that AdamW works better
# here", "Others say cutmix helps"): a claim heard, no run of the writer's
_OTHERS_SAY = re.compile(r"^\W{0,8}(?:(?:other|some|many|most)\s{1,3}(?:people|folks|users)|others|people)\s{1,3}"
                         r"(?:\w+\s{1,3}){0,2}?(?:report\w*|say|says|said|claim\w*|suggest\w*|recommend\w*|"
                         r"mention\w*|swear)\b", re.I)
# uncertainty about whether to do a thing ("Not sure yet if dropout is worth it"): an open question unless a
# result is in it ("not sure if dropout helped" reports it done)
_UNSURE = re.compile(r"\b(?:not\s{1,3}sure|unsure|no\s{1,3}idea|(?:don'?t|do\s{1,3}not)\s{1,3}know)\s{1,3}"
                     r"(?:yet\s{1,3})?(?:if|whether)\b", re.I)
# a document as the sentence's subject, with what it says ("The "LoRA Without Regret" blog mentions that ...",
# "The PEFT docs recommend ..."): the document's claim, not the writer's doing (markdown links read as their text)
_DOC_SAYS = re.compile(
    r"^\W{0,8}(?:the|this|that|a|an)\s{1,4}(?:[\w\"'“”.:-]+\s{1,4}){0,5}?(?:blog(?:\s{1,4}post)?|post|paper|"
    r"article|book|docs|documentation|survey|readme|tutorial|preprint|write-?up|report)\s{1,4}(?:\w+\s{1,4}){0,2}?"
    r"(?:mentions?|mentioned|says|said|states?|stated|argues?|argued|notes?|noted|reports?|reported|claims?|claimed|"
    r"suggests?|suggested|shows?|showed|shown|finds|found|recommends?|recommended)\b", re.I)
_MD_LINK = re.compile(r"\[([^\]\n]{0,200})\]\([^)\s]{0,300}\)")
_WRITER = re.compile(r"\b(?:i|we|i'?ve|we'?ve|i'?m|we'?re|my|our|us|me)\b", re.I)
_CONDITIONAL = re.compile(r"^\s*(if|unless|in case|when|once|assuming|provided)\b|"
                          r"\b(if|unless|in case) (it|this|that|they|we|the|\w+) [^.;]{0,60}?\b(doesn'?t|does not|"
                          r"fails?|won'?t|isn'?t|don'?t|is not|helps?|works?|improves?)\b", re.I)
# "Read about techniques like VQ-VAE", "reading up on focal loss": what was read about is no run
_READ_ABOUT = re.compile(r"^\W{0,8}(?:i\s{1,3}|we\s{1,3})?(?:read|reading|skimmed|came across)\s{1,3}"
                         r"(?:about|up\s{1,3}on|on|into|a\s{1,3}paper|the\s{1,3}paper|some)\b", re.I)
# a hedged expectation with nothing said done: "could help with the blur", "might work better"
# and a judgement in the conditional ("any split would be fine", "it would (be) easier to tell them apart")
_HEDGED_EXPECT = re.compile(r"\b(?:could|might|may|would)\s{1,3}(?:\w{1,12}\s{1,3})?(?:help|work|improve|fix|"
                            r"solve|reduce|boost|be\s{1,3}worth)\w{0,3}\b|\b(?:could|might|may|would)\s{1,3}"
                            r"(?:be\s{1,3})?(?:fine|ok|okay|enough|easier|harder|better|worse|sufficient)\b", re.I)
# what a result or a paper motivated or inspired ("The trade-off motivated techniques like beta-VAE"), with no verb
# of doing beside it, names ideas: nothing in it was run ("inspired by the paper, we tried mixup" was)
_MOTIVATED = re.compile(r"\b(?:motivat|inspir)\w{0,6}\b", re.I)
_DOING = re.compile(r"\b(?:tried|try(?:ing)?|ran|run(?:ning)?|trained|training|retrained|tested|testing|used|using|"
                    r"added|adding|implemented|applied|switched|swapped|replaced|enabled|fitted|built|got|gave|"
                    r"reached|scored|results?|->|→)\b|->|→", re.I)
_PLAN = re.compile(
    r"\b(will|won'?t|gonna|going to|plan(ning|ned)? (to|on)|want(ed)? to|wanna|would like to|i'?d like to|"
    r"intend\w* to|hope to|hoping to|about to|next( up| step| steps| week| time)?|tomorrow|tmrw|tmr|later|"
    r"todo|to do|to-do|should (try|test|run|add|use|do|look|check|consider|investigate|explore|evaluate|examine|study|"
    r"experiment|compare|verify|see if|see whether|figure out)|could (try|test|run|add|use|investigate|explore)|"
    r"might (try|test|run|add|use)|may (try|test|run)|worth (a )?(try|trying|testing|a shot)|thinking (about|of)|"
    r"consider(ing)?|idea:?|ideas|maybe (try|test|add|use)|let'?s|need to|needs to|have to|queue\w*|"
    r"would be (nice|good|interesting)|(?<=\w)['’]d be (nice|good|interesting|great|useful) to(?! (be|have)\b)|"
    r"on (my|the) list|backlog|future work|follow ?up)\b", re.I)
# an option the writer has ("I could just hard-scale the output", "we can add noise to the replicates") or gives the
# reader ("You can try larger batchsize"), not
# what they saw or reached with it ("we can see", "I could reach .91"), nor a verdict after a report ("tried X,
# we can keep it")
_OPTION = re.compile(r"\b(?:i|we|you)\s{1,3}(?:could|can|might)\s{1,3}(?:just\s{1,3}|also\s{1,3}|simply\s{1,3}|"
                     r"always\s{1,3})?(?!(?:not|see|tell|say|find|get|confirm|observe|notice|reach|achieve|"
                     r"reproduce|only|barely|hardly|be|have)\b)[a-z]{3,}\b", re.I)
_DONE = re.compile(
    r"\b(tried|ran|trained|retrained|tested|used|added|switched|swapped|replaced|enabled|disabled|turned (on|off)|"
    r"did|got|gave|gives|give|hit|hits|reached|improved|improves|helped|helps|hurt|hurts|dropped|drops|moved|"
    r"went|came|beat|beats|lost|loses|scored|scores|finished|fitted|applied|removed|increased|decreased|doubled|"
    r"halved|bumped|lowered|raised|compared|evaluated|worked|works|converged|diverged|crashed|plateaued|"
    r"overfit|underperformed|outperformed|matched|landed|lands|ended|peaked|stalled|regressed|"
    r"is (better|worse|flat|best)|was|were|has been|have been|results?:|yields?|yielded|gets|ends up|"
    r"no (gain|change|difference|improvement|lift)|same as|vs\.?|->|→|better|worse|best|worst|converg\w*|"
    r"seems? to|looks? like|appears? to|shows?|showed|shown|work|learn(s|ed|t)|rose|fell|started|implemented|"
    r"\w{3,}ed)\b", re.I)
# what only a report says (not "factorized", "pretrained"): enough to read a list item under "Todo:" as done
_STRONG_DONE = re.compile(
    r"\b(tried|ran|trained|retrained|tested|got|gave|hit|reached|improved|helped|hurt|converged|diverged|crashed|"
    r"plateaued|beat|lost|scored|finished|worked|works|result(s|ed)?|no (gain|change|difference|improvement)|"
    r"not (helped|helping|converging|working)|did(n'?t)? (help|work))\b|\d\.\d|\d%|->|→", re.I)
_HEADING_PLAN = re.compile(r"\b(next|todo|to do|plans?|ideas?|tomorrow|future|backlog|open questions?|questions?|"
                           r"want to|to try|wishlist)\b", re.I)
_HEADING_DONE = re.compile(r"\b(tried|done|results?|findings?|what (i|we) did|worked|didn'?t work|did not work|"
                           r"experiments?|observations?|today|outcomes?|summary|conclusions?|config)\b", re.I)
# A need stated with a noun ("Need gradient scaling / lower LR for stable FP16 training", "we still need a
# bigger eval set"): what is missing, said at the head of a clause or after its subject, is a to-do, not a report
_NEED = re.compile(r"(?:^|[:(,;>]|\b(?:i|we|you|still|also|really|probably|definitely|will|would|so|then|and|but))"
                   r"\W{0,3}"
                   r"needs?\s{1,3}(?!to\b)[a-z]", re.I)
DECIMAL = re.compile(r"\d\.\d|\d%")
# a sentence that opens on the imperative "try" (not "try 2:", a numbered attempt)
# (after a short label in words: "Suggested by Ana: try test-time augmentation"; a label holding a digit or an
# underscore names the attempt, "v1_9: Try a larger learning rate" heads what was done)
_TRY_IMPERATIVE = re.compile(r"^\W*(?:[a-z][a-z ,'-]{0,30}:\s{0,3})?(?:(?:please|maybe|also|then|so|just|and)\s{1,3})?"
                             r"try\s{1,3}(?![\d#])", re.I)
# an open choice between things, or indifference to it: an embedded question, not a report of either
_OPEN_CHOICE = re.compile(r"\b(?:does|do|did|would|will)(?:n'?t| not) matter\b|\bno matter\b|"
                          r"\bwhether\b[^.;!?]{1,80}?\bor\b", re.I)
IDEA_LABEL = re.compile(r"^\W*(idea|hypothesis|goal|motivation|change|what|exp\w*|experiment)\b[^:]{0,20}:", re.I)


# a line the writer labels as a plan ("plan: ...", "Plans - ...") or opens on a hedged addition ("maybe also X")
_PLAN_LABEL = re.compile(r"^\W{0,4}(?:(?:the|my|our|new)\s+)?(?:plans?|proposal)\s*(?::|-\s|\u2014)", re.I)
_COMPOUND = re.compile(r"-[a-z]+")  # the second half of "popularity-based": no verb of its own
_MAYBE_ALSO = re.compile(r"^\W{0,4}(?:maybe|perhaps|possibly)\s+also\b", re.I)
_WHEN_LEAD = re.compile(r"^\W{0,4}(?:when|whenever|once)\b", re.I)
# a main clause that opens on a bare verb tells someone to do something ("When it ends, rerun it with fp16")
_ORDER = re.compile(r"^\W*(?:then\s+|just\s+|please\s+)?(?:run|rerun|re-run|start|restart|try|retry|add|use|switch|"
                    r"lower|raise|drop|set|check|launch|train|retrain|test|eval\w*|compare|increase|decrease|"
                    r"reduce|remove|turn|enable|disable|make|do|let'?s|go)\b", re.I)
_WAS = re.compile(r"\b(?:was|were|stopped|became|started|fell|rose|jumped|stayed)\b", re.I)


def _when_reported(t: str) -> bool:
    """"When switching back to the paper default, I got 73.66", "Once I added warmup, training was stable": a
    when-clause whose main clause reports what happened (no plan, no order) tells what was done."""
    if not _WHEN_LEAD.match(t) or "," not in t:
        return False
    main = t.split(",", 1)[1]
    if _PLAN.search(main) or _ORDER.match(main):
        return False
    return bool(_STRONG_DONE.search(main) or _DONE.search(main) or _WAS.search(main))


def statement_modality(text: str) -> str:
    """What a statement says about having done a thing, from its own words.

    "counterfactual" (should have, if only), "negated" (didn't try, never ran), "conditional" (if it doesn't
    work, ...), "quoted" (what a book or a paper did), "question", "plan" (will, next, thinking about
    trying), "done" (a past or result statement),
    or "" when the words say neither.
    """
    t = text.strip().translate(_FULL_WIDTH)
    if _COUNTERFACTUAL.search(t):
        return "counterfactual"
    still = _STILL_TO_DO.search(t)
    if still and (_PLAN.search(t, 0, still.start()) or _NEED.search(t, 0, still.start())):
        return "plan"  # "next: check the cold-start slice (still haven't done that)": a plan still open
    if _NEGATED_DONE.search(t) or _NOT_DONE_BY_ME.search(t):
        return "negated"
    if ABSENT.match(t):
        return "negated"
    if ((_OTHERS_WORK.search(t) or _OTHERS_SAY.search(t) or _DOC_SAYS.search(_MD_LINK.sub(r"\1", t)))
            and not _WRITER.search(t)) or _READ_ABOUT.match(t):
        return "quoted"
    if _CONDITIONAL.search(t) and not _when_reported(t):
        # "When switching back to the paper default, I got 73.66" tells what happened; "if it fails, ..." waits
        return "conditional"
    if t.endswith("?") or (_Q_START.search(t) and "?" in t) or _ASKS_FOR.match(t):
        return "question"
    if (_OPEN_CHOICE.search(t) or _UNSURE.search(t)) and not _STRONG_DONE.search(t) and not DECIMAL.search(t):
        return "question"  # "It doesn't matter whether the script is based on hydra or slurm": neither was said done
    if _MOTIVATED.search(t) and not _DOING.search(t) and not DECIMAL.search(t):
        return "plan"  # an idea a result or a paper motivated
    option = _OPTION.search(t)
    if option and not _DONE.search(t[: option.start()]) and not DECIMAL.search(t):
        return "plan"
    if _TRY_IMPERATIVE.match(t) and not _STRONG_DONE.search(t[2:]):
        return "plan"  # "Try `batch_size=256` also.", "Try reducing learning rate.": advice, no result in it
    if not DECIMAL.search(t) and (_PLAN_LABEL.match(t) or (
            _MAYBE_ALSO.match(t) and not _DONE.search(_COMPOUND.sub("", t)) and not _WAS.search(t))):
        return "plan"  # "plan: two tower w/ sampled softmax", "maybe also WARP loss on mf": said ahead, no result
    lowered = t.lower()
    # "going to 5 layers hurt": a move judged in the past is no plan
    plan_at = next((m for m in _PLAN.finditer(t) if not forecasts.done_move(lowered, m.start())), None)
    plan_at = plan_at or _NEED.search(t)
    if plan_at:
        # "tried X; next: Y" holds both: the first clause decides what this statement reports
        done_at = _DONE.search(t)
        if done_at and plan_at and done_at.start() < plan_at.start() and DECIMAL.search(t[: plan_at.start()]):
            return "done"
        return "plan"
    hedge = _HEDGED_EXPECT.search(t)
    if hedge and not DECIMAL.search(t) and all(hedge.start() <= m.start() < hedge.end() for m in _DONE.finditer(t)):
        return "plan"  # "might be better on a small dataset": the result word is what the modal expects
    if _DONE.search(t) or DECIMAL.search(t):
        return "done"
    if hedge:
        return "plan"  # "X could help with the blur", nothing said done: an idea
    return ""


def fact_modality(said: str, scope: str, kind: str, has_runs: bool, text: str = "") -> str:
    """A statement's own words first (a question stays a question under "Results:"), then its heading,
    then what its kind implies (a next step is a plan; a conclusion reports something done)."""
    if said in ("counterfactual", "negated", "conditional", "question", "quoted"):
        return said
    if scope == "ticked":
        return "done"  # an item ticked off was done, whatever its grammar ("- [x] try the scheduler")
    if kind == "next_step":
        return "plan"
    if kind == "question":
        return "question"
    if scope in ("counterfactual", "negated", "conditional"):
        return scope
    if said == "plan" or (scope == "plan" and (not said or not _STRONG_DONE.search(text))):
        return "plan"
    if said == "done" or scope == "done":
        return "done"
    if kind in ("conclusion", "observation", "decision") or has_runs:
        return "done"
    return ""


def heading_modality(line: str) -> str | None:
    """The modality a heading or list label sets for what follows ("Next:", "What I should have done,
    but didn't", "## Results"); None when the line is not a heading."""
    s = line.strip()
    is_heading = s.startswith("#") or (s.endswith(":") and len(s) <= 80) or bool(
        re.fullmatch(r"\*\*[^*]{2,80}\*\*:?", s))
    if not is_heading:
        return None
    label = s.strip("#*: ").strip()
    # "Still need to check X, but so far I have done:" -- the last clause heads the list
    whole = statement_modality(label)
    if whole in ("counterfactual", "negated", "conditional") or re.search(
            r"\b(didn'?t|did not|haven'?t|have not|never|not yet|not done|not tried)\W*$", label, re.I):
        return whole or "negated"
    last = re.split(r",|;|\bbut\b|\bwhile\b", label)[-1].strip() or label
    m = statement_modality(last)
    if m in ("counterfactual", "negated", "conditional", "plan"):
        return m
    if _HEADING_PLAN.search(last):
        return "plan"
    if m == "done":
        return "done"
    if _HEADING_DONE.search(last):
        return "done"
    return ""


def scoped_sentences(text: str) -> list[tuple[int, str, str]]:
    """(paragraph, sentence, heading modality) of a raw text: a heading's modality covers the lines under it
    (its list and paragraph) until the next heading or a prose paragraph after a blank line."""
    scope_of_line: list[str] = []
    scope = ""
    blank = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            blank = True
            scope_of_line.append(scope)
            continue
        box = CHECKBOX.match(line)
        if box:
            # a task-list box says what its item is whatever the heading: "- [x] X" was done (under "# Plan"
            # too), "- [ ] X" is still to do (under "# Experiments" too); the heading's scope goes on after it
            blank = False
            scope_of_line.append("ticked" if box.group("mark") in "xX" else "plan")
            continue
        hm = heading_modality(line)
        if hm is not None:
            scope = hm
        elif blank and not _BULLET.match(line) and not line.startswith("|"):
            scope = ""  # a prose paragraph after a blank line leaves the heading's list
        blank = False
        scope_of_line.append(scope)
    return [(p, s, scope_of_line[n] if n < len(scope_of_line) else "") for p, s, n in _split_lines(text)]


def numbers_in(text: str) -> list[tuple[float, int, bool]]:
    """(value, decimals, percent-like) for each number in the text."""
    out = []
    for m in _NUM.finditer(text):
        s = m.group(1)
        try:
            v = float(s)
        except ValueError:
            continue
        dec = len(s.split(".")[1]) if "." in s else 0
        out.append((v, dec, bool(m.group(2))))
    return out


def value_matches(v: float, num: tuple[float, int, bool]) -> bool:
    x, dec, pct = num
    if dec >= 2 and abs(round(v, dec) - x) < 1e-9:
        return True
    if dec == 1 and not pct and x >= 10 and abs(round(v, 1) - x) < 1e-9:
        return True  # "MAE 38.5" for 38.47
    if dec == 0 and not pct and x >= 100 and abs(v - x) < 1.0 and x in (round(v), math.floor(v)):
        return True  # "3252" for a tracker value of 3252.4
    if dec >= 1 and 0 < v <= 1 and 1 <= x <= 100 and abs(round(v * 100, dec) - x) < 1e-9:
        return True
    return bool(pct and 0 < v <= 1 and abs(round(v * 100, max(dec, 0)) - x) < 1e-9)


def fmt(v: float) -> str:
    """Tracker value formatted like 0.845 (no float noise)."""
    if v == 0:
        return "0"
    if abs(v) < 1e-4:
        # 1e-5 is a learning rate people write so: four decimals would print it as 0
        mantissa, _, exp = f"{v:.3g}".partition("e")
        return f"{mantissa}e{int(exp)}" if exp else mantissa
    if abs(v) >= 100:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    if abs(v) >= 1:
        return f"{v:.3f}".rstrip("0").rstrip(".")
    return f"{v:.4f}".rstrip("0").rstrip(".") if abs(v) < 0.01 else f"{v:.3f}".rstrip("0").rstrip(".")
