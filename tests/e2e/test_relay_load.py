"""Load with Telegram's flood limits on: every customer message reaches its topic once, in order.

The sandbox enforces Telegram's limits with their windows scaled down (so the test
takes seconds, not an hour); the desk's own budgets are scaled the same way.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

from core.config import Settings
from sandbox.telegram import Limits, TelegramSandbox, User
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

SCALE = 0.02  # 20 messages per 1.2 s in a group instead of per minute
CUSTOMERS = 50
MESSAGES = 20
TOKEN = re.compile(r"c(\d+)-m(\d+)")


def scaled_rates(scale: float) -> dict[str, str]:
    """Desk budgets matching ``Limits().scaled(scale)``."""
    return {
        "rate_private_chat": f"1/{1.0 * scale}",
        "rate_group": f"20/{60.0 * scale}",
        "rate_bot": f"30/{1.0 * scale}",
    }


def tokens_in_topics(sb: TelegramSandbox, world: DeskWorld) -> dict[int, list[tuple[int, int]]]:
    """Per topic, the (customer, message) tokens the operators can read, in order."""
    seen: dict[int, list[tuple[int, int]]] = {}
    for topic in world.group.topics.values():
        found = seen.setdefault(topic.thread_id, [])
        for view in sb.messages(world.group, topic=topic):
            for customer, number in TOKEN.findall(view.body or ""):
                found.append((int(customer), int(number)))
    return seen


async def send_load(sb: TelegramSandbox, world: DeskWorld, customers: list[User]) -> None:
    """Every customer sends MESSAGES numbered texts, interleaved, within a few seconds."""
    for number in range(MESSAGES):
        for index, customer in enumerate(customers):
            sb.send_text(customer, world.bot, f"c{index}-m{number} please help")
        await asyncio.sleep(0.05)


async def test_fifty_customers_twenty_messages_each_nothing_lost(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> None:
    sb = desk_world.sandbox
    sb.limits = Limits().scaled(SCALE)
    customers = [sb.create_user(f"Load{i}", language_code="en") for i in range(CUSTOMERS)]
    settings = desk_settings(sb, desk_world.bot, desk_world.group, **scaled_rates(SCALE))
    expected = CUSTOMERS * MESSAGES

    async with run_desk(settings):
        await send_load(sb, desk_world, customers)
        await sb.wait_for(
            lambda: sum(map(len, tokens_in_topics(sb, desk_world).values())) >= expected,
            timeout=120,
        )
        await asyncio.sleep(0.5)  # anything extra (a duplicate) would show up by now

    topics = tokens_in_topics(sb, desk_world)
    assert len(topics) == CUSTOMERS
    for thread_id, tokens in topics.items():
        owners = {customer for customer, _ in tokens}
        assert len(owners) == 1, f"topic {thread_id} mixes customers: {owners}"
        assert [number for _, number in tokens] == list(range(MESSAGES)), (
            f"topic {thread_id}: every message exactly once, in order"
        )
    # More customer messages became visible than the group budget has sends.
    sends = sum(
        1
        for topic in desk_world.group.topics.values()
        for view in sb.messages(desk_world.group, topic=topic)
        if view.sender_is_bot and view.service is None
    )
    assert sends < expected
