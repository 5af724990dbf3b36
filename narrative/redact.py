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

import re
from collections.abc import Callable
from typing import Any

_Replacement = str | Callable[[re.Match[str]], str]

def _token_like(value: str) -> bool:
    if value.startswith("[REDACTED"):
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    return (has_digit and has_alpha) or len(value) >= 20


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
        re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s:/@\"']+:)(?P<secret>[^\s@/\"']+)(?P<tail>@)"),
        lambda m: f"{m.group('head')}[REDACTED password]{m.group('tail')}",
    ),
    ("anthropic-key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{10,}"), "[REDACTED api-key]"),
    ("api-key", re.compile(r"\bsk-(?:proj-|live-|test-)?[A-Za-z0-9_\-]{16,}"), "[REDACTED api-key]"),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{8,}"), "[REDACTED slack-token]"),
    ("slack-app-token", re.compile(r"\bxapp-[A-Za-z0-9\-]{8,}"), "[REDACTED slack-token]"),
    ("slack-webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/_\-]+"), "[REDACTED slack-webhook]"),
    (
        "github-token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
        "[REDACTED github-token]",
    ),
    ("aws-access-key", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b"), "[REDACTED aws-key]"),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"), "[REDACTED api-key]"),
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
]

_EMAIL = re.compile(r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b")
_PSEUDONYM = re.compile(r"\[email-\d+\]")


def redact_secrets(text: str) -> str:
    """``text`` with every recognised secret replaced by ``[REDACTED <kind>]``."""
    for _kind, pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


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


__all__ = ["Redactor", "redact", "redact_secrets"]
