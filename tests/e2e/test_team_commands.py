"""Team commands as operators meet them: roles from ADMIN_IDS, /role, /shift, /whoami."""

from __future__ import annotations

from core.enums import EventKind, OperatorRole
from core.models import Event, Operator
from sandbox.telegram import User
from tests.e2e.conftest import command, opened
from tests.fixtures.telegram_sandbox import DeskWorld


async def role_of(user: User) -> OperatorRole:
    return OperatorRole((await Operator.get(telegram_id=user.id)).role)


async def test_admin_from_config_promotes_an_agent(admin_desk: DeskWorld) -> None:
    world, olga, ivan = admin_desk, admin_desk.owner, admin_desk.operator
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


async def test_an_agent_cannot_change_roles_not_even_their_own(admin_desk: DeskWorld) -> None:
    world, olga, ivan = admin_desk, admin_desk.owner, admin_desk.operator
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


async def test_shift_on_then_the_list_shows_who_is_on(admin_desk: DeskWorld) -> None:
    world, olga, ivan = admin_desk, admin_desk.owner, admin_desk.operator
    assert (await command(world, olga, "/shift")).body == "Nobody is on shift."
    assert (await command(world, ivan, "/shift on")).body == "🟢 You are online."
    listing = await command(world, olga, "/shift")
    assert "Ivan @ivan_operator" in listing.body and "Olga" not in listing.body
    assert (await Operator.get(telegram_id=ivan.id)).on_shift
    assert (await command(world, ivan, "/shift off")).body == "⚪ You are offline."
    assert (await command(world, olga, "/shift")).body == "Nobody is on shift."


async def test_commands_answer_in_the_topic_where_they_were_written(admin_desk: DeskWorld) -> None:
    world, ivan = admin_desk, admin_desk.operator
    topic = await opened(world)
    answer = await command(world, ivan, "/whoami", topic=topic)
    assert answer.thread_id == topic.thread_id and "Ivan" in answer.body
    customer_chat = world.sandbox.private_chat(world.bot, world.customer)
    assert not any("/whoami" in m.body for m in world.sandbox.messages(customer_chat))
