"""The Teams front end: the Agents SDK's hosting in, :class:`bot.conversation.Conversation` in the
middle, Adaptive Cards out.

It only translates (:mod:`bot.teams.translate` in, :mod:`bot.teams.cards` out); everything behind that
(the store, the conversation, the job worker and the digest scheduler, draining at shutdown) is the
platform-neutral :class:`bot.runtime.Runtime`, started with this module's ``deliver`` and
``post_digest``.

How a request is served, and why:

* ``POST /api/messages`` goes through :class:`bot.teams.auth.TeamsAuth`'s middleware (401 for a token
  that is not the Bot Connector's, before anything runs), then the SDK's ``CloudAdapter`` (the
  ``start_agent_process`` path), which runs one turn of :class:`TeamsBot` (an SDK ``Agent``).
* The turn of a message only hands work over (``Runtime.submit``) and returns: the SDK answers 202
  only after the turn, and the connector gives up after 15 s, so nothing slow happens in it. The work
  (store, tracker, engine, posting) runs afterwards on the same loop.
* A Universal Action (``adaptiveCard/action`` invoke) must be answered in its own HTTP response (the
  card that replaces the clicked one). Its work starts the same way; the turn waits for it up to
  :data:`INVOKE_WAIT` seconds and answers with the resulting card, else with "working on it" and the
  card is updated when the work is done.
* Each activity's id is its dedupe key, claimed in the store first: a redelivery does nothing twice.
* Every conversation COCO hears from is remembered (its conversation reference, in COCO's database,
  ``coco_teams_conversation``): replies, the job worker's updates and the weekly digest are sent from
  it through the SDK's proactive turn (:class:`bot.teams.outbox.Outbox`), paced per conversation and
  retried on 429/412/502/504.

Agents SDK packages are imported lazily: ``coco check`` must not pay for them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.logs import install_token_redactor
from bot.messages import InboundMessage, Reply
from bot.runtime import Posted, Runtime, stop_on_signals
from bot.settings import Settings
from bot.teams import cards, translate
from bot.teams.translate import PLATFORM

if TYPE_CHECKING:
    from aiohttp import web
    from microsoft_agents.hosting.aiohttp import CloudAdapter
    from microsoft_agents.hosting.core import TurnContext
    from microsoft_agents.hosting.core.connector import ConnectorClientBase

    from bot.app import NarratorHub
    from bot.teams.auth import TeamsAuth
    from bot.teams.outbox import Outbox
    from narrative.types import Digest
    from storage.records import TeamsConversationRecord

log = logging.getLogger("coco.teams")
MESSAGES_PATH = "/api/messages"
INVOKE_WAIT = 8.0  # seconds an invoke's turn waits for its card (the connector waits 15 s in all)
CONCURRENCY = 8  # inbound messages worked on at once, after their ack (as Slack's default)
WORKING = "Working on it: I will update this card."
PEOPLE_TTL_S = 3600.0  # how long a person's e-mail from the roster is reused


@dataclass
class Origin:
    """The inbound behind a batch of replies: its workspace, its conversation's reference, and the
    card an invoke clicked (whose replacement the invoke's HTTP answer carries)."""

    workspace_id: str
    record: TeamsConversationRecord
    card_id: str = ""
    thread: str | None = None  # where "only you" and forms go in a channel: the inbound's thread
    handoff: asyncio.Future[Reply | None] | None = field(default=None, repr=False)


class TeamsBot:
    """The SDK agent of one ``coco serve teams`` and its translation; ``runtime`` does the rest."""

    def __init__(self, settings: Settings, *, hub: NarratorHub | None = None, auth: TeamsAuth | None = None) -> None:
        from microsoft_agents.hosting.aiohttp import CloudAdapter

        from bot.teams.auth import TeamsAuth
        from bot.teams.outbox import Outbox

        self.settings = settings
        self.auth = auth or TeamsAuth.from_settings(settings)
        self.adapter: CloudAdapter = CloudAdapter(connection_manager=self.auth.connections)

        async def turn_failed(_context: TurnContext, error: Exception) -> None:
            # The SDK's default posts "Exception caught: ..." into the conversation: never to a person.
            raise error

        self.adapter.on_turn_error = turn_failed
        self.outbox: Outbox = Outbox(self.adapter, app_id=self.auth.app_id)
        self.runtime = Runtime(settings, platform=PLATFORM, front=self, hub=hub, concurrency=CONCURRENCY,
                               channel_interval=0.0)  # pacing is the outbox's (Teams' own windows)
        # Conversation references already stored by this process (key -> service URL): one write each.
        self._stored: dict[tuple[str, str], str] = {}
        self._people: dict[tuple[str, str], tuple[float, str]] = {}  # (workspace, user) -> (when, e-mail)

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, *, background: bool = True) -> None:
        await self.runtime.start(background=background)

    async def warm_up(self) -> None:
        """Fetch the bot's outgoing token and the token-signing keys before serving.

        Both are cached afterwards; fetched lazily, the first burst of requests would each wait for
        them (seconds: MSAL asks the authority synchronously, on the loop). A failure here is only
        logged: the requests fetch them again, and the log says why they fail."""
        import jwt
        from microsoft_agents.hosting.core.authorization.authentication_constants import AuthenticationConstants
        from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import BOTFRAMEWORK_JWKS_URIS

        try:
            await self.auth.outgoing_token()
        except Exception as error:  # the authority is down or refuses the secret: the log says which
            log.warning("the bot's token could not be fetched at start-up: %s", error)
        issuer = AuthenticationConstants.AGENTS_SDK_TOKEN_ISSUER
        jwks = self.settings.teams_jwks_url or BOTFRAMEWORK_JWKS_URIS.get(issuer)
        if jwks:
            # An unknown kid makes the key client fetch the whole set (and cache it), then refuse.
            with contextlib.suppress(jwt.PyJWTError, OSError):
                await self.auth.keys.get_signing_key(jwks, {"kid": "coco-warm-up"})

    async def drain(self, timeout: float = 60.0) -> None:
        await self.runtime.drain(timeout=timeout)

    async def stop(self) -> None:
        await self.runtime.stop()

    def web_app(self) -> web.Application:
        """``POST /api/messages`` behind the token check; ``GET /healthz`` open."""
        from aiohttp import web
        from microsoft_agents.hosting.aiohttp import start_agent_process

        application = web.Application(middlewares=[self.auth.middleware()])
        application["agent_configuration"] = self.auth.configuration

        async def messages(request: web.Request) -> web.StreamResponse:
            response = await start_agent_process(request, self, self.adapter)  # type: ignore[arg-type]
            return response if response is not None else web.Response(status=202)

        async def health(_request: web.Request) -> web.Response:
            return web.json_response({"ok": True})

        application.router.add_post(MESSAGES_PATH, messages)
        application.router.add_get("/healthz", health)
        return application

    # -- the SDK's turn (before the HTTP answer: it only hands work over) -----------------------
    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity.model_dump(by_alias=True, exclude_none=True, mode="json")
        kind = activity.get("type")
        if not translate.tenant_of(activity):
            log.info("a Teams %s without a tenant was ignored", kind)
            return
        if kind == "invoke":
            await self._invoke(context, activity)
            return
        if kind in ("message", "conversationUpdate", "installationUpdate"):
            self.runtime.submit(self._process(activity))

    async def _invoke(self, context: TurnContext, activity: dict[str, Any]) -> None:
        from microsoft_agents.activity import Activity, InvokeResponse

        loop = asyncio.get_running_loop()
        handoff: asyncio.Future[Reply | None] = loop.create_future()
        self.runtime.submit(self._process(activity, handoff=handoff))
        try:
            reply = await asyncio.wait_for(asyncio.shield(handoff), timeout=INVOKE_WAIT)
        except TimeoutError:
            handoff.cancel()  # the work goes on and updates the card itself
            reply = None
            body: dict[str, Any] = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                                    "value": WORKING}
        else:
            body = _invoke_body(reply)
        await context.send_activity(Activity(type="invokeResponse", value=InvokeResponse(status=200, body=body)))

    # -- after the HTTP answer ------------------------------------------------------------------
    async def _process(self, activity: dict[str, Any], *, handoff: asyncio.Future[Reply | None] | None = None) -> None:
        try:
            origin = await self._remember(activity)
            msg = translate.inbound(activity)
            if msg is None:
                return
            origin.thread = msg.thread_id or msg.message_id or None
            if handoff is not None:
                origin.card_id = str(activity.get("replyToId") or "")
                origin.handoff = handoff
            replies = await self.runtime.converse(msg, prepare=self._meet(origin))

            async def deliver(reply: Reply) -> Posted | None:
                return await self._post(reply, origin=origin)

            await self.runtime.deliver_all(replies, deliver)
        except Exception:
            # A turn's failure must not take the process down; the traceback goes to the log.
            log.exception("handling a Teams %s failed", activity.get("type"))
        finally:
            if handoff is not None and not handoff.done():
                handoff.set_result(None)

    async def _remember(self, activity: dict[str, Any]) -> Origin:
        """Store the conversation's reference (once per process, again if its service URL moved)."""
        record = translate.reference_record(activity)
        narrator = await self.runtime.hub.narrator(translate.workspace_key(translate.tenant_of(activity)),
                                                   platform=PLATFORM)
        record = record.model_copy(update={"workspace_id": narrator.workspace_id})
        key = (narrator.workspace_id, record.conversation_key)
        if record.service_url and self._stored.get(key) != record.service_url:
            await narrator.remember_teams_conversation(record)
            self._stored[key] = record.service_url
        return Origin(workspace_id=narrator.workspace_id, record=record)

    def _meet(self, origin: Origin) -> Callable[[InboundMessage], Any]:
        async def meet(inbound: InboundMessage) -> None:
            # Teams sends the person's name, never their e-mail; the roster has it (tracker mapping).
            if inbound.kind in ("message", "mention", "command") and not inbound.user_email:
                inbound.user_email = await self._email(origin, inbound.user_id)

        return meet

    async def _email(self, origin: Origin, user_id: str) -> str:
        """The person's e-mail from the conversation's roster (kept an hour): the tracker mapping."""
        cached = self._people.get((origin.workspace_id, user_id))
        if cached is not None and time.monotonic() - cached[0] < PEOPLE_TTL_S:
            return cached[1]
        email = await self._roster_email(origin, user_id)
        self._people[(origin.workspace_id, user_id)] = (time.monotonic(), email)
        return email

    async def _roster_email(self, origin: Origin, user_id: str) -> str:
        from aiohttp import ClientError

        async def member(client: ConnectorClientBase) -> Any:
            return await client.conversations.get_conversation_member(
                translate.split_conversation(str(origin.record.reference["conversation"]["id"]))[0], user_id)

        try:
            found = await self.outbox.run(origin.record.reference, member, pace_key=None, what="a member lookup")
        except (ClientError, ValueError, RuntimeError) as error:
            log.info("the roster lookup of a Teams member failed: %s", error)
            return ""
        data = found.model_dump(by_alias=True) if hasattr(found, "model_dump") else dict(found or {})
        return str(data.get("email") or data.get("userPrincipalName") or "")

    # -- replies out -------------------------------------------------------------------------------
    async def deliver(self, reply: Reply) -> Posted | None:
        """The runtime's delivery (finished entries): a reply with no inbound behind it."""
        return await self._post(reply, origin=None)

    async def _post(self, reply: Reply, *, origin: Origin | None) -> Posted | None:
        """Post (or update) one reply where it belongs; where it landed when a message went out."""
        from aiohttp import ClientError

        if reply.target == "home":
            return None  # Teams has no App Home; the same lists answer `entries` and `me`
        if origin is not None and origin.handoff is not None and not origin.handoff.done() and _fits_invoke(
                reply, origin.card_id):
            origin.handoff.set_result(reply)  # the invoke's HTTP answer carries it, in place of the card
            return Posted(channel_id=reply.channel_id, message_id=origin.card_id) if origin.card_id else None
        record = await self._record_for(reply, origin)
        if record is None:
            log.warning("no Teams conversation known for %s; a %s reply was dropped", reply.channel_id, reply.kind)
            return None
        key = record.conversation_key
        conversation = str(record.reference["conversation"]["id"])
        body = _activity(reply, record)
        try:
            if reply.target == "update" and reply.update_message_id:
                message_id = reply.update_message_id
                await self._send(record, "update", conversation, body, message_id=message_id)
                return Posted(channel_id=key, message_id=message_id)
            thread = reply.thread_id if reply.target in ("thread", "ephemeral", "modal") else None
            if thread is None and origin is not None and reply.target in ("ephemeral", "modal"):
                thread = origin.thread  # Teams has no "only you": answer in the asker's thread
            if record.kind == "channel" and thread:
                conversation = f"{conversation};messageid={thread}"  # a reply in the channel's thread
            elif record.kind != "channel" and thread and reply.target == "thread":
                body["replyToId"] = thread  # a chat has no threads: the card quotes the message it answers
            found = await self._send(record, "send", conversation, body)
            return Posted(channel_id=key, message_id=str(getattr(found, "id", "") or ""))
        except (ClientError, ValueError, RuntimeError) as error:
            log.warning("the connector refused a %s reply (%s): %s", reply.kind, reply.target, error)
            return None

    async def _record_for(self, reply: Reply, origin: Origin | None) -> TeamsConversationRecord | None:
        """The conversation a reply goes to: the person's personal chat for ``dm``, else its channel."""
        workspace_id = reply.workspace_id or (origin.workspace_id if origin else "")
        if not workspace_id:
            return None
        narrator = self.runtime.hub.for_workspace_id(workspace_id)
        if reply.target == "dm":
            personal = await narrator.personal_teams_conversation(reply.user_id)
            if personal is not None:
                return personal
        if origin is not None and reply.channel_id in ("", origin.record.conversation_key):
            return origin.record
        return await narrator.teams_conversation(reply.channel_id)

    async def _send(self, record: TeamsConversationRecord, how: str, conversation: str, body: dict[str, Any], *,
                    message_id: str = "") -> Any:
        from microsoft_agents.activity import Activity

        activity = Activity.model_validate(body)

        async def operation(client: ConnectorClientBase) -> Any:
            if how == "update":
                activity.id = message_id
                return await client.conversations.update_activity(conversation, message_id, activity)
            return await client.conversations.send_to_conversation(conversation, activity)

        return await self.outbox.run(record.reference, operation, pace_key=record.conversation_key,
                                     what=f"a {how} in {record.conversation_key}")

    async def post_digest(self, *, channel: str, reply: Reply, digest: Digest, chart_png: bytes | None) -> None:
        """A scheduled digest in the bound channel (a new post), its chart in the post's thread."""
        from aiohttp import ClientError

        from core.errors import DigestNotPostedError

        narrator = self.runtime.hub.for_workspace_id(reply.workspace_id)
        record = await narrator.teams_conversation(channel)
        if record is None:
            raise DigestNotPostedError(
                f"COCO has not heard from Teams channel {channel} yet (mention it there once), so it cannot post "
                "the digest there.")
        conversation = str(record.reference["conversation"]["id"])
        try:
            found = await self._send(record, "send", conversation, _activity(reply, record))
        except (ClientError, ValueError, RuntimeError) as error:  # nothing went out: try again later
            raise DigestNotPostedError(f"Teams refused the digest: {error}") from None
        if not chart_png:
            return
        thread = str(getattr(found, "id", "") or "")
        chart = {
            "type": "message", "summary": f"Chart of {digest.primary_metric or 'the primary metric'}",
            "attachments": [{"contentType": cards.CARD_CONTENT_TYPE, "content": cards.card([
                cards.text_block(f"**{cards.escape(digest.project)}**: {cards.escape(digest.primary_metric or '')} "
                                 "over time by approach"),
                {"type": "Image", "url": "data:image/png;base64," + base64.b64encode(chart_png).decode(),
                 "altText": f"Chart of {digest.primary_metric or 'the primary metric'} over time by approach"},
            ])}],
        }
        where = f"{conversation};messageid={thread}" if thread and record.kind == "channel" else conversation
        try:
            await self._send(record, "send", where, chart)
        except (ClientError, ValueError, RuntimeError) as error:  # the digest is out; no second copy for a chart
            log.warning("the digest chart of %s was not posted: %s", digest.project, error)


