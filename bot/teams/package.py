"""``coco teams package``: the Teams app package an admin uploads (Teams admin centre, or "Upload a
custom app"): ``manifest.json`` plus the two icons, zipped at the root.

The manifest follows schema v1.22 (``MANIFEST_VERSION``), checked against Microsoft's reference
(learn.microsoft.com "App manifest", manifest schema 1.22: required fields, string limits, at most three
command lists of at most ten commands, titles up to 32 characters and descriptions up to 128, scopes
``personal``/``team``/``groupChat``). :func:`problems` restates those rules so a package that breaks
one is never written.

The command menu is generated from ``bot/verbs.py``: each verb's word is the command's title (what
Teams types into the compose box) and its chat usage and summary the description; only the order of
the menus and which verbs fit the ten slots are chosen here.

Icons are drawn here with the standard library (a small RGBA PNG writer): the colour icon 192x192, the
outline icon 32x32 white on transparent, as Teams requires.

Nothing here imports the Agents SDK: packaging works on a machine without the bot's dependencies.
"""

from __future__ import annotations

import json
import math
import re
import string
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.settings import Settings
from core.errors import UserInputError

MANIFEST_VERSION = "1.22"
SCHEMA_URL = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
SCOPES = ("personal", "team", "groupChat")
MAX_COMMANDS = 10  # per command list (later schemas allow 12; 10 is safe on every client)
ACCENT = "#2F5D8A"  # COCO's blue: the colour icon's ground and Teams' accent behind it
COLOR_SIZE, OUTLINE_SIZE = 192, 32
PLACEHOLDER_SITE = "https://example.com/coco"  # said so when used: a store listing needs real pages
# Lets the bot read a bound channel's (and group chat's) messages without an @mention, as the Slack bot
# reads a linked channel: "already tried" warnings answer plans said in passing. The team owner consents
# at install; --mentions-only leaves them out.
RSC_PERMISSIONS = ("ChannelMessage.Read.Group", "ChatMessage.Read.Chat")

# Which chat verbs each menu offers, most reached-for first (bot/verbs.py's CHAT_ORDER is the help's
# order). A personal chat has no channel, so channel-only verbs (``link``) stay out of it; a channel has
# its project, so ``project`` and ``me`` stay out of the team menu.
PERSONAL_MENU = ("help", "check", "ask", "phase", "next", "decide", "reproduce", "entries", "project", "me")
CHANNEL_MENU = ("help", "check", "ask", "phase", "next", "decide", "reproduce", "digest", "entries", "pending")

# Where the help's wording reads wrong in a menu ("this list" is the help's own line).
MENU_SUMMARIES = {"help": "what I can do, and how to ask"}

SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
HOST = re.compile(r"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{1,62}$")  # no IPs


# -- the command menu --------------------------------------------------------------------------------------


def _command(name: str) -> dict[str, str]:
    from bot.verbs import chat_usage, verb_named

    verb = verb_named(name)
    if not verb.on_chat:
        raise ValueError(f"{name} is not a chat verb")
    usage = chat_usage(name).removeprefix("/coco ")
    summary = MENU_SUMMARIES.get(name, verb.chat_summary)
    description = f"{usage}: {summary}" if usage != name else summary
    return {"title": name, "description": _cut(description, 128)}


def command_lists() -> list[dict[str, Any]]:
    """The bot's command menus: one for personal chat, one for channels and group chats."""
    return [
        {"scopes": ["personal"], "commands": [_command(n) for n in PERSONAL_MENU]},
        {"scopes": ["team", "groupChat"], "commands": [_command(n) for n in CHANNEL_MENU]},
    ]


# -- the manifest ------------------------------------------------------------------------------------------


def valid_domains(settings: Settings) -> list[str]:
    """Hosts the bot's cards link to (Teams opens them in its browser only when listed): the tracker's
    UI (``COCO_MLFLOW_UI_URL``, else an http(s) ``MLFLOW_TRACKING_URI``; W&B's when it is configured)
    and ``COCO_TEAMS_VALID_DOMAINS``."""
    domains: list[str] = []

    def add(host: str) -> None:
        if host.lower() not in (d.lower() for d in domains):
            domains.append(host)

    for url in (settings.mlflow_ui_url, settings.mlflow_tracking_uri):
        host = urlsplit(url).hostname if url and urlsplit(url).scheme in ("http", "https") else None
        # A loopback or bare-IP tracker (mlflow ui on 127.0.0.1) is no domain Teams could open: left out.
        if host and HOST.match(host):
            add(host)
    wandb = _wandb_ui_host()
    if wandb:
        add(wandb)
    given = [item.strip() for item in (settings.teams_valid_domains or "").split(",") if item.strip()]
    for item in given:
        host = (urlsplit(item).hostname or "") if "://" in item else item.rstrip("/")
        if not HOST.match(host):
            raise UserInputError(
                f"COCO_TEAMS_VALID_DOMAINS lists {item!r}: Teams accepts only domain names "
                "(tracker.example.com or *.example.com)."
            )
        add(host)
    return domains


