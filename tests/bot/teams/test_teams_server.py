"""`coco serve teams` for real: a child process on the Agents SDK's hosting, tokens signed for real by
a fake Entra/JWKS (HTTPS, test CA), replies recorded by a fake Bot Connector at the activity's
``serviceUrl``, a real MLflow sqlite store and a real COCO database (SQLite; PostgreSQL when
COCO_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.teams.cards import buttons
from tests.bot.conftest import seed_runs
from tests.bot.teams.conftest import CHANNEL, PERSONAL, TENANT, activity, invoke, post
from tests.bot.teams.connector_fake import FakeConnector
from tests.bot.teams.entra_fake import FakeMicrosoft
from tests.conftest import COCO, PG_ENV, MlflowStore
from tests.processes import free_port, stop_group

pytestmark = pytest.mark.slow
BRAIN_DUMP = ("Tried xgboost with max_depth 4 (xgb-d4): val_auc went to 0.803, better than the logreg baseline. "
              "SMOTE on top (xgb-smote) did not help, val_auc 0.781. Next: try focal loss instead of SMOTE.")


@dataclass
class Served:
    url: str
    env: dict[str, str]
    cwd: Path
    microsoft: FakeMicrosoft
    connector: FakeConnector
    runs: dict[str, str]
    log: Path

    def token(self) -> str:
        return self.microsoft.mint(service_url=self.connector.url)

    def send(self, body: dict[str, object], *, token: str | None = "mint") -> tuple[int, dict[str, object], float]:
        started = time.monotonic()
        status, answer = post(self.url, body, token=self.token() if token == "mint" else token)
        return status, answer, time.monotonic() - started

    def coco(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([COCO, "--workspace", f"teams:{TENANT}", *args], capture_output=True, text=True,
                              env=self.env, cwd=self.cwd, timeout=120, check=False)

    def entries(self) -> list[dict[str, object]]:
        done = self.coco("entries", "--json")
        assert done.returncode == 0, done.stderr
        found: list[dict[str, object]] = json.loads(done.stdout)["entries"]
        return found


def _wait_health(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"coco serve teams exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=1) as resp:
            if resp.status == 200:
                return
        time.sleep(0.2)
    pytest.fail(f"coco serve teams not healthy:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def _database(backend: str, tmp: Path) -> Iterator[str]:
    """SQLite in the test's folder, or a throwaway PostgreSQL database when COCO_TEST_POSTGRES_URL is set."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'coco.db'}"
        return
    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip(f"set {PG_ENV} to run the PostgreSQL backend")
    import asyncio
    import uuid

    import asyncpg
    from sqlalchemy.engine import make_url

    name = f"coco_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(admin_dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from mlflow.tracking import MlflowClient

    tmp = tmp_path_factory.mktemp("teams")
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    exp = MlflowClient(tracking_uri=uri).create_experiment("churn-model")
    runs = seed_runs(MlflowStore(uri=uri, experiment_id=str(exp), experiment_name="churn-model"))
    with _database(request.param, tmp) as database, FakeMicrosoft.start(tmp / "ca") as microsoft, \
            FakeConnector.start() as connector:
        env = dict(os.environ)
        env.pop("ANTHROPIC_API_KEY", None)
        env.update({
            "COCO_HOME": str(tmp / "home"), "MLFLOW_TRACKING_URI": uri, "COCO_ENGINE": "local",
            "COCO_DATABASE_URL": database,
            "COCO_WORKER_INTERVAL": "3600", "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true",
            **microsoft.env(),
        })
        added = subprocess.run([COCO, "--workspace", f"teams:{TENANT}", "project", "add", "churn",
                                "--mlflow-experiment", "churn-model", "--primary-metric", "val_auc",
                                "--teams-channel", CHANNEL], capture_output=True, text=True, env=env, cwd=tmp,
                               timeout=120, check=False)
        assert added.returncode == 0, added.stderr
        port = free_port()
        log = tmp / "serve.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([COCO, "serve", "teams", "--port", str(port), "--host", "127.0.0.1"], env=env,
                                    cwd=tmp, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_health(proc, base, log)
            yield Served(f"{base}/api/messages", env, tmp, microsoft, connector, runs, log)
        finally:
            stop_group(proc)


def test_personal_brain_dump_becomes_one_entry_with_a_card_of_its_runs(served: Served) -> None:
    connector = served.connector
    before = len(connector.posted(conversation=PERSONAL))
    body = activity(connector, text=BRAIN_DUMP)
    status, _, took = served.send(body)
    assert status in (200, 201, 202), status
    assert took < 2.0
    calls = connector.wait_for(lambda c: len([x for x in c if x.conversation == PERSONAL]) > before)
    card = [c for c in calls if c.conversation == PERSONAL][-1]
    assert "xgb-d4" in card.text and "0.803" in card.text
    assert served.runs["xgb"][:8] in json.dumps(card.card)  # the run's link points at the tracker
    verbs = [a["verb"] for a in buttons(card.card)]
    assert verbs[0] == "coco_edit" and "coco_discard" in verbs
    assert all(a["type"] == "Action.Execute" for a in buttons(card.card))
    # Discard asks first, in the card: its button sits under the question.
    (ask,) = [a for a in card.card["actions"] if a["type"] == "Action.ShowCard"]
    assert "Delete this entry?" in json.dumps(ask["card"]) and ask["card"]["actions"][0]["verb"] == "coco_discard"
    # The reply carries the bot's own token, issued by the (fake) Entra authority.
    assert card.authorization == f"Bearer {served.microsoft.issued[-1]}"
    assert len(served.entries()) == 1

    # The connector redelivers the same activity: nothing new is created or posted.
    status, _, _ = served.send(body)
    assert status in (200, 201, 202)
    time.sleep(1.5)
    assert len(connector.posted(conversation=PERSONAL)) == before + 1
    assert len(served.entries()) == 1


