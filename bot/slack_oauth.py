"""COCO installed in several Slack workspaces: Slack's OAuth v2 flow, through Bolt.

With ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` set, ``coco serve slack`` (HTTP mode) serves
``/slack/install`` and ``/slack/oauth_redirect`` (Bolt's ``AsyncOAuthFlow``) next to ``/slack/events``,
and every workspace that installs COCO gets its own bot token. Nothing here stores tokens by hand:

* slack_sdk's own async SQLAlchemy installation store and OAuth state store keep installs and
  install states in COCO's database (tables ``coco_slack_*``, migration 0007, ``storage/tables.py``);
* the store's token columns are given a type that encrypts on write and decrypts on read (Fernet, key
  ``COCO_SLACK_TOKEN_KEY``), so every path of the store (save, find, rotation) sees plain tokens and the
  database only ciphertexts;
* Bolt authorizes each request from the store (``AsyncInstallationStoreAuthorize``): an event of a
  workspace without an install is answered and dropped before any listener runs;
* Bolt's built-in ``app_uninstalled`` / ``tokens_revoked`` listeners delete that workspace's rows;
* COCO's own posts (replies, jobs, digests) look the workspace's bot token up in the store at each
  call (:class:`SlackClients`), so a workspace uninstalled on one replica gets nothing from any.

Without client id and secret the bot keeps its one ``SLACK_BOT_TOKEN`` (:func:`oauth_mode` is False).
Enterprise Grid org-wide installs (``is_enterprise_install``) are not supported: COCO is addressed per
workspace (``slack:T…``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Dialect, Text, TypeDecorator, desc, select

from bot.settings import Settings
from core.errors import StorageError, UserInputError

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet
    from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
    from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
    from slack_sdk.web.async_client import AsyncWebClient
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.app import NarratorHub

log = logging.getLogger("coco.slack.oauth")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# manifest.yaml's bot scopes (tests/bot/test_slack_oauth.py keeps the two equal): what an install asks for.
DEFAULT_SCOPES = ("app_mentions:read", "channels:history", "groups:history", "im:history", "im:write", "chat:write",
                  "commands", "files:write", "users:read", "users:read.email")
# The stores' tables in COCO's database (storage/tables.py, migration 0007), and the encrypted columns.
INSTALLATIONS_TABLE = "coco_slack_installations"
BOTS_TABLE = "coco_slack_bots"
STATES_TABLE = "coco_slack_oauth_states"
TOKEN_COLUMNS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
STATE_TTL_S = 600  # an install started must finish within ten minutes (Bolt's default)
KEY_HINT = ("make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'")


def oauth_mode(settings: Settings) -> bool:
    """Whether the bot is installed through OAuth (client id and secret set) rather than run with one
    token. A half-configured or contradictory setup is a :class:`UserInputError` saying what to set."""
    client_id = (settings.slack_client_id or "").strip()
    secret = settings.slack_client_secret.get_secret_value().strip() if settings.slack_client_secret else ""
    key = settings.slack_token_key.get_secret_value().strip() if settings.slack_token_key else ""
    if not client_id and not secret:
        if key:
            raise UserInputError("COCO_SLACK_TOKEN_KEY is set but SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are not: "
                                 "set both to install COCO in several workspaces, or unset the key.")
        return False
    if not client_id or not secret:
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise UserInputError(f"Set {missing} too: installing COCO in several workspaces (OAuth) needs both "
                             "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.")
    if not key:
        raise UserInputError("Set COCO_SLACK_TOKEN_KEY (a Fernet key) to keep installed workspaces' tokens "
                             f"encrypted; {KEY_HINT}")
    if settings.slack_bot_token is not None:
        raise UserInputError("Unset SLACK_BOT_TOKEN: with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET each workspace's "
                             "token comes from its install.")
    if settings.slack_app_token is not None:
        raise UserInputError("Unset SLACK_APP_TOKEN: installing through /slack/install needs HTTP mode.")
    if settings.slack_signing_secret is None:
        raise UserInputError("Set SLACK_SIGNING_SECRET: installs in several workspaces are served over HTTP.")
    token_cipher(settings)  # a malformed key is said now, not at the first install
    return True


def token_cipher(settings: Settings) -> MultiFernet:
    """The Fernet keys of ``COCO_SLACK_TOKEN_KEY`` (comma-separated: the first encrypts, all decrypt, so a
    key can be rotated by putting the new one first)."""
    from cryptography.fernet import Fernet, MultiFernet

    raw = settings.slack_token_key.get_secret_value() if settings.slack_token_key else ""
    try:
        return MultiFernet([Fernet(part.strip().encode()) for part in raw.split(",") if part.strip()])
    except ValueError:  # not 32 url-safe base64 bytes, or no key at all
        raise UserInputError(f"COCO_SLACK_TOKEN_KEY is not a Fernet key; {KEY_HINT}") from None


class SealedToken(TypeDecorator[str]):
    """A token column as the store sees it: plain text in Python, Fernet ciphertext in the database."""

    impl = Text
    cache_ok = True

    def __init__(self, cipher: MultiFernet) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.cipher.encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        from cryptography.fernet import InvalidToken

        if value is None:
            return None
        try:
            return self.cipher.decrypt(value.encode()).decode()
        except InvalidToken:
            raise StorageError("A stored Slack token cannot be decrypted with COCO_SLACK_TOKEN_KEY: if the key was "
                               "changed, put the new key first and the old one after it.") from None


def sealed_installation_store(settings: Settings, *, engine: AsyncEngine) -> AsyncSQLAlchemyInstallationStore:
    """slack_sdk's async SQLAlchemy installation store on COCO's tables, its token columns encrypted."""
    from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

    store = AsyncSQLAlchemyInstallationStore(
        client_id=str(settings.slack_client_id).strip(), engine=engine, bots_table_name=BOTS_TABLE,
        installations_table_name=INSTALLATIONS_TABLE, logger=log)
    sealed = SealedToken(token_cipher(settings))
    # The store builds its tables in __init__ from class methods; the column type is what binds and
    # reads values, so replacing it before the first statement seals every read and write the store makes.
    for table in (store.bots, store.installations):
        for name in TOKEN_COLUMNS:
            if name in table.c:  # bots have no user token
                table.c[name].type = sealed
    return store


@dataclass
class SlackInstalls:
    """The OAuth side of one ``coco serve slack``: Bolt's settings over the two stores, on their own engine
    (a small pool of COCO's database: the hub's store is private to the narrative)."""

    engine: AsyncEngine
    store: AsyncSQLAlchemyInstallationStore
    oauth_settings: AsyncOAuthSettings

    async def bot_token(self, team_id: str) -> str | None:
        """The newest bot token of a workspace, or None when it is not installed (or was uninstalled).

        By team id alone: a workspace of an Enterprise Grid org is stored with its enterprise id, which
        COCO's stored replies and jobs do not carry; team ids are unique across Slack."""
        if not team_id:
            return None
        bots = self.store.bots
        query = (select(bots.c.bot_token)
                 .where(bots.c.client_id == self.store.client_id, bots.c.team_id == team_id,
                        bots.c.bot_token.is_not(None))
                 .order_by(desc(bots.c.installed_at)).limit(1))
        async with self.engine.connect() as connection:
            token = (await connection.execute(query)).scalar()
        return str(token) if token else None

    async def aclose(self) -> None:
        await self.engine.dispose()


