"""Setup mistakes in the operator group hold customers' messages; fixing them sends them.

Topics turned off, the bot's rights taken away: customers keep writing, operators are
told in General what to fix, and once it is fixed every message shows in its topic,
without a restart of botdesk.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from core.config import Settings
from sandbox.telegram import User
from tests.e2e.conftest import FAST_RATES, general, opened, shown, topic_of, until, welcomed
from tests.fixtures.desk import DeskRunner
from tests.fixtures.telegram_sandbox import DeskWorld

# held work is probed this often in these tests (30 s by default)
RECHECK = 0.3


@pytest.fixture
async def probing_desk(
    desk_world: DeskWorld, desk_settings: Callable[..., Settings], run_desk: DeskRunner
) -> AsyncIterator[DeskWorld]:
    """The desk, probing held work every RECHECK seconds."""
    world = desk_world
    settings = desk_settings(
        world.sandbox, world.bot, world.group, hold_recheck_seconds=RECHECK, **FAST_RATES
    )
    async with run_desk(settings):
        await welcomed(world)
        yield world


def write(world: DeskWorld, customer: User, *texts: str) -> None:
    """``customer`` sends each of ``texts`` to the bot."""
    for text in texts:
        world.sandbox.send_text(customer, world.bot, text)


async def test_topics_off_holds_every_message_until_topics_are_on(probing_desk: DeskWorld) -> None:
    world, sb = probing_desk, probing_desk.sandbox
    topic = await opened(world, "Before")
    sb.set_forum(world.group, False)
    bob = sb.create_user("Bob", language_code="en")
    write(world, world.customer, "Old customer, Topics off")
    write(world, bob, "New customer, Topics off", "Bob again")
    alert = await until(sb, lambda: general(world))
    assert "Topics are turned off" in alert[0].body
    sb.set_forum(world.group, True)
    await shown(world, topic, "Old customer, Topics off")  # the same topic as before
    bob_topic = await topic_of(world, bob)
    await until(
        sb,
        lambda: all(
            any(text in (m.body or "") for m in sb.messages(world.group, topic=bob_topic))
            for text in ("New customer, Topics off", "Bob again")
        ),
    )
    assert len(world.group.topics) == 2
    assert len(general(world)) == 1  # one alert, however many messages waited


async def test_rights_taken_and_given_back_without_an_event_are_probed(
    probing_desk: DeskWorld,
) -> None:
    world, sb = probing_desk, probing_desk.sandbox
    await opened(world)
    sb.set_bot_rights(world.group, world.bot, admin=True, can_manage_topics=False)
    bob = sb.create_user("Bob", language_code="en")
    write(world, bob, "Bob needs help")
    alert = await until(sb, lambda: general(world))
    assert "needs to be an administrator" in alert[0].body
    assert "Manage topics" in alert[0].body
    # rights come back while the desk misses the update that says so
    world.group.members[world.bot.id].rights["can_manage_topics"] = True
    bob_topic = await topic_of(world, bob)
    await shown(world, bob_topic, "Bob needs help")


async def test_the_bot_removed_from_the_group_and_added_back_loses_nothing(
    probing_desk: DeskWorld,
) -> None:
    world, sb = probing_desk, probing_desk.sandbox
    topic = await opened(world)
    sb.remove_bot(world.group, world.bot)  # "chat not found" / "not a member" from now on
    bob = sb.create_user("Bob", language_code="en")
    write(world, bob, "Bob writes to a desk without a group")
    write(world, world.customer, "Still there?")
    await asyncio.sleep(1.0)  # several probes meet the missing group meanwhile
    assert not [t for t in world.group.topics.values() if "Bob" in t.name]
    sb.add_bot(world.group, world.bot, admin=True)
    await shown(world, await topic_of(world, bob), "Bob writes to a desk without a group")
    await shown(world, topic, "Still there?")
