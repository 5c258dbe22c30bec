"""Which rows a period's figures count, as SQL conditions (see the README's definitions).

Each function binds its own values and returns a condition on a table alias, so any
statement can combine them; every one can be answered from an index on a time column.
The backlog, whose condition no one index answers, comes as a select of its counts
(:func:`backlog`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.enums import (
    ACTIVE_TICKET_STATUSES,
    DeliveryState,
    EventKind,
    MessageDirection,
    TicketStatus,
)
from core.reports.period import Period
from core.reports.sql import Binder, unindexed

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
    being resolved first. The moments are read from their index: the status's would read
    every ended ticket of the desk's history.
    """
    status = unindexed(bind, f"{t}.status")
    return (
        f"({status} IN ({bind.many(ENDED)}) AND ({within(bind, f'{t}.resolved_at', period)}"
        f" OR ({t}.resolved_at IS NULL AND {within(bind, f'{t}.closed_at', period)})))"
    )


def backlog(bind: Binder, ends: Sequence[datetime]) -> str:
    """A select of one row: ``o{i}``, the tickets open at ``ends[i]``, and ``u{i}``, those of
    them unassigned now (0 when none).

    Open at an end: opened before it and, by its current state and resolution time, not
    resolved by then (a ticket reopened afterwards counts as open). The tickets that can
    be are read in three parts no ticket is in twice, each from an index: the active ones
    (``status, opened_at``), those resolved since the earliest end (``resolved_at``) and
    those closed since it without being resolved (``resolved_at, closed_at``). Written as
    one condition, ``opened_at`` before the end reads every ticket of the desk's history.
    """
    first, last = min(ends), max(ends)
    columns = []
    for i, end in enumerate(ends):
        for name, extra in ((f"o{i}", ""), (f"u{i}", " AND s.assignee_id IS NULL")):
            is_open = f"s.opened_at < {bind(end)} AND (s.ended IS NULL OR s.ended >= {bind(end)})"
            columns.append(
                f"COALESCE(SUM(CASE WHEN {is_open}{extra} THEN 1 ELSE 0 END), 0) AS {name}"
            )
    before = unindexed(bind, "t.opened_at")  # see unindexed: not the history's index
    parts = (
        (
            "NULL",
            f"t.status IN ({bind.many(ACTIVE_TICKET_STATUSES)}) AND t.opened_at < {bind(last)}",
        ),
        (
            "t.resolved_at",
            f"t.status NOT IN ({bind.many(ACTIVE_TICKET_STATUSES)})"
            f" AND t.resolved_at >= {bind(first)} AND {before} < {bind(last)}",
        ),
        (
            "t.closed_at",
            f"t.status NOT IN ({bind.many(ACTIVE_TICKET_STATUSES)}) AND t.resolved_at IS NULL"
            f" AND t.closed_at >= {bind(first)} AND {before} < {bind(last)}",
        ),
    )
    rows = "\n  UNION ALL\n".join(
        f"SELECT t.opened_at, t.assignee_id, {ended} AS ended FROM tickets t WHERE {where}"
        for ended, where in parts
    )
    return f"SELECT {', '.join(columns)}\n  FROM (\n{rows}\n) s"


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
