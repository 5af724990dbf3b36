"""The Slack front end: Bolt in, :class:`bot.conversation.Conversation` in the middle, Block Kit out.

It only translates. Slack payloads become :class:`InboundMessage`s, replies become Web API calls;
everything behind that (the store, the conversation, pacing, the job worker and the digest
scheduler, draining at shutdown) is the platform-neutral :class:`bot.runtime.Runtime`, started with
this module's ``deliver`` and ``post_digest``.

How a request is served, and why:

* Bolt verifies the signature and the timestamp (401 otherwise). The listener then stores the event
  in the durable inbox (``bot.inbox``: raw payload and dedupe key, in the one ``INSERT`` that also
  dedupes it) and only then is Slack answered (``process_before_response=True``): an acked event is
  in the database. A failed store raises, Bolt answers 500, and Slack retries.
* The dedupe key is the ``event_id`` (a command's or click's ``trigger_id``; a modal's view id and
  hash), so Slack's retries (``X-Slack-Retry-Num``, which Bolt does not filter) and duplicate
  deliveries are stored once and do nothing twice.
* The work (engine, tracker, chart) runs afterwards as a task on the same event loop; what is
  CPU-bound runs in a thread. Replies become stored Web API calls (jobs) posted once each
  (``send_owed``: a post carries its job's key in its message metadata, so a retry finds it).
* Posts to one channel are paced by the runtime (about one a second, Slack's guidance) and a 429 is
  retried after its ``Retry-After`` (``AsyncRateLimitErrorRetryHandler``).
* Slack's encoded text (``&amp;``, ``&lt;``, ``&gt;``) and markup (``<@U123>``, ``<#C1|name>``, links)
  become plain text before the conversation sees them (``bot/slack_text.py``); COCO's own mention is
  dropped. Replies are encoded exactly once on the way out (``bot/render_slack.py``).

Slack SDKs are imported lazily: ``coco check`` must not pay for them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from bot.inbox import Owed
from bot.messages import (
    ActionPayload,
    FormSubmission,
    InboundKind,
    InboundMessage,
    Reply,
)
from bot.runtime import Posted, Runtime
from bot.settings import Settings
from narrative.redact import redact_at_door, removed_sentence

if TYPE_CHECKING:
    from aiohttp import web
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.app import NarratorHub
    from bot.nudges import PersonInfo
    from narrative.types import Digest
    from storage.records import InboxRecord

log = logging.getLogger("coco.slack")
PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
PEOPLE_TTL_S = 3600.0
REVISIONS = ("message_changed", "message_deleted")  # a DM edited or deleted after it was sent
# chat.postMessage / chat.postEphemeral into a channel COCO has not joined (no chat:write.public).
NOT_A_MEMBER = ("not_in_channel", "channel_not_found")
# The message metadata type of COCO's replies: its payload's ``key`` names the reply job, so a post
# an earlier attempt made can be found before posting again.
REPLY_METADATA = "coco_reply"


def workspace_key(team_id: str) -> str:
    return f"slack:{team_id}"


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


class SlackBot:
    """The Bolt app of one ``coco serve slack`` and its translation; ``runtime`` does the rest."""

    def __init__(self, settings: Settings, *, hub: NarratorHub | None = None) -> None:
        from slack_bolt.async_app import AsyncApp

        from bot.slack_oauth import SlackClients, build_installs, oauth_mode

        self.settings = settings
        self.client = build_web_client(settings)
        # OAuth (bot/slack_oauth.py): requests are authorized, and each call gets its token, from the install store.
        self.installs = build_installs(settings) if oauth_mode(settings) else None
        self.clients = SlackClients(self.client, self.installs)
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
        self.app: AsyncApp = AsyncApp(
            client=self.client,
            signing_secret=secret,
            # Socket Mode needs no signing secret; HTTP mode refuses to start without one (see serve).
            request_verification_enabled=secret is not None,
            # The listener runs before the HTTP answer (or the Socket Mode ack) so that the event is
            # in the durable inbox first; the listener only stores it (a few ms), the work runs later.
            process_before_response=True,
            logger=logging.getLogger("coco.slack.bolt"),
            oauth_settings=self.installs.oauth_settings if self.installs else None,
        )
        if self.installs is not None:  # app_uninstalled / tokens_revoked delete the workspace's installs
            self.app.enable_token_revocation_listeners()
        self.runtime = Runtime(settings, platform=PLATFORM, front=self, hub=hub,
                               concurrency=settings.slack_concurrency, channel_interval=settings.slack_channel_interval)
        self._people: dict[tuple[str, str], tuple[float, str, str]] = {}
        self._register()

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, *, background: bool = True) -> None:
        """Start the runtime (opening the store) and, unless told not to, its job worker and digest
        scheduler."""
        await self.runtime.start(background=background)

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

        # The trackers' clients too (importing MLflow is seconds of CPU that acks would wait behind).
        await self.runtime.warm_trackers()
        if self.installs is not None:
            return  # no one token to test: each request's workspace is authorized from the store
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
        """Wait until every acked inbound is processed (tests, benches, shutdown)."""
        await self.runtime.drain(timeout=timeout)

    async def stop(self) -> None:
        await self.runtime.stop()
        if self.installs is not None:
            await self.installs.aclose()

    def web_app(self) -> web.Application:
        """The aiohttp application: events, commands and interactivity all on ``/slack/events``."""
        from aiohttp import web

        from bot.slack_guard import guard_middleware

        application = self.app.web_app(path=EVENTS_PATH)
        secret = self.settings.slack_signing_secret
        # Malformed or unsigned bodies are refused (4xx, one log line) before Bolt parses them.
        application.middlewares.append(guard_middleware(
            path=EVENTS_PATH, signing_secret=secret.get_secret_value() if secret else None))

        async def health(_request: web.Request) -> web.Response:
            return web.json_response({"ok": True})

        application.router.add_get("/healthz", health)
        inbox = self.runtime.inbox
        if inbox is not None:
            # Outermost: the whole request (signature, parsing, storing) counts as intake, which the
            # inbox lets go first (``Inbox.intake_begins``: acks before handling).
            @web.middleware
            async def intake(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                             ) -> web.StreamResponse:
                if request.path != EVENTS_PATH:
                    return await handler(request)
                inbox.intake_begins()
                try:
                    return await handler(request)
                finally:
                    inbox.intake_ends()

            application.middlewares.insert(0, intake)
        return application

    # -- Bolt listeners (before the ack: they store the event, nothing more) -------------------------
    def _register(self) -> None:
        app = self.app

        @app.event("message")
        async def on_message(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
            await self._accept("message", body, event, context)

        @app.event("app_mention")
        async def on_mention(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
            await self._accept("mention", body, event, context)

        @app.event("app_home_opened")
        async def on_home(body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]) -> None:
            if event.get("tab", "home") == "home":
                await self._accept("home", body, event, context)

        # Stored first, acked second: a store that fails raises, Bolt answers 500, Slack retries.
        @app.command("/coco")
        async def on_command(ack: Callable[..., Awaitable[Any]], body: dict[str, Any], context: dict[str, Any]) -> None:
            await self._accept("command", body, body, context)
            await ack()

        @app.action(re.compile(r"^coco_"))
        async def on_action(ack: Callable[..., Awaitable[Any]], body: dict[str, Any], context: dict[str, Any]) -> None:
            await self._accept("action", body, body, context)
            await ack()

        @app.view(re.compile(r"^coco_"))
        async def on_view(ack: Callable[..., Awaitable[Any]], body: dict[str, Any], context: dict[str, Any]) -> None:
            await self._accept("form", body, body, context)
            await ack()

    # -- intake: the durable inbox (bot.inbox) ------------------------------------------------------
    async def _accept(self, kind: InboundKind, body: dict[str, Any], event: dict[str, Any],
                      context: dict[str, Any]) -> None:
        """Store the event in the inbox (deduped by its key) before Bolt answers Slack."""
        bot_user = str(context.get("bot_user_id") or "")
        team = str(context.get("team_id") or body.get("team_id") or (body.get("team") or {}).get("id") or "")
        msg = self._inbound(kind, body, event, team=team, bot_user=bot_user)
        if msg is None or self.runtime.inbox is None:
            return  # nothing COCO answers (edits, other bots, its own posts)
        # Secrets pasted into a message never reach the database, the inbox's copy included.
        clean, removed = _without_secrets(body)
        await self.runtime.inbox.accept(workspace_key=workspace_key(team), event_key=msg.event_id, kind=kind,
                                        payload={"body": clean, "team": team, "bot_user": bot_user,
                                                 "removed": removed})

    async def handle_inbound(self, item: InboxRecord) -> list[Owed]:
        """A stored event: translated again from its raw payload, answered by the conversation, and
        each reply rendered as the Web API call that will post it (the runtime stores those as jobs)."""
        payload = item.payload or {}
        body: dict[str, Any] = dict(payload.get("body") or {})
        kind = cast(InboundKind, item.kind)
        team, bot_user = str(payload.get("team") or ""), str(payload.get("bot_user") or "")
        event = dict(body.get("event") or {}) if kind in ("message", "mention", "home") else body
        msg = self._inbound(kind, body, event, team=team, bot_user=bot_user)
        if msg is None:
            return []
        msg.event_id = ""  # deduplicated at the door, by the inbox: a replay must not be dropped

        async def meet(inbound: InboundMessage) -> None:
            if kind in ("message", "mention", "home", "command") or msg.kind == "edited":
                inbound.user_name, inbound.user_email = await self._person(inbound.user_id, team=team)
            await self._plain(inbound, team=team, bot_user=bot_user)

        replies = await self.runtime.converse(msg, prepare=meet)
        if payload.get("removed") and replies:
            # Taken out at intake, so the conversation never saw them: the first reply says so.
            _say_removed(replies[0], tuple(payload["removed"]))
        respond_url = str(body.get("response_url") or "") if kind in ("command", "action") else ""
        trigger = str(body.get("trigger_id") or "")
        owed: list[Owed] = []
        for reply in replies:
            call = self._render(reply, respond_url=respond_url, trigger_id=trigger)
            if call is not None:
                owed.append(Owed(reply=reply, call={**call, "team": team}))  # whose token posts it
        return owed

    def _inbound(self, kind: InboundKind, body: dict[str, Any], event: dict[str, Any], *, team: str,
                 bot_user: str) -> InboundMessage | None:
        key = workspace_key(team)
        if kind == "message" and event.get("subtype") in REVISIONS:
            return _revision(body, event, key=key, bot_user=bot_user)
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

    async def _plain(self, inbound: InboundMessage, *, team: str, bot_user: str) -> None:
        """Slack's encoded text and markup as the plain text the person saw (bot/slack_text.py)."""
        from bot.slack_text import from_slack, plain_text

        async def name_of(user_id: str) -> str:
            return (await self._person(user_id, team=team))[0]

        if inbound.text:
            inbound.text = await plain_text(inbound.text, bot_user=bot_user, name_of=name_of)
        if inbound.command_args:
            inbound.command_args = from_slack(inbound.command_args, bot_user=bot_user)

    async def _person(self, user_id: str, *, team: str) -> tuple[str, str]:
        """The person's display name and e-mail (users.info, cached an hour): the tracker mapping."""
        from slack_sdk.errors import SlackApiError

        cached = self._people.get((team, user_id))
        if cached is not None and time.monotonic() - cached[0] < PEOPLE_TTL_S:
            return cached[1], cached[2]
        client = await self.clients.for_team(team)
        if client is None:
            return "", ""
        try:
            found = await client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info failed: %s", error.response.get("error"))
            return "", ""
        user = found.get("user") or {}
        profile = user.get("profile") or {}
        name = str(profile.get("display_name") or profile.get("real_name") or user.get("name") or "")
        email = str(profile.get("email") or "")
        self._people[(team, user_id)] = (time.monotonic(), name, email)
        return name, email

    async def person_info(self, *, workspace_key: str, user_id: str) -> PersonInfo | None:
        """What the end-of-day nudge needs of a person (bot/nudges.py), from users.info and so within the
        ``users:read`` scope COCO has: ``tz``, admin or owner, and whether the profile's status says away
        (``status_text``/``status_emoji``; users.getPresence would need another scope and says less)."""
        from slack_sdk.errors import SlackApiError

        from bot.nudges import PersonInfo
        from narrative.today import status_says_away

        try:
            found = await self.client.users_info(user=user_id)
        except SlackApiError as error:
            log.warning("users.info failed: %s", error.response.get("error"))
            return None
        user = found.get("user") or {}
        profile = user.get("profile") or {}
        expires = int(profile.get("status_expiration") or 0)
        status_live = not expires or expires > time.time()
        away = status_live and status_says_away(status_text=str(profile.get("status_text") or ""),
                                                status_emoji=str(profile.get("status_emoji") or ""))
        return PersonInfo(timezone=str(user.get("tz") or ""), away=away,
                          is_admin=bool(user.get("is_admin") or user.get("is_owner")),
                          name=str(profile.get("display_name") or profile.get("real_name") or user.get("name") or ""),
                          email=str(profile.get("email") or ""))

    # -- replies out -------------------------------------------------------------------------------
    async def deliver(self, reply: Reply) -> Posted | None:
        """The runtime's delivery (finished entries): a reply with no inbound behind it."""
        return await self._post(reply)

    async def _post(self, reply: Reply, *, respond_url: str = "", trigger_id: str = "") -> Posted | None:
        """Post one reply where it belongs, at once (not through a job)."""
        call = self._render(reply, respond_url=respond_url, trigger_id=trigger_id)
        if call is None:
            return None
        call["workspace_id"] = reply.workspace_id  # whose token posts it
        return await self.send_owed(call, key=uuid.uuid4().hex, look_first=False)

    @staticmethod
    def _render(reply: Reply, *, respond_url: str, trigger_id: str) -> dict[str, Any] | None:
        """The Web API call (JSON only: it is stored in a job) that posts one reply where it belongs."""
        from bot import render_slack

        text = render_slack.fallback_text(reply)
        if reply.target == "modal" and reply.form is not None:
            return {"method": "views.open",
                    "args": {"trigger_id": trigger_id, "view": render_slack.modal_for(reply.form)}}
        if reply.target == "home":
            return {"method": "views.publish",
                    "args": {"user_id": reply.user_id, "view": render_slack.home_view(reply.payload)}}
        blocks = render_slack.blocks_for(reply)
        if reply.target == "ephemeral":
            if respond_url:
                return {"method": "respond", "url": respond_url,
                        "args": {"text": text, "blocks": blocks, "response_type": "ephemeral",
                                 "replace_original": False}}
            return {"method": "chat.postEphemeral", "pace": reply.channel_id, "tell": _tell(reply, respond_url),
                    "args": {"channel": reply.channel_id, "user": reply.user_id, "text": text, "blocks": blocks}}
        if reply.target == "update" and reply.update_message_id:
            return {"method": "chat.update", "pace": reply.channel_id,
                    "args": {"channel": reply.channel_id, "ts": reply.update_message_id, "text": text,
                             "blocks": blocks}}
        channel = reply.user_id if reply.target == "dm" else reply.channel_id
        thread = reply.thread_id if reply.target == "thread" else None
        call: dict[str, Any] = {"method": "chat.postMessage", "pace": channel,
                                "args": {"channel": channel, "thread_ts": thread, "text": text, "blocks": blocks,
                                         "unfurl_links": False, "unfurl_media": False}}
        if reply.target in ("channel", "thread") and reply.user_id:
            call["tell"] = _tell(reply, respond_url)
        return call

    async def send_owed(self, call: dict[str, Any], *, key: str, look_first: bool) -> Posted | None:
        """Make one stored call; where the message landed when one was posted or updated.

        Each ``chat.postMessage`` carries ``key`` in its message metadata (``coco_reply``). With
        ``look_first`` (an earlier attempt may have posted it) the thread or channel is read back
        first and a message with that key is taken as posted. Calls that leave nothing to look for
        (ephemeral messages, ``response_url`` answers, modals, whose ``trigger_id`` lasts 3 s) are
        not made a second time. Slack refusing a call is final (logged); a network failure raises,
        and the job is tried again."""
        from slack_sdk.errors import SlackApiError

        method = str(call.get("method") or "")
        args: dict[str, Any] = dict(call.get("args") or {})
        if look_first and method in ("respond", "chat.postEphemeral", "views.open"):
            log.warning("a %s whose first attempt may have gone out is not made again", method)
            return None
        client = await self.clients.for_call(self.runtime.hub, call)
        if client is None:
            return None  # its workspace uninstalled COCO: nothing more goes there
        if look_first and method == "chat.postMessage":
            found = await self._find_posted(client, args, key=key)
            if found is not None:
                return found
        if call.get("pace"):
            await self.runtime.pace(str(call["pace"]))
        try:
            if method == "respond":
                from slack_sdk.webhook.async_client import AsyncWebhookClient

                await AsyncWebhookClient(str(call.get("url") or "")).send(**args)
                return None
            if method == "views.open":
                await client.views_open(**args)
                return None
            if method == "views.publish":
                await client.views_publish(**args)
                return None
            if method == "chat.postEphemeral":
                await client.chat_postEphemeral(**args)
                return None
            if method == "chat.update":
                await client.chat_update(**args)
                return Posted(channel_id=str(args["channel"]), message_id=str(args["ts"]))
            if method == "chat.postMessage":
                posted = await client.chat_postMessage(
                    **args, metadata={"event_type": REPLY_METADATA, "event_payload": {"key": key}})
                return Posted(channel_id=str(posted.get("channel") or args["channel"]),
                              message_id=str(posted.get("ts") or ""))
        except SlackApiError as error:
            code = error.response.get("error")
            if code in NOT_A_MEMBER and call.get("tell"):
                await self._tell_person(client, dict(call["tell"]), text=str(args.get("text") or ""),
                                        blocks=list(args.get("blocks") or []))
                return None
            log.warning("Slack refused a %s (%s)", method, code)
            return None
        log.warning("unknown stored Slack call %r skipped", method)
        return None

    async def _find_posted(self, client: AsyncWebClient, args: dict[str, Any], *, key: str) -> Posted | None:
        """The message an earlier attempt posted with ``key`` in its metadata, if Slack has it."""
        from slack_sdk.errors import SlackApiError

        channel = str(args.get("channel") or "")
        thread = args.get("thread_ts")
        try:
            if channel[:1] in ("U", "W"):  # a DM addressed to a person: its channel id first
                opened = await client.conversations_open(users=channel)
                channel = str((opened.get("channel") or {}).get("id") or channel)
            if thread:
                found = await client.conversations_replies(channel=channel, ts=str(thread),
                                                           include_all_metadata=True, limit=200)
            else:
                found = await client.conversations_history(channel=channel, include_all_metadata=True,
                                                           limit=100)
        except SlackApiError as error:
            # Nothing to look at: post (a reply seen twice beats a reply never seen).
            log.warning("could not look for an earlier post (%s); posting", error.response.get("error"))
            return None
        for message in found.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == REPLY_METADATA and (metadata.get("event_payload") or {}).get("key") == key:
                return Posted(channel_id=channel, message_id=str(message.get("ts") or ""))
        return None

    async def _tell_person(self, client: AsyncWebClient, tell: dict[str, str], *, text: str,
                           blocks: list[dict[str, Any]]) -> None:
        """A reply for a channel COCO is not a member of (it has no ``chat:write.public``): the person
        gets it privately, through the command's response_url or else in their DM, with what to do."""
        from slack_sdk.errors import SlackApiError

        from bot import render_slack

        channel = tell["channel"]
        hint = (f"I am not a member of <#{channel}>, so I could not post this there (only you see it). "
                f"Invite me with `/invite @COCO` in <#{channel}>: I need to be in a channel to read the "
                "plans announced there and to post its digests.")
        blocks = [render_slack.context(hint), *blocks][:render_slack.MAX_BLOCKS]
        text = f"I am not a member of that channel: invite me with /invite @COCO. {text}"
        try:
            if tell.get("respond_url"):
                from slack_sdk.webhook.async_client import AsyncWebhookClient

                await AsyncWebhookClient(tell["respond_url"]).send(text=text, blocks=blocks, response_type="ephemeral",
                                                                   replace_original=False)
                return
            await self.runtime.pace(tell["user"])
            await client.chat_postMessage(channel=tell["user"], text=text, blocks=blocks, unfurl_links=False)
        except SlackApiError as error:
            log.warning("could not tell %s that COCO is not in a channel: %s", tell["user"],
                        error.response.get("error"))

    async def post_digest(self, *, channel: str, reply: Reply, digest: Digest, chart_png: bytes | None) -> None:
        """A scheduled digest: its blocks, then its chart in the digest's thread (files_upload_v2)."""
        from slack_sdk.errors import SlackApiError

        from bot import render_slack
        from core.errors import DigestNotPostedError

        client = await self.clients.for_workspace(self.runtime.hub, reply.workspace_id)
        if client is None:
            raise DigestNotPostedError("COCO is no longer installed in this Slack workspace.")
        try:
            await self.runtime.pace(channel)
            posted = await client.chat_postMessage(
                channel=channel, text=render_slack.fallback_text(reply), blocks=render_slack.blocks_for(reply),
                unfurl_links=False,
            )
        except SlackApiError as error:  # Slack refused the post: nothing went out, try again later
            code = error.response.get("error")
            if code in NOT_A_MEMBER:
                raise DigestNotPostedError(f"COCO is not a member of channel {channel}: invite it there with "
                                           "/invite @COCO to receive the digest.") from None
            raise DigestNotPostedError(f"Slack refused the digest: {code}") from None
        if chart_png:
            try:
                await client.files_upload_v2(
                    channel=channel, thread_ts=str(posted["ts"]), file=chart_png, filename="coco-digest.png",
                    title=f"{digest.project}: {digest.primary_metric or 'primary metric'} over time by approach",
                    alt_txt=f"Chart of {digest.primary_metric or 'the primary metric'} over time by approach",
                )
            except SlackApiError as error:  # the digest is out; a missing chart is not worth a second copy
                log.warning("the digest chart of %s was not uploaded: %s", digest.project, error.response.get("error"))


