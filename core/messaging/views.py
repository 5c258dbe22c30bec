"""Read-side helpers: turn storage rows into the entities that ports and renderers need."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient

from core.entities import Attachment, CardSla, CardTask, Content, CustomerProfile, TicketCard
from core.enums import Channel, MessageDirection, TicketPriority, TicketStatus
from core.i18n import DEFAULT_LOCALE, _, gettext
from core.messaging.titles import title_of
from core.models import Conversation, Customer, Message, Operator, Task, Ticket
from core.timers.sla import most_urgent, past_due, running_clocks

CHANNEL_LABELS = {Channel.TELEGRAM: "Telegram", Channel.VK: "VK"}
#: A topic's name for a customer whose own name shows nothing.
NAMELESS = _("Customer {id}")


def profile_of(customer: Customer) -> CustomerProfile:
    """The customer's profile as an entity."""
    return CustomerProfile(
        channel=customer.channel,
        external_id=customer.external_id,
        first_name=customer.first_name,
        last_name=customer.last_name,
        username=customer.username,
        language=customer.language,
    )


def content_of(message: Message) -> Content:
    """A stored message's content as an entity."""
    return Content(
        kind=message.kind,
        text=message.text,
        html=message.html,
        attachments=tuple(Attachment.from_json(a) for a in message.attachments),
    )


#: The status icon that heads a topic's title (and the ticket card).
STATUS_ICONS = {
    TicketStatus.NEW: "🆕",
    TicketStatus.OPEN: "🟢",
    TicketStatus.WAITING: "⏳",
    TicketStatus.RESOLVED: "✅",
    TicketStatus.CLOSED: "⚫",
}
URGENT_MARK = "🔥"
#: Marks a topic whose ticket is past an SLA due time (after the status icon).
BREACH_MARK = "🚨"


def topic_title(
    ticket: Ticket, customer: Customer, locale: str = DEFAULT_LOCALE, *, breached: bool = False
) -> str:
    """``<status icon>[🚨][🔥] #<ticket> <customer name> · <channel>``, at most 128 characters.

    The icon shows the ticket's status, 🚨 a ticket in SLA breach (``breached``, see
    :func:`sla_state`) and 🔥 an urgent ticket, e.g. ``🟢 #12 Alice · Telegram``; 128
    characters is Telegram's cap for a topic name. The name is isolated and never blank
    (see :func:`core.messaging.titles.title_of`); ``locale`` is the operators' language,
    for the fallback name.
    """
    mark = BREACH_MARK if breached else ""
    mark += URGENT_MARK if ticket.priority == TicketPriority.URGENT else ""
    suffix = f" · {CHANNEL_LABELS.get(customer.channel, str(customer.channel))}"
    head = f"{STATUS_ICONS.get(TicketStatus(ticket.status), '•')}{mark} #{ticket.number} "
    fallback = gettext(NAMELESS, locale, id=customer.external_id)
    return title_of(head, profile_of(customer).full_name, suffix, fallback=fallback)


async def sla_state(
    ticket_id: int, now: datetime, connection: BaseDBAsyncClient | None = None
) -> CardSla | None:
    """The SLA clock of a ticket that matters most right now, or None when none runs.

    The running clock due soonest (see :func:`core.timers.sla.most_urgent`); past due
    counts as breached even before the scheduler has marked it, and a clock whose due
    time a recompute moved ahead again counts down, though its breach stays recorded.
    """
    urgent = most_urgent(await running_clocks(connection, ticket_id))
    if urgent is None or urgent.due_at is None:
        return None
    return CardSla(urgent.clock, urgent.due_at, breached=past_due(urgent, now), as_of=now)


async def in_breach(ticket: Ticket, now: datetime) -> bool:
    """Is ``ticket`` past a running SLA clock's due time (the topic title's 🚨)?"""
    state = await sla_state(ticket.id, now)
    return state is not None and state.breached


async def ticket_card(ticket: Ticket, now: datetime | None = None) -> TicketCard:
    """Everything the ticket's card shows, read from the database.

    With ``now`` (the injected clock's) the card also counts down to the ticket's most
    urgent SLA clock (see :func:`sla_state`); without it the card shows no SLA line.
    """
    conversation = await Conversation.get(id=ticket.conversation_id)
    customer = await Customer.get(id=conversation.customer_id)
    earlier = await Ticket.filter(conversation_id=conversation.id, id__lt=ticket.id).count()
    last_inbound = (
        await Message.filter(conversation_id=conversation.id, direction=MessageDirection.INBOUND)
        .order_by("-id")
        .first()
    )
    assignee = await Operator.get_or_none(id=ticket.assignee_id) if ticket.assignee_id else None
    return TicketCard(
        number=ticket.number,
        status=ticket.status.value,
        priority=ticket.priority.value,
        customer=profile_of(customer),
        opened_at=ticket.opened_at,
        last_customer_message_at=last_inbound.created_at if last_inbound else None,
        earlier_tickets=earlier,
        assignee=assignee.name if assignee else None,
        tags=tuple(ticket.tags),
        csat_score=ticket.csat_score,
        csat_comment=ticket.csat_comment,
        sla=await sla_state(ticket.id, now) if now is not None else None,
        next_task=await next_task(ticket.id),
    )


async def next_task(ticket_id: int) -> CardTask | None:
    """The ticket's open follow-up task due first (the card shows it), if any."""
    task = await Task.filter(ticket_id=ticket_id, done_at__isnull=True).order_by("due_at").first()
    return CardTask(text=task.text, due_at=task.due_at) if task is not None else None


def message_html(message: Message) -> str:
    """A stored text message as safe HTML (its own formatting, or escaped plain text)."""
    return message.html or escape(message.text or "")


def merged_html(messages: list[Message], timezone: ZoneInfo) -> str:
    """Several plain-text customer messages as one, each line keeping its own time."""
    lines = []
    for message in messages:
        stamp = message.created_at.astimezone(timezone).strftime("%H:%M:%S")
        lines.append(f"<code>{stamp}</code> {message_html(message)}")
    return "\n".join(lines)
