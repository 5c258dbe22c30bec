"""A customer writes when their conversation has no active ticket: which ticket gets it?

* inside the reopen window after a *resolution* (``DeskContext.reopen_window``, 72 hours
  by default), a real message reopens the same ticket;
* a thank-you or an "ok" (:func:`core.tickets.thanks.is_thanks`) inside the window after a
  resolution or a close reopens nothing: it is kept, shown to operators and acknowledged
  with a reaction;
* the answer to "add a comment to your rating?" becomes the rating's comment
  (:mod:`core.tickets.csat`); after a low rating (:data:`LOW_RATING`, 1–2 stars) it also reopens
  the ticket, because an unhappy customer explaining why needs an answer, not a 👍;
* anything else — after the window, or after a close (closed is final) — opens a new
  ticket in the same topic, whose card is posted under a visible separator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import Content
from core.enums import ACTIVE_TICKET_STATUSES, EventKind, TicketStatus
from core.models import Conversation, Ticket
from core.outbox.queues import NEW_TICKET_CARD, enqueue_on, topic_queue
from core.staff.events import record
from core.tickets.card_refresh import queue_refresh
from core.tickets.thanks import is_thanks
from core.timers import sla

#: the highest score whose comment reopens the ticket
LOW_RATING = 2


class Route(StrEnum):
    """What a customer message did to the conversation's tickets."""

    ACTIVE = "active"  # joined the active ticket
    REOPENED = "reopened"
    THANKS = "thanks"  # kept on the resolved ticket, acknowledged, nothing reopened
    COMMENT = "comment"  # the comment to a rating
    LOW_RATING = "low_rating"  # the comment to a low rating: kept as the comment, reopened
    NEW = "new"  # a new ticket in the same topic


@dataclass(frozen=True, slots=True)
class Routing:
    """The ticket a message belongs to, and how it got there."""

    ticket: Ticket
    route: Route


async def route_message(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    conversation: Conversation,
    content: Content,
    now: datetime,
) -> Routing:
    """Find or make the ticket for a customer's message (inside the caller's transaction)."""
    latest = (
        await Ticket.filter(conversation_id=conversation.id)
        .using_db(connection)
        .order_by("-id")
        .first()
    )
    if latest is None:
        ticket = await open_ticket(connection, ctx, conversation, now, first=True)
        return Routing(ticket, Route.NEW)
    if latest.status in ACTIVE_TICKET_STATUSES:
        return Routing(latest, Route.ACTIVE)
    ended = latest.resolved_at if latest.status == TicketStatus.RESOLVED else latest.closed_at
    inside = ended is not None and now - ended < ctx.reopen_window
    if inside and latest.status == TicketStatus.RESOLVED and latest.csat_comment_pending:
        if content.text and not content.attachments and not content.text.startswith("/"):
            score = latest.csat_score
            if score is None or score > LOW_RATING:
                return Routing(latest, Route.COMMENT)
            await _reopen(connection, ctx, latest, now, data={"by": "customer", "rating": score})
            return Routing(latest, Route.LOW_RATING)
    if inside and is_thanks(content):
        return Routing(latest, Route.THANKS)
    if inside and latest.status == TicketStatus.RESOLVED:
        await _reopen(connection, ctx, latest, now)
        return Routing(latest, Route.REOPENED)
    ticket = await open_ticket(connection, ctx, conversation, now, first=False)
    await enqueue_on(
        topic_queue(ctx.group_chat_id, conversation.id),
        NEW_TICKET_CARD,
        {"conversation_id": conversation.id, "ticket_id": ticket.id},
        now=now,
        using_db=connection,
    )
    await queue_refresh(connection, ctx, ticket)  # the topic's title follows the new ticket
    return Routing(ticket, Route.NEW)


async def _reopen(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    now: datetime,
    *,
    data: dict[str, object] | None = None,
) -> None:
    """The customer came back inside the window: same ticket, open again, same owner.

    No SLA clock starts again: the customer's message arms next response (see
    :mod:`core.timers.sla`).
    """
    old = TicketStatus(ticket.status)
    await (
        Ticket.filter(id=ticket.id)
        .using_db(connection)
        .update(status=TicketStatus.OPEN, csat_comment_pending=False)
    )
    ticket.status, ticket.csat_comment_pending = TicketStatus.OPEN, False
    await record(
        connection,
        kind=EventKind.REOPENED,
        ticket_id=ticket.id,
        conversation_id=ticket.conversation_id,
        data=data or {"by": "customer"},
        now=now,
    )
    await sla.status_changed(connection, ctx, ticket, old, TicketStatus.OPEN, now)
    await queue_refresh(connection, ctx, ticket)


async def open_ticket(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    conversation: Conversation,
    now: datetime,
    *,
    first: bool,
) -> Ticket:
    """A new ticket in ``conversation``, with its ``OPENED`` event (``first``: the very first).

    Its SLA clocks start with it (:func:`core.timers.sla.start_clocks`).
    """
    ticket = await Ticket.create(
        using_db=connection,
        conversation=conversation,
        status=TicketStatus.NEW,
        opened_at=now,
        **sla.new_ticket_fields(ctx, now),
    )
    await record(
        connection,
        kind=EventKind.OPENED,
        ticket_id=ticket.id,
        conversation_id=conversation.id,
        data={"first": first},
        now=now,
    )
    await sla.start_clocks(connection, ctx, ticket, now)
    return ticket