def test_a_refused_token_gets_401_and_nothing_is_posted(served: Served) -> None:
    connector = served.connector
    before = len(connector.posted())
    body = activity(connector, text="a note that must never become an entry")
    for name, token in served.microsoft.bad_tokens(service_url=connector.url).items():
        status, _, _ = served.send(body, token=token)
        assert status == 401, name
    assert served.send(body, token=None)[0] == 401
    time.sleep(1.0)
    assert len(connector.posted()) == before
    assert not any("never become" in str(e) for e in served.entries())


def test_commands_in_personal_chat_and_after_a_mention_in_the_channel(served: Served) -> None:
    connector = served.connector
    before = len(connector.posted())
    served.send(activity(connector, text="phase"))
    calls = connector.wait_for(lambda c: len(c) > before)
    assert "Phase summary" in calls[-1].text
    assert calls[-1].conversation == PERSONAL

    before = len(connector.posted())
    root = activity(connector, text="check SMOTE on xgboost", conversation=CHANNEL, kind="channel", mention=True)
    status, _, _ = served.send(root)
    assert status in (200, 201, 202)
    calls = connector.wait_for(lambda c: len(c) > before)
    reply = calls[-1]
    assert reply.conversation == f"{CHANNEL};messageid={root['id']}"  # in the message's thread
    assert "tried" in reply.text.lower()

    before = len(connector.posted())
    served.send(activity(connector, text="help", conversation=CHANNEL, kind="channel", mention=True))
    calls = connector.wait_for(lambda c: len(c) > before)
    assert "phase" in calls[-1].text.lower()

    # A long note that starts with a command word is a note, not a command.
    before_entries = len(served.entries())
    served.send(activity(connector, text="check the split on the validation set: " + BRAIN_DUMP))
    connector.wait_for(lambda c: len(c) > before + 1)
    assert len(served.entries()) == before_entries + 1


def test_a_short_line_starting_with_a_command_word_is_asked_about_with_two_buttons(served: Served) -> None:
    connector = served.connector
    before = len(connector.posted(conversation=PERSONAL))
    count = len(served.entries())
    served.send(activity(connector, text="check the class weights on xgb-d4, auc .811"))
    calls = connector.wait_for(lambda c: len([x for x in c if x.conversation == PERSONAL]) > before)
    asked = [c for c in calls if c.conversation == PERSONAL][-1]
    verbs = {a["verb"]: a for a in buttons(asked.card)}
    assert set(verbs) == {"coco_as_command", "coco_as_note"}, verbs
    assert len(served.entries()) == count  # held, not yet an entry
    status, _, _ = served.send(invoke(connector, verb="coco_as_note", data=verbs["coco_as_note"]["data"],
                                           card_id=asked.id))
    assert status == 200
    assert len(served.entries()) == count + 1
    assert "class weights" in json.dumps(served.entries()[-1])


def test_discard_is_a_universal_action_answered_with_the_replacing_card(served: Served) -> None:
    connector = served.connector
    before = len(connector.posted(conversation=PERSONAL))
    served.send(activity(connector, text="Tried rf-bob, val_auc 0.79. Random forest is not better than xgb-d4."))
    calls = connector.wait_for(lambda c: len([x for x in c if x.conversation == PERSONAL]) > before)
    card_call = [c for c in calls if c.conversation == PERSONAL][-1]
    entry_id = next(a["data"]["value"] for a in buttons(card_call.card) if a["verb"] == "coco_discard")
    count = len(served.entries())
    card_id = card_call.id  # Teams puts the clicked card's id in the invoke's replyToId
    status, answer, took = served.send(invoke(connector, verb="coco_discard", data={"value": entry_id},
                                              card_id=card_id))
    assert status == 200 and took < 10
    assert answer["type"] == "application/vnd.microsoft.card.adaptive", answer
    assert "Discarded" in json.dumps(answer["value"])
    assert len(served.entries()) == count - 1

    # Edit opens the form in place of the card; its submission updates the entry.
    before = len(connector.posted(conversation=PERSONAL))
    served.send(activity(connector, text=BRAIN_DUMP))
    calls = connector.wait_for(lambda c: len([x for x in c if x.conversation == PERSONAL]) > before)
    card_call = [c for c in calls if c.conversation == PERSONAL][-1]
    entry_id = next(a["data"]["value"] for a in buttons(card_call.card) if a["verb"] == "coco_edit")
    status, answer, _ = served.send(invoke(connector, verb="coco_edit", data={"value": entry_id},
                                           card_id=card_call.id))
    assert status == 200
    form = answer["value"]
    assert any(el.get("id") == "f_title" for el in form["body"])  # type: ignore[union-attr]
    submit = form["actions"][0]  # type: ignore[index]
    data = {**submit["data"], "f_title": "XGBoost depth 4 wins", "f_hypotheses": "", "f_observations": "",
            "f_conclusions": "", "f_next_steps": "", "f_open_questions": ""}
    status, answer, _ = served.send(invoke(connector, verb=submit["verb"], data=data, card_id=card_call.id))
    assert status == 200
    assert "XGBoost depth 4 wins" in json.dumps(answer["value"])
    assert any(e["entry_id"] == entry_id and "XGBoost depth 4 wins" in json.dumps(e) for e in served.entries())


