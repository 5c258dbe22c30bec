"""Ingest: a customer's message (or edit) becomes stored rows and queued mirrors.

Each call runs in one transaction that stores the message *and* its outbox items, so
an acknowledged update is never lost and a redelivered one is a no-op. The common case
(a known customer with an open ticket) is one lookup and two writes; a ``getUpdates``
batch can be stored in a single transaction with :func:`ingest_batch`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.context import DeskContext
from core.entities import InboundEdit, InboundMessage
from core.enums import MessageDirection, MessageKind
from core.lookup import lookup_customer
from core.messaging.usecase import Outcome, commit_and_wake, set_content
from core.metrics import MESSAGES_STORED
from core.models import Conversation, Customer, Message
from core.outbox.queues import (
    MIRROR,
    MIRROR_EDIT,
    OPEN_TOPIC,
    enqueue_on,
    topic_queue,
)
from core.relay.acknowledgements import answer_automatically
from core.relay.customers import (
    conversation_for,
    inbound_exists,
    message_in_customer_chat,
    unblocked,
    upsert_customer,
)
from core.relay.rules import apply_rules
from core.tickets.assignment import assign_new
from core.tickets.bans import active_ticket_id, banned_message
from core.tickets.csat import acknowledge, record_comment
from core.tickets.reopening import Route, open_ticket, route_message
from core.tickets.sla_hooks import customer_wrote, customer_wrote_to

log = logging.getLogger(__name__)

# Routes whose message waits for an operator's reply (SLA); a thank-you or a rating's
# comment on an ended ticket does not, but an unhappy comment reopens the ticket and does.
_AWAITS_REPLY = (Route.ACTIVE, Route.REOPENED, Route.NEW, Route.LOW_RATING)


async def ingest(inbound: InboundMessage, ctx: DeskContext) -> Outcome:
    """Store a customer's message and queue its mirror into the conversation's topic.

    A redelivered update (same channel, chat and message id) is a no-op. The usual case
    (a known customer with an open ticket) takes one lookup and two writes; the first
    attempt lets the unique constraint catch a duplicate instead of asking first.
    """
    attempts = 0

    async def work(connection: BaseDBAsyncClient) -> Outcome:
        nonlocal attempts
        attempts += 1
        return await _ingest_in(connection, ctx, inbound, careful=attempts > 1)

    outcome = await commit_and_wake(work, ctx)
    _count_stored([outcome])
    return outcome


async def ingest_batch(inbounds: Sequence[InboundMessage], ctx: DeskContext) -> list[Outcome]:
    """Store several customer messages (one ``getUpdates`` batch) in one transaction.

    Same rules and results as calling :func:`ingest` for each in order, at a fraction of
    the cost. If any of them collides (a redelivery, a racing first message), the batch
    is rolled back and each message goes through :func:`ingest` on its own.
    """
    if not inbounds:
        return []
    try:
        async with in_transaction() as connection:
            outcomes = [await _ingest_in(connection, ctx, i, careful=False) for i in inbounds]
    except IntegrityError:
        return [await ingest(inbound, ctx) for inbound in inbounds]
    ctx.wake()
    _count_stored(outcomes)
    return outcomes


def _count_stored(outcomes: Sequence[Outcome]) -> None:
    # counted after the commit: a rolled-back or retried transaction stored nothing
    stored = sum(outcome is Outcome.STORED for outcome in outcomes)
    if stored:
        MESSAGES_STORED.labels(MessageDirection.INBOUND.value).inc(stored)


async def _ingest_in(
    connection: BaseDBAsyncClient, ctx: DeskContext, inbound: InboundMessage, *, careful: bool
) -> Outcome:
    """One message inside the caller's transaction; ``careful`` checks for a duplicate."""
    if careful and await inbound_exists(
        connection, inbound.profile, inbound.chat_id, inbound.message_id
    ):
        return Outcome.DUPLICATE
    known = await lookup_customer(connection, inbound.profile)
    ticket_id: int | None
    route: Route | None
    if known is not None and known.ticket_id is not None and known.is_current(inbound.profile):
        ticket_id, route = known.ticket_id, Route.ACTIVE
        # The clocks first: a card refresh they queue goes ahead of this message's
        # mirror, never between the parts of an album (that would split it).
        if not known.sla_settled:  # usually settled: an earlier message still waits
            await customer_wrote_to(connection, ctx, ticket_id, ctx.clock.now())
        await _store_inbound(connection, ctx, inbound, known.conversation_id, ticket_id)
    elif known is None and not careful:
        # Nobody to look up: create without asking first. A racing first message makes
        # one of the two inserts fail, and the careful retry takes the path below.
        ticket_id, route = await _first_message(connection, ctx, inbound), Route.NEW
    else:
        ticket_id, route = await _ingest_changed(connection, ctx, inbound)
    await apply_rules(connection, ctx, inbound, ticket_id, route)  # [[rules]], see README
    await assign_new(connection, ctx, ticket_id, route)  # ASSIGNMENT, unless owned already
    # the acknowledgement and the off-hours reply, in this same transaction
    await answer_automatically(connection, ctx, inbound, ticket_id, route)
    return Outcome.STORED


