"""SLA notices as operators and managers meet them: the real app against the sandbox.

The scheduler that fires deadlines is not part of this test: the fired alarm is handed
to ``announce`` in a transaction, as the scheduler does, and the running desk's outbox
takes it from there (its worker finds the items on its next scan).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from core.clock import SystemClock
from core.config import Settings
from core.context import DeskContext
from core.entities import SlaAlarm
from core.enums import OperatorRole, SlaClock, SlaOutcome, TicketPriority
from core.models import Operator, Ticket, TicketClock
from core.notices.sla import announce
from core.tickets.card_refresh import queue_refresh
from sandbox.telegram import MessageView, Topic
from tests.e2e.conftest import FAST_RATES, in_topic, opened, until, welcomed
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

CLOCK = SystemClock()


@pytest.fixture
async def sla_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk running on ``desk_world``; Ivan (the operator) is a senior."""
    world = desk_world
    settings = desk_settings(world.sandbox, world.bot, world.group, **FAST_RATES)
    async with run_desk(settings):
        await welcomed(world)
        yield world


def context(world: DeskWorld) -> DeskContext:
    return DeskContext(group_chat_id=world.group.id, clock=CLOCK)


async def overdue_first_response(ticket: Ticket) -> SlaAlarm:
    """The ticket's first-response clock, past due a minute ago and just marked breached."""
    due = CLOCK.now() - timedelta(minutes=1)
    await TicketClock.update_or_create(
        ticket_id=ticket.id,
        clock=SlaClock.FIRST_RESPONSE,
        cycle=1,
        defaults={
            "target_seconds": 60,
            "started_at": due - timedelta(minutes=1),
            "due_at": due,
            "outcome": SlaOutcome.BREACHED,
            "breached_at": CLOCK.now(),
            "stopped_at": None,
        },
    )
    return SlaAlarm(
        stage="breach",
        ticket_id=ticket.id,
        conversation_id=ticket.conversation_id,
        clock=SlaClock.FIRST_RESPONSE,
        cycle=1,
        due_at=due,
        priority=TicketPriority(ticket.priority),
        assignee_id=ticket.assignee_id,
    )


def card_in(world: DeskWorld, topic: Topic) -> MessageView | None:
    shown = world.sandbox.messages(world.group, topic=topic)
    return next((m for m in shown if m.sender_is_bot and m.pinned), None)


def reports(world: DeskWorld) -> Topic | None:
    return next((t for t in world.group.topics.values() if t.name == "📊 Reports"), None)


def mentions(entity: dict[str, Any], user_id: int) -> bool:
    """Does a message entity mention ``user_id`` (a tg://user link or a text mention)?"""
    url = entity.get("url") == f"tg://user?id={user_id}"
    return url or (entity.get("user") or {}).get("id") == user_id


def escalation(world: DeskWorld) -> MessageView | None:
    """The one line in the Reports topic, once it is there."""
    topic = reports(world)
    if topic is None:
        return None
    shown = [m for m in world.sandbox.messages(world.group, topic=topic) if m.service is None]
    assert len(shown) <= 1
    return shown[0] if shown else None


async def test_a_breach_is_told_in_the_topic_and_to_managers_and_shows_until_answered(
    sla_desk: DeskWorld,
) -> None:
    world = sla_desk
    topic = await opened(world, "Where is my order?")
    ticket = await Ticket.get()
    await Operator.update_or_create(
        telegram_id=world.operator.id, defaults={"name": "Ivan", "role": OperatorRole.SENIOR}
    )
    alarm = await overdue_first_response(ticket)
    async with in_transaction() as connection:
        await announce(connection, context(world), alarm)

    notice = await until(
        world.sandbox,
        lambda: next((m for m in in_topic(world, topic) if "SLA" in m.body), None),
    )
    assert notice.body.startswith("🚨 SLA breached: first response was due at ")
    assert notice.body.endswith("— Ivan")  # a mention of the senior
    assert any(mentions(entity, world.operator.id) for entity in notice.entities)
    line = await until(world.sandbox, lambda: escalation(world))
    assert line.body.startswith(f"🚨 SLA breached on #{ticket.number} (")
    assert "first response" in line.body and line.body.endswith("assignee: nobody")
    await until(world.sandbox, lambda: topic.name.startswith("🆕🚨 "))
    card = await until(
        world.sandbox,
        lambda: (c := card_in(world, topic)) is not None and "overdue" in c.body and c,
    )
    assert "⚠ first response overdue 1 min" in card.body

    # an operator answered: the clock stops, the refresh takes the mark away
    await TicketClock.filter(ticket_id=ticket.id).update(stopped_at=CLOCK.now())
    async with in_transaction() as connection:
        await queue_refresh(connection, context(world), ticket)
    await until(world.sandbox, lambda: not topic.name.startswith("🆕🚨"))
    assert topic.name.startswith("🆕 #")
    await until(world.sandbox, lambda: "overdue" not in (card_in(world, topic) or card).body)
