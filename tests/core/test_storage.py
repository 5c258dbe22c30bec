"""Storage rows round-trip on SQLite and PostgreSQL, and the constraints hold on both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from tortoise.exceptions import IntegrityError
from tortoise.functions import Min
from tortoise.transactions import in_transaction

from core.models import (
    ACTIVE_TICKET_STATUSES,
    Channel,
    ChannelCursor,
    Conversation,
    Customer,
    DeliveryState,
    DestinationKind,
    Message,
    MessageDirection,
    MessageKind,
    Operator,
    OperatorRole,
    OutboxItem,
    OutboxStatus,
    Ticket,
    TicketPriority,
    TicketStatus,
)

T0 = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
SUPERGROUP_ID = -1001234567890  # does not fit in 32 bits


def assert_utc(value: datetime | None) -> None:
    assert value is not None
    assert value.tzinfo is not None, value
    assert value.utcoffset() == timedelta(0), value


async def make_conversation(
    external_id: int = 111, channel: Channel = Channel.TELEGRAM
) -> Conversation:
    customer = await Customer.create(
        channel=channel, external_id=external_id, first_name="Ann", language="ru"
    )
    return await Conversation.create(customer=customer, channel=channel, chat_id=external_id)


async def make_message(
    conversation: Conversation,
    direction: MessageDirection = MessageDirection.INBOUND,
    customer_message_id: int | None = None,
    **extra: object,
) -> Message:
    return await Message.create(
        conversation=conversation,
        direction=direction,
        channel=conversation.channel,
        customer_chat_id=conversation.chat_id,
        customer_message_id=customer_message_id,
        **extra,
    )


async def test_customer_round_trip(db: str) -> None:
    created = await Customer.create(
        channel=Channel.VK,
        external_id=2_000_000_123,
        first_name="Иван",
        last_name="Петров",
        username=None,
        language="ru",
        is_blocked=True,
    )
    loaded = await Customer.get(channel=Channel.VK, external_id=2_000_000_123)
    assert loaded.id == created.id
    assert loaded.channel is Channel.VK
    assert (loaded.first_name, loaded.last_name, loaded.username) == ("Иван", "Петров", None)
    assert loaded.language == "ru"
    assert (loaded.is_blocked, loaded.is_banned) == (True, False)
    assert_utc(loaded.created_at)
    assert_utc(loaded.updated_at)


async def test_customer_is_unique_per_channel_and_external_id(db: str) -> None:
    await Customer.create(channel=Channel.TELEGRAM, external_id=42, first_name="A")
    await Customer.create(channel=Channel.VK, external_id=42, first_name="A")  # other channel
    with pytest.raises(IntegrityError):
        await Customer.create(channel=Channel.TELEGRAM, external_id=42, first_name="B")


async def test_conversation_round_trip_and_one_per_customer(db: str) -> None:
    conversation = await make_conversation(external_id=5_000_000_001)
    conversation.message_thread_id = 77
    conversation.topic_title = "Ann · #1"
    await conversation.save()

    loaded = await Conversation.get(message_thread_id=77).prefetch_related("customer")
    assert loaded.customer.external_id == 5_000_000_001
    assert loaded.customer_id == loaded.customer.id
    assert (loaded.channel, loaded.chat_id, loaded.topic_title) == (
        Channel.TELEGRAM,
        5_000_000_001,
        "Ann · #1",
    )

    assert_utc(loaded.created_at)
    assert (await loaded.customer.conversation).id == loaded.id

    with pytest.raises(IntegrityError):
        await Conversation.create(
            customer_id=loaded.customer_id, channel=Channel.TELEGRAM, chat_id=1
        )


async def test_operator_round_trip(db: str) -> None:
    await Operator.create(
        telegram_id=9_000_000_001,
        name="Olga",
        username="olga",
        role=OperatorRole.SENIOR,
        on_shift=True,
        capacity=8,
        languages=["ru", "en"],
        last_seen_at=T0,
    )
    loaded = await Operator.get(telegram_id=9_000_000_001)
    assert (loaded.name, loaded.username, loaded.role) == ("Olga", "olga", OperatorRole.SENIOR)
    assert (loaded.on_shift, loaded.capacity, loaded.languages) == (True, 8, ["ru", "en"])
    assert loaded.last_seen_at == T0
    assert_utc(loaded.created_at)
    default = await Operator.create(telegram_id=2, name="Bob")
    assert (default.role, default.on_shift, default.languages) == (OperatorRole.AGENT, False, [])
    with pytest.raises(IntegrityError):
        await Operator.create(telegram_id=9_000_000_001, name="Twin")


async def test_ticket_round_trip_number_and_defaults(db: str) -> None:
    conversation = await make_conversation()
    operator = await Operator.create(telegram_id=1, name="Olga")
    first = await Ticket.create(conversation=conversation)
    assert first.status is TicketStatus.NEW
    assert first.priority is TicketPriority.NORMAL
    assert first.tags == []
    assert first.assignee_id is None

    second = await Ticket.create(
        conversation=conversation,
        status=TicketStatus.RESOLVED,
        priority=TicketPriority.URGENT,
        assignee=operator,
        tags=["billing", "vip", "возврат"],
        opened_at=T0,
        first_response_at=T0 + timedelta(minutes=3),
        resolved_at=T0 + timedelta(hours=1),
        csat_score=5,
        csat_comment="Спасибо!",
        card_message_id=123456,
    )
    assert second.number > first.number  # numbers come from the primary key and increase
    assert second.number == second.id

    loaded = await Ticket.get(id=second.number).prefetch_related("assignee", "conversation")
    assert loaded.status is TicketStatus.RESOLVED
    assert loaded.priority is TicketPriority.URGENT
    assert loaded.assignee is not None and loaded.assignee.name == "Olga"
    assert loaded.conversation.id == conversation.id
    assert loaded.tags == ["billing", "vip", "возврат"]
    assert loaded.first_response_at == T0 + timedelta(minutes=3)
    assert loaded.closed_at is None
    assert (loaded.csat_score, loaded.csat_comment, loaded.card_message_id) == (
        5,
        "Спасибо!",
        123456,
    )
    for value in (loaded.opened_at, loaded.first_response_at, loaded.resolved_at):
        assert_utc(value)
    assert_utc(loaded.updated_at)

    active = await Ticket.filter(
        conversation=conversation, status__in=list(ACTIVE_TICKET_STATUSES)
    ).values_list("id", flat=True)
    assert active == [first.id]

    # removing an operator keeps their tickets, unassigned
    await operator.delete()
    assert (await Ticket.get(id=second.id)).assignee_id is None


async def test_message_round_trip(db: str) -> None:
    conversation = await make_conversation(external_id=SUPERGROUP_ID)
    ticket = await Ticket.create(conversation=conversation)
    operator = await Operator.create(telegram_id=1, name="Olga")
    attachments = [
        {"type": "photo", "file_id": "AgAD-1", "width": 1280, "height": 720},
        {"type": "document", "file_id": "BQAD-2", "file_name": "счёт.pdf", "size": None},
    ]
    inbound = await make_message(
        conversation,
        customer_message_id=10,
        ticket=ticket,
        kind=MessageKind.PHOTO,
        text="вот фото",
        attachments=attachments,
        album_id="13518712345678",
        created_at=T0,
    )
    inbound.group_message_id = 500
    inbound.delivery_state = DeliveryState.DELIVERED
    await inbound.save()
    reply = await make_message(
        conversation,
        direction=MessageDirection.OUTBOUND,
        ticket=ticket,
        text="Got it",
        reply_to=inbound,
        author=operator,
        group_message_id=501,
    )
    reply.delivery_state = DeliveryState.FAILED
    reply.delivery_error = "Forbidden: bot was blocked by the user"
    reply.edited_at = T0 + timedelta(seconds=30)
    await reply.save()

    loaded = await Message.get(group_message_id=500)
    assert loaded.id == inbound.id
    assert (loaded.direction, loaded.kind, loaded.channel) == (
        MessageDirection.INBOUND,
        MessageKind.PHOTO,
        Channel.TELEGRAM,
    )
    assert (loaded.customer_chat_id, loaded.customer_message_id) == (SUPERGROUP_ID, 10)
    assert loaded.attachments == attachments
    assert loaded.text == "вот фото"
    assert loaded.album_id == "13518712345678"
    assert loaded.delivery_state is DeliveryState.DELIVERED
    assert loaded.created_at == T0
    assert_utc(loaded.created_at)
    assert loaded.ticket_id == ticket.id
    assert loaded.author_id is None

    loaded_reply = await Message.get(group_message_id=501).prefetch_related("reply_to", "author")
    assert loaded_reply.reply_to is not None and loaded_reply.reply_to.id == inbound.id
    assert loaded_reply.author is not None and loaded_reply.author.telegram_id == 1
    assert loaded_reply.delivery_state is DeliveryState.FAILED
    assert loaded_reply.delivery_error == "Forbidden: bot was blocked by the user"
    assert loaded_reply.edited_at == T0 + timedelta(seconds=30)
    assert loaded_reply.attachments == []
    assert [m.id for m in await inbound.replies.all()] == [reply.id]


async def test_inbound_dedupe_rejects_a_redelivered_message(db: str) -> None:
    conversation = await make_conversation(external_id=100)
    await make_message(conversation, customer_message_id=7, text="hello")
    with pytest.raises(IntegrityError):
        await make_message(conversation, customer_message_id=7, text="hello again")
    # the same message id in another chat or on another channel is another message
    other_chat = await make_conversation(external_id=200)
    await make_message(other_chat, customer_message_id=7)
    vk = await make_conversation(external_id=100, channel=Channel.VK)
    await make_message(vk, customer_message_id=7)
    assert await Message.filter(customer_message_id=7).count() == 3


async def test_the_dedupe_rejection_rolls_back_only_its_transaction(db: str) -> None:
    conversation = await make_conversation()
    await make_message(conversation, customer_message_id=1)
    with pytest.raises(IntegrityError):
        async with in_transaction():
            await OutboxItem.create(
                destination="tg:group:1",
                destination_kind=DestinationKind.TELEGRAM_GROUP,
                operation="mirror_message",
            )
            await make_message(conversation, customer_message_id=1)
    assert await OutboxItem.all().count() == 0
    assert await Message.all().count() == 1


async def test_messages_without_customer_ids_never_collide(db: str) -> None:
    conversation = await make_conversation()
    for direction in (MessageDirection.OUTBOUND, MessageDirection.NOTE) * 3:
        await make_message(conversation, direction=direction, customer_message_id=None)
    assert await Message.filter(customer_message_id__isnull=True).count() == 6


async def test_outbox_item_round_trip(db: str) -> None:
    conversation = await make_conversation()
    message = await make_message(conversation, customer_message_id=3)
    payload = {"chat_id": SUPERGROUP_ID, "message_thread_id": 77, "ids": [1, 2], "text": "Ж"}
    item = await OutboxItem.create(
        destination=f"tg:group:{SUPERGROUP_ID}",
        destination_kind=DestinationKind.TELEGRAM_GROUP,
        operation="mirror_message",
        payload=payload,
        coalesce_key=None,
        message=message,
        not_before=T0,
    )
    loaded = await OutboxItem.get(id=item.id)
    assert loaded.payload == payload
    assert (loaded.status, loaded.attempts, loaded.last_error) == (OutboxStatus.PENDING, 0, None)
    assert loaded.destination_kind is DestinationKind.TELEGRAM_GROUP
    assert loaded.message_id == message.id
    assert loaded.not_before == T0
    for value in (loaded.not_before, loaded.created_at, loaded.updated_at):
        assert_utc(value)
    assert [i.id for i in await message.outbox_items.all()] == [item.id]


async def test_outbox_finds_the_oldest_due_item_per_destination(db: str) -> None:
    now = T0

    async def enqueue(destination: str, **fields: object) -> OutboxItem:
        return await OutboxItem.create(
            destination=destination,
            destination_kind=DestinationKind.TELEGRAM_PRIVATE,
            operation="deliver_reply",
            **fields,
        )

    await enqueue("tg:private:1", status=OutboxStatus.DONE)  # already sent
    a1 = await enqueue("tg:private:1", not_before=now - timedelta(seconds=5))
    await enqueue("tg:private:1", not_before=now - timedelta(seconds=9))  # queued behind a1
    await enqueue("tg:private:2", not_before=now + timedelta(seconds=30))  # retry_after
    await enqueue("tg:private:2")
    c1 = await enqueue("vk:3", not_before=now)
    await enqueue("tg:private:4", status=OutboxStatus.IN_FLIGHT)  # head is being sent
    await enqueue("tg:private:4", not_before=now - timedelta(hours=1))
    await enqueue("tg:private:5", status=OutboxStatus.FAILED)

    # the head of each destination's queue (FIFO: the lowest id not yet finished) ...
    # (tortoise 1.1 keeps the GROUP BY column in a values_list() subquery, so this
    # takes two round trips instead of one IN (SELECT …))
    heads = (
        await OutboxItem.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.IN_FLIGHT])
        .annotate(head=Min("id"))
        .group_by("destination")
        .values_list("head", flat=True)
    )
    # ... when it is pending and its not_before has passed
    due = await OutboxItem.filter(
        id__in=list(heads), status=OutboxStatus.PENDING, not_before__lte=now
    ).order_by("id")
    assert [item.id for item in due] == [a1.id, c1.id]

    # claiming rows the way several workers would (a no-op lock on SQLite)
    async with in_transaction():
        claimed = (
            await OutboxItem.filter(id__in=[item.id for item in due])
            .select_for_update(skip_locked=True)
            .order_by("id")
        )
        for item in claimed:
            item.status = OutboxStatus.IN_FLIGHT
            item.attempts += 1
            await item.save(update_fields=["status", "attempts", "updated_at"])
    assert await OutboxItem.filter(status=OutboxStatus.IN_FLIGHT).count() == 3

    # the nearest wake-up for the scheduler
    nearest = await OutboxItem.filter(status=OutboxStatus.PENDING).order_by("not_before").first()
    assert nearest is not None
    assert nearest.not_before == now - timedelta(hours=1)


async def test_coalesce_key_keeps_the_newest_item(db: str) -> None:
    for text in ("v1", "v2", "v3"):
        await OutboxItem.create(
            destination="tg:group:1",
            destination_kind=DestinationKind.TELEGRAM_GROUP,
            operation="edit_card",
            payload={"text": text},
            coalesce_key="card:7",
        )
    newest = await OutboxItem.filter(coalesce_key="card:7").order_by("-id").first()
    assert newest is not None
    superseded = await OutboxItem.filter(
        coalesce_key="card:7", status=OutboxStatus.PENDING, id__lt=newest.id
    ).update(status=OutboxStatus.DONE)
    assert superseded == 2
    pending = await OutboxItem.filter(status=OutboxStatus.PENDING).values_list("payload", flat=True)
    assert pending == [{"text": "v3"}]


async def test_channel_cursor_survives_reconnect(db: str) -> None:
    from core.db import close_db, init_db

    await ChannelCursor.create(name="vk:longpoll:1", value="100")
    _, created = await ChannelCursor.update_or_create(
        name="vk:longpoll:1", defaults={"value": "101"}
    )
    assert not created
    await close_db()
    await init_db(db)
    loaded = await ChannelCursor.get(name="vk:longpoll:1")
    assert loaded.value == "101"
    assert_utc(loaded.updated_at)
    with pytest.raises(IntegrityError):
        await ChannelCursor.create(name="vk:longpoll:1", value="1")


async def test_aware_times_in_other_zones_come_back_as_the_same_instant(db: str) -> None:
    moscow = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=3)))
    item = await OutboxItem.create(
        destination="vk:1",
        destination_kind=DestinationKind.VK,
        operation="deliver_reply",
        not_before=moscow,
    )
    loaded = await OutboxItem.get(id=item.id)
    assert loaded.not_before == moscow  # the same instant ...
    assert_utc(loaded.not_before)  # ... read back in UTC
    assert loaded.not_before == T0 + timedelta(hours=0)