def _revision(body: dict[str, Any], event: dict[str, Any], *, key: str, bot_user: str) -> InboundMessage | None:
    """A DM edited (``message_changed``) or deleted (``message_deleted``, or a ``tombstone`` left in
    place of a message that had replies) as an ``edited`` / ``deleted`` inbound about its ``ts``."""
    channel = str(event.get("channel") or "")
    if not (event.get("channel_type") == "im" or channel.startswith("D")):
        return None  # entries are made from DMs only
    now: dict[str, Any] = event["message"] if isinstance(event.get("message"), dict) else {}
    before: dict[str, Any] = event["previous_message"] if isinstance(event.get("previous_message"), dict) else {}
    gone = event.get("subtype") == "message_deleted" or now.get("subtype") == "tombstone"
    user = str(now.get("user") or before.get("user") or "")
    if (now.get("bot_id") or before.get("bot_id")) or (user and user == bot_user):
        return None  # COCO's own messages (and other bots')
    ts = str(event.get("deleted_ts") or now.get("ts") or before.get("ts") or "")
    if not ts or (not gone and not user):
        return None
    return InboundMessage(
        workspace_key=key, platform=PLATFORM, user_id=user, kind="deleted" if gone else "edited",
        channel_id=channel, channel_kind="dm", thread_id=now.get("thread_ts") or before.get("thread_ts"),
        message_id=ts, text="" if gone else str(now.get("text") or ""), event_id=str(body.get("event_id") or ""),
        at=_ts_time(str(event.get("event_ts") or event.get("ts") or "")),
    )