def test_healthz_needs_no_token(served: Served) -> None:
    with urllib.request.urlopen(served.url.replace("/api/messages", "/healthz"), timeout=5) as resp:
        assert resp.status == 200


def test_a_quoted_reply_to_the_card_corrects_the_entry(served: Served) -> None:
    connector = served.connector
    before = len(connector.posted(conversation=PERSONAL))
    served.send(activity(connector, text="tried lr 1e-3 on xgb-d4, auc .803. next: longer training"))
    calls = connector.wait_for(lambda c: len([x for x in c if x.conversation == PERSONAL]) > before)
    card = [c for c in calls if c.conversation == PERSONAL][-1]
    entry_id = next(a["data"]["value"] for a in buttons(card.card) if a["verb"] == "coco_edit")
    served.send(activity(connector, text="actually that was lr 1e-4", reply_to=card.id))
    updates = connector.wait_for(lambda c: any(x.method == "PUT" and x.path.endswith(f"/{card.id}") for x in c))
    assert any(x.method == "PUT" and x.path.endswith(f"/{card.id}") for x in updates)  # the card, in place
    (entry,) = [e for e in served.entries() if e["entry_id"] == entry_id]
    shown = served.coco("entry", entry_id, "--json")
    assert "actually that was lr 1e-4" in shown.stdout and "tried lr 1e-3" in shown.stdout, entry


def test_a_plan_already_tried_in_the_bound_channel_is_warned_once(served: Served) -> None:
    connector = served.connector
    plan = activity(connector, text="going to try SMOTE oversampling on xgb tomorrow", conversation=CHANNEL,
                    kind="channel", user="29:1bob", user_name="Bob")
    thread = f"{CHANNEL};messageid={plan['id']}"
    served.send(plan)
    connector.wait_for(lambda c: any(x.conversation == thread for x in c))
    warned = connector.posted(conversation=thread)
    assert len(warned) == 1 and "already tried" in warned[0].text.lower()
    # The same plan said again in that thread is not warned twice.
    again = activity(connector, text="going to try SMOTE oversampling on xgb tomorrow", conversation=thread,
                     kind="channel", user="29:1bob", user_name="Bob")
    served.send(again)
    time.sleep(3)
    assert len(connector.posted(conversation=thread)) == 1


def test_another_tenant_sees_none_of_these_projects(served: Served) -> None:
    connector = served.connector
    other = activity(connector, text="phase", conversation="a:1other-tenant-chat", user="29:1eve", user_name="Eve")
    other["conversation"]["tenantId"] = "0b0b0b0b-0000-4000-8000-000000000000"
    other["channelData"]["tenant"]["id"] = "0b0b0b0b-0000-4000-8000-000000000000"
    served.send(other)
    calls = connector.wait_for(lambda c: any(x.conversation == "a:1other-tenant-chat" for x in c))
    answer = [c for c in calls if c.conversation == "a:1other-tenant-chat"][-1]
    assert "no project" in answer.text.lower() and "churn" not in answer.text.lower()


def test_a_formatted_note_is_read_by_its_lists(served: Served) -> None:
    """A note typed with Teams' list formatting: ``text`` flattened, the HTML attachment holding the lines; the
    entry keeps the lines and its next step is the item under "Next"."""
    connector = served.connector
    before = len(connector.posted(conversation=PERSONAL))
    body = activity(connector, text="Tried cutmix on xgb-d4Didn't helpNextsmote on the minority class")
    body["attachments"] = [{"contentType": "text/html", "content": (
        "<div><div>Tried cutmix on xgb-d4</div><ul><li>Didn't help</li></ul><div><strong>Next</strong></div>"
        "<ul><li>smote on the minority class</li></ul></div>")}]
    served.send(body)
    connector.wait_for(lambda c: len([x for x in c if x.conversation == PERSONAL]) > before)
    (entry,) = [e for e in served.entries() if "cutmix" in json.dumps(e)]
    shown = json.loads(served.coco("entry", str(entry["entry_id"]), "--json").stdout)
    assert shown["text"] == "Tried cutmix on xgb-d4\n- Didn't help\nNext\n- smote on the minority class"
    assert shown["next_steps"] == ["smote on the minority class"], shown
