"""Core relay rules without any messenger: ingest, dedupe, races, notes, replies."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from core.clock import FrozenClock
from core.context import DeskContext
from core.entities import Content, CustomerProfile, InboundMessage, OperatorMessage, OperatorProfile
from core.enums import Channel, MessageDirection, MessageKind, OperatorRole
from core.messaging.usecase import Outcome
from core.models import Conversation, Customer, Message, Operator, OutboxItem, Ticket
from core.outbox import HELD_UNTIL
from core.outbox.queues import DELIVER, MIRROR, OPEN_TOPIC
from core.relay.ingest import ingest, ingest_batch
from core.relay.replies import handle_operator_message, note_text

GROUP = -1001234567890
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def context() -> DeskContext:
    return DeskContext(group_chat_id=GROUP, clock=FrozenClock(NOW))


def inbound(user_id: int, message_id: int, text: str = "hello") -> InboundMessage:
    profile = CustomerProfile(Channel.TELEGRAM, user_id, "Alice", "Smith", "alice", "en")
    return InboundMessage(
        profile=profile,
        chat_id=user_id,
        message_id=message_id,
        sent_at=NOW,
        content=Content(MessageKind.TEXT, text=text),
    )


async def test_first_message_creates_customer_conversation_ticket_and_queues_a_topic(
    db: str,
) -> None:
    assert await ingest(inbound(501, 1), context()) is Outcome.STORED
    assert await Customer.filter(external_id=501).count() == 1
    conversation = await Conversation.get(chat_id=501)
    assert conversation.message_thread_id is None  # the outbox creates it
    assert await Ticket.filter(conversation=conversation).count() == 1
    operations = await OutboxItem.all().order_by("id").values_list("operation", flat=True)
    assert operations == [OPEN_TOPIC, MIRROR]


async def test_redelivered_update_is_a_no_op(db: str) -> None:
    ctx = context()
    assert await ingest(inbound(502, 7), ctx) is Outcome.STORED
    assert await ingest(inbound(502, 7), ctx) is Outcome.DUPLICATE
    assert await Message.filter(customer_chat_id=502).count() == 1
    assert await OutboxItem.filter(operation=MIRROR).count() == 1


async def test_ten_racing_first_messages_open_one_topic(db: str) -> None:
    ctx = context()
    outcomes = await asyncio.gather(*(ingest(inbound(503, i), ctx) for i in range(1, 11)))
    assert outcomes == [Outcome.STORED] * 10
    assert await Conversation.filter(chat_id=503).count() == 1
    assert await Ticket.all().count() == 1
    assert await OutboxItem.filter(operation=OPEN_TOPIC).count() == 1
    assert await OutboxItem.filter(operation=MIRROR).count() == 10


async def test_second_message_reuses_the_open_ticket(db: str) -> None:
    ctx = context()
    await ingest(inbound(504, 1), ctx)
    await ingest(inbound(504, 2, "more details"), ctx)
    assert await Ticket.all().count() == 1
    assert await OutboxItem.filter(operation=OPEN_TOPIC).count() == 1


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("// check the CRM", "check the CRM"),
        ("   //spaces first", "spaces first"),
        ("/note call back tomorrow", "call back tomorrow"),
        ("/note@desk_bot hi", "hi"),
        ("/NOTE shouting", "shouting"),
        ("/notebook is not a note", None),
        ("a normal reply // with slashes", None),
        ("https://example.com/path", None),
        (None, None),
    ],
)
def test_note_detection(text: str | None, note: str | None) -> None:
    assert note_text(text) == note


def operator_message(thread_id: int, message_id: int, text: str) -> OperatorMessage:
    return OperatorMessage(
        operator=OperatorProfile(900, "Ivan"),
        thread_id=thread_id,
        message_id=message_id,
        sent_at=NOW,
        content=Content(MessageKind.TEXT, text=text),
    )


async def test_operator_reply_is_queued_and_a_note_is_not(db: str) -> None:
    ctx = context()
    await ingest(inbound(505, 1), ctx)
    await Conversation.filter(chat_id=505).update(message_thread_id=77)
    assert await handle_operator_message(operator_message(77, 10, "Hi!"), ctx) is Outcome.STORED
    assert await handle_operator_message(operator_message(77, 11, "// internal"), ctx) is (
        Outcome.NOTE
    )
    assert await handle_operator_message(operator_message(77, 10, "Hi!"), ctx) is (
        Outcome.DUPLICATE
    )
    assert await OutboxItem.filter(operation=DELIVER).count() == 1
    note = await Message.get(direction=MessageDirection.NOTE)
    assert note.text == "internal"
    ticket = await Ticket.get()
    assert ticket.first_response_at == NOW


async def test_message_in_an_unknown_topic_is_ignored(db: str) -> None:
    outcome = await handle_operator_message(operator_message(12345, 1, "hello?"), context())
    assert outcome is Outcome.IGNORED
    assert await Message.all().count() == 0


async def test_a_blocked_customer_who_writes_again_gets_the_held_replies(db: str) -> None:
    ctx = context()
    await ingest(inbound(506, 1), ctx)
    await Conversation.filter(chat_id=506).update(message_thread_id=78)
    await handle_operator_message(operator_message(78, 20, "Here is the answer"), ctx)
    # Delivery found the bot blocked: the customer is flagged, the reply held.
    await Customer.filter(external_id=506).update(is_blocked=True)
    await OutboxItem.filter(operation=DELIVER).update(not_before=HELD_UNTIL)
    # The unblock update was missed, but the customer writes again.
    assert await ingest(inbound(506, 2, "are you there?"), ctx) is Outcome.STORED
    assert not (await Customer.get(external_id=506)).is_blocked
    held = await OutboxItem.get(operation=DELIVER)
    assert held.not_before <= NOW


async def test_a_batch_is_stored_like_single_messages(db: str) -> None:
    ctx = context()
    batch = [inbound(507, 1), inbound(508, 1), inbound(507, 2, "second")]
    assert await ingest_batch(batch, ctx) == [Outcome.STORED] * 3
    assert await Conversation.all().count() == 2
    assert await OutboxItem.filter(operation=OPEN_TOPIC).count() == 2
    texts = await Message.filter(customer_chat_id=507).order_by("id").values_list("text", flat=True)
    assert texts == ["hello", "second"]


async def test_a_batch_with_a_redelivered_message_falls_back_to_one_by_one(db: str) -> None:
    ctx = context()
    await ingest(inbound(509, 1), ctx)
    outcomes = await ingest_batch([inbound(509, 1), inbound(509, 2, "new")], ctx)
    assert outcomes == [Outcome.DUPLICATE, Outcome.STORED]
    assert await Message.filter(customer_chat_id=509).count() == 2


async def test_an_admin_from_the_config_is_admin_from_their_first_reply(db: str) -> None:
    ctx = DeskContext(group_chat_id=GROUP, clock=FrozenClock(NOW), admin_ids=(900,))
    await ingest(inbound(510, 1), ctx)
    await Conversation.filter(chat_id=510).update(message_thread_id=79)
    await handle_operator_message(operator_message(79, 30, "Hello"), ctx)
    operator = await Operator.get(telegram_id=900)
    assert operator.role is OperatorRole.ADMIN
