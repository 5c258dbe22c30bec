"""Presence and auto-assignment as operators meet them in the group and the topics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from core.config import Settings
from tests.e2e.conftest import FAST_RATES, command, in_topic, opened, until
from tests.e2e.test_card_buttons import card_shows
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld


@pytest.fixture
async def assigning_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk with ASSIGNMENT=round_robin; Olga (owner) is the admin, Ivan an agent."""
    world = desk_world
    settings = desk_settings(
        world.sandbox,
        world.bot,
        world.group,
        admin_ids=[world.owner.id],
        assignment="round_robin",
        **FAST_RATES,
    )
    async with run_desk(settings):
        yield world


async def test_online_assigns_new_tickets_and_away_hands_them_back(
    assigning_desk: DeskWorld,
) -> None:
    world, olga, ivan = assigning_desk, assigning_desk.owner, assigning_desk.operator
    assert (await command(world, ivan, "/online")).body == "🟢 You are online."
    # a new customer's card names Ivan without anyone tapping Take
    topic = await opened(world)
    card = await card_shows(world, topic, lambda c: "Assignee: Ivan" in (c.text or ""))
    assert "🙋 Take" not in [b.text for row in card.buttons for b in row]
    listing = await command(world, olga, "/capacity")
    assert "Ivan" in listing.body and "1/5" in listing.body
    answer = await command(world, ivan, "/away")
    assert answer.body.startswith("🟡 You are away") and "handed back: 1" in answer.body

    def noticed() -> str | None:
        texts = [m.text or "" for m in in_topic(world, topic) if m.sender_is_bot]
        return next((t for t in texts if "went away" in t), None)

    note = await until(world.sandbox, noticed)
    assert "back in the queue" in note  # nobody else is online
    await card_shows(world, topic, lambda c: "Assignee: —" in (c.text or ""))
    # Olga comes online: the queue is handed to her
    back = await command(world, olga, "/online")
    assert "given to you: 1" in back.body
    await card_shows(world, topic, lambda c: "Assignee: Olga" in (c.text or ""))


async def test_bad_arguments_get_an_example(assigning_desk: DeskWorld) -> None:
    world, olga, ivan = assigning_desk, assigning_desk.owner, assigning_desk.operator
    assert (await command(world, olga, "/capacity @ivan_operator lots")).body.startswith("Usage:")
    assert (await command(world, ivan, "/languages klingon!")).body.startswith("Usage:")
    refused = await command(world, ivan, "/capacity @ivan_operator 9")
    assert refused.body == "⛔ Only an admin may do that."
    done = await command(world, olga, "/capacity @ivan_operator 9")
    assert done.body.startswith("✅") and "Ivan" in done.body
    mine = await command(world, ivan, "/languages ru en")
    assert mine.body == "✅ Ivan answers in: ru, en"
