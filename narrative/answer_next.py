"""What to try next, in the team's own words: the next steps of the latest notes and the ideas no run carries
(for ``phase``, ``next_plan`` and the thread question "what should we try next?"; split from
``narrative.synthesis``)."""

from __future__ import annotations

import datetime as dt
import re

from narrative import vocab
from narrative.answer_follow import reported_later
from narrative.answer_quotes import heading_level, in_code, quote_key, section_head
from narrative.answer_rank import stated_aim
from narrative.approaches import UMBRELLA, Approach, derive, result_head
from narrative.checking import check
from narrative.history_index import Fact, HistoryIndex
from narrative.statements import statement_modality
from narrative.types import Answer, Citation
from storage.records import DecisionNote

# "what should we try next?", "what's next for the GAN?", "next steps?": the team's own next steps, not a
# sentence that shares the word "next". Asked in the past ("what did we try next?") it is a question of record.
NEXT_Q = re.compile(r"\b(what'?s|what\s{1,3}is|what\s{1,3}are|what)\s{1,3}(the\s{1,3})?next\b"
                     r"(?!\s{1,3}(best|closest|biggest|largest))|"
                     r"\bnext\s{1,3}(steps?|experiments?|things?|ideas?|moves?)\b|"
                     r"\b(should|could|shall|would|can)\s{1,3}(we|i|you)\s{1,3}(try|do|run|test|explore|attempt)"
                     r"(\s{1,3}\w{1,30}){0,3}?\s{1,3}next\b|\bwhat\s{1,3}(to|else to|else should we|should we)\s{1,3}"
                     r"try\b|\bwhere\s{1,3}(do|should|can)\s{1,3}we\s{1,3}go\s{1,3}from\s{1,3}here\b", re.I)
PAST_Q = re.compile(r"^\s{0,8}(why|when|who|how come)\b|^\s{0,8}what\s{1,3}(did|was|were|had)\b", re.I)


def next_answer(question: str, idx: HistoryIndex) -> Answer | None:
    """The next steps the latest notes give (the same list ``phase`` shows), those about what the question
    names first, each quoted with its author and date and cited; None when the notes give none."""
    steps, cites = next_steps(idx, derive(idx), limit=6)
    pairs = [(st, c) for st, c in zip(steps, cites, strict=False) if c.entry_id in idx.entry_by_id]
    # the plans and "=> do this" lines of the latest notes come first: a structured list can miss them
    latest = {e.author: e.id for e in idx.entries}
    recent = [e.id for e in idx.entries[-3:]] + [i for i in latest.values()]
    said = [(f.text, Citation(entry_id=f.entry_id, run_ids=[])) for i in dict.fromkeys(reversed(recent))
            for f in idx.entry_facts.get(i, []) if f.kind == "sentence" and f.para >= 0 and not in_code(idx, f)
            and not heading_level(f.text) and (reads_as_plan(f.text) or under_next_heading(idx, f))
            and not carried_out(f.text, idx.entry_by_id[f.entry_id].at, idx)
            and reported_later(idx, f.text, idx.entry_by_id[f.entry_id].at) is None]
    seen = {quote_key(t) for t, _ in said}
    pairs = said + [(t, c) for t, c in pairs if quote_key(unlabelled(t)) not in seen
                    and (reads_as_plan(t) or t.rstrip().endswith("?"))
                    and reported_later(idx, unlabelled(t), idx.entry_by_id[str(c.entry_id)].at) is None]
    if not pairs:
        return None
    asked = set(vocab.tokens(NEXT_Q.sub(" ", question))) - _NEXT_WORDS
    about = [x for x in pairs if asked & set(vocab.tokens(x[0]))]
    kept: list[tuple[str, Citation]] = []
    for st, c in about or pairs:
        k = quote_key(unlabelled(st))
        if not any(k in quote_key(x) or quote_key(x) in k for x, _ in kept):
            kept.append((st, c))
    # a step to take before a question still open: "what should we try next?" asks for steps first
    pairs = sorted(kept, key=lambda x: x[0].rstrip().endswith("?"))[:3]
    parts = []
    for st, c in pairs:
        e = idx.entry_by_id[str(c.entry_id)]
        # the labels are COCO's, not the author's words: said outside the quotation marks
        how = next((v for k, v in _LABELS_SAID.items() if st.startswith(k)), "")
        quote = " ".join(unlabelled(st).split())[:240]
        parts.append(f"{e.author} ({e.at:%Y-%m-%d}){how}: \"{quote}\"")
    lead = ("Next steps in the latest notes: " if not all(st.rstrip().endswith("?") for st, _ in pairs)
            else "The latest notes give no next step, only open questions: ")
    text = lead + "; ".join(parts) + "."
    return Answer(answer=text[:880], citations=[Citation(entry_id=c.entry_id, run_ids=[]) for _, c in pairs])


