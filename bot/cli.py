"""The ``coco`` command: every conversation of the bots, as a command (``--json`` for scripts).

Exit status: 0 on success; 2 on a person's mistake (one line on stderr); 1 when something outside
COCO failed (the tracker is down: the entry is kept ``pending``). Never a traceback for a mistake;
an unexpected error prints one line and leaves the traceback in ``$COCO_HOME/coco.log``.

Imports are lazy: ``coco check`` must start fast, so MLflow, scikit-learn and rich load only when a
command needs them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import CocoError, EmptyTextError, OutsideFailure, StorageError, UserInputError

if TYPE_CHECKING:
    from bot.app import TrackerPool
    from bot.settings import Settings
    from narrative.service import LogOutcome, Narrator
    from narrative.types import Digest
    from storage.records import EntryRecord, EntryStatus

MAX_INPUT_BYTES = 1_100_000  # a 1 MB paste is fine; a runaway pipe is not


def build_parser() -> argparse.ArgumentParser:
    """The command line, generated from the verbs' declarations (bot/verbs.py)."""
    from bot.verbs import build_cli_parser

    return build_cli_parser()


def _read_text(source: str) -> str:
    if source == "-":
        if sys.stdin is None or sys.stdin.isatty():
            raise UserInputError("Give the brain dump on stdin or as a file: `coco log --project P notes.md`.")
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    else:
        path = Path(source)
        if not path.is_file():
            raise UserInputError(f"No file {source!r} to log.")
        with path.open("rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise UserInputError(f"That text is over {MAX_INPUT_BYTES // 1_000_000} MB; split it into several entries.")
    # Binary junk is kept (as replacement characters) rather than refused: the text is the person's.
    return data.decode("utf-8", errors="replace")


def _redacted(url: str) -> str:
    """A URL as it may be logged: without a password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n")


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json")


@dataclass(frozen=True)
class Session:
    """What a command that works in a workspace is given: the settings and the open narrator."""

    settings: Settings
    narrator: Narrator
    trackers: TrackerPool


@dataclass(frozen=True)
class Handler:
    """How ``coco VERB`` runs: ``local`` without a workspace (demo, serve, chat), else ``run`` with the
    narrator open; ``project`` resolves ``--project`` first (the one named, the default, the only one)."""

    run: Callable[[Session, argparse.Namespace], Awaitable[int]] | None = None
    local: Callable[[Settings, argparse.Namespace], Awaitable[int]] | None = None
    project: bool = False


async def _run(args: argparse.Namespace) -> int:
    from bot.app import open_narrator
    from bot.settings import Settings
    from bot.verbs import cli_key

    settings = Settings()
    log = logging.getLogger("coco.cli")
    log.info("coco %s: home %s, database %s, tracker %s, engine %s, workspace %s, author %s",
             args.command, settings.home_dir, _redacted(settings.resolved_database_url()),
             _redacted(settings.resolved_tracking_uri()), settings.engine_name(),
             args.workspace or settings.workspace, settings.author)
    key = cli_key(args)
    handler = CLI_HANDLERS.get(key)
    if handler is None:
        raise UserInputError(f"Unknown command {args.command!r}.")
    if handler.local is not None:
        return await handler.local(settings, args)
    assert handler.run is not None, key
    workspace = args.workspace
    if key == "project add" and args.slack_team:  # a project of a Slack team lives in that team's workspace
        workspace = f"slack:{args.slack_team}"
    platform = (workspace or settings.workspace).split(":", 1)[0]
    if key == "log" and not args.retry_pending:
        # Read before the database is opened: a database that refuses the write must not lose the text.
        args.text = _read_text(args.file)
    try:
        async with open_narrator(settings, workspace_key=workspace, platform=platform) as (narrator, trackers):
            if handler.project:
                args.project = await resolve_project(narrator, args.project, person=settings.author)
            return await handler.run(Session(settings, narrator, trackers), args)
    except StorageError as failure:
        if key != "log" or args.retry_pending:
            raise
        return _spool(settings, args, failure)


def _spool(settings: Settings, args: argparse.Namespace, failure: StorageError) -> int:
    """COCO's database refused a brain dump: say it was NOT saved, and keep it in the spool."""
    from bot.spool import spool_text
    from narrative.redact import redact_at_door

    if not args.text.strip():
        raise EmptyTextError("brain dump")
    clean = redact_at_door(args.text)
    try:
        path = spool_text(settings.home_dir, project=args.project, author=args.author or settings.author,
                          at=args.at, text=clean.text)
    except OSError as error:
        sys.stderr.write(f"coco: NOT saved: {failure.user_message} The text could not be kept either "
                         f"({error.strerror or error}): keep your copy.\n")
        return 1
    sys.stderr.write(f"coco: NOT saved: {failure.user_message} The text is kept in {path}; "
                     "`coco log --retry-pending` saves it once the database works.\n")
    return 1


async def resolve_project(narrator: Narrator, given: str | None, *, person: str) -> str:
    """The project a command works on: the one given, else the person's default (`coco project use`),
    else the workspace's only project; otherwise a sentence naming the projects to choose from."""
    if given:
        return given
    from core.errors import ProjectNotFoundError

    me = await narrator.person(person)
    if me is not None and me.default_project_id:
        try:
            return (await narrator.project_by_id(me.default_project_id)).name
        except ProjectNotFoundError:
            pass  # the default was deleted since: fall through to the workspace's projects
    names = sorted(p.name for p in await narrator.projects())
    if len(names) == 1:
        return names[0]
    if not names:
        raise UserInputError(
            "There is no project yet: create one with `coco project add NAME --mlflow-experiment EXPERIMENT`."
        )
    raise UserInputError(
        f"Which project? This workspace has {len(names)}: {', '.join(names)}. Give --project NAME, "
        "or choose a default once with `coco project use NAME`."
    )


# -- commands without a workspace ------------------------------------------------------------------------


async def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return await run_demo(settings, fresh=args.fresh)


async def _serve(settings: Settings, args: argparse.Namespace) -> int:
    if args.platform == "teams":
        from bot.teams.app import serve_teams

        return await serve_teams(settings, port=args.port, host=args.host)
    from bot.slack_serve import serve_slack

    def ready(where: str) -> None:
        sys.stderr.write(f"coco: serving Slack ({where})\n")
        sys.stderr.flush()

    await serve_slack(settings, port=args.port, host=args.host, ready=ready)
    return 0


async def _teams_package(settings: Settings, args: argparse.Namespace) -> int:
    from bot.teams.package import run_cli

    return await run_cli(settings, args)


async def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.chat import run_chat

    return await run_chat(settings, workspace=args.workspace, user=args.user)


# -- projects ------------------------------------------------------------------------------------------


async def _project_add(session: Session, args: argparse.Namespace) -> int:
    from bot import render_terminal as view

    notices: list[str] = []
    tracker, experiments = session.trackers.for_new_project(mlflow=args.experiments, wandb=args.wandb_projects)
    record = await session.narrator.add_project(
        name=args.name,
        tracker=tracker,
        experiments=experiments,
        primary_metric=args.primary_metric,
        goal=args.goal,
        channels=[*args.channels, *args.teams_channels],
        notices=notices,
    )
    sys.stderr.write("".join(f"coco: warning: {n}\n" for n in notices))
    if args.json:
        _print_json(_dump(record))
    else:
        view.project_added(record)
    return 0


async def _project_list(session: Session, args: argparse.Namespace) -> int:
    from bot import render_terminal as view

    projects = await session.narrator.projects()
    if args.json:
        _print_json([_dump(p) for p in projects])
    elif not projects:
        sys.stdout.write("No project yet: create one with `coco project add NAME --mlflow-experiment EXPERIMENT`.\n")
    else:
        view.projects(projects)
    return 0


async def _project_use(session: Session, args: argparse.Namespace) -> int:
    from storage.records import UserRecord

    narrator, author = session.narrator, session.settings.author
    project = await narrator.project(args.name)
    me = await narrator.person(author) or UserRecord(workspace_id=narrator.workspace_id, platform_user_id=author)
    await narrator.set_default_project(me, project)
    sys.stdout.write(f"{project.name} is now the default project of {author}: --project may be left out.\n")
    return 0


# -- entries and queued work -----------------------------------------------------------------------------


async def _log(session: Session, args: argparse.Namespace) -> int:
    from bot import render_terminal as view

    narrator = session.narrator
    if args.retry_pending:
        outcomes, waiting = await _store_spooled(session, project=args.project)
        outcomes += await narrator.retry_pending(project=args.project)
        if args.json:
            _print_json([view.entry_json(o, project=o.entry.project_id) for o in outcomes])
        else:
            view.retried(outcomes)
        for line in waiting:
            sys.stderr.write(f"coco: {line}\n")
        return 1 if waiting or any(o.pending for o in outcomes) else 0
    args.project = await resolve_project(narrator, args.project, person=session.settings.author)
    outcome = await narrator.log(project=args.project, text=args.text, author=args.author or session.settings.author,
                                 at=args.at)
    if args.json:
        _print_json(view.entry_json(outcome, project=args.project))
    else:
        view.entry(outcome, project=args.project)
    if outcome.pending:
        sys.stderr.write(
            f"coco: saved as pending entry {outcome.entry.id}: {outcome.reason} "
            "It will be finished by `coco log --retry-pending`.\n"
        )
        return 1
    return 0


async def _store_spooled(session: Session, *, project: str | None) -> tuple[list[LogOutcome], list[str]]:
    """Store the brain dumps a failing database left in the spool (each on its own: one that still
    cannot be stored stays spooled and never blocks the others). Returns what was stored, and a line
    for each text still waiting."""
    from bot.spool import spooled, unspool

    narrator, settings = session.narrator, session.settings
    outcomes: list[LogOutcome] = []
    waiting: list[str] = []
    for item in spooled(settings.home_dir):
        try:
            name = await resolve_project(narrator, item.project, person=item.author)
            if project and name != project:
                continue
            outcome = await narrator.log(project=name, text=item.text, author=item.author, at=item.at)
        except CocoError as error:
            waiting.append(f"still spooled, not saved: {item.path.name}: {error.user_message}")
            continue
        unspool(item)
        outcomes.append(outcome)
    return outcomes, waiting


async def _entry(session: Session, args: argparse.Namespace) -> int:
    """``coco entry ID``: shown the way the reply to its brain dump showed it."""
    from bot.render_entries import entry_payload, print_entries

    names = {p.id: p.name for p in await session.narrator.projects()}
    found = await session.narrator.entry(args.entry_id.strip())
    if args.json:
        _print_json(entry_payload(found, project=names.get(found.project_id, found.project_id)))
    else:
        print_entries([found], names=names, detail=True)
    return 0


async def _entries(session: Session, args: argparse.Namespace) -> int:
    """``coco entries``: a filtered list, oldest first."""
    await _list_entries(session.narrator, project=args.project, author=args.author, since=args.since,
                        as_json=args.json)
    return 0


async def _pending(session: Session, args: argparse.Namespace) -> int:
    """``coco pending``: the entries not finished yet (tracker down, engine failed), and why."""
    shown = await _list_entries(session.narrator, project=args.project, status="pending", as_json=args.json,
                                empty="No entry is pending.")
    if shown and not args.json:
        sys.stdout.write("COCO retries pending entries on its own a few minutes apart; "
                         "`coco log --retry-pending` tries now.\n")
    return 0


async def _list_entries(
    narrator: Narrator,
    *,
    project: str | None,
    as_json: bool,
    author: str | None = None,
    since: dt.datetime | None = None,
    status: EntryStatus | None = None,
    empty: str = "No entries.",
) -> int:
    """Prints the entries (each shown the way the reply to its brain dump showed it); returns how many."""
    from bot.render_entries import entry_payload, print_entries

    names = {p.id: p.name for p in await narrator.projects()}
    record = await narrator.project(project) if project else None
    found: list[EntryRecord] = []
    token: str | None = None
    while True:
        page, token = await narrator.entries(project=record, author=author, since=since, status=status,
                                             page_token=token)
        found += page
        if token is None:
            break
    if as_json:
        _print_json({"entries": [entry_payload(e, project=names.get(e.project_id, e.project_id)) for e in found]})
    else:
        print_entries(found, names=names, detail=False, empty=empty)
    return len(found)


async def _jobs(session: Session, args: argparse.Namespace) -> int:
    from bot.render_entries import jobs_report, print_jobs
    from narrative.jobs import run_due_jobs

    done = await run_due_jobs(session.narrator)
    jobs = await jobs_report(session.narrator, done)
    _print_json(jobs) if args.json else print_jobs(jobs)
    return 0


async def _usage(session: Session, args: argparse.Namespace) -> int:
    from narrative.usage import month_start, summarize_usage, usage_report

    since = args.since or month_start(dt.datetime.now(dt.UTC))
    rows = await session.narrator.usage_rows(since=since)
    if args.json:
        _print_json({"since": since.isoformat(), "usage": [s.as_dict() for s in summarize_usage(rows)]})
    else:
        sys.stdout.write(f"Model usage since {since:%Y-%m-%d}\n{usage_report(rows)}\n")
    return 0


# -- the narrative of one project ------------------------------------------------------------------------


async def _check(session: Session, args: argparse.Namespace) -> int:
    from bot import render_terminal as view

    result = await session.narrator.check(project=args.project, text=" ".join(args.text))
    _print_json(_dump(result)) if args.json else view.check(result)
    return 0


async def _ask(session: Session, args: argparse.Namespace) -> int:
    from bot import render_terminal as view

    answer = await session.narrator.ask(project=args.project, question=" ".join(args.question))
    _print_json(_dump(answer)) if args.json else view.answer(answer)
    return 0


async def _phase(session: Session, args: argparse.Namespace) -> int:
    from bot import render_terminal as view

    report = await session.narrator.phase(project=args.project, since=args.since)
    _print_json(_dump(report)) if args.json else view.phase(report)
    return 0


async def _reproduce(session: Session, args: argparse.Namespace) -> int:
    from bot import render_terminal as view

    repro = await session.narrator.reproduce(project=args.project, run_ref=args.run_id)
    _print_json(_dump(repro)) if args.json else view.reproduce(repro)
    return 0


async def _next(session: Session, args: argparse.Namespace) -> int:
    from bot import render_terminal as view

    plan = await session.narrator.next_plan(project=args.project, context=args.context)
    _print_json(_dump(plan)) if args.json else view.next_plan(plan)
    return 0


async def _decide(session: Session, args: argparse.Namespace) -> int:
    from bot import render_terminal as view

    doc = await session.narrator.decide(
        project=args.project, finalists=args.finalists, criteria=args.criteria, context=args.context
    )
    if args.markdown:
        _write_output(args.markdown, doc.markdown.encode("utf-8"), what="the decision record")
    _print_json(_dump(doc)) if args.json else view.decision(doc)
    return 0


# -- the digest ---------------------------------------------------------------------------------------------

MAX_DIGEST_DAYS = 36_500  # further back than any tracker, and well inside the date arithmetic's range


def _check_output(path: Path, *, what: str) -> None:
    """A file COCO is asked to write: refused in one line when it is a folder."""
    if path.is_dir():
        raise UserInputError(f"{path} is a folder; give a file name for {what}.")


def _write_output(path: Path, data: bytes, *, what: str) -> None:
    """Write ``data`` to a file a person named (its folder created); a path that cannot be written is
    their mistake, said in one line."""
    _check_output(path, what=what)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as error:
        raise UserInputError(f"COCO cannot write {what} to {path}: {error.strerror or error}.") from None



async def _digest(session: Session, args: argparse.Namespace) -> int:
    """``coco digest``: print it (and write its chart)."""
    from bot import render_terminal as view

    if not 1 <= args.days <= MAX_DIGEST_DAYS:
        raise UserInputError(f"--days is a number of days from 1 to {MAX_DIGEST_DAYS:,} (100 years).")
    if args.chart:
        _check_output(args.chart, what="the chart")  # before the work, so a typo costs nothing
    digest = await session.narrator.digest(project=args.project, days=args.days)
    if args.chart:
        from bot.chart import render_chart

        _write_output(args.chart, render_chart(digest), what="the chart")
    chart = str(args.chart.resolve()) if args.chart else None
    if args.json:
        _print_json(_dump(digest))
        if chart:  # stdout stays JSON; the person still learns where the chart went
            sys.stderr.write(f"coco: chart written to {chart}\n")
    else:
        view.digest(digest, chart=chart)
    return 0


async def _digest_schedule(session: Session, args: argparse.Namespace) -> int:
    """``coco digest schedule``: show, set or clear the weekly posting."""
    from bot import scheduler

    narrator = session.narrator
    project = await narrator.project(args.project)  # resolved by the caller
    if args.clear:
        had = await scheduler.clear_schedule(narrator, project=project)
        sys.stdout.write(f"The digest of {project.name} is no longer scheduled.\n" if had
                         else f"The digest of {project.name} was not scheduled.\n")
        return 0
    if args.show or not args.when:
        stored = scheduler.stored_schedule(project)
        if stored is None:
            sys.stdout.write(f"The digest of {project.name} is not scheduled.\n")
        else:
            due = scheduler.next_due(stored[0], after=narrator.clock())
            sys.stdout.write(f"{stored[0].describe()} to {stored[1]}; next {due.isoformat()}\n")
        return 0
    timezone = args.timezone or await scheduler.workspace_timezone(narrator)
    schedule = scheduler.parse_schedule(" ".join(args.when), timezone=timezone)
    due = await scheduler.set_schedule(narrator, project=project, channel=args.channel, schedule=schedule)
    sys.stdout.write(f"{schedule.describe()} to {args.channel}; next {due.isoformat()}\n")
    return 0


async def _digest_run_due(session: Session, args: argparse.Namespace) -> int:
    """``coco digest run-due``: post the due digests here, in the terminal."""
    from bot import scheduler

    workspace = await session.narrator.workspace()
    if workspace.platform != "cli":
        # Posting here would spend the occurrence: the chat's bot would then never post it.
        raise UserInputError(f"Digests of the {workspace.platform} workspace are posted by its bot, not here.")
    done = await scheduler.run_due_digests(session.narrator, _TerminalPoster(args.chart_dir, quiet=args.json),
                                           worker="cli")
    _print_json(done) if args.json else sys.stdout.write("".join(f"{line}\n" for line in done))
    return 0


# What runs each verb (bot/verbs.py declares them; a test checks that every declared CLI verb is here).
async def _today(session: Session, args: argparse.Namespace) -> int:
    """``coco today``: the author's runs of the day, the table the end-of-day nudge shows. The day is the
    one of ``TZ`` when it names an IANA zone, else of the workspace's time zone."""
    import os

    from narrative import today

    narrator = session.narrator
    author = (args.author or session.settings.author).strip()
    if not author:
        raise UserInputError("Say whose runs: --author TRACKER_USER.")
    projects = [await narrator.project(args.project)] if args.project else await narrator.projects()
    if not projects:
        raise UserInputError("There is no project yet: `coco project add NAME --mlflow-experiment EXP`.")
    zone = os.environ.get("TZ", "")
    if "/" not in zone and zone != "UTC":
        zone = (await narrator.workspace()).timezone or "UTC"
    now = narrator.clock()
    tables = await today.day_tables(narrator, author=author, now=now, timezone=zone, projects=projects)
    if args.json:
        _print_json({"author": author, "timezone": zone, "day": today.local_day(now, zone),
                     "runs": sum(len(t.rows) for t in tables), "tables": [t.as_json() for t in tables]})
    else:
        sys.stdout.write(today.describe(tables) + "\n")
        if tables:
            sys.stdout.write("\n" + "\n".join(today.PROMPTS) + "\n(`coco log` takes your answer.)\n")
    return 0


CLI_HANDLERS: dict[str, Handler] = {
    "project add": Handler(_project_add),
    "project list": Handler(_project_list),
    "project use": Handler(_project_use),
    "log": Handler(_log),
    "check": Handler(_check, project=True),
    "ask": Handler(_ask, project=True),
    "phase": Handler(_phase, project=True),
    "reproduce": Handler(_reproduce, project=True),
    "entries": Handler(_entries),
    "entry": Handler(_entry),
    "pending": Handler(_pending),
    "digest": Handler(_digest, project=True),
    "digest schedule": Handler(_digest_schedule, project=True),
    "digest run-due": Handler(_digest_run_due),
    "next": Handler(_next, project=True),
    "decide": Handler(_decide, project=True),
    "demo": Handler(local=_demo),
    "serve": Handler(local=_serve),
    "chat": Handler(local=_chat),
    "teams package": Handler(local=_teams_package),
    "usage": Handler(_usage),
    "jobs": Handler(_jobs),
    "today": Handler(_today),
}


class _TerminalPoster:
    """Posts a due digest to this terminal (and its chart to a folder): the CLI workspace's channel."""

    def __init__(self, chart_dir: Path | None, *, quiet: bool) -> None:
        self.chart_dir = chart_dir
        self.quiet = quiet

    async def post_digest(self, *, workspace_id: str, channel: str, digest: Digest, chart_png: bytes | None) -> None:
        from bot import render_terminal as view

        if not self.quiet:
            view.digest(digest)
        if self.chart_dir is not None and chart_png is not None:
            self.chart_dir.mkdir(parents=True, exist_ok=True)
            (self.chart_dir / f"{digest.project}-{digest.until:%Y%m%dT%H%M}.png").write_bytes(chart_png)


def _home() -> Path:
    import os

    return Path(os.environ.get("COCO_HOME", "~/.coco")).expanduser()


def _log_file() -> Path | None:
    from bot.logs import private_dir

    try:
        return private_dir(_home()) / "coco.log"
    except OSError:
        return None


def _configure_logging(verbose: bool) -> None:
    from bot.logs import log_handlers

    try:
        home: Path | None = _home()
    except RuntimeError:  # no home directory to expand ~ into
        home = None
    logging.basicConfig(level=logging.INFO, handlers=log_handlers(home, verbose=verbose), force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("mlflow", "alembic", "sqlalchemy", "urllib3", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    import os

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    import time

    started = time.perf_counter()
    status = _guarded(lambda: _run(args))
    logging.getLogger("coco.cli").info("coco %s: exit %d after %.2f s", args.command, status,
                                       time.perf_counter() - started)
    return status


def _guarded(job: Callable[[], Coroutine[Any, Any, int]]) -> int:
    try:
        return asyncio.run(job())
    except (UserInputError, EmptyTextError) as mistake:
        sys.stderr.write(f"coco: {mistake.user_message}\n")
        return 2
    except OutsideFailure as failure:
        sys.stderr.write(f"coco: {failure.user_message}\n")
        return 1
    except CocoError as error:
        sys.stderr.write(f"coco: {error.user_message}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("coco: interrupted\n")
        return 130
    except Exception as error:  # the last line of defence: one line here, the traceback in the log
        logging.getLogger("coco").exception("unexpected error")
        where = _log_file()
        sys.stderr.write(f"coco: internal error ({type(error).__name__}: {error}); details in {where}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
