"""Which SLA clock of a ticket is the most urgent, and work lists ordered by it, in SQL.

A ticket runs up to three clocks at once (first or next response, and resolution). A list
line shows one of them: a breached clock first (the most overdue of them), else the one
due soonest; a paused clock (``due_at`` NULL while the ticket waits for the customer) and
a stopped one never count. A clock counts as breached once its outcome says so or its due
time has passed (the scheduler may not have fired the breach yet).

The lists are selected, ordered and paged by the database: one ``COUNT`` and one page of
ticket ids with their urgent clock, whatever the number of open tickets. The urgent clock
is a correlated sub-query on ``sla_clocks (ticket_id, stopped_at)``, portable between
SQLite and PostgreSQL. Rendering rows is :mod:`core.tickets.queries`' job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import (
    ACTIVE_TICKET_STATUSES,
    SlaClock,
    SlaOutcome,
    TicketPriority,
    TicketStatus,
)
from core.models import Ticket


@dataclass(frozen=True, slots=True)
class DueClock:
    """A ticket's most urgent running clock: which, when it is due, and whether it breached."""

    clock: SlaClock
    due_at: datetime
    breached: bool


@dataclass(frozen=True, slots=True)
class DuePage:
    """One page of a work list: ticket ids in order with their urgent clocks.

    ``waits`` holds since when each customer waits (``STALE`` only); ``page`` is the page
    actually shown (0-based, clamped to the list) of ``pages``.
    """

    ids: list[int]
    dues: dict[int, DueClock]
    waits: dict[int, datetime]
    page: int
    pages: int


class Filter(Enum):
    """The work lists: which tickets each holds (see :func:`work_page`)."""

    QUEUE = "queue"  # new/open, nobody owns it
    MINE = "mine"  # active, owned by the operator (argument: their Telegram id)
    WAITING = "waiting"  # waiting for the customer
    OVERDUE = "overdue"  # active, a running clock breached or inside its warning window
    STALE = "stale"  # active, the customer waits since before the argument (a datetime)


class _Binder:
    """Collects the values of a statement and writes each one's placeholder.

    SQLite's ``?`` are positional: values must be bound in the order their placeholders
    appear in the statement, and a value used twice is bound twice. PostgreSQL numbers
    them, so the same order serves both.
    """

    def __init__(self, connection: BaseDBAsyncClient) -> None:
        self.postgres = connection.capabilities.dialect == "postgres"
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, datetime):  # stored in UTC; SQLite compares the text
            value = value.astimezone(UTC)
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else "?"

    def many(self, values: Iterable[Any]) -> str:
        """The placeholders of an ``IN (…)`` list."""
        return ", ".join(self(value) for value in values)


def _breached(alias: str, now: str) -> str:
    """SQL truth of "the clock ``alias`` has breached" (``now`` is a placeholder)."""
    return f"({alias}.outcome = '{SlaOutcome.BREACHED.value}' OR {alias}.due_at <= {now})"


def _urgent_join(bind: _Binder, now: datetime) -> str:
    """``LEFT JOIN`` of each ticket ``t`` to its most urgent running clock as ``u``."""
    return f"""
  LEFT JOIN sla_clocks u ON u.id = (
        SELECT c.id FROM sla_clocks c
         WHERE c.ticket_id = t.id AND c.stopped_at IS NULL AND c.due_at IS NOT NULL
         ORDER BY CASE WHEN {_breached("c", bind(now))} THEN 0 ELSE 1 END, c.due_at, c.id
         LIMIT 1)"""


_RANK = " ".join(
    f"WHEN '{priority.value}' THEN {rank}"
    for rank, priority in enumerate(
        (TicketPriority.URGENT, TicketPriority.HIGH, TicketPriority.NORMAL, TicketPriority.LOW)
    )
)


def _by_due(bind: _Binder, now: datetime) -> str:
    """Breached first (most overdue first), then nearest due, then no due time; ties by
    priority (urgent first), then the oldest ticket."""
    return (
        "CASE WHEN u.id IS NULL THEN 1 ELSE 0 END, "
        f"CASE WHEN {_breached('u', bind(now))} THEN 0 ELSE 1 END, u.due_at, "
        f"CASE t.priority {_RANK} ELSE 4 END, t.opened_at, t.id"
    )


