"""A ticket nobody answers, as the desk's people meet it: the real app against the sandbox.

The SLA clock runs on the real scheduler with targets of seconds: the on-shift operator is
warned, the breach is told in the topic to the seniors and escalated once to the Reports
topic, the card and the title show it, and an answer takes the marks away.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from core.config import Settings
from core.enums import EventKind
from core.models import Event, Ticket
from sandbox.telegram import MessageView, Topic, User
from tests.e2e.conftest import FAST_RATES, command, in_topic, opened, received, until, welcomed
from tests.e2e.sla_helpers import mentions as mentioned
from tests.e2e.sla_helpers import reports_lines
from tests.e2e.test_card_buttons import card_in
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

#: first response due 6 s after the ticket opens, its warning 3 s before that
SLA = {
    "warn_before": "3s",
    "normal": {"first_response": "6s", "resolution": "10m", "business_hours": False},
}
WAIT = 20.0


@pytest.fixture
async def sla_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk with Olga as admin and second-long SLA targets for normal tickets."""
    world = desk_world
    settings = desk_settings(
        world.sandbox, world.bot, world.group, admin_ids=[world.owner.id], sla=SLA, **FAST_RATES
    )
    async with run_desk(settings):
        await welcomed(world)
        yield world


def mentions(message: MessageView, user: User) -> bool:
    """Does ``message`` mention ``user``?"""
    return any(mentioned(entity, user.id) for entity in message.entities)


def sla_notices(world: DeskWorld, topic: Topic) -> list[MessageView]:
    return [m for m in in_topic(world, topic) if "SLA" in m.body]


async def test_unanswered_ticket_is_warned_breached_escalated_once_and_cleared_by_an_answer(
    sla_desk: DeskWorld,
) -> None:
    world, sb, ivan, olga = sla_desk, sla_desk.sandbox, sla_desk.operator, sla_desk.owner
    maria = sb.create_user("Maria", username="maria_senior")
    sb.add_member(world.group, maria)
    await command(world, maria, "/whoami")  # the desk meets her
    assert (await command(world, olga, "/role @maria_senior senior")).body.startswith("✅")
    await command(world, ivan, "/shift on")

    topic = await opened(world, "Where is my order?")
    ticket = await Ticket.get()
    card = await until(sb, lambda: card_in(world, topic))
    assert "⏱ first response by " in card.body

    # nobody owns the ticket: the warning goes to whoever is on shift
    warning = await until(sb, lambda: next(iter(sla_notices(world, topic)), None), WAIT)
    assert warning.body.startswith("⏰ SLA warning: first response due at "), warning.body
    assert mentions(warning, ivan) and not mentions(warning, maria)

    # the breach: the seniors in the topic, one line for the managers
    breach = await until(sb, lambda: next(iter(sla_notices(world, topic)[1:]), None), WAIT)
    assert breach.body.startswith("🚨 SLA breached: first response was due at "), breach.body
    assert mentions(breach, maria)
    line = await until(sb, lambda: next(iter(reports_lines(world)), None), WAIT)
    assert line.body.startswith(f"🚨 SLA breached on #{ticket.number} (\u2068Alice Customer\u2069")
    assert "first response" in line.body and line.body.endswith("assignee: nobody")
    await until(sb, lambda: topic.name.startswith("🆕🚨 "), WAIT)
    await until(sb, lambda: "⚠ first response overdue" in (card_in(world, topic) or card).body)

    # an answer stops the clock: the marks go, and nothing more is told
    sb.send_text(ivan, world.group, "It ships today", topic=topic)
    await received(world, "It ships today")
    await until(sb, lambda: not topic.name.startswith("🆕🚨"), WAIT)
    await until(sb, lambda: "overdue" not in (card_in(world, topic) or card).body, WAIT)
    await asyncio.sleep(2)  # a second notice or line would have been posted by now
    assert len(sla_notices(world, topic)) == 2 and len(reports_lines(world)) == 1
    kinds = [e.kind for e in await Event.filter(ticket_id=ticket.id, kind__startswith="sla_")]
    assert kinds == [EventKind.SLA_WARNED, EventKind.SLA_BREACHED]
