"""What every use case shares: outcomes, transactions with retries, notices.

Each use case runs in one database transaction that stores the domain change *and* the
outbox items it causes, then wakes the outbox worker. Nothing here talks to a messenger:
sending is the outbox's job (see ``core.messaging.delivery``), so a crash never leaves a stored
message without its pending delivery, and an acknowledged update is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.context import DeskContext
from core.entities import Content
from core.enums import Channel
from core.i18n import _, gettext
from core.models import Message
from core.outbox.queues import NOTICE, enqueue_on, topic_queue

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


#: What the topic says when a customer cannot be reached, per channel (VK has no blocking,
#: the customer disallows messages from the community instead).
NOT_DELIVERED_YET = {
    Channel.TELEGRAM: _(
        "⚠️ Not delivered yet: the customer has blocked the bot. It will be "
        "delivered if they unblock it."
    ),
    Channel.VK: _(
        "⚠️ Not delivered yet: the customer does not allow messages from the community. "
        "It will be delivered once they allow them again."
    ),
}
UNREACHABLE = {
    Channel.TELEGRAM: _(
        "🚫 The customer blocked the bot. Replies will wait until they unblock it."
    ),
    Channel.VK: _(
        "🚫 The customer disallowed messages from the community. Replies will wait until "
        "they allow them again."
    ),
}
REACHABLE_AGAIN = {
    Channel.TELEGRAM: _("✅ The customer unblocked the bot; replies are delivered again."),
    Channel.VK: _(
        "✅ The customer allows messages from the community again; replies are delivered again."
    ),
}


def notice_text(ctx: DeskContext, message: str, **params: object) -> str:
    """An operator-facing text in the desk's language."""
    return gettext(message, ctx.locale, **params)
