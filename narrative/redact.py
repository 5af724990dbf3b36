"""Privacy: secrets and e-mail addresses are taken out of everything COCO sends to a model.

Brain dumps are pasted from terminals and notebooks, so they carry API keys, connection strings and
tokens more often than one would think. The model never needs them to structure an entry, so they
are replaced by a labelled placeholder before a request is built (``COCO_REDACT``, on by default).

E-mail addresses are replaced by stable pseudonyms (``[email-1]``) within one request, so that the
model can still tell that a run's user and the entry's author are the same person; the pseudonyms
are mapped back locally (``Redactor.restore``) in what the model returns. Secrets are never mapped
back.

The patterns are deliberately specific (a known prefix, or a ``key=value`` shape): run ids (32 hex
characters), git shas, metric values and ordinary prose must pass untouched, or the engine could no
longer link runs or quote numbers.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_Replacement = str | Callable[[re.Match[str]], str]

def _token_like(value: str) -> bool:
    if value.startswith("[REDACTED"):
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    return (has_digit and has_alpha) or len(value) >= 20


def _aws_secret_like(value: str) -> bool:
    return (any(c.isupper() for c in value) and any(c.islower() for c in value)
            and any(c.isdigit() or c in "/+" for c in value))


def _high_entropy(value: str) -> bool:
    """A value that looks generated: letters and digits, and about 3.5 bits of entropy a character."""
    if value.startswith("[REDACTED") or not _token_like(value) or not any(c.isdigit() for c in value):
        return False
    counts = Counter(value)
    bits = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return bits >= 3.5


# Order matters: whole blocks and URLs first, so that a password inside a connection string is not
# half-redacted by the ``password=`` rule.
_PATTERNS: list[tuple[str, re.Pattern[str], _Replacement]] = [
    (
        "private-key",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\Z)",
            re.DOTALL,
        ),
        "[REDACTED private-key]",
    ),
    (
        # scheme://user:password@host -> scheme://user:[REDACTED]@host (the host stays: it is context).
        "connection-string",
        re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]{0,30}://[^\s:/@\"']+:)(?P<secret>[^\s@/\"']+)(?P<tail>@)"),
        lambda m: f"{m.group('head')}[REDACTED password]{m.group('tail')}",
    ),
    ("anthropic-key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{10,}"), "[REDACTED api-key]"),
    ("api-key", re.compile(r"\bsk-(?:proj-|live-|test-)?[A-Za-z0-9_\-]{16,}"), "[REDACTED api-key]"),
    ("slack-token", re.compile(r"\b(?:xoxe\.)?xox[a-z]-[A-Za-z0-9\-]{8,}"), "[REDACTED slack-token]"),
    ("slack-app-token", re.compile(r"\bxapp-[A-Za-z0-9\-]{8,}"), "[REDACTED slack-token]"),
    ("slack-webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_\-]+"), "[REDACTED slack-webhook]"),
    (
        "github-token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
        "[REDACTED github-token]",
    ),
    ("aws-access-key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b"), "[REDACTED aws-key]"),
    (
        # An AWS secret access key: 40 characters of base64, pasted bare next to its key id. Mixed case and
        # a digit or a slash are required, so git shas and run ids (lower-case hex) never match.
        "aws-secret-key",
        re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
        lambda m: "[REDACTED aws-secret-key]" if _aws_secret_like(m.group(0)) else m.group(0),
    ),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"), "[REDACTED api-key]"),
    (
        # A GCP service-account JSON's key id (the key itself is a PEM block, caught above).
        "gcp-key-id",
        re.compile(r"(?P<head>[\"']private_key_id[\"']\s*:\s*[\"'])(?P<secret>[A-Za-z0-9]{16,})"),
        lambda m: f"{m.group('head')}[REDACTED gcp-key-id]",
    ),
    ("huggingface-token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b"), "[REDACTED api-key]"),
    (
        "jwt",
        re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
        "[REDACTED token]",
    ),
    (
        "bearer",
        re.compile(
            r"(?P<head>\b(?:Authorization:\s*(?:Basic|Token|Bearer)|Bearer)\s+)(?P<secret>[A-Za-z0-9_\-.~+/]{12,}=*)",
            re.IGNORECASE,
        ),
        lambda m: f"{m.group('head')}[REDACTED token]",
    ),
    (
        # password=..., pwd: ..., "passwd": "..." -> any value is a secret.
        "password",
        re.compile(
            r"(?P<head>\b(?:[A-Za-z0-9_]*_)?(?:passw(?:or)?d|pwd|passphrase)\b[\"']?\s*[:=]\s*[\"']?)"
            r"(?P<secret>[^\s\"',;]{3,})",
            re.IGNORECASE,
        ),
        lambda m: m.group(0) if m.group("secret").startswith("[REDACTED")
        else f"{m.group('head')}[REDACTED password]",
    ),
    (
        # api_key=..., WANDB_API_KEY=..., "secret": "...", token: ... -> only token-like values, so that
        # "pad_token=0" or "the secret: more data" stay readable.
        "assignment",
        re.compile(
            r"(?P<head>\b(?:[A-Za-z0-9_]*_)?(?:secret|api[_\-]?key|access[_\-]?key|secret[_\-]?key"
            r"|auth[_\-]?token|access[_\-]?token|token|client[_\-]?secret|credentials?)\b[\"']?\s*[:=]\s*[\"']?)"
            r"(?P<secret>[^\s\"',;]{8,})",
            re.IGNORECASE,
        ),
        lambda m: f"{m.group('head')}[REDACTED secret]" if _token_like(m.group("secret")) else m.group(0),
    ),
    (
        # key=..., "key": "..." -> only values that look random (long, letters and digits, high entropy), so
        # that "sort key=val_auc" or "key: the baseline" stay readable.
        "key-assignment",
        re.compile(r"(?P<head>\bkey\b[\"']?\s{0,4}[:=]\s{0,4}[\"']?)(?P<secret>[^\s\"',;]{16,})", re.IGNORECASE),
        lambda m: f"{m.group('head')}[REDACTED secret]" if _high_entropy(m.group("secret")) else m.group(0),
    ),
]

_EMAIL = re.compile(r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b")
_PSEUDONYM = re.compile(r"\[email-\d+\]")


def redact_secrets(text: str) -> str:
    """``text`` with every recognised secret replaced by ``[REDACTED <kind>]``."""
    return _redact_counting(text)[0]


def _redact_counting(text: str) -> tuple[str, list[str]]:
    """``text`` redacted, and the kind of each secret taken out (in the order of the rules)."""
    removed: list[str] = []
    for kind, pattern, replacement in _PATTERNS:
        if kind == "private-key" and "PRIVATE KEY" not in text:
            continue  # the only rule with a lazy ``.*?``: skip its scan when it cannot match

        def swap(match: re.Match[str], kind: str = kind, replacement: _Replacement = replacement) -> str:
            out = replacement if isinstance(replacement, str) else replacement(match)
            if out != match.group(0):
                removed.append(kind)
            return out

        text = pattern.sub(swap, text)
    return text, removed


# How the reply names what it removed (a person reads it; "api-key" would not say whose).
_SAID: dict[str, str] = {
    "private-key": "a private key block",
    "connection-string": "a password in a URL",
    "anthropic-key": "an Anthropic API key",
    "api-key": "an OpenAI API key",
    "slack-token": "a Slack token",
    "slack-app-token": "a Slack app token",
    "slack-webhook": "a Slack webhook URL",
    "github-token": "a GitHub token",
    "aws-access-key": "an AWS access key id",
    "aws-secret-key": "an AWS secret key",
    "google-api-key": "a Google API key",
    "gcp-key-id": "a GCP private key id",
    "huggingface-token": "a Hugging Face token",
    "jwt": "a JSON web token",
    "bearer": "a bearer token",
    "password": "a password",
    "assignment": "a secret value",
    "key-assignment": "a secret key value",
}


@dataclass(frozen=True)
class DoorText:
    """A person's text as COCO may keep it: secrets replaced, and what was removed (for the reply)."""

    text: str
    removed: tuple[str, ...] = ()

    @property
    def sentence(self) -> str:
        """"Removed 2 secrets before saving: a Slack token, an AWS secret key." ("" when none was)."""
        return removed_sentence(self.removed)


