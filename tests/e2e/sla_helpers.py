"""Helpers of the SLA rules' end-to-end tests: a desk with given targets and what it tells.

Targets are seconds, so the clocks run out while a test watches. What a test proves
not to happen is proven by waiting a bounded time past the moment it would have
happened (:func:`past`), read from the clock the desk stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from core.config import Settings
from core.enums import SlaClock
from core.models import Ticket, TicketClock
from sandbox.telegram import MessageView, Topic
from tests.e2e.conftest import FAST_RATES, in_topic, until, welcomed
from tests.e2e.test_card_buttons import card_shows, press
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

#: How long past a due time a notice that must not come is waited for: the scheduler
#: fires a due deadline at once and the outbox sends within a second, so three seconds
#: leave room for a busy machine without letting a late notice slip by unseen.
MARGIN = timedelta(seconds=3)


@asynccontextmanager
async def sla_running(
    world: DeskWorld, make: Callable[..., Settings], run_desk: DeskRunner, sla: dict[str, Any]
) -> AsyncIterator[DeskWorld]:
    """Run the desk on ``world`` with the ``[sla]`` table ``sla`` until the block ends."""
    settings = make(world.sandbox, world.bot, world.group, sla=sla, **FAST_RATES)
    async with run_desk(settings):
        await welcomed(world)
        yield world


def notices(world: DeskWorld, topic: Topic) -> list[MessageView]:
    """The desk's SLA notices in ``topic``, oldest first."""
    return [m for m in in_topic(world, topic) if m.sender_is_bot and "SLA" in m.body]


async def notice(world: DeskWorld, topic: Topic, head: str, timeout: float = 15.0) -> MessageView:  # noqa: ASYNC109
    """Wait for the SLA notice in ``topic`` that starts with ``head``."""
    return await until(
        world.sandbox,
        lambda: next((m for m in notices(world, topic) if m.body.startswith(head)), None),
        timeout=timeout,
    )


async def clock_of(ticket: Ticket, kind: SlaClock, cycle: int = 1) -> TicketClock:
    """The stored clock ``kind`` (``cycle``) of ``ticket``."""
    return await TicketClock.get(ticket_id=ticket.id, clock=kind, cycle=cycle)


async def past(moment: datetime, margin: timedelta = MARGIN) -> None:
    """Sleep until ``margin`` after ``moment`` (wall time): whatever was due has come."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    left = (aware + margin - datetime.now(UTC)).total_seconds()
    await asyncio.sleep(max(left, 0.0))


def mentions(entity: dict[str, Any], user_id: int) -> bool:
    """Does a message entity mention ``user_id`` (a tg://user link or a text mention)?"""
    url = entity.get("url") == f"tg://user?id={user_id}"
    return url or (entity.get("user") or {}).get("id") == user_id


def reports_lines(world: DeskWorld) -> list[MessageView]:
    """What the desk's "📊 Reports" topic shows (nothing while it does not exist)."""
    topic = next((t for t in world.group.topics.values() if t.name == "📊 Reports"), None)
    if topic is None:
        return []
    return [m for m in world.sandbox.messages(world.group, topic=topic) if m.service is None]


async def set_status(world: DeskWorld, topic: Topic, label: str) -> MessageView:
    """Ivan picks ``label`` in the card's Status menu; return the card showing the status."""
    card = await card_shows(world, topic, lambda c: "Status ▾" in labels(c))
    await press(world, world.operator, card, "Status ▾")
    menu = await card_shows(world, topic, lambda c: label in labels(c))
    await press(world, world.operator, menu, label)
    status = label.split(" ", 1)[1]
    return await card_shows(world, topic, lambda c: status in c.body.splitlines()[0])


def labels(card: MessageView) -> list[str]:
    """The texts of a card's buttons."""
    return [button.text for row in card.buttons for button in row]
