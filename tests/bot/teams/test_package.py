"""``coco teams package``: the zip an admin uploads, built through the real command line and read back
with independent readers (zipfile, json, Pillow's PNG decoder)."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.cli import main
from bot.teams.package import (
    CHANNEL_MENU,
    MANIFEST_VERSION,
    MAX_COMMANDS,
    PERSONAL_MENU,
    color_icon,
    outline_icon,
    problems,
)
from bot.verbs import VERBS, verb_named
from tests.bot.teams.entra_fake import APP_ID


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COCO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COCO_TEAMS_APP_ID", APP_ID)
    monkeypatch.setenv("COCO_MLFLOW_UI_URL", "https://mlflow.research.example.com:5000/")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    monkeypatch.setenv("COCO_TEAMS_VALID_DOMAINS", "wandb.ai, https://*.corp.example.com/")
    monkeypatch.delenv("WANDB_BASE_URL", raising=False)
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    return tmp_path


def package(out: Path, *extra: str) -> tuple[int, dict[str, Any], dict[str, bytes]]:
    status = main(["teams", "package", "--out", str(out), *extra])
    if status:
        return status, {}, {}
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        files = {name: archive.read(name) for name in archive.namelist()}
    return status, json.loads(files["manifest.json"]), files


def test_the_package_holds_a_valid_manifest_and_its_icons(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, manifest, files = package(env / "coco-teams.zip")
    assert status == 0
    assert set(files) == {"manifest.json", "color.png", "outline.png"}  # at the root, nothing else
    assert problems(manifest) == []
    assert manifest["manifestVersion"] == MANIFEST_VERSION == "1.22"
    assert manifest["$schema"].endswith(f"/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")
    assert manifest["id"] == APP_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    # The tracker's UI host (no port, no scheme), the given extras; a loopback tracker is no domain.
    assert manifest["validDomains"] == ["mlflow.research.example.com", "wandb.ai", "*.corp.example.com"]
    assert manifest["authorization"]["permissions"]["resourceSpecific"][0]["name"] == "ChannelMessage.Read.Group"
    assert manifest["webApplicationInfo"]["id"] == APP_ID
    printed = capsys.readouterr().out
    assert f"wrote {env / 'coco-teams.zip'}" in printed
    assert "menu (personal): help, check, ask" in printed


@pytest.mark.parametrize(("variables", "host"), [
    ({"WANDB_BASE_URL": "https://api.wandb.ai"}, "wandb.ai"),
    ({"WANDB_API_KEY": "k" * 40}, "wandb.ai"),
    ({"WANDB_BASE_URL": "http://wandb.internal.example.com:8080"}, "wandb.internal.example.com"),
])
def test_a_configured_wandb_server_is_a_valid_domain(
        env: Path, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], host: str) -> None:
    monkeypatch.setenv("COCO_TEAMS_VALID_DOMAINS", "")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    _, manifest, _ = package(env / "coco-teams.zip")
    assert manifest["validDomains"] == ["mlflow.research.example.com", host]


def test_the_command_menus_come_from_the_chat_verbs(env: Path) -> None:
    _, manifest, _ = package(env / "coco-teams.zip")
    lists = {tuple(cl["scopes"]): cl["commands"] for cl in manifest["bots"][0]["commandLists"]}
    assert set(lists) == {("personal",), ("team", "groupChat")}
    chat_verbs = {v.name for v in VERBS if v.on_chat}
    for commands in lists.values():
        assert 0 < len(commands) <= MAX_COMMANDS
        for command in commands:
            assert command["title"] in chat_verbs  # the word the bot parses, typed by the menu
            assert len(command["title"]) <= 32 and len(command["description"]) <= 128
            if command["title"] != "help":
                assert verb_named(command["title"]).chat_summary[:60] in command["description"]
    assert [c["title"] for c in lists[("personal",)]] == list(PERSONAL_MENU)
    assert [c["title"] for c in lists[("team", "groupChat")]] == list(CHANNEL_MENU)
    # What the issue names as Teams commands is on one menu or the other.
    wanted = {"phase", "check", "ask", "next", "decide", "reproduce", "digest", "entries", "project", "me", "help"}
    assert wanted <= set(PERSONAL_MENU) | set(CHANNEL_MENU)
    # A channel-only verb is not offered where it cannot work.
    assert all(not verb_named(name).chat_where for name in PERSONAL_MENU)


def test_the_icons_have_teams_sizes_and_transparency(env: Path) -> None:
    _, _, files = package(env / "coco-teams.zip")
    color = Image.open(io.BytesIO(files["color.png"]))
    outline = Image.open(io.BytesIO(files["outline.png"]))
    assert (color.format, color.size, color.mode) == ("PNG", (192, 192), "RGBA")
    assert (outline.format, outline.size, outline.mode) == ("PNG", (32, 32), "RGBA")
    color.load()
    outline.load()
    # Outline: white only, on a transparent ground, with a visible mark.
    pixels = list(outline.getdata())
    assert {p[:3] for p in pixels} == {(255, 255, 255)}
    alphas = [p[3] for p in pixels]
    assert alphas[0] == 0 and alphas.count(0) > len(alphas) // 3 and max(alphas) == 255
    # Colour: transparent corners around an opaque tile that carries the accent colour and the white mark.
    corner, far_corner, tile = (color.getpixel(xy) for xy in ((0, 0), (191, 191), (96, 20)))
    assert isinstance(corner, tuple) and isinstance(far_corner, tuple)
    assert corner[3] == 0 and far_corner[3] == 0
    assert tile == (47, 93, 138, 255)
    assert (255, 255, 255, 255) in set(color.getdata())
    assert files["color.png"] == color_icon() and files["outline.png"] == outline_icon()  # same every time


def test_mentions_only_asks_for_no_message_permissions(env: Path) -> None:
    _, manifest, _ = package(env / "coco-teams.zip", "--mentions-only", "--app-version", "2.3.4",
                             "--website-url", "https://ml.example.org", "--developer", "Example Research")
    assert "authorization" not in manifest and "webApplicationInfo" not in manifest
    assert manifest["version"] == "2.3.4"
    assert manifest["developer"] == {"name": "Example Research", "websiteUrl": "https://ml.example.org",
                                     "privacyUrl": "https://ml.example.org/privacy",
                                     "termsOfUseUrl": "https://ml.example.org/terms"}
    assert problems(manifest) == []


@pytest.mark.parametrize(("variables", "options", "said"), [
    ({"COCO_TEAMS_APP_ID": ""}, (), "Set COCO_TEAMS_APP_ID"),
    ({"COCO_TEAMS_APP_ID": "coco-bot"}, (), "a GUID"),
    ({"COCO_TEAMS_VALID_DOMAINS": "10.0.0.7"}, (), "only domain names"),
    ({}, ("--app-version", "3"), "MAJOR.MINOR.PATCH"),
    ({}, ("--website-url", "http://ml.example.org"), "https URL"),
])
def test_a_wrong_input_is_one_sentence_and_no_package(
        env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        variables: dict[str, str], options: tuple[str, ...], said: str) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    out = env / "coco-teams.zip"
    status, _, _ = package(out, *options)
    assert status == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def valid() -> dict[str, Any]:
    return {
        "$schema": "x", "manifestVersion": MANIFEST_VERSION, "version": "1.0.0", "id": APP_ID,
        "developer": {"name": "D", "websiteUrl": "https://a.example", "privacyUrl": "https://a.example/p",
                      "termsOfUseUrl": "https://a.example/t"},
        "name": {"short": "COCO"}, "description": {"short": "s", "full": "f"},
        "icons": {"color": "color.png", "outline": "outline.png"}, "accentColor": "#112233",
        "bots": [{"botId": APP_ID, "scopes": ["personal"], "commandLists": [
            {"scopes": ["personal"], "commands": [{"title": "help", "description": "d"}]}]}],
        "validDomains": ["a.example"],
    }


@pytest.mark.parametrize(("break_it", "where"), [
    (lambda m: m.pop("icons"), "icons is required"),
    (lambda m: m.update(manifestVersion="devPreview"), "manifestVersion"),
    (lambda m: m.update(version="1.0"), "version"),
    (lambda m: m.update(id="coco"), "id must be a GUID"),
    (lambda m: m.update(accentColor="blue"), "accentColor"),
    (lambda m: m.update(unknown=1), "unknown is not a property"),
    (lambda m: m["developer"].update(privacyUrl="http://a.example/p"), "developer.privacyUrl"),
    (lambda m: m["name"].update(short="x" * 31), "name.short"),
    (lambda m: m["description"].update(short="x" * 81), "description.short"),
    (lambda m: m["bots"][0].update(scopes=["personal", "copilot"]), "scopes"),
    (lambda m: m["bots"][0]["commandLists"][0].update(commands=[{"title": f"c{i}", "description": "d"}
                                                                for i in range(11)]), "1-10 commands"),
    (lambda m: m["bots"][0]["commandLists"][0]["commands"][0].update(title="x" * 33), "title"),
    (lambda m: m["bots"][0]["commandLists"][0]["commands"][0].update(description="x" * 129), "description"),
    (lambda m: m["bots"][0]["commandLists"][0].update(scopes=["team"]), "scopes the bot has"),
    (lambda m: m.update(validDomains=["https://a.example/x"]), "validDomains[0]"),
    (lambda m: m.update(validDomains=["127.0.0.1"]), "validDomains[0]"),
    (lambda m: m.update(authorization={"permissions": {"resourceSpecific": []}}), "needs webApplicationInfo"),
])
def test_the_rules_catch_what_teams_would_refuse(break_it: Any, where: str) -> None:
    manifest = valid()
    assert problems(manifest) == []
    broken = copy.deepcopy(manifest)
    break_it(broken)
    assert any(where in problem for problem in problems(broken)), problems(broken)
