"""Logging every front end installs: chat-platform tokens never reach a log line.

A token can surface in any library's log record (an HTTP client logging its headers, an SDK logging a
failed request), so the filter sits on the root handlers and on the loggers that are known to log
them. Patterns cover Slack's bot, user, app and configuration tokens; a new platform adds its own."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_TOKEN = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")
# Loggers whose records may carry a token even when no root handler is installed yet.
TOKEN_LOGGERS = ("slack_bolt", "slack_sdk", "coco")


class TokenRedactor(logging.Filter):
    """Removes Slack tokens from log records, whichever library logs them (tokens are never logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and ("xox" in record.msg or "xapp" in record.msg):
            record.msg = _TOKEN.sub(r"\1-***", record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_TOKEN.sub(r"\1-***", a) if isinstance(a, str) else a for a in args)
        return True


def install_token_redactor(loggers: Iterable[str] = TOKEN_LOGGERS) -> None:
    redactor = TokenRedactor()
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    for name in loggers:
        logging.getLogger(name).addFilter(redactor)
