"""The Teams bot's authentication (bot/teams/auth.py) against fakes of Microsoft's JWKS, Entra authority
and Bot Connector on 127.0.0.1 (tests/bot/teams/entra_fake.py): tokens signed for real, TLS with a CA made
here, and the real Agents SDK (validator, MSAL provider, CloudAdapter) in between.

No request leaves the machine: every test runs behind a dead HTTPS proxy (only 127.0.0.1 goes direct), so
a call to login.botframework.com or to MSAL's instance discovery fails instead of silently succeeding.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core.authorization.jwt import jwt_token_validator as sdk_validator

from bot.settings import Settings
from bot.teams.auth import DEFAULT_TENANT, ConfiguredKeys, TeamsAuth, _MsalAuth, _Validator, auth_configuration
from core.errors import UserInputError
from tests.bot.teams.entra_fake import APP_ID, APP_PASSWORD, BOT_FRAMEWORK_SCOPE, FakeMicrosoft

CONNECTOR = "https://smba.trafficmanager.net/emea/"


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anything but 127.0.0.1 goes to a proxy that is not there."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def microsoft(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: None) -> Iterator[FakeMicrosoft]:
    with FakeMicrosoft.start(tmp_path / "microsoft") as fake:
        for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
            monkeypatch.setenv(name, str(fake.ca.ca_path))
        yield fake


def teams_settings(microsoft: FakeMicrosoft, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "teams_app_id": microsoft.app_id, "teams_app_password": microsoft.app_password,
        "teams_tenant_id": microsoft.tenant, "teams_jwks_url": microsoft.jwks_url,
        "teams_authority_url": microsoft.authority_url, **extra,
    }
    return Settings(**values)


class Guarded:
    """An aiohttp app behind the middleware whose handler records what got through."""

    def __init__(self, auth: TeamsAuth) -> None:
        self.auth = auth
        self.seen: list[dict[str, Any]] = []
        self.app = web.Application(middlewares=[auth.middleware()])
        self.app.router.add_post("/api/messages", self.messages)
        self.app.router.add_get("/healthz", self.health)

    async def messages(self, request: web.Request) -> web.Response:
        self.seen.append({"claims": request["claims_identity"].claims, "body": await request.json()})
        return web.json_response({}, status=202)

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})


@pytest.fixture
async def guarded(microsoft: FakeMicrosoft) -> AsyncIterator[tuple[Guarded, TestClient[Any, Any]]]:
    app = Guarded(TeamsAuth.from_settings(teams_settings(microsoft)))
    async with TestClient(TestServer(app.app)) as client:
        yield app, client


def activity(service_url: str = CONNECTOR, text: str = "hello") -> dict[str, Any]:
    return {"type": "message", "id": "1", "text": text, "serviceUrl": service_url, "channelId": "msteams",
            "from": {"id": "29:user"}, "recipient": {"id": f"28:{APP_ID}"},
            "conversation": {"id": "a:conv", "conversationType": "personal", "tenantId": "t"}}


async def post(client: TestClient[Any, Any], token: str | None, body: dict[str, Any] | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = await client.post("/api/messages", json=body or activity(), headers=headers)
    return response.status


# -- incoming -----------------------------------------------------------------------------------------------


async def test_a_token_the_bot_connector_signed_gets_through(
        guarded: tuple[Guarded, TestClient[Any, Any]], microsoft: FakeMicrosoft) -> None:
    app, client = guarded
    assert await post(client, microsoft.mint(service_url=CONNECTOR)) == 202
    assert app.seen[0]["claims"]["aud"] == APP_ID
    assert app.seen[0]["claims"]["iss"] == "https://api.botframework.com"
    assert app.seen[0]["body"]["text"] == "hello"  # the body is still readable after the check read it
    assert "/keys" in microsoft.paths()  # the keys came from COCO_TEAMS_JWKS_URL, over the test CA


async def test_every_bad_token_gets_401_and_reaches_nothing(
        guarded: tuple[Guarded, TestClient[Any, Any]], microsoft: FakeMicrosoft) -> None:
    app, client = guarded
    statuses = {name: await post(client, token) for name, token in microsoft.bad_tokens(service_url=CONNECTOR).items()}
    assert statuses == dict.fromkeys(statuses, 401)
    assert len(statuses) >= 10
    assert app.seen == []


@pytest.mark.parametrize("header", [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer a b", "Bearer not-a-jwt"])
async def test_a_missing_or_malformed_header_gets_401(
        guarded: tuple[Guarded, TestClient[Any, Any]], header: str | None) -> None:
    app, client = guarded
    headers = {"Authorization": header} if header is not None else {}
    response = await client.post("/api/messages", json=activity(), headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert set(await response.json()) == {"error"}  # one sentence; the reason stays in the log
    assert app.seen == []


async def test_healthz_needs_no_token(guarded: tuple[Guarded, TestClient[Any, Any]]) -> None:
    _, client = guarded
    response = await client.get("/healthz")
    assert response.status == 200


async def test_a_token_for_another_connector_gets_401(
        guarded: tuple[Guarded, TestClient[Any, Any]], microsoft: FakeMicrosoft) -> None:
    """The reply (with the bot's token) goes to the activity's serviceUrl: it must be the token's."""
    app, client = guarded
    token = microsoft.mint(service_url="https://smba.trafficmanager.net/emea/")
    assert await post(client, token, activity(service_url="https://attacker.example/emea/")) == 401
    assert await post(client, token, activity(service_url="https://SMBA.trafficmanager.net:443/emea")) == 202
    assert len(app.seen) == 1


async def test_a_rotated_key_is_fetched_again(microsoft: FakeMicrosoft) -> None:
    """An unknown kid fetches the keys again, at most once per cooldown (30 s by default: a flood of
    made-up kids must not become a flood of JWKS requests). Microsoft publishes keys before signing
    with them, so the 300 s cache lifespan normally brings them in first."""
    auth = TeamsAuth.from_settings(teams_settings(microsoft))
    auth.keys = ConfiguredKeys(microsoft.jwks_url, cooldown=0.0)
    async with TestClient(TestServer(Guarded(auth).app)) as client:
        assert await post(client, microsoft.mint(service_url=CONNECTOR)) == 202
        microsoft.rotate()
        assert await post(client, microsoft.mint(service_url=CONNECTOR)) == 202
        assert await post(client, microsoft.mint(service_url=CONNECTOR)) == 202
    assert microsoft.paths().count("/keys") == 2


async def test_made_up_kids_do_not_flood_the_jwks(
        guarded: tuple[Guarded, TestClient[Any, Any]], microsoft: FakeMicrosoft) -> None:
    _, client = guarded
    assert await post(client, microsoft.mint(service_url=CONNECTOR)) == 202
    for n in range(5):
        assert await post(client, microsoft.mint(service_url=CONNECTOR, kid=f"made-up-{n}")) == 401
    assert microsoft.paths().count("/keys") == 1


async def test_unreachable_keys_get_503_not_a_pass(microsoft: FakeMicrosoft) -> None:
    auth = TeamsAuth.from_settings(teams_settings(microsoft, teams_jwks_url="https://127.0.0.1:9/keys"))
    app = Guarded(auth)
    async with TestClient(TestServer(app.app)) as client:
        assert await post(client, microsoft.mint(service_url=CONNECTOR)) == 503
    assert app.seen == []


async def test_keys_are_not_trusted_over_tls_without_the_ca(
        guarded: tuple[Guarded, TestClient[Any, Any]], microsoft: FakeMicrosoft,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No CA variable: the system store does not know the test CA, so the keys cannot be fetched."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("SSL_CERT_FILE")
    app, client = guarded
    assert await post(client, microsoft.mint(service_url=CONNECTOR)) in (401, 503)
    assert app.seen == []


# -- the SDK internals auth.py relies on -----------------------------------------------------------------------


async def test_the_sdk_validator_still_takes_its_keys_from_the_attribute_we_replace(microsoft: FakeMicrosoft) -> None:
    """If a later SDK stops reading ``_jwk_client_manager`` (or calls it differently), the validator
    goes to login.botframework.com, the dead proxy refuses, and this fails."""
    assert isinstance(sdk_validator.JwtTokenValidator.__dict__.get("_jwk_client_manager"),
                      sdk_validator._JwkClientManager)
    assert list(inspect.signature(sdk_validator._JwkClientManager.get_signing_key).parameters) == [
        "self", "jwks_uri", "header"]
    keys = ConfiguredKeys(microsoft.jwks_url)
    configuration = auth_configuration(teams_settings(microsoft))
    identity = await _Validator(configuration, keys).validate_token(microsoft.mint(service_url=CONNECTOR))
    assert identity.claims["serviceurl"] == CONNECTOR
    assert microsoft.paths() == ["/keys"]
    # The process-wide key source is left alone.
    assert not isinstance(sdk_validator.JwtTokenValidator._jwk_client_manager, ConfiguredKeys)


def test_the_sdk_msal_provider_still_builds_its_client_where_we_override_it() -> None:
    assert list(inspect.signature(MsalAuth._create_client_application).parameters) == ["self", "tenant_id"]
    assert "_create_client_application" in inspect.getsource(MsalAuth._get_client)
    assert list(inspect.signature(MsalAuth._resolve_authority).parameters) == ["config", "tenant_id"]


def test_aiohttp_still_keeps_its_default_tls_context_where_we_add_the_bundle() -> None:
    import ssl

    from aiohttp import connector

    assert isinstance(connector._SSL_CONTEXT_VERIFIED, ssl.SSLContext)


REPLY_TRUST = """
import asyncio, sys, aiohttp
from bot.settings import Settings
from bot.teams.auth import TeamsAuth

async def fetch() -> str:
    try:
        async with aiohttp.ClientSession() as session, session.get(sys.argv[1]) as response:
            return str(response.status)
    except aiohttp.ClientConnectorCertificateError:
        return "untrusted"

before = asyncio.run(fetch())
TeamsAuth.from_settings(Settings())
print(before, asyncio.run(fetch()))
"""


def test_replies_trust_requests_ca_bundle_alone(microsoft: FakeMicrosoft) -> None:
    """The connector client is an aiohttp session the SDK opens with aiohttp's default context; a fresh
    process shows the bundle is trusted after ``from_settings`` and not before."""
    import os
    import subprocess
    import sys

    env = {**os.environ, **microsoft.env()}
    env.pop("SSL_CERT_FILE")
    done = subprocess.run([sys.executable, "-c", REPLY_TRUST, microsoft.jwks_url], env=env, capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parents[3])
    assert done.stdout.split() == ["untrusted", "200"], done.stderr


# -- outgoing -------------------------------------------------------------------------------------------------


async def test_the_outgoing_token_comes_from_the_configured_authority(microsoft: FakeMicrosoft) -> None:
    auth = TeamsAuth.from_settings(teams_settings(microsoft))
    token = await auth.outgoing_token()
    assert token == microsoft.issued[-1]
    # Metadata from the authority itself (no instance discovery), then one client-credentials request.
    assert microsoft.paths() == [f"/{microsoft.tenant}/v2.0/.well-known/openid-configuration", microsoft.token_path]
    (request,) = microsoft.token_requests()
    assert request.form["grant_type"] == "client_credentials"
    assert request.form["client_id"] == APP_ID
    assert request.form["client_secret"] == APP_PASSWORD
    assert request.form["scope"] == BOT_FRAMEWORK_SCOPE
    assert await auth.outgoing_token() == token  # cached by MSAL until it expires
    assert len(microsoft.token_requests()) == 1


async def test_a_slow_authority_does_not_stall_the_event_loop(microsoft: FakeMicrosoft) -> None:
    """MSAL reads the authority's metadata while its client is built; the SDK would build it on the loop."""
    microsoft.metadata_delay = 1.0
    auth = TeamsAuth.from_settings(teams_settings(microsoft))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        await auth.outgoing_token()
    finally:
        ticker.cancel()
    assert ticks >= 10  # the loop kept turning through the one-second wait


async def test_with_instance_discovery_on_msal_would_leave_the_machine(microsoft: FakeMicrosoft) -> None:
    """The control for the test above: the same provider with discovery on asks login.microsoftonline.com
    about the unknown host (the dead proxy refuses) and never reaches the fake."""
    configuration = auth_configuration(teams_settings(microsoft))
    provider = _MsalAuth(configuration, instance_discovery=True)
    with pytest.raises(Exception):  # noqa: B017 - requests' proxy error or MSAL's, whichever comes first
        await provider.get_access_token("https://api.botframework.com", [BOT_FRAMEWORK_SCOPE])
    assert microsoft.token_requests() == []


async def test_a_wrong_secret_gets_no_token(microsoft: FakeMicrosoft) -> None:
    auth = TeamsAuth.from_settings(teams_settings(microsoft, teams_app_password="wrong"))
    with pytest.raises(ValueError, match="invalid_client"):
        await auth.outgoing_token()


# -- configuration -------------------------------------------------------------------------------------------


def test_the_tenant_defaults_to_botframework_com() -> None:
    configuration = auth_configuration(Settings(teams_app_id=APP_ID, teams_app_password="s"))
    assert configuration.TENANT_ID == DEFAULT_TENANT
    assert configuration.AUTHORITY is None
    assert configuration.VALIDATE_ISSUER and configuration.ISSUERS == ["https://api.botframework.com"]


def test_the_authority_names_the_tenant_when_none_is_given() -> None:
    configuration = auth_configuration(Settings(
        teams_app_id=APP_ID, teams_app_password="s",
        teams_authority_url="https://login.microsoftonline.us/0b0b0b0b-0000-4000-8000-000000000000/"))
    assert configuration.TENANT_ID == "0b0b0b0b-0000-4000-8000-000000000000"
    assert configuration.AUTHORITY == "https://login.microsoftonline.us/0b0b0b0b-0000-4000-8000-000000000000"
    assert configuration.ISSUERS == ["https://api.botframework.us"]  # the US Government connector


@pytest.mark.parametrize(("values", "said"), [
    ({}, "COCO_TEAMS_APP_ID and COCO_TEAMS_APP_PASSWORD"),
    ({"teams_app_id": APP_ID}, "Set COCO_TEAMS_APP_PASSWORD"),
    ({"teams_app_id": APP_ID, "teams_app_password": "s", "teams_authority_url": "http://login.example/t"}, "https"),
    ({"teams_app_id": APP_ID, "teams_app_password": "s", "teams_authority_url": "https://login.example"}, "tenant"),
    ({"teams_app_id": APP_ID, "teams_app_password": "s", "teams_authority_url": "https://login.example/a",
      "teams_tenant_id": "b"}, "same tenant"),
    ({"teams_app_id": APP_ID, "teams_app_password": "s", "teams_jwks_url": "file:///etc/keys"}, "COCO_TEAMS_JWKS_URL"),
])
def test_a_wrong_setting_is_one_plain_sentence(values: dict[str, Any], said: str) -> None:
    with pytest.raises(UserInputError, match=said) as raised:
        TeamsAuth.from_settings(Settings(**values))
    assert "\n" not in raised.value.user_message


def test_the_variables_are_read_by_their_documented_names(monkeypatch: pytest.MonkeyPatch) -> None:
    names = {"COCO_TEAMS_APP_ID": "a", "COCO_TEAMS_APP_PASSWORD": "p", "COCO_TEAMS_TENANT_ID": "t",
             "COCO_TEAMS_JWKS_URL": "https://k/keys", "COCO_TEAMS_AUTHORITY_URL": "https://l/t",
             "COCO_TEAMS_VALID_DOMAINS": "a.example"}
    for name, value in names.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert (settings.teams_app_id, settings.teams_tenant_id, settings.teams_jwks_url,
            settings.teams_authority_url, settings.teams_valid_domains) == ("a", "t", "https://k/keys", "https://l/t",
                                                                            "a.example")
    assert settings.teams_app_password is not None and settings.teams_app_password.get_secret_value() == "p"


# -- through the real SDK hosting -------------------------------------------------------------------------------


class FakeConnector:
    """The Bot Connector a reply goes to (``serviceUrl``): records activities and their Authorization."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str | None, dict[str, Any]]] = []
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self.any)

    async def any(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else {}
        self.received.append((request.path, request.headers.get("Authorization"), body))
        return web.json_response({"id": f"reply-{len(self.received)}"})


async def test_through_the_sdk_a_good_token_is_answered_with_the_bots_token_and_a_bad_one_with_nothing(
        microsoft: FakeMicrosoft) -> None:
    from microsoft_agents.hosting.aiohttp import CloudAdapter, start_agent_process
    from microsoft_agents.hosting.core import AgentApplication, MemoryStorage, TurnContext, TurnState

    auth = TeamsAuth.from_settings(teams_settings(microsoft))
    adapter = CloudAdapter(connection_manager=auth.connections)
    agent = AgentApplication[TurnState](storage=MemoryStorage(), adapter=adapter, connection_manager=auth.connections)

    @agent.activity("message")
    async def echo(context: TurnContext, state: TurnState) -> None:
        await context.send_activity(f"heard: {context.activity.text}")

    async def messages(request: web.Request) -> web.StreamResponse:
        response = await start_agent_process(request, agent, adapter)
        return response if response is not None else web.Response(status=202)

    bot = web.Application(middlewares=[auth.middleware()])
    bot.router.add_post("/api/messages", messages)
    connector = FakeConnector()
    async with TestServer(connector.app, host="127.0.0.1") as connector_server, \
            TestClient(TestServer(bot)) as client:
        service_url = str(connector_server.make_url("/"))
        for name, bad in microsoft.bad_tokens(service_url=service_url).items():
            response = await client.post("/api/messages", json=activity(service_url, text=name),
                                         headers={"Authorization": f"Bearer {bad}"})
            assert response.status == 401, name
        good = microsoft.mint(service_url=service_url)
        response = await client.post("/api/messages", json=activity(service_url),
                                     headers={"Authorization": f"Bearer {good}"})
        assert response.status in (200, 202)
        await asyncio.sleep(0)
    assert len(connector.received) == 1  # the refused requests posted nothing
    path, authorization, body = connector.received[0]
    assert path.startswith("/v3/conversations/a:conv/activities")
    assert body["text"] == "heard: hello"
    assert authorization == f"Bearer {microsoft.issued[-1]}"
    claims = jwt.decode(microsoft.issued[-1], options={"verify_signature": False})
    assert claims["aud"] == "https://api.botframework.com" and claims["appid"] == APP_ID
    assert len(microsoft.token_requests()) == 1
    assert json.loads(json.dumps(body))  # a JSON activity, as the connector expects
