"""What happens when an operator writes or edits in a topic, or a customer (un)blocks.

An operator message is either a reply (delivered to the customer through the outbox) or
a note (``/note …`` or a leading ``//``), which is stored and never delivered.
"""

from __future__ import annotations

import re

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import CustomerProfile, OperatorEdit, OperatorMessage
from core.enums import ACTIVE_TICKET_STATUSES, DeliveryState, MessageDirection
from core.messaging.delivery import queue_delivery
from core.messaging.usecase import (
    NOT_DELIVERED_YET,
    REACHABLE_AGAIN,
    UNREACHABLE,
    Outcome,
    commit_and_wake,
    notice_text,
    post_notice,
    set_content,
)
from core.metrics import MESSAGES_STORED
from core.models import Conversation, Customer, Message, Ticket
from core.outbox import release_held
from core.outbox.queues import DELIVER_EDIT, customer_queue, enqueue_on
from core.staff.operators import upsert_operator
from core.tickets import sla_hooks
from core.tickets.collisions import Collision, claim_for_reply, queue_hold_prompt, warn_collision

_NOTE_COMMAND = re.compile(r"^/note(?:@\w+)?(?:\s+|$)", re.IGNORECASE)
NOTE_PREFIX = "//"

_OPERATOR_DIRECTIONS = (MessageDirection.OUTBOUND, MessageDirection.NOTE)


def note_text(text: str | None) -> str | None:
    """The note's text if ``text`` is an internal note (``/note …`` or ``//…``), else None."""
    if text is None:
        return None
    stripped = text.lstrip()
    if stripped.startswith(NOTE_PREFIX):
        return stripped[len(NOTE_PREFIX) :].strip()
    match = _NOTE_COMMAND.match(stripped)
    if match:
        return stripped[match.end() :].strip()
    return None


async def handle_operator_message(message: OperatorMessage, ctx: DeskContext) -> Outcome:
    """Store an operator's message in a topic and queue its delivery (unless it's a note)."""

    async def work(connection: BaseDBAsyncClient) -> Outcome:
        conversation = await _conversation_of_topic(connection, message.thread_id)
        if conversation is None:
            return Outcome.IGNORED
        if await _operator_message(connection, conversation, message.message_id) is not None:
            return Outcome.DUPLICATE
        now = ctx.clock.now()
        operator = await upsert_operator(connection, message.operator, now, admins=ctx.admin_ids)
        ticket = await _current_ticket(connection, conversation)
        note = note_text(message.content.text)
        common = {
            "conversation": conversation,
            "ticket": ticket,
            "channel": conversation.channel,
            "customer_chat_id": conversation.chat_id,
            "group_message_id": message.message_id,
            "author": operator,
            "created_at": message.sent_at,
            "album_id": message.album_id,
            "kind": message.content.kind,
            "html": None if note is not None else message.content.html,
            "attachments": [a.to_json() for a in message.content.attachments],
        }
        if note is not None:
            await Message.create(
                using_db=connection, direction=MessageDirection.NOTE, text=note, **common
            )
            return Outcome.NOTE
        reply_to = None
        if message.reply_to_message_id is not None:
            reply_to = await _message_in_topic(
                connection, conversation, message.reply_to_message_id
            )
        claim = await claim_for_reply(connection, ctx, ticket, operator, now)
        held = claim.collision is Collision.HOLD
        stored = await Message.create(
            using_db=connection,
            direction=MessageDirection.OUTBOUND,
            text=message.content.text,
            reply_to=reply_to,
            delivery_state=DeliveryState.HELD if held else DeliveryState.PENDING,
            **common,
        )
        if ticket is not None and ticket.first_response_at is None and not held:
            ticket.first_response_at = now
            await ticket.save(using_db=connection, update_fields=["first_response_at"])
        if ticket is not None and not held:
            await sla_hooks.operator_replied(connection, ctx, ticket, now)
        if held:
            if not await _album_already_held(connection, stored):
                await queue_hold_prompt(connection, ctx, stored, claim.owner or "?")
            return Outcome.STORED
        if claim.collision is Collision.WARN and ticket is not None:
            await warn_collision(connection, ctx, ticket, claim, reply_to=message.message_id)
        await queue_delivery(connection, conversation, stored, now)
        customer = await Customer.filter(id=conversation.customer_id).using_db(connection).get()
        if customer.is_blocked:
            text = NOT_DELIVERED_YET[conversation.channel]
            await post_notice(
                connection,
                ctx,
                conversation.id,
                notice_text(ctx, text),
                reply_to=message.message_id,
            )
        return Outcome.STORED

    outcome = await commit_and_wake(work, ctx)
    # counted after the commit: a rolled-back or retried transaction stored nothing
    if outcome is Outcome.STORED:
        MESSAGES_STORED.labels(MessageDirection.OUTBOUND.value).inc()
    elif outcome is Outcome.NOTE:
        MESSAGES_STORED.labels(MessageDirection.NOTE.value).inc()
    return outcome


