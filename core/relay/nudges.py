"""Waiting on the customer: the reminder after ``nudge_after``, the resolve after
``auto_resolve_after`` (``[waiting]`` in botdesk.toml; both off by default).

The deadlines are armed and cancelled with the ticket's status (:mod:`core.timers.waiting`);
these are their handlers, run by the scheduler inside the transaction that claims the
deadline. Each checks again at firing: a ticket that no longer waits, or that is snoozed
(waiting until a time an operator chose), is left alone.

* The reminder goes to the customer in their language through the outbox, like the
  acknowledgement (:mod:`core.relay.acknowledgements`); the ticket keeps ``nudged_at``, a
  ``NUDGED`` event by the desk is logged and a short line tells the team in the topic.
* The auto-resolve is the regular resolve by the desk (actor ``desk``): SLA clocks stop,
  the customer is asked for a rating, the card follows.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.durations import human_span
from core.enums import EventKind, TicketStatus
from core.i18n import Translator, _
from core.messaging.usecase import notice_text, post_notice
from core.models import Conversation, Customer, Deadline, Ticket
from core.outbox.queues import customer_queue, enqueue_on
from core.relay.acknowledgements import AUTO_REPLY
from core.staff.events import DESK
from core.tickets.assignment import drain_in
from core.tickets.automatic import change_as, set_status_as
from core.tickets.card_refresh import queue_refresh
from core.timers.scheduler import Handler
from core.timers.waiting import WAITING_NUDGE, WAITING_RESOLVE

NUDGE_COMPANY = _(
    "Hello! This is the support team of {company}. We are still waiting for your reply about "
    "request #{number}. If you still need help, just answer in this chat."
)
NUDGE_TEAM = _(
    "Hello! We are still waiting for your reply about request #{number}. If you still need "
    "help, just answer in this chat."
)
NUDGED_NOTICE = _("🔔 The customer was reminded that we wait for their reply.")
RESOLVED_NOTICE = _("✅ Resolved by the desk: no reply from the customer in {span}.")


def waiting_handlers(ctx: DeskContext) -> dict[str, Handler]:
    """The scheduler's handlers of the waiting deadlines, by kind."""

    async def nudge(connection: BaseDBAsyncClient, deadline: Deadline, now: datetime) -> None:
        ticket = await _still_waiting(connection, deadline)
        if ticket is not None:
            await remind(connection, ctx, ticket, now)

    async def resolve(connection: BaseDBAsyncClient, deadline: Deadline, now: datetime) -> None:
        ticket = await _still_waiting(connection, deadline)
        if ticket is not None:
            await auto_resolve(connection, ctx, ticket)

    return {WAITING_NUDGE: nudge, WAITING_RESOLVE: resolve}


async def _still_waiting(connection: BaseDBAsyncClient, deadline: Deadline) -> Ticket | None:
    """The deadline's ticket if it still waits on the customer and is not snoozed."""
    ticket = await Ticket.filter(id=int(deadline.payload["ticket_id"])).using_db(connection).first()
    if ticket is None or ticket.status != TicketStatus.WAITING or ticket.snoozed_until is not None:
        return None
    return ticket


def nudge_text(locale: str | None, *, number: int, company: str) -> str:
    """The reminder a waiting customer gets, in ``locale`` (HTML, like every desk text)."""
    t = Translator(locale)
    if company:
        return escape(t(NUDGE_COMPANY, company=company, number=number), quote=False)
    return escape(t(NUDGE_TEAM, number=number), quote=False)


async def remind(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, now: datetime
) -> None:
    """Queue the reminder to ``ticket``'s customer; log it and tell the team in the topic."""
    conversation = await Conversation.filter(id=ticket.conversation_id).using_db(connection).get()
    customer = await Customer.filter(id=conversation.customer_id).using_db(connection).get()
    locale = ctx.customer_language(customer.language)
    payload = {
        "reply": "nudge",
        "channel": conversation.channel.value,
        "chat_id": conversation.chat_id,
        "text": nudge_text(locale, number=ticket.number, company=ctx.company_name),
    }
    queue = customer_queue(conversation.channel, conversation.chat_id)
    await enqueue_on(queue, AUTO_REPLY, payload, now=now, using_db=connection)
    await change_as(
        connection, ticket, DESK, now, kind=EventKind.NUDGED, data={"nudge": 1}, nudged_at=now
    )
    await post_notice(connection, ctx, conversation.id, escape(notice_text(ctx, NUDGED_NOTICE)))


async def auto_resolve(connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket) -> None:
    """Resolve ``ticket`` as the desk: the regular resolve, with a line in the topic."""
    if not await set_status_as(connection, ctx, ticket, TicketStatus.RESOLVED, DESK):
        return
    after = ctx.workload.auto_resolve_after
    if after is not None:
        span = human_span(after, ctx.locale)
        text = notice_text(ctx, RESOLVED_NOTICE, span=span)
        await post_notice(connection, ctx, ticket.conversation_id, escape(text))
    await queue_refresh(connection, ctx, ticket)
    await drain_in(connection, ctx)  # its owner has a free slot now: the queue moves
