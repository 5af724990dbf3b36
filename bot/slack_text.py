"""Slack's text format, both ways: what a person wrote arrives encoded, what COCO says is encoded once.

Slack sends message and command text with ``&``, ``<`` and ``>`` written as ``&amp;``, ``&lt;`` and
``&gt;`` (its "Escaping text" rule), and with its own markup for mentions and links: ``<@U123>``,
``<@U123|ana>``, ``<#C123|ml-churn>``, ``<!here>``, ``<!subteam^S1|@ml>``, ``<https://x|label>``,
``<mailto:a@b.c|a@b.c>``, ``<!date^1392734382^{date}|Feb 18, 2014>``. Any literal ``<`` a person typed
arrives as ``&lt;``, so every ``<…>`` is markup.

:func:`from_slack` turns that into the plain text the narrative keeps (the person's words as they
saw them: ``-> auc .781``, ``@ana``, ``#ml-churn``, ``label (https://x)``, ``✅`` for ``:white_check_mark:``);
:func:`to_slack` encodes
plain text once for any ``text`` field COCO sends (blocks do it in ``bot.render_slack.escape``)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable

# One markup token: no nesting, no literal < or > inside (those arrive encoded). Linear: [^<>] runs
# to the next > or < and never backtracks across tokens.
_MARKUP = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_USER = re.compile(r"@([UW][A-Z0-9]+)")
MAX_NAMES_LOOKED_UP = 20  # a message mentioning more people keeps the rest as @ids


# Slack sends an emoji as its name between colons (``:white_check_mark:``, ``:+1::skin-tone-3:``); the person saw
# the picture, and a note's ✅ / ❌ / 👍 / 💥 are verdicts COCO reads. The names of the emoji that carry a
# verdict, a status or a direction in experiment notes; any other name stays as typed.
_EMOJI = {
    "white_check_mark": "✅", "heavy_check_mark": "✔️", "ballot_box_with_check": "☑️", "x": "❌",
    "negative_squared_cross_mark": "❎", "heavy_multiplication_x": "✖️", "+1": "👍", "thumbsup": "👍",
    "-1": "👎", "thumbsdown": "👎", "tada": "🎉", "rocket": "🚀", "fire": "🔥", "boom": "💥", "skull": "💀",
    "grimacing": "😬", "upside_down_face": "🙃", "disappointed": "😞", "confused": "😕", "sob": "😭", "cry": "😢",
    "slightly_smiling_face": "🙂", "smile": "😄", "muscle": "💪", "100": "💯", "star": "⭐", "eyes": "👀",
    "warning": "⚠️", "question": "❓", "grey_question": "❔", "exclamation": "❗", "thinking_face": "🤔",
    "no_entry": "⛔", "no_entry_sign": "🚫", "construction": "🚧", "hourglass": "⌛", "hourglass_flowing_sand": "⏳",
    "bug": "🐛", "chart_with_upwards_trend": "📈", "chart_with_downwards_trend": "📉", "bar_chart": "📊",
    "test_tube": "🧪", "mag": "🔍", "date": "📅", "calendar": "📆", "arrow_right": "➡️", "arrow_up": "⬆️",
    "arrow_down": "⬇️", "heavy_plus_sign": "➕", "heavy_minus_sign": "➖", "repeat": "🔁", "stopwatch": "⏱️",
}
# Not inside a time or a ratio ("10:30:45", "3:x:5"): a name starts after a space, a line start or punctuation.
# A run of names is read whole (":fire::fire:"), each name on its own.
_EMOJI_RUN = re.compile(r"(?<![\w:])(?::[a-z0-9_+-]{1,40}:){1,20}(?![\w:])")
_EMOJI_NAME = re.compile(r":([a-z0-9_+-]{1,40}):(?::skin-tone-[2-6]:)?")


def _pictures(text: str) -> str:
    def names(run: re.Match[str]) -> str:
        return _EMOJI_NAME.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), run.group(0))
    return _EMOJI_RUN.sub(names, text)


def decode(text: str) -> str:
    """Slack's three entities back to characters, in one pass (``&amp;lt;`` is the text ``&lt;``)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def to_slack(text: str) -> str:
    """Plain text encoded once for Slack: ``&``, ``<``, ``>`` become entities (no markup survives)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _token(inner: str, *, bot_user: str, names: dict[str, str]) -> str:
    target, _, label = inner.partition("|")
    label = decode(label)
    if target.startswith("@"):
        user = target[1:]
        if user == bot_user:
            return ""  # "@coco, ..." is addressed to COCO: the conversation gets the rest
        name = label or names.get(user, "")
        return f"@{name.lstrip('@')}" if name else f"@{user}"
    if target.startswith("#"):
        return f"#{label}" if label else f"#{target[1:]}"
    if target.startswith("!"):
        special = target[1:]
        if special in ("here", "channel", "everyone"):
            return f"@{special}"
        if label:  # <!subteam^S1|@ml>, <!date^…|Feb 18, 2014>
            return label if special.startswith("date^") else f"@{label.lstrip('@')}"
        return f"@{special.split('^', 1)[-1]}"
    url = decode(target)
    if url.startswith("mailto:"):
        return label or url.removeprefix("mailto:")
    if not label or label == url or url.split("://", 1)[-1] == label:
        return url
    return f"{label} ({url})"


def from_slack(text: str, *, bot_user: str = "", names: dict[str, str] | None = None) -> str:
    """The plain text of a Slack message: markup made readable, entities decoded, COCO's own mention
    removed. ``names`` maps user ids to display names for mentions that carry no label."""
    known = names or {}
    out: list[str] = []
    last = 0
    for m in _MARKUP.finditer(text):
        out.append(decode(text[last:m.start()]))
        out.append(_token(m.group(1), bot_user=bot_user, names=known))
        last = m.end()
    out.append(decode(text[last:]))
    plain = _pictures("".join(out))
    if bot_user and any(m.group(1) == f"@{bot_user}" for m in _MARKUP.finditer(text)):
        plain = re.sub(r"[ \t]{2,}", " ", plain)  # the gap where COCO's mention was
    return plain.strip()


def mentioned_users(text: str) -> list[str]:
    """User ids mentioned without a label (``<@U123>``), first seen first, at most a few."""
    found: list[str] = []
    for m in _MARKUP.finditer(text):
        target, _, label = m.group(1).partition("|")
        user = _USER.fullmatch(target)
        if user and not label and user.group(1) not in found:
            found.append(user.group(1))
    return found[:MAX_NAMES_LOOKED_UP]


async def plain_text(text: str, *, bot_user: str, name_of: Callable[[str], Awaitable[str]]) -> str:
    """:func:`from_slack`, with label-less mentions resolved to display names by ``name_of``."""
    names: dict[str, str] = {}
    for user in _others(mentioned_users(text), bot_user):
        name = await name_of(user)
        if name:
            names[user] = name
    return from_slack(text, bot_user=bot_user, names=names)


def _others(users: Iterable[str], bot_user: str) -> list[str]:
    return [u for u in users if u != bot_user]
