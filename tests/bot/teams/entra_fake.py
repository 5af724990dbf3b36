"""Fakes of what Microsoft runs for a Teams bot's authentication, on 127.0.0.1 over HTTPS with a CA
made here, speaking the wire formats the real services speak:

- a JWKS endpoint (``/keys``, and the Bot Framework's ``/v1/.well-known/keys`` and OpenID metadata
  ``/v1/.well-known/openidconfiguration``) serving the public half of the keys :func:`mint` signs with;
- an Entra authority (``/{tenant}/v2.0/.well-known/openid-configuration`` and the client-credentials
  token endpoint ``/{tenant}/oauth2/v2.0/token``) that records every request and issues RS256 access
  tokens for ``https://api.botframework.com`` (what a fake Bot Connector can check replies against).

:meth:`FakeMicrosoft.mint` signs tokens as the Bot Connector sends them to a bot: ``iss``
``https://api.botframework.com``, ``aud`` the bot's app id, a ``serviceurl`` claim, ``nbf``/``exp``,
and a ``kid`` header naming a key of the JWKS (no ``ver``/``appid``: those would make the SDK read the
token as another agent's). :meth:`FakeMicrosoft.bad_tokens` gives the ways a token must be refused.

The servers are ``http.server`` threads, not coroutines: MSAL fetches the authority's metadata
synchronously on the event loop that serves the bot, so a fake on that loop would deadlock.

Use (pytest)::

    with FakeMicrosoft.start(tmp_path) as microsoft:
        env = microsoft.env()        # SSL_CERT_FILE, REQUESTS_CA_BUNDLE, COCO_TEAMS_JWKS_URL, ...
        token = microsoft.mint(app_id=APP_ID, service_url=connector_url)
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

BOT_CONNECTOR_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
APP_ID = "6d5c8a1e-3b0f-4f1e-9a7c-2e1f0b9d4c31"  # the bot's app (client) id in these tests
APP_PASSWORD = "test-client-secret"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


_KEYS: dict[str, rsa.RSAPrivateKey] = {}


def _rsa_key(role: str | None = None) -> rsa.RSAPrivateKey:
    """A new 2048-bit key, or the process's key for ``role`` (made once: each takes a fraction of a
    second on a shared machine, and a fake started per test needs four)."""
    if role is None:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if role not in _KEYS:
        _KEYS[role] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _KEYS[role]


@dataclass(frozen=True)
class SigningKey:
    """An RSA key and the ``kid`` the JWKS names it by."""

    kid: str
    private: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def new(cls, kid: str | None = None, *, role: str | None = None) -> SigningKey:
        return cls(kid or uuid.uuid4().hex, _rsa_key(role))

    def jwk(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        # What login.botframework.com publishes: RSA, use sig, kid (and endorsements, ignored by the SDK).
        return {**public, "kid": self.kid, "use": "sig", "kty": "RSA", "endorsements": ["msteams"]}

    def pem(self) -> bytes:
        return self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())


class TestCA:
    """A certificate authority made for one test run, and server certificates it signs."""

    __test__ = False  # not a pytest class

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = _rsa_key("ca")
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "COCO test CA")])
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        folder.mkdir(parents=True, exist_ok=True)
        self.ca_path = folder / "test-ca.pem"
        self.ca_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def server_context(self, host: str = "127.0.0.1") -> ssl.SSLContext:
        """A TLS server context with a certificate for ``host`` (and localhost) signed by this CA."""
        key = _rsa_key("server")
        now = dt.datetime.now(dt.UTC)
        names: list[x509.GeneralName] = [x509.DNSName("localhost")]
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(self.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                           critical=False)
            .sign(self.key, hashes.SHA256())
        )
        stem = uuid.uuid4().hex[:8]
        cert_path, key_path = self.folder / f"server-{stem}.pem", self.folder / f"server-{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        return context


@dataclass
class Recorded:
    """One request a fake received."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    microsoft: FakeMicrosoft


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the record is FakeMicrosoft.requests

    def _answer(self, status: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self, form: dict[str, str]) -> None:
        with self.server.microsoft.lock:
            self.server.microsoft.requests.append(
                Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, form))

    def do_GET(self) -> None:
        self._record({})
        status, body = self.server.microsoft.answer_get(urlsplit(self.path).path)
        self._answer(status, body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        self._record(form)
        status, body = self.server.microsoft.answer_post(urlsplit(self.path).path, form)
        self._answer(status, body)


class FakeMicrosoft:
    """The JWKS, OpenID metadata and Entra token endpoint of one test, on one HTTPS port."""

    def __init__(self, folder: Path, *, app_id: str = APP_ID, app_password: str = APP_PASSWORD,
                 tenant: str = TENANT_ID) -> None:
        self.ca = TestCA(folder)
        self.app_id = app_id
        self.app_password = app_password
        self.tenant = tenant
        self.keys = [SigningKey.new(role="connector")]  # published in the JWKS; the first signs
        self.entra_key = SigningKey.new(role="entra")  # signs the access tokens the authority issues
        self.requests: list[Recorded] = []
        self.issued: list[str] = []  # access tokens handed out, oldest first
        self.lock = threading.Lock()
        self.metadata_delay = 0.0  # seconds the authority's metadata takes to answer
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.microsoft = self
        self._server.socket = self.ca.server_context().wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-microsoft", daemon=True)

    @classmethod
    @contextmanager
    def start(cls, folder: Path, **options: Any) -> Iterator[FakeMicrosoft]:
        fake = cls(folder, **options)
        fake._thread.start()
        try:
            yield fake
        finally:
            fake._server.shutdown()
            fake._server.server_close()

    # -- addresses ---------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/keys"

    @property
    def authority_url(self) -> str:
        """What COCO_TEAMS_AUTHORITY_URL is set to: https, with the tenant."""
        return f"{self.base_url}/{self.tenant}"

    @property
    def token_path(self) -> str:
        return f"/{self.tenant}/oauth2/v2.0/token"

    def env(self) -> dict[str, str]:
        """The variables a ``coco serve teams`` child needs to trust and use these fakes."""
        return {
            "SSL_CERT_FILE": str(self.ca.ca_path), "REQUESTS_CA_BUNDLE": str(self.ca.ca_path),
            "COCO_TEAMS_APP_ID": self.app_id, "COCO_TEAMS_APP_PASSWORD": self.app_password,
            "COCO_TEAMS_TENANT_ID": self.tenant, "COCO_TEAMS_JWKS_URL": self.jwks_url,
            "COCO_TEAMS_AUTHORITY_URL": self.authority_url,
        }

    def token_requests(self) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == "POST" and r.path == self.token_path]

    def paths(self) -> list[str]:
        with self.lock:
            return [urlsplit(r.path).path for r in self.requests]

    # -- tokens --------------------------------------------------------------------------------------------

    def rotate(self) -> SigningKey:
        """Publish a new key and sign with it from now on (the old one stays published)."""
        key = SigningKey.new()
        self.keys.insert(0, key)
        return key

    def mint(self, *, service_url: str, app_id: str | None = None, issuer: str = BOT_CONNECTOR_ISSUER,
             audience: str | None = None, lifetime: float = 3600.0, issued_at: float | None = None,
             key: SigningKey | None = None, kid: str | None = None, algorithm: str = "RS256",
             omit: tuple[str, ...] = (), extra: Mapping[str, Any] | None = None) -> str:
        """A token as the Bot Connector sends it to the bot at ``app_id``'s messaging endpoint."""
        now = time.time() if issued_at is None else issued_at
        claims: dict[str, Any] = {
            "serviceurl": service_url, "nbf": int(now) - 5, "exp": int(now + lifetime),
            "iss": issuer, "aud": audience or app_id or self.app_id, **(extra or {}),
        }
        for name in omit:
            claims.pop(name, None)
        signer = key or self.keys[0]
        headers = {"typ": "JWT", "kid": kid if kid is not None else signer.kid}
        if "kid" in omit:
            headers.pop("kid")
        if algorithm == "HS256":  # key confusion: the public key used as an HMAC secret
            secret = signer.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                              serialization.PublicFormat.SubjectPublicKeyInfo)
            return _hs256(claims, secret, headers)  # PyJWT refuses to do this, rightly: by hand
        return jwt.encode(claims, signer.pem(), algorithm=algorithm, headers=headers)

    def bad_tokens(self, *, service_url: str) -> dict[str, str]:
        """Every way a token must be refused, by name (the signature being the only fault in the last three)."""
        stranger = SigningKey.new(kid=self.keys[0].kid, role="stranger")  # same kid, other key: the signature fails
        hour = 3600.0
        return {
            "wrong audience": self.mint(service_url=service_url, audience="11111111-2222-3333-4444-555555555555"),
            "audience of the connector": self.mint(service_url=service_url, audience=BOT_CONNECTOR_ISSUER),
            "wrong issuer": self.mint(service_url=service_url, issuer="https://api.botframework.evil"),
            "issuer of another tenant": self.mint(
                service_url=service_url, issuer="https://sts.windows.net/0b0b0b0b-0000-4000-8000-000000000000/"),
            "expired": self.mint(service_url=service_url, issued_at=time.time() - 3 * hour, lifetime=hour),
            "not yet valid": self.mint(service_url=service_url, extra={"nbf": int(time.time() + hour)}),
            "no expiry": self.mint(service_url=service_url, omit=("exp",)),
            "no kid": self.mint(service_url=service_url, omit=("kid",)),
            "unknown kid": self.mint(service_url=service_url, key=SigningKey.new(role="unknown")),
            "wrong key": self.mint(service_url=service_url, key=stranger),
            "hs256 with the public key": self.mint(service_url=service_url, algorithm="HS256"),
            "tampered": _tamper(self.mint(service_url=service_url)),
        }

    def _access_token(self, client_id: str) -> str:
        now = int(time.time())
        claims = {
            "aud": "https://api.botframework.com", "iss": f"https://sts.windows.net/{self.tenant}/",
            "iat": now, "nbf": now, "exp": now + 3600, "appid": client_id, "tid": self.tenant, "ver": "1.0",
        }
        token = jwt.encode(claims, self.entra_key.pem(), algorithm="RS256", headers={"kid": self.entra_key.kid})
        with self.lock:
            self.issued.append(token)
        return token

    # -- answers ---------------------------------------------------------------------------------------------

    def answer_get(self, path: str) -> tuple[int, dict[str, Any]]:
        if self.metadata_delay and path.endswith("/.well-known/openid-configuration"):
            time.sleep(self.metadata_delay)  # a slow authority (this server answers each request in a thread)
        if path in ("/keys", "/v1/.well-known/keys", f"/{self.tenant}/discovery/v2.0/keys"):
            return 200, {"keys": [k.jwk() for k in self.keys]}
        if path == "/v1/.well-known/openidconfiguration":  # the Bot Framework's metadata
            return 200, {"issuer": BOT_CONNECTOR_ISSUER, "jwks_uri": f"{self.base_url}/v1/.well-known/keys",
                         "id_token_signing_alg_values_supported": ["RS256"],
                         "token_endpoint_auth_methods_supported": ["private_key_jwt"]}
        if path == f"/{self.tenant}/v2.0/.well-known/openid-configuration":
            base = f"{self.base_url}/{self.tenant}"
            return 200, {
                "issuer": f"{base}/v2.0", "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "jwks_uri": f"{base}/discovery/v2.0/keys", "token_endpoint_auth_methods_supported":
                    ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "response_types_supported": ["code", "id_token", "token"],
                "id_token_signing_alg_values_supported": ["RS256"], "tenant_region_scope": "EU",
            }
        if path.endswith("/.well-known/openid-configuration"):
            # A tenant Entra does not know: what login.microsoftonline.com answers.
            return 400, {"error": "invalid_tenant", "error_description": "AADSTS90002: Tenant not found."}
        return 404, {"error": "not_found"}

    def answer_post(self, path: str, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        if path != self.token_path:
            return 404, {"error": "not_found"}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "AADSTS70003"}
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            return 401, {"error": "invalid_client",
                         "error_description": "AADSTS7000215: Invalid client secret provided."}
        if form.get("scope", "").split() != [BOT_FRAMEWORK_SCOPE]:
            return 400, {"error": "invalid_scope", "error_description": "AADSTS1002012"}
        return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                     "access_token": self._access_token(form["client_id"])}


def _hs256(claims: Mapping[str, Any], secret: bytes, headers: Mapping[str, Any]) -> str:
    import hashlib
    import hmac

    def part(value: Mapping[str, Any]) -> str:
        return jwt.utils.base64url_encode(json.dumps(value, separators=(",", ":")).encode()).decode()

    signing_input = f"{part({**headers, 'alg': 'HS256'})}.{part(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{jwt.utils.base64url_encode(signature).decode()}"


def _tamper(token: str) -> str:
    """The same token with one claim changed after signing."""
    head, body, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(body))
    claims["aud"] = claims["aud"].upper() + "0"
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{head}.{forged}.{signature}"
