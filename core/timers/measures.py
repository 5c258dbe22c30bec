"""Durations reports read, stored at the moment they happen instead of recomputed later.

* A reply the customer gets (the same replies that stop the SLA response clocks): the
  ticket's first reply stores its first response time on the reply message
  (``response_kind`` ``first``) and on the ticket; a later reply to a customer message
  that waited (``Ticket.awaiting_reply_since``) stores that wait as a next response.
* A status change: the time a ticket spends waiting on the customer, or resolved before
  a reopen, is paused time (``paused_since`` / ``paused_seconds``); resolving or closing
  stores the resolution time, from opening to now with the paused time left out.

Every duration is kept twice: calendar seconds, and seconds of the desk's business
calendar (:func:`core.timers.sla_math.counted`, the arithmetic the SLA clocks use).
Tickets from before measures existed have ``paused_seconds`` NULL: they get no
resolution time, and a first response only if it is given from now on.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.business_calendar import BusinessCalendar
from core.context import DeskContext
from core.enums import DeliveryState, MessageDirection, ResponseKind, TicketStatus
from core.models import Message, Ticket
from core.timers.sla_math import counted

#: statuses in which a ticket waits on nobody at the desk: their time is not resolution time
PAUSED = (TicketStatus.WAITING, TicketStatus.RESOLVED, TicketStatus.CLOSED)
ENDED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
#: an operator message in these states never reached the customer
NOT_SENT = (DeliveryState.HELD, DeliveryState.DISCARDED)


def spans(calendar: BusinessCalendar, start: datetime, end: datetime) -> tuple[int, int]:
    """Whole seconds from ``start`` to ``end``: in calendar time, and in business hours."""
    return round(counted(calendar, False, start, end)), round(counted(calendar, True, start, end))


async def replied(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, at: datetime
) -> None:
    """An operator reply to ``ticket`` (just stored) went to the customer at ``at``.

    Call it before the SLA clocks are told (they clear ``awaiting_reply_since``). The
    first reply is the one that set ``first_response_at`` to ``at``; any other reply
    counts as a next response when a customer message was waiting for it.
    """
    first = ticket.first_response_seconds is None and ticket.first_response_at == at
    since = ticket.opened_at if first else ticket.awaiting_reply_since
    if since is None:
        return  # nothing waited: a follow-up reply, not a response
    reply = await _latest_reply(connection, ticket.id)
    if reply is None or reply.response_kind is not None:
        return
    calendar_seconds, business_seconds = spans(ctx.calendar, since, at)
    reply.response_kind = ResponseKind.FIRST if first else ResponseKind.NEXT
    reply.response_seconds, reply.response_business_seconds = calendar_seconds, business_seconds
    await reply.save(
        using_db=connection,
        update_fields=["response_kind", "response_seconds", "response_business_seconds"],
    )
    if first:
        ticket.first_response_seconds = calendar_seconds
        ticket.first_response_business_seconds = business_seconds
        await (
            Ticket.filter(id=ticket.id)
            .using_db(connection)
            .update(
                first_response_seconds=calendar_seconds,
                first_response_business_seconds=business_seconds,
            )
        )


async def _latest_reply(connection: BaseDBAsyncClient, ticket_id: int) -> Message | None:
    """The ticket's newest operator message that goes to the customer (the one just sent)."""
    rows = Message.filter(
        ticket_id=ticket_id,
        direction=MessageDirection.OUTBOUND,
        author_id__isnull=False,
    ).exclude(delivery_state__in=NOT_SENT)
    return await rows.using_db(connection).order_by("-id").first()


async def status_changed(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    old: TicketStatus,
    new: TicketStatus,
    at: datetime,
) -> None:
    """``ticket`` moved from ``old`` to ``new`` at ``at``: keep its paused and resolution time.

    Entering waiting or resolved starts a pause; going back to new or open ends it and
    adds it up. Reaching resolved or closed from an active status stores the resolution
    time; resolved → closed keeps the one stored at resolving.
    """
    if old == new or ticket.paused_seconds is None or ticket.paused_business_seconds is None:
        return  # a ticket from before measures: its paused time is unknown
    changes: dict[str, object] = {}
    if old not in PAUSED and new in PAUSED:
        changes["paused_since"] = at
    elif old in PAUSED and new not in PAUSED:
        if ticket.paused_since is not None:
            calendar_seconds, business_seconds = spans(ctx.calendar, ticket.paused_since, at)
            changes["paused_seconds"] = ticket.paused_seconds + calendar_seconds
            changes["paused_business_seconds"] = ticket.paused_business_seconds + business_seconds
        changes["paused_since"] = None
    if new in ENDED and old not in ENDED:
        paused_since = changes.get("paused_since", ticket.paused_since)
        assert paused_since is None or isinstance(paused_since, datetime)
        total, total_business = spans(ctx.calendar, ticket.opened_at, at)
        now_paused = spans(ctx.calendar, paused_since, at) if paused_since else (0, 0)
        changes["resolution_seconds"] = max(total - ticket.paused_seconds - now_paused[0], 0)
        changes["resolution_business_seconds"] = max(
            total_business - ticket.paused_business_seconds - now_paused[1], 0
        )
    if not changes:
        return
    for name, value in changes.items():
        setattr(ticket, name, value)
    await Ticket.filter(id=ticket.id).using_db(connection).update(**changes)
