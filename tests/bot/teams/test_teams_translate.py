"""Translation and pacing without a server: what a Teams activity means to the conversation, and
Teams' per-conversation send windows."""

from __future__ import annotations

import asyncio
import time

from bot.teams import cards, translate
from bot.teams.outbox import Backoff, ConversationPacer, Window
from tests.bot.teams.conftest import BOT, CHANNEL, PERSONAL, TENANT


class _Connector:
    url = "https://smba.trafficmanager.net/emea/"


def _activity(**extra: object) -> dict[str, object]:
    from tests.bot.teams.conftest import activity

    return activity(_Connector(), **extra)  # type: ignore[arg-type]


def test_a_personal_message_is_a_dm_of_the_tenants_workspace() -> None:
    msg = translate.inbound(_activity(text="tried xgb-d4, auc .803"))
    assert msg is not None
    assert msg.workspace_key == f"teams:{TENANT}" and msg.platform == "teams"
    assert msg.kind == "message" and msg.channel_kind == "dm" and msg.channel_id == PERSONAL
    assert msg.event_id.startswith("activity:") and msg.thread_id is None


def test_commands_short_in_personal_chat_or_after_the_mention_in_a_channel() -> None:
    # In a personal chat the conversation decides (bot/surfaces/direct.py), as for a Slack DM.
    msg = translate.inbound(_activity(text="phase 14d"))
    assert msg is not None and msg.kind == "message" and msg.text == "phase 14d"
    msg = translate.inbound(_activity(text="/coco phase 14d"))
    assert msg is not None and msg.kind == "command" and msg.command_args == "phase 14d"
    long_note = "check the split on the validation set, it leaked: " + "x" * 300
    msg = translate.inbound(_activity(text=long_note))
    assert msg is not None and msg.kind == "message"
    msg = translate.inbound(_activity(text="check\nthe split leaked, next: fix it"))
    assert msg is not None and msg.kind == "message"
    msg = translate.inbound(_activity(text="check SMOTE on xgb", conversation=f"{CHANNEL};messageid=42",
                                      kind="channel", mention=True))
    assert msg is not None and msg.kind == "command" and msg.command_args == "check SMOTE on xgb"
    assert msg.channel_id == CHANNEL and msg.thread_id == "42" and msg.channel_kind == "channel"


def test_the_mention_is_stripped_and_html_unescaped() -> None:
    body = _activity(text="why did we drop xlnet?", conversation=CHANNEL, kind="channel", mention=True)
    body["text"] = "<p><at>COCO</at>&nbsp;why did we drop <b>xlnet</b>?</p>"
    msg = translate.inbound(body)
    assert msg is not None and msg.kind == "mention" and msg.text == "why did we drop xlnet?"


def test_a_channel_message_without_mention_is_a_plain_channel_message() -> None:
    msg = translate.inbound(_activity(text="going to try SMOTE", conversation=CHANNEL, kind="channel"))
    assert msg is not None and msg.kind == "message" and msg.channel_id == CHANNEL and msg.thread_id is None


def test_our_own_activity_is_ignored() -> None:
    assert translate.inbound(_activity(text="echo", user=BOT)) is None


def test_universal_actions_and_forms() -> None:
    from tests.bot.teams.conftest import invoke

    click = translate.inbound(invoke(_Connector(), verb="coco_discard", data={"value": "e1"}, card_id="m9"))  # type: ignore[arg-type]
    assert click is not None and click.kind == "action" and click.action is not None
    assert (click.action.action_id, click.action.value, click.action.message_id) == ("coco_discard", "e1", "m9")
    assert click.event_id.startswith("invoke:")
    data = {cards.FORM_KEY: True, cards.META_KEY: '{"entry_id": "e1"}', "f_title": "New"}
    submit = translate.inbound(invoke(_Connector(), verb="coco_edit_entry", data=data, card_id="m9"))  # type: ignore[arg-type]
    assert submit is not None and submit.kind == "form" and submit.form is not None
    assert submit.form.values == {"title": "New"}
    assert submit.form.metadata == {"entry_id": "e1", "message": "m9", "channel": PERSONAL}


def test_a_channel_reference_names_the_channel_itself() -> None:
    record = translate.reference_record(_activity(text="hi", conversation=f"{CHANNEL};messageid=7", kind="channel"))
    assert record.conversation_key == CHANNEL and record.kind == "channel"
    assert record.reference["conversation"]["id"] == CHANNEL and record.service_url == _Connector.url


async def test_the_pacer_keeps_each_conversation_within_its_windows() -> None:
    pacer = ConversationPacer((Window(3, 0.3), Window(5, 1.0)))
    started = time.monotonic()
    stamps: list[float] = []

    async def send() -> None:
        await pacer.turn("a")
        stamps.append(time.monotonic() - started)

    await asyncio.gather(*(send() for _ in range(6)), pacer.turn("b"))
    assert stamps[2] < 0.2  # three at once
    assert stamps[3] >= 0.29  # the fourth waits for the short window
    assert stamps[5] >= 0.99  # the sixth for the long one


def test_backoff_honours_retry_after_and_jitters_otherwise() -> None:
    backoff = Backoff(base=0.5, cap=8.0)
    assert 2.0 <= backoff.delay(0, 2.0) <= 2.5
    assert all(0 <= backoff.delay(n, None) <= min(8.0, 0.5 * 2**n) for n in range(6))


def test_a_persons_words_cannot_forge_a_link_and_a_huge_card_is_cut_to_fit() -> None:
    from bot.messages import Reply

    shown = cards.card_for(Reply(kind="notice", text="see [here](https://evil.example) *now*"))
    assert shown["body"][0]["text"] == "see \\[here\\](https://evil.example) \\*now\\*"
    long = cards.card_for(Reply(kind="notice", text="\n".join(f"line {i}" for i in range(50))))
    assert long["body"][-1]["text"] == "… and 10 more line(s)"
    import json

    huge = cards.card([cards.text_block("x" * 1000) for _ in range(40)])
    assert len(json.dumps(huge)) <= cards.MAX_CARD_CHARS
    assert "cut to fit" in json.dumps(huge)


_RICH = ("<div><div><strong>What didn't work</strong></div><ul><li>cutmix</li><li>label smoothing 0.1</li></ul>"
         "<div><strong>Next</strong></div><ol><li>mixup 0.4</li></ol></div>")


def test_a_formatted_note_keeps_its_list_lines() -> None:
    """Teams flattens a formatted message's ``text`` and sends its HTML as a ``text/html`` attachment: the
    lists and headings are lines of the note, so "Next" heads its items."""
    body = _activity(text="What didn't workcutmixlabel smoothing 0.1Nextmixup 0.4")
    body["attachments"] = [{"contentType": "text/html", "content": _RICH}]
    msg = translate.inbound(body)
    assert msg is not None
    assert msg.text == "What didn't work\n- cutmix\n- label smoothing 0.1\nNext\n- mixup 0.4"
    body["text"] = _RICH  # the HTML in ``text`` itself reads the same
    body["attachments"] = []
    assert (translate.inbound(body) or msg).text == msg.text


def test_an_attachment_with_other_words_is_not_read() -> None:
    """An HTML attachment that is not this message's text (a card, a quoted message) changes nothing."""
    body = _activity(text="tried cutmix, no gain")
    body["attachments"] = [{"contentType": "text/html", "content": "<div>Sample App share</div>"}]
    msg = translate.inbound(body)
    assert msg is not None and msg.text == "tried cutmix, no gain"
