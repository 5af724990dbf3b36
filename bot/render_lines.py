"""The lines COCO's chat replies say, built once for every chat markup.

Slack (mrkdwn, :mod:`bot.render_slack`) and Teams (Adaptive Card TextBlock markdown,
:mod:`bot.teams.cards`) say the same sentences in different markup and lay them out in different
containers (Block Kit sections and context blocks; TextBlocks). :class:`ReplyLines` builds the
sentences over a :class:`Markup`; each renderer keeps only its layout, its limits, and the few
sentences that really differ (where a DM's privacy is explained, the help, the footers).

Italics (``_x_``) and code (`` `x` ``) are written the same in both markups, so they are written
literally here; bold, links and escaping differ, and every word a person or a tracker wrote goes
through ``escape`` (or ``link``) exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.formatting import date_span, fmt_value, metric_columns, short_id

if TYPE_CHECKING:
    from bot.messages import CitedEntry, CitedRun, Reply, TriedNote
    from narrative import types as t
    from narrative.service import LogOutcome
    from storage.records import Conclusion, DecisionNote, LinkedRun

VERDICT = {"worked": "✅", "did_not_work": "❌", "inconclusive": "•"}
STATUS = {"open": "🟡", "adopted": "🟢", "exhausted": "🔴", "abandoned": "⚪"}
MAX_SOURCES = 12
METRICS_SHOWN = 3  # metric columns of an entry's run lines


@dataclass(frozen=True)
class Markup:
    """What differs between the chat markups the lines are written in."""

    # Text a person or a tracker wrote, made inert: no link, mention or emphasis of its own.
    escape: Callable[[str], str]
    # A label (escaped by the function) linking to a URL; the label alone when the URL cannot be linked.
    link: Callable[[str, str], str]
    bold_mark: str  # around bold text: "*" in Slack's mrkdwn, "**" in markdown

    def bold(self, text: str) -> str:
        """``text`` (already markup) in bold."""
        return f"{self.bold_mark}{text}{self.bold_mark}"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def day(at: dt.datetime | None) -> str:
    return f"{at:%Y-%m-%d}" if at else ""


class ReplyLines:
    """The lines of every reply, in one markup. Methods return finished lines (or lists of them)."""

    def __init__(self, markup: Markup) -> None:
        self.mk = markup

    def bullets(self, items: Iterable[str], mark: str = "•") -> list[str]:
        """One line per item a person or an engine wrote, after its mark."""
        return [f"{mark} {self.mk.escape(item)}" for item in items]

    # -- references and sources -----------------------------------------------------------------------

    def run_ref(self, run_id: str, runs: dict[str, CitedRun]) -> str:
        cited = runs.get(run_id)
        if cited is None:
            return f"`{short_id(run_id)}`"
        return self.mk.link(cited.url, cited.name or short_id(run_id)) + f" `{short_id(run_id)}`"

    def entry_ref(self, entry_id: str, entries: dict[str, CitedEntry]) -> str:
        cited = entries.get(entry_id)
        if cited is None:
            return f"entry `{entry_id}`"
        bits = ", ".join(b for b in (self.mk.escape(cited.author), day(cited.at)) if b)
        title = f" _{self.mk.escape(clip(cited.title, 80))}_" if cited.title else ""
        return f"entry `{entry_id}`{title}" + (f" ({bits})" if bits else "")

    def sources(self, citations: Sequence[t.Citation], reply: Reply) -> str:
        parts: list[str] = []
        for c in citations:
            if c.entry_id:
                parts.append(self.entry_ref(c.entry_id, reply.entries))
            parts += [self.run_ref(r, reply.runs) for r in c.run_ids]
        unique = list(dict.fromkeys(parts))
        if not unique:
            return ""
        return "Sources: " + " · ".join(unique[:MAX_SOURCES]) + (" …" if len(unique) > MAX_SOURCES else "")

    def cited(self, line: str, citations: Sequence[t.Citation], reply: Reply) -> str:
        """A line followed by its sources in brackets (a digest line, a next experiment)."""
        cites = self.sources(citations, reply).removeprefix("Sources: ")
        return line + (f"  _({cites})_" if cites else "")

    def notices(self, notices: Sequence[str]) -> list[str]:
        return [f"⚠️ {self.mk.escape(n)}" for n in notices]

    # -- what the history holds about a plan ----------------------------------------------------------

    def match_parts(self, m: t.CheckMatch, reply: Reply, *, outcome_limit: int) -> list[str]:
        """A match of the history: what it was (and who, when), what happened, and its references;
        the renderer joins the parts (on lines of their own, or in one line)."""
        who = ", ".join(b for b in (self.mk.escape(m.author), day(m.at)) if b)
        parts = [f"• {self.mk.escape(clip(m.summary, 400))}" + (f" — {who}" if who else "")]
        if m.outcome:
            parts.append(f"_what happened:_ {self.mk.escape(clip(m.outcome, outcome_limit))}")
        refs = ([self.entry_ref(m.entry_id, reply.entries)] if m.entry_id else []) + [
            self.run_ref(r, reply.runs) for r in m.run_ids[:5]]
        if refs:
            parts.append(" · ".join(refs))
        return parts

    def check_verdict(self, result: t.CheckResult) -> str:
        if result.planned:  # a plan in the log is its own answer
            verdict = "🗓️ " + self.mk.bold("Planned, not run yet.")
        elif result.already_tried:
            verdict = "⚠️ " + self.mk.bold("You already tried this.")
        else:
            verdict = "✅ " + self.mk.bold("Not tried as such.")
        return f"{verdict} {self.mk.escape(result.message)}".strip()

    def planned(self, result: t.CheckResult, reply: Reply) -> list[str]:
        return [f"• {self.mk.escape(clip(p.text, 300))} — planned on {day(p.at) or 'an earlier day'} by "
                f"{self.mk.escape(p.author or 'someone')}, not run yet · {self.entry_ref(p.entry_id, reply.entries)}"
                for p in result.planned[:3]]

    @staticmethod
    def matches_title(result: t.CheckResult) -> str:
        return "Closest in the history" if not result.already_tried else "What was tried"

    def heads_up(self) -> str:
        return "👀 " + self.mk.bold("Heads-up: this was already tried.")

    def tried(self, note: TriedNote) -> str:
        return f"⚠️ {self.mk.bold('You already tried this:')} “{self.mk.escape(clip(note.step, 200))}”"

    # -- an entry ---------------------------------------------------------------------------------------

    def entry_meta(self, outcome: LogOutcome, reply: Reply) -> str:
        entry = outcome.entry
        return (f"entry `{entry.id}` · {self.mk.escape(reply.project or '')} · {self.mk.escape(entry.author)} · "
                f"{entry.at:%Y-%m-%d %H:%M} UTC")

    def saved(self, outcome: LogOutcome) -> str:
        """The first words of a pending entry's reply: its text is safe."""
        return (f"📝 {self.mk.bold('Saved your text')} as entry `{outcome.entry.id}`. "
                f"{self.mk.escape(outcome.reason)}")

    def entry_runs(self, outcome: LogOutcome, runs: Sequence[LinkedRun]) -> list[str]:
        """One line per linked run, with the metrics worth showing (the project's first)."""
        names = metric_columns((k for r in outcome.structure.runs for k in r.metrics),
                               primary=outcome.primary_metric, text=outcome.entry.raw_text, limit=METRICS_SHOWN)
        lines = []
        for r in runs:
            metrics = " · ".join(f"{self.mk.escape(m)} {fmt_value(r.metrics[m])}" for m in names if m in r.metrics)
            status = f" · {self.mk.escape(r.status.lower())}" if r.status and r.status != "FINISHED" else ""
            lines.append(f"• {self.mk.link(r.url, r.run_name or short_id(r.run_id))} `{short_id(r.run_id)}`"
                         f"{' — ' + metrics if metrics else ''}{status} · _linked by {r.how}_")
        return lines

    def conclusions(self, conclusions: Iterable[Conclusion]) -> list[str]:
        return [f"{VERDICT[c.verdict]} {self.mk.escape(c.text)}" for c in conclusions]

    def decision(self, d: DecisionNote) -> str:
        return f"{self.mk.bold('Decision')} ({d.kind.replace('_', ' ')}): {self.mk.escape(d.text)}"

    def entry_warnings(self, warnings: Sequence[str], *, limit: int) -> list[str]:
        return [f"⚠ {self.mk.escape(clip(w, limit))}" for w in warnings[:5]]

    # -- phase, reproduction, digest, next, decision record -----------------------------------------------

    def primary_metric(self, metric: str | None, goal: str) -> str:
        return f"primary metric {self.mk.bold(self.mk.escape(metric or '(not set)'))} ({goal})"

    @staticmethod
    def phase_title(report: t.PhaseReport, project: str | None) -> str:
        since = f" since {report.since:%Y-%m-%d}" if report.since else ""
        return f"Phase summary{since} — {project or ''}".strip(" —")

    def phase_best(self, report: t.PhaseReport) -> str:
        b = report.best
        assert b is not None
        reason = f" — {self.mk.escape(report.best_reason)}" if report.best_reason else ""
        return (f"🏆 {self.mk.bold('Best:')} {self.mk.link(b.url, b.run_name or short_id(b.run_id))} "
                f"`{short_id(b.run_id)}` {self.mk.escape(report.primary_metric or '')} = "
                f"{self.mk.bold(fmt_value(b.value))}{reason}")

    def approaches(self, report: t.PhaseReport, reply: Reply) -> list[str]:
        lines = []
        for a in report.approaches[:20]:
            runs = ", ".join(self.run_ref(r, reply.runs) for r in a.run_ids[:4]) + (" …" if len(a.run_ids) > 4 else "")
            reason = f" — {self.mk.escape(clip(a.reason, 200))}" if a.reason else ""
            best = f" · best {fmt_value(a.best_value)}" if a.best_value is not None else ""
            lines.append(f"{STATUS.get(a.status, '•')} {self.mk.bold(self.mk.escape(a.name))} ({a.status}){reason}"
                         f"{best}{' · ' + runs if runs else ''}")
        return lines

    def failed_run(self, r: t.ReproReport) -> str | None:
        """Said first when the run failed: its recipe reproduces a failure."""
        if r.status.upper() not in ("FAILED", "KILLED"):
            return None
        return f"⛔ {self.mk.bold(f'This run {r.status.upper()}.')} Reproducing it reproduces a failure."

    @staticmethod
    def reproduce_title(r: t.ReproReport) -> str:
        return f"Reproducing {r.run_name or short_id(r.run_id)}"

    def reproduce_run(self, r: t.ReproReport) -> str:
        return f"{self.mk.link(r.url, 'run ' + short_id(r.run_id))} · `{r.run_id}`"

    def recorded(self, r: t.ReproReport) -> list[str]:
        return [f"✓ {self.mk.escape(k)}: `{self.mk.escape(clip(v, 200))}`" for k, v in r.present.items()]

    def steps(self, r: t.ReproReport) -> list[str]:
        return [f"{i}. {self.mk.escape(step)}" for i, step in enumerate(r.steps, 1)]

    def entry_ids(self, r: t.ReproReport) -> str:
        return "Entries: " + ", ".join(f"`{self.mk.escape(e)}`" for e in r.entries[:10])

    @staticmethod
    def digest_title(d: t.Digest) -> str:
        if d.work_from and d.work_to:
            return f"{d.project} — work of {date_span(d.work_from, d.work_to)}"
        return f"{d.project} — no new work"

    def digest_meta(self, d: t.Digest) -> str:
        return (self.primary_metric(d.primary_metric, d.goal)
                + f" · digest of {d.since:%Y-%m-%d} → {d.until:%Y-%m-%d}")

    def digest_best(self, d: t.Digest) -> str:
        best = d.best
        assert best is not None
        moved = d.best_before is not None and d.best_before.run_id != best.run_id
        before = ""
        if d.best_before is not None:
            before = f" (was {fmt_value(d.best_before.value)})" if moved else " (unchanged)"
        return (f"🏆 {self.mk.bold('Best:')} {self.mk.link(best.url, best.run_name or short_id(best.run_id))} "
                f"= {self.mk.bold(fmt_value(best.value))}{before}")

    def digest_lines(self, lines: Iterable[t.DigestLine], reply: Reply) -> list[str]:
        return [self.cited(f"• {self.mk.escape(line.text)}", line.citations, reply) for line in lines]

    @staticmethod
    def next_title(project: str | None) -> str:
        return f"What to run next — {project or ''}".strip(" —")

    def best_so_far(self, plan: t.NextPlan) -> str:
        best = plan.best
        assert best is not None
        return (f"Best so far: {self.mk.link(best.url, best.run_name or short_id(best.run_id))} "
                f"= {fmt_value(best.value)}")

    def experiments(self, plan: t.NextPlan, reply: Reply) -> list[str]:
        lines = [self.cited(f"{self.mk.bold(f'{x.priority}. {self.mk.escape(x.title)}')} — {self.mk.escape(x.why)}",
                            x.citations, reply)
                 for x in sorted(plan.experiments, key=lambda e: e.priority)]
        return lines or ["Nothing obvious: log a few more entries first."]

    def labelled(self, label: str, text: str) -> str:
        """``label`` in bold, then what an engine wrote (a baseline, a pivot, a rationale)."""
        return f"{self.mk.bold(label)} {self.mk.escape(text)}"

    def criteria(self, doc: t.DecisionDoc) -> str:
        return "Criteria: " + ", ".join(self.mk.escape(c) for c in doc.criteria)

    def finalists(self, doc: t.DecisionDoc, reply: Reply, *, link_uncited: bool) -> list[str]:
        """One line per finalist, the selected one crowned. A finalist COCO could not cite links to its
        own URL only with ``link_uncited`` (Teams does; Slack shows its name)."""
        lines = []
        primary = next((m.metric for m in doc.measures if m.source == "metric"), None)
        for f in doc.finalists:
            mark = "🏆 " if f.run_id == doc.selected_run_id else "• "
            shown = metric_columns(f.metrics, primary=primary, text=" ".join(doc.criteria))
            metrics = " · ".join(f"{self.mk.escape(k)} {fmt_value(f.metrics[k])}" for k in shown)
            cited = reply.runs.get(f.run_id)
            name = f.run_name or (cited.name if cited else "") or short_id(f.run_id)
            url = cited.url if cited else (f.url if link_uncited else "")
            lines.append(f"{mark}{self.mk.link(url, name)} `{short_id(f.run_id)}`"
                         + (f" — {metrics}" if metrics else ""))
        return lines
