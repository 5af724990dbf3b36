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
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from core.errors import CocoError, EmptyTextError, OutsideFailure, UserInputError

if TYPE_CHECKING:
    from bot.app import TrackerPool
    from bot.settings import Settings
    from narrative.service import Narrator
    from narrative.types import Digest
    from storage.records import EntryRecord

MAX_INPUT_BYTES = 1_100_000  # a 1 MB paste is fine; a runaway pipe is not


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one plain line, like every other input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"coco: {message} (see `coco --help`)\n")


def _when(value: str) -> dt.datetime:
    """A WHEN argument (bot/when.py): a date, a date-time, or relative (14d, 2w, yesterday, today)."""
    from bot.when import WhenError, parse_when

    try:
        return parse_when(value, now=dt.datetime.now(dt.UTC))
    except WhenError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


PROJECT_HELP = ("the project (may be left out when the workspace has one project, "
                "or after `coco project use NAME`)")
JSON_HELP = "print the result as JSON (the shapes of design.md) instead of text"
WHEN_HELP = "a date (2026-03-01), a date-time (2026-03-01T18:00, UTC unless an offset is given), or 14d, 2w, yesterday"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="coco", description="COCO keeps the experimental narrative of your ML work.")
    parser.add_argument("--workspace", help="workspace key (default: COCO_WORKSPACE or cli:local)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what COCO does to stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    project = sub.add_parser("project", help="link a project to its tracker experiment")
    psub = project.add_subparsers(dest="project_command", required=True, parser_class=_Parser)
    add = psub.add_parser("add", help="create or update a project")
    add.add_argument("name", help="the project's name in COCO")
    add.add_argument("--mlflow-experiment", action="append", required=True, dest="experiments",
                     help="MLflow experiment name or id (repeatable)")
    add.add_argument("--primary-metric", help="the metric that decides what is best, e.g. val_auc")
    add.add_argument("--goal", choices=["max", "min"], default="max", help="whether higher or lower is better")
    add.add_argument("--slack-channel", action="append", default=[], dest="channels",
                     help="a Slack channel id the project's entries feed (repeatable)")
    add.add_argument("--slack-team", help="the Slack team id of those channels")
    add.add_argument("--json", action="store_true", help=JSON_HELP)
    lst = psub.add_parser("list", help="list projects")
    lst.add_argument("--json", action="store_true", help=JSON_HELP)
    use = psub.add_parser("use", help="make a project your default (then --project may be left out)")
    use.add_argument("name", help="the project's name")

    logp = sub.add_parser("log", help="turn a brain dump into a structured entry")
    logp.add_argument("--project", help=PROJECT_HELP)
    logp.add_argument("--author", help="who wrote it (default: COCO_AUTHOR or your login)")
    logp.add_argument("--at", type=_when, help=f"when it was written (default now): {WHEN_HELP}")
    logp.add_argument("--json", action="store_true", help=JSON_HELP)
    logp.add_argument("--retry-pending", action="store_true", help="finish entries left pending")
    logp.add_argument("file", nargs="?", default="-", help="a file with the brain dump, or - for stdin (default)")

    for name, helptext, arg, arghelp in (
        ("check", "you already tried this?", "text", "what you plan to try, in your words"),
        ("ask", "ask a question of the project's history", "question", "the question, in your words"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--project", help=PROJECT_HELP)
        p.add_argument("--json", action="store_true", help=JSON_HELP)
        p.add_argument(arg, nargs="+", help=arghelp)

    phase = sub.add_parser("phase", help="synthesise a phase of work")
    phase.add_argument("--project", help=PROJECT_HELP)
    phase.add_argument("--since", type=_when, help=f"start of the phase: {WHEN_HELP}")
    phase.add_argument("--json", action="store_true", help=JSON_HELP)

    repro = sub.add_parser("reproduce", help="what a reproduction of a run needs")
    repro.add_argument("--project", help=PROJECT_HELP)
    repro.add_argument("--json", action="store_true", help=JSON_HELP)
    repro.add_argument("run_id", help="the run: full id, unique prefix (6+ characters) or exact run name")

    entries = sub.add_parser("entries", help="list experiment-log entries")
    entries.add_argument("--project", help="only this project's entries (default: every project)")
    entries.add_argument("--author", help="only entries by this author")
    entries.add_argument("--since", type=_when, help=f"only entries from then on: {WHEN_HELP}")
    entries.add_argument("--json", action="store_true", help=JSON_HELP)
    entryp = sub.add_parser("entry", help="show one entry")
    entryp.add_argument("entry_id", help="the entry's id, as other commands cite it")
    entryp.add_argument("--json", action="store_true", help=JSON_HELP)

    digest = sub.add_parser("digest", help="the weekly digest (and its schedule)")
    digest.add_argument("--project", help=PROJECT_HELP)
    digest.add_argument("--days", type=int, default=7, help="how many days back it covers (default 7)")
    digest.add_argument("--json", action="store_true", help=JSON_HELP)
    digest.add_argument("--chart", type=Path, help="also write the chart of the primary metric here (PNG)")
    dsub = digest.add_subparsers(dest="digest_command", parser_class=_Parser)
    dsched = dsub.add_parser("schedule", help="post the digest weekly, e.g. `schedule --project P mon 09:00`")
    dsched.add_argument("--project", help=PROJECT_HELP)
    dsched.add_argument("--channel", default="terminal", help="where it is posted (default: this terminal)")
    dsched.add_argument("--timezone", help="IANA name (default: the workspace's timezone)")
    dsched_mode = dsched.add_mutually_exclusive_group()
    dsched_mode.add_argument("--show", action="store_true", help="show the schedule")
    dsched_mode.add_argument("--clear", action="store_true", help="stop posting the digest")
    dsched.add_argument("when", nargs="*", help="a weekday and a time: mon 09:00, Friday 4:30pm, tue 9")
    drun = dsub.add_parser("run-due", help="post the digests that are due, here in the terminal")
    drun.add_argument("--chart-dir", type=Path, help="write each digest's chart into this folder")
    drun.add_argument("--json", action="store_true", help=JSON_HELP)

    nxt = sub.add_parser("next", help="what to run next")
    nxt.add_argument("--project", help=PROJECT_HELP)
    nxt.add_argument("--context", default="", help="deadline, resources, target")
    nxt.add_argument("--json", action="store_true", help=JSON_HELP)

    decide = sub.add_parser("decide", help="a model-selection decision record")
    decide.add_argument("--project", help=PROJECT_HELP)
    decide.add_argument("--finalist", action="append", required=True, dest="finalists",
                        help="run id, unique prefix or exact run name (repeat for each finalist)")
    decide.add_argument("--criterion", action="append", default=[], dest="criteria",
                        help="what the choice rests on, e.g. val_auc or latency (repeatable)")
    decide.add_argument("--context", default="", help="anything the record should mention")
    decide.add_argument("--markdown", type=Path, help="write the record as Markdown here")
    decide.add_argument("--json", action="store_true", help=JSON_HELP)

    demo = sub.add_parser("demo", help="a real local walk-through on scikit-learn data")
    demo.add_argument("--fresh", action="store_true", help="start from an empty demo home")

    serve = sub.add_parser("serve", help="run a bot")
    serve.add_argument("platform", choices=["slack", "teams"])
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (Slack: events on /slack/events)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all interfaces)")

    chat = sub.add_parser("chat", help="talk to COCO in the terminal (the same conversation as the bots)")
    chat.add_argument("--user", help="who you are (default: COCO_AUTHOR or your login)")

    usage = sub.add_parser("usage", help="model tokens and estimated cost in this workspace")
    usage.add_argument("--since", type=_when, help=f"from then on (default: the start of this month): {WHEN_HELP}")
    usage.add_argument("--json", action="store_true", help=JSON_HELP)

    jobs = sub.add_parser("jobs", help="run queued work (pending entries, tracker write-backs)")
    jobs.add_argument("--json", action="store_true", help=JSON_HELP)
    return parser


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


async def _run(args: argparse.Namespace) -> int:
    from bot import render_terminal as view
    from bot.app import open_narrator
    from bot.settings import Settings

    settings = Settings()
    log = logging.getLogger("coco.cli")
    log.info("coco %s: home %s, database %s, tracker %s, engine %s, workspace %s, author %s",
             args.command, settings.home_dir, _redacted(settings.resolved_database_url()),
             _redacted(settings.resolved_tracking_uri()), settings.engine_name(),
             args.workspace or settings.workspace, settings.author)
    if args.command == "demo":
        from bot.demo import run_demo

        return await run_demo(settings, fresh=args.fresh)
    if args.command == "serve":
        if args.platform != "slack":
            raise UserInputError(f"`coco serve {args.platform}` is not part of this build yet.")
        from bot.slack_app import serve_slack

        def ready(where: str) -> None:
            sys.stderr.write(f"coco: serving Slack ({where})\n")
            sys.stderr.flush()

        await serve_slack(settings, port=args.port, host=args.host, ready=ready)
        return 0
    if args.command == "chat":
        from bot.chat import run_chat

        return await run_chat(settings, workspace=args.workspace, user=args.user)

    workspace = args.workspace
    if args.command == "project" and args.project_command == "add" and args.slack_team:
        workspace = f"slack:{args.slack_team}"
    platform = (workspace or settings.workspace).split(":", 1)[0]
    async with open_narrator(settings, workspace_key=workspace, platform=platform) as (narrator, trackers):
        if args.command == "project":
            return await _project_command(narrator, trackers, settings, args)
        if args.command in ("entries", "entry"):
            return await _entries_command(narrator, args)
        if args.command == "jobs":
            from bot.render_entries import jobs_report, print_jobs
            from bot.worker import run_due_jobs

            done = await run_due_jobs(narrator)
            jobs = await jobs_report(narrator, done)
            _print_json(jobs) if args.json else print_jobs(jobs)
            return 0
        if args.command == "usage":
            from narrative.usage import RepositoryUsageRecorder, month_start, summarize_usage, usage_report

            since = args.since or month_start(dt.datetime.now(dt.UTC))
            rows = await RepositoryUsageRecorder(narrator.repo).rows(narrator.workspace_id, since=since)
            if args.json:
                _print_json({"since": since.isoformat(), "usage": [s.as_dict() for s in summarize_usage(rows)]})
            else:
                sys.stdout.write(f"Model usage since {since:%Y-%m-%d}\n{usage_report(rows)}\n")
            return 0
        if args.command == "log" and args.retry_pending:
            outcomes = await narrator.retry_pending(project=args.project)
            if args.json:
                _print_json([view.entry_json(o, project=o.entry.project_id) for o in outcomes])
            else:
                view.retried(outcomes)
            return 1 if any(o.pending for o in outcomes) else 0
        if args.command == "digest" and args.digest_command == "run-due":
            return await _digest_command(narrator, args)

        # Every other command works on one project: the one named, else the person's default or the only one.
        args.project = await resolve_project(narrator, args.project, person=settings.author)
        if args.command == "log":
            text = _read_text(args.file)
            outcome = await narrator.log(
                project=args.project, text=text, author=args.author or settings.author, at=args.at
            )
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

        if args.command == "check":
            result = await narrator.check(project=args.project, text=" ".join(args.text))
            _print_json(_dump(result)) if args.json else view.check(result)
            return 0
        if args.command == "ask":
            answer = await narrator.ask(project=args.project, question=" ".join(args.question))
            _print_json(_dump(answer)) if args.json else view.answer(answer)
            return 0
        if args.command == "phase":
            report = await narrator.phase(project=args.project, since=args.since)
            _print_json(_dump(report)) if args.json else view.phase(report)
            return 0
        if args.command == "reproduce":
            repro = await narrator.reproduce(project=args.project, run_ref=args.run_id)
            _print_json(_dump(repro)) if args.json else view.reproduce(repro)
            return 0
        if args.command == "digest":
            return await _digest_command(narrator, args)
        if args.command == "next":
            plan = await narrator.next_plan(project=args.project, context=args.context)
            _print_json(_dump(plan)) if args.json else view.next_plan(plan)
            return 0
        if args.command == "decide":
            doc = await narrator.decide(
                project=args.project, finalists=args.finalists, criteria=args.criteria, context=args.context
            )
            if args.markdown:
                args.markdown.write_text(doc.markdown, encoding="utf-8")
            _print_json(_dump(doc)) if args.json else view.decision(doc)
            return 0
    raise UserInputError(f"Unknown command {args.command!r}.")


async def resolve_project(narrator: Narrator, given: str | None, *, person: str) -> str:
    """The project a command works on: the one given, else the person's default (`coco project use`),
    else the workspace's only project; otherwise a sentence naming the projects to choose from."""
    if given:
        return given
    from core.errors import ProjectNotFoundError

    me = await narrator.repo.get_user(narrator.workspace_id, person)
    if me is not None and me.default_project_id:
        try:
            return (await narrator.repo.get_project_by_id(narrator.workspace_id, me.default_project_id)).name
        except ProjectNotFoundError:
            pass  # the default was deleted since: fall through to the workspace's projects
    names = sorted(p.name for p in await narrator.repo.list_projects(narrator.workspace_id))
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


async def _project_command(
    narrator: Narrator, trackers: TrackerPool, settings: Settings, args: argparse.Namespace
) -> int:
    """``coco project add | list | use``."""
    from bot import render_terminal as view
    from storage.records import UserRecord

    if args.project_command == "list":
        projects = await narrator.repo.list_projects(narrator.workspace_id)
        if args.json:
            _print_json([_dump(p) for p in projects])
        elif not projects:
            sys.stdout.write("No project yet: create one with "
                             "`coco project add NAME --mlflow-experiment EXPERIMENT`.\n")
        else:
            view.projects(projects)
        return 0
    if args.project_command == "use":
        project = await narrator.project(args.name)
        me = await narrator.repo.get_user(narrator.workspace_id, settings.author)
        me = me or UserRecord(workspace_id=narrator.workspace_id, platform_user_id=settings.author)
        await narrator.repo.save_user(me.model_copy(update={"default_project_id": project.id}))
        sys.stdout.write(f"{project.name} is now the default project of {settings.author}: "
                         "--project may be left out.\n")
        return 0
    notices: list[str] = []
    record = await narrator.add_project(
        name=args.name,
        tracker=trackers.for_uri(settings.resolved_tracking_uri()),
        experiments=args.experiments,
        primary_metric=args.primary_metric,
        goal=args.goal,
        channels=args.channels,
        notices=notices,
    )
    sys.stderr.write("".join(f"coco: warning: {n}\n" for n in notices))
    if args.json:
        _print_json(_dump(record))
    else:
        view.project_added(record)
    return 0


async def _entries_command(narrator: Narrator, args: argparse.Namespace) -> int:
    """``coco entries`` (a filtered list, oldest first) and ``coco entry ID``, each entry shown the
    way the reply to its brain dump showed it."""
    from bot.render_entries import entry_payload, print_entries

    names = {p.id: p.name for p in await narrator.repo.list_projects(narrator.workspace_id)}
    if args.command == "entry":
        found = await narrator.repo.get_entry(narrator.workspace_id, args.entry_id.strip())
        if args.json:
            _print_json(entry_payload(found, project=names.get(found.project_id, found.project_id)))
        else:
            print_entries([found], names=names, detail=True)
        return 0
    project_id = (await narrator.project(args.project)).id if args.project else None
    found_all: list[EntryRecord] = []
    token: str | None = None
    while True:
        page, token = await narrator.repo.list_entries(
            narrator.workspace_id, project_id=project_id, author=args.author, since=args.since, page_token=token
        )
        found_all += page
        if token is None:
            break
    if args.json:
        _print_json({"entries": [entry_payload(e, project=names.get(e.project_id, e.project_id)) for e in found_all]})
    else:
        print_entries(found_all, names=names, detail=False)
    return 0


async def _digest_command(narrator: Narrator, args: argparse.Namespace) -> int:
    """``coco digest``: print it (and its chart), or schedule it, or post the due ones here."""
    from bot import render_terminal as view
    from bot import scheduler

    if args.digest_command == "schedule":
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
    if args.digest_command == "run-due":
        workspace = await narrator.repo.get_workspace(narrator.workspace_id)
        if workspace.platform != "cli":
            # Posting here would spend the occurrence: the chat's bot would then never post it.
            raise UserInputError(f"Digests of the {workspace.platform} workspace are posted by its bot, not here.")
        done = await scheduler.run_due_digests(narrator, _TerminalPoster(args.chart_dir, quiet=args.json),
                                               worker="cli")
        _print_json(done) if args.json else sys.stdout.write("".join(f"{line}\n" for line in done))
        return 0
    digest = await narrator.digest(project=args.project, days=args.days)
    if args.chart:
        from bot.chart import render_chart

        args.chart.parent.mkdir(parents=True, exist_ok=True)
        args.chart.write_bytes(render_chart(digest))
    chart = str(args.chart.resolve()) if args.chart else None
    if args.json:
        _print_json(_dump(digest))
        if chart:  # stdout stays JSON; the person still learns where the chart went
            sys.stderr.write(f"coco: chart written to {chart}\n")
    else:
        view.digest(digest, chart=chart)
    return 0


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


def _log_file() -> Path | None:
    import os

    home = Path(os.environ.get("COCO_HOME", "~/.coco")).expanduser()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return home / "coco.log"


def _configure_logging(verbose: bool) -> None:
    handlers: list[logging.Handler] = []
    path = _log_file()
    if path is not None:
        handlers.append(logging.FileHandler(path, encoding="utf-8"))
    if verbose:
        stream = logging.StreamHandler(sys.stderr)
        # A notice already written to stderr as one plain line (bot.app.SHOWN_ON_STDERR) is not repeated.
        stream.addFilter(lambda record: not getattr(record, "coco_shown_on_stderr", False))
        handlers.append(stream)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True,
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
