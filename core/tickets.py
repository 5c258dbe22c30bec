"""The rules of the relay: what happens when a customer or an operator writes.

Each use case runs in one database transaction that stores the domain change *and* the
outbox items it causes, then wakes the outbox worker. Nothing here talks to a messenger:
sending is the outbox's job (see ``core.delivery``), so a crash never leaves a stored
message without its pending delivery, and an acknowledged update is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.context import DeskContext
from core.entities import Content, CustomerProfile, InboundEdit, InboundMessage
from core.enums import ACTIVE_TICKET_STATUSES, MessageDirection, MessageKind, TicketStatus
from core.i18n import gettext
from core.models import Conversation, Customer, Message, Ticket
from core.outbox import release_held
from core.queues import (
    MIRROR,
    MIRROR_EDIT,
    NOTICE,
    OPEN_TOPIC,
    customer_queue,
    enqueue_on,
    topic_queue,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


class Outcome(StrEnum):
    """What a use case did with an event (handlers log it; tests assert on it)."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    NOTE = "note"


async def atomically(work: Callable[[BaseDBAsyncClient], Awaitable[T]], *, attempts: int = 3) -> T:
    """Run ``work`` in a transaction, retrying when a concurrent writer won a race.

    Two first messages of one customer may both try to create the customer and the
    conversation; the loser hits a unique constraint and, on retry, finds the winner's
    rows. That is how "ten racing first messages, one topic" holds without locks.
    """
    for attempt in range(1, attempts + 1):
        try:
            async with in_transaction() as connection:
                return await work(connection)
        except IntegrityError:
            if attempt == attempts:
                raise
            log.debug("concurrent write, retrying (attempt %s)", attempt)
    raise AssertionError("unreachable")


async def commit_and_wake(
    work: Callable[[BaseDBAsyncClient], Awaitable[Outcome]], ctx: DeskContext
) -> Outcome:
    """Run a use case's transaction; wake the outbox worker if it stored something."""
    outcome = await atomically(work)
    if outcome is Outcome.STORED:
        ctx.wake()
    return outcome


def set_content(message: Message, content: Content) -> None:
    """Put ``content`` into a message row (not saved)."""
    message.kind = content.kind
    message.text = content.text
    message.html = content.html
    message.attachments = [a.to_json() for a in content.attachments]


async def ingest(inbound: InboundMessage, ctx: DeskContext) -> Outcome:
    """Store a customer's message and queue its mirror into the conversation's topic.

    A redelivered update (same channel, chat and message id) is a no-op.
    """

    async def work(connection: BaseDBAsyncClient) -> Outcome:
        if await _inbound_exists(connection, inbound.profile, inbound.chat_id, inbound.message_id):
            return Outcome.DUPLICATE
        now = ctx.clock.now()
        customer = await upsert_customer(connection, inbound.profile, now)
        conversation, created = await _conversation_for(connection, customer, inbound.chat_id)
        if customer.is_blocked:
            # Writing to the bot means they unblocked it, even if that update was missed.
            await _unblocked(connection, ctx, customer, conversation)
        ticket = await _active_ticket(connection, conversation, now)
        reply_to = await _message_in_customer_chat(
            connection, conversation, inbound.reply_to_message_id
        )
        content = inbound.content
        message = await Message.create(
            using_db=connection,
            conversation=conversation,
            ticket=ticket,
            direction=MessageDirection.INBOUND,
            kind=content.kind,
            text=content.text,
            html=content.html,
            attachments=[a.to_json() for a in content.attachments],
            channel=conversation.channel,
            customer_chat_id=inbound.chat_id,
            customer_message_id=inbound.message_id,
            reply_to=reply_to,
            album_id=inbound.album_id,
            created_at=inbound.sent_at,
        )
        conversation.last_message_at = now
        await conversation.save(using_db=connection, update_fields=["last_message_at"])
        queue = topic_queue(ctx.group_chat_id, conversation.id)
        if created:
            # The topic is created on the first real message only (never on /start), and
            # exactly once: this runs in the transaction that created the conversation.
            await enqueue_on(
                queue,
                OPEN_TOPIC,
                {"conversation_id": conversation.id},
                now=now,
                using_db=connection,
            )
        await enqueue_on(
            queue,
            MIRROR,
            mirror_payload(message),
            now=now,
            using_db=connection,
            message_id=message.id,
        )
        return Outcome.STORED

    return await commit_and_wake(work, ctx)


