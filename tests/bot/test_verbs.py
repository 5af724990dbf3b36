"""The verbs declared once (bot/verbs.py): the chat parser reads every form ``/coco`` accepted before
the declarations, the help texts and the Slack manifest are the generated ones, and every declared
command-line verb has its handler."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from bot import verbs
from bot.conversation import Conversation
from bot.messages import EntryList, InboundMessage
from bot.verbs import ChatCommand, parse_chat
from core.errors import UserInputError
from narrative.service import Narrator
from tests.conftest import MlflowStore

NOW = dt.datetime(2026, 3, 20, 15, 30, tzinfo=dt.UTC)
MIDNIGHT = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]

# ``/coco help`` as bot/conversation.py wrote it by hand before the declarations, plus the new verb.
HELP_TEXT = """\
(DM me) — an end-of-day brain dump: I structure it into an entry linked to your runs
/coco phase [project] [since] — a phase summary (since a date like 2026-03-01, or 14d / 2w / yesterday)
/coco entries [project] [since] [by AUTHOR] — the log entries, newest first (since 14d, 2w, a date...)
/coco entry ENTRY_ID — one entry, as it was filed
/coco pending [project] — the entries still pending (not yet structured or linked), and why
/coco next — what to run next, from the history
/coco decide — a model-selection decision record (asks for finalists and criteria)
/coco reproduce RUN_ID — what reproducing a run needs, and what is missing
/coco check TEXT — has this been tried already?
/coco ask QUESTION — a short answer from the project's history, with citations
/coco digest — preview this project's weekly digest
/coco digest schedule mon 09:00 — post the digest in this channel every week
/coco link PROJECT --mlflow-experiment EXP — link this channel to a project (and its experiment)
/coco project NAME — the project your DMs go to
/coco project add NAME [--mlflow-experiment EXP] [--wandb-project ENTITY/PROJECT] — create or update a project \
(its MLflow experiment or W&B project)
/coco me TRACKER_USER — who you are in the tracker (so "my runs" means yours)
/coco nudge on|off|at 18:00|days mon-fri — an end-of-day DM with your runs of the day, to log them
/coco help — this list"""


def parse(text: str, *, in_channel: bool | None = None) -> ChatCommand:
    return parse_chat(text, now=NOW, in_channel=in_channel)


def refused(text: str, *, in_channel: bool | None = None) -> str:
    with pytest.raises(UserInputError) as caught:
        parse(text, in_channel=in_channel)
    return caught.value.user_message


# -- help, and words that are no verb ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "  ", "help", "HELP", "-h", "--help", "help me please"])
def test_help_and_nothing_are_help(text: str) -> None:
    command = parse(text)
    assert command.verb == "help" and command.unknown is None and command.help_intro == ""


def test_an_unknown_word_gets_the_help_saying_so() -> None:
    command = parse("Frobnicate the runs")
    assert command.verb == "help" and command.unknown == "Frobnicate"
    assert command.help_intro == "I don't know `Frobnicate`. Here is what I can do:"


def test_help_text_is_generated_and_matches_the_hand_written_one() -> None:
    assert verbs.chat_help() == HELP_TEXT
    assert verbs.chat_help(intro="Hi!") == "Hi!\n" + HELP_TEXT
    assert verbs.chat_help_lines()[0] == ("(DM me)", verbs.DM_LINE[1])
    assert [f"{cmd} — {what}" for cmd, what in verbs.chat_help_lines()] == HELP_TEXT.splitlines()


def test_every_chat_verb_is_in_the_help_once() -> None:
    declared = sorted(v.name for v in verbs.VERBS if v.on_chat)
    assert sorted(verbs.CHAT_ORDER) == declared


# -- verbs with a project and a time -------------------------------------------------------------------------


def test_phase_takes_project_words_and_a_when_in_any_order() -> None:
    assert parse("phase").values == {"project": "", "since": None}
    command = parse("PHASE churn 14d")
    assert command.verb == "phase" and command["project"] == "churn"
    assert command["since"] == MIDNIGHT - dt.timedelta(days=14)
    assert parse("phase 2026-03-01 churn model")["project"] == "churn model"
    assert parse("phase 2026-03-01 churn model")["since"] == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert parse("phase yesterday")["since"] == MIDNIGHT - dt.timedelta(days=1)
    assert parse("phase --since 2w")["since"] == MIDNIGHT - dt.timedelta(weeks=2)


@pytest.mark.parametrize(("when", "said"), [("0001-01-01", "before 1970"), ("2026-13-45", "not a date"),
                                             ("99999999d", "before 1970")])
def test_an_impossible_time_is_one_sentence(when: str, said: str) -> None:
    assert said in refused(f"phase {when}")
    assert said in refused(f"entries {when}")


def test_entries_takes_project_since_and_author() -> None:
    assert parse("entries").values == {"project": "", "author": None, "since": None}
    command = parse("entries churn 7d by ana")
    assert command.values == {"project": "churn", "author": "ana", "since": MIDNIGHT - dt.timedelta(days=7)}
    command = parse("entries --author bob --since 2026-03-01 --project churn model")
    assert command.values == {"project": "churn model", "author": "bob",
                              "since": dt.datetime(2026, 3, 1, tzinfo=dt.UTC)}
    assert parse("entries BY ana")["author"] == "ana"
    assert parse("entries churn by")["author"] is None  # a dangling "by" names nobody


@pytest.mark.parametrize("text", ["entries --since", "entries --since soon", "entries churn --since churn"])
def test_entries_since_needs_a_time(text: str) -> None:
    assert refused(text) == "Give a time after --since: a date, 14d, 2w or yesterday."


def test_pending_takes_a_project() -> None:
    assert parse("pending").values == {"project": ""}
    assert parse("pending churn model").values == {"project": "churn model"}


# -- verbs with one word ---------------------------------------------------------------------------------------


def test_entry_takes_exactly_one_id() -> None:
    assert parse("entry 01HZX").values == {"entry_id": "01HZX"}
    for text in ("entry", "entry a b"):
        assert refused(text) == "Give one entry id: `/coco entry ENTRY_ID`."


def test_reproduce_takes_the_run_and_ignores_the_rest() -> None:
    assert parse("reproduce 3f9a1c2e").values == {"run_id": "3f9a1c2e"}
    assert parse("reproduce calm-otter-41 please")["run_id"] == "calm-otter-41"
    assert refused("reproduce") == ("Give the run: `/coco reproduce RUN_ID` (the full id or its first 6+ "
                                    "characters).")


# -- verbs with free text --------------------------------------------------------------------------------------


def test_check_ask_and_next_take_the_text_as_typed() -> None:
    assert parse("check SMOTE  on the \"GRU\"")["text"] == "SMOTE  on the \"GRU\""
    assert parse("check it's an unbalanced 'quote")["text"] == "it's an unbalanced 'quote"
    assert parse("ask why did we drop xlnet?")["question"] == "why did we drop xlnet?"
    assert parse("next deadline in 2 weeks, 1 GPU")["context"] == "deadline in 2 weeks, 1 GPU"
    assert parse("next")["context"] == ""
    assert refused("check") == "Say what you plan to try: `/coco check SMOTE on the GRU`."
    assert refused("ask   ") == "Ask a question: `/coco ask why did we drop xlnet?`."


def test_decide_hands_over_its_words() -> None:
    assert parse("decide").values == {"words": []}
    words = parse("decide 3f9a1c2e 9b8c7d6e val_auc, latency")["words"]
    assert words == ["3f9a1c2e", "9b8c7d6e", "val_auc,", "latency"]


def test_project_and_me_take_their_words_joined() -> None:
    assert parse("project").values == {"name": ""}
    assert parse("project churn model").values == {"name": "churn model"}
    assert parse("projects churn").verb == "project"  # an alias
    assert parse('project "churn model"')["name"] == "churn model"
    assert parse("me").values == {"tracker_user": ""}
    assert parse("me ana lopez")["tracker_user"] == "ana lopez"


# -- the digest and its schedule -----------------------------------------------------------------------------


def test_digest_and_its_schedule() -> None:
    command = parse("digest")
    assert (command.verb, command.sub, command.key) == ("digest", None, "digest")
    assert parse("digest whatever else").sub is None
    command = parse("digest SCHEDULE mon 09:00", in_channel=True)
    assert (command.verb, command.sub, command.key) == ("digest", "schedule", "digest schedule")
    assert command["when"] == "mon 09:00"
    assert parse("digest schedule")["when"] == ""
    said = refused("digest schedule mon 09:00", in_channel=False)
    assert said == "Set the digest schedule in the project's channel: it is posted there."


# -- link: the one verb with flags -----------------------------------------------------------------------------


def test_link_reads_its_flags() -> None:
    command = parse("link churn --mlflow-experiment churn-model --primary-metric val_auc --goal min")
    assert command.values == {"name": "churn", "experiments": ["churn-model"], "wandb_projects": [],
                              "primary_metric": "val_auc", "goal": "min"}
    command = parse('link "churn model" --experiment a --experiment b', in_channel=True)
    assert command.values == {"name": "churn model", "experiments": ["a", "b"], "wandb_projects": [],
                              "primary_metric": None, "goal": "max"}
    # Slack turns "--" into a dash as people type, and quotes into curly ones.
    command = parse("link \u201cchurn model\u201d \u2014mlflow-experiment churn-model")
    assert command.values["name"] == "churn model" and command.values["experiments"] == ["churn-model"]
    assert parse("link churn").values == {"name": "churn", "experiments": [], "wandb_projects": [],
                                          "primary_metric": None, "goal": "max"}
    assert parse("link churn --mlflow-experiment")["experiments"] == []
    command = parse("link churn --wandb-project team/churn --primary-metric val_auc")
    assert command["wandb_projects"] == ["team/churn"] and command["experiments"] == []


def test_project_add_in_chat_reads_the_same_flags_as_the_command_line() -> None:
    command = parse("project add churn --wandb-project team/churn --primary-metric val_auc --goal min")
    assert command.key == "project add"
    assert command.values == {"name": "churn", "experiments": [], "wandb_projects": ["team/churn"],
                              "primary_metric": "val_auc", "goal": "min"}
    assert parse("project churn").key == "project"  # choosing a default project is unchanged
    args = verbs.build_cli_parser().parse_args(
        ["project", "add", "churn", "--wandb-project", "team/churn", "--mlflow-experiment", "old"])
    assert (args.wandb_projects, args.experiments) == (["team/churn"], ["old"])


def test_link_mistakes_name_the_usage() -> None:
    assert refused("link") == "Name the project: `/coco link PROJECT --mlflow-experiment EXP`."
    assert refused("link --mlflow-experiment e") == "Name the project: `/coco link PROJECT --mlflow-experiment EXP`."
    assert refused("link churn --goal mid") == "The goal is `max` or `min`."
    usage = "`/coco link PROJECT --mlflow-experiment EXP`"
    assert refused("link churn extra") == f"I did not understand 'extra': {usage}."
    assert refused("link churn --bogus x") == f"I did not understand '--bogus': {usage}."
    said = refused("link churn --mlflow-experiment e", in_channel=False)
    assert said == ("Run `/coco link PROJECT --mlflow-experiment EXP` (or `--wandb-project ENTITY/PROJECT`) "
                    "in the project's channel.")


# -- the command line and the manifest ------------------------------------------------------------------------


def test_the_manifest_is_rewritten_in_place(tmp_path: Path) -> None:
    stale = tmp_path / "manifest.yaml"
    original = (ROOT / "manifest.yaml").read_text(encoding="utf-8")
    stale.write_text(original.replace(verbs.manifest_usage_hint(), "help"), encoding="utf-8")
    assert verbs.write_manifest(stale)
    assert stale.read_text(encoding="utf-8") == original
    assert not verbs.write_manifest(stale)


def test_every_command_line_verb_has_its_handler() -> None:
    from bot.cli import CLI_HANDLERS

    assert sorted(CLI_HANDLERS) == sorted(verbs.cli_keys())


@pytest.mark.parametrize(("argv", "key", "expected"), [
    (["phase", "--since", "14d"], "phase", {"project": None, "json": False}),
    (["project", "add", "churn", "--mlflow-experiment", "a", "--mlflow-experiment", "b"], "project add",
     {"experiments": ["a", "b"], "goal": "max", "channels": [], "slack_team": None}),
    (["digest", "--days", "3"], "digest", {"days": 3, "chart": None, "digest_command": None}),
    (["digest", "schedule", "--project", "P", "mon", "09:00"], "digest schedule",
     {"project": "P", "when": ["mon", "09:00"], "channel": "terminal", "show": False}),
    (["digest", "run-due", "--json"], "digest run-due", {"json": True, "chart_dir": None}),
    (["decide", "--finalist", "a", "--finalist", "b"], "decide", {"finalists": ["a", "b"], "criteria": []}),
    (["log"], "log", {"file": "-", "retry_pending": False, "at": None}),
    (["check", "try", "smote"], "check", {"text": ["try", "smote"]}),
    (["serve", "slack"], "serve", {"platform": "slack", "port": 3000, "host": "0.0.0.0"}),
    (["pending", "--project", "churn"], "pending", {"project": "churn", "json": False}),
])
def test_command_line_reads_as_before(argv: list[str], key: str, expected: dict[str, object]) -> None:
    args = verbs.build_cli_parser().parse_args(argv)
    assert verbs.cli_key(args) == key
    assert {name: getattr(args, name) for name in expected} == expected


def test_manifest_slash_command_is_the_generated_one() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/coco"
    regenerate = "run `python -m bot.verbs manifest.yaml`"
    assert command["usage_hint"] == verbs.manifest_usage_hint(), regenerate
    assert command["description"] == verbs.manifest_description(), regenerate
    assert len(command["usage_hint"]) <= 1000 and len(command["description"]) <= 2000  # Slack's limits


# -- the demonstration verb in chat: /coco pending -------------------------------------------------------------


@pytest.fixture
async def narrated(tmp_path: Path, mlflow_store: MlflowStore) -> AsyncIterator[tuple[Conversation, Narrator]]:
    import shutil

    from bot.app import open_hub
    from bot.settings import Settings

    settings = Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'coco.db'}",
                        mlflow_tracking_uri=mlflow_store.uri, engine="local")
    async with open_hub(settings) as hub:
        narrator = await hub.narrator("slack:T1", platform="slack")
        for name, channel in (("churn", "C1"), ("fraud", "C2")):
            await narrator.add_project(name=name, tracker=hub.trackers.for_uri(mlflow_store.uri),
                                       experiments=["churn-model"], primary_metric=None, goal="max",
                                       channels=[channel], notices=[])
    # The store cannot be opened from now on: every logged entry stays pending, which is what is listed.
    db = tmp_path / "mlflow.db"
    shutil.move(db, tmp_path / "mlflow.db.away")
    db.mkdir()
    async with open_hub(settings) as hub:
        yield Conversation(hub), await hub.narrator("slack:T1", platform="slack")


def _command(text: str, *, channel: str = "D1") -> InboundMessage:
    return InboundMessage(workspace_key="slack:T1", platform="slack", user_id="U1", channel_id=channel,
                          channel_kind="dm" if channel.startswith("D") else "channel", message_id="1.0",
                          kind="command", command_args=text)


async def test_pending_lists_what_is_not_finished(narrated: tuple[Conversation, Narrator]) -> None:
    conversation, narrator = narrated
    (empty,) = await conversation.handle(_command("pending"))
    assert empty.text == "No entry is pending in any project."
    outcome = await narrator.log(project="churn", text="tried smote on the gbm, no gain", author="ana")
    assert outcome.pending
    (everywhere,) = await conversation.handle(_command("pending"))
    assert everywhere.kind == "entries" and everywhere.target == "ephemeral"
    assert outcome.entry.id in everywhere.text and "churn" in everywhere.text
    assert everywhere.text.startswith("1 entry pending in any project")
    assert isinstance(everywhere.payload, EntryList)
    assert [e.id for e, _ in everywhere.payload.items] == [outcome.entry.id]
    (in_fraud,) = await conversation.handle(_command("pending", channel="C2"))
    assert in_fraud.text == "No entry is pending in fraud."
    (named,) = await conversation.handle(_command("pending churn", channel="C2"))
    assert outcome.entry.id in named.text and named.project == "churn"


def test_every_chat_verb_has_a_handler() -> None:
    from bot.surfaces.commands import HANDLERS

    declared = {f"{v.name} {s.name}" for v in verbs.VERBS for s in v.subverbs if s.on_chat}
    declared |= {v.name for v in verbs.VERBS if v.on_chat and v.name != "help"}
    assert set(HANDLERS) == declared
