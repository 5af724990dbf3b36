"""Terminal and JSON views of stored entries (`coco entries`, `coco entry`) and of `coco jobs`.

An entry is shown exactly as the reply to its brain dump showed it (``render_terminal.entry``); a
pending one says why it is pending and shows the text that was kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from narrative.service import LogOutcome, Narrator
    from storage.records import EntryRecord

PENDING_WITHOUT_REASON = "structuring has not finished yet"


def outcome_of(entry: EntryRecord) -> LogOutcome:
    from narrative.service import LogOutcome

    pending = entry.status == "pending"
    return LogOutcome(entry=entry, pending=pending, reason=(entry.error or PENDING_WITHOUT_REASON) if pending else "")


def entry_payload(entry: EntryRecord, *, project: str) -> dict[str, Any]:
    """The `log` JSON shape of design.md, plus the text as it was sent and where it came from."""
    from bot.render_terminal import entry_json

    payload = entry_json(outcome_of(entry), project=project)
    payload["text"] = entry.raw_text
    payload["source"] = entry.source
    payload.pop("notes_written", None)  # a count of this command's writes: meaningless for a stored entry
    return payload


def print_entries(entries: Sequence[EntryRecord], *, names: Mapping[str, str], detail: bool,
                  empty: str = "No entries.") -> None:
    from rich.console import Console
    from rich.markup import escape

    from bot.render_terminal import entry as show_entry

    console = Console(highlight=False, soft_wrap=False)
    if not entries:
        console.print(empty)
        return
    for e in entries:
        project = names.get(e.project_id, e.project_id)
        if e.status == "pending":
            console.print(f"[bold cyan]entry {e.id}[/] [dim]· {escape(project)} · {escape(e.author)} · "
                          f"{e.at:%Y-%m-%d %H:%M} UTC[/] [yellow](pending)[/]")
            console.print(f"[yellow]Pending:[/] {escape(e.error or PENDING_WITHOUT_REASON)}")
        else:
            # The id first, on its own: the reply's heading puts the title first, and a narrow
            # terminal cuts the heading before the id that every other command cites.
            console.print(f"[bold cyan]entry {e.id}[/] [dim]· {escape(project)} · {escape(e.author)} · "
                          f"{e.at:%Y-%m-%d %H:%M} UTC[/]")
            show_entry(outcome_of(e), project=project)
        if detail or e.status == "pending":
            console.print("[dim]As written:[/]")
            console.print(e.raw_text, markup=False)
        console.print()
    if len(entries) > 1:
        console.print(f"[dim]{len(entries)} entries; `coco entry ID` shows one with its text as written.[/]")


async def jobs_report(narrator: Narrator, done: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """What `coco jobs` did, and what is still pending (a job not yet due is not 'no work')."""
    names = {p.id: p.name for p in await narrator.projects()}
    pending, _ = await narrator.entries(status="pending", limit=1000)
    return {
        "done": list(done),
        "pending": [
            {"entry_id": e.id, "project": names.get(e.project_id, e.project_id), "author": e.author,
             "at": e.at.isoformat(), "reason": e.error or PENDING_WITHOUT_REASON}
            for e in pending
        ],
    }


def print_jobs(report: Mapping[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=False)
    done, pending = report["done"], report["pending"]
    for job in done:
        console.print(f"{job['kind']} {job['id']}: {escape(str(job['result']))}")
    if not done:
        console.print("Nothing was due to run now." if pending else
                      "No work was due: no entry is pending and no tracker write-back is waiting.")
    for p in pending:
        console.print(f"[yellow]Entry {p['entry_id']} is pending[/] ({escape(p['project'])}, {escape(p['author'])}, "
                      f"{p['at'][:16].replace('T', ' ')}): {escape(p['reason'])}")
    if pending:
        console.print("COCO retries pending entries on its own a few minutes apart (here, each time `coco jobs` "
                      "runs); `coco log --retry-pending` tries now.")
