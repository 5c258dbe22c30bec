"""Which rows a period's figures count, as SQL conditions (see the README's definitions).

Each function binds its own values and returns a condition on a table alias, so any
statement can combine them; every one can be answered from an index on a time column.
"""

from __future__ import annotations

from core.enums import (
    ACTIVE_TICKET_STATUSES,
    DeliveryState,
    EventKind,
    MessageDirection,
    TicketStatus,
)
from core.reports.period import Period
from core.reports.sql import Binder

ENDED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
#: an operator message in these states never reached the customer: not a reply
NOT_SENT = (DeliveryState.HELD, DeliveryState.DISCARDED)


def within(bind: Binder, column: str, period: Period) -> str:
    """``column`` (a stored moment) falls in the period: ``start <= column < end``."""
    return f"({column} >= {bind(period.start)} AND {column} < {bind(period.end)})"


def opened(bind: Binder, t: str, period: Period) -> str:
    """Ticket ``t`` was opened in the period (a new ticket)."""
    return within(bind, f"{t}.opened_at", period)


def ended(bind: Binder, t: str, period: Period) -> str:
    """Ticket ``t`` is resolved or closed, and its resolution falls in the period.

    Its resolution is when it was (last) resolved, or closed when it was closed without
    being resolved first.
    """
    return (
        f"({t}.status IN ({bind.many(ENDED)}) AND ({within(bind, f'{t}.resolved_at', period)}"
        f" OR ({t}.resolved_at IS NULL AND {within(bind, f'{t}.closed_at', period)})))"
    )


def open_at_end(bind: Binder, t: str, period: Period) -> str:
    """Ticket ``t`` was open when the period ended: opened before, not resolved by then."""
    end = period.end
    return (
        f"({t}.opened_at < {bind(end)} AND ({t}.status IN ({bind.many(ACTIVE_TICKET_STATUSES)})"
        f" OR COALESCE({t}.resolved_at, {t}.closed_at) >= {bind(end)}))"
    )


def rated(bind: Binder, t: str, period: Period) -> str:
    """Ticket ``t`` was rated (or its rating changed) in the period."""
    return (
        f"{t}.id IN (SELECT e.ticket_id FROM events e WHERE e.kind = {bind(EventKind.RATED)}"
        f" AND {within(bind, 'e.created_at', period)})"
    )


def reply(bind: Binder, m: str, period: Period) -> str:
    """Message ``m`` is an operator's reply relayed to the customer in the period.

    Outbound with an author (the desk's own messages have none), not held back by a
    collision nor discarded; notes are not outbound.
    """
    return (
        f"({m}.direction = {bind(MessageDirection.OUTBOUND)}"
        f" AND {within(bind, f'{m}.created_at', period)}"
        f" AND {m}.author_id IS NOT NULL AND {m}.delivery_state NOT IN ({bind.many(NOT_SENT)}))"
    )
