"""`coco serve slack`: the process around :class:`bot.slack_app.SlackBot` (HTTP or Socket Mode, the
configuration checks, a bounded stop on SIGTERM)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from bot.logs import install_token_redactor
from bot.runtime import freeze_startup_heap, stop_on_signals
from bot.settings import Settings
from bot.slack_app import EVENTS_PATH, build_slack_app

log = logging.getLogger("coco.slack")


async def serve_slack(settings: Settings, *, port: int, host: str = "0.0.0.0",
                      ready: Callable[[str], None] | None = None) -> None:
    """`coco serve slack`: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on ``port``."""
    from core.errors import UserInputError

    install_token_redactor()
    # The event loop acks while engines structure entries in threads. An ack now waits for the
    # database (its driver runs in a thread too), and every hand-over between threads waits for the
    # GIL: at the default 5 ms switch interval a burst's acks queued behind CPU-bound structuring.
    # 1 ms hands the GIL over sooner, for a little more switching overhead.
    sys.setswitchinterval(0.001)
    from bot.slack_oauth import INSTALL_PATH, oauth_mode

    oauth = oauth_mode(settings)
    if settings.slack_bot_token is None and not oauth:
        raise UserInputError("Set SLACK_BOT_TOKEN (the app's xoxb- token) to run the Slack bot, or SLACK_CLIENT_ID "
                             "and SLACK_CLIENT_SECRET to install it in several workspaces (docs/slack.md).")
    socket_mode = settings.slack_app_token is not None
    if not socket_mode and settings.slack_signing_secret is None:
        raise UserInputError("Set SLACK_SIGNING_SECRET (HTTP mode), or SLACK_APP_TOKEN for Socket Mode.")
    bot = build_slack_app(settings)
    await bot.start()
    await bot.warm_up()
    freeze_startup_heap()  # after the warm-up: its imports are start-up's too
    stop = stop_on_signals()
    try:
        if socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
            handler = AsyncSocketModeHandler(bot.app, app_token)
            await handler.connect_async()
            log.info("COCO is connected to Slack (Socket Mode)")
            if ready:
                ready("socket-mode")
            await stop.wait()
            log.info("stopping: closing the Socket Mode connection")
            await handler.close_async()
        else:
            from aiohttp import web

            runner = web.AppRunner(bot.web_app(), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, host=host, port=port)
            await site.start()
            log.info("COCO listens for Slack on http://%s:%d%s", host, port, EVENTS_PATH)
            if oauth:
                log.info("Slack workspaces install COCO from http://%s:%d%s", host, port, INSTALL_PATH)
            if ready:
                ready(f"http://{host}:{port}{EVENTS_PATH}")
            await stop.wait()
            log.info("stopping: closing the HTTP listener")
            await runner.cleanup()
    finally:
        log.info("stopping: finishing work in hand")
        await bot.stop()
        log.info("stopped")
