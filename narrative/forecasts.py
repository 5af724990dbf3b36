"""Whose future a sentence tells: an intention of the writer, or a forecast about a thing.

"I will try a larger batch" and "will try a larger batch" (a log's usual subject-less voice) are plans;
"the longer wall clock time is going to slow things down", "this choice will incorporate more of my bias"
and "the agent needs to learn how to rein in" say what a thing will do or must do, and plan nothing. The
difference is grammar, not vocabulary: the subject of the future (or of "needs to") is the writer or
nobody, or it is a thing named by a determiner, a pronoun or a gerund. Words that name a step, a time or a
plan ("the next step will be ...", "this time will also use 30 epochs") keep the plan.
"""

from __future__ import annotations

import re

# The cues whose subject decides: a future ("will", "'ll", "going to", "gonna") and a third-person "needs to".
FUTURE_CUE = re.compile(r"'ll|’ll|(?<![\w'’])(?:will|(?:is|'s|’s|are|'re|’re)?\s{0,2}going\s{1,3}to|gonna|"
                        r"needs\s{1,3}to)\b", re.IGNORECASE)
# Where the clause holding the cue starts: punctuation, a conjunction, a relative or a verb of thinking.
_CLAUSE_EDGE = re.compile(r"[,;:.!?()\[\]—–]|\s-{1,2}\s|\b(?:and|but|so|because|since|as|if|when|while|though|"
                          r"although|that|think|thinks|thought|guess|suspect|believe|hope|expect|feel|sure|"
                          r"worried|afraid|means|realized|realised)\b", re.IGNORECASE)
_ADVERBS = frozenset({"also", "probably", "just", "still", "then", "now", "likely", "definitely", "really",
                      "surely", "certainly", "not", "never", "eventually", "hopefully", "soon", "maybe",
                      "only", "actually", "obviously", "clearly", "most", "almost", "indeed", "perhaps"})
_PERSONS = frozenset({"i", "we", "you", "he", "she", "they", "someone", "somebody", "everyone", "team",
                      "me", "us", "i'm", "we're", "you're", "they're", "i’m", "we’re", "you’re", "they’re",
                      "i'll", "we'll", "you'll", "they'll", "i’ll", "we’ll", "you’ll", "they’ll"})
# A step, a time or a plan as the subject still announces what will be done.
_PLAN_WORDS = frozenset({"next", "time", "step", "steps", "plan", "plans", "goal", "goals", "idea", "ideas",
                         "thing", "things", "todo", "tomorrow", "week", "later", "following", "run", "runs",
                         "experiment", "experiments", "job", "jobs", "approach", "option"})
_THING_HEADS = frozenset({"it", "this", "that", "these", "those", "which", "there", "the", "a", "an", "my", "our",
                          "its", "their", "each", "every", "any", "some", "no", "more", "such", "his", "her",
                          "both", "all", "what", "it's", "it’s", "that's", "that’s", "there's", "there’s",
                          "what's", "what’s", "adding", "creating", "using", "training", "having",
                          "increasing", "decreasing", "reducing", "removing", "changing", "switching"})
_PASSIVE = re.compile(r"\s{1,3}(?:\w{1,20}ly\s{1,3}|also\s{1,3}|still\s{1,3}|then\s{1,3})?be\s{1,3}"
                      r"(?:\w{1,20}ly\s{1,3})?(?:re-?)?[a-z]{2,20}(?:ed|en)\b")
_WORD = re.compile(r"[\w'’-]{1,40}")


def thing_subject(lowered: str, cue_start: int) -> bool:
    """Whether the subject of the cue at ``cue_start`` is a thing (a forecast or a description), not the writer.

    Reads at most 80 characters back, to the clause's edge; no subject at all (a log's "will rerun") is the
    writer's voice."""
    window = lowered[max(0, cue_start - 80):cue_start]
    edges = list(_CLAUSE_EDGE.finditer(window))
    span = window[edges[-1].end():] if edges else window
    if edges and edges[-1].group(0).lower() == "that" and not _WORD.findall(span):
        return False
    words = [w for w in _WORD.findall(span) if w not in _ADVERBS]
    if not words or any(w in _PERSONS for w in words) or len(words) > 6:
        return False
    if any(w in _PLAN_WORDS for w in words) and (len(words) <= 3 or {"next", "following"} & set(words)):
        return False
    if words[-1] in ("is", "was"):
        # "... that gets the mean is going to do much": a third person is the subject, whatever comes first
        return True
    # "which will slow it", "it's going to", "the model needs to", "adding dropout is going to"
    return words[0] in _THING_HEADS or (words[0].endswith("ing") and len(words) > 1)


