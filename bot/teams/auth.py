"""Who may talk to COCO's Teams bot, and how the bot proves who it is: the authentication half of
``coco serve teams`` on the Microsoft 365 Agents SDK 1.9.

The hosting plugs it in at one place::

    from bot.teams.auth import TeamsAuth

    auth = TeamsAuth.from_settings(settings)        # a plain UserInputError if a variable is wrong
    adapter = CloudAdapter(connection_manager=auth.connections)
    agent = AgentApplication[TurnState](storage=..., adapter=adapter, connection_manager=auth.connections)
    app = web.Application(middlewares=[auth.middleware()])   # /healthz stays open; see PUBLIC_PATHS
    app.router.add_post("/api/messages", lambda request: start_agent_process(request, agent, adapter))

Incoming (``POST /api/messages``): every request but the public paths must carry ``Authorization:
Bearer <JWT>`` that the SDK's own validator accepts — RS256 signature by a key from the JWKS
(``COCO_TEAMS_JWKS_URL``, else the SDK's login.botframework.com), issuer the Bot Connector's
(``https://api.botframework.com``, ``.us`` for US Government authorities; the SDK also always trusts
Microsoft's first-party tenants), audience ``COCO_TEAMS_APP_ID``, not expired (the SDK allows 300 s of
clock skew) — and that carries ``exp``, ``iss`` and ``aud`` at all. When the token names a
``serviceurl``, the activity's ``serviceUrl`` must be on the same origin: a reply goes there with the
bot's own token. Anything else gets 401 (503 when the signing keys cannot be fetched, so the connector
retries) before the handler runs, so nothing is posted in answer to a refused request. The SDK's
``jwt_authorization_middleware`` is not used: it opens every path (``/healthz`` too) to the same check,
turns a token without ``kid`` into a 500, and accepts a token without ``exp``.

Outgoing: :attr:`TeamsAuth.connections` is the SDK connection manager (``SERVICE_CONNECTION``) whose
MSAL client asks for the bot's token with the client secret at ``COCO_TEAMS_AUTHORITY_URL`` (instance
discovery off) or ``https://login.microsoftonline.com/{tenant}``. The tenant is
``COCO_TEAMS_TENANT_ID``, else the authority's, else ``botframework.com``.

TLS: every outgoing HTTPS call made here (JWKS, authority) trusts ``REQUESTS_CA_BUNDLE`` or
``SSL_CERT_FILE`` when set (in that order, as ``requests`` reads them), the system store otherwise; no
pinning. The SDK's connector client (replies) uses aiohttp's default context, which reads
``SSL_CERT_FILE`` only: :meth:`TeamsAuth.from_settings` adds the bundle to it
(:func:`trust_ca_bundle_in_aiohttp`), and :func:`outgoing_ssl_context` gives the same trust to any
session COCO opens itself.

SDK internals relied on (tests/bot/teams/test_auth.py fails if they move): ``JwtTokenValidator``
reads its key source from the attribute ``_jwk_client_manager`` and awaits
``get_signing_key(jwks_uri, header)`` on it; ``MsalAuth`` builds its MSAL client in
``_create_client_application(tenant_id)`` and resolves the authority with ``_resolve_authority``;
aiohttp keeps its default verifying context in ``aiohttp.connector._SSL_CONTEXT_VERIFIED``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import jwt
from aiohttp import web
from aiohttp.typedefs import Middleware
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import AgentAuthConfiguration, AuthTypes, ClaimsIdentity, ConnectionManager
from microsoft_agents.hosting.core.authorization.authentication_constants import AuthenticationConstants
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    JwtTokenValidator,
    _JwkClientManager,
)
from msal import ConfidentialClientApplication

from bot.settings import Settings
from core.errors import UserInputError

log = logging.getLogger("coco.teams.auth")

SERVICE_CONNECTION = "SERVICE_CONNECTION"  # the SDK's name for the bot's own connection
DEFAULT_TENANT = "botframework.com"  # SDK 1.9 refuses to send without a tenant; this one is the Bot Framework's
PUBLIC_PATHS = frozenset({"/healthz"})  # answered without a token (a load balancer's probe)
GOV_LOGIN_HOST = "login.microsoftonline.us"
REQUIRED_CLAIMS = ("exp", "iss", "aud")  # PyJWT checks exp only when present: a token without one never expires
HTTP_TIMEOUT = 10.0  # seconds for one call to the JWKS or the authority: the connector waits 15 s in all
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def ca_bundle() -> str | None:
    """The CA file outgoing HTTPS trusts: ``REQUESTS_CA_BUNDLE``, then ``SSL_CERT_FILE`` (None: system store)."""
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        value = os.environ.get(name)
        if value:
            return value
    return None


def outgoing_ssl_context() -> ssl.SSLContext:
    """A verifying TLS context that trusts :func:`ca_bundle` (or the system store): for any aiohttp
    session the Teams front end opens (``ClientSession(connector=TCPConnector(ssl=outgoing_ssl_context()))``)."""
    return ssl.create_default_context(cafile=ca_bundle())


def trust_ca_bundle_in_aiohttp() -> bool:
    """Add :func:`ca_bundle` to aiohttp's default verifying context, which the SDK's connector client
    (``TeamsConnectorClient``'s own ``ClientSession``) uses and which COCO cannot hand a context to.
    aiohttp builds that context once, at import, from the system store and ``SSL_CERT_FILE``; this adds
    ``REQUESTS_CA_BUNDLE`` too (additive: the system's CAs stay trusted). True if a bundle was added."""
    bundle = ca_bundle()
    if bundle is None:
        return False
    from aiohttp import connector

    context = getattr(connector, "_SSL_CONTEXT_VERIFIED", None)
    if not isinstance(context, ssl.SSLContext):
        log.warning("aiohttp's default TLS context moved: replies trust only the system store and SSL_CERT_FILE")
        return False
    context.load_verify_locations(cafile=bundle)
    return True


# -- incoming: signing keys -------------------------------------------------------------------------------


class ConfiguredKeys(_JwkClientManager):
    """The SDK's key source, pointed at one JWKS URL (``COCO_TEAMS_JWKS_URL``) whatever URL the SDK chose
    from the token's issuer, and fetched over TLS that trusts :func:`ca_bundle`. Without a URL it uses
    the SDK's choice, still with that trust and a timeout.

    The SDK keeps one such source for the whole process (a class attribute); a ``ConfiguredKeys`` is
    given to one validator at a time (:class:`_Validator`), so two bots in one process (tests) keep
    their own keys. Keys are cached for ``lifespan`` seconds and fetched again for an unknown ``kid``
    (key rollover), at most once per ``cooldown`` seconds."""

    def __init__(self, jwks_url: str | None, *, lifespan: float = 300.0, cooldown: float = 30.0) -> None:
        super().__init__()
        self.jwks_url = jwks_url
        self._lifespan = lifespan
        self._cooldown = cooldown
        self._clients: dict[str, tuple[jwt.PyJWKClient, threading.Lock]] = {}
        self._guard = threading.Lock()

    def _client(self, uri: str) -> tuple[jwt.PyJWKClient, threading.Lock]:
        with self._guard:
            if uri not in self._clients:
                client = jwt.PyJWKClient(uri, lifespan=self._lifespan, timeout=HTTP_TIMEOUT,
                                         ssl_context=outgoing_ssl_context(), cooldown_duration=self._cooldown)
                self._clients[uri] = (client, threading.Lock())
            return self._clients[uri]

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> jwt.PyJWK:
        kid = header.get(AuthenticationConstants.KEY_ID_HEADER)
        if not isinstance(kid, str) or not kid:
            # The SDK indexes the header and answers a token without kid with a 500; it is a bad token.
            raise jwt.PyJWKClientError("The token names no signing key.")
        client, lock = self._client(self.jwks_url or jwks_uri)

        def fetch() -> jwt.PyJWK:
            with lock:  # PyJWKClient's cache is not thread-safe; one fetch per URL at a time
                return client.get_signing_key(kid)

        # PyJWKClient is synchronous (urllib): off the event loop, as the SDK does.
        return await asyncio.to_thread(fetch)


class _Validator(JwtTokenValidator):
    """The SDK's validator with its own key source instead of the process-wide one."""

    def __init__(self, configuration: AgentAuthConfiguration, keys: ConfiguredKeys) -> None:
        super().__init__(configuration)
        self._jwk_client_manager = keys


# -- outgoing: the bot's token ---------------------------------------------------------------------------


class _MsalAuth(MsalAuth):
    """The SDK's MSAL token provider, building its client with instance discovery off when an authority
    is configured (MSAL would otherwise ask login.microsoftonline.com about an unknown host), TLS that
    trusts :func:`ca_bundle`, and a timeout."""

    def __init__(self, configuration: AgentAuthConfiguration, *, instance_discovery: bool) -> None:
        super().__init__(configuration)
        self._instance_discovery = instance_discovery
        self._building: asyncio.Lock | None = None

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        # MSAL fetches the authority's metadata while the client is built, and the SDK builds it on the
        # event loop at the first send: build it in a thread first (the SDK then finds it cached), so a
        # slow authority never stalls the acks of other requests.
        if not self._msal_auth_client_map:
            self._building = self._building or asyncio.Lock()
            async with self._building:
                if not self._msal_auth_client_map:
                    await asyncio.to_thread(self._get_client)
        return await super().get_access_token(resource_url, scopes, force_refresh)

    def _create_client_application(self, tenant_id: str | None = None) -> Any:
        config = self._msal_configuration
        if AuthTypes.client_secret != config.AUTH_TYPE:
            return super()._create_client_application(tenant_id)
        return ConfidentialClientApplication(
            client_id=config.CLIENT_ID,
            authority=MsalAuth._resolve_authority(config, tenant_id),
            client_credential=config.CLIENT_SECRET,
            # None is MSAL's default (discovery on); False skips it and reads the authority's own metadata.
            instance_discovery=None if self._instance_discovery else False,
            verify=ca_bundle() or True,
            timeout=HTTP_TIMEOUT,
        )


# -- configuration -----------------------------------------------------------------------------------------


def _authority_tenant(authority: str) -> str:
    """The tenant an authority URL names (its last path segment); a plain sentence if it is no https
    authority with a tenant (MSAL accepts nothing else)."""
    parts = urlsplit(authority)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme != "https" or not parts.hostname or not segments:
        raise UserInputError(
            f"COCO_TEAMS_AUTHORITY_URL must be an https authority that names the tenant, such as "
            f"https://login.microsoftonline.us/TENANT (got {authority!r})."
        )
    return segments[-1]


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """The SDK configuration of the bot's one connection, from the ``COCO_TEAMS_*`` variables; a
    :class:`UserInputError` naming the variable when one is missing or wrong."""
    app_id = (settings.teams_app_id or "").strip()
    password = settings.teams_app_password.get_secret_value() if settings.teams_app_password else ""
    if not app_id or not password:
        missing = " and ".join(n for n, v in (("COCO_TEAMS_APP_ID", app_id), ("COCO_TEAMS_APP_PASSWORD", password))
                               if not v)
        raise UserInputError(f"Set {missing}: the bot's Entra app id and client secret (see docs/teams.md).")
    authority = (settings.teams_authority_url or "").strip().rstrip("/") or None
    tenant = (settings.teams_tenant_id or "").strip() or None
    if authority is not None:
        named = _authority_tenant(authority)
        if tenant is not None and named.lower() not in (tenant.lower(), "common", "organizations"):
            raise UserInputError(
                f"COCO_TEAMS_AUTHORITY_URL names tenant {named!r} but COCO_TEAMS_TENANT_ID is {tenant!r}: "
                "give the same tenant, or leave COCO_TEAMS_TENANT_ID unset."
            )
        # MSAL swaps a GUID or `common` in the authority for the tenant: keep the authority's own.
        tenant = tenant or named
    if settings.teams_jwks_url is not None and urlsplit(settings.teams_jwks_url).scheme not in ("https", "http"):
        raise UserInputError(f"COCO_TEAMS_JWKS_URL must be an https URL (got {settings.teams_jwks_url!r}).")
    gov = authority is not None and urlsplit(authority).hostname == GOV_LOGIN_HOST
    constants = AuthenticationConstants
    issuer = constants.GOV_AGENTS_SDK_TOKEN_ISSUER if gov else constants.AGENTS_SDK_TOKEN_ISSUER
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=app_id,
        tenant_id=tenant or DEFAULT_TENANT,
        client_secret=password,
        authority=authority,
        connection_name=SERVICE_CONNECTION,
        anonymous_allowed=False,
        # The SDK checks the issuer only when asked; the Bot Connector is the one sender COCO expects.
        issuers=[issuer],
        validate_issuer=True,
    )


# -- the whole -------------------------------------------------------------------------------------------------


@dataclass
class TeamsAuth:
    """Everything the Teams hosting needs for authentication, built once from the settings."""

    configuration: AgentAuthConfiguration
    connections: ConnectionManager
    keys: ConfiguredKeys
    public_paths: frozenset[str] = field(default=PUBLIC_PATHS)

    @classmethod
    def from_settings(cls, settings: Settings, *, public_paths: Iterable[str] = PUBLIC_PATHS) -> TeamsAuth:
        configuration = auth_configuration(settings)
        trust_ca_bundle_in_aiohttp()
        discovery = configuration.AUTHORITY is None

        def provider(config: AgentAuthConfiguration) -> MsalAuth:
            return _MsalAuth(config, instance_discovery=discovery)

        connections = ConnectionManager(provider_factory=provider,
                                        connections_configurations={SERVICE_CONNECTION: configuration})
        return cls(configuration, connections, ConfiguredKeys(settings.teams_jwks_url), frozenset(public_paths))

    @property
    def app_id(self) -> str:
        assert self.configuration.CLIENT_ID is not None  # auth_configuration refuses an empty one
        return self.configuration.CLIENT_ID

    async def outgoing_token(self) -> str:
        """The bot's token for the Bot Connector (what the SDK sends as ``Authorization`` on replies)."""
        provider = self.connections.get_default_connection()
        return await provider.get_access_token(AuthenticationConstants.AGENTS_SDK_SCOPE,
                                               [AuthenticationConstants.AGENTS_SDK_SCOPE + "/.default"])

    async def identify(self, authorization: str | None) -> ClaimsIdentity:
        """The verified claims of a request's ``Authorization`` header; :class:`Refused` otherwise."""
        token = _bearer(authorization)
        if token is None:
            raise Refused(401, "A bearer token is required.")
        try:
            identity = await _Validator(self.configuration, self.keys).validate_token(token)
        except jwt.PyJWKClientConnectionError as error:
            log.warning("Teams signing keys unavailable: %s", error)
            raise Refused(503, "The signing keys could not be fetched; try again.") from None
        except (jwt.PyJWTError, ValueError, KeyError, TypeError) as error:
            # The reason is logged, not returned: a caller probing tokens learns nothing.
            log.warning("Teams token refused: %s: %s", type(error).__name__, error)
            raise Refused(401, "Invalid token or authentication failed.") from None
        missing = [claim for claim in REQUIRED_CLAIMS if identity.claims.get(claim) in (None, "")]
        if missing:
            log.warning("Teams token refused: it carries no %s", ", ".join(missing))
            raise Refused(401, "Invalid token or authentication failed.")
        return identity

    def middleware(self) -> Middleware:
        """The aiohttp middleware: validates every request but :attr:`public_paths` and leaves the
        verified claims in ``request["claims_identity"]`` (where the SDK's CloudAdapter reads them)."""

        @web.middleware
        async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path in self.public_paths:
                return await handler(request)
            try:
                identity = await self.identify(request.headers.get("Authorization"))
                await _check_service_url(request, identity)
            except Refused as refused:
                return refused.response()
            request["claims_identity"] = identity
            return await handler(request)

        return authenticate


class Refused(Exception):
    """A request turned away before anything runs: its status and one sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self) -> web.Response:
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else {}
        return web.json_response({"error": self.message}, status=self.status, headers=headers)


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.casefold(), port


async def _check_service_url(request: web.Request, identity: ClaimsIdentity) -> None:
    """A Bot Connector token names the connector it came from (``serviceurl``); the activity must
    name the same one, or the bot's reply (and its token) would go elsewhere. The SDK only logs a
    mismatch unless its outbound host validator is on, which refuses loopback connectors."""
    claimed = next((v for k, v in identity.claims.items() if k.lower() == "serviceurl"), None)
    if not claimed or request.method != "POST" or not request.can_read_body:
        return
    try:
        body = await request.json()  # aiohttp keeps the bytes: the SDK reads the same body again
    except ValueError:
        return  # not JSON: the SDK answers it (400) and nothing is posted
    service_url = body.get("serviceUrl") if isinstance(body, dict) else None
    if not isinstance(service_url, str) or not service_url:
        return
    if _origin(str(claimed)) is None or _origin(str(claimed)) != _origin(service_url):
        log.warning("Teams token refused: its serviceurl %s is not the activity's %s", claimed, service_url)
        raise Refused(401, "Invalid token or authentication failed.")