def build_installs(settings: Settings) -> SlackInstalls:
    """The stores and Bolt's OAuth settings (no I/O: the tables come from COCO's migrations)."""
    from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
    from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

    from storage.db import create_engine_for

    engine = create_engine_for(settings.resolved_database_url())
    store = sealed_installation_store(settings, engine=engine)
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_TTL_S, engine=engine, logger=log,
                                            table_name=STATES_TABLE)
    scopes = [s.strip() for s in (settings.slack_scopes or ",".join(DEFAULT_SCOPES)).split(",") if s.strip()]
    secret = settings.slack_client_secret.get_secret_value() if settings.slack_client_secret else ""
    oauth = AsyncOAuthSettings(
        client_id=str(settings.slack_client_id).strip(), client_secret=secret.strip(), scopes=scopes, user_scopes=[],
        redirect_uri=settings.slack_redirect_uri, install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
        installation_store=store, state_store=states, state_expiration_seconds=STATE_TTL_S, logger=log,
        # COCO acts as its bot only: requests are authorized from the bots table, which both
        # app_uninstalled and a bot's tokens_revoked clear (the installations table keeps a bot token
        # until app_uninstalled), and which SlackClients reads too.
        installation_store_bot_only=True,
    )
    # Bolt calls auth.test for every request's token unless told to remember the answer per token. The
    # store is still read at every request, so an uninstalled workspace is refused all the same.
    oauth.authorize.cache_enabled = True  # type: ignore[attr-defined]
    return SlackInstalls(engine=engine, store=store, oauth_settings=oauth)


@dataclass
class SlackClients:
    """The Web API client for a workspace's calls: the one client of ``SLACK_BOT_TOKEN``, or (OAuth) a
    client with that workspace's bot token, read from the store at each call; None when it has none."""

    base: AsyncWebClient
    installs: SlackInstalls | None = None
    _by_token: dict[str, AsyncWebClient] = field(default_factory=dict)
    _teams: dict[str, str] = field(default_factory=dict)  # COCO workspace id -> Slack team id

    async def for_team(self, team: str) -> AsyncWebClient | None:
        if self.installs is None:
            return self.base
        token = await self.installs.bot_token(team)
        if token is None:
            log.warning("Slack workspace %s has no install (uninstalled?): nothing is sent to it", team or "?")
            return None
        client = self._by_token.get(token)
        if client is None:
            from slack_sdk.web.async_client import AsyncWebClient

            client = AsyncWebClient(token=token, base_url=self.base.base_url, retry_handlers=self.base.retry_handlers)
            self._by_token[token] = client
        return client

    async def for_workspace(self, hub: NarratorHub, workspace_id: str) -> AsyncWebClient | None:
        """The client of a COCO workspace (a reply's or a digest's ``workspace_id``: ``slack:T…``)."""
        if self.installs is None:
            return self.base
        if not workspace_id:
            log.warning("a Slack call with no workspace is not sent")
            return None
        team = self._teams.get(workspace_id)
        if team is None:
            team = (await hub.for_workspace_id(workspace_id).workspace()).key.removeprefix("slack:")
            self._teams[workspace_id] = team
        return await self.for_team(team)

    async def for_call(self, hub: NarratorHub, call: dict[str, Any]) -> AsyncWebClient | None:
        """The client of a stored call: its ``team``, else its reply's ``workspace_id``."""
        if self.installs is None:
            return self.base
        if call.get("team"):
            return await self.for_team(str(call["team"]))
        return await self.for_workspace(hub, str(call.get("workspace_id") or ""))
