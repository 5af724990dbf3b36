"""Every COCO verb, declared once: the ``coco`` command line and the ``/coco`` chat command are both
generated from the declarations below, and so are ``coco --help``, ``/coco help`` and the Slack
manifest's slash-command hint.

A verb (:class:`Verb`) says on which surfaces it exists, what it is for, and its arguments. An argument
(:class:`Arg`) says how each surface reads it: on the command line as an argparse positional, option or
flag; in chat as the raw text after the verb, the leftover words, one word, a WHEN word, or an option
introduced by its flag. Adding a verb is one declaration here plus its handler in each surface's table
(``bot.cli.CLI_HANDLERS``, the chat dispatcher's table).

Nothing here imports the service or a platform: ``coco check`` starts fast, and a chat front end
parses a command before it knows which workspace it is in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

from core.errors import UserInputError

Surface = Literal["cli", "chat", "both"]
# How the command line reads an argument (None: not on the command line).
CliReading = Literal["positional", "option", "flag"]
# How chat reads it (None: not in chat). raw: the whole text after the verb, as typed; words: the words
# no other argument took; word: one such word; when: a word that is a WHEN (or the word after a flag);
# option: the word after one of its flags.
ChatReading = Literal["raw", "words", "word", "when", "option"]
ValueType = Literal["str", "int", "path", "when"]

GENERIC_SURPLUS = "I did not understand {token}: `{usage}`."


@dataclass(frozen=True)
class Arg:
    """One argument of a verb, as each surface reads it."""

    name: str  # the value's key (argparse ``dest``, ``ChatCommand.values``)
    help: str = ""
    cli: CliReading | None = None
    chat: ChatReading | None = None
    flags: tuple[str, ...] = ()  # the command line's flags (chat accepts them too)
    chat_flags: tuple[str, ...] = ()  # words that introduce it in chat only (``by`` AUTHOR)
    type: ValueType = "str"
    nargs: Literal["?", "*", "+"] | None = None
    default: Any = None
    choices: tuple[str, ...] = ()
    required: bool = False
    repeat: bool = False  # given several times, each value kept
    group: str = ""  # command line: arguments of one group exclude each other
    metavar: str | None = None
    missing: str = ""  # chat: what to say when a required argument is absent (``{usage}`` is filled in)
    synopsis: str | None = None  # chat: how ``/coco help`` shows it, when the derived form does not fit


@dataclass(frozen=True)
class Verb:
    """A verb (or a sub-verb such as ``project add``) and the surfaces that have it."""

    name: str
    surfaces: Surface
    summary: str = ""  # ``coco --help``
    chat_summary: str = ""  # ``/coco help``
    args: tuple[Arg, ...] = ()
    subverbs: tuple[Verb, ...] = ()
    sub_required: bool = False  # command line: a sub-verb must be given
    aliases: tuple[str, ...] = ()  # chat: other words for it
    chat_where: str = ""  # chat: said when it is used outside a channel (it works in channels only)
    surplus: str = GENERIC_SURPLUS  # chat: said of a word no argument takes; "ignore" to drop such words

    @property
    def on_cli(self) -> bool:
        return self.surfaces in ("cli", "both")

    @property
    def on_chat(self) -> bool:
        return self.surfaces in ("chat", "both")

    def cli_args(self) -> tuple[Arg, ...]:
        return tuple(a for a in self.args if a.cli is not None)

    def chat_args(self) -> tuple[Arg, ...]:
        return tuple(a for a in self.args if a.chat is not None)


# -- the declarations -------------------------------------------------------------------------------

PROJECT_HELP = ("the project (may be left out when the workspace has one project, "
                "or after `coco project use NAME`)")
JSON_HELP = "print the result as JSON (the shapes of design.md) instead of text"
WHEN_HELP = "a date (2026-03-01), a date-time (2026-03-01T18:00, UTC unless an offset is given), or 14d, 2w, yesterday"
EVERY_PROJECT_HELP = "only this project's entries (default: every project)"

JSON = Arg("json", JSON_HELP, cli="flag", flags=("--json",))
PROJECT = Arg("project", PROJECT_HELP, cli="option", flags=("--project",))
# In chat the project is the channel's, or named by the words left over (``/coco phase churn 14d``).
PROJECT_WORDS = Arg("project", PROJECT_HELP, cli="option", chat="words", flags=("--project",))


def _check_or_ask(name: str, summary: str, chat_summary: str, arg: str, arghelp: str, example: str) -> Verb:
    return Verb(name, "both", summary, chat_summary, args=(
        PROJECT, JSON,
        Arg(arg, arghelp, cli="positional", chat="raw", nargs="+", required=True, missing=example),
    ))


VERBS: tuple[Verb, ...] = (
    Verb("project", "both", "link a project to its tracker experiment", "the project your DMs go to",
         aliases=("projects",), sub_required=True,
         args=(Arg("name", chat="words", synopsis="NAME"),),
         subverbs=(
             Verb("add", "both", "create or update a project",
                  "create or update a project (its MLflow experiment or W&B project)", args=(
                 Arg("name", "the project's name in COCO", cli="positional", chat="word", required=True,
                     metavar="NAME", missing="Name the project: `{usage}`."),
                 # One of the two (or both, for a team whose runs are in both trackers): the verb's
                 # handler says so in one sentence when neither is given.
                 Arg("experiments", "MLflow experiment name or id (repeatable)", cli="option", chat="option",
                     flags=("--mlflow-experiment",), repeat=True, synopsis="[--mlflow-experiment EXP]"),
                 Arg("wandb_projects", "W&B project as ENTITY/PROJECT (repeatable; WANDB_API_KEY, WANDB_BASE_URL "
                     "and WANDB_ENTITY as W&B reads them)", cli="option", chat="option",
                     flags=("--wandb-project",), repeat=True, synopsis="[--wandb-project ENTITY/PROJECT]"),
                 Arg("primary_metric", "the metric that decides what is best, e.g. val_auc", cli="option",
                     chat="option", flags=("--primary-metric",), synopsis=""),
                 Arg("goal", "whether higher or lower is better", cli="option", chat="option", flags=("--goal",),
                     choices=("max", "min"), default="max", synopsis=""),
                 Arg("channels", "a Slack channel id the project's entries feed (repeatable)", cli="option",
                     flags=("--slack-channel",), repeat=True, default=[]),
                 Arg("slack_team", "the Slack team id of those channels", cli="option", flags=("--slack-team",)),
                 Arg("teams_channels", "a Teams channel id (channelData.channel.id) the project's entries feed and "
                     "its digest is posted to (repeatable; with --workspace teams:TENANT)", cli="option",
                     flags=("--teams-channel",), repeat=True, default=[]),
                 JSON,
             )),
             Verb("list", "cli", "list projects", args=(JSON,)),
             Verb("use", "cli", "make a project your default (then --project may be left out)",
                  args=(Arg("name", "the project's name", cli="positional"),)),
         )),
    Verb("log", "cli", "turn a brain dump into a structured entry", args=(
        PROJECT,
        Arg("author", "who wrote it (default: COCO_AUTHOR or your login)", cli="option", flags=("--author",)),
        Arg("at", f"when it was written (default now): {WHEN_HELP}", cli="option", flags=("--at",), type="when"),
        JSON,
        Arg("retry_pending", "finish entries left pending", cli="flag", flags=("--retry-pending",)),
        Arg("file", "a file with the brain dump, or - for stdin (default)", cli="positional", nargs="?",
            default="-"),
    )),
    _check_or_ask("check", "you already tried this?", "has this been tried already?", "text",
                  "what you plan to try, in your words", "Say what you plan to try: `/coco check SMOTE on the GRU`."),
    _check_or_ask("ask", "ask a question of the project's history",
                  "a short answer from the project's history, with citations", "question",
                  "the question, in your words", "Ask a question: `/coco ask why did we drop xlnet?`."),
    Verb("phase", "both", "synthesise a phase of work",
         "a phase summary (since a date like 2026-03-01, or 14d / 2w / yesterday)", args=(
             PROJECT_WORDS,
             Arg("since", f"start of the phase: {WHEN_HELP}", cli="option", chat="when", flags=("--since",),
                 type="when"),
             JSON,
         )),
    Verb("reproduce", "both", "what a reproduction of a run needs", "what reproducing a run needs, and what is missing",
         surplus="ignore", args=(
             PROJECT, JSON,
             Arg("run_id", "the run: full id, unique prefix (6+ characters) or exact run name", cli="positional",
                 chat="word", required=True,
                 missing="Give the run: `{usage}` (the full id or its first 6+ characters)."),
         )),
    Verb("entries", "both", "list experiment-log entries",
         "the log entries, newest first (since 14d, 2w, a date...)", args=(
             Arg("project", EVERY_PROJECT_HELP, cli="option", chat="words", flags=("--project",)),
             Arg("author", "only entries by this author", cli="option", chat="option", flags=("--author",),
                 chat_flags=("by",)),
             Arg("since", f"only entries from then on: {WHEN_HELP}", cli="option", chat="when", flags=("--since",),
                 type="when"),
             JSON,
         )),
    Verb("entry", "both", "show one entry", "one entry, as it was filed",
         surplus="Give one entry id: `{usage}`.", args=(
             Arg("entry_id", "the entry's id, as other commands cite it", cli="positional", chat="word",
                 required=True, missing="Give one entry id: `{usage}`."),
             JSON,
         )),
    Verb("digest", "both", "the weekly digest (and its schedule)", "preview this project's weekly digest",
         surplus="ignore", args=(
             PROJECT,
             Arg("days", "how many days back it covers (default 7)", cli="option", flags=("--days",), type="int",
                 default=7),
             JSON,
             Arg("chart", "also write the chart of the primary metric here (PNG)", cli="option", flags=("--chart",),
                 type="path"),
         ), subverbs=(
             Verb("schedule", "both", "post the digest weekly, e.g. `schedule --project P mon 09:00`",
                  "post the digest in this channel every week",
                  chat_where="Set the digest schedule in the project's channel: it is posted there.", args=(
                      PROJECT,
                      Arg("channel", "where it is posted (default: this terminal)", cli="option",
                          flags=("--channel",), default="terminal"),
                      Arg("timezone", "IANA name (default: the workspace's timezone)", cli="option",
                          flags=("--timezone",)),
                      Arg("show", "show the schedule", cli="flag", flags=("--show",), group="mode"),
                      Arg("clear", "stop posting the digest", cli="flag", flags=("--clear",), group="mode"),
                      Arg("when", "a weekday and a time: mon 09:00, Friday 4:30pm, tue 9", cli="positional",
                          chat="words", nargs="*", synopsis="mon 09:00"),
                  )),
             Verb("run-due", "cli", "post the digests that are due, here in the terminal", args=(
                 Arg("chart_dir", "write each digest's chart into this folder", cli="option", flags=("--chart-dir",),
                     type="path"),
                 JSON,
             )),
         )),
    Verb("next", "both", "what to run next", "what to run next, from the history", args=(
        PROJECT,
        Arg("context", "deadline, resources, target", cli="option", chat="raw", flags=("--context",), default=""),
        JSON,
    )),
    Verb("decide", "both", "a model-selection decision record",
         "a model-selection decision record (asks for finalists and criteria)", args=(
             PROJECT,
             Arg("finalists", "run id, unique prefix or exact run name (repeat for each finalist)", cli="option",
                 flags=("--finalist",), repeat=True, required=True),
             Arg("criteria", "what the choice rests on, e.g. val_auc or latency (repeatable)", cli="option",
                 flags=("--criterion",), repeat=True, default=[]),
             Arg("context", "anything the record should mention", cli="option", flags=("--context",), default=""),
             Arg("markdown", "write the record as Markdown here", cli="option", flags=("--markdown",), type="path"),
             JSON,
             # In chat, run references and criteria come mixed; the handler tells them apart by the tracker's
             # run-reference syntax (which only the tracker knows), so they are handed over as words.
             Arg("words", chat="words", repeat=True),
         )),
    Verb("demo", "cli", "a real local walk-through on scikit-learn data", args=(
        Arg("fresh", "start from an empty demo home", cli="flag", flags=("--fresh",)),
    )),
    Verb("serve", "cli", "run a bot", args=(
        Arg("platform", cli="positional", choices=("slack", "teams")),
        Arg("port", "HTTP port (Slack: events on /slack/events)", cli="option", flags=("--port",), type="int",
            default=3000),
        Arg("host", "address to listen on (default: all interfaces)", cli="option", flags=("--host",),
            default="0.0.0.0"),
    )),
    Verb("teams", "cli", "Microsoft Teams: the app package to upload (see docs/teams.md)", sub_required=True,
         subverbs=(Verb("package", "cli", "write the Teams app package (manifest.json and icons, zipped)", args=(
             Arg("out", "where to write it", cli="option", flags=("--out",), type="path", default="coco-teams.zip"),
             Arg("app_version", "the app's version (raise it for each upload; default COCO's)", cli="option",
                 flags=("--app-version",)),
             Arg("website_url", "the publisher's https site (privacy and terms pages under it)", cli="option",
                 flags=("--website-url",)),
             Arg("developer", "the publisher's name", cli="option", flags=("--developer",), default="COCO"),
             Arg("mentions_only", "no permission to read channel messages that do not @mention COCO", cli="flag",
                 flags=("--mentions-only",)),
         )),)),
    Verb("chat", "cli", "talk to COCO in the terminal (the same conversation as the bots)", args=(
        Arg("user", "who you are (default: COCO_AUTHOR or your login)", cli="option", flags=("--user",)),
    )),
    Verb("usage", "cli", "model tokens and estimated cost in this workspace", args=(
        Arg("since", f"from then on (default: the start of this month): {WHEN_HELP}", cli="option",
            flags=("--since",), type="when"),
        JSON,
    )),
    Verb("jobs", "cli", "run queued work (pending entries, tracker write-backs)", args=(JSON,)),
    Verb("pending", "both", "list the entries still pending, and why",
         "the entries still pending (not yet structured or linked), and why", args=(
             Arg("project", EVERY_PROJECT_HELP, cli="option", chat="words", flags=("--project",)),
             JSON,
         )),
    Verb("link", "chat", chat_summary="link this channel to a project (and its experiment)",
         chat_where="Run `/coco link PROJECT --mlflow-experiment EXP` (or `--wandb-project ENTITY/PROJECT`) "
                    "in the project's channel.", args=(
             Arg("name", chat="word", required=True, metavar="PROJECT", missing="Name the project: `{usage}`."),
             Arg("experiments", chat="option", flags=("--mlflow-experiment", "--experiment"), repeat=True,
                 synopsis="--mlflow-experiment EXP"),
             Arg("wandb_projects", chat="option", flags=("--wandb-project",), repeat=True, synopsis=""),
             Arg("primary_metric", chat="option", flags=("--primary-metric",), synopsis=""),
             Arg("goal", chat="option", flags=("--goal",), choices=("max", "min"), default="max", synopsis=""),
         )),
    Verb("me", "chat", chat_summary="who you are in the tracker (so \"my runs\" means yours)",
         args=(Arg("tracker_user", chat="words", synopsis="TRACKER_USER"),)),
    Verb("nudge", "chat", chat_summary="an end-of-day DM with your runs of the day, to log them",
         surplus="ignore",
         args=(Arg("words", chat="words", synopsis="on|off|at 18:00|days mon-fri"),)),
    Verb("today", "cli", "your runs of the day, as the end-of-day nudge shows them", args=(
        Arg("project", EVERY_PROJECT_HELP.replace("entries", "runs"), cli="option", flags=("--project",)),
        Arg("author", "whose runs (default: COCO_AUTHOR or your login)", cli="option", flags=("--author",)),
        JSON,
    )),
    Verb("help", "chat", chat_summary="this list", aliases=("-h", "--help"), surplus="ignore"),
)

# ``/coco help`` lists the chat verbs in this order (what a person reaches for first), after the DM line.
CHAT_ORDER = ("phase", "entries", "entry", "pending", "next", "decide", "reproduce", "check", "ask", "digest",
              "link", "project", "me", "nudge", "help")
DM_LINE = ("(DM me)", "an end-of-day brain dump: I structure it into an entry linked to your runs")
BY_NAME: Mapping[str, Verb] = {v.name: v for v in VERBS}


def verb_named(name: str) -> Verb:
    return BY_NAME[name]


# -- the command line ---------------------------------------------------------------------------------


class CliParser(argparse.ArgumentParser):
    """argparse that exits 2 with one plain line, like every other input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"coco: {message} (see `coco --help`)\n")