_LABELS_SAID = {"open question: ": " asked", "idea, not run yet: ": ", not run yet"}


def unlabelled(step: str) -> str:
    return step.removeprefix("open question: ").removeprefix("idea, not run yet: ")


# "## Next Steps", "### TODO", "## Future work", "## Follow-ups": the lines under it are steps to take, however they
# are worded ("- Try lower sharpening temperature", "- Sharpening on the predictor output only")
_NEXT_HEAD = re.compile(r"^\s{0,3}#{1,6}\s{1,4}\W{0,3}(next\s{1,3}(steps?|experiments?|actions?)|to\s?-?do|"
                        r"future\s{1,3}(work|experiments?|directions?)|follow.?ups?|open\s{1,3}items?)\b", re.I)
_TICKED = re.compile(r"^\W{0,4}\[[xX✓]\]")


def under_next_heading(idx: HistoryIndex, f: Fact) -> bool:
    """A line (not a ticked to-do) under a heading that lists next steps."""
    h = section_head(idx, f)
    return h is not None and bool(_NEXT_HEAD.match(h.text)) and not _TICKED.match(f.text.strip())


def carried_out(step: str, planned_at: dt.datetime, idx: HistoryIndex) -> bool:
    """Whether a step was done after it was planned: "next: class weighting on quick-lynx-7's config" is no
    next step once a later run has class_weight=balanced on that config. The check's own judgement decides
    (a plan, a variant or another model's run is not the step done); only later evidence counts."""
    result = check(step, idx)
    return result.already_tried and any(m.at is not None and m.at > planned_at for m in result.matches)


def called_off(step: str, planned_at: dt.datetime, idx: HistoryIndex) -> bool:
    """Whether a later entry called the step off ("Cancelled: - Use a smaller image size?"): its text is the
    step's own words, filed as an abandonment."""
    key = " ".join(step.lower().split()).rstrip("?.! ")
    return any(e.at > planned_at and e.structure is not None and any(
        d.kind == "abandon" and " ".join(d.text.lower().split()).rstrip("?.! ").startswith(key[:60])
        for d in e.structure.decisions) for e in idx.entries)


def reads_as_plan(text: str) -> bool:
    """A step still to take, by its own words: "=> Re-run with LR 1e-5", "going to decrease learning rate",
    "Task for tomorrow: ...", "idea, not run yet: ..."; not a report told as "for the next experiment I tried"."""
    t = text.removeprefix("idea, not run yet: ")
    if _REPORT.search(t) or statement_modality(t) in ("question", "negated", "counterfactual", "conditional"):
        return False
    return bool(_DO_LINE.match(t) or _INTENT.search(t) or text.startswith("idea, not run yet: "))


_REPORT = re.compile(r"\b(tried|was|were|got|gave|showed|shown|improved|worked|failed|found|managed|achiev\w{0,3}|"
                     r"reached|seems?|seemed|i think|it looks)\b", re.I)
_INTENT = re.compile(r"\b(will|'ll|going to|gonna|plan(ning)? to|want to|need to|should|must|let'?s|todo|to do|"
                     r"tomorrow|next step\w{0,1}|to try|try (to|again|out|with)|maybe|idea)\b|"
                     r"\bnext\s{0,2}:", re.I)  # "next: class weighting ...": no word boundary after the colon
_DO_LINE = re.compile(r"^\W{0,4}(=>|->|→|⇒)\s{0,3}(?!.{0,200}\?\s{0,3}$)")
_NEXT_WORDS = frozenset({"we", "us", "our", "for", "on", "with", "about", "the", "a", "an", "do", "try", "next"})


