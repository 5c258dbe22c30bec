"""Read-only questions operators ask in the group: queues, search, history and the log.

Every function returns frozen rows ready for rendering (never storage rows); nothing
here writes. Lists come oldest first for work queues (``/queue``, ``/mine``,
``/waiting``) and newest first for look-ups (``/search``, ``/history``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.enums import ACTIVE_TICKET_STATUSES, EventKind, MessageDirection, TicketStatus
from core.limits import INT_MAX
from core.messaging.views import profile_of
from core.models import Conversation, Customer, Event, Message, Operator, Ticket

#: The most rows a search returns (operators refine the words rather than page for ever).
SEARCH_LIMIT = 200


@dataclass(frozen=True, slots=True)
class TicketRow:
    """One ticket as a line of a list, with where its topic is."""

    number: int
    status: TicketStatus
    customer: str
    username: str | None
    thread_id: int | None
    opened_at: datetime
    assignee: str | None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """An earlier ticket of a customer: its first line, outcome and rating."""

    number: int
    opened_at: datetime
    first_line: str
    status: TicketStatus
    rating: int | None


@dataclass(frozen=True, slots=True)
class LogRow:
    """One recorded event of a ticket: what, who (None: the customer or the desk), when."""

    kind: EventKind
    actor: str | None
    at: datetime
    data: dict[str, Any]
    #: names of the operators the data mentions by Telegram id (assigned to, role of …)
    people: Mapping[int, str] = dataclasses.field(default_factory=dict)


async def _rows(tickets: Iterable[Ticket]) -> list[TicketRow]:
    """Ticket rows with their customers, topics and assignees, in the given order."""
    tickets = list(tickets)
    conversations = {
        c.id: c for c in await Conversation.filter(id__in={t.conversation_id for t in tickets})
    }
    customers = {
        c.id: c
        for c in await Customer.filter(id__in={c.customer_id for c in conversations.values()})
    }
    assignee_ids = {t.assignee_id for t in tickets if t.assignee_id is not None}
    assignees = {o.id: o.name for o in await Operator.filter(id__in=assignee_ids)}
    rows = []
    for ticket in tickets:
        conversation = conversations[ticket.conversation_id]
        customer = customers[conversation.customer_id]
        rows.append(
            TicketRow(
                number=ticket.number,
                status=TicketStatus(ticket.status),
                customer=profile_of(customer).full_name,
                username=customer.username,
                thread_id=conversation.message_thread_id,
                opened_at=ticket.opened_at,
                assignee=assignees.get(ticket.assignee_id) if ticket.assignee_id else None,
            )
        )
    return rows


async def unassigned_queue() -> list[TicketRow]:
    """Open tickets nobody owns (``new``/``open`` without an assignee), oldest first."""
    tickets = await Ticket.filter(
        status__in=(TicketStatus.NEW, TicketStatus.OPEN), assignee_id=None
    ).order_by("opened_at", "id")
    return await _rows(tickets)


async def mine(telegram_id: int) -> list[TicketRow]:
    """The active tickets assigned to the operator with ``telegram_id``, oldest first."""
    tickets = await Ticket.filter(
        assignee__telegram_id=telegram_id, status__in=ACTIVE_TICKET_STATUSES
    ).order_by("opened_at", "id")
    return await _rows(tickets)


async def waiting() -> list[TicketRow]:
    """Tickets waiting for the customer, oldest first."""
    tickets = await Ticket.filter(status=TicketStatus.WAITING).order_by("opened_at", "id")
    return await _rows(tickets)


async def search(query: str) -> list[TicketRow]:
    """Tickets matching ``#<number>``, ``@<username>`` or words, newest first.

    Words match the text of any message and the customers' names and usernames.
    """
    query = query.strip()
    if not query:
        return []
    if query.startswith("#") and query[1:].isascii() and query[1:].isdigit():
        number = int(query[1:])  # beyond the column's range there is no such ticket
        return await _rows(await Ticket.filter(id=number)) if number <= INT_MAX else []
    if query.startswith("@") and len(query) > 1:
        customers = Customer.filter(username__iexact=query[1:])
        return await _of_customers(await customers.values_list("id", flat=True))
    found_by_text = await (
        Message.filter(text__icontains=query, ticket_id__not_isnull=True)
        .exclude(direction=MessageDirection.NOTE)
        .distinct()
        .values_list("ticket_id", flat=True)
    )
    customer_ids: set[Any] = set()
    for field in ("first_name", "last_name", "username"):
        matched = Customer.filter(**{f"{field}__icontains": query})
        customer_ids.update(await matched.values_list("id", flat=True))
    by_customer = await Ticket.filter(conversation__customer_id__in=customer_ids).values_list(
        "id", flat=True
    )
    found: set[int] = {int(str(i)) for i in [*found_by_text, *by_customer]}
    ids = sorted(found, reverse=True)
    return await _rows(await Ticket.filter(id__in=ids[:SEARCH_LIMIT]).order_by("-id"))


async def _of_customers(customer_ids: Iterable[Any]) -> list[TicketRow]:
    """Every ticket of these customers, newest first."""
    tickets = await (
        Ticket.filter(conversation__customer_id__in=list(customer_ids))
        .order_by("-id")
        .limit(SEARCH_LIMIT)
    )
    return await _rows(tickets)


async def _conversation_at(thread_id: int) -> Conversation | None:
    """The conversation whose topic is ``thread_id`` (None: General or a foreign topic)."""
    return await Conversation.filter(message_thread_id=thread_id).first()


async def history(thread_id: int) -> list[HistoryRow] | None:
    """The earlier tickets of the topic's customer, newest first (None: not a topic)."""
    conversation = await _conversation_at(thread_id)
    if conversation is None:
        return None
    tickets = await Ticket.filter(conversation_id=conversation.id).order_by("-id")
    rows = []
    for ticket in tickets[1:]:  # the newest is the current one
        first = (
            await Message.filter(ticket_id=ticket.id, direction=MessageDirection.INBOUND)
            .order_by("id")
            .first()
        )
        text = (first.text or "").strip() if first is not None else ""
        rows.append(
            HistoryRow(
                number=ticket.number,
                opened_at=ticket.opened_at,
                first_line=text.splitlines()[0] if text else "",
                status=TicketStatus(ticket.status),
                rating=ticket.csat_score,
            )
        )
    return rows