def _where(bind: _Binder, which: Filter, arg: Any, now: datetime) -> str:
    """The condition selecting the tickets of the list ``which``."""
    if which is Filter.QUEUE:
        unowned = (TicketStatus.NEW, TicketStatus.OPEN)
        return f"t.status IN ({bind.many(unowned)}) AND t.assignee_id IS NULL"
    if which is Filter.WAITING:
        return f"t.status = {bind(TicketStatus.WAITING)}"
    # bound before the rest: placeholders are numbered in the order they are written
    active = f"t.status IN ({bind.many(ACTIVE_TICKET_STATUSES)})"
    if which is Filter.MINE:
        owner = f"(SELECT o.id FROM operators o WHERE o.telegram_id = {bind(arg)})"
        return f"{active} AND t.assignee_id = {owner}"
    if which is Filter.OVERDUE:
        breached, warned = _breached("w", bind(now)), f"w.warn_at <= {bind(now)}"
        return f"""{active} AND EXISTS (
        SELECT 1 FROM sla_clocks w
         WHERE w.ticket_id = t.id AND w.stopped_at IS NULL AND w.due_at IS NOT NULL
           AND ({breached} OR {warned}))"""
    return f"{active} AND t.awaiting_reply_since < {bind(arg)}"


async def work_page(which: Filter, arg: Any, now: datetime, page: int, size: int) -> DuePage:
    """Page ``page`` (0-based, clamped) of ``size`` tickets of the list ``which``.

    Every list is ordered by :func:`_by_due` except :attr:`Filter.STALE`, which puts the
    longest wait first. ``arg`` is the operator's Telegram id for ``MINE`` and the
    latest moment a waiting customer may have written for ``STALE``.
    """
    connection = Ticket._meta.db
    counting = _Binder(connection)
    statement = f"SELECT COUNT(*) AS n FROM tickets t WHERE {_where(counting, which, arg, now)}"
    rows = await connection.execute_query_dict(statement, counting.values)
    total = int(rows[0]["n"])
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    if total == 0:
        return DuePage([], {}, {}, page, pages)
    # bound in the order the placeholders appear in the statement (SQLite counts them)
    bind = _Binder(connection)
    breached = _breached("u", bind(now))
    join = _urgent_join(bind, now)
    where = _where(bind, which, arg, now)
    order = "t.awaiting_reply_since, t.id" if which is Filter.STALE else _by_due(bind, now)
    statement = f"""
SELECT t.id, t.awaiting_reply_since AS since, u.clock, u.due_at,
       CASE WHEN {breached} THEN 1 ELSE 0 END AS breached
  FROM tickets t {join}
 WHERE {where}
 ORDER BY {order}
 LIMIT {bind(size)} OFFSET {bind(page * size)}"""
    rows = await connection.execute_query_dict(statement, bind.values)
    waits = {}
    if which is Filter.STALE:  # what that list is about; the others show the clock alone
        waits = {int(r["id"]): _moment(r["since"]) for r in rows if r["since"] is not None}
    return DuePage([int(row["id"]) for row in rows], _dues(rows), waits, page, pages)


async def dues_of(ticket_ids: Sequence[int], now: datetime) -> dict[int, DueClock]:
    """The most urgent running clock of each of these tickets (those without one left out)."""
    if not ticket_ids:
        return {}
    connection = Ticket._meta.db
    bind = _Binder(connection)
    breached = _breached("u", bind(now))
    join = _urgent_join(bind, now)
    statement = f"""
SELECT t.id, u.clock, u.due_at, CASE WHEN {breached} THEN 1 ELSE 0 END AS breached
  FROM tickets t {join}
 WHERE t.id IN ({bind.many(ticket_ids)})"""
    return _dues(await connection.execute_query_dict(statement, bind.values))


def _dues(rows: Iterable[dict[str, Any]]) -> dict[int, DueClock]:
    """The urgent clocks of result rows (``id``, ``clock``, ``due_at``, ``breached``)."""
    return {
        int(row["id"]): DueClock(
            clock=SlaClock(row["clock"]),
            due_at=_moment(row["due_at"]),
            breached=bool(row["breached"]),
        )
        for row in rows
        if row["clock"] is not None
    }


def _moment(value: Any) -> datetime:
    """A time as the engine returns it from raw SQL: a datetime, or ISO text (SQLite)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
