"""Terminal renderer: what a person reads in a shell (rich tables, colour, run links).

Only presentation: every value comes from the narrative layer's records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.formatting import date_span, fmt_value, metric_columns, removed_secrets_line, section_title, short_id

if TYPE_CHECKING:
    from rich.console import Console

    from narrative.service import LogOutcome
    from narrative.types import (
        Answer,
        CheckResult,
        Citation,
        DecisionDoc,
        Digest,
        NextPlan,
        PhaseReport,
        ReproReport,
    )
    from storage.records import ProjectRecord

_VERDICT = {"worked": "[green]✅[/]", "did_not_work": "[red]❌[/]", "inconclusive": "[yellow]•[/]"}
_STATUS = {"open": "yellow", "adopted": "green", "exhausted": "red", "abandoned": "magenta"}


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def esc(value: object) -> str:
    """A value from the notes or the tracker, shown as written: "lr in [1e-4, 3e-4]" is no markup, and
    "[/]" in a note must not crash the renderer."""
    from rich.markup import escape

    return escape(str(value))


def _cites(citations: Sequence[Citation]) -> str:
    parts: list[str] = []
    for c in citations:
        if c.entry_id:
            parts.append(f"entry {c.entry_id}")
        parts += [f"run {short_id(r)}" for r in c.run_ids]
    return ", ".join(dict.fromkeys(parts))


def entry_json(outcome: LogOutcome, *, project: str) -> dict[str, Any]:
    """The ``coco log --json`` shape of design.md."""
    entry, s = outcome.entry, outcome.structure
    return {
        "entry_id": entry.id,
        "project": project,
        "author": entry.author,
        "at": entry.at.isoformat(),
        "status": entry.status,
        "title": s.title,
        "hypotheses": s.hypotheses,
        "runs": [r.model_dump(mode="json") for r in s.runs],
        "observations": s.observations,
        "conclusions": [c.model_dump(mode="json") for c in s.conclusions],
        "next_steps": s.next_steps,
        "open_questions": s.open_questions,
        "decisions": [d.model_dump(mode="json") for d in s.decisions],
        "warnings": s.warnings + ([f"pending: {outcome.reason}"] if outcome.pending else [])
        + ([removed_secrets_line(outcome)] if outcome.removed else []),
        "removed_secrets": list(outcome.removed),
        "engine": s.engine,
        "notes_written": outcome.notes_written,
    }


def entry(outcome: LogOutcome, *, project: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = _console()
    e, s = outcome.entry, outcome.structure
    if removed := removed_secrets_line(outcome):
        console.print(f"[yellow]🔒 {escape(removed)}[/]")
    if outcome.pending:
        console.print(f"[yellow]Saved your text as entry {e.id} (pending).[/] {esc(outcome.reason)}")
        return
    console.rule(f"[bold]{esc(s.title or 'Experiment log')}[/]  [dim]entry {e.id} · {esc(project)} · {esc(e.author)} · "
                 f"{e.at:%Y-%m-%d %H:%M}[/]")
    for label, items in (("Hypotheses", s.hypotheses), ("Observations", s.observations)):
        if items:
            console.print(f"[bold]{label}[/]")
            for item in items:
                console.print(f"  • {esc(item)}")
    if s.runs:
        metric_names = metric_columns((k for r in s.runs for k in r.metrics), primary=outcome.primary_metric,
                                      text=e.raw_text)
        table = Table(title="Runs (values from the tracker)", title_justify="left")
        table.add_column("run")
        table.add_column("name")
        table.add_column("linked by", style="dim")
        table.add_column("status")
        for name in metric_names:
            table.add_column(name, justify="right")
        for r in s.runs:
            table.add_row(f"[link={r.url}]{short_id(r.run_id)}[/link]", esc(r.run_name), esc(r.how), r.status,
                          *[fmt_value(r.metrics.get(m)) for m in metric_names])
        console.print(table)
    if s.conclusions:
        console.print("[bold]Conclusions[/]")
        for c in s.conclusions:
            console.print(f"  {_VERDICT[c.verdict]} {esc(c.text)}")
    for label, items in (("Next steps", s.next_steps), ("Open questions", s.open_questions)):
        if items:
            console.print(f"[bold]{label}[/]")
            for item in items:
                console.print(f"  → {esc(item)}" if label == "Next steps" else f"  ? {esc(item)}")
    for d in s.decisions:
        console.print(f"[bold cyan]Decision[/] ({d.kind}): {esc(d.text)}")
    for warning in s.warnings:
        console.print(f"[yellow]⚠ {esc(warning)}[/]")
    if outcome.notes_written:
        console.print(f"[dim]Noted on {outcome.notes_written} run(s) in the tracker.[/]")


def retried(outcomes: Sequence[LogOutcome]) -> None:
    console = _console()
    if not outcomes:
        console.print("No pending entries.")
    for o in outcomes:
        state = "[yellow]still pending[/]" if o.pending else "[green]structured[/]"
        console.print(f"entry {o.entry.id}: {state} {esc(o.reason)}")


def projects(items: Sequence[ProjectRecord]) -> None:
    from rich.table import Table

    table = Table(title="Projects")
    for col in ("name", "tracker", "experiments", "primary metric", "channels"):
        table.add_column(col)
    for p in items:
        metric, goal = p.metric_now()
        table.add_row(esc(p.name), esc(p.tracker_uri), esc(", ".join(p.experiment_names)), esc(f"{metric} ({goal})"),
                      esc(", ".join(p.channels)))
    _console().print(table)


def project_added(p: ProjectRecord) -> None:
    metric, goal = p.metric_now()
    _console().print(f"Project [bold]{esc(p.name)}[/] → {esc(', '.join(p.experiment_names))} on {esc(p.tracker_uri)}; "
                     f"primary metric {esc(metric or '(not set)')} ({goal}).")


def _notices(console: Console, notices: Sequence[str]) -> None:
    for notice in notices:
        console.print(f"[yellow]⚠ {esc(notice)}[/]")


def check(result: CheckResult) -> None:
    from rich.markup import escape

    console = _console()
    _notices(console, result.notices)
    if result.planned:
        # a plan in the log, never run: its own answer, not "already tried"
        console.print(f"[cyan]Not tried yet, but planned.[/] {escape(result.message)}")
        for p in result.planned:
            when = f"{p.at:%Y-%m-%d}" if p.at else "?"
            console.print(f"  • planned on {when} by {esc(p.author or 'someone')}, not run yet: {escape(p.text)} "
                          f"[dim](entry {p.entry_id[:8]})[/]")
    elif not result.already_tried:
        console.print("[green]Nothing like this in the history.[/] Go ahead." if not result.matches else
                      "[green]Not tried as such[/]; nearest things in the history:")
        if result.message and not result.message.startswith("Not tried yet as far"):
            console.print(f"  {escape(result.message)}")
    else:
        console.print("[bold yellow]You already tried this.[/]")
    for m in result.matches:
        who = f" — {m.author}, {m.at:%Y-%m-%d}" if m.at else ""
        console.print(f"  • {esc(m.summary)}{esc(who)} [dim](score {m.score:.2f}; "
                      f"{_cites([_citation(m.entry_id, m.run_ids)])})[/]")
        if m.outcome:
            console.print(f"    outcome: {esc(m.outcome)}")


def _citation(entry_id: str | None, run_ids: list[str]) -> Citation:
    from narrative.types import Citation

    return Citation(entry_id=entry_id, run_ids=run_ids)


def answer(result: Answer) -> None:
    console = _console()
    _notices(console, result.notices)
    console.print(result.answer, markup=False)
    if result.citations:
        console.print(f"[dim]Sources: {_cites(result.citations)}[/]")


def phase(report: PhaseReport) -> None:
    from rich.table import Table

    console = _console()
    _notices(console, report.notices)
    since = f" since {report.since:%Y-%m-%d}" if report.since else ""
    console.rule(f"[bold]Phase summary{since}[/] — primary metric {esc(report.primary_metric)} ({report.goal})")
    if report.summary:
        console.print(report.summary, markup=False)
    if report.best:
        best = report.best
        why = f" — {report.best_reason}" if report.best_reason else ""
        console.print(f"[bold green]Best:[/] [link={best.url}]{esc(best.run_name or best.run_id)}[/link] "
                      f"({short_id(best.run_id)}) {esc(report.primary_metric)} = {fmt_value(best.value)}{esc(why)}")
    for s in report.metric_switches:
        console.print(f"[cyan]Metric switch:[/] {esc(s)}")
    if report.approaches:
        table = Table(title="Approaches", title_justify="left")
        for col in ("approach", "status", "why", "best", "runs"):
            table.add_column(col)
        for a in report.approaches:
            colour = _STATUS.get(a.status, "white")
            table.add_row(esc(a.name), f"[{colour}]{a.status}[/]", esc(a.reason), fmt_value(a.best_value),
                          ", ".join(short_id(r) for r in a.run_ids[:4]) + ("…" if len(a.run_ids) > 4 else ""))
        console.print(table)
    for label, items in (("Findings", report.findings), ("Next", report.next_steps)):
        if items:
            console.print(f"[bold]{label}[/]")
            for item in items:
                console.print(f"  • {esc(item)}")
    if report.citations:
        console.print(f"[dim]Sources: {_cites(report.citations)}[/]")


def reproduce(report: ReproReport) -> None:
    console = _console()
    if report.status.upper() in ("FAILED", "KILLED"):
        # Said before anything else: a recipe for a failed run is a recipe for a failure.
        console.print(f"[bold red]This run {report.status.upper()}.[/] Reproducing it reproduces a failure.")
    console.rule(f"[bold]Reproducing {esc(report.run_name or report.run_id)}[/] ({short_id(report.run_id)})")
    if report.url:
        console.print(f"  [link={report.url}]{report.url}[/link]")
    for key, value in report.present.items():
        console.print(f"  [green]✓[/] {esc(key)}: {esc(value)}")
    for item in report.missing:
        console.print(f"  [red]✗ missing:[/] {esc(item)}")
    for label, items in (("Steps", report.steps), ("Checks", report.checks), ("What the log says", report.notes),
                         ("Entries", [] if report.notes else report.entries)):
        if items:
            console.print(f"[bold]{label}[/]")
            for i, item in enumerate(items, 1):
                console.print(f"  {i}. {esc(item)}")


def digest_heading(d: Digest) -> tuple[str, str]:
    """What the digest covers: the dates that hold work, and the window it looked at."""
    window = f"{d.since:%Y-%m-%d} – {d.until:%Y-%m-%d}"
    if d.work_from is not None and d.work_to is not None:
        return f"{d.project} — work of {date_span(d.work_from, d.work_to)}", window
    return f"{d.project} — no new work", window


def digest(d: Digest, *, chart: str | None = None) -> None:
    console = _console()
    _notices(console, d.notices)
    title, window = digest_heading(d)
    console.rule(f"[bold]{esc(title)}[/] [dim](digest of {window}; {esc(d.primary_metric or 'no primary metric')}, "
                 f"{d.goal})[/]")
    if d.best:
        moved = d.best_before is not None and d.best_before.run_id != d.best.run_id
        before = f" (was {fmt_value(d.best_before.value)})" if moved and d.best_before else ""
        console.print(f"Best: {d.best.run_name or short_id(d.best.run_id)} = {fmt_value(d.best.value)}{before}",
                      markup=False)
    for section, lines in d.sections.items():
        if lines:
            console.print(f"[bold]{section_title(section)}[/]")
            for line in lines:
                cites = _cites(line.citations)
                console.print(f"  • {esc(line.text)}" + (f" [dim]({cites})[/]" if cites else ""))
    if chart:
        console.print(f"Chart of {d.primary_metric or 'the primary metric'} written to {chart}", markup=False)


def next_plan(plan: NextPlan) -> None:
    console = _console()
    _notices(console, plan.notices)
    if plan.best:
        console.print(f"Best so far: {plan.best.run_name or short_id(plan.best.run_id)} = {fmt_value(plan.best.value)}",
                      markup=False)
    console.print("[bold]Run next[/]")
    for x in sorted(plan.experiments, key=lambda e: e.priority):
        console.print(f"  {x.priority}. {esc(x.title)} — {esc(x.why)}")
    if plan.low_roi:
        console.print("[bold]Low ROI given the history[/]")
        for line in plan.low_roi:
            console.print(f"  • {esc(line.text)}")
    if plan.missing_baseline:
        console.print(f"[yellow]Baseline:[/] {esc(plan.missing_baseline)}")
    if plan.pivot:
        console.print(f"[bold]Pivot?[/] {esc(plan.pivot)}")


def decision(doc: DecisionDoc) -> None:
    from rich.markdown import Markdown

    console = _console()
    _notices(console, doc.notices)
    if doc.markdown:
        console.print(Markdown(doc.markdown))
    else:
        console.print(doc.title, markup=False)


def jobs(done: Sequence[dict[str, Any]]) -> None:
    console = _console()
    if not done:
        console.print("No work was due.")
    for job in done:
        console.print(f"{job['kind']} {job['id']}: {job['result']}", markup=False)