async def handle_operator_edit(edit: OperatorEdit, ctx: DeskContext) -> Outcome:
    """An operator edited a message in a topic: update it and the customer's copy."""

    async def work(connection: BaseDBAsyncClient) -> Outcome:
        conversation = await _conversation_of_topic(connection, edit.thread_id)
        if conversation is None:
            return Outcome.IGNORED
        message = await _operator_message(connection, conversation, edit.message_id)
        if message is None:
            return Outcome.IGNORED
        message.edited_at = edit.edited_at
        if message.direction is MessageDirection.NOTE:
            message.text = note_text(edit.content.text) or edit.content.text
            await message.save(using_db=connection)
            return Outcome.NOTE
        set_content(message, edit.content)
        await message.save(using_db=connection)
        queue = customer_queue(conversation.channel, conversation.chat_id)
        await enqueue_on(
            queue,
            DELIVER_EDIT,
            {"message_id": message.id},
            now=ctx.clock.now(),
            using_db=connection,
            message_id=message.id,
        )
        return Outcome.STORED

    return await commit_and_wake(work, ctx)


async def set_customer_reachable(
    profile: CustomerProfile, reachable: bool, ctx: DeskContext
) -> Outcome:
    """The customer blocked (``reachable=False``) or unblocked the bot.

    Blocking is noted in the topic and the ticket stays as it is; unblocking releases the
    replies held back meanwhile, so delivery resumes on its own.
    """

    async def work(connection: BaseDBAsyncClient) -> Outcome:
        customer = (
            await Customer.filter(channel=profile.channel, external_id=profile.external_id)
            .using_db(connection)
            .first()
        )
        if customer is None or customer.is_blocked == (not reachable):
            return Outcome.IGNORED
        customer.is_blocked = not reachable
        await customer.save(using_db=connection, update_fields=["is_blocked"])
        conversation = await Conversation.filter(customer=customer).using_db(connection).first()
        if conversation is None:
            return Outcome.STORED
        if reachable:
            queue = customer_queue(conversation.channel, conversation.chat_id)
            await release_held(queue.destination, now=ctx.clock.now(), using_db=connection)
            text = REACHABLE_AGAIN[conversation.channel]
        else:
            text = UNREACHABLE[conversation.channel]
        await post_notice(connection, ctx, conversation.id, notice_text(ctx, text))
        return Outcome.STORED

    return await commit_and_wake(work, ctx)


async def _conversation_of_topic(
    connection: BaseDBAsyncClient, thread_id: int
) -> Conversation | None:
    return await Conversation.filter(message_thread_id=thread_id).using_db(connection).first()


async def _operator_message(
    connection: BaseDBAsyncClient, conversation: Conversation, group_message_id: int
) -> Message | None:
    return (
        await Message.filter(
            conversation=conversation,
            group_message_id=group_message_id,
            direction__in=_OPERATOR_DIRECTIONS,
        )
        .using_db(connection)
        .first()
    )


async def _message_in_topic(
    connection: BaseDBAsyncClient, conversation: Conversation, group_message_id: int
) -> Message | None:
    # Merged customer texts share one group message; a reply to it answers the latest.
    return (
        await Message.filter(conversation=conversation, group_message_id=group_message_id)
        .using_db(connection)
        .order_by("-id")
        .first()
    )


async def _album_already_held(connection: BaseDBAsyncClient, message: Message) -> bool:
    """Whether an earlier part of this album is held already (one prompt per album)."""
    if message.album_id is None:
        return False
    return (
        await Message.filter(
            conversation_id=message.conversation_id,
            album_id=message.album_id,
            delivery_state=DeliveryState.HELD,
            id__lt=message.id,
        )
        .using_db(connection)
        .exists()
    )


async def _current_ticket(
    connection: BaseDBAsyncClient, conversation: Conversation
) -> Ticket | None:
    active = (
        await Ticket.filter(conversation=conversation, status__in=ACTIVE_TICKET_STATUSES)
        .using_db(connection)
        .order_by("-id")
        .first()
    )
    if active is not None:
        return active
    return (
        await Ticket.filter(conversation=conversation).using_db(connection).order_by("-id").first()
    )
