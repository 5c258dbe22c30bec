"""A customer writes on a ticket: the SLA side, including the status move it may cause.

:mod:`core.timers.sla` keeps the clocks but may not touch the workflow above it; moving a
ticket that waits for the customer back to ``open`` (an event and a card refresh) is done
here, then the clocks are told. Ingest calls :func:`customer_wrote` with the routed ticket,
or :func:`customer_wrote_to` on its fast path, where only the ticket's id is at hand.
Replies call :func:`operator_replied`. Whenever a clock starts or stops, the card and the
topic title are refreshed: they show the countdown and the breach mark.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.enums import TicketStatus
from core.models import Ticket
from core.tickets.automatic import set_status_as
from core.tickets.card_refresh import queue_refresh
from core.tickets.wake import BY_CUSTOMER, woke
from core.timers import measures, reassign, sla


async def customer_wrote_to(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket_id: int, at: datetime
) -> None:
    """:func:`customer_wrote` for ticket ``ticket_id`` (ingest's fast path has only the id).

    Ingest skips the call altogether when its lookup says a message changes no clock
    (:attr:`core.lookup.KnownCustomer.sla_settled`): the common case of several customer
    messages in a row costs nothing here.
    """
    ticket = await Ticket.filter(id=ticket_id).using_db(connection).first()
    if ticket is not None:
        await customer_wrote(connection, ctx, ticket, at)


async def customer_wrote(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, at: datetime
) -> None:
    """A customer message joined ``ticket``: reopen it from waiting, then tell the clocks.

    A ticket waiting for the customer moves back to ``open`` (a ``STATUS`` event by the
    customer, actor NULL, and a card refresh), which resumes resolution; a snoozed one
    wakes early (a ``WOKE`` event saying the customer wrote); then
    :func:`core.timers.sla.customer_wrote` may arm next response.
    """
    if ticket.status == TicketStatus.WAITING:
        await set_status_as(connection, ctx, ticket, TicketStatus.OPEN, None)  # by the customer
        if ticket.snoozed_until is not None:  # the customer wrote before the wake-up
            await woke(connection, ticket, at, by=BY_CUSTOMER)
        await queue_refresh(connection, ctx, ticket)
        await sla.customer_wrote(connection, ctx, ticket, at)
    elif await sla.customer_wrote(connection, ctx, ticket, at):
        await queue_refresh(connection, ctx, ticket)  # the card counts down to next response


async def operator_replied(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, at: datetime
) -> None:
    """A reply the customer gets: stop the response clocks and refresh card and title.

    The refresh takes the countdown (and a breach's 🚨 in the title) away; a reply that
    stopped no clock (one already answered) costs no edit. The response time is stored
    first, while the ticket still says since when the customer waited.
    """
    if ctx.workload.reassign_after is not None:  # answered: it stays with whoever has it
        await reassign.disarm(connection, ticket.id)
    await measures.replied(connection, ctx, ticket, at)
    if await sla.operator_replied(connection, ctx, ticket, at):
        await queue_refresh(connection, ctx, ticket)
