"""The SLA side of the work lists in the group: /overdue, /stale and countdowns in /queue.

The desk runs for real against the sandbox; the clocks and waits are set on the stored
ticket by hand (how they come to be is the clocks' own business), relative to the real
time the running desk reads.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from core.enums import Channel, SlaClock, SlaOutcome, TicketStatus
from core.i18n import gettext
from core.models import Conversation, Customer, Ticket, TicketClock
from operators_group.commands import STALE_USAGE
from sandbox.telegram import MessageView
from tests.e2e.conftest import command, opened
from tests.fixtures.telegram_sandbox import DeskWorld


async def set_clock(
    ticket: Ticket, due_in: timedelta, *, outcome: SlaOutcome | None = None
) -> None:
    """Make ``ticket``'s only running clock a first response due ``due_in`` from now."""
    now = datetime.now(UTC)
    await TicketClock.filter(ticket_id=ticket.id).delete()
    await TicketClock.create(
        ticket=ticket,
        clock=SlaClock.FIRST_RESPONSE,
        target_seconds=3600,
        warn_seconds=300,
        started_at=now - timedelta(hours=1),
        due_at=now + due_in,
        warn_at=now + due_in - timedelta(minutes=5),
        outcome=outcome,
        breached_at=now if outcome is SlaOutcome.BREACHED else None,
    )


def links(view: MessageView) -> list[str]:
    """The URLs of the text links in a message."""
    return [e["url"] for e in view.entities if e.get("type") == "text_link"]


async def test_overdue_lists_a_breached_ticket_with_its_overdue_time(
    admin_desk: DeskWorld,
) -> None:
    world = admin_desk
    topic = await opened(world)
    ticket = await Ticket.get()
    nothing = await command(world, world.operator, "/overdue")
    assert nothing.body == "Nothing is overdue or due soon."
    await set_clock(ticket, -timedelta(minutes=5, seconds=20), outcome=SlaOutcome.BREACHED)
    # another customer's ticket, due in two hours: not overdue, not listed
    customer = await Customer.create(channel=Channel.TELEGRAM, external_id=7001, first_name="Bob")
    conversation = await Conversation.create(
        customer=customer, channel=Channel.TELEGRAM, chat_id=7001
    )
    later = await Ticket.create(conversation=conversation, status=TicketStatus.NEW)
    await set_clock(later, timedelta(hours=2))

    answer = await command(world, world.operator, "/overdue")

    lines = answer.body.splitlines()
    assert lines[0] == "Overdue and due soon"
    assert len(lines) == 2 and lines[1].startswith(f"#{ticket.number} Alice Customer")
    assert re.search(r" · ⚠ first reply 5 min [23][0-9] s overdue$", lines[1]), lines[1]
    internal = str(world.group.id).removeprefix("-100")
    assert links(answer) == [f"https://t.me/c/{internal}/{topic.thread_id}"]


async def test_queue_shows_each_tickets_countdown(admin_desk: DeskWorld) -> None:
    world = admin_desk
    await opened(world)
    ticket = await Ticket.get()
    await set_clock(ticket, timedelta(minutes=12, seconds=30))

    answer = await command(world, world.operator, "/queue")

    line = answer.body.splitlines()[1]
    assert line.startswith(f"#{ticket.number} Alice Customer")
    assert re.search(r" · ⏱ first reply in 12 min [12][0-9] s$", line), line


async def test_stale_lists_a_ticket_whose_customer_waits(admin_desk: DeskWorld) -> None:
    world = admin_desk
    await opened(world)
    ticket = await Ticket.get()
    ticket.awaiting_reply_since = datetime.now(UTC) - timedelta(seconds=20)
    await ticket.save()
    recent = await command(world, world.operator, "/stale 1m")
    assert recent.body == "No customer has waited that long."
    ticket.awaiting_reply_since = datetime.now(UTC) - timedelta(minutes=3)
    await ticket.save()

    answer = await command(world, world.operator, "/stale 1m")

    title, line = answer.body.splitlines()
    assert title == "Waiting longer than 1 min"
    assert line.startswith(f"#{ticket.number} Alice Customer") and "⏳ waits 3 min" in line


async def test_stale_without_a_time_answers_with_an_example(admin_desk: DeskWorld) -> None:
    world = admin_desk
    await opened(world)
    usage = gettext(STALE_USAGE, "en")
    for text in ("/stale", "/stale soon", "/stale 90"):
        answer = await command(world, world.operator, text)
        assert answer.body == usage and "/stale 2h" in answer.body
    help_text = await command(world, world.operator, "/help")
    assert "/overdue" in help_text.body and "/stale 2h" in help_text.body
