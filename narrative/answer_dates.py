"""Thread questions about a day or a span: "what did we do yesterday?", "what happened on tuesday?", "what
did maya try last week?", "anything logged on 2026-11-30?", "what ran on Nov 30?".

The answer is the record of that window: each entry's author, day and title with its first conclusion,
and the runs started then with the best of them by the project's metric, all cited. The window is read
against the time the question is asked (``ProjectHistory.now``, UTC days). A question that names a topic
besides its date ("why did we drop rf last week?") is not one of these: the topical answer reads it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from narrative.history_index import HistoryIndex
from narrative.run_answers import run_label
from narrative.types import Answer, Citation

__all__ = ["date_answer"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_WHEN = re.compile(
    r"\b(?P<today>today|tonight)\b|\b(?P<dby>(the\s{1,3})?day\s{1,3}before\s{1,3}yesterday)\b|"
    r"\b(?P<yesterday>yesterday)\b|"
    r"\b(?P<lastweek>last\s{1,3}week|previous\s{1,3}week)\b|\b(?P<thisweek>this\s{1,3}week)\b|"
    r"\b(?:last|past)\s{1,3}(?P<ndays>\d{1,2})\s{1,3}days\b|"
    r"\b(?P<weekday>mon|tues|wednes|thurs|fri|satur|sun)day\b|"
    r"\b(?P<iso>\d{4}-\d{2}-\d{2})\b|"
    r"\b(?P<mday>\d{1,2})(?:st|nd|rd|th)?\s{1,3}(?:of\s{1,3})?(?P<mon1>" + _MONTH + r")(?!\w)|"
    r"\b(?P<mon2>" + _MONTH + r")\s{1,3}(?P<day2>\d{1,2})(?:st|nd|rd|th)?\b",
    re.I,
)
_WORD = re.compile(r"[a-z0-9]+")
# What such a question says besides its date: asking, doing, logging. Anything else is a topic.
_ASKING = frozenset({
    "what", "which", "who", "anything", "something", "everything", "happen", "happened", "did", "do", "done",
    "we", "i", "you", "they", "team", "get", "got", "try", "tried", "work", "worked", "run", "ran", "runs",
    "log", "logged", "was", "were", "is", "are", "there", "any", "the", "a", "on", "in", "over", "during",
    "for", "of", "up", "to", "last", "this", "past", "week", "day", "days", "new", "entries", "entry",
    "note", "notes", "since", "go", "went", "how", "and", "has", "have", "been", "s", "anyone", "people",
    "so", "far", "status", "progress", "summary", "summarize", "summarise", "recap",
})


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    label: str


def _day(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _window(m: re.Match[str], now: dt.datetime) -> Window | None:
    today = now.astimezone(dt.UTC).date()
    one = dt.timedelta(days=1)

    def days(first: dt.date, last: dt.date, label: str) -> Window:
        return Window(_day(first), _day(last) + one, label)

    if m["today"]:
        return days(today, today, "today")
    if m["dby"]:
        return days(today - 2 * one, today - 2 * one, f"{today - 2 * one:%a %Y-%m-%d}")
    if m["yesterday"]:
        return days(today - one, today - one, f"yesterday ({today - one:%Y-%m-%d})")
    monday = today - today.weekday() * one
    if m["lastweek"]:
        first, last = monday - 7 * one, monday - one
        return days(first, last, f"last week ({first:%Y-%m-%d} – {last:%Y-%m-%d})")
    if m["thisweek"]:
        return days(monday, today, f"this week (since {monday:%Y-%m-%d})")
    if m["ndays"]:
        n = int(m["ndays"])
        return days(today - (n - 1) * one, today, f"the last {n} days") if 0 < n <= 60 else None
    if m["weekday"]:
        wanted = next(i for i, name in enumerate(_WEEKDAYS) if name.startswith(m["weekday"].lower()[:3]))
        back = (today.weekday() - wanted) % 7  # the latest such day, today included
        d = today - back * one
        return days(d, d, f"{d:%A %Y-%m-%d}")
    try:
        if m["iso"]:
            d = dt.date.fromisoformat(m["iso"])
        else:
            month = _MONTHS.index((m["mon1"] or m["mon2"]).lower()[:3]) + 1
            d = dt.date(today.year, month, int(m["mday"] or m["day2"]))
            if d > today:  # "Nov 30" asked in January is last year's
                d = d.replace(year=d.year - 1)
    except ValueError:
        return None
    return days(d, d, f"{d:%A %Y-%m-%d}")


def date_answer(question: str, idx: HistoryIndex, *, now: dt.datetime) -> Answer | None:
    """The record of the window a question asks about, or None when it asks about something else."""
    if len(question) > 200:
        return None
    m = _WHEN.search(question)
    if m is None:
        return None
    people = {e.author.lower() for e in idx.entries} | {r.user.lower() for r in idx.runs if r.user}
    rest = set(_WORD.findall((question[: m.start()] + " " + question[m.end():]).lower())) - _ASKING
    who = rest & people
    if rest - who:
        return None  # a topic besides the date: the topical answer reads it
    window = _window(m, now)
    if window is None:
        return None
    if re.search(r"\b(since|after|from)\s{1,3}$", question[: m.start()].lower()):
        # "what's new since monday?": from that day until now
        end = _day(now.astimezone(dt.UTC).date()) + dt.timedelta(days=1)
        window = Window(window.start, max(end, window.end), f"since {window.label}")
    entries = [e for e in idx.entries if window.start <= e.at < window.end
               and (not who or e.author.lower() in who)]
    # a person's runs are those they started and those their notes of the window link (a tracker user is
    # often a service account)
    linked = {rid for e in entries for rid in e.run_ids}
    runs = [r for r in idx.runs if window.start <= r.start < window.end
            and (not who or r.user.lower() in who or r.run_id in linked)]
    by = f" by {', '.join(sorted(who))}" if who else ""
    if not entries and not runs:
        return Answer(answer=f"Nothing was logged {window.label}{by}: no entry and no run in the tracker.",
                      citations=[])
    metric, goal = idx.metric_now()
    parts: list[str] = []
    citations: list[Citation] = []
    for e in entries[-4:]:
        s = e.structure
        title = " ".join((s.title if s and s.title else e.raw_text[:80]).split())
        # the first conclusion that is not the title again (a title is often the note's first sentence)
        head = title.rstrip("…").strip().lower()
        said = next((f" {c.text.rstrip('.')}." for c in (s.conclusions if s else [])
                     if not c.text.lower().startswith(head[:60])), "")
        parts.append(f"{e.author} ({e.at:%Y-%m-%d}): \"{title[:100]}\".{said[:160]}")
        citations.append(Citation(entry_id=e.id, run_ids=[]))
    if len(entries) > 4:
        parts.insert(0, f"{len(entries)} entries; the latest 4:")
    if runs:
        best = idx.best_run(metric, goal, runs) if metric else None
        failed = sum(r.status.upper() in ("FAILED", "KILLED") for r in runs)
        line = f"{len(runs)} run{'s' if len(runs) != 1 else ''} started"
        line += f" ({failed} failed or killed)" if failed else ""
        line += f"; best by {metric}: {run_label(idx, best, metric)}." if best is not None else "."
        parts.append(line)
        shown = ([best] if best is not None else []) + [r for r in runs[-5:] if r is not best]
        citations.append(Citation(entry_id=None, run_ids=[r.run_id for r in shown[:5]]))
    return Answer(answer=f"{window.label[:1].upper()}{window.label[1:]}{by}: " + " ".join(parts)[:820],
                  citations=citations)