def _fits_invoke(reply: Reply, card_id: str) -> bool:
    """Whether a reply is the clicked card's replacement: a form, or an update of that very card."""
    if reply.target == "modal" and reply.form is not None:
        return True
    return reply.target == "update" and bool(card_id) and reply.update_message_id in (card_id, None)


def _invoke_body(reply: Reply | None) -> dict[str, Any]:
    if reply is None:
        return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": "Done."}
    return {"statusCode": 200, "type": cards.CARD_CONTENT_TYPE, "value": cards.card_for(reply)}


def _activity(reply: Reply, record: TeamsConversationRecord) -> dict[str, Any]:
    """The message activity of a reply: its card, and its text as the notification summary."""
    reference = record.reference
    return {
        "type": "message",
        "channelId": reference.get("channelId") or "msteams",
        "from": reference.get("bot") or {},
        "conversation": reference.get("conversation") or {},
        "summary": cards.fallback_text(reply),
        "attachments": [cards.attachment(reply)],
    }


def build_teams_app(settings: Settings, *, hub: NarratorHub | None = None) -> TeamsBot:
    return TeamsBot(settings, hub=hub)


async def serve_teams(settings: Settings, *, port: int, host: str = "0.0.0.0") -> int:
    """`coco serve teams`: the SDK's hosting on ``port`` until SIGINT or SIGTERM."""
    import sys

    from aiohttp import web

    install_token_redactor()
    # The SDK logs every token acquisition and send at INFO: thousands of lines an hour for nothing.
    for noisy in ("microsoft_agents", "msal"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    bot = build_teams_app(settings)  # a plain sentence (UserInputError) when a COCO_TEAMS_* variable is wrong
    loop = asyncio.get_running_loop()
    # The engine's CPU work and the token check's key lookup share the loop's default thread pool; with
    # only min(32, CPUs + 4) threads, a burst of entries would queue the lookups (and the 2xx) behind them.
    from concurrent.futures import ThreadPoolExecutor

    loop.set_default_executor(ThreadPoolExecutor(max_workers=CONCURRENCY + 16, thread_name_prefix="coco-teams"))
    await bot.start()
    await bot.warm_up()
    stop = stop_on_signals()
    runner = web.AppRunner(bot.web_app(), access_log=None)
    try:
        await runner.setup()
        site = web.TCPSite(runner, host=host, port=port)
        await site.start()
        log.info("COCO listens for Teams on http://%s:%d%s", host, port, MESSAGES_PATH)
        sys.stderr.write(f"coco: serving Teams (http://{host}:{port}{MESSAGES_PATH})\n")
        sys.stderr.flush()
        await stop.wait()
    finally:
        await runner.cleanup()
        await bot.stop()
    return 0
