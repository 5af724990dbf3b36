"""Group links: runs described by what they share ("the conformer runs", a sweep's id, "seeds 1/2/3
gave .994, .993, .993"), each linked when the description fits them exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from narrative import lexicon
from narrative.link_evidence import (
    _PARAM_WORD_VALUE,
    CandidatePool,
    RunProfile,
    SegmentLinks,
    _clip,
    _families_of,
    _Mention,
    _mentions,
    _metric_matches,
    _quoted_metric_values,
    describe,
    linked_run,
    param_keys_for,
    seed_values,
    value_matches,
)
from narrative.link_people import long_ago, others_in
from narrative.link_word_senses import two_senses
from narrative.segmenting import Segment
from storage.records import LinkedRun

# -- groups: runs described by what they share ------------------------------------------------------
# "the conformer runs", "the multiscale and filterbank approaches", "the DDSP-style generators",
# "seeds 1/2/3 gave .994, .993, .993": a description of several runs is a link to every run of the
# author's window it fits — when it fits them exactly (every word of the description is understood)
# and the text is not a plan, a question or a negation.

# Nouns whose phrase names every run that fits ("the multiscale approach", "an MLflow experiment").
_FAMILY_NOUNS = frozenset({
    "runs", "experiments", "experiment", "variants", "versions", "configs", "configurations", "trials",
    "jobs", "ones", "seeds", "attempts", "generators", "networks", "nets", "agents", "approaches",
    "approach", "models", "setups", "architectures", "methods", "family", "sweep", "sweeps", "results",
})
# Nouns that name one run: a description that fits several is ambiguous.
_SINGLE_NOUNS = frozenset({"run", "job", "trial", "attempt", "model", "version", "variant", "config",
                           "one", "generator", "network", "net", "agent", "setup", "configuration"})
# Plural nouns that are also verbs ("xgb runs faster"): a noun only after a determiner or a count,
# or before a verb.
_VERBISH_NOUNS = frozenset({"runs", "models", "experiments", "seeds", "sweeps", "nets", "results"})
_DETERMINERS = frozenset({"the", "my", "our", "these", "those", "this", "that", "all", "both", "each",
                          "every", "his", "her", "their", "your", "a", "an", "its"})
_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "both": 2, "pair": 2, "couple": 2}
# Words that start a phrase on their left: prepositions, conjunctions, common verbs, pronouns.
_LEFT_EDGES = frozenset({
    "of", "in", "on", "at", "with", "from", "for", "to", "by", "than", "vs", "versus", "into", "across",
    "between", "about", "and", "or", "but", "while", "so", "then", "tried", "try", "trying", "ran",
    "rerun", "reran", "started", "launched", "compare", "compared", "comparing", "used", "using", "is",
    "are", "was", "were", "be", "been", "got", "gave", "did", "do", "does", "have", "has", "had",
    "stopped", "restarted", "checked", "see", "saw", "looked", "noticed", "i", "we", "he", "she",
    "they", "it", "now", "also", "both", "all", "after", "before", "since", "like", "as", "out",
})
# Neutral modifiers: they restrict nothing ("the new conformer runs", "DDSP-style generators").
_NEUTRAL = frozenset({"new", "style", "like", "based", "type", "kind", "sort", "of", "other", "own",
                      "today's", "todays", "overnight", "same", "whole", "entire", "various", "different",
                      "several", "few", "remaining", "recent", "latest"})
_FAILED_WORDS = frozenset({"failed", "crashed", "diverged", "killed", "broken", "dead", "oom",
                           "exploded", "unstable"})
# Words right after a bare plural that make it a noun: a verb or an auxiliary.
_VERB_AFTER = re.compile(  # (?<!\s): linear under any search, not only .match of a slice (issue 11)
    r"(?<!\s)\s*(?:[:,)]|are\b|were\b|all\b|both\b|have\b|had\b|did\b|do\b|don't|didn't|look|seem|gave\b|got\b|"
    r"show|converg|diverg|fail|crash|beat|end|finish|still\b|also\b|perform|work|reach|hit\b|score|"
    r"plateau|underperform|outperform|produc|result|need|took\b|take\b|ran\b|run\b|is\b|was\b)"
)
_NEGATED = frozenset({"no", "not", "without", "never", "none", "nor", "don't", "didn't", "haven't",
                      "hasn't", "won't", "can't", "isn't", "aren't", "wasn't", "weren't"})
# A clause about the future, a wish, a question: its runs do not exist yet, or may not.
NOT_DONE = re.compile(
    r"\?|\b(?:will|going to|gonna|want to|wanna|plan(?:ning)? to|tomorrow|tmrw|todo|to-do|should|"
    r"would|could|might|maybe|need to|next)\b|'ll\b"
)
# Said after a group, these place it before the author's window.
# A comparison's other side is no time ("better than before", "same as earlier"): the group is still this window's.
_EARLIER = re.compile(
    r"\b(?<!than )(?<!as )(?:last (?:week|month|time|year)|yesterday|earlier|previous(?:ly)?|before|ago|back in|"
    r"(?:on |from |last )(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b"
)
_PHRASE_WORD = re.compile(r"[a-z0-9][a-z0-9_'.+/-]*[a-z0-9']|[a-z0-9]")
_PHRASE_BREAK = re.compile(r"[,;:()\[\]{}|!?]|\.\s|\s[-–—]\s|->|→|\*\*|`")


@dataclass(frozen=True)
class _Group:
    """What a noun phrase says: one or more conjuncts (each a list of words every run must fit)."""

    phrase: str
    conjuncts: tuple[tuple[str, ...], ...]
    count: int | None
    failed: bool
    single: bool
    subject: bool = False   # an approach as the subject of a verdict: "nonlinear stacking failed"


def _phrase_words(clause: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _PHRASE_WORD.finditer(clause)]


def _noun_phrases(clause: str) -> list[_Group]:
    """The noun phrases of a clause that name runs: "the conformer runs", "both lgbm models"."""
    words = _phrase_words(clause)
    found: list[_Group] = []
    for index, (word, _start, end) in enumerate(words):
        single = word in _SINGLE_NOUNS
        if word not in _FAMILY_NOUNS and not single:
            continue
        modifiers: list[str] = []
        count: int | None = None
        failed = False
        left = ""
        cursor = index - 1
        while cursor >= 0 and len(modifiers) < 6:
            candidate = words[cursor][0]
            if candidate in {"and", "or", "&"} and modifiers:
                modifiers.append(candidate)  # "the multiscale and filterbank approaches": two conjuncts
                cursor -= 1
                continue
            if candidate in _DETERMINERS or candidate in _LEFT_EDGES or candidate in _NEGATED:
                if candidate in _COUNTS:
                    count = _COUNTS[candidate]
                left = candidate
                break
            if candidate in _COUNTS or (candidate.isdigit() and len(candidate) <= 2):
                count = _COUNTS.get(candidate) or int(candidate)
            elif candidate in _FAILED_WORDS:
                failed = True
            else:
                modifiers.append(candidate)
            cursor -= 1
        if left in _NEGATED:
            continue
        if cursor >= 1 and words[cursor - 1][0] in _NEGATED:
            continue  # "no conformer runs", "not the conformer runs"
        modifiers.reverse()
        tail_end = end
        if not modifiers and not single and (left in _DETERMINERS or left == "of" or count is not None):
            # No word before the noun says which runs: one after it may ("a bunch of runs with O2",
            # "the experiments using mixup").
            modifiers, tail_end = _post_modifiers(words, index)
        if not modifiers:
            continue
        if (word in _VERBISH_NOUNS and left not in _DETERMINERS and left != "of" and count is None
                and not _VERB_AFTER.match(clause[end:])):
            continue  # "xgb runs faster": a verb, not a noun
        conjuncts: list[tuple[str, ...]] = []
        current: list[str] = []
        for modifier in modifiers:
            if modifier in {"and", "or", "&"}:
                if current:
                    conjuncts.append(tuple(current))
                current = []
            else:
                current.append(modifier)
        if current:
            conjuncts.append(tuple(current))
        if not conjuncts:
            continue
        start = words[cursor + 1][1] if cursor + 1 < len(words) else 0
        found.append(_Group(phrase=clause[start:tail_end], conjuncts=tuple(conjuncts), count=count,
                            failed=failed, single=single and count is None))
    return found


# "the runs on mnist", "the results in pytorch on mnist": where the runs ran is said after them as well.
_POST_MODIFIER_HEADS = frozenset({"with", "using", "on", "in"})


def _post_modifiers(words: list[tuple[str, int, int]], index: int) -> tuple[list[str], int]:
    """The words of a "with ..." / "using ..." / "on ..." / "in ..." phrase right after the noun at ``index`` (at
    most three, up to the next function word; a second such phrase right after it too), and where they end; none
    when there is no such phrase."""
    taken: list[str] = []
    end = words[index][2]
    head = index + 1
    for _phrase in range(2):
        if head >= len(words) or words[head][0] not in _POST_MODIFIER_HEADS:
            break
        first = head + 1
        if first < len(words) and words[first][0] in {"the", "a", "an"}:
            first += 1  # "the runs with the large encoder": an article opens the phrase
        head = first
        for word, _start, word_end in words[first : first + 3]:
            if (word in _DETERMINERS or word in _LEFT_EDGES or word in _NEGATED or word in _FAMILY_NOUNS
                    or _VERB_AFTER.match(" " + word)):
                break  # the phrase ends where its clause's verb starts ("runs with o2 diverged")
            taken.append(word)
            end = word_end
            head += 1
    return taken, end


# An approach named as the subject of a verdict, at the start of a clause: "nonlinear stacking
# failed", "- label smoothing didn't help".
_SUBJECT_VERDICT = re.compile(
    # "\s*(?:B\s*)?" rather than "\s*B?\s*": the same text, without splitting a whitespace run two ways
    r"^\s*(?:(?:[-*•]|\d{1,2}[.)])\s*)?(?:the\s+)?((?:[a-z0-9][\w'.+-]*\s+){0,3}[a-z0-9][\w'.+-]*)\s+"
    r"(?:failed|worked|helped|hurt|diverged|converged|crashed|underperformed|outperformed|blew up|went nan|"
    r"(?:did|does|do)(?:n't| not) (?:help|work|converge))\b"
)


def _subject_phrases(clause: str) -> list[_Group]:
    match = _SUBJECT_VERDICT.match(clause)
    if not match:
        return []
    words = match.group(1).split()
    if any(w in _DETERMINERS or w in _LEFT_EDGES or w in _NEGATED or w in _FAMILY_NOUNS or w in _SINGLE_NOUNS
           for w in words):
        return []  # "it failed", "we tried x and it worked", "the runs failed": not an approach's name
    return [_Group(phrase=match.group(1), conjuncts=(tuple(words),), count=None, failed=False, single=False,
                   subject=True)]




class _Unknown(Exception):
    """A word of a description that no run has and that is not neutral ("big"): stop, link nothing."""


_PARTS_SPLIT = re.compile(r"[_/+]|(?<![0-9]e)-")


def _word_verdicts(raw: str, pool: CandidatePool) -> list[str]:
    """The words of ``raw`` that say something about runs; raises ``_Unknown`` for a word that
    no run of the pool has ("big", "wide")."""
    if raw in _NEUTRAL or raw in lexicon.STOP_TOKENS:
        return []
    if pool.fitting(raw):
        return [raw]
    # A dash after a digit and an "e" is an exponent's ("lr1e-3" is lr 1e-3, not "lr1e" and "3").
    parts = [p for p in _PARTS_SPLIT.split(raw) if p]
    said: list[str] = []
    for part in parts if len(parts) > 1 else []:
        if part in _NEUTRAL or part in lexicon.STOP_TOKENS:
            continue
        if not pool.fitting(part):
            raise _Unknown(part)
        said.append(part)
    if not said:
        raise _Unknown(raw)
    return said


def _setting_named_with_its_value(word: str, conjunct: tuple[str, ...], pool: CandidatePool) -> bool:
    """Whether ``word`` is the name of a setting whose value another word of the phrase gives ("the large
    encoder runs", "the adamw optimizer ones"): the name says which setting, the value which runs."""
    if pool.fitting(word) or len(word) < 3:
        return False
    for candidate in pool:
        for key, stored in candidate.run.params.items():
            if word in re.split(r"[_\-.]", key.lower()) and any(
                    other != word and value_matches(other, stored) for other in conjunct):
                return True
    return False


def _conjunct_terms(conjunct: tuple[str, ...], pool: CandidatePool) -> list[str]:
    """The terms of one conjunct; a family of several words ("random forest") is one term."""
    if len(conjunct) > 1:
        conjunct = tuple(w for w in conjunct if not _setting_named_with_its_value(w, conjunct, pool)) or conjunct
    phrase = " ".join(conjunct)
    families = _families_of(phrase)
    if len(conjunct) > 1 and families and pool.fitting(phrase):
        covered = " ".join(alias for f in families for alias in lexicon.MODEL_FAMILIES[f] if alias in phrase)
        rest = [w for w in conjunct if w not in covered.split()]
        return [phrase, *[t for raw in rest for t in _word_verdicts(raw, pool)]]
    return [term for raw in conjunct for term in _word_verdicts(raw, pool)]


def _group_members(group: _Group, inferable: list[RunProfile], pool: CandidatePool) -> list[RunProfile] | None:
    """The runs a noun phrase names, or None when a word of it is not understood."""
    members: dict[str, RunProfile] = {}
    for conjunct in group.conjuncts:
        if len(conjunct) == 1 and tracker_adjective(conjunct[0], inferable):
            return None  # "a dry run", "the fast run": an everyday adjective, though wandb names "dry-wind-12" by it
        try:
            terms = _conjunct_terms(conjunct, pool)
        except _Unknown:
            return None
        if not terms:
            return None  # "the new runs": nothing said about which
        fitting = [c for c in inferable
                   if all(c.run.run_id in pool.fitting(term) for term in terms) and (not group.failed or c.failed)]
        if not fitting:
            return None  # a conjunct naming nothing of the window: the phrase is about something else
        if len(terms) == 1 and two_senses(terms[0], fitting):
            return None  # "the cosine runs": a cosine schedule in some, a cosine-similarity loss in others
        for candidate in fitting:
            members[candidate.run.run_id] = candidate
    return list(members.values())


# A name a tracker makes up, adjective-noun-counter ("wise-fox-12", "dry-wind-3"); its adjective is an everyday word.
_MADE_UP_NAME = re.compile(r"([a-z]{2,12})-[a-z]{2,12}-\d{1,6}")


def tracker_adjective(word: str, runs: Iterable[RunProfile]) -> bool:
    """Whether ``word`` is the adjective of a made-up name of ``runs`` ("dry" of dry-wind-12) and of no setting."""
    named = False
    for candidate in runs:
        shape = _MADE_UP_NAME.fullmatch(candidate.run.run_name.lower())
        if shape and shape.group(1) == word:
            named = True
            if any(word in re.split(r"[^a-z0-9]+", v.lower()) for v in candidate.run.params.values()):
                return False
    return named


def _not_done(clause: str, segment: Segment) -> bool:
    # A question mark anywhere in the segment (a sentence or a bullet) makes all of it a question.
    return segment.section in ("next", "question") or "?" in segment.text or not_run(clause)


def elsewhere(clause: str, people: frozenset[str]) -> bool:
    """Whether a lowered clause speaks of another person's runs or of runs before the window ("bob's", "last week")."""
    return others_in(clause, people) or long_ago(clause)


def not_run(clause: str) -> bool:
    """Whether a lowered clause speaks of a run to come or not run: a plan, a thing not run yet, a hypothetical."""
    clause = _MODAL_NOT_A_PLAN.sub(" ", clause)
    if NOT_DONE.search(clause) or _NOT_RUN.search(clause):
        return True
    # "if" and "whether" make a hypothetical, except after a verb of finding out: "ran bs 512 to see if it helps"
    # reports the run that was made to find out.
    return any(not _FINDING_OUT.search(clause[max(0, m.start() - 30):m.start()]) for m in _IF.finditer(clause))


# Said in a clause, these make what it describes a run not (yet) done: a plan's or an idea's heading, a thing not
# run yet ("Plan: bs 512 with lr 3e-4", "haven't run bs 512 yet", "bs 512 not tried yet", "seeds 3, 4 are queued",
# "Run 5 (queued ...)"; not "the run I queued yesterday finished"). A negation of anything
# else reports on a run that exists ("the bs 512 run hasn't converged", "has not improved"), "as planned" reports a
# run done, and "to do with" names no plan.
_RUN_VERB = r"(?:run|ran|try|tried|launch(?:ed)?|start(?:ed)?|test(?:ed)?|kick(?:ed)? off)"
_NOT_RUN = re.compile(
    r"\b(?:plans?|(?<!as )(?<!than )planned|ideas?|hypothes[ie]s|unless|in case)\b|\bto do\b(?! with)|"
    r"\b(?:is|are|'s|still|now)[ \t]{1,2}(?:queued|pending)\b|\(queued\b|\bqueued[ \t]{1,2}(?:up|for|behind|next)\b|"
    r"\b(?:haven'?t|hasn'?t|have not|has not|did(?:n't| not)|never|not|yet to)[ \t]{1,2}"
    r"(?:(?:yet|been|be|get to|got to)[ \t]{1,2}){0,2}" + _RUN_VERB + r"\b"
)
# Modal words that plan nothing: a past ability to perceive ("I could see the X runs were better"), a comparison
# with an expectation ("better than I would have thought"), a judgement of runs made ("the X runs should have used a
# lower lr": the runs are the subject, so they exist).
_MODAL_NOT_A_PLAN = re.compile(
    r"\b(?:could(?:n't| not)?[ \t]{1,2}(?:see|tell|notice|observe)\b|"
    r"than[ \t]{1,2}(?:(?:i|we)[ \t]{1,2})?(?:would|could|might|should)[ \t]{1,2}(?:have[ \t]{1,2})?"
    r"(?:thought|expected|hoped|guessed|imagined)\b|"
    r"(?:runs?|models?|experiments?|ones)[ \t]{1,2}(?:should|would|could|might|must)[ \t]{1,2}have\b)"
)
_IF = re.compile(r"\b(?:if|whether)\b")
_FINDING_OUT = re.compile(
    r"\b(?:see|seeing|saw|check(?:ed|ing)?|test(?:ed|ing)?|know|find out|found out|tell|verify|verified|determine|"
    r"confirm(?:ed)?|understand|measure|compare|judge|learn)\s+(?:\w+\s+){0,2}$|\b(?:even|as)\s+$"
)
# Clauses of a description: at punctuation, an emoji or another symbol chat puts between clauses ("it OOM'd 💥 gonna
# do hashing instead"), a new clause's conjunction; a colon too, where what a plan's label announces stays the plan's
# ("Tomorrow: bs 512"). Not at a dash: "Plan for tomorrow - bs 512" is all the plan's.
_DONE_SPLIT = re.compile(r"([;\n]|[.!](?:\s|$)|,\s|:\s|\s(?:but|while|whereas|and then|then)\s|"
                         r"\s?[^\w\s,.;:!?'\"’“”()\[\]{}<>/\\=+\-*%#@&|~^`$]{1,4}\s)")


_BRACKETED = re.compile(r"\([^()\n]{0,200}\)|\[[^\[\]\n]{0,200}\]")


def done_clauses(text: str, segment: Segment, people: frozenset[str] = frozenset()) -> str:
    """The clauses of ``text`` that report something done by the author in the window: without those of a plan, a
    question, a thing not run yet, a hypothetical, another person's runs or runs long ago (empty when the segment is
    a plan or a question as a whole)."""
    if segment.section in ("next", "question", "hypothesis") or "?" in segment.text:
        return ""  # an idea or a hypothesis describes the run that would test it
    # A list in brackets is one piece with the words around it ("other seeds (3, 4) next week": the plan's words
    # after the bracket govern the seeds inside it).
    pieces = _DONE_SPLIT.split(_BRACKETED.sub(lambda m: m.group(0).replace(", ", ",\0"), text))
    kept: list[str] = []
    announced = False   # a plan's label before a colon: what follows is the plan's
    for clause, separator in zip(pieces[::2], [*pieces[1::2], ""], strict=True):
        planned = announced or not_run(clause.lower())
        announced = planned and separator.strip() == ":"
        if clause.strip() and not planned and not elsewhere(clause.lower(), people):
            kept.append(clause.replace(",\0", ", "))
    return ", ".join(kept)


def _clauses(text: str) -> list[str]:
    return [c for c in _PHRASE_BREAK.split(text.lower()) if c.strip()]


def _infer_groups(
    entry: SegmentLinks,
    pool: CandidatePool,
    inferable: list[RunProfile],
    linked: dict[str, LinkedRun],
    warnings: list[str],
) -> None:
    """Link every run of a group the segment names ("the conformer runs", a sweep's id, a series
    of seeds)."""
    inferable_ids = {p.run.run_id for p in inferable}
    _infer_series(entry, pool, inferable, linked, warnings)
    _infer_change(entry, pool, inferable, linked)
    _infer_removal(entry, inferable, linked)
    for clause in _clauses(entry.segment.text):
        if _not_done(clause, entry.segment) or elsewhere(clause, pool.others):
            continue
        for value, carriers in pool.group_values.items():
            if value in clause and re.search(rf"(?<![a-z0-9_]){re.escape(value)}(?![a-z0-9_])", clause):
                _link_inferred(entry, linked, [m for m in carriers if m.run.run_id in inferable_ids])
        for group in (*_noun_phrases(clause), *_subject_phrases(clause)):
            if _EARLIER.search(clause[clause.find(group.phrase) + len(group.phrase):]):
                continue  # "the xgb runs from last week": maybe not the ones of this window
            if _writes_a_name(group.phrase, pool):
                continue  # "lr4e4-run diverged": a run written by its name is that run, not a family of its words
            members = _group_members(group, inferable, pool)
            if not members:
                continue
            # Other things the clause states ("with lr 1e-3") narrow the group; a run they
            # contradict is not one of it.
            members = [m for m in members if not describe(clause, m, pool).contradicted] or []
            if not lexicon.has_cue(clause, lexicon.FAILURE_CUES) and any(not m.failed for m in members):
                # "the wide runs overfit": a failed or killed start among them did not; only a clause saying they
                # failed takes it in (as for comparatives)
                members = [m for m in members if not m.failed]
            if not members:
                continue
            if group.subject and len(members) == len(inferable):
                continue  # "xgb failed" when every run is xgb: it says nothing about which
            expected = 1 if group.single else group.count
            if expected is not None and len(members) != expected:
                names = ", ".join(m.run.run_name or m.run.run_id[:8] for m in members[:4])
                warnings.append(f"'{_clip(group.phrase)}' fits {len(members)} runs ({names}); none linked.")
                continue
            _link_inferred(entry, linked, members)


def _writes_a_name(phrase: str, pool: CandidatePool) -> bool:
    """Whether a phrase writes a run's whole name (a name of two words or more, so "the xgb runs" is no name)."""
    return any(len(name) >= 5 and not name.isalpha() and name in phrase
               and re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", phrase)
               for name in (p.run.run_name.lower() for p in pool) if name)


def _link_inferred(entry: SegmentLinks, linked: dict[str, LinkedRun], members: Iterable[RunProfile]) -> None:
    """Link each run of ``members`` to the entry as inferred from its description (once each)."""
    for member in members:
        linked.setdefault(member.run.run_id, linked_run(member.run, "inferred"))
        if member.run.run_id not in entry.run_ids:
            entry.run_ids.append(member.run.run_id)


# A line that states a change of setting and nothing else: "2.2. pre-norm => post-norm", "4. SwiGLU => SiLU",
# "Activation: Swish => ReLU" (a numbered heading or a label may come first).
_CHANGE_LINE = re.compile(
    r"(?:(?:[-*•#]{1,6}|\d{1,2}(?:\.\d{1,2}){0,2}\.?)\s{0,3})?(?:[a-z][a-z0-9 ]{0,30}:\s{0,3})?"
    r"([a-z0-9][\w.+-]{0,40}(?:\s[a-z0-9][\w.+-]{0,40}){0,2})\s{1,3}(?:=>|->|→)\s{1,3}"
    r"([a-z0-9][\w.+-]{0,40}(?:\s[a-z0-9][\w.+-]{0,40}){0,2})"
)
_WORD_PARTS = re.compile(r"[a-z][a-z0-9]*")


def _change_words(side: str) -> set[str]:
    return {w for w in _WORD_PARTS.findall(side) if w not in lexicon.STOP_TOKENS and w not in _NEUTRAL}


def _infer_change(
    entry: SegmentLinks, pool: CandidatePool, inferable: list[RunProfile], linked: dict[str, LinkedRun]
) -> None:
    """A line that is only a change of setting ("pre-norm => post-norm") is about the runs with the new
    setting: every run of the window that has each new word and none of the old ones — when the old
    setting is also in the window (it was a change between runs), and not every run has the new one."""
    line = entry.segment.text.lower().replace("*", "").strip()
    match = _CHANGE_LINE.fullmatch(line)
    if not match or _not_done(line, entry.segment):
        return
    before, after = _change_words(match.group(1)), _change_words(match.group(2))
    new, old = after - before, before - after
    if not new or not old:
        return
    ids = {p.run.run_id for p in inferable}
    members = [p for p in inferable
               if all(p.run.run_id in pool.fitting(w) for w in new)
               and not any(p.run.run_id in pool.fitting(w) for w in old)]
    others = ids - {p.run.run_id for p in members}
    if not members or not others or not all(pool.fitting(w) & others for w in old):
        return
    _link_inferred(entry, linked, members)


# A line that only removes a component: "2.1. Remove RMSNorms", "- dropped the warmup". ("no dropout" or
# "without dropout" alone is as often one line of a run's config, which says nothing of which runs.)
_REMOVAL_LINE = re.compile(
    r"(?:(?:[-*•#]{1,6}|\d{1,2}(?:\.\d{1,2}){0,2}\.?)\s{0,3})?(?:remove[ds]?|removing|drop(?:ped)?|ablate[ds]?)\s{1,3}"
    r"(?:the\s{1,3})?([a-z][\w.+-]{0,40})"
)
_NULL_VALUES = frozenset({"none", "false", "0", "0.0", "off", "no", "null", "disabled", ""})


def _infer_removal(entry: SegmentLinks, inferable: list[RunProfile], linked: dict[str, LinkedRun]) -> None:
    """A line that only removes a component ("Remove RMSNorms") is about the runs whose setting holding
    it is empty ("none", "false", "0") while other runs of the window have it."""
    line = entry.segment.text.lower().replace("*", "").strip()
    match = _REMOVAL_LINE.fullmatch(line)
    if not match or _not_done(line, entry.segment):
        return
    word = match.group(1)
    spellings = {word, word[:-1] if word.endswith("s") and len(word) > 4 else word}
    keys = {k for p in inferable for k, v in p.run.params.items()
            if spellings & set(re.findall(r"[a-z0-9]+", v.lower()))}
    members = [p for p in inferable if any(p.run.params.get(k, "").strip().lower() in _NULL_VALUES for k in keys)]
    if not keys or not members:
        return
    _link_inferred(entry, linked, members)


# A number written in quotes ("1e-4" "3e-4"): the quotes become a space and a comma (same length, so
# positions in the text stay), which makes a list of quoted values a list like any other.
_QUOTED_NUMBER = re.compile(r"[\"'`“”‘’](\d{0,6}\.?\d{1,8}(?:e-?\d{1,3})?)[\"'`“”‘’]")
# Values before the word that names them: "at 200 and 400 epochs", "500/1000/1500 trees".
_VALUES_BEFORE_WORD = re.compile(
    r"(?<![\w.])(\d{0,6}\.?\d{1,8}(?:e-?\d{1,3})?(?:\s{0,3}(?:,|/|and|&|or)\s{0,3}\d{0,6}\.?\d{1,8}(?:e-?\d{1,3})?){1,20})"
    r"\s{0,3}(" + "|".join(sorted(lexicon.PARAM_SUFFIX_WORDS, key=len, reverse=True)) + r")(?![a-z0-9])"
)


# Two values of a setting set against each other: "iteration = 200 vs 1000", "lr 1e-3 versus 3e-4".
_VALUES_VERSUS = re.compile(
    r"(?<![a-z0-9_])([a-z][a-z0-9_]{1,30})\s{0,3}[=:]?\s{0,3}(\d{0,6}\.?\d{1,8}(?:e-?\d{1,3})?)\s{1,3}"
    r"(?:vs\.?|versus)\s{1,3}(\d{0,6}\.?\d{1,8}(?:e-?\d{1,3})?)(?![0-9]|\.[0-9])"
)


_SENTENCE_END = re.compile(r"[.;!?](?:\s|$)|\n")


def _unquote_numbers(lowered: str) -> str:
    return _QUOTED_NUMBER.sub(lambda m: " " + m.group(1) + ",", lowered)


def _series_mentions(text: str, pool: CandidatePool) -> list[tuple[_Mention, int, int]]:
    """Parameters stated with several values ("seeds 1/2/3", "entropy beta 0.01 and 1.0", "learning
    rates: "1e-4" "3e-4" ...", "200 and 400 epochs"), with where they are in ``text``."""
    lowered = _unquote_numbers(text.lower())
    found: list[tuple[_Mention, int, int]] = []
    patterns = [p for p in (_PARAM_WORD_VALUE, pool._key_pattern) if p is not None]
    shared: list[tuple[int, int]] = []   # lists whose last value is another setting's: "a batch size of 4 and 5 epochs"
    for pattern in patterns:
        for match in pattern.finditer(lowered):
            values = tuple(dict.fromkeys(re.findall(r"\d*\.?\d+(?:e-?\d+)?", match.group(2))))
            if len(values) >= 2 and _unit_of_another(lowered, match.end(), match.group(1)):
                shared.append(match.span(2))
                continue
            if len(values) >= 2 and seed_values(match.group(1), values):
                found.append((_Mention(match.group(1).replace(" ", "_"), values), match.start(), match.end()))
    for match in _VALUES_BEFORE_WORD.finditer(lowered):
        listed = tuple(dict.fromkeys(re.findall(r"\d*\.?\d+(?:e-?\d+)?", match.group(1))))
        if any(a < match.end(1) and match.start(1) < b for a, b in shared):
            continue  # "batch size of 4 and 5 epochs": the 4 is the batch size's, the 5 the epochs'
        if len(listed) >= 2:
            found.append((_Mention(lexicon.PARAM_SUFFIX_WORDS[match.group(2)], listed), match.start(), match.end()))
    for match in _VALUES_VERSUS.finditer(lowered):
        if match.group(1) not in lexicon.STOP_TOKENS and match.group(2) != match.group(3):
            found.append((_Mention(match.group(1), (match.group(2), match.group(3))), match.start(), match.end()))
    # One setting written again with another value in the same line: "... when L=8, and struggled with p1
    # when L=16" is about the L=8 run and the L=16 run (the whole line is the series' span).
    by_name: dict[str, list[str]] = {}
    for mention in _mentions(lowered):
        if len(mention.values) == 1:
            by_name.setdefault(mention.name, []).append(mention.values[0])
    for name, said in by_name.items():
        distinct = tuple(dict.fromkeys(said))
        if len(distinct) >= 2:
            found.append((_Mention(name, distinct), 0, len(lowered)))
    return found


_UNIT_AFTER = re.compile(r"\s{0,3}(" + "|".join(sorted(lexicon.PARAM_SUFFIX_WORDS, key=len, reverse=True))
                         + r")(?![a-z0-9])")


def _unit_of_another(lowered: str, end: int, name: str) -> bool:
    """Whether the list ending at ``end`` is closed by another setting's unit word: in "a batch size of 4 and 5
    epochs" the list "4 and 5" holds one value of each setting, no series of either (round 16)."""
    unit = _UNIT_AFTER.match(lowered, end)
    return unit is not None and lexicon.PARAM_SUFFIX_WORDS[unit.group(1)] != name.replace(" ", "_").rstrip("s") + "s" \
        and lexicon.PARAM_SUFFIX_WORDS[unit.group(1)] != name.replace(" ", "_")


# A list of values names its runs when most of its values fit one run each: a value that fits several
# ("32" when every run of a learning-rate sweep ran at batch size 32) is left out, the others linked.
_MIN_UNIQUE_VALUES = 2


def _infer_series(
    entry: SegmentLinks,
    pool: CandidatePool,
    inferable: list[RunProfile],
    linked: dict[str, LinkedRun],
    warnings: list[str],
) -> None:
    """"seeds 1/2/3 gave .994, .993, .993": one run per stated value (paired with the quoted
    results in order when there are as many), every one of them linked. A value that fits several
    runs is left out (the one whose name writes the value when only one does); the rest are linked
    when at least two values fit one run each and they outnumber the values left out."""
    text = entry.segment.text
    for mention, start, end in _series_mentions(text, pool):
        sentence_start = max(text.rfind(mark, 0, start) for mark in (".", ";", "!", "?", "\n"))
        # The plan may follow the series: "seeds 1, 2, 3 planned at 3e-5 too".
        closing = _SENTENCE_END.search(text, end)
        if _not_done(text[sentence_start + 1 : closing.start() if closing else len(text)].lower(), entry.segment):
            continue
        quoted = [q for q in _quoted_metric_values(text[end:]) if not q.baseline]
        paired = quoted[: len(mention.values)] if len(quoted) >= len(mention.values) else []
        # What else the line states must fit the run; the series' own values, said once each, do not.
        rest = _without_series(text, mention, start, end)
        chosen: list[RunProfile] = []
        left_out = 0
        several: list[RunProfile] = []   # the runs of the values that fit several (named in the warning)
        for index, value in enumerate(mention.values):
            fitting = [
                p for p in inferable
                if any(value_matches(value, p.run.params[k]) for k in param_keys_for(mention.name, p.run.params))
                and not describe(rest, p, pool).contradicted
            ]
            if paired:
                fitting = [p for p in fitting if _metric_matches(paired[index], p.run)]
            if len(fitting) > 1:
                several += fitting
                named = [p for p in fitting if _name_writes(p, mention.name, value)]
                fitting = named if len(named) == 1 else []
                left_out += not fitting
            chosen.extend(fitting)
        ids = {p.run.run_id for p in chosen}
        if len(ids) != len(chosen) or (left_out and (paired or len(chosen) < max(_MIN_UNIQUE_VALUES, left_out + 1))):
            if chosen or left_out:
                names = ", ".join(dict.fromkeys(p.run.run_name or p.run.run_id[:8] for p in several[:4]))
                warnings.append(f"'{_clip(text)}' states {mention.name} {'/'.join(mention.values)} "
                                f"but a value fits several runs{f' ({names})' if names else ''}; none linked.")
            continue
        if len(chosen) < _MIN_UNIQUE_VALUES:
            continue  # one run: the single-run description decides
        _link_inferred(entry, linked, chosen)


def _without_series(text: str, mention: _Mention, start: int, end: int) -> str:
    """``text`` without the series: its span, or (a series spread over the line) each "name=value" of it."""
    if start > 0 or end < len(text):
        return text[:start] + " " * (end - start) + text[end:]
    spoken = re.escape(mention.name).replace("_", "[ _]")
    values = "|".join(re.escape(v) for v in mention.values)
    return re.sub(rf"(?<![a-z0-9]){spoken}\s{{0,3}}[=:]?\s{{0,3}}(?:{values})(?![0-9]|\.[0-9])", " ", text,
                  flags=re.IGNORECASE)


def _name_writes(run: RunProfile, param: str, value: str) -> bool:
    """Whether a run's name writes ``value`` right after a word for ``param`` ("ts-bs-32", "lr_3e-3"):
    a number alone in a name is as likely a counter ("jolly-lynx-1")."""
    keys = {k.lower() for k in param_keys_for(param, run.run.params)}
    words = keys | {spoken for spoken, fragments in lexicon.PARAM_ALIASES.items() if keys & set(fragments)}
    name = run.run.run_name.lower()
    spelled = ["[ _-]?".join(re.escape(part) for part in re.split(r"[ _]", word)) for word in words if word]
    return any(re.search(rf"(?<![a-z0-9]){form}[-_=]?{re.escape(value)}(?![0-9.]|e-?[0-9])", name) for form in spelled)
