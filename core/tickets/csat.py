"""Closing the loop: the rating request after a resolution, the rating, its comment.

When a ticket is resolved the customer gets "your request #N is resolved" in their
language with a 1–5 keyboard. A press records the score (an ``RATED`` event, shown on
the card and as a notice in the topic) and asks for an optional comment with a Skip
button; the customer's next text inside the reopen window becomes that comment
(``COMMENTED``) instead of reopening the ticket — unless the rating was low (1–2): then
it is the comment *and* reopens the ticket, with an alert in the topic (see
:mod:`core.tickets.reopening`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from tortoise.backends.base.client import BaseDBAsyncClient

from core.context import DeskContext
from core.entities import Choice, ChoicePress
from core.enums import EventKind, TicketStatus
from core.errors import DeliveryError, RecipientUnavailable
from core.i18n import _, gettext
from core.limits import INT_MAX
from core.messaging.delivery import RECHECK_UNREACHABLE
from core.messaging.usecase import atomically, notice_text, post_notice
from core.models import Conversation, Customer, Message, Ticket
from core.outbox import Completion, FailureDecision, Job, Operation
from core.outbox.queues import ACKNOWLEDGE, ASK_COMMENT, ASK_RATING, customer_queue, enqueue_on
from core.ports import Ports
from core.staff.events import record
from core.tickets.card_refresh import queue_refresh

log = logging.getLogger(__name__)

THANKS_REACTION = "👍"
_RATE, _SKIP = "rate", "skip"
#: ``rate:<ticket id>:<1–5>`` or ``skip:<ticket id>``: nothing else is a choice.
_CHOICE = re.compile(
    r"(?P<act>rate):(?P<id>[1-9][0-9]{0,9}):(?P<score>[1-5])"
    r"|skip:(?P<skip>[1-9][0-9]{0,9})"
)


@dataclass(frozen=True, slots=True)
class ChoiceData:
    """What a customer's quick-reply button says: rate a ticket 1–5, or skip the comment."""

    ticket_id: int
    score: int | None = None  # None: Skip

    @property
    def data(self) -> str:
        """The button's data, as :func:`parse_choice` reads it."""
        if self.score is None:
            return f"{_SKIP}:{self.ticket_id}"
        return f"{_RATE}:{self.ticket_id}:{self.score}"


def parse_choice(data: str) -> ChoiceData | None:
    """The choice ``data`` (from a client: anything) stands for, or None.

    The ticket id must fit the tickets' INT column and a score is exactly 1 to 5.
    """
    found = _CHOICE.fullmatch(data)
    if found is None:
        return None
    ticket_id = int(found["id"] or found["skip"])
    if ticket_id > INT_MAX:
        return None
    return ChoiceData(ticket_id, int(found["score"]) if found["act"] else None)


def stars(score: int) -> str:
    """``★★★★☆`` for 4."""
    return "★" * score + "☆" * (5 - score)


async def queue_rating_request(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket
) -> None:
    """Ask the customer to rate ``ticket`` (it was just resolved), in the caller's transaction."""
    conversation = await Conversation.filter(id=ticket.conversation_id).using_db(connection).get()
    queue = customer_queue(conversation.channel, conversation.chat_id)
    payload = {"ticket_id": ticket.id}
    await enqueue_on(queue, ASK_RATING, payload, now=ctx.clock.now(), using_db=connection)


async def acknowledge(
    connection: BaseDBAsyncClient, ctx: DeskContext, conversation: Conversation, message: Message
) -> None:
    """Queue a 👍 reaction on a customer's message (a thank-you, a rating comment)."""
    queue = customer_queue(conversation.channel, conversation.chat_id)
    payload = {"message_id": message.id}
    await enqueue_on(queue, ACKNOWLEDGE, payload, now=ctx.clock.now(), using_db=connection)


async def record_comment(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    message: Message,
    *,
    reopened: bool = False,
) -> None:
    """The customer's text after "add a comment?" is the comment to their rating.

    ``reopened``: the rating was low and the comment reopened the ticket (see
    :mod:`core.tickets.reopening`); the team gets an alert under the comment.
    """
    text = message.text or ""
    fields: dict[str, object] = {"csat_comment": text, "csat_comment_pending": False}
    notice = notice_text(
        ctx,
        _("💬 Comment on the rating of #{number}: {comment}"),
        number=ticket.number,
        comment=escape(text),  # the customer's own words
    )
    data = {"comment": text, "message_id": message.id}
    await _customer_feedback(connection, ctx, ticket, fields, EventKind.COMMENTED, data, notice)
    if reopened and ticket.csat_score is not None:
        alert = notice_text(
            ctx,
            _("⚠️ Low rating ({score}★) on #{number}: the customer's comment reopened the ticket."),
            score=ticket.csat_score,
            number=ticket.number,
        )
        await post_notice(connection, ctx, ticket.conversation_id, alert)


async def _customer_feedback(
    connection: BaseDBAsyncClient,
    ctx: DeskContext,
    ticket: Ticket,
    fields: dict[str, object],
    kind: EventKind,
    data: dict[str, object],
    notice: str,
) -> None:
    """Store what the customer said about a ticket, log it, redraw the card, tell the team."""
    await Ticket.filter(id=ticket.id).using_db(connection).update(**fields)
    await record(
        connection,
        kind=kind,
        ticket_id=ticket.id,
        conversation_id=ticket.conversation_id,
        data=data,
        now=ctx.clock.now(),
    )
    await queue_refresh(connection, ctx, ticket)
    await post_notice(connection, ctx, ticket.conversation_id, notice)