async def ticket_log(thread_id: int) -> tuple[int, list[LogRow]] | None:
    """The topic's current ticket number and its events, oldest first (None: not a topic)."""
    conversation = await _conversation_at(thread_id)
    if conversation is None:
        return None
    ticket = await Ticket.filter(conversation_id=conversation.id).order_by("-id").first()
    if ticket is None:
        return None
    events = await Event.filter(ticket_id=ticket.id).order_by("created_at", "id")
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    names = {o.id: o.name for o in await Operator.filter(id__in=actor_ids)}
    mentioned = {v for e in events for v in _mentioned_ids(e.data)}
    people = {o.telegram_id: o.name for o in await Operator.filter(telegram_id__in=mentioned)}
    rows = [
        LogRow(
            kind=EventKind(event.kind),
            actor=names.get(event.actor_id) if event.actor_id is not None else None,
            at=event.created_at,
            data=dict(event.data),
            people=people,
        )
        for event in events
    ]
    return ticket.number, rows


#: event data keys that hold an operator's Telegram id
_PERSON_KEYS = ("operator", "previous")


def _mentioned_ids(data: object) -> list[int]:
    """The operators' Telegram ids an event's ``data`` names (old rows may hold anything)."""
    if not isinstance(data, dict):
        return []
    found = [data.get(key) for key in _PERSON_KEYS]
    # bounded: a number beyond BIGINT would break the look-up on PostgreSQL
    return [v for v in found if type(v) is int and 0 < v < 2**63]