def next_steps(idx: HistoryIndex, aps: list[Approach], limit: int = 8) -> tuple[list[str], list[Citation]]:
    steps: list[str] = []
    cites: list[Citation] = []
    latest_by_author: dict[str, str] = {}
    for e in idx.entries:
        latest_by_author[e.author] = e.id
    recent = [e for e in reversed(idx.entries) if e.id in latest_by_author.values()]
    recent += [e for e in reversed(idx.entries[-4:]) if e not in recent]
    for e in recent:
        items = list(e.structure.next_steps) if e.structure else []
        if not items:
            items = [f.text for f in idx.facts if f.entry_id == e.id and f.kind == "sentence" and f.opening]
        qs = list(e.structure.open_questions) if e.structure else []
        items = [s for s in items if not decided_here(s, e.structure.decisions if e.structure else [])]
        for s in items + [f"open question: {q}" for q in qs]:
            s = " ".join(s.split())
            if heading_level(s) and not reads_as_plan(s):
                continue  # "# Monday, March 9, 2020 7AM" opens the next day's notes; it is no step to take
            if s and s not in steps and not (s in items and (carried_out(s, e.at, idx) or called_off(s, e.at, idx))):
                steps.append(s[:300])
                cites.append(Citation(entry_id=e.id, run_ids=[]))
    ideas, idea_cites = untried_ideas(idx, aps)
    kept = [(s, c) for s, c in zip(steps, cites, strict=True) if not any(s[:60] in i for i in ideas)]
    room = limit + 2 - len(ideas)  # the ideas are kept whatever the latest entries hold
    steps = [s for s, _ in kept][:room] + ideas
    cites = [c for _, c in kept][:room] + idea_cites
    for a in aps:
        if a.status == "open" and len(steps) < limit + 2:
            steps.append(f"continue {a.name}")
    return steps[: limit + 2], cites


# "Switching to path traced images.": a switch told as under way is the next thing done, not a choice kept
_SWITCH_UNDER_WAY = re.compile(r"^\W*(?:(?:i'?m|we'?re|i\s+am|we\s+are)\s+)?(?:switching|moving|migrating|changing)\s+"
                               r"(?:over\s+)?to\b")


def decided_here(step: str, decisions: list[DecisionNote]) -> bool:
    """Whether a step is the entry's own decision, not an experiment to run: "keeping norm_obs on from now on",
    "sticking with deberta-v3 @256" keep what was chosen; one told as still to do ("switching to sac tomorrow")
    stays a step."""
    key = " ".join(step.lower().split()).rstrip("?.! ")
    if not key or reads_as_plan(step) or _SWITCH_UNDER_WAY.match(key):
        return False
    for d in decisions:
        said = " ".join(d.text.lower().split()).rstrip("?.! ")
        if said and (key in said or said in key):
            return True
    return False


_NOT_IDEAS = frozenset({"done", "negated", "counterfactual"})  # reported, denied or regretted: no idea to run


def untried_ideas(idx: HistoryIndex, aps: list[Approach], limit: int = 3) -> tuple[list[str], list[Citation]]:
    """Ideas from any entry ("maybe prioritized replay will help") for a technique no run carries and no
    approach closed: still open lines of work, said as ideas, not as runs."""
    ran: set[str] = set()
    for doc in idx.run_docs.values():
        ran |= doc.cover
    closed = {a.key for a in aps if a.status != "open"}
    added = 0
    out: list[str] = []
    cites: list[Citation] = []
    for f in sorted(idx.facts, key=lambda g: g.at, reverse=True):
        if added >= limit:
            break
        if f.kind not in ("hypothesis", "next_step") or f.negative or f.modality in _NOT_IDEAS:
            continue
        if stated_aim(f.text) and idx.entry_runs.get(f.entry_id or ""):
            continue  # "Test if DINO-style sharpening helps" is the aim of the runs its own note links: it was run
        if result_head(f, idx):
            continue  # "deberta w/ early stopping, len 256" heads its own reported result (": 0.768"): it was run
        if not (vocab.cover(f.concepts) - UMBRELLA - ran - closed):
            continue
        text = f"idea, not run yet: {' '.join(f.text.split())}"[:300]
        if not any(f.text[:60] in s for s in out):
            out.append(text)
            cites.append(Citation(entry_id=f.entry_id, run_ids=[]))
            added += 1
    return out, cites

