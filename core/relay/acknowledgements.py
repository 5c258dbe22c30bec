"""The desk's own answers to a customer's message: the acknowledgement and the off-hours reply.

* The first message of a new ticket (a customer's very first, or one that starts a new
  ticket in an existing conversation — not a reopen, a rating comment or a thank-you) is
  acknowledged with the ticket number and when the first response is due, counted exactly
  as the first-response clock counts it.
* A message that joins or opens an active ticket while the business calendar is closed
  gets, once per ticket, the off-hours reply with the next opening time. When both apply,
  the off-hours reply goes first: it explains the wait the acknowledgement then promises.

Both are queued on the customer's outbox queue inside the ingest transaction, so they are
never lost and never sent twice. They are stored as no message of the conversation: they
are the desk's own words and never count as an operator's reply for any SLA clock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import InboundMessage
from core.enums import Channel, SlaClock
from core.errors import DeliveryError, RecipientUnavailable
from core.messaging.delivery import RECHECK_UNREACHABLE
from core.models import Ticket, TicketClock
from core.outbox import Completion, FailureDecision, Job, Operation
from core.outbox.queues import customer_queue, enqueue_on
from core.ports import Ports
from core.relay.auto_reply_texts import acknowledgement_text, off_hours_text
from core.tickets.reopening import Route

log = logging.getLogger(__name__)

#: the outbox operation that sends an automatic reply's text to a customer
AUTO_REPLY = "auto_reply"
ACKNOWLEDGEMENT, OFF_HOURS = "acknowledgement", "off_hours"
#: the routes by which a message joins or opens an active ticket (a thank-you or a rating
#: comment leaves the ticket resolved: nobody is about to answer it)
ACTIVE_ROUTES = frozenset({Route.ACTIVE, Route.NEW, Route.REOPENED, Route.LOW_RATING})


async def first_response_due(connection: BaseDBAsyncClient, ticket_id: int) -> datetime | None:
    """When the ticket's first response is due: its SLA clock's own due time, so the
    promise and the clock never disagree (None: no first-response target)."""
    clock = (
        await TicketClock.filter(ticket_id=ticket_id, clock=SlaClock.FIRST_RESPONSE, cycle=1)
        .using_db(connection)
        .first()
    )
    return clock.due_at if clock is not None else None


async def answer_automatically(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    inbound: InboundMessage,
    ticket_id: int | None,
    route: Route | None,
) -> None:
    """Queue the off-hours reply and the acknowledgement that ``inbound`` calls for.

    ``ticket_id`` and ``route`` say where ingest put the message (None: nowhere that
    needs an answer, e.g. a banned customer's). Runs in the ingest transaction.
    """
    if ticket_id is None or route not in ACTIVE_ROUTES:
        return
    now = ctx.clock.now()
    locale = ctx.customer_language(inbound.profile.language)
    replies, calendar = ctx.auto_replies, ctx.calendar
    texts: list[tuple[str, str]] = []
    try:
        if replies.off_hours.enabled and not calendar.is_open(now):
            if await _first_off_hours(connection, ticket_id, now):
                opening = calendar.next_opening(now)
                text = off_hours_text(
                    replies.off_hours, locale, opening=opening, now=now, zone=calendar.zone
                )
                texts.append((OFF_HOURS, text))
        if route is Route.NEW and replies.acknowledgement.enabled:
            due = await first_response_due(connection, ticket_id)
            text = acknowledgement_text(
                replies.acknowledgement,
                locale,
                number=ticket_id,
                due=due,
                now=now,
                zone=calendar.zone,
            )
            texts.append((ACKNOWLEDGEMENT, text))
    except ValueError as exc:
        # A calendar with no open time for years has no opening or due time to name; the
        # customer's message must still be stored, so the reply is left out, not the message.
        log.warning("no automatic reply for ticket %s: %s", ticket_id, exc)
        return
    queue = customer_queue(inbound.profile.channel, inbound.chat_id)
    for reply, text in texts:
        payload = {
            "reply": reply,
            "channel": inbound.profile.channel.value,
            "chat_id": inbound.chat_id,
            "text": text,
        }
        await enqueue_on(queue, AUTO_REPLY, payload, now=now, using_db=connection)


async def _first_off_hours(connection: BaseDBAsyncClient, ticket_id: int, now: datetime) -> bool:
    """Mark the ticket's off-hours reply as sent; False if an earlier message already did.

    One conditional update: of two messages racing on one ticket, only one wins the row.
    """
    changed = (
        await Ticket.filter(id=ticket_id, off_hours_replied_at=None)
        .using_db(connection)
        .update(off_hours_replied_at=now)
    )
    return bool(changed)


class SendAutoReply(Operation):
    """Send an automatic reply's text, rendered at ingest, to the customer's chat.

    Held, like replies, while the customer blocks the bot; the key makes a retry on VK
    (``random_id``) send nothing twice.
    """

    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        payload = jobs[0].payload
        channel = self.ports.channel(Channel(str(payload["channel"])))
        key = f"{payload['reply']}:{jobs[0].id}"
        await channel.send_text(int(payload["chat_id"]), str(payload["text"]), key=key)
        return None

    async def on_failure(self, jobs: Sequence[Job], error: DeliveryError) -> FailureDecision:
        if isinstance(error, RecipientUnavailable):
            return FailureDecision.hold(recheck=RECHECK_UNREACHABLE)
        log.warning("auto reply failed for %s: %s", jobs[0].destination, error)
        return FailureDecision.fail()
