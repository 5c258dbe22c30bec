"""Keeping a ticket's card and its topic title in step with the ticket's state.

A workflow change queues two outbox items on the conversation's topic queue: an
``edit_card`` and a ``rename_topic``. Each carries a coalesce key per ticket/topic, so a
burst of changes supersedes the pending items and only the newest state is sent. The
items also settle for :data:`REFRESH_SETTLE` after the newest change before they go (a
short debounce through the outbox's batching), so ten taps in two seconds cost at most
two edits even when the flood budget would allow more. The operations read the state
when they run, never from the payload, and skip calls that would change nothing (a topic
title that is already right).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.errors import NotModified, TopicClosed, TopicGone
from core.i18n import _
from core.messaging.mirroring import TopicOperation
from core.messaging.topics import ensure_topic, topic_closed
from core.messaging.usecase import notice_text
from core.messaging.views import in_breach, ticket_card, topic_title
from core.models import Conversation, Customer, Ticket
from core.outbox import Completion, Job
from core.outbox.queues import EDIT_CARD, RENAME_TOPIC, enqueue_on, topic_queue

log = logging.getLogger(__name__)

#: How long a card edit or rename waits for a newer change before it is sent.
REFRESH_SETTLE = timedelta(milliseconds=400)


def card_key(ticket_id: int) -> str:
    """The coalesce key of a ticket's card edits."""
    return f"card:{ticket_id}"


def title_key(conversation_id: int) -> str:
    """The coalesce key of a topic's renames."""
    return f"title:{conversation_id}"


async def queue_refresh(connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket) -> None:
    """Queue a card edit and a topic rename for ``ticket`` in the caller's transaction."""
    queue = topic_queue(ctx.group_chat_id, ticket.conversation_id)
    now = ctx.clock.now()
    for operation, payload, key in (
        (EDIT_CARD, {"ticket_id": ticket.id}, card_key(ticket.id)),
        (
            RENAME_TOPIC,
            {"conversation_id": ticket.conversation_id},
            title_key(ticket.conversation_id),
        ),
    ):
        await enqueue_on(queue, operation, payload, now=now, using_db=connection, coalesce_key=key)


class SettlingOperation(TopicOperation):
    """A refresh that waits until its item is :data:`REFRESH_SETTLE` old; one call each."""

    max_batch = 2  # never reached (coalesced items are alone), so the batch settles
    settle = REFRESH_SETTLE

    def batch_key(self, job: Job) -> str | None:
        return f"{job.operation}:{sorted(job.payload.items())}"

    def cost(self, jobs: Sequence[Job]) -> int:
        return 1


class EditCard(SettlingOperation):
    """Redraw a ticket's card (text and buttons) with the ticket's current state."""

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        ticket = await Ticket.get_or_none(id=int(jobs[-1].payload["ticket_id"]))
        if ticket is None or ticket.card_message_id is None:
            return None  # no card yet: it is posted with the current state anyway
        try:
            card = await ticket_card(ticket, self.ctx.clock.now())
            await self.ports.desk.edit_card(int(ticket.card_message_id), card)
        except NotModified:
            log.debug("card of #%s already shows its state", ticket.number)
        return None


class RenameTopic(SettlingOperation):
    """Give a topic the title of its current ticket's state (status, SLA breach, urgency)."""

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        conversation_id = int(jobs[-1].payload["conversation_id"])
        conversation = await Conversation.get_or_none(id=conversation_id)
        if conversation is None or conversation.message_thread_id is None:
            return None  # the topic is created with the right title later
        ticket = await Ticket.filter(conversation_id=conversation_id).order_by("-id").first()
        if ticket is None:
            return None
        customer = await Customer.get(id=conversation.customer_id)
        breached = await in_breach(ticket, self.ctx.clock.now())
        title = topic_title(ticket, customer, self.ctx.locale, breached=breached)
        if title == conversation.topic_title:
            return None
        try:
            await self.ports.desk.rename_topic(int(conversation.message_thread_id), title)
        except NotModified:
            pass

        async def remember(connection: BaseDBAsyncClient) -> None:
            await (
                Conversation.filter(id=conversation_id)
                .using_db(connection)
                .update(topic_title=title)
            )

        return remember


class NewTicketCard(TopicOperation):
    """A new ticket in a topic that already has history: a separator, then its own card.

    Runs before the new ticket's first mirrored message (same FIFO queue). If the topic
    does not exist yet (or was deleted), the card comes with the topic instead.
    """

    def cost(self, jobs: Sequence[Job]) -> int:
        return 3  # the separator, the card and its pin

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        conversation = await Conversation.get(id=int(jobs[0].payload["conversation_id"]))
        ticket = await Ticket.get(id=int(jobs[0].payload["ticket_id"]))
        if conversation.message_thread_id is None or ticket.card_message_id is not None:
            return None
        separator = notice_text(
            self.ctx, _("➖➖➖➖➖ New request #{number} ➖➖➖➖➖"), number=ticket.number
        )
        thread_id, desk = int(conversation.message_thread_id), self.ports.desk
        try:
            await desk.post(thread_id, separator)
        except TopicClosed:  # the customer wrote: operators must be able to answer
            await desk.reopen_topic(thread_id)
            await topic_closed(thread_id, False)
            await desk.post(thread_id, separator)
        except TopicGone:  # a new topic starts with a header and this ticket's card
            conversation.message_thread_id = None
            await conversation.save(update_fields=["message_thread_id"])
            await ensure_topic(self.ports, self.ctx, conversation, recreated=True)
            return None
        await ensure_topic(self.ports, self.ctx, conversation)  # posts and pins the card
        return None
