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

from adapters.errors import CocoError, EmptyTextError, OutsideFailure, UserInputError

if TYPE_CHECKING:
    from narrative.service import Narrator
    from narrative.types import Digest

MAX_INPUT_BYTES = 1_100_000  # a 1 MB paste is fine; a runaway pipe is not


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one plain line, like every other input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"coco: {message} (see `coco --help`)\n")


def _iso(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 date or time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="coco", description="COCO keeps the experimental narrative of your ML work.")
    parser.add_argument("--workspace", help="workspace key (default: COCO_WORKSPACE or cli:local)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what COCO does to stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    project = sub.add_parser("project", help="link a project to its tracker experiment")
    psub = project.add_subparsers(dest="project_command", required=True, parser_class=_Parser)
    add = psub.add_parser("add", help="create or update a project")
    add.add_argument("name")
    add.add_argument("--mlflow-experiment", action="append", required=True, dest="experiments",
                     help="MLflow experiment name or id (repeatable)")
    add.add_argument("--primary-metric")
    add.add_argument("--goal", choices=["max", "min"], default="max")
    add.add_argument("--slack-channel", action="append", default=[], dest="channels")
    add.add_argument("--slack-team")
    add.add_argument("--json", action="store_true")
    lst = psub.add_parser("list", help="list projects")
    lst.add_argument("--json", action="store_true")

    logp = sub.add_parser("log", help="turn a brain dump into a structured entry")
    logp.add_argument("--project")
    logp.add_argument("--author")
    logp.add_argument("--at", type=_iso, help="when it was written (ISO 8601; default now)")
    logp.add_argument("--json", action="store_true")
    logp.add_argument("--retry-pending", action="store_true", help="finish entries left pending")
    logp.add_argument("file", nargs="?", default="-", help="a file, or - for stdin (default)")

    for name, helptext, arg in (
        ("check", "you already tried this?", "text"),
        ("ask", "ask a question of the project's history", "question"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--project", required=True)
        p.add_argument("--json", action="store_true")
        p.add_argument(arg, nargs="+")

    phase = sub.add_parser("phase", help="synthesise a phase of work")
    phase.add_argument("--project", required=True)
    phase.add_argument("--since", type=_iso)
    phase.add_argument("--json", action="store_true")

    repro = sub.add_parser("reproduce", help="what a reproduction of a run needs")
    repro.add_argument("--project", required=True)
    repro.add_argument("--json", action="store_true")
    repro.add_argument("run_id")

    digest = sub.add_parser("digest", help="the weekly digest (and its schedule)")
    digest.add_argument("--project")
    digest.add_argument("--days", type=int, default=7)
    digest.add_argument("--json", action="store_true")
    digest.add_argument("--chart", type=Path, help="also write the chart of the primary metric here (PNG)")
    dsub = digest.add_subparsers(dest="digest_command", parser_class=_Parser)
    dsched = dsub.add_parser("schedule", help="post the digest weekly, e.g. `schedule --project P mon 09:00`")
    dsched.add_argument("--project", required=True)
    dsched.add_argument("--channel", default="terminal", help="where it is posted (default: this terminal)")
    dsched.add_argument("--timezone", help="IANA name (default: the workspace's timezone)")
    dsched_mode = dsched.add_mutually_exclusive_group()
    dsched_mode.add_argument("--show", action="store_true", help="show the schedule")
    dsched_mode.add_argument("--clear", action="store_true", help="stop posting the digest")
    dsched.add_argument("when", nargs="*", help="a weekday and a time: mon 09:00, Friday 4:30pm, tue 9")
    drun = dsub.add_parser("run-due", help="post the digests that are due, here in the terminal")
    drun.add_argument("--chart-dir", type=Path, help="write each digest's chart into this folder")
    drun.add_argument("--json", action="store_true")

    nxt = sub.add_parser("next", help="what to run next")
    nxt.add_argument("--project", required=True)
    nxt.add_argument("--context", default="", help="deadline, resources, target")
    nxt.add_argument("--json", action="store_true")

    decide = sub.add_parser("decide", help="a model-selection decision record")
    decide.add_argument("--project", required=True)
    decide.add_argument("--finalist", action="append", required=True, dest="finalists",
                        help="run id, unique prefix or exact run name (repeat for each finalist)")
    decide.add_argument("--criterion", action="append", default=[], dest="criteria")
    decide.add_argument("--context", default="")
    decide.add_argument("--markdown", type=Path, help="write the record as Markdown here")
    decide.add_argument("--json", action="store_true")

    demo = sub.add_parser("demo", help="a real local walk-through on scikit-learn data")
    demo.add_argument("--fresh", action="store_true", help="start from an empty demo home")

    serve = sub.add_parser("serve", help="run a bot")
    serve.add_argument("platform", choices=["slack", "teams"])
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (Slack: events on /slack/events)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all interfaces)")

    chat = sub.add_parser("chat", help="talk to COCO in the terminal (the same conversation as the bots)")
    chat.add_argument("--user", help="who you are (default: COCO_AUTHOR or your login)")

    usage = sub.add_parser("usage", help="model tokens and estimated cost in this workspace")
    usage.add_argument("--since", type=_iso, help="from this date (default: the start of this month)")
    usage.add_argument("--json", action="store_true")

    jobs = sub.add_parser("jobs", help="run queued work (pending entries, tracker write-backs)")
    jobs.add_argument("--json", action="store_true")
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


def _print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n")


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json")


async def _run(args: argparse.Namespace) -> int:
    from bot import render_terminal as view
    from bot.app import open_narrator
    from bot.settings import Settings

    settings = Settings()
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
            if args.project_command == "list":
                projects = await narrator.repo.list_projects(narrator.workspace_id)
                if args.json:
                    _print_json([_dump(p) for p in projects])
                else:
                    view.projects(projects)
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

        if args.command == "log":
            if args.retry_pending:
                outcomes = await narrator.retry_pending(project=args.project)
                if args.json:
                    _print_json([view.entry_json(o, project=o.entry.project_id) for o in outcomes])
                else:
                    view.retried(outcomes)
                return 1 if any(o.pending for o in outcomes) else 0
            if not args.project:
                raise UserInputError("Say which project this is for: `coco log --project NAME`.")
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
        if args.command == "usage":
            from narrative.usage import RepositoryUsageRecorder, month_start, summarize_usage, usage_report

            since = args.since or month_start(dt.datetime.now(dt.UTC))
            rows = await RepositoryUsageRecorder(narrator.repo).rows(narrator.workspace_id, since=since)
            if args.json:
                _print_json({"since": since.isoformat(), "usage": [s.as_dict() for s in summarize_usage(rows)]})
            else:
                sys.stdout.write(f"Model usage since {since:%Y-%m-%d}\n{usage_report(rows)}\n")
            return 0
        if args.command == "jobs":
            from bot.worker import run_due_jobs

            done = await run_due_jobs(narrator)
            _print_json(done) if args.json else view.jobs(done)
            return 0
    raise UserInputError(f"Unknown command {args.command!r}.")


async def _digest_command(narrator: Narrator, args: argparse.Namespace) -> int:
    """``coco digest``: print it (and its chart), or schedule it, or post the due ones here."""
    from bot import render_terminal as view
    from bot import scheduler

    if args.digest_command == "schedule":
        project = await narrator.project(args.project)
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
    if not args.project:
        raise UserInputError("Say which project: `coco digest --project NAME`.")
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
        handlers.append(logging.StreamHandler(sys.stderr))
    logging.basicConfig(level=logging.INFO, handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("mlflow", "alembic", "sqlalchemy", "urllib3", "aiosqlite", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    import os

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    return _guarded(lambda: _run(args))


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