def cli_when(value: str) -> dt.datetime:
    """A WHEN argument (bot/when.py): a date, a date-time, or relative (14d, 2w, yesterday, today)."""
    from bot.when import WhenError, parse_when

    try:
        return parse_when(value, now=dt.datetime.now(dt.UTC))
    except WhenError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


_CLI_TYPES: Mapping[ValueType, Any] = {"str": None, "int": int, "path": Path, "when": cli_when}


def _add_cli_arg(parser: argparse.ArgumentParser, arg: Arg, groups: dict[str, Any]) -> None:
    options: dict[str, Any] = {}
    if arg.cli == "flag":
        options["action"] = "store_true"
    else:
        for key, value in (("nargs", arg.nargs), ("type", _CLI_TYPES[arg.type]), ("metavar", arg.metavar),
                           ("choices", list(arg.choices) or None), ("default", arg.default)):
            if value is not None:
                options[key] = value
        if arg.repeat:
            options["action"] = "append"
    if arg.help:
        options["help"] = arg.help
    target: Any = parser
    if arg.group:
        if arg.group not in groups:
            groups[arg.group] = parser.add_mutually_exclusive_group()
        target = groups[arg.group]
    if arg.cli == "positional":
        target.add_argument(arg.name, **options)
    else:
        if arg.required:
            options["required"] = True
        target.add_argument(*arg.flags, dest=arg.name, **options)


