"""The event log: the one place that writes :class:`~core.models.Event` rows.

Every workflow change (a ticket taken, a status set, a role changed, an action refused)
records what happened, who did it and when, inside the transaction of the change itself,
so the log never disagrees with the state. Metrics and SLA reports read these rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.enums import EventKind
from core.models import Event

#: ``actor_label`` of what the desk does on its own (auto-assignment, wake-ups, auto-resolve)
DESK = "desk"
#: ``actor_label`` prefix of a change an automation rule made
RULE_PREFIX = "rule:"


def rule_actor(name: str) -> str:
    """``actor_label`` of a change made by the automation rule ``name``."""
    return f"{RULE_PREFIX}{name}"


async def record(
    connection: BaseDBAsyncClient,
    *,
    kind: EventKind,
    ticket_id: int | None = None,
    conversation_id: int | None = None,
    actor_id: int | None = None,
    data: dict[str, Any] | None = None,
    now: datetime,
    actor_label: str | None = None,
) -> Event:
    """Write one event row on ``connection`` (the caller's transaction) and return it.

    ``actor_id`` is the operator's row id (not the Telegram id); ``None`` means the
    customer or the desk itself; ``actor_label`` names an automatic actor (``"desk"``,
    ``"rule:<name>"``, see :data:`DESK`). ``data`` carries the details (old and new values …) and
    must be JSON-serialisable. ``now`` comes from the caller's clock.
    """
    return await Event.create(
        using_db=connection,
        kind=kind,
        ticket_id=ticket_id,
        conversation_id=conversation_id,
        actor_id=actor_id,
        actor_label=actor_label,
        data=dict(data or {}),
        created_at=now,
    )


async def events_of(
    connection: BaseDBAsyncClient | None = None,
    *,
    kind: EventKind | None = None,
    ticket_id: int | None = None,
) -> list[Event]:
    """The events of one kind and/or ticket, oldest first (for reports and tests)."""
    query = Event.all()
    if kind is not None:
        query = query.filter(kind=kind)
    if ticket_id is not None:
        query = query.filter(ticket_id=ticket_id)
    if connection is not None:
        query = query.using_db(connection)
    return await query.order_by("created_at", "id")