def forecast_cue(lowered: str, start: int) -> bool:
    """Whether a plan cue found at ``start`` is a future or a need told of a thing ("the run is going to be
    slow", "the agent needs to learn"), so no plan of the writer's. "needs to be fixed" stays a need."""
    cue = FUTURE_CUE.match(lowered, start)
    if not cue:
        # the plan pattern may start its match at the auxiliary ("is going to"), at the subject ("i'll"), or
        # just after the auxiliary
        near = FUTURE_CUE.search(lowered, max(0, start - 8), start + 16)
        if not near or near.start() > start + 4 or near.end() <= start:
            return False
        cue = near
    if _PASSIVE.match(lowered, cue.end()):
        # "the data will be re-split", "this needs to be fixed": a thing that will have something done to it
        # is still a plan
        return False
    return thing_subject(lowered, cue.start())


# What a thing is expected to do to the run: "the larger batch will stabilise things", "this should make training
# more stable", "it will give better results". Told of a thing, such a future is the claim a try puts to the test.
_EFFECT = re.compile(r"(?:\bwill|'ll|’ll|\bshould|\bwould|\bmight|\bmay|\bcould)\s{1,3}"
                     r"(?:\w{1,12}ly\s{1,3}|also\s{1,3}|still\s{1,3}|really\s{1,3})?(?:help|improve|give|make|stabili[sz]e|speed|reduce|increase|fix|"
                     r"regulari[sz]e|boost|lead|result|converge|generali[sz]e|hurt|lower|raise|produce|yield|cut|"
                     r"smooth|prevent|avoid|matter|learn|train|be\s{1,3}(?:better|worse|faster|slower|more|less|"
                     r"enough|easier|harder))\w{0,4}\b")
_EXPECT_LEAD = re.compile(r"^\W{0,4}(?:(?:and|but|so)\s{1,3})?(?:hopefully|ideally|intuitively|presumably|"
                          r"in\s{1,3}theory|theoretically|(?:i|we)\s{1,3}(?:\w{1,12}ly\s{1,3})?(?:think|expect|believe|hope|bet|suspect)|"
                          r"(?:i'?m|i\s{1,3}am|we'?re|we\s{1,3}are)\s{1,3}hoping|my\s{1,3}(?:guess|hope|expectation)\s{1,3}is)"
                          r"\W{0,3}(?:that\W{1,3})?")


def expected_effect(text: str) -> bool:
    """Whether a sentence says what a thing is expected to do ("Hopefully the larger batch will stabilise things",
    "Once done, I think it will give better results"): a claim to test, not a plan and not a result."""
    lowered = text[:400].lower()
    lowered = re.sub(r"^\W{0,4}(?:once|when|after)\s[^,]{1,40},\s{0,3}", "", lowered)  # "Once done, ..."
    lead = _EXPECT_LEAD.match(lowered)
    rest = lowered[lead.end():] if lead else lowered
    effect = _EFFECT.search(rest)
    return effect is not None and effect.start() > 0 and thing_subject(rest, effect.start())


# "going to 5 layers hurt", "switching to adamw helped a lot": the move is the subject of a verdict in the past, a
# thing done, not a plan ("I'm going to 5 layers", "switching to adamw tomorrow" stay plans)
_DONE_MOVE = re.compile(
    r"(?:going|switching|moving|jumping|dropping|bumping)\s{1,3}(?:up\s{1,3}|down\s{1,3}|back\s{1,3})?"
    r"to\s{1,3}(?!(?:try|run|test|add|use|do|see|check|look|switch|go|make|train|rerun|re-run|tune|increase|decrease|"
    r"lower|raise|bump|drop|change|start|keep|put|give|have|be|get|need|want|set|compare|write|fix|ask)\b)"
    r"[^,;.!?()]{1,40}?\s(?:\(\S[^)]{0,30}\)\s{0,3})?"
    r"(?:hurt|helped|made|gave|got|improved|broke|killed|cost|brought|lowered|raised|did(?:n'?t|\s{1,3}not)?|"
    r"was|were|wasn'?t|weren'?t|had|changed|fixed|beat|lost|won|worked|failed)\b")
_MOVE_SUBJECT = re.compile(r"(?:^|[,;:(\-•*>]\s{0,3}|\b(?:and|but|so|then|also)\s{1,3})$")


def done_move(lowered: str, start: int) -> bool:
    """Whether the plan cue at ``start`` opens a clause whose move is then judged in the past tense."""
    move = _DONE_MOVE.match(lowered, start)
    return bool(move) and bool(_MOVE_SUBJECT.search(lowered[max(0, start - 8): start]))
