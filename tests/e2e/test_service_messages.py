"""Service messages in the operator group, as operators and customers meet them.

Telegram hands the bot the service messages of its own actions (topic created, renamed,
reopened, a message pinned). Operators must not see "pinned a message" under every
card, and none of these may ever reach a customer or be stored as anyone's words.
"""

from __future__ import annotations

from core.enums import MessageDirection
from core.models import Message
from sandbox.telegram import MessageView, Topic
from tests.e2e.conftest import chat_of, from_bot, opened, received, shown, until
from tests.fixtures.telegram_sandbox import DeskWorld


def services(world: DeskWorld, topic: Topic) -> list[str]:
    """The kinds of service message ``topic`` shows, oldest first."""
    shown = world.sandbox.messages(world.group, topic=topic)
    return [m.type for m in shown if m.service is not None]


def card(world: DeskWorld, topic: Topic) -> MessageView | None:
    """The pinned ticket card of ``topic``."""
    shown = world.sandbox.messages(world.group, topic=topic)
    return next((m for m in shown if m.sender_is_bot and m.pinned), None)


async def test_the_desk_removes_its_pin_notice_and_no_service_message_leaves_the_group(
    relay_desk: DeskWorld,
) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world, "My parcel is lost")
    await until(sb, lambda: card(world, topic))
    # The card stays pinned; the "pinned a message" notice under it goes.
    await until(sb, lambda: "pinned_message" not in services(world, topic))
    assert card(world, topic) is not None
    assert services(world, topic)[0] == "forum_topic_created"

    # An operator closes the topic; the customer's next message makes the desk reopen it
    # (its own forum_topic_reopened) and the conversation carries on.
    sb.close_topic(world.operator, world.group, topic)
    sb.send_text(world.customer, world.bot, "Any news?")
    await shown(world, topic, "Any news?")
    await until(sb, lambda: "forum_topic_reopened" in services(world, topic))
    sb.send_text(world.operator, world.group, "Found it, it comes tomorrow.", topic=topic)
    await received(world, "Found it, it comes tomorrow.")

    # The customer got the operator's words and nothing made of a service message.
    got = from_bot(world)
    assert [m for m in got if m.body == "Found it, it comes tomorrow."]
    assert all(m.service is None for m in sb.messages(chat_of(world)))
    assert not any("pinned" in m.body or "topic" in m.body.lower() for m in got)
    outbound = await Message.filter(direction=MessageDirection.OUTBOUND).values_list(
        "text", flat=True
    )
    assert outbound == ["Found it, it comes tomorrow."]
    assert not await Message.filter(direction=MessageDirection.NOTE).exists()
    assert "pinned_message" not in services(world, topic)


async def test_an_operators_pin_stays_and_is_not_relayed(relay_desk: DeskWorld) -> None:
    world, sb = relay_desk, relay_desk.sandbox
    topic = await opened(world, "Where is my refund?")
    note = sb.send_text(world.operator, world.group, "// refund id R-7", topic=topic)
    sb.pin_message(world.operator, world.group, note)
    # The notice of a person's pin is theirs to keep; the desk neither deletes nor relays it.
    sb.send_text(world.operator, world.group, "Refund is on its way.", topic=topic)
    await received(world, "Refund is on its way.")
    assert services(world, topic).count("pinned_message") == 1
    assert [m.body for m in from_bot(world)].count("Refund is on its way.") == 1
    assert not any("R-7" in m.body for m in from_bot(world))
