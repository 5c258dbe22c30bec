"""Automation rules as a team meets them: the customer writes, the card already shows it.

The desk runs for real against the sandbox with a ``[[rules]]`` block; the customer writes
in Russian with a word form the keyword list does not spell out, and the topic's card
shows the raised priority and the tag, and /log says which rule did it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from core.config import Settings
from core.enums import TicketPriority
from core.models import Ticket
from sandbox.telegram import Topic
from tests.e2e.conftest import FAST_RATES, command, shown, topic_of, welcomed
from tests.e2e.test_card_buttons import card_shows
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

RULES = [
    {
        "name": "refunds",
        "when": {"keywords": ["возврат", "refund"], "language": ["ru"]},
        "then": {"priority": "high", "tags": ["billing"], "note": "Check the payment first"},
    }
]


async def russian_writes(world: DeskWorld, text: str) -> Topic:
    """Борис, whose Telegram speaks Russian, writes ``text``; return his topic once shown."""
    boris = world.sandbox.create_user("Борис", username="boris", language_code="ru")
    world.sandbox.private_chat(world.bot, boris)
    world.sandbox.send_text(boris, world.bot, text)
    topic = await topic_of(world, boris)
    await shown(world, topic, text)
    return topic


@pytest.fixture
async def rules_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk with the refunds rule; Ivan is an agent."""
    world = desk_world
    settings = desk_settings(world.sandbox, world.bot, world.group, rules=RULES, **FAST_RATES)
    async with run_desk(settings):
        await welcomed(world)
        yield world


async def test_a_russian_word_form_raises_priority_and_tags_the_card(
    rules_desk: DeskWorld,
) -> None:
    world = rules_desk
    topic = await russian_writes(world, "Здравствуйте, кто займётся ВОЗВРАТОМ денег?")
    card = await card_shows(
        world, topic, lambda c: "Priority: high" in c.body and "billing" in c.body
    )
    assert "Priority: normal" not in card.body
    ticket = await Ticket.get()
    assert (ticket.priority, ticket.tags) == (TicketPriority.HIGH, ["billing"])

    await shown(world, topic, "📝 Rule refunds: Check the payment first")

    log = await command(world, world.operator, "/log", topic)
    said = [line.split(" ", 2)[2] for line in log.body.splitlines()[1:]]  # without the time
    assert "priority: normal → high — rule refunds" in said, log.body
    assert any(line.endswith("— rule refunds") and "billing" in line for line in said), said


async def test_a_message_the_rule_does_not_match_leaves_the_card_as_it_was(
    rules_desk: DeskWorld,
) -> None:
    world = rules_desk
    topic = await russian_writes(world, "Подскажите часы работы")
    await card_shows(world, topic, lambda c: "Priority: normal" in c.body)
    log = await command(world, world.operator, "/log", topic)
    assert "rule" not in log.body
