"""Issue 14, many workspaces: COCO installed through Slack's OAuth v2 flow (Bolt's ``AsyncOAuthFlow``,
slack_sdk's SQLAlchemy stores on COCO's database), each workspace answered with its own token, and
an uninstalled workspace forgotten and refused. The real Bolt app over HTTP, the fake Web API's
``oauth.v2.access`` and per-token ``auth.test``, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from bot.settings import Settings
from bot.slack_app import SlackBot
from bot.slack_oauth import (
    BOTS_TABLE,
    DEFAULT_SCOPES,
    INSTALLATIONS_TABLE,
    STATES_TABLE,
    TOKEN_COLUMNS,
    SealedToken,
    oauth_mode,
    token_cipher,
)
from core.errors import DigestNotPostedError, StorageError, UserInputError
from storage.db import create_engine_for
from tests.bot.conftest import add_project, open_world, seed_runs, slack_settings
from tests.bot.slack_fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    SIGNING_SECRET,
    FakeSlack,
    message_event,
    post_json,
)
from tests.conftest import MlflowStore

ROOT = Path(__file__).resolve().parents[2]
KEY = Fernet.generate_key().decode()
_SQLITE = sqlite.dialect()
DUMP = "xgb-d4 beat logreg-baseline clearly, dropping smote.\nnext: tune max_depth on xgb"


@dataclass
class Installed:
    fake: FakeSlack
    bot: SlackBot
    client: TestClient[Any, Any]
    settings: Settings
    db_url: str


@pytest.fixture
async def oauth_world(tmp_path: Path, mlflow_store: MlflowStore, fake_slack: FakeSlack,
                      db_url: str) -> AsyncIterator[Installed]:
    runs = seed_runs(mlflow_store)
    bot, client, settings = await open_world(
        tmp_path, mlflow_store, fake_slack, runs, database_url=db_url, slack_bot_token=None,
        slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET, slack_token_key=KEY)
    try:
        yield Installed(fake=fake_slack, bot=bot, client=client, settings=settings, db_url=db_url)
    finally:
        await client.close()
        await bot.stop()


async def install(world: Installed, *, code: str, team: str, name: str) -> str:
    """A person installs COCO in ``team``: /slack/install (state in a cookie and in Slack's authorize
    link), Slack approves, the browser comes back to /slack/oauth_redirect with the code and the state."""
    token = world.fake.grant(code=code, team=team, team_name=name)
    page = await world.client.get("/slack/install", allow_redirects=False)
    assert page.status == 200
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', await page.text())
    assert link is not None
    query = urllib.parse.parse_qs(urllib.parse.urlparse(link.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == [",".join(DEFAULT_SCOPES)]
    state = query["state"][0]
    cookie = page.headers["Set-Cookie"].split(";")[0]
    assert cookie == f"slack-app-oauth-state={state}"
    back = await world.client.get("/slack/oauth_redirect", params={"code": code, "state": state},
                                  headers={"Cookie": cookie}, allow_redirects=False)
    assert back.status == 200, await back.text()
    return token


async def rows(db_url: str, table: str) -> list[dict[str, Any]]:
    engine = create_engine_for(db_url)
    try:
        async with engine.connect() as connection:
            found = await connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            return [dict(row) for row in found.mappings()]
    finally:
        await engine.dispose()


async def dm(world: Installed, team: str, text_: str = DUMP) -> int:
    status, _, _ = await post_json(world.client, message_event(text=text_, team=team, channel=f"D{team}"))
    await world.bot.drain()
    return status


async def test_two_workspaces_install_answer_with_their_own_tokens_and_one_uninstalls(
        oauth_world: Installed) -> None:
    world, fake = oauth_world, oauth_world.fake
    acme = await install(world, code="code-acme", team="T1", name="Acme")
    beta = await install(world, code="code-beta", team="T2", name="Beta")
    assert acme != beta
    for team in ("T1", "T2"):
        await add_project(world.bot, world.settings, team=team, channels=(f"C{team}",))

    # Stored by slack_sdk's store, the tokens encrypted: the row holds neither token in the clear.
    bots = await rows(world.db_url, BOTS_TABLE)
    installs = await rows(world.db_url, INSTALLATIONS_TABLE)
    assert sorted(b["team_id"] for b in bots) == ["T1", "T2"]
    assert sorted(i["team_id"] for i in installs) == ["T1", "T2"]
    for row in [*bots, *installs]:
        assert row["bot_token"] not in (acme, beta) and row["bot_token"].startswith("gAAAAA")
        assert "xoxb" not in str(row)
        assert Fernet(KEY.encode()).decrypt(row["bot_token"].encode()).decode() == \
            {"T1": acme, "T2": beta}[row["team_id"]]
    assert await rows(world.db_url, STATES_TABLE) == []  # each state consumed by its redirect

    # Each workspace's DM is answered, and its person looked up, with that workspace's own token.
    assert await dm(world, "T1") == 200
    assert await dm(world, "T2") == 200
    posts = fake.posts()
    assert {(p.args["channel"], p.args["_token"]) for p in posts} == {("DT1", acme), ("DT2", beta)}
    assert {c.args["_token"] for c in fake.of("users.info")} == {acme, beta}
    # Bolt authorized each request from the store, asking Slack who each token is.
    assert {c.args["_token"] for c in fake.of("auth.test")} >= {acme, beta}

    # A digest is posted with its workspace's token too.
    narrator = await world.bot.runtime.hub.narrator("slack:T2", platform="slack")
    digest = await narrator.digest(project="churn")
    reply = await world.bot.runtime.conversation.digest_reply(narrator, digest)
    await world.bot.post_digest(channel="CT2", reply=reply, digest=digest, chart_png=None)
    assert fake.posts()[-1].args["channel"] == "CT2" and fake.posts()[-1].args["_token"] == beta

    # Beta uninstalls: Slack revokes its token and sends app_uninstalled; Bolt's listener deletes its rows.
    status, _, _ = await post_json(world.client, fake.uninstall("T2"))
    assert status == 200
    await world.bot.drain()
    assert [b["team_id"] for b in await rows(world.db_url, BOTS_TABLE)] == ["T1"]
    assert [i["team_id"] for i in await rows(world.db_url, INSTALLATIONS_TABLE)] == ["T1"]

    # Its next event is refused before any listener (nothing stored, nothing sent), its digest is not
    # posted, and Acme still works.
    before = len(fake.calls)
    beta_notes = await world.bot.runtime.hub.narrator("slack:T2", platform="slack")
    entries_before = len((await beta_notes.entries())[0])
    assert entries_before == 1  # the first DM's entry
    await dm(world, "T2", "dropping smote for good")
    assert [c for c in fake.calls[before:] if c.args.get("_token") == beta] == []
    assert [p for p in fake.posts() if p.args["channel"] == "DT2"] == [posts[1]]
    assert len((await beta_notes.entries())[0]) == entries_before
    with pytest.raises(DigestNotPostedError):
        await world.bot.post_digest(channel="CT2", reply=reply, digest=digest, chart_png=None)
    assert [c for c in fake.calls[before:] if c.args.get("_token") == beta] == []
    await dm(world, "T1", "next: try lightgbm on the same split")
    assert fake.posts()[-1].args["channel"] == "DT1" and fake.posts()[-1].args["_token"] == acme


async def test_a_redirect_without_its_browser_state_installs_nothing(oauth_world: Installed) -> None:
    world = oauth_world
    world.fake.grant(code="code-x", team="T9", team_name="Mallory")
    page = await world.client.get("/slack/install", allow_redirects=False)
    state = page.headers["Set-Cookie"].split(";")[0].partition("=")[2]
    # The state of another browser (no cookie), then a made-up state with a matching cookie.
    no_cookie = await world.client.get("/slack/oauth_redirect", params={"code": "code-x", "state": state},
                                       allow_redirects=False)
    forged = await world.client.get("/slack/oauth_redirect", params={"code": "code-x", "state": "forged"},
                                    headers={"Cookie": "slack-app-oauth-state=forged"}, allow_redirects=False)
    assert no_cookie.status == 400 and forged.status == 401
    assert world.fake.of("oauth.v2.access") == []
    assert await rows(world.db_url, BOTS_TABLE) == []


async def test_tokens_revoked_removes_the_bot_and_its_replies_stop(oauth_world: Installed) -> None:
    world, fake = oauth_world, oauth_world.fake
    token = await install(world, code="code-acme", team="T1", name="Acme")
    await add_project(world.bot, world.settings, team="T1", channels=("CT1",))
    fake.revoked.add(token)
    event = {"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": "EvRevoke",
             "event_time": 1, "event": {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UCOCOT1"]}}}
    status, _, _ = await post_json(world.client, event)
    assert status == 200
    assert await rows(world.db_url, BOTS_TABLE) == []
    assert [i["team_id"] for i in await rows(world.db_url, INSTALLATIONS_TABLE)] == ["T1"]  # until uninstalled
    before = len(fake.calls)
    await dm(world, "T1")
    assert [c for c in fake.calls[before:] if c.args.get("_token") == token] == []
    assert fake.posts() == []
    narrator = await world.bot.runtime.hub.narrator("slack:T1", platform="slack")
    assert (await narrator.entries())[0] == []  # refused before the inbox


def test_a_rotated_key_still_reads_tokens_sealed_with_the_old_one(tmp_path: Path) -> None:
    old_key, new_key = KEY, Fernet.generate_key().decode()
    sealed_old = SealedToken(token_cipher(_settings(tmp_path, slack_token_key=old_key)))
    rotated = SealedToken(token_cipher(_settings(tmp_path, slack_token_key=f"{new_key}, {old_key}")))
    stored = sealed_old.process_bind_param("xoxb-1-2-abc", _SQLITE)
    assert stored is not None and "xoxb" not in stored
    assert rotated.process_result_value(stored, _SQLITE) == "xoxb-1-2-abc"
    fresh = rotated.process_bind_param("xoxb-1-2-abc", _SQLITE)
    assert Fernet(new_key.encode()).decrypt(str(fresh).encode()) == b"xoxb-1-2-abc"  # the first key writes
    with pytest.raises(StorageError, match="cannot be decrypted"):
        SealedToken(token_cipher(_settings(tmp_path, slack_token_key=new_key))).process_result_value(stored, _SQLITE)


# -- configuration ---------------------------------------------------------------------------------


def _settings(tmp_path: Path, **values: Any) -> Settings:
    base: dict[str, Any] = {"home": tmp_path, "slack_signing_secret": SIGNING_SECRET}
    return Settings(**{**base, **values})


def test_without_client_credentials_the_single_token_mode_stays(tmp_path: Path) -> None:
    assert oauth_mode(_settings(tmp_path, slack_bot_token="xoxb-1")) is False
    assert oauth_mode(_settings(tmp_path, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET,
                                slack_token_key=KEY)) is True


@pytest.mark.parametrize(("values", "says"), [
    ({"slack_client_id": CLIENT_ID}, "Set SLACK_CLIENT_SECRET too"),
    ({"slack_client_secret": CLIENT_SECRET, "slack_token_key": KEY}, "Set SLACK_CLIENT_ID too"),
    ({"slack_client_id": CLIENT_ID, "slack_client_secret": CLIENT_SECRET}, "Set COCO_SLACK_TOKEN_KEY"),
    ({"slack_client_id": CLIENT_ID, "slack_client_secret": CLIENT_SECRET, "slack_token_key": "not-a-key"},
     "COCO_SLACK_TOKEN_KEY is not a Fernet key"),
    ({"slack_client_id": CLIENT_ID, "slack_client_secret": CLIENT_SECRET, "slack_token_key": KEY,
      "slack_bot_token": "xoxb-1"}, "Unset SLACK_BOT_TOKEN"),
    ({"slack_client_id": CLIENT_ID, "slack_client_secret": CLIENT_SECRET, "slack_token_key": KEY,
      "slack_app_token": "xapp-1"}, "Unset SLACK_APP_TOKEN"),
    ({"slack_token_key": KEY, "slack_bot_token": "xoxb-1"}, "COCO_SLACK_TOKEN_KEY is set but"),
])
def test_a_half_configured_install_is_one_clear_line(tmp_path: Path, values: dict[str, Any], says: str) -> None:
    with pytest.raises(UserInputError) as caught:
        oauth_mode(_settings(tmp_path, **values))
    message = caught.value.user_message
    assert message.startswith(says) and "\n" not in message
    assert CLIENT_SECRET not in message and KEY not in message


async def test_the_bot_refuses_to_start_half_configured(tmp_path: Path, mlflow_store: MlflowStore,
                                                        fake_slack: FakeSlack) -> None:
    settings = slack_settings(tmp_path, mlflow_store, fake_slack, slack_client_id=CLIENT_ID)
    with pytest.raises(UserInputError, match="SLACK_CLIENT_SECRET"):
        SlackBot(settings)


def test_the_install_asks_for_the_manifest_scopes() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == DEFAULT_SCOPES


def test_the_tables_are_slack_sdks_own_with_wider_token_columns() -> None:
    """storage/tables.py (and migration 0007) copy slack_sdk's columns; only the token columns differ,
    as Text, for their ciphertexts."""
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
    from sqlalchemy import MetaData, Text

    from storage.tables import coco_metadata

    theirs = MetaData()
    pairs = [(SQLAlchemyInstallationStore.build_installations_table(theirs, INSTALLATIONS_TABLE), INSTALLATIONS_TABLE),
             (SQLAlchemyInstallationStore.build_bots_table(theirs, BOTS_TABLE), BOTS_TABLE),
             (SQLAlchemyOAuthStateStore.build_oauth_states_table(theirs, STATES_TABLE), STATES_TABLE)]
    for table, name in pairs:
        ours = coco_metadata().tables[name]
        assert [c.name for c in ours.columns] == [c.name for c in table.columns]
        for column in table.columns:
            mine = ours.c[column.name]
            assert mine.nullable == column.nullable and mine.primary_key == column.primary_key, column.name
            if column.name in TOKEN_COLUMNS:
                assert isinstance(mine.type, Text)
            else:
                assert repr(mine.type) == repr(column.type), column.name
        assert {tuple(c.name for c in i.columns) for i in ours.indexes} == \
            {tuple(c.name for c in i.columns) for i in table.indexes}
