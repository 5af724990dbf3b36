"""Teams activities in, the conversation's :class:`InboundMessage` out: translation only.

What Teams says and what the conversation hears:

* The workspace is the tenant: ``teams:{conversation.tenantId}`` (``channelData.tenant.id`` as a
  fallback). Tenants never see each other's projects because they never share a workspace.
* A **personal chat** is the conversation's ``dm``: its channel is the conversation id. Teams has no
  threads there; a reply quoting COCO's card carries ``replyToId`` (the card's id), which is what the
  conversation looks up as the thread of an entry.
* A **channel** is the conversation's ``channel``: its channel is ``channelData.channel.id`` (what
  ``project add --teams-channel`` binds), its thread the root message id (``;messageid=`` in the
  conversation id). A **group chat** is a channel without threads (its conversation id).
* ``<at>COCO</at>`` is taken out of the text; a message that mentions COCO is a ``mention``.
* In a channel or group chat, a command word right after COCO's mention makes a ``command``. In a
  personal chat the text goes to the conversation as it is, which decides as for a Slack DM: a verb
  alone ("phase", what the command menu sends) is a command, a long or several-line message a note,
  and a short line that starts with a verb ("check the split on ...") is asked about with two buttons.
* A Universal Action (``invoke`` ``adaptiveCard/action``) is a click (``action``) or a submitted
  form (``form``), told apart by the card's data (see :mod:`bot.teams.cards`).

Every inbound carries its dedupe key: the activity id, so a redelivery does nothing twice.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

from bot.messages import ActionPayload, FormSubmission, InboundKind, InboundMessage
from storage.records import TeamsConversationRecord

PLATFORM = "teams"
_AT = re.compile(r"<at[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
# Formatted messages arrive as HTML (in ``text``, and in full in a ``text/html`` attachment): a list item, a
# paragraph, a heading and a break are lines of the note, whose structure COCO reads ("Next:" over its items).
_ITEM = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
_HEADING = re.compile(r"<h[1-6]\b[^>]*>", re.IGNORECASE)
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|h[1-6]|li|ul|ol|tr|blockquote)\s*>", re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+")


def workspace_key(tenant_id: str) -> str:
    return f"teams:{tenant_id}"


def tenant_of(activity: dict[str, Any]) -> str:
    conversation = activity.get("conversation") or {}
    channel_data = activity.get("channelData") or {}
    return str(conversation.get("tenantId") or (channel_data.get("tenant") or {}).get("id") or "")


def conversation_kind(activity: dict[str, Any]) -> str:
    """``personal``, ``channel`` or ``groupChat`` (Teams' ``conversationType``)."""
    conversation = activity.get("conversation") or {}
    kind = str(conversation.get("conversationType") or "")
    if kind:
        return kind
    return "channel" if (activity.get("channelData") or {}).get("channel") else "personal"


def split_conversation(conversation_id: str) -> tuple[str, str | None]:
    """A channel conversation id and the thread root it names: ``19:x@thread.tacv2;messageid=12``."""
    base, _, rest = conversation_id.partition(";messageid=")
    return base, (rest or None)


def conversation_key(activity: dict[str, Any]) -> str:
    """The conversation's channel id: the Teams channel's id in a channel, else the conversation id."""
    conversation_id = str((activity.get("conversation") or {}).get("id") or "")
    if conversation_kind(activity) == "channel":
        channel = ((activity.get("channelData") or {}).get("channel") or {}).get("id")
        return str(channel or split_conversation(conversation_id)[0])
    return conversation_id


def reference_record(activity: dict[str, Any]) -> TeamsConversationRecord:
    """The conversation reference of an inbound activity, as COCO stores it (workspace set later).

    A channel's reference names the channel itself (no ``;messageid=``): the digest starts a new post."""
    kind = conversation_kind(activity)
    key = conversation_key(activity)
    conversation = dict(activity.get("conversation") or {})
    if kind == "channel":
        conversation["id"] = key
    reference = {
        "bot": activity.get("recipient") or {},
        "conversation": conversation,
        "channelId": activity.get("channelId") or "msteams",
        "serviceUrl": activity.get("serviceUrl") or "",
    }
    if kind == "personal":
        reference["user"] = activity.get("from") or {}
    user = str((activity.get("from") or {}).get("id") or "") if kind == "personal" else ""
    return TeamsConversationRecord(workspace_id="", conversation_key=key, kind=kind, user_id=user,
                                   service_url=str(activity.get("serviceUrl") or ""), reference=reference)


def plain_text(activity: dict[str, Any]) -> tuple[str, bool]:
    """The text without COCO's ``<at>`` mention (and Teams' HTML), and whether COCO was mentioned."""
    text = str(activity.get("text") or "")
    bot_id = str((activity.get("recipient") or {}).get("id") or "")
    bot_names: set[str] = set()
    mentioned = False
    for entity in activity.get("entities") or []:
        if entity.get("type") != "mention":
            continue
        who = entity.get("mentioned") or {}
        if bot_id and str(who.get("id") or "") == bot_id:
            mentioned = True
            inner = _AT.match(str(entity.get("text") or ""))
            bot_names.add((inner.group(1) if inner else str(who.get("name") or "")).strip())

    def drop(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        return "" if name in bot_names else name

    text = _html_lines(_AT.sub(drop, text))
    rich = _html_lines(_AT.sub(drop, _html_attachment(activity)))
    # The attachment keeps the list and heading lines ``text`` may flatten; it is read only when it holds
    # the letters and digits of ``text`` in order, so nothing the person wrote is lost or added.
    if rich and _NOT_WORD.sub("", rich.lower()) == _NOT_WORD.sub("", text.lower()):
        text = rich
    return text, mentioned


def _html_attachment(activity: dict[str, Any]) -> str:
    for attachment in activity.get("attachments") or []:
        if isinstance(attachment, dict) and attachment.get("contentType") == "text/html":
            return str(attachment.get("content") or "")
    return ""


def _html_lines(text: str) -> str:
    """Plain text of a message that may be HTML: its blocks and list items as lines, its words as typed."""
    if "<" not in text:
        return html.unescape(text).replace("\xa0", " ").strip()
    text = re.sub(r"\s*[\r\n]+\s*", " ", text)  # HTML's own line breaks are spaces
    text = _TAG.sub("", _BLOCK_END.sub("\n", _HEADING.sub("\n## ", _ITEM.sub("\n- ", text))))
    lines = (" ".join(line.split()) for line in html.unescape(text).replace("\xa0", " ").splitlines())
    return "\n".join(line for line in lines if line)


def as_command(text: str, *, personal: bool) -> str | None:
    """The command's text (``phase 14d``) when the message is a command, else None."""
    from bot.verbs import BY_NAME

    words = text.split(maxsplit=1)
    if not words:
        return None
    if words[0].lower() == "/coco":
        return words[1] if len(words) > 1 else "help"
    first = words[0].lower()
    verbs = {name for verb in BY_NAME.values() if verb.on_chat for name in (verb.name, *verb.aliases)}
    if first not in verbs:
        return None
    if personal:
        # The conversation decides in a personal chat, as for a Slack DM: "phase" alone is a command, a
        # brain dump that starts with "check" a note, and in between it asks with two buttons.
        return None
    return text


def _when(activity: dict[str, Any]) -> dt.datetime | None:
    raw = activity.get("timestamp")
    if not raw:
        return None
    try:
        return dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None


def inbound(activity: dict[str, Any]) -> InboundMessage | None:
    """The conversation's message for a Teams message or Universal Action; None for anything else."""
    kind = conversation_kind(activity)
    key = workspace_key(tenant_of(activity))
    channel = conversation_key(activity)
    sender = activity.get("from") or {}
    user = str(sender.get("id") or "")
    if not user or (activity.get("recipient") or {}).get("id") == user:
        return None
    channel_kind = "dm" if kind == "personal" else "channel"
    activity_id = str(activity.get("id") or "")
    thread = _thread(activity, kind)
    common: dict[str, Any] = {
        "workspace_key": key, "platform": PLATFORM, "user_id": user, "user_name": str(sender.get("name") or ""),
        "channel_id": channel, "channel_kind": channel_kind, "at": _when(activity) or dt.datetime.now(dt.UTC),
    }
    if activity.get("type") == "invoke":
        return _invoke(activity, common, thread=thread)
    if activity.get("type") != "message":
        return None
    text, mentioned = plain_text(activity)
    if not text and not mentioned:
        return None
    command = as_command(text, personal=kind == "personal") if (kind == "personal" or mentioned) else None
    event = f"activity:{activity_id}" if activity_id else ""
    if command is not None:
        return InboundMessage(kind="command", command_args=command, event_id=event, message_id=activity_id,
                              thread_id=thread, **common)
    msg_kind: InboundKind = "mention" if mentioned and kind != "personal" else "message"
    return InboundMessage(kind=msg_kind, text=text, event_id=event, message_id=activity_id, thread_id=thread,
                          **common)


def _thread(activity: dict[str, Any], kind: str) -> str | None:
    conversation_id = str((activity.get("conversation") or {}).get("id") or "")
    if kind == "channel":
        root = split_conversation(conversation_id)[1]
        return root or None
    # A personal or group chat has no threads: a quoted reply names the message it answers.
    reply_to = activity.get("replyToId")
    return str(reply_to) if reply_to and activity.get("type") == "message" else None


def _invoke(activity: dict[str, Any], common: dict[str, Any], *, thread: str | None) -> InboundMessage | None:
    from bot.teams.cards import FORM_KEY, META_KEY, VALUE_KEY, form_values

    if activity.get("name") != "adaptiveCard/action":
        return None
    value = activity.get("value") or {}
    action = value.get("action") or {}
    verb = str(action.get("verb") or "")
    data = action.get("data") or {}
    if not verb:
        return None
    event = f"invoke:{activity.get('id')}" if activity.get("id") else ""
    card_id = str(activity.get("replyToId") or "")
    if data.get(FORM_KEY):
        try:
            metadata = {str(k): str(v) for k, v in json.loads(str(data.get(META_KEY) or "{}")).items()}
        except (ValueError, AttributeError):
            metadata = {}
        metadata.setdefault("message", card_id)
        metadata.setdefault("channel", common["channel_id"])
        return InboundMessage(kind="form", event_id=event, thread_id=thread,
                              form=FormSubmission(form_id=verb, values=form_values(data), metadata=metadata),
                              **common)
    return InboundMessage(
        kind="action", event_id=event, thread_id=thread,
        action=ActionPayload(action_id=verb, value=str(data.get(VALUE_KEY) or ""), message_id=card_id,
                             channel_id=common["channel_id"], thread_id=thread),
        **common,
    )
