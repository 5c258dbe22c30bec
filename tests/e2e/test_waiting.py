"""Waiting on the customer, end to end with an injected clock that the test moves on.

The desk runs for real against the sandbox with ``[waiting] nudge_after = "1h"`` and
``auto_resolve_after = "1d"``. Ivan puts the ticket in waiting with the card's buttons;
the test then moves the desk's clock past each moment and wakes its scheduler, as the
passing of an hour would: the customer is reminded in their language, then the ticket is
resolved by the desk and the customer asked for a rating. A reply in between cancels both.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from botdesk.app import Desk, run_app
from core.clock import SystemClock
from core.config import Settings
from core.enums import EventKind, TicketStatus
from core.models import Event, Ticket
from sandbox.telegram import MessageView, Topic
from tests.e2e.conftest import FAST_RATES, command, from_bot, opened, received, shown, welcomed
from tests.e2e.test_card_buttons import card_of, card_shows, press
from tests.fixtures.desk import ShiftedClock
from tests.fixtures.telegram_sandbox import DeskWorld

NUDGE_EN = (
    "Hello! This is the support team of Acme. We are still waiting for your reply about "
    "request #{n}. If you still need help, just answer in this chat."
)
NUDGE_RU = (
    "Здравствуйте! Это служба поддержки Acme. Мы всё ещё ждём вашего ответа по обращению "
    "#{n}. Если помощь ещё нужна, просто ответьте в этом чате."
)
RATE = "✅ Your request #{n} is resolved. How would you rate our help?"
WAITING = {"nudge_after": "1h", "auto_resolve_after": "1d"}


class JumpingClock(ShiftedClock):
    """The wall clock's pace, and a jump forward when the test says so."""

    def __init__(self) -> None:
        super().__init__(SystemClock().now())

    def jump(self, **delta: float) -> None:
        """Move the time forward by ``timedelta(**delta)``."""
        self._offset += timedelta(**delta)


@asynccontextmanager
async def waiting_desk(
    world: DeskWorld, make: Callable[..., Settings], clock: JumpingClock
) -> AsyncIterator[Desk]:
    """Run the desk with ``[waiting]`` on ``clock``; yield it (its scheduler is woken)."""
    settings = make(world.sandbox, world.bot, world.group, waiting=WAITING, **FAST_RATES)
    built: list[Desk] = []
    stop = asyncio.Event()
    app = asyncio.create_task(run_app(settings, stop, on_built=built.append, clock=clock))
    try:
        await welcomed(world)
        yield built[0]
    finally:
        stop.set()
        await asyncio.wait_for(app, timeout=15)


def later(desk: Desk, clock: JumpingClock, **delta: float) -> None:
    """Time passes: the clock jumps and the scheduler looks at its deadlines again."""
    clock.jump(**delta)
    desk.scheduler.wake()


async def put_waiting(world: DeskWorld, topic: Topic) -> Ticket:
    """Ivan takes the ticket and sets it waiting for the customer with the card's menus."""
    ivan = world.operator
    card = await card_of(world, topic)
    await press(world, ivan, card, "🙋 Take")
    card = await card_shows(world, topic, lambda c: "Assignee: Ivan" in c.body)
    await press(world, ivan, card, "Status ▾")
    menu = await card_shows(world, topic, lambda c: "⬅ Back" in labels(c))
    await press(world, ivan, menu, "⏳ waiting for customer")
    await card_shows(world, topic, lambda c: "waiting for customer" in c.body.splitlines()[0])
    return await Ticket.get(card_message_id=card.message_id)


def labels(card: MessageView) -> list[str]:
    return [button.text for row in card.buttons for button in row]


async def test_reminded_after_an_hour_then_resolved_by_the_desk_after_a_day(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings]
) -> None:
    world, clock = desk_world, JumpingClock()
    async with waiting_desk(world, desk_settings, clock) as desk:
        topic = await opened(world, "My parcel is lost")
        ticket = await put_waiting(world, topic)
        before = len(from_bot(world))

        later(desk, clock, minutes=59)
        await asyncio.sleep(1.5)  # the scheduler looked and found nothing due
        assert len(from_bot(world)) == before
        later(desk, clock, minutes=1, seconds=1)
        await received(world, NUDGE_EN.format(n=ticket.number))
        await shown(world, topic, "🔔 The customer was reminded that we wait for their reply.")
        assert (await Ticket.get(id=ticket.id)).status == TicketStatus.WAITING

        later(desk, clock, days=1)
        await received(world, RATE.format(n=ticket.number))
        await card_shows(world, topic, lambda c: "resolved" in c.body.splitlines()[0])
        await shown(world, topic, "✅ Resolved by the desk: no reply from the customer in 1 d.")
        resolved = await Ticket.get(id=ticket.id)
        assert resolved.status == TicketStatus.RESOLVED
        log = await command(world, world.operator, "/log", topic)
        assert "status: waiting for customer → resolved — desk" in log.body, log.body
        assert "customer reminded that we wait for their reply — desk" in log.body, log.body
        reminders = [m for m in from_bot(world) if m.body.startswith("Hello! This is the support")]
        assert len(reminders) == 1


async def test_a_russian_customer_is_reminded_in_russian(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings]
) -> None:
    world, clock = desk_world, JumpingClock()
    world.customer.language_code = "ru"
    async with waiting_desk(world, desk_settings, clock) as desk:
        topic = await opened(world, "Посылка потерялась")
        ticket = await put_waiting(world, topic)
        later(desk, clock, hours=1, seconds=1)
        await received(world, NUDGE_RU.format(n=ticket.number))


async def test_a_customer_reply_cancels_the_reminder_and_the_resolve(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings]
) -> None:
    world, clock = desk_world, JumpingClock()
    async with waiting_desk(world, desk_settings, clock) as desk:
        topic = await opened(world, "My parcel is lost")
        ticket = await put_waiting(world, topic)
        later(desk, clock, minutes=30)
        world.sandbox.send_text(world.customer, world.bot, "Here is the tracking number: 42")
        await shown(world, topic, "Here is the tracking number: 42")
        await card_shows(world, topic, lambda c: "waiting" not in c.body.splitlines()[0])
        before = len(from_bot(world))

        later(desk, clock, days=2)
        await asyncio.sleep(2)  # long enough for a reminder or a rating request to go out
        assert len(from_bot(world)) == before
        assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
        assert not await Event.filter(ticket_id=ticket.id, kind=EventKind.NUDGED).exists()
