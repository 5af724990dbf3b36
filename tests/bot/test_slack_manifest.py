"""Issue 11 point 10: the manifest asks only for scopes COCO uses, and its comment says what its
``socket_mode_enabled`` setting actually is."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
USED = {"app_mentions:read", "channels:history", "groups:history", "im:history", "im:write", "chat:write",
        "commands", "files:write", "users:read", "users:read.email"}


def test_the_manifest_requests_only_scopes_coco_uses_and_docs_justify() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == USED  # im:read was requested and never used
    docs = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    for scope in scopes:
        assert f"| `{scope}` |" in docs, scope
    assert "`im:read`" not in docs


def test_the_manifest_comment_matches_its_socket_mode_setting() -> None:
    text = (ROOT / "manifest.yaml").read_text(encoding="utf-8")
    enabled = yaml.safe_load(text)["settings"]["socket_mode_enabled"]
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert f"(socket_mode_enabled: {str(enabled).lower()})" in header
    assert f"keep socket_mode_enabled: {str(not enabled).lower()}" not in header