def _wandb_ui_host() -> str | None:
    """The host W&B run links point to, when W&B is configured (its own variables, as the W&B adapter
    reads them): ``WANDB_BASE_URL``'s host (W&B's cloud API ``api.wandb.ai`` shows runs on ``wandb.ai``),
    or ``wandb.ai`` when only a key is set."""
    import os

    base = os.environ.get("WANDB_BASE_URL", "").strip()
    if not base:
        return "wandb.ai" if os.environ.get("WANDB_API_KEY") else None
    host = urlsplit(base if "://" in base else f"https://{base}").hostname or ""
    host = "wandb.ai" if host == "api.wandb.ai" else host
    return host if HOST.match(host) else None


@dataclass(frozen=True)
class Listing:
    """What the package says about COCO: names, the publisher and its pages, the app's version."""

    version: str
    developer: str = "COCO"
    website_url: str = PLACEHOLDER_SITE
    privacy_url: str | None = None
    terms_url: str | None = None
    short_name: str = "COCO"


def build_manifest(settings: Settings, listing: Listing, *, mentions_only: bool = False) -> dict[str, Any]:
    app_id = (settings.teams_app_id or "").strip()
    if not app_id:
        raise UserInputError("Set COCO_TEAMS_APP_ID (the bot's Entra app id): the package names the bot by it.")
    if not _guid(app_id):
        raise UserInputError(f"COCO_TEAMS_APP_ID must be the Entra app id, a GUID (got {app_id!r}).")
    site = listing.website_url.rstrip("/")
    manifest: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": listing.version,
        "id": app_id,  # the Teams app id: the bot's own, so one id names both
        "developer": {
            "name": listing.developer,
            "websiteUrl": site,
            "privacyUrl": listing.privacy_url or f"{site}/privacy",
            "termsOfUseUrl": listing.terms_url or f"{site}/terms",
        },
        "name": {"short": listing.short_name,
                 "full": f"{listing.short_name}: the experimental narrative of your ML work"},
        "description": {
            "short": "Keeps your team's ML decisions, linked to the runs behind them.",
            "full": (
                "COCO keeps the experimental narrative of ML work on top of MLflow and Weights & Biases. "
                "Send it an end-of-day brain dump in a personal chat: it files one entry linked to the runs "
                "you mean, with their values and tracker links. Ask it what was already tried, why a model "
                "was chosen, what to run next, or what reproducing a run needs; in a bound channel it warns "
                "when a plan was already tried and posts the weekly digest."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [{
            "botId": app_id,
            "scopes": list(SCOPES),
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": command_lists(),
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": valid_domains(settings),
    }
    if not mentions_only:
        manifest["webApplicationInfo"] = {"id": app_id, "resource": f"api://botid-{app_id}"}
        manifest["authorization"] = {"permissions": {"resourceSpecific": [
            {"name": name, "type": "Application"} for name in RSC_PERMISSIONS]}}
    found = problems(manifest)
    if found:
        raise UserInputError(f"The app package would be refused: {found[0]}.")
    return manifest


# -- the rules of schema v1.22 that apply to this manifest ---------------------------------------------------


def _guid(value: Any) -> bool:
    """A GUID in its 8-4-4-4-12 form (what Entra shows as the app id)."""
    try:
        return isinstance(value, str) and len(value) == 36 and str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _colour(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 7 and value[0] == "#" and all(
        c in string.hexdigits for c in value[1:])


def _https(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme == "https" and bool(urlsplit(value).hostname)


def _text(limit: int, *, required: bool = True) -> Callable[[Any], bool]:
    return lambda v: (v is None and not required) or (isinstance(v, str) and 0 < len(v) <= limit)


def problems(manifest: Mapping[str, Any]) -> list[str]:
    """Where ``manifest`` breaks schema v1.22 (as far as the fields COCO writes go); empty when it is valid."""
    out: list[str] = []

    def check(path: str, ok: bool, what: str) -> None:
        if not ok:
            out.append(f"{path} {what}")

    def at(*keys: str) -> Any:
        node: Any = manifest
        for key in keys:
            node = node.get(key) if isinstance(node, Mapping) else None
        return node

    required = ("manifestVersion", "version", "id", "developer", "name", "description", "icons", "accentColor")
    for key in required:
        check(key, key in manifest, "is required")
    allowed = {"$schema", *required, "bots", "permissions", "validDomains", "webApplicationInfo", "authorization",
               "packageName", "localizationInfo", "staticTabs", "configurableTabs", "composeExtensions",
               "devicePermissions", "showLoadingIndicator", "isFullScreen", "defaultInstallScope",
               "defaultGroupCapability", "activities", "meetingExtensionDefinition", "supportedChannelTypes"}
    for key in manifest:
        check(key, key in allowed, "is not a property of the schema")
    check("manifestVersion", manifest.get("manifestVersion") == MANIFEST_VERSION, f"must be {MANIFEST_VERSION}")
    check("version", isinstance(manifest.get("version"), str) and bool(SEMVER.match(manifest["version"])),
          "must be MAJOR.MINOR.PATCH")
    check("id", _guid(manifest.get("id")), "must be a GUID")
    check("developer.name", _text(32)(at("developer", "name")), "must be 1-32 characters")
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        check(f"developer.{key}", _https(at("developer", key)), "must be an https URL")
    check("name.short", _text(30)(at("name", "short")), "must be 1-30 characters")
    check("name.full", _text(100, required=False)(at("name", "full")), "must be at most 100 characters")
    check("description.short", _text(80)(at("description", "short")), "must be 1-80 characters")
    check("description.full", _text(4000)(at("description", "full")), "must be 1-4000 characters")
    for key in ("color", "outline"):
        check(f"icons.{key}", _text(2048)(at("icons", key)), "must name a file in the package")
    check("accentColor", _colour(manifest.get("accentColor")), "must be #RRGGBB")
    bots = manifest.get("bots", [])
    check("bots", isinstance(bots, list) and len(bots) <= 1, "holds at most one bot")
    for i, bot in enumerate(bots if isinstance(bots, list) else []):
        where = f"bots[{i}]"
        check(f"{where}.botId", _guid(bot.get("botId")), "must be a GUID")
        scopes = bot.get("scopes", [])
        check(f"{where}.scopes", isinstance(scopes, list) and 0 < len(scopes) <= 3
              and all(s in SCOPES for s in scopes) and len(set(scopes)) == len(scopes),
              "must be 1-3 of personal, team, groupChat")
        lists = bot.get("commandLists", [])
        check(f"{where}.commandLists", isinstance(lists, list) and len(lists) <= 3, "holds at most 3 lists")
        seen_scopes: list[str] = []
        for j, command_list in enumerate(lists if isinstance(lists, list) else []):
            lwhere = f"{where}.commandLists[{j}]"
            list_scopes = command_list.get("scopes", [])
            check(f"{lwhere}.scopes", bool(list_scopes) and all(s in scopes for s in list_scopes),
                  "must be scopes the bot has")
            seen_scopes += list_scopes
            commands = command_list.get("commands", [])
            check(f"{lwhere}.commands", isinstance(commands, list) and 0 < len(commands) <= MAX_COMMANDS,
                  f"must hold 1-{MAX_COMMANDS} commands")
            titles = [c.get("title") for c in commands]
            check(f"{lwhere}.commands", len(set(titles)) == len(titles), "must have distinct titles")
            for k, command in enumerate(commands):
                check(f"{lwhere}.commands[{k}].title", _text(32)(command.get("title")), "must be 1-32 characters")
                check(f"{lwhere}.commands[{k}].description", _text(128)(command.get("description")),
                      "must be 1-128 characters")
                check(f"{lwhere}.commands[{k}]", set(command) <= {"title", "description"}, "has unknown properties")
        check(f"{where}.commandLists", len(set(seen_scopes)) == len(seen_scopes), "gives a scope two lists")
    domains = manifest.get("validDomains", [])
    check("validDomains", isinstance(domains, list) and len(domains) <= 16, "holds at most 16 domains")
    for i, domain in enumerate(domains if isinstance(domains, list) else []):
        check(f"validDomains[{i}]", isinstance(domain, str) and bool(HOST.match(domain)) and len(domain) <= 2048,
              "must be a host name without scheme or path")
    web_app = manifest.get("webApplicationInfo")
    if web_app is not None:
        check("webApplicationInfo.id", _guid(web_app.get("id")),
              "must be a GUID")
    rsc = at("authorization", "permissions", "resourceSpecific")
    if rsc is not None:
        check("authorization", web_app is not None, "needs webApplicationInfo")
        for i, grant in enumerate(rsc):
            check(f"authorization.permissions.resourceSpecific[{i}]",
                  grant.get("type") in ("Application", "Delegated") and _text(128)(grant.get("name")),
                  "must name a permission and its type")
    return out


# -- icons ---------------------------------------------------------------------------------------------------------


def png(width: int, height: int, pixels: Sequence[Sequence[tuple[int, int, int, int]]]) -> bytes:
    """An 8-bit RGBA PNG of ``pixels`` (rows of (r, g, b, a))."""
    raw = b"".join(b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA, deflate, no filter, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _coverage(size: int, inside: Callable[[float, float], bool], samples: int = 4) -> list[list[float]]:
    """How much of each pixel a shape covers (0-1), by supersampling: smooth edges without a drawing library."""
    step = 1.0 / samples
    offsets = [(i + 0.5) * step for i in range(samples)]
    return [[sum(inside(x + dx, y + dy) for dx in offsets for dy in offsets) / samples**2 for x in range(size)]
            for y in range(size)]


def _c_mark(size: int, *, ring: float, thickness: float) -> Callable[[float, float], bool]:
    """A "C": a ring of radius ``ring`` (fraction of the size) open towards the right."""
    centre = size / 2
    outer, inner = ring * size, ring * size - thickness * size

    def inside(x: float, y: float) -> bool:
        dx, dy = x - centre, y - centre
        distance = math.hypot(dx, dy)
        opening = abs(math.degrees(math.atan2(dy, dx))) < 40  # the gap, centred on the right
        return inner <= distance <= outer and not opening

    return inside


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def color_icon(size: int = COLOR_SIZE) -> bytes:
    """The full-colour icon: a white "C" on an accent-coloured rounded square, transparent corners."""
    centre, half, radius = size / 2, size * 0.46, size * 0.12

    def tile(x: float, y: float) -> bool:
        qx, qy = max(abs(x - centre) - (half - radius), 0.0), max(abs(y - centre) - (half - radius), 0.0)
        return math.hypot(qx, qy) <= radius

    ground = _coverage(size, tile, samples=2)
    mark = _coverage(size, _c_mark(size, ring=0.30, thickness=0.10), samples=2)
    r, g, b = _rgb(ACCENT)
    rows: list[list[tuple[int, int, int, int]]] = []
    for y in range(size):
        row = []
        for x in range(size):
            m = mark[y][x]
            row.append((round(r + (255 - r) * m), round(g + (255 - g) * m), round(b + (255 - b) * m),
                        round(255 * ground[y][x])))
        rows.append(row)
    return png(size, size, rows)


def outline_icon(size: int = OUTLINE_SIZE) -> bytes:
    """The outline icon: the white "C" alone on a transparent ground (Teams tints it)."""
    mark = _coverage(size, _c_mark(size, ring=0.44, thickness=0.14))
    return png(size, size, [[(255, 255, 255, round(255 * m)) for m in row] for row in mark])


# -- the package ---------------------------------------------------------------------------------------------------


def write_package(settings: Settings, out: Path, listing: Listing, *, mentions_only: bool = False) -> dict[str, Any]:
    """Write the zip (manifest.json, color.png, outline.png at its root); return the manifest."""
    manifest = build_manifest(settings, listing, mentions_only=mentions_only)
    files: Mapping[str, bytes] = {
        "manifest.json": json.dumps(manifest, indent=2, ensure_ascii=False).encode(),
        "color.png": color_icon(),
        "outline.png": outline_icon(),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    partial.replace(out)  # never a half-written package where the admin looks
    return manifest


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary_lines(manifest: Mapping[str, Any], out: Path) -> Iterable[str]:
    """What ``coco teams package`` prints."""
    bot = manifest["bots"][0]
    yield f"wrote {out} (manifest {manifest['manifestVersion']}, version {manifest['version']})"
    yield f"bot {bot['botId']}, scopes {', '.join(bot['scopes'])}"
    for command_list in bot["commandLists"]:
        titles = ", ".join(c["title"] for c in command_list["commands"])
        yield f"menu ({'/'.join(command_list['scopes'])}): {titles}"
    yield f"valid domains: {', '.join(manifest['validDomains']) or '(none: set COCO_MLFLOW_UI_URL)'}"
    if manifest["developer"]["websiteUrl"] == PLACEHOLDER_SITE:
        yield f"note: the publisher's pages are {PLACEHOLDER_SITE}; give --website-url for your own"


async def run_cli(settings: Settings, args: Any) -> int:
    """``coco teams package --out FILE [--app-version V] [--website-url URL] [--mentions-only]``."""
    import sys
    from importlib.metadata import PackageNotFoundError, version

    try:
        default_version = version("coco")
    except PackageNotFoundError:  # run from a checkout that was never installed
        default_version = "1.0.0"
    app_version = args.app_version or default_version
    if not SEMVER.match(app_version):
        raise UserInputError(f"--app-version must be MAJOR.MINOR.PATCH, e.g. 1.0.3 (got {app_version!r}).")
    website = args.website_url or PLACEHOLDER_SITE
    if not _https(website):
        raise UserInputError(f"--website-url must be an https URL (got {website!r}).")
    listing = Listing(version=app_version, developer=_cut(args.developer, 32), website_url=website)
    out = Path(args.out)
    manifest = write_package(settings, out, listing, mentions_only=args.mentions_only)
    sys.stdout.write("".join(f"{line}\n" for line in summary_lines(manifest, out)))
    return 0
