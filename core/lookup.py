"""Hot paths in plain SQL: everything about a known customer in one query, and helpers.

Most customer messages come from someone the desk already knows, with a ticket open.
Answering "which conversation and which open ticket?" with the ORM costs three queries
and most of the time goes into building them; one hand-written query does it at a
fraction of the cost. Anything unusual falls back to the ORM path in ``core.messaging.usecase``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.entities import CustomerProfile
from core.enums import ACTIVE_TICKET_STATUSES, TicketStatus

_ACTIVE = ", ".join(f"'{status.value}'" for status in ACTIVE_TICKET_STATUSES)
_WAITING = TicketStatus.WAITING.value

_LOOKUP = f"""
SELECT cu.first_name, cu.last_name, cu.username, cu.language, cu.is_blocked,
       co.id, cu.is_banned,
       (SELECT t.id FROM tickets t
         WHERE t.conversation_id = co.id AND t.status IN ({_ACTIVE})
         ORDER BY t.id DESC LIMIT 1),
       (SELECT t.awaiting_reply_since IS NOT NULL AND t.status <> '{_WAITING}' FROM tickets t
         WHERE t.conversation_id = co.id AND t.status IN ({_ACTIVE})
         ORDER BY t.id DESC LIMIT 1)
  FROM customers cu JOIN conversations co ON co.customer_id = cu.id
 WHERE cu.channel = {{0}} AND cu.external_id = {{1}}
"""


def sql(connection: BaseDBAsyncClient, template: str, count: int) -> str:
    """``template`` with the placeholders ``{0}``, ``{1}`` … in the connection's dialect."""
    if connection.capabilities.dialect == "postgres":
        places = [f"${n}" for n in range(1, count + 1)]
    else:
        places = ["?"] * count
    return template.format(*places)


def marks(start: int, count: int) -> str:
    """``{start}, {start+1}, …`` (``count`` of them): the placeholders of an ``IN`` list."""
    return ", ".join(f"{{{n}}}" for n in range(start, start + count))


@dataclass(frozen=True, slots=True)
class KnownCustomer:
    """What the desk has stored about a customer, their conversation and open ticket."""

    first_name: str
    last_name: str
    username: str | None
    language: str
    is_blocked: bool
    conversation_id: int
    ticket_id: int | None
    is_banned: bool = False
    # A new message on the open ticket changes no SLA clock: an earlier one still waits
    # for a reply and the ticket is not waiting for the customer (core.tickets.sla_hooks).
    sla_settled: bool = False

    def is_current(self, profile: CustomerProfile) -> bool:
        """True if nothing needs changing before a message is stored (the fast path)."""
        return (
            self.ticket_id is not None
            and not self.is_blocked
            and not self.is_banned
            and (self.first_name, self.last_name, self.username, self.language)
            == (profile.first_name, profile.last_name, profile.username, profile.language)
        )


async def lookup_customer(
    connection: BaseDBAsyncClient, profile: CustomerProfile
) -> KnownCustomer | None:
    """The stored customer with a conversation, or None (a first message)."""
    values: list[Any] = [profile.channel.value, profile.external_id]
    _count, rows = await connection.execute_query(sql(connection, _LOOKUP, 2), values)
    if not rows:
        return None
    row = tuple(rows[0])
    return KnownCustomer(
        first_name=row[0],
        last_name=row[1],
        username=row[2],
        language=row[3],
        is_blocked=bool(row[4]),
        conversation_id=int(row[5]),
        ticket_id=int(row[7]) if row[7] is not None else None,
        is_banned=bool(row[6]),
        sla_settled=bool(row[8]),
    )