def _ts_time(ts: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(float(ts), dt.UTC)
    except (TypeError, ValueError):
        return None


def build_slack_app(settings: Settings, *, hub: NarratorHub | None = None) -> SlackBot:
    """The Slack bot: ``.app`` is the Bolt ``AsyncApp``; ``start()`` starts its runtime (and opens the store)."""
    return SlackBot(settings, hub=hub)


def _tell(reply: Reply, respond_url: str) -> dict[str, str]:
    """Whom to tell, and how, when a reply cannot go into its channel (COCO is not a member)."""
    return {"user": reply.user_id, "channel": reply.channel_id, "respond_url": respond_url}


# Short strings of payloads found to hold no secret: ids, types, names repeat in every event, and
# redacting each (a dozen regexes) was a sixth of an ack's time in a burst. Only clean strings are
# kept (no secret lives on here), a bounded number, and the cache is dropped whole when full.
_CLEAN_SHORT: set[str] = set()
_CLEAN_SHORT_MAX_LEN = 80
_CLEAN_SHORT_MAX = 20_000


def _without_secrets(value: Any) -> tuple[Any, list[str]]:
    """``value`` (a Slack payload) with every secret in its strings replaced, and what was removed."""
    removed: list[str] = []

    def clean(item: Any) -> Any:
        if isinstance(item, str):
            if item in _CLEAN_SHORT:
                return item
            door = redact_at_door(item)
            if door.removed:
                removed.extend(door.removed)
            elif len(item) <= _CLEAN_SHORT_MAX_LEN:
                if len(_CLEAN_SHORT) >= _CLEAN_SHORT_MAX:
                    _CLEAN_SHORT.clear()
                _CLEAN_SHORT.add(item)
            return door.text
        if isinstance(item, dict):
            return {key: clean(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [clean(inner) for inner in item]
        return item

    return clean(value), removed


def _say_removed(reply: Reply, removed: tuple[str, ...]) -> None:
    """Tell, in ``reply``, which secrets were taken out of the message before it was stored."""
    outcome: Any = reply.payload
    already = getattr(outcome, "removed", None)
    if isinstance(already, tuple):
        outcome.removed = (*removed, *already)  # a LogOutcome: its renderers show the line
    sentence = removed_sentence(list(removed))
    if sentence not in reply.text:
        reply.text = f"{reply.text} {sentence}".strip()
