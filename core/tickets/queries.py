"""Read-only questions operators ask in the group: queues, search, history and the log.

Every function returns frozen rows ready for rendering (never storage rows); nothing
here writes. Work lists (``/queue``, ``/mine``, ``/waiting``, ``/overdue``) come by due
time — breached first, most overdue first, then the nearest due, then tickets without a
running clock, oldest first — and are paged by the database (see :mod:`core.tickets.due`);
``/stale`` comes longest wait first; look-ups (``/search``, ``/history``) newest first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.enums import EventKind, MessageDirection, TicketStatus
from core.limits import INT_MAX
from core.messaging.views import profile_of
from core.models import Conversation, Customer, Event, Message, Operator, Ticket
from core.tickets.due import DueClock, Filter, dues_of, work_page

#: The most rows a search returns (operators refine the words rather than page for ever).
SEARCH_LIMIT = 200
#: Tickets on one page of a work list unless the caller asks for another size.
PAGE_SIZE = 10


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
    #: the most urgent running SLA clock (None: none runs, or the list does not say)
    due: DueClock | None = None
    #: since when the customer waits for an answer (``/stale`` only)
    waiting_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class TicketPage:
    """One page of a work list: its rows, which page it is (0-based) and of how many."""

    rows: list[TicketRow]
    page: int
    pages: int


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
    #: an automatic actor's label: "desk" or "rule:<name>" (None: a person or the customer)
    label: str | None = None


async def _rows(
    tickets: Iterable[Ticket],
    dues: Mapping[int, DueClock] | None = None,
    waits: Mapping[int, datetime] | None = None,
) -> list[TicketRow]:
    """Ticket rows with their customers, topics, assignees and clocks, in the given order."""
    tickets = list(tickets)
    dues, waits = dues or {}, waits or {}
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
                due=dues.get(ticket.id),
                waiting_since=waits.get(ticket.id),
            )
        )
    return rows


async def _page(which: Filter, arg: Any, now: datetime, page: int, size: int) -> TicketPage:
    """A page of a work list as rows, in the order the database chose."""
    found = await work_page(which, arg, now, page, size)
    by_id = {t.id: t for t in await Ticket.filter(id__in=found.ids)}
    tickets = [by_id[i] for i in found.ids if i in by_id]  # one may be gone since
    rows = await _rows(tickets, found.dues, found.waits)
    return TicketPage(rows, found.page, found.pages)


async def unassigned_queue(now: datetime, page: int = 0, size: int = PAGE_SIZE) -> TicketPage:
    """Open tickets nobody owns (``new``/``open`` without an assignee), by due time."""
    return await _page(Filter.QUEUE, None, now, page, size)


async def mine(telegram_id: int, now: datetime, page: int = 0, size: int = PAGE_SIZE) -> TicketPage:
    """The active tickets assigned to the operator with ``telegram_id``, by due time."""
    return await _page(Filter.MINE, telegram_id, now, page, size)


async def waiting(now: datetime, page: int = 0, size: int = PAGE_SIZE) -> TicketPage:
    """Tickets waiting for the customer (mostly without a running clock: oldest first)."""
    return await _page(Filter.WAITING, None, now, page, size)


async def overdue(now: datetime, page: int = 0, size: int = PAGE_SIZE) -> TicketPage:
    """Active tickets with a breached clock or one inside its warning window.

    Most overdue first, then the nearest due; priority (urgent first) breaks ties.
    """
    return await _page(Filter.OVERDUE, None, now, page, size)


async def stale(
    now: datetime, older_than: timedelta, page: int = 0, size: int = PAGE_SIZE
) -> TicketPage:
    """Active tickets whose customer has waited longer than ``older_than`` for an answer.

    The wait counts from the oldest customer message without an operator reply
    (``awaiting_reply_since``); the longest wait comes first.
    """
    return await _page(Filter.STALE, now - older_than, now, page, size)


async def search(query: str, now: datetime | None = None) -> list[TicketRow]:
    """Tickets matching ``#<number>``, ``@<username>`` or words, newest first.

    Words match the text of any message and the customers' names and usernames. Given
    ``now``, each row carries its ticket's most urgent running clock.
    """
    query = query.strip()
    if not query:
        return []
    if query.startswith("#") and query[1:].isascii() and query[1:].isdigit():
        number = int(query[1:])  # beyond the column's range there is no such ticket
        return await _timed(await Ticket.filter(id=number), now) if number <= INT_MAX else []
    if query.startswith("@") and len(query) > 1:
        customers = Customer.filter(username__iexact=query[1:])
        return await _of_customers(await customers.values_list("id", flat=True), now)
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
    return await _timed(await Ticket.filter(id__in=ids[:SEARCH_LIMIT]).order_by("-id"), now)


async def _of_customers(customer_ids: Iterable[Any], now: datetime | None) -> list[TicketRow]:
    """Every ticket of these customers, newest first."""
    tickets = await (
        Ticket.filter(conversation__customer_id__in=list(customer_ids))
        .order_by("-id")
        .limit(SEARCH_LIMIT)
    )
    return await _timed(tickets, now)


async def _timed(tickets: list[Ticket], now: datetime | None) -> list[TicketRow]:
    """Rows of ``tickets`` with their urgent clocks as of ``now`` (None: without clocks)."""
    dues = await dues_of([t.id for t in tickets], now) if now is not None else {}
    return await _rows(tickets, dues)


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
            label=event.actor_label,
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