async def _first_message(
    connection: BaseDBAsyncClient, ctx: DeskContext, inbound: InboundMessage
) -> int:
    """A customer's very first message: customer, conversation, ticket and topic at once.

    Returns the new ticket's id.
    """
    now = ctx.clock.now()
    profile = inbound.profile
    customer = await Customer.create(
        using_db=connection,
        channel=profile.channel,
        external_id=profile.external_id,
        first_name=profile.first_name,
        last_name=profile.last_name,
        username=profile.username,
        language=profile.language,
        created_at=now,
    )
    conversation = await Conversation.create(
        using_db=connection, customer=customer, channel=profile.channel, chat_id=inbound.chat_id
    )
    ticket = await open_ticket(connection, ctx, conversation, now, first=True)
    await _open_topic(connection, ctx, conversation.id, now)
    await _store_inbound(connection, ctx, inbound, conversation.id, ticket.id)
    await customer_wrote(connection, ctx, ticket, now)
    return int(ticket.id)


async def _open_topic(
    connection: BaseDBAsyncClient, ctx: DeskContext, conversation_id: int, now: datetime
) -> None:
    """Queue the creation of a new conversation's topic.

    Called in the transaction that created the conversation, so exactly once, and on
    the first real message only (never on /start).
    """
    queue = topic_queue(ctx.group_chat_id, conversation_id)
    payload = {"conversation_id": conversation_id}
    await enqueue_on(queue, OPEN_TOPIC, payload, now=now, using_db=connection)


async def _ingest_changed(
    connection: BaseDBAsyncClient, ctx: DeskContext, inbound: InboundMessage
) -> tuple[int | None, Route | None]:
    """The slower path: a changed profile, no open ticket, unblocking, or a lost race.

    Returns the message's ticket and route (no route: a banned customer's message).
    """
    now = ctx.clock.now()
    customer = await upsert_customer(connection, inbound.profile, now)
    conversation, created = await conversation_for(connection, customer, inbound.chat_id)
    if customer.is_blocked:
        # Writing to the bot means they unblocked it, even if that update was missed.
        await unblocked(connection, ctx, customer, conversation)
    if customer.is_banned:  # kept, never shown: see core.tickets.bans
        ticket_id = await active_ticket_id(connection, conversation.id)
        await _store_inbound(connection, ctx, inbound, conversation.id, ticket_id, mirror=False)
        await banned_message(connection, ctx, conversation)
        return ticket_id, None
    routing = await route_message(connection, ctx, conversation, inbound.content, now)
    if created:
        await _open_topic(connection, ctx, conversation.id, now)
    # A comment is shown on the card and as a notice instead of as a message.
    comment = routing.route in (Route.COMMENT, Route.LOW_RATING)
    if routing.route in _AWAITS_REPLY:  # before the mirror, as on the fast path
        await customer_wrote(connection, ctx, routing.ticket, now)
    message = await _store_inbound(
        connection, ctx, inbound, conversation.id, routing.ticket.id, mirror=not comment
    )
    if comment:
        reopened = routing.route is Route.LOW_RATING
        await record_comment(connection, ctx, routing.ticket, message, reopened=reopened)
    # No 👍 on an unhappy customer's comment: the reopened ticket gets a real answer.
    if routing.route in (Route.THANKS, Route.COMMENT):
        await acknowledge(connection, ctx, conversation, message)
    return routing.ticket.id, routing.route


async def _store_inbound(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    inbound: InboundMessage,
    conversation_id: int,
    ticket_id: int | None,
    *,
    mirror: bool = True,
) -> Message:
    """Write the message and queue its mirror (if ``mirror``); return the stored row."""
    now = ctx.clock.now()
    reply_to = await message_in_customer_chat(
        connection, inbound.profile.channel, inbound.chat_id, inbound.reply_to_message_id
    )
    content = inbound.content
    message = await Message.create(
        using_db=connection,
        conversation_id=conversation_id,
        ticket_id=ticket_id,
        direction=MessageDirection.INBOUND,
        kind=content.kind,
        text=content.text,
        html=content.html,
        attachments=[a.to_json() for a in content.attachments],
        channel=inbound.profile.channel,
        customer_chat_id=inbound.chat_id,
        customer_message_id=inbound.message_id,
        reply_to_id=reply_to,
        album_id=inbound.album_id,
        created_at=inbound.sent_at,
    )
    if mirror:
        await enqueue_on(
            topic_queue(ctx.group_chat_id, conversation_id),
            MIRROR,
            mirror_payload(message),
            now=now,
            using_db=connection,
            message_id=message.id,
        )
    return message


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


def mirror_payload(message: Message) -> dict[str, object]:
    """What the mirror operation needs to decide batching without reading the database."""
    plain = message.kind is MessageKind.TEXT and not message.attachments and not message.reply_to_id
    return {
        "message_id": message.id,
        "album_id": message.album_id,
        "plain": plain,
        "length": len(message.html or message.text or ""),
    }
