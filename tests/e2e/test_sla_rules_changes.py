"""SLA clocks when a ticket changes under them: a priority raised, a resolved ticket reopened.

The real app runs against the sandbox with targets of a few seconds; the tests read what
the topic, its title and the managers' Reports topic show, and the SLA events stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest

from core.config import Settings
from core.enums import EventKind, SlaClock, SlaOutcome, TicketStatus
from core.models import Event, Ticket, TicketClock
from tests.e2e.conftest import opened, received, shown, until
from tests.e2e.sla_helpers import (
    MARGIN,
    clock_of,
    labels,
    notice,
    notices,
    past,
    reports_lines,
    set_status,
    sla_running,
)
from tests.e2e.test_card_buttons import card_shows, press
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

SlaDesk = Callable[[dict[str, Any]], AbstractAsyncContextManager[DeskWorld]]
#: Urgent owes a first response in 3 s, normal in a minute.
URGENT_SHORTER = {
    "warn_before": "2s",
    "urgent": {"first_response": "3s", "business_hours": False},
    "normal": {"first_response": "60s", "business_hours": False},
}
#: Both response clocks short: a re-armed first response would run out with next response.
RESPONSES_SHORT = {
    "warn_before": "2s",
    "normal": {"first_response": "5s", "next_response": "5s", "business_hours": False},
}
RATE = "✅ Your request #{n} is resolved. How would you rate our help?"


@pytest.fixture
def sla_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> SlaDesk:
    """``async with sla_desk(sla_table) as world:`` runs the desk with that ``[sla]`` table."""
    return partial(sla_running, desk_world, desk_settings, run_desk)


async def test_raising_the_priority_past_its_target_breaches_at_once(sla_desk: SlaDesk) -> None:
    async with sla_desk(URGENT_SHORTER) as world:
        topic = await opened(world, "Payments are down for all our users")
        ticket = await Ticket.get()
        first = await clock_of(ticket, SlaClock.FIRST_RESPONSE)
        # urgent's 3 s have gone by; under normal's minute nothing is due yet
        await past(first.started_at + timedelta(seconds=3), margin=timedelta(seconds=1))
        assert notices(world, topic) == []

        card = await card_shows(world, topic, lambda c: "Priority ▾" in labels(c))
        await press(world, world.operator, card, "Priority ▾")
        menu = await card_shows(world, topic, lambda c: "urgent" in labels(c))
        pressed = time.monotonic()
        await press(world, world.operator, menu, "urgent")

        breach = await notice(world, topic, "🚨 SLA breached: first response was due at ", 5.0)
        assert time.monotonic() - pressed < 5  # at once, not at the next scan
        recomputed = await Event.filter(ticket_id=ticket.id, kind=EventKind.SLA_RECOMPUTED)
        assert len(recomputed) == 1
        data = recomputed[0].data
        assert (data["old"], data["new"]) == ("normal", "urgent")
        [moved] = data["clocks"]
        assert moved["clock"] == "first_response"
        assert datetime.fromisoformat(moved["new_due"]) < datetime.fromisoformat(moved["old_due"])
        first = await clock_of(ticket, SlaClock.FIRST_RESPONSE)
        assert first.outcome == SlaOutcome.BREACHED and first.target_seconds == 3
        breaches = await Event.filter(ticket_id=ticket.id, kind=EventKind.SLA_BREACHED)
        assert [e.data["clock"] for e in breaches] == ["first_response"]

        line = await until(world.sandbox, lambda: next(iter(reports_lines(world)), None))
        assert line.body.startswith(f"🚨 SLA breached on #{ticket.number} (")
        assert "urgent" in line.body and "first response" in line.body
        await until(world.sandbox, lambda: "🚨" in topic.name and "🔥" in topic.name)
        await card_shows(world, topic, lambda c: "⚠ first response overdue" in c.body)
        # the breach came without a warning first: its time had passed already
        assert [m.body for m in notices(world, topic)] == [breach.body]


async def test_a_reopened_ticket_arms_next_response_not_first_response(
    sla_desk: SlaDesk,
) -> None:
    async with sla_desk(RESPONSES_SHORT) as world:
        ivan = world.operator
        topic = await opened(world, "Where is my parcel?")
        world.sandbox.send_text(ivan, world.group, "It ships today", topic=topic)
        await received(world, "It ships today")
        await set_status(world, topic, "✅ resolved")
        ticket = await Ticket.get()
        await received(world, RATE.format(n=ticket.number))

        world.sandbox.send_text(world.customer, world.bot, "Actually, the parcel is damaged")
        await shown(world, topic, "Actually, the parcel is damaged")
        await card_shows(world, topic, lambda c: "open" in c.body.splitlines()[0])
        assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
        assert await Event.filter(ticket_id=ticket.id, kind=EventKind.REOPENED).count() == 1

        await notice(world, topic, "⏰ SLA warning: next response due at ")
        await notice(world, topic, "🚨 SLA breached: next response was due at ")
        # a first response re-armed at the reopen would be due with next response
        await asyncio.sleep(MARGIN.total_seconds())

        assert not any("first response" in m.body for m in notices(world, topic))
        firsts = await TicketClock.filter(ticket_id=ticket.id, clock=SlaClock.FIRST_RESPONSE)
        assert [(c.cycle, c.outcome) for c in firsts] == [(1, SlaOutcome.HIT)]
        following = await clock_of(ticket, SlaClock.NEXT_RESPONSE)
        assert following.outcome == SlaOutcome.BREACHED
        breaches = await Event.filter(ticket_id=ticket.id, kind=EventKind.SLA_BREACHED)
        assert [e.data["clock"] for e in breaches] == ["next_response"]
        assert len(notices(world, topic)) == 2
