"""Team commands as operators meet them: roles from ADMIN_IDS, /role, /shift, /whoami."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from core.config import Settings
from core.enums import EventKind, OperatorRole
from core.models import Event, Operator
from sandbox.telegram import MessageView, Topic, User
from tests.e2e.conftest import FAST_RATES, general, in_topic, opened, until
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld


@pytest.fixture
async def team_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk with the group's owner (Olga) as the one admin from ADMIN_IDS."""
    world = desk_world
    settings = desk_settings(
        world.sandbox, world.bot, world.group, admin_ids=[world.owner.id], **FAST_RATES
    )
    async with run_desk(settings):
        yield world


async def command(
    world: DeskWorld, user: User, text: str, topic: Topic | None = None
) -> MessageView:
    """``user`` writes ``text`` in General (or ``topic``); return the desk's answer."""

    def bot_said() -> list[MessageView]:
        shown = general(world) if topic is None else in_topic(world, topic)
        return [m for m in shown if m.sender_is_bot]

    before = len(bot_said())
    world.sandbox.send_text(user, world.group, text, topic=topic)
    return await until(world.sandbox, lambda: next(iter(bot_said()[before:]), None))


async def role_of(user: User) -> OperatorRole:
    return OperatorRole((await Operator.get(telegram_id=user.id)).role)


async def test_admin_from_config_promotes_an_agent(team_desk: DeskWorld) -> None:
    world, olga, ivan = team_desk, team_desk.owner, team_desk.operator
    answer = await command(world, ivan, "/whoami")
    assert "Ivan" in answer.body and "agent" in answer.body and str(ivan.id) in answer.body
    answer = await command(world, olga, "/role @ivan_operator senior")
    assert answer.body.startswith("✅") and "Ivan @ivan_operator — senior" in answer.body
    assert await role_of(ivan) is OperatorRole.SENIOR and await role_of(olga) is OperatorRole.ADMIN
    event = await Event.get(kind=EventKind.ROLE)
    assert event.data == {"operator": ivan.id, "old": "agent", "new": "senior"}
    assert event.actor_id == (await Operator.get(telegram_id=olga.id)).id
    listing = await command(world, olga, "/role")
    assert "Olga @olga_owner — admin" in listing.body
    assert "Ivan @ivan_operator — senior" in listing.body
    answer = await command(world, olga, f"/role {ivan.id} manager")
    assert "manager" in answer.body and await role_of(ivan) is OperatorRole.MANAGER


async def test_an_agent_cannot_change_roles_not_even_their_own(team_desk: DeskWorld) -> None:
    world, olga, ivan = team_desk, team_desk.owner, team_desk.operator
    await command(world, olga, "/whoami")
    for text in (
        "/role @ivan_operator admin",
        "/role @olga_owner agent",
        f"/role {ivan.id} senior",
    ):
        answer = await command(world, ivan, text)
        assert answer.body == "⛔ Only an admin may do that."
    assert await role_of(ivan) is OperatorRole.AGENT and await role_of(olga) is OperatorRole.ADMIN
    assert await Event.filter(kind=EventKind.ROLE).count() == 0
    assert await Event.filter(kind=EventKind.REFUSED).count() == 3
    unknown = await command(world, olga, "/role @ghost senior")
    assert "don't know @ghost" in unknown.body


async def test_shift_on_then_the_list_shows_who_is_on(team_desk: DeskWorld) -> None:
    world, olga, ivan = team_desk, team_desk.owner, team_desk.operator
    assert (await command(world, olga, "/shift")).body == "Nobody is on shift."
    assert (await command(world, ivan, "/shift on")).body == "🟢 You are on shift."
    listing = await command(world, olga, "/shift")
    assert "Ivan @ivan_operator" in listing.body and "Olga" not in listing.body
    assert (await Operator.get(telegram_id=ivan.id)).on_shift
    assert (await command(world, ivan, "/shift off")).body == "⚪ You are off shift."
    assert (await command(world, olga, "/shift")).body == "Nobody is on shift."


async def test_commands_answer_in_the_topic_where_they_were_written(team_desk: DeskWorld) -> None:
    world, ivan = team_desk, team_desk.operator
    topic = await opened(world)
    answer = await command(world, ivan, "/whoami", topic=topic)
    assert answer.thread_id == topic.thread_id and "Ivan" in answer.body
    customer_chat = world.sandbox.private_chat(world.bot, world.customer)
    assert not any("/whoami" in m.body for m in world.sandbox.messages(customer_chat))
