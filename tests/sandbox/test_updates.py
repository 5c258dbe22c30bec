"""getUpdates semantics: confirmation by offset, long polling, conflicts, visibility."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError

from tests.fixtures.telegram_sandbox import DeskWorld


async def test_unconfirmed_updates_are_redelivered(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb = desk_world.sandbox
    sb.send_text(desk_world.customer, desk_world.bot, "one")
    sb.send_text(desk_world.customer, desk_world.bot, "two")
    first = await desk_bot.get_updates(timeout=0)
    again = await desk_bot.get_updates(timeout=0)
    assert [u.update_id for u in first] == [u.update_id for u in again]
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    # Confirming the first one keeps only the second.
    rest = await desk_bot.get_updates(offset=first[0].update_id + 1, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["two"]
    done = await desk_bot.get_updates(offset=rest[-1].update_id + 1, timeout=0)
    assert done == []
    assert await desk_bot.get_updates(timeout=0) == []  # confirmed ones never come back


async def test_limit_and_negative_offset(desk_world: DeskWorld, desk_bot: Bot) -> None:
    for i in range(5):
        desk_world.sandbox.send_text(desk_world.customer, desk_world.bot, f"m{i}")
    assert len(await desk_bot.get_updates(limit=2, timeout=0)) == 2
    last_two = await desk_bot.get_updates(offset=-2, timeout=0)
    assert [u.message.text for u in last_two if u.message] == ["m3", "m4"]
    assert len(await desk_bot.get_updates(timeout=0)) == 2  # the older ones are forgotten


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    async def later() -> None:
        await asyncio.sleep(0.2)
        desk_world.sandbox.send_text(desk_world.customer, desk_world.bot, "ping")

    task = asyncio.create_task(later())
    started = time.monotonic()
    updates = await desk_bot.get_updates(timeout=10)
    elapsed = time.monotonic() - started
    await task
    assert [u.message.text for u in updates if u.message] == ["ping"]
    assert 0.15 < elapsed < 2


async def test_long_poll_times_out_empty(desk_world: DeskWorld, desk_bot: Bot) -> None:
    started = time.monotonic()
    assert await desk_bot.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9


async def test_second_poller_terminates_the_first(
    desk_world: DeskWorld, desk_bot: Bot, sandbox_bot_factory
) -> None:
    other = sandbox_bot_factory(desk_world.bot)
    first = asyncio.create_task(desk_bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(other.get_updates(timeout=5))
    with pytest.raises(TelegramConflictError) as caught:
        await first
    assert (
        "terminated by other getUpdates request; make sure that only one bot instance is "
        "running" in caught.value.message
    )
    desk_world.sandbox.send_text(desk_world.customer, desk_world.bot, "hi")
    assert [u.message.text for u in await second if u.message] == ["hi"]


async def test_get_updates_while_webhook_is_set(desk_world: DeskWorld, desk_bot: Bot) -> None:
    await desk_bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(TelegramConflictError) as caught:
        await desk_bot.get_updates(timeout=0)
    assert caught.value.message == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    await desk_bot.delete_webhook()
    assert await desk_bot.get_updates(timeout=0) == []


async def test_allowed_updates_filters_new_updates(desk_world: DeskWorld, desk_bot: Bot) -> None:
    sb = desk_world.sandbox
    msg = sb.send_text(desk_world.customer, desk_world.bot, "rate me")
    sb.react(desk_world.customer, msg, "👍")  # not delivered by default
    kinds = [u.event_type for u in await desk_bot.get_updates(timeout=0)]
    assert kinds == ["message"]
    await desk_bot.get_updates(offset=-1, timeout=0, allowed_updates=["message_reaction"])
    sb.react(desk_world.customer, msg, "🔥")
    sb.send_text(desk_world.customer, desk_world.bot, "ignored now")
    updates = await desk_bot.get_updates(timeout=0)
    reaction = updates[-1].message_reaction
    assert reaction is not None and [r.emoji for r in reaction.new_reaction] == ["🔥"]  # type: ignore[union-attr]
    assert [r.emoji for r in reaction.old_reaction] == ["👍"]  # type: ignore[union-attr]
    assert "message" not in [u.event_type for u in updates[1:]]


async def test_group_visibility_follows_admin_status_and_privacy(
    desk_world: DeskWorld, desk_bot: Bot
) -> None:
    sb, group = desk_world.sandbox, desk_world.group
    topic = sb.create_topic(desk_world.operator, group, "Question")
    sb.send_text(desk_world.operator, group, "as admin the bot sees this", topic=topic)
    sb.set_bot_rights(group, desk_world.bot, admin=False)
    sb.send_text(desk_world.operator, group, "plain chatter", topic=topic)
    sb.send_text(desk_world.operator, group, "/queue", topic=topic)
    updates = await desk_bot.get_updates(timeout=0)
    messages = [u.message for u in updates if u.message]
    seen = [m.text or (m.forum_topic_created and "created") for m in messages]
    assert seen == ["created", "as admin the bot sees this", "/queue"]
    rights = [u.my_chat_member for u in updates if u.my_chat_member]
    assert rights and rights[0].new_chat_member.status == "member"
