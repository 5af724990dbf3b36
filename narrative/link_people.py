"""Clauses that speak of someone else's runs or of runs from before the author's window (links round 7).

A description in such a clause ("Bob's batch size 512 run did better than mine", "same as alice's run with lr 3e-4",
"the run from last week with batch size 512") may fit one of the author's window runs, but it is about a run of
another person or a run the window does not hold: the linkers that read descriptions skip those clauses. Other people
are the users of the tracker's runs other than the author (by their user name or a part of it), and people in general
("a colleague's", "someone's", "your", "his").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from storage.records import RunSnapshot

_PRONOUNS = re.compile(r"\b(?:his|her|hers|theirs|your|yours)\b")
# A possessive: "bob's", "Alice’s", "the team's".
_POSSESSIVE = re.compile(r"(?<![\w'’])([a-z][a-z0-9_.\-]{1,30})['’]s(?![\w])")
_OTHER_NOUNS = frozenset({"someone", "somebody", "colleague", "teammate", "coworker", "co-worker", "friend",
                          "labmate", "advisor", "supervisor", "mentor", "author", "authors", "baseline-author"})
# Anyone's runs: a possessive (not of a day or a thing of the run) a few words before a noun of runs or results
# ("alice's lr 3e-4 run", "the author's config", "Smith's results").
_TIME_OR_THING = frozenset({"today", "yesterday", "tonight", "tomorrow", "night", "morning", "evening", "afternoon",
                            "week", "weekend", "month", "year", "day", "model", "run", "network", "net", "data",
                            "dataset", "baseline", "experiment", "it", "one", "that", "this", "everyone", "last",
                            # contractions and the author's own group: "let's rerun the runs", "here's the results"
                            "let", "here", "there", "what", "who", "where", "how", "he", "she", "everything",
                            "nothing", "something", "team", "group", "lab", "project"})
_RUN_NOUNS = re.compile(r"(?:\s{1,3}[\w.\-=]{1,20}){0,4}?\s{1,3}(?:runs?|models?|experiments?|configs?|setups?|"
                        r"results|numbers|settings|checkpoints?|sweeps?)\b")
# Said in a clause, these place what it describes before the window (runs the window does not hold).
_LONG_AGO = re.compile(
    r"\b(?:last (?:week|month|year|sprint|semester)|(?:a|one|two|three|four|few|couple of|\d{1,2}) (?:weeks?|months?|"
    r"years?|days) ago|weeks ago|months ago|back in|a while back|previous (?:week|month|sprint|semester))\b"
)
_USER_PARTS = re.compile(r"[\s@._\-]+")
# A tracker user named as the one who ran or owns what the clause speaks of: "by bob", "from alice", "of bob",
# "(bob)", "bob ran", "bob's" (the possessive is read above).
_BY_SOMEONE = re.compile(r"(?:\b(?:by|from|of)[ \t]{1,2}|\()([a-z][a-z0-9_.\-]{1,30}?)(?=\)|[ \t,.;:!?]|$)|"
                         r"\b([a-z][a-z0-9_.\-]{1,30}?)[ \t]{1,2}(?:ran|launched|started|trained|tried)\b")


def people_of(runs: Iterable[RunSnapshot], author: str) -> frozenset[str]:
    """The lowered user names (and their parts of three letters or more) of the runs' users other than the author."""
    me = author.strip().lower()
    mine = {p for p in _USER_PARTS.split(me) if p}
    people: set[str] = set()
    for run in runs:
        user = run.user.strip().lower()
        if not user or user == me:
            continue
        people.add(user)
        people |= {p for p in _USER_PARTS.split(user) if len(p) >= 3 and not p.isdigit() and p not in mine}
    return frozenset(people)


def others_in(clause: str, people: frozenset[str]) -> bool:
    """Whether a lowered clause speaks of another person's runs ("bob's", "a colleague's", "your")."""
    if _PRONOUNS.search(clause):
        return True
    if people and {name for pair in _BY_SOMEONE.findall(clause) for name in pair if name} & people:
        return True  # "exp10 run by bob", "the run from alice", "lr 3e-4 (bob)": a tracker user's run
    return any(m.group(1) in people or m.group(1) in _OTHER_NOUNS
               or (m.group(1) not in _TIME_OR_THING and _RUN_NOUNS.match(clause, m.end()))
               for m in _POSSESSIVE.finditer(clause))


def long_ago(clause: str) -> bool:
    """Whether a lowered clause places what it speaks of before the author's window ("from last week")."""
    return bool(_LONG_AGO.search(clause))


_CLAUSE_BREAK = re.compile(r"[.;!?\n]\s|[.;!?\n]$|\n|,\s|\s(?:but|while|whereas)\s")


def names_someone_near(lowered: str, start: int, end: int, people: frozenset[str]) -> bool:
    """Whether the clause of ``lowered[start:end]`` speaks of another person's runs ("bob's exp10", "exp 10 by bob",
    "bob ran exp10", "exp10 (bob)")."""
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(lowered, 0, start)]
    after = _CLAUSE_BREAK.search(lowered, end)
    return others_in(lowered[breaks[-1] if breaks else 0 : after.start() if after else len(lowered)], people)
