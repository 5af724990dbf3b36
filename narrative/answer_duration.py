"""How long something took (split from ``narrative.answering``): "how long did the fp8 run take?", "how long did
the first run last before it crashed?", "how long did the 200k-event training take?".

A duration question is answered by the line of the notes that states a duration ("It spent 3h40m", "hit OOM ...
after 5.5hrs", "(Takes too long, stopped after 2 epochs)") in the notes on its subject, not by the line that only
names the subject. The runs cited are the line's own; a line that links none cites the run of its author whose
tracker wall time agrees with the stated time (within 15%), so a run is cited because the tracker confirms the
claim, never because it merely ran at the time. The tracker's wall time of a cited run is told beside the quote.
"""

from __future__ import annotations

import re

from narrative.answer_broke import pointed_runs
from narrative.answer_quotes import clip
from narrative.answer_rank import useful_runs
from narrative.answer_value_run import value_named_run
from narrative.history_index import HistoryIndex
from narrative.plan_reading import PlanTerms
from narrative.run_answers import Cites, runs_named
from narrative.statements import Fact
from storage.records import RunSnapshot

# "how long did X take / last / run / train?", "how long was the first model trained?", "how much time did X take?"
HOW_LONG_Q = re.compile(
    r"^\s{0,8}(how\s{1,3}long\s{1,3}(did|does|do|would|will|was|were|has|had|is|should)\b"
    r"(?=.{0,120}?\b(take|took|taken|taking|last|lasted|run|ran|train|trained|training|need|needed|go|went|before)\b)"
    r"|how\s{1,3}much\s{1,3}(wall\s{1,3})?time\b|how\s{1,3}many\s{1,3}(hours|minutes|days)\b)", re.I)
# a stated duration: "3h40m", "5.5hrs", "about 6 hours", "~1h40m", "after 2 epochs", "takes too long", "overnight"
_UNIT = {"h": 60.0, "hr": 60.0, "hrs": 60.0, "hour": 60.0, "hours": 60.0, "min": 1.0, "mins": 1.0, "minute": 1.0,
         "minutes": 1.0, "d": 1440.0, "day": 1440.0, "days": 1440.0}
_HM = re.compile(r"\b(\d{1,3})\s?h\s?(\d{1,2})\s?m(in)?\b", re.I)
_TIME = re.compile(r"(?<![\w.])(\d{1,4}(?:\.\d{1,2})?)\s?(h|hrs?|hours?|mins?|minutes?|days?|d)\b", re.I)
_COUNTED = re.compile(r"\b(after|for|only|stopped after|took|takes?|in)\s{1,3}(\d{1,5})\s{1,3}(epochs?|steps?|"
                      r"iterations?|iters?)\b", re.I)
_WORDED = re.compile(r"\b(too long|overnight|took|takes? (about|around|roughly|~)|spent|lasted)\b", re.I)
_AGREE = 0.15  # a tracker wall time within 15% of a stated time confirms it


def stated_minutes(text: str) -> list[float]:
    """The durations a line states in wall time, in minutes ("3h40m" -> 220, "5.5hrs" -> 330)."""
    out = [int(h) * 60.0 + int(m) for h, m, _ in _HM.findall(text)]
    rest = _HM.sub(" ", text)
    out += [float(n) * _UNIT[u.lower()] for n, u in _TIME.findall(rest) if u.lower() in _UNIT]
    return out


def states_duration(text: str) -> bool:
    return bool(stated_minutes(text) or _COUNTED.search(text) or _WORDED.search(text))


def _wall(r: RunSnapshot) -> float | None:
    return (r.end - r.start).total_seconds() / 60 if r.end is not None else None


def confirming_runs(idx: HistoryIndex, f: Fact) -> list[RunSnapshot]:
    """The runs of the line's author, started before it, whose tracker wall time is a time the line states."""
    said = stated_minutes(f.text)
    if not said:
        return []
    mine = [r for r in idx.runs if r.user and r.user.lower() == f.author.lower() and r.start <= f.at]
    return [r for r in mine if (w := _wall(r)) is not None and any(abs(w - m) <= _AGREE * m for m in said)]


def how_long_answer(idx: HistoryIndex, question: str, facts: list[tuple[float, Fact]], terms: PlanTerms,
                    parts: list[str], cites: Cites) -> bool:
    """The line stating how long the asked thing took, among the notes on it (the topical lines and the lines of
    their own entries), with its runs and their tracker wall time; False when no such line is found."""
    if not HOW_LONG_Q.search(question):
        return False
    top = [(s, f) for s, f in facts if s >= 0.3][:6]
    pointed = pointed_runs(idx, question)
    if not top and len(pointed) == 1:
        # "how long did the first run last?": every word is generic; the notes on the run it points at
        top = [(0.45, g) for eid in idx.run_entries.get(pointed[0].run_id, [])
               for g in idx.entry_facts.get(eid, []) if g.kind == "sentence"][:6]
    asked = runs_named(idx, question) or pointed or [r for w in re.findall(r"[\w.\-+]{2,40}", question)
                                                      if (r := value_named_run(idx, w)) is not None][:1]
    seen: set[int] = set()
    cands: list[tuple[float, int, Fact]] = []
    origin: dict[int, Fact] = {}
    if len(asked) == 1:
        # "how long did the fp8 run on tinyamd3 take?": a line stating a time the tracker confirms for that run
        for g in idx.facts:
            if g.kind == "sentence" and asked[0] in confirming_runs(idx, g):
                seen.add(id(g))
                cands.append((1.0, -1, g))
    if not top and not cands:
        return False
    for rank, (s, f) in enumerate(top):
        # the line itself, then the sentences of its own entry: "Use larger dataset with 200k events" names the
        # subject, "(Takes too long, stopped after 2 epochs)" beside it says how long
        own = [f] + [g for g in idx.entry_facts.get(f.entry_id, []) if g.kind == "sentence" and g is not f]
        for g in own:
            if id(g) in seen or not states_duration(g.text):
                continue
            seen.add(id(g))
            origin[id(g)] = f
            near = 0.0 if g is f else 0.1 + 0.02 * min(5, abs(g.position - f.position))
            cands.append((s - near, rank, g))
    if not cands:
        return False
    best = max(cands, key=lambda c: (c[0], -c[1]))[2]
    # a line with no run of its own speaks of the runs of the line beside it that named the subject
    # (the runs the usual reading gives that line when it links none)
    src = (best.run_ids or idx.entry_runs.get(best.entry_id, [])
           or (useful_runs(idx, terms, origin[id(best)]) if id(best) in origin else []))
    runs = [idx.run_by_id[r] for r in src if r in idx.run_by_id]
    confirmed = confirming_runs(idx, best)
    if confirmed:
        runs = [r for r in runs if r in confirmed] or confirmed
    parts.append(f"{best.author} ({best.at:%Y-%m-%d}): \"{clip(best.text, 300)}\"")
    cites.add(best.entry_id, [r.run_id for r in runs[:3]])
    timed = [(r, w) for r in runs[:3] if (w := _wall(r)) is not None]
    if timed:
        parts.append("Tracker wall time: " + "; ".join(f"{r.run_name or r.run_id[:8]} {_hm(w)} ({r.status.lower()})"
                                                       for r, w in timed) + ".")
    return True


def _hm(minutes: float) -> str:
    h, m = divmod(round(minutes), 60)
    return f"{h}h{m:02d}m" if h else f"{m} min"
