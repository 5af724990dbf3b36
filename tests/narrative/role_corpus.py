"""How well ``coco log``'s local reading puts real sentences where a careful reader would.

``tests/narrative/data/real_roles.jsonl`` holds sentences and list items copied from public notes by
ML practitioners (research logs, weekly reports, TODO lists, issue comments, write-ups), each with the
heading or list label it sits under and the role a person gave it before looking at the engine:

* ``hypothesis``: a thing tried, or a claim or explanation put forward to test;
* ``did_not_work`` / ``worked``: a verdict on something done (a conclusion);
* ``next_step``: a plan, an intention, a to-do, a suggestion still to carry out;
* ``open_question``: something asked or not understood;
* ``other``: anything else (status, narration, a bare observation, a caveat).

Labelling conventions (one role per item, the most specific): a sentence that reports a change and its
outcome is the verdict (``did_not_work`` / ``worked``); a bad state reported after something was tried
("still not training", "val acc stuck around .84") is ``did_not_work``; a thing done with no outcome is a
``hypothesis``, like a belief about a cause ("I think it is because ..."); a question that also describes a
failure ("... the loss becomes nan, why could it be?") is an ``open_question``; a sentence that mixes a
result and a plan is the result. Corpus batches: the first tune batch (s000-s164) and the held half
(s165-s309) were labelled together; two more tune batches (s310-s352, s353-s375) were labelled and
measured before any rule was written for them; a second held batch (s376-s398, six new sources) was
labelled and added after the last rule, to measure the final reading once. Together these are the
``old`` batch (``--batch old``).

The ``new`` batch (``--batch new``, s399-s456) came in the round that read notes by their structure
(first-person and subject-less reports of a change, task-list boxes, headings without a space,
troubles that went away, numbers of a list of variants). Its sources were new to the
repository, and every item was labelled before the engine read it: a tune part (s399-s423 and
s446-s456: four sources) and a held part (s424-s445: three sources). A list line whose verdict rests
on another line's number ("model 2: ... -> 69%" under "model 1: ... -> 71%") is labelled by the
document, as a reader sees it; read alone with its heading, as here, no reading can give it.

Each item is read in its context (its heading line, then the item) by the same code ``coco log`` runs
with the local engine (``structuring.structure_entry`` then ``grounding.ground_structure``). The
engine's role of an item is the first field holding words of it, in the order conclusions (by
verdict), open questions, next steps, hypotheses; nothing is ``other``.

Sources are split in two halves (``split``: ``tune`` and ``held``) by source, never within one, so that
a rule written for one author's phrasing shows on the other half whether it carries.

The ``third`` batch (``--batch third``, s457-s535) came in the round on an entry's sections (short
subject-less reports, inline labels, condition clauses, counted lists): five sources new to the
repository, labelled before the engine read them, three tune (s457-s503) and two held (s504-s535);
``tests/narrative/data/real_roles_third_batch/README.md`` names them.

The ``fourth`` batch (``--batch fourth``, s536-s638) came in the round on an entry's fields (verdicts
from a measure's movement, hypotheses and questions in plain words): seven sources new to the
repository, labelled before the engine read them, four tune (s536-s583) and three held (s584-s638);
``tests/narrative/data/real_roles_fourth_batch/README.md`` names them.

The ``fifth`` batch (``--batch fifth``, s639 on) came in the round on weekly logs (work still in progress,
expectations, verdicts told in the next sentence): tune only so far, one source new to the repository;
``tests/narrative/data/real_roles_fourth_batch/README.md`` (round fields7) names it.

The ``sixth`` batch (``--batch sixth``, s666 on) came in the round on generalisation (reproduction reports measured
against a paper, failures told without a verdict word, hedged causes, suggestions): tune only, twelve GitHub issue
and pull-request threads new to the repository, labelled before the engine read them; the same README (round
fields8) names them.

The ``seventh`` batch (``--batch seventh``, s721 on) came in the round on verdicts told apart from the thing tried,
questions asked without a mark and plans in lists: tune only, fifteen sources new to the repository (issue threads, a
GAN lab journal, a tried/to-try list), labelled before the engine read them; the same README (round fields9) names them.

The ``eighth`` batch (``--batch eighth``, s787 on) came in the round on things tried and positive verdicts (a change
made told in the first person or without a subject, "X gave a nice boost", "seems to work"): tune only, twenty sources
new to the repository (issue and pull-request threads, project write-ups, an experimentation list), labelled before the
engine read them; the same README (round fields12) names them.

The ``ninth`` batch (``--batch ninth``, s875 on) came in the round on how practitioners state hypotheses (expected
causes, reasons for trying, predictions) and verdicts (with and without a verdict word): tune only, thirty-five sources
new to the repository (issue and pull-request threads, an experiment series' header comments), labelled before the
engine read them; the same README (round fields13) names them.

The ``tenth`` batch (``--batch tenth``, s1013 on) came in the round on kinds the earlier batches had few of (non-native
English, chat-style thread replies, terse bullet logs, meeting minutes, lines mixing code and prose, table rows): tune
only, forty-two sources new to the repository, labelled before the engine read them; the same README (round fields14)
names them.

The ``eleventh`` batch (``--batch eleventh``, s1234 on) came in the round on roles (things tried and verdicts read as
nothing): thirty-two sources new to the repository (forum posts and question threads, issue threads in non-native
English, a pull request's convergence table), labelled before the engine read them and split by
source, seventeen tune and fifteen held; ``tests/narrative/data/real_roles_fourth_batch/README.md`` (round roles15)
names them.

The ``twelfth`` batch (``--batch twelfth``, s1447-s1595) came in the round on recall of things tried, verdicts and
hypotheses: twenty-three sources new to the repository of kinds the earlier batches lacked (shell-script and config
comments, a results table's comment column, a model changelog, a model repository's training notes, blog series,
a thread of short posts, figure captions, weekly task lists), labelled before the engine read them and split by
source, fourteen tune and nine held; ``tests/narrative/data/real_roles_fourth_batch/README.md`` (round roles16)
names them.

The ``thirteenth`` batch (``--batch thirteenth``, s1596-s1736) came in the round on recall of hypotheses and verdicts
read as nothing: fifteen sources new to the repository of kinds the earlier batches lacked (course assignments'
Target / Results / Analysis notes, a research diary, a per-experiment hypothesis / results / conclusion log, a timeline
table's notes column, a fine-tuning postmortem, readers' comments, ablation questions in issue threads), labelled
before the engine read them and split by source, ten tune (s1596-s1693) and five held (s1694-s1736);
``tests/narrative/data/real_roles_fourth_batch/README.md`` (round roles18) names them.

    python -m tests.narrative.role_corpus [--split tune|held|all] [--batch old|...|thirteenth|all] [--confusion] [-v]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from narrative import grounding
from narrative.structuring import structure_entry
from narrative.types import StructureRequest
from storage.records import EntryStructure, ProjectRecord

CORPUS = Path(__file__).resolve().parent / "data" / "real_roles.jsonl"
ROLES = ("hypothesis", "did_not_work", "worked", "next_step", "open_question")
_AT = dt.datetime(2030, 4, 10, 18, 0, tzinfo=dt.UTC)
_PROJECT = ProjectRecord(id="p", workspace_id="w", name="notes", experiment_ids=["1"], experiment_names=["notes"],
                         primary_metric=None, goal="max")
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


@dataclass(frozen=True)
class Item:
    id: str
    split: str
    source: str
    context: str
    text: str
    role: str


NEW_BATCH_FROM = 399     # item numbers from here on are the ``new`` batch
THIRD_BATCH_FROM = 457   # ... and from here on the ``third`` batch
FOURTH_BATCH_FROM = 536  # ... and from here on the ``fourth`` batch
FIFTH_BATCH_FROM = 639   # ... and from here on the ``fifth`` batch
SIXTH_BATCH_FROM = 666   # ... and from here on the ``sixth`` batch
SEVENTH_BATCH_FROM = 721  # ... and from here on the ``seventh`` batch
EIGHTH_BATCH_FROM = 787   # ... and from here on the ``eighth`` batch
NINTH_BATCH_FROM = 875    # ... and from here on the ``ninth`` batch
TENTH_BATCH_FROM = 1013   # ... and from here on the ``tenth`` batch
ELEVENTH_BATCH_FROM = 1234  # ... and from here on the ``eleventh`` batch
TWELFTH_BATCH_FROM = 1447  # ... and from here on the ``twelfth`` batch
THIRTEENTH_BATCH_FROM = 1596  # ... and from here on the ``thirteenth`` batch


def batch_of(item: Item) -> str:
    number = int(item.id.lstrip("s"))
    if number >= THIRTEENTH_BATCH_FROM:
        return "thirteenth"
    if number >= TWELFTH_BATCH_FROM:
        return "twelfth"
    if number >= ELEVENTH_BATCH_FROM:
        return "eleventh"
    if number >= TENTH_BATCH_FROM:
        return "tenth"
    if number >= NINTH_BATCH_FROM:
        return "ninth"
    if number >= EIGHTH_BATCH_FROM:
        return "eighth"
    if number >= SEVENTH_BATCH_FROM:
        return "seventh"
    if number >= SIXTH_BATCH_FROM:
        return "sixth"
    if number >= FIFTH_BATCH_FROM:
        return "fifth"
    if number >= FOURTH_BATCH_FROM:
        return "fourth"
    return "third" if number >= THIRD_BATCH_FROM else "new" if number >= NEW_BATCH_FROM else "old"


def load(split: str = "all", batch: str = "all") -> list[Item]:
    items = [Item(**json.loads(line)) for line in CORPUS.read_text().splitlines() if line.strip()]
    return [i for i in items if (split == "all" or i.split == split) and (batch == "all" or batch_of(i) == batch)]


def message_of(item: Item) -> str:
    return f"{item.context}\n{item.text}" if item.context else item.text


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 1}


def _from_item(field_text: str, item_words: set[str]) -> bool:
    """Whether a field's text is (mostly) words of the item, not of its heading."""
    words = _words(field_text)
    return bool(words) and len(words & item_words) >= max(1, 0.6 * len(words))


