"""SLA clocks as an operator and a customer meet them: answered in time, paused, re-armed.

The real app runs against the sandbox with targets of a few seconds; the tests read what
the topic and the card show, and the SLA events the desk stores (the app runs in-process
on the test's database connection).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from functools import partial
from typing import Any

import pytest

from core.config import Settings
from core.enums import EventKind, SlaClock, SlaOutcome, TicketStatus
from core.models import Event, Ticket
from tests.e2e.conftest import opened, received, shown, until
from tests.e2e.sla_helpers import (
    MARGIN,
    clock_of,
    mentions,
    notice,
    notices,
    past,
    set_status,
    sla_running,
)
from tests.e2e.test_card_buttons import card_in, card_shows, press
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

SlaDesk = Callable[[dict[str, Any]], AbstractAsyncContextManager[DeskWorld]]
#: The warning comes 3 s after a new ticket: time enough for an operator to answer first.
FIRST_ONLY = {"warn_before": "3s", "normal": {"first_response": "6s", "business_hours": False}}
#: Only resolution runs; its warning comes 8 s in, after the operator set "waiting".
RESOLUTION_ONLY = {"warn_before": "2s", "normal": {"resolution": "10s", "business_hours": False}}
#: First response and resolution far off; next response short enough to run out.
NEXT_SHORT = {
    "warn_before": "2s",
    "normal": {
        "first_response": "30s",
        "next_response": "5s",
        "resolution": "60s",
        "business_hours": False,
    },
}
SLA_EVENTS = (EventKind.SLA_HIT, EventKind.SLA_WARNED, EventKind.SLA_BREACHED)


@pytest.fixture
def sla_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> SlaDesk:
    """``async with sla_desk(sla_table) as world:`` runs the desk with that ``[sla]`` table."""
    return partial(sla_running, desk_world, desk_settings, run_desk)


def countdowns(body: str) -> list[str]:
    """The SLA lines of a card's text (a countdown or an overdue line)."""
    return [line for line in body.splitlines() if line.startswith(("⏱", "⚠"))]


async def events(ticket: Ticket, kind: EventKind) -> list[Event]:
    """The ``kind`` events of ``ticket``, oldest first."""
    return await Event.filter(ticket_id=ticket.id, kind=kind).order_by("id")


async def test_an_answer_before_the_due_time_is_a_hit_and_nobody_is_told(
    sla_desk: SlaDesk,
) -> None:
    async with sla_desk(FIRST_ONLY) as world:
        topic = await opened(world, "Where is my order?")
        card = await card_shows(world, topic, lambda c: "⏱ first response by" in c.body)
        world.sandbox.send_text(world.operator, world.group, "Checking it now", topic=topic)
        await received(world, "Checking it now")
        ticket = await Ticket.get()
        first = await clock_of(ticket, SlaClock.FIRST_RESPONSE)
        assert first.outcome == SlaOutcome.HIT and first.due_at is not None

        await past(first.due_at)  # the warning and the breach would have come by now

        assert notices(world, topic) == []
        hits = await events(ticket, EventKind.SLA_HIT)
        assert [e.data["clock"] for e in hits] == ["first_response"]
        assert hits[0].data["used_seconds"] < 3
        assert await events(ticket, EventKind.SLA_WARNED) == []
        assert await events(ticket, EventKind.SLA_BREACHED) == []
        card = card_in(world, topic) or card
        assert countdowns(card.body) == [] and "overdue" not in card.body
        assert "🚨" not in topic.name


async def test_waiting_for_the_customer_pauses_resolution(sla_desk: SlaDesk) -> None:
    async with sla_desk(RESOLUTION_ONLY) as world:
        topic = await opened(world, "My parcel is lost")
        card = await card_shows(world, topic, lambda c: "⏱ resolution by" in c.body)
        await press(world, world.operator, card, "🙋 Take")
        card = await set_status(world, topic, "⏳ waiting for customer")
        await until(world.sandbox, lambda: topic.name.startswith("⏳ #"))
        ticket = await Ticket.get()
        resolution = await clock_of(ticket, SlaClock.RESOLUTION)
        assert resolution.paused_at is not None and resolution.due_at is None
        assert countdowns(card.body) == []  # a paused clock is not counted down

        # resolution's target ends in wall time; paused, it warns and breaches nobody
        await past(resolution.started_at + timedelta(seconds=resolution.target_seconds))

        assert notices(world, topic) == []
        for kind in SLA_EVENTS:
            assert await events(ticket, kind) == []
        after = card_in(world, topic)
        assert after is not None and countdowns(after.body) == []
        assert "🚨" not in topic.name
        assert (await Ticket.get(id=ticket.id)).status == TicketStatus.WAITING


async def test_a_customer_message_while_waiting_reopens_and_arms_next_response(
    sla_desk: SlaDesk,
) -> None:
    async with sla_desk(NEXT_SHORT) as world:
        ivan = world.operator
        topic = await opened(world, "The app crashes")
        world.sandbox.send_text(ivan, world.group, "Which version do you use?", topic=topic)
        await received(world, "Which version do you use?")
        await set_status(world, topic, "⏳ waiting for customer")
        await until(world.sandbox, lambda: topic.name.startswith("⏳ #"))

        world.sandbox.send_text(world.customer, world.bot, "Version 2.4")
        await shown(world, topic, "Version 2.4")
        await card_shows(world, topic, lambda c: "open" in c.body.splitlines()[0])
        await until(world.sandbox, lambda: topic.name.startswith("🟢"))

        warning = await notice(world, topic, "⏰ SLA warning: next response due at ")
        assert any(mentions(e, ivan.id) for e in warning.entities)  # the assignee
        breach = await notice(world, topic, "🚨 SLA breached: next response was due at ")
        assert any(mentions(e, ivan.id) for e in breach.entities)
        await until(world.sandbox, lambda: "🚨" in topic.name)
        await card_shows(world, topic, lambda c: "⚠ next response overdue" in c.body)

        ticket = await Ticket.get()
        following = await clock_of(ticket, SlaClock.NEXT_RESPONSE)
        assert following.outcome == SlaOutcome.BREACHED and following.stopped_at is None
        resolution = await clock_of(ticket, SlaClock.RESOLUTION)
        assert resolution.paused_at is None and resolution.due_at is not None  # resumed
        breaches = await events(ticket, EventKind.SLA_BREACHED)
        assert [e.data["clock"] for e in breaches] == ["next_response"]
        await asyncio.sleep(MARGIN.total_seconds())  # a second notice would show by now
        assert [m.body for m in notices(world, topic)] == [warning.body, breach.body]