def _add_cli_verb(sub: Any, verb: Verb) -> None:
    parser = sub.add_parser(verb.name, help=verb.summary)
    groups: dict[str, Any] = {}
    for arg in verb.cli_args():
        _add_cli_arg(parser, arg, groups)
    cli_subverbs = [s for s in verb.subverbs if s.on_cli]
    if cli_subverbs:
        nested = parser.add_subparsers(dest=cli_dest(verb.name), required=verb.sub_required, parser_class=CliParser)
        for subverb in cli_subverbs:
            _add_cli_verb(nested, subverb)


def cli_dest(verb: str) -> str:
    """The namespace attribute that holds a verb's sub-verb (``project_command``)."""
    return f"{verb.replace('-', '_')}_command"


def build_cli_parser() -> argparse.ArgumentParser:
    parser = CliParser(prog="coco", description="COCO keeps the experimental narrative of your ML work.")
    parser.add_argument("--workspace", help="workspace key (default: COCO_WORKSPACE or cli:local)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what COCO does to stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CliParser)
    for verb in VERBS:
        if verb.on_cli:
            _add_cli_verb(sub, verb)
    return parser


def cli_key(args: argparse.Namespace) -> str:
    """The verb a parsed command line names: ``phase``, ``project add``, ``digest schedule``."""
    sub = getattr(args, cli_dest(args.command), None)
    return f"{args.command} {sub}" if sub else str(args.command)


def cli_keys() -> list[str]:
    """Every key ``cli_key`` can return: what the command line's dispatch table must cover."""
    keys: list[str] = []
    for verb in VERBS:
        if not verb.on_cli:
            continue
        subs = [s.name for s in verb.subverbs if s.on_cli]
        if not verb.sub_required or not subs:
            keys.append(verb.name)
        keys += [f"{verb.name} {s}" for s in subs]
    return keys


# -- chat -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChatCommand:
    """A parsed ``/coco`` command: the verb (aliases resolved; ``help`` for help and for an unknown word),
    the sub-verb if one was given, each argument's value by name, and the text after the verb as typed."""

    verb: str
    sub: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""
    unknown: str | None = None  # the word that named no verb: the help then says so first

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def key(self) -> str:
        """The chat dispatcher's table key: ``phase``, ``digest schedule``."""
        return f"{self.verb} {self.sub}" if self.sub else self.verb

    @property
    def help_intro(self) -> str:
        return f"I don't know `{self.unknown}`. Here is what I can do:" if self.unknown else ""


def split_words(text: str) -> list[str]:
    """Chat words, quotes allowed (``/coco link "churn model" ...``)."""
    # Slack clients turn "--" into an em dash as people type; read it back as the flag it was.
    text = text.replace("\u2014", "--").replace("\u2013", "--").replace("\u201c", '"').replace("\u201d", '"')
    try:
        return shlex.split(text)
    except ValueError:  # an unbalanced quote: plain words are better than an error
        return text.split()


def _chat_verbs() -> dict[str, Verb]:
    found: dict[str, Verb] = {}
    for verb in VERBS:
        if verb.on_chat:
            found.update({word: verb for word in (verb.name, *verb.aliases)})
    return found


def _chat_when(token: str, *, now: dt.datetime) -> dt.datetime | None:
    """A chat word meant as a time (bot/when.py), None for any other word; a time that cannot be
    (``0001-01-01``, ``2026-13-45``, ``99999999d``) is the person's mistake, said in one sentence."""
    from bot.when import WhenError, looks_like_when, parse_when

    if not looks_like_when(token):
        return None
    try:
        return parse_when(token, now=now)
    except WhenError as error:
        raise UserInputError(str(error)) from None


def parse_chat(text: str, *, now: dt.datetime, in_channel: bool | None = None) -> ChatCommand:
    """The ``/coco`` command in ``text`` (what follows ``/coco``). ``now`` anchors relative times;
    ``in_channel`` (when known) refuses channel-only verbs elsewhere before their arguments are read.
    Raises ``UserInputError`` with one sentence naming the verb's usage."""
    words = split_words(text)
    if not words:
        return ChatCommand(verb="help")
    verb = _chat_verbs().get(words[0].lower())
    if verb is None:
        return ChatCommand(verb="help", unknown=words[0])
    rest_text = text.strip()[len(words[0]):].strip()
    rest = words[1:]
    chat_subs = {s.name: s for s in verb.subverbs if s.on_chat}
    if rest and rest[0].lower() in chat_subs:
        sub = chat_subs[rest[0].lower()]
        if sub.chat_where and in_channel is False:
            raise UserInputError(sub.chat_where)
        values = _chat_values(sub, rest[1:], rest_text, now=now, usage=chat_usage(verb.name, sub.name))
        return ChatCommand(verb=verb.name, sub=sub.name, values=values, text=rest_text)
    if verb.chat_where and in_channel is False:
        raise UserInputError(verb.chat_where)
    values = _chat_values(verb, rest, rest_text, now=now, usage=chat_usage(verb.name))
    return ChatCommand(verb=verb.name, values=values, text=rest_text)


def _chat_values(verb: Verb, tokens: Sequence[str], rest_text: str, *, now: dt.datetime,
                 usage: str) -> dict[str, Any]:
    args = verb.chat_args()
    values: dict[str, Any] = {}
    for arg in args:
        if arg.chat == "raw":
            values[arg.name] = rest_text
        elif arg.chat == "option" and arg.repeat:
            values[arg.name] = []
        elif arg.chat in ("option", "when", "word"):
            values[arg.name] = arg.default
    if any(a.chat == "raw" for a in args):
        return _checked(args, values, usage=usage)
    by_flag = {flag.lower(): a for a in args if a.chat in ("option", "when") for flag in (*a.flags, *a.chat_flags)}
    dropped = {flag.lower() for a in args if a.chat == "words" for flag in a.flags}
    when_arg = next((a for a in args if a.chat == "when"), None)
    words_arg = next((a for a in args if a.chat == "words"), None)
    word_arg = next((a for a in args if a.chat == "word"), None)
    leftover: list[str] = []
    tokens_left = iter(tokens)
    for token in tokens_left:
        low = token.lower()
        if low in by_flag:
            arg = by_flag[low]
            value = next(tokens_left, None)
            if arg.chat == "when":
                when = _chat_when(value or "", now=now)
                if when is None:
                    raise UserInputError(f"Give a time after {token}: a date, 14d, 2w or yesterday.")
                values[arg.name] = when
            elif arg.repeat:
                values[arg.name] += [value] if value else []
            elif value:  # a flag left without its word keeps the default (``by`` at the end: anyone)
                values[arg.name] = value
        elif low in dropped:
            continue
        elif when_arg is not None and (when := _chat_when(token, now=now)) is not None:
            values[when_arg.name] = when
        elif words_arg is not None:
            leftover.append(token)
        elif word_arg is not None and values[word_arg.name] is None and not token.startswith("--"):
            values[word_arg.name] = token
        elif verb.surplus != "ignore":
            raise UserInputError(verb.surplus.format(token=repr(token), usage=usage))
    if words_arg is not None:
        values[words_arg.name] = list(leftover) if words_arg.repeat else " ".join(leftover)
    return _checked(args, values, usage=usage)


def _checked(args: Sequence[Arg], values: dict[str, Any], *, usage: str) -> dict[str, Any]:
    for arg in args:
        if arg.required and not values.get(arg.name):
            raise UserInputError((arg.missing or "Missing {name}: `{usage}`.").format(usage=usage, name=arg.name))
    for arg in args:
        if arg.choices and values.get(arg.name) not in arg.choices:
            raise UserInputError(f"The {arg.name} is {' or '.join(f'`{c}`' for c in arg.choices)}.")
    return values


def _chat_synopsis(verb: Verb) -> str:
    """How ``/coco help`` shows a verb's arguments: words first, then options."""
    def shown(arg: Arg) -> str:
        if arg.synopsis is not None:
            return arg.synopsis
        if arg.chat == "raw":
            return (arg.metavar or arg.name.upper()) if arg.required else ""
        if arg.chat == "words":
            return "" if arg.repeat else f"[{arg.name}]"
        if arg.chat == "when":
            return f"[{arg.name}]"
        if arg.chat == "word":
            metavar = arg.metavar or arg.name.upper()
            return metavar if arg.required else f"[{metavar}]"
        flag = (arg.chat_flags or arg.flags)[0]
        return f"[{flag} {arg.metavar or arg.name.upper()}]"

    args = verb.chat_args()
    ordered = [a for a in args if a.chat != "option"] + [a for a in args if a.chat == "option"]
    return " ".join(filter(None, (shown(a) for a in ordered)))


def chat_usage(verb: str, sub: str | None = None) -> str:
    """One line: ``/coco link PROJECT --mlflow-experiment EXP``."""
    declared = verb_named(verb)
    if sub is not None:
        declared = next(s for s in declared.subverbs if s.name == sub)
    words = " ".join(filter(None, (verb, sub, _chat_synopsis(declared))))
    return f"/coco {words}"


def chat_help_lines() -> list[tuple[str, str]]:
    """``/coco help`` as (command, what it does) pairs, the DM line first."""
    lines = [DM_LINE]
    for name in CHAT_ORDER:
        verb = verb_named(name)
        lines.append((chat_usage(name), verb.chat_summary))
        lines += [(chat_usage(name, s.name), s.chat_summary) for s in verb.subverbs if s.on_chat]
    return lines


def chat_help(intro: str = "") -> str:
    """The text of ``/coco help`` (and of the help a DM's "hi" gets), with an optional first line."""
    return (intro + "\n" if intro else "") + "\n".join(f"{cmd} — {what}" for cmd, what in chat_help_lines())


# -- the Slack manifest ---------------------------------------------------------------------------------


def starts_with_verb(text: str) -> bool:
    """Whether the first word of ``text`` is a chat verb or its alias ("check", "phase", ...)."""
    words = text.split(maxsplit=1)
    return bool(words) and words[0].lower() in _chat_verbs()


def chat_verb_names() -> list[str]:
    return list(CHAT_ORDER)


def manifest_description() -> str:
    """The slash command's description in manifest.yaml."""
    return ", ".join(chat_verb_names())


def manifest_usage_hint() -> str:
    """The slash command's usage hint in manifest.yaml (Slack shows it as the command is typed)."""
    return "[" + " | ".join(chat_verb_names()) + "]"


def write_manifest(path: Path) -> bool:
    """Rewrite the slash command's description and usage hint in a Slack manifest; True if they changed."""
    import json
    import re

    text = path.read_text(encoding="utf-8")
    head, marker, commands = text.partition("slash_commands:")
    if not marker:
        raise ValueError(f"{path} declares no slash command")
    for key, value in (("description", manifest_description()), ("usage_hint", manifest_usage_hint())):
        # json.dumps quotes the way YAML's double-quoted scalars do (and escapes nothing these hold).
        quoted = json.dumps(value).replace("\\", "\\\\")  # a replacement template reads backslashes
        commands = re.sub(rf"(?m)^(\s+{key}: ).*$", rf"\g<1>{quoted}", commands, count=1)
    updated = head + marker + commands
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text


if __name__ == "__main__":  # `python -m bot.verbs manifest.yaml`: after adding a chat verb
    import sys

    for name in sys.argv[1:] or ["manifest.yaml"]:
        print(f"{name}: {'updated' if write_manifest(Path(name)) else 'already up to date'}")