def structure_of(item: Item) -> EntryStructure:
    text = message_of(item)
    request = StructureRequest(text=text, author="a", at=_AT, project=_PROJECT)
    return grounding.ground_structure(structure_entry(request), person_text=text, candidates={})


def engine_role(item: Item, structure: EntryStructure | None = None) -> str:
    structure = structure or structure_of(item)
    mine = _words(item.text)
    for conclusion in structure.conclusions:
        if conclusion.verdict in ("did_not_work", "worked") and _from_item(conclusion.text, mine):
            return conclusion.verdict
    for role, texts in (("open_question", structure.open_questions), ("next_step", structure.next_steps),
                        ("hypothesis", structure.hypotheses)):
        if any(_from_item(t, mine) for t in texts):
            return role
    return "other"


@dataclass(frozen=True)
class Scores:
    n: int
    accuracy: float
    per_role: dict[str, tuple[float, float, int, int]]   # role -> (precision, recall, predicted, gold)
    macro_f1: float
    confusion: Counter[tuple[str, str]]


def score(items: list[Item]) -> tuple[Scores, list[tuple[Item, str]]]:
    predicted = [(item, engine_role(item)) for item in items]
    confusion: Counter[tuple[str, str]] = Counter((i.role, p) for i, p in predicted)
    per_role: dict[str, tuple[float, float, int, int]] = {}
    f1s = []
    for role in ROLES:
        tp = confusion[(role, role)]
        pred = sum(c for (_g, p), c in confusion.items() if p == role)
        gold = sum(c for (g, _p), c in confusion.items() if g == role)
        precision = tp / pred if pred else 0.0
        recall = tp / gold if gold else 0.0
        per_role[role] = (precision, recall, pred, gold)
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    correct = sum(1 for i, p in predicted if i.role == p)
    return Scores(n=len(items), accuracy=correct / len(items) if items else 0.0, per_role=per_role,
                  macro_f1=sum(f1s) / len(f1s), confusion=confusion), predicted


