"""The Slack front end: Bolt in, :class:`bot.conversation.Conversation` in the middle, Block Kit out.

It only translates. Slack payloads become :class:`InboundMessage`s, replies become Web API calls.

How a request is served, and why:

* Bolt verifies the signature and the timestamp (401 otherwise) and the listener acks at once: the
  HTTP answer (or the Socket Mode ack) goes out before anything slow. Events are acked by Bolt
  itself; commands, buttons and modal submissions call ``ack()`` first thing.
* The work (engine, tracker, chart, Web API calls) runs on a **second event loop in its own thread**.
  Structuring a brain dump or matching a plan against the history is CPU work of tens of
  milliseconds; on the loop that answers Slack it would hold back every ack queued behind it. On
  its own thread, the GIL hands the acking loop a slice every few milliseconds.
* The conversation claims each inbound's dedupe key (``event_id``; a command's or click's
  ``trigger_id``; a modal's view id and hash) in the store before anything else, so Slack's retries
  (``X-Slack-Retry-Num``, which Bolt does not filter) and duplicate deliveries do nothing twice.
* Posts to one channel are paced (about one a second, Slack's guidance) and a 429 is retried after
  its ``Retry-After`` (``AsyncRateLimitErrorRetryHandler``).
* The same process runs the job worker (pending entries, then the update of their message) and the
  weekly digest scheduler, both on the work loop.

Slack SDKs are imported lazily: ``coco check`` must not pay for them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import logging
import os
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from bot.conversation import (
    ActionPayload,
    Conversation,
    FormSubmission,
    InboundKind,
    InboundMessage,
    Reply,
)
from bot.settings import Settings

if TYPE_CHECKING:
    from aiohttp import web
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.app import NarratorHub
    from narrative.service import Narrator
    from narrative.types import Digest

log = logging.getLogger("coco.slack")
T = TypeVar("T")
PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
PEOPLE_TTL_S = 3600.0
_TOKEN = re.compile(r"\b(xox[abposr]|xapp)-[A-Za-z0-9-]+")


def workspace_key(team_id: str) -> str:
    return f"slack:{team_id}"


class TokenRedactor(logging.Filter):
    """Removes Slack tokens from log records, whichever library logs them (tokens are never logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and ("xox" in record.msg or "xapp" in record.msg):
            record.msg = _TOKEN.sub(r"\1-***", record.msg)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_TOKEN.sub(r"\1-***", a) if isinstance(a, str) else a for a in args)
        return True


def install_token_redactor() -> None:
    redactor = TokenRedactor()
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    for name in ("slack_bolt", "slack_sdk", "coco"):
        logging.getLogger(name).addFilter(redactor)


class ChannelPacer:
    """About one post a second per channel: each channel's posts queue behind its own lock."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}

    async def turn(self, channel: str) -> None:
        if self.interval <= 0:
            return
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            wait = self._last.get(channel, 0.0) + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last[channel] = time.monotonic()


class WorkLoop:
    """An event loop on its own thread, for everything after the ack."""

    def __init__(self, name: str = "coco-slack-work") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self) -> None:
        self._thread.start()

    def submit(self, work: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(work, self.loop)

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(self.submit(work))

    def stop(self) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
        if not self.loop.is_running():
            self.loop.close()


def build_web_client(settings: Settings) -> AsyncWebClient:
    from slack_sdk.http_retry.builtin_async_handlers import (
        AsyncConnectionErrorRetryHandler,
        AsyncRateLimitErrorRetryHandler,
    )
    from slack_sdk.web.async_client import AsyncWebClient

    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    kwargs: dict[str, Any] = {}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url.rstrip("/") + "/"
    return AsyncWebClient(
        token=token,
        retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=2),
                        AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
        **kwargs,
    )


class SlackDigestPoster:
    """Posts a scheduled digest: its blocks, then its chart in the digest's thread (files_upload_v2)."""

    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot

    async def post_digest(self, *, workspace_id: str, channel: str, digest: Digest, chart_png: bytes | None) -> None:
        from slack_sdk.errors import SlackApiError

        from bot import render_slack
        from bot.scheduler import DigestNotPostedError

        narrator = self.bot.hub.for_workspace_id(workspace_id)
        reply = await self.bot.conversation.digest_reply(narrator, digest)
        try:
            await self.bot.pacer.turn(channel)
            posted = await self.bot.client.chat_postMessage(
                channel=channel, text=render_slack.fallback_text(reply), blocks=render_slack.blocks_for(reply),
                unfurl_links=False,
            )
        except SlackApiError as error:  # Slack refused the post: nothing went out, try again later
            raise DigestNotPostedError(f"Slack refused the digest: {error.response.get('error')}") from None
        if chart_png:
            try:
                await self.bot.client.files_upload_v2(
                    channel=channel, thread_ts=str(posted["ts"]), file=chart_png, filename="coco-digest.png",
                    title=f"{digest.project}: {digest.primary_metric or 'primary metric'} over time by approach",
                    alt_txt=f"Chart of {digest.primary_metric or 'the primary metric'} over time by approach",
                )
            except SlackApiError as error:  # the digest is out; a missing chart is not worth a second copy
                log.warning("the digest chart of %s was not uploaded: %s", digest.project, error.response.get("error"))