def removed_sentence(removed: tuple[str, ...] | list[str]) -> str:
    if not removed:
        return ""
    said = [_SAID.get(kind, "a secret") for kind in removed]
    counted = [f"{name} (x{said.count(name)})" if said.count(name) > 1 else name for name in dict.fromkeys(said)]
    noun = "secret" if len(removed) == 1 else "secrets"
    return f"Removed {len(removed)} {noun} before saving: {', '.join(counted)}."


def redact_at_door(text: str) -> DoorText:
    """Redaction where a person's text first enters COCO (always on, unlike ``COCO_REDACT``, which is
    about what a model sees): a secret pasted into a note never reaches the database, a tracker
    note, a reply or a log. E-mail addresses stay: they are not secrets, and notes name people."""
    if not text:
        return DoorText(text)
    cleaned, removed = _redact_counting(text)
    return DoorText(cleaned, tuple(removed))


class Redactor:
    """Redacts the strings of one request; e-mail pseudonyms are stable within the instance."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._emails: dict[str, str] = {}  # lower-cased address -> pseudonym
        self._originals: dict[str, str] = {}  # pseudonym -> the address as first written

    def text(self, text: str) -> str:
        if not self.enabled or not text:
            return text
        return _EMAIL.sub(self._pseudonym, redact_secrets(text))

    def _pseudonym(self, match: re.Match[str]) -> str:
        email = match.group(0)
        key = email.lower()
        if key not in self._emails:
            self._emails[key] = f"[email-{len(self._emails) + 1}]"
            self._originals[self._emails[key]] = email
        return self._emails[key]

    def obj(self, value: Any) -> Any:
        """Redact every string inside plain JSON-like data (dict keys too: params are named by users)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.obj(k) if isinstance(k, str) else k: self.obj(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.obj(v) for v in value]
        return value

    def restore(self, value: Any) -> Any:
        """Map e-mail pseudonyms in a model's answer back to the addresses (locally; never secrets)."""
        if not self._emails:
            return value
        if isinstance(value, str):
            return _PSEUDONYM.sub(lambda m: self._originals.get(m.group(0), m.group(0)), value)
        if isinstance(value, dict):
            return {k: self.restore(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.restore(v) for v in value]
        return value


def redact(text: str, *, enabled: bool = True) -> str:
    """One-off redaction of a single text (pseudonyms numbered within this text only)."""
    return Redactor(enabled=enabled).text(text)


__all__ = ["DoorText", "Redactor", "redact", "redact_at_door", "redact_secrets", "removed_sentence"]
