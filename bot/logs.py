"""Logging every front end installs: chat-platform tokens and request bodies never reach a log line,
and ``coco.log`` is private (0600 in a 0700 home) and size-bounded.

A token can surface in any library's log record (an HTTP client logging its headers, an SDK logging a
failed request), so the filter sits on the root handlers and on the loggers that are known to log
them. Patterns cover Slack's bot, user, app and configuration tokens; a new platform adds its own."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import stat
import sys
from collections.abc import Iterable
from logging.handlers import RotatingFileHandler
from pathlib import Path

_TOKEN = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")
# Loggers whose records may carry a token even when no root handler is installed yet.
TOKEN_LOGGERS = ("slack_bolt", "slack_sdk", "coco")


class TokenRedactor(logging.Filter):
    """Removes tokens and other secrets from log records, whichever library logs them.

    Slack tokens are masked by their own cheap pattern; a record that may carry any other secret
    (a key, a password in a URL, a private key block) goes through ``narrative.redact`` as a whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and ("xox" in record.msg or "xapp" in record.msg):
            record.msg = _TOKEN.sub(r"\1-***", record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_TOKEN.sub(r"\1-***", a) if isinstance(a, str) else a for a in args)
        if record.levelno > logging.DEBUG:
            from narrative.redact import redact_secrets

            try:
                message = record.getMessage()
            except Exception:  # a broken format string: the library's problem, logged as it is
                return True
            cleaned = redact_secrets(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


def install_token_redactor(loggers: Iterable[str] = TOKEN_LOGGERS) -> None:
    redactor = TokenRedactor()
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    for name in loggers:
        logging.getLogger(name).addFilter(redactor)


# -- the log file: private, size-bounded -------------------------------------------------------------

# coco.log is bounded: a long-running bot (or anyone sending it junk) cannot fill the disk.
LOG_MAX_BYTES = 10 * 1024 * 1024
LOG_BACKUPS = 3
# A library's record longer than this is cut: a log line is one line of what happened, never a payload.
LIBRARY_LINE_MAX = 400
_LIBRARY_LOGGERS = ("slack_bolt", "slack_sdk", "coco.slack.bolt", "aiohttp", "httpx", "mlflow")
_BAD_SIGNATURE = "Invalid request signature detected"


def private_dir(path: Path) -> Path:
    """``path`` created as a folder only its owner can read (0700); an existing folder is left as it is."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def make_private(path: Path) -> None:
    """Tighten a file COCO owns to 0600 (best effort: a file someone else owns is theirs to set)."""
    with contextlib.suppress(OSError):
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)


class PrivateRotatingFileHandler(RotatingFileHandler):
    """coco.log: rotated at ``LOG_MAX_BYTES`` (``LOG_BACKUPS`` kept), every file created 0600.

    ``RotatingFileHandler`` opens a fresh file after each rollover with the process umask (0644 by
    default); opening it ourselves with an explicit mode keeps every generation private."""

    def __init__(self, path: Path) -> None:
        make_private(path)
        super().__init__(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return io.TextIOWrapper(io.BufferedWriter(io.FileIO(fd, "a")), encoding=self.encoding, errors=self.errors,
                                line_buffering=False)


class RequestBodyGuard(logging.Filter):
    """Library records say what happened in one short line, never the request behind it.

    Bolt logs the whole body of every badly signed request at INFO ("Invalid request signature
    detected (..., body: ...)"): anyone on the internet could fill the disk with it, and a signed
    body holds people's messages. The line keeps the fact and the size; everything a library logs
    above DEBUG is cut to ``LIBRARY_LINE_MAX`` characters (DEBUG is the operator's explicit choice)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.DEBUG or not record.name.startswith(_LIBRARY_LOGGERS):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a library's broken format string: keep its template only
            message = str(record.msg)
        if message.startswith(_BAD_SIGNATURE):
            message = f"{_BAD_SIGNATURE}: request refused (401); its body ({len(message):,} characters) is not logged"
        elif len(message) > LIBRARY_LINE_MAX:
            message = f"{message[:LIBRARY_LINE_MAX]}… ({len(message) - LIBRARY_LINE_MAX:,} characters not logged)"
        else:
            return True
        record.msg, record.args = message.replace("\n", " "), None
        return True


def log_handlers(home: Path | None, *, verbose: bool) -> list[logging.Handler]:
    """The handlers every COCO process logs through: the private, rotating ``coco.log`` in ``home``
    (when it can be created) and, with ``verbose``, stderr; each drops request bodies and tokens."""
    handlers: list[logging.Handler] = []
    if home is not None:
        with contextlib.suppress(OSError):
            handlers.append(PrivateRotatingFileHandler(private_dir(home) / "coco.log"))
    if verbose:
        stream = logging.StreamHandler(sys.stderr)
        # A notice already written to stderr as one plain line (bot.app.SHOWN_ON_STDERR) is not repeated.
        stream.addFilter(lambda record: not getattr(record, "coco_shown_on_stderr", False))
        handlers.append(stream)
    for handler in handlers:
        handler.addFilter(RequestBodyGuard())
        handler.addFilter(TokenRedactor())
    return handlers