class SlackBot:
    """The Bolt app, the work loop and the background loops of one ``coco serve slack``."""

    def __init__(self, settings: Settings, *, hub: NarratorHub | None = None) -> None:
        from slack_bolt.async_app import AsyncApp

        self.settings = settings
        self.client = build_web_client(settings)
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
        self.app: AsyncApp = AsyncApp(
            client=self.client,
            signing_secret=secret,
            # Socket Mode needs no signing secret; HTTP mode refuses to start without one (see serve).
            request_verification_enabled=secret is not None,
            process_before_response=False,
            logger=logging.getLogger("coco.slack.bolt"),
        )
        self.work = WorkLoop()
        self._hub = hub
        self._conversation: Conversation | None = Conversation(hub) if hub is not None else None
        self._owns_hub = hub is None
        self._hub_exit: contextlib.AsyncExitStack | None = None
        self.pacer = ChannelPacer(settings.slack_channel_interval)
        self._people: dict[tuple[str, str], tuple[float, str, str]] = {}
        self._inflight: set[concurrent.futures.Future[None]] = set()
        self._stop = asyncio.Event()
        self._background: list[asyncio.Task[None]] = []
        self._slots: asyncio.Semaphore | None = None
        self._register()

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def hub(self) -> NarratorHub:
        if self._hub is None:
            raise RuntimeError("SlackBot.start() was not called")
        return self._hub

    @property
    def conversation(self) -> Conversation:
        if self._conversation is None:
            raise RuntimeError("SlackBot.start() was not called")
        return self._conversation

    async def start(self, *, background: bool = True) -> None:
        """Start the work loop (opening the store on it) and, unless told not to, the job worker and
        the digest scheduler."""
        self.work.start()
        await self.work.run(self._open(background=background))

    async def _open(self, *, background: bool) -> None:
        from bot.app import open_hub

        self._slots = asyncio.Semaphore(max(1, self.settings.slack_concurrency))
        if self._hub is None:
            self._hub_exit = contextlib.AsyncExitStack()
            self._hub = await self._hub_exit.enter_async_context(open_hub(self.settings))
            self._conversation = Conversation(self._hub)
        if background:
            self._background = [
                asyncio.create_task(self._worker_loop(), name="coco-jobs"),
                asyncio.create_task(self._scheduler(), name="coco-digests"),
            ]

    async def warm_up(self) -> None:
        """Pass one harmless, signed event through Bolt before serving.

        Bolt calls ``auth.test`` lazily, on the first request, and a burst of first requests would
        each call it (and wait for it) before acking. A ``coco_warm_up`` event has no listener, so it
        exercises the request path (signature, authorization, routing) and changes nothing."""
        import hashlib
        import hmac
        import json

        from slack_bolt.request.async_request import AsyncBoltRequest
        from slack_sdk.errors import SlackApiError

        try:
            identity = await self.client.auth_test()
        except SlackApiError as error:
            log.warning("auth.test failed at start-up: %s", error.response.get("error"))
            return
        body = json.dumps({"type": "event_callback", "team_id": identity.get("team_id"), "event_id": "coco-warm-up",
                           "event": {"type": "coco_warm_up"}})
        ts = str(int(time.time()))
        headers: dict[str, str | Sequence[str]] = {"content-type": "application/json", "x-slack-request-timestamp": ts}
        secret = self.settings.slack_signing_secret
        if secret is not None:
            digest = hmac.new(secret.get_secret_value().encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256)
            headers["x-slack-signature"] = "v0=" + digest.hexdigest()
        await self.app.async_dispatch(AsyncBoltRequest(body=body, headers=headers))

    async def drain(self, timeout: float = 60.0) -> None:
        """Wait until every inbound handed to the work loop is done (tests, benches, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._inflight and time.monotonic() < deadline:
            await asyncio.wait([asyncio.wrap_future(f) for f in list(self._inflight)], timeout=1.0)

    async def stop(self) -> None:
        await self.drain(timeout=30.0)
        if self.work.loop.is_running():
            await self.work.run(self._close())
        self.work.stop()

    async def _close(self) -> None:
        self._stop.set()
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._hub_exit is not None:
            await self._hub_exit.aclose()

    def web_app(self) -> web.Application:
        """The aiohttp application: events, commands and interactivity all on ``/slack/events``."""
        from aiohttp import web

        application = self.app.web_app(path=EVENTS_PATH)

        async def health(_request: web.Request) -> web.Response:
            return web.json_response({"ok": True})

        application.router.add_get("/healthz", health)
        return application

    # -- Bolt listeners (on the acking loop: they only hand work over) --------------------------
    def _register(self) -> None:
        app = self.app

        @app.event("message")
        async def on_message(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
            self._hand_over("message", body, event, context)

        @app.event("app_mention")
        async def on_mention(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
            self._hand_over("mention", body, event, context)

        @app.event("app_home_opened")
        async def on_home(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
            if event.get("tab", "home") == "home":
                self._hand_over("home", body, event, context)

        @app.command("/coco")
        async def on_command(ack: Callable[..., Awaitable[Any]], body: dict[str, Any], context: dict[str, Any],
                             respond: Any) -> None:
            await ack()
            self._hand_over("command", body, body, context, respond=respond)

        @app.action(re.compile(r"^coco_"))
        async def on_action(ack: Callable[..., Awaitable[Any]], body: dict[str, Any], context: dict[str, Any],
                            respond: Any) -> None:
            await ack()
            self._hand_over("action", body, body, context, respond=respond)

        @app.view(re.compile(r"^coco_"))
        async def on_view(ack: Callable[..., Awaitable[Any]], body: dict[str, Any], context: dict[str, Any]) -> None:
            await ack()
            self._hand_over("form", body, body, context)

    def _hand_over(self, kind: InboundKind, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any],
                   *, respond: Any = None) -> None:
        bot_user = str(context.get("bot_user_id") or "")
        team = str(context.get("team_id") or body.get("team_id") or (body.get("team") or {}).get("id") or "")
        future = self.work.submit(self._process(kind, body, event, team=team, bot_user=bot_user, respond=respond))
        self._inflight.add(future)
        future.add_done_callback(self._inflight.discard)

    # -- on the work loop -------------------------------------------------------------------------
    async def _process(self, kind: InboundKind, body: dict[str, Any], event: dict[str, Any], *, team: str,
                       bot_user: str, respond: Any) -> None:
        slots = self._slots or asyncio.Semaphore(1)
        try:
            msg = self._inbound(kind, body, event, team=team, bot_user=bot_user)
            if msg is None:
                return
            # The slot bounds the store and tracker work; posting (paced per channel) happens outside it,
            # so a channel's pacing never holds back another person's entry.
            async with slots:
                if kind in ("message", "mention", "home", "command"):
                    msg.user_name, msg.user_email = await self._person(msg.user_id, team=team)
                replies = await self.conversation.handle(msg)
            trigger = str(body.get("trigger_id") or "")
            for reply in replies:
                await self.deliver(reply, respond=respond, trigger_id=trigger)
        except Exception:
            # A listener's failure must not take the process down; the traceback goes to the log.
            log.exception("handling a Slack %s failed", kind)

    def _inbound(self, kind: InboundKind, body: dict[str, Any], event: dict[str, Any], *, team: str,
                 bot_user: str) -> InboundMessage | None:
        key = workspace_key(team)
        if kind in ("message", "mention"):
            if event.get("bot_id") or event.get("subtype") not in (None, "file_share", "thread_broadcast"):
                return None  # edits, joins, other bots (and our own posts)
            user = str(event.get("user") or "")
            if not user or user == bot_user:
                return None
            text = str(event.get("text") or "")
            channel_type = str(event.get("channel_type") or "")
            is_dm = channel_type == "im" or (kind == "message" and str(event.get("channel", "")).startswith("D"))
            if kind == "message" and not is_dm and bot_user and f"<@{bot_user}>" in text:
                return None  # the app_mention event of the same message answers it
            ts = str(event.get("ts") or "")
            return InboundMessage(
                workspace_key=key, platform=PLATFORM, user_id=user, kind=kind, channel_id=str(event.get("channel", "")),
                channel_kind="dm" if is_dm else "channel", thread_id=event.get("thread_ts"), message_id=ts,
                text=text, event_id=str(body.get("event_id") or ""), at=_ts_time(ts),
            )
        if kind == "home":
            return InboundMessage(workspace_key=key, platform=PLATFORM, user_id=str(event.get("user", "")),
                                  kind="home", channel_id=str(event.get("channel", "")),
                                  event_id=str(body.get("event_id") or ""))
        if kind == "command":
            channel = str(body.get("channel_id", ""))
            return InboundMessage(
                workspace_key=key, platform=PLATFORM, user_id=str(body.get("user_id", "")), kind="command",
                user_name=str(body.get("user_name", "")), channel_id=channel,
                channel_kind="dm" if channel.startswith("D") or body.get("channel_name") == "directmessage"
                else "channel",
                command_args=str(body.get("text") or ""), event_id=f"command:{body.get('trigger_id', '')}",
                at=dt.datetime.now(dt.UTC),
            )
        user = str((body.get("user") or {}).get("id", ""))
        if kind == "action":
            actions = body.get("actions") or [{}]
            container = body.get("container") or {}
            message = body.get("message") or {}
            channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
            from bot.render_slack import action_id_base

            first = actions[0]
            return InboundMessage(
                workspace_key=key, platform=PLATFORM, user_id=user, kind="action", channel_id=channel,
                channel_kind="dm" if channel.startswith("D") else "channel",
                event_id=f"action:{body.get('trigger_id') or first.get('action_ts', '')}",
                action=ActionPayload(
                    action_id=action_id_base(str(first.get("action_id", ""))), value=str(first.get("value") or ""),
                    message_id=str(container.get("message_ts") or message.get("ts") or ""), channel_id=channel,
                    thread_id=message.get("thread_ts"),
                ),
            )
        from bot.render_slack import form_values

        view = body.get("view") or {}
        values, metadata = form_values(view)
        return InboundMessage(
            workspace_key=key, platform=PLATFORM, user_id=user, kind="form", channel_id=metadata.get("channel", ""),
            channel_kind="dm" if metadata.get("channel", "").startswith("D") else "channel",
            event_id=f"view:{view.get('id', '')}:{view.get('hash', '')}",
            form=FormSubmission(form_id=str(view.get("callback_id", "")), values=values, metadata=metadata),
        )

    async def _person(self, user_id: str, *, team: str) -> tuple[str, str]:
        """The person's display name and e-mail (users.info, cached an hour): the tracker mapping."""
        from slack_sdk.errors import SlackApiError

        cached = self._people.get((team, user_id))
        if cached is not None and time.monotonic() - cached[0] < PEOPLE_TTL_S:
            return cached[1], cached[2]
        try:
            found = await self.client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info failed: %s", error.response.get("error"))
            return "", ""
        user = found.get("user") or {}
        profile = user.get("profile") or {}
        name = str(profile.get("display_name") or profile.get("real_name") or user.get("name") or "")
        email = str(profile.get("email") or "")
        self._people[(team, user_id)] = (time.monotonic(), name, email)
        return name, email

    async def deliver(self, reply: Reply, *, respond: Any = None, trigger_id: str = "") -> str | None:
        """Post one reply where it belongs; returns the posted message's ts (when there is one)."""
        from slack_sdk.errors import SlackApiError

        from bot import render_slack

        client = self.client
        text = render_slack.fallback_text(reply)
        try:
            if reply.target == "modal" and reply.form is not None:
                await client.views_open(trigger_id=trigger_id, view=render_slack.modal_for(reply.form))
                return None
            if reply.target == "home":
                await client.views_publish(user_id=reply.user_id, view=render_slack.home_view(reply.payload))
                return None
            blocks = render_slack.blocks_for(reply)
            if reply.target == "ephemeral":
                if respond is not None:
                    await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
                    return None
                await self.pacer.turn(reply.channel_id)
                await client.chat_postEphemeral(channel=reply.channel_id, user=reply.user_id, text=text, blocks=blocks)
                return None
            if reply.target == "update" and reply.update_message_id:
                await self.pacer.turn(reply.channel_id)
                await client.chat_update(channel=reply.channel_id, ts=reply.update_message_id, text=text, blocks=blocks)
                await self.conversation.remember(reply, channel_id=reply.channel_id, message_id=reply.update_message_id)
                return reply.update_message_id
            channel = reply.user_id if reply.target == "dm" else reply.channel_id
            thread = reply.thread_id if reply.target == "thread" else None
            await self.pacer.turn(channel)
            posted = await client.chat_postMessage(channel=channel, thread_ts=thread, text=text, blocks=blocks,
                                                   unfurl_links=False, unfurl_media=False)
            ts = str(posted.get("ts") or "")
            await self.conversation.remember(reply, channel_id=str(posted.get("channel") or channel), message_id=ts)
            return ts
        except SlackApiError as error:
            log.warning("Slack refused a %s reply (%s): %s", reply.kind, reply.target, error.response.get("error"))
            return None

    # -- background loops (on the work loop) ------------------------------------------------------
    async def finish_pending(self) -> int:
        """One pass of the job worker: finish pending entries, then update their messages."""
        from bot.worker import run_due_jobs

        updated = 0
        for narrator in await self.hub.narrators(platform=PLATFORM):
            await run_due_jobs(narrator, worker=_worker_name("jobs"))
            for reply in await self.conversation.finished_updates(narrator):
                if await self.deliver(reply) is not None:
                    updated += 1
        return updated

    async def _worker_loop(self) -> None:
        while not self._stop.is_set():
            try:
                await self.finish_pending()
            except Exception:
                log.exception("the job worker pass failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.settings.worker_interval)

    async def _narrators(self) -> AsyncIterator[Narrator]:
        for narrator in await self.hub.narrators(platform=PLATFORM):
            yield narrator

    async def _scheduler(self) -> None:
        from bot.scheduler import scheduler_loop

        await scheduler_loop(self._narrators, SlackDigestPoster(self), interval=self.settings.worker_interval,
                             stop=self._stop, worker=_worker_name("digests"))

    async def run_digests(self, *, now: dt.datetime | None = None) -> list[str]:
        """One pass of the digest scheduler (what the background loop does every interval)."""
        from bot.scheduler import run_due_digests

        done: list[str] = []
        for narrator in await self.hub.narrators(platform=PLATFORM):
            done += await run_due_digests(narrator, SlackDigestPoster(self), now=now, worker=_worker_name("digests"))
        return done


def _worker_name(role: str) -> str:
    return f"slack-{role}:{socket.gethostname()}:{os.getpid()}"


def _ts_time(ts: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(float(ts), dt.UTC)
    except (TypeError, ValueError):
        return None


def build_slack_app(settings: Settings, *, hub: NarratorHub | None = None) -> SlackBot:
    """The Slack bot: ``.app`` is the Bolt ``AsyncApp``; ``start()`` opens the store on the work loop."""
    return SlackBot(settings, hub=hub)


async def serve_slack(settings: Settings, *, port: int, host: str = "0.0.0.0",
                      ready: Callable[[str], None] | None = None) -> None:
    """`coco serve slack`: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on ``port``."""
    from core.errors import UserInputError

    install_token_redactor()
    if settings.slack_bot_token is None:
        raise UserInputError("Set SLACK_BOT_TOKEN (the app's xoxb- token) to run the Slack bot.")
    socket_mode = settings.slack_app_token is not None
    if not socket_mode and settings.slack_signing_secret is None:
        raise UserInputError("Set SLACK_SIGNING_SECRET (HTTP mode), or SLACK_APP_TOKEN for Socket Mode.")
    bot = build_slack_app(settings)
    await bot.start()
    await bot.warm_up()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
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
            await handler.close_async()
        else:
            from aiohttp import web

            runner = web.AppRunner(bot.web_app(), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, host=host, port=port)
            await site.start()
            log.info("COCO listens for Slack on http://%s:%d%s", host, port, EVENTS_PATH)
            if ready:
                ready(f"http://{host}:{port}{EVENTS_PATH}")
            await stop.wait()
            await runner.cleanup()
    finally:
        await bot.stop()