async def ingest_edit(edit: InboundEdit, ctx: DeskContext) -> Outcome:
    """A customer edited a message: store the new content and queue the mirror's edit."""

    async def work(connection: BaseDBAsyncClient) -> Outcome:
        message = (
            await Message.filter(
                channel=edit.profile.channel,
                customer_chat_id=edit.chat_id,
                customer_message_id=edit.message_id,
                direction=MessageDirection.INBOUND,
            )
            .using_db(connection)
            .first()
        )
        if message is None:
            return Outcome.IGNORED
        old_text = message.text
        set_content(message, edit.content)
        message.edited_at = edit.edited_at
        await message.save(using_db=connection)
        queue = topic_queue(ctx.group_chat_id, message.conversation_id)
        await enqueue_on(
            queue,
            MIRROR_EDIT,
            {"message_id": message.id, "old_text": old_text},
            now=ctx.clock.now(),
            using_db=connection,
            message_id=message.id,
        )
        return Outcome.STORED

    return await commit_and_wake(work, ctx)


async def post_notice(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    conversation_id: int,
    html: str,
    *,
    reply_to: int | None = None,
) -> None:
    """Queue a short desk notice (not a customer message) into a conversation's topic,
    as a reply to the group message ``reply_to`` when it concerns one."""
    queue = topic_queue(ctx.group_chat_id, conversation_id)
    await enqueue_on(
        queue,
        NOTICE,
        {"conversation_id": conversation_id, "html": html, "reply_to": reply_to},
        now=ctx.clock.now(),
        using_db=connection,
    )


def mirror_payload(message: Message) -> dict[str, object]:
    """What the mirror operation needs to decide batching without reading the database."""
    plain = message.kind is MessageKind.TEXT and not message.attachments and not message.reply_to_id
    return {
        "message_id": message.id,
        "album_id": message.album_id,
        "plain": plain,
        "length": len(message.html or message.text or ""),
    }


def notice_text(ctx: DeskContext, message: str, **params: object) -> str:
    """An operator-facing text in the desk's language."""
    return gettext(message, ctx.locale, **params)


async def _unblocked(
    connection: BaseDBAsyncClient, ctx: DeskContext, customer: Customer, conversation: Conversation
) -> None:
    customer.is_blocked = False
    await customer.save(using_db=connection, update_fields=["is_blocked"])
    queue = customer_queue(conversation.channel, conversation.chat_id)
    await release_held(queue.destination, now=ctx.clock.now(), using_db=connection)


async def upsert_customer(
    connection: BaseDBAsyncClient, profile: CustomerProfile, now: datetime
) -> Customer:
    """The customer row for ``profile``, created or refreshed with the latest profile."""
    customer = (
        await Customer.filter(channel=profile.channel, external_id=profile.external_id)
        .using_db(connection)
        .first()
    )
    fields = {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "username": profile.username,
        "language": profile.language,
    }
    if customer is None:
        return await Customer.create(
            using_db=connection,
            channel=profile.channel,
            external_id=profile.external_id,
            created_at=now,
            **fields,
        )
    if any(getattr(customer, key) != value for key, value in fields.items()):
        customer.update_from_dict(fields)
        await customer.save(using_db=connection)
    return customer


async def _inbound_exists(
    connection: BaseDBAsyncClient, profile: CustomerProfile, chat_id: int, message_id: int
) -> bool:
    return (
        await Message.filter(
            channel=profile.channel, customer_chat_id=chat_id, customer_message_id=message_id
        )
        .using_db(connection)
        .exists()
    )


async def _conversation_for(
    connection: BaseDBAsyncClient, customer: Customer, chat_id: int
) -> tuple[Conversation, bool]:
    conversation = await Conversation.filter(customer=customer).using_db(connection).first()
    if conversation is not None:
        return conversation, False
    created = await Conversation.create(
        using_db=connection, customer=customer, channel=customer.channel, chat_id=chat_id
    )
    return created, True


async def _active_ticket(
    connection: BaseDBAsyncClient, conversation: Conversation, now: datetime
) -> Ticket:
    ticket = (
        await Ticket.filter(conversation=conversation, status__in=ACTIVE_TICKET_STATUSES)
        .using_db(connection)
        .order_by("-id")
        .first()
    )
    if ticket is not None:
        return ticket
    return await Ticket.create(
        using_db=connection, conversation=conversation, status=TicketStatus.NEW, opened_at=now
    )


async def _message_in_customer_chat(
    connection: BaseDBAsyncClient, conversation: Conversation, message_id: int | None
) -> Message | None:
    if message_id is None:
        return None
    return (
        await Message.filter(
            conversation=conversation,
            customer_chat_id=conversation.chat_id,
            customer_message_id=message_id,
        )
        .using_db(connection)
        .first()
    )