async def handle_choice(press: ChoicePress, ctx: DeskContext) -> str | None:
    """A customer pressed a rating star or Skip; return the short answer to show them.

    Buttons are checked against the presser: a forged or stale press (another
    customer's ticket, a reopened one) changes nothing and gets an explanation.
    """
    choice = parse_choice(press.data)
    if choice is None:
        log.warning("unknown choice %r from %s", press.data[:80], press.profile.external_id)
        return gettext("This button is not active any more.", press.profile.language)

    async def work(connection: BaseDBAsyncClient) -> str:
        ticket = await Ticket.filter(id=choice.ticket_id).using_db(connection).first()
        customer = await _customer_of(connection, ticket)
        language = ctx.customer_language(press.profile.language)
        if (
            ticket is None
            or customer is None
            or (customer.channel, customer.external_id)
            != (press.profile.channel, press.profile.external_id)
        ):
            log.warning("refused choice %r from %s", press.data, press.profile.external_id)
            return gettext("This button is not active any more.", language)
        if choice.score is None:
            await (
                Ticket.filter(id=ticket.id).using_db(connection).update(csat_comment_pending=False)
            )
            return gettext("All right. Thank you!", language)
        if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            return gettext(
                "This request is open again; you can rate it once it is resolved.", language
            )
        await _rate(connection, ctx, ticket, choice.score)
        return gettext("Thank you for your rating!", language)

    answer = await atomically(work)
    ctx.wake()
    return answer


async def _customer_of(connection: BaseDBAsyncClient, ticket: Ticket | None) -> Customer | None:
    if ticket is None:
        return None
    conversation = await Conversation.filter(id=ticket.conversation_id).using_db(connection).get()
    return await Customer.filter(id=conversation.customer_id).using_db(connection).first()


async def _rate(
    connection: BaseDBAsyncClient, ctx: DeskContext, ticket: Ticket, score: int
) -> None:
    """Store the score (a change of mind overwrites it), tell the team, ask for a comment."""
    first_time = ticket.csat_score is None
    pending = first_time or ticket.csat_comment_pending
    notice = notice_text(
        ctx,
        _("⭐ The customer rated #{number}: {stars} ({score}/5)"),
        number=ticket.number,
        stars=stars(score),
        score=score,
    )
    fields: dict[str, object] = {"csat_score": score, "csat_comment_pending": pending}
    data = {"score": score, "old": ticket.csat_score}
    await _customer_feedback(connection, ctx, ticket, fields, EventKind.RATED, data, notice)
    if first_time:
        now = ctx.clock.now()
        conversation = (
            await Conversation.filter(id=ticket.conversation_id).using_db(connection).get()
        )
        queue = customer_queue(conversation.channel, conversation.chat_id)
        payload = {"ticket_id": ticket.id}
        await enqueue_on(queue, ASK_COMMENT, payload, now=now, using_db=connection)


class _CustomerOperation(Operation):
    """A desk message to a customer: held while they block the bot, like replies."""

    def __init__(self, ports: Ports, ctx: DeskContext) -> None:
        self.ports, self.ctx = ports, ctx

    async def on_failure(self, jobs: Sequence[Job], error: DeliveryError) -> FailureDecision:
        if isinstance(error, RecipientUnavailable):
            return FailureDecision.hold(recheck=RECHECK_UNREACHABLE)
        log.warning("%s failed for %s: %s", jobs[0].operation, jobs[0].destination, error)
        return FailureDecision.fail()


async def _ticket_and_customer(ticket_id: int) -> tuple[Ticket, Conversation, Customer]:
    ticket = await Ticket.get(id=ticket_id)
    conversation = await Conversation.get(id=ticket.conversation_id)
    return ticket, conversation, await Customer.get(id=conversation.customer_id)


class AskRating(_CustomerOperation):
    """ "Your request #N is resolved" with a 1–5 keyboard, in the customer's language."""

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        ticket, conversation, customer = await _ticket_and_customer(jobs[0].payload["ticket_id"])
        if ticket.status != TicketStatus.RESOLVED:
            return None  # reopened (or closed) before we got to ask
        text = gettext(
            "✅ Your request #{number} is resolved. How would you rate our help?",
            self.ctx.customer_language(customer.language),
            number=ticket.number,
        )
        choices = [Choice(label=f"{n} ⭐", data=ChoiceData(ticket.id, n).data) for n in range(1, 6)]
        channel = self.ports.channel(conversation.channel)
        await channel.send_choices(conversation.chat_id, text, choices, key=f"rate:{jobs[0].id}")
        return None


class AskComment(_CustomerOperation):
    """After a rating: "add a comment?" with a Skip button."""

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        ticket, conversation, customer = await _ticket_and_customer(jobs[0].payload["ticket_id"])
        language = self.ctx.customer_language(customer.language)
        text = gettext("Thank you! If you like, tell us more in your next message.", language)
        skip = [Choice(label=gettext("Skip", language), data=ChoiceData(ticket.id).data)]
        channel = self.ports.channel(conversation.channel)
        await channel.send_choices(conversation.chat_id, text, skip, key=f"comment:{jobs[0].id}")
        return None


class Acknowledge(_CustomerOperation):
    """A 👍 on a customer's message that needs no answer (a thank-you, a comment)."""

    async def run(self, jobs: Sequence[Job]) -> Completion | None:
        message = await Message.get(id=int(jobs[0].payload["message_id"]))
        if message.customer_message_id is None:
            return None
        channel = self.ports.channel(message.channel)
        await channel.react(
            int(message.customer_chat_id or 0),
            int(message.customer_message_id),
            THANKS_REACTION,
            key=f"ack:{jobs[0].id}",
        )
        return None
