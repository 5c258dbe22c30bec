"""The customer's side of ingest: who wrote, in which conversation, replying to what.

Split from :mod:`core.relay.ingest` to keep each module to one job; these run inside the
ingest transaction (``connection``) and never commit on their own.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import CustomerProfile
from core.enums import Channel
from core.models import Conversation, Customer, Message
from core.outbox import release_held
from core.outbox.queues import customer_queue


async def unblocked(
    connection: BaseDBAsyncClient, ctx: DeskContext, customer: Customer, conversation: Conversation
) -> None:
    """The customer wrote, so they no longer block the bot: release their held replies."""
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


async def inbound_exists(
    connection: BaseDBAsyncClient, profile: CustomerProfile, chat_id: int, message_id: int
) -> bool:
    """Whether this customer message is stored already (a redelivered update)."""
    return (
        await Message.filter(
            channel=profile.channel, customer_chat_id=chat_id, customer_message_id=message_id
        )
        .using_db(connection)
        .exists()
    )


async def conversation_for(
    connection: BaseDBAsyncClient, customer: Customer, chat_id: int
) -> tuple[Conversation, bool]:
    """The customer's conversation, and whether it was created just now."""
    conversation = await Conversation.filter(customer=customer).using_db(connection).first()
    if conversation is not None:
        return conversation, False
    created = await Conversation.create(
        using_db=connection, customer=customer, channel=customer.channel, chat_id=chat_id
    )
    return created, True


async def message_in_customer_chat(
    connection: BaseDBAsyncClient, channel: Channel, chat_id: int, message_id: int | None
) -> int | None:
    """The stored message a customer's message replies to (its row id), if any."""
    if message_id is None:
        return None
    found = (
        await Message.filter(
            channel=channel, customer_chat_id=chat_id, customer_message_id=message_id
        )
        .using_db(connection)
        .first()
        .values_list("id", flat=True)
    )
    return None if found is None else int(str(found))