def report(name: str, scores: Scores) -> str:
    right = round(scores.accuracy * scores.n)
    lines = [f"{name}: n={scores.n} right {right} accuracy {scores.accuracy:.2f} macro-F1 {scores.macro_f1:.2f}"]
    for role, (precision, recall, pred, gold) in scores.per_role.items():
        lines.append(f"  {role:<14} P {precision:.2f} R {recall:.2f}  (predicted {pred}, gold {gold})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("tune", "held", "all"), default="all")
    parser.add_argument("--batch", default="all",
                        choices=("old", "new", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
                                 "tenth", "eleventh", "twelfth", "thirteenth", "all"))
    parser.add_argument("-v", action="store_true", help="list every item the engine reads otherwise")
    parser.add_argument("--confusion", action="store_true",
                        help="print the counts of each (expected role, role read) miss, no text (safe on held)")
    args = parser.parse_args(argv)
    splits = ("tune", "held") if args.split == "all" else (args.split,)
    for split in splits:
        scores, predicted = score(load(split, args.batch))
        print(report(split if args.batch == "all" else f"{split} ({args.batch} batch)", scores))
        if args.confusion:
            misses = sorted(((c, g, p) for (g, p), c in scores.confusion.items() if g != p), reverse=True)
            print("  misses (expected -> read as): " + ", ".join(f"{g}->{p} {c}" for c, g, p in misses))
        if args.v:
            for item, role in predicted:
                if role != item.role:
                    print(f"    {item.id} gold {item.role:<13} got {role:<13} {item.text[:110]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
